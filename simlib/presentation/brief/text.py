"""The brief's words and tables: summary sentences and key tables, computed from the comparison.

Every sentence is chosen from the paired difference and its interval (up,
down, negligible, unclear), never canned; labels and units come from the i18n
catalogue. ``build`` lays these out on the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from simlib.experiments.replications import Results
from simlib.model import kpi_registry
from simlib.presentation import i18n
from simlib.presentation.i18n import fmt_diff, fmt_value, kpi_format, t

# The key table's rows, the sentences' KPIs and the KPIs a brief must cover (else
# listed as not modelled) are views of the KPI registry; a KPI whose stage runs in
# none of the compared scenarios is left out (it would read NaN or a fixed value).
DIFF_COLUMNS = ["alternative", "kpi", "mean", "ci_low", "ci_high", "n"]
GROWTH = "balans_growth_per_year"
GROWTH_TOLERANCE = 5.0  # cases a year below which a balans "does not grow" (as simlib.analysis.funding)


def growing(alt: Results) -> tuple[bool, float, float, float]:
    """Whether a scenario's balans grows (mean growth above the tolerance), with the mean and its interval.

    The mean alone decides, not the interval: a queue that may be growing must
    not be reported as stable, and the sentence that says so carries the interval.
    """
    if GROWTH not in set(alt.kpis["kpi"]):
        return False, float("nan"), float("nan"), float("nan")
    row = alt.summary([GROWTH]).iloc[0]
    grows = row["mean"] > GROWTH_TOLERANCE
    return bool(grows), float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])


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


def _sentence(kpi: str, alt: str, base_mean: float, alt_mean: float, d: pd.Series, lang: str,
              delayed: bool = False) -> str:
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
            if good and delayed:  # under a growing balans a "gain" is the artefact of delayed decisions
                text += " " + t("brief.sentence.artefact", lang)
            else:
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
        d_alt = diffs[diffs["alternative"] == name].set_index("kpi")
        grows, g, g_low, g_high = growing(alt)
        if grows:  # the instability leads, before any other finding about this alternative
            out.append(t("brief.sentence.growing", lang, alt=name, growth=i18n.fmt_number(g, lang, 0),
                         ci=t("lang.ci", lang), low=i18n.fmt_number(g_low, lang, 0),
                         high=i18n.fmt_number(g_high, lang, 0)))
        for kpi in kpi_registry.view("summary"):
            if kpi in modelled and kpi in d_alt.index and d_alt.at[kpi, "n"] > 0:
                out.append(_sentence(kpi, name, base_means[kpi], alt_means[kpi], d_alt.loc[kpi], lang, grows))
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
        d_alt = diffs[diffs["alternative"] == name].set_index("kpi")
        rows = []
        for kpi in kpi_registry.view("key"):
            if kpi not in modelled or kpi not in d_alt.index:
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


def modelled_kpis(base: Results, alts: Named) -> set[str]:
    """Registered KPIs present in every scenario's results whose stage runs in at least one of them."""
    everyone = [base, *(a for _, a in alts)]
    present = set(base.kpis["kpi"]).intersection(*(set(r.kpis["kpi"]) for r in everyone))
    return {k for k in present if k in kpi_registry.BY_NAME
            and any(kpi_registry.applies(k, r.scenario) for r in everyone)}


def _not_modelled(base: Results, alts: Named, lang: str) -> list[str]:
    modelled = modelled_kpis(base, alts)
    return [i18n.kpi_label(k, lang) for k in kpi_registry.view("required") if k not in modelled]
