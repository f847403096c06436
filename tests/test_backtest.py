"""Backtest tier: short pinned runs compared with committed results, bit for bit.

Three cases (``tests/backtest_cases.py``): the M/M/c textbook reduction, the
baseline with fixed staff and the baseline with dynamic staff, 2 replications
of 1.5-2 years each. Any change to the model's numbers fails here (exact float64 equality); a change that
is meant to move them regenerates the files with ``make backtest-update`` and its
commit says why. Refactorings must pass unchanged.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from tests.backtest_cases import CASES, FLOAT_FORMAT, compute, read_expected

pytestmark = pytest.mark.backtest


@pytest.mark.parametrize("name", sorted(CASES))
def test_results_match_the_committed_backtest(name: str) -> None:
    expected_kpis, expected_series = read_expected(name)
    kpis, series = compute(name)
    # through the same CSV round trip as the files (exact for float64 at 17 digits)
    pd.testing.assert_frame_equal(round_trip(kpis), expected_kpis, check_exact=True)
    pd.testing.assert_frame_equal(round_trip(series), expected_series, check_exact=True)


def round_trip(frame: pd.DataFrame) -> pd.DataFrame:
    text = frame.to_csv(index=False, float_format=FLOAT_FORMAT)
    return pd.read_csv(io.StringIO(text), float_precision="round_trip")
