"""The run as a whole: isolation of plugin failures, exit statuses, export, determinism, escaping."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from rinec_report import (
    Chart,
    InputError,
    InputWarning,
    NothingFound,
    Option,
    Pattern,
    Section,
    SummaryColumn,
    Table,
    Text,
    UsageError,
    hookimpl,
    run,
)

ONLY_TEST_PLUGINS = ("cohort", "survival", "ihc", "variants", "enrichment")


class Notes:
    """A plugin object (not a module: it is parsed in-process) reading `*.note` files."""

    @hookimpl
    def rinec_options(self):
        return [Option("shout", "bool", False, "Upper-case the notes.")]

    @hookimpl
    def rinec_patterns(self):
        return [Pattern("note", glob="*.note")]

    @hookimpl
    def rinec_parse(self, file, options):
        text = Path(file.path).read_text()
        if "bad" in text:
            raise InputError("line 1: the word 'bad' is not allowed")
        if "odd" in text:
            warnings.warn("this note looks odd", InputWarning, stacklevel=1)
        return {"patient_id": Path(file.path).stem, "text": text.strip()}

    @hookimpl
    def rinec_datasets(self, files):
        if not files:
            return None
        return {"notes": pd.DataFrame([f.data for f in files])}

    @hookimpl
    def rinec_sections(self, data, options):
        notes = data["notes"]
        if options["shout"]:
            notes = notes.assign(text=notes["text"].str.upper())
        return [Section("list", "Notes", "The notes.", blocks=[Table("notes", notes)])]

    @hookimpl
    def rinec_summary_columns(self, data):
        notes = data["notes"]
        return [SummaryColumn("note", "Note", dict(zip(notes["patient_id"], notes["text"], strict=True)))]

    @hookimpl
    def rinec_patient_samples(self, data):
        notes = data["notes"]
        return {p: [f"S-{p}"] for p in notes["patient_id"]}


class Boom:
    """A plugin that reads the notes plugin's data and then fails."""

    @hookimpl
    def rinec_datasets(self, datasets):
        return {"count": len(datasets.of("notes")["notes"])}

    @hookimpl
    def rinec_sections(self):
        raise RuntimeError("something broke inside the plugin")


def _run(tmp_path: Path, run_dir: Path, **kw):
    kw.setdefault("exclude", ONLY_TEST_PLUGINS + _others())
    return run(run_dir, outdir=tmp_path / "out", force=True, extra_plugins=kw.pop("extra", {"notes": Notes()}), **kw)


def _others() -> tuple[str, ...]:
    from rinec_report.plugins import PluginHost

    return tuple(n for n in PluginHost.load().names if n not in ONLY_TEST_PLUGINS)


@pytest.fixture
def notes_dir(tmp_path: Path) -> Path:
    d = tmp_path / "run"
    d.mkdir()
    (d / "P1.note").write_text("first patient\n")
    (d / "P2.note").write_text("odd one\n")
    (d / "P10.note").write_text("<script>alert('x')</script>\n")
    return d


def test_sections_summary_and_exports(tmp_path: Path, notes_dir: Path) -> None:
    report = _run(tmp_path, notes_dir)
    assert report.exit_status == 0
    titles = [s.title for _, s in report.sections]
    assert titles == ["Patient summary", "Notes", "Run information"]
    data = tmp_path / "out" / "rinec_report_data"
    summary = pd.read_csv(data / "report_summary.tsv", sep="\t")
    assert summary["patient_id"].tolist() == ["P1", "P2", "P10"]  # natural order
    assert summary["samples"].tolist() == ["S-P1", "S-P2", "S-P10"]
    notes = pd.read_csv(data / "notes_notes.tsv", sep="\t")
    assert sorted(notes["text"]) == sorted(["first patient", "odd one", "<script>alert('x')</script>"])
    manifest = json.loads((data / "manifest.json").read_text())
    assert {t["name"] for t in manifest["tables"]} >= {"notes_notes", "report_summary", "report_inputs"}
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert manifest["warnings"] == ["notes: P2.note: this note looks odd"]


def test_input_from_files_is_escaped(tmp_path: Path, notes_dir: Path) -> None:
    _run(tmp_path, notes_dir)
    html = (tmp_path / "out" / "rinec_report.html").read_text()
    assert "<script>alert(" not in html
    assert "\\u003cscript\\u003ealert(" in html  # still there, as inert JSON text


def test_bad_file_is_reported_and_the_rest_goes_on(tmp_path: Path, notes_dir: Path) -> None:
    (notes_dir / "P3.note").write_text("bad words\n")
    report = _run(tmp_path, notes_dir)
    assert report.exit_status == 1
    assert [m.line() for m in report.errors] == ["notes: P3.note: line 1: the word 'bad' is not allowed"]
    html = (tmp_path / "out" / "rinec_report.html").read_text()
    assert "P3.note: line 1: the word" in html
    assert len(pd.read_csv(tmp_path / "out" / "rinec_report_data" / "notes_notes.tsv", sep="\t")) == 3


def test_a_plugin_that_raises_gets_an_error_card_and_exit_1(tmp_path: Path, notes_dir: Path) -> None:
    report = _run(tmp_path, notes_dir, extra={"notes": Notes(), "boom": Boom()})
    assert report.exit_status == 1
    cards = [(p, s.title) for p, s in report.sections]
    assert ("boom", "boom: this section could not be built") in cards
    assert ("notes", "Notes") in cards
    (error,) = report.errors
    assert "RuntimeError: something broke inside the plugin" in error.text
    assert "Traceback" in error.traceback


def test_same_input_same_bytes(tmp_path: Path, notes_dir: Path, fixed_time: str) -> None:
    first = _run(tmp_path / "a", notes_dir)
    second = _run(tmp_path / "b", notes_dir)
    a = first.html_path.read_bytes()
    assert a == second.html_path.read_bytes()
    assert fixed_time.encode() in a


def test_existing_report_needs_force(tmp_path: Path, notes_dir: Path) -> None:
    _run(tmp_path, notes_dir)
    with pytest.raises(UsageError, match="exists; pass force=True"):
        run(notes_dir, outdir=tmp_path / "out", extra_plugins={"notes": Notes()}, exclude=ONLY_TEST_PLUGINS + _others())


def test_nothing_found(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("hello")
    with pytest.raises(NothingFound, match=r"no file in .* matched"):
        _run(tmp_path, tmp_path)


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_data_formats(tmp_path: Path, notes_dir: Path, fmt: str) -> None:
    _run(tmp_path, notes_dir, data_format=fmt)
    path = tmp_path / "out" / "rinec_report_data" / f"notes_notes.{fmt}"
    frame = {"csv": pd.read_csv, "json": pd.read_json, "parquet": pd.read_parquet}[fmt](path)
    assert len(frame) == 3


def test_no_data_dir_and_no_leftover_temporary_files(tmp_path: Path, notes_dir: Path) -> None:
    _run(tmp_path, notes_dir, data_dir=False)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".rinec_report.outputs.json", "rinec_report.html"]


def test_config_file_unknown_keys_and_strict(tmp_path: Path, notes_dir: Path) -> None:
    (notes_dir / "P2.note").write_text("fine\n")
    (notes_dir / "rinec_report.yaml").write_text(
        "title: My <b>cohort</b>\nnotes:\n  shout: true\n  shuot: 1\ncolour: red\n"
    )
    report = _run(tmp_path, notes_dir)
    assert sorted(m.text for m in report.warnings) == [
        "unknown config key 'colour'",
        "unknown config key 'notes.shuot'",
    ]
    assert report.exit_status == 0
    html = report.html_path.read_text()
    assert "<title>My &lt;b&gt;cohort&lt;/b&gt;</title>" in html
    assert "FIRST PATIENT" in html
    assert _run(tmp_path, notes_dir, strict=True).exit_status == 1


def test_cli_exit_statuses(tmp_path: Path, notes_dir: Path) -> None:
    cli = [sys.executable, "-m", "rinec_report.cli"]
    missing = subprocess.run([*cli, str(tmp_path / "nope")], capture_output=True, text=True)
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines()[-1].endswith("is not a folder")
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = subprocess.run([*cli, str(empty), "-o", str(tmp_path / "o")], capture_output=True, text=True)
    assert nothing.returncode == 1
    assert "matched any plugin's patterns" in nothing.stderr
    bad = subprocess.run([*cli, str(empty), "--jobs", "0"], capture_output=True, text=True)
    assert bad.returncode == 2
    unknown = subprocess.run([*cli, str(empty), "-m", "nosuchplugin"], capture_output=True, text=True)
    assert unknown.returncode == 2
    assert "no plugin named nosuchplugin" in unknown.stderr


class BadChart:
    @hookimpl
    def rinec_datasets(self):
        return {"x": 1}

    @hookimpl
    def rinec_sections(self):
        import altair as alt
        import pandas as pd

        broken = alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x=alt.X("a:Q", scale="log"))
        return [Section("charts", "Two charts", blocks=[Chart(broken), Text("still here")])]


def test_an_invalid_chart_becomes_an_error_in_place(tmp_path: Path, notes_dir: Path) -> None:
    report = _run(tmp_path, notes_dir, extra={"notes": Notes(), "bad": BadChart()})
    assert report.exit_status == 1
    (error,) = report.errors
    assert error.plugin == "bad" and "chart in 'Two charts' is invalid" in error.text
    html = report.html_path.read_text()
    assert "This chart could not be drawn" in html and "still here" in html


def test_page_tables_keep_small_p_values_and_missing_values() -> None:
    from rinec_report.render import _rows

    frame = pd.DataFrame({"p": [1.97e-13, None], "n": pd.array([3, None], dtype="Int64"), "s": ["a", None]})
    assert _rows(frame) == [[1.97e-13, 3, "a"], [None, None, None]]
