"""Small exact building blocks of the workforce stage: hazard clocks and funded posts.

Resignations and long sick leave have a risk that changes with a caseworker's
recent caseload. Rather than polling, a ``HazardClock`` draws one Exp(1)
threshold and fires when the integrated hazard reaches it; when the rate
changes (a monthly caseload review, a tenure anniversary) the clock spends what
has accrued and reschedules one timer. For a piecewise-constant hazard this is
exact, and it uses one draw per firing, so scenarios stay aligned (common
random numbers). The funded-post helpers turn a budget into whole posts per
role without ever funding more than the budget pays for.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import simpy

from simlib.scenario.schema import Scenario

ROLES = ("intake", "investigation", "placement")


class HazardClock:
    """Fires ``on_fire`` when the integrated hazard reaches an Exp(1) threshold."""

    __slots__ = ("active", "env", "last", "left", "on_fire", "rate", "rng", "version")

    def __init__(self, env: simpy.Environment, rng: np.random.Generator, on_fire: Callable[[], None]) -> None:
        self.env = env
        self.rng = rng
        self.on_fire = on_fire
        self.rate = 0.0  # events per day
        self.left = float(rng.exponential())
        self.last = env.now
        self.version = 0
        self.active = True

    def set_rate(self, rate_per_day: float) -> None:
        """Spend the hazard accrued at the old rate, then continue at the new one."""
        if not self.active or rate_per_day == self.rate:
            return  # same rate: the scheduled firing stays exact
        now = self.env.now
        self.left = max(self.left - self.rate * (now - self.last), 0.0)
        self.last = now
        self.rate = rate_per_day
        self._schedule()

    def stop(self) -> None:
        self.active = False
        self.version += 1

    def _schedule(self) -> None:
        self.version += 1
        if self.rate <= 0.0:
            return
        version = self.version
        self.env.timeout(self.left / self.rate).callbacks.append(lambda _ev: self._fire(version))

    def _fire(self, version: int) -> None:
        if version != self.version or not self.active:
            return
        self.left = float(self.rng.exponential())
        self.last = self.env.now
        self._schedule()  # recurring by default; on_fire may stop or change the rate
        self.on_fire()


def overload_multiplier(load: float, reference: float | None, factor_at_double: float) -> float:
    """Linear in the excess load: 1 at or below ``reference``, ``factor_at_double`` at twice it."""
    if reference is None or reference <= 0.0:
        return 1.0
    excess = load / reference - 1.0
    return 1.0 + (factor_at_double - 1.0) * excess if excess > 0.0 else 1.0


def employee_cost(scenario: Scenario) -> float:
    """Full yearly cost of one employed FTE, including any retention pay premium.

    The premium is paid on top of the staff budget (it does not cost posts):
    ``funded_fte`` uses the cost without it, and the budget the hiring freeze
    compares with grows by the same share.
    """
    staff = scenario.staff
    return staff.cost_per_fte_sek * (1.0 + staff.retention_premium_share)


def funded_fte(scenario: Scenario) -> dict[str, float]:
    """Budget / cost per FTE, split by role shares (fractional)."""
    staff = scenario.staff
    budget = staff.budget_sek_per_year or 0.0
    total = budget / staff.cost_per_fte_sek
    shares = staff.role_shares
    return {role: total * getattr(shares, role) for role in ROLES}


def funded_posts(scenario: Scenario) -> dict[str, int]:
    """Whole posts per role: floor of the total, apportioned by largest remainder.

    The total never exceeds what the budget pays for, so a fully staffed unit
    is within budget (a hiring freeze is then only triggered by consultants).
    """
    fte = funded_fte(scenario)
    total = math.floor(sum(fte.values()) + 1e-9)
    posts = {role: math.floor(v + 1e-9) for role, v in fte.items()}
    spare = total - sum(posts.values())
    by_remainder = sorted(ROLES, key=lambda r: (-(fte[r] - posts[r]), ROLES.index(r)))
    for role in by_remainder[: max(spare, 0)]:
        posts[role] += 1
    return posts


def simulated_roles(scenario: Scenario) -> tuple[str, ...]:
    """Roles that have caseworkers in the model (intake only with screening, placement only when on)."""
    out = []
    if scenario.screening.enabled:
        out.append("intake")
    out.append("investigation")
    if scenario.placements.enabled:
        out.append("placement")
    return tuple(out)


def role_work_params(scenario: Scenario, role: str, workdays_per_week: float) -> tuple[float, float]:
    """(coordination overhead hours per case per working day, pace limit) of a role.

    The same rule as fixed staffing: only investigations carry the coordination
    overhead and the pace limit.
    """
    if role != "investigation":
        return 0.0, float("inf")
    inv = scenario.investigation
    overhead = inv.coordination_hours_per_case_week / workdays_per_week
    pace = inv.max_pace_hours_per_day or float("inf")
    return overhead, pace


def overload_reference(scenario: Scenario, role: str) -> float | None:
    """The caseload above which a caseworker counts as overloaded, per role.

    Investigation: the sustainable caseload, or the cap when it is lower (a
    soft cap set below the sustainable level still signals overload above it).
    Placement: its cap. Intake has no caseload standard, so no overload term.
    """
    if role == "investigation":
        inv = scenario.investigation
        ref = inv.child_heard.sustainable_caseload
        if inv.caseload_cap is not None and inv.cap_mode != "none":
            ref = min(ref, float(inv.caseload_cap))
        return ref
    if role == "placement":
        cap = scenario.placements.caseload_cap
        return float(cap) if cap is not None else None
    return None
