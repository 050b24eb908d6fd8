"""De-identification that denies by default: identifiers of every kind planted in run
directories of 2, 5, 30 and 200 patients, and not one of them in the shared page or its
data folder, whatever the spelling."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest
from deid_helpers import readings
from PIL import Image, PngImagePlugin

import rinec_report
from rinec_report import Pattern, SummaryColumn, hookimpl
from rinec_report.dates_text import scrub_dates
from rinec_report.deidentify import Pseudonyms, is_age_field
from rinec_report.model import Chart, Note
from rinec_report.share import without_pictures

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "example_run"

# Every value below is planted by hand in the run directory; none may reach the shared report.
NAME, MRN, STREET, PHONE, EMAIL, GP = ("John Smith", "MRN4410021", "12 Harbour Street", "+852 2345 6789",
                                       "john.smith@example.org", "Dr Okonkwo")
SEEN_BY = "Nurse Abernathy"
SVG_TEXT = "John Smith MRN4410021 DOB 1961-03-14"
PNG_TEXT = "Patient Jane Quigley MRN4410022"
DATES = ("March 14th 1961", "14.03.61", "3/14/61", "14/03/1961", "1961-03-14", "14th of March, 1961",
         "14-Mar-61", "19610314")
PLANTED = [NAME, "Smith", MRN, "4410021", STREET, "Harbour", PHONE, "2345 6789", EMAIL, GP, "Okonkwo",
           SEEN_BY, "Abernathy", "Quigley", "MRN4410022", "HK-0001234", "hk-0001234", "HK-0001236",
           "hk-0001236", *DATES, "1961-03", "March 14"]


def _patient(i: int) -> str:
    return f"HK-{1234 + i:07d}"


def plant(run_dir: Path, n: int) -> None:
    """A clinical table with the planted columns, a custom table, a custom SVG and PNG."""
    run_dir.mkdir(parents=True)
    rows = ["patient_id,age,sex,age_at_diagnosis,full_name,mrn,street,phone,email,gp,seen_on"]
    for i in range(n):
        # Patient 0 carries the planted values; the others have values of their own kind.
        name, mrn, street, phone, email, gp = ((NAME, MRN, STREET, PHONE, EMAIL, GP) if i == 0 else
                                               (f"Pat Lee{i}", f"MRN{5500000 + i}", f"{i} Hill Road",
                                                f"+852 3000 {1000 + i}", f"p{i}@example.org", "Dr Chan"))
        seen = DATES[i % len(DATES)]
        age_at = 97 if i == 0 else 40 + i % 40
        rows.append(f'{_patient(i)},{50 + i % 30},{"male" if i % 2 else "female"},{age_at},{name},{mrn},'
                    f'"{street}",{phone},{email},{gp},"{seen}"')
    (run_dir / "clinical.csv").write_text("\n".join(rows) + "\n")
    custom = ["# title: Visits", "patient_id\tseen_by\tspecimen\tage_years\tvisits"]
    for i in range(n):
        specimen = {0: "HK-0001234-NEC", 2: "hk-0001236 NEC"}.get(i, f"{_patient(i)}-NPC")
        custom.append(f"{_patient(i)}\t{SEEN_BY if i == 0 else 'Nurse Hale'}\t{specimen}\t"
                      f"{101 if i == 0 else 60 + i % 20}\t{i % 4}")
    (run_dir / "visits_rr.tsv").write_text("\n".join(custom) + "\n")
    (run_dir / "scan_rr.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40">'
        f'<text x="5" y="20">{SVG_TEXT}</text></svg>')
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", PNG_TEXT)
    Image.new("RGB", (8, 8), "white").save(run_dir / "photo_rr.png", pnginfo=info)


def _run(run_dir: Path, out: Path, **kw: object) -> rinec_report.results.Report:
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    try:
        return rinec_report.run(run_dir, outdir=out, force=True, command_line="rinec-report run", **kw)
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]






@pytest.fixture(scope="module", params=[2, 5, 30, 200])
def planted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp(f"planted{request.param}")
    plant(tmp / "run", request.param)
    plain = _run(tmp / "run", tmp / "plain", plugins=("cohort", "custom"))
    shared = _run(tmp / "run", tmp / "shared", plugins=("cohort", "custom"), deidentify=True)
    return request.param, plain, shared


def test_the_identified_report_shows_what_was_planted(planted) -> None:
    # The check below must be able to fail: the same run, not de-identified, has them.
    n, plain, _ = planted
    everything = " ".join(readings(plain).values())
    for value in (NAME, EMAIL, "HK-0001234-NEC", SEEN_BY, SVG_TEXT, PNG_TEXT, *DATES[:n]):
        assert value in everything, value
    page = plain.html_path.read_text(encoding="utf-8")
    assert "data:image/svg+xml" in page and "data:image/png" in page


def test_no_planted_value_reaches_the_shared_page_or_data_folder(planted) -> None:
    _, _, shared = planted
    assert shared.exit_status == 0, [m.line() for m in shared.errors]
    for where, text in readings(shared).items():
        lowered = text.lower()
        found = [v for v in PLANTED if v.lower() in lowered]
        assert not found, f"{where} holds {found}"


def test_pictures_are_removed_and_counted(planted) -> None:
    _, _, shared = planted
    page = shared.html_path.read_text(encoding="utf-8")
    assert "data:image/" not in page
    assert "2 removed" in page  # the SVG and the PNG, in the banner's rules
    pictures = [p for p in shared.data_dir.rglob("*") if p.suffix.lower() in (".png", ".svg", ".jpg", ".webp", ".avif")]
    assert pictures == []


def test_removed_columns_are_named_never_their_values(planted) -> None:
    _, _, shared = planted
    removed = shared.tables["report_removed"]
    cohort = set(removed[removed["plugin"] == "cohort"]["column"])
    assert {"full_name", "mrn", "street", "phone", "email", "gp", "seen_on"} <= cohort
    custom = set(removed[removed["plugin"] == "custom"]["column"])
    assert {"seen_by", "specimen"} <= custom
    # The summary's columns made from seen_by follow their source.
    assert "table-1_seen_by" not in shared.tables["report_summary"].columns
    assert "seen_by" not in shared.tables["custom_table-1"].columns
    assert not {"full_name", "mrn", "email"} & set(shared.tables["cohort_patients"].columns)


def test_age_like_columns_are_capped(planted) -> None:
    _, plain, shared = planted
    patients = shared.tables["cohort_patients"].set_index("patient_id")
    first = "P001"  # HK-0001234, the first in natural order
    assert str(patients.loc[first, "age_at_diagnosis"]) == "90+"
    assert str(shared.tables["custom_table-1"].set_index("patient_id").loc[first, "age_years"]) == "90+"
    # Planted, and seen without the rule.
    assert "97" in set(plain.tables["cohort_patients"]["age_at_diagnosis"].astype(str))
    table1 = shared.tables["cohort_table1"].set_index("characteristic")
    assert not re.search(r"\b(97|101)\b", " ".join(table1["summary"].astype(str)))


def test_kept_columns_come_back_scrubbed(tmp_path: Path) -> None:
    plant(tmp_path / "run", 5)
    config = {"deidentify": {"enabled": True, "keep_columns": ["specimen", "Seen_On"]}}
    shared = _run(tmp_path / "run", tmp_path / "out", config=config, plugins=("cohort", "custom"))
    specimens = list(shared.tables["custom_table-1"]["specimen"])
    # Kept, and the ids inside them replaced whatever their case (hand order: HK-0001234 is P001).
    assert specimens[0] == "P001-NEC" and specimens[2] == "P003 NEC"
    assert list(shared.tables["cohort_patients"]["seen_on"])[:3] == ["1961", "1961", "1961"]
    assert "full_name" not in shared.tables["cohort_patients"].columns


def test_dates_in_every_spelling_become_their_year() -> None:
    today = __import__("datetime").date(2026, 1, 1)
    for spelled in DATES:
        assert scrub_dates(f"seen {spelled}.", today) == "seen 1961.", spelled
    assert scrub_dates("seen on March 14th", today) == "seen on [date]"
    assert scrub_dates("scan_2018-09-20_MRI.png", today) == "scan_2018_MRI.png"


@pytest.mark.parametrize("text", [
    "chr1:2001-2010", "1:6362830-6362840", "v2.10.15", "1.2.10", "0.1.0", "p = 0.00012", "1.2e-05", "1/2",
    "2/3 patients", "c.1961-14A>G", "p.V554D", "NM_000546.6:c.215C>G", "g.7579472G>C", "GRCh38.p13",
    "R-HSA-74160", "T3N2M0", "n = 1,052", "may 12 patients", "4.2.1", "10.0.0.1"])
def test_false_dates_survive(text: str) -> None:
    assert scrub_dates(text) == text


def test_ids_are_replaced_in_any_case_and_inside_longer_tokens() -> None:
    ids = Pseudonyms()
    ids.assign(["HK-0001234", "HK-0001236", "P2", "P10"], ["S-1"])
    assert ids.scrub("HK-0001234-NEC, hk-0001236 NEC") == "P001-NEC, P002 NEC"
    assert ids.scrub("P2 and p10, not P20 nor XP2; S-1.vcf") == "P003 and P004, not P20 nor XP2; S001.vcf"
    assert ids.scrub("HK-0001234NEC") == "P001NEC"  # a digit run ends where the letters begin


def test_scrubbing_stays_linear_with_100000_ids() -> None:
    ids = Pseudonyms()
    raw = [f"HK-{i:07d}" for i in range(100_000)]
    started = time.perf_counter()
    ids.assign(raw, [])
    texts = [f"specimen {r}-NEC seen 2019" for r in raw]
    out = [ids.scrub(t) for t in texts]
    elapsed = time.perf_counter() - started
    assert out[5] == "specimen P000006-NEC seen 2019"
    assert elapsed < 20, elapsed  # measured about 1 s on the team's 2-core machine


def test_age_field_names() -> None:
    for name in ("age", "Age", "age_at_diagnosis", "age_years", "Age (years)", "diagnosis_age", "patient_age_y"):
        assert is_age_field(name), name
    for name in ("stage", "npc_stage", "dosage", "page", "usage_count", "ages_seen"):
        assert not is_age_field(name), name


def test_picture_markup_is_taken_out() -> None:
    markup = ('<p>a</p><img class="x" src="data:image/png;base64,iVBORw0KGgo="><div style="background:'
              'url(data:image/svg+xml;base64,PHN2Zz4=)">b</div>')
    out, count = without_pictures(markup)
    assert count == 2 and "data:image" not in out and "<p>a</p>" in out and ">b</div>" in out


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("deny_example")
    shutil.copytree(EXAMPLE, tmp / "run")
    return _run(tmp / "run", tmp / "plain"), _run(tmp / "run", tmp / "shared", deidentify=True)


def test_the_example_keeps_its_charts_and_tables(example) -> None:
    plain, shared = example

    def charts(report):
        return [(p, s.id) for p, s in report.sections for b in s.blocks if isinstance(b, Chart)]

    assert charts(shared) == charts(plain)  # KM, IHC heat maps, oncoplot, enrichment, network...
    notes = [b.text for _, s in shared.sections for b in s.blocks if isinstance(b, Note)]
    assert not [n for n in notes if "is not shown in this de-identified report" in n]
    table1 = shared.tables["cohort_table1"]
    for row in ("Sex", "Stage", "Histology", "Age (years)", "RT dose (Gy)"):
        assert row in set(table1["characteristic"]), row
    for name, table in plain.tables.items():
        if name in ("report_inputs", "report_plugins", "report_messages"):
            continue
        lost = set(table.columns) - set(shared.tables[name].columns) - set(plain.patient_samples)  # renamed
        # Hand list of what the example loses: free text (notes, captions) and nothing else; the
        # imaging plugin embeds no picture in a de-identified report, so it has no bytes to count.
        assert lost <= {"notes", "caption", "embedded_bytes"}, (name, lost)
    # The removed-for-sharing list names exactly those two free-text columns (hand list).
    removed = shared.tables["report_removed"]
    assert sorted(set(removed["column"])) == ["caption", "notes"], removed


def test_a_run_directory_cannot_keep_a_column(tmp_path: Path) -> None:
    plant(tmp_path / "run", 5)
    (tmp_path / "run" / "rinec_report.yaml").write_text("deidentify:\n  enabled: true\n  keep_columns: [full_name]\n")
    shared = _run(tmp_path / "run", tmp_path / "out", plugins=("cohort", "custom"))
    assert shared.deidentified  # a run directory may make the report more private...
    assert "full_name" not in shared.tables["cohort_patients"].columns  # ...never less
    assert NAME not in shared.html_path.read_text(encoding="utf-8")
    assert any("deidentify.keep_columns" in w.text for w in shared.warnings)


def test_table1_stratified_by_a_shared_column_keeps_its_groups(tmp_path: Path) -> None:
    plant(tmp_path / "run", 5)
    config = {"deidentify": {"enabled": True}, "cohort": {"table1_by": "sex"}}
    shared = _run(tmp_path / "run", tmp_path / "out", config=config, plugins=("cohort",))
    by = shared.tables["cohort_table1_by"]
    # Hand count of plant(): patients 1 and 3 are male, 0, 2 and 4 female.
    assert {"female (n=3)", "male (n=2)", "Overall (n=5)"} <= set(by.columns)
    plain = _run(tmp_path / "run", tmp_path / "plain", config={"cohort": {"table1_by": "sex"}}, plugins=("cohort",))
    names = " ".join(plain.tables["cohort_table1_by"].astype(str).to_numpy().ravel())
    assert "Full name" in names and NAME in names  # the stratified table lists the names unless de-identified
    assert not [c for c in by["characteristic"] if c.startswith(("Full name", "Mrn", "Email"))]
    assert "Age at diagnosis, median [IQR]" in set(by["characteristic"])


class _Scores:
    """A plugin giving the summary a column called score, safe or not as it declares."""

    def __init__(self, name: str, safe: bool) -> None:
        self.name, self.safe = name, safe

    @hookimpl
    def rinec_patterns(self):
        return [Pattern(self.name, glob=f"{self.name}.csv")]

    @hookimpl
    def rinec_parse(self, file):
        import pandas as pd

        return pd.read_csv(file.path, dtype=str)

    @hookimpl
    def rinec_datasets(self, files):
        return {"rows": files[0].data}

    @hookimpl
    def rinec_identifiers(self):
        return {"who": "patient", "score": "measure"} if self.safe else {"who": "patient"}

    @hookimpl
    def rinec_summary_columns(self, data):
        rows = data["rows"]
        return [SummaryColumn("score", "Score", dict(zip(rows["who"], rows["score"], strict=True)))]


def test_two_summary_columns_of_one_name_each_follow_their_own_plugin(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "alpha.csv").write_text("who,score\nK1,7\nK2,8\n")
    (run_dir / "beta.csv").write_text("who,score\nK1,Mrs Ito\nK2,Mr Ode\n")
    plugins = {"alpha": _Scores("alpha", True), "beta": _Scores("beta", False)}
    plain = _run(run_dir, tmp_path / "plain", extra_plugins=plugins, plugins=("alpha", "beta"))
    assert {"score", "beta_score"} <= set(plain.tables["report_summary"].columns)  # beta's comes second
    shared = _run(run_dir, tmp_path / "out", deidentify=True, extra_plugins=plugins, plugins=("alpha", "beta"))
    summary = shared.tables["report_summary"]
    assert "beta_score" not in summary.columns and list(summary["score"].astype(str)) == ["7", "8"]
    assert "Mrs Ito" not in shared.html_path.read_text(encoding="utf-8")
    removed = shared.tables["report_removed"]
    assert ("beta", "beta_score") in set(zip(removed["plugin"], removed["column"], strict=True))
