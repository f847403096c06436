"""Unit tier: intervals that respect a KPI's range, and the text that leads with instability."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simlib.experiments import report
from simlib.experiments.intervals import kpi_interval, kpi_range, summarise, t_interval, wilson_interval
from simlib.experiments.precision import Target, choose_kpis, half_width_ratio

shares = st.lists(st.floats(0, 1, allow_nan=False), min_size=2, max_size=12)


@given(shares)
def test_a_share_interval_never_leaves_0_1(values) -> None:
    mean, low, high, n, method = kpi_interval(np.array(values), "investigation_within_4m_share")
    assert 0.0 <= low <= mean + 1e-12 and mean - 1e-12 <= high <= 1.0
    plain = t_interval(np.array(values))
    assert method == ("t clipped" if plain[1] < 0 or plain[2] > 1 else "t")


def test_a_share_near_1_with_two_replications_is_clipped_and_marked() -> None:
    mean, low, high, n, method = kpi_interval(np.array([0.99, 0.93]), "child_heard_share")
    assert t_interval(np.array([0.99, 0.93]))[2] > 1  # the plain t-interval runs past 100%
    assert high == 1.0 and method == "t clipped" and n == 2


def test_a_flag_gets_a_wilson_interval_inside_0_1() -> None:
    mean, low, high, n, method = kpi_interval(np.zeros(3), "unstable")
    assert method == "wilson" and (mean, low) == (0.0, 0.0)
    assert high == pytest.approx(wilson_interval(0, 3)[1]) and 0.4 < high < 0.7  # not the degenerate [0, 0]
    mean, low, high, n, method = kpi_interval(np.array([1.0, 1.0, 0.0, 1.0]), "unstable")
    assert 0 < low < mean < high < 1 and method == "wilson"


def test_counts_stop_at_0_rates_and_differences_do_not() -> None:
    assert kpi_interval(np.array([0.0, 0.0, 9.0]), "balans_mean")[1] == 0.0
    assert kpi_interval(np.array([-50.0, 1.0, 60.0]), "balans_growth_per_year")[1] < 0  # a rate can fall
    assert kpi_range("investigation_within_4m_share", difference=True) == (-1.0, 1.0)
    assert kpi_range("balans_mean", difference=True) == (-math.inf, math.inf)
    assert kpi_range("not_a_registered_kpi") == (-math.inf, math.inf)


def test_summary_names_the_interval_method_and_the_table_marks_it() -> None:
    kpis = pd.DataFrame({"replication": [0, 1, 0, 1], "kpi": ["unstable"] * 2 + ["child_heard_share"] * 2,
                         "value": [0.0, 0.0, 0.99, 0.93]})
    s = summarise(kpis)
    assert list(s["interval"]) == ["wilson", "t clipped"]
    table = report.summary_table(s, "title")
    assert "]+" in table and "]*" in table and "Wilson" in table and "range" in table


# --- precision targets ---------------------------------------------------------------------
def test_an_absolute_target_is_reachable_where_a_relative_one_is_not() -> None:
    diffs = np.array([-0.004, 0.003, 0.001, -0.002, 0.0, 0.002])  # a difference near 0
    assert half_width_ratio(diffs, Target(relative=0.1)) > 1
    assert half_width_ratio(diffs, Target(relative=0.1, absolute=0.01)) <= 1
    assert half_width_ratio(diffs[:1], Target(absolute=0.01)) == math.inf


def test_precision_checks_the_absolute_kpis_and_the_chosen_or_headline_ones() -> None:
    available = ["investigation_within_4m_share", "balans_mean", "unstable", "investigation_wait_days_mean"]
    assert choose_kpis(available, None, {"balans_mean": 1.0}, relative=False) == ["balans_mean"]
    both = choose_kpis(available, None, {"balans_mean": 1.0}, relative=True)
    assert "investigation_wait_days_mean" in both and both[-1] == "balans_mean"
    with pytest.raises(KeyError, match="no_such"):
        choose_kpis(available, None, {"no_such": 1.0})


# --- text that leads with instability --------------------------------------------------------
def _summary(**means: tuple[float, float, float]) -> pd.DataFrame:
    rows = [{"kpi": k, "mean": m, "ci_low": lo, "ci_high": hi, "n": 10, "interval": "t"}
            for k, (m, lo, hi) in means.items()]
    return pd.DataFrame(rows)


def test_a_growing_or_unstable_queue_leads_the_report() -> None:
    settled = _summary(balans_growth_per_year=(0.4, -1.0, 1.8), balans_mean=(4, 3, 5), reporting_years=(4, 4, 4),
                       unstable=(0, 0, 0.3), stopped_early=(0, 0, 0.3))
    assert report.stability_lead(settled) == []
    growing = _summary(balans_growth_per_year=(119, 100, 138), balans_mean=(300, 277, 330),
                       reporting_years=(4, 4, 4), unstable=(0.3, 0.1, 0.6), stopped_early=(0.1, 0.02, 0.4))
    lead = report.stability_lead(growing)
    assert [line.split(":")[0] for line in lead] == ["UNSTABLE", "STOPPED EARLY", "GROWING QUEUE"]
    assert "3 of 10" in lead[0] and "1 of 10" in lead[1] and "119" in lead[2]


def test_a_comparison_says_when_the_alternative_destabilises_the_queue() -> None:
    base = _summary(unstable=(0, 0, 0.3), balans_mean=(4, 3, 5), reporting_years=(4, 4, 4))
    alt = _summary(unstable=(0.2, 0.05, 0.5), balans_mean=(300, 277, 330), reporting_years=(4, 4, 4))
    diffs = _summary(balans_growth_per_year=(119, 100, 138))
    lead = report.comparison_lead(diffs, base, alt, "cap-12", "baseline")
    assert lead[0].startswith("UNSTABLE: under cap-12") and "2 of 10" in lead[0]
    assert lead[1].startswith("GROWING QUEUE: under cap-12") and "not an improvement" in lead[1]
    assert report.comparison_lead(_summary(balans_growth_per_year=(0.5, -2, 3)), base, base, "a", "b") == []


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_and_t_quantile_are_scipy_stats_bit_for_bit(kn: tuple[int, int], level: float) -> None:
    """intervals.py computes them without importing scipy.stats (start-up); the numbers must not move."""
    from scipy import stats

    k, n = kn
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    assert wilson_interval(k, n, level) == (float(ci.low), float(ci.high))
    x = np.arange(n + 1, dtype=float)
    if n >= 1:
        half = float(stats.t.ppf(0.5 + level / 2, n)) * float(x.std(ddof=1)) / math.sqrt(n + 1)
        assert t_interval(x, level)[1:3] == (float(x.mean()) - half, float(x.mean()) + half)


def test_the_cli_run_path_does_not_import_scipy_stats() -> None:
    import subprocess
    import sys

    code = ("import sys; from simlib.experiments import intervals; intervals.summarise; "
            "print('scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_stored_normal_quantiles_are_scipys_ndtri_bit_for_bit() -> None:
    """Wilson intervals at the usual levels use stored quantiles, so a one-replication run skips scipy.special."""
    from scipy.special import ndtri

    from simlib.experiments.intervals import NORMAL_QUANTILES, normal_quantile

    for p, z in NORMAL_QUANTILES.items():
        assert type(z) is type(ndtri(p)) and z == ndtri(p)
    assert normal_quantile(0.8) == ndtri(0.8)  # any other level asks scipy


def test_a_one_replication_run_does_not_import_scipy() -> None:
    import subprocess
    import sys

    code = ("import sys, simlib; from simlib.scenario.loader import load_scenario, with_overrides; "
            "sc = with_overrides(load_scenario('textbook/mmc'), {'horizon.years': 0.5, 'horizon.warmup_years': 0.1}); "
            "simlib.run(sc, reps=1, seed=1).summary(); print(any(m.startswith('scipy') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_t_quantiles_at_95_percent_are_scipys_bit_for_bit() -> None:
    """Intervals at 95% with up to 201 replications use stored quantiles, so simlib run skips scipy.special."""
    from scipy.special import stdtrit

    from simlib.experiments.intervals import t_quantile
    from simlib.experiments.t_quantiles import P, T_975

    assert P == 0.5 + 0.95 / 2 and len(T_975) == 200
    for dof, q in enumerate(T_975, start=1):
        assert q == float(stdtrit(dof, P)) and t_quantile(dof, P) == q, dof
    # any other level or degrees of freedom asks scipy
    for dof, p in ((201, P), (3.5, P), (4, 0.995), (float("inf"), P)):
        assert t_quantile(dof, p) == float(stdtrit(dof, p)), (dof, p)
    assert math.isnan(t_quantile(float("nan"), P))
