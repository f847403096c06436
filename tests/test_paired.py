"""Functional tier: paired comparisons are paired (one warm-up cut, precision on differences)."""

from __future__ import annotations

import numpy as np
import pytest

from simlib.experiments import compare, run
from simlib.experiments.intervals import t_interval
from simlib.experiments.paired import common_cuts
from simlib.experiments.replications import resolve

YEARS = 2.0


def test_mser5_comparison_reports_every_scenario_over_one_window() -> None:
    """Each replication's cut is the latest of the scenarios' own MSER-5 cuts, the same on both sides."""
    cmp = compare("baseline", ["policy/cap-12"], reps=3, seed=2024, years=YEARS, warmup="mser5", jobs=2)
    base, alt = cmp.base.kpi("warmup_years"), cmp.alternatives["cap-12"].kpi("warmup_years")
    assert (base == alt).all()
    own_base = run("baseline", reps=3, seed=2024, years=YEARS, warmup="mser5", series=False).kpi("warmup_years")
    own_alt = run("policy/cap-12", reps=3, seed=2024, years=YEARS, warmup="mser5", series=False).kpi("warmup_years")
    assert (base == np.maximum(own_base, own_alt)).all()


def test_scenarios_with_different_fixed_warmups_share_the_later_cut() -> None:
    short = resolve("baseline", {"horizon.warmup_years": 0.25}, YEARS)
    longer = resolve("baseline", {"horizon.warmup_years": 0.75}, YEARS)
    cmp = compare(short, [longer], reps=2, seed=5)  # the base's own cut is earlier: it is re-run
    assert cmp.base.kpi("warmup_years").tolist() == pytest.approx([0.75, 0.75], abs=7 / 365)
    # same scenario, same seeds, same window: every paired difference is exactly 0
    assert (cmp.differences["diff"].fillna(0) == 0).all()


def test_common_cuts_take_the_latest_per_replication() -> None:
    import pandas as pd

    def part(cut: float) -> tuple[pd.DataFrame, None]:
        return pd.DataFrame({"kpi": ["warmup_years"], "value": [cut]}), None

    assert common_cuts([[part(0.5), part(1.0)], [part(0.8), part(0.2)]]) == [0.8, 1.0]


def test_precision_mode_targets_the_paired_difference_with_an_absolute_half_width() -> None:
    kpi, half = "investigation_within_4m_share", 0.02
    cmp = compare("baseline", ["policy/budget-minus-10"], reps=2, seed=3, years=YEARS, jobs=2,
                  precision_abs={kpi: half}, max_reps=30)
    log = cmp.extras["precision"]
    assert log.kpis == [f"budget-minus-10: {kpi}"]
    assert log.reached, log.describe()
    diffs = cmp.differences[cmp.differences["kpi"] == kpi]["diff"].to_numpy()
    mean, low, high, n = t_interval(diffs)
    assert (high - low) / 2 <= half and n == cmp.reps == log.checks[-1].reps
    if len(log.checks) > 1:  # one check earlier the rule said "not yet", on the same replications
        earlier = t_interval(diffs[: log.checks[-2].reps])
        assert (earlier[2] - earlier[1]) / 2 > half
