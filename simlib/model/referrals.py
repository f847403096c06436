"""Referrals (orosanmälningar): non-homogeneous Poisson arrivals by thinning.

The rate follows the monthly seasonality multipliers. Thinning (Lewis and
Shedler) draws candidate arrivals at the peak rate and keeps each with
probability rate(t)/peak, so there are no restarts at month boundaries. Every
attribute of a referral is drawn at arrival from its own stream, used or not,
so two scenarios with the same seed see the same referrals and the same cases.

Draws are made in blocks (one numpy call per 1 024 values, ``draws``): numpy
Generators fill arrays element by element, so a block gives the same numbers as
one call at a time, at a tenth of the cost on this hot path.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass
from functools import partial
from itertools import chain

import numpy as np
import simpy

from simlib.model.calendar import DAYS_PER_YEAR, month_of
from simlib.model.context import SimContext

BLOCK = 1024


def draws(fill: Callable[[int], np.ndarray]) -> Callable[[], float]:
    """A function returning the next value of ``fill(BLOCK)``, refilled as needed."""
    return partial(next, chain.from_iterable(iter(lambda: fill(BLOCK).tolist(), None)))


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
    external_wait_days: float = 0.0  # an investigation's waits on others (from its assignment)
    rereferral_u: float = 1.0  # uniform deciding whether a thin investigation comes back


class ChildRegistry:
    """Which children were referred recently, so repeat referrals reuse a child."""

    def __init__(self, ctx: SimContext) -> None:
        self.uniform = draws(ctx.streams["children"].random)
        self.cfg = ctx.scenario.referrals
        self.known_share = self.cfg.known_child_share
        self.young_share = self.cfg.age_0_12_share
        self.recent: deque[tuple[float, int, float]] = deque()  # (time, child, age at time)
        self.next_id = 0

    def child_for(self, now: float) -> tuple[int, float]:
        u = self.uniform
        u_known, u_pick, u_band, u_age = u(), u(), u(), u()
        recent = self.recent
        while recent and now - recent[0][0] > 365.0:
            recent.popleft()
        if recent and u_known < self.known_share:
            t, child, age = recent[int(u_pick * len(recent))]
            age = age + (now - t) / 365.0
            if age < 18.0:
                recent.append((now, child, age))
                return child, age
        age = 13.0 * u_age if u_band < self.young_share else 13.0 + 5.0 * u_age
        child = self.next_id
        self.next_id += 1
        recent.append((now, child, age))
        return child, age


def referral_arrivals(
    ctx: SimContext, on_referral: Callable[[Referral], None], until: float = float("inf")
) -> Generator[simpy.Event, None, None]:
    """Generate referrals until ``until`` (the horizon: none arrive in the run-out)."""
    cfg = ctx.scenario.referrals
    sc = ctx.scenario
    env = ctx.env
    streams = ctx.streams
    arrivals = streams["arrivals"]
    multipliers = cfg.seasonality
    peak = max(multipliers)
    if peak <= 0.0:
        return
    # the model itself brings failure_demand_share of per_year back as re-referrals (failure_demand.py)
    peak_rate = cfg.per_year * (1.0 - cfg.failure_demand_share) / 365.0 * peak
    children = ChildRegistry(ctx)
    # one block-drawn sequence per purpose; each is used once per referral, kept or not
    gap = draws(partial(arrivals.exponential, 1.0 / peak_rate))
    keep = draws(arrivals.random)
    s_work = draws(partial(sc.screening.hours.sample_many, streams["screening_work"]))
    s_info = draws(partial(sc.screening.elapsed_days.sample_many, streams["screening_info"]))
    s_dec = draws(streams["screening_decision"].random)
    inv = sc.investigation
    i_work = draws(partial(inv.hours.sample_many, streams["investigation_work"]))
    urgency, complexity = draws(streams["urgency"].random), draws(streams["complexity"].random)
    outcome, heard = draws(streams["outcome"].random), draws(streams["child_heard"].random)
    complex_share, complex_factor = inv.complex_share, inv.complex_hours_factor
    waits = inv.external_wait_days
    i_wait = (draws(partial(waits.sample_many, streams["investigation_waits"])) if waits is not None
              else float)  # float() is 0.0: no waits on others
    rereferral = draws(streams["failure_demand"].random)
    urgent_share, open_share = cfg.urgent_share, sc.screening.open_share
    # the month's multiplier by day of the year (month_of reads only the day): one index a candidate
    by_day = [multipliers[month_of(day)] for day in range(DAYS_PER_YEAR)]
    while True:
        yield env.timeout(gap())
        now = env._now  # SimPy's clock without the property call
        if now >= until:
            return
        if keep() * peak > by_day[int(now) % DAYS_PER_YEAR]:
            continue
        child, age = children.child_for(now)
        is_complex = complexity() < complex_share
        hours = i_work()
        if is_complex:
            hours *= complex_factor
        on_referral(
            Referral(
                now,
                child,
                age,
                urgency() < urgent_share,
                s_work(),
                s_info(),
                s_dec() < open_share,
                hours,
                is_complex,
                outcome(),
                heard(),
                i_wait(),
                rereferral(),
            )
        )
