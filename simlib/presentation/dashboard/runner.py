"""Progressive runs for the dashboard: replications in background processes, cached, paired.

The first numbers after a slider move come from the first full-length
replications of the new position (the scenario's own horizon, warm-up cut and
run-out), so they estimate exactly what the final numbers estimate: only the
interval is wider. Short preview runs would be quicker but biased (a short run
understates a growing queue and leaves its longest waits out). What makes the
first answer quick instead:

- the worker processes start once, with the dashboard, and are reused;
- every replication is cached by (scenario hash, seed, replication), so moving a
  slider back shows what was computed there at once;
- a new request goes first: work for a position the user has left keeps running
  only while a worker is free, and a worker running it is replaced (the work
  abandoned) when the new position's replications wait for one;
- while the pool is idle it runs the first replications of the neighbouring
  positions (``background`` jobs), so a small drag finds them cached.

Estimates use the replications 0..k-1 that are done, never "whichever finished
first": a quick replication (a runaway run stopped early) must not be
over-represented in a provisional estimate. The baseline runs with the same seed
(common random numbers) and differences are paired per replication.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

import pandas as pd

from simlib.experiments.intervals import summarise, t_interval
from simlib.experiments.parallel import _worker_init
from simlib.experiments.replications import run_replication
from simlib.model import kpi_registry
from simlib.scenario.loader import scenario_hash
from simlib.scenario.schema import Scenario

SEED = 2024
# Merges changes that come together (a mode button also enables the cap slider);
# every slider sends one value when it is released (continuous_update=False).
DEBOUNCE_S = 0.15
# The first estimate waits for this many paired replications (one has no interval).
FIRST_REPS = 2
# Replications kept (~85 kB each: ~85 MB), least recently shown dropped first; the
# baseline's are shown with every position, so they stay.
MAX_CACHED = 1000
# The dashboard's KPIs, in display order (KPI registry: instability first, the growth
# of the balans and the share of unstable runs), and the shares of cases drawn in the
# shares panel (the unstable flag is a share of runs, not of cases: not drawn there).
DASHBOARD_KPIS = kpi_registry.view("dashboard")
SHARE_KPIS = frozenset(
    k for k in DASHBOARD_KPIS if kpi_registry.get(k).share and kpi_registry.get(k).kind != "flag"
)

RepKey = tuple[str, int, int]  # (scenario hash, seed, replication)
Job = tuple[Scenario, int, int]  # (scenario, seed, replication)
Frames = tuple[pd.DataFrame, pd.DataFrame]


def _pool_context() -> multiprocessing.context.BaseContext:
    # fork starts a worker in milliseconds with simlib already imported; that is
    # what lets a worker running abandoned work be replaced at once. Elsewhere the default.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _preload() -> None:
    """Import what a replication imports lazily, so forked workers start warm."""
    from simlib.model import placements, workforce  # noqa: F401


def _serve(conn: Connection, fn: Callable[..., Any]) -> None:
    """Worker side: run jobs from the pipe until it closes; send (status, value, CPU seconds)."""
    _worker_init()  # Ctrl-C is the parent's; die with the parent
    while True:
        try:
            args = conn.recv()
        except (EOFError, OSError):
            return
        start = time.process_time()
        try:
            status, value = "ok", fn(*args)
        except Exception as exc:  # noqa: BLE001 - reported to the dashboard, the worker lives on
            status, value = "error", f"{type(exc).__name__}: {exc}"
        conn.send((status, value, time.process_time() - start))


@dataclass
class _Task:
    key: RepKey
    job: Job


class _Worker:
    """One forked process and its pipe; ``task`` is what it runs now (None: idle)."""

    def __init__(self, ctx: multiprocessing.context.BaseContext, fn: Callable[..., Any]) -> None:
        self.conn, child = ctx.Pipe()
        # Forked workers share the parent's objects copy-on-write; frozen, their
        # garbage collector does not touch (and so copy) every page (see parallel.py).
        gc.freeze()
        try:
            self.process = ctx.Process(target=_serve, args=(child, fn), daemon=True)
            self.process.start()
        finally:
            gc.unfreeze()
        child.close()
        self.task: _Task | None = None
        self.started = 0.0

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


class ProgressiveRunner:
    """Replications in background processes, cached per (scenario hash, seed, replication).

    ``request(jobs, on_update, background)`` replaces what is queued: ``jobs``
    (the current position) first, in the given order, then ``background`` jobs
    (worth having, not waited for). ``on_update`` is called from a background
    thread after each of ``jobs`` finishes (calls are merged when they come
    faster than it returns). ``fn(scenario, seed, replication)`` is the work.
    """

    def __init__(self, workers: int | None = None, fn: Callable[..., Any] = run_replication) -> None:
        self.workers = workers or max(1, min(os.cpu_count() or 2, 4))
        self._ctx = _pool_context()
        self._fn = fn
        self._cache: OrderedDict[RepKey, Frames] = OrderedDict()
        self.cpu_seconds: dict[RepKey, float] = {}  # worker CPU time of each cached replication
        self.errors: dict[RepKey, str] = {}
        self.abandoned = 0  # running jobs given up for a newer request
        self._lock = threading.RLock()
        self._queue: list[_Task] = []  # current jobs first, then background ones
        self._wanted: frozenset[RepKey] = frozenset()  # the current request's jobs
        self._on_update: Callable[[], None] | None = None
        self._changed = threading.Event()
        self._closed = False
        self._wake_r, self._wake_w = os.pipe()
        self._pool: list[_Worker] = []  # started once, by the scheduler thread, and reused
        _preload()
        self._scheduler = threading.Thread(target=self._schedule, name="dashboard-runner", daemon=True)
        self._notifier = threading.Thread(target=self._notify, name="dashboard-updates", daemon=True)
        self._scheduler.start()
        self._notifier.start()

    # --- the cache ------------------------------------------------------------------
    def cached(self, scenario: Scenario, seed: int, reps: int) -> list[Frames]:
        """The replications 0..k-1 that are done, for the largest such k <= reps.

        A prefix, not every replication that happens to be done: which ones finish
        first depends on their length, and an estimate from those would be biased.
        """
        digest = scenario_hash(scenario)
        out = []
        with self._lock:
            for r in range(reps):
                key = (digest, seed, r)
                frames = self._cache.get(key)
                if frames is None:
                    break
                out.append(frames)
            # recently shown; the first replications last, so they are dropped last (a prefix stays one)
            for r in reversed(range(len(out))):
                self._cache.move_to_end((digest, seed, r))
        return out

    def cpu(self, scenario: Scenario, seed: int, reps: Sequence[int]) -> list[float]:
        """Worker CPU seconds of the given cached replications (benchmarks)."""
        digest = scenario_hash(scenario)
        with self._lock:
            return [self.cpu_seconds[k] for r in reps if (k := (digest, seed, r)) in self.cpu_seconds]

    # --- requests -------------------------------------------------------------------
    def request(
        self, jobs: Sequence[Job], on_update: Callable[[], None], background: Sequence[Job] = (),
    ) -> None:
        """Run ``jobs`` first, then ``background``; cached ones are skipped."""
        fore = [_Task((scenario_hash(sc), seed, rep), (sc, seed, rep)) for sc, seed, rep in jobs]
        wanted = frozenset(t.key for t in fore)
        back = [_Task((scenario_hash(sc), seed, rep), (sc, seed, rep)) for sc, seed, rep in background]
        with self._lock:
            self._wanted = wanted
            self._on_update = on_update
            seen: set[RepKey] = set()
            queue = []
            for task in fore + back:
                if task.key not in seen and task.key not in self._cache:
                    seen.add(task.key)
                    queue.append(task)
            self._queue = queue
        os.write(self._wake_w, b"r")

    def busy(self) -> bool:
        """Whether some of the current request's jobs are queued or running."""
        with self._lock:
            return any(t.key in self._wanted for t in self._queue) or any(
                w.task is not None and w.task.key in self._wanted for w in self._pool
            )

    def idle(self) -> bool:
        """Nothing queued or running, background work included."""
        with self._lock:
            return not self._queue and all(w.task is None for w in self._pool)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._queue = []
        os.write(self._wake_w, b"c")
        self._changed.set()
        self._scheduler.join(timeout=10)
        for worker in self._pool:
            worker.kill()
        os.close(self._wake_r)
        os.close(self._wake_w)

    # --- the scheduler thread ---------------------------------------------------------
    def _running(self) -> set[RepKey]:
        return {w.task.key for w in self._pool if w.task is not None}

    def _make_room(self) -> None:
        """Replace a worker running work nobody waits for when the current request waits."""
        running = self._running()
        waiting = sum(1 for t in self._queue if t.key in self._wanted and t.key not in running)
        idle = sum(1 for w in self._pool if w.task is None)
        spare = sorted(
            (w for w in self._pool if w.task is not None and w.task.key not in self._wanted),
            key=lambda w: -w.started,  # the most recently started has done the least
        )
        for worker in spare[: max(0, waiting - idle)]:
            worker.kill()
            self.abandoned += 1
            self._pool[self._pool.index(worker)] = _Worker(self._ctx, self._fn)

    def _dispatch(self) -> None:
        running = self._running()
        for worker in self._pool:
            if worker.task is not None:
                continue
            while self._queue:
                task = self._queue.pop(0)
                if task.key in self._cache or task.key in running:
                    continue
                try:
                    worker.conn.send(task.job)
                except OSError:  # the worker died: a fresh one takes the task next round
                    self._queue.insert(0, task)
                    self._pool[self._pool.index(worker)] = _Worker(self._ctx, self._fn)
                    break
                worker.task, worker.started = task, time.monotonic()
                running.add(task.key)
                break

    def _schedule(self) -> None:
        # The workers are forked here: Linux's parent-death signal (parallel._worker_init)
        # follows the thread that forked them, and this one lives as long as the runner.
        with self._lock:
            self._pool = [_Worker(self._ctx, self._fn) for _ in range(self.workers)]
        while True:
            with self._lock:
                if self._closed:
                    return
                self._make_room()
                self._dispatch()
                busy = {w.conn: w for w in self._pool if w.task is not None}
                # a task left queued beside an idle worker (its first worker had died): go round again
                again = bool(self._queue) and len(busy) < len(self._pool)
            ready = wait([*busy, self._wake_r], timeout=0 if again else None)
            for source in ready:
                if source == self._wake_r:
                    os.read(self._wake_r, 4096)
                    continue
                self._collect(busy[source])

    def _collect(self, worker: _Worker) -> None:
        try:
            status, value, cpu = worker.conn.recv()
        except (EOFError, OSError):
            status, value, cpu = "error", "a worker process ended unexpectedly", 0.0
        with self._lock:
            task, worker.task = worker.task, None
            if task is None:
                return
            if status == "ok":
                self._cache[task.key] = value
                while len(self._cache) > MAX_CACHED:
                    dropped, _ = self._cache.popitem(last=False)
                    self.cpu_seconds.pop(dropped, None)
                self.cpu_seconds[task.key] = cpu
            else:
                self.errors[task.key] = value
            if not worker.process.is_alive():
                self._pool[self._pool.index(worker)] = _Worker(self._ctx, self._fn)
            current = task.key in self._wanted
        if current:
            self._changed.set()

    # --- the update thread --------------------------------------------------------
    def _notify(self) -> None:
        """Call on_update after results of the current request arrive (merged, in order)."""
        while True:
            self._changed.wait()
            self._changed.clear()
            with self._lock:
                if self._closed:
                    return
                callback = self._on_update
            if callback is not None:
                try:
                    callback()
                except Exception:  # noqa: BLE001 - a drawing bug must not stop later updates
                    traceback.print_exc()


def paired_difference(kpis: pd.DataFrame, base: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Scenario minus baseline per KPI, paired by replication (common random numbers)."""
    a = kpis.pivot_table(index="replication", columns="kpi", values="value")
    b = base.pivot_table(index="replication", columns="kpi", values="value")
    common = a.index.intersection(b.index)
    diff = a.loc[common] - b.loc[common]
    rows = []
    for kpi in diff.columns:
        mean, low, high, n = t_interval(diff[kpi].to_numpy(), level)
        rows.append({"kpi": kpi, "diff": mean, "diff_low": low, "diff_high": high, "pairs": n})
    return pd.DataFrame(rows, columns=["kpi", "diff", "diff_low", "diff_high", "pairs"])


def comparison_table(kpis: pd.DataFrame, base: pd.DataFrame, names: tuple[str, ...] = DASHBOARD_KPIS) -> pd.DataFrame:
    """Tidy table: scenario mean and CI, baseline mean, paired (CRN) difference and CI."""
    left = summarise(kpis).set_index("kpi")
    right = summarise(base).set_index("kpi")[["mean"]].rename(columns={"mean": "baseline"})
    diff = paired_difference(kpis, base).set_index("kpi")
    table = left.join(right, how="left").join(diff, how="left")
    return table.reindex([k for k in names if k in table.index]).reset_index()
