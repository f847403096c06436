"""The placement sections of the scenario schema: in-home support, placement types, places and visits.

Every field is required on purpose: defaults live in scenario files (with their
sources), never in code (MODEL.md 3.4; ``simlib.model.placements`` uses them).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, Strict, StrictBool, ValidationInfo, field_validator, model_validator

from simlib.scenario.distributions import Distribution
from simlib.scenario.sections import (
    MAX_IN_CARE,
    Cap,
    Days,
    Hours,
    Multiplier,
    Section,
    Sek,
    Share,
    _check_cap_mode,
    _check_sum,
)


class InHome(Section):
    months: Distribution
    escalation_share: Share


class FosterHomes(Section):
    """The municipality's own foster homes; recruitment is Poisson, each home stops at a constant hazard.

    ``leave_per_year`` is the number that stop a year at the initial pool size: each
    home stops with hazard ``leave_per_year / initial``, and a home whose child broke
    down stops at once with probability ``leave_after_breakdown``. Recruitment
    responds to need within limits: ``recruited_per_year`` plus
    ``recruited_per_waiting_child`` for each child waiting for a home now, at most
    ``max_recruited_per_year`` (a state-dependent Poisson rate), so the pool settles
    where a few children wait instead of drifting between full and empty.
    """

    initial: Annotated[int, Strict(), Field(ge=0, le=MAX_IN_CARE)]
    recruited_per_year: Annotated[float, Strict(), Field(ge=0, le=1e5, allow_inf_nan=False)]
    recruited_per_waiting_child: Annotated[float, Strict(), Field(ge=0, le=1e3, allow_inf_nan=False)]
    max_recruited_per_year: Annotated[float, Strict(), Field(ge=0, le=1e5, allow_inf_nan=False)]
    leave_per_year: Annotated[float, Strict(), Field(ge=0, le=1e5, allow_inf_nan=False)]
    leave_after_breakdown: Share

    @field_validator("max_recruited_per_year")
    @classmethod
    def _max_at_least_base(cls, top: float, info: ValidationInfo) -> float:
        base = info.data.get("recruited_per_year")
        if base is not None and top < base:
            raise ValueError(f"max_recruited_per_year ({top:g}) must be at least recruited_per_year ({base:g})")
        return top

    @field_validator("leave_per_year")
    @classmethod
    def _leaving_needs_homes(cls, leave_per_year: float, info: ValidationInfo) -> float:
        if leave_per_year > 0 and info.data.get("initial") == 0:
            raise ValueError("leave_per_year > 0 needs initial > 0 (it sets each home's hazard)")
        return leave_per_year


class PlacementType(Section):
    """One placement type: the episode length when it is the decided type, its breakdown factor and cost."""

    months: Distribution
    breakdown_factor: Multiplier
    cost_sek_per_day: Sek
    outside_share: Share  # placements outside the municipality (travel time per visit)


class PlacementTypes(Section):
    familjehem: PlacementType  # the municipality's own foster homes (the pool)
    konsulent: PlacementType  # consultant-supported foster homes, bought from providers
    natverkshem: PlacementType  # kinship / network homes
    hvb: PlacementType  # residential care (hem för vård eller boende)


class PlacementMix(Section):
    """The type a placement decision asks for (shares sum to 1)."""

    familjehem: Share
    konsulent: Share
    natverkshem: Share
    hvb: Share

    @model_validator(mode="after")
    def _sum_one(self) -> PlacementMix:
        _check_sum(self.model_dump(), "placement mix shares")
        return self


class EmergencyPlaces(Section):
    """Jourhem: own emergency places (paid whether used) and bought ones when they are full."""

    places: Annotated[int, Strict(), Field(ge=0, le=MAX_IN_CARE)]
    cost_sek_per_place_day: Sek
    purchased_cost_sek_per_day: Sek
    outside_share: Share


class VisitSchedule(Section):
    """How often a placed child is visited, besides the legal minimum ``visits_per_year``."""

    early_months: Annotated[float, Strict(), Field(ge=0, le=120, allow_inf_nan=False)]
    early_interval_days: Days  # in the first early_months of a placement
    residential_interval_days: Days  # in HVB and emergency places
    retry_days: Days  # a visit pushed back by acute work is tried again after this
    travel_hours: Hours  # added to a visit outside the municipality


class Acute(Section):
    """Immediate protection (LVU 6 §, SoL emergency): placed at the report, whatever the balans."""

    share_of_placed: Share  # children whose investigation ends in placement, placed at once
    share_of_not_placed: Share  # other children placed at once, who go home after the investigation


class ReEntry(Section):
    """Return to care after going home (reunification)."""

    share_within_2y: Share
    months: Distribution  # time from going home to re-entry, for those who return


class BreakdownFactors(Section):
    teen: Multiplier
    emergency: Multiplier
    missed_visits: Multiplier
    caseworker_change: Multiplier
    # a placement decided on an investigation of quality q: x thin_investigation^(1 - q)
    thin_investigation: Multiplier


class Placements(Section):
    enabled: StrictBool
    initial_in_care: Annotated[int, Strict(), Field(ge=0, le=MAX_IN_CARE)]
    types: PlacementTypes
    mix_under_13: PlacementMix
    mix_teen: PlacementMix
    emergency: EmergencyPlaces
    foster_homes: FosterHomes
    # null: no planned move; an emergency placement lasts the whole episode (a loss system)
    emergency_move_delay_days: Days | None
    # a child waiting this long for an own foster home gets a consultant-supported one (null: never)
    purchase_after_days: Days | None
    acute: Acute
    re_entry: ReEntry
    breakdown_per_year: Annotated[float, Strict(), Field(ge=0, le=50, allow_inf_nan=False)]
    breakdown_factors: BreakdownFactors
    caseworker_change_window_days: Days
    caseload_cap: Cap | None
    cap_mode: Literal["hard", "soft", "none"]
    visits_per_year: Annotated[float, Strict(), Field(ge=0, le=365, allow_inf_nan=False)]
    visit_schedule: VisitSchedule
    visit_hours: Distribution
    # caseworker time per child that comes before visits (care plans, notes, meetings)
    follow_up_hours_per_child_week: Annotated[float, Strict(), Field(ge=0, le=40, allow_inf_nan=False)]
    age_out_years: Annotated[float, Strict(), Field(gt=0, le=25, allow_inf_nan=False)]

    @field_validator("cap_mode")
    @classmethod
    def _cap_mode_needs_cap(cls, cap_mode: str, info: ValidationInfo) -> str:
        return _check_cap_mode(cap_mode, info)
