"""Entries into care besides an investigation's decision: the acute path and re-entry after going home.

Acute path (LVU 6 §; an emergency placement under SoL): a report about a child
who is not in care and has no open investigation, and that opens one (screening
off, or the referral's screening decision says it will), places the child at
once in an emergency place with probability ``acute.share_of_placed`` if the
investigation will end in placement (the outcome belongs to the case and is
drawn at the report), else ``acute.share_of_not_placed``. The investigation then
runs like any other; its decision continues the placement (the child moves to
the decided type) or ends it (the child goes home, to in-home support if that
was decided); it opens urgent, so it never waits in the balans behind a cap (LVU 6 §
needs the court's confirmation within a week). So a child who needs protection is placed whatever the balans: a
growing balans delays only the planned placements, and the placement KPIs cannot
improve merely because decisions are late. The acute draw is one uniform per
report from its own stream, drawn for every report: reports arrive in the same
order in every scenario, so the draws stay paired (common random numbers).

The in-home support a decision may start (its length, whether and when it
escalates) is drawn at the report too, from the ``in_home`` stream, one set per
report, and kept with the report whose case the decision closes.

Re-entry: a child who goes home (reunified) comes back into care with
probability ``re_entry.share_within_2y``, after ``re_entry.months`` (from the
child's own stream). A new report and investigation that place the child again
is the other way back; the re-entry KPI counts both.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from simlib.model.referrals import Referral, draws
from simlib.model.units import DAYS_PER_MONTH, YEAR

if TYPE_CHECKING:
    from simlib.model.context import SimContext
    from simlib.model.placements.child import Child


SWEEP_MIN = 256  # kept in-home draws before the first sweep (then twice what a sweep keeps)


class Entries:
    """The acute path and re-entry; ``enter_care(cid, age, why)`` places a child."""

    def __init__(
        self,
        ctx: SimContext,
        enter_care: Callable[..., Child | None],
        in_care: dict[int, Child],
        after: Callable[..., None],
    ) -> None:
        self.ctx = ctx
        self.env = ctx.env
        self.cfg = ctx.scenario.placements
        self.enter_care = enter_care
        self.in_care = in_care
        self.after = after
        self.screening = ctx.scenario.screening.enabled
        outcome = ctx.scenario.investigation.outcome
        self.placed_from = outcome.none + outcome.in_home  # outcome_u at or above: placement
        self.uniform = draws(ctx.streams["acute"].random)
        # the in-home support a decision may start, drawn for every report like the acute draw
        in_home = ctx.streams["in_home"]
        self.in_home_months = draws(partial(ctx.scenario.in_home.months.sample_many, in_home))
        self.in_home_uniform = draws(in_home.random)
        self.in_home_draws: dict[int, tuple[Referral, tuple[float, float, float]]] = {}
        self.sweep_at = SWEEP_MIN  # sweep the kept draws when there are this many

    def on_referral(self, ref: Referral) -> None:
        """Immediate protection: place the child now, before any investigation."""
        u = self.uniform()  # drawn for every report, used or not (CRN)
        support = (self.in_home_months(), self.in_home_uniform(), self.in_home_uniform())
        cid = ref.child
        if cid in self.in_care or cid in self.ctx.open_cases:
            return
        if self.screening and not ref.opens:
            return
        if len(self.in_home_draws) >= self.sweep_at:
            self._sweep()
        self.in_home_draws[id(ref)] = (ref, support)  # for the decision on this report's case
        acute = self.cfg.acute
        share = acute.share_of_placed if ref.outcome_u >= self.placed_from else acute.share_of_not_placed
        if u < share and self.enter_care(cid, ref.age, why="acute") is not None:
            self.ctx.urgent_children.add(cid)  # its investigation opens urgent (investigation.py)

    def _sweep(self) -> None:
        """Drop the draws of reports whose case will never be decided.

        A report that was taken into another open investigation, or whose screening
        closed it, has no case of its own, so its draws were never taken and stayed
        for the whole run. Between events every earlier report is either still in
        screening, the report of its child's open case, or done; only the first two
        can still be decided.
        """
        ctx = self.ctx
        keep = {}
        for key, (ref, support) in self.in_home_draws.items():
            case = ctx.open_cases.get(ref.child)
            if key in ctx.open_screenings or (case is not None and case.referral is ref):
                keep[key] = (ref, support)
        self.in_home_draws = keep
        self.sweep_at = max(SWEEP_MIN, 2 * len(keep))

    def take_in_home_draws(self, ref: Referral) -> tuple[float, float, float] | None:
        """The in-home draws of the report that opened a case (None if it was not kept)."""
        kept = self.in_home_draws.pop(id(ref), None)
        return kept[1] if kept is not None and kept[0] is ref else None

    def after_reunification(self, child: Child, u: float, months: float) -> None:
        """A child went home: schedule its return to care, if it returns (``u``, ``months``: its draws)."""
        if u >= self.cfg.re_entry.share_within_2y:
            return
        delay = months * DAYS_PER_MONTH
        age = child.age(self.env.now) + delay / YEAR
        self.after(delay, self._return, child.cid, age)

    def _return(self, cid: int, age: float) -> None:
        if cid not in self.in_care:
            self.enter_care(cid, age, why="re_entry")
