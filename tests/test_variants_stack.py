"""Many files' mutation tables stacked column by column: the reference is pandas'
own ``pd.concat(frames, ignore_index=True)``, values and dtypes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from variants_helpers import csq, write_vcf

import rinec_report
from plugins.variants.frames import stack_files


def _frame(seed: int, genes: list[str], filters: pd.CategoricalDtype | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 6))
    gene = pd.Categorical(rng.choice(genes, n) if n else [], categories=genes)
    frame = pd.DataFrame({
        "sample": [f"S{seed}"] * n,
        "gene": gene,
        "pos": rng.integers(1, 10**6, n),
        "vaf": rng.random(n),
        "hgvsp_short": [None if i % 3 == 0 else f"p.X{i}Y" for i in range(n)],
    })
    if filters is not None:
        frame["filter"] = pd.Categorical(["PASS"] * n, dtype=filters)
    return frame


def _same(got: pd.DataFrame, frames: list[pd.DataFrame]) -> None:
    expected = pd.concat(frames, ignore_index=True)
    pd.testing.assert_frame_equal(got, expected)
    assert list(got.dtypes) == list(expected.dtypes)


def test_categories_that_differ_between_files_become_text_as_in_pandas() -> None:
    frames = [_frame(i, ["TP53", "RB1", "PTEN"][: 1 + i % 3]) for i in range(40)]
    _same(stack_files(frames), frames)


def test_a_dtype_shared_by_every_file_is_kept() -> None:
    shared = pd.CategoricalDtype(["PASS", "LowQual"])
    frames = [_frame(i, ["TP53", "RB1"], shared) for i in range(30)]
    got = stack_files(frames)
    _same(got, frames)
    assert got["gene"].dtype == frames[0]["gene"].dtype
    assert got["filter"].dtype == shared


def test_text_beside_categories_and_nullable_columns() -> None:
    frames = [_frame(i, ["TP53"]) for i in range(6)]
    frames[2] = frames[2].assign(gene=frames[2]["gene"].astype(object))
    for i, f in enumerate(frames):
        f["depth"] = pd.array([i] * len(f), dtype="Int64")
    frames[3]["depth"] = pd.array([None] * len(frames[3]), dtype="Int64")
    _same(stack_files(frames), frames)


@pytest.mark.parametrize("swap", [True, False])
def test_files_with_other_columns_are_stacked_by_pandas(swap: bool) -> None:
    frames = [_frame(i, ["TP53"]) for i in range(4)]
    frames[1] = frames[1][list(reversed(frames[1].columns))] if swap else frames[1].drop(columns="vaf")
    _same(stack_files(frames), frames)


def test_the_same_categories_in_another_order_keep_their_labels() -> None:
    # Two files meeting the same genes (and FILTER values) in another order: pandas
    # counts their dtypes equal, so their codes must be recoded, not concatenated.
    # The reference is pd.concat, and a hand count of the labels.
    one = pd.DataFrame({"gene": pd.Categorical(["TP53", "RB1", None], categories=["TP53", "RB1"]),
                        "filter": pd.Categorical(["PASS", "."], categories=["PASS", "."])[[0, 1, 0]]})
    two = pd.DataFrame({"gene": pd.Categorical([None, "TP53", "RB1"], categories=["RB1", "TP53"]),
                        "filter": pd.Categorical([".", "PASS", "."], categories=[".", "PASS"])})
    got = stack_files([one, two])
    _same(got, [one, two])
    assert got["gene"].tolist()[:2] + got["gene"].tolist()[4:] == ["TP53", "RB1", "TP53", "RB1"]
    assert got["gene"].isna().tolist() == [False, False, True, True, False, False]
    assert got["filter"].tolist() == ["PASS", ".", "PASS", ".", "PASS", "."]


def test_two_vcfs_meeting_the_same_chromosomes_and_genes_in_another_order(tmp_path: Path) -> None:
    # One VCF sorted 1 before 17, the other 17 before 1 (another pipeline's contig
    # order): every call keeps its own chromosome, gene and FILTER. Expected by hand
    # from the records written.
    run = tmp_path / "run"
    run.mkdir()
    tp53 = ("17", 7675088, "C", "T", "PASS", "CSQ=" + csq("T", "missense_variant", "TP53"))
    gene1 = ("1", 1000, "A", "G", ".", "CSQ=" + csq("G", "stop_gained", "GENE1"))
    write_vcf(run / "a.vcf", [gene1, tp53], samples=("S1",))
    write_vcf(run / "b.vcf", [tp53, gene1], samples=("S2",))
    report = rinec_report.run(run, outdir=tmp_path / "out", force=True, plugins=("variants",),
                              config={"variants": {"panel_size_mb": 1}})
    assert report.exit_status == 0
    table = pd.read_csv(tmp_path / "out" / "rinec_report_data" / "variants_mutations.tsv", sep="\t",
                        dtype={"chrom": str})
    got = sorted(zip(table["sample"], table["pos"], table["chrom"], table["gene"], table["filter"], strict=True))
    assert got == [("S1", 1000, "1", "GENE1", "."), ("S1", 7675088, "17", "TP53", "PASS"),
                   ("S2", 1000, "1", "GENE1", "."), ("S2", 7675088, "17", "TP53", "PASS")]
