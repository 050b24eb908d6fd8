"""Shared inputs for the survival plugin's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_RUN = REPO / "example_run"


def write_lung_run(run_dir: Path, config: str | None = None) -> Path:
    """lifelines' copy of R's survival::lung (228 patients, 165 deaths) as a run
    directory: survival.tsv with R's column names and 1 = Male / 2 = Female as text."""
    from lifelines.datasets import load_lung

    lung = load_lung()
    lung.insert(0, "patient_id", [f"L{i + 1:03d}" for i in range(len(lung))])
    lung["sex"] = lung["sex"].map({1: "Male", 2: "Female"})
    run_dir.mkdir(parents=True, exist_ok=True)
    lung.to_csv(run_dir / "survival.tsv", sep="\t", index=False)
    if config is None:
        config = "survival:\n  input_time_unit: days\n  time_unit: days\n  group_by: [sex]\n"
    (run_dir / "rinec_report.yaml").write_text(config)
    return run_dir


def run_survival(run_dir: Path, outdir: Path, **kwargs: Any) -> Any:
    """Run only the survival plugin (others would look for their own inputs)."""
    import rinec_report

    kwargs.setdefault("plugins", ("survival",))
    return rinec_report.run(run_dir, outdir=outdir, force=True, **kwargs)


def exported(report: Any, name: str) -> pd.DataFrame:
    """An exported table of the survival plugin, read back as the user would."""
    return pd.read_csv(report.data_dir / f"survival_{name}.tsv", sep="\t")


def example_cohort() -> dict[str, Any]:
    """The cohort plugin's published ``patients`` for the five patients of the study,
    as its contract defines them (follow-up ends 2020-09-26): P4 and P5 alive."""
    days = 365.25 / 12
    patients = pd.DataFrame(
        {
            "patient_id": ["P1", "P2", "P3", "P4", "P5"],
            "sex": ["M"] * 5,
            "os_months": [9.0, 3.0, 9.0, 150 / days, 25 / days],
            "os_event": [1, 1, 1, 0, 0],
            "pfs_months": [6.0, 3.0, 4.0, 150 / days, 25 / days],
            "pfs_event": [1, 1, 1, 0, 0],
        }
    )
    return {
        "patients": patients,
        "survival_rule": "Months as given in the clinical table; censored at 2020-09-26.",
    }
