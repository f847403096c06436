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
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.core import BoundClass, EmptySchedule, StopSimulation
from simpy.events import NORMAL, URGENT, Event, EventPriority, Timeout

# Events due this many days after the run's last instant are not queued; the margin
# keeps a timer computed as "the end" (now + (end - now), rounded up) in the queue.
END_MARGIN = 1.0
_new_timeout = Timeout.__new__


class RunEnvironment(simpy.Environment):
    """A SimPy environment that does not queue timers due after the run's last instant.

    SimPy cannot unschedule an event, so a replaced timer (a breakdown clock or a
    hazard whose rate changed, ``Call.cancel``) stays in the queue until its time;
    one due after the run's end never comes out, and a long run kept every such
    far-off timer it ever replaced, with the child or caseworker its call holds
    (the queue grew with the horizon). ``end`` is that last instant (``simulate``
    sets it to the end of the run-out; ``inf`` until then). A timer due after it
    could never fire, and leaving it out keeps the order of the others (their event
    ids stay increasing), so no result changes. Only plain timers (normal priority,
    a positive delay) are left out: ``run(until=t)``'s urgent stop is always queued.
    """

    def __init__(self, initial_time: float = 0.0) -> None:
        super().__init__(initial_time)
        self.end = float("inf")
        # SimPy binds env.timeout, env.event, ... to the instance only for the class's own
        # attributes (BoundClass.bind_early reads type(env).__dict__), so in a subclass every
        # env.timeout would go through a Python descriptor and build a method: ~20 calls a
        # baseline customer. Bind the base class's ones here, as SimPy does for its own.
        for name, attr in vars(simpy.Environment).items():
            if type(attr) is BoundClass:
                setattr(self, name, getattr(self, name))

    def timeout(self, delay: float, value: Any = None) -> Timeout:
        """``simpy.Environment.timeout``: the same event, queued the same way, in one Python call.

        SimPy's takes two (``Timeout.__init__``, then ``schedule``), and timers are most
        of the model's events; what they set and queue is copied here as it is.
        """
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        event = _new_timeout(Timeout)
        event.env = self
        event.callbacks = []
        event._value = value
        event._delay = delay
        event._ok = True
        at = self._now + delay
        if at > self.end + END_MARGIN and delay > 0:  # never fires (see schedule)
            return event
        heappush(self._queue, (at, NORMAL, next(self._eid), event))
        return event

    def run(self, until: Any = None) -> Any:
        """``simpy.Environment.run`` with ``step()`` inlined in its loop (SimPy 4.1's code as it is).

        Each event is popped, its callbacks run and an undefused failure raised exactly
        as ``step`` does, without a Python call an event (~500 instructions, ~20 000
        events a baseline year).
        """
        if until is not None:
            if not isinstance(until, Event):
                at = until if isinstance(until, int) else float(until)
                if at <= self.now:
                    raise ValueError(f"until ({at}) must be greater than the current simulation time")
                until = Event(self)
                until._ok = True
                until._value = None
                self.schedule(until, URGENT, at - self.now)
            elif until.callbacks is None:
                return until.value  # already processed
            until.callbacks.append(StopSimulation.callback)
        queue = self._queue
        try:
            while True:  # step()
                try:
                    self._now, _, _, event = heappop(queue)
                except IndexError:
                    raise EmptySchedule from None
                callbacks, event.callbacks = event.callbacks, None
                try:
                    for callback in callbacks:
                        callback(event)
                except StopSimulation:
                    # the remaining callbacks run when the simulation resumes
                    event.callbacks = callbacks[callbacks.index(callback) + 1 :]
                    self.schedule(event, EventPriority(-1))
                    raise
                if not event._ok and not hasattr(event, "_defused"):
                    exc = type(event._value)(*event._value.args)
                    exc.__cause__ = event._value
                    raise exc
        except StopSimulation as exc:
            return exc.args[0]  # == until.value
        except EmptySchedule:
            if until is not None:
                assert not until.triggered
                raise RuntimeError(
                    f'No scheduled events left but "until" event was not triggered: {until}'
                ) from None
        return None

    def schedule(self, event: Event, priority: Any = NORMAL, delay: Any = 0) -> None:
        at = self._now + delay
        if at > self.end + END_MARGIN and delay > 0 and priority == NORMAL:
            return
        heappush(self._queue, (at, priority, next(self._eid), event))


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


_new_call = Call.__new__


def call_in(env: simpy.Environment, delay: float, fn: Callable[..., Any], *args: Any) -> Call:
    """Call ``fn(*args)`` after ``delay`` days; returns the handle to cancel it."""
    call = _new_call(Call)  # Call(fn, args) without its __init__ frame (~7 800 calls a baseline year)
    call.fn = fn
    call.args = args
    call.live = True
    env.timeout(delay).callbacks.append(call)
    return call


def call_at(env: simpy.Environment, t: float, fn: Callable[..., Any], *args: Any) -> Call:
    """Call ``fn(*args)`` at clock time ``t`` (now, if ``t`` has passed)."""
    delay = t - env.now
    return call_in(env, 0.0 if delay < 0.0 else delay, fn, *args)  # max(delay, 0.0), no builtin call
