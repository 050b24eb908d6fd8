"""A run directory of six patients with every kind of input, each row of the two patients
a subset leaves out carrying a value that appears nowhere else, so that a test can
search a subset report for every trace of them."""

from __future__ import annotations

import html
import re
from pathlib import Path

from imaging_helpers import photo
from page_helpers import page_text
from variants_helpers import csq, write_vcf

PATIENTS = ["QZ01", "QZ02", "QZ03", "QZ04", "QZ05", "QZ06"]
LEFT_OUT = ["QZ02", "QZ05"]
KEPT = ["QZ01", "QZ03", "QZ04", "QZ06"]
SAMPLE = {p: f"SMQ{p[2:]}T" for p in PATIENTS}  # QZ01 -> SMQ01T
# One value per row of a left-out patient, in every input, found nowhere else.
PLANTED = {
    "clinical": {"QZ02": "Xylohospital-Vardo", "QZ05": "Xylohospital-Kemi"},
    "survival": {"QZ02": "7.77", "QZ05": "31.33"},  # months: no other patient's time
    "ihc": {"QZ02": "Specimenquark", "QZ05": "Specimenmuon"},
    "vcf_gene": {"QZ02": "ZQXGENEA"},
    "maf_gene": {"QZ05": "ZQXGENEB"},
    "image_caption": {"QZ02": "caption-of-tapir", "QZ05": "caption-of-quokka"},
    "custom": {"QZ02": "customvalue-narwhal", "QZ05": "customvalue-axolotl"},
    # the third-party plugin of tests/third_party_plugin (a plain table the core cuts)
    "coverage": {"QZ02": "9876.5", "QZ05": "8765.25"},
}
# Files only a left-out patient has: their names must not be in a subset report.
LEFT_OUT_FILES = ["QZ05_calls.maf", "images/QZ02/2019-03_MRI.png", "images/QZ05/2020-01_CT.png",
                  "2019-03_MRI.png", "2020-01_CT.png", "QZ05_calls",
                  "scan-wombat.png"]  # a picture only its sidecar row files under QZ05
OS = {"QZ01": (12.0, 1), "QZ02": (7.77, 1), "QZ03": (24.0, 0), "QZ04": (5.0, 1), "QZ05": (31.33, 0),
      "QZ06": (18.0, 1)}

MAF_HEADER = ["Hugo_Symbol", "Chromosome", "Start_Position", "Reference_Allele", "Tumor_Seq_Allele2",
              "Variant_Classification", "Variant_Type", "Tumor_Sample_Barcode", "HGVSp_Short"]


def write_run(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    hospitals = {p: PLANTED["clinical"].get(p, "Central") for p in PATIENTS}
    ages = {"QZ01": 61, "QZ02": 77, "QZ03": 45, "QZ04": 52, "QZ05": 83, "QZ06": 58}
    sexes = {"QZ01": "M", "QZ02": "F", "QZ03": "M", "QZ04": "F", "QZ05": "F", "QZ06": "M"}
    lines = ["patient_id,sample_id,age,sex,hospital"]
    lines += [f"{p},{SAMPLE[p]},{ages[p]},{sexes[p]},{hospitals[p]}" for p in PATIENTS]
    (root / "clinical.csv").write_text("\n".join(lines) + "\n")

    lines = ["patient_id\tos_months\tos_event"]
    lines += [f"{p}\t{OS[p][0]}\t{OS[p][1]}" for p in PATIENTS]
    (root / "survival.tsv").write_text("\n".join(lines) + "\n")

    lines = ["patient_id,specimen,marker,intensity,percent"]
    for p in PATIENTS:
        specimen = PLANTED["ihc"].get(p, "NEC")
        lines.append(f"{p},{specimen},Ki-67,3,80")
        lines.append(f"{p},{specimen},SYN,2,40")
    (root / "ihc_scores.csv").write_text("\n".join(lines) + "\n")

    # One VCF of three samples, of a kept patient and a left-out one: QZ02's sample
    # alone carries ZQXGENEA.
    samples = (SAMPLE["QZ01"], SAMPLE["QZ02"], SAMPLE["QZ03"])
    write_vcf(root / "cohort.vcf", [
        ("17", 7675088, "C", "T", "PASS", "CSQ=" + csq("T", "missense_variant", "TP53", hgvsp="p.R175H"),
         ("0/1", "0/1", "0/1")),
        ("1", 1000, "G", "A", "PASS", "CSQ=" + csq("A", "stop_gained", "ZQXGENEA"), ("0/0", "0/1", "0/0")),
        ("1", 2000, "G", "C", "PASS", "CSQ=" + csq("C", "missense_variant", "KRAS"), ("0/1", "0/0", "0/0")),
    ], samples=samples)
    # A MAF of the two others, and one only the left-out QZ05 has (named after it).
    rows = [["TP53", "17", "7675088", "C", "T", "Missense_Mutation", "SNP", SAMPLE["QZ04"], "p.R175H"],
            ["TP53", "17", "7675088", "C", "T", "Missense_Mutation", "SNP", SAMPLE["QZ06"], "p.R175H"]]
    (root / "calls.maf").write_text("\n".join(["\t".join(MAF_HEADER)] + ["\t".join(r) for r in rows]) + "\n")
    rows = [["ZQXGENEB", "3", "3000", "A", "G", "Missense_Mutation", "SNP", SAMPLE["QZ05"], "p.K1E"]]
    (root / "QZ05_calls.maf").write_text("\n".join(["\t".join(MAF_HEADER)] + ["\t".join(r) for r in rows]) + "\n")

    photo(root / "images" / "QZ01" / "2019-01_MRI.png", (64, 48), seed=1)
    photo(root / "images" / "QZ02" / "2019-03_MRI.png", (64, 48), seed=2)
    photo(root / "images" / "QZ05" / "2020-01_CT.png", (64, 48), seed=5)
    photo(root / "images" / "scan-wombat.png", (64, 48), seed=6)
    (root / "images" / "images.tsv").write_text(
        "file\tpatient_id\tdate\tmodality\tcaption\n"
        "QZ01/2019-01_MRI.png\tQZ01\t2019-01\tMRI\tcaption-of-owl\n"
        f"QZ02/2019-03_MRI.png\tQZ02\t2019-03\tMRI\t{PLANTED['image_caption']['QZ02']}\n"
        f"QZ05/2020-01_CT.png\tQZ05\t2020-01\tCT\t{PLANTED['image_caption']['QZ05']}\n"
        "scan-wombat.png\tQZ05\t2020-02\tCT\t\n")

    lines = ["patient_id\tscore\tnote"]
    lines += [f"{p}\t{i}\t{PLANTED['custom'].get(p, 'plain')}" for i, p in enumerate(PATIENTS)]
    (root / "scores_rr.tsv").write_text("\n".join(lines) + "\n")

    lines = ["sample\tmean_coverage"]
    lines += [f"{SAMPLE[p]}\t{PLANTED['coverage'].get(p, 300 + i)}" for i, p in enumerate(PATIENTS)]
    (root / "coverage.tsv").write_text("\n".join(lines) + "\n")
    return root


def traces() -> list[str]:
    """Everything of the left-out patients: ids, sample ids, planted values, file names."""
    found = [*LEFT_OUT, *(SAMPLE[p] for p in LEFT_OUT), *LEFT_OUT_FILES]
    for values in PLANTED.values():
        found.extend(values.values())
    return found


def leaks(outdir: Path, words: list[str]) -> dict[str, list[str]]:
    """``{file: [word ...]}`` for every word found in the page (as written, its chart specs
    unpacked, and HTML-unescaped) or in any file of the data folder, as a whole token."""
    found: dict[str, list[str]] = {}
    files = [p for p in outdir.rglob("*") if p.is_file()]
    for path in files:
        text = path.read_bytes().decode("utf-8", "replace")
        if path.suffix == ".html":
            text = page_text(text)  # its chart specs unpacked
        for variant in (text, html.unescape(text)):
            hits = [w for w in words if re.search(rf"(?<![A-Za-z0-9]){re.escape(w)}(?![A-Za-z0-9])", variant)]
            if hits:
                found.setdefault(str(path.relative_to(outdir)), []).extend(h for h in hits if h not in
                                                                           found.get(str(path.relative_to(outdir)), []))
    return found
