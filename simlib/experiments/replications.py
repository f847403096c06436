"""Replications of one scenario, with seeds as data and tidy results.

Replication r of base seed s always uses ``SeedSequence(s, spawn_key=(r,))``:
results do not depend on the order or the process they ran in, and two
scenarios run with the same seed share random streams (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simlib.experiments.intervals import summarise
from simlib.model.simulation import simulate
from simlib.scenario.loader import load_scenario, scenario_hash, with_overrides
from simlib.scenario.schema import Scenario

KPI_COLUMNS = ["scenario", "scenario_hash", "replication", "seed", "kpi", "value"]


@dataclass
class Results:
    """KPIs (one row per replication x metric) and weekly series of one scenario."""

    scenario: Scenario
    seed: int
    kpis: pd.DataFrame
    series: pd.DataFrame
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def hash(self) -> str:
        return scenario_hash(self.scenario)

    @property
    def reps(self) -> int:
        return int(self.kpis["replication"].nunique()) if len(self.kpis) else 0

    def kpi(self, name: str) -> pd.Series:
        """Values of one KPI, one per replication, indexed by replication."""
        rows = self.kpis[self.kpis["kpi"] == name]
        if rows.empty:
            raise KeyError(f"unknown KPI {name!r}; known: {sorted(self.kpis['kpi'].unique())}")
        return rows.set_index("replication")["value"]

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Mean and t-interval of each KPI across replications."""
        return summarise(self.kpis, level=level)

    def to_json_dict(self) -> dict[str, Any]:
        """The ``simlib run --format json`` object."""
        table = self.summary()
        return {
            "scenario": self.name,
            "scenario_hash": self.hash,
            "seed": self.seed,
            "reps": self.reps,
            "kpis": {
                row.kpi: {"mean": _num(row.mean), "ci_low": _num(row.ci_low), "ci_high": _num(row.ci_high), "n": int(row.n)}
                for row in table.itertuples()
            },
        }


def _num(x: float) -> float | None:
    return None if x != x else float(x)  # NaN -> null in JSON


def run_replication(scenario: Scenario, seed: int, replication: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One replication as tidy frames (the unit of work for pools and clusters)."""
    out = simulate(scenario, seed, replication)
    name, digest = scenario.name, scenario_hash(scenario)
    kpis = pd.DataFrame(
        [(name, digest, replication, seed, k, float(v)) for k, v in out.kpis.items()], columns=KPI_COLUMNS
    )
    series = out.series.copy()
    series.insert(0, "replication", replication)
    series.insert(0, "scenario", name)
    series["in_warmup"] = series["day"] < out.warmup_days
    return kpis, series


def resolve(scenario: Scenario | str | Path, overrides: dict[str, Any] | None = None, years: float | None = None) -> Scenario:
    """Accept a Scenario, a bundled name or a path; apply overrides and a horizon."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    changes = dict(overrides or {})
    if years is not None:
        changes["horizon.years"] = years
        if sc.horizon.warmup_years >= years:
            changes["horizon.warmup_years"] = years / 5
    return with_overrides(sc, changes) if changes else sc


def run(
    scenario: Scenario | str | Path,
    reps: int = 10,
    seed: int = 2024,
    years: float | None = None,
    overrides: dict[str, Any] | None = None,
) -> Results:
    """Run ``reps`` replications of a scenario and collect tidy results."""
    if reps < 1:
        raise ValueError(f"reps must be at least 1, got {reps}")
    sc = resolve(scenario, overrides, years)
    parts = [run_replication(sc, seed, r) for r in range(reps)]
    kpis = pd.concat([p[0] for p in parts], ignore_index=True)
    series = pd.concat([p[1] for p in parts], ignore_index=True)
    return Results(sc, seed, kpis, series)
