"""Experiments: replications with confidence intervals, comparisons, sweeps."""

from simlib.experiments.intervals import summarise, t_interval
from simlib.experiments.replications import Results, run, run_replication

__all__ = ["Results", "run", "run_replication", "summarise", "t_interval"]
