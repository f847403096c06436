"""Experiments: replications with confidence intervals, paired comparisons, sweeps.

The CLI and the notebooks call these same functions: ``run`` (replications of
one scenario), ``compare`` (alternatives against a base, common random
numbers), ``sweep`` (grids and samples, resumable Parquet store). They return
one family of results (``Results``, ``Comparison``, ``SweepResults``) with the
same verbs: ``.kpis`` (tidy), ``.summary(kpis, level)``, ``.report(kpis,
level)`` (the CLI's text table, see report.py), ``.to_json_dict()``, a
one-line repr and an HTML table in notebooks. ``run_kpis`` is ``run`` for the
KPIs alone (``KpiRun``: no frames, no pandas; the CLI's plain ``simlib run``).

The names are imported on first use (``__getattr__``), so importing one module
of this package (``simlib.experiments.replications``) does not import pandas
through the others (comparison, sweeps and the store need it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> the module that defines it
_LAZY = {
    "Comparison": "comparison", "compare": "comparison",
    "paired_interval": "intervals", "summarise": "intervals", "t_interval": "intervals",
    "welch_interval": "intervals",
    "KpiRun": "replications", "Results": "replications", "run": "replications", "run_all": "replications",
    "run_kpis": "replications", "run_replication": "replications",
    "StoreError": "store",
    "SweepResults": "sweep_results",
    "design_points": "sweeps", "sweep": "sweeps",
}

if TYPE_CHECKING:
    from simlib.experiments.comparison import Comparison, compare
    from simlib.experiments.intervals import paired_interval, summarise, t_interval, welch_interval
    from simlib.experiments.replications import KpiRun, Results, run, run_all, run_kpis, run_replication
    from simlib.experiments.store import StoreError
    from simlib.experiments.sweep_results import SweepResults
    from simlib.experiments.sweeps import design_points, sweep

__all__ = [
    "Comparison",
    "KpiRun",
    "Results",
    "StoreError",
    "SweepResults",
    "compare",
    "design_points",
    "paired_interval",
    "run",
    "run_all",
    "run_kpis",
    "run_replication",
    "summarise",
    "sweep",
    "t_interval",
    "welch_interval",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'simlib.experiments' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups skip this hook
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
