"""A run's own imports overlap its parse workers' start (rinec_report/supervise.py):
pandas is no longer imported with the runner, the fork server's imports are
guarded, and the parent imports what it is told beside the workers and once they
have work. Each check runs in a fresh interpreter, whose modules are its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env={**os.environ, **env})


def test_importing_the_runner_imports_no_pandas() -> None:
    done = _python("import sys, rinec_report.runner; print('pandas' in sys.modules, 'numpy' in sys.modules)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


def test_pandas_parser_errors_are_input_failures_once_pandas_is_loaded() -> None:
    done = _python(
        "from rinec_report.failures import input_failures\n"
        "before = len(input_failures())\n"
        "import pandas.errors as e\n"
        "got = input_failures()\n"
        "print(before, e.ParserError in got, e.EmptyDataError in got, OSError in got)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["9", "True", "True", "True"]


def test_the_parent_imports_beside_and_after_its_workers(tmp_path: Path) -> None:
    # colorsys and wave: standard modules nothing here imports on its own.
    done = _python(
        "import sys\n"
        "from rinec_report.supervise import run_supervised\n"
        "assert 'colorsys' not in sys.modules and 'wave' not in sys.modules\n"
        "got = list(run_supervised(abs, [-1, -2, -3], 2, beside=['colorsys'], later=['wave', 'no_such_module_x']))\n"
        "print(got, 'colorsys' in sys.modules, 'wave' in sys.modules)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[1, 2, 3] True True"


def test_a_library_failing_in_the_fork_servers_imports_prints_nothing(tmp_path: Path) -> None:
    """multiprocessing's server catches ImportError only: a SystemError (a C extension
    short of address space) ended it with a traceback on the run's stderr."""
    (tmp_path / "breaks_on_import.py").write_text("raise SystemError('error return without exception set')\n")
    done = _python(
        f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n"
        "import rinec_report.forkserver_preload\n"
        "print('json' in sys.modules, 'colorsys' in sys.modules)",
        RINEC_FORK_SERVER_PRELOAD="json,breaks_on_import,colorsys")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.split() == ["True", "False"]  # stopped at the first failure
