"""Per-child numbers (episodes, spells, re-referrals) kept only while a child can still need one.

A child-keyed stream is seeded by (seed, replication, purpose, child, number)
(``SimContext.child_rng``), so a child's count must outlive every time the child
can come back: dropping it early would restart the numbers and change the draws.
Kept for every child ever seen, the counts grew with the horizon. A child can
need a new number only while a report about it can still come (a child is
referred before 18: ``ChildRegistry``, failure demand) or a decision on one is
still open, or while it is young enough to enter care (``enter_care`` refuses a
child past ``placements.age_out_years``). So once a child is past
``limit_years`` (+ a month, for rounding in ages carried from report to report)
and has no open investigation or screening, its count is dropped: no draw moves.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from simlib.model.units import YEAR

if TYPE_CHECKING:
    from simlib.model.context import SimContext

SLACK_DAYS = 30.0
REFERRAL_AGE_LIMIT = 18.0  # no report is made about a child of 18 or more (referrals.py, failure_demand.py)


class ChildNumbers:
    """``next(child, age)``: the child's next number (1, 2, ...), as a dict kept for every child would give."""

    __slots__ = ("counts", "ctx", "expiry", "limit")

    def __init__(self, ctx: SimContext, limit_years: float = REFERRAL_AGE_LIMIT) -> None:
        self.ctx = ctx
        self.counts: dict[int, int] = {}
        self.expiry: list[tuple[float, int]] = []  # heap: (when the child is past the limit, child)
        self.limit = max(limit_years, REFERRAL_AGE_LIMIT) * YEAR + SLACK_DAYS

    def next(self, child: int, age: float) -> int:
        """The child's next number; ``age`` is its age now."""
        now = self.ctx.env.now
        expiry = self.expiry
        if expiry and expiry[0][0] <= now:
            self._prune(now, child)
        number = self.counts.get(child, 0) + 1
        self.counts[child] = number
        if number == 1:
            heapq.heappush(expiry, (now - age * YEAR + self.limit, child))
        return number

    def __len__(self) -> int:
        return len(self.counts)

    def _prune(self, now: float, asking: int) -> None:
        """Drop the counts of children past the limit, but not of one still in the system.

        ``asking`` is the child being numbered now: a decision is being made about it
        (its investigation has just left ``open_cases``), so its count stays.
        """
        ctx = self.ctx
        busy = set(ctx.open_cases) | {r.child for r in ctx.open_screenings.values()}
        busy.add(asking)
        expiry = self.expiry
        later = []
        while expiry and expiry[0][0] <= now:
            _, child = heapq.heappop(expiry)
            if child in busy:
                later.append((now + SLACK_DAYS, child))  # a decision about it is still open
            else:
                self.counts.pop(child, None)
        for item in later:
            heapq.heappush(expiry, item)
