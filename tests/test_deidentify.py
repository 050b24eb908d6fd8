"""De-identified reports: what is replaced, what is kept, and the audit that checks it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from deid_helpers import make_cohort

import rinec_report
from rinec_report import Html, Pattern, Section, Table, hookimpl
from rinec_report.audit import date_spellings, identifiers, search
from rinec_report.deidentify import Pseudonyms, scrub_dates

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "example_run"


def _run(run_dir: Path, out: Path, **kw: object) -> rinec_report.results.Report:
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    try:
        return rinec_report.run(run_dir, outdir=out, force=True, command_line="rinec-report run", **kw)
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, rinec_report.results.Report,
                                                                 rinec_report.results.Report]:
    tmp = tmp_path_factory.mktemp("deid_example")
    run_dir = tmp / "run"
    shutil.copytree(EXAMPLE, run_dir)
    plain = _run(run_dir, tmp / "plain")
    shared = _run(run_dir, tmp / "shared", deidentify=True)
    return run_dir, plain, shared


def test_the_audit_finds_the_example_identifiers_in_the_identified_report(example) -> None:
    run_dir, plain, _ = example
    found = identifiers(run_dir)
    # Hand count of example_run/clinical.xlsx: five patients, four sequenced samples.
    assert found["patient"] == {"P1", "P2", "P3", "P4", "P5"}
    assert found["sample"] == {"20S3087569", "19S0735242", "20S6942679", "20S6942573"}
    assert "2018-09-20" in found["date"] and "20/09/2018" in found["date"]
    kinds = {h.kind for h in search(plain.html_path, found)}
    assert {"patient", "sample", "date", "text", "file", "path"} <= kinds


def test_the_deidentified_example_passes_the_audit(example) -> None:
    run_dir, _, shared = example
    assert shared.exit_status == 0, [m.line() for m in shared.errors]
    assert search(shared.html_path, identifiers(run_dir)) == []


def test_results_are_those_of_the_identified_report(example) -> None:
    _, plain, shared = example
    for name in ("survival_medians", "survival_tests", "variants_genes", "enrichment_terms", "ihc_panel"):
        a, b = plain.tables[name].drop(columns=["patient_id"], errors="ignore"), shared.tables[name]
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.drop(columns=["patient_id"], errors="ignore")
                                      .reset_index(drop=True), check_dtype=False)
    t1_plain, t1_shared = plain.tables["cohort_table1"], shared.tables["cohort_table1"]
    kept = t1_plain[t1_plain["characteristic"] != "Notes"]  # free text is not shared
    assert list(kept["summary"]) == list(t1_shared["summary"])  # Table 1 counts and statistics
    mutations = ["gene", "chrom", "pos", "ref", "alt", "variant_classification", "hgvsp_short"]
    pd.testing.assert_frame_equal(plain.tables["variants_mutations"][mutations],
                                  shared.tables["variants_mutations"][mutations], check_dtype=False)


def test_pseudonyms_banner_map_and_run_information(example) -> None:
    _, _, shared = example
    assert next(f"{p}-{s.id}" for p, s in shared.sections) == "report-deidentified"
    summary = shared.tables["report_summary"]
    assert list(summary["patient_id"]) == ["P001", "P002", "P003", "P004", "P005"]
    identity = pd.read_csv(shared.html_path.with_name("rinec_report.identity-map.DO-NOT-SHARE.tsv"), sep="\t")
    assert dict(zip(identity["original"], identity["pseudonym"], strict=True))["P3"] == "P003"
    assert not any("identity" in p.name for p in shared.data_dir.iterdir())
    inputs = shared.tables["report_inputs"]
    assert all(f.startswith("input-") for f in inputs["file"])
    html = shared.html_path.read_text()
    assert "rinec-report run" not in html and str(shared.html_path.parent) not in html
    manifest = (shared.data_dir / "manifest.json").read_text()
    assert '"deidentified": {' in manifest and '"run_dir": null' in manifest


def test_dates_become_days_from_each_patients_first_event(example) -> None:
    _, plain, shared = example
    before = plain.tables["cohort_patients"].set_index("patient_id")
    after = shared.tables["cohort_patients"].set_index("patient_id")
    # P1: NPC in 2008 (year only: the first event, day 0, approximate), NEC on 2018-09-20.
    assert before.loc["P1", "nec_diagnosis_date"] == "2018-09-20"
    assert after.loc["P001", "npc_diagnosis_date"] == "~day 0"
    days = (pd.Timestamp("2018-09-20") - pd.Timestamp("2008-01-01")).days  # 3915, by hand too
    assert after.loc["P001", "nec_diagnosis_date"] == f"day {days}"
    assert "notes" in before.columns and "notes" not in after.columns  # free text dropped
    assert list(after["latency_years"]) == list(before["latency_years"])  # intervals unchanged


def test_small_cells_can_be_suppressed_in_table1(tmp_path: Path) -> None:
    config = {"deidentify": {"enabled": True, "suppress_small_cells": True}}
    report = _run(EXAMPLE, tmp_path / "out", config=config, plugins=("cohort",))
    table1 = report.tables["cohort_table1"].set_index("characteristic")
    # Hand count of clinical.xlsx: four NPC stages of one patient each and one without details;
    # histology 3 / 1 / 1; all five male (sex is never suppressed).
    assert table1.loc["Stage", "summary"] == "T2N0M0 <3, T3N0M0 <3, T3N1M0 <3, T3N2M0 <3; yes, no details 1"
    assert table1.loc["Sex", "summary"] == "male 5"
    assert list(table1.columns) == ["group", "summary"]  # no column per patient beside suppressed cells
    # Ages above the cap leave Table 1's patient columns too: P1 is 59, so a cap of 58 shows 59+.
    capped = _run(EXAMPLE, tmp_path / "capped", plugins=("cohort",),
                  config={"deidentify": {"enabled": True, "age_cap": 58}})
    ages = capped.tables["cohort_table1"].set_index("characteristic").loc["Age (years)"]
    assert (ages["P001"], ages["P005"]) == ("59+", "49")


def test_year_rule_keep_text_and_keyed_codes(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(EXAMPLE, run_dir)
    key = tmp_path / "site.key"
    key.write_bytes(b"a long and random secret shared by the study sites")
    config = {"deidentify": {"enabled": True, "dates": "year", "keep_text": ["notes"], "key_file": str(key)}}
    one = _run(run_dir, tmp_path / "one", config=config, plugins=("cohort",))
    two = _run(run_dir, tmp_path / "two", config=config, plugins=("cohort",))
    patients = one.tables["cohort_patients"]
    assert patients.loc[0, "nec_diagnosis_date"] == "2018"
    assert patients.loc[0, "notes"] == "progression at the upper bound (MRI 2019)"  # kept, its date a year
    codes = list(patients["patient_id"])
    assert codes == list(two.tables["cohort_patients"]["patient_id"])  # same key, same codes
    assert all(c.startswith("P-") and len(c) == 12 for c in codes)
    key.write_bytes(b"another long random secret of another study")
    other = _run(run_dir, tmp_path / "three", config=config, plugins=("cohort",))
    assert set(other.tables["cohort_patients"]["patient_id"]).isdisjoint(codes)


class Visits:
    """A third-party plugin that declares its own identifier fields."""

    @hookimpl
    def rinec_patterns(self):
        return [Pattern("visits", glob="visits.csv")]

    @hookimpl
    def rinec_parse(self, file):
        return pd.read_csv(file.path, dtype=str)

    @hookimpl
    def rinec_datasets(self, files):
        return {"visits": pd.concat([f.data for f in files])}

    @hookimpl
    def rinec_identifiers(self):
        return {"who": "patient", "seen_on": "date", "doctor_says": "text"}

    @hookimpl
    def rinec_sections(self, data):
        return [Section("visits", "Visits", blocks=[Table("visits", data["visits"], patient_column="who")])]


def test_a_third_party_plugin_declares_its_fields(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "visits.csv").write_text("who,seen_on,doctor_says,ward\nK77,2020-03-04,call Mrs Ito,B\n"
                                        "K12,2020-03-09,fine,A\n")
    report = _run(run_dir, tmp_path / "out", deidentify=True, extra_plugins={"visits": Visits()},
                  exclude=("cohort", "survival", "ihc", "variants", "enrichment"))
    visits = report.tables["visits_visits"]
    # ward is declared by no one: denied by default, and named in the banner's table.
    assert list(visits.columns) == ["who", "seen_on"]
    removed = report.tables["report_removed"]
    assert {"ward", "doctor_says"} <= set(removed[removed["plugin"] == "visits"]["column"])
    assert list(visits["who"]) == ["P002", "P001"]  # natural order of K12, K77
    assert list(visits["seen_on"]) == ["day 0", "day 0"]
    assert "Mrs Ito" not in report.html_path.read_text()


def test_age_cap_and_a_generated_cohort_of_500_pass_the_audit(tmp_path: Path) -> None:
    written = make_cohort(tmp_path / "run", n=500)
    plain = _run(tmp_path / "run", tmp_path / "plain")
    shared = _run(tmp_path / "run", tmp_path / "shared", deidentify=True)
    assert shared.exit_status == plain.exit_status
    found = identifiers(tmp_path / "run")
    assert len(found["patient"]) == 500 and set(written["samples"]) <= found["sample"]
    assert len(plain.tables["imaging_images"]) == 8  # the generated pictures are in the identified report
    assert search(plain.html_path, found), "the audit must see the identified report's identifiers"
    assert search(shared.html_path, found) == []
    patients = shared.tables["cohort_patients"]
    assert "96+" not in set(patients["age"].astype(str)) and "90+" in set(patients["age"].astype(str))
    pd.testing.assert_frame_equal(plain.tables["survival_medians"], shared.tables["survival_medians"])
    t1 = plain.tables["cohort_table1"]
    kept = t1[t1["characteristic"] != "Notes"].set_index("characteristic")["summary"]
    t1_shared = shared.tables["cohort_table1"].set_index("characteristic")["summary"]
    # The one age above the cap (95, planted) leaves Table 1's range too: the cap plus one.
    dash = "\N{EN DASH}"
    assert kept["Age (years)"].endswith(f"range 30{dash}95)")
    assert t1_shared["Age (years)"].endswith(f"range 30{dash}90+)")  # capped: 95 is shown as 90+
    assert list(kept.drop("Age (years)")) == list(t1_shared.drop("Age (years)"))


def test_date_spellings_and_scrubbing() -> None:
    # Hand-written: the spellings a clinician or a program uses for 20 September 2018.
    spelled = date_spellings("2018-09-20")
    assert {"2018-09-20", "20/09/2018", "09/20/2018", "2018/09/20", "20.09.2018", "20180920",
            "20 September 2018", "Sep 20, 2018"} <= spelled
    assert date_spellings("2018") == set()
    assert scrub_dates("MRI 2019-05, seen 20/09/2018 and on Sep 2018") == "MRI 2019, seen 2018 and on 2018"
    ids = Pseudonyms()
    ids.assign(["P10", "P2"], ["S-1"])
    assert ids.scrub("P2 and P10, not P20; S-1.vcf") == "P001 and P002, not P20; S001.vcf"


def test_the_audit_command_exits_1_on_hits(example, tmp_path: Path) -> None:
    run_dir, plain, shared = example
    cmd = [sys.executable, "-m", "rinec_report.cli", "audit"]
    bad = subprocess.run([*cmd, str(plain.html_path), "--run-dir", str(run_dir), "-v"], capture_output=True,
                         text=True)
    good = subprocess.run([*cmd, str(shared.html_path), "--run-dir", str(run_dir)], capture_output=True, text=True)
    assert bad.returncode == 1 and "sample id: '20S3087569'" in bad.stdout
    assert good.returncode == 0 and good.stdout == ""


def test_a_link_followed_out_of_the_run_is_not_named_when_deidentified(tmp_path: Path) -> None:
    outside = tmp_path / "hospital_share" / "dr_smith_ward_7"
    outside.mkdir(parents=True)
    shutil.copy(EXAMPLE / "clinical.xlsx", outside / "clinical.xlsx")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "clinical.xlsx").symlink_to(outside / "clinical.xlsx")
    config = {"allow_links_outside": True}
    plain = _run(run_dir, tmp_path / "plain", config=config, plugins=("cohort",))
    shared = _run(run_dir, tmp_path / "shared", config=config, plugins=("cohort",), deidentify=True)
    assert "dr_smith_ward_7" in plain.html_path.read_text()
    assert "followed a link out of the run directory" in shared.html_path.read_text()
    assert "dr_smith_ward_7" not in shared.html_path.read_text()
    assert not any(b"dr_smith_ward_7" in p.read_bytes() for p in (tmp_path / "shared").rglob("*")
               if p.is_file() and "DO-NOT-SHARE" not in p.name)


class Figure(Visits):
    """Visits, with a figure embedded as a data URI whose base64 happens to spell an id."""

    PICTURE = "data:image/png;base64,iVBORw0K+K77/AAAA2020/03/04+K12/Q=="

    @hookimpl
    def rinec_sections(self, data):
        figure = Html(f'<figure><img src="{self.PICTURE}" alt="K77"><figcaption>K77 on 2020-03-04</figcaption>'
                      "</figure>")
        return [*super().rinec_sections(data), Section("figure", "Figure", blocks=[figure])]


def test_embedded_pictures_in_markup_are_removed(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "visits.csv").write_text("who,seen_on,doctor_says,ward\nK77,2020-03-04,fine,B\nK12,2020-03-09,fine,A\n")
    report = _run(run_dir, tmp_path / "out", deidentify=True, extra_plugins={"visits": Figure()},
                  exclude=("cohort", "survival", "ihc", "variants", "enrichment"))
    page = report.html_path.read_text()
    # Text burned into pixels cannot be found: a de-identified report carries no picture.
    assert "data:image" not in page and "iVBORw0K" not in page
    assert "<figcaption>P002 on 2020</figcaption>" in page
    assert "1 embedded picture(s) removed" in page
    # The audit reads what the report says, not the bytes of its pictures.
    assert search(report.html_path, {"patient": {"K77", "K12"}, "date": {"2020-03-04"}}) == []


def test_an_identified_report_over_a_deidentified_one_says_its_map_is_still_there(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(EXAMPLE, run_dir)
    out = tmp_path / "out"
    shared = _run(run_dir, out, deidentify=True)
    identity_map = shared.html_path.with_name("rinec_report.identity-map.DO-NOT-SHARE.tsv")
    kept = identity_map.read_bytes()
    plain = _run(run_dir, out)
    assert identity_map.read_bytes() == kept  # not deleted: it may be the only key to the shared page
    said = [m for m in plain.messages if m.file == identity_map.name]
    assert [m.level for m in said] == ["warning"]
    assert "identity map of an earlier de-identified report" in said[0].text
    assert identity_map.name in plain.html_path.read_text(encoding="utf-8")
    again = _run(run_dir, out, deidentify=True)  # a de-identified rerun replaces its own map
    assert not [m for m in again.messages if m.file == identity_map.name]
