"""The explicit simulation context every process receives, and its random streams.

No module keeps global state: the environment, the scenario, the named random
streams, the calendar, the teams and the recorder travel together in one
``SimContext``. Each purpose has its own numpy Generator spawned from
``SeedSequence(seed, spawn_key=(replication,))``, so the same (seed, replication,
purpose) draws the same numbers in every scenario: common random numbers.

Draws that belong to one child (a care episode's length and type, its
breakdown marks, its visits, its in-home spell) come from a stream keyed by
the child and the episode (``SimContext.child_rng``), not from a purpose's
shared stream in event order: a child placed in two scenarios then lives the
same placement luck, however differently the events before it were ordered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from simlib.scenario.schema import Scenario

if TYPE_CHECKING:
    from simlib.model.calendar import ContinuousCalendar, WorkingDaysCalendar
    from simlib.model.recorder import Recorder
    from simlib.model.team import Team

# Append only: a stream's position in this tuple fixes its seed.
STREAMS = (
    "arrivals",
    "children",
    "screening_work",
    "screening_info",
    "screening_decision",
    "urgency",
    "investigation_work",
    "complexity",
    "outcome",
    "child_heard",
    "in_home",
    "placement",
    "foster_homes",
    "breakdown",
    "visits",
    "workforce",
    "sick_leave",
    "consultants",
    "investigation_waits",
    "failure_demand",
    "acute",
)


# Append only: a purpose's position fixes the seeds of its child-keyed streams.
CHILD_PURPOSES = ("care", "breakdown", "visits", "in_home", "re_entry", "rereferral")


def child_key(child: int) -> int:
    """A non-negative key for a child id (the children in care at time 0 have negative ids)."""
    return 2 * child if child >= 0 else -2 * child - 1


_MASK32 = 0xFFFF_FFFF
_POOL_SIZE = 4  # numpy's default SeedSequence pool size (4 words of 32 bits)


def _words(n: int) -> list[int]:
    """numpy's 32-bit words of a non-negative integer, least significant first ([0] for 0)."""
    if n < 0:
        raise ValueError("expected non-negative integer")
    words = [n & _MASK32]
    n >>= 32
    while n:
        words.append(n & _MASK32)
        n >>= 32
    return words


def keyed_seed_sequence(seed: int, spawn_key: tuple[int, ...]) -> np.random.SeedSequence:
    """``SeedSequence(seed, spawn_key=spawn_key)``'s pool, from its words in one array.

    A SeedSequence mixes into its pool the seed's 32-bit words, padded with zeros to
    the pool size when there is a spawn key, then the key's words. Given those words
    as one uint32 array of entropy it mixes the same words into the same pool, so its
    generators draw the same numbers (tests/test_placement_streams.py), without
    numpy's per-element conversion of the key (~50 000 instructions a sequence, half
    of a child's stream; ~600 streams a baseline year). Only the pool is the same:
    its ``entropy`` and ``spawn_key`` attributes differ, so do not ``spawn`` from it.
    """
    words = _words(seed)
    if spawn_key:
        words += [0] * (_POOL_SIZE - len(words))
        for k in spawn_key:
            words += _words(k)
    return np.random.SeedSequence(np.array(words, dtype=np.uint32))


def make_streams(seed: int, replication: int) -> dict[str, np.random.Generator]:
    """One independent Generator per purpose, for one replication."""
    children = np.random.SeedSequence(seed, spawn_key=(replication,)).spawn(len(STREAMS))
    return {name: np.random.default_rng(c) for name, c in zip(STREAMS, children, strict=True)}


@dataclass
class SimContext:
    """Everything a process needs; built once per replication."""

    env: simpy.Environment
    scenario: Scenario
    streams: dict[str, np.random.Generator]
    calendar: ContinuousCalendar | WorkingDaysCalendar
    recorder: Recorder
    stop: simpy.Event
    teams: dict[str, Team] = field(default_factory=dict)
    # Stages further down the pipeline subscribe here (in-home support, placements).
    decision_handlers: list[Callable[[Any], None]] = field(default_factory=list)
    # ... and see each report as it arrives (the acute path places a child before any decision)
    referral_handlers: list[Callable[[Any], None]] = field(default_factory=list)
    # Each stage adds its columns to the weekly series and its KPIs after the run.
    weekly_extras: list[Callable[[], dict[str, Any]]] = field(default_factory=list)
    # Work in progress, so KPIs can count cases still open at the end (no censoring).
    open_cases: dict[int, Any] = field(default_factory=dict)  # child -> its open investigation
    open_screenings: dict[int, Any] = field(default_factory=dict)
    # children placed at once (acute path) whose investigation is not open yet: it opens urgent
    urgent_children: set[int] = field(default_factory=set)
    kpi_providers: list[Callable[[SimContext, float, float], dict[str, float]]] = field(
        default_factory=list
    )
    seed: int = 0  # the run's seed and replication, for the child-keyed streams
    replication: int = 0

    def child_rng(self, purpose: str, child: int, number: int) -> np.random.Generator:
        """The stream of one child's draws for ``purpose`` (``number``: its episode or spell)."""
        key = (self.replication, len(STREAMS) + CHILD_PURPOSES.index(purpose), child_key(child), number)
        return np.random.default_rng(keyed_seed_sequence(self.seed, key))

    def days(self, years: float) -> float:
        return 365.0 * years
