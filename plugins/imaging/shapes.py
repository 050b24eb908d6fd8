"""Annotations: arrows, circles and text labels in an image's own pixel coordinates.

From a sidecar's ``annotations`` cell (``arrow 120,80,160,120 'progression'; circle
200,150,30``, or JSON) or from a JSON file beside the image. The short form is read by
a scanner that moves forward only (a cell of any length costs time in proportion to
its length; a backtracking pattern took minutes over a cell of spaces), and each shape
is checked on its own: a malformed one, or one with a coordinate that is not a finite
number of sensible size, is left out with a problem that says why, and the others
are kept.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# Per picture: past these, the rest is left out (a warning says so). Far more than a
# person draws; they keep a cell or a JSON file from filling the page with shapes.
MAX_SHAPES = 1_000
MAX_BYTES = 64 * 1024
# No picture the plugin reads is this large on a side (the pixel limit is 150 MP):
# a larger coordinate is a typing error or an attempt to make the SVG unusable.
MAX_COORDINATE = 1_000_000.0

KEYS = {"arrow": ("x1", "y1", "x2", "y2"), "circle": ("cx", "cy", "r"), "text": ("x", "y")}
_NUMBER_CHARS = frozenset("0123456789+-.eE")
_SPACE = frozenset(" \t\r\n\f\v")
_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}")  # a value that cannot escape the attribute
_FORMS = "'arrow x1,y1,x2,y2', 'circle x,y,r' or 'text x,y \"label\"'"


class Annotations(list):
    """The shapes kept, and one line per shape (or limit) that was not."""

    def __init__(self, shapes: list[dict[str, Any]] | None = None, problems: list[str] | None = None) -> None:
        super().__init__(shapes or [])
        self.problems: list[str] = list(problems or [])


def read(value: Any) -> Annotations:
    """Shapes from a cell's text, a parsed JSON value (a list, or ``{"annotations": [...]}``).
    JSON's NaN and Infinity (which Python's reader accepts) are refused shape by shape.

    Raises ValueError when nothing can be read (not JSON, not a list, too many bytes);
    a single bad shape is a problem in the result, not an error."""
    if isinstance(value, str):
        text = value.strip()
        if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
            raise ValueError(f"more than {MAX_BYTES // 1024} KB of annotations for one picture; none drawn")
        if not text:
            return Annotations()
        if text[0] in "[{":
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        else:
            return _short_form(text)
    if isinstance(value, dict):
        value = value.get("annotations", [])
    if not isinstance(value, list):
        raise ValueError("annotations must be a list of shapes")
    out = Annotations()
    for index, item in enumerate(value[: MAX_SHAPES + 1], start=1):
        try:
            out.append(_json_shape(item, index))
        except ValueError as exc:
            out.problems.append(str(exc))
    return _bounded(out, len(value))


def loads(data: bytes) -> Annotations:
    """Shapes from the bytes of an annotation JSON file (at most :data:`MAX_BYTES`)."""
    if len(data) > MAX_BYTES:
        raise ValueError(f"larger than {MAX_BYTES // 1024} KB; not read")
    try:
        value = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    return read(value)


def _bounded(found: Annotations, total: int) -> Annotations:
    if total > MAX_SHAPES:
        kept = Annotations(found[:MAX_SHAPES], found.problems)
        kept.problems.append(f"{total:,} shapes, more than {MAX_SHAPES:,} for one picture: the first "
                             f"{MAX_SHAPES:,} are read")
        return kept
    return found


# ---------------------------------------------------------------- the short form


def _short_form(text: str) -> Annotations:
    """``kind numbers ['label']`` shapes separated by ``;`` (a ``;`` inside a quoted
    label belongs to the label). One pass over the text."""
    out = Annotations()
    pos, end = 0, len(text)
    while pos < end and len(out) + len(out.problems) < MAX_SHAPES:
        start = pos
        shape, pos, problem = _one_shape(text, pos)
        if problem is None and shape is not None:
            out.append(shape)
        elif problem is not None:
            out.problems.append(problem)
            pos = _skip_to_separator(text, pos)
        if (pos < end and text[pos] == ";") or pos == start:  # (pos == start: never stand still)
            pos += 1
    rest = text[pos:].replace(";", " ").strip()
    if rest:  # stopped by the shape limit: what is left is counted, not parsed
        out.problems.append(f"more than {MAX_SHAPES:,} shapes for one picture: the first {MAX_SHAPES:,} are read")
    return out


def _one_shape(text: str, pos: int) -> tuple[dict[str, Any] | None, int, str | None]:
    end = len(text)
    pos = _skip_space(text, pos)
    if pos >= end or text[pos] == ";":
        return None, pos, None  # an empty part (``a; ; b`` or a trailing ``;``)
    begin = pos
    while pos < end and text[pos].isalpha():
        pos += 1
    kind = text[begin:pos].lower()
    if kind not in KEYS or pos >= end or text[pos] not in _SPACE:
        return None, pos, _malformed(text, begin)
    numbers: list[str] = []
    while True:
        pos = _skip_space(text, pos)
        if pos < end and text[pos] == "," and numbers:
            pos = _skip_space(text, pos + 1)
        start = pos
        while pos < end and text[pos] in _NUMBER_CHARS:
            pos += 1
        if pos == start:
            break
        numbers.append(text[start:pos])
    label = None
    if pos < end and text[pos] in "'\"":
        quote = text[pos]
        close = text.find(quote, pos + 1)
        if close < 0:
            return None, end, f"{_excerpt(text, begin)}: the label's {quote} is not closed"
        label, pos = text[pos + 1 : close], close + 1
        pos = _skip_space(text, pos)
    if pos < end and text[pos] != ";":
        return None, pos, _malformed(text, begin)
    if len(numbers) != len(KEYS[kind]):
        return None, pos, f"{_excerpt(text, begin)}: {kind} needs {len(KEYS[kind])} numbers, got {len(numbers)}"
    shape: dict[str, Any] = {"type": kind}
    for key, written in zip(KEYS[kind], numbers, strict=True):
        try:
            shape[key] = _coordinate(written, key, kind)
        except ValueError as exc:
            return None, pos, f"{_excerpt(text, begin)}: {exc}"
    if label:
        shape["label"] = label
    return shape, pos, None


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _SPACE:
        pos += 1
    return pos


def _skip_to_separator(text: str, pos: int) -> int:
    """After a bad shape: on to the next ``;`` outside quotes."""
    end = len(text)
    while pos < end and text[pos] != ";":
        if text[pos] in "'\"":
            close = text.find(text[pos], pos + 1)
            pos = end if close < 0 else close + 1
        else:
            pos += 1
    return pos


def _excerpt(text: str, begin: int) -> str:
    stop = text.find(";", begin)
    part = " ".join(text[begin : stop if stop >= 0 else len(text)].split())
    return repr(part if len(part) <= 60 else part[:57] + "...")


def _malformed(text: str, begin: int) -> str:
    return f"{_excerpt(text, begin)} is not {_FORMS}"


# ---------------------------------------------------------------- checks shared by both forms


def _coordinate(value: Any, key: str, kind: str) -> float:
    if isinstance(value, bool):  # JSON true is not 1
        raise ValueError(f"'{key}' must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"'{key}' must be a number") from None
    if not math.isfinite(number):
        raise ValueError(f"'{key}' is {value!s}, not a finite number")
    if abs(number) > MAX_COORDINATE or (key == "r" and number < 0):
        raise ValueError(f"'{key}' is {number:g}, outside the picture")
    return number


def _json_shape(item: Any, index: int) -> dict[str, Any]:
    if not isinstance(item, dict) or str(item.get("type", "")).lower() not in KEYS:
        raise ValueError(f"shape {index}: needs a type of arrow, circle or text")
    kind = str(item["type"]).lower()
    shape: dict[str, Any] = {"type": kind}
    for key in KEYS[kind]:
        if key not in item:
            raise ValueError(f"shape {index} ({kind}): '{key}' must be a number")
        try:
            shape[key] = _coordinate(item[key], key, kind)
        except ValueError as exc:
            raise ValueError(f"shape {index} ({kind}): {exc}") from None
    if item.get("label") not in (None, ""):
        shape["label"] = str(item["label"])
    if item.get("color"):
        color = str(item["color"])
        if _COLOR.fullmatch(color):
            shape["color"] = color
    if isinstance(item.get("frame"), int) and not isinstance(item.get("frame"), bool):
        shape["frame"] = item["frame"]
    return shape


def outside(shape: dict[str, Any], width: int, height: int) -> bool:
    """True when a shape has a point off the picture (``width`` x ``height``), where it
    would not be seen: a circle by its centre, an arrow by either end."""
    if shape["type"] == "arrow":
        points = [(shape["x1"], shape["y1"]), (shape["x2"], shape["y2"])]
    elif shape["type"] == "circle":
        points = [(shape["cx"], shape["cy"])]
        if shape["r"] > 2 * max(width, height):
            return True
    else:
        points = [(shape["x"], shape["y"])]
    return any(not (0 <= x <= width and 0 <= y <= height) for x, y in points)
