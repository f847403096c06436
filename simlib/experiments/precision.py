"""Precision mode: how many replications are enough for a CI of a given width.

The sequential procedure of Law & Kelton ("replication/deletion", fixed
precision): after n replications, a KPI is precise enough when the half-width
of its 95% t-interval is at most the allowed half-width, which is ``relative``
times the absolute value of its mean, or ``absolute`` (in the KPI's own units)
where that is larger. An absolute target is what a small value needs: a paired
difference near 0 can never reach a relative precision. If some chosen KPI is
not precise enough, estimate the replications it needs from
n * (half-width / allowed)^2, never more than doubling in one step (early
variance estimates are noisy) and never past the cap.

The rule depends only on the values, never on how many workers ran them, so a
precision run gives the same replications for ``--jobs 1`` and ``--jobs 8``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simlib.experiments.intervals import t_interval
from simlib.model import kpi_registry

# Headline KPIs checked when none are chosen: the questions in MODEL.md section 1.
DEFAULT_KPIS = kpi_registry.view("headline")


@dataclass(frozen=True)
class Target:
    """The allowed half-width: ``relative`` x |mean|, or ``absolute`` where that is larger."""

    relative: float | None = None
    absolute: float | None = None

    def allowed(self, mean: float) -> float:
        rel = self.relative * abs(mean) if self.relative is not None else 0.0
        return max(rel, self.absolute or 0.0)

    def describe(self) -> str:
        parts = ([f"relative {self.relative:g}"] if self.relative is not None else []) + (
            [f"absolute {self.absolute:g}"] if self.absolute is not None else [])
        return " or ".join(parts)


def half_width_ratio(values: np.ndarray | pd.Series, target: Target, level: float = 0.95) -> float:
    """Half-width of the t-interval over the allowed half-width (<= 1: precise enough).

    0 for a constant KPI, NaN with no data, inf with one value or nothing allowed.
    """
    mean, low, high, n = t_interval(np.asarray(values, dtype=float), level)
    if n == 0:
        return math.nan
    if n < 2:
        return math.inf
    half = (high - low) / 2
    if half == 0:
        return 0.0
    allowed = target.allowed(mean)
    return math.inf if allowed == 0 else half / allowed


def relative_half_width(values: pd.Series, level: float = 0.95) -> float:
    """Half-width of the t-interval over |mean|; 0 for a constant KPI, NaN with no data."""
    return half_width_ratio(values, Target(relative=1.0), level)


@dataclass
class PrecisionCheck:
    """The state of a precision run after some replications."""

    reps: int
    ratio: dict[str, float]  # KPI -> half-width / allowed half-width (NaN: no data, not checked)

    @property
    def worst(self) -> tuple[str, float]:
        checked = {k: v for k, v in self.ratio.items() if not math.isnan(v)}
        if not checked:
            return "", 0.0
        kpi = max(checked, key=lambda k: checked[k])
        return kpi, checked[kpi]

    @property
    def met(self) -> bool:
        return self.worst[1] <= 1.0


@dataclass
class PrecisionLog:
    """What a precision run did; stored in ``extras['precision']`` of the results."""

    target: float | None
    max_reps: int
    kpis: list[str]
    checks: list[PrecisionCheck] = field(default_factory=list)
    absolute: dict[str, float] = field(default_factory=dict)

    @property
    def reached(self) -> bool:
        return bool(self.checks) and self.checks[-1].met

    def describe(self) -> str:
        last = self.checks[-1]
        kpi, worst = last.worst
        wanted = "precision " + " / ".join(
            ([f"{self.target:g}"] if self.target is not None else [])
            + [f"{k} +-{v:g}" for k, v in self.absolute.items()])
        if last.met:
            return f"{wanted} reached after {last.reps} replications (widest: {kpi}, {worst:.2f} of its allowed half-width)"
        return (f"{wanted} NOT reached: stopped at the cap of {self.max_reps} replications "
                f"({kpi}'s half-width is {worst:.3g} times the allowed one)")


def targets_for(chosen: list[str], relative: float | None, absolute: Mapping[str, float] | None) -> dict[str, Target]:
    """One Target per checked KPI: the relative precision, and an absolute one where given.

    ``absolute`` is keyed by KPI name; for a paired comparison the checked names
    are "alternative: kpi" and the absolute target of "kpi" applies to each.
    """
    absolute = dict(absolute or {})
    out = {}
    for name in chosen:
        kpi = name.rsplit(": ", 1)[-1]
        out[name] = Target(relative, absolute.get(kpi))
    return out


def check(values: Mapping[str, np.ndarray | pd.Series], targets: Mapping[str, Target],
          level: float = 0.95) -> PrecisionCheck:
    """Half-width ratios of the checked series (one value per replication each)."""
    reps = max((len(v) for v in values.values()), default=0)
    return PrecisionCheck(reps, {name: half_width_ratio(values[name], t, level) for name, t in targets.items()})


def by_kpi(kpis: pd.DataFrame, chosen: list[str]) -> dict[str, pd.Series]:
    """The values of the chosen KPIs in a tidy KPI frame, one series per KPI."""
    return {name: kpis.loc[kpis["kpi"] == name, "value"] for name in chosen}


def next_reps(state: PrecisionCheck, max_reps: int) -> int:
    """Replications to have after the next round; ``state.reps`` when done or capped."""
    n = state.reps
    if state.met or n >= max_reps:
        return n
    worst = state.worst[1]
    needed = 2 * n if math.isinf(worst) else math.ceil(n * worst**2)
    return min(max_reps, max(n + 1, min(2 * n, needed)))


def choose_kpis(available: list[str], chosen: list[str] | None,
                absolute: Mapping[str, float] | None = None, relative: bool = True) -> list[str]:
    """The KPIs to check: the ones asked for, or else the headline ones (only with a relative
    target), plus every KPI with an absolute target. Each must exist.
    """
    absolute = dict(absolute or {})
    default = [k for k in DEFAULT_KPIS if k in available] if relative else []
    names = list(dict.fromkeys([*(chosen or default), *absolute]))
    unknown = [k for k in names if k not in available]
    if unknown:
        raise KeyError(f"unknown KPI {unknown[0]!r}; known: {', '.join(sorted(available))}")
    return names


def validate(precision: float | None, absolute: Mapping[str, float] | None, reps: int,
             max_reps: int | None) -> int:
    """Check a precision request; returns the cap on replications (default 100)."""
    if precision is not None and not precision > 0:
        raise ValueError(f"precision must be above 0, got {precision}")
    for kpi, value in (absolute or {}).items():
        kpi_registry.get(kpi)  # a KeyError naming the registry, before anything runs
        if not value > 0:
            raise ValueError(f"absolute precision of {kpi} must be above 0, got {value}")
    cap = 100 if max_reps is None else max_reps
    if cap < reps:
        raise ValueError(f"max_reps ({cap}) must be at least reps ({reps})")
    return cap
