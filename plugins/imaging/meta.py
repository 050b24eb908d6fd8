"""Who and when an image shows: the sidecar table, the file's path, annotation files.

Three sources, the first that says wins: a row of ``images.tsv``/``.csv``/``.xlsx``
naming the file, then the path (``images/P1/2019-05_MRI.png``), then the DICOM tags
(read in ``decode``). Annotations (arrows, circles, text labels in the image's own
pixel coordinates) come from the sidecar's ``annotations`` cell or from a JSON file
beside the image.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path, PurePosixPath
from typing import Any

from rinec_report import InputError
from rinec_report.safeio import read_content
from rinec_report.shown import shown_of

from . import shapes

# Pictures Pillow reads are shown; one it cannot decode here (HEIC without a plugin, say)
# is still taken, so that it is listed with the reason rather than passed over unseen.
# Every raster format Pillow 11-12 reads is here (tests/test_imaging_sweep.py writes each
# one Pillow can write and holds the list to it); left out are Pillow's formats that are
# no picture a clinician files (PDF, EPS, WMF, HDF5, GRIB, BUFR, FITS, MPEG), which it
# reads only with outside help or as a stub.
PICTURE_EXTENSIONS = ("png", "apng", "jpg", "jpeg", "jpe", "jfif", "mpo", "tif", "tiff", "gif", "bmp", "dib",
                      "webp", "avif", "avifs", "heic", "heif", "pgm", "ppm", "pbm", "pnm", "pfm", "jp2", "j2k",
                      "jpc", "jpf", "jpx", "j2c", "tga", "ico", "cur", "icns", "qoi", "pcx", "dcx", "sgi", "bw",
                      "rgba", "dds", "blp", "msp", "im", "xbm", "xpm", "psd", "ras", "pcd")
IMAGE_EXTENSIONS = (*PICTURE_EXTENSIONS, "dcm", "dicom", "svs", "ndpi", "mrxs")
# A year is a date between these (a file named 4467.dcm or 0004.png names no year).
YEARS = (1900, 2100)
SIDECAR_NAMES = tuple(f"{stem}.{ext}" for stem in ("images", "imaging") for ext in ("tsv", "csv", "xlsx"))
SLIDE_EXTENSIONS = ("svs", "ndpi", "mrxs")
DICOM_EXTENSIONS = ("dcm", "dicom")
IMAGES_FOLDER = "images"

# The fields a sidecar row (or the path) may set; nothing else reaches the page.
FIELDS = ("patient_id", "date", "time_point", "modality", "marker", "specimen", "caption")
_HEADERS = {
    "file": "file",
    "filename": "file",
    "file_name": "file",
    "path": "file",
    "image": "file",
    "patient_id": "patient_id",
    "patient": "patient_id",
    "patientid": "patient_id",
    "date": "date",
    "time_point": "time_point",
    "timepoint": "time_point",
    "modality": "modality",
    "marker": "marker",
    "ihc_marker": "marker",
    "stain": "marker",
    "antibody": "marker",
    "specimen": "specimen",
    "tumour": "specimen",
    "tumor": "specimen",
    "caption": "caption",
    "description": "caption",
    "annotations": "annotations",
    "annotation": "annotations",
}

# Modality words as they appear in file names -> the name the report shows.
MODALITIES = {
    "mri": "MRI",
    "mr": "MRI",
    "ct": "CT",
    "pet": "PET",
    "petct": "PET-CT",
    "us": "Ultrasound",
    "ultrasound": "Ultrasound",
    "xray": "X-ray",
    "cr": "X-ray",
    "dx": "X-ray",
    "endoscopy": "Endoscopy",
    "endo": "Endoscopy",
    "es": "Endoscopy",
    "he": "H&E",
    "h&e": "H&E",
    "hande": "H&E",
    "ihc": "IHC",
    "slide": "Slide",
    "wsi": "Slide",
    "sm": "Slide",
    "ot": "Other",
}
PATHOLOGY = ("H&E", "IHC", "Slide")
SPECIMENS = {"npc": "NPC", "primary": "NPC", "nec": "NEC", "second": "NEC", "snec": "NEC"}
_DATE = re.compile(r"^(\d{4})(?:[-.]?(\d{2}))?(?:[-.]?(\d{2}))?$")


def normalise_date(text: Any) -> str:
    """YYYY, YYYY-MM or YYYY-MM-DD from what a table or DICOM tag wrote ('' if none)."""
    if text is None:
        return ""
    if hasattr(text, "strftime"):
        return text.strftime("%Y-%m-%d")
    value = str(text).strip()
    if value.endswith(" 00:00:00"):  # a spreadsheet date read as text
        value = value[:-9]
    value = value.replace("/", "-")
    m = _DATE.match(value)
    if not m:
        return ""
    year, month, day = m.groups()
    if not YEARS[0] <= int(year) <= YEARS[1]:
        return ""
    if month and not 1 <= int(month) <= 12:
        return ""
    if day:
        try:  # a real day of that month (2019-02-30 is none)
            dt.date(int(year), int(month), int(day))
        except ValueError:
            return ""
    return "-".join(p for p in (year, month, day) if p)


def modality_name(text: str) -> str:
    """The report's name for a modality word, or the word itself."""
    key = re.sub(r"[\s\-_]+", "", str(text)).casefold()
    return MODALITIES.get(key, str(text).strip())


def taken_by_pattern(relpath: str) -> bool:
    """True when the plugin's image pattern takes the file by its name (the scan then
    hands it to a worker of its own)."""
    return PurePosixPath(relpath).suffix.lower().lstrip(".") in IMAGE_EXTENSIONS


def in_images_folder(relpath: str) -> bool:
    """True when some folder above the file is called ``images``."""
    return any(part.casefold() == IMAGES_FOLDER for part in PurePosixPath(relpath).parts[:-1])


def from_path(relpath: str) -> dict[str, str]:
    """What the path says: ``images/P1/2019-05_MRI_progression.png`` gives patient P1,
    date 2019-05, modality MRI, caption 'progression'. A specimen word (NPC, NEC) and,
    for IHC, the next word (the marker) are taken too."""
    path = PurePosixPath(relpath)
    found: dict[str, str] = {}
    parts = [p.casefold() for p in path.parts[:-1]]
    if IMAGES_FOLDER in parts:
        below = path.parts[parts.index(IMAGES_FOLDER) + 1 : -1]
        if below:
            found["patient_id"] = below[0]
    stem = path.name.split(".")[0]
    words: list[str] = []
    tokens = [t for t in re.split(r"[_\s]+", stem) if t]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        key = token.casefold()
        if "date" not in found and normalise_date(token):
            found["date"] = normalise_date(token)
        elif "modality" not in found and key.replace("-", "") in MODALITIES:
            found["modality"] = MODALITIES[key.replace("-", "")]
            if found["modality"] == "IHC" and i + 1 < len(tokens):
                found["marker"] = _marker_from_name(tokens[i + 1])
                i += 1
        elif "specimen" not in found and key in SPECIMENS:
            found["specimen"] = SPECIMENS[key]
        elif "patient_id" not in found and not words and re.fullmatch(r"[A-Za-z]{0,3}\d+", token):
            found["patient_id"] = token  # a leading id such as P3 in P3_2019-06_MRI.png
        else:
            words.append(token)
        i += 1
    if words:
        found["caption"] = " ".join(words).replace("-", " ")
    return found


def _marker_from_name(token: str) -> str:
    # A slash cannot be in a file name: CK5-6 stands for CK5/6.
    return re.sub(r"^(CK\d+)-(\d+)$", r"\1/\2", token, flags=re.IGNORECASE)


# ---------------------------------------------------------------- the sidecar


def read_sidecar(path: str, relpath: str) -> list[dict[str, Any]]:
    """The rows of an images table, each with its spreadsheet row number and the
    image path made relative to the run directory."""
    rows = _xlsx_rows(path) if path.lower().endswith(".xlsx") else _delimited_rows(path)
    if not rows:
        raise InputError("empty table")
    header = [_HEADERS.get(re.sub(r"[\s\-]+", "_", str(h).strip().casefold()), "") for h in rows[0]]
    if "file" not in header:
        raise InputError("no 'file' column (the image each row describes)")
    folder = PurePosixPath(relpath).parent
    out = []
    for number, cells in enumerate(rows[1:], start=2):
        record: dict[str, Any] = {"row": number}
        for name, cell in zip(header, cells, strict=False):
            if name and name not in record:
                record[name] = "" if cell is None else str(cell).strip()
        if not record.get("file"):
            continue
        record["file"] = _join(folder, record["file"])
        if record.get("date"):
            written = record["date"]
            record["date"] = normalise_date(written)
            if not record["date"]:
                record["date_problem"] = f"row {number}, column 'date': {written!r} is not a date"
        if record.get("annotations"):
            try:
                found = parse_annotations(record["annotations"])
                problems = found.problems
            except ValueError as exc:
                found, problems = shapes.Annotations(), [str(exc)]
            record["annotations"] = list(found)
            if problems:
                record["annotation_problem"] = f"row {number}, column 'annotations': " + _left_out(problems)
        out.append(record)
    _state_sidecar(rows, header, out)
    return out


NO_FILE = "no image file named in the row"


def _state_sidecar(rows: list[list[Any]], header: list[str], out: list[dict[str, Any]]) -> None:
    """The images table's rows read and used, and what became of each column."""
    from rinec_report import account

    account.rows(read=len(rows) - 1, used=len(out))
    account.dropped(NO_FILE, len(rows) - 1 - len(out))
    first: dict[str, int] = {}
    for i, (raw, name) in enumerate(zip(rows[0], header, strict=True)):
        title = "" if raw is None else str(raw).strip()
        key = title if title not in first.values() else f"{title} (column {i + 1})"
        if not name:
            account.column(key or f"column {i + 1}", "ignored",
                           reason="not a column of the images table (docs/plugins/imaging.md lists them)")
        elif name in first:
            account.look_alike(f"{title} (column {i + 1})", f"the images table's {name}",
                               f"only the first such column (column {first[name] + 1}) is read")
        else:
            first[name] = i
            account.column(key, "field", as_field=name)


def _left_out(problems: list[str], shown: int = 3) -> str:
    more = f" ({shown_of(shown, len(problems))})" if len(problems) > shown else ""
    return "; ".join(problems[:shown]) + more + "; left out"


def _join(folder: PurePosixPath, name: str) -> str:
    joined = PurePosixPath(folder, name.replace("\\", "/"))
    parts: list[str] = []
    for part in joined.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def _delimited_rows(path: str) -> list[list[str]]:
    # The checked open, bounded by the file's size limit (decompressed, were it gzip).
    try:
        text = read_content(path).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start + 1})") from None
    delimiter = "\t" if path.lower().endswith(".tsv") or "\t" in text.split("\n", 1)[0] else ","
    return [row for row in csv.reader(text.splitlines(), delimiter=delimiter) if any(c.strip() for c in row)]


def _xlsx_rows(path: str) -> list[list[Any]]:
    # By the cells the sheet stores, not its declared dimension (a stray cell at
    # XFD1048576 would otherwise make 17 billion cells).
    from rinec_report.xlsx import read_sheet

    # read_sheet opens the workbook through the core's checked open.
    return [row for row in read_sheet(path).rows if any(c not in (None, "") for c in row)]


# ---------------------------------------------------------------- annotations


def parse_annotations(value: Any) -> shapes.Annotations:
    """Annotations as a list of shapes (see :mod:`.shapes`): from JSON (a list, or
    ``{"annotations": [...]}``) or from the short form ``arrow 120,80,160,120
    'progression'; circle 200,150,30``. Coordinates are pixels of the original image,
    origin top left. The shapes left out are in the result's ``problems``."""
    return shapes.read(value)


def annotation_files(image_path: str) -> list[Path]:
    """Where a JSON file annotating an image may be: ``scan.png.json``, then ``scan.json``."""
    path = Path(image_path)
    return [path.with_name(path.name + ".json"), path.with_name(path.name.split(".")[0] + ".json")]
