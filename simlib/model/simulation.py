"""One replication of one scenario: build the context, run SimPy, return records.

This is the model's single entry point. It wires the stages together (referrals
-> screening -> investigation -> later stages), samples the weekly series, stops
early when the queue grows without bound, and computes the KPIs after the run.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from simlib.model.calendar import make_calendar
from simlib.model.caseworker import Caseworker
from simlib.model.context import SimContext, make_streams
from simlib.model import failure_demand
from simlib.model.investigation import (
    DecisionRule,
    join_open_investigation,
    open_investigation,
    open_new_investigation,
)
from simlib.model.kpis import KPI_JOINED_REFERRAL_FIELDS, KPI_RECORD_FIELDS, compute_kpis, warmup_cut
from simlib.model.recorder import Recorder
from simlib.model.schedule import RunEnvironment, call_in
from simlib.model.referrals import Referral, referral_arrivals
from simlib.model.screening import start_screening
from simlib.model.team import Team
from simlib.model.units import DAYS_PER_MONTH, WEEK, YEAR
from simlib.model.workforce.kpis import install_fixed as install_fixed_workforce_kpis
from simlib.scenario.rules import ROLES, cap_rule, fixed_posts, role_work_params, simulated_roles
from simlib.scenario.schema import Scenario

if TYPE_CHECKING:  # the series is a frame, built when asked for: a run read for its KPIs never imports pandas
    import pandas as pd


@dataclass
class ReplicationOutput:
    """What one replication produced: KPI values, weekly series, raw records."""

    kpis: dict[str, float]
    recorder: Recorder
    warmup_days: float
    end_days: float

    @cached_property
    def series(self) -> pd.DataFrame:
        """The weekly series (one row a week: queues, caseloads, the stages' columns), built on first use."""
        series = self.recorder.weekly_frame().drop(columns=["balans_area"])  # the caseload histograms are not in it
        series.insert(0, "week", (series["day"] / WEEK).round().astype(int))
        return series


def build_context(scenario: Scenario, seed: int, replication: int, records: str = "all") -> SimContext:
    """Environment, streams, calendar and teams, before any process starts.

    ``records="kpis"``: a lean recorder, keeping of referrals and investigations only
    the fields the KPIs read (``Recorder.lean``); ``"all"`` keeps every field.
    """
    env = RunEnvironment()
    ctx = SimContext(
        env=env,
        scenario=scenario,
        streams=make_streams(seed, replication),
        # the run may go on after the horizon (the run-out), so the calendar covers that too
        calendar=make_calendar(scenario.calendar, scenario.horizon.years + scenario.horizon.run_out_years),
        recorder=(Recorder.lean(KPI_RECORD_FIELDS, joined=KPI_JOINED_REFERRAL_FIELDS) if records == "kpis"
                  else Recorder()),
        stop=env.event(),
        seed=seed,
        replication=replication,
    )
    staff = scenario.staff
    novice_days = staff.novice_months * DAYS_PER_MONTH
    ctx.teams["intake"] = Team(ctx, "intake", cap_rule(scenario, "intake").assignment_cap)
    ctx.teams["investigation"] = Team(
        ctx, "investigation", cap_rule(scenario, "investigation").assignment_cap,
        staff.graduate_rule, staff.mentoring, novice_days,
    )
    ctx.teams["placement"] = Team(ctx, "placement", cap_rule(scenario, "placement").assignment_cap)
    inv = ctx.teams["investigation"]
    inv.sustainable = scenario.investigation.child_heard.sustainable_caseload
    inv.thinning = scenario.investigation.quality.thinning_elasticity
    inv.decision = DecisionRule.of(scenario.investigation)
    return ctx


def staff_fixed(ctx: SimContext) -> None:
    """Fixed staffing (``staff.dynamics: false``): whole FTEs, experienced, always present."""
    sc = ctx.scenario
    per_week = ctx.calendar.workdays_per_week
    posts = fixed_posts(sc)
    roles = simulated_roles(sc)
    wid = 0
    for role in ROLES:
        overhead, pace = role_work_params(sc, role, per_week)
        for _ in range(posts[role] if role in roles else 0):
            worker = Caseworker(ctx, wid, role, sc.staff.hours_per_day, overhead, pace=pace)
            ctx.teams[role].add_worker(worker)
            wid += 1
    install_fixed_workforce_kpis(ctx)  # exact workforce KPIs for the fixed counts (workforce/kpis.py)


def _on_referral(
    ctx: SimContext, after_screening: Callable[[Referral], None] | None, referral: Referral,
) -> None:
    """A report arrives: the stages that watch reports, an open investigation, or screening.

    ``after_screening`` is None when ``screening.enabled`` is false (bound once a run,
    not read from the scenario a referral).
    """
    for handler in ctx.referral_handlers:
        handler(referral)
    if join_open_investigation(ctx, referral, screened=False) is not None:
        # a ReferralRecord in field order: arrived, child, age, urgent, screened, opened, joined
        ctx.recorder.joined_referrals.add(  # the referrals' store, or a lean recorder's own for these
            referral.arrived, referral.child, referral.age, referral.urgent, referral.arrived, False, True,
        )
        return
    if after_screening is not None:
        start_screening(ctx, referral, after_screening)
    else:
        ctx.recorder.referrals.add(
            referral.arrived, referral.child, referral.age, referral.urgent, referral.arrived, True, False,
        )
        open_new_investigation(ctx, referral)  # the child has none open: asked above


def _after_screening(ctx: SimContext, referral: Referral) -> None:
    if referral.opens:
        open_investigation(ctx, referral)


def snapshot(ctx: SimContext) -> None:
    """One row of the weekly series: queues, caseloads, cumulative areas, the stages' columns."""
    env = ctx.env
    rec = ctx.recorder
    if rec.weekly and rec.weekly.last("day") == env.now:
        return  # already taken at this instant (the horizon fell on a weekly sample)
    inv = ctx.teams["investigation"]
    intake = ctx.teams["intake"]
    for team in ctx.teams.values():
        team.flush()
    row: dict[str, Any] = {
        "day": env.now,
        "balans": inv.queued,
        "investigations_in_work": inv.in_work,
        "investigators": inv.size,
        "balans_area": inv.queue_len.area_at(env.now),
        "level_time": list(inv.level_time),
        "level_time_work": list(inv.level_time_work),
        "screenings_open": intake.in_work + intake.queued,
    }
    for fn in ctx.weekly_extras:
        row.update(fn())
    rec.weekly.append(row)


def weekly_sampler(
    ctx: SimContext, horizon: float, run_out_end: float, on_progress: Callable[[float], None] | None = None
):
    """Weekly snapshots; flag instability, stop a runaway run, end the run-out when all is decided.

    Unstable: more open investigations per investigator than
    ``horizon.unstable_queue_per_server`` at a sample inside the horizon (for
    intake, the same amount of work in screenings). The run goes on: its window
    is not cut short. Only a runaway run, past ``horizon.stop_queue_per_server``,
    is stopped (bounded work), and says so (``Recorder.stopped_early``).
    After the horizon no referral arrives (the run-out); the run ends once no
    investigation or screening is open, or at ``run_out_end``. ``on_progress(f)`` hears
    each week how far the run is (simulated time over its longest length); it only
    reads the clock, so it cannot change a result.
    """
    env = ctx.env
    rec = ctx.recorder
    inv = ctx.teams["investigation"]
    intake = ctx.teams["intake"]
    sc = ctx.scenario
    per_screening = sc.investigation.hours.mean / sc.screening.hours.mean
    limit = sc.horizon.unstable_queue_per_server
    guard = sc.horizon.stop_queue_per_server
    while True:
        now = env.now
        if on_progress is not None:
            on_progress(now / run_out_end if run_out_end > 0 else 1.0)
        if now <= horizon:
            snapshot(ctx)
            open_cases = inv.queued + inv.in_work
            screenings = intake.in_work + intake.queued
            servers, intake_servers = max(inv.size, 1), max(intake.size, 1)
            if open_cases > limit * servers or screenings > limit * per_screening * intake_servers:
                rec.unstable = True
            if open_cases > guard * servers or screenings > guard * per_screening * intake_servers:
                rec.stopped_early = True
                _stop(ctx)
                return
        elif (not ctx.open_cases and not ctx.open_screenings) or now >= run_out_end:
            _stop(ctx)
            return
        yield env.timeout(min(WEEK, max(run_out_end - now, 0.0)) if now > horizon else WEEK)


def _stop(ctx: SimContext) -> None:
    if not ctx.stop.triggered:
        ctx.stop.succeed()


@contextmanager
def _sparse_gc() -> Iterator[None]:
    """Collect cyclic garbage less often while SimPy runs.

    A run allocates hundreds of thousands of short-lived events and closures, and the
    default generation-0 threshold (700) makes the collector rescan them constantly:
    about a fifth of the run time. Memory stays bounded: collection still happens,
    just every 50 000 allocations, and the old thresholds come back afterwards.
    """
    old = gc.get_threshold()
    gc.set_threshold(50_000, old[1], old[2])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def simulate(
    scenario: Scenario, seed: int, replication: int = 0, warmup_days: float | None = None,
    on_progress: Callable[[float], None] | None = None, records: str = "all",
) -> ReplicationOutput:
    """Run one replication and compute its KPIs after the warm-up.

    ``warmup_days`` imposes the warm-up cut instead of the scenario's rule (a
    comparison's common cut); the run itself does not depend on it. ``on_progress``
    hears the fraction of simulated time done, each simulated week (progress bars).
    ``records="kpis"`` keeps of referrals and investigations only the fields the
    KPIs read (a run for its KPIs: memory flat in the horizon); ``"all"`` every field.
    """
    ctx = build_context(scenario, seed, replication, records)
    horizon = scenario.horizon.years * YEAR
    run_out_end = horizon + scenario.horizon.run_out_years * YEAR
    ctx.env.end = run_out_end  # the run stops by then: later timers are not queued (memory)
    if scenario.staff.dynamics:
        from simlib.model import workforce

        workforce.install(ctx)
    else:
        staff_fixed(ctx)
    if scenario.placements.enabled:
        from simlib.model import placements

        placements.install(ctx)
    env = ctx.env
    after_screening = partial(_after_screening, ctx) if scenario.screening.enabled else None
    on_referral = partial(_on_referral, ctx, after_screening)  # a partial, not a lambda: no Python frame per referral
    failure_demand.install(ctx, on_referral, horizon)
    env.process(referral_arrivals(ctx, on_referral, until=horizon))
    env.process(weekly_sampler(ctx, horizon, run_out_end, on_progress))
    call_in(env, horizon, snapshot, ctx)  # the window ends exactly at the horizon
    if scenario.horizon.run_out_years == 0:
        call_in(env, horizon, _stop, ctx)
    with _sparse_gc():
        env.run(until=ctx.stop)
    rec = ctx.recorder
    rec.ended_at = env.now
    t1 = min(env.now, horizon)  # the reporting window ends at the horizon, or where a runaway run stopped
    t0 = warmup_cut(scenario, rec.weekly, t1, at=warmup_days)
    kpis = compute_kpis(ctx, t0, t1)
    return ReplicationOutput(kpis, rec, t0, env.now)
