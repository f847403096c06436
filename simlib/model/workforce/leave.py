"""Sick leave: short and long spells, stalled cases, reassignment after a while.

An absent caseworker is unavailable with zero capacity, so their cases stall;
if the absence lasts ``staff.reassign_after_days`` the cases go to colleagues
(each a caseworker change). A new spell that starts while absent extends the
absence instead of starting another. ``SickLeave`` works on a ``Staffer``
through callbacks the workforce gives it, not through the workforce itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from simlib.model.schedule import call_at

if TYPE_CHECKING:
    import simpy

    from simlib.model.caseworker import Caseworker, Job
    from simlib.model.workforce.kpis import Ledger
    from simlib.model.workforce.staff import Staffer


class SickLeave:
    """Absences of employees: start or extend a spell, reassign its cases, return."""

    def __init__(
        self,
        env: simpy.Environment,
        reassign_after_days: float,
        ledger: Ledger,
        refresh: Callable[[Staffer], None],
        hand_over: Callable[[Caseworker, list[Job]], None],
        resume: Callable[[Caseworker], None],
    ) -> None:
        self.env = env
        self.reassign_after_days = reassign_after_days
        self.ledger = ledger
        self._refresh = refresh
        self._hand_over = hand_over  # give a worker's jobs to colleagues (caseworker changes)
        self._resume = resume  # a worker is back: let the team hand out waiting work

    def start(self, st: Staffer, days_dist: Any) -> None:
        """A spell begins (or extends the current absence) with a length drawn from ``days_dist``."""
        now = self.env.now
        until = now + days_dist.sample(st.post.sick_rng)
        if st.absent:
            if until <= st.absent_until:
                return
        else:
            st.absent = True
            st.worker.available = False
            self.ledger.add(now, "present", -1)
            self.ledger.add(now, "absent", 1)
            self._refresh(st)  # capacity 0: the cases stall
            st.reassign_call = call_at(self.env, now + self.reassign_after_days, self._reassign, st)
        st.absent_until = until
        if st.return_call is not None:
            st.return_call.cancel()  # the absence is extended
        st.return_call = call_at(self.env, until, self._return, st)

    def _reassign(self, st: Staffer) -> None:
        if st.post.employee is not st:
            return
        w = st.worker
        jobs = list(w.jobs)
        for job in jobs:
            w.remove(job)
        self._hand_over(w, jobs)

    def _return(self, st: Staffer) -> None:
        if not st.absent or st.post.employee is not st:
            return
        st.return_call = None
        if st.reassign_call is not None:
            st.reassign_call.cancel()  # back before the cases were handed over
            st.reassign_call = None
        st.absent = False
        st.worker.available = not st.in_notice  # back at work; in notice, still no new cases
        now = self.env.now
        self.ledger.add(now, "absent", -1)
        self.ledger.add(now, "present", 1)
        self._refresh(st)
        self._resume(st.worker)
