"""Differential check of the table readers: the parse of every table fixture (and of
generated awkward tables) by two checkouts of the code, compared frame by frame.

  python benchmarks/diff_parse.py dump OUT.pkl [EXTRA_TABLE...]   # from a checkout's root
  python benchmarks/diff_parse.py compare A.pkl B.pkl

``dump`` parses each file with the cohort, survival and IHC plugins (their default
options), recording the result, the exception (type and text), the warnings (text and
order) and the account stated; ``compare`` fails on the first difference, dtypes included.
Used to keep a speed change from changing a result: run ``dump`` in the old and the new
checkout (each with its own plugin path) and ``compare``.
"""

from __future__ import annotations

import dataclasses
import importlib
import pickle
import random
import sys
import tempfile
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

PLUGINS = ("cohort", "survival", "ihc")
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".gz")

# Cells that stress the readers: missing codes, dates in every written form, numbers with
# units, stray spaces, odd characters.
TOKENS = [
    "", " ", "NA", "n/a", "-", ".", "*", "(*)", "yes *", "[Not Available]", "unknown", "Unknown ", "N/A",
    "not applicable", "not done", "nd", "59", " 61", "6,5", "70 Gy", "1e3", "1e308", "35F", "MRN4410021",
    "2019-05-03", "2019-05", "2008", "03/05/2019", "13/05/2019", "05/13/2019", "5.3.2019", "Sep 2018",
    "20 September 2018", "Sep 20, 2018", "43000", "2019-02-30", "1700-01-01", "Dead", "Alive", "1:DECEASED",
    "0:LIVING", "censored", "1", "0", "2", "M", "F", "male", "female", "III", "IIIA", "T2N0M0", "CD56", "SYN",
    "Ki-67", "p40", "CK5/6", "3/80", "2 x 40%", "weak", "strong", "+", "++", "+++", "neg", "80%", "45",
    "adenocarcinoma", "small cell carcinoma", "squamous", "LCNEC", "carcinoid", "x\u2028y", "caf\u00e9", "#7",
]
HEADERS = {
    "cohort": ["patient_id", "age", "sex", "stage", "histology", "diagnosis_date", "last_followup", "death_date",
               "status", "smoking", "os_months", "note"],
    "survival": ["patient_id", "os_time", "os_status", "pfs_months", "pfs_status", "group", "time_unit"],
    "ihc_long": ["patient_id", "specimen", "specimen_type", "marker", "intensity", "percent", "score"],
    "ihc_wide": ["patient_id", "specimen", "CD56", "SYN", "CgA", "Ki-67", "comment"],
}


def generated(folder: Path, count: int = 150) -> list[Path]:
    """Small awkward tables, the same every time (seeded)."""
    rnd = random.Random(20261207)
    out = []
    for n in range(count):
        kind = rnd.choice(list(HEADERS))
        header = HEADERS[kind][:]
        rnd.shuffle(header[1:])
        delim = rnd.choice([",", "\t", ";"])
        suffix = {",": ".csv", "\t": ".tsv", ";": ".csv"}[delim]
        eol = rnd.choice(["\n", "\r\n", "\r"])
        lines = []
        if rnd.random() < 0.2:
            lines.append("#" + delim.join(header))
        lines.append(delim.join(h if rnd.random() > 0.1 else f" {h} " for h in header))
        odd = rnd.choice([0.0, 0.02, 0.1, 0.3])  # the share of awkward cells
        for r in range(rnd.randint(1, 40)):
            if rnd.random() < 0.05:
                lines.append("")
                continue
            if rnd.random() < 0.03:
                lines.append("# a note")
                continue
            cells = [f"P{r}" if rnd.random() > 0.01 else f"P{rnd.randint(1, 15)}"]
            for h in header[1:]:
                if kind == "ihc_long" and h == "marker":
                    cells.append(rnd.choice(["CD56", "SYN", "CgA", "Ki-67", "p40", "TTF-1"]))
                elif kind.startswith("ihc") and h == "specimen":
                    cells.append(rnd.choice(["S1", "S2", "biopsy", "resection"]))
                else:
                    # A status column with an odd code is left out whole: rarer there.
                    share = odd / 6 if "status" in h else odd
                    cells.append(rnd.choice(TOKENS) if rnd.random() < share else _column_value(rnd, h))
            if rnd.random() < 0.05:
                cells.append("extra")
            if rnd.random() < 0.05:
                cells = cells[: rnd.randint(1, len(cells))]
            quoted = rnd.random() < 0.3
            if quoted:
                cells = [f'"{c}"' if rnd.random() < 0.3 else c for c in cells]
            lines.append(delim.join(cells))
        text = eol.join(lines) + (eol if rnd.random() < 0.8 else "")
        path = folder / f"gen{n:03d}_{kind}{suffix}"
        path.write_text(text, encoding="utf-8")
        out.append(path)
    return out


def _column_value(rnd: random.Random, header: str) -> str:
    if "date" in header or "followup" in header:
        return rnd.choice(["2019-05-03", "2020-01-15", "2018-11", "13/05/2019", "2021-07-30", "2017"])
    if header == "time_unit":
        return rnd.choice(["months", "days", "years"])
    if header in ("age", "os_time", "os_months", "pfs_months", "intensity", "percent", "score"):
        return str(rnd.choice([0, 1, 2, 3, 12, 45, 59.5, 80, 100]))
    if "status" in header:
        return rnd.choice(["0", "1", "Dead", "Alive"])
    if header == "sex":
        return rnd.choice(["M", "F", "male", "Female"])
    if header == "stage":
        return rnd.choice(["I", "II", "IIIA", "IV", "3"])
    if header == "histology":
        return rnd.choice(["adenocarcinoma", "small cell carcinoma", "LCNEC", "carcinoid", "squamous"])
    if header in ("CD56", "SYN", "CgA", "Ki-67"):
        return rnd.choice(["3/80", "2 40", "1;10", "0", "neg", "+", "80%"])
    return rnd.choice(["a", "b", "c"])


def _files(extra: list[str]) -> list[Path]:
    found = [p for top in ("tests/data", "example_run") for p in sorted(Path(top).rglob("*"))
             if p.is_file() and p.name.lower().endswith(SUFFIXES)]
    return found + [Path(p) for p in extra]


def _options(module: Any) -> dict[str, Any]:
    return {o.name: o.default for o in module.rinec_options()}


def _plain(value: Any) -> Any:
    """A result in a form that pickles the same whatever the code that made it."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return ("dataclass", type(value).__name__, {f.name: _plain(getattr(value, f.name))
                                                    for f in dataclasses.fields(value)})
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_plain(v) for v in value)
    return value


def dump(out: str, extra: list[str]) -> None:
    sys.path.insert(0, str(Path.cwd()))  # the checkout it is run from, not the installed one
    from rinec_report import account

    print("reading with", account.__file__, importlib.import_module("rinec_plugins").__path__)

    records = {}
    with tempfile.TemporaryDirectory() as tmp:
        files = _files(extra) + generated(Path(tmp))
        for path in files:
            # The big tables go to their own plugin only.
            plugins = [p for p in PLUGINS if p in path.name] if path.stat().st_size > 1_000_000 else PLUGINS
            if path.stat().st_size > 1_000_000 and not plugins:
                plugins = ["cohort"] if "clinical" in path.name else []
            for plugin in plugins:
                module = importlib.import_module(f"rinec_plugins.{plugin}")
                key = f"{plugin}:{path.name if path.parent == Path(tmp) else path}"
                with warnings.catch_warnings(record=True) as caught, account.recording(key) as ledger:
                    warnings.simplefilter("always")
                    try:
                        result = ("ok", _plain(module.rinec_parse(file=SimpleNamespace(path=str(path)),
                                                                  options=_options(module))))
                    except Exception as err:  # the error is part of the result
                        result = ("error", type(err).__name__, str(err))
                records[key] = {
                    "result": result,
                    "warnings": [(w.category.__name__, str(w.message)) for w in caught],
                    "account": _plain(ledger.files),
                }
    Path(out).write_bytes(pickle.dumps(records))
    print(f"{len(records)} parses dumped to {out}")


def same(a: Any, b: Any, where: str) -> None:
    import numpy as np
    import pandas as pd
    from pandas.testing import assert_frame_equal, assert_index_equal, assert_series_equal

    if type(a) is not type(b):
        raise AssertionError(f"{where}: {type(a).__name__} != {type(b).__name__}")
    if isinstance(a, pd.DataFrame):
        assert_frame_equal(a, b, check_exact=True, check_flags=True, obj=where)
        assert list(a.columns) == list(b.columns), where
        for c in a.columns:  # object columns: the Python types of the values too
            if a[c].dtype == object:
                ta = [type(v) for v in a[c]]
                tb = [type(v) for v in b[c]]
                assert ta == tb, f"{where}: value types of {c!r}"
    elif isinstance(a, pd.Series):
        assert_series_equal(a, b, check_exact=True, obj=where)
    elif isinstance(a, pd.Index):
        assert_index_equal(a, b, exact=True, obj=where)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=where)
        assert a.dtype == b.dtype, where
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} != {list(b)}"
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), f"{where}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and a != a:
        assert b != b, where
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def compare(a: str, b: str) -> None:
    old, new = pickle.loads(Path(a).read_bytes()), pickle.loads(Path(b).read_bytes())
    same(old, new, "parses")
    print(f"{len(old)} parses identical")


if __name__ == "__main__":
    if sys.argv[1] == "dump":
        dump(sys.argv[2], sys.argv[3:])
    else:
        compare(sys.argv[2], sys.argv[3])
