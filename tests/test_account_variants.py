"""The variants plugin's account, file by file: records (not the rows they become) read,
used and dropped, and what became of each sample column."""

from __future__ import annotations

import warnings

from rinec_plugins.variants.vcf import parse_vcf
from variants_helpers import DATA, VEP_FORMAT, csq, write_vcf

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


def test_a_call_below_a_depth_filter_is_dropped_in_its_files_account(tmp_path):
    import rinec_report

    ann = f"CSQ={csq('T', 'missense_variant', 'TP53')}"
    header = ["##fileformat=VCFv4.2", "##contig=<ID=1>",
              '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
              f'Format: {VEP_FORMAT}">',
              '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
              '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
              '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">',
              "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1"]
    records = [f"1\t{pos}\t.\tC\tT\t.\tPASS\t{ann}\tGT:AD:DP\t{sample}"
               for pos, sample in ((100, "0/1:5,5:10"), (200, "0/1:20,10:30"), (300, "0/1")) ]
    run = tmp_path / "run"
    run.mkdir()
    (run / "s1.vcf").write_text("\n".join(header + records) + "\n")
    report = rinec_report.run(run, outdir=tmp_path / "out", force=True, plugins=("variants",),
                              config={"variants": {"min_depth": 20}})
    [got] = [r for r in report.accounts if r["file"] == "s1.vcf"]
    # by hand: depth 10 is below 20; depth 30 is kept, and the call with no depth is kept
    assert (got["read"], got["used"], got["dropped"]) == (3, 2, 1)
    assert got["dropped_by_reason"] == {"tumour depth below variants.min_depth (20)": 1}
