"""Exact hazards of the workforce stage: a clock for piecewise-constant risks, the overload factor.

Leaving a post (resignation or an internal move) and long sick leave have a
risk that changes with a caseworker's recent caseload. Rather than polling, a ``HazardClock`` draws one Exp(1)
threshold and fires when the integrated hazard reaches it; when the rate
changes (a monthly caseload review, a tenure anniversary) the clock spends what
has accrued and reschedules one timer. For a piecewise-constant hazard this is
exact, and it uses one draw per firing, so scenarios stay aligned (common
random numbers).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import simpy

from simlib.model.schedule import Call, call_in


def _stopped() -> None:
    """The callback of a stopped clock (it never fires)."""


class HazardClock:
    """Fires ``on_fire`` when the integrated hazard reaches an Exp(1) threshold."""

    __slots__ = ("active", "env", "last", "left", "on_fire", "pending", "rate", "rng")

    def __init__(self, env: simpy.Environment, rng: np.random.Generator, on_fire: Callable[[], None]) -> None:
        self.env = env
        self.rng = rng
        self.on_fire = on_fire
        self.rate = 0.0  # events per day
        self.left = float(rng.exponential())
        self.last = env.now
        self.pending: Call | None = None
        self.active = True

    def set_rate(self, rate_per_day: float) -> None:
        """Spend the hazard accrued at the old rate, then continue at the new one."""
        if not self.active or rate_per_day == self.rate:
            return  # same rate: the scheduled firing stays exact
        now = self.env.now
        left = self.left - self.rate * (now - self.last)
        self.left = 0.0 if left < 0.0 else left  # max(left, 0.0) without the builtin call (~1 300 instructions)
        self.last = now
        self.rate = rate_per_day
        self._schedule()

    def stop(self) -> None:
        """Never fire again, and let go of the callback and the pending call.

        ``on_fire`` is usually a closure over the clock's owner (an employee holds
        its clocks), and the pending call holds the clock: kept, they made each
        departed employee a reference cycle that only a full collection frees.
        """
        self.active = False
        if self.pending is not None:
            self.pending.cancel()
            self.pending = None
        self.on_fire = _stopped

    def _schedule(self) -> None:
        if self.pending is not None:
            self.pending.cancel()
            self.pending = None
        if self.rate <= 0.0:
            return
        self.pending = call_in(self.env, self.left / self.rate, self._fire)

    def _fire(self) -> None:
        self.pending = None
        self.left = float(self.rng.exponential())
        self.last = self.env.now
        self._schedule()  # recurring by default; on_fire may stop or change the rate
        self.on_fire()


# The overload multipliers are held at their value at this many times the reference
# caseload (120 cases at the sustainable 15: where coordination alone takes a
# caseworker's whole day). Beyond it no evidence speaks, and an exponent left free
# makes a runaway run's hazards fire thousands of times a simulated day (bounded work).
MAX_OVERLOAD_RATIO = 8.0


def overload_multiplier(load: float, reference: float | None, factor_at_double: float) -> float:
    """Log-linear in the caseload carried: 1 at ``reference``, ``factor_at_double`` at twice it.

    ``factor_at_double ** (load / reference - 1)``: the risk responds over the
    whole range of caseloads that occurs (lower below the reference, higher
    above it), not only past a threshold; 1 everywhere when the factor is 1.
    Held at ``MAX_OVERLOAD_RATIO`` times the reference (x128 for a factor of 2).
    """
    if reference is None or reference <= 0.0 or factor_at_double == 1.0:
        return 1.0
    ratio = load / reference
    if ratio > MAX_OVERLOAD_RATIO:  # min(ratio, MAX_OVERLOAD_RATIO) without the builtin call
        ratio = MAX_OVERLOAD_RATIO
    return factor_at_double ** (ratio - 1.0)
