"""The mutation table a VCF worker sends in Arrow, and the frame made from it: the
reference is pandas itself, on frames built with pandas' own constructors from the
same values (``pd.Categorical(values, categories=words)``), stacked by ``pd.concat``
and united by ``union_categoricals``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from pandas.api.types import union_categoricals
from variants_helpers import csq, write_vcf

import rinec_report
from plugins.variants.arrow import concat_chunks, mutation_frame, stack_tables


def _pair(rng: np.random.Generator, vocabulary: list[str], least: int = 0) -> tuple[pa.Table, pd.DataFrame]:
    """One file's table in Arrow and, independently, in pandas."""
    n = int(rng.integers(least, 7))
    order = list(rng.permutation(vocabulary)) if rng.random() < 0.5 else list(vocabulary)
    words = order[: int(rng.integers(1, len(order) + 1))]
    codes = rng.integers(-1 if rng.random() < 0.3 else 0, len(words), n)  # -1: missing
    labels = [words[c] if c >= 0 else None for c in codes]
    pos = rng.integers(1, 10**9, n)
    vaf = np.where(rng.random(n) < 0.3, np.nan, rng.random(n))
    text = [f"p.X{k}Y" if k % 2 else "" for k in range(n)]
    arrow = pa.table({
        "gene": pa.DictionaryArray.from_arrays(pa.array([c if c >= 0 else None for c in codes], type=pa.int32()),
                                               pa.array(words, type=pa.large_string())),
        "patient_id": pa.nulls(n),
        "pos": pa.array(pos, type=pa.int64()),
        "t_vaf": pa.array(vaf),
        "hgvsp_short": pa.array(text, type=pa.large_string()),
    })
    frame = pd.DataFrame({
        "gene": pd.Categorical(labels, categories=pd.Index(words, dtype=object)),
        "patient_id": None,
        "pos": pos.astype(np.int64),
        "t_vaf": vaf,
        "hgvsp_short": np.array(text, dtype=object),
    }, index=pd.RangeIndex(n))
    return arrow, frame


def _check(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected)
    assert list(got.dtypes) == list(expected.dtypes)
    for column in ("gene",):
        if isinstance(expected[column].dtype, pd.CategoricalDtype):
            assert list(got[column].cat.categories) == list(expected[column].cat.categories)


@pytest.mark.parametrize("seed", range(12))
def test_one_table_is_the_frame_pandas_builds(seed: int) -> None:
    rng = np.random.default_rng(seed)
    arrow, frame = _pair(rng, ["TP53", "RB1", "PTEN", "MYC"])
    _check(mutation_frame(arrow), frame)


@pytest.mark.parametrize("seed", range(12))
def test_many_files_stack_as_pd_concat_stacks_their_frames(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    # Small vocabularies make files that share every word (kept categorical, in the
    # first file's order) as often as files that do not (text).
    vocabulary = ["TP53", "RB1"] if seed % 2 else ["TP53", "RB1", "PTEN"]
    # Files with rows: pandas 2 leaves an empty frame out of the result's dtype (and warns
    # that it will not); that case has its own test below.
    pairs = [_pair(rng, vocabulary, least=1) for _ in range(int(rng.integers(2, 30)))]
    got = stack_tables([a for a, _ in pairs])
    _check(got, pd.concat([f for _, f in pairs], ignore_index=True))


def test_an_empty_file_with_other_words_makes_the_column_text() -> None:
    # As pandas announces for its concat (FutureWarning: empty entries will count in the
    # result's dtype): TP53 in both files with rows, an empty file knowing RB1 too.
    def table(words: list[str], codes: list[int]) -> pa.Table:
        return pa.table({"gene": pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32()),
                                                                pa.array(words, type=pa.large_string()))})

    got = stack_tables([table(["TP53"], [0, 0]), table(["TP53", "RB1"], []), table(["TP53"], [0])])
    assert got["gene"].dtype == object
    assert got["gene"].tolist() == ["TP53", "TP53", "TP53"]  # by hand


def test_the_same_words_in_another_order_stay_categorical_in_the_first_order() -> None:
    def table(words: list[str], codes: list[int]) -> pa.Table:
        return pa.table({"gene": pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int32()),
                                                                pa.array(words, type=pa.large_string()))})

    got = stack_tables([table(["TP53", "RB1"], [0, 1, 1]), table(["RB1", "TP53"], [0, 1])])
    # By hand: TP53 RB1 RB1, then RB1 TP53.
    assert got["gene"].tolist() == ["TP53", "RB1", "RB1", "RB1", "TP53"]
    assert list(got["gene"].cat.categories) == ["TP53", "RB1"]


@pytest.mark.parametrize("seed", range(8))
def test_one_file_s_chunks_unite_their_words_as_union_categoricals(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    pairs = [_pair(rng, ["TP53", "RB1", "PTEN", "MYC", "KRAS"]) for _ in range(int(rng.integers(1, 6)))]
    got = mutation_frame(concat_chunks([a for a, _ in pairs]))
    frames = [f for _, f in pairs if len(f)] or [pairs[0][1]]
    expected = pd.DataFrame({
        "gene": union_categoricals([f["gene"].array for f in frames]),
        **{c: pd.concat([f[c] for f in frames], ignore_index=True) for c in frames[0].columns if c != "gene"},
    })
    _check(got, expected)


def test_columns_that_differ_between_files_are_stacked_by_pandas() -> None:
    rng = np.random.default_rng(7)
    pairs = [_pair(rng, ["TP53"]) for _ in range(3)]
    tables = [a for a, _ in pairs]
    frames = [f for _, f in pairs]
    tables[1], frames[1] = tables[1].drop_columns(["t_vaf"]), frames[1].drop(columns="t_vaf")
    _check(stack_tables(tables), pd.concat(frames, ignore_index=True))


def test_a_run_with_a_maf_and_vcfs_holds_every_call(tmp_path: Path) -> None:
    # A MAF is read into pandas, VCFs into Arrow: the run stacks both. Expected by hand
    # from the rows written.
    run = tmp_path / "run"
    run.mkdir()
    header = ["Hugo_Symbol", "Chromosome", "Start_Position", "Reference_Allele", "Tumor_Seq_Allele2",
              "Variant_Classification", "Variant_Type", "Tumor_Sample_Barcode", "HGVSp_Short"]
    row = ["KMT2C", "7", "152235000", "G", "A", "Nonsense_Mutation", "SNP", "M1", "p.Q1379*"]
    (run / "calls.maf").write_text("\t".join(header) + "\n" + "\t".join(row) + "\n")
    write_vcf(run / "a.vcf", [("17", 7675088, "C", "T", "PASS", "CSQ=" + csq("T", "missense_variant", "TP53"))],
              samples=("S1",))
    write_vcf(run / "b.vcf", [("1", 1000, "A", "G", "PASS", "CSQ=" + csq("G", "stop_gained", "GENE1"))],
              samples=("S2",))
    report = rinec_report.run(run, outdir=tmp_path / "out", force=True, plugins=("variants",),
                              config={"variants": {"panel_size_mb": 1}})
    assert report.exit_status == 0
    table = pd.read_csv(tmp_path / "out" / "rinec_report_data" / "variants_mutations.tsv", sep="\t",
                        dtype={"chrom": str})
    got = sorted(zip(table["sample"], table["chrom"], table["pos"], table["gene"],
                     table["variant_classification"], strict=True))
    assert got == [("M1", "7", 152235000, "KMT2C", "Nonsense_Mutation"),
                   ("S1", "17", 7675088, "TP53", "Missense_Mutation"),
                   ("S2", "1", 1000, "GENE1", "Nonsense_Mutation")]


def test_the_frame_keeps_no_arrow_memory_alive() -> None:
    """A frame's numbers are its own (pandas copies them into its blocks): a view of the
    table's buffers would keep the worker's whole message alive for the rest of the run.
    The reference is Arrow's own allocator's count."""
    before = pa.total_allocated_bytes()
    n = 200_000
    # Computed by Arrow, so in its pool (pa.array over numpy would wrap numpy's memory).
    table = pa.table({"pos": pc.add(pa.array(np.arange(n, dtype=np.int64)), 0),
                      "t_vaf": pc.add(pa.array(np.linspace(0, 1, n)), 0.0),
                      "gene": pa.array(["TP53", "KRAS"] * (n // 2)).dictionary_encode()})
    assert pa.total_allocated_bytes() - before >= 16 * n  # the table's numbers are in Arrow's pool
    frame = mutation_frame(table)
    del table
    assert pa.total_allocated_bytes() - before < 1024
    assert frame["pos"].tolist()[-3:] == [n - 3, n - 2, n - 1]
    assert frame["t_vaf"].iloc[-1] == 1.0
