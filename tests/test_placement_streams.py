"""Child-keyed random streams and the children already in care at the start (issue 14 points 5, 7).

- common random numbers hold downstream: a child placed in two scenarios (the
  baseline and a hard cap of 12, which delays decisions and so reorders every
  later event) gets the identical care-episode length, and nearly always the
  identical in-home luck (escalation or not, spell length; drawn with the
  report that opened the case); with the purpose streams drawn in event order
  only 18-52% of those lengths agreed;
- the children in care at time 0 get remaining (length-biased residual), not
  fresh, durations: with exponential lengths the remaining time has the same
  mean (memorylessness), with lognormal ones of cv 1 the mean length, with a
  deterministic length half of it (renewal theory: E[L^2] / 2 E[L]); and the
  stock's type mix weights each type by its length.
Fixed seeds; tolerances are 99% t-intervals, never widened.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import assert_ci_covers
from simlib.model.placements import child_history
from simlib.model.placements.system import residual_draw
from simlib.model.records import InHomeSpell
from simlib.model.simulation import simulate
from simlib.scenario import load_scenario, with_overrides


def _matched(seed: int):
    base = with_overrides(load_scenario("baseline"), {"horizon.years": 2.0, "horizon.warmup_years": 0.5})
    capped = with_overrides(base, {"investigation.caseload_cap": 12, "investigation.cap_mode": "hard"})
    return simulate(base, seed, 0), simulate(capped, seed, 0)


def test_a_child_placed_in_two_scenarios_lives_the_same_placement_luck() -> None:
    a, b = _matched(4242)
    ha, hb = child_history(a), child_history(b)
    keep = ["child", "episode", "start", "end"]
    ha = ha.loc[(ha["child"] >= 0) & (ha["end_reason"] == "reunified"), keep]
    hb = hb.loc[(hb["child"] >= 0) & (hb["end_reason"] == "reunified"), keep]
    m = ha.merge(hb, on=["child", "episode"], suffixes=("_a", "_b"))
    assert len(m) > 50
    # the decision (and so the start) moved for many of them (not for acute placements,
    # made at the report in both); the length did not
    assert (~np.isclose(m["start_a"], m["start_b"])).mean() > 0.15
    same = np.isclose(m["end_a"] - m["start_a"], m["end_b"] - m["start_b"], rtol=0, atol=1e-6)
    assert same.mean() >= 0.95, f"identical length in {same.mean():.0%} of {len(m)} paired children"

    sa, sb = (o.recorder.frame(InHomeSpell) for o in (a, b))
    sa, sb = (s[s["end_reason"].isin(["ended", "escalated"])] for s in (sa, sb))
    sa, sb = (s.assign(spell=s.groupby("child").cumcount()) for s in (sa, sb))
    ms = sa.merge(sb, on=["child", "spell"], suffixes=("_a", "_b"))
    assert len(ms) > 100
    same_fate = (ms["end_reason_a"] == ms["end_reason_b"]) & np.isclose(
        ms["end_a"] - ms["start_a"], ms["end_b"] - ms["start_b"], rtol=0, atol=1e-6
    )
    # in-home draws come with the report whose case the decision closes: a report joined to
    # an open investigation in one scenario and opening its own in the other has other draws;
    # and the cap changes investigations' quality, which (by design) changes how often the
    # placements they decide break down, and so which children come back. Since the #16
    # calibration (fewer placements and escalations) 78% at this seed and 92% at seed 2024; the
    # end reasons agree in 99.8%, the lengths differ where another report's draws were taken
    assert same_fate.mean() >= 0.75, f"identical in-home fate in {same_fate.mean():.0%} of {len(ms)}"


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        ({"kind": "exponential", "mean": 20.0}, 20.0),
        ({"kind": "lognormal", "mean": 20.0, "cv": 1.0}, 20.0),  # m (1 + cv^2) / 2
        ({"kind": "deterministic", "value": 20.0}, 10.0),
    ],
    ids=["exponential", "lognormal", "deterministic"],
)
def test_initial_children_get_residual_lengths(months: dict, expected: float) -> None:
    only = {"familjehem": 1.0, "konsulent": 0.0, "natverkshem": 0.0, "hvb": 0.0}
    sc = with_overrides(load_scenario("baseline"), {"placements.types.familjehem.months": months})
    cfg = sc.placements
    rng = np.random.default_rng(2024)
    mix = type(cfg.mix_teen)(**only)
    draws = np.array([residual_draw(cfg, mix, rng) for _ in range(8000)], dtype=object)
    assert set(draws[:, 0]) == {"familjehem"}
    remaining = draws[:, 1].astype(float)
    assert (remaining >= 0).all()
    assert_ci_covers(remaining.reshape(80, 100).mean(axis=1), expected, f"mean residual of {months['kind']}")


def test_initial_stock_takes_the_length_weighted_mix() -> None:
    """Two types of equal entry share, one four times as long: the stock holds ~4 of the long per short."""
    sc = with_overrides(load_scenario("baseline"), {
        "placements.types.familjehem.months": {"kind": "deterministic", "value": 40.0},
        "placements.types.hvb.months": {"kind": "deterministic", "value": 10.0},
    })
    cfg = sc.placements
    mix = type(cfg.mix_teen)(familjehem=0.5, konsulent=0.0, natverkshem=0.0, hvb=0.5)
    rng = np.random.default_rng(616)
    kinds = np.array([residual_draw(cfg, mix, rng)[0] for _ in range(4000)]).reshape(40, 100)
    assert_ci_covers((kinds == "familjehem").mean(axis=1), 0.8, "stock share of the long type")


@pytest.mark.parametrize("seed", [0, 1, 2024, 2**32 - 1, 2**32, 2**70 + 5])
def test_keyed_seed_sequence_draws_as_numpy_spawn_key(seed: int) -> None:
    """keyed_seed_sequence(seed, key) gives SeedSequence(seed, spawn_key=key)'s pool (the same draws)."""
    from simlib.model.context import keyed_seed_sequence

    keys = [(), (0,), (3, 21, 0, 1), (7, 26, 2**32 - 1, 2**32), (1, 22, 2**40 + 3, 0), (0, 0, 0, 0, 0, 0)]
    for key in keys:
        ours, numpys = keyed_seed_sequence(seed, key), np.random.SeedSequence(seed, spawn_key=key)
        assert (ours.generate_state(8) == numpys.generate_state(8)).all(), (seed, key)
        a = np.random.default_rng(ours).random(4)
        b = np.random.default_rng(numpys).random(4)
        assert (a == b).all(), (seed, key)
    with pytest.raises(ValueError):
        keyed_seed_sequence(-1, (0,))
