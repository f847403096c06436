"""What a notebook needs beside ``simlib.run``, ``simlib.compare`` and ``simlib.sweep``.

Notebooks import only ``simlib`` and this module (a test fails on any other
``simlib`` path), so the library can move its internals without breaking them:

- run sizes, language, output folder: ``settings()`` (honest by default, small
  under ``CASELOAD_FAST=1`` as in CI), ``language()`` (``?lang=sv`` in Voila, then
  ``CASELOAD_LANG``), ``out_dir()`` (``CASELOAD_OUT``, else ``out/``), ``fast_mode()``,
  ``in_voila()``; the caseload-cap dashboard, ``caps_dashboard()``;
- words: ``kpi_label`` and ``scaled`` (a KPI's label and display value);
- figures: ``plots`` (``simlib.presentation.plots``: means, differences, series,
  tornado, Sobol, sweep heat maps, one child's path, intervals by replications);
- analyses: ``parameter_table``, ``tornado``, ``relative_ranges``, ``sobol_indices``,
  ``cost_per_point``, the queueing formulas ``mmc_wq``, ``mmc_lq``,
  ``mm1ps_sojourn``, and ``build_brief``;
- single runs, for looking inside: ``replication`` (one replication with its
  records), ``child_history``, ``placement_spells``, ``event_trace``, ``toy_trace``.

    >>> import simlib, simlib.notebook as nb                   # doctest: +SKIP
    >>> res = simlib.run("baseline", reps=nb.settings().reps)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from simlib.analysis.parameters import parameter_table
from simlib.analysis.sensitivity import cost_per_point, relative_ranges, sobol_indices, tornado
from simlib.analysis.theory import mm1ps_sojourn, mmc_lq, mmc_wq
from simlib.experiments.replications import resolve
from simlib.model import simulate
from simlib.model.placements import child_history, placement_spells
from simlib.model.simulation import ReplicationOutput
from simlib.model.trace import event_trace
from simlib.model.units import YEAR
from simlib.presentation import plots
from simlib.presentation.brief import build_brief
from simlib.presentation.dashboard import (
    CapDashboard,
    RunSettings,
    caps_dashboard,
    fast_mode,
    in_voila,
    language,
    out_dir,
    settings,
)
from simlib.presentation.i18n import kpi_label, scaled
from simlib.scenario.schema import Scenario

__all__ = [
    "CapDashboard", "ReplicationOutput", "RunSettings", "build_brief", "caps_dashboard", "child_history",
    "cost_per_point", "event_trace", "fast_mode", "in_voila", "kpi_label", "language", "mm1ps_sojourn",
    "mmc_lq", "mmc_wq", "out_dir", "parameter_table", "placement_spells", "plots", "relative_ranges",
    "replication", "scaled", "settings", "sobol_indices", "tornado", "toy_trace",
]


def replication(
    scenario: Scenario | str | Path,
    overrides: dict[str, Any] | None = None,
    *,
    years: float | None = None,
    seed: int = 2024,
    replication: int = 0,
) -> ReplicationOutput:
    """One replication with everything it recorded (``.kpis``, ``.series``, ``.recorder``).

    The same run as replication ``replication`` of ``simlib.run(scenario, seed=seed,
    years=years, overrides=overrides)``; use it to look inside one history
    (``child_history``, ``placement_spells``, ``event_trace``), not for numbers to
    quote (one run is one possible history: quote ``simlib.run``'s intervals).
    """
    return simulate(resolve(scenario, overrides, years=years), seed=seed, replication=replication)


def toy_trace(caseworkers: int = 2, days: float = 30.0, utilisation: float = 0.8, seed: int = 1) -> pd.DataFrame:
    """The event trace of a toy run: the M/M/c textbook scenario with a few caseworkers.

    ``scenarios/textbook/mmc.yaml`` (Poisson referrals that all open an
    investigation, exponential work of one day, one case per caseworker, first
    come first served) with ``caseworkers`` servers and referrals set so the
    caseworkers are busy ``utilisation`` of the time; ``days`` of referrals, no
    warm-up. Returns ``event_trace`` of that run: every event in time order with
    the numbers waiting and in work after it. ``in_work`` never exceeds
    ``caseworkers``, and once every event of an instant has happened a case
    waits only while all of them are busy (within an instant, a decision frees a
    caseworker a moment before the next case is taken).
    """
    mu = 1.0  # the scenario's work: hours.mean equals hours_per_day
    overrides = {
        "staff.investigators_fte": caseworkers,
        "referrals.per_year": utilisation * caseworkers * mu * YEAR,
        "horizon.years": days / YEAR,
        "horizon.warmup_years": 0.0,
    }
    out = replication("textbook/mmc", overrides, seed=seed)
    return event_trace(out)
