"""Precision mode: how many replications are enough for a CI of a given relative width.

The sequential procedure of Law & Kelton ("replication/deletion", fixed relative
precision): after n replications, a KPI is precise enough when the half-width of
its 95% t-interval is at most ``target`` times the absolute value of its mean.
If some chosen KPI is not, estimate the replications it needs from
n * (relative half-width / target)^2, never more than doubling in one step
(early variance estimates are noisy) and never past the cap.

The rule depends only on the values, never on how many workers ran them, so a
precision run gives the same replications for ``--jobs 1`` and ``--jobs 8``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from simlib.experiments.intervals import t_interval
from simlib.model import kpi_registry

# Headline KPIs checked when none are chosen: the questions in MODEL.md section 1.
DEFAULT_KPIS = kpi_registry.view("headline")


def relative_half_width(values: pd.Series, level: float = 0.95) -> float:
    """Half-width of the t-interval over |mean|; 0 for a constant KPI, NaN with no data."""
    mean, low, high, n = t_interval(values.to_numpy(), level)
    if n == 0:
        return math.nan
    if n < 2:
        return math.inf
    half = (high - low) / 2
    if half == 0:
        return 0.0
    return math.inf if mean == 0 else half / abs(mean)


@dataclass
class PrecisionCheck:
    """The state of a precision run after some replications."""

    reps: int
    relative: dict[str, float]  # KPI -> relative half-width (NaN: no data, not checked)
    target: float

    @property
    def worst(self) -> tuple[str, float]:
        checked = {k: v for k, v in self.relative.items() if not math.isnan(v)}
        if not checked:
            return "", 0.0
        kpi = max(checked, key=lambda k: checked[k])
        return kpi, checked[kpi]

    @property
    def met(self) -> bool:
        return self.worst[1] <= self.target


@dataclass
class PrecisionLog:
    """What a precision run did; stored in ``Results.extras['precision']``."""

    target: float
    max_reps: int
    kpis: list[str]
    checks: list[PrecisionCheck] = field(default_factory=list)

    @property
    def reached(self) -> bool:
        return bool(self.checks) and self.checks[-1].met

    def describe(self) -> str:
        last = self.checks[-1]
        kpi, worst = last.worst
        if last.met:
            return f"precision {self.target:g} reached after {last.reps} replications (widest: {kpi}, {worst:.3g})"
        return (
            f"precision {self.target:g} NOT reached: stopped at the cap of {self.max_reps} replications "
            f"({kpi} has relative half-width {worst:.3g})"
        )


def check(kpis: pd.DataFrame, chosen: list[str], target: float, level: float = 0.95) -> PrecisionCheck:
    """Relative half-widths of the chosen KPIs in a tidy KPI frame."""
    reps = int(kpis["replication"].nunique())
    relative = {}
    for name in chosen:
        values = kpis.loc[kpis["kpi"] == name, "value"]
        relative[name] = relative_half_width(values, level)
    return PrecisionCheck(reps, relative, target)


def next_reps(state: PrecisionCheck, max_reps: int) -> int:
    """Replications to have after the next round; ``state.reps`` when done or capped."""
    n = state.reps
    if state.met or n >= max_reps:
        return n
    worst = state.worst[1]
    needed = 2 * n if math.isinf(worst) else math.ceil(n * (worst / state.target) ** 2)
    return min(max_reps, max(n + 1, min(2 * n, needed)))


def choose_kpis(available: list[str], chosen: list[str] | None) -> list[str]:
    """The KPIs to check: the ones asked for (each must exist), or the headline ones present."""
    if chosen:
        unknown = [k for k in chosen if k not in available]
        if unknown:
            raise KeyError(f"unknown KPI {unknown[0]!r}; known: {', '.join(sorted(available))}")
        return list(chosen)
    return [k for k in DEFAULT_KPIS if k in available]
