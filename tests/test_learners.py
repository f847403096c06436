"""For learners (issue 18 point 8): notebook 05's exercises show what they promise, the event
trace of a toy run keeps the queue's rules, the map from the toy model names real code, and
the notebooks' figures are labelled through the catalogue (Swedish too).

Each "Try this" exercise of notebook 05 is run as written (its setup cell, then its own cell,
in fast mode) and its stated expected outcome is checked on the variables it leaves.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import matplotlib
import nbformat
import pandas as pd
import pytest

import simlib.notebook as nb
from simlib.presentation.i18n import kpi_label, t

matplotlib.use("Agg")  # figures are only inspected here, never shown

ROOT = Path(__file__).resolve().parents[1]
LEARNING = ROOT / "notebooks" / "05-learning-des.ipynb"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _cells(kind: str) -> list[str]:
    return [c.source for c in nbformat.read(LEARNING, as_version=4).cells if c.cell_type == kind]


def _exercise(number: int, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Run the exercises' setup cell and exercise ``number`` as written, in fast mode; its variables."""
    monkeypatch.setenv("CASELOAD_FAST", "1")
    code = _cells("code")
    setup = [c for c in code if c.startswith("# Setup for the exercises")]
    cell = [c for c in code if c.startswith(f"# Try this {number}\n")]
    assert len(setup) == 1 and len(cell) == 1, f"notebook 05 should have one setup cell and one 'Try this {number}' cell"
    namespace: dict = {}
    exec(compile(setup[0] + "\n" + cell[0], f"try-this-{number}", "exec"), namespace)
    return namespace


def test_every_exercise_states_its_expected_outcome() -> None:
    told = [m for m in _cells("markdown") if m.startswith("**Try this")]
    numbers = [int(re.match(r"\*\*Try this (\d+)", m).group(1)) for m in told]
    assert numbers == [1, 2, 3, 4]
    assert all("*Expected:*" in m for m in told)


def test_try_this_1_one_more_caseworker_shortens_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    ns = _exercise(1, monkeypatch)
    assert ns["ex1"]["ci_high"] < 0, ns["ex1"]  # the paired difference's 95% interval lies below zero
    lam, mu, c0, more = ns["lam"], ns["mu"], ns["c0"], ns["more"]
    assert nb.mmc_wq(lam, mu, c0 + more) < nb.mmc_wq(lam, mu, c0)
    # and each extra caseworker buys less than the one before
    assert nb.mmc_wq(lam, mu, c0) - nb.mmc_wq(lam, mu, c0 + 1) > nb.mmc_wq(lam, mu, c0 + 1) - nb.mmc_wq(lam, mu, c0 + 2)


def test_try_this_2_a_busier_unit_more_than_doubles_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    ns = _exercise(2, monkeypatch)
    diff, before = ns["ex2"], ns["before"]
    assert diff["ci_low"] > 0, diff
    assert (before + diff["mean"]) / before > 2, (before, diff["mean"])


def test_try_this_3_a_hard_cap_grows_the_balans(monkeypatch: pytest.MonkeyPatch) -> None:
    ex3 = _exercise(3, monkeypatch)["ex3"]
    assert ex3.loc["balans_mean", "ci_low"] > 0, ex3
    assert ex3.loc["investigation_within_4m_share", "ci_high"] < 0, ex3


def test_try_this_4_four_times_the_replications_narrow_the_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    ns = _exercise(4, monkeypatch)
    assert 0 < ns["ex4"] < 1, ns["ex4"]


def test_toy_trace_keeps_the_rules_of_the_queue() -> None:
    trace = nb.toy_trace(caseworkers=2, days=30, seed=1)
    assert list(trace.columns) == ["day", "child", "event", "detail", "waiting", "in_work"]
    assert trace["day"].is_monotonic_increasing
    assert trace["in_work"].between(0, 2).all() and (trace["waiting"] >= 0).all()
    settled = trace.groupby("day").last()
    assert (settled.loc[settled["waiting"] > 0, "in_work"] == 2).all()  # nobody waits beside a free caseworker
    assert (trace["waiting"] > 0).any(), "a toy run at 80% use should make someone wait"
    # every investigation is opened, assigned and decided in that order
    times = trace.pivot_table(index="child", columns="event", values="day", aggfunc="first")
    assert (times["opened"] <= times["assigned"]).all() and (times["assigned"] <= times["decided"]).all()
    # and the trace is the records: one assignment per recorded investigation
    out = nb.replication("textbook/mmc", {"staff.investigators_fte": 2, "referrals.per_year": 0.8 * 2 * 365.0,
                                          "horizon.years": 30 / 365.0, "horizon.warmup_years": 0.0}, seed=1)
    assert (trace["event"] == "assigned").sum() == len(out.recorder.investigations)


def test_event_trace_of_a_screened_run_shows_screening() -> None:
    out = nb.replication("baseline", {"horizon.years": 0.1, "horizon.warmup_years": 0.0}, seed=3)
    trace = nb.event_trace(out, until=20)
    assert {"referral", "screened"} <= set(trace["event"])
    assert set(trace.loc[trace["event"] == "screened", "detail"]) <= {"investigation opened", "closed"}
    assert (trace["day"] <= 20).all()


def _model_map() -> list[tuple[str, str]]:
    table = next(m for m in _cells("markdown") if "From the toy model to simlib" in m)
    return re.findall(r"`(simlib/[\w/]+\.py)` \(`(\w+)`\)", table)


def test_the_model_map_names_code_that_exists() -> None:
    rows = _model_map()
    assert len(rows) >= 8
    for path, name in rows:
        file = ROOT / path
        assert file.is_file(), f"notebook 05's model map names {path}, which does not exist"
        defined = {n.name for n in ast.parse(file.read_text()).body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
        assert name in defined, f"notebook 05's model map names {name} in {path}, which defines no such thing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_label_axes_through_the_catalogue(path: Path) -> None:
    # a hand-written axis label or title is English only: figures come from nb.plots instead
    code = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    hand = [line.strip() for src in code for line in src.splitlines() if re.search(r"\.set_(x|y)?label\(|\.set_title\(", line)]
    assert not hand, f"{path.name} labels a figure by hand: {hand}"


def test_sweep_heat_maps_and_child_path_speak_swedish() -> None:
    cells = pd.DataFrame([
        {"staff.budget_sek_per_year": b, "investigation.caseload_cap": c, "kpi": "balans_mean", "mean": b / 1e6 + c}
        for b in (3.4e7, 4.0e7) for c in (10, 15)
    ])
    fig = nb.plots.sweep_heatmaps(cells, ["balans_mean"], rows="staff.budget_sek_per_year",
                                  columns="investigation.caseload_cap", lang="sv")
    ax = fig.axes[0]
    assert ax.get_ylabel().replace("\n", " ") == t("plot.axis.staff.budget_sek_per_year", "sv")
    assert ax.get_xlabel() == t("plot.axis.investigation.caseload_cap", "sv")
    assert ax.get_title().replace("\n", " ") == kpi_label("balans_mean", "sv")
    assert [x.get_text() for x in ax.get_yticklabels()] == ["34,0", "40,0"]  # decimal comma, millions
    spells = pd.DataFrame({"child": [7, 7], "placement": [1, 2], "start": [0.0, 200.0], "end": [100.0, 500.0],
                           "place": ["emergency", "home"]})
    fig = nb.plots.child_path(spells, 7, "sv")
    assert fig.axes[0].get_xlabel() == t("plot.sim_year", "sv")
    assert fig.axes[0].get_title() == t("plot.child_path", "sv", child=7, n=2)
    assert [x.get_text() for x in fig.axes[0].get_legend().get_texts()] == [t("plot.place.emergency", "sv"), t("plot.place.home", "sv")]


def test_tornado_draws_each_swing_in_display_units() -> None:
    tor = pd.DataFrame({"parameter": ["referrals.per_year", "staff.investigators_fte"], "kpi": "child_heard_share",
                        "base": 0.5, "at_low": [0.45, 0.52], "at_high": [0.60, 0.49]})
    fig = nb.plots.tornado(tor, ["child_heard_share"], "en", rel=0.2)
    ax = fig.axes[0]
    widths = sorted(round(p.get_width(), 6) for p in ax.patches)
    assert widths == sorted(round(w, 6) for w in (-5.0, 2.0, 10.0, -1.0))  # percentage points
    assert [x.get_text() for x in ax.get_yticklabels()][-1] == t("param.referrals.per_year", "en")  # biggest swing on top
    assert ax.get_xlim()[0] <= -5.0 and ax.get_xlim()[1] >= 10.0
