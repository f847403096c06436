"""The KPI registry: every KPI the model produces, with its stage, kind and display format.

Plain data (no pandas), the one list the rest of the house reads: the model
fills every registered name in every replication (NaN where the stage behind it
does not run, ``compute_kpis``) and refuses a name that is not registered; the
brief, the dashboard, the demo, precision mode, the sweep table and the
national scaling pick their KPIs here by flag; the i18n layer takes the
display format here (the sv/en words stay in ``presentation/catalogue.yaml``).

Fields of ``Kpi``:

- ``stage``: the part of the model that gives the KPI its meaning. Stages in
  ``STAGE_SWITCHES`` run only when one of their scenario switches is on (the
  brief hides their KPIs when no compared scenario runs them); the others
  always run.
- ``kind``: share / count / days / SEK / rate / flag. Shares and flags are
  shown in percent (and their differences in percentage points), SEK in
  millions; ``percent=True`` shows a rate in percent too (turnover).
- ``decimals`` and ``better`` ("higher", "lower" or "none"): how it is rounded
  and which direction is an improvement.
- ordered flags, each 0 (not in that view) or the KPI's position in it:
  ``headline`` (the questions of MODEL.md section 1: precision mode's default
  and the sweep table), ``key`` (rows of the brief's key table), ``summary``
  (KPIs the brief's sentences speak about), ``required`` (KPIs a brief must
  cover, else listed as not modelled), ``demo`` (the ``make demo`` table) and
  ``dashboard`` (the dashboard's table).
- ``national``: how it adds up across municipalities: "sum" (a count or level
  per municipality), "mean" (a child-weighted average) or "" (not reported).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS = ("share", "count", "days", "SEK", "rate", "flag")
STAGES = ("referrals", "screening", "investigation", "staffing", "workforce", "placements", "continuity", "run")
# Stages that run only with a switch on (any of them); every other stage always runs.
STAGE_SWITCHES: dict[str, tuple[str, ...]] = {
    "workforce": ("staff.dynamics",),
    "placements": ("placements.enabled",),
    # caseworker changes happen when staff leave or placed children change hands
    "continuity": ("staff.dynamics", "placements.enabled"),
}
VIEWS = ("headline", "key", "summary", "required", "demo", "dashboard")
SEK_SCALE = 1.0e-6  # costs are shown in millions of SEK


@dataclass(frozen=True)
class Kpi:
    """One registered KPI (see the module docstring for the fields)."""

    name: str
    stage: str
    kind: str
    decimals: int
    better: str
    headline: int = 0
    key: int = 0
    summary: int = 0
    required: int = 0
    demo: int = 0
    dashboard: int = 0
    national: str = ""
    percent: bool | None = None

    @property
    def share(self) -> bool:
        """Shown in percent, differences in percentage points."""
        return self.kind in ("share", "flag") if self.percent is None else self.percent

    @property
    def scale(self) -> float:
        """Display factor before rounding (percent for shares, millions for SEK)."""
        return 100.0 if self.share else (SEK_SCALE if self.kind == "SEK" else 1.0)


_K = Kpi
KPIS: tuple[Kpi, ...] = (
    # referrals and screening
    _K("referrals_total", "referrals", "count", 0, "none"),
    _K("screening_days_mean", "screening", "days", 1, "lower"),
    _K("screening_within_14d_share", "screening", "share", 0, "higher",
       headline=4, key=4, summary=4, required=2, demo=2, dashboard=4, national="mean"),
    # investigations
    _K("balans_mean", "investigation", "count", 1, "lower", headline=6, key=7, demo=4, dashboard=6, national="sum"),
    _K("investigation_wait_days_mean", "investigation", "days", 1, "lower",
       headline=1, key=1, summary=2, required=1, demo=1, dashboard=3, national="mean"),
    _K("investigation_wait_days_p90", "investigation", "days", 1, "lower", key=2),
    _K("investigation_days_mean", "investigation", "days", 1, "lower", headline=2, key=3, demo=5, national="mean"),
    _K("investigation_within_4m_share", "investigation", "share", 0, "higher",
       headline=3, key=5, summary=1, required=3, demo=3, dashboard=5, national="mean"),
    _K("child_heard_share", "investigation", "share", 0, "higher",
       headline=5, key=6, summary=3, required=4, demo=6, dashboard=7, national="mean"),
    _K("investigations_per_year", "investigation", "rate", 0, "none", national="sum"),
    _K("balans_growth_per_year", "investigation", "rate", 0, "lower", headline=8, key=19, dashboard=1, national="sum"),
    _K("cohort_undecided_share", "investigation", "share", 1, "lower"),
    _K("rushed_share", "investigation", "share", 1, "lower"),
    _K("re_referral_12m_share", "investigation", "share", 1, "lower", national="mean"),
    _K("re_investigation_12m_share", "investigation", "share", 1, "lower", national="mean"),
    _K("failure_demand_referrals_per_year", "investigation", "rate", 0, "lower", national="sum"),
    _K("investigation_quality_mean", "investigation", "share", 0, "higher"),
    _K("caseload_mean", "investigation", "count", 1, "lower",
       headline=7, key=8, summary=5, required=5, demo=7, dashboard=8, national="mean"),
    _K("caseload_p90", "investigation", "count", 1, "lower", key=9),
    _K("over_cap_time_share", "investigation", "share", 1, "lower"),
    # staff in both modes (fixed counts, or the dynamic workforce's funded posts)
    _K("fte_funded", "staffing", "count", 1, "none", national="sum"),
    _K("fte_funded_intake", "staffing", "count", 1, "none"),
    _K("fte_funded_investigation", "staffing", "count", 1, "none"),
    _K("fte_funded_placement", "staffing", "count", 1, "none"),
    _K("headcount_mean", "staffing", "count", 1, "none"),
    _K("cost_sek_per_year", "staffing", "SEK", 1, "lower", key=17, summary=8, required=8, demo=10, national="sum"),
    _K("salary_cost_sek_per_year", "staffing", "SEK", 1, "none"),
    # what staff.budget_sek_per_year pays (salaries and consultants; the hiring freeze holds it within the budget)
    _K("staff_budget_spend_sek_per_year", "staffing", "SEK", 1, "none"),
    # staff dynamics (fixed staff reports the fixed values: no vacancy, turnover or consultants)
    _K("fte_working_mean", "workforce", "count", 1, "higher", national="sum"),
    _K("vacancy_share", "workforce", "share", 1, "lower", key=12, national="mean"),
    _K("turnover_per_year", "workforce", "rate", 1, "lower", percent=True,
       key=10, summary=6, required=6, demo=8, national="mean"),
    _K("staff_under_1y_share", "workforce", "share", 0, "lower", key=11, national="mean"),
    _K("investigators_under_1y_share", "workforce", "share", 0, "lower", national="mean"),
    _K("replacement_cost_sek_per_year", "workforce", "SEK", 2, "lower", national="sum"),
    _K("consultant_share", "workforce", "share", 1, "lower"),
    _K("sick_leave_share", "workforce", "share", 1, "lower"),
    _K("consultant_cost_sek_per_year", "workforce", "SEK", 1, "lower", key=18, national="sum"),
    _K("hires_per_year", "workforce", "rate", 1, "none"),
    _K("hiring_frozen_post_share", "workforce", "share", 1, "lower"),
    _K("mentoring_cost_sek_per_year", "workforce", "SEK", 2, "none"),
    _K("sick_leave_cost_sek_per_year", "workforce", "SEK", 2, "lower"),
    # placements
    _K("placements_active_mean", "placements", "count", 0, "none", national="sum"),
    _K("placements_started_per_year", "placements", "rate", 0, "none"),
    _K("placement_moves_per_child_year", "placements", "rate", 2, "lower", key=13, summary=7, required=7, demo=9, dashboard=9),
    _K("breakdowns_per_year", "placements", "rate", 1, "lower", key=14, national="sum", dashboard=10),
    _K("breakdowns_per_child_year", "placements", "rate", 2, "lower"),
    _K("children_3plus_placements_share", "placements", "share", 1, "lower"),
    _K("visits_done_share", "placements", "share", 0, "higher", key=16, national="mean"),
    _K("visits_per_child_year", "placements", "rate", 1, "higher", national="mean"),
    _K("visits_per_family_home_child_year", "placements", "rate", 1, "higher"),
    _K("visits_4plus_share", "placements", "share", 0, "higher", national="mean", dashboard=11),
    _K("emergency_placement_share", "placements", "share", 1, "lower", national="mean"),
    _K("placement_caseworker_changes_per_child_year", "placements", "rate", 2, "lower"),
    _K("in_home_active_mean", "placements", "count", 0, "none"),
    _K("children_in_care_per_year", "placements", "count", 0, "none", national="sum"),
    _K("acute_placements_per_year", "placements", "rate", 1, "none", national="sum"),
    _K("family_home_breakdown_share", "placements", "share", 1, "lower", national="mean"),
    _K("re_entry_2y_share", "placements", "share", 1, "lower", national="mean"),
    _K("placement_cost_sek_per_year", "placements", "SEK", 1, "lower", national="sum"),
    _K("placement_cost_sek_per_placed_child", "placements", "SEK", 3, "none"),
    _K("total_cost_sek_per_year", "placements", "SEK", 1, "lower", national="sum"),
    _K("care_days_jourhem_share", "placements", "share", 1, "lower"),
    _K("care_days_familjehem_share", "placements", "share", 1, "none"),
    _K("care_days_konsulent_share", "placements", "share", 1, "none"),
    _K("care_days_natverkshem_share", "placements", "share", 1, "none"),
    _K("care_days_hvb_share", "placements", "share", 1, "none"),
    _K("foster_homes_mean", "placements", "count", 0, "none"),
    _K("foster_home_occupancy_mean", "placements", "share", 0, "none"),
    _K("emergency_place_occupancy_mean", "placements", "share", 0, "none"),
    # caseworker continuity (all roles)
    _K("caseworker_changes_per_child_year", "continuity", "rate", 2, "lower", key=15),
    _K("investigation_unassigned_time_share", "continuity", "share", 1, "lower"),
    # the run itself
    _K("unstable", "run", "flag", 0, "lower", dashboard=2, national="mean"),
    _K("stopped_early", "run", "flag", 0, "lower"),
    _K("reporting_years", "run", "count", 2, "none"),
    _K("warmup_years", "run", "count", 2, "none"),
)
del _K

BY_NAME: dict[str, Kpi] = {k.name: k for k in KPIS}
NAMES: tuple[str, ...] = tuple(BY_NAME)


def get(name: str) -> Kpi:
    """The registered KPI called ``name`` (KeyError naming the registry if there is none)."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a registered KPI (simlib/model/kpi_registry.py)") from None


def view(flag: str) -> tuple[str, ...]:
    """The KPI names of one ordered view ("headline", "key", ...), in its order."""
    if flag not in VIEWS:
        raise ValueError(f"unknown KPI view {flag!r}; choose one of {', '.join(VIEWS)}")
    chosen = [k for k in KPIS if getattr(k, flag)]
    return tuple(k.name for k in sorted(chosen, key=lambda k: getattr(k, flag)))


def names_where(**fields: Any) -> tuple[str, ...]:
    """Names of the KPIs whose fields equal the given values, in registry order."""
    return tuple(k.name for k in KPIS if all(getattr(k, f) == v for f, v in fields.items()))


def stage_runs(stage: str, scenario: Any) -> bool:
    """Whether ``stage`` runs in ``scenario`` (an object with the dotted switch attributes)."""
    switches = STAGE_SWITCHES.get(stage)
    if switches is None:
        return True
    return any(_dotted(scenario, s) for s in switches)


def applies(name: str, scenario: Any) -> bool:
    """Whether the part of the model behind a KPI runs in ``scenario``."""
    return stage_runs(get(name).stage, scenario)


def _dotted(obj: Any, key: str) -> Any:
    for part in key.split("."):
        obj = getattr(obj, part)
    return obj
