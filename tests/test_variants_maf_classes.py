"""Variant_Classification values outside the MAF specification (the classes
maftools' read.maf knows; its validateMaf notes any other value, as it does for
'ITD' in its own APL example) are warned, with the file and values named; a MAF in
which no row has one is refused for that file."""

from __future__ import annotations

from pathlib import Path

import rinec_report

HEADER = ["Hugo_Symbol", "Chromosome", "Start_Position", "Reference_Allele",
          "Tumor_Seq_Allele2", "Variant_Classification", "Tumor_Sample_Barcode"]


def _maf(path: Path, classes: list[str]) -> None:
    rows = [[f"GENE{k}", "1", str(1000 + k), "C", "T", c, "S1"] for k, c in enumerate(classes)]
    path.write_text("\n".join("\t".join(r) for r in [HEADER, *rows]) + "\n")


def _run(tmp_path: Path) -> rinec_report.Report:
    return rinec_report.run(tmp_path / "run", outdir=tmp_path / "out", force=True,
                            plugins=("variants",))


def test_values_outside_the_specification_warn_naming_file_and_values(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    _maf(tmp_path / "run" / "calls.maf", ["Missense_Mutation", "ITD", "ITD", "Silent"])
    report = _run(tmp_path)
    assert report.exit_status == 0
    lines = [m.line() for m in report.messages if "outside the MAF specification" in m.line()]
    assert len(lines) == 1
    assert "calls.maf" in lines[0] and "'ITD' (2 rows)" in lines[0]
    assert "Missense_Mutation" not in lines[0]


def test_a_maf_without_any_valid_class_is_refused(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    _maf(tmp_path / "run" / "bad.maf", ["missense", "stop_gained"])
    _maf(tmp_path / "run" / "good.maf", ["Missense_Mutation"])
    report = _run(tmp_path)
    lines = [m.line() for m in report.messages if "no row has a Variant_Classification" in m.line()]
    assert len(lines) == 1 and "bad.maf" in lines[0]
    assert "'missense' (1 row)" in lines[0] and "'stop_gained' (1 row)" in lines[0]
    # The other file's calls are still reported.
    assert any(p == "variants" and s.id == "oncoplot" for p, s in report.sections)


def test_a_snpeff_eff_only_vcf_is_refused(tmp_path: Path) -> None:
    import pytest
    from rinec_plugins.variants.vcf import parse_vcf
    from variants_helpers import write_vcf

    from rinec_report.model import InputError

    eff = "EFF=NON_SYNONYMOUS_CODING(MODERATE|MISSENSE|Gag/Cag|R175H|393|TP53|protein_coding|CODING|ENST1|5|1)"
    path = write_vcf(tmp_path / "eff.vcf", [("17", 7675088, "C", "T", "PASS", eff)],
                     csq_header=False, extra_header=(
                         '##INFO=<ID=EFF,Number=.,Type=String,Description="Predicted effects: '
                         "Effect ( Effect_Impact | Functional_Class | Codon_Change | Amino_Acid_Change"
                         '| Amino_Acid_Length | Gene_Name | Transcript_BioType | Gene_Coding | '
                         'Transcript_ID | Exon_Rank  | Genotype_Number )">',))
    with pytest.raises(InputError, match=r"SnpEff's old INFO/EFF.*INFO/ANN.*VEP"):
        parse_vcf(str(path), {})
