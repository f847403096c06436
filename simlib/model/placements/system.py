"""In-home support and out-of-home placements: the churn side of the model (MODEL.md 3.4).

After an investigation, a child gets nothing, in-home support (``in_home``,
which may escalate to care) or a placement; a child who needs protection at
once is placed at the report (the acute path, ``entries``), and a child who went
home may return (re-entry, ``entries``). A *care episode* runs from entering
care to going home or the 18th birthday. At entry the placement type is drawn
from the mix for the child's age (``placements.mix_under_13`` / ``mix_teen``:
own foster home, consultant-supported home, kinship home, HVB), and the
episode's length from that type's ``months``. Within the episode the child
lives in a sequence of *placements* (spells; ``places``): an own foster home
from the pool, an emergency place while none is free, a bought home after a
long wait, or the decided type. Every spell after the first is a move.

Breakdowns are exact without daily ticks: the hazard is ``breakdown_per_year``
x factors (the place's type, teenager, emergency place, last required visit
missed, caseworker change within the window), piecewise constant between
events. Each child has one pending breakdown event, rescheduled only when a
factor changes, by the inverse cumulative hazard (see ``update_hazard``). A
breakdown is a move to a place of the decided type (a kinship home that breaks
down is followed by a foster home); a foster home whose child broke down stops
with probability ``foster_homes.leave_after_breakdown``.

Each child in care is one open-ended job on the placement team (children per
caseworker is the team's load, so the cap counts children); visits are checked
in ``visits``; KPIs and the per-child history are in ``kpis``. Every draw that
belongs to one child (its type, its episode's length, its breakdown marks, its
visits, its return home, its in-home spell) comes from a stream keyed by the
child and the episode (``SimContext.child_rng``), so a child placed in two
scenarios compared with common random numbers lives the same placement luck;
the pool's draws have the pool's own stream.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from simlib.model.caseworker import INF, Job
from simlib.model.children import ChildNumbers
from simlib.model.placements.child import EMERGENCY_KINDS, PLACE_KINDS, TEEN_AGE, Child
from simlib.model.placements.entries import Entries
from simlib.model.placements.in_home import InHomeSupport
from simlib.model.placements.kpis import KPI_RECORD_FIELDS, install_reporting
from simlib.model.placements.places import Places
from simlib.model.placements.visits import VisitBook
from simlib.model.records import Breakdown, CareEpisode, PlacementCaseworkerChange
from simlib.model.schedule import call_in
from simlib.model.team import TimeWeighted
from simlib.model.units import DAYS_PER_MONTH, YEAR

if TYPE_CHECKING:
    from simlib.model.context import SimContext
    from simlib.scenario.placement_sections import PlacementMix, Placements

MARKS_PER_DRAW = 4  # breakdown marks drawn at once per child (few children break down more often)
VISITS_PER_DRAW = 16  # visit hours drawn at entry (a long episode draws more from its visit stream)
RESIDUAL_CANDIDATES = 256  # candidate lengths per child in care at time 0 (length-biased resampling)
TYPES = ("familjehem", "konsulent", "natverkshem", "hvb")


def residual_draw(cfg: Placements, mix: PlacementMix, rng: np.random.Generator) -> tuple[str, float]:
    """Type and remaining months of a child already in care at time 0 (a stationary renewal draw).

    A child found in care on a given day is more likely to be in a long episode
    (length bias: density x f(x) / mean), and is found at a uniform point of it,
    so the remaining time is U x L with L length-biased. (type, L) is drawn by
    sampling-importance resampling: candidates from the mix and each type's
    ``months``, one picked with probability proportional to its length. A fresh
    length here would empty the initial stock too fast (short episodes would
    dominate) and give it the entry mix instead of the stock mix.
    """
    shares = np.array([getattr(mix, t) for t in TYPES])
    counts = rng.multinomial(RESIDUAL_CANDIDATES, shares / shares.sum())
    kinds = np.repeat(np.arange(len(TYPES)), counts)
    lengths = np.concatenate([getattr(cfg.types, kind).months.sample_many(rng, int(n))
                              for kind, n in zip(TYPES, counts, strict=True)])
    cum = np.cumsum(lengths)
    pick = min(int(np.searchsorted(cum, rng.random() * cum[-1], side="right")), RESIDUAL_CANDIDATES - 1)
    return TYPES[kinds[pick]], float(rng.random() * lengths[pick])


def draw_type(mix: PlacementMix, u: float) -> str:
    """The decided placement type for a uniform ``u`` (inverse CDF over the mix)."""
    acc = 0.0
    for kind in TYPES:
        acc += getattr(mix, kind)
        if u < acc:
            return kind
    return TYPES[-1]


class PlacementSystem:
    """State and events of in-home support, care episodes and places."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        self.env = ctx.env
        self.cfg = ctx.scenario.placements
        self.rng = ctx.streams["placement"]
        self.log = ctx.recorder.log
        self.team = ctx.teams["placement"]
        # after(delay, fn, *args): call fn(*args) after delay days (a bare timeout, no process);
        # a partial of call_in, so no Python frame of its own a call
        self.after: Callable[..., Any] = partial(call_in, self.env)
        self.places = Places(ctx, after=self.after, on_moved=self._moved)
        self.pool = self.places.pool
        self.visits = VisitBook(ctx, self.cfg, after=self.after, on_missed_change=self.update_hazard)
        self.in_care: dict[int, Child] = {}
        self.in_home = InHomeSupport(ctx, after=self.after, enter_care=self.enter_care)
        self.entries = Entries(ctx, enter_care=self.enter_care, in_care=self.in_care, after=self.after)
        # each child's care episodes so far, while it can still enter care (keys its streams)
        self.episodes = ChildNumbers(ctx, self.cfg.age_out_years)
        self.base_hazard = self.cfg.breakdown_per_year / YEAR
        factors = self.cfg.breakdown_factors
        self.place_factor = {k: factors.emergency for k in EMERGENCY_KINDS} | {
            k: getattr(self.cfg.types, k).breakdown_factor for k in TYPES
        }
        self.in_care_level = TimeWeighted(ctx.env.now)  # children in care, time-weighted
        self.flushed = False  # open episodes logged at the end (placement_kpis.flush)

    @property
    def n_emergency(self) -> int:
        return self.places.n_emergency

    # --- entry ----------------------------------------------------------------
    def start(self) -> None:
        """Children already in care at time 0 and the pool's Poisson processes."""
        age_out = self.cfg.age_out_years
        for i in range(self.cfg.initial_in_care):
            self.enter_care(-(i + 1), self.rng.uniform(0.0, age_out), why="initial")
        self.places.start()

    def on_decision(self, case: Any) -> None:
        """Decision handler: the investigation's outcome for the child."""
        ref = case.referral
        cid = ref.child
        support = self.entries.take_in_home_draws(ref)
        child = self.in_care.get(cid)
        if child is not None:
            if child.pending:  # placed at once (acute path): the investigation decides
                child.thin = self.thin_factor(case)
                self._resolve_acute(child, case.outcome, support)
            return  # already placed: the new decision changes nothing here
        if case.outcome == "none":
            return
        age = ref.age + (self.env.now - ref.arrived) / YEAR
        if case.outcome == "placement":
            self.enter_care(cid, age, why="decision", thin=self.thin_factor(case))
        elif not self.in_home.is_active(cid):
            self.in_home.start(cid, age, support)

    def thin_factor(self, case: Any) -> float:
        """Breakdown factor of a placement decided on this investigation: factor^(1 - quality).

        A thin investigation (little contact, a novice alone, work cut under
        overload) matches the child and the place less well, so the placement
        it decides breaks down more often (MODEL.md version 2, failure demand);
        quality 1 leaves the hazard as it is.
        """
        quality = case.quality
        if quality != quality:  # no quality known (NaN)
            return 1.0
        return self.cfg.breakdown_factors.thin_investigation ** (1.0 - quality)

    def _resolve_acute(self, child: Child, outcome: str, support: tuple[float, float, float] | None) -> None:
        child.pending = False
        if outcome == "placement":
            self.places.settle_decided(child)
            self.update_hazard(child)  # the decision's quality now counts
            return
        self.leave_care(child, "returned_home")
        if outcome == "in_home" and not self.in_home.is_active(child.cid):
            self.in_home.start(child.cid, child.age(self.env.now), support)

    def enter_care(self, cid: int, age: float, why: str, thin: float = 1.0) -> Child | None:
        """A new care episode: draw its type and length, find a place, get a caseworker."""
        cfg = self.cfg
        if age >= cfg.age_out_years:
            return None  # too old for care by the time of the decision
        now = self.env.now
        episode = self.episodes.next(cid, age)
        rng = self.ctx.child_rng("care", cid, episode)  # the child's own draws (CRN)
        mix = cfg.mix_teen if age >= TEEN_AGE else cfg.mix_under_13
        if why == "initial":
            planned, months = residual_draw(cfg, mix, rng)
        else:
            planned = draw_type(mix, rng.random())
            months = getattr(cfg.types, planned).months.sample(rng)
        length = months * DAYS_PER_MONTH
        self.in_home.stop(cid, "placed")
        child = Child(self.caseworker_changed, cid, episode, now, age)
        child.planned = planned
        child.thin = thin
        # the episode's luck, drawn now in a fixed order (one stream per episode is the
        # costly part): breakdown marks, whether a home stops after a breakdown, visit
        # hours, placements outside the municipality, the return home; a long
        # episode that needs more draws gets them from its own purpose streams
        child.bd_marks = rng.exponential(1.0, MARKS_PER_DRAW).tolist()
        child.bd_stops = rng.random(MARKS_PER_DRAW).tolist()
        child.visit_hours = cfg.visit_hours.sample_many(rng, VISITS_PER_DRAW).tolist()
        child.outside_u = rng.random(MARKS_PER_DRAW).tolist()
        child.return_draws = (rng.random(), cfg.re_entry.months.sample(rng))
        to_18 = (cfg.age_out_years - age) * YEAR
        child.end_at = now + min(length, to_18)
        child.end_reason = "reunified" if length < to_18 else "aged_out"
        self.in_care[cid] = child
        self.in_care_level.set(now, len(self.in_care))
        self.after(child.end_at - now, self._episode_ends, child)
        if not child.teen and child.age_entry + length / YEAR > TEEN_AGE:
            self.after((TEEN_AGE - age) * YEAR, self._turns_teen, child)
        if why == "acute":
            child.pending = True
            self.places.acute(child)
        else:
            self.places.need(child, why)
        job = Job(INF, _never_done, child)  # open-ended: the child's follow-up while in care
        child.job = job
        self.team.submit(job)
        self.visits.start(child)
        self.update_hazard(child, fresh=True)
        return child

    def _moved(self, child: Child) -> None:
        """A child moved: the hazard's place factor, and an early visit in the new place."""
        self.update_hazard(child)
        self.visits.moved(child)

    # --- events ---------------------------------------------------------------------
    def _breakdown(self, child: Child) -> None:
        child.bd_call = None
        if not child.active:
            return
        child.breakdowns += 1
        place = child.place
        self.log(Breakdown(time=self.env.now, child=child.cid, place=place))
        self.places.end_spell(child, "breakdown")
        old_home = child.home if place == "familjehem" else None
        if child.pending:
            self.places.acute(child, "breakdown")  # still undecided: another emergency place
        elif not self.places.take_reserved(child):
            if place == "natverkshem":
                child.planned = "familjehem"  # a kinship home that broke down: a foster home next
            self.places.need(child, "breakdown")
        if old_home is not None:
            u = child.bd_stops.pop() if child.bd_stops else self._bd_rng(child).random()
            stops = u < self.cfg.foster_homes.leave_after_breakdown
            self.places.after_breakdown(old_home, child, stops)
        self.update_hazard(child, fresh=True)
        self.visits.moved(child)

    def _episode_ends(self, child: Child) -> None:
        if not child.active:
            return
        reason = child.end_reason
        self.leave_care(child, reason)
        if reason == "reunified":
            self.entries.after_reunification(child, *child.return_draws)

    def leave_care(self, child: Child, reason: str) -> None:
        self.visits.close(child, self.env.now)
        self.places.end_spell(child, reason)
        self.places.release(child)
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
        _let_go(child)

    def end_spell(self, child: Child, reason: str) -> None:
        self.places.end_spell(child, reason)

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
        h *= self.place_factor[child.place]
        if child.teen:
            h *= f.teen
        if child.missed:
            h *= f.missed_visits
        if self.env.now < child.change_until:
            h *= f.caseworker_change
        return h * child.thin

    def _bd_rng(self, child: Child) -> Any:
        if child.bd_rng is None:
            child.bd_rng = self.ctx.child_rng("breakdown", child.cid, child.episode)
        return child.bd_rng

    def update_hazard(self, child: Child, fresh: bool = False) -> None:
        """Reschedule the breakdown if the hazard changed (or a new clock starts).

        Inverse cumulative hazard: a breakdown happens when the integrated hazard
        reaches a unit-exponential mark. A factor change only changes the speed at
        which the mark is approached, which is exact for a piecewise-constant
        hazard (the same law as redrawing a memoryless clock), and the marks come
        from the child's own stream, so scenarios compared with common random
        numbers keep each child's draws even when their breakdown times differ.
        """
        if not child.active:
            return
        h = self.hazard(child)
        if not fresh and h == child.rate:
            return  # the pending breakdown time is still right
        now = self.env.now
        if fresh:
            if not child.bd_marks:
                child.bd_marks = self._bd_rng(child).exponential(1.0, MARKS_PER_DRAW).tolist()
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
            **self.places.counts(),
            "in_home_active": self.in_home.count(),
            "placement_children_unassigned": self.team.queued,
        }

    def check(self) -> None:
        """Invariants (tests): each child in care is in exactly one place; own homes hold one child."""
        self.pool.check()
        homes_seen: dict[int, int] = {}
        n_emergency = n_jour = 0
        for child in self.in_care.values():
            assert child.active and child.place in PLACE_KINDS, child.place
            assert child.age(self.env.now) <= self.cfg.age_out_years + 1e-9
            if child.place == "familjehem":
                assert child.home is not None and child.home not in homes_seen
                assert self.pool.holder.get(child.home) is child
                homes_seen[child.home] = child.cid
            else:
                assert child.home is None
                n_emergency += child.place in EMERGENCY_KINDS
                n_jour += child.place == "jourhem"
            if child.reserved is not None:
                assert child.place in EMERGENCY_KINDS and self.pool.holder.get(child.reserved) is child
                assert not child.waiting
        assert n_emergency == self.n_emergency
        assert n_jour == self.pool.jour_used
        held = {h for h, c in self.pool.holder.items() if c.place == "familjehem" and c.home == h}
        assert held == set(homes_seen)


def _let_go(child: Child) -> None:
    """Break the reference cycles of an episode that has ended, so it is freed at once.

    The follow-up job's payload is the child (Child <-> Job) and a pending breakdown
    call holds the child as its argument (Child <-> Call): without this each ended
    episode (~1.3 KB with its lists and sets) waited for a full collection, which
    the sparse collector of a run makes rare, and a 60-year run held ~10 MB of them
    at its peak. A breakdown that fires after the end does nothing (the child is
    inactive), so cancelling it changes no result; nothing reads the job afterwards.
    """
    child.job = None
    call = child.bd_call
    if call is not None:
        call.cancel()
        child.bd_call = None


def _never_done(_job: Job) -> None:  # an open-ended job never completes
    raise AssertionError("a placed child's follow-up job completed")


def install(ctx: SimContext) -> PlacementSystem:
    """Wire placements into a context: reports, decisions, initial children, pool, KPIs."""
    ctx.recorder.keep_only(KPI_RECORD_FIELDS)  # before the first record (the children in care at the start)
    system = PlacementSystem(ctx)
    ctx.referral_handlers.append(system.entries.on_referral)
    ctx.decision_handlers.append(system.on_decision)
    system.start()
    install_reporting(ctx, system)
    return system
