"""A plugin for the worker tests: reads *.val files (one number each), and dies the way a
broken C reader does on some of them, chosen by name: ``crash*`` a segmentation fault,
``kill*`` SIGKILL (as the out-of-memory killer sends), ``hang*`` a read that never ends,
``worker*`` kills the process that started the reader (a Dask worker killed for memory).
Child processes import it by name (tests/ is on their path)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from rinec_report import Pattern, Section, Table, hookimpl


@hookimpl
def rinec_patterns():
    return [Pattern("val", glob="*.val")]


@hookimpl
def rinec_parse(file, options):
    name = Path(file.path).name
    if name.startswith("crash"):
        os.kill(os.getpid(), signal.SIGSEGV)
    if name.startswith("kill"):
        os.kill(os.getpid(), signal.SIGKILL)
    if name.startswith("hang"):
        while True:
            time.sleep(1)
    if name.startswith("worker"):
        os.kill(os.getppid(), signal.SIGKILL)
        time.sleep(60)
    return {"sample": Path(file.path).stem, "value": int(Path(file.path).read_text())}


@hookimpl
def rinec_datasets(files):
    import pandas as pd

    return {"values": pd.DataFrame([f.data for f in files], columns=["sample", "value"])}


@hookimpl
def rinec_sections(data):
    return [Section("values", "Values", blocks=[Table("values", data["values"], patient_column=None)])]
