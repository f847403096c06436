"""The dashboard's words and tables: the lead sentence, the KPI table, the cap note.

The dashboard leads with instability, never with an "improvement": first whether
the queue of unassigned investigations (balans) grows and in how many runs it grew
without bound, and that under a cap at a given budget fewer placement moves or
lower caseloads come only from decisions being delayed. A first estimate from
short runs is marked provisional (short runs understate a growing queue). Interval
ends get the decimals they need to differ ("89.6% to 90.4%", never "90% to 90%").
"""

from __future__ import annotations

import html
import math

import pandas as pd

from simlib.presentation.dashboard.settings import label
from simlib.presentation.i18n import distinct_decimals, fmt_diff, fmt_value, kpi_label

GROWTH = "balans_growth_per_year"
UNSTABLE = "unstable"


def _row(table: pd.DataFrame, kpi: str) -> pd.Series | None:
    rows = table[table["kpi"] == kpi]
    return None if rows.empty else rows.iloc[0]


def growing(table: pd.DataFrame) -> bool:
    """Whether the queue grows: the growth's interval lies above zero, or a run was unstable."""
    growth, unstable = _row(table, GROWTH), _row(table, UNSTABLE)
    grows = growth is not None and not math.isnan(growth["ci_low"]) and growth["ci_low"] > 0
    return grows or (unstable is not None and unstable["mean"] > 0)


def lead_html(table: pd.DataFrame, lang: str) -> str:
    """The sentence the dashboard opens its results with: is the queue stable?"""
    growth = _row(table, GROWTH)
    if growth is None:
        return ""
    d = distinct_decimals(GROWTH, growth["ci_low"], growth["ci_high"])
    fields = {
        "growth": fmt_value(growth["mean"], GROWTH, lang, sign=True, decimals=d),
        "low": fmt_value(growth["ci_low"], GROWTH, lang, sign=True, decimals=d),
        "high": fmt_value(growth["ci_high"], GROWTH, lang, sign=True, decimals=d),
    }
    if not growing(table):
        return f"<p class='caseload-lead' data-state='stable'>{html.escape(label('dashboard.lead.stable', lang, **fields))}</p>"
    parts = [label("dashboard.lead.growing", lang, **fields)]
    unstable = _row(table, UNSTABLE)
    if unstable is not None and unstable["mean"] > 0:
        parts.append(label("dashboard.unstable", lang, share=fmt_value(unstable["mean"], UNSTABLE, lang)))
    parts.append(label("dashboard.lead.delayed", lang))
    return f"<p class='caseload-lead' data-state='growing'><b>{html.escape(' '.join(parts))}</b></p>"


def _cells(r: pd.Series, lang: str, to: str) -> list[str]:
    d = distinct_decimals(r.kpi, r.ci_low, r.ci_high)
    dd = distinct_decimals(r.kpi, r.diff_low, r.diff_high)
    return [
        kpi_label(r.kpi, lang),
        fmt_value(r.mean, r.kpi, lang, unit=True, decimals=d),
        f"{fmt_value(r.ci_low, r.kpi, lang, decimals=d)} {to} {fmt_value(r.ci_high, r.kpi, lang, decimals=d)}",
        fmt_value(r.baseline, r.kpi, lang, decimals=d),
        f"{fmt_diff(r.diff, r.kpi, lang, unit=True, decimals=dd)} "
        f"({label('lang.ci', lang)} {fmt_diff(r.diff_low, r.kpi, lang, decimals=dd)} {to} "
        f"{fmt_diff(r.diff_high, r.kpi, lang, decimals=dd)})",
    ]


def table_html(table: pd.DataFrame, lang: str, provisional: str = "") -> str:
    """The KPI table; ``provisional`` (a caption) marks a first estimate from short runs."""
    head = "".join(
        f"<th style='text-align:left;padding:2px 8px'>{html.escape(label(k, lang))}</th>"
        for k in ("dashboard.col.kpi", "dashboard.col.scenario", "lang.ci", "dashboard.col.baseline", "dashboard.col.diff")
    )
    to = label("lang.to", lang)
    rows = []
    for r in table.itertuples():
        cells = _cells(r, lang, to)
        rows.append(
            f"<tr data-kpi='{r.kpi}'>" + "".join(f"<td style='padding:2px 8px'>{html.escape(c)}</td>" for c in cells) + "</tr>"
        )
    state = "provisional" if provisional else "final"
    style = " style='color:#666;font-style:italic'" if provisional else ""
    caption = (
        f"<caption style='text-align:left;color:#8a4b00;font-weight:bold'>{html.escape(provisional)}</caption>"
        if provisional else ""
    )
    return f"<table data-estimate='{state}'{style}>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def cap_note(mode: str, lang: str, section: str = "investigation") -> str:
    """Why a cap slider is disabled (no cap), or nothing; ``section``: investigation or placements."""
    if mode != "none":
        return ""
    key = "dashboard.cap_disabled" if section == "investigation" else "dashboard.placement_cap_disabled"
    return f"<i>{html.escape(label(key, lang))}</i>"
