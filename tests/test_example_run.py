"""The bundled example run as a whole: clean, complete, reproducible."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import EXAMPLE_RUN, _third_party

from rinec_report import run


def test_example_run_is_clean_and_has_every_plugin(example_report: Path) -> None:
    manifest = json.loads((example_report.parent / "rinec_report_data" / "manifest.json").read_text())
    assert manifest["errors"] == []
    assert manifest["exit_status"] == 0
    plugins_with_inputs = {i["plugin"] for i in manifest["inputs"] if i["status"] == "parsed"}
    assert plugins_with_inputs >= {"cohort", "ihc", "variants"}
    tables = {t["name"] for t in manifest["tables"]}
    for name in (
        "report_summary",
        "cohort_patients",
        "survival_medians",
        "survival_curves",
        "ihc_scores",
        "ihc_panel",
        "variants_mutations",
        "variants_genes",
        "variants_samples",
        "enrichment_terms",
    ):
        assert name in tables, f"the example run exports no {name}"


def test_example_report_is_byte_for_byte_reproducible(
    example_report: Path, tmp_path: Path, fixed_time: str
) -> None:
    again = run(EXAMPLE_RUN, outdir=tmp_path, force=True, exclude=_third_party())
    assert again.html_path.read_bytes() == example_report.read_bytes()
    first_data = example_report.parent / "rinec_report_data"
    for path in sorted(first_data.iterdir()):
        assert (tmp_path / "rinec_report_data" / path.name).read_bytes() == path.read_bytes(), path.name
