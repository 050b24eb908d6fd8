"""The survival plugin end to end: lung data against R's survival numbers."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pandas as pd
import pytest
from page_helpers import page_text
from survival_helpers import exported, run_survival, write_lung_run


@pytest.fixture(scope="module")
def lung_report(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("lung")
    run_dir = write_lung_run(base / "run")
    return run_survival(run_dir, base / "out")


def test_lung_run_succeeds_with_survival_sections(lung_report) -> None:
    assert lung_report.exit_status == 0, [m.line() for m in lung_report.messages]
    ids = [(plugin, section.id) for plugin, section in lung_report.sections]
    assert ("survival", "km") in ids
    assert ("survival", "groups") in ids


def test_lung_medians_equal_r(lung_report) -> None:
    # R: survfit(Surv(time, status) ~ 1, lung) -> n 228, events 165, median 310;
    # by sex: 270 (men), 426 (women).
    medians = exported(lung_report, "medians")
    assert list(medians.columns) == [
        "endpoint", "group", "n", "events", "median", "ci_lower", "ci_upper",
    ]  # fmt: skip
    rows = medians.set_index("group")
    assert rows.loc["all", ["n", "events", "median"]].tolist() == [228, 165, 310]
    assert rows.loc["sex=Male", ["n", "events", "median"]].tolist() == [138, 112, 270]
    assert rows.loc["sex=Female", ["n", "events", "median"]].tolist() == [90, 53, 426]
    # The log(-log) band's limits cross 50% at 284 and 361 days.
    assert rows.loc["all", ["ci_lower", "ci_upper"]].tolist() == [284, 361]
    assert set(medians["endpoint"]) == {"os"}


def test_lung_logrank_by_sex_equals_r(lung_report) -> None:
    # R: survdiff(Surv(time, status) ~ sex, lung): Chisq = 10.3 on 1 df, p = 0.00131.
    tests = exported(lung_report, "tests")
    assert list(tests.columns) == ["endpoint", "group_by", "test", "statistic", "p_value"]
    assert len(tests) == 1
    row = tests.iloc[0]
    assert (row["endpoint"], row["group_by"], row["test"]) == ("os", "sex", "log-rank")
    assert row["statistic"] == pytest.approx(10.3267, abs=1e-3)
    assert round(row["p_value"], 4) == 0.0013


def test_lung_curves_are_the_kaplan_meier_steps(lung_report) -> None:
    curves = exported(lung_report, "curves")
    assert list(curves.columns) == [
        "endpoint", "group", "time", "survival", "ci_lower", "ci_upper", "at_risk",
    ]  # fmt: skip
    overall = curves[curves["group"] == "all"].sort_values("time")
    assert overall.iloc[0][["time", "survival", "at_risk"]].tolist() == [0, 1, 228]
    assert overall["survival"].is_monotonic_decreasing
    assert (overall["ci_lower"] <= overall["survival"] + 1e-12).all()
    assert (overall["survival"] <= overall["ci_upper"] + 1e-12).all()
    # R: summary(survfit(...), times = 5): one death at day 5, 228 at risk, S = 227/228.
    at5 = overall[overall["time"] == 5].iloc[0]
    assert at5["survival"] == pytest.approx(227 / 228)
    assert at5["at_risk"] == 228
    # The curve crosses 50% at the median.
    assert overall[overall["time"] < 310]["survival"].min() > 0.5
    assert overall[overall["time"] == 310]["survival"].iloc[0] <= 0.5


def test_lung_numbers_at_risk_add_up(lung_report) -> None:
    risk = exported(lung_report, "at_risk")
    overall = risk[risk["group"] == "all"]
    assert overall["time"].tolist() == [0, 180, 360, 540, 720, 900]
    assert (overall["at_risk"] + overall["censored"] + overall["events"] == 228).all()
    # R: summary(fit, times = 180)$n.risk is 160.
    assert overall.set_index("time").loc[180, "at_risk"] == 160


def test_lung_censored_patients_are_not_events(lung_report) -> None:
    patients = exported(lung_report, "patients")
    assert (patients["os_event"] == 0).sum() == 63
    # L003 is alive (status 0) at 1010 days: censored, shown with a '+'.
    row = patients.set_index("patient_id").loc["L003"]
    assert (row["os_time"], row["os_event"]) == (1010, 0)
    summary = pd.read_csv(lung_report.data_dir / "report_summary.tsv", sep="\t")
    text = summary.set_index(summary.columns[0]).loc["L003", "os"]
    assert text == "1010 d+, censored"


def test_lung_report_page_shows_survival(lung_report) -> None:
    html = page_text(Path(lung_report.html_path).read_text())  # the charts' words too
    assert "Overall survival by sex, log-rank p = 0.0013" in html
    assert "310 (284\u2013361)" in html


def test_lung_in_months(tmp_path: Path) -> None:
    run_dir = write_lung_run(tmp_path / "run", "survival:\n  input_time_unit: days\n  times: [6, 12]\n")
    report = run_survival(run_dir, tmp_path / "out")
    medians = exported(report, "medians").set_index("group")
    assert medians.loc["all", "median"] == pytest.approx(310 / (365.25 / 12))
    at_times = exported(report, "at_times")
    assert at_times["time"].tolist() == [6, 12]
    # 6 months are 182.625 days: S there is the step value of the curve in days.
    from lifelines import KaplanMeierFitter
    from lifelines.datasets import load_lung

    lung = load_lung()
    kmf = KaplanMeierFitter().fit(lung["time"], lung["status"])
    expected = float(kmf.survival_function_at_times(182.625).iloc[0])
    assert at_times["survival"].iloc[0] == pytest.approx(expected)
    assert 0.70 < expected < 0.72


def test_group_by_unknown_column_warns_and_still_reports(tmp_path: Path) -> None:
    run_dir = write_lung_run(
        tmp_path / "run",
        "survival:\n  input_time_unit: days\n  group_by: [sex, stage, age]\n",
    )
    report = run_survival(run_dir, tmp_path / "out")
    warnings = [m.text for m in report.messages if m.level == "warning"]
    assert any("no column 'stage'" in w and "ph_ecog" in w for w in warnings), warnings
    # age has dozens of values: not categorical, so not a grouping.
    assert any("'age'" in w and "categorical" in w for w in warnings), warnings
    assert exported(report, "tests")["group_by"].tolist() == ["sex"]


def test_bad_time_costs_the_cell_and_names_row_and_column(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "survival.csv").write_text("patient_id,os_months,os_event\nA,6,1\nB,six,0\nC,4,1\n")
    report = run_survival(run_dir, tmp_path / "out")
    assert report.exit_status == 0
    warnings = [m.text for m in report.messages if m.level == "warning"]
    assert any("column 'os_months'" in w and "row 3: 'six'" in w for w in warnings), warnings
    # A and C are analysed; B is left out.
    assert exported(report, "medians").set_index("group").loc["all", "n"] == 2


def test_same_input_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    run_dir = write_lung_run(tmp_path / "run")
    first = Path(run_survival(run_dir, tmp_path / "a").html_path).read_bytes()
    second = Path(run_survival(run_dir, tmp_path / "a").html_path).read_bytes()
    assert first == second
    assert os.environ["SOURCE_DATE_EPOCH"] == "1700000000"


def test_example_run_survival(tmp_path: Path) -> None:
    """The five patients: OS median 9 months, PFS median 4, the two living censored."""
    from survival_helpers import EXAMPLE_RUN

    if not any(EXAMPLE_RUN.glob("*.xlsx")):
        pytest.skip("the example run has no clinical table yet")
    report = run_survival(EXAMPLE_RUN, tmp_path / "out", plugins=("cohort", "survival"))
    medians = exported(report, "medians").set_index(["endpoint", "group"])
    assert medians.loc[("os", "all"), "median"] == 9
    assert medians.loc[("pfs", "all"), "median"] == 5
    assert medians.loc[("os", "all"), ["n", "events"]].tolist() == [5, 3]
    patients = exported(report, "patients").set_index("patient_id")
    assert patients.loc[["P4", "P5"], "os_event"].tolist() == [0, 0]
    follow_up = patients.loc[["P4", "P5"], "os_time"].tolist()
    assert follow_up[0] == pytest.approx(5, abs=0.5) and follow_up[1] == pytest.approx(1, abs=0.5)
    assert not math.isnan(medians.loc[("os", "all"), "ci_lower"])


def test_command_line_options(tmp_path: Path) -> None:
    import subprocess
    import sys

    run_dir = write_lung_run(tmp_path / "run", "survival:\n  input_time_unit: days\n")
    out = tmp_path / "out"
    code = "import sys; from rinec_report.cli import main; main(sys.argv[1:])"
    args = [str(run_dir), "-o", str(out), "-f", "--plugin", "survival"]
    args += ["--survival-group-by", "sex, ph.ecog", "--survival-time-unit", "years"]
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    tests = pd.read_csv(out / "rinec_report_data" / "survival_tests.tsv", sep="\t")
    assert tests["group_by"].tolist() == ["sex", "ph_ecog"]
    medians = pd.read_csv(out / "rinec_report_data" / "survival_medians.tsv", sep="\t")
    assert medians.loc[medians["group"] == "all", "median"].iloc[0] == pytest.approx(310 / 365.25)
