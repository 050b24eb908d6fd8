"""The cohort sections' content: Table 1, the swimmer plot's marks, the selection flow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cohort_helpers import EXAMPLE_XLSX, build_cohort, cohort_options, write_table
from rinec_plugins.cohort.flow import flow_chart, parse_selection, selection_problems
from rinec_plugins.cohort.sections import build_sections
from rinec_plugins.cohort.table1 import build_table1, table1_html
from rinec_plugins.cohort.timeline import patient_events, timeline_chart

from rinec_report.model import InputError

SELECTION = [
    {"label": "NPC patients", "n": 1052},
    {"label": "with another head and neck tumour", "n": 26},
    {"label": "second tumours after radiotherapy", "n": 11},
    {"branch": [{"label": "NEC", "n": 5}, {"label": "sarcoma", "n": 4},
                {"label": "squamous cell carcinoma", "n": 2}]},
]


@pytest.fixture(scope="module")
def cohort() -> object:
    return build_cohort(EXAMPLE_XLSX)


def _row(table: object, characteristic: str, group: str | None = None) -> dict:
    rows = table[table["characteristic"] == characteristic]
    if group:
        rows = rows[rows["group"] == group]
    assert len(rows) == 1, characteristic
    return rows.iloc[0].to_dict()


def test_table1_groups_patients_as_columns_and_summary(cohort: object) -> None:
    table = build_table1(cohort)
    assert list(table.columns) == ["group", "characteristic", "P1", "P2", "P3", "P4", "P5",
                                   "summary"]
    assert list(dict.fromkeys(table["group"])) == [
        "Sequencing", "Demographics", "Primary NPC", "NPC treatment", "Second tumour (NEC)",
        "NEC treatment", "Outcome", "Other"]
    age = _row(table, "Age (years)")
    assert age["summary"] == "median 56 (range 49\u201367)"
    latency = _row(table, "Latency from NPC diagnosis (years)")
    assert [latency[p] for p in ("P1", "P5")] == ["≈10", "≈18"]
    assert latency["summary"] == "median ≈13 (range 10\u201318)"
    surgery = _row(table, "Surgery")
    assert surgery["P1"] == "not performed" and surgery["summary"] == "given 4; not performed 1"
    chemo = _row(table, "Chemotherapy", "NPC treatment")
    assert chemo["P5"] == "yes, no details"
    assert _row(table, "Progression")["P2"] == "unknown"
    os_row = _row(table, "OS (months)")
    assert os_row["P1"] == "9 (died)" and os_row["P4"] == "4.9 * (alive, censored)"


def test_table1_html_escapes_and_keeps_every_row(cohort: object) -> None:
    table = build_table1(cohort)
    html = table1_html(table, 5)
    assert html.count('<tr class="cohort-group">') == 8
    assert html.count("<tr>") == len(table) + 1  # + the header row
    assert "VP (etoposide+cisplatin)" in html


def test_large_cohort_keeps_only_the_summary_column(tmp_path: Path) -> None:
    rows = [["patient_id", "age", "sex"]] + [[f"X{i}", str(40 + i % 30), "F"] for i in range(40)]
    cohort = build_cohort(write_table(tmp_path / "clinical.csv", rows), {})
    table = build_table1(cohort)
    assert list(table.columns) == ["group", "characteristic", "summary"]
    sections = build_sections(cohort, cohort_options())
    # no NPC/NEC columns: no RIN criteria, no timeline
    assert [s.id for s in sections] == ["table"]


def test_swimmer_lanes_end_at_death_or_follow_up(cohort: object) -> None:
    events, lanes = patient_events(cohort, "2020-09-26")
    by_patient = {lane["patient_id"]: lane for lane in lanes}
    assert [by_patient[p]["status"] for p in ("P1", "P2", "P3")] == ["died"] * 3
    assert [by_patient[p]["status"] for p in ("P4", "P5")] == ["alive at last follow-up"] * 2
    assert by_patient["P4"]["date_end"] == "2020-09-26"
    assert by_patient["P4"]["months_nec_end"] == pytest.approx(4.93, abs=0.01)
    deaths = {e["patient_id"]: e["months_nec"] for e in events if e["event"] == "Death"}
    assert deaths == {"P1": pytest.approx(9, abs=0.05), "P2": pytest.approx(3, abs=0.05),
                      "P3": pytest.approx(9, abs=0.05)}
    kinds = {e["event"] for e in events}
    assert {"NPC diagnosis", "NPC radiotherapy", "NEC diagnosis", "Surgery", "Re-irradiation",
            "NEC chemotherapy", "Progression", "Metastasis", "Death"} <= kinds
    # years since NPC diagnosis; a year alone is drawn mid-year and said approximate
    npc = next(e for e in events if e["patient_id"] == "P1" and e["event"] == "NPC diagnosis")
    assert npc["years"] == 0 and npc["shown"] == "2008 (approximate)"
    rt = next(e for e in events if e["patient_id"] == "P3" and e["event"] == "Re-irradiation")
    assert rt["details"] == "66 Gy/30F, IMRT"


def test_timeline_spec_is_deterministic_and_highlights_patients(cohort: object) -> None:
    first = json.dumps(timeline_chart(cohort, "2020-09-26").to_dict(), sort_keys=True)
    second = json.dumps(timeline_chart(cohort, "2020-09-26").to_dict(), sort_keys=True)
    assert first == second
    assert "rinec_patient" in first and "param_" not in first
    calendar = timeline_chart(cohort, "2020-09-26", calendar=True).to_dict()
    assert '"title": "Date"' in json.dumps(calendar)


def test_selection_steps_and_branch() -> None:
    steps, branch = parse_selection(SELECTION)
    assert [(s.label, s.n) for s in steps] == [
        ("NPC patients", 1052), ("with another head and neck tumour", 26),
        ("second tumours after radiotherapy", 11)]
    assert [s.n for s in branch] == [5, 4, 2]
    assert selection_problems(steps, branch) == []
    spec = json.dumps(flow_chart(steps, branch).to_dict())
    assert "NPC patients\\nn = 1,052" in spec and "1,026 not selected" in spec


def test_selection_written_as_strings_and_checked() -> None:
    steps, branch = parse_selection(["1,052 NPC patients", "26 with another tumour",
                                     ["5 NEC", "4 sarcoma"]])
    assert [(s.label, s.n) for s in steps] == [("NPC patients", 1052),
                                              ("with another tumour", 26)]
    assert selection_problems(steps, branch) == ["the branches add up to 9, not the 26 of the last step"]
    with pytest.raises(InputError, match="has no label"):
        parse_selection([{"n": 3}])
