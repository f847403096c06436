"""National answers: every one of Sweden's 290 municipalities x scenario, summed to Sweden.

Why: a cap or a budget rule is decided nationally, but the work happens in 290
municipalities of very different size (Bjurholm's ~500 children, Stockholm's
~200 000). Each municipality in ``simlib/data/municipalities.csv`` (name, SCB
code, SKR 2023 group, population, children 0-17; provenance in
``municipalities.md``) runs as its own scaled scenario (``scale_scenario``):
referrals, budget, placement stocks, foster-home recruitment and emergency
places scale with its children; rates, hours, prices and rules do not.

Whole posts, rounded up. The model has whole caseworkers, not fractions of
one, so each role's share of the scaled work is rounded up to whole posts, in
every municipality, and the unit pays for them (``rules.budget_for_posts``).
Rounding to the nearest post (the earlier rule for units of 15 posts or more)
left a unit of ~12 investigators up to 5% short, and a unit of ~3 intake
workers up to 17%, at a load where today's mid-sized unit has no slack: 10
replications of six municipalities of 7 000-11 000 children (Enköping,
Värnamo, Hässleholm, Partille, Vänersborg, Piteå) had 11 unstable runs of 60
rounded to the nearest post and 4 of 60 rounded up. Rounding up carries at
most one post per role more than a proportional share, so national levels
sit slightly on the generous side (the national table reports the posts),
and it is the same rule in every scenario, so paired differences and the
price are not biased by it. Small units also share cover across roles: at
least ``MIN_POSTS`` people can do intake and investigations, so one absence
does not stop a role.

Small units bridge vacancies with consultants. With two investigators, one
leaver halves the role; at today's budget rule (a hiring freeze when the
year's forecast overruns, consultants for at most 10% of posts) the post
stays empty for months, the other investigator carries 40-90 cases and the
overload spiral does the rest: in a national run with only the rules above,
79 of 290 municipalities, all with under 8 500 children, had an unstable
baseline replication (Hällefors, 1 473 children, in 3 of 3). Small
municipalities do not leave their only investigator's post empty: they buy
socionomkonsulter beyond the budget (Härjedalen ~20 MSEK over a few years,
Jämtlands Tidning 2019; Hultsfred 65 MSEK, Vimmerby Tidning 2024;
sweden-figures section 5). So a unit of fewer than ``SMALL_UNIT_POSTS`` posts
(about 10 000 children) may bring in a consultant for a vacancy in every role
(``staff.consultants.max_share`` at least one post per role) and is not held
to the hiring freeze (``staff.freeze_on_overrun`` off); what that costs is in
its ``cost_sek_per_year``, in every scenario alike (Hällefors with this cover:
3 of 3 replications stable, 4-month share 0.65-0.79, consultants 6-8% of
staff time).

Seeds. Municipality m runs replications 0..reps-1 with its own base seed
(``municipality_seed``: the run's seed and the SCB code), the same in every
scenario: common random numbers within a municipality, independent
municipalities (the national variance is a plain sum). Work is cut into tasks
of about ``TASK_SECONDS`` (one municipality x some replications; per-task
overhead is milliseconds), run here, on a process pool or on dask.distributed
(``experiments.parallel.execute``); the answer is the same bit for bit. With
``store`` every finished (municipality, scenario, replication) cell is written
at once and a rerun computes only the missing ones.

Sums, differences and unstable municipalities: ``national_sums``. A
municipality with an unstable replication is named and left out of every
total (with its children counted, so the reader sees what is missing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simlib.analysis import national_sums as sums
from simlib.experiments.parallel import execute
from simlib.model import kpi_registry
from simlib.experiments.replications import run_replication
from simlib.experiments.store import Store, new_manifest
from simlib.scenario.loader import load_scenario, scenario_hash, with_overrides
from simlib.scenario.rules import budget_for_posts, scaled_posts
from simlib.scenario.schema import Scenario

DATA = Path(__file__).resolve().parents[1] / "data"
MUNICIPALITIES = DATA / "municipalities.csv"
GROUPS = DATA / "municipality_groups.csv"
MIN_POSTS = {"intake": 2, "investigation": 2, "placement": 1}
SMALL_UNIT_POSTS = 25  # below this a unit covers a vacancy with a consultant whatever the budget year
TASK_SECONDS = 5.0  # work per task: seconds, not milliseconds
EXTENSIVE, INTENSIVE, aggregate = sums.EXTENSIVE, sums.INTENSIVE, sums.aggregate


def load_municipalities(path: str | Path = MUNICIPALITIES) -> pd.DataFrame:
    """The 290 municipalities: code (4 digits, text), name, county_code, group_code, population, children."""
    return pd.read_csv(path, dtype={"code": str, "county_code": str})


def load_groups(path: str | Path = GROUPS) -> pd.DataFrame:
    """The nine SKR municipality groups with a ``children_typical`` column (mean per municipality)."""
    groups = pd.read_csv(path)
    groups["children_typical"] = groups["children_0_17"] / groups["municipalities"]
    return groups


def unit_posts(scenario: Scenario, k: float) -> dict[str, int]:
    """Whole posts per role of the scenario resized by ``k``: rounded up, with cover (module docstring)."""
    return scaled_posts(scenario, k, MIN_POSTS)


def small_unit_cover(scenario: Scenario, posts: dict[str, int]) -> dict[str, object]:
    """Consultant cover for a unit of fewer than ``SMALL_UNIT_POSTS`` posts (module docstring)."""
    total = sum(posts.values())
    if total >= SMALL_UNIT_POSTS or not scenario.staff.dynamics:
        return {}
    share = max(scenario.staff.consultants.max_share, len(posts) / total)
    return {"staff.consultants.max_share": min(share, 1.0), "staff.freeze_on_overrun": False}


def scale_scenario(scenario: Scenario, children: float, name: str | None = None) -> Scenario:
    """The scenario resized to a municipality with ``children`` children aged 0-17.

    Volumes, budget and stocks scale by k = children / scenario children; the
    posts follow ``unit_posts`` and the budget and role shares pay for exactly
    those posts (``rules.budget_for_posts``).
    """
    k = children / scenario.municipality.children_0_17
    pl = scenario.placements
    posts = unit_posts(scenario, k)
    changes: dict[str, object] = {
        "municipality.children_0_17": max(1, round(children)),
        "municipality.population": max(1, round(scenario.municipality.population * k)),
        "referrals.per_year": scenario.referrals.per_year * k,
        **budget_for_posts(scenario, posts),
        **small_unit_cover(scenario, posts),
        "placements.initial_in_care": round(pl.initial_in_care * k),
        "placements.foster_homes.initial": round(pl.foster_homes.initial * k),
        "placements.foster_homes.recruited_per_year": pl.foster_homes.recruited_per_year * k,
        "placements.foster_homes.leave_per_year": pl.foster_homes.leave_per_year * k,
        "placements.foster_homes.max_recruited_per_year": pl.foster_homes.max_recruited_per_year * k,
        "placements.emergency.places": round(pl.emergency.places * k),
    }
    scaled = with_overrides(scenario, changes)
    if name:
        scaled = scaled.model_copy(update={"metadata": scaled.metadata.model_copy(update={"name": name})})
    return scaled


def municipality_seed(seed: int, code: str) -> int:
    """The base seed of one municipality: independent of the others, the same in every scenario."""
    state = np.random.SeedSequence([seed, int(code)]).generate_state(2, dtype=np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1]))


@dataclass(frozen=True)
class Unit:
    """One replication of one municipality in one scenario."""

    scenario: str  # the scenario's name
    code: str
    children: float
    replication: int
    seed: int  # the municipality's base seed


@dataclass(frozen=True)
class Task:
    """A chunk of units sharing a municipality and scenario (one scaled scenario to send)."""

    scaled: Scenario
    units: tuple[Unit, ...]


def unit_seconds(children: float) -> float:
    """Estimated seconds of one replication (measured: ~0.1 s at 500 children, ~1.2 s at 21 000,
    ~16 s at 200 000); only used to cut the work into tasks of about ``TASK_SECONDS``."""
    return 0.05 + 5.5e-5 * children * (1.0 + children / 400_000)


def make_tasks(scenarios: list[Scenario], table: pd.DataFrame, reps: int, seed: int,
               todo: set[tuple[str, str, int]] | None = None) -> list[Task]:
    """Tasks of about TASK_SECONDS: replications of one municipality, or all of them if that is less.

    Largest municipalities first (the longest tasks start early, so workers finish
    together), and the scenarios of a municipality next to each other (an interrupted
    run leaves whole pairs in its store). The order changes no result: frames are
    sorted by scenario, municipality and replication afterwards.
    """
    tasks = []
    by_size = table.sort_values(["children_0_17", "code"], ascending=[False, True], kind="stable")
    for row in by_size.itertuples(index=False):
        for sc in scenarios:
            scaled = scale_scenario(sc, row.children_0_17, name=f"{sc.name}@{row.code}")
            per_task = max(1, int(TASK_SECONDS // unit_seconds(row.children_0_17)))
            mseed = municipality_seed(seed, row.code)
            units = [Unit(sc.name, row.code, row.children_0_17, r, mseed) for r in range(reps)
                     if todo is None or (sc.name, row.code, r) in todo]
            tasks += [Task(scaled, tuple(units[i:i + per_task])) for i in range(0, len(units), per_task)]
    return tasks


def run_task(task: Task) -> list[pd.DataFrame]:
    """Worker side: the KPI frames of a task's units, with derived rates and costs added."""
    out = []
    for unit in task.units:
        kpis, _ = run_replication(task.scaled, unit.seed, unit.replication)
        out.append(with_derived(kpis, task.scaled, unit))
    return out


def with_derived(kpis: pd.DataFrame, scaled: Scenario, unit: Unit) -> pd.DataFrame:
    """Add referrals a year and per 1 000 children (the model counts referrals over its window)."""
    value = kpis.set_index("kpi")["value"]
    years = value.get("reporting_years", math.nan)
    extra = {"referrals_per_year": value["referrals_total"] / years if years and years > 0 else math.nan}
    extra["referrals_per_1000_children"] = extra["referrals_per_year"] / scaled.municipality.children_0_17 * 1000
    rows = pd.DataFrame({"kpi": list(extra), "value": list(extra.values())})
    for col in ("scenario", "scenario_hash", "replication", "seed"):
        rows[col] = kpis[col].iloc[0]
    frame = pd.concat([kpis, rows[kpis.columns]], ignore_index=True)
    frame["scenario"] = unit.scenario
    frame["scenario_hash"] = cell_key(scaled, unit.code)
    frame.insert(1, "code", unit.code)
    return frame


@dataclass
class NationalResults:
    """Per-municipality replications, national totals, paired differences and unstable municipalities."""

    per_rep: pd.DataFrame  # scenario, code, scenario_hash, replication, seed, kpi, value
    totals: pd.DataFrame  # national_sums.COLUMNS, one row per scenario x KPI
    differences: pd.DataFrame  # the same columns; scenario = the alternative, against the first scenario
    unstable: pd.DataFrame  # code, name, group_code, children_0_17, share of unstable runs per scenario
    municipalities: pd.DataFrame
    reps: int
    seed: int

    @property
    def per_municipality(self) -> pd.DataFrame:
        """Mean, variance and n per scenario, municipality and KPI, with name and group."""
        frame = sums.summarise(self.per_rep, ["scenario", "code"])
        info = self.municipalities[["code", "name", "group_code", "children_0_17"]]
        return info.merge(frame, on="code")

    def price(self, alternative: str) -> pd.DataFrame:
        """The national price of an alternative: posts and SEK a year against the base, with CIs."""
        d = self.differences
        return d[(d["scenario"] == alternative) & d["kpi"].isin(
            ["fte_funded", "cost_sek_per_year", "total_cost_sek_per_year"])].reset_index(drop=True)


def national(
    scenarios: list[Scenario | str | Path] | None = None,
    reps: int = 5,
    seed: int = 2024,
    years: float | None = None,
    jobs: int = 1,
    dask: str | None = None,
    municipalities: pd.DataFrame | None = None,
    progress: bool = False,
    store: str | Path | None = None,
) -> NationalResults:
    """Run every municipality x scenario, then sum to Sweden (differences against the first scenario)."""
    if reps < 2:
        raise ValueError(f"reps must be at least 2 for an interval, got {reps}")
    table = load_municipalities() if municipalities is None else municipalities
    resolved = []
    for item in scenarios or ["baseline"]:
        sc = item if isinstance(item, Scenario) else load_scenario(item)
        if years is not None:
            changes: dict[str, object] = {"horizon.years": years}
            if sc.horizon.warmup_years >= years:
                changes["horizon.warmup_years"] = years / 5
            sc = with_overrides(sc, changes)
        resolved.append(sc)
    frames = _run(resolved, table, reps, seed, jobs, dask, progress, store)
    per_rep = pd.concat(frames, ignore_index=True)
    return summarise_national(per_rep, table, [sc.name for sc in resolved], reps, seed)


def summarise_national(per_rep: pd.DataFrame, table: pd.DataFrame, names: list[str], reps: int,
                       seed: int) -> NationalResults:
    """Totals over the stable municipalities, and paired differences against ``names[0]``."""
    unstable = sums.unstable_municipalities(per_rep, table)
    stable = per_rep[~per_rep["code"].isin(set(unstable["code"]))]
    weights = table.set_index("code")["children_0_17"].astype(float)

    def per_unit(frame: pd.DataFrame) -> pd.DataFrame:
        out = sums.summarise(frame, ["scenario", "code"])
        out["weight"] = out["code"].map(weights)
        return out

    totals = sums.aggregate(per_unit(stable))
    diffs = [sums.paired_differences(stable, names[0], alt) for alt in names[1:]]
    differences = (sums.aggregate(per_unit(pd.concat(diffs, ignore_index=True)), difference=True)
                   if diffs else pd.DataFrame(columns=sums.COLUMNS))
    return NationalResults(per_rep, totals, differences, unstable, table, reps, seed)


def _run(scenarios: list[Scenario], table: pd.DataFrame, reps: int, seed: int, jobs: int,
         dask: str | None, progress: bool, store: str | Path | None) -> list[pd.DataFrame]:
    """Compute (or read from the store) every cell; tasks are chunks of seconds."""
    done: list[pd.DataFrame] = []
    todo = None
    st = None
    if store is not None:
        st = Store(store)
        st.open(_manifest(scenarios, table, reps, seed))
        st.clean_temporary()
        todo = set()
        for sc in scenarios:
            for row in table.itertuples(index=False):
                scaled = scale_scenario(sc, row.children_0_17, name=f"{sc.name}@{row.code}")
                key, mseed = cell_key(scaled, row.code), municipality_seed(seed, row.code)
                for r in range(reps):
                    if st.has(key, r):
                        unit = Unit(sc.name, row.code, row.children_0_17, r, mseed)
                        done.append(with_derived(st.read_cell(key, r, mseed), scaled, unit))
                    else:
                        todo.add((sc.name, row.code, r))
    tasks = make_tasks(scenarios, table, reps, seed, todo)
    registered = set(kpi_registry.names_where())

    def keep(_: int, frames: list[pd.DataFrame]) -> None:
        if st is None:
            return
        for frame in frames:  # the store holds the model's KPIs; derived rows are recomputed on reading
            st.write_cell(frame[frame["kpi"].isin(registered)].drop(columns="code"))

    results = execute(run_task, tasks, jobs=jobs, dask=dask, progress=progress, desc="municipalities",
                      on_result=keep, chunk_size=1)
    frames = done + [f for chunk in results for f in chunk]
    return sorted(frames, key=lambda f: (f["scenario"].iloc[0], f["code"].iloc[0], int(f["replication"].iloc[0])))


def cell_key(scaled: Scenario, code: str) -> str:
    """A cell's key (its ``scenario_hash`` column and store folder): municipality code and scaled scenario hash."""
    return f"{code}-{scenario_hash(scaled)[:16]}"


def _manifest(scenarios: list[Scenario], table: pd.DataFrame, reps: int, seed: int) -> dict:
    design = {"kind": "national", "scenarios": [{"name": sc.name, "hash": scenario_hash(sc)} for sc in scenarios]}
    points = [{"code": c} for c in table["code"]]
    return new_manifest(scenario_hash(scenarios[0]), scenarios[0].name, seed, reps, design, points)
