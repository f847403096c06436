"""Unit tier: run, compare and sweep return one results family with the same verbs.

``Results``, ``Comparison`` and ``SweepResults`` each have ``.kpis`` (tidy),
``.summary(kpis, level)``, ``.report(kpis, level)`` (the text the CLI prints),
``.to_json_dict()`` (NaN -> null), a one-line repr and an HTML table. A
fixed-staff and a dynamic scenario compare over every registered KPI (NaN
where a stage does not run), without dropping rows. ``run_kpis`` (``KpiRun``, the
CLI's plain ``simlib run``: KPIs as dicts, no frames) gives ``run``'s numbers,
table and JSON exactly.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from typer.testing import CliRunner

import simlib
from simlib.experiments import Comparison, KpiRun, Results, SweepResults, run_kpis
from simlib.model import kpi_registry
from simlib.presentation.cli import app

pytestmark = pytest.mark.unit

MMC = "textbook/mmc"
SHORT = {"reps": 2, "seed": 7, "years": 1.0}
CLI_SHORT = ["--reps", "2", "--seed", "7", "--years", "1", "--quiet"]
GRID = {"horizon.warmup_years": [0.1, 0.2]}
VERBS = ("kpis", "summary", "report", "to_json_dict", "_repr_html_")


@pytest.fixture(scope="module")
def family() -> dict[str, object]:
    alt = simlib.load_scenario(MMC)
    return {
        "run": simlib.run(MMC, **SHORT),
        "compare": simlib.compare(MMC, [MMC, alt], **SHORT),
        "sweep": simlib.sweep(MMC, GRID, **SHORT),
    }


def test_each_entry_point_returns_its_family_member(family) -> None:
    assert isinstance(family["run"], Results)
    assert isinstance(family["compare"], Comparison)
    assert isinstance(family["sweep"], SweepResults)


@pytest.mark.parametrize("which", ["run", "compare", "sweep"])
def test_same_verbs_on_every_member(family, which) -> None:
    res = family[which]
    for verb in VERBS:
        assert hasattr(res, verb), f"{type(res).__name__} lacks {verb}"
    assert isinstance(res.kpis, pd.DataFrame) and {"kpi", "replication"} <= set(res.kpis.columns)
    summary = res.summary()
    assert {"kpi", "mean", "ci_low", "ci_high", "n"} <= set(summary.columns)
    chosen = res.summary(kpis=["balans_mean", "caseload_mean"])
    assert set(chosen["kpi"]) == {"balans_mean", "caseload_mean"}
    assert len(chosen) == len(summary[summary["kpi"].isin(["balans_mean", "caseload_mean"])])
    with pytest.raises(KeyError, match="no_such_kpi"):
        res.summary(kpis=["no_such_kpi"])
    narrow, wide = res.summary(level=0.5), res.summary(level=0.99)
    ok = narrow["ci_low"].notna()
    assert (narrow["ci_low"][ok] >= wide["ci_low"][ok]).all()


@pytest.mark.parametrize("which", ["run", "compare", "sweep"])
def test_repr_is_one_line_and_html_is_a_table(family, which) -> None:
    res = family[which]
    text = repr(res)
    assert "\n" not in text and text.startswith(f"<{type(res).__name__} textbook-mmc") and text.endswith(">")
    assert "seed 7" in text and "2 replications" in text
    page = res._repr_html_()
    assert "<table" in page and "</table>" in page and "balans_mean" in page


def test_results_repr_names_replications_kpis_and_seed(family) -> None:
    n = len(kpi_registry.NAMES)
    assert repr(family["run"]) == f"<Results textbook-mmc: 2 replications x {n} KPIs, seed 7>"


@pytest.mark.parametrize("which", ["run", "compare", "sweep"])
def test_json_has_null_for_nan_and_no_nan_tokens(family, which) -> None:
    text = json.dumps(family[which].to_json_dict(), allow_nan=False)  # NaN would raise here
    assert "null" in text  # the placement and dynamic-staff KPIs of the textbook model


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_report_is_what_the_cli_prints(family) -> None:
    from simlib.presentation.i18n import table_label  # the CLI labels KPIs through the catalogue

    assert _cli("run", MMC, *CLI_SHORT) == family["run"].report(label=table_label)
    grid = ["--grid", "horizon.warmup_years=0.1,0.2"]
    assert _cli("sweep", MMC, *grid, *CLI_SHORT) == family["sweep"].report(label=table_label)
    cmp = simlib.compare(MMC, [MMC], **SHORT)
    assert _cli("compare", MMC, MMC, *CLI_SHORT) == cmp.report(label=table_label)


def test_report_filters_kpis_and_takes_labels(family) -> None:
    res = family["run"]
    text = res.report(kpis=["balans_mean"], label=str.upper)
    assert "BALANS_MEAN" in text and "caseload_mean" not in text.lower()
    assert "90% CI" in res.report(level=0.9)
    sweep_text = family["sweep"].report(kpis=["caseload_mean"], label=lambda k: f"<{k}>")
    assert "<caseload_mean>" in sweep_text and "balans_mean" not in sweep_text
    cmp_text = family["compare"].report(kpis=["balans_mean"])
    assert cmp_text.count("balans_mean") == 2  # one table per alternative


def test_sweep_summary_has_the_swept_values(family) -> None:
    summary = family["sweep"].summary(kpis=["caseload_mean"])
    assert list(summary.columns[:2]) == ["point", "horizon.warmup_years"]
    assert summary["horizon.warmup_years"].tolist() == [0.1, 0.2]
    assert (summary["n"] == 2).all()


@pytest.mark.functional
def test_fixed_and_dynamic_staff_compare_over_every_registered_kpi() -> None:
    from simlib.experiments.comparison import paired_differences

    short = {"horizon.years": 0.6, "horizon.warmup_years": 0.1}
    fixed = simlib.run("baseline", reps=2, seed=3, overrides={**short, "staff.dynamics": False}, series=False)
    dynamic = simlib.run("baseline", reps=2, seed=3, overrides={**short, "staff.dynamics": True}, series=False)
    cmp = Comparison(fixed, {"dynamic": dynamic}, paired_differences(fixed, dynamic, "dynamic"))
    assert set(cmp.kpis["kpi"]) == set(kpi_registry.NAMES)  # no row dropped
    assert len(cmp.summary()) == len(kpi_registry.NAMES)
    row = cmp.summary(kpis=["hires_per_year"]).iloc[0]  # fixed staff has no hires: NaN, no pairs
    assert row["n"] == 0 and math.isnan(row["mean"])
    assert cmp.to_json_dict()["alternatives"]["dynamic"]["hires_per_year"]["mean"] is None
    turnover = cmp.summary(kpis=["turnover_per_year"]).iloc[0]  # fixed staff reports 0 turnover
    assert turnover["n"] == 2 and turnover["mean"] > 0


COMMON_OPTIONS = ["reps", "seed", "years", "overrides", "warmup", "jobs", "dask", "progress"]


def test_options_are_keyword_only_and_in_the_same_order() -> None:
    import inspect

    def options(fn) -> list[str]:
        params = inspect.signature(fn).parameters.values()
        return [p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]

    def positional(fn) -> list[str]:
        params = inspect.signature(fn).parameters.values()
        return [p.name for p in params if p.kind is not inspect.Parameter.KEYWORD_ONLY]

    assert positional(simlib.run) == ["scenario"]
    assert positional(simlib.compare) == ["base", "alts"]
    assert positional(simlib.sweep) == ["scenario", "grid"]
    run_opts, cmp_opts, sweep_opts = options(simlib.run), options(simlib.compare), options(simlib.sweep)
    assert run_opts[: len(COMMON_OPTIONS) + 1] == [*COMMON_OPTIONS, "series"]
    assert cmp_opts == run_opts  # precision mode too: precision, precision_abs, max_reps, precision_kpis
    assert sweep_opts == [*COMMON_OPTIONS, "sample", "n", "ranges", "store"]
    with pytest.raises(TypeError):
        simlib.run(MMC, 2)  # reps only by name


@pytest.mark.parametrize("scenario, jobs", [(MMC, 1), ("baseline", 2)], ids=["mmc", "baseline-jobs2"])
def test_run_kpis_gives_the_frame_paths_numbers_exactly(scenario: str, jobs: int) -> None:
    """The light path (KPIs as dicts, intervals with numpy) against the frames, bit for bit:
    summary rows, JSON, the printed table (leads included), and the tidy frame it builds for csv."""
    frames = simlib.run(scenario, reps=3, seed=7, years=1.0, series=False)
    light = run_kpis(scenario, reps=3, seed=7, years=1.0, jobs=jobs, progress=False)
    assert isinstance(light, KpiRun) and light.reps == frames.reps == 3
    expected = frames.summary()
    got = light.summary()
    assert [r.kpi for r in got] == list(expected["kpi"])
    for row, want in zip(got, expected.itertuples(index=False), strict=True):
        for col in ("mean", "ci_low", "ci_high"):
            a, b = getattr(row, col), getattr(want, col)
            assert a == b or (math.isnan(a) and math.isnan(b)), (row.kpi, col, a, b)
        assert (row.n, row.interval) == (want.n, want.interval), row.kpi
    assert light.to_json_dict() == frames.to_json_dict()
    assert json.dumps(light.to_json_dict()) == json.dumps(frames.to_json_dict())
    assert light.report() == frames.report()
    shown = ["balans_mean", "unstable"]
    assert light.report(kpis=shown, level=0.9) == frames.report(kpis=shown, level=0.9)
    pd.testing.assert_frame_equal(light.kpis, frames.kpis)
    with pytest.raises(KeyError, match="no_such_kpi"):
        light.summary(kpis=["no_such_kpi"])
