"""The brief's words and tables: summary sentences and key tables, computed from the comparison.

Every sentence is chosen from the paired difference and its interval (up,
down, negligible, unclear), never canned; labels and units come from the i18n
catalogue. ``build`` lays these out on the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from simlib.experiments.replications import Results
from simlib.presentation import i18n
from simlib.presentation.i18n import fmt_diff, fmt_value, kpi_format, t

# The key table's rows, in order: waits, deadlines, children heard, caseloads,
# workforce, placements, cost. Only those present in the results are shown.
KEY_KPIS: tuple[str, ...] = (
    "investigation_wait_days_mean",
    "investigation_wait_days_p90",
    "investigation_days_mean",
    "screening_within_14d_share",
    "investigation_within_4m_share",
    "child_heard_share",
    "balans_mean",
    "caseload_mean",
    "caseload_p90",
    "turnover_per_year",
    "staff_under_1y_share",
    "vacancy_share",
    "placement_moves_per_child_year",
    "breakdowns_per_year",
    "caseworker_changes_per_child_year",
    "visits_done_share",
    "cost_sek_per_year",
    "consultant_cost_sek_per_year",
)
# The KPIs the issue asks for by name; those absent are listed as not modelled.
REQUIRED_KPIS: tuple[str, ...] = (
    "investigation_wait_days_mean",
    "screening_within_14d_share",
    "investigation_within_4m_share",
    "child_heard_share",
    "caseload_mean",
    "turnover_per_year",
    "placement_moves_per_child_year",
    "cost_sek_per_year",
)
# KPIs the plain-language summary speaks about, in this order.
SUMMARY_KPIS: tuple[str, ...] = (
    "investigation_within_4m_share",
    "investigation_wait_days_mean",
    "child_heard_share",
    "screening_within_14d_share",
    "caseload_mean",
    "turnover_per_year",
    "placement_moves_per_child_year",
    "cost_sek_per_year",
)
# KPIs that only mean something when staff dynamics / placements run (they read 0 otherwise).
WORKFORCE_KPIS = frozenset({
    "turnover_per_year", "staff_under_1y_share", "vacancy_share", "consultant_share", "sick_leave_share",
    "fte_working_mean", "consultant_cost_sek_per_year", "caseworker_changes_per_child_year",
})
PLACEMENT_KPIS = frozenset({
    "placements_active_mean", "placement_moves_per_child_year", "breakdowns_per_year",
    "children_3plus_placements_share", "visits_done_share", "emergency_placement_share",
    "caseworker_changes_per_child_year",
})
DIFF_COLUMNS = ["scenario", "kpi", "mean", "ci_low", "ci_high", "n"]


@dataclass
class KeyRow:
    """One row of a key table: raw numbers (for tests) and their display text."""

    kpi: str
    base_mean: float
    alt_mean: float
    diff: float
    ci_low: float
    ci_high: float
    n: int
    cells: dict[str, str] = field(default_factory=dict)


@dataclass
class KeyTable:
    alt: str
    rows: list[KeyRow]


def normalise_diffs(frame: pd.DataFrame) -> pd.DataFrame:
    """Accept a comparison frame whose alternative column is called scenario, alternative or alt."""
    out = frame.copy()
    if "scenario" not in out.columns:
        for name in ("alternative", "alt", "alt_scenario"):
            if name in out.columns:
                out = out.rename(columns={name: "scenario"})
                break
    missing = [c for c in DIFF_COLUMNS if c not in out.columns]
    if missing:
        raise ValueError(f"paired-difference frame lacks columns {missing}; has {list(frame.columns)}")
    return out[DIFF_COLUMNS]


def _sentence(kpi: str, alt: str, base_mean: float, alt_mean: float, d: pd.Series, lang: str) -> str:
    dd = i18n.diff_decimals(kpi, d["mean"], d["ci_low"], d["ci_high"])
    fields = {
        "alt": alt,
        "phrase": t(f"kpi.{kpi}.phrase", lang) if i18n.has(f"kpi.{kpi}.phrase") else kpi,
        "base_value": fmt_value(base_mean, kpi, lang, unit=True),
        "alt_value": fmt_value(alt_mean, kpi, lang, unit=True),
        "diff": fmt_diff(d["mean"], kpi, lang, unit=True, decimals=dd),
        "ci": t("lang.ci", lang),
        "low": fmt_diff(d["ci_low"], kpi, lang, decimals=dd),
        "high": fmt_diff(d["ci_high"], kpi, lang, decimals=dd),
    }
    low, high = d["ci_low"], d["ci_high"]
    if d["mean"] == 0 and (low == 0 or pd.isna(low)) and (high == 0 or pd.isna(high)):
        return t("brief.sentence.same", lang, **fields)
    if pd.isna(low) or pd.isna(high):
        return t("brief.sentence.no_ci", lang, **fields)
    if i18n.negligible(kpi, low, high):
        return t("brief.sentence.negligible", lang, **fields)
    if low > 0 or high < 0:
        text = t("brief.sentence.up_sig" if low > 0 else "brief.sentence.down_sig", lang, **fields)
        better = kpi_format(kpi).better
        if better != "none":
            good = (low > 0) == (better == "higher")
            text += " " + t("brief.sentence.better" if good else "brief.sentence.worse", lang)
        return text
    return t("brief.sentence.unclear", lang, **fields)


def _summary_means(results: Results) -> dict[str, float]:
    s = results.summary()
    return dict(zip(s["kpi"], s["mean"], strict=True))


Named = list[tuple[str, Results]]


def named_alternatives(alts: Mapping[str, Results] | Sequence[Results]) -> Named:
    """(name, Results) pairs: a Comparison's dict keeps its unique names, a list uses scenario names."""
    if isinstance(alts, Mapping):
        return list(alts.items())
    return [(r.name, r) for r in alts]


def summary_sentences(base: Results, alts: Named, diffs: pd.DataFrame, lang: str) -> list[str]:
    """Plain-language findings, one sentence per headline KPI and alternative, from the numbers."""
    base_means = _summary_means(base)
    modelled = modelled_kpis(base, alts)
    out = []
    for name, alt in alts:
        alt_means = _summary_means(alt)
        d_alt = diffs[diffs["scenario"] == name].set_index("kpi")
        for kpi in SUMMARY_KPIS:
            if kpi in modelled and kpi in d_alt.index and kpi in base_means and kpi in alt_means:
                out.append(_sentence(kpi, name, base_means[kpi], alt_means[kpi], d_alt.loc[kpi], lang))
    for name, res in [(base.name, base), *alts]:
        if "unstable" in set(res.kpis["kpi"]):
            share = float(res.kpi("unstable").mean())
            if share > 0:
                out.append(t("brief.sentence.unstable", lang, scenario=name, share=fmt_value(share, "unstable", lang)))
    return out


def key_tables(base: Results, alts: Named, diffs: pd.DataFrame, lang: str) -> list[KeyTable]:
    """One table per alternative: base and alternative means, paired difference and CI."""
    base_means = _summary_means(base)
    modelled = modelled_kpis(base, alts)
    tables = []
    for name, alt in alts:
        alt_means = _summary_means(alt)
        d_alt = diffs[diffs["scenario"] == name].set_index("kpi")
        rows = []
        for kpi in KEY_KPIS:
            if kpi not in modelled or kpi not in d_alt.index or kpi not in base_means or kpi not in alt_means:
                continue
            d = d_alt.loc[kpi]
            row = KeyRow(kpi, base_means[kpi], alt_means[kpi], float(d["mean"]), float(d["ci_low"]), float(d["ci_high"]), int(d["n"]))
            dd = i18n.diff_decimals(kpi, row.diff, row.ci_low, row.ci_high)
            row.cells = {
                "label": i18n.kpi_label(kpi, lang),
                "unit": i18n.kpi_unit(kpi, lang) if not kpi_format(kpi).share else "%",
                "base_mean": fmt_value(row.base_mean, kpi, lang),
                "alt_mean": fmt_value(row.alt_mean, kpi, lang),
                "diff": fmt_diff(row.diff, kpi, lang, decimals=dd),
                "ci_low": fmt_diff(row.ci_low, kpi, lang, decimals=dd),
                "ci_high": fmt_diff(row.ci_high, kpi, lang, decimals=dd),
                "n": str(row.n),
            }
            rows.append(row)
        tables.append(KeyTable(name, rows))
    return tables


def _stage_on(kpi: str, sc: Any) -> bool:
    """Whether the part of the model behind a KPI runs in a scenario (else it reads 0, not 'unchanged')."""
    if kpi in WORKFORCE_KPIS and kpi in PLACEMENT_KPIS:
        return bool(sc.staff.dynamics or sc.placements.enabled)
    if kpi in WORKFORCE_KPIS:
        return bool(sc.staff.dynamics)
    if kpi in PLACEMENT_KPIS:
        return bool(sc.placements.enabled)
    return True


def modelled_kpis(base: Results, alts: Named) -> set[str]:
    """KPIs present in every scenario's results whose model part runs in at least one of them."""
    everyone = [base, *(a for _, a in alts)]
    present = set(base.kpis["kpi"]).intersection(*(set(r.kpis["kpi"]) for r in everyone))
    return {k for k in present if any(_stage_on(k, r.scenario) for r in everyone)}


def _not_modelled(base: Results, alts: Named, lang: str) -> list[str]:
    modelled = modelled_kpis(base, alts)
    return [i18n.kpi_label(k, lang) for k in REQUIRED_KPIS if k not in modelled]
