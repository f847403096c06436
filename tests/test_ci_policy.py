"""CI policy: a missing browser is a skip on a laptop and a failure in CI (CI=true)."""

from __future__ import annotations

import pytest

from tests.conftest import in_ci, skip_unless_ci


def test_missing_tool_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    assert in_ci()
    with pytest.raises(pytest.fail.Exception, match="not a skip"):
        skip_unless_ci("chromium is missing")


def test_missing_tool_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        skip_unless_ci("chromium is missing")
