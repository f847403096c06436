"""The dashboard's runner (issue 20 point 3): the first answer after a slider move.

The runner's work function is swapped for one that sleeps, so these tests time the
scheduling, not the model: the pool is started once and reused, a new position's
replications do not wait behind work for a position the user has left, idle
workers compute the neighbours' first replications, and estimates use
replications 0..k-1 only (never "whichever finished first"). The dashboard's
first estimate comes from full-length replications of the new position (the
scenario's own horizon, warm-up and run-out), so it is unbiased; it is labelled
provisional until all replications are in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pandas as pd
import pytest

from simlib.presentation.dashboard.runner import FIRST_REPS, ProgressiveRunner
from simlib.scenario.loader import load_scenario, with_overrides
from simlib.scenario.schema import Scenario

SEED = 7


def _sleepy(scenario: Scenario, seed: int, rep: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sleeps as DELAYS says for the scenario (seconds; 'r<rep>' for one replication, else 'all')."""
    delays = DELAYS[scenario.referrals.per_year]
    time.sleep(float(delays.get(f"r{rep}", delays["all"])))
    return pd.DataFrame({"replication": [rep], "kpi": ["x"], "value": [float(rep)]}), pd.DataFrame()


# Scenarios told apart by a model input (the cache key hashes inputs, not names), made
# before any runner forks its workers, which look their delays up here.
DELAYS: dict[float, dict[str, str]] = {}


def _scenario(delays: str) -> Scenario:
    per_year = 1000.0 + len(DELAYS)
    DELAYS[per_year] = dict(part.split("=") for part in delays.split(","))
    return with_overrides(load_scenario("textbook/mmc"), {"referrals.per_year": per_year})


SLOW_FIRST = _scenario("all=0.01,r0=1.0")
STUCK = _scenario("all=30")
QUICK = [_scenario("all=0.05") for _ in range(4)]
SLOWISH = _scenario("all=1.5")
BAD = _scenario("all=oops")


def _until(check: Callable[[], bool], timeout: float = 20.0) -> float:
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout, "timed out"
        time.sleep(0.01)
    return time.monotonic() - start


@pytest.fixture
def runner() -> Iterator[ProgressiveRunner]:
    r = ProgressiveRunner(workers=2, fn=_sleepy)
    yield r
    r.close()


def test_estimates_use_the_first_replications_not_the_quickest(runner: ProgressiveRunner) -> None:
    sc = SLOW_FIRST
    runner.request([(sc, SEED, r) for r in range(4)], lambda: None)
    _until(lambda: len(runner.cpu(sc, SEED, range(1, 4))) == 3)
    assert runner.cached(sc, SEED, 4) == []  # 1-3 are done, 0 is not: nothing to show yet
    _until(lambda: not runner.busy())
    assert [p[0]["replication"].item() for p in runner.cached(sc, SEED, 4)] == [0, 1, 2, 3]


def test_a_new_position_does_not_wait_for_work_on_the_old_one(runner: ProgressiveRunner) -> None:
    old, new = STUCK, QUICK[0]
    runner.request([(old, SEED, r) for r in range(4)], lambda: None)
    _until(lambda: len(runner._pool) == 2 and all(w.task is not None for w in runner._pool))
    updates: list[float] = []
    start = time.monotonic()
    runner.request([(new, SEED, r) for r in range(FIRST_REPS)], lambda: updates.append(time.monotonic()))
    waited = _until(lambda: len(runner.cached(new, SEED, FIRST_REPS)) == FIRST_REPS)
    assert waited < 5.0, f"the new position waited {waited:.1f} s behind abandoned work"
    assert runner.abandoned == 2
    # the update thread calls back after the results are cached: wait for its call, not just the cache
    _until(lambda: bool(updates), timeout=5.0)
    assert updates[0] - start < 5.0
    assert runner.cached(old, SEED, 1) == []  # abandoned, not cached


def test_old_work_goes_on_while_a_worker_is_free(runner: ProgressiveRunner) -> None:
    old, new = SLOWISH, QUICK[1]
    runner.request([(old, SEED, 0), (old, SEED, 1)], lambda: None)
    _until(lambda: len(runner._pool) == 2 and all(w.task is not None for w in runner._pool))
    runner.request([(new, SEED, 0)], lambda: None)  # one job: one worker is made free for it
    _until(runner.idle)
    assert runner.abandoned == 1
    assert len(runner.cpu(old, SEED, range(2))) == 1  # the other replication of old finished and is kept


def test_idle_workers_run_the_background_jobs_and_returning_is_instant(runner: ProgressiveRunner) -> None:
    here, there = QUICK[2], QUICK[3]
    runner.request([(here, SEED, r) for r in range(2)], lambda: None,
                   background=[(there, SEED, r) for r in range(FIRST_REPS)])
    _until(lambda: not runner.busy())
    _until(runner.idle)
    assert len(runner.cached(there, SEED, FIRST_REPS)) == FIRST_REPS
    runner.request([(there, SEED, r) for r in range(FIRST_REPS)], lambda: None)
    assert not runner.busy()  # nothing to run: all cached
    runner.request([(here, SEED, r) for r in range(2)], lambda: None)
    assert len(runner.cached(here, SEED, 2)) == 2 and not runner.busy()


def test_the_pool_is_started_once_and_reused(runner: ProgressiveRunner) -> None:
    _until(lambda: len(runner._pool) == 2)
    pids = [w.process.pid for w in runner._pool]
    for sc in QUICK[:3]:
        runner.request([(sc, SEED, r) for r in range(3)], lambda: None)
        _until(runner.idle)
    assert [w.process.pid for w in runner._pool] == pids


def test_a_failing_replication_is_reported_and_the_worker_lives_on(runner: ProgressiveRunner) -> None:
    bad, good = BAD, QUICK[0]
    runner.request([(bad, SEED, 0)], lambda: None)
    _until(runner.idle)
    assert "ValueError" in next(iter(runner.errors.values()))
    runner.request([(good, SEED, 0)], lambda: None)
    _until(runner.idle)
    assert len(runner.cached(good, SEED, 1)) == 1


class _StubRunner:
    """Records requests; replications 0..done-1 of every scenario are 'cached'."""

    workers = 2

    def __init__(self) -> None:
        self.requests: list[tuple[list, list]] = []
        self.done = 0
        self.errors: dict = {}

    def request(self, jobs: list, on_update: Callable[[], None], background: list = ()) -> None:
        self.requests.append((list(jobs), list(background)))

    def cached(self, scenario: Scenario, seed: int, reps: int) -> list:
        kpis = pd.DataFrame({"replication": [0], "kpi": ["balans_growth_per_year"], "value": [1.0]})
        return [(kpis.assign(replication=r, value=float(r)), pd.DataFrame()) for r in range(min(self.done, reps))]

    def busy(self) -> bool:
        return False


@pytest.fixture
def board() -> Iterator[object]:
    from simlib.experiments.replications import resolve
    from simlib.presentation.dashboard.caps import CapDashboard
    from simlib.presentation.dashboard.settings import settings

    b = CapDashboard.__new__(CapDashboard)  # no process pool: the stub records what would run
    b.lang, b.seed, b.run = "en", SEED, settings()
    b.baseline = resolve("baseline", years=b.run.years)
    b.runner = _StubRunner()
    b._timer, b._current, b._shown, b._figure_of, b._rendered_at, b.updates = None, None, None, "", 0.0, 0
    import threading

    b._draw_lock = threading.Lock()
    b._build()
    b._figure_png = lambda *a: b""  # drawing is tested elsewhere
    yield b


def test_the_first_estimate_comes_from_full_length_replications(board: object) -> None:
    board.cap.value = 12
    board._timer.cancel()
    board.submit()
    jobs, background = board.runner.requests[-1]
    assert jobs[0][0].investigation.caseload_cap == 12
    for sc, _seed, _rep in jobs + background:  # no shorter horizon, no other warm-up: unbiased
        assert sc.horizon == board.baseline.horizon
    assert [r for _, _, r in jobs[:4]] == [0, 0, 1, 1]  # replications in order, paired with the baseline
    caps = {(sc.investigation.caseload_cap, sc.investigation.cap_mode) for sc, _, _ in background}
    # a case or two either way, and the other modes ("no cap" keeps the scenario's own cap value)
    assert caps == {(10, "hard"), (11, "hard"), (13, "hard"), (14, "hard"), (12, "soft"), (None, "none")}
    assert {r for _, _, r in background} == set(range(FIRST_REPS))


def test_the_first_estimate_is_provisional_until_all_replications_are_in(board: object) -> None:
    board.reps.value = 4
    board._timer.cancel()
    board.submit()
    board.runner.done = 1
    board.render(force=True)
    assert board.table.value == ""  # one pair has no interval: nothing shown yet
    board.runner.done = 2
    board.render()
    assert "data-estimate='provisional'" in board.table.value
    assert "first 2 of 4 replications" in board.table.value
    assert "…" in board.status.value
    board.runner.done = 4
    board.render()
    assert "data-estimate='final'" in board.table.value and "…" not in board.status.value


def test_the_cache_is_bounded_and_keeps_what_was_shown_last(monkeypatch: pytest.MonkeyPatch) -> None:
    from simlib.presentation.dashboard import runner as runner_module

    monkeypatch.setattr(runner_module, "MAX_CACHED", 3)
    r = ProgressiveRunner(workers=1, fn=_sleepy)
    try:
        sc = QUICK[0]
        r.request([(sc, SEED, i) for i in range(2)], lambda: None)
        _until(r.idle)
        assert len(r.cached(sc, SEED, 2)) == 2  # shown: now the most recent
        r.request([(QUICK[1], SEED, 0), (QUICK[1], SEED, 1)], lambda: None)
        _until(r.idle)
        assert len(r.cached(QUICK[1], SEED, 2)) == 2
        # the least recently shown went first, its later replication before its first one
        assert len(r.cached(sc, SEED, 2)) == 1
    finally:
        r.close()
