"""rinec_report.run() from a notebook: the report shows itself (an iframe of its page),
its tables are pandas, ``extra_plugins`` takes what a cell has, and a kernel (whose
``__main__`` has no file) runs a pooled parse to the end.

Expected values: the page file itself (the iframe's srcdoc unescaped by the standard
library's html.unescape must be it, byte for byte) and the run's data folder."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import account_plugin
import pandas as pd
import pytest
from hardening_helpers import HANG_S, make_run

from rinec_report import UsageError, run

BUILTINS = ("cohort", "survival", "ihc", "variants", "enrichment", "imaging", "genomics")


def test_report_shows_its_page_in_an_iframe(tmp_path: Path) -> None:
    report = run(make_run(tmp_path / "run"), outdir=tmp_path / "out", plugins=("cohort",))
    shown = report._repr_html_()
    match = re.fullmatch(r'<iframe srcdoc="([^"]*)"[^>]*></iframe>', shown)
    assert match, shown[:200]
    assert html.unescape(match.group(1)) == report.html_path.read_text(encoding="utf-8")
    assert isinstance(report.tables["cohort_patients"], pd.DataFrame)
    written = pd.read_csv(report.data_dir / "cohort_patients.tsv", sep="\t", dtype=str)
    assert list(report.tables["cohort_patients"]["patient_id"]) == list(written["patient_id"])


def test_extra_plugins_as_a_list_or_a_dict(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path / "run", {"x.acct": "sample\tvalue\nS1\t3\nS2\t4\n"})
    as_list = run(run_dir, outdir=tmp_path / "a", exclude=BUILTINS, extra_plugins=[account_plugin])
    as_dict = run(run_dir, outdir=tmp_path / "b", exclude=BUILTINS, extra_plugins={"account_plugin": account_plugin})
    assert "account_plugin" in {p.name for p in as_list.plugins}
    assert {p.name for p in as_list.plugins} == {p.name for p in as_dict.plugins}


@pytest.mark.parametrize("given", ["account_plugin", 3, [None], {"": account_plugin}])
def test_extra_plugins_of_another_kind_is_one_line_error(tmp_path: Path, given: object) -> None:
    with pytest.raises(UsageError) as caught:
        run(make_run(tmp_path / "run"), outdir=tmp_path / "out", extra_plugins=given)
    assert "extra_plugins" in str(caught.value) and "\n" not in str(caught.value)


CELL = """
import rinec_report
from rinec_report.executor import POOL_MIN_ITEMS
from pathlib import Path
run_dir = Path({run_dir!r})
for i in range(POOL_MIN_ITEMS + 2):
    lane = run_dir / f"lane{{i:02d}}"
    lane.mkdir(parents=True, exist_ok=True)
    (lane / "s.acct").write_text(f"sample\\tvalue\\nS{{i}}\\t{{i}}\\n")
report = rinec_report.run(run_dir, outdir={out!r}, jobs=2, exclude={builtins!r}, extra_plugins=["account_plugin"])
"""


def test_a_kernel_without_main_file_runs_the_pool(tmp_path: Path) -> None:
    """``python -`` reads the cell from stdin: ``__main__`` has no file, as in a kernel."""
    code = ("import sys, account_plugin\n" + CELL.replace('["account_plugin"]', "[account_plugin]")
            + "print('rows', report.tables['report_inputs'].shape[0], 'exit', report.exit_status)\n")
    code = code.format(run_dir=str(tmp_path / "run"), out=str(tmp_path / "out"), builtins=BUILTINS)
    out = subprocess.run([sys.executable, "-"], input=code, capture_output=True, text=True, timeout=HANG_S,
                         cwd=Path(__file__).parent)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("exit 0"), out.stdout
    assert (tmp_path / "out" / "rinec_report.html").is_file()


def test_a_notebook_runs_through_nbclient(tmp_path: Path) -> None:
    import nbclient
    import nbformat

    cell = ("import sys; sys.path.insert(0, " + repr(str(Path(__file__).parent)) + ")\nimport account_plugin\n"
            + CELL.replace('["account_plugin"]', "[account_plugin]").format(
                run_dir=str(tmp_path / "run"), out=str(tmp_path / "out"), builtins=BUILTINS)
            + "report\n")
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])
    nbclient.NotebookClient(book, timeout=HANG_S, kernel_name="python3").execute()
    outputs = book.cells[0].outputs
    shown = [o for o in outputs if o.get("output_type") == "execute_result"]
    assert shown and "text/html" in shown[0]["data"], outputs
    assert shown[0]["data"]["text/html"].startswith("<iframe srcdoc=")
    assert (tmp_path / "out" / "rinec_report.html").is_file()
