"""Write the example run's SYNTHETIC images (the study's images are not public).

    python example_run/make_images.py

Deterministic (seeded drawing, fixed DICOM UIDs and dates): running it again rewrites
the same bytes. What it draws stands for the study's Figures 2A and 3:

- P1: an MRI series at NEC diagnosis (2018-09, DICOM, 4 slices, one annotated with an
  arrow), an endoscopy photo (2018-09, JPEG carrying camera EXIF and GPS tags, which the
  report must drop), the MRI at progression (2019-05, DICOM, arrow);
- P3: endoscopy at diagnosis (2019-01) and the brain MRI with the metastasis (2019-06,
  PNG, annotated by the JSON file beside it);
- P1 and P2: H&E and IHC images of the primary NPC (EBER, CK5/6, P40) and of the second
  NEC (CD56, SYN, CgA), the stain strength following example_run/ihc_scores.csv; P2's
  NEC H&E is a small pyramidal TIFF standing for a whole-slide image.

images/images.tsv names patient, date, modality, marker and specimen where the path
does not say them, and carries the annotations of the MRI slices.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
OUT = HERE / "images"


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# ---------------------------------------------------------------- radiology


def mri_slice(
    size: int, z: float, tumour: tuple[float, float, float] | None, seed: int, brain: bool = False
) -> np.ndarray:
    """A 16-bit axial head slice: skull ring, brain or sinus tissue, a bright lesion."""
    yy, xx = np.mgrid[0:size, 0:size] / size - 0.5
    r = np.sqrt((xx / 0.42) ** 2 + (yy / 0.48) ** 2)
    img = np.zeros((size, size))
    img[r < 1.0] = 900  # scalp
    img[r < 0.93] = 250  # skull
    img[r < 0.86] = 620 if brain else 520
    if not brain:  # nasal cavity and maxillary sinuses, dark air
        for cx in (-0.16, 0.0, 0.16):
            img[((xx - cx) / 0.07) ** 2 + ((yy + 0.2) / 0.12) ** 2 < 1] = 60
    else:  # ventricles
        for cx in (-0.06, 0.06):
            img[((xx - cx) / 0.04) ** 2 + ((yy + 0.02) / 0.14) ** 2 < 1] = 200
    if tumour is not None:
        tx, ty, tr = tumour
        tr = tr * (1 - abs(z))
        if tr > 0:
            img[((xx - tx) ** 2 + (yy - ty) ** 2) < tr**2] = 1150
    img += rng(seed).normal(0, 25, img.shape)
    return np.clip(img, 0, 4095).astype(np.uint16)


def write_dicom(path: Path, pixels: np.ndarray, patient: str, date: str, series: int, instance: int,
                description: str) -> None:
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage

    root = "1.2.826.0.1.3680043.10.1234"  # a fixed prefix: the same UIDs on every run
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MRImageStorage
    meta.MediaStorageSOPInstanceUID = f"{root}.{series}.{instance}"
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = MRImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = f"{root}.{series}"
    ds.SeriesInstanceUID = f"{root}.{series}.0"
    ds.PatientID = patient
    # Header fields the report must NOT show: it takes PatientID, StudyDate, Modality and
    # SeriesDescription only.
    ds.PatientName = f"SYNTHETIC^{patient}"
    ds.PatientBirthDate = "19590101"
    ds.InstitutionName = "Synthetic Hospital"
    ds.StudyDate = date
    ds.Modality = "MR"
    ds.SeriesDescription = description
    ds.InstanceNumber = instance
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = pixels.shape
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 0
    ds.WindowCenter = 600
    ds.WindowWidth = 1200
    ds.PixelData = pixels.tobytes()
    ds.save_as(path, enforce_file_format=True)


def radiology() -> None:
    p1 = OUT / "P1"
    p1.mkdir(parents=True, exist_ok=True)
    series = p1 / "2018-09_MRI"
    series.mkdir(exist_ok=True)
    for i, z in enumerate((-0.45, -0.15, 0.15, 0.45), start=1):
        pixels = mri_slice(160, z, (-0.16, -0.2, 0.1), seed=10 + i)
        write_dicom(series / f"slice{i}.dcm", pixels, "P1", "20180918", 1, i, "T1 axial contrast")
    write_dicom(p1 / "2019-05_MRI_progression.dcm", mri_slice(160, 0.0, (-0.12, -0.16, 0.16), seed=20),
                "P1", "20190510", 2, 1, "T1 axial contrast")
    p3 = OUT / "P3"
    p3.mkdir(parents=True, exist_ok=True)
    brain = mri_slice(192, 0.0, (0.14, -0.12, 0.05), seed=30, brain=True)
    grey = np.clip((brain.astype(float) - 0) / 1200 * 255, 0, 255).astype(np.uint8)
    Image.fromarray(grey, "L").save(p3 / "2019-06_MRI_brain-metastasis.png", optimize=True)
    (p3 / "2019-06_MRI_brain-metastasis.png.json").write_text(json.dumps({"annotations": [
        {"type": "arrow", "x1": 160, "y1": 40, "x2": 127, "y2": 68, "label": "metastasis"}]}, indent=1) + "\n")


def endoscopy(path: Path, seed: int, gps: bool) -> None:
    """A nasal endoscopy photo: pink mucosa in a dark circle, a pale mass."""
    g = rng(seed)
    size = 360
    yy, xx = np.mgrid[0:size, 0:size] / size - 0.5
    r = np.sqrt(xx**2 + yy**2)
    img = np.zeros((size, size, 3))
    shade = np.clip(1.1 - r * 1.6, 0, 1)[..., None]
    img[:] = np.array([205, 110, 105]) * shade
    mass = ((xx - 0.08) / 0.16) ** 2 + ((yy - 0.05) / 0.12) ** 2 < 1
    img[mass] = np.array([225, 190, 175]) * shade[mass]
    img += g.normal(0, 6, img.shape)
    img[r > 0.48] = 0
    photo = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")
    exif = Image.Exif()
    exif[0x010F] = "SyntheticScope"  # Make
    exif[0x0110] = "Endo-1"  # Model
    if gps:
        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd[1] = "N"
        gps_ifd[2] = (22.0, 33.0, 12.0)
        gps_ifd[3] = "E"
        gps_ifd[4] = (114.0, 10.0, 5.0)
    photo.save(path, "JPEG", quality=85, exif=exif)


# ---------------------------------------------------------------- pathology

# Stain strength per (patient, specimen, marker): the intensity in ihc_scores.csv (0-3).
INTENSITY = {
    ("P1", "NPC", "EBER"): 3, ("P1", "NPC", "CK5-6"): 3, ("P1", "NPC", "P40"): 2,
    ("P1", "NEC", "CD56"): 3, ("P1", "NEC", "SYN"): 2, ("P1", "NEC", "CGA"): 1,
    ("P2", "NPC", "EBER"): 3, ("P2", "NPC", "CK5-6"): 3, ("P2", "NPC", "P40"): 2,
    ("P2", "NEC", "CD56"): 2, ("P2", "NEC", "SYN"): 3, ("P2", "NEC", "CGA"): 2,
}


def tissue(width: int, height: int, specimen: str, stain: str, strength: int, seed: int) -> Image.Image:
    """Cells on a stained background: NPC large cells in nests, NEC small crowded cells.
    H&E: pink stroma, purple nuclei. IHC: blue counterstain, brown where the marker is."""
    g = rng(seed)
    he = stain == "HE"
    image = Image.new("RGB", (width, height), (236, 178, 200) if he else (232, 228, 236))
    draw = ImageDraw.Draw(image)
    small = specimen == "NEC"
    count = int(width * height / (260 if small else 700))
    radius = (3, 5) if small else (5, 9)
    brown = [(210, 170, 120), (170, 110, 60), (130, 75, 35), (95, 50, 20)][strength]
    for _ in range(count):
        x, y = g.uniform(0, width), g.uniform(0, height)
        rad = g.uniform(*radius)
        if he:
            color = (95, 50, 130) if g.random() < 0.8 else (150, 90, 160)
        else:
            positive = strength > 0 and g.random() < 0.25 + 0.22 * strength
            color = brown if positive else (110, 120, 175)
        draw.ellipse((x - rad, y - rad, x + rad, y + rad), fill=color)
    return image


def pathology() -> None:
    for patient, seed in (("P1", 100), ("P2", 200)):
        folder = OUT / patient
        folder.mkdir(parents=True, exist_ok=True)
        dates = {"P1": {"NPC": "2008", "NEC": "2018-09"}, "P2": {"NPC": "2007", "NEC": "2020-03"}}[patient]
        for n, specimen in enumerate(("NPC", "NEC")):
            if not (patient == "P2" and specimen == "NEC"):
                tissue(400, 300, specimen, "HE", 0, seed + n).save(
                    folder / f"{dates[specimen]}_HE_{specimen}.jpg", quality=82)
            markers = ("EBER", "CK5-6", "P40") if specimen == "NPC" else ("CD56", "SYN", "CGA")
            for k, marker in enumerate(markers):
                strength = INTENSITY[(patient, specimen, marker)]
                tissue(400, 300, specimen, "IHC", strength, seed + 10 * (n + 1) + k).save(
                    folder / f"{dates[specimen]}_IHC_{marker}_{specimen}.jpg", quality=82)
    slide(OUT / "P2" / "2020-03_HE_NEC_slide.tif")


def slide(path: Path) -> None:
    """A 3 level pyramidal tiled TIFF (OpenSlide's generic TIFF): tissue on white glass."""
    import tifffile

    width, height = 2048, 1536
    base = Image.new("RGB", (width, height), (246, 244, 246))
    section = tissue(1600, 1100, "NEC", "HE", 0, 300)
    mask = Image.new("L", section.size, 0)
    ImageDraw.Draw(mask).ellipse((0, 0, *section.size), fill=255)
    base.paste(section, (224, 218), mask)
    pixels = np.asarray(base)
    with tifffile.TiffWriter(path) as tif:
        for level in range(3):
            step = 2**level
            plane = np.ascontiguousarray(pixels[::step, ::step])
            tif.write(plane, tile=(256, 256), photometric="rgb", compression="zlib",
                      subfiletype=1 if level else 0, metadata=None)


SIDECAR = """\
file\tpatient_id\tdate\tmodality\tmarker\tspecimen\tcaption\tannotations
P1/2018-09_MRI/slice2.dcm\tP1\t2018-09\tMRI\t\t\tNEC of the left nasal cavity\tarrow 25,30,48,42 'NEC'
P1/2019-05_MRI_progression.dcm\tP1\t2019-05\tMRI\t\t\tprogression at the upper bound\t\
arrow 30,25,55,44 'progression'; circle 61,54,26
P1/2018-09_endoscopy.jpg\tP1\t2018-09\tendoscopy\t\t\tmass in the left nasal cavity\t
P3/2019-01_endoscopy.jpg\tP3\t2019-01\tendoscopy\t\t\tmass in the left nasal cavity\t
P2/2020-03_HE_NEC_slide.tif\tP2\t2020-03\tH&E\t\tNEC\twhole-slide image (synthetic pyramidal TIFF)\t
"""


def main() -> None:
    radiology()
    endoscopy(OUT / "P1" / "2018-09_endoscopy.jpg", 40, gps=True)
    endoscopy(OUT / "P3" / "2019-01_endoscopy.jpg", 41, gps=True)
    pathology()
    (OUT / "images.tsv").write_text(SIDECAR, encoding="utf-8")


if __name__ == "__main__":
    main()
