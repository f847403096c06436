"""Mentoring: a new graduate is paired with an experienced colleague of the same role.

The mentor is the experienced colleague (not in notice) with the fewest
mentees; they lose ``staff.mentoring_hours_per_week`` of productive time per
mentee until the novice's first ``staff.novice_months`` are over. With the
graduate rule, mentoring lets novices take complex cases.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import simpy

    from simlib.model.workforce.kpis import Ledger
    from simlib.model.workforce.staff import Staffer


class Mentoring:
    """Pairs novices with mentors and ends the pairing; capacity follows through ``refresh``."""

    def __init__(
        self,
        env: simpy.Environment,
        enabled: bool,
        novice_days: float,
        ledger: Ledger,
        staffers: list[Staffer],
        refresh: Callable[[Staffer], None],
    ) -> None:
        self.env = env
        self.enabled = enabled
        self.novice_days = novice_days
        self.ledger = ledger
        self.staffers = staffers  # the workforce's live list
        self._refresh = refresh

    def find(self, st: Staffer) -> None:
        """Give a novice a mentor, if mentoring is on and an experienced colleague is there."""
        if not self.enabled or self.env.now - st.worker.hired_at >= self.novice_days:
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
        st.worker.attrs["mentored"] = True  # not alone on a complex case (investigation quality)
        mentor.mentees.append(st)
        self.ledger.add(self.env.now, "mentoring", 1)
        self._refresh(mentor)

    def end(self, st: Staffer) -> None:
        """The novice's mentoring ends (novice months over, or either of them leaves)."""
        mentor = st.mentor
        if mentor is None:
            return
        st.mentor = None
        st.worker.attrs["mentored"] = False
        mentor.mentees.remove(st)
        self.ledger.add(self.env.now, "mentoring", -1)
        self._refresh(mentor)

    def release(self, st: Staffer) -> None:
        """A leaver: end their own mentoring and find their mentees another mentor."""
        if st.mentor is not None:
            self.end(st)
        mentees, st.mentees = st.mentees, []
        for m in mentees:
            m.mentor = None
            m.worker.attrs["mentored"] = False
            self.ledger.add(self.env.now, "mentoring", -1)
            self.find(m)
