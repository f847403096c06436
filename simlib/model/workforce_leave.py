"""Sick leave and mentoring of the workforce stage (a mixin of ``Workforce``).

Kept apart from hiring and turnover so each module stays small. An absent
caseworker is unavailable with zero capacity, so their cases stall; if the
absence lasts ``staff.reassign_after_days`` the cases go to colleagues (each a
caseworker change). A new graduate is mentored by the experienced colleague in
the same role with the fewest mentees; the mentor loses
``staff.mentoring_hours_per_week`` of productive time per mentee until the
novice's first ``staff.novice_months`` are over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simlib.model.workforce_kpis import reassign_jobs

if TYPE_CHECKING:
    from simlib.model.workforce import Staffer


class LeaveAndMentoring:
    """Methods over the ``Workforce`` state: env, ctx, staff, ledger, staffers."""

    env: Any
    ctx: Any
    staff: Any
    ledger: Any
    staffers: list
    novice_days: float

    # --- sick leave -------------------------------------------------------------
    def _sick(self, st: Staffer, days_dist: Any) -> None:
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
            st.spell += 1
            spell = st.spell
            self._at(now + self.staff.reassign_after_days, lambda: self._reassign_absent(st, spell))
        st.absent_until = until
        st.absence_version += 1
        version = st.absence_version
        self._at(until, lambda: self._return(st, version))

    def _reassign_absent(self, st: Staffer, spell: int) -> None:
        if not st.absent or st.spell != spell or st.post.employee is not st:
            return
        w = st.worker
        jobs = list(w.jobs)
        for job in jobs:
            w.remove(job)
        reassign_jobs(self.ctx, self.ctx.teams[w.role], jobs)

    def _return(self, st: Staffer, version: int) -> None:
        if version != st.absence_version or not st.absent or st.post.employee is not st:
            return
        st.absent = False
        st.worker.available = True
        now = self.env.now
        self.ledger.add(now, "absent", -1)
        self.ledger.add(now, "present", 1)
        self._refresh(st)
        self.ctx.teams[st.worker.role].pull()

    # --- mentoring ----------------------------------------------------------------
    def _find_mentor(self, st: Staffer) -> None:
        if not self.staff.mentoring or self.env.now - st.worker.hired_at >= self.novice_days:
            return
        candidates = [
            m for m in self.staffers
            if m is not st and m.worker.role == st.worker.role and not m.in_notice
            and self.env.now - m.worker.hired_at >= self.novice_days
        ]
        if not candidates:
            return
        mentor = min(candidates, key=lambda m: (len(m.mentees), m.worker.wid))
        st.mentor = mentor
        mentor.mentees.append(st)
        self.ledger.add(self.env.now, "mentoring", 1)
        self._refresh(mentor)

    def _end_mentoring(self, st: Staffer) -> None:
        mentor = st.mentor
        if mentor is None:
            return
        st.mentor = None
        mentor.mentees.remove(st)
        self.ledger.add(self.env.now, "mentoring", -1)
        self._refresh(mentor)

    # provided by Workforce
    def _at(self, t: float, fn: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _refresh(self, st: Staffer) -> None:  # pragma: no cover - overridden
        raise NotImplementedError
