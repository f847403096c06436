"""Confidence intervals across replications, as used by every report.

Student t over replication values, except where a KPI's range says otherwise:
a share or a count cannot leave [0, 1] or go below 0, so a t-interval that
crosses the bound is clipped to it and marked ("t clipped"); a flag (0 or 1 per
replication, e.g. ``unstable``) is a binomial proportion and gets a Wilson
score interval, which stays inside [0, 1] and is not degenerate at 0 of n.
The ``interval`` column of a summary names the method behind each row.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from simlib.experiments.t_quantiles import P as TABLE_P
from simlib.experiments.t_quantiles import T_975
from simlib.model import kpi_registry

if TYPE_CHECKING:  # frames only in summarise: the CLI's plain run never imports pandas
    import pandas as pd


def t_quantile(dof: float, p: float) -> float:
    """Student t quantile, as scipy.special.stdtrit computes it (95% intervals from a table)."""
    if p == TABLE_P and 1 <= dof <= len(T_975) and dof == int(dof):  # NaN and inf fail the range
        return T_975[int(dof) - 1]
    from scipy.special import stdtrit  # imported when first needed: ~0.8 G instructions

    return float(stdtrit(dof, p))


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
    half = t_quantile(n - 1, 0.5 + level / 2) * sd / math.sqrt(n)
    return mean, mean - half, mean + half, n


INTERVAL_COLUMNS = ["mean", "ci_low", "ci_high", "n", "interval"]


class Interval(NamedTuple):
    """One KPI's summary row, as a row of ``summarise``'s frame: mean, interval, n and method."""

    kpi: str
    mean: float
    ci_low: float
    ci_high: float
    n: int
    interval: str


def kpi_range(kpi: str, difference: bool = False) -> tuple[float, float]:
    """The values a KPI (or a paired difference of it) can take, from its registered kind.

    Unregistered names (derived rates) and rates, which may be negative (the
    balans's growth), are unbounded.
    """
    entry = kpi_registry.BY_NAME.get(kpi)
    kind = entry.kind if entry else "rate"
    if kind in ("share", "flag"):
        return (-1.0, 1.0) if difference else (0.0, 1.0)
    if kind in ("count", "days", "SEK") and not difference:
        return 0.0, math.inf
    return -math.inf, math.inf


# scipy.special.ndtri at the usual levels' upper tails (a test checks them bit for bit): a
# one-replication run's flags get their Wilson interval without importing scipy.special
NORMAL_QUANTILES = {
    0.9: np.float64(1.2815515655446004),
    0.95: np.float64(1.6448536269514722),
    0.975: np.float64(1.959963984540054),
    0.995: np.float64(2.5758293035489004),
}


def normal_quantile(p: float) -> np.float64:
    """The standard normal quantile, as scipy.special.ndtri computes it."""
    z = NORMAL_QUANTILES.get(p)
    if z is None:
        from scipy.special import ndtri  # imported when first needed

        z = ndtri(p)
    return z


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (within [0, 1], sensible at 0 and n).

    Newcombe (1998), written as scipy.stats.binomtest(...).proportion_ci(method="wilson")
    computes it (the same operations, so the same bits; a test checks), because
    importing scipy.stats costs a ``simlib run`` more than a short replication.
    """
    if not 0 <= successes <= n or n < 1:
        raise ValueError(f"need 0 <= successes <= n and n >= 1, got {successes} of {n}")
    p = successes / n
    z = normal_quantile(0.5 + 0.5 * level)
    denom = 2 * (n + z**2)
    center = (2 * n * p + z**2) / denom
    delta = z / denom * np.sqrt(4 * n * p * (1 - p) + z**2)
    low = 0.0 if successes == 0 else center - delta
    high = 1.0 if successes == n else center + delta
    return float(low), float(high)


def kpi_interval(
    values: np.ndarray | pd.Series, kpi: str, level: float = 0.95, difference: bool = False
) -> tuple[float, float, float, int, str]:
    """Mean, interval, n and the method ("t", "t clipped", "wilson") that respects the KPI's range."""
    mean, low, high, n = t_interval(values, level)
    entry = kpi_registry.BY_NAME.get(kpi)
    if n >= 1 and not difference and entry is not None and entry.kind == "flag":
        x = np.asarray(values, dtype=float)
        x = x[~np.isnan(x)]
        if np.isin(x, (0.0, 1.0)).all():
            low, high = wilson_interval(int(x.sum()), n, level)
            return mean, low, high, n, "wilson"
    lo_bound, hi_bound = kpi_range(kpi, difference)
    if not math.isnan(low) and (low < lo_bound or high > hi_bound):
        return mean, max(low, lo_bound), min(high, hi_bound), n, "t clipped"
    return mean, low, high, n, "t"


def summarise_values(values: Mapping[str, Iterable[float]], level: float = 0.95) -> list[Interval]:
    """One row per KPI from its replications' values (in replication order): ``summarise`` without a frame.

    The same numbers as ``summarise`` of the tidy frame of those values (both call ``kpi_interval``).
    """
    return [Interval(kpi, *kpi_interval(np.fromiter(v, dtype=float), kpi, level)) for kpi, v in values.items()]


def summarise(kpis: pd.DataFrame, by: list[str] | None = None, level: float = 0.95) -> pd.DataFrame:
    """One row per KPI (and group): mean, ci_low, ci_high, n and the interval's method."""
    import pandas as pd

    keys = (by or []) + ["kpi"]
    rows = []
    for key, group in kpis.groupby(keys, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        named = dict(zip(keys, key, strict=True))
        values = kpi_interval(group["value"].to_numpy(), named["kpi"], level)
        rows.append({**named, **dict(zip(INTERVAL_COLUMNS, values, strict=True))})
    return pd.DataFrame(rows, columns=keys + INTERVAL_COLUMNS)


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


def paired_kpi_interval(
    base: np.ndarray | pd.Series, alt: np.ndarray | pd.Series, kpi: str, level: float = 0.95
) -> tuple[float, float, float, int, str]:
    """``paired_interval`` kept within the range a difference of the KPI can take."""
    a = np.asarray(base, dtype=float)
    b = np.asarray(alt, dtype=float)
    return kpi_interval(b - a, kpi, level, difference=True)


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
    half = t_quantile(dof, 0.5 + level / 2) * math.sqrt(se2)
    return diff, diff - half, diff + half, n
