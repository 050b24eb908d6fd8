"""Which VCF column is the tumour and which the normal, and the rule the report
states for each file: TCGA/GDC barcodes by their sample-type code (GDC's code
table: 01-09 tumour, 10-19 normal, 20-29 control), the header, the config, and a
warning naming the config keys when nothing settles a two-column file."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from rinec_plugins.variants.samples import BARCODES, CONFIG, pick_samples, sample_type
from rinec_plugins.variants.vcf import parse_vcf
from variants_helpers import csq, write_vcf

import rinec_report
from rinec_report.model import InputWarning

TUMOUR = "TCGA-AB-1234-01A-11D-A123-08"
NORMAL = "TCGA-AB-1234-10A-01D-A123-08"
OPTIONS = {"tumor_sample": None, "normal_sample": None}


def _pair_vcf(path: Path, samples: tuple[str, str] = (TUMOUR, NORMAL)) -> Path:
    # A somatic TP53 SNV (tumour 0/1, normal 0/0) and a germline deletion, GT 1/1 in
    # both columns.
    return write_vcf(path, [
        ("17", 7675088, "C", "T", "PASS",
         "CSQ=" + csq("T", "missense_variant", "TP53", hgvsp="ENSP1:p.Arg175His"),
         ("0/1", "0/0")),
        ("1", 1000, "A", "<DEL>", "PASS", "CSQ=" + csq("<DEL>", "feature_truncation", "GENE2"),
         ("1/1", "1/1")),
    ], samples=samples, extra_header=('##ALT=<ID=DEL,Description="Deletion">',))


@pytest.mark.parametrize(("name", "kind"), [
    ("TCGA-AB-1234-01A-11D-A123-08", "tumour"), ("TCGA-AB-1234-06A", "tumour"),
    ("TCGA-AB-1234-10A-01D", "normal"), ("TCGA-AB-1234-11B", "normal"),
    ("TCGA-AB-1234-20A", "control"), ("TARGET-20-PADZCG-04A-01D", "tumour"),
    ("TCGA-AB-1234-50A", None), ("sample_01", None), ("TCGA-AB-1234", None),
])
def test_sample_type_codes(name: str, kind: str | None) -> None:
    assert sample_type(name) == kind


def test_a_tcga_pair_is_one_tumour_and_its_normal() -> None:
    roles = pick_samples([TUMOUR, NORMAL], "", OPTIONS)
    assert (roles.tumor, roles.normal, roles.rule, roles.normal_rule) == (
        TUMOUR, NORMAL, BARCODES, BARCODES)
    # In either column order, and with a control (code 20) as the normal.
    roles = pick_samples(["TCGA-AB-1234-20A", TUMOUR], "", OPTIONS)
    assert (roles.tumor, roles.normal) == (TUMOUR, "TCGA-AB-1234-20A")


def test_a_cohort_of_barcodes_leaves_out_the_normals() -> None:
    samples = [TUMOUR, "TCGA-CD-5678-01A", NORMAL, "TCGA-CD-5678-10A"]
    roles = pick_samples(samples, "", OPTIONS)
    assert roles.tumor is None
    assert roles.cohort == [TUMOUR, "TCGA-CD-5678-01A"]
    assert roles.left_out == [NORMAL, "TCGA-CD-5678-10A"]
    # Two tumours (01 and 06) are two samples, and not an ambiguous pair.
    roles = pick_samples([TUMOUR, "TCGA-AB-1234-06A"], "", OPTIONS)
    assert roles.cohort == [TUMOUR, "TCGA-AB-1234-06A"] and not roles.ambiguous


def test_config_and_header_come_before_the_codes() -> None:
    roles = pick_samples([TUMOUR, NORMAL], "", {"tumor_sample": NORMAL, "normal_sample": None})
    assert (roles.tumor, roles.rule) == (NORMAL, CONFIG)
    roles = pick_samples([TUMOUR, NORMAL], f"##tumor_sample={NORMAL}\n", OPTIONS)
    assert roles.tumor == NORMAL


def test_germline_deletion_is_the_tumours_and_the_normal_no_sample(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)  # no ambiguity warning
        out = parse_vcf(str(_pair_vcf(tmp_path / "pair.vcf")), {})
    assert out["samples"] == [TUMOUR]
    assert set(out["mutations"]["sample"].astype(str)) == {TUMOUR}
    assert len(out["mutations"]) == 2  # the SNV and the deletion, both the tumour's
    assert out["roles"]["rule"] == BARCODES


def test_report_names_the_rule_and_counts_one_sample(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    _pair_vcf(run_dir / "pair.vcf")
    report = rinec_report.run(run_dir, outdir=tmp_path / "out", force=True, plugins=("variants",))
    assert report.exit_status == 0
    data = tmp_path / "out" / "rinec_report_data"
    samples = pd.read_csv(data / "variants_samples.tsv", sep="\t")
    assert samples["sample"].tolist() == [TUMOUR]  # the normal is no sample, no patient
    genes = pd.read_csv(data / "variants_genes.tsv", sep="\t").set_index("gene")
    assert genes.loc["TP53", "percent_samples"] == 100.0  # 1 of 1 sample
    files = pd.read_csv(data / "variants_files.tsv", sep="\t")
    row = files.iloc[0]
    assert (row["tumour_sample"], row["normal_sample"]) == (TUMOUR, NORMAL)
    assert row["rule"] == f"tumour and normal by {BARCODES}"
    html = (tmp_path / "out" / "rinec_report.html").read_text()
    assert "TCGA/GDC barcode sample-type codes" in html


def test_two_unnamed_columns_warn_with_the_config_keys(tmp_path: Path) -> None:
    path = _pair_vcf(tmp_path / "pair.vcf", samples=("A1", "B2"))
    with pytest.warns(InputWarning, match=r"two sample columns \(A1 and B2\).*"
                      r"variants\.tumor_sample and variants\.normal_sample"):
        out = parse_vcf(str(path), {})
    assert out["samples"] == ["A1", "B2"] and out["roles"]["ambiguous"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        out = parse_vcf(str(path), {"tumor_sample": "A1", "normal_sample": "B2"})
    assert out["samples"] == ["A1"] and out["roles"]["rule"] == CONFIG


def test_a_tumour_named_by_the_header_that_no_column_holds_is_warned(tmp_path):
    # ##tumor_sample names a column the file lacks: the next rule decides, with a warning.
    import pytest
    from rinec_plugins.variants.vcf import parse_vcf
    from variants_helpers import write_vcf

    from rinec_report import InputWarning

    path = write_vcf(tmp_path / "pair.vcf", [("17", 7675088, "C", "T", "PASS", ".")],
                     samples=("TUMOR", "NORMAL"), extra_header=("##tumor_sample=T-01",), csq_header=False)
    with pytest.warns(InputWarning, match=r"the header's ##tumor_sample 'T-01' names no sample column"):
        parsed = parse_vcf(str(path), {})
    assert parsed["tumor_column"] == "TUMOR" and parsed["normal_column"] == "NORMAL"
