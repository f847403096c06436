"""The explicit simulation context every process receives, and its random streams.

No module keeps global state: the environment, the scenario, the named random
streams, the calendar, the teams and the recorder travel together in one
``SimContext``. Each purpose has its own numpy Generator spawned from
``SeedSequence(seed, spawn_key=(replication,))``, so the same (seed, replication,
purpose) draws the same numbers in every scenario: common random numbers.
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
)


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
    # Each stage adds its columns to the weekly series and its KPIs after the run.
    weekly_extras: list[Callable[[], dict[str, Any]]] = field(default_factory=list)
    # Work in progress, so KPIs can count cases still open at the end (no censoring).
    open_cases: dict[int, Any] = field(default_factory=dict)  # child -> its open investigation
    open_screenings: dict[int, Any] = field(default_factory=dict)
    kpi_providers: list[Callable[[SimContext, float, float], dict[str, float]]] = field(
        default_factory=list
    )

    def days(self, years: float) -> float:
        return 365.0 * years
