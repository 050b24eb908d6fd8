"""The selection flow: the config's ``selection:`` steps drawn as a flow diagram."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from rinec_report.model import InputError


@dataclass(frozen=True)
class Step:
    label: str
    n: int | None


def _step(item: Any, where: str) -> Step:
    """A step from ``{label: ..., n: ...}`` or a string such as '1,052 NPC patients'."""
    if isinstance(item, dict):
        label = item.get("label", item.get("step", item.get("name")))
        n = item.get("n", item.get("count"))
        if label is None:
            raise InputError(f"cohort: selection: {where} has no label")
        if n is not None:
            try:
                n = int(str(n).replace(",", ""))
            except ValueError:
                raise InputError(f"cohort: selection: {where}: n {n!r} is not a count") from None
        return Step(str(label), n)
    text = str(item).strip()
    match = re.match(r"^(\d[\d,]*)\s+(.+)$", text)
    if match:
        return Step(match.group(2), int(match.group(1).replace(",", "")))
    return Step(text, None)


def parse_selection(raw: Any) -> tuple[list[Step], list[Step]]:
    """(steps, branch): the chain of selection steps and the split at its end.

    The branch is the last item when it is ``{branch: [...]}`` or a list.
    """
    if not raw:
        return [], []
    if not isinstance(raw, list):
        raise InputError("cohort: selection: must be a list of steps")
    items = list(raw)
    branch_raw: list[Any] = []
    last = items[-1]
    if isinstance(last, dict) and "branch" in last:
        branch_raw = list(last["branch"] or [])
        items = items[:-1]
    elif isinstance(last, list):
        branch_raw = last
        items = items[:-1]
    steps = [_step(item, f"step {i + 1}") for i, item in enumerate(items)]
    branch = [_step(item, f"branch {i + 1}") for i, item in enumerate(branch_raw)]
    return steps, branch


def selection_problems(steps: list[Step], branch: list[Step]) -> list[str]:
    out = []
    for a, b in itertools.pairwise(steps):
        if a.n is not None and b.n is not None and b.n > a.n:
            out.append(f"step {b.label!r} ({b.n}) has more patients than the step before ({a.n})")
    counts = [s.n for s in branch]
    if steps and steps[-1].n is not None and branch and None not in counts:
        total = sum(c for c in counts if c is not None)
        if total != steps[-1].n:
            out.append(
                f"the branches add up to {total}, not the {steps[-1].n} of the last step"
            )
    return out


def _fmt(n: int | None) -> str:
    return "" if n is None else f"{n:,}"


def flow_chart(steps: list[Step], branch: list[Step]) -> Any:
    """Boxes joined by arrows, top to bottom, the branch as a row of boxes."""
    import altair as alt
    import pandas as pd

    row_h, box_h = 100, 56
    width = 640
    boxes, arrows, notes = [], [], []
    for i, step in enumerate(steps):
        top = i * row_h
        text = f"{step.label}\nn = {_fmt(step.n)}" if step.n is not None else step.label
        boxes.append({"x": 170, "x2": 470, "y": top, "y2": top + box_h, "text": text,
                      "cx": 320, "cy": top + box_h / 2, "kind": "step"})
    last_row = len(steps)
    k = max(len(branch), 1)
    slot = width / k
    for j, step in enumerate(branch):
        left = j * slot + 8
        text = f"{step.label}\nn = {_fmt(step.n)}" if step.n is not None else step.label
        boxes.append({"x": left, "x2": left + slot - 16, "y": last_row * row_h,
                      "y2": last_row * row_h + box_h, "text": text,
                      "cx": left + (slot - 16) / 2, "cy": last_row * row_h + box_h / 2,
                      "kind": "branch"})
    for i in range(1, len(steps)):
        arrows.append({"x": 320, "y": (i - 1) * row_h + box_h, "x2": 320, "y2": i * row_h})
        a, b = steps[i - 1].n, steps[i].n
        if a is not None and b is not None and a >= b:
            notes.append({"x": 332, "y": i * row_h - (row_h - box_h) / 2,
                          "text": f"{a - b:,} not selected"})
    if steps and branch:
        top = (len(steps) - 1) * row_h + box_h
        for box in boxes[len(steps):]:
            arrows.append({"x": 320, "y": top, "x2": box["cx"], "y2": box["y"]})
    height = (last_row + (1 if branch else 0)) * row_h
    x_scale = alt.Scale(domain=[0, width], nice=False, zero=False)
    y_scale = alt.Scale(domain=[height, 0], nice=False, zero=False)
    none = {"axis": None}
    box_df = pd.DataFrame(boxes)
    rect = alt.Chart(box_df).mark_rect(
        stroke="#4a4a4a", strokeWidth=1.2, cornerRadius=4).encode(
        x=alt.X("x:Q", scale=x_scale, **none), x2="x2", y=alt.Y("y:Q", scale=y_scale, **none),
        y2="y2", color=alt.Color("kind:N", legend=None, scale=alt.Scale(
            domain=["step", "branch"], range=["#eef3f8", "#fdf0e2"])))
    label = alt.Chart(box_df).mark_text(lineBreak="\n", fontSize=12, baseline="middle").encode(
        x=alt.X("cx:Q", scale=x_scale, **none), y=alt.Y("cy:Q", scale=y_scale, **none),
        text="text:N")
    layers = [rect, label]
    if arrows:
        arrow_df = pd.DataFrame(arrows)
        layers.append(alt.Chart(arrow_df).mark_rule(color="#4a4a4a", strokeWidth=1.2).encode(
            x=alt.X("x:Q", scale=x_scale, **none), y=alt.Y("y:Q", scale=y_scale, **none),
            x2="x2", y2="y2"))
        # Arrow heads: a point shaped as a wedge pointing along the line.
        import math

        arrow_df["angle"] = [
            -math.degrees(math.atan2(r["x2"] - r["x"], r["y2"] - r["y"])) % 360
            for r in arrows
        ]
        layers.append(alt.Chart(arrow_df).mark_point(
            shape="triangle-down", filled=True, size=70, color="#4a4a4a").encode(
            x=alt.X("x2:Q", scale=x_scale, **none), y=alt.Y("y2:Q", scale=y_scale, **none),
            angle=alt.Angle("angle:Q", scale=None)))
    if notes:
        layers.append(alt.Chart(pd.DataFrame(notes)).mark_text(
            align="left", fontSize=11, fontStyle="italic", color="#666666").encode(
            x=alt.X("x:Q", scale=x_scale, **none), y=alt.Y("y:Q", scale=y_scale, **none),
            text="text:N"))
    return alt.layer(*layers).properties(width=width, height=height).configure_view(
        strokeWidth=0)
