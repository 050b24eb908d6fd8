"""Read depths through the whole report: the depth filters' counts, the VAF
chart and the oncoplot's tooltips. The input is tests/data/variants/depth/ad.vcf,
whose nine calls (tumour column) have, by hand from the VCF and vcf2maf's MAF:

    pos  t_depth  t_ref  t_alt  VAF = alt / (ref + alt)
    100  42       30     12     0.2857
    110  50       30     20     0.4000
    120  24       18      6     0.2500
    130  25       .      .      -
    140  33       .       9     -
    150  20       .      .      -
    160  18       10      7     0.4118
    170  21       10      9     0.4737
    181  30       25      5     0.1667
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from variants_helpers import DATA

import rinec_report
from rinec_report import Chart
from rinec_report.charts import to_spec


def _run(tmp_path: Path, config: dict | None = None) -> rinec_report.Report:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    shutil.copy(DATA / "depth" / "ad.vcf", run_dir / "S1.vcf")
    return rinec_report.run(run_dir, outdir=tmp_path / "out", force=True, plugins=("variants",),
                            config={"variants": {"filters": ["*"], **(config or {})}})


def _mutations(tmp_path: Path) -> pd.DataFrame:
    return pd.read_csv(tmp_path / "out" / "rinec_report_data" / "variants_mutations.tsv",
                       sep="\t")


def _rows(spec: dict) -> list[dict]:
    rows = list(spec.get("data", {}).get("values", []))
    for values in spec.get("datasets", {}).values():
        rows.extend(values)
    return rows


def _section(report: rinec_report.Report, section_id: str):
    return next(s for p, s in report.sections if p == "variants" and s.id == section_id)


@pytest.mark.parametrize(("option", "limit", "kept", "removed", "unknown"), [
    ("min_depth", 30, [100, 110, 140, 181], 5, 0),  # 24, 25, 20, 18, 21 are below 30
    ("min_alt_count", 10, [100, 110, 130, 150], 5, 2),  # 6, 9, 7, 9, 5 below; 130, 150 none
    ("min_vaf", 0.3, [110, 130, 140, 150, 160, 170], 3, 3),  # 0.29, 0.25, 0.17 below
])
def test_depth_filters_leave_out_and_count(tmp_path: Path, option: str, limit: float,
                                           kept: list[int], removed: int, unknown: int) -> None:
    report = _run(tmp_path, {option: limit})
    assert report.exit_status == 0
    assert sorted(_mutations(tmp_path)["pos"]) == kept
    facts = next(b for b in _section(report, "oncoplot").blocks
                 if type(b).__name__ == "KeyValues").items
    key = next(k for k in facts if option in k)
    assert facts[key].startswith(f"{removed:,} calls")
    assert (f"{unknown:,} without it, kept" in facts[key]) == bool(unknown)


def test_mutations_export_has_the_depth_columns(tmp_path: Path) -> None:
    assert _run(tmp_path).exit_status == 0
    m = _mutations(tmp_path).set_index("pos")
    assert m.loc[100, ["t_depth", "t_ref_count", "t_alt_count", "n_depth", "n_ref_count",
                       "n_alt_count"]].tolist() == [42, 30, 12, 40, 40, 0]
    assert m.loc[100, "t_vaf"] == pytest.approx(12 / 42)
    assert pd.isna(m.loc[130, "t_ref_count"]) and m.loc[130, "t_depth"] == 25


def test_vaf_chart_boxes_and_points_follow_the_highlighter(tmp_path: Path) -> None:
    report = _run(tmp_path)
    section = _section(report, "vaf")
    chart = next(b for b in section.blocks if isinstance(b, Chart))
    spec = to_spec(chart.spec)
    rows = _rows(spec)
    box = next(r for r in rows if "median" in r)
    # Six VAFs: 0.1667 0.25 0.2857 0.4 0.4118 0.4737; R's quantile (type 7).
    assert box["n"] == 6
    assert box["median"] == pytest.approx((12 / 42 + 0.4) / 2)
    assert box["q1"] == pytest.approx(0.25 + 0.25 * (12 / 42 - 0.25))
    assert sorted(round(r["t_vaf"], 4) for r in rows if "t_vaf" in r) == [
        0.1667, 0.25, 0.2857, 0.4, 0.4118, 0.4737]
    text = json.dumps(spec)
    assert '"opacity": {"condition"' in text and "patient_id" in text
    assert "3 calls have no allele counts" in " ".join(
        b.text for b in section.blocks if hasattr(b, "text"))


def test_oncoplot_tooltip_names_the_reads(tmp_path: Path) -> None:
    report = _run(tmp_path)
    chart = next(b for b in _section(report, "oncoplot").blocks if isinstance(b, Chart))
    cells = [r for r in _rows(to_spec(chart.spec)) if "r" in r and "g" in r]
    assert len(cells) == 1  # every call is GENE1: one Multi_Hit cell
    assert "VAF 0.29 (12 of 42 reads)" in cells[0]["r"]
    assert "depth 25" in cells[0]["r"]  # pos 130: AD '.', DP 25


def test_no_vaf_section_without_counts(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    shutil.copy(DATA / "depth" / "dp_only.vcf", run_dir / "S1.vcf")
    report = rinec_report.run(run_dir, outdir=tmp_path / "out", force=True,
                              plugins=("variants",))
    assert report.exit_status == 0
    assert not any(s.id == "vaf" for p, s in report.sections if p == "variants")
