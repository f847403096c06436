"""Confidence intervals across replications (Student t), as used by every report."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats


def t_interval(values: np.ndarray | pd.Series, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and two-sided t-interval of independent replication values (NaNs dropped)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n == 1:
        return mean, math.nan, math.nan, 1
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return mean, mean - half, mean + half, n


def summarise(kpis: pd.DataFrame, by: list[str] | None = None, level: float = 0.95) -> pd.DataFrame:
    """One row per KPI (and group): mean, ci_low, ci_high, n."""
    keys = (by or []) + ["kpi"]
    rows = []
    for key, group in kpis.groupby(keys, sort=False):
        mean, low, high, n = t_interval(group["value"].to_numpy(), level)
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(keys, key, strict=True)), "mean": mean, "ci_low": low, "ci_high": high, "n": n})
    return pd.DataFrame(rows, columns=keys + ["mean", "ci_low", "ci_high", "n"])


def paired_interval(
    base: np.ndarray | pd.Series, alt: np.ndarray | pd.Series, level: float = 0.95
) -> tuple[float, float, float, int]:
    """t-interval of the mean of ``alt - base`` over replications run with the same seeds.

    Pairs with a NaN on either side are dropped together, so the difference is
    always taken within one replication (common random numbers).
    """
    a = np.asarray(base, dtype=float)
    b = np.asarray(alt, dtype=float)
    return t_interval(b - a, level)


def welch_interval(
    base: np.ndarray | pd.Series, alt: np.ndarray | pd.Series, level: float = 0.95
) -> tuple[float, float, float, int]:
    """Unpaired (Welch) t-interval of ``mean(alt) - mean(base)``: what independent seeds would give.

    Reported next to the paired interval to show what common random numbers buy.
    ``n`` is the smaller of the two sample sizes.
    """
    a = np.asarray(base, dtype=float)
    b = np.asarray(alt, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    n = min(len(a), len(b))
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    diff = float(b.mean() - a.mean())
    if n == 1:
        return diff, math.nan, math.nan, n
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se2 = va + vb
    if se2 == 0:
        return diff, diff, diff, n
    dof = se2**2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stats.t.ppf(0.5 + level / 2, dof)) * math.sqrt(se2)
    return diff, diff - half, diff + half, n
