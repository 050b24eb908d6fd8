"""The study's semi-quantitative IHC score, as pure functions.

Intensity (0-3) times percentage score (1-4) gives the final score (0-12), which
falls into a category (``-``, ``+``, ``++``, ``+++``). Bands come from the
plugin options so that another study's cut-offs need no code change. Nothing in
this module imports pandas: the parser calls it once per reading.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from rinec_report import InputError

CATEGORIES: tuple[str, ...] = ("-", "+", "++", "+++")
MAX_INTENSITY = 3
MAX_PERCENT_SCORE = 4
MAX_SCORE = MAX_INTENSITY * MAX_PERCENT_SCORE

DEFAULT_PERCENT_BANDS = (25, 50, 75)
DEFAULT_CATEGORY_BANDS = (1, 5, 9)


@dataclass(frozen=True)
class Bands:
    """Cut-offs: ``percent`` are the inclusive upper edges of percentage scores
    1-3 (above the last is 4); ``category`` the lowest final scores of ``+``,
    ``++`` and ``+++`` (below the first is ``-``)."""

    percent: tuple[float, float, float] = DEFAULT_PERCENT_BANDS
    category: tuple[int, int, int] = DEFAULT_CATEGORY_BANDS

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> Bands:
        percent = _three_increasing(options["percent_bands"], "percent_bands", 0, 100)
        category = _three_increasing(
            options["category_bands"], "category_bands", 1, MAX_SCORE
        )
        if any(c != int(c) for c in category):
            raise InputError(f"option ihc.category_bands: {list(category)} must be whole scores")
        return cls(percent=percent, category=tuple(int(c) for c in category))

    def category_range(self, category: str) -> tuple[int, int]:
        """The final scores (lowest, highest) that a category stands for."""
        index = CATEGORIES.index(category)
        lows = (0, *self.category)
        highs = (*(c - 1 for c in self.category), MAX_SCORE)
        return lows[index], highs[index]


def _three_increasing(value: Any, name: str, low: float, high: float) -> tuple[Any, Any, Any]:
    try:
        edges = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        raise InputError(f"option ihc.{name}: {value!r} is not a list of three numbers") from None
    if len(edges) != 3 or not all(low <= e <= high for e in edges) or not edges[0] < edges[1] < edges[2]:
        raise InputError(
            f"option ihc.{name}: {list(value)!r} must be three increasing numbers between {low:g} and {high:g}"
        )
    return edges  # type: ignore[return-value]


def percent_score(percent: float, bands: Bands) -> int:
    """Percentage score 1-4 of a share of stained cells (edges inclusive:
    with the default bands 25% -> 1, 26% -> 2, 75% -> 3, 76% -> 4)."""
    for score, upper in enumerate(bands.percent, start=1):
        if percent <= upper:
            return score
    return MAX_PERCENT_SCORE


def final_score(intensity: int, pscore: int | None) -> int:
    """Intensity times percentage score; intensity 0 scores 0 whatever the
    percentage (which may then be unknown)."""
    if intensity == 0:
        return 0
    if pscore is None:
        raise ValueError("a positive intensity needs a percentage score")
    return intensity * pscore


def category_of(score: int, bands: Bands) -> str:
    """The category symbol of a final score."""
    index = sum(score >= edge for edge in bands.category)
    return CATEGORIES[index]


def category_rank(category: str) -> int:
    return CATEGORIES.index(category)


# ----------------------------------------------------------- reading raw values

_CATEGORY_WORDS = {
    "-": "-",
    "neg": "-",
    "negative": "-",
    "+": "+",
    "++": "++",
    "+++": "+++",
    "1+": "+",
    "2+": "++",
    "3+": "+++",
}
# Pathologists and spreadsheets write the minus sign in several ways.
_MINUS_LOOKALIKES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-", "\uff0b": "+"})


def parse_category(text: str) -> str | None:
    """The category symbol written as ``text`` (``neg``, ``-``, ``++``, ``2+``),
    or ``None`` when ``text`` is not a category."""
    key = text.strip().translate(_MINUS_LOOKALIKES).lower().replace(" ", "")
    return _CATEGORY_WORDS.get(key)


def parse_number(text: str) -> float | None:
    """A number written as ``text`` (``60``, ``60%``, ``60.0``), or ``None``."""
    cleaned = text.strip().rstrip("%").strip().replace(",", ".")
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


_INTENSITY_WORDS = {"negative": 0, "neg": 0, "none": 0, "absent": 0, "weak": 1, "faint": 1,
                    "moderate": 2, "intermediate": 2, "strong": 3, "intense": 3}


def intensity_of_word(text: str) -> int | None:
    """0-3 for negative, weak, moderate, strong (as pathologists write them), else None."""
    return _INTENSITY_WORDS.get(text.strip().lower())


def intensity_words(text: str) -> str:
    """'strong, 80%' -> '3, 80%': an intensity word at the start read as its number."""
    head, sep, rest = text.strip().partition(" ")
    word = head.rstrip(",;/").lower()
    if word in _INTENSITY_WORDS and sep:
        return f"{_INTENSITY_WORDS[word]}{head[len(word):]} {rest}"
    return text


def check_intensity(text: str) -> int:
    word = intensity_of_word(text)
    if word is not None:
        return word
    value = parse_number(text)
    if value is None or text.strip().endswith("%"):
        raise InputError(f"intensity {text.strip()!r} is not a number 0-3")
    if value != int(value) or not 0 <= value <= MAX_INTENSITY:
        raise InputError(f"intensity {text.strip()} is out of range (0-3)")
    return int(value)


def check_percent(text: str) -> float:
    value = parse_number(text)
    if value is None:
        raise InputError(f"percent {text.strip()!r} is not a number 0-100")
    if not 0 <= value <= 100:
        raise InputError(f"percent {text.strip()} is out of range (0-100)")
    return value


def check_percent_score(text: str) -> int:
    value = parse_number(text)
    if value is None or text.strip().endswith("%"):
        raise InputError(f"percent score {text.strip()!r} is not a number 1-4")
    if value != int(value) or not 1 <= value <= MAX_PERCENT_SCORE:
        raise InputError(f"percent score {text.strip()} is out of range (1-4)")
    return int(value)
