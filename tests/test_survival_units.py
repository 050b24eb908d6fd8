"""The survival plugin's parts: cell parsing, table reading, and the hooks on the
cohort plugin's published patients (the dataset contract)."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rinec_plugins import survival
from rinec_plugins.survival.parse import events_of_column, parse_event, parse_time, read_table
from survival_helpers import example_cohort

from rinec_report import InputError, InputWarning, Patients, Table
from rinec_report.datasets import Datasets
from rinec_report.options import validate


def test_parse_time_units_and_censor_marks() -> None:
    assert parse_time("6 m") == (6.0, "months", False)
    assert parse_time("5+") == (5.0, None, True)
    assert parse_time("5 m+") == (5.0, "months", True)
    assert parse_time("180 days") == (180.0, "days", False)
    assert parse_time(12) == (12.0, None, False)
    assert parse_time("NA") is None
    assert parse_time("*") is None
    with pytest.raises(ValueError, match="'six'"):
        parse_time("six")


def test_parse_event_reads_what_clinicians_write() -> None:
    for text in ("Dead", "died", "1", "yes", "Progressed", "1:DECEASED", 1, 1.0):
        assert parse_event(text) == 1, text
    for text in ("Alive", "censored", "0", "no", "0:LIVING", 0):
        assert parse_event(text) == 0, text
    assert parse_event("") is None
    with pytest.raises(ValueError, match="'maybe'"):
        parse_event("maybe")


def test_r_status_coding_one_two() -> None:
    # R's Surv() reads a 1/2 status as 1 = censored, 2 = event.
    assert events_of_column(["1", "2", "2", ""], "status") == [0, 1, 1, None]
    assert events_of_column(["1", "0", "1"], "status") == [1, 0, 1]


def _write(tmp_path: Path, text: str, name: str = "survival.tsv") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


OPTIONS = validate(survival.rinec_options(), {}, "survival.")


def test_read_table_finds_endpoints_and_units(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "# a comment line\nPatient ID\tOS days\tOS.status\tpfs\tgrade\n"
        "A\t300\tDead\t4 m+\tG1\nB\t150\tAlive\t2 m\tG2\n",
    )
    parsed = read_table(path, OPTIONS)
    table = parsed["table"]
    assert parsed["units"] == {"os": "days", "pfs": "months"}
    assert table["patient_id"].tolist() == ["A", "B"]
    assert table["os_time"].tolist() == [300, 150]
    assert table["os_event"].tolist() == [1, 0]
    # No pfs event column: '+' marks censoring, other times are events.
    assert table["pfs_event"].tolist() == [0, 1]
    assert table["grade"].tolist() == ["G1", "G2"]


def test_read_table_errors_name_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no 'patient_id' column; found columns: name, os_months"):
        read_table(_write(tmp_path, "name\tos_months\nA\t3\n"), OPTIONS)
    with pytest.raises(InputError, match=r"1 duplicate patient id\(s\): A \(1 of 1 shown\)"):
        read_table(_write(tmp_path, "patient_id\tos_months\tos_event\nA\t3\t1\nA\t4\t0\n"), OPTIONS)
    with pytest.raises(InputError, match="marked censored"):
        read_table(_write(tmp_path, "patient_id\tos_months\tos_event\nA\t3+\t1\n"), OPTIONS)
    with pytest.raises(InputError, match="has no event column"):
        read_table(_write(tmp_path, "patient_id\tos_months\nA\t3\n"), OPTIONS)
    # A status the default table does not read is never guessed: the endpoint is refused
    # with the codes found (here the file's only one, so the file).
    with pytest.raises(InputError, match=r"holds the codes 'perhaps'.*event_codes"):
        read_table(_write(tmp_path, "patient_id\tos_months\tos_event\nA\t3\tperhaps\n"), OPTIONS)


def test_columns_option_maps_other_names(tmp_path: Path) -> None:
    options = {**OPTIONS, "columns": {"patient_id": "Case", "os_time": "T", "os_event": "E"}}
    parsed = read_table(_write(tmp_path, "Case,T,E\nX,10,1\n", "my_survival.csv"), options)
    assert parsed["table"][["patient_id", "os_time", "os_event"]].values.tolist() == [["X", 10.0, 1.0]]


def _publish(cohort: dict[str, Any] | None, options: dict[str, Any] | None = None,
             config: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:  # fmt: skip
    """Call the plugin's hooks the way the core does, with a stand-in cohort."""
    options = {**OPTIONS, **(options or {})}
    datasets: Datasets

    def build(name: str) -> dict[str, Any] | None:
        if name == "cohort":
            return cohort
        config_ = config or {}
        patients = Patients(config_.get("patients") or {}, config_.get("samples") or {})
        return survival.rinec_datasets(files=[], options=options, datasets=datasets, patients=patients)

    datasets = Datasets(["cohort", "survival"], build)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        published = datasets.own("survival")
    return published, [str(w.message) for w in caught if w.category is InputWarning]


def test_example_patients_medians() -> None:
    published, _ = _publish(example_cohort())
    medians = published["medians"].set_index(["endpoint", "group"])
    assert medians.loc[("os", "all"), ["n", "events", "median"]].tolist() == [5, 3, 9]
    # R's survfit: 5 [3, NA] (tests/data/survival/km_reference.out, example_pfs).
    assert medians.loc[("pfs", "all"), ["n", "events", "median"]].tolist() == [5, 3, 5]
    # The PFS curve sits at exactly 50% from 4 to 6 months: the note says why 5.
    assert any("PFS" in n and "midpoint, 5" in n for n in published["notes"])
    assert published["tests"].empty


def test_living_patients_are_censored_not_events() -> None:
    published, _ = _publish(example_cohort())
    curves = published["curves"]
    os_curve = curves[(curves["endpoint"] == "os") & (curves["group"] == "all")]
    by_time = os_curve.set_index("time")["survival"]
    # P5 (alive, 25 days) and P4 (alive, 150 days) leave without a drop.
    assert by_time[25 / (365.25 / 12)] == 1.0
    assert by_time[150 / (365.25 / 12)] == pytest.approx(0.75)
    assert by_time[9.0] == 0.0
    columns = {c.name: c.values for c in survival.rinec_summary_columns(data=published)}
    assert columns["pfs"]["P1"] == "6 m, progressed"
    assert columns["os"]["P2"] == "3 m, died"
    assert columns["os"]["P4"] == "4.9 m+, censored"
    assert columns["pfs"]["P5"] == "0.8 m+, censored"


def test_sections_export_the_public_tables() -> None:
    published, _ = _publish(example_cohort(), {"group_by": ["sex"]})
    sections = survival.rinec_sections(data=published)
    assert [s.id for s in sections] == ["km"]  # sex has one value: no group section
    tables = {b.name: b for s in sections for b in s.blocks if isinstance(b, Table)}
    exported = sorted(name for name, t in tables.items() if t.export)
    assert exported == ["at_risk", "at_times", "curves", "medians", "patients", "tests"]
    assert list(tables["tests"].data.columns) == [
        "endpoint", "group_by", "test", "statistic", "p_value",
    ]  # fmt: skip
    text = " ".join(b.text for s in sections for b in s.blocks if hasattr(b, "text"))
    assert "censored at 2020-09-26" in text  # the cohort's survival rule is stated


def test_group_with_one_level_warns() -> None:
    _, warned = _publish(example_cohort(), {"group_by": "sex"})
    assert any("fewer than two groups" in w for w in warned), warned


def test_patients_mapping_and_table_over_cohort(tmp_path: Path) -> None:
    path = _write(tmp_path, "patient_id\tos_months\tos_event\npt-1\t12\talive\n")
    parsed = read_table(path, OPTIONS)

    class File:
        relpath = "survival.tsv"

    class Parsed:
        file = File()
        data = parsed

    datasets = Datasets(["cohort"], lambda name: example_cohort())
    published = survival.rinec_datasets(
        files=[Parsed()], options=OPTIONS, datasets=datasets, patients=Patients({"pt-1": "P1"}, {})
    )
    patients = published["patients"].set_index("patient_id")
    # The table's OS wins for every patient; PFS still comes from the cohort.
    assert patients.loc["P1", ["os_time", "os_event"]].tolist() == [12.0, 0.0]
    assert math.isnan(patients.loc["P2", "os_time"])
    assert patients.loc["P1", "pfs_time"] == 6.0
    assert published["medians"].set_index(["endpoint", "group"]).loc[("os", "all"), "n"] == 1


def test_no_survival_data_publishes_nothing() -> None:
    published, _ = _publish(None)
    assert published is None


def test_plugin_module_is_cheap_to_import() -> None:
    import subprocess
    import sys

    code = "import sys, rinec_plugins.survival; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _naive_km(times: list[float], events: list[int]) -> dict[float, float]:
    """The product-limit estimator written out, to check the plugin's curve against."""
    survival, out = 1.0, {}
    for t in sorted(set(times)):
        at_risk = sum(1 for x in times if x >= t)
        deaths = sum(1 for x, e in zip(times, events, strict=True) if x == t and e == 1)
        survival *= 1 - deaths / at_risk
        out[t] = survival
    return out


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=1)),
        min_size=1,
        max_size=30,
    )
)
def test_curve_and_risk_rows_agree_with_the_definition(rows: list[tuple[int, int]]) -> None:
    import pandas as pd
    from rinec_plugins.survival.build import SurvivalData
    from rinec_plugins.survival.km import analyse

    times = [float(t) for t, _ in rows]
    events = [e for _, e in rows]
    frame = pd.DataFrame(
        {
            "patient_id": [f"X{i}" for i in range(len(rows))],
            "os_time": times,
            "os_event": [float(e) for e in events],
        }
    )
    data = SurvivalData(frame, {"os": "Overall survival"}, "months", [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = analyse(data, {**OPTIONS, "risk_interval": 5})
    curve = tables["curves"].set_index("time")["survival"]
    for t, expected in _naive_km(times, events).items():
        assert curve[t] == pytest.approx(expected)
    risk = tables["at_risk"]
    assert (risk["at_risk"] + risk["censored"] + risk["events"] == len(rows)).all()
    medians = tables["medians"].iloc[0]
    assert (medians["n"], medians["events"]) == (len(rows), sum(events))


def test_a_tiny_risk_interval_cannot_make_a_table_of_millions_of_rows():
    # risk_interval is a run-scope option: a shared folder may set it to 1e-9. Follow-up of
    # 40 months at that step would be 4e10 rows; the table keeps at most 100, with a warning.
    import pandas as pd
    from rinec_plugins.survival.build import SurvivalData
    from rinec_plugins.survival.km import MAX_RISK_ROWS, analyse

    frame = pd.DataFrame({"patient_id": ["A", "B", "C", "D"], "os_time": [5.0, 12.0, 30.0, 40.0],
                          "os_event": [1.0, 0.0, 1.0, 0.0]})
    data = SurvivalData(frame, {"os": "Overall survival"}, "months", [])
    with pytest.warns(InputWarning, match="risk_interval 1e-09 gives more than 100"):
        tables = analyse(data, {**OPTIONS, "risk_interval": 1e-9})
    assert MAX_RISK_ROWS == 100
    assert 0 < len(tables["at_risk"]) <= 100
