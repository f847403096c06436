"""Theory tier: the textbook reductions of MODEL.md section 6 against closed-form results.

Each test runs a bundled textbook scenario (scenarios/textbook/) for a fixed seed
and checks that a 99% Student-t interval over independent replications covers
the analytic value (Erlang C, M/G/1-PS sojourn, Little's law). The tolerance is
the interval, never a hand-picked margin: if a test fails, the model is wrong.
Run lengths are chosen so the half-width is a few percent to ~25% of the
expected value (heavy traffic is intrinsically noisy) and the file takes about a
minute; the utilisation-0.95 case is marked slow (it still runs in CI).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import simlib
from tests.conftest import assert_ci_covers
from simlib.analysis.theory import erlang_b, erlang_c, mm1ps_sojourn, mmc_lq, mmc_wq
from simlib.model import simulate
from simlib.scenario.loader import load_scenario, with_overrides

SEED = 20241
LEVEL = 0.99
# textbook/mmc.yaml: mu = hours_per_day / hours.mean = 6 / 6 = 1 per day, c = 5
MMC_MU, MMC_C = 1.0, 5
# textbook/mm1ps*.yaml: lambda = 1460 / 365 = 4, mu = 6 / 1.2 = 5 per day
PS_LAMBDA, PS_MU = 4.0, 5.0


def assert_covers(values: np.ndarray, expected: float, what: str) -> None:
    assert_ci_covers(values, expected, what, LEVEL)


def _mmc_overrides(rho: float, years: float) -> dict[str, float]:
    lam = rho * MMC_C * MMC_MU
    return {"referrals.per_year": lam * 365.0, "horizon.years": years, "horizon.warmup_years": 2.0}


# --- closed forms (unit checks of simlib.analysis.theory) -----------------------


def test_erlang_formulas_match_known_values() -> None:
    """Erlang B(2, 1) = 0.2 and C(2, 1) = 1/3 by hand; M/M/1: Wq = rho / (mu - lambda)."""
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_c(2, 1.0) == pytest.approx(1.0 / 3.0)
    assert erlang_c(1, 0.8) == pytest.approx(0.8)  # M/M/1: P(wait) = rho
    assert mmc_wq(0.8, 1.0, 1) == pytest.approx(0.8 / 0.2)
    assert mmc_lq(4.0, 1.0, 5) == pytest.approx(4.0 * mmc_wq(4.0, 1.0, 5))
    assert mmc_wq(4.0, 1.0, 5) == pytest.approx(0.5541 / 1.0, abs=1e-4)
    assert mm1ps_sojourn(4.0, 5.0) == pytest.approx(1.0)
    assert math.isinf(mmc_wq(5.0, 1.0, 5)) and math.isinf(mm1ps_sojourn(5.0, 5.0))
    assert erlang_c(5, 6.0) == 1.0
    # Erlang B by its defining sum, for a larger system
    c, a = 30, 25.0
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    assert erlang_b(c, a) == pytest.approx(terms[-1] / sum(terms), rel=1e-12)
    with pytest.raises(ValueError):
        erlang_b(0, 1.0)
    with pytest.raises(ValueError):
        mmc_wq(1.0, 0.0, 2)


# --- M/M/c FIFO: caseload cap 1, hard --------------------------------------------


@pytest.mark.parametrize(
    ("rho", "reps", "years"),
    [
        (0.5, 10, 30),
        (0.8, 10, 30),
        pytest.param(0.95, 12, 60, marks=pytest.mark.slow),
    ],
)
def test_mmc_balans_wait_matches_erlang_c(rho: float, reps: int, years: float) -> None:
    """M/M/c FIFO: mean balans wait Wq = C(c, a) / (c mu - lambda), a = lambda / mu (Erlang C)."""
    res = simlib.run("textbook/mmc", reps=reps, seed=SEED, overrides=_mmc_overrides(rho, years))
    lam = rho * MMC_C * MMC_MU
    assert (res.kpi("unstable") == 0).all()
    assert_covers(
        res.kpi("investigation_wait_days_mean").to_numpy(), mmc_wq(lam, MMC_MU, MMC_C), f"Wq at rho={rho}"
    )
    # the time-average balans is Lq = lambda Wq
    assert_covers(res.kpi("balans_mean").to_numpy(), mmc_lq(lam, MMC_MU, MMC_C), f"Lq at rho={rho}")


def test_littles_law_on_the_balans_queue() -> None:
    """Little's law, replication by replication: balans_mean = lambda_eff x mean balans wait.

    lambda_eff is the realised rate of opened investigations in the reporting
    window; the paired difference must have a t-interval covering 0. Little's law
    holds on every sample path, so this checks the bookkeeping of the queue area,
    the waits and the warm-up window against each other (no distribution involved).
    """
    res = simlib.run("textbook/mmc", reps=10, seed=SEED + 1, overrides=_mmc_overrides(0.9, 8))
    lam_eff = res.kpi("investigations_per_year") / 365.0
    lq = res.kpi("balans_mean")
    diff = (lq - lam_eff * res.kpi("investigation_wait_days_mean")).to_numpy()
    assert_covers(diff, 0.0, "balans_mean - lambda_eff * Wq")
    # and the relative discrepancy is small (edge effects of the window only)
    assert abs(diff.mean()) < 0.02 * lq.mean()


# --- M/G/1 processor sharing: c = 1, no cap --------------------------------------


@pytest.mark.parametrize(
    ("scenario", "reps", "years"),
    [
        ("textbook/mm1ps", 8, 25),
        ("textbook/mm1ps-deterministic", 8, 25),
        ("textbook/mm1ps-lognormal", 10, 30),
    ],
)
def test_mg1_ps_mean_sojourn_is_insensitive(scenario: str, reps: int, years: float) -> None:
    """M/G/1-PS: mean sojourn 1 / (mu - lambda) for any work distribution of mean 1/mu (Kleinrock)."""
    sc = load_scenario(scenario)
    mean_hours = sc.investigation.hours.mean
    mu = sc.staff.hours_per_day / mean_hours
    lam = sc.referrals.per_year / 365.0
    assert (lam, mu) == pytest.approx((PS_LAMBDA, PS_MU))
    res = simlib.run(sc, reps=reps, seed=SEED + 2, overrides={"horizon.years": years})
    assert (res.kpi("investigation_wait_days_mean") == 0).all()  # nobody waits under PS
    assert_covers(res.kpi("investigation_days_mean").to_numpy(), mm1ps_sojourn(lam, mu), scenario)
    # mean number in the system L = lambda T = rho / (1 - rho)
    assert_covers(res.kpi("caseload_mean").to_numpy(), lam * mm1ps_sojourn(lam, mu), f"{scenario} L")


# --- utilisation >= 1 -------------------------------------------------------------


@pytest.mark.parametrize("rho", [1.0, 1.25])
def test_overload_is_flagged_unstable_and_a_runaway_run_is_stopped(rho: float) -> None:
    """rho >= 1 has no steady state: the run says `unstable`, and a runaway run ends in bounded time.

    At rho = 1 the queue is null recurrent and reaches a level L after about
    L^2 / (2 lambda) days; with 20 open cases per investigator (L = 100) that is
    ~1 000 days, and 40 per investigator (L = 200, the bounded-work guard) ~5 000
    days, far inside the 60-year horizon. The run says it stopped early and how
    long a window it reports.
    """
    horizon_years = 60.0
    sc = with_overrides(
        load_scenario("textbook/mmc"),
        {**_mmc_overrides(rho, horizon_years), "horizon.unstable_queue_per_server": 20,
         "horizon.stop_queue_per_server": 40},
    )
    for rep in range(3):
        out = simulate(sc, SEED + 3, rep)
        assert out.kpis["unstable"] == 1.0 and out.kpis["stopped_early"] == 1.0
        assert out.end_days < horizon_years * 365.0
        # at rho = 1.25 the guard stops the run inside the warm-up: an empty window, said as such
        assert 0 <= out.kpis["reporting_years"] < horizon_years - 2.0


def test_an_unstable_run_keeps_its_whole_window_and_reports_growth() -> None:
    """Below the guard an unstable run is not cut short: its window is the horizon's, its balans grows."""
    sc = with_overrides(load_scenario("textbook/mmc"),
                        {**_mmc_overrides(1.25, 4.0), "horizon.unstable_queue_per_server": 20,
                         # the queue reaches ~365 per investigator in 4 years: keep it below the guard
                         "horizon.stop_queue_per_server": 500})
    out = simulate(sc, SEED + 4, 0)
    assert out.kpis["unstable"] == 1.0 and out.kpis["stopped_early"] == 0.0
    assert out.kpis["reporting_years"] == pytest.approx(2.0, abs=0.02)  # 4 years less the 2-year warm-up
    # lambda - c mu = 1.25 x 5 - 5 = 1.25 cases a day more than the unit decides
    assert out.kpis["balans_growth_per_year"] == pytest.approx(1.25 * 365, rel=0.15)
