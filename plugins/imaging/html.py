"""The markup of image figures, annotation overlays and the data the viewer reads.

Every value from an input file (captions, markers, specimen names, annotation labels,
patient ids) passes through ``markupsafe.escape`` here; the pixels go in as base64
data URIs inside one JSON block, so each image's bytes are in the page once however
many sections show it, and once whether the gallery or the viewer draws them (the
thumbnail is the display image, unless it cannot be: see ``encode.covers``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from importlib import resources
from typing import Any

from markupsafe import Markup

from .build import Shown


def figure(item: Shown, index: dict[str, str], label: str | None = None) -> Markup:
    """A gallery figure: a button holding the thumbnail and its overlay, and a caption.

    The button is ``rr-print-keep``: the core hides buttons on paper, and this one is the picture.
    The ``<img>`` is the thumbnail's box (its width and height: nothing moves when the
    picture arrives); the viewer's script gives it the thumbnail's bytes, or, when the
    display image serves as the thumbnail (``Choice.thumb_shared``), the display image's,
    scaled into that box. A panorama's thumbnail is its middle: then ``object-fit: cover``
    (``rri-part``, centred) in a box of the thumbnail's own proportions cuts the same middle
    out of the whole display image."""
    ref = index[item.key]
    caption = label if label is not None else caption_of(item)
    choice = item.choice
    if not choice.embedded or choice.thumb is None:
        return Markup(
            '<figure class="rri-fig rri-missing" data-patient="{p}"><div class="rri-frame rri-empty">'
            "not embedded (size budget)</div><figcaption>{c}</figcaption></figure>"
        ).format(p=item.patient_id, c=caption)
    thumb = choice.thumb
    part = choice.thumb_shared and thumb.crop is not None
    return Markup(
        '<figure class="rri-fig" data-patient="{p}"><button type="button" class="rri-open rr-print-keep" '
        'data-img="{ref}" aria-label="{name}"><span class="rri-frame">'
        '<img class="{cls}" data-thumb="{ref}" width="{w}" height="{h}"{box} alt="{alt}">{svg}</span></button>'
        "<figcaption>{c}</figcaption></figure>"
    ).format(
        p=item.patient_id,
        ref=ref,
        cls="rri-thumb rri-part" if part else "rri-thumb",
        w=thumb.width,
        h=thumb.height,
        # The box keeps the thumbnail's proportions once the (longer) display image is in it.
        box=Markup(' style="aspect-ratio: {} / {}"').format(thumb.width, thumb.height) if part else "",
        alt=f"{item.patient_id} {item.modality} {item.date}".strip(),
        name=name_of(item),
        svg=overlay(item, thumb.crop),
        c=caption,
    )


def name_of(item: Shown) -> str:
    """The thumbnail button's accessible name: what it shows, the words drawn on it (a
    name must hold the text a sighted reader sees inside the button), and what it does."""
    shown = f"{item.patient_id} {item.modality} {item.date}".strip()
    drawn = " ".join(str(a["label"]) for a in item.annotations or () if a.get("label"))
    return f"{shown} {drawn}: open in the viewer" if drawn else f"{shown}: open in the viewer"


def caption_of(item: Shown) -> str:
    parts = [item.date or "undated", item.modality]
    if item.marker:
        parts.append(item.marker)
    if item.specimen:
        parts.append(item.specimen)
    if item.caption:
        parts.append(item.caption)
    if item.series_size > 1:
        parts.append(f"slice of a series of {item.series_size}")
    return " · ".join(parts)


def overlay(item: Shown, crop: tuple[float, float, float, float] | None = None) -> Markup:
    """Annotations as SVG in the original image's pixel coordinates (the viewBox), so
    the same overlay fits the thumbnail, the viewer and any zoom. ``crop`` (fractions of
    the image) is the part a panorama's thumbnail shows: the viewBox is then that part
    (the viewer sets it back to the whole image)."""
    if not item.annotations:
        return Markup("")
    size = max(item.width, item.height)
    stroke = max(size / 180, 1.0)
    font = max(size / 28, 8.0)
    shapes = []
    for a in item.annotations:
        color = a.get("color", "#e3120b")
        if a["type"] == "arrow":
            shapes.append(_arrow(a, color, stroke))
            anchor = (a["x1"], a["y1"])
        elif a["type"] == "circle":
            shapes.append(
                Markup('<circle cx="{:g}" cy="{:g}" r="{:g}" fill="none" stroke="{}" stroke-width="{:g}"/>').format(
                    a["cx"], a["cy"], a["r"], color, stroke
                )
            )
            anchor = (a["cx"] + a["r"], a["cy"] - a["r"])
        else:
            anchor = (a["x"], a["y"])
        if a.get("label"):
            shapes.append(
                Markup('<text x="{:g}" y="{:g}" fill="{}" font-size="{:g}" stroke="#fff" stroke-width="{:g}" '
                       'paint-order="stroke">{}</text>').format(anchor[0], anchor[1], color, font, stroke / 2,
                                                               a["label"])
            )
    box = f"0 0 {item.width} {item.height}"
    if crop is not None:
        x0, y0, x1, y1 = (crop[0] * item.width, crop[1] * item.height, crop[2] * item.width, crop[3] * item.height)
        box = f"{x0:.2f} {y0:.2f} {x1 - x0:.2f} {y1 - y0:.2f}"
    return Markup(
        '<svg class="rri-ann" viewBox="{b}" preserveAspectRatio="none" aria-hidden="true">{s}</svg>'
    ).format(b=box, s=Markup("").join(shapes))


def _arrow(a: dict[str, Any], color: str, stroke: float) -> Markup:
    """A line with a filled head at (x2, y2): a polygon, not an SVG marker, so that
    copies of the overlay need no unique ids."""
    x1, y1, x2, y2 = a["x1"], a["y1"], a["x2"], a["y2"]
    angle = math.atan2(y2 - y1, x2 - x1)
    head = stroke * 5
    left = (x2 - head * math.cos(angle - 0.45), y2 - head * math.sin(angle - 0.45))
    right = (x2 - head * math.cos(angle + 0.45), y2 - head * math.sin(angle + 0.45))
    shaft_end = (x2 - head * 0.8 * math.cos(angle), y2 - head * 0.8 * math.sin(angle))
    return Markup(
        '<line x1="{:g}" y1="{:g}" x2="{:.1f}" y2="{:.1f}" stroke="{c}" stroke-width="{:g}" stroke-linecap="round"/>'
        '<polygon points="{:g},{:g} {:.1f},{:.1f} {:.1f},{:.1f}" fill="{c}"/>'
    ).format(x1, y1, shaft_end[0], shaft_end[1], stroke, x2, y2, left[0], left[1], right[0], right[1], c=color)


def image_data(shown: list[Shown], index: dict[str, str]) -> dict[str, Any]:
    """What the viewer needs per image, keyed by the figures' ``data-img``."""
    out: dict[str, Any] = {}
    for item in shown:
        entry = image_entry(item)
        if entry is not None:
            out[index[item.key]] = entry
    return out


def image_data_pieces(shown: list[Shown], index: dict[str, str]) -> Iterator[str]:
    """``script_json(image_data(shown, index), sort_keys=True)``, one image at a time: the
    page writer streams these pieces into the file, so that the pictures (read back from
    the spool) are never all in memory together."""
    from rinec_report.render import script_json

    yield "{"
    first = True
    for ref, item in sorted((index[s.key], s) for s in shown):
        entry = image_entry(item)
        if entry is None:
            continue
        yield ("" if first else ",") + str(script_json(ref)) + ":" + str(script_json(entry, sort_keys=True))
        first = False
    yield "}"


def image_entry(item: Shown) -> dict[str, Any] | None:
    """What the viewer needs of one image (None when it is not embedded)."""
    choice = item.choice
    if not choice.embedded or choice.thumb is None:
        return None
    display = choice.display
    entry: dict[str, Any] = {
        "src": display.uri() if display is not None else None,
        "w": item.width,
        "h": item.height,
        "caption": f"{item.patient_id} · {caption_of(item)}",
    }
    if not choice.thumb_shared:
        # Its own encoding only when the display image cannot stand for it (see
        # encode.covers): else the gallery draws ``src`` and the bytes are here once.
        entry["thumb"] = choice.thumb.uri()
        if choice.thumb.crop is not None:
            # A panorama's thumbnail is its middle: where the viewer places it when it is
            # all there is to show (the display size left out to fit the budget).
            entry["thumb_crop"] = [round(v, 6) for v in choice.thumb.crop]
    if abs(item.aspect - 1.0) > 0.005:
        # Unequal pixel spacing: the viewer draws the original's grid in this aspect.
        entry["aspect"] = round(item.aspect, 6)
    if choice.stack is not None and choice.keep_stack:
        stack = choice.stack
        entry["stack"] = {
            "key": stack.key,
            "presets": stack.presets,
            # Per slice: its number, its position in mm (or null), one image per preset.
            "slices": [[s.number, s.position, [e.uri() for e in s.sizes[stack.size]]] for s in stack.slices],
        }
    if choice.keep_tiles and choice.tiles:
        entry["tiles"] = [[t.x, t.y, t.w, t.h, t.image.uri()] for t in choice.tiles]
    return entry


def toolbar() -> Markup:
    return Markup(
        '<div class="rri-tools"><label><input type="checkbox" class="rri-ann-toggle" checked> Show annotations'
        "</label><span>Click an image (or Tab to it and press Enter) to open the viewer: mouse wheel or + and - "
        "zoom, drag pans, arrow keys move between images, A toggles annotations, 0 resets, Esc closes. In a DICOM "
        "series, the Up and Down arrows, the mouse wheel or the slider move through its slices.</span></div>"
    )


def assets() -> Markup:
    """The viewer's style and script, inlined: the page must open offline."""
    here = resources.files(__package__)
    css = here.joinpath("viewer.css").read_text(encoding="utf-8")
    js = here.joinpath("viewer.js").read_text(encoding="utf-8").replace("</script", "<\\/script")
    return Markup("<style>{}</style><script>{}</script>").format(Markup(css), Markup(js))
