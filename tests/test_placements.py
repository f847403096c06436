"""Theory, property and functional tiers for placements and churn (MODEL.md 3.4, 6, 7).

- theory: with breakdowns off, no recruitment or exits, no planned moves and
  Poisson placement needs, the foster-home pool is an M/G/c/c loss system, so
  ``emergency_placement_share`` = Erlang B(c, offered load) for exponential and
  lognormal placement lengths (insensitivity); with a constant hazard (every
  factor 1), breakdowns per child-year estimate the hazard;
- property (hypothesis): every child in care is in exactly one home or emergency
  place at all times, no home holds two children, nobody is in care at 18 or
  over, and a hard cap on placement caseworkers is never exceeded;
- functional: with common random numbers, fewer placement caseworkers give fewer
  visits done and more breakdowns (paired-difference t-interval excludes zero);
  the baseline reports every placement KPI and a per-child history.
Fixed seeds; tolerances are 99% t-intervals across replications, never widened.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import assert_ci_above, assert_ci_covers
from simlib.analysis.theory import erlang_b
from simlib.experiments.replications import run
from simlib.model import placements
from simlib.model.placements import child_history, placement_spells
from simlib.model.simulation import simulate
from simlib.scenario import load_scenario, with_overrides
from simlib.scenario.schema import Scenario

DAYS_PER_MONTH = 365.0 / 12.0
ONLY_FOSTER_HOMES = {"familjehem": 1.0, "konsulent": 0.0, "natverkshem": 0.0, "hvb": 0.0}
PLACEMENT_KPIS = (
    "placements_active_mean",
    "placement_moves_per_child_year",
    "breakdowns_per_year",
    "children_3plus_placements_share",
    "visits_done_share",
    "caseworker_changes_per_child_year",
    "emergency_placement_share",
)


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario("baseline")


def needs_only(base: Scenario, **placement: Any) -> Scenario:
    """Every referral becomes a placement need at once (a Poisson stream of needs).

    Screening off, no seasonality, no repeat referrals, investigations of a few
    seconds, everyone placed; children aged 0-12 so age-out does not cut short
    placements of a few months.
    """
    overrides: dict[str, Any] = {
        "calendar.mode": "continuous",
        "horizon.warmup": "fixed",
        "referrals.seasonality": [1.0] * 12,
        "referrals.known_child_share": 0.0,
        "referrals.urgent_share": 0.0,
        "referrals.age_0_12_share": 1.0,
        "screening.enabled": False,
        "investigation.hours": {"kind": "deterministic", "value": 0.01},
        "investigation.max_pace_hours_per_day": None,
        "investigation.external_wait_days": None,  # decided as soon as the work is done
        "investigation.quality.rereferral_share_at_zero": 0.0,  # no failure demand: needs stay Poisson
        "referrals.failure_demand_share": 0.0,
        "investigation.coordination_hours_per_case_week": 0.0,
        "investigation.caseload_cap": None,
        "investigation.cap_mode": "none",
        "investigation.rush_at_deadline": False,
        "investigation.outcome": {"none": 0.0, "in_home": 0.0, "placement": 1.0},
        "staff.dynamics": False,
        "staff.investigators_fte": 2,
        "staff.placement_fte": 2,
        "placements.enabled": True,
        # one type, the own foster homes (the pool); no acute path, no return after going home
        "placements.mix_under_13": ONLY_FOSTER_HOMES,
        "placements.mix_teen": ONLY_FOSTER_HOMES,
        "placements.acute.share_of_placed": 0.0,
        "placements.acute.share_of_not_placed": 0.0,
        "placements.re_entry.share_within_2y": 0.0,
        "placements.purchase_after_days": None,
    }
    for key, value in placement.items():
        if key == "months":
            key = "types.familjehem.months"
        elif key == "foster_homes":
            value = homes(**value)
        overrides[f"placements.{key}" if not key.startswith(("horizon", "referrals")) else key] = value
    return with_overrides(base, overrides)


def homes(initial: int, recruited_per_year: float, leave_per_year: float) -> dict[str, Any]:
    """A foster-home pool with a constant recruitment rate (no response to need) and no breakdown exits."""
    return {
        "initial": initial,
        "recruited_per_year": recruited_per_year,
        "recruited_per_waiting_child": 0.0,
        "max_recruited_per_year": recruited_per_year,
        "leave_per_year": leave_per_year,
        "leave_after_breakdown": 0.0,
    }


# --- theory --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "months",
    [{"kind": "exponential", "mean": 3.0}, {"kind": "lognormal", "mean": 3.0, "cv": 2.0}],
    ids=["exponential", "lognormal"],
)
def test_emergency_share_matches_erlang_b(baseline: Scenario, months: dict) -> None:
    """M/G/c/c: P(no free home) = B(c, a), a = lambda x mean length (Erlang 1917; insensitive)."""
    c, lam_per_year = 10, 32.0
    sc = needs_only(
        baseline,
        **{
            # a long warm-up: the lognormal's long placements take years to build up
            # (load still missing after 1 year: 15%; after 10 years: 0.4%)
            "horizon.years": 30.0,
            "horizon.warmup_years": 10.0,
            "referrals.per_year": lam_per_year,
            "initial_in_care": 0,
            "months": months,
            "foster_homes": {"initial": c, "recruited_per_year": 0.0, "leave_per_year": 0.0},
            "emergency_move_delay_days": None,
            "breakdown_per_year": 0.0,
            "visits_per_year": 0.0,
        },
    )
    a = lam_per_year / 365.0 * months["mean"] * DAYS_PER_MONTH
    expected = erlang_b(c, a)
    share = run(sc, reps=30, seed=606).kpi("emergency_placement_share").to_numpy()
    assert_ci_covers(share, expected, f"emergency share vs Erlang B({c}, {a:.2f})")


def test_breakdowns_per_child_year_match_constant_hazard(baseline: Scenario) -> None:
    """All factors 1: breakdowns / child-years in care estimates the hazard (Poisson rate)."""
    hazard = 0.5
    sc = needs_only(
        baseline,
        **{
            "horizon.years": 8.0,
            "horizon.warmup_years": 1.0,
            "referrals.per_year": 60.0,
            "initial_in_care": 40,
            "months": {"kind": "lognormal", "mean": 12.0, "cv": 1.0},
            "foster_homes": {"initial": 60, "recruited_per_year": 10.0, "leave_per_year": 10.0},
            "emergency_move_delay_days": 20.0,
            "breakdown_per_year": hazard,
            "breakdown_factors": {"teen": 1.0, "emergency": 1.0, "missed_visits": 1.0, "caseworker_change": 1.0,
                                  "thin_investigation": 1.0},
            "caseload_cap": None,
            "cap_mode": "none",
        },
    )
    rate = run(sc, reps=20, seed=707).kpi("breakdowns_per_child_year").to_numpy()
    assert_ci_covers(rate, hazard, "breakdowns per child-year")


# --- properties ------------------------------------------------------------------------


@contextmanager
def checked_weekly() -> Iterator[list[int]]:
    """Run the placement invariants at every weekly sample of ``simulate``."""
    real = placements.install
    checks = [0]

    def install(ctx):
        system = real(ctx)
        team = ctx.teams["placement"]

        def check() -> dict:
            system.check()
            if team.cap is not None:  # the assignment cap: set for a hard cap only
                assert all(len(w.jobs) <= team.cap for w in team.workers)
            checks[0] += 1
            return {}

        ctx.weekly_extras.append(check)
        return system

    with mock.patch.object(placements, "install", install):
        yield checks


def _assert_history_consistent(out: Any, age_out: float) -> None:
    spells = placement_spells(out)
    assert (spells["end"] >= spells["start"]).all()
    # each episode's placements follow one another without gaps or overlaps
    for _key, g in spells.groupby(["child", "episode"]):
        assert (g["placement"].to_numpy() == np.arange(1, len(g) + 1)).all()
        assert np.allclose(g["start"].to_numpy()[1:], g["end"].to_numpy()[:-1])
    # no home ever holds two children at once
    homes = spells[spells["place"] == "familjehem"].sort_values(["home", "start", "end"])
    for _home, g in homes.groupby("home"):
        assert (g["start"].to_numpy()[1:] >= g["end"].to_numpy()[:-1] - 1e-9).all()
    history = child_history(out)
    assert (history["age_at_end"] <= age_out + 1e-9).all()
    assert (history["placements"] == history["moves"] + 1).all()
    assert (history["visits_done"] <= history["visits_required"]).all()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    homes=st.integers(0, 25),
    recruited=st.floats(0.0, 15.0),
    leave=st.floats(0.0, 15.0),
    delay=st.one_of(st.none(), st.floats(1.0, 90.0)),
    breakdown=st.floats(0.0, 3.0),
    initial=st.integers(0, 30),
    per_year=st.floats(5.0, 80.0),
    cap=st.integers(2, 12),
    cap_mode=st.sampled_from(["hard", "soft", "none"]),
    fte=st.integers(1, 3),
)
def test_every_child_in_one_place_and_under_18(
    baseline: Scenario, seed, homes, recruited, leave, delay, breakdown, initial, per_year, cap, cap_mode, fte
) -> None:
    """Invariants at every week and over the whole history, across random small systems."""
    sc = needs_only(
        baseline,
        **{
            "horizon.years": 3.0,
            "horizon.warmup_years": 0.5,
            "referrals.per_year": per_year,
            "referrals.age_0_12_share": 0.3,  # many teenagers: age-out happens
            "initial_in_care": initial,
            "months": {"kind": "lognormal", "mean": 10.0, "cv": 1.5},
            "foster_homes": {
                "initial": homes,
                "recruited_per_year": recruited,
                "leave_per_year": leave if homes > 0 else 0.0,
            },
            "emergency_move_delay_days": delay,
            "breakdown_per_year": breakdown,
            "caseload_cap": cap,
            "cap_mode": cap_mode,
        },
    )
    sc = with_overrides(sc, {"staff.placement_fte": fte})
    with checked_weekly() as checks:
        out = simulate(sc, seed, 0)
    assert checks[0] > 100
    _assert_history_consistent(out, sc.placements.age_out_years)


# --- functional ---------------------------------------------------------------------------


def test_baseline_reports_placement_kpis_and_history(baseline: Scenario) -> None:
    assert baseline.placements.enabled
    sc = with_overrides(baseline, {"horizon.years": 2.0, "horizon.warmup_years": 0.5})
    with checked_weekly():
        out = simulate(sc, 11, 0)
    for name in PLACEMENT_KPIS:
        assert name in out.kpis and np.isfinite(out.kpis[name]), name
    assert 0.0 <= out.kpis["visits_done_share"] <= 1.0
    for column in ("placements_active", "placements_emergency", "foster_homes_free"):
        assert column in out.series
    history = child_history(out)
    assert {"child", "episode", "start", "end", "end_reason", "placements", "moves", "caseworkers"} <= set(history)
    assert len(history) > 100
    _assert_history_consistent(out, sc.placements.age_out_years)


@pytest.mark.slow
def test_fewer_placement_caseworkers_fewer_visits_more_breakdowns(baseline: Scenario) -> None:
    """Face validity with common random numbers: 6 -> 4 placement caseworkers (fixed staffing, ~120 children in care)."""
    sc = with_overrides(
        baseline, {"horizon.years": 3.0, "horizon.warmup_years": 1.0, "staff.dynamics": False, "staff.placement_fte": 6}
    )
    full = run(sc, reps=8, seed=808)
    lean = run(with_overrides(sc, {"staff.placement_fte": 4}), reps=8, seed=808)
    visits = (full.kpi("visits_done_share") - lean.kpi("visits_done_share")).to_numpy()
    breakdowns = (lean.kpi("breakdowns_per_year") - full.kpi("breakdowns_per_year")).to_numpy()
    for name, diff in (("visits done (6 - 4 FTE)", visits), ("breakdowns/yr (4 - 6 FTE)", breakdowns)):
        assert_ci_above(diff, 0.0, name, level=0.95)


def test_family_home_visit_rate_counts_only_visits_made_in_family_homes() -> None:
    """Child 1: a year in a jourhem (3 visits), then a year in a foster home (4 visits): 4 a family-home year."""
    import pandas as pd

    from simlib.model.placements.kpis import _family_home_visit_rate

    spells = pd.DataFrame({"child": [1, 1], "episode": [1, 1], "start": [0.0, 365.0], "end": [365.0, 730.0],
                           "place": ["jourhem", "familjehem"]})
    made = pd.DataFrame({"child": [1] * 7, "episode": [1] * 7,
                         "made": [40.0, 160.0, 300.0, 400.0, 500.0, 600.0, 700.0]})
    assert _family_home_visit_rate(made, spells, 0.0, 730.0) == pytest.approx(4.0)
