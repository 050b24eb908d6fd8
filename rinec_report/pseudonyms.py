"""Patient and sample ids and the pseudonyms that replace them, wherever they are written."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from .patients import natural_key


def _class(c: str) -> str:
    return "a" if c.isalpha() else "d" if c.isdigit() else "o"


def _lowered(text: str) -> str:
    """``text`` in lower case, one character for one (a few letters lower to two)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


@dataclass
class Pseudonyms:
    """Raw patient and sample ids and the codes that replace them."""

    key: bytes | None = None
    codes: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    _automaton: Any = field(default=None, repr=False, compare=False)

    def assign(self, patients: list[str], samples: list[str]) -> None:
        for kind, prefix, ids in (("patient", "P", patients), ("sample", "S", samples)):
            ordered = sorted({i for i in ids if i and i not in self.codes}, key=natural_key)
            width = max(3, len(str(len(ordered))))
            for n, raw in enumerate(ordered, start=1):
                self.codes[raw] = self._code(prefix, raw, n, width)
                self.kinds[raw] = kind
        self._automaton = None

    def _code(self, prefix: str, raw: str, n: int, width: int) -> str:
        if self.key is None:
            return f"{prefix}{n:0{width}d}"
        digest = hmac.new(self.key, f"{prefix}:{raw}".encode(), hashlib.sha256).hexdigest()
        return f"{prefix}-{digest[:10].upper()}"

    def _matcher(self) -> Any:
        if self._automaton is None:
            import ahocorasick

            # One automaton over every id in lower case: the text is read once, whatever
            # the number of ids (a regular expression alternating 100,000 ids tries each
            # at every position). Ids equal but for case share the first one's code.
            automaton = ahocorasick.Automaton()
            for raw, code in self.codes.items():
                low = _lowered(raw)
                if low.strip() and low not in automaton:
                    automaton.add_word(low, (len(low), code, _class(low[0]), _class(low[-1])))
            automaton.make_automaton()
            self._automaton = automaton
        return self._automaton

    def scrub(self, text: str) -> str:
        """``text`` with every known id replaced by its code, in any case, also inside a
        longer token (``HK-0001234-NEC``), but never inside a longer run of letters or of
        digits (``P2`` is not in ``P20``)."""
        if not self.codes or not text:
            return text
        automaton = self._matcher()
        if not len(automaton):
            return text
        lowered = _lowered(text)
        found: list[tuple[int, int, str]] = []
        size = len(text)
        for end, (length, code, first, last) in automaton.iter(lowered):
            start = end - length + 1
            if first != "o" and start > 0 and _class(text[start - 1]) == first:
                continue
            if last != "o" and end + 1 < size and _class(text[end + 1]) == last:
                continue
            found.append((start, end + 1, code))
        if not found:
            return text
        found.sort(key=lambda m: (m[0], m[0] - m[1]))  # leftmost, then longest
        out, at = [], 0
        for start, stop, code in found:
            if start < at:
                continue
            out += [text[at:start], code]
            at = stop
        out.append(text[at:])
        return "".join(out)

    def table(self) -> list[dict[str, str]]:
        return [{"kind": self.kinds[r], "original": r, "pseudonym": c}
                for r, c in sorted(self.codes.items(), key=lambda rc: (self.kinds[rc[0]], natural_key(rc[1])))]
