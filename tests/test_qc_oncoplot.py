"""The oncoplot marks the samples that fail the QC thresholds, through the qc plugin's datasets.

MultiQC's data is MultiQC 1.21's own (tests/data/multiqc/1.21, PROVENANCE.md): by hand
from its tool outputs, S1's mosdepth mean coverage is 152.37 and S2's 84.6; S3 has no
MultiQC data. The MAF below is written here (three samples, one gene each).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from rinec_report import Chart, run

DATA = Path(__file__).parent / "data" / "multiqc" / "1.21" / "multiqc_data"
CLINICAL = "patient_id,sample_id,sex\nP1,S1,M\nP2,S2,F\nP3,S3,F\n"
MAF = ("Hugo_Symbol\tChromosome\tStart_Position\tEnd_Position\tReference_Allele\tTumor_Seq_Allele2\t"
       "Variant_Classification\tVariant_Type\tTumor_Sample_Barcode\tHGVSp_Short\n"
       "TP53\t17\t7675088\t7675088\tC\tT\tMissense_Mutation\tSNP\tS1\tp.R175H\n"
       "TP53\t17\t7675088\t7675088\tC\tT\tMissense_Mutation\tSNP\tS2\tp.R175H\n"
       "KRAS\t12\t25245350\t25245350\tC\tA\tMissense_Mutation\tSNP\tS3\tp.G12V\n")


def build(tmp: Path, yaml: str) -> Any:
    root = tmp / "run"
    (root / "multiqc_data").mkdir(parents=True)
    for path in DATA.iterdir():
        shutil.copy(path, root / "multiqc_data" / path.name)
    (root / "clinical.csv").write_text(CLINICAL)
    (root / "calls.maf").write_text(MAF)
    (root / "rinec_report.yaml").write_text(yaml)
    return run(root, outdir=tmp / "out", force=True, plugins=("cohort", "variants", "qc"))


def oncoplot(report: Any) -> dict[str, Any]:
    section = next(s for p, s in report.sections if p == "variants" and s.id == "oncoplot")
    chart = next(b for b in section.blocks if isinstance(b, Chart))
    return chart.spec if isinstance(chart.spec, dict) else json.loads(json.dumps(chart.spec))


def qc_track(spec: dict[str, Any]) -> dict[str, Any] | None:
    for row in spec["vconcat"]:
        color = row.get("encoding", {}).get("color", {})
        if color.get("title") == "Sequencing QC":
            return row
    return None


def track_values(spec: dict[str, Any], row: dict[str, Any]) -> dict[str, tuple[str, str]]:
    values = row["data"]["values"] if "values" in row.get("data", {}) else spec["datasets"][row["data"]["name"]]
    return {v["s"]: (v["v"], v["w"]) for v in values}


def test_failing_and_unknown_samples_are_marked_with_a_legend(tmp_path: Path) -> None:
    report = build(tmp_path, "qc:\n  min_mean_coverage: 100\n")
    spec = oncoplot(report)
    row = qc_track(spec)
    assert row is not None
    got = track_values(spec, row)
    assert {s: v for s, (v, _w) in got.items()} == {"S1": "pass", "S2": "fail", "S3": "unknown"}
    assert "84.6 < 100" in got["S2"][1]
    assert got["S3"][1] == "not in MultiQC's data"
    # The legend names all three verdicts, each in a colour of its own.
    scale = row["encoding"]["color"]["scale"]
    assert sorted(scale["domain"]) == ["fail", "pass", "unknown"]
    assert len(set(scale["range"])) == 3
    assert row["encoding"]["color"].get("legend") is not None


def test_without_thresholds_there_is_no_qc_track(tmp_path: Path) -> None:
    report = build(tmp_path, "")
    assert qc_track(oncoplot(report)) is None
