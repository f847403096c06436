"""KPIs of one replication, computed from its records after the run.

Pure functions of the records and an explicit reporting window [t0, T]:
- event KPIs use the events that *start* in the window (arrivals, openings);
- deadline shares use cases whose deadline falls inside the window, so cases
  still open at the end are counted as late only if their deadline has passed
  (no censoring bias);
- time averages use the weekly cumulative areas, so they are exact.
Names are MODEL.md section 5's public contract.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from simlib.model.context import SimContext

from simlib.model import kpi_registry
from simlib.scenario.rules import cap_rule
from simlib.scenario.schema import Scenario

NAN = float("nan")
# A case closed *at* its deadline (rushed, or done the same instant) is on time;
# opened + deadline - opened is not always exactly the deadline in floating point.
ON_TIME_SLACK = 1e-9


def _week_index_at_or_after(weekly: pd.DataFrame, t: float) -> int:
    days = weekly["day"].to_numpy()
    idx = int(np.searchsorted(days, t - 1e-9, side="left"))
    return min(idx, len(days) - 1)


def mser5_truncation(values: np.ndarray) -> int:
    """MSER-5 (White 1997): batch means of 5, truncate where the marginal SE is least.

    Returns the number of *observations* to drop. Candidates are restricted to the
    first half of the series, as is usual, so the estimate rests on enough data.
    """
    n_batches = len(values) // 5
    if n_batches < 4:
        return 0
    batches = values[: n_batches * 5].reshape(n_batches, 5).mean(axis=1)
    best_d, best = 0, math.inf
    for d in range(n_batches // 2):
        rest = batches[d:]
        stat = rest.var() / len(rest)  # ~ sum of squares / (n-d)^2
        if stat < best:
            best, best_d = stat, d
    return best_d * 5


def warmup_cut(scenario: Scenario, weekly: pd.DataFrame, end: float) -> float:
    """Start of the reporting window, on a weekly sample."""
    if weekly.empty:
        return 0.0
    if scenario.horizon.warmup == "mser5":
        level = (weekly["balans"] + weekly["investigations_in_work"]).to_numpy(dtype=float)
        drop = mser5_truncation(level)
        return float(weekly["day"].iloc[min(drop, len(weekly) - 1)])
    t = scenario.horizon.warmup_years * 365.0
    return float(weekly["day"].iloc[_week_index_at_or_after(weekly, min(t, end))])


def _window_areas(weekly: pd.DataFrame, t0: float, t1: float) -> tuple[int, int]:
    return _week_index_at_or_after(weekly, t0), _week_index_at_or_after(weekly, t1)


def _level_stats(levels: np.ndarray, cap: int | None) -> tuple[float, float, float]:
    """Mean, 90th percentile and over-cap share of a time-at-level histogram."""
    total = levels.sum()
    if total <= 0:
        return NAN, NAN, NAN
    n = np.arange(len(levels))
    mean = float((n * levels).sum() / total)
    cdf = np.cumsum(levels) / total
    p90 = float(np.searchsorted(cdf, 0.9 - 1e-12))
    over = float(levels[n > cap].sum() / total) if cap is not None else 0.0
    return mean, p90, over


def pipeline_kpis(ctx: SimContext, t0: float, t1: float) -> dict[str, float]:
    """Referral, screening and investigation KPIs for the window [t0, t1]."""
    sc = ctx.scenario
    rec = ctx.recorder
    years = max((t1 - t0) / 365.0, 1e-9)
    out: dict[str, float] = {}

    all_refs = rec.referral_frame()
    ref_all_in = all_refs[(all_refs["arrived"] >= t0) & (all_refs["arrived"] < t1)]
    # referrals are recorded when screened; add those still in screening at the end
    pending = sum(1 for r in ctx.open_screenings.values() if t0 <= r.arrived < t1)
    out["referrals_total"] = float(len(ref_all_in) + pending)
    # screening KPIs: a report taken into an open investigation needs no screening
    refs = all_refs[~all_refs["joined"].astype(bool)]
    ref_in = refs[(refs["arrived"] >= t0) & (refs["arrived"] < t1)]
    screen_days = ref_in["screened"] - ref_in["arrived"]
    out["screening_days_mean"] = float(screen_days.mean()) if len(ref_in) else NAN
    deadline14 = sc.screening.deadline_days
    due = refs[(refs["arrived"] >= t0) & (refs["arrived"] + deadline14 <= t1)]
    n_due_screen = len(due) + _unscreened_due(ctx, t0, t1, deadline14)
    on_time = int((due["screened"] - due["arrived"] <= deadline14 + ON_TIME_SLACK).sum())
    out["screening_within_14d_share"] = on_time / n_due_screen if n_due_screen else NAN

    inv = rec.investigation_frame()
    opened_in = inv[(inv["opened"] >= t0) & (inv["opened"] < t1)]
    open_now = _open_cases(ctx)
    waits = opened_in["assigned"] - opened_in["opened"]
    waiting = [c for c in open_now if c.assigned >= 0 and t0 <= c.opened < t1]
    all_waits = np.concatenate([waits.to_numpy(), [c.assigned - c.opened for c in waiting]])
    out["investigation_wait_days_mean"] = float(all_waits.mean()) if len(all_waits) else NAN
    out["investigation_wait_days_p90"] = float(np.percentile(all_waits, 90)) if len(all_waits) else NAN
    out["investigation_days_mean"] = float((opened_in["decided"] - opened_in["opened"]).mean()) if len(opened_in) else NAN
    deadline = sc.investigation.deadline_days
    due_inv = inv[(inv["opened"] >= t0) & (inv["opened"] + deadline <= t1)]
    n_late_open = sum(1 for c in open_now if t0 <= c.opened and c.opened + deadline <= t1)
    n_due = len(due_inv) + n_late_open
    on_time_inv = int((due_inv["decided"] - due_inv["opened"] <= deadline + ON_TIME_SLACK).sum())
    out["investigation_within_4m_share"] = on_time_inv / n_due if n_due else NAN
    decided_in = inv[(inv["decided"] >= t0) & (inv["decided"] < t1)]
    out["child_heard_share"] = float(decided_in["heard"].mean()) if len(decided_in) else NAN
    still_open = sum(1 for c in open_now if t0 <= c.opened < t1)
    out["investigations_per_year"] = (len(opened_in) + still_open) / years
    out["rushed_share"] = float(decided_in["rushed"].mean()) if len(decided_in) else NAN

    weekly = rec.weekly_frame()
    i0, i1 = _window_areas(weekly, t0, t1)
    span = float(weekly["day"].iloc[i1] - weekly["day"].iloc[i0])
    if span > 0:
        out["balans_mean"] = float(weekly["balans_area"].iloc[i1] - weekly["balans_area"].iloc[i0]) / span
        l1 = np.asarray(weekly["level_time"].iloc[i1], dtype=float)
        l0 = np.asarray(weekly["level_time"].iloc[i0], dtype=float)
        width = max(len(l0), len(l1))
        levels = np.pad(l1, (0, width - len(l1))) - np.pad(l0, (0, width - len(l0)))
        cap = cap_rule(sc, "investigation").reported_cap
        mean, p90, over = _level_stats(levels, cap)
        out["caseload_mean"], out["caseload_p90"], out["over_cap_time_share"] = mean, p90, over
    else:
        for key in ("balans_mean", "caseload_mean", "caseload_p90", "over_cap_time_share"):
            out[key] = NAN
    out["unstable"] = float(rec.unstable)
    return out


def _open_cases(ctx: SimContext) -> list:
    """Investigations opened but not yet decided at the end of the run."""
    return list(ctx.open_cases.values())


def _unscreened_due(ctx: SimContext, t0: float, t1: float, deadline: float) -> int:
    """Referrals still in screening at the end whose 14-day deadline has passed."""
    return sum(1 for r in ctx.open_screenings.values() if t0 <= r.arrived and r.arrived + deadline <= t1)


def compute_kpis(ctx: SimContext, t0: float, t1: float) -> dict[str, float]:
    """All KPIs of a replication: the pipeline's plus those of installed stages.

    Every registered KPI is reported (NaN, after the computed ones, where its
    stage does not run), so scenarios with different stages switched on have the
    same rows; a name the registry does not know is a programming error.
    """
    out = pipeline_kpis(ctx, t0, t1)
    for provider in ctx.kpi_providers:
        out.update(provider(ctx, t0, t1))
    unknown = [name for name in out if name not in kpi_registry.BY_NAME]
    if unknown:
        raise KeyError(f"KPIs {unknown} are not registered in simlib/model/kpi_registry.py")
    for name in kpi_registry.NAMES:
        out.setdefault(name, NAN)
    return out
