"""Paired runs: every scenario of a comparison reports over the same window.

Why: a paired difference cancels shared noise only if both sides describe the
same period. With ``horizon.warmup: mser5`` each scenario (and each
replication) picks its own warm-up cut from its own trajectory, and two files
may set different ``warmup_years``; their "paired" windows would then differ.
Here the cut of replication r is the latest of the scenarios' own cuts, so no
scenario reports a period its own rule calls warm-up, and every scenario
reports from that cut. A scenario whose own cut was earlier is run again with
the common cut imposed: the trajectory is the same (same seed, and the cut
changes only which period is reported), so this costs run time, never
different luck. With a fixed warm-up shared by all files nothing is re-run.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from simlib.experiments.parallel import execute
from simlib.experiments.replications import ReplicationTask, replication_task
from simlib.model.units import YEAR
from simlib.scenario.schema import Scenario

Part = tuple[pd.DataFrame, pd.DataFrame | None]
# Cuts are weekly sample days divided by 365: equal cuts agree to far better than this.
SAME_CUT_YEARS = 1e-9


def own_cut_years(part: Part) -> float:
    """The warm-up cut (years) a replication reported."""
    kpis = part[0]
    return float(kpis.loc[kpis["kpi"] == "warmup_years", "value"].iloc[0])


def common_cuts(parts: Sequence[Sequence[Part]]) -> list[float]:
    """Per replication, the latest warm-up cut over the scenarios (years)."""
    return [max(own_cut_years(p[j]) for p in parts) for j in range(len(parts[0]))]


def run_batch(
    scenarios: Sequence[Scenario],
    seed: int,
    first: int,
    last: int,
    *,
    jobs: int = 1,
    dask: str | None = None,
    progress: bool | None = None,
    series: bool = False,
) -> list[list[Part]]:
    """Replications ``first..last-1`` of every scenario, each replication over one common window.

    Returns one list of parts per scenario, in replication order.
    """
    n = last - first
    tasks = [ReplicationTask(sc, seed, r, series) for sc in scenarios for r in range(first, last)]
    flat = execute(replication_task, tasks, jobs=jobs, dask=dask, progress=progress, desc="replications")
    parts = [list(flat[i * n : (i + 1) * n]) for i in range(len(scenarios))]
    cuts = common_cuts(parts)
    redo = [(i, j) for i in range(len(scenarios)) for j in range(n)
            if own_cut_years(parts[i][j]) < cuts[j] - SAME_CUT_YEARS]
    if redo:
        again = [ReplicationTask(scenarios[i], seed, first + j, series, cuts[j] * YEAR) for i, j in redo]
        rerun = execute(replication_task, again, jobs=jobs, dask=dask, progress=progress,
                        desc="common warm-up")
        for (i, j), part in zip(redo, rerun, strict=True):
            parts[i][j] = part
    return parts
