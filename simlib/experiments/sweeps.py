"""Sweeps: many design points x replications, resumable, on any backend.

A design is a full grid (``{"investigation.caseload_cap": [10, 12, 15, 20]}``),
a space-filling sample (Latin hypercube or scrambled Sobol from
``scipy.stats.qmc`` over ``ranges``), or the grid crossed with the sample.
Every point runs replications 0..reps-1 with the same base seed, so points are
compared under common random numbers. With a ``store`` folder each finished
cell is written at once (see store.py) and a rerun computes only what is
missing; the returned frame is the same, bit for bit, however many times the
run was interrupted and on whatever backend it ran.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simlib.experiments.parallel import execute
from simlib.experiments.replications import ReplicationTask, replication_task, resolve
from simlib.experiments.store import CELL_COLUMNS, Store, new_manifest
from simlib.experiments.sweep_results import SweepResults
from simlib.scenario.errors import Problem, ScenarioError
from simlib.scenario.introspect import is_integer_key
from simlib.scenario.loader import scenario_hash, with_overrides
from simlib.scenario.schema import Scenario

SAMPLERS = ("lhs", "sobol")
# Sample-point seeds come from their own spawn key, apart from the replications'.
SAMPLE_SPAWN_KEY = 2**32 - 1


def sample_points(
    base: Scenario, method: str, n: int, ranges: Mapping[str, tuple[float, float]], seed: int
) -> list[dict[str, Any]]:
    """``n`` points from scipy.stats.qmc over ``ranges`` (integers rounded), reproducible from ``seed``."""
    from scipy.stats import qmc

    if method not in SAMPLERS:
        raise ScenarioError([Problem("--sample", f"unknown method {method!r}; use one of {', '.join(SAMPLERS)}")])
    if n < 1:
        raise ScenarioError([Problem("--n", f"must be at least 1, got {n}")])
    if not ranges:
        raise ScenarioError([Problem("--range", f"--sample {method} needs at least one --range KEY=LO:HI")])
    keys = list(ranges)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(SAMPLE_SPAWN_KEY,)))
    if method == "lhs":
        unit = qmc.LatinHypercube(d=len(keys), rng=rng).random(n)
    else:
        sobol = qmc.Sobol(d=len(keys), scramble=True, rng=rng)
        m = math.ceil(math.log2(n))
        unit = sobol.random_base2(m)[:n]  # a power-of-two block keeps the balance properties
    lows = np.array([ranges[k][0] for k in keys], dtype=float)
    highs = np.array([ranges[k][1] for k in keys], dtype=float)
    values = qmc.scale(unit, lows, highs) if len(keys) else unit
    ints = [is_integer_key(base, k) for k in keys]
    return [
        {k: (round(v) if is_int else float(v)) for k, v, is_int in zip(keys, row, ints, strict=True)}
        for row in values
    ]


def design_points(
    base: Scenario,
    grid: Mapping[str, Sequence[Any]] | None = None,
    sample: str | None = None,
    n: int | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    seed: int = 2024,
) -> list[dict[str, Any]]:
    """The override dicts of a design: the grid (first key slowest), crossed with the sample."""
    grid = dict(grid or {})
    for key, values in grid.items():
        if not list(values):
            raise ScenarioError([Problem(key, "--grid needs at least one value")])
    overlap = set(grid) & set(ranges or {})
    if overlap:
        raise ScenarioError([Problem(min(overlap), "given both as --grid and as --range")])
    grid_points = [dict(zip(grid, combo, strict=True)) for combo in itertools.product(*grid.values())]
    if sample is None:
        if ranges:
            raise ScenarioError([Problem("--range", "needs --sample lhs or --sample sobol")])
        return grid_points
    sampled = sample_points(base, sample, n if n is not None else 16, ranges or {}, seed)
    return [{**g, **s} for g in grid_points for s in sampled]


def _point_scenario(base: Scenario, point: dict[str, Any]) -> Scenario:
    """The scenario of one design point; a bad key or value is named as a --grid/--range problem."""
    if not point:
        return base
    try:
        return with_overrides(base, point)
    except ScenarioError as exc:
        raise ScenarioError(exc.problems, "--grid/--range") from None


def _json_ready(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return [_json_ready(v) for v in value]
    return value


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Fixed dtypes, so fresh and stored cells concatenate to identical frames."""
    return frame.astype({"scenario": str, "scenario_hash": str, "replication": "int64", "seed": "int64",
                         "kpi": str, "value": "float64"})[CELL_COLUMNS]


def sweep(
    scenario: Scenario | str | Path,
    grid: Mapping[str, Sequence[Any]] | None = None,
    *,
    reps: int = 10,
    seed: int = 2024,
    years: float | None = None,
    overrides: dict[str, Any] | None = None,
    warmup: str | None = None,
    jobs: int = 1,
    dask: str | None = None,
    progress: bool | None = None,
    sample: str | None = None,
    n: int | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    store: str | Path | None = None,
) -> SweepResults:
    """Run every design point ``reps`` times; ``.kpis`` has one tidy row per point x replication x KPI.

    Columns: ``point``, one column per swept key, then ``scenario``,
    ``scenario_hash``, ``replication``, ``seed``, ``kpi``, ``value``. With
    ``store``, finished cells are kept on disk and reused by a rerun of the same
    sweep (a StoreError if the folder holds anything else).
    """
    if reps < 1:
        raise ValueError(f"reps must be at least 1, got {reps}")
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    base = resolve(scenario, overrides, years, warmup)
    points = design_points(base, grid, sample, n, ranges, seed)
    if not points:
        points = [{}]
    scenarios = [_point_scenario(base, p) for p in points]
    hashes = [scenario_hash(sc) for sc in scenarios]

    db = Store(store) if store is not None else None
    if db is not None:
        design = {
            "grid": {k: [_json_ready(v) for v in vs] for k, vs in (grid or {}).items()},
            "sample": None
            if sample is None
            else {"method": sample, "n": n if n is not None else 16,
                  "ranges": {k: [float(lo), float(hi)] for k, (lo, hi) in (ranges or {}).items()}},
        }
        records = [
            {"point": i, "overrides": {k: _json_ready(v) for k, v in p.items()}, "scenario_hash": h}
            for i, (p, h) in enumerate(zip(points, hashes, strict=True))
        ]
        db.open(new_manifest(scenario_hash(base), base.name, seed, reps, design, records))
        db.clean_temporary()

    # one cell per distinct scenario x replication (two equal points share their cells)
    unique = list(dict.fromkeys(hashes))
    by_hash = dict(zip(hashes, scenarios, strict=True))
    cells: dict[tuple[str, int], pd.DataFrame] = {}
    todo = []
    for digest in unique:
        for rep in range(reps):
            if db is not None and db.has(digest, rep):
                cells[(digest, rep)] = _normalise(db.read_cell(digest, rep, seed))
            else:
                todo.append(ReplicationTask(by_hash[digest], seed, rep, with_series=False))

    def finished(_index: int, result: tuple[pd.DataFrame, Any]) -> None:
        frame = _normalise(result[0])
        key = (str(frame["scenario_hash"].iloc[0]), int(frame["replication"].iloc[0]))
        if db is not None:
            db.write_cell(frame)
        cells[key] = frame

    execute(replication_task, todo, jobs=jobs, dask=dask, progress=progress, desc="sweep", on_result=finished)
    return SweepResults(base, seed, reps, _assemble(points, hashes, reps, cells), points)


def _assemble(
    points: list[dict[str, Any]], hashes: list[str], reps: int, cells: dict[tuple[str, int], pd.DataFrame]
) -> pd.DataFrame:
    keys = list(dict.fromkeys(k for p in points for k in p))
    frames = []
    for i, (point, digest) in enumerate(zip(points, hashes, strict=True)):
        for rep in range(reps):
            frame = cells[(digest, rep)].copy()
            frame.insert(0, "point", i)
            for j, key in enumerate(keys, start=1):
                frame.insert(j, key, [point.get(key)] * len(frame))
            frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    return out
