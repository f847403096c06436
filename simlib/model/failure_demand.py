"""Failure demand: a thin investigation comes back as a new referral about the same child.

When an investigation is decided, its quality (``Case.quality``, 0-1) sets the
chance that the same child is referred again within a year because the first
investigation missed something: ``investigation.quality.rereferral_share_at_zero``
x (1 - quality). The decision uses the uniform drawn with the referral
(``Referral.rereferral_u``) and the new referral's time and attributes come from
the child's own stream (``SimContext.child_rng``), so two scenarios agree on
which child would come back and when (common random numbers). The Poisson
stream of referrals is thinned by ``referrals.failure_demand_share`` so that the
total stays at the sourced ``referrals.per_year`` at today's quality.
No new referral arrives after the horizon (the run-out has none).
``failure_demand_referrals_per_year`` counts these referrals in the window.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import TYPE_CHECKING

from simlib.model.children import ChildNumbers
from simlib.model.referrals import Referral
from simlib.model.schedule import call_in
from simlib.model.units import YEAR

if TYPE_CHECKING:
    from simlib.model.context import SimContext
    from simlib.model.investigation import Case


def install(ctx: SimContext, on_referral: Callable[[Referral], None], horizon: float) -> None:
    """Subscribe to investigation decisions; a thin one may bring its child back."""
    sc = ctx.scenario
    share = sc.investigation.quality.rereferral_share_at_zero
    arrivals = array("d")  # when each failure-demand referral arrives (8 bytes each, not a float object)

    def kpis(_ctx: SimContext, t0: float, t1: float) -> dict[str, float]:
        n = sum(1 for t in arrivals if t0 <= t < t1)
        return {"failure_demand_referrals_per_year": n / ((t1 - t0) / YEAR) if t1 > t0 else float("nan")}

    ctx.kpi_providers.append(kpis)
    if share <= 0.0:
        return
    counts = ChildNumbers(ctx)  # each child's failure-demand referrals so far (keys its stream)

    def on_decision(case: Case) -> None:
        ref = case.referral
        if not ref.rereferral_u < share * (1.0 - case.quality):
            return
        child = ref.child
        number = counts.next(child, ref.age + (ctx.env.now - ref.arrived) / YEAR)
        rng = ctx.child_rng("rereferral", child, number)
        delay = float(rng.uniform(0.0, YEAR))  # some time within the next 12 months
        when = ctx.env.now + delay
        age = ref.age + (when - ref.arrived) / YEAR
        if when >= horizon or age >= 18.0:
            return
        inv = sc.investigation
        hours = inv.hours.sample(rng)
        complex_ = bool(rng.random() < inv.complex_share)
        if complex_:
            hours *= inv.complex_hours_factor
        waits = inv.external_wait_days.sample(rng) if inv.external_wait_days is not None else 0.0
        referral = Referral(
            when, child, age,
            bool(rng.random() < sc.referrals.urgent_share),
            sc.screening.hours.sample(rng),
            sc.screening.elapsed_days.sample(rng),
            bool(rng.random() < sc.screening.open_share),
            hours, complex_, float(rng.random()), float(rng.random()), waits, float(rng.random()),
        )
        arrivals.append(when)
        call_in(ctx.env, delay, on_referral, referral)

    ctx.decision_handlers.append(on_decision)
