"""Finding the run directory's values in a report's texts.

Both sides are compared as runs of letters and runs of digits, case-folded (Unicode
NFKC), so that ``hk-0001236 NEC`` holds the specimen ``HK-0001236`` and
``HK-0001234-NEC`` holds ``HK-0001234``, while ``P10`` does not hold ``P1`` (a run of
digits is not cut) nor ``Smithson`` ``Smith``. A value of six or more letters and
digits matches whatever stands between its runs (``14/03/1961`` is ``14.03.1961``);
a shorter one only as it is written. One pass over a text's runs looks each run up
among the values' first runs: the cost grows with the text, not with the number of
values times the text.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_RUN = re.compile(r"[^\W\d_]+|\d+")
FLEXIBLE = 6  # letters and digits from which a value matches whatever separates its runs
MAX_GAP = 3  # characters between two runs of a flexible value


def normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def runs(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _RUN.finditer(text)]


@dataclass(frozen=True)
class Needle:
    kind: str
    value: str
    runs: tuple[str, ...]
    gaps: tuple[str, ...] | None  # the separators a short value must have; None: any short one


def needle(kind: str, value: str) -> Needle | None:
    text = normal(value)
    found = runs(text)
    if not found:
        return None
    letters = sum(len(r) for r, _, _ in found)
    gaps = None if letters >= FLEXIBLE else tuple(text[a[2]: b[1]] for a, b in itertools.pairwise(found))
    return Needle(kind, value, tuple(r for r, _, _ in found), gaps)


KEY = 3  # runs a value is indexed by


class Matcher:
    """Every value of the run directory, indexed by its first runs."""

    def __init__(self, values: Iterable[tuple[str, str]]) -> None:
        self.by_first: dict[tuple[str, ...], list[Needle]] = defaultdict(list)
        seen = set()
        for kind, value in values:
            n = needle(kind, value)
            if n is not None and (n.kind, n.runs, n.gaps) not in seen:
                seen.add((n.kind, n.runs, n.gaps))
                self.by_first[n.runs[:KEY]].append(n)

    def __len__(self) -> int:
        return sum(len(v) for v in self.by_first.values())

    def find(self, text: str) -> Iterator[tuple[Needle, str]]:
        """(value, the text that matched it) for each value ``text`` holds."""
        if not self.by_first:
            return
        folded = normal(text)
        found = runs(folded)
        words = [run for run, _, _ in found]
        for i in range(len(words)):
            for k in range(1, KEY + 1):
                if i + k > len(words):
                    break
                for n in self.by_first.get(tuple(words[i: i + k]), ()):
                    end = self._match(n, found, folded, i)
                    if end is not None:
                        yield n, folded[found[i][1]: end]

    @staticmethod
    def _match(n: Needle, found: list[tuple[str, int, int]], folded: str, i: int) -> int | None:
        if i + len(n.runs) > len(found):
            return None
        for k in range(1, len(n.runs)):
            run, start, _ = found[i + k]
            if run != n.runs[k]:
                return None
            gap = folded[found[i + k - 1][2]: start]
            if (n.gaps is not None and gap != n.gaps[k - 1]) or len(gap) > MAX_GAP:
                return None
        return found[i + len(n.runs) - 1][2]
