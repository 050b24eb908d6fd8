"""The Kaplan-Meier estimate, its confidence band and its quantiles, computed as R's
survival package does (survfit, survfit_confint, quantile.survfit).

Written out rather than taken from lifelines because R's conventions are the ones
papers report and lifelines differs where a curve reaches 0 (it gives the band
[0, 0] and finite median limits where R gives NA) and where a curve is flat at 50%
(R reports the midpoint of the flat stretch). tests/data/survival/km_reference.R
holds R's numbers that the tests compare with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

CONF_TYPES = ("log-log", "log")
# R's quantile.survfit compares with this tolerance.
_TOL = math.sqrt(np.finfo(float).eps)


@dataclass
class KaplanMeier:
    """One curve: at every distinct time (events and censorings, after time 0),
    survival, the band (NaN where R gives NA) and the numbers at risk and of events."""

    time: np.ndarray
    survival: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    censored: np.ndarray

    def at(self, t: float) -> tuple[float, float, float]:
        """(survival, lower, upper) at time ``t``: the step function's value, as
        R's summary(fit, times = t, extend = TRUE); 1 before the first time."""
        pos = int(np.searchsorted(self.time, t, side="right")) - 1
        if pos < 0:
            return 1.0, 1.0, 1.0
        return float(self.survival[pos]), float(self.lower[pos]), float(self.upper[pos])

    def median(self) -> tuple[float, float, float]:
        """(median, lower, upper) as R's quantile(fit, 0.5); NaN where R gives NA."""
        return self.quantile(0.5)

    def quantile(self, p: float) -> tuple[float, float, float]:
        """(time, lower, upper) at which the curve falls to ``1 - p``, as R's
        quantile(fit, probs = p): each limit from its band's curve; NaN where R gives NA."""
        x = np.concatenate([[0.0], self.time])
        return (
            findq(x, np.concatenate([[0.0], 1 - self.survival]), p),
            findq(x, np.concatenate([[0.0], 1 - self.lower]), p),
            findq(x, np.concatenate([[0.0], 1 - self.upper]), p),
        )


def kaplan_meier(times: Any, events: Any, confidence: float = 0.95, conf_type: str = "log-log") -> KaplanMeier:
    """The product-limit estimate with Greenwood's variance and R's band."""
    if conf_type not in CONF_TYPES:
        raise ValueError(f"conf_type must be one of {', '.join(CONF_TYPES)}, not {conf_type!r}")
    t = np.asarray(times, dtype=float)
    e = np.asarray(events, dtype=float)
    # Counted in one pass over the sorted times: per-time comparisons with every
    # patient took seconds at 100,000 patients.
    known = ~np.isnan(t)
    grid, where = np.unique(t[known], return_inverse=True)
    d = np.bincount(where, weights=e[known] == 1, minlength=len(grid))
    c = np.bincount(where, weights=e[known] != 1, minlength=len(grid))
    n = np.cumsum(np.bincount(where, minlength=len(grid))[::-1])[::-1].astype(float)
    if not known.all():
        # A missing time is at risk nowhere and ends the curve, as before.
        grid, d, c, n = (np.append(a, v) for a, v in ((grid, np.nan), (d, 0.0), (c, 0.0), (n, 0.0)))
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1 - d / n)
        # Greenwood: the standard error of log S (R's std.err); infinite once S is 0.
        terms = np.where(d > 0, d / (n * (n - d)), 0.0)
        se = np.sqrt(np.cumsum(terms))
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    lower, upper = _band(surv, se, z, conf_type)
    return KaplanMeier(grid, surv, lower, upper, n.astype(int), d.astype(int), c.astype(int))


def _band(surv: np.ndarray, se: np.ndarray, z: float, conf_type: str) -> tuple[np.ndarray, np.ndarray]:
    """R's survfit_confint: NA where the transform is undefined (S = 0, and S = 1
    for log-log, where R's curve shows 1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "log":
            xx = np.where(surv == 0, np.nan, surv)
            lower = np.exp(np.log(xx) - z * se)
            upper = np.minimum(np.exp(np.log(xx) + z * se), 1.0)
        else:
            xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
            se2 = z * se / np.log(xx)
            lower = np.exp(-np.exp(np.log(-np.log(xx)) - se2))
            upper = np.exp(-np.exp(np.log(-np.log(xx)) + se2))
    # No override where S = 1: R's log band is [1, 1] there by its own arithmetic (the
    # standard error is 0), and its log-log band is NA (log(-log 1) does not exist).
    return lower, upper


def findq(x: np.ndarray, y: np.ndarray, p: float, tol: float = _TOL) -> float:
    """R's survival:::findq for one probability: the time at which the cumulative
    ``y`` (1 - survival) reaches ``p``; the midpoint when a flat stretch sits at p
    (of its start and the next time; of its start and the last time when the curve
    ends on it); NaN when it never does."""
    if not np.any(~np.isnan(y)) or np.nanmax(y) < p:
        return math.nan
    xmax = x[-1]
    keep, seen, seen_nan = [], set(), False
    for i, v in enumerate(y):  # R's duplicated(): NA is a duplicate of NA
        if math.isnan(v):
            if not seen_nan:
                keep.append(i)
            seen_nan = True
        elif v not in seen:
            seen.add(v)
            keep.append(i)
    x, y = x[keep], y[keep]
    index = np.arange(1, len(y) + 1)

    def constant_right(shift: float) -> float:
        xs, ys = y + shift, index
        ok = ~np.isnan(xs)
        # R's approx() drops NA pairs and sorts by x (a band's curve need not be monotone).
        order = np.argsort(xs[ok], kind="stable")
        xs, ys = xs[ok][order], ys[ok][order]
        if not len(xs) or p < xs[0] or p > xs[-1]:
            return math.nan
        return float(ys[int(np.searchsorted(xs, p, side="left"))])

    i1, i2 = constant_right(tol), constant_right(-tol)
    if not math.isnan(y[-1]) and abs(p - y[-1]) < tol:
        # The curve ends flat at p (its last times censored): R takes the midpoint of
        # where it reached p and the last time, whatever the other index says.
        return math.nan if math.isnan(i1) else float((x[int(i1) - 1] + xmax) / 2)
    if math.isnan(i1) or math.isnan(i2):
        return math.nan
    return float((x[int(i1) - 1] + x[int(i2) - 1]) / 2)
