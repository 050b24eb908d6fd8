"""A patient subset (--patients, --exclude-patients) is a true subset: nothing of a
patient left out is anywhere in the page or the data folder, and every count covers
the subset. Expected values are hand counts of the fixture in subset_helpers.py."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hardening_helpers import assert_one_line_errors, cli
from subset_helpers import KEPT, LEFT_OUT, PATIENTS, PLANTED, SAMPLE, leaks, traces, write_run
from variants_helpers import csq, write_vcf

import rinec_report


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_run(tmp_path_factory.mktemp("subset") / "run")


@pytest.fixture(scope="module")
def subset_out(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture's report without QZ02 and QZ05, through the command line (whose words
    the page shows)."""
    out = tmp_path_factory.mktemp("subset_out")
    result = cli(run_dir, "-o", out, "--force", "--exclude-patients", ",".join(LEFT_OUT))
    assert result.returncode == 0, result.stderr
    return out


def _table(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / "rinec_report_data" / f"{name}.tsv", sep="\t", dtype=str, keep_default_na=False)


def test_the_full_report_holds_every_planted_trace(run_dir: Path, tmp_path: Path) -> None:
    """The control: without a subset, each planted value is in the report, so the test
    below can find one that a subset failed to take out."""
    result = cli(run_dir, "-o", tmp_path, "--force")
    assert result.returncode == 0, result.stderr
    found = {w for words in leaks(tmp_path, traces()).values() for w in words}
    assert found == set(traces())


def test_nothing_of_a_left_out_patient_is_in_the_page_or_the_data_folder(subset_out: Path) -> None:
    assert leaks(subset_out, traces()) == {}


def test_the_kept_patients_are_all_there(subset_out: Path) -> None:
    found = {w for words in leaks(subset_out, [*KEPT, *(SAMPLE[p] for p in KEPT)]).values() for w in words}
    assert found == {*KEPT, *(SAMPLE[p] for p in KEPT)}


def test_table1_and_the_summary_count_the_subset(subset_out: Path) -> None:
    page = (subset_out / "rinec_report.html").read_text()
    assert "All (n=4)" in page and "All (n=6)" not in page  # hand count: 6 patients, 2 left out
    assert list(_table(subset_out, "report_summary")["patient_id"]) == KEPT
    assert list(_table(subset_out, "cohort_patients")["patient_id"]) == KEPT
    assert "This report covers 4 of 6 patients" in page


def test_the_numbers_at_risk_start_at_the_subset_s_size(subset_out: Path) -> None:
    risk = _table(subset_out, "survival_at_risk")
    # The whole cohort's curve ("all"; the genomics plugin's KRAS_status groups split it 1 + 3).
    risk = risk[risk["group"] == "all"]
    at_zero = risk[(risk["endpoint"] == "os") & (risk["time"].astype(float) == 0)]
    assert at_zero["at_risk"].astype(int).tolist() == [4]
    # By hand, the kept OS: 12 (died), 24 (alive), 5 (died), 18 (died): three events.
    assert risk[risk["endpoint"] == "os"]["events"].astype(int).max() == 3


def test_the_mutation_counts_are_the_subset_s(subset_out: Path) -> None:
    samples = _table(subset_out, "variants_samples")
    assert sorted(samples["sample"]) == sorted(SAMPLE[p] for p in KEPT)
    genes = _table(subset_out, "variants_genes").set_index("gene")
    # TP53: SMQ01T and SMQ03T in the VCF, SMQ04T and SMQ06T in the MAF; KRAS: SMQ01T.
    assert genes.loc["TP53", "samples_mutated"] == "4"
    assert genes.loc["KRAS", "samples_mutated"] == "1"
    assert set(genes.index) == {"TP53", "KRAS"}


def test_the_images_ihc_and_custom_rows_are_the_subset_s(subset_out: Path) -> None:
    assert list(_table(subset_out, "imaging_images")["patient_id"]) == ["QZ01"]
    assert sorted(set(_table(subset_out, "ihc_scores")["patient_id"])) == KEPT
    assert sorted(_table(subset_out, "custom_scores")["patient_id"]) == KEPT


def test_the_run_information_counts_the_files_left_out_without_naming_them(subset_out: Path) -> None:
    manifest = json.loads((subset_out / "rinec_report_data" / "manifest.json").read_text())
    # QZ05_calls.maf and the three pictures of QZ02 and QZ05 hold nobody else.
    assert manifest["subset"]["inputs_excluded"] == 4
    assert manifest["subset"]["patients"] == 4 and manifest["subset"]["of"] == 6
    names = {row["file"] for row in manifest["inputs"]}
    assert "cohort.vcf" in names and "QZ05_calls.maf" not in names
    page = (subset_out / "rinec_report.html").read_text()
    assert "4 excluded by the patient subset" in page
    assert "--exclude-patients &lt;2 ids&gt;" in page  # the command line, its ids counted


def test_a_multi_sample_vcf_keeps_only_the_subset_s_sample_columns(subset_out: Path) -> None:
    files = _table(subset_out, "variants_files")
    assert files["file"].tolist().count("cohort.vcf") == 1
    mutations = _table(subset_out, "variants_mutations")
    assert set(mutations["sample"]) == {SAMPLE[p] for p in KEPT}


def test_include_then_exclude(run_dir: Path, tmp_path: Path) -> None:
    report = rinec_report.run(run_dir, outdir=tmp_path, force=True, include_patients=("QZ01", "QZ02", "QZ03"),
                              exclude_patients=("QZ02",))
    assert list(report.tables["report_summary"]["patient_id"]) == ["QZ01", "QZ03"]
    assert report.subset["text"] == "2 of 6 patients"
    risk = report.tables["survival_at_risk"]
    assert int(risk[(risk["endpoint"] == "os") & (risk["time"] == 0)]["at_risk"].iloc[0]) == 2


@pytest.mark.parametrize("asked, named", [
    (["--patients", "QZ01,NOPE1,NOPE2"], "2 patient ids of the subset are not in the run: NOPE1, NOPE2"),
    (["--exclude-patients", ",".join(f"NOPE{i}" for i in range(8))],
     "8 patient ids of the subset are not in the run: NOPE0, NOPE1, NOPE2, NOPE3, NOPE4 ..."),
    (["--exclude-patients", ",".join(PATIENTS)], "the patient subset leaves no patient in the report"),
])
def test_an_unknown_id_is_one_line_and_exit_2(run_dir: Path, tmp_path: Path, asked: list[str], named: str) -> None:
    result = cli(run_dir, "-o", tmp_path, "--force", *asked)
    assert result.returncode == 2
    assert_one_line_errors(result)
    lines = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(lines) == 1 and named in lines[0], result.stderr
    assert not (tmp_path / "rinec_report.html").exists()


def test_a_run_without_a_list_of_patients_cannot_be_cut(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    write_vcf(run / "one.vcf", [("17", 7675088, "C", "T", "PASS", "CSQ=" + csq("T", "missense_variant", "TP53"))],
              samples=("S1",))
    result = cli(run, "-o", tmp_path / "out", "--force", "--patients", "S1")
    assert result.returncode == 2
    assert_one_line_errors(result)
    assert "a patient subset needs the run's list of patients" in result.stderr


def test_a_single_id_given_to_the_python_api_is_one_id(run_dir: Path, tmp_path: Path) -> None:
    report = rinec_report.run(run_dir, outdir=tmp_path, force=True, include_patients="QZ03")
    assert list(report.tables["report_summary"]["patient_id"]) == ["QZ03"]


def test_ids_from_a_file(run_dir: Path, tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("# the pilot's patients\nQZ03\n\nQZ04\n")
    result = cli(run_dir, "-o", tmp_path / "out", "--force", "--patients", f"@{ids}")
    assert result.returncode == 0, result.stderr
    assert list(_table(tmp_path / "out", "report_summary")["patient_id"]) == ["QZ03", "QZ04"]
    # The user's own file may be a link; one in the shared run directory is read as its files are.
    (tmp_path / "link.txt").symlink_to(ids)
    linked = cli(run_dir, "-o", tmp_path / "out", "--force", "--patients", f"@{tmp_path / 'link.txt'}")
    assert linked.returncode == 0, linked.stderr
    run = write_run(tmp_path / "run")
    (run / "ids_link.txt").symlink_to(ids)
    refused = cli(run, "-o", tmp_path / "out", "--force", "--patients", f"@{run / 'ids_link.txt'}")
    assert refused.returncode == 2 and "ids_link.txt: cannot read the list of patient ids" in refused.stderr
    missing = cli(run_dir, "-o", tmp_path / "out", "--force", "--patients", f"@{tmp_path / 'none.txt'}")
    assert missing.returncode == 2 and "none.txt: cannot read the list of patient ids" in missing.stderr
    assert_one_line_errors(missing)


def test_the_run_directory_s_config_cannot_choose_a_subset(run_dir: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    write_run(run)
    (run / "rinec_report.yaml").write_text("exclude_patients: [QZ01]\ninclude_patients: [QZ02]\n")
    report = rinec_report.run(run, outdir=tmp_path / "out", force=True)
    assert list(report.tables["report_summary"]["patient_id"]) == PATIENTS
    assert report.subset is None
    ignored = [m.line() for m in report.warnings if "ignored" in m.line()]
    assert any("'exclude_patients' ignored" in line for line in ignored)
    assert any("'include_patients' ignored" in line for line in ignored)


def test_the_user_s_config_chooses_a_subset(run_dir: Path, tmp_path: Path) -> None:
    user = tmp_path / "user.yaml"
    user.write_text("exclude_patients: [QZ02, QZ05]\n")
    result = cli(run_dir, "-o", tmp_path / "out", "--force", env={"RINEC_REPORT_USER_CONFIG": str(user)})
    assert result.returncode == 0, result.stderr
    assert list(_table(tmp_path / "out", "report_summary")["patient_id"]) == KEPT
    assert leaks(tmp_path / "out", traces()) == {}


def test_a_de_identified_subset_numbers_the_subset_only(run_dir: Path, tmp_path: Path) -> None:
    result = cli(run_dir, "-o", tmp_path, "--force", "--exclude-patients", ",".join(LEFT_OUT), "--deidentify")
    assert result.returncode == 0, result.stderr
    key = pd.read_csv(tmp_path / "rinec_report.identity-map.DO-NOT-SHARE.tsv", sep="\t", dtype=str)
    patients = key[key["kind"] == "patient"]
    assert sorted(patients["original"]) == KEPT
    # Four patients, numbered 1 to 4: no gap and no P005 or P006 tells that two were left out.
    assert sorted(patients["pseudonym"]) == ["P001", "P002", "P003", "P004"]
    page = (tmp_path / "rinec_report.html").read_text()
    assert "4 patients, a subset of the run" in page and "of 6 patients" not in page
    map_name = "rinec_report.identity-map.DO-NOT-SHARE.tsv"
    assert leaks(tmp_path, [*traces(), *KEPT]).keys() <= {map_name}


def test_a_plugin_that_cannot_be_cut_is_left_out(run_dir: Path, tmp_path: Path) -> None:
    """A plugin whose parsed data are not tables and that has no rinec_subset hook
    shows nothing in a subset report (its data cannot be shown without everyone)."""
    from rinec_report import Pattern, Section, Text, hookimpl

    class Opaque:
        @hookimpl
        def rinec_patterns(self) -> list[Pattern]:
            return [Pattern("any", glob=("survival.tsv",))]

        @hookimpl
        def rinec_parse(self, file: object) -> dict[str, str]:
            return {"everyone": ", ".join(PLANTED["survival"].values())}

        @hookimpl
        def rinec_datasets(self, files: list) -> dict | None:
            return {"text": files[0].data["everyone"]} if files else None

        @hookimpl
        def rinec_sections(self, data: dict) -> list[Section]:
            return [Section("all", "Everyone", blocks=[Text(data["text"])])]

    report = rinec_report.run(run_dir, outdir=tmp_path, force=True, exclude_patients=tuple(LEFT_OUT),
                              extra_plugins={"opaque": Opaque()})
    assert not any(section.id == "all" for _, section in report.sections)
    assert any(m.plugin == "opaque" and "cannot be cut to the patient subset" in m.text for m in report.warnings)
    assert leaks(tmp_path, traces()) == {}


def test_the_third_party_table_is_cut_by_the_core(subset_out: Path) -> None:
    """tests/third_party_plugin parses coverage.tsv into a table with a sample column and
    knows nothing of subsets: the core cuts it."""
    path = subset_out / "rinec_report_data" / "coverage_samples.tsv"
    if not path.exists():
        pytest.skip("the third-party plugin of tests/third_party_plugin is not installed")
    assert sorted(_table(subset_out, "coverage_samples")["sample"]) == sorted(SAMPLE[p] for p in KEPT)


def test_a_plugin_whose_cut_fails_is_left_out(run_dir: Path, tmp_path: Path) -> None:
    import pandas as pd

    from rinec_report import Pattern, Section, Table, hookimpl

    class Broken:
        @hookimpl
        def rinec_patterns(self) -> list[Pattern]:
            return [Pattern("any", glob=("survival.tsv",))]

        @hookimpl
        def rinec_parse(self, file: object) -> object:
            return pd.read_csv(file.path, sep="\t", dtype=str)

        @hookimpl
        def rinec_subset(self, files: list) -> list:
            raise RuntimeError("cannot cut")

        @hookimpl
        def rinec_datasets(self, files: list) -> dict | None:
            return {"table": files[0].data} if files else None

        @hookimpl
        def rinec_sections(self, data: dict) -> list[Section]:
            return [Section("all", "Everyone", blocks=[Table("all", data["table"])])]

    report = rinec_report.run(run_dir, outdir=tmp_path, force=True, exclude_patients=tuple(LEFT_OUT),
                              extra_plugins={"broken": Broken()})
    assert "broken_all" not in report.tables
    assert report.exit_status == 1
    assert any(m.plugin == "broken" and "rinec_subset failed" in m.text and "cannot cut" in m.text
               for m in report.errors)
    assert leaks(tmp_path, traces()) == {}
