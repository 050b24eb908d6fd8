"""Data embedded in the page's <script> elements: nothing in it can end the element or
open an HTML comment, and it reads back as the same value. References: Python's
json.loads for the value, and html.parser (the HTML tokenizer's view of where the
script element ends) for the markup."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from rinec_report.render import script_json

NASTY = [
    "</script><script>alert(1)</script>",
    "<!-- comment", "-->", "a & b", "<b>bold</b>",
    "line\u2028separator", "para\u2029separator", "tab\there", "quote\" and back\\slash",
    "é, 漢字, 🧬", "",
]


class _Script(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.data: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag) -> None:
        self.tags.append("/" + tag)

    def handle_data(self, data) -> None:
        self.data.append(data)


@pytest.mark.parametrize("text", NASTY)
def test_text_stays_inside_its_script_and_reads_back(text: str) -> None:
    value = {"label": text, "rows": [text, {"nested": text}], "n": 3}
    markup = str(script_json(value))
    parser = _Script()
    parser.feed(f'<script type="application/json">{markup}</script>')
    parser.close()
    assert parser.tags == ["script", "/script"]
    assert json.loads("".join(parser.data)) == value
    assert "\u2028" not in markup and "\u2029" not in markup and "<" not in markup


def test_not_finite_numbers_are_null_and_keys_sorted_on_request() -> None:
    value = {"b": float("nan"), "a": [1.5, float("inf")]}
    assert json.loads(str(script_json(value))) == {"b": None, "a": [1.5, None]}
    assert str(script_json(value, sort_keys=True)).startswith('{"a":')
