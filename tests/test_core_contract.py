"""The plugin contract: load-time checks, typed options, private data, the patient resolver."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from rinec_report import Option, Patients, Pattern, Section, Table, UsageError, hookimpl, run
from rinec_report.plugins import PluginHost, PluginLoadError

REPO = Path(__file__).resolve().parents[1]
BUILTINS = ("cohort", "survival", "ihc", "variants", "enrichment")


class Misspelled:
    @hookimpl
    def rinec_section(self, data):  # the hook is rinec_sections
        return []


def test_a_misspelled_hook_is_a_load_error_naming_plugin_and_hook() -> None:
    with pytest.raises(PluginLoadError, match=r"plugin oops implements an unknown hook rinec_section "
                                              r"\(did you mean rinec_sections\?\)"):
        PluginHost.load(extra={"oops": Misspelled()})


def test_the_python_api_turns_it_into_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    with pytest.raises(UsageError, match="unknown hook rinec_section"):
        run(tmp_path / "run", outdir=tmp_path / "out", extra_plugins={"oops": Misspelled()})


class Counter:
    """Reads *.count files (one number each); keeps a private total beside its public table."""

    @hookimpl
    def rinec_options(self):
        return [Option("limit", "int", 10, "Flag counts above this.", cli="--count-limit", min=0),
                Option("label", "str", "Counts", "Section title.")]

    @hookimpl
    def rinec_patterns(self):
        return [Pattern("count", glob="*.count")]

    @hookimpl
    def rinec_parse(self, file):
        return {"sample": Path(file.path).stem, "n": int(Path(file.path).read_text())}

    @hookimpl
    def rinec_datasets(self, files, patients):
        frame = pd.DataFrame([f.data for f in files])
        frame["patient_id"] = frame["sample"].map(patients.patient_of)
        return {"counts": frame, "_total": int(frame["n"].sum())}

    @hookimpl
    def rinec_sections(self, data, datasets, options):
        seen_by_others = datasets.of("counter")
        assert "_total" not in seen_by_others and "counts" in seen_by_others
        over = data["counts"].assign(over=lambda d: d["n"] > options["limit"])
        return [Section("counts", f"{options['label']} (total {data['_total']})", blocks=[Table("counts", over)])]


def _counts_run(tmp_path: Path, files: dict[str, str]) -> Path:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    for name, text in files.items():
        (run_dir / name).write_text(text)
    return run_dir


def test_private_data_reaches_its_plugin_only_and_options_arrive_typed(tmp_path: Path) -> None:
    run_dir = _counts_run(tmp_path, {"S1.count": "12", "S2.count": "3"})
    report = run(run_dir, outdir=tmp_path / "out", exclude=BUILTINS, extra_plugins={"counter": Counter()},
                 config={"counter": {"limit": "5"}, "samples": {"S1": "P1", "S2": "P2"}})
    assert report.exit_status == 0, [m.line() for m in report.errors]
    titles = [s.title for _, s in report.sections]
    assert "Counts (total 15)" in titles
    table = report.tables["counter_counts"]
    # "5" from the config became the number 5: 12 is over it, 3 is not.
    assert table.set_index("sample")["over"].to_dict() == {"S1": True, "S2": False}
    assert table.set_index("sample")["patient_id"].to_dict() == {"S1": "P1", "S2": "P2"}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"counter": {"limit": "many"}}, "counter.limit: 'many' is not a whole number"),
        ({"counter": {"limit": -1}}, "counter.limit: -1 is below the minimum 0"),
        ({"ignore": 5}, "ignore: 5 is not a list of text values"),
        ({"samples": ["S1"]}, "samples: .* is not a mapping of text to text"),
    ],
)
def test_a_wrong_typed_config_value_is_a_usage_error_naming_the_key(tmp_path: Path, config: dict,
                                                                     message: str) -> None:
    run_dir = _counts_run(tmp_path, {"S1.count": "1"})
    with pytest.raises(UsageError, match=message):
        run(run_dir, outdir=tmp_path / "out", exclude=BUILTINS, extra_plugins={"counter": Counter()}, config=config)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rinec_report.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_wrong_typed_options_exit_2_naming_the_key_from_the_config_and_the_command_line(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "ihc_scores.csv").write_text("patient_id,specimen,marker,intensity,percent\nP1,NEC,CD56,2,60\n")
    (run_dir / "rinec_report.yaml").write_text("variants:\n  top_genes: many\n")
    out = _cli(str(run_dir), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert out.returncode == 2
    assert "variants.top_genes: 'many' is not a whole number" in out.stderr
    (run_dir / "rinec_report.yaml").unlink()
    # online is the user's to set (a -c file outside the run directory); a string is not a switch
    (tmp_path / "mine.yaml").write_text("enrichment:\n  online: 'no'\n")
    out = _cli(str(run_dir), "-o", str(tmp_path / "out"), "-c", str(tmp_path / "mine.yaml"), cwd=tmp_path)
    assert out.returncode == 2 and "enrichment.online: 'no' is not true or false" in out.stderr
    out = _cli(str(run_dir), "-o", str(tmp_path / "out"), "--top-genes", "many", cwd=tmp_path)
    assert out.returncode == 2
    assert "'--top-genes'" in out.stderr and "variants.top_genes: 'many' is not a whole number" in out.stderr


def test_section_order_is_data(tmp_path: Path) -> None:
    run_dir = _counts_run(tmp_path, {"S1.count": "1"})
    default = run(run_dir, outdir=tmp_path / "a", exclude=BUILTINS, extra_plugins={"counter": Counter()})
    assert [f"{p}-{s.id}" for p, s in default.sections] == ["report-summary", "counter-counts", "report-run"]
    moved = run(run_dir, outdir=tmp_path / "b", exclude=BUILTINS, extra_plugins={"counter": Counter()},
                config={"section_order": ["report-run", "*"]})
    assert [f"{p}-{s.id}" for p, s in moved.sections] == ["report-run", "report-summary", "counter-counts"]


# ------------------------------------------------------------------ the resolver


def test_resolver_sources_in_order() -> None:
    declared = [{"pt-1": ["S1", "S1b"], "P2": []}]
    patients = Patients({"pt-1": "P1"}, {"S1": "PX", "S9": "pt-1"}, lambda: declared)
    # Hand-worked: the config's samples: win over the table; pt-1 is renamed P1 everywhere.
    assert patients.patient_of("S1") == "PX"
    assert patients.patient_of("S1b") == "P1"
    assert patients.patient_of("S9") == "P1"
    assert patients.patient_of("P2") == "P2"  # a sample named like a known patient
    assert patients.patient_of("S3") is None  # unmatched: not an invented patient
    assert patients.unmatched == ["S3"]
    assert patients.ids == ["P1", "P2", "PX"]
    assert patients.samples_of("pt-1") == ["S1b", "S9"]


def test_without_any_patient_list_a_sample_stands_for_itself() -> None:
    patients = Patients({}, {})
    assert [patients.patient_of(s) for s in ("S1", "S2")] == ["S1", "S2"]
    assert patients.unmatched == []


def test_declarations_are_asked_once_and_lazily() -> None:
    calls = []
    patients = Patients({}, {}, lambda: calls.append(1) or [{"P1": ["S1"]}])
    assert patients.canonical("P1") == "P1" and calls == []
    patients.patient_of("S1"), patients.patient_of("S2"), patients.ids
    assert calls == [1]


class Roster:
    """An identity source: roster.txt lists 'patient sample' pairs."""

    @hookimpl
    def rinec_patterns(self):
        return [Pattern("roster", glob="roster.txt")]

    @hookimpl
    def rinec_parse(self, file):
        return [line.split() for line in Path(file.path).read_text().splitlines() if line.strip()]

    @hookimpl
    def rinec_datasets(self, files):
        return {"pairs": [pair for f in files for pair in f.data]}

    @hookimpl
    def rinec_patient_samples(self, data):
        return {patient: [sample] for patient, sample in data["pairs"]}


def test_an_unmatched_sample_is_listed_not_invented(tmp_path: Path) -> None:
    run_dir = _counts_run(tmp_path, {"S1.count": "1", "S7.count": "2", "roster.txt": "P1 S1\nP2 S2\n"})
    report = run(run_dir, outdir=tmp_path / "out", exclude=BUILTINS,
                 extra_plugins={"counter": Counter(), "roster": Roster()})
    assert report.unmatched_samples == ["S7"]
    assert any("S7" in m.text and m.level == "warning" for m in report.messages)
    summary = report.tables["report_summary"]
    assert list(summary["patient_id"]) == ["P1", "P2"]  # S7 is not made a patient
    assert list(summary["samples"]) == ["S1", "S2"]
    assert report.tables["counter_counts"].set_index("sample")["patient_id"].to_dict() == {"S1": "P1", "S7": None}


# ------------------------------------------------------------------ built-in plugins keep the contract


@pytest.mark.parametrize("plugin", BUILTINS)
def test_builtin_plugins_neither_read_their_own_name_nor_resolve_identity(plugin: str) -> None:
    sources = "\n".join(p.read_text() for p in (REPO / "plugins" / plugin).glob("*.py"))
    assert not re.search(rf"datasets\.(of|get)\(\s*[\"']{plugin}[\"']", sources)
    assert not re.search(r"config(\.get\(|\[)\s*[\"'](patients|samples)[\"']", sources)
    assert "options.get(" not in sources
