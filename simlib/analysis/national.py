"""National ensemble: every SKR municipality group x scenario, summed to Sweden.

Why: a cap or a budget rule is decided nationally, but the work happens in 290
municipalities of very different size. We represent them by the nine SKR
municipality groups (``simlib/data/municipality_groups.csv``: count and child
population per group, from SKR's 2023 grouping with populations in a copy of
SKR's open data; the child share 0.21 is the national one for every group, see
``municipality_groups.md``). For each group a scenario is scaled to the group's
typical municipality (mean children 0-17 per municipality): referrals, staff
(whole posts, at least one per role), budget and placement stocks scale with
the child population; rates, hours and rules do not. Each (group, scenario)
runs its replications on the experiment engine (process pool or Dask), with
the same seeds in every scenario (common random numbers).

Aggregation. For an extensive KPI (a count, a cost, FTEs) the national total is
T = sum_g M_g * mean_g over groups g with M_g municipalities; replications of
different groups are independent, so Var(T) = sum_g M_g^2 * s_g^2 / n_g, with a
t-interval on Welch-Satterthwaite degrees of freedom. An intensive KPI (a share,
a wait) is averaged with fixed weights w_g = M_g * children_g / sum(...), the
same formula with w_g in place of M_g. Treating all M_g municipalities of a
group as copies of its typical one ignores the spread of sizes within a group
(queues are not linear in size): the totals are first-order estimates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from simlib.analysis.derived import results_with_derived
from simlib.model import kpi_registry
from simlib.scenario.rules import budget_for_posts, scaled_posts
from simlib.scenario.loader import load_scenario, with_overrides
from simlib.scenario.schema import Scenario

GROUPS = Path(__file__).resolve().parents[1] / "data" / "municipality_groups.csv"

# KPIs that add up across municipalities (per municipality and year, or a level):
# the derived referral rate and the registry's national="sum" KPIs.
EXTENSIVE = ("referrals_per_year", *kpi_registry.names_where(national="sum"))
# KPIs reported as a child-population-weighted national average.
INTENSIVE = ("referrals_per_1000_children", *kpi_registry.names_where(national="mean"))


def load_groups(path: str | Path = GROUPS) -> pd.DataFrame:
    """The municipality groups with a ``children_typical`` column (mean per municipality)."""
    groups = pd.read_csv(path)
    groups["children_typical"] = groups["children_0_17"] / groups["municipalities"]
    return groups


def scale_scenario(scenario: Scenario, children: float, name: str | None = None) -> Scenario:
    """The scenario resized to a municipality with ``children`` children aged 0-17.

    Volumes, budget and stocks scale by k = children / scenario children. Staff
    are whole posts with at least one per role (``rules.scaled_posts``), and the
    budget and role shares are set to pay for exactly those posts
    (``rules.budget_for_posts``).
    """
    k = children / scenario.municipality.children_0_17
    pl = scenario.placements
    changes: dict[str, object] = {
        "municipality.children_0_17": max(1, round(children)),
        "municipality.population": max(1, round(scenario.municipality.population * k)),
        "referrals.per_year": scenario.referrals.per_year * k,
        **budget_for_posts(scenario, scaled_posts(scenario, k)),
        "placements.initial_in_care": round(pl.initial_in_care * k),
        "placements.foster_homes.initial": round(pl.foster_homes.initial * k),
        "placements.foster_homes.recruited_per_year": pl.foster_homes.recruited_per_year * k,
        "placements.foster_homes.leave_per_year": pl.foster_homes.leave_per_year * k,
    }
    scaled = with_overrides(scenario, changes)
    if name:
        scaled = scaled.model_copy(
            update={"metadata": scaled.metadata.model_copy(update={"name": name})}
        )
    return scaled


@dataclass
class NationalResults:
    """Per-group summaries and national totals of an ensemble run."""

    per_group: pd.DataFrame  # scenario, group, municipalities, weight, kpi, mean, var, n
    totals: pd.DataFrame  # scenario, kpi, kind, estimate, ci_low, ci_high, df
    reps: int
    seed: int


def aggregate(per_group: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """National totals (extensive KPIs) and weighted averages (intensive) with t-intervals.

    ``per_group`` has columns scenario, group, municipalities, weight, kpi, mean,
    var (replication variance, ddof 1) and n; see the module docstring for the math.
    """
    rows = []
    for (scenario, kpi), g in per_group.groupby(["scenario", "kpi"], sort=False):
        g = g[np.isfinite(g["mean"])]
        if g.empty:
            continue
        if kpi in INTENSIVE:
            kind, coef = "weighted mean", g["weight"] / g["weight"].sum()
        else:
            kind, coef = "total", g["municipalities"].astype(float)
        estimate = float((coef * g["mean"]).sum())
        parts = (coef**2 * g["var"] / g["n"]).to_numpy(dtype=float)
        var = float(np.nansum(parts))
        dof_den = np.nansum(parts**2 / (g["n"].to_numpy(dtype=float) - 1))
        df = var**2 / dof_den if dof_den > 0 else math.inf
        if var > 0 and math.isfinite(df):
            half = float(stats.t.ppf(0.5 + level / 2, df)) * math.sqrt(var)
        else:
            half = 0.0 if var == 0 else math.nan
        rows.append(
            {
                "scenario": scenario,
                "kpi": kpi,
                "kind": kind,
                "estimate": estimate,
                "ci_low": estimate - half,
                "ci_high": estimate + half,
                "df": df,
            }
        )
    return pd.DataFrame(
        rows, columns=["scenario", "kpi", "kind", "estimate", "ci_low", "ci_high", "df"]
    )


def summarise_group(per_rep: pd.DataFrame) -> pd.DataFrame:
    """Mean, replication variance and n per KPI of one (group, scenario) cell."""
    g = per_rep.groupby("kpi", sort=False)["value"]
    return pd.DataFrame({"mean": g.mean(), "var": g.var(ddof=1), "n": g.count()}).reset_index()


def _run_cells(
    cells: list[Scenario], reps: int, seed: int, jobs: int, dask: str | None, progress: bool
) -> list:
    """Replications of every cell in one pool (the experiment engine's run_all when present)."""
    try:
        from simlib.experiments.replications import run_all
    except ImportError:  # older engine: serial runs
        from simlib.experiments import run

        return [run(sc, reps=reps, seed=seed) for sc in cells]
    return run_all(cells, reps=reps, seed=seed, jobs=jobs, dask=dask, progress=progress)


def national(
    scenarios: list[Scenario | str | Path] | None = None,
    reps: int = 5,
    seed: int = 2024,
    years: float | None = None,
    jobs: int = 1,
    dask: str | None = None,
    groups: pd.DataFrame | None = None,
    progress: bool = False,
) -> NationalResults:
    """Run every municipality group x scenario and aggregate to national totals."""
    groups = load_groups() if groups is None else groups
    resolved = []
    for item in scenarios or ["baseline"]:
        sc = item if isinstance(item, Scenario) else load_scenario(item)
        if years is not None:
            changes = {"horizon.years": years}
            if sc.horizon.warmup_years >= years:
                changes["horizon.warmup_years"] = years / 5
            sc = with_overrides(sc, changes)
        resolved.append(sc)
    cells, keys = [], []
    for sc in resolved:
        for g in groups.itertuples(index=False):
            cells.append(scale_scenario(sc, g.children_typical, name=f"{sc.name}@{g.group_code}"))
            keys.append((sc.name, g))
    results = _run_cells(cells, reps, seed, jobs, dask, progress)
    frames = []
    for (name, g), res in zip(keys, results, strict=True):
        summary = summarise_group(results_with_derived(res))
        summary.insert(0, "scenario", name)
        summary.insert(1, "group", g.group_code)
        summary.insert(2, "municipalities", int(g.municipalities))
        summary.insert(3, "weight", float(g.municipalities * g.children_typical))
        frames.append(summary)
    per_group = pd.concat(frames, ignore_index=True)
    per_group = per_group[per_group["kpi"].isin(EXTENSIVE + INTENSIVE)].reset_index(drop=True)
    return NationalResults(per_group, aggregate(per_group), reps, seed)
