"""``SweepResults``: what ``sweep`` returns, with the verbs of ``Results`` and ``Comparison``.

``kpis`` is the tidy frame (``point``, one column per swept key, ``scenario``,
``scenario_hash``, ``replication``, ``seed``, ``kpi``, ``value``);
``summary`` gives each point's mean and t-interval per KPI; ``report`` is the
table ``simlib sweep`` prints (headline KPI means per point); ``to_json_dict``
its ``--format json`` object.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from simlib.experiments import report
from simlib.experiments.intervals import summarise
from simlib.model import kpi_registry
from simlib.scenario.loader import scenario_hash
from simlib.scenario.schema import Scenario

FIXED_COLUMNS = ("point", "scenario", "scenario_hash", "replication", "seed", "kpi", "value")


@dataclass
class SweepResults:
    """Tidy KPIs of every design point x replication, and the design behind them."""

    scenario: Scenario  # the resolved base scenario
    seed: int
    reps: int
    kpis: pd.DataFrame
    points: list[dict[str, Any]] = field(default_factory=list)  # the overrides of each point

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def keys(self) -> list[str]:
        """The swept keys (their columns follow ``point`` in ``kpis``)."""
        return [c for c in self.kpis.columns if c not in FIXED_COLUMNS]

    def summary(self, kpis: Sequence[str] | None = None, level: float = 0.95) -> pd.DataFrame:
        """Per point and KPI: the swept values, mean, ci_low, ci_high, n."""
        table = summarise(self.kpis, by=["point"], level=level)
        params = self.kpis.drop_duplicates("point")[["point", *self.keys]]
        table = params.merge(table, on="point", how="right", sort=False)
        return report.select(table, kpis)

    def to_json_dict(self) -> dict[str, Any]:
        """The ``simlib sweep --format json`` object (NaN -> null)."""
        keys = self.keys
        points = []
        for point, group in self.kpis.groupby("point", sort=True):
            first = group.iloc[0]
            summary = summarise(group[["kpi", "value"]])
            points.append({
                "point": int(point),
                "overrides": {k: (None if _is_missing(first[k]) else _plain(first[k])) for k in keys},
                "scenario_hash": str(first["scenario_hash"]),
                "kpis": {r.kpi: report.interval_json(r) for r in summary.itertuples()},
            })
        return {"scenario": self.name, "base_scenario_hash": scenario_hash(self.scenario), "seed": self.seed,
                "reps": self.reps, "points": points}

    def report(self, kpis: Sequence[str] | None = None, level: float = 0.95, label: report.Label | None = None) -> str:
        """The table ``simlib sweep`` prints: KPI means per point (headline KPIs unless named).

        ``level`` is accepted for the family's common signature; the table shows
        means only (``summary`` and ``to_json_dict`` carry the intervals).
        """
        shown = list(kpis) if kpis is not None else list(kpi_registry.view("headline"))
        if kpis is not None:
            report.select(self.summary(level=level), shown)  # an unknown name is a KeyError
        return report.sweep_table(self.kpis, self.keys, shown, label=label)

    def __repr__(self) -> str:
        n_points = int(self.kpis["point"].nunique()) if len(self.kpis) else 0
        n_kpis = int(self.kpis["kpi"].nunique()) if len(self.kpis) else 0
        return (f"<SweepResults {self.name}: {n_points} points x {self.reps} replications x {n_kpis} KPIs, "
                f"seed {self.seed}>")

    def _repr_html_(self) -> str:
        table = report.sweep_means(self.kpis, self.keys, kpi_registry.view("headline")).reset_index()
        return report.html_table(table, repr(self))


def _is_missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _plain(x: Any) -> Any:
    return x.item() if hasattr(x, "item") else x
