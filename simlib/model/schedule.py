"""Timed callbacks without processes: call a function after a delay or at a time, or cancel it.

Most of the model's events are one-off timers (a completion, a hazard firing,
a return from sick leave). A SimPy process per timer would cost a generator and
several events each; a bare ``env.timeout`` with a callback costs one event.
``Call`` is that callback: when a newer plan replaces it, ``cancel()`` makes it
a no-op when its event fires (SimPy cannot unschedule an event), which is how
every stage drops a stale timer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import simpy


class Call:
    """A pending call of ``fn(*args)``; fires once unless cancelled first."""

    __slots__ = ("args", "fn", "live")

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.fn = fn
        self.args = args
        self.live = True

    def __call__(self, _event: simpy.Event) -> None:
        if self.live:
            self.live = False
            self.fn(*self.args)

    def cancel(self) -> None:
        self.live = False


def call_in(env: simpy.Environment, delay: float, fn: Callable[..., Any], *args: Any) -> Call:
    """Call ``fn(*args)`` after ``delay`` days; returns the handle to cancel it."""
    call = Call(fn, args)
    env.timeout(delay).callbacks.append(call)
    return call


def call_at(env: simpy.Environment, t: float, fn: Callable[..., Any], *args: Any) -> Call:
    """Call ``fn(*args)`` at clock time ``t`` (now, if ``t`` has passed)."""
    return call_in(env, max(t - env.now, 0.0), fn, *args)
