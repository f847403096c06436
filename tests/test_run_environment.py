"""Unit tier: RunEnvironment.run is SimPy's run with step() inlined, so it must behave as SimPy's does.

The override copies SimPy 4.1's loop for speed (#20); each case below runs the same
script under ``simpy.Environment`` and ``RunEnvironment`` and compares what happened:
the order of callbacks, the clock, the value returned, the exception raised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import simpy

from simlib.model.schedule import RunEnvironment


def _worker(env: simpy.Environment, log: list[Any], name: str, delays: list[float]):
    for d in delays:
        yield env.timeout(d)
        log.append((name, env.now))
    return name


def _until_a_number(env: simpy.Environment, log: list[Any]) -> Any:
    env.process(_worker(env, log, "a", [1.0, 2.0, 3.0]))
    env.process(_worker(env, log, "b", [1.0, 1.0, 5.0]))
    first = env.run(until=3.0)
    log.append(("paused", env.now))
    second = env.run(until=20.0)
    return first, second, env.now


def _until_an_event(env: simpy.Environment, log: list[Any]) -> Any:
    done = env.process(_worker(env, log, "a", [1.0, 2.0]))
    env.process(_worker(env, log, "b", [0.5, 4.0]))
    value = env.run(until=done)
    return value, env.now, env.run(until=done)  # already processed: its value at once


def _to_the_end(env: simpy.Environment, log: list[Any]) -> Any:
    env.process(_worker(env, log, "a", [2.0, 2.0]))
    return env.run(), env.now


def _a_failing_process(env: simpy.Environment, log: list[Any]) -> Any:
    def fails():
        yield env.timeout(1.0)
        raise KeyError("lost")

    env.process(fails())
    env.process(_worker(env, log, "a", [0.5, 1.0, 1.0]))
    try:
        env.run(until=10.0)
    except KeyError as exc:
        return "raised", exc.args, type(exc.__cause__).__name__, env.now
    return "no error", env.now


def _a_defused_failure(env: simpy.Environment, log: list[Any]) -> Any:
    event = env.event()
    event.fail(ValueError("handled"))
    event.defused = True
    event.callbacks.append(lambda ev: log.append(("failed", env.now)))
    env.process(_worker(env, log, "a", [1.0]))
    return env.run(until=5.0), env.now


def _nothing_left_before_until(env: simpy.Environment, log: list[Any]) -> Any:
    never = env.event()
    env.process(_worker(env, log, "a", [1.0]))
    try:
        env.run(until=never)
    except RuntimeError as exc:
        return "RuntimeError", "No scheduled events left" in str(exc), env.now
    return "returned", env.now


def _stop_between_callbacks(env: simpy.Environment, log: list[Any]) -> Any:
    """The until event shares its instant with others: the rest run when the simulation resumes."""
    t = env.timeout(2.0)
    t.callbacks.append(lambda ev: log.append(("first", env.now)))

    def waits_for_t():  # starts inside run(), so its callback on t comes after run's stop
        yield t
        log.append(("resumed", env.now))

    env.process(waits_for_t())
    stop = env.run(until=t)
    log.append(("between", env.now))
    t2 = env.timeout(1.0)
    t2.callbacks.append(lambda ev: log.append(("later", env.now)))
    env.run(until=10.0)
    return stop, env.now


def _until_in_the_past(env: simpy.Environment, log: list[Any]) -> Any:
    env.process(_worker(env, log, "a", [1.0]))
    env.run(until=2.0)
    with pytest.raises(ValueError) as err:
        env.run(until=1.0)
    return str(err.value), env.now


SCRIPTS: list[Callable[[simpy.Environment, list[Any]], Any]] = [
    _until_a_number, _until_an_event, _to_the_end, _a_failing_process, _a_defused_failure,
    _nothing_left_before_until, _stop_between_callbacks, _until_in_the_past,
]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.__name__.strip("_"))
def test_run_environment_runs_as_simpy_runs(script: Callable[[simpy.Environment, list[Any]], Any]) -> None:
    theirs: list[Any] = []
    ours: list[Any] = []
    expected = script(simpy.Environment(), theirs)
    got = script(RunEnvironment(), ours)
    assert ours == theirs and theirs  # the same callbacks in the same order, and some ran
    assert got == expected
