"""Referrals (orosanmälningar): non-homogeneous Poisson arrivals by thinning.

The rate follows the monthly seasonality multipliers. Thinning (Lewis and
Shedler) draws candidate arrivals at the peak rate and keeps each with
probability rate(t)/peak, so there are no restarts at month boundaries. Every
attribute of a referral is drawn at arrival from its own stream, used or not,
so two scenarios with the same seed see the same referrals and the same cases.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable, Generator

import simpy

from simlib.model.calendar import month_of
from simlib.model.context import SimContext


@dataclass(slots=True)
class Referral:
    """One referral and everything drawn for it at arrival (common random numbers)."""

    arrived: float
    child: int
    age: float
    urgent: bool
    screening_hours: float
    screening_info_days: float
    opens: bool
    investigation_hours: float
    complex: bool
    outcome_u: float
    heard_u: float


class ChildRegistry:
    """Which children were referred recently, so repeat referrals reuse a child."""

    def __init__(self, ctx: SimContext) -> None:
        self.rng = ctx.streams["children"]
        self.cfg = ctx.scenario.referrals
        self.recent: deque[tuple[float, int, float]] = deque()  # (time, child, age at time)
        self.next_id = 0

    def child_for(self, now: float) -> tuple[int, float]:
        u_known, u_pick, u_band, u_age = self.rng.random(4)
        while self.recent and now - self.recent[0][0] > 365.0:
            self.recent.popleft()
        if self.recent and u_known < self.cfg.known_child_share:
            t, child, age = self.recent[int(u_pick * len(self.recent))]
            age = age + (now - t) / 365.0
            if age < 18.0:
                self.recent.append((now, child, age))
                return child, age
        age = 13.0 * u_age if u_band < self.cfg.age_0_12_share else 13.0 + 5.0 * u_age
        child = self.next_id
        self.next_id += 1
        self.recent.append((now, child, age))
        return child, age


def referral_arrivals(
    ctx: SimContext, on_referral: Callable[[Referral], None]
) -> Generator[simpy.Event, None, None]:
    """Generate referrals for the whole run."""
    cfg = ctx.scenario.referrals
    sc = ctx.scenario
    env = ctx.env
    streams = ctx.streams
    arrivals = streams["arrivals"]
    multipliers = cfg.seasonality
    peak = max(multipliers)
    if peak <= 0.0:
        return
    peak_rate = cfg.per_year / 365.0 * peak
    children = ChildRegistry(ctx)
    s_work, s_info, s_dec = streams["screening_work"], streams["screening_info"], streams["screening_decision"]
    urgency, i_work, complexity = streams["urgency"], streams["investigation_work"], streams["complexity"]
    outcome, heard = streams["outcome"], streams["child_heard"]
    inv = sc.investigation
    while True:
        yield env.timeout(arrivals.exponential(1.0 / peak_rate))
        if arrivals.random() * peak > multipliers[month_of(env.now)]:
            continue
        child, age = children.child_for(env.now)
        is_complex = complexity.random() < inv.complex_share
        hours = inv.hours.sample(i_work) * (inv.complex_hours_factor if is_complex else 1.0)
        on_referral(
            Referral(
                arrived=env.now,
                child=child,
                age=age,
                urgent=bool(urgency.random() < cfg.urgent_share),
                screening_hours=sc.screening.hours.sample(s_work),
                screening_info_days=sc.screening.elapsed_days.sample(s_info),
                opens=bool(s_dec.random() < sc.screening.open_share),
                investigation_hours=hours,
                complex=bool(is_complex),
                outcome_u=float(outcome.random()),
                heard_u=float(heard.random()),
            )
        )
