"""Caseload Lab: a discrete-event model of Swedish child-welfare services.

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
    "load_scenario": "simlib.scenario",
    "scenario_hash": "simlib.scenario",
}

__all__ = ["__version__", "compare", "load_scenario", "run", "scenario_hash", "sweep"]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'simlib' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value  # later look-ups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
