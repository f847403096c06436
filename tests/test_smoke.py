"""Smoke tier: every bundled scenario loads and runs briefly with all its stages.

One replication of half a year (a tenth of it warm-up) per scenario file under
``scenarios/``: a scenario that no longer validates, or a stage that raises on
its settings, fails here before a user finds it. The reporting window must see
referrals and no KPI may be infinite.
"""

from __future__ import annotations

import math

import pytest

import simlib
from simlib.scenario.loader import bundled_dir

SCENARIOS = sorted(p.relative_to(bundled_dir()).with_suffix("").as_posix() for p in bundled_dir().rglob("*.yaml"))


def test_every_bundled_scenario_is_listed() -> None:
    assert {"baseline", "large-city", "small-municipality", "textbook/mmc", "policy/cap-15"} <= set(SCENARIOS)


@pytest.mark.parametrize("name", SCENARIOS)
def test_bundled_scenario_runs_briefly(name: str) -> None:
    res = simlib.run(name, reps=1, seed=11, years=0.5, overrides={"horizon.warmup_years": 0.05}, series=False)
    values = res.kpis.set_index("kpi")["value"]
    assert values["referrals_total"] > 0, f"{name}: no referrals in the reporting window"
    bad = [k for k, v in values.items() if math.isinf(v)]
    assert not bad, f"{name}: infinite KPIs {bad}"
