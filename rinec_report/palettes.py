"""Colours for every chart: value-keyed and safe for colour-blind readers.

A categorical value keeps its colour: ``male`` is always the same blue,
``Nonsense_Mutation`` always the same vermillion (:data:`KNOWN`), a missing or
unknown value is always :data:`MISSING` grey, and any other value gets the same
colour in every chart and every run that shows the same values (its colour comes
from its text, not from the order the data came in). The colours come from
Okabe & Ito's palette (https://jfly.uni-koeln.de/color/), chosen to stay apart
under deuteranopia, protanopia and tritanopia; ``tests/test_palettes.py``
simulates the three deficiencies (Machado et al. 2009, through colorspacious)
on every palette here and checks a minimum CAM02-UCS distance.

Plugins use :func:`scale` for an Altair colour scale over the values they show::

    alt.Color("sex:N", scale=palettes.scale(df["sex"]))
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

# Okabe-Ito, in the order a categorical chart uses them (black last: it reads as "text").
BLUE = "#0072B2"
VERMILLION = "#D55E00"
BLUISH_GREEN = "#009E73"
REDDISH_PURPLE = "#CC79A7"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
YELLOW = "#F0E442"
BLACK = "#000000"
CATEGORICAL: tuple[str, ...] = (BLUE, VERMILLION, BLUISH_GREEN, REDDISH_PURPLE, ORANGE, SKY_BLUE, YELLOW, BLACK)

#: The one colour for missing, unknown, not given.
MISSING = "#BBBBBB"
#: Lines and reference marks that carry no category.
NEUTRAL = "#555555"

MISSING_WORDS = frozenset({"", "unknown", "missing", "na", "n/a", "nan", "none", "not known", "not given", "?"})

#: Variant classifications: maftools' hues where they are safe (Frame_Shift_Del blue,
#: Nonsense red, Multi_Hit black), never a red/green pair (Missense is bluish green,
#: Nonsense vermillion, which stay apart under every deficiency tested).
VARIANT_CLASSES: dict[str, str] = {
    "Missense_Mutation": BLUISH_GREEN,
    "Nonsense_Mutation": VERMILLION,
    "Frame_Shift_Del": BLUE,
    "Frame_Shift_Ins": ORANGE,
    "In_Frame_Del": YELLOW,
    "In_Frame_Ins": REDDISH_PURPLE,
    "Splice_Site": "#9E0142",
    "Translation_Start_Site": SKY_BLUE,
    "Nonstop_Mutation": "#8C510A",
    "Multi_Hit": BLACK,
}

#: The six strand-collapsed SNV classes: the two transitions (C>T, T>C) far apart.
SNV_CLASSES: dict[str, str] = {
    "C>A": BLUE,
    "C>G": BLACK,
    "C>T": VERMILLION,
    "T>A": REDDISH_PURPLE,
    "T>C": BLUISH_GREEN,
    "T>G": ORANGE,
}

#: Values that mean the same thing in every plugin.
KNOWN: dict[str, str] = {
    "male": BLUE,
    "female": VERMILLION,
    "m": BLUE,
    "f": VERMILLION,
    "NPC": BLUE,
    "NEC": VERMILLION,
    "met": BLUISH_GREEN,
    "not met": VERMILLION,
    "yes": BLUISH_GREEN,
    "no": VERMILLION,
    **VARIANT_CLASSES,
    **SNV_CLASSES,
}
_KNOWN_FOLDED = {k.casefold(): v for k, v in KNOWN.items()}


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    return str(value).strip().casefold() in MISSING_WORDS


def colors(values: Iterable[Any], fixed: dict[str, str] | None = None) -> dict[str, str]:
    """A colour for each distinct value, the same for a value in every chart.

    ``fixed`` (then :data:`KNOWN`) gives colours to values that have one;
    missing values get :data:`MISSING`; any other value takes its preferred
    slot of :data:`CATEGORICAL` (from a hash of its text, so it seldom depends on
    what else the chart shows) or, when a value sorting before it holds that
    slot, the next free one: no two values of one chart share a colour while
    the palette lasts."""
    table = {k.casefold(): v for k, v in (fixed or {}).items()}
    distinct = sorted({str(v) for v in values if v is not None}, key=lambda v: (v.casefold(), v))
    out: dict[str, str] = {}
    free: list[str] = []
    for value in distinct:
        key = value.casefold()
        if is_missing(value):
            out[value] = MISSING
        elif key in table:
            out[value] = table[key]
        elif key in _KNOWN_FOLDED:
            out[value] = _KNOWN_FOLDED[key]
        else:
            free.append(value)
    taken = set(out.values())
    # Hashing picks among the six colours that read as lines and small marks on white;
    # black and yellow only when those are taken.
    hashed = CATEGORICAL[:6]
    for value in free:
        start = int(hashlib.sha256(value.encode("utf-8")).hexdigest(), 16) % len(hashed)
        slots = [hashed[(start + i) % len(hashed)] for i in range(len(hashed))] + [BLACK, YELLOW]
        colour = next((c for c in slots if c not in taken), slots[0])
        out[value] = colour
        taken.add(colour)
    return out


def scale(values: Iterable[Any], fixed: dict[str, str] | None = None, order: Iterable[str] | None = None) -> Any:
    """An Altair colour scale for ``values`` (domain in ``order`` when given)."""
    import altair as alt

    mapping = colors(values, fixed)
    domain = [str(v) for v in order if str(v) in mapping] if order is not None else []
    domain += [v for v in mapping if v not in domain]
    return alt.Scale(domain=domain, range=[mapping[v] for v in domain])


#: Colours for rows of categories drawn one above the other (an oncoplot's clinical
#: tracks): Okabe-Ito without yellow (too pale for a small mark on white), then five of
#: Paul Tol's (https://personal.sron.nl/~pault/) that stay apart from them and from each
#: other under the three deficiencies (tests/test_palettes.py).
INDIGO = "#332288"  # Paul Tol's: 12:1 against white, where a small mark must stand out
TRACKS: tuple[str, ...] = (*CATEGORICAL[:6], BLACK, "#882255", INDIGO, "#DDCC77", "#661100", "#8C510A")


def track_colors(tracks: Iterable[Iterable[Any]]) -> list[dict[str, str]]:
    """A colour for each value of each track, where no colour means two things. Values of
    :data:`KNOWN` keep their colour first (``male`` stays blue), then every other value
    keeps its usual colour (:func:`colors`) unless a track already gave that colour
    another meaning, and then takes the first of :data:`TRACKS` nobody uses yet (the
    palette's first colour again once all are taken). Missing values share
    :data:`MISSING` grey: it means the same everywhere."""
    mappings = [colors(values) for values in tracks]
    used: set[str] = set()
    again: list[tuple[int, str]] = []
    for known in (True, False):
        for n, mapping in enumerate(mappings):
            for value, colour in mapping.items():
                if colour == MISSING or (value.casefold() in _KNOWN_FOLDED) != known:
                    continue
                if colour in used:
                    again.append((n, value))
                else:
                    used.add(colour)
    for n, value in again:
        colour = next((c for c in TRACKS if c not in used), TRACKS[0])
        mappings[n][value] = colour
        used.add(colour)
    return mappings


def series(n: int) -> list[str]:
    """``n`` colours for ordered series (survival groups), cycling past eight."""
    return [CATEGORICAL[i % len(CATEGORICAL)] for i in range(n)]
