"""A generated cohort for the de-identification tests: hospital-style ids, exact dates, notes with
names, ages above 89, IHC readings and sequenced samples."""

from __future__ import annotations

import base64
import html
import random
import re
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from page_helpers import page_text

REPO = Path(__file__).resolve().parents[1]
SURNAMES = ["Okafor", "Lindqvist", "Moreau", "Tanaka", "Haddad", "Kowalski", "Fernandes", "Nakamura"]


def make_cohort(run_dir: Path, n: int = 500, seed: int = 11) -> dict[str, list[str]]:
    """Write clinical.csv, ihc_scores.csv and two VCFs; return the identifiers written."""
    rng = random.Random(seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    rows = ["patient_id,sample_id,age,sex,npc_diagnosis_date,nec_diagnosis_date,progression_date,"
            "os_months,os_event,pfs_months,pfs_event,notes"]
    ids, samples, notes = [], [], []
    vcfs = sorted((REPO / "example_run" / "variants").glob("*.vcf.gz"))
    for i in range(n):
        pid = f"H{rng.randint(10**6, 10**7 - 1)}-{i}"
        first = date(1998, 1, 1) + timedelta(days=rng.randint(0, 4000))
        second = first + timedelta(days=rng.randint(3650, 6500))
        progression = second + timedelta(days=rng.randint(30, 400))
        sample = f"{20 + i % 5}S{rng.randint(10**6, 10**7 - 1)}" if i < len(vcfs) else ""
        note = f"seen by Dr {rng.choice(SURNAMES)} on {second:%d/%m/%Y}" if i % 7 == 0 else ""
        age = 95 if i == 3 else rng.randint(30, 85)
        os_m, pfs_m = rng.randint(1, 60), rng.randint(1, 30)
        rows.append(f"{pid},{sample},{age},{rng.choice(['male', 'female'])},{first},{second},{progression},"
                    f"{os_m},{rng.choice(['died', 'alive'])},{min(pfs_m, os_m)},{rng.choice(['progressed', 'no'])},"
                    f"{note}")
        ids.append(pid)
        if sample:
            samples.append(sample)
            shutil.copy(vcfs[i], run_dir / f"{sample}.vcf.gz")
        if note:
            notes.append(note)
    (run_dir / "clinical.csv").write_text("\n".join(rows) + "\n")
    ihc = ["patient_id,specimen,marker,intensity,percent"]
    for pid in ids[:60]:
        ihc += [f"{pid},NEC,CD56,{rng.randint(0, 3)},{rng.randint(0, 100)}",
                f"{pid},NEC,SYN,{rng.randint(0, 3)},{rng.randint(0, 100)}"]
    (run_dir / "ihc_scores.csv").write_text("\n".join(ihc) + "\n")
    shutil.copy(REPO / "example_run" / "panel.bed", run_dir / "panel.bed")
    images = run_dir / "images"
    images.mkdir()
    sidecar = ["file\tpatient_id\tdate\tmodality\tcaption"]
    pictures = sorted((REPO / "example_run" / "images").rglob("*.jpg"))[:4]
    for i, pid in enumerate(ids[:8]):
        picture = pictures[i % len(pictures)]
        name = f"{pid}_{i}{picture.suffix}"
        shutil.copy(picture, images / name)
        sidecar.append(f"{name}\t{pid}\t2019-0{i % 9 + 1}-1{i % 9}\tendoscopy\tseen by Dr {SURNAMES[i % 8]}")
    (images / "images.tsv").write_text("\n".join(sidecar) + "\n")
    return {"patients": ids, "samples": samples, "notes": notes}


_DATA_URI = re.compile(r"data:[\w.+/-]*(?:;[\w.+=-]*)*;base64,([A-Za-z0-9+/=]+)")


def readings(report: Any) -> dict[str, str]:
    """Every text a report holds, as a reader could see it: the page raw, unescaped and
    with each data URI decoded (its chart specs unpacked), and every file of its data folder."""
    page = page_text(report.html_path.read_text(encoding="utf-8"))
    decoded = " ".join(base64.b64decode(m.group(1) + "==").decode("latin-1") for m in _DATA_URI.finditer(page))
    out = {"page": page, "page, unescaped": html.unescape(html.unescape(page)), "data URIs": decoded}
    for path in report.data_dir.rglob("*"):
        if path.is_file():
            out[path.name] = path.read_bytes().decode("utf-8", "replace")
    return out
