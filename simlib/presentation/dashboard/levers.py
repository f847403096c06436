"""The dashboard's levers: sliders built from the schema's bounds, and the overrides they make.

Policy advisors move sliders, not code: each slider's range is the scenario
schema's own (pydantic ``ge``/``le``) narrowed to a useful window around the
scenario's value, so no slider can ask for an invalid scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


from simlib.presentation.dashboard.settings import fast_mode, settings
from simlib.scenario.introspect import field_bounds
from simlib.scenario.loader import with_overrides
from simlib.scenario.rules import FTE_FIELDS, fixed_cost, funded_posts
from simlib.scenario.schema import Investigation, Placements, Scenario, Staff


@dataclass(frozen=True)
class SliderSpec:
    """One slider: the schema's bounds narrowed to a useful window, and a start value."""

    low: float
    high: float
    step: float
    value: float


def _cap_window(section: type, value: float) -> tuple[int, int]:
    """The schema's cap range narrowed to half to twice ``value``."""
    low, high = field_bounds(section, "caseload_cap")
    return max(int(low or 1), round(value / 2)), min(int(high or 500), max(2, round(2 * value)))


def slider_specs(scenario: Scenario) -> dict[str, SliderSpec]:
    """Cap, placement cap, budget and replication sliders for a scenario.

    The schema allows caps of 1-500 and budgets up to 1e11 SEK; a slider over that
    range is useless, so the window is the schema range intersected with half to twice
    the sustainable caseload (cap, in steps of one case: 8-30 for a sustainable 15, so a
    small drag moves the cap by a case or two, never from 15 to 1) and 0.5x to 2x today's
    budget, in whole FTEs. The placement cap's window is half to twice the scenario's
    placement cap (today's ~22 children per placement caseworker: 11-44), or the
    sustainable investigation caseload where the scenario has none.
    """
    inv, staff = scenario.investigation, scenario.staff
    sustainable = inv.child_heard.sustainable_caseload
    cap_lo, cap_hi = _cap_window(Investigation, sustainable)
    placement = scenario.placements.caseload_cap if scenario.placements.caseload_cap is not None else round(sustainable)
    pl_lo, pl_hi = _cap_window(Placements, placement)
    cap_value = inv.caseload_cap if inv.caseload_cap is not None else round(sustainable)
    bud_lo, bud_hi = field_bounds(Staff, "budget_sek_per_year")
    budget = staff.budget_sek_per_year or fixed_cost(scenario)
    fte_cost = staff.cost_per_fte_sek
    low = max(bud_lo or 0, fte_cost * round(0.5 * budget / fte_cost))
    high = min(bud_hi or float("inf"), fte_cost * round(2 * budget / fte_cost))
    reps_hi = 6 if fast_mode() else 30
    return {
        "cap": SliderSpec(cap_lo, cap_hi, 1, min(max(cap_value, cap_lo), cap_hi)),
        "placement_cap": SliderSpec(pl_lo, pl_hi, 1, min(max(placement, pl_lo), pl_hi)),
        "budget": SliderSpec(low, high, fte_cost, min(max(budget, low), high)),
        "reps": SliderSpec(2, reps_hi, 1, settings().reps),
    }


def start_mode(scenario: Scenario) -> str:
    """The cap mode the dashboard opens with: the scenario's own cap, else a hard cap.

    The dashboard's question is what a cap does; opening on "no cap" would show a
    cap slider that changes nothing. The baseline (no cap today) opens on a hard cap
    at the sustainable caseload, compared with today's rules.
    """
    mode = scenario.investigation.cap_mode
    return "hard" if mode == "none" else mode


def start_placement_mode(scenario: Scenario) -> str:
    """The placement cap mode the dashboard opens with: the scenario's own (today's rule).

    The baseline's placement cap is soft (22 children per placement caseworker, the
    caseload above which they count as overloaded, never a limit on assignment), so
    the dashboard opens on today's placement rule and the investigation cap is the
    only change until the placement controls are moved.
    """
    return scenario.placements.cap_mode


def lever_overrides(
    scenario: Scenario, cap: int, cap_mode: str, budget: float,
    placement_cap: int | None = None, placement_mode: str | None = None,
) -> dict[str, Any]:
    """Dotted overrides for the dashboard's levers.

    With dynamic staffing the budget is the model input. With fixed staffing
    (``staff.dynamics: false``) the budget buys the same whole posts per role as
    the workforce model funds (``funded_posts``), all of them filled.
    """
    staff = scenario.staff
    # Without a cap the cap value only labels over-cap time; keep the scenario's own
    # so that moving the cap slider in mode 'none' is the same scenario (cache hit).
    keep = cap_mode == "none" and scenario.investigation.cap_mode == "none"
    changes: dict[str, Any] = {
        "investigation.caseload_cap": scenario.investigation.caseload_cap if keep else int(cap),
        "investigation.cap_mode": cap_mode,
        "staff.budget_sek_per_year": float(budget),
    }
    if placement_mode is not None:
        # Without a placement cap the scenario's own value stays (it is still the caseload
        # above which a placement caseworker counts as overloaded), so the slider is idle.
        own = scenario.placements.caseload_cap
        keep = placement_mode == "none" or placement_cap is None
        changes["placements.caseload_cap"] = own if keep else int(placement_cap)
        changes["placements.cap_mode"] = placement_mode
    if not staff.dynamics:
        funded = with_overrides(scenario, {"staff.budget_sek_per_year": float(budget)})
        posts = funded_posts(funded)
        for role, field in FTE_FIELDS.items():
            changes[f"staff.{field}"] = max(1, posts[role])
    return changes
