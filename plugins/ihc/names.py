"""Marker names and specimen labels as the report spells them.

Pathologists write the same antibody in several ways (``Synaptophysin``,
``SYN``, ``Syn``); the report shows one name per marker so that two spellings
never become two heat-map columns. Markers outside the synonym list are kept
as written, only unified by case and punctuation.
"""

from __future__ import annotations

import re
from typing import Any

from rinec_report import InputError

# Canonical name -> other spellings. Compared after _key() (case, spaces,
# hyphens and dots do not matter).
BUILTIN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "SYN": ("Synaptophysin", "SYP"),
    "CgA": ("Chromogranin A", "Chromogranin", "CGA", "CHGA"),
    "CD56": ("NCAM1", "NCAM"),
    "p40": ("deltaNp63", "\u0394Np63", "dNp63", "P40"),
    "CK5/6": ("CK5/6", "Cytokeratin 5/6", "CK 5/6", "KRT5/6"),
    "EBER": ("EBER-ISH", "EBER ISH", "EBV-EBER"),
}

NPC = "NPC"
NEC = "NEC"
# Words that name the specimen type inside a label such as "NPC-2008".
_TYPE_WORDS = {
    "npc": NPC,
    "nasopharyngeal": NPC,
    "nec": NEC,
    "neuroendocrine": NEC,
    "snec": NEC,
    "snnec": NEC,
}


def _key(name: str) -> str:
    return re.sub(r"[\s\-_.]+", "", name).casefold()


class MarkerNames:
    """Maps written marker names to canonical ones."""

    def __init__(self, extra: dict[str, Any] | None = None):
        self._canonical: dict[str, str] = {}
        for canonical, spellings in BUILTIN_SYNONYMS.items():
            self._add(canonical, spellings)
        for canonical, spellings in (extra or {}).items():
            if isinstance(spellings, str):
                spellings = [spellings]
            if not isinstance(spellings, list | tuple):
                raise InputError(f"option ihc.marker_synonyms: {canonical!r} needs a list of other names")
            self._add(str(canonical), [str(s) for s in spellings])

    def _add(self, canonical: str, spellings: Any) -> None:
        for name in (canonical, *spellings):
            self._canonical[_key(name)] = canonical

    def canonical(self, written: str) -> str:
        """The report's name for ``written``; an unknown marker keeps the first
        spelling seen (so ``Ki-67`` and ``ki67`` become one column)."""
        written = written.strip()
        key = _key(written)
        if key not in self._canonical:
            self._canonical[key] = written
        return self._canonical[key]


def specimen_type(label: str, mapping: dict[str, Any] | None = None) -> str | None:
    """The specimen type (``NPC``, ``NEC`` or a type the config names) of a
    label, or ``None`` when it cannot be told."""
    label = label.strip()
    for written, kind in (mapping or {}).items():
        if _key(str(written)) == _key(label):
            return str(kind)
    found = {_TYPE_WORDS[word] for word in re.split(r"[^0-9a-z]+", label.casefold()) if word in _TYPE_WORDS}
    if len(found) == 1:
        return found.pop()
    return None
