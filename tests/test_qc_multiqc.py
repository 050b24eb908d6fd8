"""The qc plugin on MultiQC's own output, in every layout its versions write.

The MultiQC inputs are tests/data/multiqc/tool_outputs (bcftools stats, samtools stats,
fastp, mosdepth for S1 and S2). MultiQC 1.14's and 1.21's data folders for them are
vendored (tests/data/multiqc/<version>/, PROVENANCE.md), 1.25's (rows as JSON strings,
headers without ids), and 1.29's parquet (named
BETA-multiqc.parquet) with its text tables; the installed MultiQC (a test dependency, 1.35:
multiqc.parquet) is run here on the same inputs.

Expected values are MultiQC's own, read by this test with the csv and json modules:
multiqc_general_stats.txt value for value (which holds the values as MultiQC's table shows
them from 1.25 on; before, the raw ones, which its JSON headers' numeric ``modify`` scales),
the module tables multiqc_<module>.txt, and the headers' titles. The samples' patients are
the clinical table's.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hardening_helpers import HANG_S

from rinec_report import run

DATA = Path(__file__).parent / "data" / "multiqc"
CLINICAL = "patient_id,sample_id,age\nP1,S1,60\nP2,S2,50\nP3,S3,40\n"
OLD_PREFIX = "_mqc-generalstats-"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The installed MultiQC's data folder for tool_outputs/."""
    multiqc = Path(sys.executable).parent / "multiqc"
    if not multiqc.exists() and shutil.which("multiqc") is None:
        pytest.fail("multiqc is a test dependency (pip install 'rinec-report[test]')")
    out = tmp_path_factory.mktemp("mqc") / "qc"
    done = subprocess.run([str(multiqc) if multiqc.exists() else "multiqc", "-q", "-f", str(DATA / "tool_outputs"),
                           "-o", str(out)], capture_output=True, text=True, timeout=HANG_S)
    assert done.returncode == 0, done.stderr
    return out / "multiqc_data"


def data_folder(version: str, installed: Path) -> Path:
    return installed if version == "installed" else DATA / version / "multiqc_data"


def run_dir(tmp: Path, folder: Path, only: tuple[str, ...] = ()) -> Path:
    """A run directory: the clinical table and a copy of MultiQC's data folder (``only``: those files)."""
    root = tmp / "run"
    (root / "qc" / "multiqc_data").mkdir(parents=True)
    (root / "clinical.csv").write_text(CLINICAL)
    for path in folder.iterdir():
        if path.is_file() and (not only or path.name in only):
            shutil.copy(path, root / "qc" / "multiqc_data" / path.name)
    return root


def report(root: Path, out: Path, yaml: str = "") -> object:
    (root / "rinec_report.yaml").write_text(yaml)
    return run(root, outdir=out, force=True, plugins=("cohort", "qc"))


def tsv(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="") as fh:
        return {row["Sample"]: row for row in csv.DictReader(fh, delimiter="\t")}


def their_general_stats(folder: Path) -> dict[str, dict[str, float]]:
    """MultiQC's general statistics as its table shows them: {sample: {column id: value}}."""
    modify: dict[str, Any] = {}
    if (folder / "multiqc_data.json").exists():  # vendored 1.29 has its parquet only
        headers = json.loads((folder / "multiqc_data.json").read_text())["report_general_stats_headers"]
        heads = [h for table in (headers if isinstance(headers, list) else headers.values()) for h in table.values()]
        modify = {h.get("rid"): h.get("modify") for h in heads}
    out: dict[str, dict[str, float]] = {}
    for sample, row in tsv(folder / "multiqc_general_stats.txt").items():
        for column, text in row.items():
            if column == "Sample" or text == "":
                continue
            # < 1.25: "Namespace_mqc-generalstats-<id>", raw values, a numeric modify in the header.
            rid = "mqc-generalstats-" + column.split(OLD_PREFIX, 1)[1] if OLD_PREFIX in column else column
            cid = column.split(OLD_PREFIX, 1)[1] if OLD_PREFIX in column else column
            factor = modify.get(rid)
            value = float(text) * (factor if isinstance(factor, (int, float)) else 1)
            out.setdefault(sample, {})[cid] = value
    return out


@pytest.mark.parametrize("version", ["1.14", "1.21", "1.25", "1.29", "installed"])
def test_values_equal_multiqc_general_stats(version: str, installed: Path, tmp_path: Path) -> None:
    folder = data_folder(version, installed)
    got = report(run_dir(tmp_path, folder), tmp_path / "out")
    ours = got.tables["qc_samples"].set_index("sample")
    theirs = their_general_stats(folder)
    assert set(ours.index) == set(theirs) == {"S1", "S2"}
    assert len(theirs["S1"]) >= 13
    for sample, row in theirs.items():
        for cid, value in row.items():
            assert ours.loc[sample, cid] == pytest.approx(value, rel=1e-12), (version, sample, cid)
    assert dict(ours["patient_id"]) == {"S1": "P1", "S2": "P2"}
    # multiqc_software_versions.txt (1.21 on) starts with "Sample" too, but names tools.
    assert "qc_module_software_versions_values" not in got.tables
    assert not [m.text for m in got.messages if "no patient" in m.text]


def test_parquet_alone_gives_the_same_values(installed: Path, tmp_path: Path) -> None:
    assert (installed / "multiqc.parquet").exists()  # MultiQC >= 1.29 writes it (1.29 as BETA-multiqc.parquet)
    got = report(run_dir(tmp_path, installed, only=("multiqc.parquet",)), tmp_path / "out")
    ours = got.tables["qc_samples"].set_index("sample")
    for sample, row in their_general_stats(installed).items():
        for cid, value in row.items():
            assert ours.loc[sample, cid] == pytest.approx(value, rel=1e-12), (sample, cid)


@pytest.mark.parametrize("version", ["1.14", "1.21", "1.25", "1.29", "installed"])
def test_module_tables_are_read_and_scaled_like_the_general_table(version: str, installed: Path,
                                                                  tmp_path: Path) -> None:
    folder = data_folder(version, installed)
    got = report(run_dir(tmp_path, folder), tmp_path / "out")
    general = their_general_stats(folder)
    for module in ("samtools_stats", "bcftools_stats"):
        ours = got.tables[f"qc_module_{module}_values"].set_index("sample")
        theirs = tsv(folder / f"multiqc_{module}.txt")
        assert set(ours.index) == set(theirs)
        for sample, row in theirs.items():
            for column, text in row.items():
                if column == "Sample" or text == "":
                    continue
                want = float(text)
                # A column the general table also shows is on its scale (reads in millions).
                same = [v for cid, v in general[sample].items() if cid.split("-", 1)[1] == column
                        and cid.split("-", 1)[0] in (module, module.split("_")[0])]
                if same and want != 0:
                    want = same[0]
                assert ours.loc[sample, column] == pytest.approx(want, rel=1e-12), (version, module, sample, column)
    assert got.tables["qc_module_samtools_stats_values"].set_index("sample").loc["S2", "patient_id"] == "P2"


def test_page_uses_multiqc_titles_and_formats(installed: Path, tmp_path: Path) -> None:
    got = report(run_dir(tmp_path, installed), tmp_path / "out", "qc:\n  min_mean_coverage: 100\n")
    page = got.html_path.read_text()
    doc = json.loads((installed / "multiqc_data.json").read_text())
    samtools = doc["report_general_stats_headers"]["samtools"]
    # MultiQC's title, with its suffix as the unit: "Reads mapped" + " M".
    assert f'{samtools["reads_mapped"]["title"]} (M)' in page
    summary = got.tables["report_summary"].set_index("patient_id")
    # mosdepth's format is MultiQC's default "{:,.1f}" and suffix "X": 152.37 -> "152.4X".
    assert summary.loc["P1", "qc_mosdepth_mean_coverage"] == "152.4X"
    headers = got.tables["qc_columns"].set_index("column")
    assert headers.loc["samtools_stats-error_rate", "scale"] == samtools["error_rate"]["scale"]
    assert headers.loc["samtools_stats-error_rate", "format"] == samtools["error_rate"]["format"]


def test_thresholds_flag_failing_samples_and_unknown_patients(installed: Path, tmp_path: Path) -> None:
    yaml = "qc:\n  min_mean_coverage: 100\n  max_values:\n    pct_duplication: 20\n"
    got = report(run_dir(tmp_path, installed), tmp_path / "out", yaml)
    summary = got.tables["report_summary"].set_index("patient_id")
    # By hand from tool_outputs: S1 mean 152.37 (>= 100), duplication 12.34 (<= 20);
    # S2 mean 84.6 and duplication 23.45 fail both; P3 has no MultiQC sample.
    assert summary.loc["P1", "qc"] == "pass"
    assert summary.loc["P2", "qc"].startswith("fail") and "84.6 < 100" in summary.loc["P2", "qc"]
    assert "23.45 > 20" in summary.loc["P2", "qc"]
    assert summary.loc["P3", "qc"].startswith("unknown")
    samples = got.tables["qc_samples"].set_index("sample")
    assert dict(samples["qc"]) == {"S1": "pass", "S2": "fail"}


def test_a_threshold_on_a_missing_metric_is_unknown_and_a_bad_limit_is_one_warning(installed: Path,
                                                                                   tmp_path: Path) -> None:
    yaml = "qc:\n  min_values:\n    no_such_metric: 1\n    reads_mapped_percent: lots\n"
    got = report(run_dir(tmp_path, installed), tmp_path / "out", yaml)
    samples = got.tables["qc_samples"].set_index("sample")
    assert set(samples["qc"]) == {"unknown"}
    warned = [m.text for m in got.messages if "reads_mapped_percent" in m.text]
    assert len(warned) == 1 and "not a number" in warned[0]


def test_without_thresholds_there_is_no_verdict(installed: Path, tmp_path: Path) -> None:
    got = report(run_dir(tmp_path, installed), tmp_path / "out")
    assert "qc" not in got.tables["report_summary"].columns
    assert "qc" not in got.tables["qc_samples"].columns


def test_bad_json_is_one_message_and_the_rest_renders(tmp_path: Path) -> None:
    root = tmp_path / "run"
    (root / "multiqc_data").mkdir(parents=True)
    (root / "clinical.csv").write_text(CLINICAL)
    (root / "multiqc_data" / "multiqc_data.json").write_text('{"report_general_stats_data": [1, 2')
    got = run(root, outdir=tmp_path / "out", force=True, plugins=("cohort", "qc"))
    errors = [m for m in got.messages if m.level == "error"]
    assert len(errors) == 1 and "MultiQC" in errors[0].text and "\n" not in errors[0].text
    assert "cohort_patients" in got.tables


def test_a_broken_parquet_is_one_message(installed: Path, tmp_path: Path) -> None:
    root = run_dir(tmp_path, installed, only=("multiqc_samtools_stats.txt",))
    (root / "qc" / "multiqc_data" / "multiqc.parquet").write_bytes(b"PAR1 not really")
    got = run(root, outdir=tmp_path / "out", force=True, plugins=("cohort", "qc"))
    errors = [m for m in got.messages if m.level == "error"]
    assert len(errors) == 1 and "parquet" in errors[0].text and "\n" not in errors[0].text
    assert "qc_module_samtools_stats_values" in got.tables


def test_deidentified_report_keeps_the_numbers_and_drops_the_command_line(tmp_path: Path) -> None:
    root = run_dir(tmp_path, DATA / "1.21" / "multiqc_data")
    (root / "rinec_report.yaml").write_text("qc:\n  min_mean_coverage: 100\n")
    got = run(root, outdir=tmp_path / "out", force=True, plugins=("cohort", "qc"), deidentify=True)
    samples = got.tables["qc_samples"]
    assert "S1" not in set(samples["sample"]) and "P1" not in set(samples["patient_id"])
    # MultiQC 1.21's general statistics (raw 152.37, modify null) and the verdicts stay.
    assert sorted(samples["mosdepth-mean_coverage"]) == [84.6, 152.37]
    assert sorted(samples["qc"]) == ["fail", "pass"]
    fastp = got.tables["qc_module_fastp_values"]
    assert "command" not in fastp.columns  # "fastp -i S1.fastq.gz ...": names the sample's files
    assert "S1.fastq" not in got.html_path.read_text()
    from rinec_report import Chart

    section = next(s for p, s in got.sections if p == "qc")
    assert any(isinstance(b, Chart) for b in section.blocks)  # the heat map is shared, by pseudonym


def test_the_general_stats_text_table_alone_is_read_as_written(tmp_path: Path) -> None:
    folder = DATA / "1.21" / "multiqc_data"
    got = report(run_dir(tmp_path, folder, only=("multiqc_general_stats.txt",)), tmp_path / "out")
    ours = got.tables["qc_samples"].set_index("sample")
    # Without MultiQC's headers there is no scale to apply: the text table's own values.
    for sample, row in tsv(folder / "multiqc_general_stats.txt").items():
        for column, text in row.items():
            if column != "Sample" and text != "":
                assert ours.loc[sample, column.split(OLD_PREFIX, 1)[1]] == pytest.approx(float(text)), column


def test_a_module_table_row_without_a_sample_costs_only_itself(tmp_path: Path) -> None:
    root = tmp_path / "run"
    (root / "multiqc_data").mkdir(parents=True)
    (root / "clinical.csv").write_text(CLINICAL)
    text = (DATA / "1.21" / "multiqc_data" / "multiqc_samtools_stats.txt").read_text().splitlines()
    (root / "multiqc_data" / "multiqc_samtools_stats.txt").write_text("\n".join([*text, "\t1\t2", ""]))
    got = run(root, outdir=tmp_path / "out", force=True, plugins=("cohort", "qc"))
    table = got.tables["qc_module_samtools_stats_values"]
    assert sorted(table["sample"]) == ["S1", "S2"]
    account = got.tables["report_account"].set_index("file").loc["multiqc_data/multiqc_samtools_stats.txt"]
    assert (account["read"], account["used"], account["dropped"]) == (3, 2, 1)


def test_the_chart_colours_each_column_by_multiqc_scale(tmp_path: Path) -> None:
    from rinec_report import Chart

    folder = DATA / "1.21" / "multiqc_data"
    got = report(run_dir(tmp_path, folder), tmp_path / "out")
    section = next(s for p, s in got.sections if p == "qc")
    spec = next(b.spec for b in section.blocks if isinstance(b, Chart))
    headers = json.loads((folder / "multiqc_data.json").read_text())["report_general_stats_headers"]
    error_rate = next(t for t in headers if "error_rate" in t)["error_rate"]
    assert error_rate["scale"] == "OrRd"  # MultiQC's; Vega names ColorBrewer's OrRd "orangered"
    layers = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rect"
              if layer["encoding"]["color"]["scale"]["scheme"]["name"] == "orangered"]
    assert len(layers) == 1
    values = layers[0]["data"]["values"] if "values" in layers[0].get("data", {}) else \
        spec["datasets"][layers[0]["data"]["name"]]
    rows = {(v["s"], v["c"]): v for v in values}
    # Error rates 0.42% and 0.61% (tool_outputs, x100 by MultiQC) on MultiQC's 0..100 range.
    assert rows[("S1", "Error rate (%)")]["n"] == pytest.approx(0.0042)
    assert rows[("S2", "Error rate (%)")]["t"] == "0.61%"


def test_the_plugin_page_holds_the_option_table_generated_from_the_declaration() -> None:
    import importlib

    from rinec_report import hookdocs

    page = (Path(__file__).parent.parent / "docs" / "plugins" / "qc.md").read_text()
    table = hookdocs.option_table(importlib.import_module("rinec_plugins.qc"))
    # Regenerate with `python -m rinec_report.hookdocs --options`.
    assert f"{hookdocs.OPTIONS_BEGIN}\n{table}\n{hookdocs.OPTIONS_END}" in page


def multiqc_as(data_format: str, tmp: Path) -> Path:
    """The installed MultiQC's data folder written with ``-k <data_format>``."""
    multiqc = Path(sys.executable).parent / "multiqc"
    out = tmp / f"mqc_{data_format}"
    done = subprocess.run([str(multiqc) if multiqc.exists() else "multiqc", "-q", "-f", "-k", data_format,
                           str(DATA / "tool_outputs"), "-o", str(out)], capture_output=True, text=True, timeout=HANG_S)
    assert done.returncode == 0, done.stderr
    return out / "multiqc_data"


def their_table(path: Path) -> dict[str, dict[str, Any]]:
    """A MultiQC table read with the csv or yaml module: {sample: {column: value}}."""
    import yaml

    if path.suffix == ".yaml":
        return yaml.safe_load(path.read_text())
    with path.open(newline="") as fh:
        return {row.pop("Sample"): row for row in csv.DictReader(fh)}


@pytest.mark.parametrize("data_format", ["csv", "yaml"])
def test_multiqc_csv_and_yaml_data_formats_alone(data_format: str, tmp_path: Path) -> None:
    folder = multiqc_as(data_format, tmp_path)
    files = tuple(p.name for p in folder.glob(f"multiqc_*.{data_format}"))
    got = report(run_dir(tmp_path, folder, only=files), tmp_path / "out")
    ours = got.tables["qc_samples"].set_index("sample")
    for sample, row in their_table(folder / f"multiqc_general_stats.{data_format}").items():
        for cid, value in row.items():
            assert ours.loc[sample, cid] == pytest.approx(float(value), rel=1e-12), (data_format, sample, cid)
    module = got.tables["qc_module_samtools_stats_values"].set_index("sample")
    for sample, row in their_table(folder / f"multiqc_samtools_stats.{data_format}").items():
        for column, value in row.items():
            assert module.loc[sample, column] == pytest.approx(float(value), rel=1e-12), (data_format, column)
    if data_format == "csv":
        # MultiQC writes fastp's nested values into its CSV with their commas unquoted: each such
        # row is one stated drop, not a shifted row.
        account = got.tables["report_account"].set_index("file").loc["qc/multiqc_data/multiqc_fastp.csv"]
        assert (account["read"], account["used"], account["dropped"]) == (2, 0, 2)
        assert "more cells than the header" in account["dropped_by_reason"]


def test_module_tables_from_the_json_alone(tmp_path: Path) -> None:
    """With -k json MultiQC writes the module tables only into multiqc_data.json."""
    folder = multiqc_as("json", tmp_path)
    assert not list(folder.glob("multiqc_samtools_stats.*"))
    got = report(run_dir(tmp_path, folder, only=("multiqc_data.json",)), tmp_path / "out")
    saved = json.loads((folder / "multiqc_data.json").read_text())["report_saved_raw_data"]
    module = got.tables["qc_module_samtools_stats_values"].set_index("sample")
    general = got.tables["qc_samples"].set_index("sample")
    for sample, row in saved["multiqc_samtools_stats"].items():
        assert module.loc[sample, "insert_size_average"] == pytest.approx(row["insert_size_average"])
        # On the general table's scale: MultiQC's own general-statistics value (in millions).
        assert module.loc[sample, "reads_mapped"] == pytest.approx(
            saved["multiqc_general_stats"][sample]["samtools_stats-reads_mapped"])
        assert general.loc[sample, "samtools_stats-reads_mapped"] == pytest.approx(row["reads_mapped"] / 1e6)
    fastp = got.tables["qc_module_fastp_values"].set_index("sample")
    assert fastp.loc["S2", "summary.after_filtering.total_reads"] == saved["multiqc_fastp"]["S2"]["summary"][
        "after_filtering"]["total_reads"]


def test_a_patient_subset_cuts_every_multiqc_table(tmp_path: Path) -> None:
    root = run_dir(tmp_path, DATA / "1.21" / "multiqc_data")
    (root / "rinec_report.yaml").write_text("qc:\n  min_mean_coverage: 100\n")
    got = run(root, outdir=tmp_path / "out", force=True, plugins=("cohort", "qc"), include_patients=["P1"])
    assert set(got.tables["qc_samples"]["sample"]) == {"S1"}
    for name in ("qc_module_samtools_stats_values", "qc_module_bcftools_stats_values", "qc_module_fastp_values"):
        assert set(got.tables[name]["sample"]) == {"S1"}, name
    folder = tmp_path / "out" / "rinec_report_data"
    assert not [p.name for p in folder.iterdir() if p.is_file() and "S2" in p.read_text(errors="replace")]


def test_a_multiqc_config_file_is_no_table(installed: Path, tmp_path: Path) -> None:
    root = run_dir(tmp_path, installed)
    (root / "multiqc_config.yaml").write_text("title: My run\nsample_names_replace:\n  S1: Patient one\n")
    got = report(root, tmp_path / "out")
    assert not [name for name in got.tables if name.startswith("qc_module_config")]
    assert not [m.text for m in got.messages if m.level != "info" and "title" in m.text]
