"""The mask of patient and sample ids in the log and the messages shown on the terminal.

An id is replaced where it stands as an identifier token: an id with a letter in it
wherever it is a whole token ("TCGA-A2-A04P", "P12"), and an id that is only a number
(integer patient ids 1..N) only where a message quotes it ('12', "12") or names it as a
patient or sample ("patient 12"). A plain number is a count, a row or a value: "106
patient(s) without a trt value" keeps its 106 even when a patient is called 106.
"""

from __future__ import annotations

import re

from .deidentify import Pseudonyms

_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
# Where a number-only id is an id: quoted, or after the word that names it.
_QUOTED = re.compile(r"""(?P<q>['"])(?P<id>[-+]?\d+(?:[.,]\d+)?)(?P=q)""")
_NAMED = re.compile(r"\b(?P<word>(?:patient|sample|case|subject)s?(?: ids?)?:?\s+)(?P<id>\d+(?:[.,]\d+)?)\b",
                    re.IGNORECASE)


class LogPseudonyms(Pseudonyms):
    """:class:`~rinec_report.deidentify.Pseudonyms` for log lines: number-only ids are
    masked only where a message quotes or names them (see the module's rules)."""

    def mask_ids(self, patients: list[str], samples: list[str]) -> None:
        """Mask these ids by their kind (``<patient>``, ``<sample>``): a log names no
        pseudonym, so none is numbered (numbering sorts every id: 0.6 s at 100,000)."""
        for kind, ids in (("patient", patients), ("sample", samples)):
            for raw in ids:
                if raw and raw not in self.codes:
                    self.codes[raw] = f"<{kind}>"
                    self.kinds[raw] = kind
        self._automaton = None

    def scrub(self, text: str) -> str:
        numeric, rest = self._split()
        if not numeric:
            return super().scrub(text)
        text = _QUOTED.sub(lambda m: m.group("q") + numeric.get(m.group("id"), m.group("id")) + m.group("q"),
                           text)
        text = _NAMED.sub(lambda m: m.group("word") + numeric.get(m.group("id"), m.group("id")), text)
        return rest.scrub(text) if rest is not None else text

    def _split(self) -> tuple[dict[str, str], Pseudonyms | None]:
        """The number-only ids, and a mask of the others, made once for the codes in
        effect: splitting 100,000 ids and building their automaton for every line took
        a quarter of a second a line."""
        cached = getattr(self, "_split_cache", None)
        if cached is not None and cached[0] is self.codes and cached[1] == len(self.codes):
            return cached[2], cached[3]
        numeric = {raw: code for raw, code in self.codes.items() if _NUMBER.fullmatch(raw)}
        others = {raw: code for raw, code in self.codes.items() if raw not in numeric}
        rest = Pseudonyms(self.key, others, {r: self.kinds[r] for r in others}) if others else None
        self._split_cache = (self.codes, len(self.codes), numeric, rest)
        return numeric, rest


__all__ = ["LogPseudonyms"]
