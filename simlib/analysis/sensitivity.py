"""Which parameters matter most: one-at-a-time tornado and Sobol indices.

Many inputs are assumptions (MODEL.md tags them [A]); these views say which
ones a conclusion rests on (``difference_tornado``: which ones a policy's
effect against the base rests on). The tornado moves one parameter at a time to the
ends of its range with the others at the base value, with common random numbers
(every scenario runs replications 0..reps-1 of one seed), so each swing is a
paired difference and not noise. Sobol indices (Saltelli sampling and Jansen
estimators via SALib) vary all parameters together and split the KPI's variance
into each parameter's first-order share (S1) and its share including
interactions (ST). Both run replications through ``simlib.experiments.run_all``
so they parallelise like every other experiment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simlib.experiments.intervals import t_interval
from simlib.experiments.replications import resolve, run_all
from simlib.experiments.sweep_results import SweepResults
from simlib.scenario.introspect import is_integer_key, value_at
from simlib.scenario.loader import with_overrides
from simlib.scenario.schema import Scenario

Ranges = Mapping[str, tuple[float, float]]
TORNADO_COLUMNS = ["parameter", "low", "high", "kpi", "base", "at_low", "at_high",
                   "diff_low", "diff_high", "diff_low_ci", "diff_high_ci", "swing"]


def relative_ranges(scenario: Scenario, keys: Sequence[str], rel: float = 0.2) -> dict[str, tuple[float, float]]:
    """Ranges of +-``rel`` around each key's base value (whole numbers stay whole)."""
    out = {}
    for key in keys:
        v = value_at(scenario, key)
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise TypeError(f"{key} is not a number in {scenario.name} (got {v!r})")
        lo, hi = v * (1 - rel), v * (1 + rel)
        out[key] = (round(lo), round(hi)) if is_integer_key(scenario, key) else (lo, hi)
    return out


def _point(base: Scenario, values: Mapping[str, float], name: str) -> Scenario:
    changes = {k: (round(v) if is_integer_key(base, k) else float(v)) for k, v in values.items()}
    sc = with_overrides(base, changes)
    return sc.model_copy(update={"metadata": sc.metadata.model_copy(update={"name": name})})


def _per_rep(results: Any, kpi: str) -> np.ndarray:
    return results.kpi(kpi).sort_index().to_numpy(dtype=float)


def tornado(
    scenario: Scenario | str | Path,
    ranges: Ranges,
    kpis: Sequence[str],
    reps: int = 5,
    seed: int = 2024,
    years: float | None = None,
    jobs: int = 1,
) -> pd.DataFrame:
    """One-at-a-time swings of each KPI as each parameter goes to its low and high end.

    One row per parameter x KPI: the KPI at the base, at the low and at the high
    end, the paired differences from the base with t-interval half-widths, and
    ``swing`` = |at_high - at_low|; rows sorted by swing within each KPI.
    """
    base = resolve(scenario, years=years)
    keys = list(ranges)
    scenarios = [base]
    for key in keys:
        lo, hi = ranges[key]
        scenarios += [_point(base, {key: lo}, f"{key}=low"), _point(base, {key: hi}, f"{key}=high")]
    results = run_all(scenarios, reps=reps, seed=seed, jobs=jobs, series=False)
    rows = []
    for kpi in kpis:
        b = _per_rep(results[0], kpi)
        for i, key in enumerate(keys):
            lo_vals, hi_vals = _per_rep(results[1 + 2 * i], kpi), _per_rep(results[2 + 2 * i], kpi)
            rows.append(_swing_row(key, ranges[key], kpi, b, lo_vals, hi_vals))
    return _tornado_frame(rows)


def _swing_row(key: str, bounds: tuple[float, float], kpi: str, b: np.ndarray,
               lo_vals: np.ndarray, hi_vals: np.ndarray) -> dict[str, Any]:
    """One tornado row: values per replication at the base and at each end, paired with the base."""
    d_lo, lo_low, lo_high, _ = t_interval(lo_vals - b)
    d_hi, hi_low, hi_high, _ = t_interval(hi_vals - b)
    return {
        "parameter": key, "low": bounds[0], "high": bounds[1], "kpi": kpi,
        "base": float(np.nanmean(b)), "at_low": float(np.nanmean(lo_vals)), "at_high": float(np.nanmean(hi_vals)),
        "diff_low": d_lo, "diff_high": d_hi,
        "diff_low_ci": (lo_high - lo_low) / 2, "diff_high_ci": (hi_high - hi_low) / 2,
        "swing": abs(float(np.nanmean(hi_vals)) - float(np.nanmean(lo_vals))),
    }


def _tornado_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=TORNADO_COLUMNS)
    return frame.sort_values(["kpi", "swing"], ascending=[True, False], kind="stable").reset_index(drop=True)


def difference_tornado(
    scenario: Scenario | str | Path,
    alternative: Scenario | str | Path,
    ranges: Ranges,
    kpis: Sequence[str],
    reps: int = 5,
    seed: int = 2024,
    years: float | None = None,
    jobs: int = 1,
) -> pd.DataFrame:
    """One-at-a-time swings of a policy's *effect* (alternative - base) as each parameter moves.

    Each parameter goes to each end of its range in both scenarios together (the
    alternative keeps its own policy settings), and the paired difference
    alternative - base is taken replication by replication (common random
    numbers). Columns as ``tornado``, where ``base``/``at_low``/``at_high`` are the
    policy's effect at the base values and at each end, and ``diff_*`` how far
    each end moves that effect (with t-interval half-widths).
    """
    base, alt = resolve(scenario, years=years), resolve(alternative, years=years)
    keys = list(ranges)
    scenarios = [base, alt]
    for key in keys:
        for end, value in (("low", ranges[key][0]), ("high", ranges[key][1])):
            scenarios += [_point(base, {key: value}, f"{key}={end}"), _point(alt, {key: value}, f"alt:{key}={end}")]
    results = run_all(scenarios, reps=reps, seed=seed, jobs=jobs, series=False)

    def effect(i: int, kpi: str) -> np.ndarray:
        return _per_rep(results[i + 1], kpi) - _per_rep(results[i], kpi)

    rows = []
    for kpi in kpis:
        e0 = effect(0, kpi)
        for j, key in enumerate(keys):
            rows.append(_swing_row(key, ranges[key], kpi, e0, effect(2 + 4 * j, kpi), effect(4 + 4 * j, kpi)))
    return _tornado_frame(rows)


def sobol_indices(
    scenario: Scenario | str | Path,
    ranges: Ranges,
    kpis: Sequence[str],
    n: int = 64,
    reps: int = 1,
    seed: int = 2024,
    years: float | None = None,
    jobs: int = 1,
) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices of each KPI, with SALib's bootstrap CIs.

    SALib's Sobol sequence (scipy.stats.qmc underneath) gives ``n * (d + 2)``
    points for ``d`` parameters; each point runs ``reps`` replications with the
    same seed (common random numbers, so noise is not counted as a parameter
    effect) and the KPI's replication mean is the model output. ``n`` should be a
    power of two. Small ``n`` gives rough indices with wide intervals: read the
    ranking, not the decimals.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    base = resolve(scenario, years=years)
    keys = list(ranges)
    problem = {"num_vars": len(keys), "names": keys, "bounds": [list(map(float, ranges[k])) for k in keys]}
    design = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    scenarios = [_point(base, dict(zip(keys, row, strict=True)), f"sobol-{i}") for i, row in enumerate(design)]
    results = run_all(scenarios, reps=reps, seed=seed, jobs=jobs, series=False)
    rows = []
    for kpi in kpis:
        y = np.array([np.nanmean(_per_rep(r, kpi)) for r in results])
        if np.nanstd(y) == 0 or np.isnan(y).any():
            for key in keys:  # a KPI that does not vary (or is undefined) has no variance to split
                rows.append({"kpi": kpi, "parameter": key, "S1": np.nan, "S1_conf": np.nan, "ST": np.nan, "ST_conf": np.nan})
            continue
        si = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)
        for j, key in enumerate(keys):
            rows.append({"kpi": kpi, "parameter": key, "S1": float(si["S1"][j]), "S1_conf": float(si["S1_conf"][j]),
                         "ST": float(si["ST"][j]), "ST_conf": float(si["ST_conf"][j])})
    return pd.DataFrame(rows, columns=["kpi", "parameter", "S1", "S1_conf", "ST", "ST_conf"])


def cost_per_point(
    results: SweepResults,
    keys: Sequence[str],
    base: Mapping[str, Any],
    effect: str = "investigation_within_4m_share",
    cost: str = "cost_sek_per_year",
) -> pd.DataFrame:
    """SEK a year per percentage point of ``effect`` gained, each design point against ``base``.

    ``results`` is what ``sweep`` returns (its ``kpis``: point, swept keys, replication, kpi, value).
    Differences are paired by replication (all points share seeds), and the ratio
    is of mean differences; points that gain no compliance get NaN, not infinity.
    """
    frame = results.kpis
    wide = frame[frame["kpi"].isin([effect, cost])].pivot_table(
        index=[*keys, "replication"], columns="kpi", values="value").reset_index()
    mask = np.logical_and.reduce([wide[k] == v for k, v in base.items()])
    ref = wide[mask].set_index("replication")[[effect, cost]]
    if ref.empty:
        raise ValueError(f"no design point matches the base {dict(base)}")
    rows = []
    for point, group in wide.groupby(list(keys), sort=True):
        g = group.set_index("replication")[[effect, cost]]
        d = (g - ref).dropna()
        d_eff, lo, hi, n = t_interval(d[effect].to_numpy() * 100)
        d_cost = float(d[cost].mean())
        point = point if isinstance(point, tuple) else (point,)
        ratio = d_cost / d_eff if d_eff > 0 else np.nan
        rows.append({**dict(zip(keys, point, strict=True)), "effect_pp": d_eff, "effect_pp_low": lo,
                     "effect_pp_high": hi, "cost_diff_sek": d_cost, "sek_per_pp": ratio, "n": n})
    return pd.DataFrame(rows)
