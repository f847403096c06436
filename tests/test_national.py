"""Unit and functional tier: the national ensemble.

Aggregation math on a tiny synthetic frame (totals, weighted means, variance of
a sum of independent group means); scaling a scenario to a group's child
population; and a small real run (2 groups, 2 replications, short horizon).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from simlib.analysis import national as nat
from simlib.scenario import load_scenario, rules


def _frame():
    return pd.DataFrame(
        [
            # scenario, group, municipalities, weight, kpi, mean, var, n
            ("s", "G1", 10, 1000.0, "referrals_per_year", 100.0, 25.0, 5),
            ("s", "G2", 2, 3000.0, "referrals_per_year", 1000.0, 400.0, 5),
            ("s", "G1", 10, 1000.0, "investigation_within_4m_share", 0.8, 0.01, 5),
            ("s", "G2", 2, 3000.0, "investigation_within_4m_share", 0.6, 0.04, 5),
        ],
        columns=["scenario", "group", "municipalities", "weight", "kpi", "mean", "var", "n"],
    )


def test_total_is_the_sum_of_municipalities_times_means_with_the_variance_of_a_sum():
    out = nat.aggregate(_frame()).set_index("kpi")
    row = out.loc["referrals_per_year"]
    assert row["kind"] == "total"
    assert row["estimate"] == pytest.approx(10 * 100 + 2 * 1000)
    var = 10**2 * 25 / 5 + 2**2 * 400 / 5  # 500 + 320
    parts = [10**2 * 25 / 5, 2**2 * 400 / 5]
    df = var**2 / sum(p**2 / 4 for p in parts)
    half = stats.t.ppf(0.975, df) * math.sqrt(var)
    assert row["df"] == pytest.approx(df)
    assert row["ci_high"] - row["estimate"] == pytest.approx(half)


def test_intensive_kpis_are_child_weighted_means():
    row = nat.aggregate(_frame()).set_index("kpi").loc["investigation_within_4m_share"]
    assert row["kind"] == "weighted mean"
    assert row["estimate"] == pytest.approx(0.25 * 0.8 + 0.75 * 0.6)
    var = 0.25**2 * 0.01 / 5 + 0.75**2 * 0.04 / 5
    assert (row["ci_high"] - row["ci_low"]) / 2 > math.sqrt(
        var
    ) * 1.9  # t quantile > 1.96 at small df


def test_zero_variance_gives_a_zero_width_interval():
    frame = _frame().assign(var=0.0)
    row = nat.aggregate(frame).set_index("kpi").loc["referrals_per_year"]
    assert row["ci_low"] == row["estimate"] == row["ci_high"]


def test_groups_add_up_to_290_municipalities():
    groups = nat.load_groups()
    assert groups["municipalities"].sum() == 290
    assert len(groups) == 9
    assert (groups["children_typical"] > 0).all()


def test_scaling_follows_the_child_population():
    base = load_scenario("baseline")
    small = nat.scale_scenario(base, base.municipality.children_0_17 / 10, name="tiny")
    assert small.name == "tiny"
    assert small.referrals.per_year == pytest.approx(base.referrals.per_year / 10)
    assert small.municipality.children_0_17 == base.municipality.children_0_17 // 10
    # whole posts, at least one per role, and the scaled budget funds exactly them (one rule)
    posts = rules.scaled_posts(base, 0.1)
    assert min(posts.values()) >= 1
    assert rules.funded_posts(small) == posts
    assert rules.fixed_posts(small) == posts
    assert small.staff.budget_sek_per_year == sum(posts.values()) * base.staff.cost_per_fte_sek
    assert sum(small.staff.role_shares.model_dump().values()) == pytest.approx(1.0)
    # rates and rules do not scale
    assert small.screening.open_share == base.screening.open_share
    assert small.investigation.hours == base.investigation.hours


@pytest.mark.slow
def test_a_small_national_run_sums_two_groups():
    groups = nat.load_groups()
    two = groups[groups["group_code"].isin(["C8", "C9"])].reset_index(drop=True)
    res = nat.national(["baseline"], reps=2, years=1.5, groups=two)
    per_group = res.per_group
    assert set(per_group["group"]) == {"C8", "C9"}
    assert (per_group.loc[per_group["kpi"] == "referrals_per_year", "n"] == 2).all()
    totals = res.totals.set_index("kpi")
    refs = per_group[per_group["kpi"] == "referrals_per_year"].set_index("group")
    expected = (refs["mean"] * refs["municipalities"]).sum()
    assert totals.loc["referrals_per_year", "estimate"] == pytest.approx(expected)
    # about 190 referrals per 1 000 children: the baseline's rate carries over
    children = (two["municipalities"] * two["children_typical"]).sum()
    assert 150 < expected / children * 1000 < 230
    assert (
        totals.loc["referrals_per_year", "ci_low"]
        <= expected
        <= totals.loc["referrals_per_year", "ci_high"]
    )
