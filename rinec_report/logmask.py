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

    def scrub(self, text: str) -> str:
        numeric = {raw: code for raw, code in self.codes.items() if _NUMBER.fullmatch(raw)}
        if not numeric:
            return super().scrub(text)
        others = {raw: code for raw, code in self.codes.items() if raw not in numeric}
        text = _QUOTED.sub(lambda m: m.group("q") + numeric.get(m.group("id"), m.group("id")) + m.group("q"),
                           text)
        text = _NAMED.sub(lambda m: m.group("word") + numeric.get(m.group("id"), m.group("id")), text)
        if not others:
            return text
        rest = Pseudonyms(self.key, others, {r: self.kinds[r] for r in others})
        return rest.scrub(text)


__all__ = ["LogPseudonyms"]
