"""Scenario files: schema, loading with inheritance and provenance, clear errors."""

from simlib.scenario.errors import Problem, ScenarioError
from simlib.scenario.loader import (
    LoadedScenario,
    Provenance,
    load,
    load_scenario,
    scenario_hash,
    to_yaml,
    with_overrides,
)
from simlib.scenario.schema import Scenario

__all__ = [
    "LoadedScenario",
    "Problem",
    "Provenance",
    "Scenario",
    "ScenarioError",
    "load",
    "load_scenario",
    "scenario_hash",
    "to_yaml",
    "with_overrides",
]
