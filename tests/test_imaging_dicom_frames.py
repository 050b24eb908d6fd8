"""Enhanced multi-frame DICOM (functional groups) and pixel aspect, on files written here
with pydicom from pydicom's own MR_small.dcm (tests/data/dicom/); the reference is
pydicom's apply_modality_lut and apply_windowing run on the frame's values in the test."""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest
from imaging_helpers import DICOM, parse
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.pixels import apply_modality_lut, apply_windowing
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from rinec_plugins.imaging.decode import decode_dicom

ENHANCED_MR = "1.2.840.10008.5.1.4.1.1.4.1"
# Per frame: (window centre, width), and for the last frame its own rescale (slope, intercept).
WINDOWS = [(1200.0, 800.0), (2000.0, 1200.0), (1000.0, 600.0)]
SHARED_RESCALE = (2.0, -100.0)
OWN_RESCALE = (1.0, 0.0)


def _item(**values) -> Dataset:
    item = Dataset()
    for keyword, value in values.items():
        setattr(item, keyword, value)
    return item


def enhanced_mr(path, spacing=(1.0, 1.0)) -> np.ndarray:
    """Three 64x64 frames (MR_small's pixels, shifted per frame), rescale in the shared
    functional groups (the last frame overriding it), a window per frame. Returns the frames."""
    base = pydicom.dcmread(DICOM / "MR_small.dcm").pixel_array.astype(np.int32)
    frames = np.stack([np.clip(base + 300 * i, 0, 4095) for i in range(3)]).astype(np.uint16)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ENHANCED_MR
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = ENHANCED_MR, meta.MediaStorageSOPInstanceUID
    ds.PatientID, ds.Modality, ds.StudyDate = "P1", "MR", "20190501"
    ds.SeriesInstanceUID = generate_uid()
    ds.Rows, ds.Columns, ds.NumberOfFrames = 64, 64, 3
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.SharedFunctionalGroupsSequence = Sequence([_item(
        PixelValueTransformationSequence=Sequence([_item(
            RescaleSlope=SHARED_RESCALE[0], RescaleIntercept=SHARED_RESCALE[1], RescaleType="US")]),
        PixelMeasuresSequence=Sequence([_item(PixelSpacing=list(spacing), SliceThickness=1.0)]),
    )])
    per_frame = []
    for i, (center, width) in enumerate(WINDOWS):
        group = _item(FrameVOILUTSequence=Sequence([_item(WindowCenter=center, WindowWidth=width)]))
        if i == 2:
            group.PixelValueTransformationSequence = Sequence([_item(
                RescaleSlope=OWN_RESCALE[0], RescaleIntercept=OWN_RESCALE[1], RescaleType="US")])
        per_frame.append(group)
    ds.PerFrameFunctionalGroupsSequence = Sequence(per_frame)
    ds.PixelData = frames.tobytes()
    ds.save_as(path, enforce_file_format=True)
    return frames


def _reference(frame: np.ndarray, center: float, width: float, slope: float, intercept: float) -> np.ndarray:
    """pydicom's rescale and window on a flat dataset holding the frame's values, mapped
    from pydicom's output range (PS3.3 C.11.2.1.2: y_min..y_max after the rescale) to 0-255."""
    flat = Dataset()
    flat.PhotometricInterpretation, flat.BitsStored, flat.PixelRepresentation = "MONOCHROME2", 12, 0
    flat.RescaleSlope, flat.RescaleIntercept = slope, intercept
    flat.WindowCenter, flat.WindowWidth = center, width
    windowed = apply_windowing(apply_modality_lut(frame, flat), flat)
    y_min, y_max = intercept, 4095 * slope + intercept
    return np.rint((windowed - y_min) / (y_max - y_min) * 255)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_each_frame_is_shown_through_its_own_window_and_rescale(tmp_path, index):
    path = tmp_path / "enhanced.dcm"
    frames = enhanced_mr(path)
    decoded = decode_dicom(str(path), index, (1.0, 99.0))
    slope, intercept = OWN_RESCALE if index == 2 else SHARED_RESCALE
    expected = _reference(frames[index], *WINDOWS[index], slope, intercept)
    plane = np.asarray(decoded.image).astype(float)
    assert plane.shape == (64, 64)
    assert np.max(np.abs(plane - expected)) <= 1
    # The frame's window was used, not percentiles (nor another frame's: it spans the range).
    assert decoded.notes == [] and plane.min() <= 16 and plane.max() == 255
    assert decoded.tags["frames"] == 3 and decoded.tags["frame"] == index


def test_the_middle_frame_by_default(tmp_path):
    path = tmp_path / "enhanced.dcm"
    frames = enhanced_mr(path)
    decoded = decode_dicom(str(path), None, (1.0, 99.0))
    expected = _reference(frames[1], *WINDOWS[1], *SHARED_RESCALE)
    assert np.max(np.abs(np.asarray(decoded.image).astype(float) - expected)) <= 1


def _mr_small(path, **changes) -> pydicom.Dataset:
    ds = pydicom.dcmread(DICOM / "MR_small.dcm")
    for keyword, value in changes.items():
        if value is None:
            delattr(ds, keyword)
        else:
            setattr(ds, keyword, value)
    ds.save_as(path)
    return pydicom.dcmread(path)


def _shown_size(result) -> tuple[int, int]:
    return Image.open(io.BytesIO(result.levels[0].data)).size


def test_unequal_pixel_spacing_gives_the_physical_aspect(tmp_path):
    # Rows 0.5 mm apart, columns 1.0 mm: 64 rows span 32 mm, 64 columns 64 mm.
    ds = _mr_small(tmp_path / "spaced.dcm", PixelSpacing=[0.5, 1.0])
    row_mm, column_mm = (float(v) for v in ds.PixelSpacing)  # as pydicom reads them back
    physical = (ds.Columns * column_mm, ds.Rows * row_mm)
    result, messages = parse(tmp_path / "spaced.dcm")
    assert messages == []
    width, height = _shown_size(result)
    assert abs(width / height - physical[0] / physical[1]) < 0.05
    assert (width, height) == (64, 32)  # the long side stays 64: nothing is enlarged
    assert _shown_size(result) == (result.levels[0].width, result.levels[0].height)
    assert (result.width, result.height) == (64, 64)  # annotations stay in the stored pixel grid
    assert result.aspect == pytest.approx(0.5)


def test_pixel_aspect_ratio_without_spacing(tmp_path):
    # Pixel Aspect Ratio 2\1: each pixel twice as tall as wide (PS3.3 C.7.6.3.1.7).
    _mr_small(tmp_path / "aspect.dcm", PixelSpacing=None, PixelAspectRatio=[2, 1])
    result, _ = parse(tmp_path / "aspect.dcm")
    assert _shown_size(result) == (32, 64) and result.aspect == pytest.approx(2.0)


def test_functional_group_spacing_of_an_enhanced_file(tmp_path):
    enhanced_mr(tmp_path / "enhanced.dcm", spacing=(2.0, 1.0))
    result, _ = parse(tmp_path / "enhanced.dcm")
    assert _shown_size(result) == (32, 64)


def test_square_and_unusable_spacing_keep_the_grid(tmp_path):
    _mr_small(tmp_path / "square.dcm", PixelSpacing=[0.7, 0.7])
    result, _ = parse(tmp_path / "square.dcm")
    assert _shown_size(result) == (64, 64) and result.aspect == 1.0
    _mr_small(tmp_path / "broken.dcm", PixelSpacing=[0.0, 1.0])
    result, _ = parse(tmp_path / "broken.dcm")
    assert _shown_size(result) == (64, 64)
    assert "pixel spacing or aspect ratio unreadable; shown with square pixels" in result.notes


@pytest.mark.parametrize("function", ["LINEAR_EXACT", "SIGMOID"])
def test_the_voi_lut_function_is_applied(tmp_path, function):
    # PS3.3 C.11.2.1.3; pydicom's apply_windowing implements both, the reference here.
    ds = _mr_small(tmp_path / "voi.dcm", VOILUTFunction=function, WindowCenter=700.0, WindowWidth=900.0)
    decoded = decode_dicom(str(tmp_path / "voi.dcm"), None, (1.0, 99.0))
    windowed = apply_windowing(apply_modality_lut(ds.pixel_array, ds), ds)
    low, high = -(2 ** (ds.BitsStored - 1)), 2 ** (ds.BitsStored - 1) - 1  # pydicom's signed output range
    expected = np.rint((windowed - low) / (high - low) * 255)
    assert np.max(np.abs(np.asarray(decoded.image).astype(float) - expected)) <= 1
    assert decoded.notes == []


def test_a_frame_groups_voi_lut_function_is_its_own(tmp_path):
    path = tmp_path / "enhanced.dcm"
    frames = enhanced_mr(path)
    ds = pydicom.dcmread(path)
    ds.PerFrameFunctionalGroupsSequence[0].FrameVOILUTSequence[0].VOILUTFunction = "SIGMOID"
    ds.save_as(path)
    decoded = decode_dicom(str(path), 0, (1.0, 99.0))
    flat = Dataset()
    flat.PhotometricInterpretation, flat.BitsStored, flat.PixelRepresentation = "MONOCHROME2", 12, 0
    flat.RescaleSlope, flat.RescaleIntercept = SHARED_RESCALE
    flat.WindowCenter, flat.WindowWidth = WINDOWS[0]
    flat.VOILUTFunction = "SIGMOID"
    windowed = apply_windowing(apply_modality_lut(frames[0], flat), flat)
    y_min, y_max = SHARED_RESCALE[1], 4095 * SHARED_RESCALE[0] + SHARED_RESCALE[1]
    expected = np.rint((windowed - y_min) / (y_max - y_min) * 255)
    assert np.max(np.abs(np.asarray(decoded.image).astype(float) - expected)) <= 1
