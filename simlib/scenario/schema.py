"""The scenario schema: frozen pydantic models, one per section of MODEL.md.

Every field is required here on purpose: defaults live in scenario files (with
their sources), never in code. Bounds are the allowed ranges that error messages
quote back to the user, and that the dashboard turns into slider limits.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
    Strict,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)

from simlib.scenario.distributions import Distribution
from simlib.scenario.placement_sections import InHome, Placements
from simlib.scenario.sections import (
    MAX_POSTS,
    MAX_REFERRALS_PER_RUN,
    MAX_STOP_QUEUE,
    MAX_UNSTABLE_QUEUE,
    Cap,
    Days,
    Fte,
    Multiplier,
    Rate,
    Section,
    Sek,
    Share,
    _check_cap_mode,
    _check_sum,
)


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
    # share of per_year the model generates itself (re-referrals after thin investigations)
    failure_demand_share: Annotated[float, Strict(), Field(ge=0, lt=1, allow_inf_nan=False)]

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
    the sustainable caseload (``child_heard``). A decided investigation brings
    its child back within 12 months with chance
    rereferral_share_at_zero x (1 - quality) (failure demand).
    """

    full_contact_ratio: Annotated[float, Strict(), Field(ge=1, le=10, allow_inf_nan=False)]
    novice_alone_complex_factor: Share
    # chance that an investigation of quality 0 brings its child back within 12 months
    rereferral_share_at_zero: Share
    # work done on a case given above the sustainable caseload: x (sustainable / caseload)^this
    thinning_elasticity: Annotated[float, Strict(), Field(ge=0, le=5, allow_inf_nan=False)]


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


class RoleShares(Section):
    intake: Share
    investigation: Share
    placement: Share

    @model_validator(mode="after")
    def _sum_one(self) -> RoleShares:
        _check_sum(self.model_dump(), "staff.role_shares")
        return self


class RoleRates(Section):
    """A rate a year per role (not shares: they need not sum to 1)."""

    intake: Rate
    investigation: Rate
    placement: Rate


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
    # moves to another unit of the municipality, per role, on top of resignations
    internal_move_per_year: RoleRates
    # roles a new graduate is hired into (investigation is the usual entry post)
    entry_roles: tuple[Literal["intake", "investigation", "placement"], ...]
    first_year_turnover_factor: Multiplier
    mentoring_turnover_factor: Multiplier
    overload_turnover_factor: Multiplier
    # waiting cases per caseworker counted into the caseload that drives the hazards
    balans_pressure_weight: Annotated[float, Strict(), Field(ge=0, le=10, allow_inf_nan=False)]
    replacement_cost_sek: Annotated[float, Strict(), Field(ge=0, le=1e8, allow_inf_nan=False)]
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
