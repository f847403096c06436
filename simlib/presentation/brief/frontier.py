"""The funding frontier figure: 4-month compliance against total cost, one line per caseload cap.

Draws the frame ``simlib.analysis.funding.frontier`` returns (one row per cap
and number of extra investigator posts); computes nothing itself. Each point
is labelled with its extra posts; the dashed line is today's share, so the
price of a cap can be read where its line crosses it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from simlib.presentation import i18n
from simlib.presentation.plots import LocaleFormatter, palette

COMPLIANCE = "investigation_within_4m_share"
COST = "total_cost_sek_per_year"
WORDS = {"sv": {"cap": "tak {cap}", "none": "inget tak", "x": "Total kostnad (mnkr per år)",
                "y": "Klara inom fyra månader (%)", "today": "i dag"},
         "en": {"cap": "cap {cap}", "none": "no cap", "x": "Total cost (MSEK a year)",
                "y": "Finished within four months (%)", "today": "today"}}


def frontier_figure(frame: pd.DataFrame, today: float, lang: str) -> Figure:
    """Lines of (total cost, compliance) per cap; ``today`` is today's compliance (a share)."""
    words = WORDS[i18n.check_lang(lang)]
    fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    caps = list(dict.fromkeys(None if pd.isna(c) else int(c) for c in frame["cap"]))
    colours = palette([str(c) for c in caps])
    for cap in caps:
        colour = colours[str(cap)]
        rows = frame[frame["cap"].isna()] if cap is None else frame[frame["cap"] == cap]
        rows = rows.sort_values("extra_posts")
        x, y = rows[COST] / 1e6, rows[COMPLIANCE] * 100
        label = words["none"] if cap is None else words["cap"].format(cap=cap)
        ax.plot(x, y, marker="o", color=colour, label=label)
        for xi, yi, e in zip(x, y, rows["extra_posts"], strict=True):
            ax.annotate(f"+{int(e)}", (xi, yi), textcoords="offset points", xytext=(4, -10), fontsize=7, color=colour)
    ax.axhline(today * 100, linestyle="--", color="0.4", linewidth=1)
    ax.annotate(words["today"], (ax.get_xlim()[0], today * 100), textcoords="offset points", xytext=(2, 3),
                fontsize=8, color="0.3")
    ax.set_xlabel(words["x"])
    ax.set_ylabel(words["y"])
    ax.xaxis.set_major_formatter(LocaleFormatter(lang, 0))
    ax.yaxis.set_major_formatter(LocaleFormatter(lang, 0))
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return fig
