"""Replications of one scenario, with seeds as data and tidy results.

Replication r of base seed s always uses ``SeedSequence(s, spawn_key=(r,))``:
results do not depend on the order or the process they ran in, and two
scenarios run with the same seed share random streams (common random numbers).
The replications may run here, on a process pool or on Dask (see parallel.py);
the frames are always sorted by replication, so they are identical bit for bit.

Two results of one scenario's replications: ``Results`` (``run``: tidy frames
of KPIs and weekly series, for computing) and ``KpiRun`` (``run_kpis``: each
replication's KPIs as a dict, summarised with numpy; the CLI's plain ``simlib
run``, which so never imports pandas). Both print the same table and JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simlib.experiments import progress
from simlib.experiments import report
from simlib.experiments.intervals import Interval, summarise, summarise_values
from simlib.experiments.parallel import execute
from simlib.model.simulation import simulate
from simlib.scenario.loader import load_scenario, scenario_hash, with_overrides
from simlib.scenario.schema import Scenario

if TYPE_CHECKING:  # frames where asked for: run_kpis (the CLI's plain run) never imports pandas
    import pandas as pd

KPI_COLUMNS = ["scenario", "scenario_hash", "replication", "seed", "kpi", "value"]


class RunReport:
    """The run's text table and JSON, from ``summary()`` (a frame or a list of rows) and the run's facts."""

    scenario: Scenario
    seed: int

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def hash(self) -> str:
        return scenario_hash(self.scenario)

    @property
    def reps(self) -> int:
        raise NotImplementedError

    def summary(self, kpis: Sequence[str] | None = None, level: float = 0.95) -> Any:
        raise NotImplementedError

    def to_json_dict(self) -> dict[str, Any]:
        """The ``simlib run --format json`` object (NaN -> null)."""
        return {
            "scenario": self.name,
            "scenario_hash": self.hash,
            "seed": self.seed,
            "reps": self.reps,
            "kpis": {row.kpi: report.interval_json(row) for row in report.rows(self.summary())},
        }

    def report(self, kpis: Sequence[str] | None = None, level: float = 0.95, label: report.Label | None = None) -> str:
        """The text table ``simlib run`` prints: each KPI's mean, interval and n."""
        title = report.run_title(self.name, self.hash, self.seed, self.reps, self.scenario)
        every = self.summary(level=level)
        lead = report.stability_lead(every) + report.budget_lead(every, self.scenario)
        return "".join(line + "\n" for line in lead) + report.summary_table(
            self.summary(kpis, level), title, label=label, level=level)


@dataclass
class Results(RunReport):
    """KPIs (one row per replication x metric) and weekly series of one scenario."""

    scenario: Scenario
    seed: int
    kpis: pd.DataFrame
    series: pd.DataFrame
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def reps(self) -> int:
        return int(self.kpis["replication"].nunique()) if len(self.kpis) else 0

    def kpi(self, name: str) -> pd.Series:
        """Values of one KPI, one per replication, indexed by replication."""
        rows = self.kpis[self.kpis["kpi"] == name]
        if rows.empty:
            raise KeyError(f"unknown KPI {name!r}; known: {sorted(self.kpis['kpi'].unique())}")
        return rows.set_index("replication")["value"]

    def summary(self, kpis: Sequence[str] | None = None, level: float = 0.95) -> pd.DataFrame:
        """Mean and t-interval of each KPI (or of the named ones) across replications."""
        return report.select(summarise(self.kpis, level=level), kpis)

    def __repr__(self) -> str:
        n_kpis = int(self.kpis["kpi"].nunique()) if len(self.kpis) else 0
        return f"<Results {self.name}: {self.reps} replications x {n_kpis} KPIs, seed {self.seed}>"

    def _repr_html_(self) -> str:
        return report.html_table(self.summary(), repr(self))


def run_replication(
    scenario: Scenario, seed: int, replication: int, warmup_days: float | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One replication as tidy frames (the unit of work for pools and clusters).

    ``warmup_days`` imposes a warm-up cut (a comparison's common one, see paired.py);
    ``on_progress`` hears the simulated fraction done each week (progress bars).
    """
    # only KPIs and the weekly series leave: the records keep only what the KPIs read
    out = simulate(scenario, seed, replication, warmup_days, on_progress=on_progress, records="kpis")
    kpis = kpi_frame(scenario, seed, replication, out.kpis)
    series = out.series.copy(deep=False)  # copy-on-write: the columns added here copy nothing else
    series.insert(0, "replication", replication)
    series.insert(0, "scenario", scenario.name)
    series["in_warmup"] = series["day"] < out.warmup_days
    return kpis, series


def kpi_frame(scenario: Scenario, seed: int, replication: int, kpis: dict[str, float]) -> pd.DataFrame:
    """One replication's KPIs as tidy rows (``KPI_COLUMNS``)."""
    import pandas as pd

    name, digest = scenario.name, scenario_hash(scenario)
    return pd.DataFrame([(name, digest, replication, seed, k, float(v)) for k, v in kpis.items()], columns=KPI_COLUMNS)


@dataclass(frozen=True)
class ReplicationTask:
    """One unit of work: a resolved scenario, a base seed and a replication index."""

    scenario: Scenario
    seed: int
    replication: int
    with_series: bool = True
    warmup_days: float | None = None  # imposed warm-up cut, or the scenario's own rule


def replication_task(task: ReplicationTask) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Run one task (module level, so pools and Dask can pickle it)."""
    kpis, series = run_replication(task.scenario, task.seed, task.replication, task.warmup_days,
                                   on_progress=progress.report)
    return kpis, (series if task.with_series else None)


def replication_kpis(task: ReplicationTask) -> dict[str, float]:
    """Run one task for its KPIs only (module level, for pools and Dask): ``run_kpis``'s unit of work."""
    out = simulate(task.scenario, task.seed, task.replication, task.warmup_days, on_progress=progress.report,
                   records="kpis")
    return {k: float(v) for k, v in out.kpis.items()}


@dataclass
class KpiRun(RunReport):
    """Replications of one scenario as their KPIs: one dict a replication, in replication order.

    ``run``'s results without frames: ``summary()`` is a list of ``Interval`` rows
    computed with numpy (the same numbers as ``Results.summary()``), and the text
    table and JSON are ``Results``'s. ``kpis`` and ``results()`` build the frames
    (importing pandas) for what needs them (``--format csv``).
    """

    scenario: Scenario
    seed: int
    values: list[dict[str, float]]
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def reps(self) -> int:
        return len(self.values)

    def by_kpi(self) -> dict[str, list[float]]:
        """Each KPI's values over the replications that report it, KPIs in their first replication's order."""
        names = dict.fromkeys(k for one in self.values for k in one)
        return {k: [one[k] for one in self.values if k in one] for k in names}

    def summary(self, kpis: Sequence[str] | None = None, level: float = 0.95) -> list[Interval]:
        """Mean and t-interval of each KPI (or of the named ones) across replications."""
        return report.select(summarise_values(self.by_kpi(), level=level), kpis)

    @property
    def kpis(self) -> pd.DataFrame:
        """The tidy frame ``Results.kpis`` holds (one row a replication and KPI)."""
        return self.results().kpis

    def results(self) -> Results:
        """The same replications as ``Results`` (frames; no weekly series)."""
        return collect(self.scenario, self.seed,
                       [(kpi_frame(self.scenario, self.seed, r, one), None) for r, one in enumerate(self.values)])

    def __repr__(self) -> str:
        return f"<KpiRun {self.name}: {self.reps} replications x {len(self.by_kpi())} KPIs, seed {self.seed}>"

    def _repr_html_(self) -> str:
        return report.html_table(self.results().summary(), repr(self))


def resolve(
    scenario: Scenario | str | Path,
    overrides: dict[str, Any] | None = None,
    years: float | None = None,
    warmup: str | None = None,
) -> Scenario:
    """Accept a Scenario, a bundled name or a path; apply overrides, a horizon and a warm-up rule."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    changes = dict(overrides or {})
    if years is not None:
        changes["horizon.years"] = years
        if sc.horizon.warmup_years >= years:
            changes["horizon.warmup_years"] = years / 5
    if warmup is not None:
        changes["horizon.warmup"] = warmup
    return with_overrides(sc, changes) if changes else sc


MAX_REPS = 100_000  # replications of one scenario: far above any useful interval; tasks are built up front


def check_counts(reps: int, jobs: int) -> None:
    if not 1 <= reps <= MAX_REPS:
        raise ValueError(f"reps must be at least 1 and at most {MAX_REPS:,}, got {reps:,}")
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")


def collect(sc: Scenario, seed: int, parts: list[tuple[pd.DataFrame, pd.DataFrame | None]]) -> Results:
    """Results of one scenario from its replications' frames (in replication order)."""
    import pandas as pd

    kpis = pd.concat([p[0] for p in parts], ignore_index=True)
    frames = [p[1] for p in parts if p[1] is not None]
    series = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return Results(sc, seed, kpis, series)


def run_all(
    scenarios: Sequence[Scenario],
    *,
    reps: int = 10,
    seed: int = 2024,
    jobs: int = 1,
    dask: str | None = None,
    progress: bool | None = None,
    series: bool = True,
) -> list[Results]:
    """Replications 0..reps-1 of several resolved scenarios with one seed, in one pool.

    Every scenario gets the same (seed, replication) pairs: common random numbers.
    """
    check_counts(reps, jobs)
    tasks = [ReplicationTask(sc, seed, r, series) for sc in scenarios for r in range(reps)]
    parts = execute(replication_task, tasks, jobs=jobs, dask=dask, progress=progress, desc="replications")
    return [collect(sc, seed, parts[i * reps : (i + 1) * reps]) for i, sc in enumerate(scenarios)]


def run(
    scenario: Scenario | str | Path,
    *,
    reps: int = 10,
    seed: int = 2024,
    years: float | None = None,
    overrides: dict[str, Any] | None = None,
    warmup: str | None = None,
    jobs: int = 1,
    dask: str | None = None,
    progress: bool | None = None,
    series: bool = True,
    precision: float | None = None,
    precision_abs: dict[str, float] | None = None,
    max_reps: int | None = None,
    precision_kpis: list[str] | None = None,
) -> Results:
    """Run ``reps`` replications of a scenario and collect tidy results.

    Options are keyword-only, in the order ``compare`` and ``sweep`` share:
    reps, seed, years, overrides, warmup, jobs, dask, progress, series.

    ``jobs``/``dask`` choose where they run (same results either way). With
    ``precision`` (e.g. 0.05) and/or ``precision_abs`` (KPI -> allowed
    half-width in its units, for values near 0), ``reps`` is the first batch:
    replications are added until every chosen KPI's 95% half-width is within
    ``precision`` of its mean or within its absolute target, or ``max_reps``
    (default 100) is reached; ``Results.extras['precision']`` tells which.
    """
    check_counts(reps, jobs)
    sc = resolve(scenario, overrides, years, warmup)

    def batch(first: int, last: int) -> list[tuple[pd.DataFrame, pd.DataFrame | None]]:
        tasks = [ReplicationTask(sc, seed, r, series) for r in range(first, last)]
        return execute(replication_task, tasks, jobs=jobs, dask=dask, progress=progress, desc=sc.name)

    if precision is None and not precision_abs:
        return collect(sc, seed, batch(0, reps))
    from simlib.experiments import precision as precision_mode

    cap = precision_mode.validate(precision, precision_abs, reps, max_reps)  # before anything runs
    parts = batch(0, reps)
    available = list(dict.fromkeys(parts[0][0]["kpi"]))
    chosen = precision_mode.choose_kpis(available, precision_kpis, precision_abs, precision is not None)
    targets = precision_mode.targets_for(chosen, precision, precision_abs)
    log = precision_mode.PrecisionLog(precision, cap, chosen, absolute=dict(precision_abs or {}))
    while True:
        results = collect(sc, seed, parts)
        state = precision_mode.check(precision_mode.by_kpi(results.kpis, chosen), targets)
        log.checks.append(state)
        target = precision_mode.next_reps(state, cap)
        if target <= state.reps:
            break
        parts += batch(state.reps, target)
    results.extras["precision"] = log
    return results


def run_kpis(
    scenario: Scenario | str | Path,
    *,
    reps: int = 10,
    seed: int = 2024,
    years: float | None = None,
    overrides: dict[str, Any] | None = None,
    warmup: str | None = None,
    jobs: int = 1,
    dask: str | None = None,
    progress: bool | None = None,
) -> KpiRun:
    """``run`` for the KPIs only: the same replications, their KPIs as dicts (``KpiRun``), no frames.

    What the CLI's plain ``simlib run`` calls: the replications, their summary and
    the printed table or JSON need no pandas (importing it cost more than a short run).
    """
    check_counts(reps, jobs)
    sc = resolve(scenario, overrides, years, warmup)
    tasks = [ReplicationTask(sc, seed, r, with_series=False) for r in range(reps)]
    return KpiRun(sc, seed, execute(replication_kpis, tasks, jobs=jobs, dask=dask, progress=progress, desc=sc.name))
