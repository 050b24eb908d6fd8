"""The main process does not hold every encoding: what arrives from a worker goes to the
spool, and the page writer streams the pictures into the file one image at a time."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

from imaging_helpers import photo
from rinec_plugins.imaging.encode import Encoded

import rinec_report
from rinec_report.render import script_json


def test_an_encoding_unpickled_is_spooled_and_reads_back_the_same() -> None:
    original = Encoded(3, 2, bytes(range(256)) * 40, "image/webp", (0.1, 0.0, 0.9, 1.0))
    arrived = pickle.loads(pickle.dumps(original))  # as from a worker
    assert arrived.stored == b"" and arrived.spooled is not None  # not held in memory
    assert arrived.data == original.data and arrived.size == original.size
    assert arrived.uri() == original.uri()
    # Pickled on (a distributed engine moving it again): the bytes travel, not the offset.
    again = pickle.loads(pickle.dumps(arrived))
    assert again.data == original.data


def test_the_streamed_image_data_is_the_json_the_core_would_write(tmp_path: Path) -> None:
    from rinec_plugins.imaging.html import image_data, image_data_pieces

    run = tmp_path / "run"
    for n in range(3):
        photo(run / "images" / f"P{n}" / f"2019-05_endoscopy_{n}.png", (300, 200), seed=n)
    report = rinec_report.run(str(run), outdir=str(tmp_path / "out"), force=True, plugins=["imaging"])
    assert report.exit_status == 0
    (section,) = [s for p, s in report.sections if p == "imaging" and s.id == "timeline"]
    (block,) = [b for b in section.blocks if getattr(b, "payloads", None)]
    (token,) = block.payloads
    assert token in block.html  # the section holds a placeholder, not the pictures
    page = (tmp_path / "out" / "rinec_report.html").read_text(encoding="utf-8")
    assert token not in page
    written = re.search(r'<script type="application/json" class="rri-data">(.*?)</script>', page, re.S).group(1)
    # The reference: the core's own script_json over the whole dict, as before streaming.
    shown = block.payloads[token].args[0]
    index = block.payloads[token].args[1]
    assert written == str(script_json(image_data(shown, index), sort_keys=True))
    assert "".join(image_data_pieces(shown, index)) == written
    # One picture each: the display image, which the gallery also draws as the thumbnail.
    assert written.count("data:image/") == 3
