"""CLI tier: ``simlib run``, ``simlib compare`` and ``simlib sweep``.

The JSON schemas of run and compare, the other formats, bad input answered with
exit status 2 and the option or key named, and a sweep killed with SIGKILL in
the middle and rerun, which must end with exactly the results of an
uninterrupted run (pandas.testing.assert_frame_equal) and recompute only the
missing cells.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from typer.testing import CliRunner

from simlib.experiments import compare, run, sweep
from simlib.presentation.cli import app
from simlib.scenario.loader import bundled_dir

runner = CliRunner()
BASELINE = str(bundled_dir() / "baseline.yaml")
SHORT = ["--years", "1.5", "--quiet"]


def invoke(*args: str):
    return runner.invoke(app, list(args))


def assert_user_error(result, *needles: str) -> None:
    """Exit 2, 'error: ' lines on stderr naming each needle, no traceback."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    stderr = result.stderr
    assert "Traceback" not in result.output and "Traceback" not in stderr
    assert stderr and all(line.startswith("error: ") for line in stderr.splitlines()), stderr
    for needle in needles:
        assert needle in stderr, f"{needle!r} not in {stderr!r}"


@pytest.fixture(scope="module")
def cap_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scenarios") / "cap14.yaml"
    path.write_text(
        f"extends: {BASELINE}\nmetadata:\n  name: cap14\n"
        "investigation:\n  caseload_cap: 14\n  cap_mode: hard\n",
        encoding="utf-8",
    )
    return path


# --- run ----------------------------------------------------------------------------------
def test_run_json_schema_and_values_match_the_library() -> None:
    result = invoke("run", "baseline", "--reps", "2", "--seed", "7", "--format", "json", *SHORT)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"scenario", "scenario_hash", "seed", "reps", "kpis"}
    assert data["scenario"] == "baseline" and data["seed"] == 7 and data["reps"] == 2
    assert len(data["scenario_hash"]) == 64
    for kpi, entry in data["kpis"].items():
        assert set(entry) == {"mean", "ci_low", "ci_high", "n", "interval"}, kpi
        assert entry["n"] in (0, 1, 2)
    assert data == run("baseline", reps=2, seed=7, years=1.5).to_json_dict()


def test_run_table_csv_and_output_file(tmp_path) -> None:
    table = invoke("run", "baseline", "--reps", "2", *SHORT)
    assert table.exit_code == 0, table.output
    # people read labels and units from the catalogue, and plain numbers (20,070, not 2.007e+04)
    assert "Investigations finished within four months (share)" in table.stdout and "95% CI" in table.stdout
    assert "Wait for a caseworker, mean (days)" in table.stdout
    assert "investigation_within_4m_share" not in table.stdout
    assert "e+0" not in table.stdout, table.stdout
    out = tmp_path / "kpis.csv"
    csv = invoke("run", "baseline", "--reps", "2", "--format", "csv", "-o", str(out), "--warmup", "mser5", *SHORT)
    assert csv.exit_code == 0 and csv.stdout == ""
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["scenario", "scenario_hash", "replication", "seed", "kpi", "value"]
    assert sorted(frame["replication"].unique()) == [0, 1]
    assert "investigation_within_4m_share" in set(frame["kpi"])  # raw keys stay in csv (and json)


def test_run_precision_mode_reports_how_it_stopped() -> None:
    result = invoke("run", "baseline", "--reps", "2", "--precision", "1e-9", "--max-reps", "3",
                    "--kpi", "investigation_days_mean", "--format", "json", "--years", "1.5")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["reps"] == 3
    assert "NOT reached" in result.stderr


# --- compare ------------------------------------------------------------------------------
def test_compare_json_schema_and_values_match_the_library(cap_file) -> None:
    result = invoke("compare", "baseline", str(cap_file), "--reps", "2", "--seed", "3", "--format", "json",
                    "--jobs", "2", *SHORT)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"base", "alternatives"} and data["base"] == "baseline"
    assert list(data["alternatives"]) == ["cap14"]
    for kpi, entry in data["alternatives"]["cap14"].items():
        assert set(entry) == {"mean", "ci_low", "ci_high", "n", "interval"}, kpi
    assert data == compare("baseline", [cap_file], reps=2, seed=3, years=1.5).to_json_dict()
    table = invoke("compare", "baseline", str(cap_file), "--reps", "2", *SHORT)
    assert table.exit_code == 0 and "cap14 - baseline" in table.stdout


# --- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["run", "baseline", "--reps", "0"], ["--reps", "at least 1"]),
        (["run", "baseline", "--jobs", "0"], ["--jobs"]),
        (["run", "baseline", "--format", "xml"], ["--format", "xml"]),
        (["run", "baseline", "--warmup", "sometimes"], ["--warmup"]),
        (["run", "baseline", "--set", "investigation.casload_cap=3"],
         ["investigation.casload_cap", "did you mean investigation.caseload_cap"]),
        (["run", "baseline", "--precision", "-1"], ["--precision"]),
        (["run", "baseline", "--precision-abs", "unstable"], ["--precision-abs", "KPI=HALF_WIDTH"]),
        (["compare", "baseline", "policy/cap-12", "--precision-abs", "unstable=-1"], ["--precision-abs"]),
        (["compare", "baseline", "policy/cap-12", "--precision-abs", "nope=0.1", "--reps", "2", *SHORT],
         ["nope"]),
        (["run", "baseline", "--precision", "0.1", "--reps", "5", "--max-reps", "3"], ["--max-reps"]),
        (["run", "baseline", "--reps", "2", "--precision", "0.1", "--kpi", "no_such_kpi", *SHORT], ["no_such_kpi"]),
        (["compare", "baseline", "baseline", "--reps", "0"], ["--reps"]),
        (["compare", "baseline", "no/such/file.yaml"], ["no/such/file.yaml"]),
        (["sweep", "baseline", "--grid", "investigation.caseload_cap"], ["--grid", "KEY=V1,V2"]),
        (["sweep", "baseline", "--grid", "investigation.caseload_cap=10,,12"], ["--grid"]),
        (["sweep", "baseline", "--grid", "investigation.caseload_cp=10,12"], ["investigation.caseload_cp"]),
        (["sweep", "baseline", "--grid", "investigation.caseload_cap=10,x", "--grid", "investigation.cap_mode=hard"],
         ["investigation.caseload_cap", "'x'"]),
        (["sweep", "baseline", "--sample", "lhs", "--range", "staff.investigators_fte=30:20"], ["--range"]),
        (["sweep", "baseline", "--sample", "grid"], ["--sample"]),
        (["sweep", "baseline", "--range", "staff.investigators_fte=20:30"], ["--range", "--sample"]),
        (["sweep", "baseline", "--reps", "0"], ["--reps"]),
    ],
)
def test_bad_input_exits_2_naming_the_field(args: list[str], needles: list[str]) -> None:
    assert_user_error(invoke(*args), *needles)


def test_a_foreign_store_exits_2(tmp_path) -> None:
    store = tmp_path / "s"
    first = invoke("sweep", "baseline", "--reps", "1", "--store", str(store), *SHORT)
    assert first.exit_code == 0, first.output
    assert_user_error(invoke("sweep", "baseline", "--reps", "1", "--seed", "99", "--store", str(store), *SHORT),
                      "another sweep", "seed")


# --- kill -9 and resume -------------------------------------------------------------------
GRID_ARGS = ["--grid", "investigation.caseload_cap=13,15,20", "--grid", "investigation.cap_mode=hard"]
GRID = {"investigation.caseload_cap": [13, 15, 20], "investigation.cap_mode": ["hard"]}
REPS, SEED, YEARS = 4, 31, 1.5


def _sweep_cmd(store: Path) -> list[str]:
    return [sys.executable, "-m", "simlib.presentation.cli", "sweep", "baseline", *GRID_ARGS,
            "--reps", str(REPS), "--seed", str(SEED), "--years", str(YEARS), "--store", str(store),
            "--jobs", "2", "--quiet", "--format", "csv"]


def _cells(store: Path) -> dict[Path, int]:
    return {p: p.stat().st_ino for p in store.glob("cells/*/rep-*.parquet")}


@pytest.mark.slow
def test_sweep_killed_midway_resumes_to_exactly_the_uninterrupted_results(tmp_path) -> None:
    store = tmp_path / "killed"
    total = len(GRID["investigation.caseload_cap"]) * REPS
    proc = subprocess.Popen(_sweep_cmd(store), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 240
    try:
        while len(_cells(store)) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its pool workers: our own process group
        proc.wait(timeout=30)
    before = _cells(store)
    assert 2 <= len(before) < total, f"kill came too late to test resuming ({len(before)} of {total} cells)"

    resumed = subprocess.run(_sweep_cmd(store), capture_output=True, text=True, timeout=600, check=False)
    assert resumed.returncode == 0, resumed.stderr
    after = _cells(store)
    assert len(after) == total
    assert all(after[p] == inode for p, inode in before.items()), "a finished cell was computed again"
    assert not list(store.glob("cells/*/*.tmp"))

    uninterrupted = sweep("baseline", GRID, reps=REPS, seed=SEED, years=YEARS).kpis
    from_store = sweep("baseline", GRID, reps=REPS, seed=SEED, years=YEARS, store=store).kpis
    assert_frame_equal(from_store, uninterrupted)
    assert resumed.stdout == uninterrupted.to_csv(index=False)  # what the rerun printed, too
