"""Figures of the analyses: tornado swings, Sobol indices, heat maps of a sweep.

Each takes the tidy frame its analysis returns (``simlib.analysis.sensitivity``'s
``tornado`` and ``sobol_indices``, ``SweepResults.summary()``), a language, and
returns a matplotlib ``Figure``; titles, axes and legends come from the catalogue,
ticks use the language's number format. No analysis is computed here.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from simlib.presentation.i18n import fmt_number, has, kpi_diff_unit, kpi_format, kpi_label, kpi_unit, scaled, t
from simlib.presentation.plots.base import WRAP, literal_text, number_axis, palette


def param_label(key: str, lang: str) -> str:
    """A parameter's catalogue label (``param.<dotted key>``), else its dotted key."""
    return t(f"param.{key}", lang) if has(f"param.{key}") else key


def _panels(n: int, width: float = 6.5, height: float = 3.5) -> tuple[Figure, list[plt.Axes]]:
    fig, axes = plt.subplots(1, max(n, 1), figsize=(width * max(n, 1), height), squeeze=False)
    return fig, list(axes[0])


def _parameter_panel(ax: plt.Axes, parameters: pd.Series, kpi: str, lang: str, xlabel: str) -> None:
    """A panel of horizontal bars, one row per parameter: labels, zero line, title, locale ticks."""
    ax.set_yticks(np.arange(len(parameters)), [textwrap.fill(param_label(p, lang), WRAP) for p in parameters], fontsize="small")
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel(xlabel, fontsize="small")
    ax.set_title(textwrap.fill(kpi_label(kpi, lang), 48), fontsize="medium")
    number_axis(ax, lang)
    ax.grid(axis="x", alpha=0.3)


@literal_text
def tornado(tor: pd.DataFrame, kpis: Sequence[str], lang: str, rel: float | None = None) -> Figure:
    """One panel per KPI: each parameter's paired change at its low and high end, biggest swing on top.

    ``tor`` has columns parameter, kpi, base, at_low, at_high (and swing), as
    ``simlib.analysis.sensitivity.tornado`` returns it. Changes are in the KPI's
    display unit (percentage points for shares). ``rel`` (e.g. 0.2) names the
    move in the legend; without it the legend says low and high end.
    """
    present = [k for k in kpis if k in set(tor["kpi"])]
    fig, axes = _panels(len(present))
    colours = palette(["low", "high"])
    pct = fmt_number(100 * rel, lang, 0) if rel is not None else None
    low = t("plot.tornado.low_rel", lang, pct=pct) if pct else t("plot.tornado.low", lang)
    high = t("plot.tornado.high_rel", lang, pct=pct) if pct else t("plot.tornado.high", lang)
    for ax, kpi in zip(axes, present, strict=False):
        d = tor[tor["kpi"] == kpi]
        d = d.assign(swing=(d["at_high"] - d["at_low"]).abs()).sort_values("swing", kind="stable")
        y = np.arange(len(d))
        ax.barh(y, scaled(d["at_low"] - d["base"], kpi), color=colours["low"], label=low)
        ax.barh(y, scaled(d["at_high"] - d["base"], kpi), color=colours["high"], label=high)
        _parameter_panel(ax, d["parameter"], kpi, lang, t("plot.change", lang, unit=kpi_diff_unit(kpi, lang)))
    axes[0].legend(fontsize="small")
    fig.tight_layout()
    return fig


@literal_text
def sobol(sob: pd.DataFrame, kpis: Sequence[str], lang: str) -> Figure:
    """One panel per KPI: first-order (S1) and total (ST) Sobol index of each parameter, with CIs.

    ``sob`` has columns kpi, parameter, S1, S1_conf, ST, ST_conf, as
    ``simlib.analysis.sensitivity.sobol_indices`` returns it.
    """
    present = [k for k in kpis if k in set(sob["kpi"])]
    fig, axes = _panels(len(present))
    colours = palette(["S1", "ST"])
    for ax, kpi in zip(axes, present, strict=False):
        d = sob[sob["kpi"] == kpi].sort_values("ST", kind="stable", na_position="first")
        y = np.arange(len(d))
        for offset, index in ((-0.2, "S1"), (0.2, "ST")):
            ax.barh(y + offset, d[index], height=0.38, xerr=d[f"{index}_conf"], color=colours[index],
                    error_kw={"elinewidth": 0.8, "capsize": 2}, label=t(f"plot.sobol.{index}", lang))
        _parameter_panel(ax, d["parameter"], kpi, lang, t("plot.sobol.index", lang))
    axes[0].legend(fontsize="small")
    fig.tight_layout()
    return fig


# swept keys shown in other units than stored: (divisor, decimals); the label says the unit (plot.axis.<key>)
AXIS_SCALES = {"staff.budget_sek_per_year": (1e6, 1)}


def axis_label(key: str, lang: str) -> str:
    """A swept key as an axis label: ``plot.axis.<key>`` (says the unit shown), else the parameter label."""
    return t(f"plot.axis.{key}", lang) if has(f"plot.axis.{key}") else param_label(key, lang)


def _ticks(values: pd.Index, key: str, lang: str) -> list[str]:
    scale, decimals = AXIS_SCALES.get(key, (1.0, None))
    out = []
    for v in values:
        if pd.isna(v):
            out.append(t("param.cap_value_none", lang))
        elif decimals is None and float(v).is_integer():
            out.append(fmt_number(v / scale, lang, 0))
        else:
            out.append(fmt_number(v / scale, lang, 2 if decimals is None else decimals))
    return out


@literal_text
def sweep_heatmaps(
    cells: pd.DataFrame,
    kpis: Sequence[str],
    rows: str,
    columns: str,
    lang: str,
) -> Figure:
    """One heat map per KPI: its mean over replications for each design point of a two-key sweep.

    ``cells`` is ``SweepResults.summary()`` (columns: the two swept keys, kpi,
    mean); ``rows`` and ``columns`` name the swept keys. Values are in the KPI's
    display unit; axes carry the keys' catalogue labels (a budget in millions).
    """
    present = [k for k in kpis if k in set(cells["kpi"])]
    fig, axes = _panels(len(present), width=5.0, height=4.0)
    for ax, kpi in zip(axes, present, strict=False):
        table = cells[cells["kpi"] == kpi].pivot(index=rows, columns=columns, values="mean")
        f = kpi_format(kpi)
        shown = scaled(table, kpi)
        annot = shown.apply(lambda col, d=(0 if f.share else f.decimals): col.map(lambda v: fmt_number(v, lang, d)))
        shown.index, shown.columns = _ticks(table.index, rows, lang), _ticks(table.columns, columns, lang)
        annot.index, annot.columns = shown.index, shown.columns
        sns.heatmap(shown, annot=annot, fmt="", cmap="viridis", ax=ax,
                    cbar_kws={"label": "%" if f.share else kpi_unit(kpi, lang)})
        ax.set_title(textwrap.fill(kpi_label(kpi, lang), 44), fontsize="medium")
        ax.set_ylabel(textwrap.fill(axis_label(rows, lang), WRAP), fontsize="small")
        ax.set_xlabel(textwrap.fill(axis_label(columns, lang), WRAP), fontsize="small")
    fig.tight_layout()
    return fig
