"""The price of a cap (issue 17 point 1): targets, the search, its interval and the funded scenario.

Unit tier: target parsing, the bootstrap on frames whose answer is known, the
funded scenario file written from a result. Functional tier: a short real
search (cap 12 on a two-year baseline) finds a staffing that stops the balans
growing, with common random numbers; the CLI refuses bad targets with exit 2.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from simlib.analysis import funding
from simlib.presentation.cli.main import app
from simlib.scenario import load_scenario, rules
from simlib.scenario.loader import load, with_overrides


def test_targets_parse_the_default_and_a_kpi_condition():
    default = funding.Target.parse("baseline")
    assert [t.kpi for t in default] == [funding.GROWTH_KPI, funding.COMPLIANCE_KPI]
    assert default[1].value is None and default[1].op == ">="
    own = funding.Target.parse("investigation_within_4m_share>=0.8")
    assert own[-1] == funding.Target("investigation_within_4m_share", ">=", 0.8)
    assert own[0].kpi == funding.GROWTH_KPI  # a growing balans never meets a target
    assert funding.Target.parse("investigation_wait_days_mean <= 30")[-1].op == "<="


@pytest.mark.parametrize("text", ["", "compliance>=0.8", "investigation_within_4m_share=0.8", "x>=y"])
def test_a_bad_target_is_refused_by_name(text):
    with pytest.raises(ValueError, match="--target"):
        funding.Target.parse(text)


def _synthetic(threshold_by_rep: list[int], extras: range) -> funding.Price:
    """A result whose replication r meets the target from ``threshold_by_rep[r]`` extra posts on."""
    reps = len(threshold_by_rep)
    today = pd.DataFrame({funding.GROWTH_KPI: 0.0, funding.COMPLIANCE_KPI: 0.7}, index=range(reps))
    out = funding.Price(load_scenario("baseline"), 12, "hard", funding.Target.parse("baseline"), reps, 1, today)
    for e in extras:
        comp = [0.7 + (0.01 if e >= th else -0.05) for th in threshold_by_rep]
        out.candidates[e] = pd.DataFrame({funding.GROWTH_KPI: 0.0, funding.COMPLIANCE_KPI: comp})
    return out


def test_the_bootstrap_interval_spans_the_replications_thresholds():
    result = _synthetic([3, 4, 4, 5, 4, 4, 3, 5], range(0, 9))
    low, high, censored = funding.bootstrap_interval(result)
    assert 3 <= low <= 4 <= high <= 5
    assert not censored
    same = _synthetic([4] * 8, range(0, 9))
    assert funding.bootstrap_interval(same) == (4, 4, False)


def test_an_interval_beyond_the_candidates_run_is_flagged():
    result = _synthetic([3, 9, 9, 9, 9, 3, 3, 3], range(0, 6))
    _, high, censored = funding.bootstrap_interval(result)
    assert censored and high == 6


def test_the_funded_scenario_runs_the_posts_the_search_found(tmp_path):
    result = _synthetic([4] * 4, range(0, 7))
    result.extra, result.extra_low, result.extra_high = 4, 4, 4
    base = tmp_path / "base.yaml"
    base.write_text("extends: " + str(load("baseline").files[0]) + "\n", encoding="utf-8")
    text = funding.funded_yaml(result, "base.yaml", "simlib price baseline --cap 12")
    (tmp_path / "funded.yaml").write_text(text, encoding="utf-8")
    funded = load_scenario(tmp_path / "funded.yaml")
    today = load_scenario("baseline")
    posts = rules.staffed_posts(today)
    posts["investigation"] += 4
    assert rules.funded_posts(funded) == posts == rules.fixed_posts(funded)
    assert funded.investigation.caseload_cap == 12 and funded.investigation.cap_mode == "hard"
    assert funded.name == "cap-12-funded" and "å" in funded.metadata.description_sv


@pytest.mark.functional
def test_a_short_search_finds_staffing_that_stops_the_balans_growing():
    today = with_overrides(load_scenario("baseline"), {"horizon.years": 2.5, "horizon.warmup_years": 0.5})
    result = funding.price(today, 12, reps=3, seed=7)
    at_budget = result.compare(0).set_index("kpi")
    assert at_budget.loc[funding.GROWTH_KPI, "capped"] > funding.GROWTH_TOLERANCE  # today's budget: it grows
    assert result.extra is not None and result.extra > 0
    at_price = result.compare(result.extra).set_index("kpi")
    assert at_price.loc[funding.GROWTH_KPI, "capped"] <= funding.GROWTH_TOLERANCE
    assert at_price.loc[funding.COMPLIANCE_KPI, "capped"] >= at_price.loc[funding.COMPLIANCE_KPI, "today"] - 1e-12
    # one post fewer does not meet it (the smallest met count)
    table = result.candidate_table().set_index("extra_posts")
    assert not table.loc[result.extra - 1, "met"]
    assert result.extra_low <= result.extra <= result.extra_high
    # common random numbers: today's replications are the same whatever the candidate
    assert np.isfinite(at_price["difference"]).all()
    obj = funding.price_json(result)
    assert obj["price"]["extra_investigator_posts"] == result.extra
    assert obj["price"]["posts"]["investigation"] == rules.staffed_posts(today)["investigation"] + result.extra


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["price", "baseline", "--cap", "12", "--target", "nonsense"], "--target"),
        (["price", "policy/cap-12", "--cap", "12"], "already has an investigation cap"),
        (["price", "baseline", "--cap", "0"], "--cap"),
    ],
)
def test_the_price_command_refuses_bad_input_with_exit_2(args, message):
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 2
    assert message in out.output


@pytest.mark.parametrize(("lang", "words"), [("sv", ["4 fler utredartjänster", "mnkr", "växer"]),
                                             ("en", ["4 more investigator posts", "MSEK", "grows"])])
def test_the_dashboard_price_panel_shows_posts_and_budget_next_to_todays_budget(lang, words):
    from simlib.presentation.dashboard.price_panel import PricePanel

    result = _synthetic([4] * 4, range(0, 7))
    result.candidates[0][funding.GROWTH_KPI] = 40.0  # today's budget under the cap: a growing balans
    result.extra, result.extra_low, result.extra_high = 4, 3, 5
    panel = PricePanel(load_scenario("baseline"), lambda: (12, "hard"), lang, 1)
    text = panel.render(result)
    for word in words:
        assert word in text
    assert text.index(words[2]) < text.index(words[0])  # what today's budget gives comes first
    panel.shown = (15, "hard")
    panel.stale()
    assert "15" in panel.out.value


def test_the_dashboard_carries_the_price_panel_for_the_chosen_cap(monkeypatch):
    from simlib.presentation.dashboard.caps import CapDashboard

    monkeypatch.setattr(CapDashboard, "submit", lambda self: None)  # widgets only: no runs
    board = CapDashboard("baseline", lang="sv")
    try:
        assert board.price.widget in board.widget.children
        assert board.price.cap() == (board.cap.value, board.cap_mode.value)
        board.price.shown = (board.cap.value, board.cap_mode.value)
        board.cap.value = board.cap.value + 1  # another cap: the shown answer is marked out of date
        assert str(board.price.shown[0]) in board.price.out.value
    finally:
        if board._timer is not None:
            board._timer.cancel()
