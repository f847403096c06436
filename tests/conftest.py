"""Shared test helpers: the one confidence-interval assertion, and tier markers by file.

Statistical tests run a fixed seed and compare a Student-t interval over
independent replications with an analytic value (or with 0 for a paired
difference). The tolerance is the interval, never a hand-picked margin.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable

import numpy as np
import pytest
from scipy import stats

# test file -> tier (MODEL.md's tiers; the markers are declared in pyproject.toml)
TIERS = {
    "test_scenario_unit.py": "unit",
    "test_i18n.py": "unit",
    "test_catalogue.py": "unit",
    "test_cli_errors.py": "unit",
    "test_layout.py": "unit",
    "test_model_functional.py": "functional",
    "test_experiments.py": "functional",
    "test_paired.py": "functional",
    "test_intervals.py": "unit",
    "test_calendar_notes.py": "unit",
    "test_cli_run.py": "functional",
    "test_workforce.py": "functional",
    "test_placements.py": "functional",
    "test_placement_streams.py": "functional",
    "test_placement_paths.py": "functional",
    "test_calibration.py": "functional",
    "test_national.py": "functional",
    "test_national_dask.py": "functional",
    "test_price.py": "functional",
    "test_brief.py": "functional",
    "test_theory.py": "theory",
    "test_model_properties.py": "properties",
    "test_backtest.py": "backtest",
    "test_smoke.py": "smoke",
    "test_notebooks.py": "notebooks",
    "test_learners.py": "notebooks",
    "test_dashboard_browser.py": "browser",
    "test_readme.py": "functional",
    "test_ci_policy.py": "unit",
    "test_dashboard.py": "unit",
    "test_progress.py": "functional",
    "test_cli_output.py": "functional",
    "test_docs.py": "unit",
    "test_startup.py": "unit",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        tier = TIERS.get(item.path.name)
        if tier is not None:
            item.add_marker(getattr(pytest.mark, tier))


def in_ci() -> bool:
    """True on CI (CI=true, as GitHub Actions, GitLab and .ci/run set it)."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes", "on")


def skip_unless_ci(reason: str) -> None:
    """Skip with the reason on a developer machine; fail in CI, where a missing tool is a broken setup."""
    if in_ci():
        pytest.fail(f"CI=true, so this is a failure, not a skip: {reason}")
    pytest.skip(reason)


def t_interval(values: Iterable[float], level: float = 0.99) -> tuple[float, float]:
    """Mean and half-width of the two-sided Student-t interval over replications."""
    x = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)
    n = len(x)
    assert n >= 2 and not np.isnan(x).any(), f"need >= 2 finite replications, got {x}"
    return float(x.mean()), float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))


def assert_ci_covers(values: Iterable[float], expected: float, what: str, level: float = 0.99) -> None:
    """The t-interval of ``values`` covers ``expected``."""
    mean, half = t_interval(values, level)
    assert abs(mean - expected) <= half, (
        f"{what}: simulated mean {mean:.5f}, expected {expected:.5f}, "
        f"{level:.0%} half-width {half:.5f} (n={len(np.asarray(values))})"
    )


def assert_ci_above(values: Iterable[float], bound: float, what: str, level: float = 0.99) -> None:
    """The whole t-interval of ``values`` lies above ``bound`` (e.g. a paired difference above 0)."""
    mean, half = t_interval(values, level)
    assert mean - half > bound, f"{what}: mean {mean:.5f} +- {half:.5f} ({level:.0%}), not above {bound}"


def assert_ci_reaches(values: Iterable[float], bound: float, what: str, level: float = 0.99) -> None:
    """The t-interval of ``values`` reaches ``bound`` or above (not significantly below it)."""
    mean, half = t_interval(values, level)
    assert mean + half >= bound, f"{what}: mean {mean:.5f} +- {half:.5f} ({level:.0%}), below {bound}"
