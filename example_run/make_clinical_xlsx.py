"""Write example_run/clinical.xlsx: the five patients' Table 1, as clinicians keep it.

Deterministic: fixed document times and fixed zip entry times, so running it again
gives the same bytes. Run: python example_run/make_clinical_xlsx.py
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

HEADERS = [
    "Patient", "Sample ID", "Age", "Sex",
    "NPC diagnosis date", "NPC stage", "NPC histology",
    "NPC RT date", "NPC RT dose (Gy)", "NPC RT fractions", "NPC RT technique", "NPC chemo",
    "NEC diagnosis date", "NEC site", "NEC histology", "NEC in RT field",
    "NEC surgery date", "NEC RT date", "NEC RT dose (Gy)", "NEC RT fractions",
    "NEC RT technique", "NEC chemo",
    "Progression date", "Metastasis site", "Metastasis date",
    "PFS (months)", "PFS event", "OS (months)", "OS event", "Notes",
]

PD_UNDIFF = "poorly differentiated or undifferentiated carcinoma"
D = dt.datetime

# "-" = not performed, "*" = performed but no details recorded, blank = unknown.
ROWS = [
    ["P1", None, 59, "M",
     2008, "T3N2M0", "undifferentiated non-keratinizing carcinoma",
     2008, 70, 35, "2D", "DDP",
     D(2018, 9, 20), "left nasal cavity", "high-grade small cell NEC", "yes",
     "-", D(2018, 10, 23), "GTV 70 Gy", 33, "IMRT", "VP (etoposide+cisplatin)",
     "2019-05", None, None,
     "6 m", "progressed", "9 m", "died", "progression at the upper bound (MRI 2019-05)"],
    ["P2", "20S3087569", 67, "M",
     2007, "T3N1M0", "poorly differentiated squamous carcinoma",
     2007, 70, 35, "2D", "DDP",
     D(2020, 3, 9), "right hard palate", "small cell NEC", "yes",
     D(2020, 3, 6), "-", "-", "-", "-", "VP",
     None, None, None,
     "3 m", "progressed", "3 m", "died", None],
    ["P3", "19S0735242", 50, "M",
     2005, "T3N0M0", PD_UNDIFF,
     2005, "*", "*", "2D", "DDP",
     D(2019, 1, 31), "left nasal cavity", "small cell NEC", "yes",
     D(2019, 2, 19), D(2019, 4, 8), "GTV 66 Gy", 30, "IMRT", "VP",
     None, "brain", "2019-06",
     "4 m", "progressed", "9 m", "died", "radical RT, dose not recorded; brain metastasis (MRI 2019-06)"],
    ["P4", "20S6942679", 56, "M",
     2010, "T2N0M0", PD_UNDIFF,
     2010, 70, 35, "2D", "DDP",
     D(2020, 4, 29), "right nasal cavity-skull base", "small cell NEC", "yes",
     D(2020, 4, 23), D(2020, 5, 25), "GTV 64 Gy", 30, "IMRT", "VP",
     None, None, None,
     None, "censored", None, "alive", None],
    ["P5", "20S6942573", 49, "M",
     2002, "*", PD_UNDIFF,
     2002, "*", "*", "2D", "yes (*)",
     D(2020, 9, 1), "left ethmoidal sinus", "small cell NEC", "yes",
     D(2020, 8, 24), "-", "-", "-", "-", "GP (gemcitabine+cisplatin)",
     None, None, None,
     None, "censored", None, "alive", None],
]

FIXED = D(2020, 9, 26)


def build() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Table 1"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in ROWS:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd"
    book.properties.creator = "rinec-report example"
    book.properties.created = FIXED
    book.properties.modified = FIXED
    raw = io.BytesIO()
    book.save(raw)
    # openpyxl stamps zip entries with the current time; restamp them.
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: i.filename):
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl sets "modified" to the time of saving, whatever we say.
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2020-09-26T00:00:00Z",
                              data)
            dst.writestr(entry, data)
    return out.getvalue()


def main() -> None:
    target = Path(__file__).resolve().parent / "clinical.xlsx"
    target.write_bytes(build())
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
