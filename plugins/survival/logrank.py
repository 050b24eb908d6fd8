"""The log-rank test of two or more groups, as R's ``survdiff`` computes it, by the
steps of lifelines' ``multivariate_logrank_test`` (lifelines 0.30, MIT licence).

lifelines was imported for this one test: 0.7 s of every report with a grouped
survival table, as importing it loads all its fitters, autograd and scipy.stats.
The same pandas steps, in the same order, are taken here (the per-group event
tables joined over all times, observed minus expected events, the hypergeometric
covariance, the quadratic form of the first k-1 groups through a pseudo-inverse),
so that the statistic and p-value are lifelines' to the last bit: a column's sum
depends on how pandas lays its blocks out, and a shorter numpy route differed in
the last bits for 4 data sets in 10. Chi-square's upper tail is scipy.special's
``chdtrc``, the function ``scipy.stats.chi2.sf`` calls. ``tests/test_survival_logrank.py``
holds both to lifelines bit for bit, and the suite's R references to ``survdiff``.
"""

from __future__ import annotations

from typing import Any


def _event_table(deaths: Any, observed: Any, births: Any, weights: Any, group: str) -> Any:
    """One group's removals, events, censorings, entries and numbers at risk per time."""
    import numpy as np
    import pandas as pd

    removed, died, censored, entrance, at_risk = (f"{kind}:{group}" for kind in
                                                  ("removed", "observed", "censored", "entrance", "at_risk"))
    frame = pd.DataFrame(np.asarray(deaths), columns=["event_at"])
    frame[removed] = np.asarray(weights)
    frame[died] = np.asarray(weights) * np.asarray(observed).astype(bool)
    table = frame.groupby("event_at").sum()
    table[censored] = (table[removed] - table[died]).astype(int)
    entries = pd.DataFrame(np.asarray(births), columns=["event_at"])
    entries[entrance] = np.asarray(weights)
    table = table.join(entries.groupby("event_at").sum(), how="outer", sort=True).fillna(0)
    table[at_risk] = table[entrance].cumsum() - table[removed].cumsum().shift(1).fillna(0)
    return table.astype(int)  # unit weights: whole numbers, as lifelines returns them


def logrank(durations: Any, groups: Any, events: Any) -> tuple[float, float, int]:
    """``(statistic, p_value, degrees_of_freedom)`` of the log-rank test. ``groups``:
    one label per subject, ordered by first appearance (as in lifelines); ``events``:
    1 for an event, 0 for a censored time. At least two groups."""
    import numpy as np
    import pandas as pd
    from scipy.special import chdtrc

    n = len(durations)
    time, label, event = (pd.Series(np.asarray(x).reshape(n)) for x in (durations, groups, events))
    births = pd.Series(np.full(n, np.min(time.to_numpy())))
    weights = np.ones_like(time.to_numpy())
    levels = label.unique()
    if len(levels) < 2:
        raise ValueError("the log-rank test needs at least two groups")
    table = None
    for level in levels:
        ix = label == level
        part = _event_table(time[ix], event[ix], births[ix], weights[ix], str(level))
        table = part if table is None else table.join(part, how="outer")
    table = table.fillna(0)
    rm, obs = table.filter(like="removed:"), table.filter(like="observed:")
    k = len(levels)

    n_ij = rm.sum(0).values - rm.cumsum(0).shift(1).fillna(0)
    d_i = obs.sum(1)
    n_i = rm.values.sum() - rm.sum(1).cumsum().shift(1).fillna(0)
    ev_i = n_ij.mul(d_i / n_i, axis="index")
    w_i = np.ones(d_i.shape[0])
    z = obs.mul(w_i, axis=0).sum(0).values - ev_i.mul(w_i, axis=0).sum(0)
    # One subject at risk: no correction for ties (0/0 and 1/0 count as 1).
    factor = (((n_i - d_i) / (n_i - 1)).replace([np.inf, np.nan], 1)) * d_i / n_i**2
    n_ij["_"] = n_i.values
    weighted = (n_ij.mul(w_i, axis=0)).mul(np.sqrt(factor), axis="index").fillna(0)
    v = -np.dot(weighted.T, weighted)
    ix = np.arange(k)
    v[ix, ix] = v[ix, ix] - v[-1, ix]
    v = v[:-1, :-1]
    statistic = z.iloc[:-1] @ np.linalg.pinv(v[:-1, :-1]) @ z.iloc[:-1]
    return float(statistic), float(chdtrc(k - 1, statistic)), k - 1
