"""Dates written in text, in every common spelling, reduced to their year.

ISO (``1961-03-14``, with a time), day/month/year and month/day/year with slashes,
dots or hyphens (``14/03/1961``, ``3/14/61``, ``14.03.61``), month and year
(``03/1961``), compact (``19610314``), and month names in either order, with ordinals
(``March 14th 1961``, ``14th of March, 1961``, ``14-Mar-61``, ``Mar 1961``). A month and
day written without a year (``March 14th``) become ``[date]``.

Things that look like dates and are not are left alone, each for a reason given at its
pattern: genomic coordinates (``chr1:2001-2010``), version numbers (``1.2.10``,
``v2.10.15``), p-values and decimals, fractions (``1/2``), HGVS strings
(``c.1961-14A>G``).
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_ORD = r"(?:st|nd|rd|th)?"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_SEP = r"[\s\-/.,]+"
# A four-digit year a date of a living or recorded person may carry.
_YEAR4 = r"(?:18|19|20)\d\d"
# Not after a colon (a genomic position), a letter or digit (v2.10, c.1961), a dot, slash or
# hyphen (the tail of a longer number or range); an underscore is a separator (scan_2018-09-20).
_NOT_AFTER = r"(?<![A-Za-z0-9:.\-/])"
# Not followed by a letter or digit, nor by a separator and a digit (a version's fourth part).
_NOT_BEFORE = r"(?![A-Za-z0-9]|[.:/\-]\d)"

_PATTERNS = [
    # 1961-03-14, 1961/3/14, 1961.03.14, 1961-03, with an optional time.
    rf"{_NOT_AFTER}(?P<iso_y>{_YEAR4})(?P<iso_s>[-/.])(?:0?[1-9]|1[0-2])(?:(?P=iso_s){_DAY})?"
    r"(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?" + _NOT_BEFORE,
    # 14/03/1961, 3/14/1961, 14.03.1961, 14-03-1961: day and month in either order.
    rf"{_NOT_AFTER}(?P<dmy_a>\d{{1,2}})(?P<dmy_s>[-/.])(?P<dmy_b>\d{{1,2}})(?P=dmy_s)(?P<dmy_y>{_YEAR4})"
    + _NOT_BEFORE,
    # 14/03/61, 3/14/61, 14.03.61: a two-digit year (the dotted form needs a two-digit day
    # or month, so that a version number 1.2.10 stays).
    rf"{_NOT_AFTER}(?P<dmyy_a>\d{{1,2}})(?P<dmyy_s>[-/.])(?P<dmyy_b>\d{{1,2}})(?P=dmyy_s)(?P<dmyy_y>\d\d)"
    + _NOT_BEFORE,
    # 03/1961, 3-1961, 03.1961 (a dot only after a two-digit month: 5.2019 may be a number).
    rf"{_NOT_AFTER}(?P<my_m>0?[1-9]|1[0-2])(?P<my_s>[-/.])(?P<my_y>{_YEAR4})" + _NOT_BEFORE,
    # 19610314: only with a real month and day, never after a colon (a position).
    rf"{_NOT_AFTER}(?P<c_y>{_YEAR4})(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])" + _NOT_BEFORE,
    # 14th (of) March 1961, March 14th, 1961, 14-Mar-61, Mar 1961, March '61.
    rf"(?<![\w])(?:(?P<n_d1>{_DAY}){_ORD}(?:\s+of)?{_SEP})?(?P<n_m>{_MONTHS})\.?"
    rf"(?:{_SEP}(?P<n_d2>{_DAY}){_ORD}(?![\w]))?(?:{_SEP}|\s*')(?P<n_y>{_YEAR4}|\d\d)(?![\w]|[.:/\-]\d)",
    # March 14th, 14th of March: a month and a day, no year (the ordinal says it is a day).
    rf"(?<![\w])(?P<o_m>{_MONTHS})\.?\s+{_DAY}(?:st|nd|rd|th)(?![\w])",
    rf"(?<![\w]){_DAY}(?:st|nd|rd|th)(?:\s+of)?\s+(?P<o_m2>{_MONTHS})(?![\w])",
]
_DATE_RE = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)


def _century(two: str, today: date) -> int:
    """A two-digit year in the last hundred years: 61 is 1961, 05 is 2005."""
    year = 2000 + int(two)
    return year if year <= today.year else year - 100


def _day_month(a: str, b: str) -> bool:
    x, y = int(a), int(b)
    return (1 <= x <= 31 and 1 <= y <= 12) or (1 <= x <= 12 and 1 <= y <= 31)


def _replacement(m: re.Match[str], today: date) -> str:
    g = m.groupdict()
    whole = m.group(0)
    if g["iso_y"]:
        return g["iso_y"]
    if g["dmy_y"]:
        return g["dmy_y"] if _day_month(g["dmy_a"], g["dmy_b"]) else whole
    if g["dmyy_y"]:
        a, b = g["dmyy_a"], g["dmyy_b"]
        if not _day_month(a, b) or (g["dmyy_s"] == "." and len(a) < 2 and len(b) < 2):
            return whole
        return str(_century(g["dmyy_y"], today))
    if g["my_y"]:
        return whole if g["my_s"] == "." and len(g["my_m"]) < 2 else g["my_y"]
    if g["c_y"]:
        return g["c_y"]
    if g["n_m"]:
        year = g["n_y"]
        if len(year) == 2:
            # "may 12" is a verb and a number; a two-digit year needs a day or a full month name.
            if not (g["n_d1"] or g["n_d2"]) and (len(g["n_m"]) <= 3 or g["n_m"].lower() == "may"):
                return whole
            year = str(_century(year, today))
        return year
    return "[date]"


def scrub_dates(text: str, today: date | None = None) -> str:
    """Every date in ``text`` reduced to its year (a month and day alone to ``[date]``)."""
    if not text or not any(c.isdigit() for c in text):
        return text
    when = today or date.today()
    return _DATE_RE.sub(lambda m: _replacement(m, when), text)
