"""The dashboard without a browser (issue 18 point 4, issue 14 point 2): what it opens
with, its slider window, the provisional first estimate, the lead sentence on the
queue's stability, interval decimals and the warm-up shading. The browser test
(tests/test_dashboard_browser.py) checks the same things on the served page."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simlib.presentation.dashboard.levers import slider_specs, start_mode
from simlib.presentation.dashboard.view import cap_note, growing, lead_html, table_html
from simlib.presentation.i18n import distinct_decimals, fmt_value
from simlib.scenario.loader import load_scenario


def _table(**rows: tuple[float, float, float]) -> pd.DataFrame:
    """A comparison table: kpi -> (mean, ci_low, ci_high); baseline and differences made up around them."""
    out = []
    for kpi, (mean, low, high) in rows.items():
        out.append({"kpi": kpi, "mean": mean, "ci_low": low, "ci_high": high, "n": 2, "baseline": mean / 2,
                    "diff": mean / 2, "diff_low": low / 2, "diff_high": high / 2, "pairs": 2})
    return pd.DataFrame(out)


def test_the_baseline_opens_on_a_hard_cap_at_the_sustainable_caseload() -> None:
    base = load_scenario("baseline")
    assert base.investigation.cap_mode == "none"
    assert start_mode(base) == "hard"
    assert start_mode(load_scenario("policy/cap-15")) == "hard"
    cap = slider_specs(base)["cap"]
    assert cap.value == base.investigation.child_heard.sustainable_caseload == 15


def test_the_cap_slider_window_is_narrow_enough_that_a_small_drag_moves_a_case_or_two() -> None:
    cap = slider_specs(load_scenario("baseline"))["cap"]
    assert (cap.low, cap.high, cap.step) == (8, 30, 1)
    # 22 steps on a ~40em track (~25 px a case); the old 1-60 window on ~20em was ~5 px a case
    assert (cap.high - cap.low) / cap.step <= 30


def test_no_cap_explains_why_the_cap_slider_is_disabled() -> None:
    assert "does not apply" in cap_note("none", "en")
    assert "används inte" in cap_note("none", "sv")
    assert cap_note("hard", "en") == cap_note("soft", "en") == ""


def test_interval_ends_never_read_the_same_when_they_differ() -> None:
    name = "child_heard_share"
    d = distinct_decimals(name, 0.896, 0.904)
    assert fmt_value(0.896, name, "en", decimals=d) == "89.6%"
    assert fmt_value(0.904, name, "en", decimals=d) == "90.4%"
    assert distinct_decimals(name, 0.80, 0.95) == 0
    assert distinct_decimals(name, 0.5, 0.5) == 0  # a point interval stays as it is
    html = table_html(_table(child_heard_share=(0.9, 0.896, 0.904)), "en")
    assert "89.6% to 90.4%" in html and "90% to 90%" not in html


def test_a_first_estimate_from_short_runs_is_labelled_provisional() -> None:
    table = _table(balans_mean=(10.0, 8.0, 12.0))
    provisional = table_html(table, "en", "Provisional, from 2 short runs")
    assert "data-estimate='provisional'" in provisional and "<caption" in provisional
    final = table_html(table, "en")
    assert "data-estimate='final'" in final and "<caption" not in final


def test_a_growing_queue_leads_with_instability_and_names_the_delay_artefact() -> None:
    table = _table(balans_growth_per_year=(119.0, 100.0, 138.0), unstable=(0.5, 0.0, 1.0))
    assert growing(table)
    lead = lead_html(table, "en")
    assert "data-state='growing'" in lead
    assert lead.index("grows by +119 cases a year") < lead.index("without bound in 50%")
    assert "delayed" in lead and "not an improvement" in lead
    assert "skjuts upp" in lead_html(table, "sv")
    stable = _table(balans_growth_per_year=(1.0, -3.0, 5.0), unstable=(0.0, 0.0, 0.0))
    assert not growing(stable)
    assert "data-state='stable'" in lead_html(stable, "en")


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_the_time_series_shades_the_warm_up(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from simlib.presentation.dashboard.caps import CapDashboard
    from simlib.presentation.i18n import t

    board = CapDashboard.__new__(CapDashboard)  # drawing only: no runs, no process pool
    board.lang = lang
    weeks = np.arange(104)
    series = pd.concat(
        [pd.DataFrame({"scenario": name, "replication": r, "week": weeks, "balans": weeks * (r + 1.0),
                       "in_warmup": weeks < 52}) for name in ("a",) for r in range(2)]
    )
    table = _table(child_heard_share=(0.9, 0.85, 0.95))
    fig = board.draw(table, series, series.assign(scenario="b"))
    band = fig.axes[1]
    shaded = [p for p in band.patches if p.get_label() == t("plot.warmup", lang)]
    assert len(shaded) == 1
    x0, x1 = shaded[0].get_x(), shaded[0].get_x() + shaded[0].get_width()
    assert (x0, x1) == (0, 1.0)
    assert t("plot.warmup", lang) in [x.get_text() for x in band.get_legend().get_texts()]


def test_placement_caseworkers_have_a_cap_control_of_their_own() -> None:
    """Issue 16 point 6: the same guideline for placement social workers, shown in the dashboard."""
    from simlib.presentation.dashboard.levers import lever_overrides, start_placement_mode
    from simlib.scenario.loader import with_overrides

    base = load_scenario("baseline")
    spec = slider_specs(base)["placement_cap"]
    # today's rule: a soft 22 (the overload level, no limit on assignment); the window half to twice it
    assert (base.placements.cap_mode, base.placements.caseload_cap) == ("soft", 22)
    assert start_placement_mode(base) == "soft"
    assert (spec.low, spec.high, spec.step, spec.value) == (11, 44, 1, 22)
    budget = slider_specs(base)["budget"].value
    hard = with_overrides(base, lever_overrides(base, 15, "none", budget, 15, "hard"))
    assert (hard.placements.caseload_cap, hard.placements.cap_mode) == (15, "hard")
    assert hard.investigation.cap_mode == "none"
    # without a placement cap the slider is idle: the scenario's own value stays (the overload level)
    for cap in (12, 30):
        none = lever_overrides(base, 15, "hard", budget, cap, "none")
        assert (none["placements.caseload_cap"], none["placements.cap_mode"]) == (22, "none")
    # the investigation levers alone leave the placement section as it is
    assert "placements.cap_mode" not in lever_overrides(base, 15, "hard", budget)
    assert "does not apply" in cap_note("none", "en", "placements")
    assert "placeringstaket används inte" in cap_note("none", "sv", "placements")
    assert cap_note("hard", "en", "placements") == ""
