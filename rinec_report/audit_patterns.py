"""Identifiers the audit finds by their shape, whatever the run directory holds:
e-mail addresses, phone numbers, street addresses, long numbers, dates in any
spelling and ages of 90 or more.

A de-identified report is full of things shaped like these that identify no one:
genomic positions (``chr7:55249071``, ``g.55249071T>G``), gene, transcript and
pathway ids (``ENSG00000146648``, ``GO:0006915``), p-values (``1.234567e-10``),
content hashes (``input-1a2b3c4d5e6f``), keyed pseudonyms (``P-3F2A1B0C9D``) and the
report's own time stamp. Each is excused by its own shape, so that the rest is found.
Every pattern here moves forward only (no nested repetition): the text is untrusted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH = "|".join([*_MONTHS, "sept", *(m[:3] for m in _MONTHS)])
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MON = r"(?:0?[1-9]|1[0-2])"
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_YEAR2 = r"(?:'?\d\d)"

DATE = re.compile(
    "|".join([
        rf"(?<![\w.]){_YEAR}(?P<s1>[-/.]){_MON}(?P=s1){_DAY}(?![\w]|\.\d)",  # ISO, 1961/03/14
        rf"(?<![\w.]){_DAY}(?P<s2>[-/.]){_MON}(?P=s2)(?:{_YEAR}|\d\d)(?![\w]|\.\d)",  # D/M/Y, 14.03.61
        rf"(?<![\w.]){_MON}(?P<s3>[-/.]){_DAY}(?P=s3)(?:{_YEAR}|\d\d)(?![\w]|\.\d)",  # M/D/Y, 3/14/61
        rf"(?<![\w]){_DAY}{_ORD}(?: of)?[ -](?:{_MONTH})\.?,?[ -](?:{_YEAR}|{_YEAR2})(?!\w)",  # 14th March 1961
        rf"(?<![\w])(?:{_MONTH})\.?[ -]{_DAY}{_ORD},?[ -](?:{_YEAR}|{_YEAR2})(?!\w)",  # March 14th 1961
    ]),
    re.IGNORECASE,
)
# The time stamps the program writes (ISO 8601 to the second, with a zone) are the
# report's, not a patient's.
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")

_NAMESPACE = re.compile(r"https?://(?:www\.w3\.org|ns\.adobe\.com|purl\.org|iptc\.org|ns\.useplus\.org)/[^\s\"'<>]*")
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}\.[a-z]{2,24}(?![\w-])", re.I)
PHONE = re.compile(r"(?<![\w.+/-])(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,5}\)[ .-]?|\d{2,5}[ .-])\d{2,4}[ .-]\d{3,5}"
                   r"(?![\w+/]|[.-]\d)")
_STREET_WORDS = ("street|st|road|rd|avenue|ave|lane|ln|drive|boulevard|blvd|court|ct|place|pl|way|terrace|"
                 "close|crescent|square|sq|highway|hwy|parkway|pkwy|row|mews|gardens|grove|hill")
STREET = re.compile(
    rf"(?<![\w.])\d{{1,5}}[a-z]?,? (?:[A-Z][\w'-]{{1,30}} ){{1,4}}(?:{_STREET_WORDS})\.?(?!\w)"
    r"|(?<![\w-])[A-Z][\w'-]{1,30}(?:stra(?:ss|ß)e|str\.|weg|gasse|platz|allee|ring|damm) \d{1,5}[a-z]?(?!\w)",
    re.IGNORECASE,
)
DIGITS = re.compile(r"\d{6,}")
AGE_TEXT = re.compile(
    r"(?<![\w])(?:aged?|age_\w{1,40}|\w{1,40}_age)\b[\s:=]{0,3}(?P<a>9\d|1[0-4]\d)(?![\d.+])"
    r"|(?<![\w.])(?P<b>9\d|1[0-4]\d)[- ]?(?:years?[- ]old|yrs?[- ]old|y/?o|-year-old)(?!\w)",
    re.IGNORECASE,
)
_AGE_NUMBER = re.compile(r"(?<![\d.])(?:9\d|1[0-4]\d)(?:\.\d+)?(?![\d.%+]|\.\d)")
_AGE_FIELD = re.compile(r"age|age_.*|.*_age|age_at_.*", re.IGNORECASE)

# Shapes a long number may have without identifying anyone: a genomic position or an
# HGVS change, a gene/transcript/pathway/variant id, a decimal's digits, a hash.
_EXCUSED = re.compile(
    r"(?:chr[\w]{0,5}|\b\d{1,2}|\b[XYM]T?):\d"  # chr7:55249071, 7:55249071
    r"|\b[cgmnopr]\.[\d*(-]"  # HGVS: g.55249071T>G, c.*123
    r"|\b(?:ENS[A-Z]{0,6}|rs|COS[MV]|GO:|HP:|MONDO:|DOID:|CHEBI:|R-[A-Z]{3}-|hsa|mmu|WP|[NX][CGMPRTW]_|"
    r"CCDS|UPI|ENTREZ|HGNC:|OMIM:|MIM:|KEGG|UniRef)\d",
    re.IGNORECASE,
)
# A colour (#555555), a content hash (input-1a2b3c4d5e6f, a sha256), a keyed pseudonym.
_HASHED = re.compile(r"#[0-9a-f]{6,8}\b|(?:input|file|data|sha\w{0,6})-[0-9a-f]{8,64}|\b[PS]-[0-9A-F]{8,64}\b"
                     r"|\b[0-9a-f]{16,}\b", re.IGNORECASE)


def _token_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The run of non-space characters holding text[start:end]."""
    while start > 0 and not text[start - 1].isspace() and start > end - 200:
        start -= 1
    while end < len(text) and not text[end].isspace() and end < start + 400:
        end += 1
    return start, end


def _excused(text: str, start: int, end: int) -> bool:
    a, b = _token_around(text, start, end)
    token, s, e = text[a:b], start - a, end - a
    if s >= 2 and token[s - 1] == "." and token[s - 2].isdigit():
        return True  # the digits after a decimal point: 1.234567e-10
    if any(m.start() <= s <= m.end() for m in _EXCUSED.finditer(token)):
        return True  # the digits of a position or an id the pattern names
    return any(m.start() <= s and e <= m.end() for m in _HASHED.finditer(token))


def age_like(field: str | None) -> bool:
    """``age``, ``age_*``, ``*_age``, as a column is named or as a page heads it ("Age at diagnosis")."""
    return bool(field) and bool(_AGE_FIELD.fullmatch(re.sub(r"\W+", "_", field.strip())))


def shapes(text: str, field: str | None = None, number: bool = False, row: str | None = None
           ) -> Iterator[tuple[str, str]]:
    """(kind, matched text) of every identifier shape in ``text``, the value of ``field``
    (a column, a key) or of a table's ``row``."""
    if age_like(field) or age_like(row):
        # Every number of an age's cell: Table 1's "median 58 (range 30-95)" holds an age of 95.
        for m in _AGE_NUMBER.finditer(text):
            yield "age", m.group(0)
    if len(text) < 6 and not any(c.isdigit() for c in text):
        return
    if number:  # a number of a chart's or table's data: only its digits can identify
        if "." not in text and "e" not in text.lower() and len(text.lstrip("-")) >= 6 and not _position(field):
            yield "digits", text
        return
    # The program's time stamps and the XML namespaces of SVG and XMP (w3.org/1999/02/22-rdf-syntax-ns).
    stamps = [(m.start(), m.end()) for pattern in (_STAMP, _NAMESPACE) for m in pattern.finditer(text)]
    for m in DATE.finditer(text):
        if not any(a <= m.start() < b for a, b in stamps):
            yield "date", m.group(0)
    for m in EMAIL.finditer(text):
        yield "email", m.group(0)
    for m in PHONE.finditer(text):
        if 9 <= sum(c.isdigit() for c in m.group(0)) <= 15 and not _excused(text, m.start(), m.end()):
            yield "phone", m.group(0)
    for m in STREET.finditer(text):
        yield "street", m.group(0)
    for m in AGE_TEXT.finditer(text):
        yield "age", m.group(0)
    for m in DIGITS.finditer(text):
        if any(a <= m.start() < b for a, b in stamps) or _position(field):
            continue
        if not _excused(text, m.start(), m.end()) and not _in_date(text, m.start()):
            yield "digits", m.group(0)


def _in_date(text: str, start: int) -> bool:
    return any(m.start() <= start < m.end() for m in DATE.finditer(text[max(0, start - 12): start + 20]))


_POSITION = re.compile(r"(?:.*_)?(?:pos|position|start|end|begin|stop|location|coordinate|loc|size|bytes|length|"
                       r"len|bp|count|n|reads|depth|dp|ad|coverage|total|sum)(?:_.*)?", re.IGNORECASE)


def _position(field: str | None) -> bool:
    """A column of genomic coordinates or of quantities (a variants table's pos, start,
    end; a file's size_bytes; read counts), whose long numbers are measures."""
    return bool(field) and bool(_POSITION.fullmatch(field))
