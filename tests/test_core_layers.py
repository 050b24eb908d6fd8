"""The core's modules import one way: no cycle, even through imports inside functions."""

from __future__ import annotations

import re
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "rinec_report"


def _graph() -> dict[str, set[str]]:
    modules = {p.stem for p in CORE.glob("*.py")}
    graph = {}
    for name in modules:
        text = (CORE / f"{name}.py").read_text()
        found = set(re.findall(r"^\s*from \.(\w+) import", text, re.M))
        found |= {m for group in re.findall(r"^\s*from \. import ([\w, ]+)", text, re.M) for m in group.split(", ")}
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def test_no_import_cycle_in_the_core() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append([*path[path.index(dep):], dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_the_runner_is_imported_by_the_entry_points_only() -> None:
    importers = {name for name, deps in _graph().items() if "runner" in deps}
    assert importers <= {"__init__", "cli", "audit"}  # audit reads a run directory as a run does
