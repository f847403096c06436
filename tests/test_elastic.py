"""Caseload-elastic work and failure demand (issue 15): unit and functional tiers.

Unit: a case whose work is done keeps its share of the caseworker's hours until
its waits on others are over (exact processor sharing, computed by hand).
Functional, paired under common random numbers: more investigators (fewer
cases each) finish investigations sooner and give each more hours (higher
quality, more children heard); thin investigations come back as re-referrals.
"""

from __future__ import annotations

import pytest

from tests.conftest import t_interval
from simlib.experiments.replications import run
from simlib.model.caseworker import Caseworker, Job
from simlib.model.simulation import build_context
from simlib.scenario import load_scenario

FIXED = {"staff.dynamics": False, "horizon.years": 3.0, "horizon.warmup_years": 1.0}


def paired(a, b, name: str) -> tuple[float, float, float]:
    """Mean and 95% CI of the paired difference b - a of one KPI."""
    d = b.kpi(name).to_numpy() - a.kpi(name).to_numpy()
    mean, half = t_interval(d, 0.95)
    return mean, mean - half, mean + half


def test_a_waiting_case_keeps_its_share_of_the_hours() -> None:
    """Two cases of 6 h at 6 h a day: both done at day 2; A waits on others until day 10.

    A stays with the caseworker and, alone from day 2, gets all 6 h a day: 6 + 8 x 6 = 54 h
    when it is decided at day 10. B is decided at day 2.
    """
    ctx = build_context(load_scenario("textbook/mm1ps"), seed=1, replication=0)
    w = Caseworker(ctx, 0, "investigation", 6.0, 0.0)
    done: dict[str, tuple[float, float]] = {}
    a = Job(6.0, lambda j: done.__setitem__("a", (ctx.env.now, j.contact_hours())))
    b = Job(6.0, lambda j: done.__setitem__("b", (ctx.env.now, j.contact_hours())))
    a.ready_at = 10.0
    w.add(a)
    w.add(b)

    def answers_in(_event) -> None:
        a.ready_at = float("-inf")
        w.finish(a)

    ctx.env.timeout(10.0).callbacks.append(answers_in)
    ctx.env.run(until=20.0)
    assert done["b"] == pytest.approx((2.0, 6.0))
    assert done["a"] == pytest.approx((10.0, 54.0))


@pytest.fixture(scope="module")
def staffing_pair():
    """Fixed staff: 22 against 28 investigators (about 17 and 13 cases each)."""
    few = run("baseline", reps=4, seed=15, overrides={**FIXED, "staff.investigators_fte": 22})
    many = run("baseline", reps=4, seed=15, overrides={**FIXED, "staff.investigators_fte": 28})
    return few, many


def test_fewer_cases_each_finish_sooner_and_get_more_hours(staffing_pair) -> None:
    few, many = staffing_pair
    mean, low, high = paired(few, many, "investigation_days_mean")
    assert high < 0, ("investigation_days_mean", mean, low, high)
    for name in ("investigation_quality_mean", "child_heard_share"):
        mean, low, high = paired(few, many, name)
        assert low > 0, (name, mean, low, high)


def test_thin_investigations_come_back_as_referrals() -> None:
    """Failure demand on (the baseline) against off: more re-referrals within 12 months."""
    off = {**FIXED, "investigation.quality.rereferral_share_at_zero": 0.0, "referrals.failure_demand_share": 0.0}
    a = run("baseline", reps=4, seed=16, overrides=off)
    b = run("baseline", reps=4, seed=16, overrides=FIXED)
    mean, low, high = paired(a, b, "re_referral_12m_share")
    assert low > 0, (mean, low, high)
    assert 0.0 < b.kpi("re_referral_12m_share").mean() < 1.0
    # the Swedish measure (a new investigation, not any referral) comes back too, and less often
    mean, low, high = paired(a, b, "re_investigation_12m_share")
    assert low > 0, ("re_investigation_12m_share", mean, low, high)
    assert (b.kpi("re_investigation_12m_share") < b.kpi("re_referral_12m_share")).all()


def test_no_known_children_and_no_failure_demand_means_no_child_comes_back() -> None:
    off = {**FIXED, "horizon.years": 2.5, "referrals.known_child_share": 0.0,
           "investigation.quality.rereferral_share_at_zero": 0.0, "referrals.failure_demand_share": 0.0}
    res = run("baseline", reps=1, seed=17, overrides=off)
    assert res.kpi("re_referral_12m_share").iloc[0] == 0.0
    assert res.kpi("re_investigation_12m_share").iloc[0] == 0.0


def test_difference_tornado_swings_the_policy_effect() -> None:
    """The effect of a policy against itself is exactly 0 at every end (paired); a real one swings.

    M/M/1-PS: a faster caseworker (hours 1.0 instead of 1.2) shortens the sojourn
    1/(mu - lambda) more at higher load, so the effect is more negative at the high end.
    """
    from simlib.analysis.sensitivity import difference_tornado
    from simlib.scenario import with_overrides

    base = with_overrides(load_scenario("textbook/mm1ps"), {"horizon.years": 4.0, "horizon.warmup_years": 1.0})
    ranges = {"referrals.per_year": (1000.0, 1400.0)}
    same = difference_tornado(base, base, ranges, ["investigation_days_mean"], reps=2)
    assert (same[["base", "at_low", "at_high", "swing"]].to_numpy() == 0).all()
    faster = with_overrides(base, {"investigation.hours.mean": 1.0})
    tor = difference_tornado(base, faster, ranges, ["investigation_days_mean"], reps=3)
    row = tor.iloc[0]
    assert row["at_high"] < row["at_low"] < 0, row.to_dict()
