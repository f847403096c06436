"""The text ``simlib national`` prints: unstable municipalities first, then the price and paired differences.

Why first: a municipality whose queue grows without bound has no meaningful
level to add up; the reader must see who is left out of the totals (and how
many children live there) before any national number.
"""

from __future__ import annotations

import math

import pandas as pd

from simlib.analysis.national import NationalResults
from simlib.model import kpi_registry
from simlib.presentation import i18n

SHOWN = (
    "investigation_within_4m_share", "investigation_wait_days_mean", "balans_growth_per_year", "balans_mean",
    "child_heard_share", "turnover_per_year", "vacancy_share", "fte_funded", "cost_sek_per_year",
    "consultant_cost_sek_per_year", "total_cost_sek_per_year", "referrals_per_year",
)
OWN_LABELS = {
    "referrals_per_year": "Referrals a year",
    "placement_cost_sek_per_year": "Cost of children in care",
    "total_cost_sek_per_year": "Total cost (staff, consultants, children in care)",
}


def label(kpi: str) -> str:
    return OWN_LABELS.get(kpi) or i18n.table_label(kpi, "en")


def value(x: float, kpi: str, sign: bool = False, decimals: int | None = None) -> str:
    if math.isnan(x):
        return "-"
    if kpi.endswith("_sek_per_year"):
        if abs(x) < 1e8:
            return f"{x / 1e6:{'+' if sign else ''},.1f} MSEK".replace(",", " ")
        return f"{x / 1e9:{'+' if sign else ''},.2f} SEK bn".replace(",", " ")
    if kpi in OWN_LABELS or kpi not in kpi_registry.BY_NAME:
        return f"{x:{'+' if sign else ''},.0f}".replace(",", " ")
    if sign:
        return i18n.fmt_diff(x, kpi, "en", unit=True, decimals=decimals)
    return i18n.fmt_value(x, kpi, "en", unit=True)


def interval(row: pd.Series, sign: bool = False) -> str:
    flag = " (clipped to the possible range)" if row["clipped"] else ""
    kpi = row["kpi"]
    dd = None
    if sign and kpi in kpi_registry.BY_NAME:  # a small but real difference is not printed as "0 [0, 0]"
        dd = i18n.diff_decimals(kpi, row["estimate"], row["ci_low"], row["ci_high"])
    return f"{value(row['estimate'], kpi, sign, dd)} [{value(row['ci_low'], kpi, sign, dd)}, " \
           f"{value(row['ci_high'], kpi, sign, dd)}]{flag}"


def unstable_lines(res: NationalResults) -> list[str]:
    bad = res.unstable
    if bad.empty:
        return ["Unstable municipalities: none (every replication of every municipality kept its queues bounded)."]
    children = float(res.municipalities["children_0_17"].sum())
    share = bad["children_0_17"].sum() / children
    scen = [c for c in bad.columns if c not in ("code", "name", "group_code", "children_0_17")]
    lines = [f"UNSTABLE municipalities, left out of every total below: {len(bad)} "
             f"({_int(bad['children_0_17'].sum())} children, {share:.1%} of Sweden's):"]
    for row in bad.to_dict("records"):
        runs = ", ".join(f"{s} {row[s]:.0%}" for s in scen)
        lines.append(f"  {row['name']} ({row['code']}, {row['group_code']}, {_int(row['children_0_17'])} children): "
                     f"unstable runs {runs}")
    return lines


def render(res: NationalResults, names: list[str]) -> str:
    """The whole text answer of ``simlib national``."""
    n = len(res.municipalities)
    lines = [
        f"National answer: {len(names)} scenario(s) x {n} municipalities x {res.reps} replications "
        f"(seed {res.seed}; each municipality its own seed, the same in every scenario).",
        "",
        *unstable_lines(res),
        "",
    ]
    totals = res.totals.set_index(["scenario", "kpi"])
    for alt in names[1:]:
        d = res.differences[res.differences["scenario"] == alt].set_index("kpi")
        if d.empty:
            continue
        m = int(d["municipalities"].max())
        lines.append(f"{alt} against {names[0]}: paired national differences over {m} municipalities (95% CI)")
        for kpi, what in (("fte_funded", "posts"), ("cost_sek_per_year", "staff and consultants"),
                          ("total_cost_sek_per_year", "with children in care")):
            if kpi in d.index:
                lines.append(f"  PRICE ({what}): {interval(_row(d, kpi), True)}")
        lines.append("")
        width = max(len(label(k)) for k in SHOWN)
        lines.append(f"  {'':<{width}} {names[0]:>18} {alt:>18}  difference [95% CI]")
        for kpi in SHOWN:
            if kpi not in d.index or (names[0], kpi) not in totals.index:
                continue
            base, other = totals.loc[(names[0], kpi), "estimate"], totals.loc[(alt, kpi), "estimate"]
            lines.append(f"  {label(kpi):<{width}} {value(base, kpi):>18} {value(other, kpi):>18}  "
                         f"{interval(_row(d, kpi), True)}")
        lines.append("")
    if len(names) == 1:
        width = max(len(label(k)) for k in SHOWN)
        for kpi in SHOWN:
            if (names[0], kpi) in totals.index:
                row = totals.loc[(names[0], kpi)].copy()
                row["kpi"] = kpi
                lines.append(f"  {label(kpi):<{width}} {interval(row)}")
    return "\n".join(lines).rstrip() + "\n"


def _row(frame: pd.DataFrame, kpi: str) -> pd.Series:
    row = frame.loc[kpi].copy()
    row["kpi"] = kpi
    return row


def _int(n: float) -> str:
    return f"{int(n):,}".replace(",", " ")
