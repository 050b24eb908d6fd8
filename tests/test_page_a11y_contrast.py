"""Every text colour of the page's stylesheet against every background it is drawn on, in
light and dark, measured with WCAG 2.x's own definitions (relative luminance, contrast
ratio: https://www.w3.org/TR/WCAG22/#dfn-relative-luminance and #dfn-contrast-ratio)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REPORT_CSS = REPO / "templates" / "report.css"
VIEWER_CSS = REPO / "plugins" / "imaging" / "viewer.css"
AA = 4.5  # WCAG 1.4.3 for text under 18pt (14pt bold)
# The highlighter's colours (report.js HL_COLOURS, Okabe-Ito) and the shares of them the
# stylesheet mixes into a row's or a chip's background.
HL_COLOURS = ["#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00", "#000000", "#F0E442"]
HL_SHARES = {".rr-chip-hl": 0.25, ".rr-table tr.rr-hl > *": 0.22}
# The surfaces a text without a background of its own can sit on: the page, the sidebar and
# table headers, a row or link under the pointer, and the notes.
SURFACES = ["--bg", "--side", "--hover"]


def srgb_channel(c8: int) -> float:
    c = c8 / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[int, int, int]) -> float:
    r, g, b = (srgb_channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_formula_gives_the_spec_figures() -> None:
    # WCAG's end points (21:1 for black on white, 1:1 for a colour on itself), and the
    # figure WebAIM's checker and axe give for #767676 on white (4.54:1).
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast((18, 52, 86), (18, 52, 86)) == pytest.approx(1.0)
    assert contrast(hex_rgb("#767676"), (255, 255, 255)) == pytest.approx(4.54, abs=0.005)


def hex_rgb(text: str) -> tuple[int, int, int]:
    h = text.strip().lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    assert re.fullmatch(r"[0-9a-fA-F]{6}", h), text
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def rules(css: str) -> list[tuple[str, str, dict[str, str]]]:
    """(at-rule context, selector, declarations) of each rule, in order."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    out: list[tuple[str, str, dict[str, str]]] = []
    stack: list[str] = []
    pos = 0
    for m in re.finditer(r"[{}]", css):
        text = css[pos:m.start()].strip()
        pos = m.end()
        if m.group() == "{":
            stack.append(text)
            continue
        head = stack.pop() if stack else ""
        if head.startswith("@"):
            continue  # the end of an at-rule block
        decls = {}
        for part in text.split(";"):
            if ":" in part:
                k, v = part.split(":", 1)
                decls[k.strip()] = v.replace("!important", "").strip()
        context = " ".join(s for s in stack if s.startswith("@"))
        out.append((context, head, decls))
    return out


def variables(css: str) -> dict[str, dict[str, str]]:
    """The custom properties of each scheme."""
    light: dict[str, str] = {}
    darks: list[dict[str, str]] = []
    for context, selector, decls in rules(css):
        props = {k: v for k, v in decls.items() if k.startswith("--")}
        if selector == ":root" and not context:
            light.update(props)
        elif props and "dark" in context + selector:
            darks.append(props)
    assert light and darks, "no :root colours found"
    dark = {**light, **darks[0]}
    return {"light": light, "dark": dark, "_darks": darks}  # type: ignore[dict-item]


def resolve(value: str, scheme: dict[str, str]) -> str | None:
    """A colour value as #rrggbb, or None for what is not a plain colour."""
    value = value.strip()
    for _ in range(5):
        m = re.fullmatch(r"var\(\s*(--[\w-]+)\s*(?:,\s*(.+))?\)", value)
        if not m:
            break
        value = scheme.get(m.group(1), m.group(2) or "")
    if re.fullmatch(r"#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}", value):
        return value
    return {"white": "#ffffff", "black": "#000000", "#fff": "#ffffff"}.get(value.lower())


def mix(colour: str, share: float, base: str) -> tuple[int, int, int]:
    """CSS color-mix(in srgb, colour share, base): a straight mix of the sRGB channels."""
    a, b = hex_rgb(colour), hex_rgb(base)
    return tuple(round(share * x + (1 - share) * y) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def background_of(decls: dict[str, str]) -> str | None:
    value = decls.get("background-color") or decls.get("background")
    return value.split()[0] if value and value.split() else None


def pairs(css: str, core: str, inherited: dict[str, str] | None = None) -> list[tuple[str, str, str, str, float]]:
    """(scheme, selector, text colour, background, ratio) for every text the screen rules draw."""
    schemes = variables(core)
    found = []
    for context, selector, decls in rules(css):
        if "print" in context or (selector.startswith(":root") and "color" not in decls):
            continue
        if "color" not in decls and not background_of(decls):
            continue
        dark_only = "dark" in context + selector and "light" not in selector.replace(':not([data-theme="light"])', "")
        for name in ("light", "dark"):
            if dark_only and name == "light":
                continue
            scheme = schemes[name]
            fg_value = decls.get("color") or (inherited or {}).get(selector, "var(--fg)")
            fg = resolve(fg_value, scheme)
            bg_value = background_of(decls)
            if bg_value and bg_value.startswith("color-mix"):
                continue  # the highlight mixes: test_highlight_colours
            bg = resolve(bg_value, scheme) if bg_value else None
            if fg is None or (bg_value and bg is None):
                continue  # inherit, transparent, none: the text keeps its parent's pair
            backs = [bg] if bg else [resolve(f"var({s})", scheme) for s in SURFACES]
            for back in backs:
                found.append((name, selector, fg, back, contrast(hex_rgb(fg), hex_rgb(back))))
    return found


def test_both_dark_blocks_are_the_same() -> None:
    # The system's dark and the reader's dark are two copies of one set of colours.
    darks = variables(REPORT_CSS.read_text(encoding="utf-8"))["_darks"]
    assert len(darks) == 2 and darks[0] == darks[1]


def test_every_text_of_the_report_stylesheet_is_readable() -> None:
    css = REPORT_CSS.read_text(encoding="utf-8")
    found = pairs(css, css)
    # Body text, muted text, links, errors and warnings, in both schemes.
    assert len(found) > 40
    low = [f"{s}: {sel} {fg} on {bg} = {r:.2f}:1" for s, sel, fg, bg, r in found if r < AA]
    assert not low, "\n".join(low)


def test_highlight_colours_keep_the_text_readable() -> None:
    css = REPORT_CSS.read_text(encoding="utf-8")
    schemes = variables(css)
    for selector, share in HL_SHARES.items():
        assert selector in css and f"{round(share * 100)}%" in css.split(selector, 1)[1].split("}")[0]
    low = []
    for name in ("light", "dark"):
        fg, bg = hex_rgb(schemes[name]["--fg"]), schemes[name]["--bg"]
        for selector, share in HL_SHARES.items():
            for colour in HL_COLOURS:
                ratio = contrast(fg, mix(colour, share, bg))
                if ratio < AA:
                    low.append(f"{name}: {selector} {colour} {ratio:.2f}:1")
    assert not low, "\n".join(low)


def test_a_colour_that_fails_is_found() -> None:
    # The check itself can fail: grey #888 on white is 3.54:1 (axe's figure).
    core = REPORT_CSS.read_text(encoding="utf-8")
    found = pairs(".x { color: #888; background: #fff; }", core)
    assert [round(r, 2) for *_, r in found] == [3.54, 3.54]


# The viewer's dark surfaces carry their own light text (.rri-viewer: #eee).
VIEWER_INHERITS = {".rri-bar": "#eeeeee", ".rri-open": "#eeeeee"}


def test_every_text_of_the_imaging_stylesheet_is_readable() -> None:
    core = REPORT_CSS.read_text(encoding="utf-8")
    found = pairs(VIEWER_CSS.read_text(encoding="utf-8"), core, VIEWER_INHERITS)
    low = [f"{s}: {sel} {fg} on {bg} = {r:.2f}:1" for s, sel, fg, bg, r in found if r < AA]
    assert not low, "\n".join(low)
