"""In-home support and out-of-home placements: the churn side of the model (MODEL.md 3.4).

After an investigation, a child gets nothing, in-home support
(``in_home``, which may escalate to care) or a placement. A
*care episode* runs from entering care to reunification (``placements.months``,
drawn at entry) or the 18th birthday; within it the child lives in a sequence
of *placements* (spells): a foster home from the pool (``pool``) or an
emergency place when none is free. Every spell after the first is a move.

Breakdowns are exact without daily ticks: the hazard is ``breakdown_per_year``
x factors (teenager, emergency place, last required visit missed, caseworker
change within the window), piecewise constant between events. Each child has
one pending breakdown event, rescheduled only when a factor changes, by the
inverse cumulative hazard (see ``update_hazard``; equivalent in law to
redrawing a memoryless clock, and kinder to common random numbers). A
breakdown is a move to whatever place is free then.

Each child in care is one open-ended job on the placement team (children per
caseworker is the team's load, so the cap counts children); visits are checked
in ``visits``; KPIs and the per-child history are in
``kpis``. Every draw that belongs to one child (its episode's length, its
breakdown marks, its visits, its in-home spell) comes from a stream keyed by
the child and the episode (``SimContext.child_rng``), so a child placed in two
scenarios compared with common random numbers lives the same placement luck;
the pool's draws (recruitment, homes that stop) have the pool's own stream.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from simlib.model.caseworker import INF, Job
from simlib.model.placements.child import TEEN_AGE, Child
from simlib.model.placements.in_home import InHomeSupport
from simlib.model.placements.kpis import install_reporting
from simlib.model.placements.pool import FosterHomePool
from simlib.model.placements.visits import VisitBook
from simlib.model.records import (
    Breakdown,
    CareEpisode,
    PlacementCaseworkerChange,
    PlacementNeed,
    PlacementSpell,
)
from simlib.model.team import TimeWeighted
from simlib.model.schedule import Call, call_in
from simlib.model.units import DAYS_PER_MONTH, YEAR

if TYPE_CHECKING:
    from simlib.model.context import SimContext
    from simlib.scenario.distributions import Distribution

MARKS_PER_DRAW = 4  # breakdown marks drawn at once per child (few children break down more often)
RESIDUAL_CANDIDATES = 512  # candidate lengths per child in care at time 0 (length-biased resampling)


def residual_length(months: Distribution, rng: np.random.Generator) -> float:
    """Remaining months in care of a child already in care at time 0 (a stationary renewal draw).

    A child found in care on a given day is more likely to be in a long
    episode (length bias: density x f(x) / mean), and is found at a uniform
    point of it, so the remaining time is U x L with L length-biased. L is
    drawn by sampling-importance resampling: candidates from ``months``, one
    picked with probability proportional to its length. A fresh length here
    would empty the initial stock too fast (the short episodes would dominate).
    """
    candidates = months.sample_many(rng, RESIDUAL_CANDIDATES)
    cum = np.cumsum(candidates)
    pick = int(np.searchsorted(cum, rng.random() * cum[-1], side="right"))
    return float(rng.random() * candidates[min(pick, RESIDUAL_CANDIDATES - 1)])


class PlacementSystem:
    """State and events of in-home support, care episodes and the foster-home pool."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.env = ctx.env
        self.cfg = ctx.scenario.placements
        self.in_home_cfg = ctx.scenario.in_home
        self.rng = ctx.streams["placement"]
        self.rng_homes = ctx.streams["foster_homes"]
        self.log = ctx.recorder.log
        self.team = ctx.teams["placement"]
        self.pool = FosterHomePool(ctx, self.cfg.foster_homes.initial)
        self.visits = VisitBook(ctx, self.cfg, after=self.after, on_missed_change=self.update_hazard)
        self.in_care: dict[int, Child] = {}
        self.in_home = InHomeSupport(ctx, after=self.after, enter_care=self.enter_care)
        self.episodes: dict[int, int] = {}
        self.n_emergency = 0
        self.base_hazard = self.cfg.breakdown_per_year / YEAR
        homes = self.cfg.foster_homes
        self.exit_hazard = homes.leave_per_year / homes.initial / YEAR if homes.leave_per_year > 0 else 0.0
        self.exit_call: Call | None = None  # the next home to stop
        self.in_care_level = TimeWeighted(ctx.env.now)  # children in care, time-weighted
        self.flushed = False  # open episodes logged at the end (placement_kpis.flush)

    def after(self, delay: float, fn: Callable[..., None], *args: Any) -> None:
        """Call ``fn(*args)`` after ``delay`` days (a bare timeout, no process)."""
        call_in(self.env, delay, fn, *args)

    # --- entry ----------------------------------------------------------------
    def start(self) -> None:
        """Children already in care at time 0 and the pool's Poisson processes."""
        age_out = self.cfg.age_out_years
        for i in range(self.cfg.initial_in_care):
            self.enter_care(-(i + 1), self.rng.uniform(0.0, age_out), why="initial")
        homes = self.cfg.foster_homes
        if homes.recruited_per_year > 0:
            self.after(self.rng_homes.exponential(YEAR / homes.recruited_per_year), self._recruit)
        self._redraw_exit()

    def on_decision(self, case: Any) -> None:
        """Decision handler: the investigation's outcome for the child."""
        if case.outcome == "none":
            return
        ref = case.referral
        cid = ref.child
        if cid in self.in_care:
            return  # already placed: the new decision changes nothing here
        age = ref.age + (self.env.now - ref.arrived) / YEAR
        if case.outcome == "placement":
            self.in_home.stop(cid, "placed")
            self.enter_care(cid, age, why="decision")
        elif not self.in_home.is_active(cid):
            self.in_home.start(cid, age)

    def enter_care(self, cid: int, age: float, why: str) -> Child | None:
        """A new care episode: draw its length, find a place, get a caseworker."""
        cfg = self.cfg
        if age >= cfg.age_out_years:
            return None  # too old for care by the time of the decision
        now = self.env.now
        episode = self.episodes.get(cid, 0) + 1
        self.episodes[cid] = episode
        rng = self.ctx.child_rng("care", cid, episode)  # the child's own draws (CRN)
        length = (residual_length(cfg.months, rng) if why == "initial" else cfg.months.sample(rng)) * DAYS_PER_MONTH
        child = Child(self.caseworker_changed, cid, episode, now, age)
        to_18 = (cfg.age_out_years - age) * YEAR
        child.end_at = now + min(length, to_18)
        child.end_reason = "reunified" if length < to_18 else "aged_out"
        self.in_care[cid] = child
        self.in_care_level.set(now, len(self.in_care))
        self.after(child.end_at - now, self._episode_ends, child)
        if not child.teen and child.age_entry + length / YEAR > TEEN_AGE:
            self.after((TEEN_AGE - age) * YEAR, self._turns_teen, child)
        self._need(child, why)
        job = Job(INF, _never_done, child)  # open-ended: the child's follow-up while in care
        child.job = job
        self.team.submit(job)
        self.visits.open_window(child)
        self.update_hazard(child, fresh=True)
        return child

    # --- places -----------------------------------------------------------------
    def _start_spell(self, child: Child, place: str, home: int | None) -> None:
        if place == "emergency":
            self.n_emergency += 1
        child.place = place
        child.home = home
        child.spell_start = self.env.now
        child.spells += 1
        if child.spells > 1:
            child.moves += 1

    def end_spell(self, child: Child, reason: str) -> None:
        if child.place == "emergency":
            self.n_emergency -= 1
        self.log(PlacementSpell(child=child.cid, episode=child.episode, placement=child.spells,
                                start=child.spell_start, end=self.env.now, place=child.place,
                                home=child.home, end_reason=reason))

    def _need(self, child: Child, why: str) -> None:
        """The child needs a (new) place now: a free home, else an emergency place."""
        home = self.pool.take_free(child)
        emergency = home is None
        self.log(PlacementNeed(time=self.env.now, child=child.cid, emergency=emergency, why=why))
        if home is not None:
            if child.waiting:
                self.pool.unwait(child)
                child.waiting = False
            self._start_spell(child, "home", home)
            return
        self._start_spell(child, "emergency", None)
        if self.cfg.emergency_move_delay_days is not None and not child.waiting:
            self.pool.wait(child)
            child.waiting = True

    def home_freed(self, home: int, exclude: Child | None = None) -> None:
        """A home is free: promise it to the first waiting child, or make it free."""
        delay = self.cfg.emergency_move_delay_days
        nxt = self.pool.next_waiting(exclude) if delay is not None else None
        if nxt is None:
            self.pool.make_free(home)
            return
        nxt.waiting = False
        nxt.reserved = home
        self.pool.hold(home, nxt)
        self.after(delay, self._planned_move, nxt, home)

    def _planned_move(self, child: Child, home: int) -> None:
        if not child.active or child.reserved != home:
            return  # left care, broke down into the home already, or the home stopped
        child.reserved = None
        self.end_spell(child, "planned_move")
        self._start_spell(child, "home", home)
        self.update_hazard(child)

    def _release_places(self, child: Child) -> None:
        """Give back the child's home, reservation and waiting-list spot."""
        if child.place == "home" and child.home is not None:
            self.home_freed(child.home, exclude=child)
        if child.waiting:
            self.pool.unwait(child)
            child.waiting = False
        if child.reserved is not None:
            home, child.reserved = child.reserved, None
            self.home_freed(home, exclude=child)

    # --- events ---------------------------------------------------------------------
    def _breakdown(self, child: Child) -> None:
        child.bd_call = None
        if not child.active:
            return
        now = self.env.now
        child.breakdowns += 1
        self.log(Breakdown(time=now, child=child.cid, place=child.place))
        self.end_spell(child, "breakdown")
        old_home = child.home if child.place == "home" else None
        if child.reserved is not None:  # the promised home takes the child now
            home, child.reserved = child.reserved, None
            self.log(PlacementNeed(time=now, child=child.cid, emergency=False, why="breakdown"))
            self._start_spell(child, "home", home)
        else:
            self._need(child, "breakdown")
        if old_home is not None:
            self.home_freed(old_home, exclude=child)
        self.update_hazard(child, fresh=True)

    def _episode_ends(self, child: Child) -> None:
        if not child.active:
            return
        self.leave_care(child, child.end_reason)

    def leave_care(self, child: Child, reason: str) -> None:
        self.end_spell(child, reason)
        self._release_places(child)
        child.active = False
        del self.in_care[child.cid]
        self.in_care_level.set(self.env.now, len(self.in_care))
        job = child.job
        if job is not None:
            if job.worker is not None:
                job.worker.remove(job)
            else:
                self.team.dequeue(job)
        self.log_episode(child, self.env.now, reason)

    def log_episode(self, child: Child, end: float, reason: str) -> None:
        self.log(CareEpisode(
            child=child.cid, episode=child.episode, start=child.entered, end=end, end_reason=reason,
            age_at_start=child.age_entry, placements=child.spells, moves=child.moves,
            breakdowns=child.breakdowns, caseworker_changes=child.changes, caseworkers=len(child.workers),
            visits_required=child.visits_required, visits_done=child.visits_done,
        ))

    def _turns_teen(self, child: Child) -> None:
        if child.active:
            child.teen = True
            self.update_hazard(child)

    def _recruit(self) -> None:
        self.home_freed(self.pool.recruit())
        self.after(self.rng_homes.exponential(YEAR / self.cfg.foster_homes.recruited_per_year), self._recruit)
        self._redraw_exit()

    def _redraw_exit(self) -> None:
        """Next home to stop: hazard per home x homes, redrawn when the count changes."""
        if self.exit_call is not None:
            self.exit_call.cancel()
            self.exit_call = None
        rate = self.exit_hazard * self.pool.n_homes
        if rate > 0.0:
            self.exit_call = call_in(self.env, self.rng_homes.exponential(1.0 / rate), self._home_leaves)

    def _home_leaves(self) -> None:
        self.exit_call = None
        left = self.pool.pick_leaving(self.rng_homes.random())
        self._redraw_exit()
        if left is None or left[1] is None:
            return
        home, child = left
        if child.reserved == home:  # promised, not moved in: back to the head of the list
            child.reserved = None
            child.waiting = True
            self.pool.wait(child, front=True)
            return
        self.end_spell(child, "home_stopped")
        child.home = None
        child.place = ""
        self._need(child, "home_stopped")
        self.update_hazard(child)

    def caseworker_changed(self, child: Child) -> None:
        """The team reassigned the child (turnover, long absence): a recent change."""
        if not child.active:
            return
        now = self.env.now
        child.changes += 1
        self.log(PlacementCaseworkerChange(time=now, child=child.cid))
        window = self.cfg.caseworker_change_window_days
        child.change_until = now + window
        self.update_hazard(child)
        self.after(window, self.update_hazard, child)

    # --- breakdown clock ---------------------------------------------------------------
    def hazard(self, child: Child) -> float:
        """Breakdown hazard per day now: base x the factors that apply."""
        h = self.base_hazard
        if h <= 0.0:
            return 0.0
        f = self.cfg.breakdown_factors
        if child.teen:
            h *= f.teen
        if child.place == "emergency":
            h *= f.emergency
        if child.missed:
            h *= f.missed_visits
        if self.env.now < child.change_until:
            h *= f.caseworker_change
        return h

    def update_hazard(self, child: Child, fresh: bool = False) -> None:
        """Reschedule the breakdown if the hazard changed (or a new clock starts).

        Inverse cumulative hazard: a breakdown happens when the integrated hazard
        reaches a unit-exponential mark. A factor change only changes the speed at
        which the mark is approached, which is exact for a piecewise-constant
        hazard (the same law as redrawing a memoryless clock), and the marks are
        drawn per child at entry, so scenarios compared with common random numbers
        keep each child's draws even when their breakdown times differ.
        """
        if not child.active:
            return
        h = self.hazard(child)
        if not fresh and h == child.rate:
            return  # the pending breakdown time is still right
        now = self.env.now
        if fresh:
            if not child.bd_marks:
                if child.bd_rng is None:
                    child.bd_rng = self.ctx.child_rng("breakdown", child.cid, child.episode)
                child.bd_marks = list(child.bd_rng.exponential(1.0, MARKS_PER_DRAW))
            child.bd_left = child.bd_marks.pop()
        else:
            child.bd_left = max(child.bd_left - child.rate * (now - child.bd_since), 0.0)
        child.bd_since = now
        child.rate = h
        if child.bd_call is not None:
            child.bd_call.cancel()
            child.bd_call = None
        if h > 1e-12:  # below that, no breakdown within any horizon (and no overflow)
            child.bd_call = call_in(self.env, child.bd_left / h, self._breakdown, child)

    # --- snapshots ---------------------------------------------------------------------
    def weekly(self) -> dict[str, Any]:
        return {
            "placements_active": len(self.in_care),
            "placements_emergency": self.n_emergency,
            "foster_homes": self.pool.n_homes,
            "foster_homes_free": self.pool.n_free,
            "in_home_active": self.in_home.count(),
            "placement_children_unassigned": self.team.queued,
        }

    def check(self) -> None:
        """Invariants (tests): each child in care is in exactly one home or emergency place."""
        self.pool.check()
        homes_seen: dict[int, int] = {}
        n_emergency = 0
        for child in self.in_care.values():
            assert child.active and child.place in ("home", "emergency"), child.place
            assert child.age(self.env.now) <= self.cfg.age_out_years + 1e-9
            if child.place == "home":
                assert child.home is not None and child.home not in homes_seen
                assert self.pool.holder.get(child.home) is child
                homes_seen[child.home] = child.cid
            else:
                assert child.home is None
                n_emergency += 1
            if child.reserved is not None:
                assert child.place == "emergency" and self.pool.holder.get(child.reserved) is child
                assert not child.waiting
        assert n_emergency == self.n_emergency
        held = {h for h, c in self.pool.holder.items() if c.place == "home" and c.home == h}
        assert held == set(homes_seen)


def _never_done(_job: Job) -> None:  # an open-ended job never completes
    raise AssertionError("a placed child's follow-up job completed")


def install(ctx: SimContext) -> PlacementSystem:
    """Wire placements into a context: decisions, initial children, pool, KPIs."""
    system = PlacementSystem(ctx)
    ctx.decision_handlers.append(system.on_decision)
    system.start()
    install_reporting(ctx, system)
    return system
