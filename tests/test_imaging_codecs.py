"""Compressed DICOM through the decoders the project depends on (pylibjpeg with libjpeg,
openjpeg and rle), on pydicom's own compressed test files (shipped in pydicom's wheel),
each against an uncompressed or otherwise-encoded copy of the same image that pydicom
decodes with NumPy alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest
from imaging_helpers import DICOM, parse
from pydicom.data import get_testdata_file
from pydicom.encaps import encapsulate
from pydicom.uid import UID
from rinec_plugins.imaging.decode import decode_dicom


def _testdata(name: str) -> str:
    return get_testdata_file(name, download=False)  # shipped with pydicom: never downloaded


def _plane(path, frame=None) -> np.ndarray:
    return np.asarray(decode_dicom(str(path), frame, (1.0, 99.0)).image).astype(int)


# (compressed file, transfer syntax, the same image uncompressed or RLE, largest difference allowed)
LOSSLESS = [
    ("MR_small_jpeg_ls_lossless.dcm", "1.2.840.10008.1.2.4.80", "MR_small.dcm", 0),  # JPEG-LS Lossless
    ("MR_small_jp2klossless.dcm", "1.2.840.10008.1.2.4.90", "MR_small.dcm", 0),  # JPEG 2000 Lossless
    ("MR_small_RLE.dcm", "1.2.840.10008.1.2.5", "MR_small.dcm", 0),  # RLE Lossless
    ("SC_rgb_jpeg_gdcm.dcm", "1.2.840.10008.1.2.4.70", "SC_rgb_rle.dcm", 0),  # JPEG Lossless SV1
]


@pytest.mark.parametrize(("name", "syntax", "reference", "tolerance"), LOSSLESS)
def test_lossless_syntaxes_give_the_uncompressed_pixels(name, syntax, reference, tolerance):
    path = _testdata(name)
    assert pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID == syntax
    ref = _testdata(reference)
    ref_syntax = pydicom.dcmread(ref, stop_before_pixels=True).file_meta.TransferSyntaxUID
    assert ref_syntax in ("1.2.840.10008.1.2.1", "1.2.840.10008.1.2.5")  # NumPy decodes it, no codec
    assert np.max(np.abs(_plane(path) - _plane(ref))) <= tolerance


def test_jpeg_ls_near_lossless_stays_within_its_bound():
    # SC_rgb_jls_lossy_line.dcm: JPEG-LS near-lossless of SC_rgb_rle.dcm's image. Its scan
    # header (SOS) says NEAR = 2: every decoded sample within 2 of the original (ISO 14495-1).
    path = _testdata("SC_rgb_jls_lossy_line.dcm")
    assert pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.81"
    reference = pydicom.dcmread(_testdata("SC_rgb_rle.dcm")).pixel_array.astype(int)
    assert np.max(np.abs(_plane(path) - reference)) <= 2


def test_jpeg_baseline_of_the_3x3_image_is_close_to_the_uncompressed_one():
    reference = pydicom.dcmread(_testdata("SC_rgb_small_odd.dcm")).pixel_array.astype(int)
    assert np.mean(np.abs(_plane(_testdata("SC_rgb_small_odd_jpeg.dcm")) - reference)) < 12


@pytest.mark.parametrize(("name", "syntax"), [
    ("JPGExtended.dcm", "1.2.840.10008.1.2.4.51"),  # JPEG Extended, 12-bit
    ("JPEG2000.dcm", "1.2.840.10008.1.2.4.91"),  # JPEG 2000 (lossy allowed)
    ("JPEGLSNearLossless_16.dcm", "1.2.840.10008.1.2.4.81"),  # JPEG-LS near-lossless, 16-bit
    ("693_J2KI.dcm", "1.2.840.10008.1.2.4.91"),
])
def test_lossy_syntaxes_decode_through_parse(name, syntax):
    path = Path(_testdata(name))
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    assert ds.file_meta.TransferSyntaxUID == syntax
    result, messages = parse(path)
    assert messages == []
    assert (result.width, result.height) == (ds.Columns, ds.Rows)


def _rewritten(tmp_path, syntax: str) -> Path:
    """MR_small.dcm relabelled with ``syntax`` and a junk encapsulated frame. pydicom does not
    write a transfer syntax it does not know, so an MPEG-2 label is written and replaced
    by one of the same length."""
    ds = pydicom.dcmread(DICOM / "MR_small.dcm")
    ds.file_meta.TransferSyntaxUID = UID("1.2.840.10008.1.2.4.100")
    ds.PixelData = encapsulate([b"\xff\x0a" + b"\x00" * 64])
    ds["PixelData"].VR = "OB"
    path = tmp_path / "relabelled.dcm"
    ds.save_as(path)
    data = path.read_bytes().replace(b"1.2.840.10008.1.2.4.100\x00", syntax.encode() + b"\x00", 1)
    path.write_bytes(data)
    return path


def test_a_syntax_pydicom_cannot_decode_is_named(tmp_path):
    result, messages = parse(_rewritten(tmp_path, "1.2.840.10008.1.2.4.110"))
    assert result is None
    assert messages == [
        "image skipped: DICOM pixel data cannot be decoded (transfer syntax JPEG XL Lossless "
        f"(1.2.840.10008.1.2.4.110), which pydicom {pydicom.__version__} cannot decode; export it uncompressed "
        "(Explicit VR Little Endian) from the PACS, or convert it with a tool that reads it)"]
    result, messages = parse(_rewritten(tmp_path, "1.2.840.10008.1.2.4.100"))
    assert messages[0].startswith("image skipped: DICOM pixel data cannot be decoded (transfer syntax MPEG2 Main "
                                  "Profile / Main Level (1.2.840.10008.1.2.4.100), which pydicom")


def test_a_missing_decoder_is_named_with_what_to_install():
    # In a child process, pydicom's JPEG-LS decoder loses its pylibjpeg plugin
    # (pydicom's own remove_plugin): as on a machine without pylibjpeg-libjpeg.
    code = (
        "from pydicom.pixels.decoders.base import get_decoder\n"
        "get_decoder('1.2.840.10008.1.2.4.80').remove_plugin('pylibjpeg')\n"
        "from rinec_plugins.imaging.decode import decode_dicom, Unreadable\n"
        f"try:\n    decode_dicom({_testdata('MR_small_jpeg_ls_lossless.dcm')!r}, None, (1.0, 99.0))\n"
        "except Unreadable as exc:\n    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout.strip()
    assert out.startswith("DICOM pixel data cannot be decoded (transfer syntax JPEG-LS Lossless Image "
                          "Compression (1.2.840.10008.1.2.4.80) needs a decoder that is not installed: ")
    assert "gdcm" in out and "pyjpegls" in out


def test_a_decoder_that_fails_says_why_and_what_else_would_try():
    # JPEG-lossy.dcm: a 12-bit JPEG Extended stream libjpeg rejects (pydicom's tests decode it with GDCM).
    result, messages = parse(Path(_testdata("JPEG-lossy.dcm")))
    assert result is None and len(messages) == 1
    assert messages[0].startswith("image skipped: DICOM pixel data cannot be decoded (transfer syntax JPEG Extended "
                                  "(Process 2 and 4) (1.2.840.10008.1.2.4.51): pylibjpeg: libjpeg error")
    assert "not tried, not installed: gdcm" in messages[0]
