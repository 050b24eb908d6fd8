"""A DICOM series, or a multi-frame file, as a stack of slices the viewer scrolls through.

Each slice is encoded in the worker that decoded it, at the stack size and at half of
it, once per window preset of the file. The main process gathers a series' slices
(ordered by their position along the slice normal, else by instance number), chooses
the size and, if need be, every n-th slice so that the stack fits its per-series budget
(``stack_mb``), and the whole-page budget may then drop stacks altogether. The key
slice (the one the gallery shows) is always in its stack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .encode import Encoded, encode


@dataclass(frozen=True)
class Slice:
    number: int  # instance number, or frame number from 1
    position: float | None  # mm along the slice normal
    sizes: tuple[tuple[Encoded, ...], ...]  # per size (the stack size, then half), per window preset
    burned_in: bool = False  # BurnedInAnnotation YES: text such as a name may be in the pixels


@dataclass
class Stack:
    presets: list[str]  # the window presets' names ([] for colour or percentile windows)
    slices: list[Slice]  # in viewing order
    key: int  # index of the key slice in ``slices``
    size: int = 0  # the size chosen (index into Slice.sizes)
    notes: list[str] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        return sum(e.size for s in self.slices for e in s.sizes[self.size])


def encode_frames(frames: list[Any], burned_in: bool, fmt: str, quality: int) -> list[Slice]:
    """The decoder's StackFrames encoded at their size and at half of it."""
    out = []
    for frame in frames:
        full = tuple(encode(img, max(img.size), fmt, quality) for img in frame.images)
        half = tuple(encode(img, max(1, max(img.size) // 2), fmt, quality) for img in frame.images)
        out.append(Slice(frame.number, frame.position, (full, half), burned_in))
    return out


def gather(members: list[tuple[list[Slice], bool]], presets: list[str], allow_burned_in: bool,
           budget: int) -> Stack | None:
    """The stack of a series from its members' slices ((slices, is the key member) each:
    one slice per single-frame file, or a multi-frame file's frames), fitted to ``budget``
    bytes. None when fewer than two slices are left to show."""
    if budget <= 0:
        return None
    slices: list[Slice] = []
    key_slice = None
    for own, is_key in members:
        if is_key:
            key_slice = own[len(own) // 2] if len(own) > 1 else (own[0] if own else None)
        slices.extend(own)
    if key_slice is None:
        return None
    notes = []
    if not allow_burned_in:
        hidden = [s for s in slices if s.burned_in and s is not key_slice]
        if hidden:
            slices = [s for s in slices if not s.burned_in or s is key_slice]
            notes.append(f"{len(hidden)} slice{'s' if len(hidden) != 1 else ''} marked as carrying burned-in "
                         "annotation left out of the stack (imaging.stack_burned_in: true keeps them)")
    if len(slices) < 2:
        return None
    if all(s.position is not None for s in slices):
        slices.sort(key=lambda s: (s.position, s.number))
    else:
        slices.sort(key=lambda s: s.number)
    stack = Stack(list(presets), slices, slices.index(key_slice), notes=notes)
    for size in range(len(key_slice.sizes)):
        stack.size = size
        if stack.bytes <= budget:
            return stack
    # Still over at half size: every n-th slice (the key slice among them).
    total = len(stack.slices)
    for every in range(2, total + 1):
        kept = [s for i, s in enumerate(stack.slices) if (i - stack.key) % every == 0]
        trial = Stack(stack.presets, kept, kept.index(key_slice), stack.size, list(notes))
        if len(kept) < 2:
            return None
        if trial.bytes <= budget:
            trial.notes.append(f"the stack shows every {_ordinal(every)} of {total} slices (imaging.stack_mb)")
            return trial
    return None


def _ordinal(n: int) -> str:
    return {2: "second", 3: "third"}.get(n, f"{n}th")


def position_label(position: float | None) -> str:
    return "" if position is None else f"{position:g} mm"
