"""National sums of per-municipality results: totals, weighted means and paired differences.

Why a module of its own: the arithmetic is independent of how the runs were
made (``national.py``), and it is what a reader must be able to check.

For an extensive KPI (a count, a cost, posts) the national total is
T = sum_m mean_m over municipalities m; replications of different
municipalities are independent (each municipality has its own seed), so
Var(T) = sum_m s_m^2 / n_m, with a t-interval on Welch-Satterthwaite degrees of
freedom. An intensive KPI (a share, a wait) is averaged with fixed weights
w_m = children_m / sum(children), the same formula with w_m as coefficient.
A paired national difference (alternative - base) applies the same formulas to
each municipality's replication-by-replication differences (common random
numbers within a municipality).

Shares cannot leave [0, 1] (differences of shares [-1, 1]); an interval that
would is clipped there and flagged (``clipped``), so no share is reported with
an interval below zero.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from simlib.model import kpi_registry

# Derived per replication in national.py: referrals a year.
DERIVED_EXTENSIVE = ("referrals_per_year",)
EXTENSIVE = (*DERIVED_EXTENSIVE, *kpi_registry.names_where(national="sum"))
INTENSIVE = ("referrals_per_1000_children", *kpi_registry.names_where(national="mean"))
SHARES = frozenset(k for k in INTENSIVE if k in kpi_registry.BY_NAME and kpi_registry.BY_NAME[k].kind in ("share", "flag"))
COLUMNS = ["scenario", "kpi", "kind", "estimate", "ci_low", "ci_high", "df", "clipped", "municipalities"]


def summarise(per_rep: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Mean, replication variance (ddof 1) and n of ``value`` per ``keys`` + kpi."""
    g = per_rep.groupby([*keys, "kpi"], sort=False)["value"]
    return pd.DataFrame({"mean": g.mean(), "var": g.var(ddof=1), "n": g.count()}).reset_index()


def aggregate(per_unit: pd.DataFrame, level: float = 0.95, difference: bool = False) -> pd.DataFrame:
    """National totals (extensive KPIs) and child-weighted means (intensive) with t-intervals.

    ``per_unit`` has columns scenario, kpi, weight (children), mean, var, n:
    one row per municipality (or other unit) and KPI.
    """
    rows = []
    for (scenario, kpi), g in per_unit.groupby(["scenario", "kpi"], sort=False):
        if kpi not in EXTENSIVE and kpi not in INTENSIVE:
            continue
        g = g[np.isfinite(g["mean"].to_numpy(dtype=float))]
        if g.empty:
            continue
        if kpi in INTENSIVE:
            kind, coef = "weighted mean", g["weight"] / g["weight"].sum()
        else:
            kind, coef = "total", pd.Series(1.0, index=g.index)
        estimate = float((coef * g["mean"]).sum())
        parts = (coef**2 * g["var"] / g["n"]).to_numpy(dtype=float)
        var = float(np.nansum(parts))
        dof_den = float(np.nansum(parts**2 / (g["n"].to_numpy(dtype=float) - 1)))
        df = var**2 / dof_den if dof_den > 0 else math.inf
        if var > 0 and math.isfinite(df):
            half = float(stats.t.ppf(0.5 + level / 2, df)) * math.sqrt(var)
        else:
            half = 0.0 if var == 0 else math.nan
        low, high, clipped = estimate - half, estimate + half, False
        if kpi in SHARES:
            floor = -1.0 if difference else 0.0
            if low < floor or high > 1.0:
                low, high, clipped = max(low, floor), min(high, 1.0), True
        rows.append({"scenario": scenario, "kpi": kpi, "kind": kind, "estimate": estimate, "ci_low": low,
                     "ci_high": high, "df": df, "clipped": clipped, "municipalities": len(g)})
    return pd.DataFrame(rows, columns=COLUMNS)


def paired_differences(per_rep: pd.DataFrame, base: str, alternative: str) -> pd.DataFrame:
    """Per municipality, replication and KPI: alternative - base (same seeds: common random numbers)."""
    keys = ["code", "replication", "kpi"]
    a = per_rep[per_rep["scenario"] == base].set_index(keys)["value"]
    b = per_rep[per_rep["scenario"] == alternative].set_index(keys)["value"]
    diff = (b - a.reindex(b.index)).rename("value").reset_index()
    diff.insert(0, "scenario", alternative)
    return diff


def unstable_municipalities(per_rep: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Municipalities with an unstable replication in any scenario, with the share of runs per scenario."""
    flags = per_rep[per_rep["kpi"] == "unstable"]
    share = flags.groupby(["code", "scenario"])["value"].mean().unstack("scenario").fillna(0.0)
    bad = share[(share > 0).any(axis=1)]
    info = table.set_index("code")[["name", "group_code", "children_0_17"]]
    return info.join(bad, how="inner").reset_index()
