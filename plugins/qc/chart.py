"""MultiQC's general-statistics table as a heat map in its own colour scales.

MultiQC colours each column of its table by the column's ``scale`` (ColorBrewer names
such as ``BuPu``, ``-rev`` reversed) between the column's ``min`` and ``max`` (else the
data's range). Here each cell is coloured the same way, in the light part of the scheme
so that its text (the value in MultiQC's format) stays readable.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

# ColorBrewer's names (MultiQC's) as Vega's. Red-to-green schemes are swapped for their
# colour-blind-safe neighbours: the report never pairs a red with a green.
SCHEMES = {
    "Blues": "blues", "Greens": "greens", "Greys": "greys", "Oranges": "oranges", "Purples": "purples",
    "Reds": "reds", "BuGn": "bluegreen", "BuPu": "bluepurple", "GnBu": "greenblue", "OrRd": "orangered",
    "PuBuGn": "purplebluegreen", "PuBu": "purpleblue", "PuRd": "purplered", "RdPu": "redpurple",
    "YlGnBu": "yellowgreenblue", "YlGn": "yellowgreen", "YlOrBr": "yelloworangebrown",
    "YlOrRd": "yelloworangered", "BrBG": "brownbluegreen", "PuOr": "purpleorange", "RdBu": "redblue",
    "RdGy": "redgrey", "RdYlBu": "redyellowblue", "Spectral": "spectral",
    "RdYlGn": "redyellowblue", "PRGn": "purpleorange", "PiYG": "purpleorange",
}
DIVERGING = {"brownbluegreen", "purpleorange", "redblue", "redgrey", "redyellowblue", "spectral"}
# MultiQC's own default scale.
DEFAULT = "GnBu"
MAX_SAMPLES = 200


def scheme(name: Any) -> tuple[str, bool]:
    """(Vega scheme, reversed) for a MultiQC scale name."""
    text = str(name or DEFAULT)
    reverse = text.endswith("-rev")
    return SCHEMES.get(text.removesuffix("-rev"), SCHEMES[DEFAULT]), reverse


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return None
    return float(value)


def cells(frame: pd.DataFrame, heads: dict[str, dict[str, Any]], titles: dict[str, str], shown: Any) -> pd.DataFrame:
    """One row per (sample, column): ``n`` the value's place in [0, 1] on the column's range."""
    rows = []
    for cid, head in heads.items():
        values = [_number(v) for v in frame[cid]]
        known = [v for v in values if v is not None]
        if not known:
            continue
        lo = _number(head.get("min"))
        hi = _number(head.get("max"))
        lo = min(known) if lo is None else lo
        hi = max(known) if hi is None else hi
        name, reverse = scheme(head.get("scale"))
        for sample, patient, value in zip(frame["sample"], frame["patient_id"], values, strict=True):
            if value is None:
                continue
            place = 0.5 if hi <= lo else min(1.0, max(0.0, (value - lo) / (hi - lo)))
            rows.append({"s": str(sample), "patient_id": None if patient is None else str(patient),
                         "c": titles[cid], "n": round(1.0 - place if reverse else place, 4),
                         "t": shown(value, head), "k": name})
    return pd.DataFrame(rows, columns=["s", "patient_id", "c", "n", "t", "k"])


def heatmap(frame: pd.DataFrame, heads: dict[str, dict[str, Any]], titles: dict[str, str], shown: Any) -> Any:
    """The Altair chart, or None when there is no number to draw."""
    import altair as alt

    from rinec_report.charts import highlight_opacity

    frame = frame.head(MAX_SAMPLES)
    data = cells(frame, heads, titles, shown)
    if data.empty:
        return None
    samples = [str(s) for s in frame["sample"]]
    columns = [titles[c] for c in heads if titles[c] in set(data["c"])]
    x = alt.X("c:N", sort=columns, title=None, scale=alt.Scale(domain=columns),
              axis=alt.Axis(orient="top", labelAngle=-45, labelLimit=160, labelOverlap=False))
    y = alt.Y("s:N", sort=samples, title=None, scale=alt.Scale(domain=samples))
    tooltip = [alt.Tooltip("s:N", title="sample"), alt.Tooltip("patient_id:N", title="patient"),
               alt.Tooltip("c:N", title="column"), alt.Tooltip("t:N", title="value")]
    layers = []
    for name in sorted(set(data["k"])):
        # A diverging scheme's light part is its middle; a sequential one's its start.
        extent = [0.2, 0.8] if name in DIVERGING else [0.0, 0.55]
        part = data[data["k"] == name]
        layers.append(alt.Chart(part).mark_rect().encode(
            x=x, y=y, opacity=highlight_opacity(),
            color=alt.Color("n:Q", legend=None, scale=alt.Scale(scheme={"name": name, "extent": extent},
                                                                 domain=[0, 1])),
            tooltip=tooltip))
    text = alt.Chart(data).mark_text(fontSize=11, color="#111111").encode(x=x, y=y, text="t:N",
                                                                           opacity=highlight_opacity())
    width = {"step": 78}
    return alt.layer(*layers, text).resolve_scale(color="independent").properties(
        width=width, height={"step": 20})
