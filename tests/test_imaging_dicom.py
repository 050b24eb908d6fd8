"""DICOM through the imaging plugin, on pydicom's public test files (tests/data/dicom/)."""

from __future__ import annotations

import pickle

import numpy as np
import pydicom
import pytest
from imaging_helpers import DICOM, parse
from pydicom.pixels import apply_modality_lut, apply_voi_lut
from rinec_plugins.imaging.decode import decode_dicom


def test_window_from_the_header_follows_the_standard():
    # MR_small.dcm: Window Center 600, Width 1600. DICOM PS3.3 C.11.2.1.2.1 (linear):
    # y = ((x - (c - 0.5)) / (w - 1) + 0.5), clipped to [0, 1]. By hand for two pixels:
    # raw 905 at (0, 0): (905 - 599.5) / 1599 + 0.5 = 0.69106 -> 176 of 255;
    # raw 182 at (32, 32): (182 - 599.5) / 1599 + 0.5 = 0.23890 -> 61 of 255.
    decoded = decode_dicom(str(DICOM / "MR_small.dcm"), None, (1.0, 99.0))
    plane = np.asarray(decoded.image)
    assert decoded.image.mode == "L" and plane.shape == (64, 64)
    assert plane[0, 0] == 176
    assert plane[32, 32] == 61
    # And against pydicom's own VOI LUT, an independent implementation of the same formula.
    ds = pydicom.dcmread(DICOM / "MR_small.dcm")
    reference = apply_voi_lut(ds.pixel_array.astype(np.float64), ds)
    low, high = -(2 ** (ds.BitsStored - 1)), 2 ** (ds.BitsStored - 1) - 1  # signed output range
    expected = np.rint((reference - low) / (high - low) * 255)
    assert np.max(np.abs(expected - plane.astype(float))) <= 1
    assert decoded.notes == []


def test_without_a_window_the_percentiles_set_black_and_white():
    # CT_small.dcm has no Window Center/Width; Rescale Intercept -1024 gives Hounsfield units.
    decoded = decode_dicom(str(DICOM / "CT_small.dcm"), None, (1.0, 99.0))
    plane = np.asarray(decoded.image)
    ds = pydicom.dcmread(DICOM / "CT_small.dcm")
    hu = apply_modality_lut(ds.pixel_array, ds).astype(float)
    assert hu.min() == 128 - 1024  # the rescale was applied by pydicom, our reference
    low, high = np.percentile(hu, [1, 99])  # numpy's percentiles, computed here
    assert (plane[hu <= low] == 0).all() and (plane[hu >= high] == 255).all()
    assert (plane[hu > low + (high - low) / 255] > 0).all()  # more than one grey step above: not black
    # A window keeps the order of the values: sorted by HU, the grey levels never go down.
    order = np.argsort(hu, axis=None, kind="stable")
    assert (np.diff(plane.ravel()[order].astype(int)) >= 0).all()
    assert decoded.notes == ["windowed from percentiles"]
    assert decoded.tags["modality"] == "CT" and decoded.tags["date"] == "2004-01-19"


def test_multi_frame_shows_the_middle_frame_or_the_one_asked_for():
    # SC_rgb_rle_2frame.dcm: pydicom decodes pixel (0, 0) as red in frame 0 and cyan in frame 1.
    middle = decode_dicom(str(DICOM / "SC_rgb_rle_2frame.dcm"), None, (1.0, 99.0))
    assert middle.image.mode == "RGB" and middle.image.size == (100, 100)
    assert middle.image.getpixel((0, 0)) == (0, 255, 255)
    assert middle.tags["frames"] == 2 and middle.tags["frame"] == 1
    first = decode_dicom(str(DICOM / "SC_rgb_rle_2frame.dcm"), 0, (1.0, 99.0))
    assert first.image.getpixel((0, 0)) == (255, 0, 0)


def test_dicom_without_pixel_data_is_one_warning():
    result, messages = parse(DICOM / "rtplan.dcm")
    assert result is None
    assert messages == ["image skipped: DICOM without pixel data (RTPLAN object: nothing to show)"]


def test_only_the_named_header_fields_leave_the_decoder():
    result, messages = parse(DICOM / "MR_small.dcm")
    assert messages == []
    assert result.kind == "dicom" and (result.width, result.height) == (64, 64)
    assert result.tags["patient_id"] == "4MR1" and result.tags["modality"] == "MR"
    assert set(result.tags) <= {"patient_id", "date", "modality", "series_description", "series_uid",
                                "instance", "frames", "frame", "burned_in"}
    # PatientName, InstitutionName and the rest stay behind: not even in what the worker returns.
    blob = pickle.dumps(result)
    ds = pydicom.dcmread(DICOM / "MR_small.dcm")
    for value in (str(ds.PatientName), str(ds.InstitutionName)):
        assert value.encode() not in blob


@pytest.mark.parametrize("name", ["MR_small.dcm", "CT_small.dcm", "SC_rgb_rle_2frame.dcm"])
def test_same_file_same_bytes(name):
    a, _ = parse(DICOM / name)
    b, _ = parse(DICOM / name)
    assert a.thumb.data == b.thumb.data and [x.data for x in a.levels] == [x.data for x in b.levels]
