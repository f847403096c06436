"""A caseworker as an exact, event-driven processor-sharing server.

A caseworker has ``capacity`` productive hours per working day. With n active
cases, each case progresses at ``max(0, capacity - n * overhead) / n`` hours per
working day (``overhead``: per-case coordination time): textbook processor
sharing. An optional ``pace`` caps that (a sensitivity case only).

A job may also wait on others (meetings, answers from school, police, health
care): it is done when its ``work`` is done *and* its ``ready_at`` time has come.
A job whose work is done early stays with the caseworker and keeps its share of
their hours until then (more contact with the child, not idle time): its
``contact`` hours go on growing while its finish mark is set to infinity, and
``finish`` completes it when the answers are in. Instead of ticking
daily, the caseworker keeps a *virtual clock* S (hours of work each active case
has received since the caseworker started) and each case's finish mark
``S_at_start + work``. The next completion is the smallest mark; any change (a
case added or removed, capacity changed) advances S to now and reschedules one
timer. The caseworker remembers its newest timer event; an older one that fires
finds itself replaced and does nothing, so no SimPy process is needed per
caseworker (and no ``schedule.Call`` per timer: this is the hottest timer).
This is what makes the textbook reductions hold exactly.

Speed: a pending timer that fires no later than the new next completion is
kept rather than replaced (it wakes the caseworker early, finds nothing done and
schedules again, exactly), so a change that moves the next completion later,
or not at all, creates no new event. The hot methods write min() and max() of
two numbers as comparisons and take the smallest finish mark in a plain loop: a
builtin min or max call costs ~1 300 instructions under callgrind, the comparison
~200, and min(map(attrgetter('mark'), jobs)) twice the loop (~66 000 such calls
a baseline year).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import simpy

    from simlib.model.context import SimContext
    from simlib.model.team import Team

EPS = 1e-9
INF = float("inf")


def _ignore(_worker: Caseworker) -> None:
    """The load-change callback of a caseworker in no team."""


class Job:
    """A unit of work on a caseworker: a screening, an investigation, a visit."""

    __slots__ = (
        "attained",
        "base",
        "load_area",
        "load_since",
        "mark",
        "on_done",
        "payload",
        "queued_at",
        "ready_at",
        "started",
        "work",
        "worker",
    )

    def __init__(self, work: float, on_done: Callable[[Job], None], payload: Any = None) -> None:
        self.work = work  # total hours of work the job needs
        self.on_done = on_done
        self.payload = payload
        self.base = 0.0  # worker's virtual clock value at which this job had zero work
        self.mark = 0.0  # finish mark on the current worker's virtual clock
        self.worker: Caseworker | None = None
        self.started = -1.0  # clock time the job first got a caseworker
        self.queued_at = -1.0  # clock time the job first came to its team (its place in a queue)
        self.load_area = 0.0  # integral of the caseworker's case count while in work
        self.load_since = 0.0
        self.attained = 0.0  # hours of work received (up to the last detach), more than work if it waited
        self.ready_at = -INF  # clock time its waits on others are over (-inf: none pending)

    def done_hours(self) -> float:
        """Hours of work this job has received so far."""
        w = self.worker
        if w is None:
            return self.attained
        w.advance()
        done, work = w.virtual - self.base, self.work
        return work if work < done else done  # min(done, work) without the call (see Caseworker)

    def contact_hours(self) -> float:
        """Hours the job has received so far, beyond its work while it waited on others."""
        w = self.worker
        if w is None:
            return self.attained
        w.advance()
        return w.virtual - self.base


class Caseworker:
    """One member of staff in one role, serving jobs by processor sharing."""

    __slots__ = (
        "attrs",
        "available",
        "capacity",
        "case_area",
        "cumulative",
        "due",
        "env",
        "hired_at",
        "is_consultant",
        "jobs",
        "last_clock",
        "on_load_change",
        "last_work_time",
        "overhead",
        "pace",
        "role",
        "team",
        "timer",
        "virtual",
        "_wake",
        "weights",
        "wid",
        "work_time",
    )

    def __init__(
        self,
        ctx: SimContext,
        wid: int,
        role: str,
        capacity: float,
        overhead: float,
        hired_at: float = -1e9,
        pace: float = float("inf"),
    ) -> None:
        self.env = ctx.env
        # the working-days calendar's map, read inline on every change (advance, _reschedule);
        # None where working time is the clock (no map at all)
        plain = getattr(ctx.calendar, "working_time_is_clock", False)
        self.work_time: Callable[[float], float] = ctx.calendar.work_time  # beyond the map: its error
        self.cumulative: tuple[float, ...] | None = None if plain else ctx.calendar.cumulative
        self.weights: tuple[float, ...] | None = None if plain else ctx.calendar.weights
        self.due = INF  # clock time of the pending timer (INF: none)
        self.wid = wid
        self.role = role
        self.team: Team | None = None  # for the team's accounting (level time, cases in work)
        self.on_load_change: Callable[[Caseworker], None] = _ignore  # the team's, once in one
        self.jobs: list[Job] = []
        self.capacity = capacity  # productive hours per working day
        self.overhead = overhead  # coordination hours per case per working day
        self.pace = pace  # most hours a case can use per working day (waiting on others)
        self.virtual = 0.0
        self.last_work_time = ctx.calendar.work_time(ctx.env.now)
        self.timer: simpy.Event | None = None  # the pending completion timer
        self.case_area = 0.0  # integral over clock time of the number of cases
        self.last_clock = ctx.env.now
        self.hired_at = hired_at
        self.is_consultant = False
        self.available = True  # may be given new cases: False while absent, in notice or gone
        self.attrs: dict[str, Any] = {}
        self._wake = self._on_timer  # the timer callback, bound once

    @property
    def load(self) -> int:
        return len(self.jobs)

    def rate(self) -> float:
        """Hours of work per working day that each active job receives."""
        n = len(self.jobs)
        if n == 0:
            return 0.0
        free = self.capacity - n * self.overhead
        if free <= 0.0:
            return 0.0
        share = free / n
        return min(self.pace, share)

    def advance(self) -> None:
        """Bring the virtual clock and the case-count integral up to now."""
        now = self.env._now  # SimPy's clock without the property call (every change passes here)
        last = self.last_clock
        if now == last:
            return  # nothing has happened since (working time is a function of the clock)
        n = len(self.jobs)
        dt = now - last
        self.case_area += n * dt
        team = self.team
        if team is not None:  # the team's time at each caseload (Team.add_level_time, inlined)
            level = team.level_time
            if n >= len(level):
                team.add_level_time(n, 0.0)  # only grows the lists
            level[n] += dt
            if self.capacity > 0.0:  # caseload means: staff at work
                team.level_time_work[n] += dt
        self.last_clock = now
        cumulative = self.cumulative
        if cumulative is None:
            w = now
        else:  # WorkingDaysCalendar.work_time(now) inlined: the same operations without
            # a call (~23 000 a baseline year; with clock_time below 12 M of 1 356 M instructions)
            day = int(now)
            try:
                w = cumulative[day] + self.weights[day] * (now - day)
            except IndexError:
                w = self.work_time(now)  # beyond the calendar: its ValueError
        lw = self.last_work_time
        if w != lw:
            if n:  # rate(), inlined: the same operations
                free = self.capacity - n * self.overhead
                if free <= 0.0:
                    r = 0.0
                else:
                    share, pace = free / n, self.pace
                    r = share if share < pace else pace  # min(pace, share)
                self.virtual += r * (w - lw)
            self.last_work_time = w

    def _reschedule(self) -> None:
        """Make sure a timer fires at (or before) the next completion."""
        jobs = self.jobs
        if not jobs:
            return  # a pending timer, if any, finds nothing and stops
        n = len(jobs)
        free = self.capacity - n * self.overhead  # rate(), inlined: the same operations
        if free <= 0.0:
            return  # stalled: no progress until capacity returns or load falls
        share, pace = free / n, self.pace
        r = share if share < pace else pace  # min(pace, share)
        if r <= 0.0:
            return
        first = jobs[0].mark  # the smallest finish mark: min(job.mark for job in jobs)
        for job in jobs:
            mark = job.mark
            if mark < first:
                first = mark
        if first == INF:
            return  # only open-ended jobs (a placed child's follow-up): nothing completes
        ahead = first - self.virtual
        if ahead < 0.0:  # max(ahead, 0.0)
            ahead = 0.0
        target = self.last_work_time + ahead / r
        env = self.env
        now = env._now
        cumulative = self.cumulative
        if cumulative is None:
            due = target
        else:  # WorkingDaysCalendar.clock_time(target), inlined: the same operations, no call
            day = bisect_left(cumulative, target) - 1
            if day < 0:
                due = 0.0
            elif day >= len(self.weights):
                return  # completes after the calendar (and the run) ends: no timer needed
            else:
                due = day + (target - cumulative[day]) / self.weights[day]
        if due < now:  # max(due, now)
            due = now
        if self.due <= due:
            return  # the pending timer fires first; it will schedule again from there
        self.due = due
        # the newest timer event is the live one: an older one that fires finds itself replaced
        self.timer = timer = env.timeout(due - now)
        timer.callbacks.append(self._wake)

    def _on_timer(self, event: simpy.Event) -> None:
        if event is not self.timer:
            return  # replaced by a newer schedule (SimPy cannot unschedule it)
        self.timer = None
        self.due = INF
        self.advance()
        virtual = self.virtual
        size = abs(virtual)
        limit = virtual + EPS * (size if size > 1.0 else 1.0)  # EPS * max(1.0, |virtual|)
        now = self.env._now
        finished = []
        for job in self.jobs:
            if job.mark <= limit:
                if job.ready_at > now:
                    job.mark = INF  # work done, answers not in: it keeps its share until ``finish``
                else:
                    finished.append(job)
        if not finished:  # rounding in the calendar map, or only waiting jobs: schedule from here
            self._reschedule()
            return
        for job in finished:
            self._detach(job)
        self._reschedule()
        self.on_load_change(self)
        for job in finished:
            job.on_done(job)

    def finish(self, job: Job) -> None:
        """Complete a job whose work is done once its waits on others are over."""
        self.advance()
        self._detach(job)
        self._reschedule()
        self.on_load_change(self)
        job.on_done(job)

    def _detach(self, job: Job) -> None:
        self.jobs.remove(job)
        if self.team is not None:
            self.team.in_work -= 1
        job.load_area += self.case_area - job.load_since
        job.attained = self.virtual - job.base
        job.worker = None

    def add(self, job: Job) -> None:
        """Start serving a job now."""
        self.advance()
        if job.started < 0:
            job.started = self.env.now
        job.base = self.virtual - job.attained
        job.mark = job.base + job.work
        job.worker = self
        job.load_since = self.case_area
        self.jobs.append(job)
        self._reschedule()

    def remove(self, job: Job) -> None:
        """Stop serving a job (reassignment, rushing); its attained work is kept."""
        self.advance()
        self._detach(job)
        self._reschedule()
        self.on_load_change(self)

    def retire(self) -> None:
        """Gone for good (departed, contract ended): let go of the bound timer callback.

        ``_wake`` is a method bound to this caseworker, a reference to itself, so a
        departed caseworker was a cycle freed only by a full collection. A retired
        caseworker has no jobs, so it never schedules a timer again; one already
        queued holds its own reference to the callback and finds nothing to do.
        """
        assert not self.jobs, "a caseworker retires without cases"
        self._wake = None

    def set_capacity(self, capacity: float) -> None:
        """Change productive hours (ramp-up, absence, mentoring); exact from now on."""
        self.advance()
        self.capacity = capacity
        self._reschedule()
