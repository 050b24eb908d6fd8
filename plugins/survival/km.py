"""Kaplan-Meier estimates, medians and landmark survival (as R computes them, estimate.py),
and log-rank tests (logrank.py, by lifelines' steps)."""

from __future__ import annotations

import math
import warnings
from typing import Any

from rinec_report import InputWarning

from .build import SurvivalData
from .estimate import KaplanMeier, kaplan_meier

OVERALL = "all"
CURVE_COLUMNS = ["endpoint", "group", "time", "survival", "ci_lower", "ci_upper", "at_risk"]
MEDIAN_COLUMNS = ["endpoint", "group", "n", "events", "median", "ci_lower", "ci_upper"]
TEST_COLUMNS = ["endpoint", "group_by", "test", "statistic", "p_value"]
AT_TIME_COLUMNS = ["endpoint", "group", "time", "survival", "ci_lower", "ci_upper", "at_risk"]
RISK_COLUMNS = ["endpoint", "group", "time", "at_risk", "censored", "events"]

# Steps for the numbers-at-risk table, per unit, smallest first: clinically usual intervals.
_STEPS = {
    "days": [7, 14, 30, 60, 90, 180, 365, 730, 1825],
    "weeks": [1, 2, 4, 8, 13, 26, 52, 104],
    "months": [1, 3, 6, 12, 24, 36, 60, 120],
    "years": [0.5, 1, 2, 5, 10, 20],
}
_LANDMARKS = {
    "days": [180, 365, 730, 1095, 1825],
    "weeks": [26, 52, 104, 156, 260],
    "months": [6, 12, 24, 36, 60],
    "years": [0.5, 1, 2, 3, 5],
}


def group_label(column: str, value: str) -> str:
    return f"{column}={value}"


# The numbers-at-risk table has a row a step; a person reads a dozen, not thousands.
MAX_RISK_ROWS = 100


def risk_step(max_time: float, unit: str, intervals: int = 6) -> float:
    """The smallest usual interval that covers ``max_time`` in at most ``intervals`` steps."""
    for step in _STEPS[unit]:
        if math.ceil(max_time / step) <= intervals:
            return float(step)
    return float(_STEPS[unit][-1] * math.ceil(max_time / (_STEPS[unit][-1] * intervals)))


def risk_times(max_time: float, step: float) -> list[float]:
    count = math.floor(max_time / step + 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def landmark_times(value: Any) -> list[float] | None:
    """The ``times`` option: a list, one number, or '6, 12' from the command line."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = [v for v in value.replace(";", ",").split(",") if v.strip()]
    elif not isinstance(value, list | tuple):
        value = [value]
    try:
        return sorted(float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"survival: times must be numbers, not {value!r}") from None


def subsets(data: SurvivalData, endpoint: str) -> list[tuple[str, str | None, Any]]:
    """(group label, group_by column or None, rows) for the whole cohort and every group."""
    frame = data.patients
    usable = frame[frame[f"{endpoint}_time"].notna() & frame[f"{endpoint}_event"].notna()]
    out: list[tuple[str, str | None, Any]] = [(OVERALL, None, usable)]
    for col in data.group_by:
        for value in sorted_levels(usable[col].dropna().unique()):
            out.append((group_label(col, value), col, usable[usable[col] == value]))
    return out


def sorted_levels(values: Any) -> list[str]:
    """Numbers in numeric order, then text in alphabetical order."""

    def key(value: str) -> tuple[int, float, str]:
        try:
            return (0, float(value), value)
        except ValueError:
            return (1, 0.0, value.lower())

    return sorted((str(v) for v in values), key=key)


def fit(rows: Any, endpoint: str, confidence: float, conf_type: str = "log-log") -> KaplanMeier:
    return kaplan_meier(
        rows[f"{endpoint}_time"].to_numpy(dtype=float),
        rows[f"{endpoint}_event"].to_numpy(dtype=float),
        confidence,
        conf_type,
    )


def _flat_half(km: KaplanMeier) -> tuple[float, float, bool] | None:
    """(start, end, ends the curve) when the curve stays exactly at 0.5 until a later
    drop, or until its last time (its last patients censored)."""
    values, times = km.survival, km.time
    at_half = [i for i, v in enumerate(values) if abs(v - 0.5) < 1e-9]
    if not at_half:
        return None
    later = [i for i in range(at_half[0], len(values)) if values[i] < 0.5 - 1e-9]
    if later:
        return float(times[at_half[0]]), float(times[later[0]]), False
    return float(times[at_half[0]]), float(times[-1]), True


def _finite(value: float) -> float:
    return value if math.isfinite(value) else math.nan


def analyse(data: SurvivalData, options: dict[str, Any]) -> dict[str, Any]:
    """Every table of the plugin, as DataFrames named as they are exported."""
    import pandas as pd

    confidence = options["confidence"]
    if not 0 < confidence < 1:
        raise ValueError(f"survival: confidence must be between 0 and 1, not {confidence}")
    conf_type = options["conf_type"]
    curves, medians, at_times, risks, tests = [], [], [], [], []
    notes: list[str] = []
    group_notes: list[str] = []
    steps: dict[str, float] = {}
    for ep in data.endpoints:
        parts = subsets(data, ep)
        overall = parts[0][2]
        if overall.empty:
            continue
        max_time = float(overall[f"{ep}_time"].max())
        step = options["risk_interval"]
        step = float(step) if step else risk_step(max_time, data.unit)
        if step <= 0 or max_time / step > MAX_RISK_ROWS:
            # A step the run directory chose (1e-9) must not make a table of millions of rows.
            fallback = risk_step(max_time, data.unit)
            warnings.warn(f"survival: risk_interval {step:g} gives more than {MAX_RISK_ROWS} numbers-at-risk "
                          f"rows for {ep}; {fallback:g} used", InputWarning, stacklevel=2)
            step = fallback
        steps[ep] = step
        landmarks = landmark_times(options["times"])
        if landmarks is None:
            landmarks = [t for t in _LANDMARKS[data.unit] if t <= max_time]
        for label, _col, rows in parts:
            if rows.empty:
                continue
            km = fit(rows, ep, confidence, conf_type)
            times = rows[f"{ep}_time"].to_numpy(dtype=float)
            events = rows[f"{ep}_event"].to_numpy(dtype=int)
            if km.time[0] > 0:
                # The curve starts at 1 at time 0, with everyone at risk.
                curves.append((ep, label, 0.0, 1.0, 1.0, 1.0, len(rows)))
            for i, t in enumerate(km.time):
                curves.append((ep, label, float(t), float(km.survival[i]), float(km.lower[i]),
                               float(km.upper[i]), int(km.at_risk[i])))
            median, low, high = km.median()
            flat = _flat_half(km)
            if flat:
                who = "all patients" if label == OVERALL else label
                until = "its last time, " if flat[2] else ""
                notes.append(
                    f"{ep.upper()} ({who}): the curve is exactly 50% from {flat[0]:g} to "
                    f"{until}{flat[1]:g} {data.unit}; the median is the midpoint, {median:g}, as R's "
                    "survfit reports it."
                )
            medians.append((ep, label, len(rows), int(events.sum()), median, low, high))
            for t in landmarks:
                t = float(t)
                # Past the last time the estimate is unknown (R's summary(times =) stops
                # there), unless the curve has reached 0: then it stays 0.
                beyond = t > times.max() and km.survival[-1] > 0
                at_times.append(
                    (
                        ep,
                        label,
                        t,
                        *((math.nan,) * 3 if beyond else km.at(t)),
                        int((times >= t).sum()),
                    )
                )
            for t in risk_times(max_time, step):
                # Censored and events count what happened before t, so that
                # at risk + censored + events = n at every time.
                before = times < t
                risks.append(
                    (
                        ep,
                        label,
                        t,
                        int((times >= t).sum()),
                        int((before & (events == 0)).sum()),
                        int((before & (events == 1)).sum()),
                    )
                )
        tests += _logrank(data, ep, overall, group_notes)
    return {
        "curves": pd.DataFrame(curves, columns=CURVE_COLUMNS),
        "medians": pd.DataFrame(medians, columns=MEDIAN_COLUMNS),
        "tests": pd.DataFrame(tests, columns=TEST_COLUMNS),
        "at_times": pd.DataFrame(at_times, columns=AT_TIME_COLUMNS),
        "at_risk": pd.DataFrame(risks, columns=RISK_COLUMNS),
        "risk_steps": steps,
        "notes": notes,
        "group_notes": group_notes,
        "confidence": confidence,
        "conf_type": conf_type,
    }


def _logrank(data: SurvivalData, endpoint: str, rows: Any, notes: list[str]) -> list[tuple]:
    from rinec_report import account

    from .logrank import logrank

    out = []
    for col in data.group_by:
        # Missing is what the table reader made missing (None/NaN: blank, NA, the
        # shared missing codes); such a patient is in no group.
        grouped = rows[rows[col].notna()]
        left_out = len(rows) - len(grouped)
        # A published group (mutation status) has no value for a patient never sequenced: that
        # plugin's own section says how many; a warning per gene and endpoint would say it again.
        if left_out and col not in data.extra_groups:
            message = (f"{endpoint.upper()} by {col}: {left_out} of {len(rows)} patients without a {col} "
                       "value are left out of the group curves and the log-rank test")
            warnings.warn(message, InputWarning, stacklevel=2)
            notes.append(message + ".")
            account.dropped(f"no {col} group ({endpoint.upper()} log-rank)", left_out,
                            file=data.group_files.get(col))
        if grouped[col].nunique() < 2:
            warnings.warn(
                f"{endpoint.upper()} by {col}: fewer than two groups with data; no log-rank test",
                InputWarning,
                stacklevel=2,
            )
            continue
        statistic, p_value, _ = logrank(
            grouped[f"{endpoint}_time"].astype(float),
            grouped[col].astype(str),
            grouped[f"{endpoint}_event"].astype(int),
        )
        out.append((endpoint, col, "log-rank", statistic, p_value))
    return out
