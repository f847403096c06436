"""The pinned backtest runs: short, fixed-seed replications whose results are committed.

Shared by ``tests/test_backtest.py`` (compares) and ``make backtest-update``
(regenerates, ``python -m tests.backtest_cases``). A commit that regenerates the
files must say why the numbers moved.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).parent / "backtest"
SEED = 20240613
REPS = 2

# name -> (bundled scenario, overrides); each run is 1-2 simulated years
CASES: dict[str, tuple[str, dict[str, object]]] = {
    "textbook-mmc": ("textbook/mmc", {"horizon.years": 2.0, "horizon.warmup_years": 0.5}),
    "baseline-fixed-staff": (
        "baseline",
        {"staff.dynamics": False, "horizon.years": 1.5, "horizon.warmup_years": 0.5, "horizon.warmup": "fixed"},
    ),
    "baseline-dynamic-staff": (
        "baseline",
        {"horizon.years": 2.0, "horizon.warmup_years": 0.5, "horizon.warmup": "fixed"},
    ),
    # the assignment rules off the default path: a hard cap and the graduate rule without mentoring
    "baseline-hard-cap-graduate-rule": (
        "baseline",
        {"horizon.years": 1.5, "horizon.warmup_years": 0.5, "horizon.warmup": "fixed",
         "investigation.caseload_cap": 12, "investigation.cap_mode": "hard", "staff.graduate_rule": True},
    ),
}

# The weekly series is large; these columns carry the state of every stage.
FLOAT_FORMAT = "%.17g"  # round-trips every float64 exactly


def compute(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """KPIs (tidy) and weekly series of one pinned case, as the public API returns them."""
    import simlib

    scenario, overrides = CASES[name]
    res = simlib.run(scenario, reps=REPS, seed=SEED, overrides=overrides)
    kpis = res.kpis.sort_values(["replication", "kpi"], kind="stable").reset_index(drop=True)
    series = res.series.reset_index(drop=True)
    return kpis, series


def paths(name: str) -> tuple[Path, Path]:
    return HERE / f"{name}-kpis.csv", HERE / f"{name}-series.csv"


def read_expected(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    kpi_path, series_path = paths(name)
    return pd.read_csv(kpi_path, float_precision="round_trip"), pd.read_csv(series_path, float_precision="round_trip")


def update() -> None:
    HERE.mkdir(exist_ok=True)
    for name in CASES:
        kpis, series = compute(name)
        kpi_path, series_path = paths(name)
        kpis.to_csv(kpi_path, index=False, float_format=FLOAT_FORMAT)
        series.to_csv(series_path, index=False, float_format=FLOAT_FORMAT)
        print(f"wrote {kpi_path.name} ({len(kpis)} rows), {series_path.name} ({len(series)} rows)")


if __name__ == "__main__":
    if sys.argv[1:] != ["update"]:
        sys.exit("usage: python -m tests.backtest_cases update")
    update()
