"""In-home support (bistånd / öppenvård) after an investigation, and its escalation to care.

Support lasts ``in_home.months``; with probability ``in_home.escalation_share``
the child is placed instead, at a uniformly drawn point of the support. Plain
ends need no event: a spell is known to be over once its end time has passed,
so ends are settled lazily (when the child is referred again, at the weekly
count, at the end of the run). Only escalations schedule an event, which keeps
a few thousand timers a year off the event list. Support itself takes no
caseworker time in this model.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from simlib.model.children import ChildNumbers
from simlib.model.units import DAYS_PER_MONTH, YEAR
from simlib.model.records import InHomeSpell

if TYPE_CHECKING:
    from simlib.model.context import SimContext


class Spell:
    __slots__ = ("age", "cid", "end", "escalates", "start")

    def __init__(self, cid: int, start: float, age: float, end: float, escalates: bool) -> None:
        self.cid = cid
        self.start = start
        self.age = age
        self.end = end  # planned end: the escalation time if it escalates
        self.escalates = escalates


class InHomeSupport:
    """Children in in-home support now."""

    def __init__(self, ctx: SimContext, after: Callable[..., None], enter_care: Callable[..., Any]) -> None:
        self.after = after  # after(delay, fn, *args): a bare timeout
        self.enter_care = enter_care  # enter_care(cid, age, why=...): the child is placed
        self.env = ctx.env
        self.cfg = ctx.scenario.in_home
        self.child_rng = ctx.child_rng
        self.spells = ChildNumbers(ctx)  # child -> in-home spells so far (keys its stream)
        self.log = ctx.recorder.log
        self.active: dict[int, Spell] = {}
        self.ends: list[tuple[float, int, Spell]] = []  # heap of plain ends, to settle lazily
        self.seq = 0

    def _close(self, spell: Spell, end: float, reason: str) -> None:
        del self.active[spell.cid]
        self.log(InHomeSpell(child=spell.cid, start=spell.start, end=end, end_reason=reason, age_at_start=spell.age))

    def _settle(self) -> None:
        """Close spells whose plain end has passed."""
        now = self.env.now
        ends = self.ends
        while ends and ends[0][0] <= now:
            _end, _seq, spell = heapq.heappop(ends)
            if self.active.get(spell.cid) is spell:
                self._close(spell, spell.end, "ended")

    def is_active(self, cid: int) -> bool:
        spell = self.active.get(cid)
        if spell is None:
            return False
        if not spell.escalates and spell.end <= self.env.now:
            self._close(spell, spell.end, "ended")
            return False
        return True

    def start(self, cid: int, age: float, draws: tuple[float, float, float] | None = None) -> None:
        """Support starts now; ``draws`` (months, escalation uniform, its time uniform) come with the report."""
        cfg = self.cfg
        number = self.spells.next(cid, age)
        if draws is None:  # no report behind it: the child's own stream (CRN)
            rng = self.child_rng("in_home", cid, number)
            draws = (cfg.months.sample(rng), rng.random(), rng.random())
        months, u_escalate, at = draws
        duration = months * DAYS_PER_MONTH
        escalates = bool(u_escalate < cfg.escalation_share)
        now = self.env.now
        spell = Spell(cid, now, age, now + (duration * at if escalates else duration), escalates)
        self.active[cid] = spell
        if escalates:
            self.after(spell.end - now, self._escalate, spell)
        else:
            self.seq += 1
            heapq.heappush(self.ends, (spell.end, self.seq, spell))

    def stop(self, cid: int, reason: str) -> None:
        """End support now (the child is placed after a new investigation)."""
        if self.is_active(cid):
            self._close(self.active[cid], self.env.now, reason)

    def _escalate(self, spell: Spell) -> None:
        if self.active.get(spell.cid) is not spell:
            return  # placed after a new investigation meanwhile
        now = self.env.now
        self._close(spell, now, "escalated")
        self.enter_care(spell.cid, spell.age + (now - spell.start) / YEAR, why="escalation")

    def count(self) -> int:
        self._settle()
        return len(self.active)

    def flush(self) -> None:
        """At the end of the run: log every spell, ended or still open."""
        self._settle()
        now = self.env.now
        for spell in list(self.active.values()):
            self._close(spell, now, "open")
