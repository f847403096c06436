"""Caseload Lab: a discrete-event model of Swedish child-welfare services.

The public library, for scripts and notebooks:

- ``run(scenario, *, reps, seed, years, overrides, ...)``: replications of one
  scenario (``Results``: ``.kpis``, ``.summary()``, ``.report()``);
- ``compare(base, alternatives, ...)``: paired comparisons with common random
  numbers (``Comparison``); ``sweep(base, grid, ...)``: grids and samples
  (``SweepResults``);
- ``load_scenario(name_or_path)``, ``with_overrides(scenario, {dotted key: value})``,
  ``scenario_hash(scenario)``; ``Scenario`` is the validated (frozen) type;
- ``t_interval(values, level)``: mean and t-interval of independent values.

Notebooks add ``simlib.notebook`` (run sizes, language, figures, analyses).
The package import is kept light on purpose (the CLI's ``--version`` and tab
completion should not wait for numpy and pandas); the library entry points are
imported on first use through ``__getattr__``:

    >>> import simlib
    >>> scenario = simlib.load_scenario("baseline")      # doctest: +SKIP
    >>> simlib.scenario_hash(scenario)[:12]               # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("caseload-lab")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.1.0"

# public name -> module that defines it; imported lazily on first attribute access
_LAZY = {
    "run": "simlib.experiments",
    "compare": "simlib.experiments",
    "sweep": "simlib.experiments",
    "t_interval": "simlib.experiments",
    "Results": "simlib.experiments",
    "Comparison": "simlib.experiments",
    "SweepResults": "simlib.experiments",
    "load_scenario": "simlib.scenario",
    "with_overrides": "simlib.scenario",
    "scenario_hash": "simlib.scenario",
    "Scenario": "simlib.scenario",
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'simlib' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value  # later look-ups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
