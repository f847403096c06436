"""Unit tier: the calibration report (structure and within/outside flags).

The flags are checked on a synthetic per-replication frame with known means
and intervals, so no simulation runs; one small CLI run checks the command.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from simlib.analysis import calibration
from simlib.presentation.cli import app
from simlib.scenario import load_scenario, with_overrides


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("baseline")


def _targets(*rows):
    return pd.DataFrame(
        [
            {
                "kpi": k,
                "target_low": lo,
                "target_high": hi,
                "unit": "u",
                "per": "year",
                "source": "s",
                "confidence": "c",
            }
            for k, lo, hi in rows
        ]
    )


def _per_rep(values: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"replication": r, "kpi": k, "value": v}
            for k, vs in values.items()
            for r, v in enumerate(vs)
        ]
    )


@pytest.mark.parametrize(
    "mean, low, high, tlo, thi, expected",
    [
        (0.5, 0.4, 0.6, 0.45, 0.55, "within"),
        (0.7, 0.65, 0.75, 0.45, 0.55, "outside"),
        (0.58, 0.5, 0.66, 0.45, 0.55, "borderline"),
        (0.3, 0.2, 0.4, 0.45, 0.55, "outside"),
        (191.0, 189.0, 193.0, 192.0, 192.0, "within"),  # point target inside the CI
        (190.0, 189.0, 191.0, 192.0, 192.0, "outside"),
        (math.nan, math.nan, math.nan, 0.0, 1.0, "not modelled"),
    ],
)
def test_status_rule(mean, low, high, tlo, thi, expected):
    assert calibration.status(mean, low, high, tlo, thi) == expected


def test_compare_on_a_synthetic_frame(baseline):
    children = baseline.municipality.children_0_17
    per_rep = _per_rep(
        {
            "investigation_within_4m_share": [0.70, 0.72, 0.74],  # mean 0.72, well inside 0.67-0.92
            "screening_within_14d_share": [0.95, 0.96, 0.97],  # CI ~[0.925, 0.995]: above 0.75-0.90
            "referrals_per_1000_children": [4000 / children * 1000]
            * 3,  # exactly 190.48, zero variance
        }
    )
    targets = _targets(
        ("investigation_within_4m_share", 0.67, 0.92),
        ("screening_within_14d_share", 0.75, 0.90),
        ("referrals_per_1000_children", 192, 192),
        ("turnover_per_year", 0.11, 0.20),
        ("consultant_cost_premium", 2.0, 2.4),
    )
    table = calibration.compare(per_rep, baseline, targets).set_index("target")
    assert list(table.reset_index().columns) == calibration.COLUMNS
    row = table.loc["investigation_within_4m_share"]
    half = 4.302653 * 0.02 / np.sqrt(3)  # t(0.975, 2) x sd / sqrt(n)
    assert row["model_mean"] == pytest.approx(0.72)
    assert row["ci_low"] == pytest.approx(0.72 - half, rel=1e-5)
    assert row["n"] == 3 and row["status"] == "within"
    assert table.loc["screening_within_14d_share", "status"] == "outside"
    assert table.loc["referrals_per_1000_children", "status"] == "outside"  # 190.5 is not 192
    assert table.loc["consultant_cost_premium", "status"] == "input"  # 2.0 is the file's value, not a fit
    # no turnover KPI in the frame: not modelled (fixed staff, or simply not produced)
    assert table.loc["turnover_per_year", "status"] == "not modelled"


def test_missing_kpi_is_not_modelled_not_a_failure(baseline):
    dynamic = with_overrides(baseline, {"staff.dynamics": True})
    table = calibration.compare(
        _per_rep({"balans_mean": [0.0, 0.0]}), dynamic, _targets(("turnover_per_year", 0.11, 0.2))
    )
    assert table.loc[0, "status"] == "not modelled"


def test_no_target_is_a_stock_divided_by_an_assumed_ratio(baseline):
    """Children in care during the year come from the model's count, never from the stock / 0.65."""
    per_rep = _per_rep({"placements_active_mean": [160.0, 170.0]})
    table = calibration.compare(per_rep, baseline, _targets(("placed_children_per_1000", 10.4, 10.4)))
    assert table.loc[0, "status"] == "not modelled" or math.isnan(table.loc[0, "model_mean"])
    counted = calibration.compare(_per_rep({"children_in_care_per_year": [250.0, 260.0]}), baseline,
                                  _targets(("placed_children_per_1000", 10.4, 10.4)))
    youth = baseline.municipality.children_0_17 * calibration.YOUTH_0_20_PER_CHILD_0_17
    assert counted.loc[0, "model_mean"] == pytest.approx(255.0 / youth * 1000)


def test_packaged_targets_have_a_measure_and_a_source():
    targets = calibration.load_targets()
    assert set(targets["kpi"]) <= set(calibration.MEASURES)
    assert (targets["target_low"] <= targets["target_high"]).all()
    assert targets["source"].str.len().min() > 10


def test_calibrate_command_runs_a_short_baseline():
    result = CliRunner().invoke(
        app, ["calibrate", "baseline", "--reps", "2", "--years", "1.5", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(pd.io.common.StringIO(result.stdout))
    assert list(table.columns) == calibration.COLUMNS
    row = table.set_index("target").loc["investigation_open_share"]
    assert 0.25 < row["model_mean"] < 0.40  # screening.open_share is 0.32
