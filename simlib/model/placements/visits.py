"""Visits to placed children (SoL 6 kap 7 b §) as scheduled events.

A placed child's follow-up is one open-ended job on its placement caseworker,
so the caseworker's productive hours are processor-shared equally between the
children on their caseload (an absent caseworker gives none, a child waiting
for a caseworker under a hard cap gets none). Each child has one visit due at a
time. The interval to the next one depends on the place and how new it is
(``placements.visit_schedule``): every ``early_interval_days`` in the first
``early_months`` of a placement (a move starts a new one), in residential care
(HVB) and emergency places every ``residential_interval_days``, otherwise
every ``365 / visits_per_year`` days (the legal minimum of four a year).

When a visit falls due, the caseworker's share for the child since the last
visit goes first to follow-up (``follow_up_hours_per_child_week`` of working
time: care plans, notes, meetings); the visit is made if what is left covers
``visit_hours`` (drawn per visit, from the child's own stream) plus
``visit_schedule.travel_hours`` when the child lives outside the municipality
(``outside_share`` of its place type, drawn per placement). Otherwise acute
work has taken the time: the visit is pushed back and tried again when the
child's share at its pace so far would cover what is short (at least
``retry_days`` later, at most four times that, and four times that when the
share does not even keep up with the follow-up), so an overloaded caseworker
visits later and less often, and no number of visits a year is a ceiling by
construction. While more than
``365 / visits_per_year`` days have passed since the last visit (or entry),
the missed-visits factor of the breakdown hazard applies. The share is read
exactly from the caseworker's virtual clock, so no daily ticks are needed.

Each visit is logged when it is made (``VisitRecord``; ``due``, ``made``, how
often it was pushed back); a visit that fell due and was still not made when
the child left care or the run ended is logged as not made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from simlib.model.placements.child import EMERGENCY_KINDS
from simlib.model.records import VisitRecord

if TYPE_CHECKING:
    from simlib.model.context import SimContext
    from simlib.model.placements.child import Child
    from simlib.scenario.placement_sections import Placements

EPS = 1e-9
RESIDENTIAL = (*EMERGENCY_KINDS, "hvb")
RETRY_CAP = 8  # a pushed-back visit is tried again at most this many retry_days later


class VisitBook:
    """Schedules, makes or pushes back each child's visits."""

    def __init__(
        self,
        ctx: SimContext,
        cfg: Placements,
        after: Callable[..., None],
        on_missed_change: Callable[[Child], None],
    ) -> None:
        self.after = after  # after(delay, fn, *args): a bare timeout
        self.on_missed_change = on_missed_change  # the missed-visits factor switched for a child
        self.env = ctx.env
        self.work_time = ctx.calendar.work_time
        self.child_rng = ctx.child_rng  # visit hours come from each child's own stream (CRN)
        self.cfg = cfg
        self.schedule = cfg.visit_schedule
        self.hours = cfg.visit_hours
        self.legal = 365.0 / cfg.visits_per_year if cfg.visits_per_year > 0 else None
        # interval()'s values, worked out once (it runs at every visit and move)
        s = self.schedule
        self.early_days = s.early_months * 365.0 / 12.0
        legal = self.legal
        self.residential_interval = None if legal is None else min(s.residential_interval_days, legal)
        self.early_interval = None if legal is None else min(s.early_interval_days, legal)
        self.follow_up_per_work_day = cfg.follow_up_hours_per_child_week / ctx.calendar.workdays_per_week
        self.follow_up_per_day = cfg.follow_up_hours_per_child_week / 7.0  # on average over the week
        self.outside = {kind: getattr(cfg.types, kind).outside_share for kind in ("familjehem", "konsulent",
                                                                                  "natverkshem", "hvb")}
        self.outside |= {kind: cfg.emergency.outside_share for kind in EMERGENCY_KINDS}
        self.log = ctx.recorder.log

    def _rng(self, child: Child):
        if child.visit_rng is None:
            child.visit_rng = self.child_rng("visits", child.cid, child.episode)
        return child.visit_rng

    def interval(self, child: Child, now: float) -> float:
        """Days to the next visit for where the child lives now."""
        if child.place in RESIDENTIAL:
            return self.residential_interval
        if now - child.spell_start < self.early_days:
            return self.early_interval
        return self.legal

    def start(self, child: Child) -> None:
        """The child entered care: the clock of follow-up starts, the first visit is planned."""
        if self.legal is None:
            return
        now = self.env.now
        child.last_visit = now
        child.visit_mark = (self.work_time(now), self._given(child))
        self.moved(child)

    def moved(self, child: Child) -> None:
        """A new placement: whether it is outside the municipality, and an early visit."""
        if self.legal is None:
            return
        u = child.outside_u.pop() if child.outside_u else self._rng(child).random()
        child.outside = bool(u < self.outside[child.place])
        now = self.env.now
        due = now + self.interval(child, now)
        if child.visit_due is None or due < child.visit_due[0]:
            self._plan(child, due)

    def _plan(self, child: Child, due: float) -> None:
        child.visit_seq += 1
        child.visit_due = (due, child.visit_seq, 0)  # due, which plan, times pushed back
        self.after(due - self.env.now, self._due, child, child.visit_seq)

    @staticmethod
    def _given(child: Child) -> float:
        job = child.job
        return job.done_hours() if job is not None else 0.0

    def _due(self, child: Child, seq: int) -> None:
        due = child.visit_due
        if not child.active or due is None or due[1] != seq:
            return  # left care, or re-planned after a move
        now = self.env.now
        w0, a0 = child.visit_mark
        if len(due) == 4:
            needed = due[3]
        else:
            needed = child.visit_hours.pop() if child.visit_hours else self.hours.sample(self._rng(child))
        travel = self.schedule.travel_hours if child.outside else 0.0
        given = self._given(child) - a0
        short = needed + travel + self.follow_up_per_work_day * (self.work_time(now) - w0) - given
        if short <= EPS:
            child.visits_required += 1
            child.visits_done += 1
            self.log(VisitRecord(child=child.cid, episode=child.episode, due=due[0], made=now,
                                 pushed_back=due[2], done=True))
            child.last_visit = now
            child.visit_mark = (self.work_time(now), self._given(child))
            child.visit_due = None
            self._set_missed(child, False)
            self._plan(child, now + self.interval(child, now))
            return
        # pushed back: acute work or a full caseload took the time; keep the drawn hours and
        # try again when the child's share since the last visit would cover what is short
        # at its pace so far (never sooner than retry_days, at most RETRY_CAP times that;
        # at the most if the share does not even keep up with the follow-up)
        child.visit_due = (due[0], seq, due[2] + 1, needed)
        self._set_missed(child, now - child.last_visit > self.legal + EPS)
        retry = self.schedule.retry_days
        # what the share gains on the follow-up that keeps accruing, per day
        gain = given / (now - child.last_visit) - self.follow_up_per_day if now > child.last_visit else 0.0
        wait = min(max(short / gain, retry), RETRY_CAP * retry) if gain > 0 else RETRY_CAP * retry
        self.after(wait, self._due, child, seq)

    def _set_missed(self, child: Child, missed: bool) -> None:
        if child.missed != missed:
            child.missed = missed
            self.on_missed_change(child)

    def close(self, child: Child, now: float) -> None:
        """The child leaves care (or the run ends): a visit already due and not made counts as missed."""
        due = child.visit_due
        if due is not None and due[0] <= now:
            child.visits_required += 1
            self.log(VisitRecord(child=child.cid, episode=child.episode, due=due[0], made=now,
                                 pushed_back=due[2], done=False))
        child.visit_due = None
