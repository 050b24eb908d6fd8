"""Kaplan-Meier medians, their confidence limits, survival at chosen times and log-rank
tests against R's survival package, on R's own data sets (lung, veteran, ovarian, aml).

The expected values are R's output: tests/data/survival/km_reference.R, run with
survival 3.5.3, printed tests/data/survival/km_reference.out, which this test reads
(NA is R's NA). The data sets are the package's, written by that script with write.csv.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from rinec_plugins.survival.build import SurvivalData
from rinec_plugins.survival.estimate import kaplan_meier
from rinec_plugins.survival.km import analyse

from rinec_report.options import with_defaults
from rinec_report.tables import read_table

DATA = Path(__file__).parent / "data" / "survival"


def options(**given: object) -> dict:
    from rinec_plugins.survival import rinec_options

    return with_defaults(rinec_options(), given, "survival.")


def r_output(kind: str) -> list[list[str]]:
    lines = (DATA / "km_reference.out").read_text().splitlines()
    return [line.split("\t")[1:] for line in lines if line.startswith(kind + "\t")]


def r_number(text: str) -> float:
    return math.nan if text == "NA" else float(text)


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-8, abs=1e-9)


def load(name: str) -> pd.DataFrame:
    """R's data set through the project's table reader (NA read as missing)."""
    table = read_table(DATA / f"{name}.csv")
    frame = table.frame()
    return frame.replace({"NA": None})


# name -> (time column, event column, how the event is coded, group column)
SETS = {
    "lung": ("time", "status", "2", "sex"),
    "veteran": ("time", "status", "1", "trt"),
    "ovarian": ("futime", "fustat", "1", "rx"),
    "aml": ("time", "status", "1", "x"),
}
TINY = pd.DataFrame({"time": [118, 5, 8, 8, 12, 20], "status": [1, 1, 1, 0, 1, 0], "arm": list("ABBBBB")})
EXAMPLE = {
    "example_os": ([9, 3, 9, 4.9281314168377826, 0.8213552361396304], [1, 1, 1, 0, 0]),
    "example_pfs": ([6, 3, 4, 4.9281314168377826, 0.8213552361396304], [1, 1, 1, 0, 0]),
}


def cbioportal(endpoint: str) -> tuple[list[float], list[float]]:
    """cBioPortal's test study through the project's reader and event words; rows with
    a missing time or status left out, as R's survfit leaves them out."""
    from rinec_report.tables import is_missing, parse_event

    table = read_table(DATA.parent / "clinical" / "cbioportal_study_es_0" / "data_clinical_patients.txt")
    pairs = zip(table.column(f"{endpoint}_MONTHS"), table.column(f"{endpoint}_STATUS"), strict=True)
    kept = [(float(t), float(parse_event(e))) for t, e in pairs if not is_missing(t) and not is_missing(e)]
    return [t for t, _ in kept], [e for _, e in kept]


def subsets(name: str, group: str) -> tuple[list[float], list[float]]:
    if name.startswith("es0_"):
        return cbioportal(name.split("_")[1].upper())
    if name in EXAMPLE:
        return EXAMPLE[name]
    if name == "tiny":
        rows = TINY if group == "all" else TINY[TINY["arm"] == group.split("=")[1]]
        return list(rows["time"]), list(rows["status"])
    time, event, coded, column = SETS[name]
    frame = load(name)
    if group != "all":
        frame = frame[frame[column] == group.split("=", 1)[1]]
    return [float(t) for t in frame[time]], [float(e == coded) for e in frame[event]]


@pytest.mark.parametrize("row", r_output("median"), ids=lambda r: "-".join(r[:3]))
def test_median_and_limits_as_r(row: list[str]) -> None:
    name, conf, group, n, events, median, lower, upper = row
    times, status = subsets(name, group)
    km = kaplan_meier(times, status, 0.95, conf)
    assert len(times) == int(n) and sum(status) == int(events)
    got = km.median()
    for value, expected in zip(got, (median, lower, upper), strict=True):
        assert same(value, r_number(expected)), (got, (median, lower, upper))


@pytest.mark.parametrize("row", r_output("at"), ids=lambda r: "-".join(r[:4]))
def test_survival_at_times_as_r(row: list[str]) -> None:
    name, conf, group, t, surv, lower, upper = row
    times, status = subsets(name, group)
    got = kaplan_meier(times, status, 0.95, conf).at(float(t))
    for value, expected in zip(got, (surv, lower, upper), strict=True):
        assert same(value, r_number(expected)), (got, (surv, lower, upper))


@pytest.mark.parametrize("row", r_output("logrank"), ids=lambda r: r[0])
def test_logrank_as_r_survdiff(row: list[str]) -> None:
    name, chisq, p = row
    time, event, coded, column = SETS[name]
    frame = load(name)
    patients = pd.DataFrame({
        "patient_id": [f"R{i}" for i in range(len(frame))],
        "os_time": [float(t) for t in frame[time]],
        "os_event": [float(e == coded) for e in frame[event]],
        column: list(frame[column]),
    })
    data = SurvivalData(patients, {"os": "Overall survival"}, "days", [column])
    tests = analyse(data, options(times=[30]))["tests"]
    assert tests["statistic"].iloc[0] == pytest.approx(float(chisq), rel=1e-6)
    assert tests["p_value"].iloc[0] == pytest.approx(float(p), rel=1e-6)


def test_plugin_medians_na_where_r_has_na_and_zero_after_the_curve_reached_zero() -> None:
    """A group of one patient: 118 [NA, NA] (lifelines gave 118 [118, 118]); veteran's
    first arm reaches 0 before 900 days: survival 0 there (R), not blank."""
    patients = TINY.assign(patient_id=[f"T{i}" for i in range(6)]).rename(
        columns={"time": "os_time", "status": "os_event"})
    patients["os_time"] = patients["os_time"].astype(float)
    patients["os_event"] = patients["os_event"].astype(float)
    data = SurvivalData(patients, {"os": "Overall survival"}, "days", ["arm"])
    out = analyse(data, options(times=[10]))
    medians = out["medians"].set_index("group")
    assert medians.loc["arm=A", "median"] == 118
    assert math.isnan(medians.loc["arm=A", "ci_lower"]) and math.isnan(medians.loc["arm=A", "ci_upper"])

    frame = load("veteran")
    vet = pd.DataFrame({
        "patient_id": [f"V{i}" for i in range(len(frame))],
        "os_time": [float(t) for t in frame["time"]],
        "os_event": [float(e) for e in frame["status"]],
        "trt": list(frame["trt"]),
    })
    out = analyse(SurvivalData(vet, {"os": "OS"}, "days", ["trt"]), options(times=[900, 1000]))
    at = out["at_times"].set_index(["group", "time"])
    assert at.loc[("trt=1", 900.0), "survival"] == 0  # R: 0, NA, NA
    assert at.loc[("trt=1", 1000.0), "survival"] == 0
    assert math.isnan(at.loc[("trt=1", 900.0), "ci_lower"])
    # trt=2 has patients followed past 900 days but not past 1000: unknown there.
    assert math.isnan(at.loc[("trt=2", 1000.0), "survival"]) or at.loc[("trt=2", 1000.0), "survival"] >= 0


def test_missing_group_values_are_left_out_with_a_warning() -> None:
    """A blank or cBioPortal '[Not Available]' group is no group of its own."""
    from rinec_plugins.survival.build import assemble

    from rinec_report import Patients

    table = pd.DataFrame({
        "patient_id": ["A", "B", "C", "D", "E", "F"],
        "os_time": [5.0, 8, 12, 3, 9, 14],
        "os_event": [1.0, 0, 1, 1, 1, 0],
        "arm": ["x", "x", "y", "y", None, "[Not Available]"],
    })
    parsed = {"table": table, "units": {"os": "months"}, "endpoints": ["os"]}
    opts = options(endpoints={"os": "OS"}, group_by=["arm"])
    with pytest.warns(Warning) as caught:
        data = assemble([("s.tsv", parsed)], None, opts, Patients({}, {}))
        out = analyse(data, opts)
    groups = set(out["medians"]["group"])
    assert groups == {"all", "arm=x", "arm=y"}
    assert any("left out" in str(w.message) for w in caught)
