"""The survival plugin against R's survival package at the edges: R's data sets in the
shapes survival tables come in (pbc's 0/1/2 status, gbsg as dates, veteran with '.'
for a missing treatment, a curve ending flat at 50%, patients censored before the
first death).

Each expected value is R's: tests/data/survival/r_edges.R wrote the CSV inputs and
r_edges.out (survival 3.5.3); every figure of the plugin (quantiles and their limits,
the curve with its limits and numbers at risk, survival at chosen times, log-rank
chi-square and p) is compared with it to 1e-12, through the plugin's own reader.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from rinec_plugins.survival.build import assemble
from rinec_plugins.survival.km import analyse, fit, subsets
from rinec_plugins.survival.parse import read_table

from rinec_report import InputError, InputWarning, Patients, account, tables
from rinec_report.options import with_defaults

DATA = Path(__file__).parent / "data" / "survival"
OUT = DATA / "r_edges.out"
PBC_CODES = {"0": "censored", "1": "censored", "2": "event"}
# name -> (input file, options for it)
SETS: dict[str, tuple[str, dict[str, Any]]] = {
    "pbc": ("pbc.csv", {"input_time_unit": "days", "group_by": ["trt"], "event_codes": PBC_CODES}),
    "gbsg": ("gbsg_dates.csv", {"group_by": ["hormon"]}),
    "veteran_dot": ("veteran_dot.csv", {"input_time_unit": "days", "group_by": ["trt"]}),
    "flat50": ("flat50.csv", {"input_time_unit": "days"}),
    "early_censored": ("early_censored.csv", {"input_time_unit": "days"}),
}
DOT_IS_MISSING = tables.is_missing(".")


def options(**given: Any) -> dict[str, Any]:
    from rinec_plugins.survival import rinec_options

    return with_defaults(rinec_options(), {"time_unit": "days", **given}, "survival.")


def r_rows(kind: str, name: str | None = None) -> list[list[str]]:
    rows = [line.split("\t")[1:] for line in OUT.read_text().splitlines() if line.startswith(kind + "\t")]
    return [r for r in rows if name is None or r[0] == name]


def r_number(text: str) -> float:
    return math.nan if text == "NA" else float(text)


def same(got: float, expected: str) -> bool:
    want = r_number(expected)
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    return got == pytest.approx(want, rel=1e-12, abs=1e-14)


def run_set(name: str, conf: str = "log", path: Path | None = None, **extra: Any) -> tuple[Any, dict[str, Any]]:
    """The plugin's reader, assembly and analysis on one data set, as a run does them."""
    file, given = SETS[name]
    opts = options(conf_type=conf, **{**given, **extra})
    times = sorted({float(r[3]) for r in r_rows("at", name)})
    opts["times"] = times
    parsed = read_table(str(path or DATA / file), opts)
    data = assemble([(file, parsed)], None, opts, Patients({}, {}))
    return data, analyse(data, opts)


# The group curves of veteran_dot are R's whether or not '.' is a group of its own; the
# test needs the reader's shared missing codes only where the groups are counted.
DOT_PENDING = pytest.mark.xfail(not DOT_IS_MISSING, strict=True,
                                reason="the table reader does not read '.' as missing yet")
NAMES = list(SETS)


@pytest.mark.parametrize("conf", ["log", "log-log"])
@pytest.mark.parametrize("name", NAMES)
def test_quantiles_and_their_limits_equal_r(name: str, conf: str) -> None:
    data, out = run_set(name, conf)
    medians = out["medians"].set_index("group")
    parts = {label: rows for label, _, rows in subsets(data, "os")}
    rows = [r for r in r_rows("quantile", name) if r[1] == conf]
    assert rows
    for _, _, group, prob, n, events, q, lower, upper in rows:
        assert int(medians.loc[group, "n"]) == int(n) and int(medians.loc[group, "events"]) == int(events)
        got = fit(parts[group], "os", 0.95, conf).quantile(int(prob) / 100)
        assert all(same(g, e) for g, e in zip(got, (q, lower, upper), strict=True)), (group, prob, got)
        if prob == "50":
            shown = medians.loc[group, ["median", "ci_lower", "ci_upper"]].tolist()
            assert all(same(g, e) for g, e in zip(shown, (q, lower, upper), strict=True)), (group, shown)


@pytest.mark.parametrize("name", NAMES)
def test_curves_limits_and_numbers_at_risk_equal_r(name: str) -> None:
    expected = r_rows("curve", name)
    for conf, columns in (("log", (7, 8)), ("log-log", (9, 10))):
        _, out = run_set(name, conf)
        curves = out["curves"]
        for group in sorted({r[1] for r in expected}):
            want = [r for r in expected if r[1] == group]
            got = curves[curves["group"] == group]  # R's strata names are the plugin's labels
            got = got[got["time"] > 0]  # the plugin's curves start with the point (0, 1)
            assert len(got) == len(want), (group, len(got), len(want))
            for (_, g), r in zip(got.iterrows(), want, strict=True):
                assert same(g["time"], r[2]) and int(g["at_risk"]) == int(r[3])
                assert same(g["survival"], r[6]), (group, r)
                assert same(g["ci_lower"], r[columns[0]]) and same(g["ci_upper"], r[columns[1]]), (conf, group, r)


@pytest.mark.parametrize("conf", ["log", "log-log"])
@pytest.mark.parametrize("name", NAMES)
def test_survival_at_times_equals_r_summary(name: str, conf: str) -> None:
    _, out = run_set(name, conf)
    at = out["at_times"].set_index(["group", "time"])
    for _, _, group, t, n_risk, surv, lower, upper in [r for r in r_rows("at", name) if r[1] == conf]:
        row = at.xs((group, float(t)))
        assert int(row["at_risk"]) == int(n_risk), (group, t)
        got = (row["survival"], row["ci_lower"], row["ci_upper"])
        assert all(same(g, e) for g, e in zip(got, (surv, lower, upper), strict=True)), (group, t, got)


@pytest.mark.parametrize("row", [pytest.param(r, marks=DOT_PENDING if r[0] == "veteran_dot" else ())
                                 for r in r_rows("logrank")], ids=lambda r: r[0])
def test_logrank_equals_r_survdiff(row: list[str]) -> None:
    name, group, chisq, df, p = row
    data, out = run_set(name)
    assert len(data.patients[group].dropna().unique()) - 1 == int(df)
    test = out["tests"].set_index("group_by").loc[group]
    assert same(test["statistic"], chisq) and same(test["p_value"], p), (test["statistic"], test["p_value"])


# ------------------------------------------------------------------ the shapes


def test_status_of_three_codes_is_refused_naming_the_codes_and_the_config() -> None:
    """pbc's 0/1/2 (2 dead, 1 transplant): no code is guessed, not even 1 as a death."""
    assert r_rows("count", "pbc")[0][2] == "0,1,2"
    with pytest.raises(InputError, match="OS left out") as caught:
        read_table(str(DATA / "pbc.csv"), options(input_time_unit="days"))
    message = str(caught.value)
    assert "'status' holds the codes 0, 1, 2" in message
    assert "survival: {event_codes: {0: event or censored, 1: event or censored, 2: event or censored}}" in message
    assert "\n" not in message


def test_a_refused_status_costs_that_endpoint_only(tmp_path: Path) -> None:
    path = tmp_path / "survival.tsv"
    path.write_text("patient_id\tos_days\tos_status\tpfs_days\tpfs_status\n"
                    "A\t10\t2\t5\t1\nB\t20\t1\t7\t0\nC\t30\t0\t9\t1\n")
    with pytest.warns(InputWarning, match=r"OS left out: status column 'os_status' holds the codes 0, 1, 2"):
        parsed = read_table(str(path), options())
    assert parsed["endpoints"] == ["pfs"] and parsed["dropped"]["os"] == {"status codes not mapped": 3}
    assert parsed["table"]["pfs_event"].tolist() == [1.0, 0.0, 1.0]


def test_the_columns_of_a_refused_endpoint_are_accounted_as_ignored(tmp_path: Path) -> None:
    path = tmp_path / "survival.tsv"
    path.write_text("patient_id\tos_days\tos_status\tpfs_days\tpfs_status\n"
                    "A\t10\t2\t5\t1\nB\t20\t1\t7\t0\nC\t30\t0\t9\t1\n")
    with account.recording("survival.tsv") as ledger, pytest.warns(InputWarning):
        read_table(str(path), options())
    got = ledger.files["survival.tsv"]
    assert got.dropped == {"OS: status codes not mapped": 3}
    assert got.columns["os_status"].role == got.columns["os_days"].role == "ignored"
    assert got.columns["pfs_status"] == account.ColumnUse("field", "pfs_event")


def test_event_codes_per_column_and_codes_left_unmapped(tmp_path: Path) -> None:
    """A mapping for one column leaves the other to the default table; with a mapping,
    a code it does not name leaves its rows out, counted ('status code not mapped')."""
    path = tmp_path / "survival.tsv"
    path.write_text("patient_id\tos_days\tos_status\tpfs_days\tpfs_status\n"
                    "A\t10\t2\t5\t1\nB\t20\t1\t7\t0\nC\t30\t0\t9\t1\nD\t40\t9\t9\t1\n"
                    "E\t50\tlost\t9\t0\n")
    codes = {"os_status": {"0": "censored", "1": "censored", "2": "event", "lost": "missing"}}
    with pytest.warns(InputWarning, match=r"'os_status': the codes 9 are in neither"):
        parsed = read_table(str(path), options(event_codes=codes))
    table = parsed["table"]
    assert table["os_event"].tolist()[:3] == [1.0, 0.0, 0.0] and table["pfs_event"].tolist()[:2] == [1.0, 0.0]
    assert parsed["dropped"]["os"] == {"status code not mapped": 1, "no status": 1}


def test_pbc_with_the_mapping_counts_only_deaths() -> None:
    data, out = run_set("pbc")
    events = data.patients["os_event"]
    assert int(events.sum()) == 161 and len(events) == 418  # R: table(pbc$status): 232, 25, 161
    assert "no trt group (OS log-rank)" in _account_of(lambda: run_set("pbc"))["pbc.csv"].dropped
    assert any("106 of 418 patients without a trt value" in n for n in out["group_notes"])


def test_dates_give_every_patient_dead_or_alive() -> None:
    """gbsg as dates: 686 patients, 299 events, median 1807 days (R), 59.4 months; the
    alive are censored at their last follow-up, not dropped."""
    data, out = run_set("gbsg")
    overall = out["medians"].set_index("group").loc["all"]
    assert (overall["n"], overall["events"], overall["median"]) == (686, 299, 1807)
    assert data.dropped["os"] == {}
    assert "Date of surgery" in " ".join(data.rules) and "Last follow-up date" in " ".join(data.rules)
    _, months = run_set("gbsg", time_unit="months")
    assert round(months["medians"].set_index("group").loc["all", "median"], 1) == 59.4


def test_a_death_before_the_last_follow_up_is_counted_and_the_death_used(tmp_path: Path) -> None:
    path = tmp_path / "survival.csv"
    path.write_text("patient_id,Date of diagnosis,Date of death,Date of last follow-up\n"
                    "A,2010-01-01,2010-03-02,2010-06-01\n"    # death before follow-up: a conflict
                    "B,2010-01-01,2010-03-02,2010-02-01\n"    # follow-up, then death: no conflict
                    "C,2010-01-01,,2010-01-11\n"              # alive: censored at follow-up
                    "D,,2010-05-01,\n"                         # no start
                    "E,2010-01-01,,\n"                         # no end
                    "F,2010-02-01,2010-01-01,\n"               # end before start
                    "G,2010-01-01,2010-13-45,2010-02-01\n")    # a death not readable: not censored
    with pytest.warns(InputWarning) as caught:
        parsed = read_table(str(path), options())
    messages = [str(w.message) for w in caught]
    assert any("OS: 1 patient(s) with a date of death before their last follow-up" in m for m in messages)
    assert any("column 'Date of death': 1 cell(s) could not be read as a date" in m for m in messages)
    table = parsed["table"].set_index("patient_id")
    assert table["os_time"].loc[["A", "B", "C"]].tolist() == [60.0, 60.0, 10.0]
    assert table["os_event"].loc[["A", "B", "C"]].tolist() == [1.0, 1.0, 0.0]
    assert parsed["units"] == {"os": "days"}
    assert parsed["dropped"]["os"] == {"no start date": 1, "no date of death or last follow-up": 1,
                                       "end date before the start date": 1, "date not readable": 1}


def test_the_columns_option_names_the_three_dates(tmp_path: Path) -> None:
    path = tmp_path / "survival.csv"
    path.write_text("patient_id,Enrolled,Died on,Seen\nA,03/01/2010,13/01/2010,\nB,03/01/2010,,23/02/2010\n")
    opts = options(columns={"start_date": "Enrolled", "death_date": "Died on", "last_followup_date": "Seen"})
    table = read_table(str(path), opts)["table"]
    # Day first, as the column's days above 12 say: 3 January to 13 January, to 23 February.
    assert table["os_time"].tolist() == [10.0, 51.0] and table["os_event"].tolist() == [1.0, 0.0]


def _account_of(call: Any) -> dict[str, account.FileAccount]:
    with account.recording("survival.tsv") as ledger, pytest.warns(Warning):
        call()
    return ledger.files


def test_every_row_left_out_is_counted_with_its_reason_and_named_in_the_section(tmp_path: Path) -> None:
    from rinec_plugins.survival.sections import build_sections

    from rinec_report import Note

    path = tmp_path / "survival.tsv"
    rows = ["A\t5\t1\tx", "B\t\t1\tx", "C\t-3\t0\ty", "D\t7\t\ty", "E\tsoon\t1\ty", "F\t9\t0\t", "G\t4\t1\ty"]
    path.write_text("patient_id\tos_days\tos_event\tarm\n" + "\n".join(rows) + "\n")
    opts = options(group_by=["arm"])
    with account.recording("survival.tsv") as ledger, pytest.warns(InputWarning):
        parsed = read_table(str(path), opts)
        data = assemble([("survival.tsv", parsed)], None, opts, Patients({}, {}))
        out = analyse(data, opts)
    got = ledger.files["survival.tsv"]
    assert got.dropped == {"OS: no follow-up time": 1, "OS: negative time": 1, "OS: no status": 1,
                           "OS: time not readable": 1, "no arm group (OS log-rank)": 1}
    assert (got.rows_read, got.rows_used) == (7, 3)
    out["patients"] = data.patients
    out["_data"] = data
    notes = [b.text for s in build_sections(out) for b in s.blocks if isinstance(b, Note)]
    assert any(n.startswith("OS: ") and "1 of 7 patients without a follow-up time" in n
               and "1 of 7 patients with a negative time" in n for n in notes), notes
    assert any("1 of 3 patients without a arm value" in n for n in notes), notes


def test_cohort_patients_without_a_time_are_counted_not_lost_silently() -> None:
    """The clinical table's derived OS with the alive missing (the shape of a table whose
    last follow-up column went unread): every one of them is counted in the note."""
    from rinec_plugins.survival.sections import drop_note

    cohort = pd.DataFrame({"patient_id": ["A", "B", "C", "D", "E"],
                           "os_months": [3.0, 5.0, None, None, 7.0],
                           "os_event": [1.0, 1.0, None, 0.0, 2.0]})
    opts = options(endpoints={"os": "Overall survival"})
    with pytest.warns(InputWarning, match="time or event missing for 2 patient\\(s\\): D"):
        data = assemble([], {"patients": cohort}, opts, Patients({}, {}))
    assert data.dropped["os"] == {"no follow-up time or status": 1, "no follow-up time": 1,
                                  "status not 0 or 1": 1}
    note = drop_note(data, "os")
    assert note is not None and "1 of 5 patients without a follow-up time or status" in note
    assert "1 of 5 patients with a status other than 0 or 1" in note


@pytest.mark.parametrize("missing", ["", pytest.param(".", marks=DOT_PENDING)])
def test_a_missing_treatment_is_no_group_of_its_own(tmp_path: Path, missing: str) -> None:
    """veteran with '.' (or a blank) for 15 treatments: two groups, R's chi-square with
    1 degree of freedom on the 122 others, the 15 counted."""
    path = tmp_path / "veteran_dot.csv"
    path.write_text((DATA / "veteran_dot.csv").read_text().replace('"."', f'"{missing}"'))
    data, out = run_set("veteran_dot", path=path)
    assert sorted(data.patients["trt"].dropna().unique()) == ["1", "2"]
    _, _, chisq, df, p = r_rows("logrank", "veteran_dot")[0]
    assert df == "1"
    test = out["tests"].iloc[0]
    assert same(test["statistic"], chisq) and same(test["p_value"], p)
    assert any("15 of 137 patients without a trt value" in n for n in out["group_notes"])


def test_a_curve_ending_flat_at_half_has_r_median_and_a_note() -> None:
    from rinec_plugins.survival.sections import build_sections

    from rinec_report import Table

    data, out = run_set("flat50")
    assert out["medians"]["median"].iloc[0] == 17.5  # R: quantile(fit, 0.5) = (10 + 25) / 2
    assert any("exactly 50% from 10 to its last time, 25" in n for n in out["notes"])
    out["patients"], out["_data"] = data.patients, data
    shown = next(b for s in build_sections(out) for b in s.blocks
                 if isinstance(b, Table) and b.name == "medians_shown").data
    assert shown["median"].iloc[0].startswith("17.5 (")  # not rounded to 18 days


def test_limits_r_gives_as_na_are_a_dash_in_the_tables_and_tooltips() -> None:
    from rinec_plugins.survival.charts import km_chart
    from rinec_plugins.survival.sections import build_sections

    from rinec_report import Table

    data, out = run_set("early_censored", "log-log")
    out["patients"], out["_data"] = data.patients, data
    shown = next(b for s in build_sections(out) for b in s.blocks
                 if isinstance(b, Table) and b.name == "at_times_shown").data
    # R: 1 [1, 1] before the first time (0.5), 1 [NA, NA] at the censorings before the first death.
    assert shown["survival"].tolist() == ["100% (100%\u2013100%)", "100% (\u2014)", "100% (\u2014)", "0% (\u2014)"]
    spec = km_chart(data, out, "os", None, "OS").to_dict()
    values = [v for d in spec["datasets"].values() for v in d if "ci_lower_text" in v]
    at_censorings = [v["ci_lower_text"] for v in values if v["time"] in (1, 3)]
    assert at_censorings and set(at_censorings) == {"\u2014"}
    # The band's last stretch (from 8 days, where R's limits are 5.8%-84.5%) is drawn to
    # 11 days, where the curve reaches 0 and R's limits are NA.
    from rinec_plugins.survival.charts import band_closed, curve_steps

    curve = out["curves"]
    band = band_closed(curve_steps(curve[curve["group"] == "all"])).set_index("time")
    assert band.loc[11.0, "ci_lower"] == band.loc[8.0, "ci_lower"] == curve.set_index("time").loc[8.0, "ci_lower"]
    assert math.isnan(curve.set_index("time").loc[11.0, "ci_lower"])  # the exported curve keeps R's NA


def test_the_band_reaches_the_last_step_when_the_limits_end_as_na() -> None:
    """A group whose last patients are all censored: R gives its limits as NA from the
    first of those censorings (survival 1, standard error 0) to the end. The band keeps
    its last known limits to the curve's last time, in each group on its own."""
    import pandas as pd
    from rinec_plugins.survival.charts import band_closed

    nan = float("nan")
    curve = pd.DataFrame({
        "group": ["a", "a", "a", "a", "b", "b", "b"],
        "time": [0.0, 0.8, 2.0, 4.9, 0.0, 3.0, 9.0],
        "survival": [1.0, 1.0, 1.0, 1.0, 1.0, 0.75, 0.0],
        "ci_lower": [1.0, nan, nan, nan, 1.0, 0.2, nan],
        "ci_upper": [1.0, nan, nan, nan, 1.0, 0.95, nan],
    })
    band = band_closed(curve)
    for group, last, limits in (("a", 4.9, (1.0, 1.0)), ("b", 9.0, (0.2, 0.95))):
        rows = band[band["group"] == group]
        drawn = rows.dropna(subset=["ci_lower", "ci_upper"])
        assert drawn["time"].max() == last
        assert tuple(drawn.iloc[-1][["ci_lower", "ci_upper"]]) == limits
    assert curve["ci_lower"].isna().sum() == 4  # the curve itself keeps R's NA


# ------------------------------------------------------------------ the default table


def test_the_docs_default_table_is_the_codes_table() -> None:
    """docs/plugins/survival.md lists exactly the codes the reader counts."""
    from rinec_plugins.survival.events import DEFAULT_CODES

    text = (Path(__file__).parents[1] / "docs" / "plugins" / "survival.md").read_text()
    section = text.split("<!-- event codes -->")[1].split("<!-- event codes: end -->")[0]
    listed: dict[str, int] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[1] in ("event", "censored"):
            for code in cells[0].split(","):
                listed[code.strip().strip("`")] = 1 if cells[1] == "event" else 0
    assert listed == DEFAULT_CODES


# ------------------------------------------------------------------ the references themselves


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed")
def test_the_vendored_references_are_what_r_writes_today(tmp_path: Path) -> None:
    subprocess.run(["Rscript", str(DATA / "r_edges.R"), str(tmp_path)], check=True, timeout=120,
                   capture_output=True)
    for name in ("pbc.csv", "gbsg_dates.csv", "veteran_dot.csv", "flat50.csv", "early_censored.csv"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
    fresh = [line for line in (tmp_path / "r_edges.out").read_text().splitlines() if not line.startswith("#")]
    vendored = [line for line in OUT.read_text().splitlines() if not line.startswith("#")]
    assert len(fresh) == len(vendored)
    for a, b in zip(fresh, vendored, strict=True):
        for x, y in zip(a.split("\t"), b.split("\t"), strict=True):
            try:
                ok = same(float(x), y) if x != "NA" else y == "NA"
            except ValueError:
                ok = x == y
            assert ok, (a, b)


def test_references_hold_the_shapes_they_stand_for() -> None:
    """The inputs are what the tests say they are (a hand count of the CSVs)."""
    gbsg = pd.read_csv(DATA / "gbsg_dates.csv", dtype=str, keep_default_na=False)
    assert len(gbsg) == 686 and (gbsg["Date of death"] != "").sum() == 299
    both = ((gbsg["Date of death"] != "") & (gbsg["Last follow-up date"] != "")).sum()
    assert both == int(r_rows("count", "gbsg")[0][2]) == 160
    vet = pd.read_csv(DATA / "veteran_dot.csv", dtype=str, keep_default_na=False)
    assert (vet["trt"] == ".").sum() == 15
