"""Experiments: replications with confidence intervals, paired comparisons, sweeps.

The CLI and the notebooks call these same functions: ``run`` (replications of
one scenario), ``compare`` (alternatives against a base, common random
numbers), ``sweep`` (grids and samples, resumable Parquet store). They return
one family of results (``Results``, ``Comparison``, ``SweepResults``) with the
same verbs: ``.kpis`` (tidy), ``.summary(kpis, level)``, ``.report(kpis,
level)`` (the CLI's text table, see report.py), ``.to_json_dict()``, a
one-line repr and an HTML table in notebooks.
"""

from simlib.experiments.comparison import Comparison, compare
from simlib.experiments.intervals import paired_interval, summarise, t_interval, welch_interval
from simlib.experiments.replications import Results, run, run_all, run_replication
from simlib.experiments.store import StoreError
from simlib.experiments.sweep_results import SweepResults
from simlib.experiments.sweeps import design_points, sweep

__all__ = [
    "Comparison",
    "Results",
    "StoreError",
    "SweepResults",
    "compare",
    "design_points",
    "paired_interval",
    "run",
    "run_all",
    "run_replication",
    "summarise",
    "sweep",
    "t_interval",
    "welch_interval",
]
