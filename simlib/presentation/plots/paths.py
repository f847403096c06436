"""Figures that follow single runs and single children: one child's path, a replication count's interval.

``child_path`` draws the placements of one child from a replication's placement
spells (``simlib.notebook.placement_spells``); ``interval_by_replications``
shows how a mean's confidence interval narrows as replications are added.
Labels come from the catalogue, ticks use the language's number format.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from simlib.experiments.intervals import t_interval
from simlib.model.units import YEAR
from simlib.presentation.i18n import has, t
from simlib.presentation.plots.base import literal_text, number_axis, palette


def place_label(place: str, lang: str) -> str:
    """A kind of place (``home``: a foster home, ``emergency``: an emergency place) in words."""
    return t(f"plot.place.{place}", lang) if has(f"plot.place.{place}") else place


@literal_text
def child_path(spells: pd.DataFrame, child: int, lang: str) -> Figure:
    """One child's stays in care as bars along the simulated years, coloured by the kind of place.

    ``spells`` has columns child, placement, start, end (days) and place, one row
    per stay (``placement_spells`` of a replication). Each bar is numbered by the
    child's placement; gaps between bars are time back at home.
    """
    path = spells[spells["child"] == child].sort_values("start", kind="stable")
    kinds = list(dict.fromkeys(path["place"]))
    colours = palette(sorted(set(spells["place"])))
    fig, ax = plt.subplots(figsize=(10, 2.2))
    for row in path.itertuples():
        ax.broken_barh([(row.start / YEAR, (row.end - row.start) / YEAR)], (0, 1), color=colours[row.place], edgecolor="white")
        ax.text((row.start + row.end) / (2 * YEAR), 0.5, str(row.placement), ha="center", va="center", color="white", fontsize=8)
    ax.set_yticks([])
    ax.set_xlabel(t("plot.sim_year", lang))
    number_axis(ax, lang)
    ax.set_title(t("plot.child_path", lang, child=child, n=len(path)), fontsize="medium")
    ax.legend(handles=[Patch(color=colours[k], label=place_label(k, lang)) for k in kinds],
              loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)
    fig.tight_layout()
    return fig


@literal_text
def interval_by_replications(
    values: Sequence[float] | pd.Series,
    lang: str,
    ylabel: str,
    reference: float | None = None,
    reference_label: str = "",
    level: float = 0.95,
) -> Figure:
    """The mean of the first n replications and its t-interval, for n = 2 .. all of them.

    ``values`` holds one KPI value per replication, in replication order; the
    optional ``reference`` (an exact value, e.g. Erlang C) is drawn as a dashed line.
    """
    x = np.asarray(values, dtype=float)
    rows = [(n, *t_interval(x[:n], level)[:3]) for n in range(2, len(x) + 1)]
    ci = pd.DataFrame(rows, columns=["n", "mean", "low", "high"])
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    ax.fill_between(ci["n"], ci["low"], ci["high"], alpha=0.3, label=t("plot.ci_band", lang))
    ax.plot(ci["n"], ci["mean"], "o-", label=t("plot.mean_first_n", lang))
    if reference is not None:
        ax.axhline(reference, color="k", ls="--", label=reference_label)
    ax.set_xlabel(t("plot.replications", lang))
    ax.set_ylabel(textwrap.fill(ylabel, 30))
    number_axis(ax, lang, axis="x", decimals=0)
    number_axis(ax, lang, axis="y")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
