"""A plugin for the cluster tests: reads *.slow files (one number each) slowly enough that a
worker can be killed while it works. Workers import it by name (tests/ is on their path)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from rinec_report import Option, Pattern, Section, Table, hookimpl


@hookimpl
def rinec_options():
    return [Option("delay", "float", 0.0, "Seconds each file takes.", min=0)]


@hookimpl
def rinec_patterns():
    return [Pattern("slow", glob="*.slow")]


@hookimpl
def rinec_parse(file, options):
    marker = os.environ.get("RINEC_TEST_STARTED")
    if marker:  # tells the test a task is under way on some worker
        Path(marker).write_text(str(os.getpid()))
    time.sleep(options["delay"])
    return {"sample": Path(file.path).stem, "value": int(Path(file.path).read_text()), "pid": os.getpid()}


@hookimpl
def rinec_datasets(files):
    import pandas as pd

    return {"values": pd.DataFrame([{k: f.data[k] for k in ("sample", "value")} for f in files])}


@hookimpl
def rinec_sections(data):
    return [Section("values", "Values", blocks=[Table("values", data["values"], patient_column=None)])]
