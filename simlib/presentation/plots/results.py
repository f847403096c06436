"""Figures from tidy result frames: KPI means with CIs, paired differences, weekly series.

Each function takes tidy frames (one row per scenario x KPI, or per scenario x
replication x week), a language, and returns a matplotlib ``Figure``; every label
comes from the i18n catalogue and every tick uses the language's number format.
No model logic: callers compute summaries (``Results.summary()``, a comparison's
paired differences) and pass them in. Used by the brief, notebooks and dashboard.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simlib.experiments.intervals import t_interval
from simlib.presentation.i18n import has, kpi_diff_unit, kpi_label, kpi_unit, scaled, t
from simlib.presentation.plots.base import WRAP, literal_text, number_axis, palette


@literal_text
def kpi_means(
    summary: pd.DataFrame,
    kpis: Sequence[str],
    lang: str,
    scenarios: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """Horizontal bars of KPI means per scenario with 95% CI error bars.

    ``summary`` has columns scenario, kpi, mean, ci_low, ci_high. Values are shown
    in display units (shares in percent); KPIs absent from the frame are skipped.
    """
    frame = summary[summary["kpi"].isin(kpis)]
    names = list(scenarios) if scenarios is not None else list(dict.fromkeys(frame["scenario"]))
    present = [k for k in kpis if k in set(frame["kpi"])]
    colours = palette(names)
    height = 0.8 / max(len(names), 1)
    fig, ax = plt.subplots(figsize=(7.5, 0.6 + 0.55 * max(len(present), 1) * max(len(names), 1) ** 0.5 + 0.6))
    for j, name in enumerate(names):
        rows = frame[frame["scenario"] == name].set_index("kpi")
        ys, xs, lo, hi = [], [], [], []
        for i, k in enumerate(present):
            if k not in rows.index:
                continue
            r = rows.loc[k]
            ys.append(i - 0.4 + height * (j + 0.5))
            xs.append(scaled(r["mean"], k))
            lo.append(scaled(r["mean"] - r["ci_low"], k) if pd.notna(r["ci_low"]) else 0.0)
            hi.append(scaled(r["ci_high"] - r["mean"], k) if pd.notna(r["ci_high"]) else 0.0)
        ax.barh(ys, xs, height=height * 0.9, color=colours[name], label=name)
        ax.errorbar(xs, ys, xerr=[lo, hi], fmt="none", ecolor="black", elinewidth=1, capsize=3)
    labels = [textwrap.fill(f"{kpi_label(k, lang)} ({kpi_unit(k, lang)})", WRAP) for k in present]
    ax.set_yticks(range(len(present)), labels)
    ax.invert_yaxis()
    number_axis(ax, lang)
    ax.set_xlabel(t("plot.mean_ci", lang))
    ax.grid(axis="x", alpha=0.3)
    ax.legend(
        title=t("plot.scenario", lang), loc="upper center", bbox_to_anchor=(0.5, -0.14 - 0.25 / max(len(present), 1)),
        ncol=min(len(names), 4), fontsize="small", frameon=False,
    )
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


@literal_text
def paired_differences(
    diffs: pd.DataFrame,
    kpis: Sequence[str],
    lang: str,
    base: str,
    title: str | None = None,
    scenarios: Sequence[str] | None = None,
) -> Figure:
    """One small panel per KPI: each alternative's mean paired difference with its 95% CI.

    ``diffs`` has columns alternative, kpi, mean, ci_low, ci_high (``Comparison.summary()``).
    Panels have their own scales because units differ; the zero line is drawn.
    """
    present = [k for k in kpis if k in set(diffs["kpi"])]
    names = list(dict.fromkeys(diffs["alternative"]))
    # colours as in the other figures, where the base is first
    colours = palette(list(scenarios) if scenarios is not None else [base, *names])
    ncol = 2 if len(present) > 1 else 1
    nrow = max(int(np.ceil(len(present) / ncol)), 1)
    fig, axes = plt.subplots(nrow, ncol, figsize=(7.5, 0.4 + 1.45 * nrow), squeeze=False)
    for ax, k in zip(axes.flat, present, strict=False):
        rows = diffs[diffs["kpi"] == k].set_index("alternative")
        for i, name in enumerate(names):
            if name not in rows.index:
                continue
            r = rows.loc[name]
            m = scaled(r["mean"], k)
            lo = m - scaled(r["ci_low"], k) if pd.notna(r["ci_low"]) else 0.0
            hi = scaled(r["ci_high"], k) - m if pd.notna(r["ci_high"]) else 0.0
            ax.errorbar([m], [i], xerr=[[lo], [hi]], fmt="o", color=colours[name], capsize=4, ms=5)
        ax.axvline(0.0, color="grey", lw=1, ls="--")
        ax.set_yticks(range(len(names)), names, fontsize="small")
        ax.set_ylim(len(names) - 0.5, -0.5)
        ax.set_title(textwrap.fill(kpi_label(k, lang), 40), fontsize="small")
        ax.set_xlabel(kpi_diff_unit(k, lang), fontsize="small")
        number_axis(ax, lang, decimals=None)
        ax.tick_params(axis="x", labelsize="small")
        ax.grid(axis="x", alpha=0.3)
    for ax in list(axes.flat)[len(present):]:
        ax.set_visible(False)
    fig.suptitle(title or t("plot.difference", lang, base=base), fontsize="medium")
    fig.tight_layout()
    return fig


def weekly_band(series: pd.DataFrame, column: str, level: float = 0.95) -> pd.DataFrame:
    """Per scenario and week: mean of ``column`` across replications and its t-interval."""
    rows = []
    for (name, week), group in series.groupby(["scenario", "week"], sort=True):
        mean, low, high, n = t_interval(group[column].to_numpy(dtype=float), level)
        rows.append({"scenario": name, "week": week, "mean": mean, "ci_low": low, "ci_high": high, "n": n})
    return pd.DataFrame(rows, columns=["scenario", "week", "mean", "ci_low", "ci_high", "n"])


@literal_text
def weekly_series(
    series: pd.DataFrame,
    columns: Sequence[str],
    lang: str,
    title: str | None = None,
) -> Figure:
    """Weekly series (one panel per column) with a line per scenario and a 95% CI band.

    ``series`` has columns scenario, replication, week, the value columns and
    optionally in_warmup, whose span is shaded.
    """
    present = [c for c in columns if c in series.columns]
    names = list(dict.fromkeys(series["scenario"]))
    colours = palette(names)
    fig, axes = plt.subplots(len(present), 1, figsize=(7.5, 0.6 + 2.1 * max(len(present), 1)), squeeze=False, sharex=True)
    warm_end = None
    if "in_warmup" in series.columns and series["in_warmup"].any():
        warm_end = float(series.loc[series["in_warmup"], "week"].max()) + 1
    for ax, col in zip(axes[:, 0], present, strict=False):
        band = weekly_band(series, col)
        for name in names:
            b = band[band["scenario"] == name]
            ax.plot(b["week"], b["mean"], color=colours[name], lw=1.4, label=name)
            ax.fill_between(b["week"], b["ci_low"].fillna(b["mean"]), b["ci_high"].fillna(b["mean"]), color=colours[name], alpha=0.25, lw=0)
        if warm_end is not None:
            ax.axvspan(0, warm_end, color="grey", alpha=0.12, lw=0, label=t("plot.warmup", lang))
        key = f"plot.series.{col}"
        ax.set_ylabel(textwrap.fill(t(key, lang), 22) if has(key) else col, fontsize="small")
        number_axis(ax, lang, axis="y")
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="upper left", fontsize="small", framealpha=0.9)
    axes[-1, 0].set_xlabel(t("plot.week", lang))
    number_axis(axes[-1, 0], lang, axis="x", decimals=0)
    fig.suptitle(title or t("plot.band", lang), fontsize="medium")
    fig.tight_layout()
    return fig
