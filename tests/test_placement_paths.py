"""Placement types, costs, the acute path and re-entry (issue 16 points 1-4, issue 14 point 3).

- costs add up: the placement cost is the care days of each place type times its
  cost per day plus the own emergency places, paid whether used; the unit's
  total is staff plus placements; care-day shares sum to 1;
- the acute path places a child at the report, before any decision, and the
  investigation decides: a child whose investigation ends without placement
  goes home at the decision; a growing balans (a hard cap of 12 at today's
  budget delays decisions) does not lower the acute placements;
- the pool: recruitment to need keeps every baseline replication near one level of
  the emergency share (no "pool full" and "pool empty" worlds), homes mostly occupied;
- visits: with time enough every visit is made when due, and more than the
  minimum four a year (monthly in new placements); one caseworker for ~60
  children pushes visits back below four a year;
- re-entry: with no other way back (no repeat reports), the share of children
  back in care within two years of going home estimates ``share_within_2y``.
Fixed seeds; tolerances are 99% t-intervals across replications, never widened.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simlib.experiments.intervals import t_interval as paired_t

from tests.conftest import assert_ci_covers
from tests.test_placements import homes, needs_only
from simlib.experiments.replications import run
from simlib.model.records import CareEpisode, InvestigationRecord, PlacementNeed, PlacementSpell
from simlib.model.simulation import simulate
from simlib.model.units import YEAR
from simlib.scenario import load_scenario, with_overrides
from simlib.scenario.schema import Scenario


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario("baseline")


@pytest.fixture(scope="module")
def two_years(baseline: Scenario):
    sc = with_overrides(baseline, {"horizon.years": 2.5, "horizon.warmup_years": 0.5, "horizon.warmup": "fixed"})
    return sc, simulate(sc, 31, 0)


def test_placement_cost_is_care_days_times_prices_plus_standby(two_years) -> None:
    sc, out = two_years
    k = out.kpis
    t0, t1 = out.warmup_days, sc.horizon.years * YEAR
    spells = out.recorder.frame(PlacementSpell)
    days = (np.minimum(spells["end"], t1) - np.maximum(spells["start"], t0)).clip(lower=0)
    by_kind = days.groupby(spells["place"]).sum()
    cfg = sc.placements
    price = {kind: getattr(cfg.types, kind).cost_sek_per_day for kind in ("familjehem", "konsulent", "natverkshem", "hvb")}
    price |= {"jourhem": 0.0, "jourhem_purchased": cfg.emergency.purchased_cost_sek_per_day}
    cost = sum(by_kind.get(kind, 0.0) * p for kind, p in price.items())
    cost += cfg.emergency.places * cfg.emergency.cost_sek_per_place_day * (t1 - t0)
    assert k["placement_cost_sek_per_year"] == pytest.approx(cost / ((t1 - t0) / YEAR), rel=1e-9)
    assert k["total_cost_sek_per_year"] == pytest.approx(k["cost_sek_per_year"] + k["placement_cost_sek_per_year"])
    shares = [k[f"care_days_{t}_share"] for t in ("jourhem", "familjehem", "konsulent", "natverkshem", "hvb")]
    assert sum(shares) == pytest.approx(1.0)
    assert all(s > 0 for s in shares)  # every type is in use in the baseline
    assert 0 < k["foster_home_occupancy_mean"] <= 1 and 0 < k["emergency_place_occupancy_mean"] <= 1


def test_acute_placements_come_at_the_report_and_the_investigation_decides(two_years) -> None:
    _sc, out = two_years
    needs = out.recorder.frame(PlacementNeed)
    acute = needs[needs["why"] == "acute"]
    assert len(acute) > 20
    referrals = pd.DataFrame(out.recorder.referrals)
    arrived = referrals.groupby("child")["arrived"].apply(set)
    assert all(t in arrived[c] for c, t in zip(acute["child"], acute["time"], strict=True))
    inv = pd.DataFrame(out.recorder.investigations, columns=InvestigationRecord._fields)
    episodes = out.recorder.frame(CareEpisode)
    home = episodes[episodes["end_reason"] == "returned_home"]
    assert len(home) > 0
    for child, end in zip(home["child"], home["end"], strict=True):
        decided = inv[(inv["child"] == child) & np.isclose(inv["decided"], end)]
        assert len(decided) == 1 and decided["outcome"].iloc[0] != "placement"
    # a continued acute placement is never ended at its decision
    placed = inv[inv["outcome"] == "placement"]
    ended = episodes.merge(placed, left_on=["child", "end"], right_on=["child", "decided"])
    assert not (ended["end_reason"] == "returned_home").any()


def test_an_acute_placement_opens_an_urgent_investigation_that_never_waits_behind_a_cap(baseline: Scenario) -> None:
    """LVU 6 §: the child placed at once has its investigation opened urgent, so a hard cap's balans never holds it."""
    sc = with_overrides(baseline, {"horizon.years": 2.0, "horizon.warmup_years": 0.5, "horizon.warmup": "fixed",
                                   "investigation.caseload_cap": 12, "investigation.cap_mode": "hard"})
    out = simulate(sc, 41, 0)
    needs = out.recorder.frame(PlacementNeed)
    acute = needs[needs["why"] == "acute"]
    inv = pd.DataFrame(out.recorder.investigations, columns=InvestigationRecord._fields)
    # a real balans: hundreds of cases wait weeks for a caseworker (469 over 14 days at seed 41; the
    # longest wait, 28 days since the #16 calibration, says less about it than the count)
    assert len(acute) > 20 and ((inv["assigned"] - inv["opened"]) > 14).sum() > 100
    checked = 0
    for child, t in zip(acute["child"], acute["time"], strict=True):
        case = inv[(inv["child"] == child) & (inv["referred"] == t)]
        if len(case):
            checked += 1
            assert case["urgent"].iloc[0], (child, t)
            assert case["assigned"].iloc[0] - case["opened"].iloc[0] < 1e-9  # assigned at once
    assert checked > 0.8 * len(acute)


@pytest.mark.slow
def test_a_growing_balans_does_not_lower_acute_placements(baseline: Scenario) -> None:
    sc = with_overrides(baseline, {"horizon.years": 3.0, "horizon.warmup_years": 1.0, "horizon.warmup": "fixed"})
    capped = with_overrides(sc, {"investigation.caseload_cap": 12, "investigation.cap_mode": "hard"})
    base, cap = run(sc, reps=6, seed=909), run(capped, reps=6, seed=909)
    assert (cap.kpi("balans_mean") > 3 * base.kpi("balans_mean")).all()  # decisions are late
    diff = (cap.kpi("acute_placements_per_year") - base.kpi("acute_placements_per_year")).to_numpy()
    rel = diff / base.kpi("acute_placements_per_year").to_numpy()
    # the paired 95% interval of the relative change must reach inside +-10%: no fall (or rise)
    # of more than a tenth beyond doubt (a point estimate of six noisy pairs is no test)
    mean, low, high, _ = paired_t(rel)
    assert high > -0.1 and low < 0.1, f"acute placements moved by {mean:.1%} [{low:.1%}, {high:.1%}]"


def test_re_entry_share_estimates_the_parameter(baseline: Scenario) -> None:
    share = 0.3
    sc = needs_only(
        baseline,
        **{
            "horizon.years": 6.0,
            "horizon.warmup_years": 1.0,
            "referrals.per_year": 60.0,
            "initial_in_care": 20,
            "months": {"kind": "lognormal", "mean": 6.0, "cv": 0.5},
            "foster_homes": {"initial": 80, "recruited_per_year": 0.0, "leave_per_year": 0.0},
            "emergency_move_delay_days": 20.0,
            "breakdown_per_year": 0.0,
            "re_entry.share_within_2y": share,
        },
    )
    values = run(sc, reps=10, seed=111).kpi("re_entry_2y_share").to_numpy()
    assert_ci_covers(values, share, "re-entry within two years")


def test_homes_helper_is_a_full_pool_section() -> None:
    assert set(homes(1, 0.0, 0.0)) == set(load_scenario("baseline").placements.foster_homes.model_dump())


@pytest.mark.slow
def test_the_pool_does_not_split_into_full_and_empty_worlds(baseline: Scenario) -> None:
    """Recruitment to need keeps every replication near one level (before: 0.21, 0.31, 0.74, 0, 0, 0.007)."""
    sc = with_overrides(baseline, {"horizon.years": 4.0, "horizon.warmup_years": 1.0, "horizon.warmup": "fixed"})
    res = run(sc, reps=8, seed=2024)
    share = res.kpi("emergency_placement_share").to_numpy()
    occupancy = res.kpi("foster_home_occupancy_mean").to_numpy()
    assert share.min() > 0.2, f"a replication with an almost empty waiting list: {np.round(share, 3)}"
    assert np.ptp(share) < 0.4, f"emergency shares spread over two worlds: {np.round(share, 3)}"
    assert (occupancy > 0.8).all(), f"own foster homes standing empty: {np.round(occupancy, 3)}"


def _visited(baseline: Scenario, fte: int) -> dict[str, float]:
    sc = needs_only(
        baseline,
        **{
            "horizon.years": 4.0,
            "horizon.warmup_years": 1.0,
            "referrals.per_year": 20.0,
            "initial_in_care": 30,
            "months": {"kind": "lognormal", "mean": 30.0, "cv": 0.5},
            "foster_homes": {"initial": 80, "recruited_per_year": 0.0, "leave_per_year": 0.0},
            "emergency_move_delay_days": 20.0,
            "breakdown_per_year": 0.0,
            "caseload_cap": None,
            "cap_mode": "none",
        },
    )
    return simulate(with_overrides(sc, {"staff.placement_fte": fte}), 5, 0).kpis


def test_visits_are_scheduled_more_often_than_the_minimum_and_pushed_back_under_load(baseline: Scenario) -> None:
    ample, overloaded = _visited(baseline, 12), _visited(baseline, 1)
    # ~60 children: 5 each is time enough for every visit when due, monthly ones included
    assert ample["visits_done_share"] == 1.0 and ample["visits_4plus_share"] == 1.0
    assert ample["visits_per_child_year"] > baseline.placements.visits_per_year
    # one caseworker for all of them: follow-up first, visits pushed back, fewer than four a year
    assert overloaded["visits_done_share"] < 0.5
    assert overloaded["visits_per_child_year"] < baseline.placements.visits_per_year
    assert overloaded["visits_4plus_share"] < ample["visits_4plus_share"]
