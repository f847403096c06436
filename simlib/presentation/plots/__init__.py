"""Figures from tidy frames, labelled through the catalogue in Swedish or English.

Parts:
- ``base``: locale tick labels, literal text (no mathtext), colours, SVG/PNG export.
- ``results``: KPI means with CIs, paired differences, weekly series with bands.
- ``analysis``: tornado swings, Sobol indices, heat maps of a two-key sweep.
- ``paths``: one child's path through care, a mean's interval as replications grow.

Every function takes frames that an experiment or analysis returned, and a
language, and returns a matplotlib ``Figure``; none computes model results.
Importing the package leaves matplotlib's backend alone (notebooks keep their
inline figures); the command line, which only writes files, selects Agg itself.
"""

from simlib.presentation.plots.analysis import axis_label, param_label, sobol, sweep_heatmaps, tornado
from simlib.presentation.plots.base import WRAP, LocaleFormatter, palette, to_png, to_svg, unit_factor
from simlib.presentation.plots.paths import child_path, interval_by_replications, place_label
from simlib.presentation.plots.results import kpi_means, paired_differences, weekly_band, weekly_series

__all__ = [
    "WRAP",
    "LocaleFormatter",
    "axis_label",
    "child_path",
    "interval_by_replications",
    "kpi_means",
    "paired_differences",
    "palette",
    "param_label",
    "place_label",
    "sobol",
    "sweep_heatmaps",
    "to_png",
    "to_svg",
    "tornado",
    "unit_factor",
    "weekly_band",
    "weekly_series",
]
