"""Calibration report: a scenario's KPIs with 95% CIs next to Swedish public figures.

Why: a model is only citable if it reproduces what the statistics say where
they say something. The targets live in ``simlib/data/calibration_targets.csv``
(publisher, title, year and confidence per row). This module reports; it never
tunes. Each target is marked

* ``within``: the model mean lies in the published range (for a point target,
  the model's 95% CI contains the point);
* ``borderline``: the mean is outside but the 95% CI overlaps the range, so
  more replications are needed to tell;
* ``outside``: the whole 95% CI lies outside the range;
* ``not modelled``: the scenario switches the mechanism off (e.g. fixed staff
  have no turnover) or the model does not produce the quantity;
* ``input``: the figure is a scenario input, shown beside its source as a
  check of the file, never counted as the model reproducing anything.

No target is circular: every model value is an output the model produced
(a count of children, a KPI), never a model stock divided by an assumed ratio
or an input multiplied by a share.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simlib.analysis.derived import results_with_derived
from simlib.experiments.intervals import t_interval
from simlib.experiments.report import fmt
from simlib.scenario.schema import Scenario

TARGETS = Path(__file__).resolve().parents[1] / "data" / "calibration_targets.csv"

# Public placement figures count young people aged 0-20; the model's municipality
# gives children 0-17. With equal single-year cohorts 0-20 is 21/18 of 0-17
# (nationally ~2.55 M / ~2.20 M = 1.16).
YOUTH_0_20_PER_CHILD_0_17 = 21 / 18

COLUMNS = [
    "target",
    "unit",
    "target_low",
    "target_high",
    "model_mean",
    "ci_low",
    "ci_high",
    "n",
    "status",
    "method",
    "year",
    "source",
    "confidence",
]


@dataclass(frozen=True)
class Measure:
    """How to get the model's value of a target from one replication's KPIs."""

    method: str
    value: Callable[[dict[str, float], Scenario], float]
    needs: Callable[[Scenario], str | None] = lambda sc: None  # why it is not modelled, or None
    is_input: bool = False  # a scenario input beside its source, not a model output


def _kpi(name: str) -> Callable[[dict[str, float], Scenario], float]:
    return lambda k, sc: k.get(name, math.nan)


def _dynamic_staff(sc: Scenario) -> str | None:
    return (
        None
        if sc.staff.dynamics
        else "staff.dynamics is false (fixed staff: no turnover or tenure)"
    )


def _placements_on(sc: Scenario) -> str | None:
    return None if sc.placements.enabled else "placements.enabled is false"


def _placed_per_1000(k: dict[str, float], sc: Scenario) -> float:
    youth = sc.municipality.children_0_17 * YOUTH_0_20_PER_CHILD_0_17
    return k.get("children_in_care_per_year", math.nan) / youth * 1000


def _placed_0_17_per_1000(k: dict[str, float], sc: Scenario) -> float:
    return k.get("children_in_care_per_year", math.nan) / sc.municipality.children_0_17 * 1000


MEASURES: dict[str, Measure] = {
    "referrals_per_1000_children": Measure(
        "referrals in the reporting window / its length in years / municipality.children_0_17 x 1 000",
        _kpi("referrals_per_1000_children"),
    ),
    "investigation_open_share": Measure(
        "investigations_per_year / referrals per year", _kpi("investigation_open_share")
    ),
    "investigation_within_4m_share": Measure(
        "KPI investigation_within_4m_share", _kpi("investigation_within_4m_share")
    ),
    "screening_within_14d_share": Measure(
        "KPI screening_within_14d_share", _kpi("screening_within_14d_share")
    ),
    "staff_under_1y_share": Measure(
        # the published figure is for investigating social workers (MODEL.md section 5)
        "KPI investigators_under_1y_share", _kpi("investigators_under_1y_share"), _dynamic_staff
    ),
    "turnover_per_year": Measure(
        "KPI turnover_per_year", _kpi("turnover_per_year"), _dynamic_staff
    ),
    "placed_children_per_1000": Measure(
        "distinct children in care during the year (KPI children_in_care_per_year)"
        " per 1 000 aged 0-20 (children_0_17 x 21/18)",
        _placed_per_1000,
        _placements_on,
    ),
    "re_investigation_12m_share": Measure(
        "KPI re_investigation_12m_share (investigations closed in the window, followed for 12 months;"
        " only a new investigation counts, as in KKiK's återaktualisering)",
        _kpi("re_investigation_12m_share"),
    ),
    "placed_children_0_17_per_1000": Measure(
        "distinct children in care during the year (KPI children_in_care_per_year; the model's children"
        " are 0-17) per 1 000 children aged 0-17 (municipality.children_0_17)",
        _placed_0_17_per_1000,
        _placements_on,
    ),
    "visits_per_placed_child_per_year": Measure(
        "KPI visits_per_family_home_child_year (visits made while in a foster, consultant-supported or kinship"
        " home, per child-year there: the published figures are for family-home children)",
        _kpi("visits_per_family_home_child_year"), _placements_on
    ),
    "visits_done_share": Measure(
        "KPI visits_done_share", _kpi("visits_done_share"), _placements_on
    ),
    "family_home_breakdown_share": Measure(
        "KPI family_home_breakdown_share (stays in foster, consultant-supported and kinship homes ended in the window)",
        _kpi("family_home_breakdown_share"),
        _placements_on,
    ),
    "re_entry_2y_share": Measure(
        "KPI re_entry_2y_share (homecomings in the window followed for two years; any way back)",
        _kpi("re_entry_2y_share"),
        _placements_on,
    ),
    "placement_cost_per_placed_child": Measure(
        "KPI placement_cost_sek_per_placed_child (placement cost a year / distinct children in care a year)",
        _kpi("placement_cost_sek_per_placed_child"),
        _placements_on,
    ),
    "consultant_cost_premium": Measure(
        "scenario input staff.consultants.premium beside its source (not a model output)",
        lambda k, sc: sc.staff.consultants.premium,
        is_input=True,
    ),
}


def load_targets(path: str | Path = TARGETS) -> pd.DataFrame:
    """The packaged calibration targets (one row per published figure)."""
    return pd.read_csv(path)


def status(mean: float, ci_low: float, ci_high: float, low: float, high: float) -> str:
    """within / borderline / outside / not modelled (module docstring)."""
    if mean is None or math.isnan(mean):
        return "not modelled"
    lo_ci = mean if math.isnan(ci_low) else ci_low
    hi_ci = mean if math.isnan(ci_high) else ci_high
    if low <= mean <= high or (low == high and lo_ci <= low <= hi_ci):
        return "within"
    if hi_ci >= low and lo_ci <= high:
        return "borderline"
    return "outside"


def compare(
    per_rep: pd.DataFrame, scenario: Scenario, targets: pd.DataFrame, level: float = 0.95
) -> pd.DataFrame:
    """The report table from per-replication KPIs (columns replication, kpi, value)."""
    wide = per_rep.pivot_table(index="replication", columns="kpi", values="value", aggfunc="first")
    records = [{k: float(v) for k, v in row.items()} for _, row in wide.iterrows()]
    rows = []
    for t in targets.itertuples(index=False):
        measure = MEASURES.get(t.kpi)
        reason = measure.needs(scenario) if measure else "no model measure for this target"
        if measure is None or reason:
            mean = low = high = math.nan
            n = 0
            method = reason or ""
        else:
            values = np.array([measure.value(k, scenario) for k in records], dtype=float)
            mean, low, high, n = t_interval(values, level)
            method = measure.method
        rows.append(
            {
                "target": t.kpi,
                "unit": t.unit,
                "target_low": float(t.target_low),
                "target_high": float(t.target_high),
                "model_mean": mean,
                "ci_low": low,
                "ci_high": high,
                "n": n,
                "status": "not modelled" if reason
                else "input" if measure.is_input
                else status(mean, low, high, t.target_low, t.target_high),
                "method": method,
                "year": t.per,
                "source": t.source,
                "confidence": t.confidence,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def calibrate(
    scenario: Scenario | str | Path = "baseline",
    reps: int = 10,
    seed: int = 2024,
    years: float | None = None,
    jobs: int = 1,
    dask: str | None = None,
    targets: pd.DataFrame | None = None,
    *,
    warmup: str | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Run the scenario and return the calibration table (see ``compare``)."""
    from simlib.experiments import run

    results = run(scenario, reps=reps, seed=seed, years=years, warmup=warmup, jobs=jobs, dask=dask, progress=progress)
    per_rep = results_with_derived(results)
    return compare(per_rep, results.scenario, load_targets() if targets is None else targets)


def to_text(table: pd.DataFrame, scenario_name: str, reps: int, label: Callable[[str], str] | None = None) -> str:
    """A plain-text report for the terminal; ``label`` names each measure (the CLI passes
    the catalogue's labels with units), numbers in four significant digits."""
    name = label or str
    lines = [
        f"Calibration of {scenario_name}: model mean [95% CI] over {reps} replications vs published range",
        "",
    ]
    width = max(len(name(t)) for t in table["target"])
    for row in table.itertuples(index=False):
        target = (
            fmt(row.target_low)
            if row.target_low == row.target_high
            else f"{fmt(row.target_low)} to {fmt(row.target_high)}"
        )
        if row.status == "not modelled":
            model = f"-  ({row.method})"
        else:
            model = f"{fmt(row.model_mean)} [{fmt(row.ci_low)}, {fmt(row.ci_high)}]"
        lines.append(
            f"{name(row.target):<{width}}  {row.status:<12}  target {target:<13} model {model}  ({row.year})"
        )
    lines.append("")
    lines.append(
        "within: mean in the range (point target: CI covers it); borderline: CI overlaps; outside: CI misses;"
        " input: a scenario value beside its source (not evidence that the model fits)."
    )
    lines.append(
        "Sources: simlib/data/calibration_targets.csv (--format csv prints them with each row)."
    )
    return "\n".join(lines)

