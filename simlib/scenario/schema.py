"""The scenario schema: frozen pydantic models, one per section of MODEL.md.

Every field is required here on purpose: defaults live in scenario files (with
their sources), never in code. Bounds are the allowed ranges that error messages
quote back to the user, and that the dashboard turns into slider limits.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)

from simlib.scenario.distributions import Distribution

SHARE_TOLERANCE = 1e-6

# Bounded work: limits on what one replication may ask for, so that a file from
# someone else can make the tool refuse, never run for days or exhaust memory.
# They sit far above any Swedish unit (the big-city scenario has ~315 posts and
# ~21 000 referrals a year; the whole country ~30 000 children in care).
MAX_POSTS = 10_000  # staffed posts in one unit: fixed FTEs, or budget / cost_per_fte_sek
MAX_REFERRALS_PER_RUN = 10_000_000  # referrals.per_year x horizon.years
MAX_IN_CARE = 20_000  # children in care, and foster homes, at the start
MAX_UNSTABLE_QUEUE = 1_000  # waiting cases per server before a run is called unstable
MAX_STOP_QUEUE = 2_000  # open cases per server at which a runaway run is stopped (bounded work)


Share = Annotated[float, Strict(), Field(ge=0, le=1, allow_inf_nan=False)]
Multiplier = Annotated[float, Strict(), Field(ge=0, le=100, allow_inf_nan=False)]
Days = Annotated[float, Strict(), Field(gt=0, le=36500, allow_inf_nan=False)]
Hours = Annotated[float, Strict(), Field(ge=0, le=24, allow_inf_nan=False)]
Rate = Annotated[float, Strict(), Field(ge=0, le=100, allow_inf_nan=False)]
Fte = Annotated[int, Strict(), Field(ge=0, le=10000)]
Sek = Annotated[float, Strict(), Field(gt=0, le=1e11, allow_inf_nan=False)]
Cap = Annotated[int, Strict(), Field(ge=1, le=500)]


class Section(BaseModel):
    """Base of every section: immutable, and unknown keys are errors (typos)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def _check_sum(shares: dict[str, float], what: str) -> None:
    total = sum(shares.values())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        parts = ", ".join(f"{k}={v:g}" for k, v in shares.items())
        raise ValueError(f"{what} must sum to 1, got {total:g} ({parts})")


def _check_cap_mode(cap_mode: str, info: ValidationInfo) -> str:
    """A hard or soft cap needs a cap; caseload_cap is declared before cap_mode."""
    if "caseload_cap" not in info.data:  # the cap itself was invalid and is reported already
        return cap_mode
    if cap_mode in ("hard", "soft") and info.data["caseload_cap"] is None:
        raise ValueError(
            f"cap_mode '{cap_mode}' needs a caseload_cap (an integer 1-500);"
            " use cap_mode 'none' for no cap"
        )
    return cap_mode


class Municipality(Section):
    """Whom the scenario describes. The model reads nothing here; reports use it
    to express volumes per 1 000 children and the national ensemble to scale."""

    population: Annotated[int, Strict(), Field(ge=1, le=20_000_000)]
    children_0_17: Annotated[int, Strict(), Field(ge=1, le=5_000_000)]


class Calendar(Section):
    mode: Literal["continuous", "working_days"]
    start_year: Annotated[int, Strict(), Field(ge=1990, le=2100)]
    summer_weeks: tuple[Annotated[int, Strict(), Field(ge=1, le=52)], ...]
    summer_capacity: Share


class Horizon(Section):
    years: Annotated[float, Strict(), Field(gt=0, le=100, allow_inf_nan=False)]
    warmup: Literal["fixed", "mser5"]
    warmup_years: Annotated[float, Strict(), Field(ge=0, le=50, allow_inf_nan=False)]
    unstable_queue_per_server: Annotated[float, Strict(), Field(gt=0, le=MAX_UNSTABLE_QUEUE, allow_inf_nan=False)]
    stop_queue_per_server: Annotated[float, Strict(), Field(gt=0, le=MAX_STOP_QUEUE, allow_inf_nan=False)]
    run_out_years: Annotated[float, Strict(), Field(ge=0, le=20, allow_inf_nan=False)]

    # Field validators (not model validators) so that the error names the dotted key.
    @field_validator("stop_queue_per_server")
    @classmethod
    def _stop_above_unstable(cls, stop: float, info: ValidationInfo) -> float:
        unstable = info.data.get("unstable_queue_per_server")
        if unstable is not None and stop < unstable:
            raise ValueError(f"stop_queue_per_server ({stop:g}) must be at least unstable_queue_per_server ({unstable:g})")
        return stop

    @field_validator("warmup_years")
    @classmethod
    def _warmup_shorter(cls, warmup_years: float, info: ValidationInfo) -> float:
        years = info.data.get("years")
        if years is not None and warmup_years >= years:
            raise ValueError(f"warmup_years ({warmup_years:g}) must be below years ({years:g})")
        return warmup_years


class Referrals(Section):
    per_year: Annotated[float, Strict(), Field(gt=0, le=1e6, allow_inf_nan=False)]
    seasonality: tuple[Annotated[float, Strict(), Field(ge=0, le=5, allow_inf_nan=False)], ...]
    known_child_share: Share
    urgent_share: Share
    age_0_12_share: Share

    @field_validator("seasonality")
    @classmethod
    def _twelve_months_mean_one(cls, seasonality: tuple[float, ...]) -> tuple[float, ...]:
        if len(seasonality) != 12:
            raise ValueError(f"seasonality needs 12 monthly multipliers, got {len(seasonality)}")
        mean = sum(seasonality) / 12
        if abs(mean - 1.0) > 0.005:
            raise ValueError(f"seasonality multipliers must average 1 (got mean {mean:.4f})")
        return seasonality


class Screening(Section):
    enabled: StrictBool
    hours: Distribution
    elapsed_days: Distribution
    open_share: Share
    deadline_days: Days


class ChildHeard(Section):
    """Probability the child is interviewed: max_share x (work done / need)^e x load term."""

    max_share: Share
    rushed_elasticity: Annotated[float, Strict(), Field(ge=0, le=10, allow_inf_nan=False)]
    sustainable_caseload: Annotated[float, Strict(), Field(gt=0, le=500, allow_inf_nan=False)]
    overload_elasticity: Annotated[float, Strict(), Field(ge=0, le=10, allow_inf_nan=False)]


class Quality(Section):
    """How thorough an investigation was (0-1), and what a thin one brings back.

    depth = min(1, hours the case got / (hours needed x full_contact_ratio)),
    times ``novice_alone_complex_factor`` for a complex case done by a novice
    without a mentor, times (sustainable / caseload)^overload_elasticity above
    the sustainable caseload (``child_heard``).
    """

    full_contact_ratio: Annotated[float, Strict(), Field(ge=1, le=10, allow_inf_nan=False)]
    novice_alone_complex_factor: Share


class Outcome(Section):
    none: Share
    in_home: Share
    placement: Share

    @model_validator(mode="after")
    def _sum_one(self) -> Outcome:
        _check_sum(self.model_dump(), "investigation.outcome shares")
        return self


class Investigation(Section):
    hours: Distribution
    complex_share: Share
    complex_hours_factor: Annotated[float, Strict(), Field(gt=0, le=10, allow_inf_nan=False)]
    coordination_hours_per_case_week: Annotated[float, Strict(), Field(ge=0, le=40, allow_inf_nan=False)]
    # null: no ceiling (the mechanism is the caseworker's hours and the waits on others)
    max_pace_hours_per_day: Annotated[float, Strict(), Field(gt=0, le=24, allow_inf_nan=False)] | None
    # calendar days of waiting on others (answers, meetings) counted from assignment; null: none
    external_wait_days: Distribution | None
    caseload_cap: Cap | None
    cap_mode: Literal["hard", "soft", "none"]
    deadline_days: Days
    rush_at_deadline: StrictBool
    child_heard: ChildHeard
    quality: Quality
    outcome: Outcome

    @field_validator("cap_mode")
    @classmethod
    def _cap_mode_needs_cap(cls, cap_mode: str, info: ValidationInfo) -> str:
        return _check_cap_mode(cap_mode, info)


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
    visit_hours: Distribution
    # caseworker time per child that comes before visits (care plans, notes, meetings)
    follow_up_hours_per_child_week: Annotated[float, Strict(), Field(ge=0, le=40, allow_inf_nan=False)]
    age_out_years: Annotated[float, Strict(), Field(gt=0, le=25, allow_inf_nan=False)]

    @field_validator("cap_mode")
    @classmethod
    def _cap_mode_needs_cap(cls, cap_mode: str, info: ValidationInfo) -> str:
        return _check_cap_mode(cap_mode, info)


class RoleShares(Section):
    intake: Share
    investigation: Share
    placement: Share

    @model_validator(mode="after")
    def _sum_one(self) -> RoleShares:
        _check_sum(self.model_dump(), "staff.role_shares")
        return self


class SickLeave(Section):
    enabled: StrictBool
    short_spells_per_year: Rate
    short_days: Distribution
    long_spells_per_year: Rate
    long_days: Distribution
    overload_factor: Multiplier


class Consultants(Section):
    allowed: StrictBool
    premium: Annotated[float, Strict(), Field(ge=1, le=10, allow_inf_nan=False)]
    contract_months: Distribution
    start_days: Days
    max_share: Share


class Staff(Section):
    dynamics: StrictBool
    hours_per_day: Annotated[float, Strict(), Field(gt=0, le=24, allow_inf_nan=False)]
    intake_fte: Fte
    investigators_fte: Fte
    placement_fte: Fte
    budget_sek_per_year: Sek | None
    cost_per_fte_sek: Sek
    role_shares: RoleShares
    time_to_fill_days: Distribution
    new_graduate_share: Share
    novice_months: Annotated[float, Strict(), Field(ge=0, le=120, allow_inf_nan=False)]
    novice_productivity: Share
    graduate_rule: StrictBool
    mentoring: StrictBool
    mentoring_hours_per_week: Annotated[float, Strict(), Field(ge=0, le=40, allow_inf_nan=False)]
    initial_under_1y_share: Share
    turnover_per_year: Rate
    first_year_turnover_factor: Multiplier
    overload_turnover_factor: Multiplier
    retention_premium_share: Annotated[float, Strict(), Field(ge=0, le=1, allow_inf_nan=False)]
    retention_turnover_elasticity: Annotated[float, Strict(), Field(ge=0, le=20, allow_inf_nan=False)]
    notice_days: Annotated[float, Strict(), Field(ge=0, le=365, allow_inf_nan=False)]
    sick_leave: SickLeave
    reassign_after_days: Days
    consultants: Consultants
    freeze_on_overrun: StrictBool


class Metadata(Section):
    """Free text about the scenario; not part of the model inputs or the hash."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(max_length=2000)
    description_sv: str = Field("", max_length=2000)  # Swedish text for the brief; empty: use description
    tags: tuple[str, ...] = ()


class Scenario(Section):
    """A fully resolved scenario: every section, every value, no gaps."""

    metadata: Metadata
    municipality: Municipality
    calendar: Calendar
    horizon: Horizon
    referrals: Referrals
    screening: Screening
    investigation: Investigation
    in_home: InHome
    placements: Placements
    staff: Staff

    @model_validator(mode="after")
    def _staff_for_the_work(self) -> Scenario:
        staff = self.staff
        if not staff.dynamics:
            if staff.investigators_fte < 1:
                raise ValueError("staff.investigators_fte must be at least 1 with staff.dynamics false")
            if self.screening.enabled and staff.intake_fte < 1:
                raise ValueError("staff.intake_fte must be at least 1 when screening is enabled")
            if self.placements.enabled and staff.placement_fte < 1:
                raise ValueError("staff.placement_fte must be at least 1 when placements are enabled")
        elif staff.budget_sek_per_year is None:
            raise ValueError("staff.budget_sek_per_year is needed when staff.dynamics is true")
        self._bounded_work()
        return self

    def _bounded_work(self) -> None:
        """Derived sizes within limits (each field may be in range while their product is not)."""
        staff = self.staff
        if staff.dynamics:
            posts = (staff.budget_sek_per_year or 0.0) / staff.cost_per_fte_sek
            if posts > MAX_POSTS:
                raise ValueError(
                    f"staff.budget_sek_per_year / staff.cost_per_fte_sek = {posts:,.0f} funded posts;"
                    f" at most {MAX_POSTS:,} (raise cost_per_fte_sek or lower the budget)"
                )
        else:
            posts = staff.intake_fte + staff.investigators_fte + staff.placement_fte
            if posts > MAX_POSTS:
                raise ValueError(
                    f"staff.intake_fte + investigators_fte + placement_fte = {posts:,} posts; at most {MAX_POSTS:,}"
                )
        referrals = self.referrals.per_year * self.horizon.years
        if referrals > MAX_REFERRALS_PER_RUN:
            raise ValueError(
                f"referrals.per_year x horizon.years = {referrals:,.0f} referrals in one run;"
                f" at most {MAX_REFERRALS_PER_RUN:,} (shorten the horizon or model a smaller unit)"
            )

    @property
    def name(self) -> str:
        return self.metadata.name
