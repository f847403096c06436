"""A team of caseworkers in one role: assignment under a caseload cap, and the balans queue.

``hard`` cap: a case goes only to a caseworker under the cap, otherwise it waits
in the balans queue (urgent first, by arrival within priority); an urgent case
never waits behind the cap: it goes to the least-loaded caseworker over it
(recorded as ``UrgentOverCap``). ``soft``: the
least-loaded caseworker takes it even above the cap (the overload is recorded).
``none``: the least-loaded caseworker takes it at once. The graduate rule keeps
complex cases from novices unless mentoring is on.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from simlib.model.caseworker import INF, Caseworker, Job
from simlib.model.records import UrgentOverCap

if TYPE_CHECKING:
    from simlib.model.context import SimContext


class TimeWeighted:
    """Area under a step function, updated on change (not by polling)."""

    __slots__ = ("area", "last", "value")

    def __init__(self, t0: float = 0.0) -> None:
        self.value = 0
        self.area = 0.0
        self.last = t0

    def set(self, t: float, value: int) -> None:
        self.area += self.value * (t - self.last)
        self.value = value
        self.last = t

    def area_at(self, t: float) -> float:
        return self.area + self.value * (t - self.last)


class Team:
    """Caseworkers of one role sharing one queue."""

    def __init__(
        self,
        ctx: SimContext,
        role: str,
        assignment_cap: int | None,
        graduate_rule: bool = False,
        mentoring: bool = False,
        novice_days: float = 0.0,
    ) -> None:
        self.ctx = ctx
        self.role = role
        self.cap = assignment_cap  # the most cases a caseworker may be given (None: no limit)
        self.graduate_rule = graduate_rule and not mentoring
        self.novice_days = novice_days
        # investigations: a case given above the sustainable caseload gets thinner work (investigation.py)
        self.sustainable = float("inf")
        self.thinning = 0.0
        self.decision: Any = None  # investigations: the decision's settings (investigation.DecisionRule)
        self.workers: list[Caseworker] = []
        self.urgent: deque[Job] = deque()
        self.normal: deque[Job] = deque()
        self.queue_len = TimeWeighted(ctx.env.now)
        self.level_time: list[float] = [0.0] * 64  # time each caseworker spent with n cases
        self.level_time_work: list[float] = [0.0] * 64  # the same, while at work (not absent)
        self.in_work = 0

    # --- accounting -------------------------------------------------------
    def add_level_time(self, n: int, dt: float, at_work: bool = True) -> None:
        if n >= len(self.level_time):
            self.level_time.extend([0.0] * (n + 1 - len(self.level_time)))
            self.level_time_work.extend([0.0] * (n + 1 - len(self.level_time_work)))
        self.level_time[n] += dt
        if at_work:
            self.level_time_work[n] += dt

    def flush(self) -> None:
        """Bring every caseworker's integrals up to now (for a snapshot)."""
        for w in self.workers:
            w.advance()

    @property
    def queued(self) -> int:
        return len(self.urgent) + len(self.normal)

    def _queue_changed(self) -> None:
        self.queue_len.set(self.ctx.env._now, len(self.urgent) + len(self.normal))

    # --- assignment -------------------------------------------------------
    def _pick(self, job: Job, urgent: bool = False) -> Caseworker | None:
        """Least-loaded caseworker who may take the job (first in team order on ties).

        May take: available, under the assignment cap (a hard cap; an urgent case
        never waits behind it), and, under the graduate rule, not a novice when
        the case is complex.
        """
        best = None
        best_load = self.cap if self.cap is not None and not urgent else 1 << 30
        if self.graduate_rule and getattr(job.payload, "complex", False):
            now, novice_days = self.ctx.env.now, self.novice_days
        else:
            now, novice_days = 0.0, -INF  # nobody is a novice for this job
        # a plain loop: cheaper than finding the least load in C (list(map(len, map(attrgetter)))
        # then min and index cost ~800 instructions a caseworker, this loop ~400)
        for w in self.workers:
            load = len(w.jobs)
            if load < best_load and w.available and now - w.hired_at >= novice_days:
                best, best_load = w, load
                if load == 0:
                    break  # nobody can be less loaded
        return best

    def submit(self, job: Job, urgent: bool = False) -> None:
        """A case for this team: to a caseworker now, or into the balans queue.

        A case keeps its place by the time it first came to the team: a new case
        joins the back, a reassigned one goes back where it would have stood.
        """
        if job.queued_at < 0:
            job.queued_at = self.ctx.env._now
        queue = self.urgent if urgent else self.normal
        tried = False
        if not self.urgent and (urgent or not self.normal or job.queued_at < self.normal[0].queued_at):
            # nothing waits ahead of it: assign at once if someone may take it
            worker = self._pick(job, urgent)
            if worker is not None:
                self._assign(worker, job, urgent)
                return
            tried = True
        if queue and job.queued_at < queue[-1].queued_at:
            i = len(queue) - 1
            while i > 0 and queue[i - 1].queued_at > job.queued_at:
                i -= 1
            queue.insert(i, job)
        else:
            queue.append(job)
        self._queue_changed()
        if not tried or self.graduate_rule:
            # (it heads the queue now; without the graduate rule nobody may take any case of its priority)
            self.pull()

    def _assign(self, worker: Caseworker, job: Job, urgent: bool = False) -> None:
        if urgent and self.cap is not None and len(worker.jobs) >= self.cap:
            self.ctx.recorder.log(UrgentOverCap(time=self.ctx.env.now, role=self.role))
        self.in_work += 1
        on_assign = getattr(job.payload, "on_assign", None)
        if on_assign is not None:
            on_assign(worker)
        worker.add(job)

    def on_load_change(self, worker: Caseworker) -> None:
        """A caseworker has room: pull queued cases (urgent first) while allowed."""
        if self.urgent or self.normal:
            self.pull()

    def pull(self) -> None:
        """Assign queued cases to whoever may take them (also after hires and returns)."""
        changed = False
        for queue in (self.urgent, self.normal):
            urgent = queue is self.urgent
            i = 0
            while i < len(queue):
                job = queue[i]
                worker = self._pick(job, urgent)
                if worker is None:
                    if not self.graduate_rule:
                        break  # nobody can take any case of this priority
                    i += 1  # a complex case may wait while a simpler one fits a novice
                    continue
                del queue[i]
                changed = True
                self._assign(worker, job, urgent)
            if queue:
                break  # keep urgent-first: normal cases wait while urgent ones do
        if changed:
            self._queue_changed()

    def dequeue(self, job: Job) -> bool:
        """Take a waiting job out of the queue (e.g. when its child's case closes)."""
        for queue in (self.urgent, self.normal):
            try:
                queue.remove(job)
            except ValueError:
                continue
            self._queue_changed()
            return True
        return False

    # --- staffing (used by the workforce module) ----------------------------
    def add_worker(self, worker: Caseworker) -> None:
        worker.team = self
        worker.on_load_change = self.on_load_change
        self.workers.append(worker)
        if self.queued:
            self.pull()

    def remove_worker(self, worker: Caseworker) -> list[Job]:
        """Take a caseworker off the team; returns their jobs for reassignment."""
        worker.advance()
        jobs = list(worker.jobs)
        for job in jobs:
            worker.remove(job)
        self.workers.remove(worker)
        worker.available = False
        return jobs

    def reassign(self, jobs: list[Job]) -> None:
        """Hand jobs to other caseworkers (each counts a caseworker change)."""
        for job in jobs:
            on_change = getattr(job.payload, "on_caseworker_change", None)
            if on_change is not None:
                on_change()
            self.submit(job, urgent=getattr(job.payload, "urgent", False))

    @property
    def size(self) -> int:
        return len(self.workers)
