"""Required visits to placed children (SoL 6 kap 7 b §), checked window by window.

A placed child's follow-up is one open-ended job on its placement caseworker,
so the caseworker's productive hours are processor-shared equally between the
children on their caseload (an absent caseworker gives none, a child waiting
for a caseworker under a hard cap gets none). Each child's time in care is cut
into due windows of ``365 / visits_per_year`` days from entry; one visit is
required per window. The caseworker's share for the child in the window goes
first to follow-up (``follow_up_hours_per_child_week`` of working time: care
plans, notes, meetings), and the visit is made if what is left covers
``visit_hours`` (drawn per visit): overloaded caseworkers miss visits first.
The share is read exactly from the caseworker's virtual clock at the window's
end, so no daily ticks are needed. A partial window at the end of care counts
neither as required nor as done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING


from simlib.model.records import VisitWindow

if TYPE_CHECKING:
    from simlib.model.context import SimContext
    from simlib.model.placements.child import Child
    from simlib.scenario.schema import Placements

EPS = 1e-9


class VisitBook:
    """Opens and closes each child's visit windows."""

    def __init__(
        self,
        ctx: SimContext,
        cfg: Placements,
        after: Callable[..., None],
        on_missed_change: Callable[[Child], None],
    ) -> None:
        self.after = after  # after(delay, fn, *args): a bare timeout
        self.on_missed_change = on_missed_change  # the missed-visit factor switched for a child
        self.env = ctx.env
        self.work_time = ctx.calendar.work_time
        self.child_rng = ctx.child_rng  # visit hours come from each child's own stream (CRN)
        self.hours = cfg.visit_hours
        self.interval = 365.0 / cfg.visits_per_year if cfg.visits_per_year > 0 else None
        self.follow_up_per_work_day = cfg.follow_up_hours_per_child_week / ctx.calendar.workdays_per_week
        self.log = ctx.recorder.log

    def open_window(self, child: Child) -> None:
        if self.interval is None:
            return
        now = self.env.now
        job = child.job
        attained = job.done_hours() if job is not None else 0.0
        if child.visit_rng is None:
            child.visit_rng = self.child_rng("visits", child.cid, child.episode)
        child.window = (now, self.work_time(now), attained, self.hours.sample(child.visit_rng))
        self.after(self.interval, self.close_window, child, now)

    def close_window(self, child: Child, opened: float) -> None:
        window = child.window
        if not child.active or window is None or window[0] != opened:
            return
        start, w0, a0, visit = window
        now = self.env.now
        job = child.job
        given = (job.done_hours() if job is not None else 0.0) - a0
        needed = visit + self.follow_up_per_work_day * (self.work_time(now) - w0)
        done = given + EPS >= needed
        child.visits_required += 1
        if done:
            child.visits_done += 1
        self.log(VisitWindow(child=child.cid, episode=child.episode, start=start, end=now, done=done,
                             hours_given=given, hours_needed=needed))
        if child.missed == done:  # the missed-visits factor switches
            child.missed = not done
            self.on_missed_change(child)
        self.open_window(child)
