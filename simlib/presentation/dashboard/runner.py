"""Progressive runs for the dashboard: replications in background processes, cached, paired.

An answer at once and a better one shortly after: slider changes are debounced,
then replications run in a process pool (``run_replication``) and the display
updates as each one finishes, first from a few short runs, then from the
full-length replications. Every replication is cached by (scenario hash, seed,
replication), so moving a slider back is instant; the baseline runs with the
same seed (common random numbers) and differences are paired per replication.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor

import pandas as pd

from simlib.experiments.intervals import summarise, t_interval
from simlib.experiments.replications import run_replication
from simlib.model import kpi_registry
from simlib.scenario.loader import scenario_hash
from simlib.scenario.schema import Scenario

SEED = 2024
DEBOUNCE_S = 0.4
# The dashboard's KPIs, in display order (KPI registry: instability first, the growth
# of the balans and the share of unstable runs), and the shares of cases drawn in the
# shares panel (the unstable flag is a share of runs, not of cases: not drawn there).
DASHBOARD_KPIS = kpi_registry.view("dashboard")
SHARE_KPIS = frozenset(
    k for k in DASHBOARD_KPIS if kpi_registry.get(k).share and kpi_registry.get(k).kind != "flag"
)



def _pool_context() -> multiprocessing.context.BaseContext:
    # fork starts a worker in milliseconds with simlib already imported; that is
    # what makes a first estimate within ~2 s possible. Elsewhere use the default.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


RepKey = tuple[str, int, int]  # (scenario hash, seed, replication)


class ProgressiveRunner:
    """Replications in background processes, cached per (scenario hash, seed, replication).

    ``request`` cancels the work of the previous request that has not started yet,
    and calls ``on_update`` (from a background thread) each time one of the new
    request's replications finishes.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or max(1, min(os.cpu_count() or 2, 4))
        self._pool = ProcessPoolExecutor(self.workers, mp_context=_pool_context())
        self._cache: dict[RepKey, tuple[pd.DataFrame, pd.DataFrame]] = {}
        self._pending: dict[RepKey, Future] = {}
        self._lock = threading.RLock()
        self._generation = 0
        self.errors: dict[RepKey, str] = {}

    def cached(self, scenario: Scenario, seed: int, reps: int) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
        """The replications 0..reps-1 already done."""
        digest = scenario_hash(scenario)
        with self._lock:
            return [self._cache[k] for r in range(reps) if (k := (digest, seed, r)) in self._cache]

    def request(
        self,
        jobs: list[tuple[Scenario, int, int]],
        on_update: Callable[[], None],
    ) -> int:
        """Run (scenario, seed, replication) jobs in the given order, skipping cached ones."""
        with self._lock:
            self._generation += 1
            generation = self._generation
            for key, fut in list(self._pending.items()):
                if fut.cancel():
                    del self._pending[key]
            for scenario, seed, rep in jobs:
                key = (scenario_hash(scenario), seed, rep)
                if key in self._cache:
                    continue
                fut = self._pending.get(key)
                if fut is None:
                    fut = self._pool.submit(run_replication, scenario, seed, rep)
                    self._pending[key] = fut
                fut.add_done_callback(lambda f, k=key: self._done(k, f, generation, on_update))
        return generation

    def _done(self, key: RepKey, fut: Future, generation: int, on_update: Callable[[], None]) -> None:
        if fut.cancelled():
            return
        with self._lock:
            self._pending.pop(key, None)
            error = fut.exception()
            if error is None:
                self._cache[key] = fut.result()
            else:
                self.errors[key] = f"{type(error).__name__}: {error}"
            current = generation == self._generation
        if current:
            on_update()

    def busy(self) -> bool:
        with self._lock:
            return any(not f.done() for f in self._pending.values())

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


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
