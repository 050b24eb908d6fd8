"""The variants plugin's account, file by file: records (not the rows they become) read,
used and dropped, and what became of each sample column."""

from __future__ import annotations

import warnings

from rinec_plugins.variants.vcf import parse_vcf
from variants_helpers import DATA, csq, write_vcf

from rinec_report import account


def stated(path, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with account.recording(path.name) as ledger:
            data = parse_vcf(str(path), options)
    return data, ledger.files[path.name]


def test_structural_variants_count_as_records_not_their_breakpoint_rows():
    data, got = stated(DATA / "depth" / "sv.vcf")
    # sv.vcf by hand: five records; <DEL> with END, the BND and <DUP> give two breakpoint rows
    # each, the plain ACGTA>A deletion one, and vcf2maf leaves the symbolic <INS> out.
    assert (got.unit, got.rows_read, got.rows_used) == ("records", 5, 4)
    assert list(got.dropped.values()) == [1] and "symbolic SV" in next(iter(got.dropped))
    assert len(data["mutations"]) == 2 + 2 + 2 + 1


def test_a_sample_column_that_is_neither_tumour_nor_normal_is_named_as_not_read(tmp_path):
    ann = f"CSQ={csq('T', 'missense_variant', 'TP53')}"
    path = write_vcf(tmp_path / "tn.vcf", [("1", 100, "C", "T", "PASS", ann)], samples=("TUMOR", "NORMAL", "EXTRA"),
                     extra_header=("##tumor_sample=TUMOR", "##normal_sample=NORMAL"))
    _, got = stated(path)
    assert got.columns["TUMOR"] == account.ColumnUse("field", "tumour sample")
    assert got.columns["NORMAL"] == account.ColumnUse("field", "normal sample")
    assert got.columns["EXTRA"].role == "ignored" and "neither the tumour" in got.columns["EXTRA"].reason
