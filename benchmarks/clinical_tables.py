"""Synthetic clinical, survival and IHC tables for the scale benchmarks (numpy, seeded).

The columns are those the cohort, survival and ihc plugins document; values are drawn
so that every chart of those plugins has something to show (dates for the timeline,
events and groups for Kaplan-Meier, several markers per patient for the heat map).
"""

from __future__ import annotations

from pathlib import Path

MARKERS = ["CK5/6", "P40", "P63", "CD56", "Synaptophysin", "Chromogranin A", "Ki-67", "EBER", "PD-L1",
           "INSM1"]


def _dates(rng, start: str, n: int, spread_days: int):
    import numpy as np

    return np.datetime64(start) + rng.integers(0, spread_days, n).astype("timedelta64[D]")


def write_clinical(path: Path, patients: int, samples: list[str] | None = None, seed: int = 5) -> None:
    """One row per patient: identity, age, sex, NPC and NEC dates and treatment, outcome."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    npc = _dates(rng, "1995-01-01", patients, 365 * 15)
    nec = npc + rng.integers(365 * 2, 365 * 12, patients).astype("timedelta64[D]")
    dead = rng.random(patients) < 0.55
    death = nec + rng.integers(30, 365 * 6, patients).astype("timedelta64[D]")
    progressed = rng.random(patients) < 0.6
    progression = nec + rng.integers(30, 365 * 3, patients).astype("timedelta64[D]")
    progression = np.where(progressed & (~dead | (progression < death)), progression, np.datetime64("NaT"))
    frame = pd.DataFrame({
        "patient_id": [f"P{i:06d}" for i in range(patients)],
        "sample_id": samples if samples is not None else [""] * patients,
        "age": rng.integers(25, 85, patients),
        "sex": rng.choice(["M", "F"], patients, p=[0.7, 0.3]),
        "npc_diagnosis_date": npc,
        "npc_stage": rng.choice(["I", "II", "III", "IVA", "IVB"], patients),
        "npc_rt_date": npc + np.timedelta64(30, "D"),
        "npc_rt_dose_gy": rng.choice([66, 70, 72], patients),
        "nec_diagnosis_date": nec,
        "nec_site": rng.choice(["nasal cavity", "maxillary sinus", "ethmoid sinus"], patients),
        "nec_histology": rng.choice(["small cell", "large cell"], patients),
        "nec_in_rt_field": rng.choice(["yes", "no"], patients, p=[0.8, 0.2]),
        "nec_chemo": rng.choice(["EP", "none"], patients),
        "progression_date": progression,
        "death_date": np.where(dead, death, np.datetime64("NaT")),
    })
    for c in ("npc_diagnosis_date", "npc_rt_date", "nec_diagnosis_date", "progression_date", "death_date"):
        frame[c] = pd.to_datetime(frame[c]).dt.strftime("%Y-%m-%d").fillna("")
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)


def write_survival(path: Path, patients: int, seed: int = 6) -> None:
    """One row per patient: OS and PFS in months with events, and a grouping column."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    os_m = np.round(rng.exponential(30, patients), 1) + 0.1
    pfs_m = np.round(np.minimum(os_m, rng.exponential(14, patients)), 1) + 0.1
    frame = pd.DataFrame({
        "patient_id": [f"P{i:06d}" for i in range(patients)],
        "os_months": os_m, "os_event": (rng.random(patients) < 0.6).astype(int),
        "pfs_months": np.minimum(pfs_m, os_m), "pfs_event": (rng.random(patients) < 0.7).astype(int),
        "arm": rng.choice(["A", "B", "C"], patients),
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, sep="\t", index=False)


def write_ihc(path: Path, patients: int, markers: int = 10, seed: int = 7) -> int:
    """Long IHC table: one reading per patient and marker (intensity 0-3, percent). Returns rows."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    names = MARKERS[:markers]
    n = patients * len(names)
    frame = pd.DataFrame({
        "patient_id": np.repeat([f"P{i:06d}" for i in range(patients)], len(names)),
        "specimen": "NEC",
        "marker": np.tile(names, patients),
        "intensity": rng.integers(0, 4, n),
        "percent": rng.integers(0, 101, n),
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return n


# The floor of these tables: pandas reading them, as any tool must.
FLOOR_TABLES = """
import sys
import pandas as pd

rows = 0
for path in sys.argv[1:]:
    sep = "\\t" if path.endswith(".tsv") else ","
    rows += len(pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False))
print("rows", rows)
"""


def write_wide_clinical(path: Path, columns: int, patients: int = 20, seed: int = 8) -> None:
    """One row per patient: patient_id, then numbers, categories and decimals in turn
    (``columns`` in all), each column typed and summarised by the cohort plugin."""
    import numpy as np

    rng = np.random.default_rng(seed)
    extra = columns - 1
    kinds = np.arange(extra) % 3
    numbers = rng.integers(0, 100, (patients, extra)).astype(str)
    categories = np.where(rng.random((patients, extra)) < 0.5, "a", "b")
    decimals = np.char.mod("%.2f", rng.random((patients, extra)))
    cells = np.where(kinds == 0, numbers, np.where(kinds == 1, categories, decimals))
    lines = [",".join(["patient_id", *(f"c{i:07d}" for i in range(extra))])]
    lines += [",".join([f"P{p:04d}", *row]) for p, row in enumerate(cells.tolist())]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def write_wide_ihc(path: Path, columns: int, patients: int = 20, seed: int = 9) -> None:
    """A wide IHC table: patient_id, specimen, then one marker per column (``columns``
    in all), cells intensity/percent such as 2/60%."""
    import numpy as np

    rng = np.random.default_rng(seed)
    markers = columns - 2
    intensity = rng.integers(0, 4, (patients, markers)).astype(str)
    percent = (10 * rng.integers(1, 11, (patients, markers))).astype(str)
    cells = np.char.add(np.char.add(intensity, "/"), np.char.add(percent, "%"))
    lines = [",".join(["patient_id", "specimen", *(f"M{i:07d}" for i in range(markers))])]
    lines += [",".join([f"P{p:04d}", "NEC", *row]) for p, row in enumerate(cells.tolist())]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
