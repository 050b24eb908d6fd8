"""Read depth and allele counts as vcf2maf.pl computes them: each caller's FORMAT
fields (tests/data/variants/depth/*.vcf) against vcf2maf.pl's own MAF for that
file, and the public vcf2maf fixtures whose MAFs already hold t_depth and the
counts. Expected values are vcf2maf's output, never the plugin's."""

from __future__ import annotations

import csv
import math
import warnings
from pathlib import Path

import pytest
from rinec_plugins.variants.maf import parse_maf
from rinec_plugins.variants.vcf import parse_vcf
from variants_helpers import DATA, TEST_DATA

DEPTH = DATA / "depth"
MAF_COLUMNS = ["Start_Position", "Tumor_Seq_Allele2", "t_depth", "t_ref_count", "t_alt_count",
               "n_depth", "n_ref_count", "n_alt_count"]
PLUGIN = ["pos", "alt", "t_depth", "t_ref_count", "t_alt_count", "n_depth", "n_ref_count",
          "n_alt_count"]
CALLERS = sorted(p.stem for p in DEPTH.glob("*.vcf"))


def _text(value: object) -> str:
    """A value as vcf2maf prints it ('.' and '' both mean none)."""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value == int(value) else str(value)
    return "" if str(value) in (".", "") else str(value)


def maf_rows(path: Path) -> list[tuple[str, ...]]:
    with open(path) as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        return [tuple(_text(r[c]) for c in MAF_COLUMNS) for r in rows]


def plugin_rows(path: Path) -> list[tuple[str, ...]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = parse_vcf(str(path), {"filters": ["*"]})["mutations"]
    return [tuple(_text(v) for v in row) for row in m[PLUGIN].itertuples(index=False)]


def test_every_caller_format_has_a_fixture() -> None:
    # vcf2maf.pl's FixAlleleDepths: AD (and its edge cases), VarScan RD, SomaticSniper
    # BCOUNT, Strelka AU..TU and TAR/TIR, CaVEMan, FreeBayes RO/AO, Delly RR/RV, DP4,
    # cgpPindel, FA, DV; and a DP-only file.
    assert CALLERS == ["ad", "caveman", "cgppindel", "delly", "dp4", "dp_only", "dv", "fa",
                       "freebayes", "somaticsniper", "strelka_indel", "strelka_snv", "sv", "varscan"]


@pytest.mark.parametrize("caller", CALLERS)
def test_depths_agree_with_vcf2maf_on_every_row(caller: str) -> None:
    got = plugin_rows(DEPTH / f"{caller}.vcf")
    want = maf_rows(DEPTH / f"{caller}.maf")
    assert len(got) == len(want) > 0
    assert got == want


def test_ad_fixture_values_by_hand() -> None:
    """Spot checks of vcf2maf's rules, read off its MAF and the VCF by hand."""
    rows = {r[0]: r for r in maf_rows(DEPTH / "ad.maf")}
    assert rows["110"][2:] == ("50", "30", "20", "37", "35", "2")  # AD sum over DP: DP = sum
    assert rows["130"][2:] == ("25", "", "", "30", "", "")  # AD '.': DP only
    assert rows["140"][2:] == ("33", "", "9", "28", "", "0")  # one AD value: the ALT's
    assert rows["160"][2:] == ("18", "10", "7", "15", "15", "0")  # GT 0/2: the second ALT


def test_public_b38_fixture_depths_match_vcf2maf_on_every_row() -> None:
    got = plugin_rows(TEST_DATA / "vcf2maf" / "test_b38.vcf")
    want = maf_rows(TEST_DATA / "vcf2maf" / "test_b38_output.maf")
    assert len(got) == len(want) == 25
    assert got == want


def test_public_pindel_fixture_depths_match_vcf2maf() -> None:
    got = plugin_rows(DATA / "vcf2maf_test_pindel.vep.vcf")
    want = maf_rows(DATA / "vcf2maf_test_pindel.vep.maf")
    assert len(got) == len(want) == 31
    differ = [(g, w) for g, w in zip(got, want, strict=True) if g != w]
    # The row whose tumour GT is 0/4 (an allele the record lacks): the vcf2maf of
    # 2016 that wrote this MAF took allele 4 (no count, no allele); vcf2maf.pl today
    # falls back to the first ALT, whose AD is 15 (AD 36,15 in the VCF).
    assert [(g[2:], w[2:]) for g, w in differ] == [
        (("51", "36", "15", "24", "24", "0"), ("51", "36", "", "24", "24", ""))]


def test_vaf_is_maftools_alt_over_ref_plus_alt() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = parse_vcf(str(DEPTH / "ad.vcf"), {"filters": ["*"]})["mutations"]
    vaf = dict(zip(m["pos"], m["t_vaf"], strict=True))
    assert vaf[100] == pytest.approx(12 / 42)  # AD 30,12
    assert vaf[110] == pytest.approx(20 / 50)  # AD 30,20 (DP 45 is not the denominator)
    assert math.isnan(vaf[130])  # no counts


def test_a_maf_gives_its_own_depth_columns() -> None:
    path = TEST_DATA / "vcf2maf" / "test_b38_output.maf"
    m = parse_maf(str(path), {"filters": ["*"]})["mutations"]
    got = [tuple(_text(v) for v in row) for row in m[PLUGIN[2:]].itertuples(index=False)]
    assert got == [r[2:] for r in maf_rows(path)]
    # First row: t_ref_count '.', t_alt_count 21: no VAF; second: 123 / (778 + 123).
    assert math.isnan(m["t_vaf"][0])
    assert m["t_vaf"][1] == pytest.approx(123 / 901)


def test_cohort_vcf_carriers_get_their_own_counts(tmp_path: Path) -> None:
    from variants_helpers import csq, write_vcf

    # Three samples, no tumour/normal: a cohort. S1 and S3 carry the ALT. By hand:
    # S1 AD 20,5 DP 25; S3 AD 8,8 and DP '.', so DP is the sum 16.
    path = write_vcf(tmp_path / "cohort.vcf", [
        ("1", 100, "A", "G", "PASS", "CSQ=" + csq("G", "missense_variant", "GENE1"),
         ("0/1:20,5:25", "0/0:30,0:30", "0/1:8,8:.")),
    ], samples=("S1", "S2", "S3"), extra_header=(
        '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="AD">',
        '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="DP">'))
    text = path.read_text().replace("\tGT\t", "\tGT:AD:DP\t")
    path.write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = parse_vcf(str(path), {})["mutations"]
    got = {str(s): (d, r, a) for s, d, r, a in
           zip(m["sample"], m["t_depth"], m["t_ref_count"], m["t_alt_count"], strict=True)}
    assert got == {"S1": (25, 20, 5), "S3": (16, 8, 8)}
    assert m["n_depth"].isna().all()


def test_the_column_shortcut_agrees_with_the_rules_row_by_row() -> None:
    """count_columns' whole-column shortcut against the rules it stands in for
    (allele_counts, checked against vcf2maf above) on random AD/DP texts."""
    import random

    import numpy as np
    from rinec_plugins.variants.depth import allele_counts, count_columns, sample_fields

    rng = random.Random(7)
    pieces = ["0", "5", "12", "30", "", ".", "x", "07"]
    keys, columns = [], []
    for _ in range(2000):
        fmt = rng.choice(["GT:AD:DP", "GT:DP:AD", "GT:AD", "AD:DP:AD", "GT:DP4:DP"])
        values = {"GT": "0/1", "DP": rng.choice(pieces),
                  "AD": ",".join(rng.choice(pieces) for _ in range(rng.choice([1, 2, 2, 3]))),
                  "DP4": "1,2,3,4"}
        fields = [values[t] for t in fmt.split(":")][: rng.choice([1, 2, 3, 3, 3])]
        keys.append(fmt)
        columns.append(":".join(fields))
    alleles = ["A", "C"]
    d, r, a = count_columns(keys, columns, np.ones(len(keys), dtype=bool),
                            lambda k: (alleles, 1))
    for k in range(len(keys)):
        want = allele_counts(alleles, 1, sample_fields(keys[k], columns[k]))
        got = (d[k], r[k], a[k])
        assert np.allclose(got, want, equal_nan=True), (keys[k], columns[k], got, want)


def test_structural_variants_are_written_as_vcf2maf_writes_them() -> None:
    """sv.vcf: a <DEL>, a BND (ALT A]2:3000], CHR2=2), a symbolic <INS>, a DEL
    written in bases, a <DUP>; vcf2maf's MAF has each DEL/BND/DUP twice (second
    breakpoint first), the bases-written DEL once, and no row for the <INS>."""
    columns = ["Chromosome", "Start_Position", "Variant_Classification", "Variant_Type",
               "Reference_Allele", "Tumor_Seq_Allele2"]
    with open(DEPTH / "sv.maf") as fh:
        want = [tuple(r[c] for c in columns) for r in csv.DictReader(
            (line for line in fh if not line.startswith("#")), delimiter="\t")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = parse_vcf(str(DEPTH / "sv.vcf"), {"filters": ["*"]})
    m = out["mutations"]
    got = [tuple(str(v) for v in row) for row in m[["chrom", "pos", "variant_classification",
                                                    "variant_type", "ref", "alt"]]
           .itertuples(index=False)]
    assert len(want) == 7
    assert got == want
    assert out["records"] == 5
    assert sum(out["filtered"].values()) == 1  # the <INS>, named in the filtered reasons


def test_counts_too_large_for_a_number_are_none() -> None:
    import numpy as np
    from rinec_plugins.variants.depth import count_columns

    huge = "9" * 400
    d, r, a = count_columns(["GT:AD:DP", "GT:DP4"], [f"0/1:{huge},5:.", f"0/1:{huge},1,2,3"],
                            np.ones(2, dtype=bool), lambda k: (["A", "C"], 1))
    assert np.isnan(d[0]) and np.isnan(r[0]) and a[0] == 5
    assert np.isnan(r[1]) and a[1] == 5


def _rules_count_columns(keys, columns, biallelic, alleles_of):
    """The reference for count_columns: vcf2maf's rules (allele_counts, checked
    against vcf2maf's own MAFs above) applied to each row on its own."""
    import numpy as np
    from rinec_plugins.variants.depth import allele_counts, sample_fields

    keys = keys if isinstance(keys, list) else keys.to_pylist()
    columns = columns if isinstance(columns, list) else columns.to_pylist()
    out = np.full((3, len(keys)), np.nan)
    for k, (key, column) in enumerate(zip(keys, columns, strict=True)):
        if key:
            alleles, var = alleles_of(k)
            out[:, k] = allele_counts(alleles, var, sample_fields(key, column))
    out[~np.isfinite(out)] = np.nan
    return out[0], out[1], out[2]


def _text_capture(self, v):
    """The reference capture: the record as htslib writes it, split from the right
    into FORMAT and every sample column, the tumour's and normal's picked."""
    parts = str(v).rsplit("\t", self.n_samples + 1)
    if len(parts) != self.n_samples + 2:
        return ""
    parts[-1] = parts[-1].rstrip("\n")
    normal = parts[self.normal_i + 2] if self.normal_i is not None else ""
    return "\t".join([parts[1], parts[self.tumor_i + 2], normal])


def _split_by_rows(texts, idx, all_kept):
    import pyarrow as pa
    from rinec_plugins.variants.vcf import split_columns

    rows = [split_columns(texts[j]) for j in idx.tolist()]
    return tuple(pa.array([r[i] for r in rows], type=pa.string()) for i in range(3))


def _both_routes(path: Path, monkeypatch: pytest.MonkeyPatch):
    from rinec_plugins.variants import vcf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = parse_vcf(str(path), {"filters": ["*"]})["mutations"]
        with monkeypatch.context() as m:
            m.setattr(vcf, "count_columns", _rules_count_columns)
            m.setattr(vcf._Reader, "_sample_columns", _text_capture)
            m.setattr(vcf, "_split_all", _split_by_rows)
            slow = parse_vcf(str(path), {"filters": ["*"]})["mutations"]
    return fast, slow


def _random_vcf(path: Path, rng, samples: tuple[str, ...], header: tuple[str, ...],
                ad_type: str, n: int = 1500) -> Path:
    from variants_helpers import VEP_FORMAT, csq

    integer = ["0", "5", "12", "30", ".", "-3", "2147483646", "99999999999"]
    text = [*integer, "x", "5.5", "07", "9" * 400, "", "1e3"]
    values = integer if ad_type == "Integer" else text
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=1>",
             '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from '
             f'Ensembl VEP. Format: {VEP_FORMAT}">',
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             f'##FORMAT=<ID=AD,Number=R,Type={ad_type},Description="Allelic depths">',
             f'##FORMAT=<ID=DP,Number=1,Type={ad_type},Description="Depth">',
             '##FORMAT=<ID=DP4,Number=4,Type=Integer,Description="Strand counts">', *header,
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples)]
    for i in range(n):
        ref = rng.choice("ACGT")
        alts = rng.sample([b for b in "ACGT" if b != ref], rng.choice([1, 1, 1, 2, 3]))
        fmt = rng.choice(["GT:AD:DP", "GT:AD:DP", "GT:DP:AD", "GT:AD", "AD:DP", "GT:DP",
                          "GT:AD:DP:DP4", "GT"])
        columns = []
        for _ in samples:
            gt = rng.choice(["0/1", "0/1", "0/2", "1/2", "2/3", "0/0", "1/1", "./.", "0/4"])
            field = {"GT": gt, "DP": rng.choice(values), "DP4": "1,2,3,4",
                     "AD": ",".join(rng.choice(values) for _ in range(
                         rng.choice([1, len(alts), len(alts) + 1, len(alts) + 1, len(alts) + 2])))}
            keys = fmt.split(":")
            column = ":".join(field[t] for t in keys[:rng.choice([len(keys)] * 4 + [1])])
            columns.append(column or ".")
        info = "CSQ=" + ",".join(csq(a, "missense_variant", "GENE1") for a in alts)
        lines.append(f"1\t{100 + i}\t.\t{ref}\t{','.join(alts)}\t.\tPASS\t{info}\t{fmt}\t"
                     + "\t".join(columns))
    path.write_text("\n".join(lines) + "\n")
    return path


LAYOUTS = {  # samples, header: which columns are the tumour and the normal
    "tumor_normal": (("TUMOR", "NORMAL"), ("##tumor_sample=TUMOR", "##normal_sample=NORMAL")),
    "normal_first": (("NORMAL", "TUMOR"), ("##tumor_sample=TUMOR", "##normal_sample=NORMAL")),
    "tumor_only": (("TUMOR",), ("##tumor_sample=TUMOR",)),
    "three_columns": (("X", "TUMOR", "NORMAL"), ("##tumor_sample=TUMOR",
                                                 "##normal_sample=NORMAL")),
    "cohort": (("S1", "S2", "S3"), ()),
}


@pytest.mark.parametrize("ad_type", ["Integer", "String"])
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_depths_equal_the_rules_record_by_record_on_random_records(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str, ad_type: str) -> None:
    """parse_vcf against the same file read by the reference route (each record's
    text from htslib split from the right, each row through vcf2maf's rules on its
    own): AD and DP with '.', negative, too large for int32 (htslib writes '.'),
    hundreds of digits, not whole numbers (String), fewer and more values than
    alleles, truncated columns, multi-allelic genotypes; every row, every column,
    exactly (NaN where the rules give none)."""
    import random

    samples, header = LAYOUTS[layout]
    path = _random_vcf(tmp_path / "random.vcf", random.Random(f"{layout}{ad_type}"),
                       samples, header, ad_type)
    fast, slow = _both_routes(path, monkeypatch)
    assert len(fast) > 500
    depth_cols = ["t_depth", "t_ref_count", "t_alt_count", "t_vaf", "n_depth", "n_ref_count",
                  "n_alt_count"]
    # The files do have counts, and of every kind the rules give.
    assert fast["t_depth"].notna().sum() > 100 and fast["t_alt_count"].isna().sum() > 10
    if layout != "cohort" and layout != "tumor_only":
        assert fast["n_ref_count"].notna().sum() > 100
    for k in range(len(fast)):
        got = [fast[c].iloc[k] for c in depth_cols]
        want = [slow[c].iloc[k] for c in depth_cols]
        assert np_equal(got, want), (k, got, want)
    pd_testing().assert_frame_equal(fast, slow)


FIXTURES = [*sorted(DEPTH.glob("*.vcf")), TEST_DATA / "vcf2maf" / "test_b38.vcf",
            DATA / "vcf2maf_test_pindel.vep.vcf", DATA / "snpeff_cancer_pedigree.ann.vcf"]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_depths_equal_the_rules_on_the_fixtures(path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = _both_routes(path, monkeypatch)
    assert len(fast) > 0
    pd_testing().assert_frame_equal(fast, slow)


def test_split_columns_in_arrow_equals_split_per_record() -> None:
    import random

    import numpy as np
    from rinec_plugins.variants.vcf import _split_all, split_columns

    rng = random.Random(3)
    texts = ["\t".join(rng.choice(["GT:AD", "0/1:5,3", "", ".", "a\nb", "x y"])
                       for _ in range(rng.choice([0, 1, 2, 3, 3, 4]))) for _ in range(3000)]
    idx = np.arange(0, 3000, 2)
    got = [a.to_pylist() for a in _split_all(texts, idx, all_kept=False)]
    want = [split_columns(texts[j]) for j in idx.tolist()]
    assert list(zip(*got, strict=True)) == want


def np_equal(got: list, want: list) -> bool:
    return all((g != g and w != w) or g == w for g, w in zip(got, want, strict=True))


def pd_testing():
    import pandas.testing

    return pandas.testing
