"""Progress and feedback (issue 18 point 5): a bar in a terminal, one line per step when
stderr is a log, progress inside a long replication (in this process and in pool
workers), and on the commands that run minutes (demo, brief). Progress only reads the
clock: results with and without it are the same, bit for bit."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import simlib
from simlib.experiments import progress as prog
from simlib.model.simulation import simulate
from simlib.scenario.loader import load_scenario

SIMLIB = Path(sys.executable).with_name("simlib")
ROOT = Path(__file__).resolve().parents[1]


class Recording(prog.Display):
    """A display that remembers what it was told."""

    seen: list[tuple[str, float]]

    def __init__(self, total: int, desc: str) -> None:
        super().__init__(total, desc)
        self.seen = []

    def update(self, n: int) -> None:
        super().update(n)
        self.seen.append(("step", float(self.done)))

    def running(self, partial: float) -> None:
        self.seen.append(("partial", partial))
        super().running(partial)


@pytest.fixture()
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[Recording]:
    made: list[Recording] = []

    def display(total: int, desc: str, enabled: bool | None) -> prog.Display:
        made.append(Recording(total, desc))
        return made[-1]

    monkeypatch.setattr(prog, "display", display)
    return made


def _simlib(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CASELOAD_FAST": "1"}
    return subprocess.run([str(SIMLIB), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)


def test_log_lines_when_stderr_is_not_a_terminal() -> None:
    done = _simlib("run", "textbook/mmc", "--reps", "3", "--years", "0.5")
    assert done.returncode == 0, done.stderr
    lines = [x for x in done.stderr.splitlines() if x.startswith("simlib: ")]
    assert [x.split(" (")[0] for x in lines] == [f"simlib: textbook-mmc {i}/3" for i in (1, 2, 3)], done.stderr
    assert "elapsed" in lines[-1] and "\r" not in done.stderr
    quiet = _simlib("run", "textbook/mmc", "--reps", "3", "--years", "0.5", "--quiet")
    assert "simlib: " not in quiet.stderr


def test_a_terminal_gets_a_bar_a_notebook_a_notebook_bar_a_log_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Tty())
    bar = prog.display(3, "x", True)
    assert isinstance(bar, prog.Bar)
    bar.close()
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert isinstance(prog.display(3, "x", True), prog.LogLines)
    assert type(prog.display(3, "x", None)) is prog.Display  # not a notebook: the library stays silent
    assert type(prog.display(3, "x", False)) is prog.Display
    monkeypatch.setattr(prog, "in_notebook", lambda: True)
    assert isinstance(prog.display(3, "x", None), prog.Bar)  # the library's default in a notebook


def test_log_lines_report_a_long_replication_while_it_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prog, "LINE_EVERY_S", 0.0)
    out = io.StringIO()
    lines = prog.LogLines(2, "baseline", stream=out)
    lines.running(0.25)
    lines.running(0.5)
    lines.update(1)
    text = out.getvalue().splitlines()
    assert [x.split(" (")[0] for x in text] == ["simlib: baseline 0.2/2", "simlib: baseline 0.5/2", "simlib: baseline 1/2"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_inside_a_replication(jobs: int, recorded: list[Recording]) -> None:
    # one long-ish replication per worker: the bar moves before any replication ends
    simlib.run("baseline", reps=jobs, years=3, jobs=jobs, progress=True)
    (bar,) = recorded
    partial = [v for kind, v in bar.seen if kind == "partial"]
    first_step = next(i for i, (kind, _) in enumerate(bar.seen) if kind == "step")
    # partial = replications' fractions done, summed over the ones running (0 .. jobs): with two
    # workers at 53% each the bar shows 1.07 of 2 before either replication has ended
    assert any(0 < v < jobs for v in partial[:first_step] or partial), bar.seen[:20]
    assert bar.done == jobs


def test_progress_does_not_change_results() -> None:
    sc = load_scenario("baseline")
    sc = sc.model_copy(update={"horizon": sc.horizon.model_copy(update={"years": 1.5, "warmup_years": 0.5})})
    heard: list[float] = []
    with_progress = simulate(sc, 7, 0, on_progress=heard.append)
    without = simulate(sc, 7, 0)
    assert with_progress.kpis == without.kpis or pd.Series(with_progress.kpis).equals(pd.Series(without.kpis))
    assert heard == sorted(heard) and 0 <= heard[0] < 0.01 and 0.5 < heard[-1] <= 1


def test_demo_and_brief_show_progress(tmp_path: Path) -> None:
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    demo = _simlib("demo", "--reps", "2", "--years", "0.5", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    from simlib.presentation.demo import HEADLINE_SCENARIOS

    n = 2 * len(HEADLINE_SCENARIOS)
    assert f"simlib: replications {n}/{n}" in demo.stderr, demo.stderr
    brief = _simlib("brief", "baseline", "policy/cap-15", "--reps", "2", "--years", "0.5", "-o",
                    str(tmp_path / "b.html"), cwd=tmp_path)
    assert brief.returncode == 0, brief.stderr
    assert "simlib: replications 4/4" in brief.stderr, brief.stderr
    quiet = _simlib("brief", "baseline", "policy/cap-15", "--reps", "2", "--years", "0.5", "-o",
                    str(tmp_path / "c.html"), "--quiet", cwd=tmp_path)
    assert quiet.returncode == 0 and "simlib: " not in quiet.stderr, quiet.stderr
