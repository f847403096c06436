"""Functional tier: the model responds to its levers the way it must.

- more investigators never lengthen waits under common random numbers (exactly
  per replication in the M/M/c reduction, within a paired t-interval in the
  baseline under a hard cap);
- the cap modes behave (hard: queue, never over the cap; soft: no queue, over
  the cap; none: no queue);
- the working-days calendar: weekends and public holidays give no progress;
- seasonality by thinning gives monthly referral counts that match the
  multipliers within Poisson intervals.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from scipy import stats

import simlib
from tests.conftest import assert_ci_reaches
from simlib.model.calendar import MONTH_STARTS, month_of
from simlib.model.caseworker import Caseworker, Job
from simlib.model.referrals import referral_arrivals
from simlib.model.simulation import build_context
from simlib.scenario.loader import load_scenario, with_overrides

SEED = 777
# the pipeline alone: fixed staff (the workforce and placements have their own tests)
FIXED = {"staff.dynamics": False, "staff.sick_leave.enabled": False, "placements.enabled": False}
BASE = with_overrides(load_scenario("baseline"), FIXED)


def test_more_investigators_never_lengthen_waits_mmc() -> None:
    """M/M/c FIFO under CRN: each customer's wait is non-increasing in c (same arrivals, same work)."""
    waits = {}
    for c in (5, 6, 7):
        res = simlib.run(
            "textbook/mmc", reps=4, seed=SEED, overrides={"staff.investigators_fte": c, "horizon.years": 4}
        )
        waits[c] = res.kpi("investigation_wait_days_mean").to_numpy()
    assert (waits[6] <= waits[5] + 1e-12).all() and (waits[7] <= waits[6] + 1e-12).all(), waits
    assert waits[5].mean() > waits[7].mean()


def test_more_investigators_never_lengthen_waits_baseline_hard_cap() -> None:
    """Baseline with a hard cap of 12: paired differences (fewer minus more staff) are >= 0 within a 99% CI."""
    waits = {}
    for fte in (26, 28, 32):
        res = simlib.run(
            BASE,
            reps=5,
            seed=SEED,
            years=2,
            overrides={"investigation.caseload_cap": 12, "investigation.cap_mode": "hard", "staff.investigators_fte": fte},
        )
        waits[fte] = res.kpi("investigation_wait_days_mean").to_numpy()
    for fewer, more in ((26, 28), (28, 32)):
        diff = waits[fewer] - waits[more]
        assert_ci_reaches(diff, 0.0, f"wait with {fewer} minus with {more} investigators")
    assert waits[26].mean() > waits[32].mean()


def test_cap_modes_behave() -> None:
    """Understaffed (20 investigators, cap 8): hard queues and never exceeds; soft and none never queue.

    No urgent cases here: an urgent case may go over a hard cap (tested on its own).
    """
    common = {"staff.investigators_fte": 20, "horizon.years": 1.5, "horizon.warmup_years": 0.5,
              "referrals.urgent_share": 0.0}
    hard = simlib.run(BASE, reps=2, seed=SEED, overrides={**common, "investigation.caseload_cap": 8, "investigation.cap_mode": "hard"})
    soft = simlib.run(BASE, reps=2, seed=SEED, overrides={**common, "investigation.caseload_cap": 8, "investigation.cap_mode": "soft"})
    none = simlib.run(BASE, reps=2, seed=SEED, overrides={**common, "investigation.caseload_cap": None, "investigation.cap_mode": "none"})
    assert (hard.kpi("balans_mean") > 1).all()
    assert (hard.kpi("investigation_wait_days_mean") > 0).all()
    assert (hard.kpi("over_cap_time_share") == 0).all() and (hard.kpi("caseload_p90") <= 8).all()
    for res in (soft, none):
        assert (res.kpi("balans_mean") == 0).all()
        assert (res.kpi("investigation_wait_days_mean") == 0).all()
    assert (soft.kpi("over_cap_time_share") > 0.1).all()
    assert (soft.kpi("caseload_mean") > 8).all()
    # same cases, same staff: soft and none differ only in the bookkeeping of the cap
    np.testing.assert_allclose(soft.kpi("investigation_days_mean"), none.kpi("investigation_days_mean"))


def _working_ctx():
    sc = with_overrides(BASE, {"calendar.mode": "working_days", "calendar.start_year": 2025})
    return build_context(sc, 1, 0)


def _first_day(ctx, weekday: int, start: int = 0) -> int:
    """First model day >= start with full weight falling on a given weekday (2025-01-01 is a Wednesday)."""
    for day in range(start, start + 21):
        if (2 + day) % 7 == weekday and ctx.calendar.weights[day] == 1.0:
            return day
    raise AssertionError("no such day")


def test_weekends_give_no_progress() -> None:
    """9 h of work at 6 h a day started on a Friday: 6 h Friday, nothing at the weekend, done Monday noon."""
    ctx = _working_ctx()
    env = ctx.env
    friday = _first_day(ctx, 4, start=60)
    done: list[float] = []
    env.run(until=friday)
    worker = Caseworker(ctx, 0, "investigation", 6.0, 0.0)
    job = Job(9.0, lambda j: done.append(env.now))
    worker.add(job)
    env.run(until=friday + 1)
    assert job.done_hours() == pytest.approx(6.0)
    env.run(until=friday + 3)  # Saturday and Sunday
    assert job.done_hours() == pytest.approx(6.0)
    env.run(until=friday + 5)
    assert done == [pytest.approx(friday + 3.5)]


def test_public_holidays_give_no_progress() -> None:
    """Christmas Eve to Boxing Day 2025 carry no hours: work started on 23 December resumes on the 29th."""
    ctx = _working_ctx()
    env = ctx.env
    dec23 = MONTH_STARTS[11] + 22  # Tuesday 23 December 2025
    weights = ctx.calendar.weights
    assert weights[dec23] == 1.0 and weights[dec23 + 1 : dec23 + 6] == (0.0,) * 5  # 24-28 December
    env.run(until=dec23)
    done: list[float] = []
    worker = Caseworker(ctx, 0, "investigation", 6.0, 0.0)
    worker.add(Job(9.0, lambda j: done.append(env.now)))
    env.run(until=dec23 + 7)
    assert done == [pytest.approx(dec23 + 6.5)]  # Monday 29 December, midday


def test_seasonality_by_thinning_matches_monthly_multipliers() -> None:
    """Referral counts per calendar month are Poisson with mean per_year/365 x multiplier x days.

    Each month's count over 30 years must lie in its 99.9% Poisson interval
    (12 months: a family-wise error of about 1%).
    """
    years = 30
    sc = with_overrides(BASE, {"horizon.years": years, "horizon.warmup_years": 1})
    ctx = build_context(sc, SEED, 0)
    times: list[float] = []
    ctx.env.process(referral_arrivals(ctx, lambda r: times.append(r.arrived)))
    ctx.env.run(until=years * 365.0)
    counts = np.bincount([month_of(t) for t in times], minlength=12)
    lengths = np.diff([*MONTH_STARTS, 365])
    rate = sc.referrals.per_year * (1.0 - sc.referrals.failure_demand_share) / 365.0  # the model adds the rest
    for m in range(12):
        expected = rate * sc.referrals.seasonality[m] * lengths[m] * years
        low, high = stats.poisson.ppf([0.0005, 0.9995], expected)
        assert low <= counts[m] <= high, f"month {m + 1}: {counts[m]} referrals, expected {expected:.0f} [{low:.0f}, {high:.0f}]"
    # July (0.65) clearly below the term months (1.1)
    assert counts[6] / lengths[6] < 0.7 * counts[8] / lengths[8]


def test_a_soft_cap_assigns_like_no_cap_and_changes_no_outcome() -> None:
    """Soft cap: assignment as without a cap, overload measured on the caseload carried.

    So every KPI but the cap's own report (time over the cap) is identical, run by
    run, to the same scenario without a cap (common random numbers make it exact).
    """
    common = {"horizon.years": 1.5, "horizon.warmup_years": 0.5, "investigation.caseload_cap": 12}
    dynamic = load_scenario("baseline")  # staff dynamics on: overload drives sick leave and turnover
    soft = simlib.run(dynamic, reps=2, seed=SEED, overrides={**common, "investigation.cap_mode": "soft"}, series=False)
    none = simlib.run(dynamic, reps=2, seed=SEED, overrides={**common, "investigation.cap_mode": "none"}, series=False)
    a = soft.kpis.set_index(["replication", "kpi"])["value"].drop("over_cap_time_share", level="kpi")
    b = none.kpis.set_index(["replication", "kpi"])["value"].drop("over_cap_time_share", level="kpi")
    pd.testing.assert_series_equal(a, b)
    assert soft.kpi("over_cap_time_share").gt(0).all()  # the cap is crossed: the test is not vacuous


def test_a_reassigned_case_keeps_its_place_in_the_balans() -> None:
    """SoL practice: a case handed back (its caseworker left) waits by when it came, not at the back."""
    from simlib.model.caseworker import Job
    from simlib.model.simulation import build_context

    ctx = build_context(load_scenario("textbook/mmc"), 1, 0)
    team = ctx.teams["investigation"]  # no caseworkers yet: everything queues
    jobs = []
    for day in (1.0, 2.0, 3.0):
        ctx.env.run(until=day)
        job = Job(1.0, lambda _j: None)
        team.submit(job)
        jobs.append(job)
    handed_back = Job(1.0, lambda _j: None)
    handed_back.queued_at = 0.5  # came to the team before all of them
    team.reassign([handed_back])
    assert list(team.normal) == [handed_back, *jobs]
    middle = team.normal[2]
    team.dequeue(middle)
    team.reassign([middle])
    assert list(team.normal) == [handed_back, *jobs]


def test_urgent_cases_never_wait_behind_a_hard_cap() -> None:
    """An urgent case goes to a caseworker at once, over the cap if need be, and that is recorded."""
    from simlib.model.records import UrgentOverCap
    from simlib.model.simulation import simulate

    sc = with_overrides(BASE, {"horizon.years": 1.0, "horizon.warmup_years": 0.2, "investigation.caseload_cap": 8,
                               "investigation.cap_mode": "hard", "staff.investigators_fte": 20,
                               "referrals.known_child_share": 0.0})  # no joins: urgency is the opening's
    out = simulate(sc, SEED, 0)
    inv = out.recorder.investigation_frame()
    urgent, normal = inv[inv["urgent"]], inv[~inv["urgent"]]
    assert len(urgent) > 20 and (normal["assigned"] > normal["opened"]).any()  # a real queue to skip
    assert (urgent["assigned"] == urgent["opened"]).all()
    assert len(out.recorder.of(UrgentOverCap)) > 0


def test_a_report_about_a_child_under_investigation_joins_the_open_investigation() -> None:
    """SoL 11 kap 1 a §: no parallel investigations of one child; the report is taken into the open one."""
    from simlib.model.records import InvestigationJoined
    from simlib.model.simulation import simulate

    sc = with_overrides(BASE, {"horizon.years": 1.5, "horizon.warmup_years": 0.5})
    out = simulate(sc, SEED, 0)
    inv = out.recorder.investigation_frame()
    joined = out.recorder.of(InvestigationJoined)
    assert len(joined) > 50, len(joined)  # ~45% of referrals concern a recently referred child
    refs = out.recorder.referral_frame()
    assert refs["joined"].sum() == sum(1 for j in joined if not j.screened)
    # no child ever has two investigations open at once
    by_child = inv.sort_values("opened").groupby("child")
    overlaps = sum(int((g["opened"].iloc[1:].to_numpy() < g["decided"].iloc[:-1].to_numpy()).sum()) for _, g in by_child if len(g) > 1)
    assert overlaps == 0


def test_waits_follow_the_whole_cohort_so_a_growing_queue_cannot_look_short() -> None:
    """Cap 12 at today's budget (a growing balans): the reported wait is the cohort's, followed to its end.

    The run-out after the horizon decides every case opened in the window, so the
    default run and one with a 15-year run-out report the same waits (within 5%,
    here exactly); without a run-out the cases still waiting are cut off and the
    wait looks shorter. The balans's growth is reported as growth, and is ~0 at
    today's rules.
    """
    window = {"horizon.years": 3.0, "horizon.warmup_years": 0.5}
    cap12 = simlib.run("policy/cap-12", reps=1, seed=SEED, overrides=window, series=False)
    long_run = simlib.run("policy/cap-12", reps=1, seed=SEED, overrides={**window, "horizon.run_out_years": 15}, series=False)
    cut_off = simlib.run("policy/cap-12", reps=1, seed=SEED, overrides={**window, "horizon.run_out_years": 0}, series=False)
    wait, followed = cap12.kpi("investigation_wait_days_mean")[0], long_run.kpi("investigation_wait_days_mean")[0]
    assert abs(wait - followed) <= 0.05 * followed, (wait, followed)
    assert cap12.kpi("cohort_undecided_share")[0] == 0.0
    assert cut_off.kpi("cohort_undecided_share")[0] > 0.1  # without a run-out, much of the cohort is still open
    # a capped caseworker finishes each of fewer cases sooner (caseload-elastic work), so the
    # balans grows more slowly than under the first build's pace ceiling (~120 a year), but grows
    assert cap12.kpi("balans_growth_per_year")[0] > 25
    today = simlib.run("baseline", reps=1, seed=SEED, overrides=window, series=False)
    assert abs(today.kpi("balans_growth_per_year")[0]) < 5


def test_a_run_out_that_reaches_its_limit_ends_cleanly() -> None:
    """The calendar covers the run-out: a cohort still open when the run-out ends is reported, not an error."""
    res = simlib.run("policy/cap-12", reps=1, seed=SEED, series=False,  # cap 1: the queue never clears
                     overrides={"horizon.years": 1.5, "horizon.warmup_years": 0.5, "horizon.run_out_years": 2.0,
                                "investigation.caseload_cap": 1})
    assert res.kpi("cohort_undecided_share")[0] > 0
