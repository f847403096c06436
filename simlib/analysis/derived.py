"""Quantities derived from a replication's KPIs and its scenario, per replication.

Why: public statistics are rates (referrals per 1 000 children, the share of
referrals that open an investigation) while the model reports counts over its
reporting window. Deriving them per replication, before averaging, keeps the
t-intervals honest (a ratio of means is not the mean of ratios).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from simlib.scenario.schema import Scenario

def window_years(kpis: pd.DataFrame) -> pd.Series:
    """Length of each replication's reporting window in years, indexed by replication.

    The model reports it (``reporting_years``: from the warm-up cut, fixed,
    MSER-5 or a comparison's common cut, to the horizon or to where a runaway
    run was stopped), so rates use the window the counts were taken over.
    """
    rows = kpis[kpis["kpi"] == "reporting_years"].set_index("replication")["value"]
    return rows.clip(lower=1e-9).rename("window_years")


def add_derived(kpis: pd.DataFrame, scenario: Scenario, years: pd.Series) -> pd.DataFrame:
    """The KPI frame plus derived rows: referrals_per_year, referrals_per_1000_children,
    investigation_open_share, investigations_per_1000_children."""
    wide = kpis.pivot_table(index="replication", columns="kpi", values="value", aggfunc="first")
    children = scenario.municipality.children_0_17
    derived = pd.DataFrame(index=wide.index)
    if "referrals_total" in wide:
        derived["referrals_per_year"] = wide["referrals_total"] / years.reindex(wide.index)
        derived["referrals_per_1000_children"] = derived["referrals_per_year"] / children * 1000
        if "investigations_per_year" in wide:
            derived["investigation_open_share"] = (
                wide["investigations_per_year"] / derived["referrals_per_year"]
            )
    if "investigations_per_year" in wide:
        derived["investigations_per_1000_children"] = (
            wide["investigations_per_year"] / children * 1000
        )
    if derived.empty:
        return kpis
    template = kpis.drop_duplicates("replication").set_index("replication")
    rows = []
    for rep, values in derived.iterrows():
        base = template.loc[rep]
        for name, value in values.items():
            value = float(value) if value is not None and not _isnan(value) else math.nan
            rows.append(
                {
                    **{c: base[c] for c in template.columns if c not in ("kpi", "value")},
                    "replication": rep,
                    "kpi": name,
                    "value": value,
                }
            )
    extra = pd.DataFrame(rows)[kpis.columns]
    return pd.concat([kpis, extra], ignore_index=True)


def _isnan(x: float) -> bool:
    return bool(np.isnan(x)) if isinstance(x, (float, np.floating)) else False


def results_with_derived(results) -> pd.DataFrame:
    """A Results object's KPI frame with the derived rows appended."""
    years = window_years(results.kpis)
    return add_derived(results.kpis, results.scenario, years)
