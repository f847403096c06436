"""Workforce and budget (MODEL.md 3.5): theory, functional and property tiers.

Theory: with constant hazards and no feedback each post is an alternating
renewal process (occupied, then vacant while recruiting), so the long-run
vacancy share, headcount and turnover have closed forms (renewal-reward); the
model must match them within a t-interval. Functional: costs add up, the fixed
mode reports its counts exactly, a 20% budget cut (common random numbers) raises
waits and turnover. Property: working FTE never exceeds funded posts plus
consultants, for random workforce parameters.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import assert_ci_covers, t_interval
from simlib.experiments.replications import run
from simlib.model.simulation import simulate
from simlib.scenario.rules import funded_posts, simulated_roles
from simlib.scenario import load_scenario, with_overrides

DYNAMIC = {"staff.dynamics": True}
NO_FEEDBACK = {
    **DYNAMIC,
    "staff.overload_turnover_factor": 1.0,
    "staff.first_year_turnover_factor": 1.0,
    "staff.retention_premium_share": 0.0,
    "staff.internal_move_per_year.intake": 0.0,
    "staff.internal_move_per_year.investigation": 0.0,
    "staff.internal_move_per_year.placement": 0.0,
    "staff.balans_pressure_weight": 0.0,
}
# Constant hazards only: no feedback, no sick leave, no consultants, no freeze.
RENEWAL = {
    **NO_FEEDBACK,
    "staff.sick_leave.enabled": False,
    "staff.consultants.allowed": False,
    "staff.freeze_on_overrun": False,
    "referrals.per_year": 400.0,  # the workforce does not depend on the load here; keeps runs fast
    "horizon.years": 6,
    "horizon.warmup_years": 1,
}


def check_close(x: np.ndarray, expected: float, what: str) -> None:
    assert_ci_covers(x, expected, what)


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("baseline")


@pytest.fixture(scope="module")
def renewal_results():
    return run("baseline", reps=12, seed=515, overrides=RENEWAL)


def test_vacancy_share_and_headcount_match_renewal_reward(renewal_results) -> None:
    """Each post alternates occupied ~ Exp(turnover) + notice, vacant ~ time to fill.

    Renewal-reward: vacancy share = E[fill] / (1/h + notice + E[fill]); mean
    headcount = posts x (1 - vacancy share).
    """
    sc = renewal_results.scenario
    s = sc.staff
    occupied = 365.0 / s.turnover_per_year + s.notice_days
    fill = s.time_to_fill_days.mean
    share = fill / (occupied + fill)
    posts = sum(funded_posts(sc)[r] for r in simulated_roles(sc))
    check_close(renewal_results.kpi("vacancy_share").to_numpy(), share, "vacancy_share")
    check_close(renewal_results.kpi("headcount_mean").to_numpy(), posts * (1 - share), "headcount_mean")


def test_turnover_matches_base_hazard_without_feedback(renewal_results) -> None:
    """Leavers per employee-year = 1 / (1/h + notice) when the hazard is the base hazard."""
    s = renewal_results.scenario.staff
    expected = 365.0 / (365.0 / s.turnover_per_year + s.notice_days)
    check_close(renewal_results.kpi("turnover_per_year").to_numpy(), expected, "turnover_per_year")


def test_overload_feedback_off_gives_base_turnover_in_full_baseline() -> None:
    """Full baseline (sick leave, consultants, freeze) with the overload factor at 1: base turnover."""
    res = run("baseline", reps=6, seed=77, years=4, overrides=NO_FEEDBACK)
    s = res.scenario.staff
    expected = 365.0 / (365.0 / s.turnover_per_year + s.notice_days)
    check_close(res.kpi("turnover_per_year").to_numpy(), expected, "turnover_per_year")


def test_the_staff_budget_pays_salaries_and_consultants_within_it() -> None:
    """The budget a user sets holds: over whole budget years salaries + consultants stay within it.

    Replacing leavers (staff.replacement_cost_sek) is a cost of turnover outside the staff
    budget, so cost_sek_per_year may exceed the budget; the run report says why.
    """
    res = run("baseline", reps=3, seed=11, years=3, overrides={"horizon.warmup_years": 1.0})
    budget = res.scenario.staff.budget_sek_per_year
    spend = res.kpi("staff_budget_spend_sek_per_year")
    assert (spend <= budget * (1 + 1e-9)).all(), spend.tolist()
    parts = res.kpi("salary_cost_sek_per_year") + res.kpi("consultant_cost_sek_per_year")
    assert np.allclose(spend, parts, rtol=1e-12)
    total = spend + res.kpi("replacement_cost_sek_per_year")
    assert np.allclose(res.kpi("cost_sek_per_year"), total, rtol=1e-12)
    assert (res.kpi("cost_sek_per_year") > budget).all()  # today's turnover costs more than the budget pays
    lead = res.report().splitlines()[0]
    assert lead.startswith("BUDGET: the staff budget (34.4 MSEK a year) pays salaries and consultants"), lead
    assert "replacing leavers" in lead


def test_costs_add_up(baseline) -> None:
    """cost = salaries (all employed, absent or not) + consultants + replacing leavers; parts priced per FTE-year."""
    sc = with_overrides(baseline, {**DYNAMIC, "horizon.years": 4, "staff.mentoring": True})
    k = simulate(sc, 3, 0).kpis
    s = sc.staff
    replacement = k["turnover_per_year"] * k["headcount_mean"] * s.replacement_cost_sek
    assert k["replacement_cost_sek_per_year"] == pytest.approx(replacement, rel=1e-9)
    assert k["replacement_cost_sek_per_year"] > 0
    assert k["cost_sek_per_year"] == pytest.approx(
        k["salary_cost_sek_per_year"] + k["consultant_cost_sek_per_year"] + k["replacement_cost_sek_per_year"], rel=1e-12)
    assert k["salary_cost_sek_per_year"] == pytest.approx(k["headcount_mean"] * s.cost_per_fte_sek, rel=1e-12)
    share = k["consultant_share"]
    consultants = share * k["headcount_mean"] / (1 - share)
    assert k["consultant_cost_sek_per_year"] == pytest.approx(consultants * s.cost_per_fte_sek * s.consultants.premium, rel=1e-9)
    assert k["sick_leave_cost_sek_per_year"] == pytest.approx(k["sick_leave_share"] * k["salary_cost_sek_per_year"], rel=1e-9)
    assert 0 < k["mentoring_cost_sek_per_year"] < k["salary_cost_sek_per_year"]
    assert k["consultant_cost_sek_per_year"] > 0
    assert k["fte_funded"] == sum(funded_posts(sc).values())


def test_fixed_mode_reports_its_counts_exactly(baseline) -> None:
    sc = with_overrides(baseline, {"staff.dynamics": False, "horizon.years": 1, "horizon.warmup_years": 0.2})
    k = simulate(sc, 1, 0).kpis
    fte = sc.staff.intake_fte + sc.staff.investigators_fte + (sc.staff.placement_fte if sc.placements.enabled else 0)
    assert k["fte_funded"] == k["fte_working_mean"] == fte
    assert k["cost_sek_per_year"] == fte * sc.staff.cost_per_fte_sek
    for name in ("vacancy_share", "turnover_per_year", "consultant_share", "sick_leave_share",
                 "consultant_cost_sek_per_year", "caseworker_changes_per_child_year"):
        assert k[name] == 0.0, name


def test_internal_moves_renew_the_investigators(baseline) -> None:
    """Moves out of the entry post (investigation) raise the share of investigators new in their post.

    Paired (common random numbers): the same runs with and without the
    investigators' internal moves; the 95% CI of the difference lies above 0,
    and with them the baseline lands in the published 20-33%.
    """
    base = {**DYNAMIC, "horizon.years": 4}
    on = run("baseline", reps=6, seed=41, overrides=base)
    off = run("baseline", reps=6, seed=41, overrides={**base, "staff.internal_move_per_year.investigation": 0.0})
    low, mean = paired_lower_bound(off.kpi("investigators_under_1y_share").to_numpy(),
                                   on.kpi("investigators_under_1y_share").to_numpy())
    assert low > 0, (low, mean)
    assert 0.15 < on.kpi("investigators_under_1y_share").mean() < 0.35


def test_same_seed_same_results(baseline) -> None:
    sc = with_overrides(baseline, {**DYNAMIC, "horizon.years": 2, "horizon.warmup_years": 0.5})
    assert simulate(sc, 9, 1).kpis == simulate(sc, 9, 1).kpis


def paired_lower_bound(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    d = b - a
    mean, half = t_interval(d, level)
    return mean - half, mean


@pytest.mark.slow
@pytest.mark.parametrize(
    ("extra", "kpis"),
    [
        # today's rules: no cap, so nothing waits in balans; cases pile up on caseworkers instead
        ({}, ("turnover_per_year", "caseload_mean")),
        # a lax hard cap (above the sustainable 15) makes the shortage visible as balans waits
        ({"investigation.caseload_cap": 20, "investigation.cap_mode": "hard"},
         ("turnover_per_year", "investigation_wait_days_mean", "balans_mean")),
    ],
)
def test_budget_cut_raises_waits_and_turnover(extra, kpis) -> None:
    """Common random numbers: the paired difference (cut - base) has a 95% CI above zero."""
    # a short warm-up: a cut run stops early (unstable), and its window must still exist. The
    # bounded-work guard stops a run at 25 open investigations per investigator (today's
    # caseload is ~13): past that an uncapped unit shares its hours among hundreds of cases and
    # one replication took over ten minutes, with nothing more to learn than "it runs away"
    base = {**DYNAMIC, **extra, "horizon.warmup_years": 0.25,
            "horizon.unstable_queue_per_server": 20, "horizon.stop_queue_per_server": 25}
    budget = load_scenario("baseline").staff.budget_sek_per_year
    cut = {**base, "staff.budget_sek_per_year": 0.8 * budget}
    # 16 pairs: with reports joining open investigations the capped unit queues less,
    # and 8 pairs left the wait's lower bound at -0.01 (mean +3.8 days); turnover's effect
    # (+0.035 a year) had a lower bound of +0.009 with 12 pairs, and -0.001 after the #16
    # calibration moved the random paths (+0.032; with 16 pairs +0.035, bound +0.004)
    a = run("baseline", reps=16, seed=2024, years=4, overrides=base, jobs=2)
    b = run("baseline", reps=16, seed=2024, years=4, overrides=cut, jobs=2)
    if not extra:  # uncapped, the cut unit cannot keep up: open cases pile up without bound
        assert b.kpi("unstable").sum() >= 1
    for name in kpis:
        low, mean = paired_lower_bound(a.kpi(name).to_numpy(), b.kpi(name).to_numpy())
        assert low > 0, f"{name}: paired difference {mean:.4f}, 95% lower bound {low:.4f}"


def test_a_runaway_cut_unit_is_stopped_and_flagged_in_bounded_work(baseline) -> None:
    """A 20% budget cut at the scenario's own guards: a runaway replication stops in seconds, and says so.

    Uncapped, a cut unit can tip into a spiral (overload -> leavers -> more overload).
    The default guard (horizon.stop_queue_per_server) stops it at 100 open
    investigations per investigator; with the old 500 the overload hazards ran away
    long before the guard and one replication took tens of minutes. Seed 2024,
    replications 1 and 2 ran away under the old guard (rep 2 never finished in 3 minutes).
    """
    import time

    assert baseline.horizon.stop_queue_per_server <= 100
    cut = with_overrides(baseline, {"staff.budget_sek_per_year": 0.8 * baseline.staff.budget_sek_per_year})
    for rep in (1, 2):
        start = time.process_time()
        out = simulate(cut, 2024, rep)
        cpu = time.process_time() - start
        assert out.kpis["stopped_early"] == 1.0 and out.kpis["unstable"] == 1.0, rep
        assert out.kpis["reporting_years"] < cut.horizon.years - cut.horizon.warmup_years
        assert cpu < 60.0, f"replication {rep} took {cpu:.0f} s of CPU"


def test_overload_hazards_are_held_beyond_eight_times_the_reference() -> None:
    from simlib.model.workforce.hazard import MAX_OVERLOAD_RATIO, overload_multiplier

    assert overload_multiplier(30.0, 15.0, 2.0) == pytest.approx(2.0)
    top = overload_multiplier(MAX_OVERLOAD_RATIO * 15.0, 15.0, 2.0)
    assert top == pytest.approx(2.0 ** (MAX_OVERLOAD_RATIO - 1))
    assert overload_multiplier(5_000.0, 15.0, 2.0) == top


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    budget=st.floats(8e6, 5e7),
    turnover=st.floats(0.0, 0.6),
    fill=st.floats(10.0, 200.0),
    max_share=st.floats(0.0, 0.5),
    sick=st.booleans(),
    mentoring=st.booleans(),
    seed=st.integers(0, 10_000),
)
def test_working_fte_never_exceeds_funded_plus_consultants(
    baseline, budget, turnover, fill, max_share, sick, mentoring, seed
) -> None:
    sc = with_overrides(baseline, {
        **DYNAMIC,
        "referrals.per_year": 1500.0,
        "horizon.years": 1.5,
        "horizon.warmup_years": 0.5,
        "staff.budget_sek_per_year": budget,
        "staff.turnover_per_year": turnover,
        "staff.time_to_fill_days.mean": fill,
        "staff.consultants.max_share": max_share,
        "staff.consultants.start_days": 3.0,
        "staff.sick_leave.enabled": sick,
        "staff.mentoring": mentoring,
    })
    w = simulate(sc, seed, 0).series
    employed = w["staff_under_1y"] + w["staff_1_5y"] + w["staff_over_5y"]
    assert (w["fte_working"] <= w["posts"] + w["consultants"]).all()
    assert (employed + w["vacancies"] == w["posts"]).all()
    assert (w["fte_working"] == employed - w["absent"] + w["consultants"]).all()
    allowed = max(math.floor(max_share * w["posts"].iloc[0] + 1e-9), 1 if max_share > 0 else 0)
    assert (w["consultants"] <= allowed).all()
    assert (w["consultants"] <= w["vacancies"]).all()


def test_staff_in_their_notice_period_get_no_new_cases(baseline) -> None:
    """A resigning caseworker works on through the notice period but is given no new case."""
    from unittest import mock

    from simlib.model.team import Team
    from simlib.model.workforce.staff import Workforce

    resigned: dict[int, float] = {}
    late: list[tuple[int, float]] = []
    real_resign, real_assign = Workforce._resign, Team._assign

    def resign(self, st):
        resigned[st.worker.wid] = self.env.now
        real_resign(self, st)

    def assign(self, worker, job, *args):
        if worker.wid in resigned and not worker.is_consultant:
            late.append((worker.wid, self.ctx.env.now))
        real_assign(self, worker, job, *args)

    sc = with_overrides(baseline, {**DYNAMIC, "staff.turnover_per_year": 0.6, "horizon.years": 2, "horizon.warmup_years": 0.5})
    with mock.patch.object(Workforce, "_resign", resign), mock.patch.object(Team, "_assign", assign):
        simulate(sc, 5, 0)
    assert len(resigned) > 10, resigned  # resignations happened: the check is not vacuous
    assert not late, f"cases given to staff in notice: {late[:5]}"
