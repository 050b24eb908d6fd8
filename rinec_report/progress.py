"""Progress display for the long steps: rich on a terminal, nothing otherwise."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol


class Progress(Protocol):
    def step(self, description: str, total: int | None = None) -> Iterator[Callable[[], None]]:
        """A context manager around one step; yields a function to call per item done."""
        ...


class _Quiet:
    @contextmanager
    def step(self, description: str, total: int | None = None) -> Iterator[Callable[[], None]]:
        yield lambda: None


def quiet_progress() -> Progress:
    return _Quiet()


class RichProgress:
    """Progress bars on stderr (used by the CLI when stderr is a terminal)."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)

    @contextmanager
    def step(self, description: str, total: int | None = None) -> Iterator[Callable[[], None]]:
        from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn
        from rich.progress import Progress as Bar

        columns = [SpinnerColumn(), TextColumn("{task.description}")]
        if total:
            columns += [BarColumn(), MofNCompleteColumn()]
        with Bar(*columns, console=self.console, transient=True) as bar:
            task = bar.add_task(description, total=total)
            yield lambda: bar.advance(task)
