"""Benchmarks of the pipeline model (``make bench``; not part of the test suite).

(a) Customers per second of the M/M/c reduction (scenarios/textbook/mmc.yaml)
    against a bare SimPy M/M/c loop with the same lambda, mu, c and number of
    customers, reported as a ratio measured in the same run (target >= 0.5).
(b) Wall time of one replication of the baseline municipality over 5 simulated
    years (target <= 1 s on the 2-core reference machine).

Targets are reported (printed and stored in the benchmark's ``extra_info``), not
asserted: timing depends on the machine and its load.
"""

from __future__ import annotations

import time

from bare_mmc import bare_simpy_mmc  # benchmarks/: the yardstick of every M/M/c ratio
from simlib.model import simulate
from simlib.scenario.loader import load_scenario, with_overrides

MMC_YEARS = 10.0  # 4 customers a day: ~14 600 customers
BASELINE_YEARS = 5.0


def _best_of(fn, rounds: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(rounds):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def test_mmc_customers_per_second_vs_bare_simpy(benchmark) -> None:
    sc = with_overrides(load_scenario("textbook/mmc"), {"horizon.years": MMC_YEARS, "horizon.warmup_years": 1})
    lam = sc.referrals.per_year / 365.0
    mu = sc.staff.hours_per_day / sc.investigation.hours.mean
    c = sc.staff.investigators_fte
    until = MMC_YEARS * 365.0

    out = benchmark.pedantic(simulate, args=(sc, 1, 0), rounds=5, iterations=1, warmup_rounds=1)
    model_customers = len(out.recorder.investigations)
    model_time = benchmark.stats.stats.min
    bare_time, bare_customers = _best_of(lambda: bare_simpy_mmc(lam, mu, c, until, 1), rounds=5)

    model_rate = model_customers / model_time
    bare_rate = bare_customers / bare_time
    ratio = model_rate / bare_rate
    benchmark.extra_info.update(
        model_customers_per_s=round(model_rate),
        bare_simpy_customers_per_s=round(bare_rate),
        ratio=round(ratio, 3),
        target_ratio=0.5,
    )
    print(
        f"\nM/M/c: model {model_rate:,.0f} customers/s, bare SimPy {bare_rate:,.0f} customers/s,"
        f" ratio {ratio:.2f} (target >= 0.5)"
    )


def test_baseline_one_replication_5_years(benchmark) -> None:
    sc = with_overrides(load_scenario("baseline"), {"horizon.years": BASELINE_YEARS})
    benchmark.pedantic(simulate, args=(sc, 1, 0), rounds=5, iterations=1, warmup_rounds=1)
    best = benchmark.stats.stats.min
    benchmark.extra_info.update(seconds=round(best, 3), target_seconds=1.0)
    print(f"\nbaseline, 5 years, one replication: {best:.3f} s (target <= 1 s)")
