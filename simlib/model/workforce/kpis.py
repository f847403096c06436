"""Workforce accounting: time-weighted staff counts, costs, caseworker changes, KPIs.

The workforce stage changes counts only at events (a hire, a departure, an
absence, a consultant starting), so every time average here is an exact area
under a step function, snapshotted at the weekly samples so that any warm-up
cut on a week boundary is exact. Costs are the same areas priced per FTE-year,
so they add up by construction: cost = salaries (employed, absent or not) +
consultants; mentoring and sick-leave costs are parts of the salaries.

Caseworker changes are shared with later stages: any stage that moves a child's
case to another caseworker calls ``reassign_jobs`` (or ``record_caseworker_change``),
and adds a weekly column ``open_case_days_<role>`` with the cumulative
child-days of its cases *with a caseworker*; ``caseworker_changes_per_child_year``
divides the one by the other over the reporting window (issue 14: a child
waiting in the balans has no caseworker to change, so that time is not in the
denominator; ``investigation_unassigned_time_share`` reports it separately).
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from simlib.model.team import TimeWeighted
from simlib.model.records import CaseworkerChange
from simlib.model.units import YEAR

if TYPE_CHECKING:
    from simlib.model.caseworker import Job
    from simlib.model.context import SimContext
    from simlib.model.team import Team


OPEN_CASE_DAYS_PREFIX = "open_case_days_"
COUNTERS = ("employed", "present", "absent", "consultants", "vacant", "mentoring", "frozen")


def record_caseworker_change(ctx: SimContext, role: str, n: int = 1) -> None:
    """Count ``n`` caseworker changes (for children) in ``role`` now."""
    for _ in range(n):
        ctx.recorder.log(CaseworkerChange(time=ctx.env.now, role=role))


def reassign_jobs(ctx: SimContext, team: Team, jobs: list[Job]) -> None:
    """Hand jobs to other caseworkers, counting a change for each child's case."""
    counted = sum(1 for job in jobs if hasattr(job.payload, "on_caseworker_change"))
    if counted:
        record_caseworker_change(ctx, team.role, counted)
    team.reassign(jobs)


def investigation_case_days(ctx: SimContext) -> float:
    """Cumulative child-days of investigations with a caseworker (time waiting in the balans is not)."""
    team = ctx.teams["investigation"]
    return sum(n * t for n, t in enumerate(team.level_time) if t)


def _week_rows(days: np.ndarray, t0: float, t1: float) -> tuple[int, int]:
    i0 = min(int(np.searchsorted(days, t0 - 1e-9, side="left")), len(days) - 1)
    i1 = min(int(np.searchsorted(days, t1 - 1e-9, side="left")), len(days) - 1)
    return i0, i1


def caseworker_changes_per_child_year(ctx: SimContext, t0: float, t1: float) -> float:
    """Changes in the window per child-year of open cases in every role that reports them."""
    weekly = ctx.recorder.weekly  # its columns, no frame (no pandas for a run's KPIs)
    if not weekly:
        return float("nan")
    days = weekly.column("day")
    i0, i1 = _week_rows(days, t0, t1)
    d0, d1 = float(days[i0]), float(days[i1])
    cols = [weekly.column(c) for c in weekly.fields() if c.startswith(OPEN_CASE_DAYS_PREFIX)]
    child_days = sum(float(col[i1] - col[i0]) for col in cols)
    store = ctx.recorder.events.get(CaseworkerChange)
    times = store.view("time") if store is not None else np.empty(0)
    changes = int(((times >= d0) & (times < d1)).sum())  # a view of the records' times, no tuple each
    return changes / (child_days / YEAR) if child_days > 0 else float("nan")


def case_days_column(ctx: SimContext) -> dict[str, float]:
    """The investigation stage's weekly child-days column (both staffing modes)."""
    return {OPEN_CASE_DAYS_PREFIX + "investigation": investigation_case_days(ctx)}


class Ledger:
    """Step-function counters of the workforce, with weekly snapshots of their areas."""

    def __init__(self, t0: float) -> None:
        self.counters = {name: TimeWeighted(t0) for name in COUNTERS}
        # weekly snapshots of the areas: their days, and the areas in COUNTERS order one snapshot after
        # another (flat arrays, 8 bytes a value: a dict of a small array a week cost ~180 bytes a week)
        self.snap_days: array[float] = array("d")
        self.snap_areas: array[float] = array("d")
        self.leaves: list[float] = []
        self.hires: list[float] = []
        self.mentoring_fte = 0.0  # FTE share of a mentor's time per mentee
        self.year_areas: dict[str, float] = {name: 0.0 for name in COUNTERS}

    def add(self, now: float, name: str, delta: int) -> None:
        c = self.counters[name]
        c.set(now, c.value + delta)

    def value(self, name: str) -> int:
        return self.counters[name].value

    def areas(self, now: float) -> dict[str, float]:
        return {name: c.area_at(now) for name, c in self.counters.items()}

    def snapshot(self, now: float) -> None:
        self.snap_days.append(now)
        self.snap_areas.extend([c.area_at(now) for c in self.counters.values()])

    def _snap(self, t: float) -> dict[str, float] | None:
        """The areas snapshotted at day ``t`` (the latest, if twice), or None."""
        i = bisect_right(self.snap_days, t) - 1  # the days only grow
        if i < 0 or self.snap_days[i] != t:
            return None
        k = len(COUNTERS)
        return dict(zip(COUNTERS, self.snap_areas[i * k:(i + 1) * k], strict=True))

    def window(self, t0: float, t1: float) -> dict[str, float]:
        """Areas accumulated in [t0, t1]; t0 is a weekly sample day, t1 the window's end.

        t1 is sampled too (the horizon's snapshot); after it the run may go on (the
        run-out), so the areas at t1 are the snapshot's, not today's.
        """
        a1 = self._snap(t1) or self.areas(t1)
        a0 = self._snap(t0)
        if a0 is None:  # t0 not sampled (run stopped before any sample): count from 0
            a0 = {name: 0.0 for name in COUNTERS}
        return {name: a1[name] - a0[name] for name in COUNTERS}


def dynamic_kpis(
    ctx: SimContext,
    ledger: Ledger,
    fte_by_role: dict[str, int],
    cost_employee: float,
    cost_consultant: float,
    t0: float,
    t1: float,
    replacement_cost: float = 0.0,
) -> dict[str, float]:
    """Workforce KPIs of a run with staff dynamics, over [t0, t1].

    ``turnover_per_year`` counts everyone who left a post (resignations and moves
    to other units, as the public 27% does); each leaver costs ``replacement_cost``
    (recruitment and induction), part of ``cost_sek_per_year``.
    """
    span = t1 - t0
    nan = float("nan")
    out: dict[str, float] = {"fte_funded": float(sum(fte_by_role.values()))}
    for role, n in fte_by_role.items():
        out[f"fte_funded_{role}"] = float(n)
    if span <= 0:  # stopped (unstable) before the window opened: report every key, as NaN
        keys = (
            "fte_working_mean", "headcount_mean", "vacancy_share", "turnover_per_year", "hires_per_year",
            "consultant_share", "sick_leave_share", "hiring_frozen_post_share", "salary_cost_sek_per_year",
            "consultant_cost_sek_per_year", "cost_sek_per_year", "mentoring_cost_sek_per_year",
            "sick_leave_cost_sek_per_year", "staff_under_1y_share", "caseworker_changes_per_child_year",
            "investigators_under_1y_share", "replacement_cost_sek_per_year", "investigation_unassigned_time_share",
            "staff_budget_spend_sek_per_year",
        )
        return {**out, **dict.fromkeys(keys, nan)}
    a = ledger.window(t0, t1)
    posts_area = a["employed"] + a["vacant"]  # every simulated post is one or the other
    staff_area = a["employed"] + a["consultants"]
    out["fte_working_mean"] = (a["present"] + a["consultants"]) / span
    out["headcount_mean"] = a["employed"] / span
    out["vacancy_share"] = a["vacant"] / posts_area if posts_area > 0 else nan
    leaves = sum(1 for t in ledger.leaves if t0 <= t < t1)
    hires = sum(1 for t in ledger.hires if t0 <= t < t1)
    out["turnover_per_year"] = leaves / (a["employed"] / YEAR) if a["employed"] > 0 else nan
    out["hires_per_year"] = hires / (span / YEAR)
    out["consultant_share"] = a["consultants"] / staff_area if staff_area > 0 else nan
    out["sick_leave_share"] = a["absent"] / a["employed"] if a["employed"] > 0 else nan
    out["hiring_frozen_post_share"] = a["frozen"] / posts_area if posts_area > 0 else nan
    salaries = a["employed"] * cost_employee / span
    consultants = a["consultants"] * cost_consultant / span
    replacement = leaves * replacement_cost / (span / YEAR)
    out["salary_cost_sek_per_year"] = salaries
    out["consultant_cost_sek_per_year"] = consultants
    out["replacement_cost_sek_per_year"] = replacement
    out["cost_sek_per_year"] = salaries + consultants + replacement
    # the part staff.budget_sek_per_year pays, and the hiring freeze holds within it; replacing a
    # leaver (recruitment by HR, induction by colleagues) is a cost of turnover outside that budget
    out["staff_budget_spend_sek_per_year"] = salaries + consultants
    out["mentoring_cost_sek_per_year"] = a["mentoring"] * ledger.mentoring_fte * cost_employee / span
    out["sick_leave_cost_sek_per_year"] = a["absent"] * cost_employee / span
    out["staff_under_1y_share"] = _tenure_share(ctx, t0, t1)
    out["investigators_under_1y_share"] = _tenure_share(ctx, t0, t1, "investigators_under_1y", "investigators_employed")
    out.update(continuity_kpis(ctx, t0, t1))
    return out


def continuity_kpis(ctx: SimContext, t0: float, t1: float) -> dict[str, float]:
    """Caseworker changes per child-year *with* a caseworker, and the share of open time unassigned."""
    weekly = ctx.recorder.weekly
    out = {"caseworker_changes_per_child_year": caseworker_changes_per_child_year(ctx, t0, t1)}
    if not weekly or "balans_area" not in weekly:
        out["investigation_unassigned_time_share"] = float("nan")
        return out
    i0, i1 = _week_rows(weekly.column("day"), t0, t1)
    area = weekly.column("balans_area")
    waiting = float(area[i1] - area[i0])
    name = OPEN_CASE_DAYS_PREFIX + "investigation"
    col = weekly.column(name) if name in weekly else None
    assigned = float(col[i1] - col[i0]) if col is not None else float("nan")
    total = waiting + assigned
    out["investigation_unassigned_time_share"] = waiting / total if total > 0 else float("nan")
    return out


def _tenure_share(ctx: SimContext, t0: float, t1: float, under: str = "staff_under_1y",
                  employed: str = "staff_employed") -> float:
    """Mean over the weekly samples in the window of the under-one-year-in-the-post share."""
    weekly = ctx.recorder.weekly_frame()
    if weekly.empty or under not in weekly:
        return float("nan")
    rows = weekly[(weekly["day"] >= t0 - 1e-9) & (weekly["day"] <= t1)]
    total = rows[employed] if employed in rows else rows["staff_under_1y"] + rows["staff_1_5y"] + rows["staff_over_5y"]
    ok = total > 0
    return float((rows[under][ok] / total[ok]).mean()) if ok.any() else float("nan")


def tenure_bands(now: float, started: Iterable[tuple[float, str]]) -> dict[str, int]:
    """Headcount by time in the post (under 1 year, 1-5, over 5), and investigators under 1 year."""
    under = mid = over = inv = inv_under = 0
    for t, role in started:
        years = (now - t) / YEAR
        if years < 1.0:
            under += 1
        elif years <= 5.0:
            mid += 1
        else:
            over += 1
        if role == "investigation":
            inv += 1
            inv_under += years < 1.0
    return {"staff_under_1y": under, "staff_1_5y": mid, "staff_over_5y": over,
            "investigators_under_1y": inv_under, "investigators_employed": inv}


def install_fixed(ctx: SimContext) -> None:
    """Fixed staffing: exact workforce KPIs from the fixed counts (no vacancies, no absence)."""
    staffed = {role: team.size for role, team in ctx.teams.items()}
    fte = float(sum(staffed.values()))
    cost = ctx.scenario.staff.cost_per_fte_sek

    def weekly() -> dict[str, float]:
        row: dict[str, float] = {
            "staff_under_1y": 0,
            "staff_1_5y": 0,
            "staff_over_5y": int(fte),
            "investigators_under_1y": 0,
            "investigators_employed": staffed.get("investigation", 0),
            "fte_working": fte,
            "posts": fte,
            "vacancies": 0,
            "consultants": 0,
            "absent": 0,
        }
        row.update(case_days_column(ctx))
        return row

    def provider(c: SimContext, t0: float, t1: float) -> dict[str, float]:
        out = {
            "fte_funded": fte,
            "fte_working_mean": fte,
            "headcount_mean": fte,
            "vacancy_share": 0.0,
            "turnover_per_year": 0.0,
            "staff_under_1y_share": 0.0,
            "investigators_under_1y_share": 0.0,
            "replacement_cost_sek_per_year": 0.0,
            "consultant_share": 0.0,
            "sick_leave_share": 0.0,
            "cost_sek_per_year": fte * cost,
            "salary_cost_sek_per_year": fte * cost,
            "staff_budget_spend_sek_per_year": fte * cost,
            "consultant_cost_sek_per_year": 0.0,
        }
        for role, n in staffed.items():
            out[f"fte_funded_{role}"] = float(n)
        out.update(continuity_kpis(c, t0, t1))
        return out

    ctx.weekly_extras.append(weekly)
    ctx.kpi_providers.append(provider)
