"""Scenario-level rules that several layers must read the same way (one home for each).

The model, the funding search, the national scaling and the dashboard all turn
a budget into posts, a post count into a budget, a role into its schema fields,
and a cap into "who may take a case" and "what counts as overload". Each rule
is decided here, once:

- ``funded_posts``: budget / cost per FTE, split by role shares, whole posts by
  largest remainder, never more than the budget pays for; ``budget_for_posts``
  is its inverse (the budget and shares that fund exactly the given posts);
- ``staffed_posts``: the posts a scenario runs with (funded, or the fixed counts);
- ``fixed_cost``: what the fixed counts cost a year;
- ``cap_rule``: which cap limits assignment and which caseload is the overload
  reference, per role and cap mode.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from simlib.scenario.schema import Scenario

ROLES = ("intake", "investigation", "placement")
# role -> the schema field of its fixed head count (``staff.dynamics: false``)
FTE_FIELDS = {"intake": "intake_fte", "investigation": "investigators_fte", "placement": "placement_fte"}


def employee_cost(scenario: Scenario) -> float:
    """Full yearly cost of one employed FTE, including any retention pay premium.

    The premium is paid on top of the staff budget (it does not cost posts):
    ``funded_fte`` uses the cost without it, and the budget the hiring freeze
    compares with grows by the same share.
    """
    staff = scenario.staff
    return staff.cost_per_fte_sek * (1.0 + staff.retention_premium_share)


def funded_fte(scenario: Scenario) -> dict[str, float]:
    """Budget / cost per FTE, split by role shares (fractional)."""
    staff = scenario.staff
    budget = staff.budget_sek_per_year or 0.0
    total = budget / staff.cost_per_fte_sek
    shares = staff.role_shares
    return {role: total * getattr(shares, role) for role in ROLES}


def funded_posts(scenario: Scenario) -> dict[str, int]:
    """Whole posts per role: floor of the total, apportioned by largest remainder.

    The total never exceeds what the budget pays for, so a fully staffed unit
    is within budget (a hiring freeze is then only triggered by consultants).
    """
    fte = funded_fte(scenario)
    total = math.floor(sum(fte.values()) + 1e-9)
    posts = {role: math.floor(v + 1e-9) for role, v in fte.items()}
    spare = total - sum(posts.values())
    by_remainder = sorted(ROLES, key=lambda r: (-(fte[r] - posts[r]), ROLES.index(r)))
    for role in by_remainder[: max(spare, 0)]:
        posts[role] += 1
    return posts


def fixed_posts(scenario: Scenario) -> dict[str, int]:
    """The fixed head counts per role (``staff.<role>_fte``)."""
    return {role: int(getattr(scenario.staff, field)) for role, field in FTE_FIELDS.items()}


def staffed_posts(scenario: Scenario) -> dict[str, int]:
    """The posts a scenario runs with: funded by the budget, or the fixed counts."""
    return funded_posts(scenario) if scenario.staff.dynamics else fixed_posts(scenario)


def fixed_cost(scenario: Scenario) -> float:
    """Yearly cost of the fixed head counts at the cost per FTE."""
    return sum(fixed_posts(scenario).values()) * scenario.staff.cost_per_fte_sek


def scaled_posts(scenario: Scenario, k: float, min_posts: dict[str, int] | None = None) -> dict[str, int]:
    """Whole posts per role of the scenario resized by ``k``: its posts times ``k``, rounded up.

    The model has whole caseworkers, so a resized unit gets each role's share of
    the scenario's posts (``staffed_posts``) rounded up, never down: rounding down
    leaves a small unit short of the capacity per child of the unit it was
    scaled from (``analysis.national`` says by how much). ``min_posts`` (default:
    one per role) keeps cover in the smallest units. ``k`` = 1 gives the posts back.
    """
    floor = min_posts or {}
    return {role: max(floor.get(role, 1), math.ceil(n * k - 1e-9))
            for role, n in staffed_posts(scenario).items()}


def budget_for_posts(scenario: Scenario, posts: dict[str, int]) -> dict[str, Any]:
    """Dotted overrides (budget, role shares, fixed counts) that fund exactly ``posts``.

    The inverse of ``funded_posts``: with these overrides ``funded_posts`` returns
    ``posts`` again, and fixed staffing runs the same counts.
    """
    total = sum(posts.values())
    if total < 1:
        raise ValueError(f"posts must add up to at least 1, got {posts}")
    return {
        "staff.budget_sek_per_year": total * scenario.staff.cost_per_fte_sek,
        "staff.role_shares.intake": posts["intake"] / total,
        "staff.role_shares.investigation": posts["investigation"] / total,
        "staff.role_shares.placement": 1.0 - (posts["intake"] + posts["investigation"]) / total,
        **{f"staff.{FTE_FIELDS[role]}": max(1, int(n)) for role, n in posts.items()},
    }


def simulated_roles(scenario: Scenario) -> tuple[str, ...]:
    """Roles that have caseworkers in the model (intake only with screening, placement only when on)."""
    out = []
    if scenario.screening.enabled:
        out.append("intake")
    out.append("investigation")
    if scenario.placements.enabled:
        out.append("placement")
    return tuple(out)


def role_work_params(scenario: Scenario, role: str, workdays_per_week: float) -> tuple[float, float]:
    """(coordination overhead hours per case per working day, pace limit) of a role.

    Only investigations carry the coordination overhead and the pace limit.
    """
    if role != "investigation":
        return 0.0, float("inf")
    inv = scenario.investigation
    overhead = inv.coordination_hours_per_case_week / workdays_per_week
    pace = inv.max_pace_hours_per_day or float("inf")
    return overhead, pace


@dataclass(frozen=True)
class CapRule:
    """What a role's cap means in its mode.

    ``assignment_cap``: the most cases a caseworker may be given (hard cap only;
    None = no limit). ``reported_cap``: the level above which time counts as
    over the cap (``over_cap_time_share``; any mode but none).
    ``overload_reference``: the caseload above which a caseworker counts as
    overloaded (turnover and sick-leave factors).
    """

    mode: str
    assignment_cap: int | None
    reported_cap: int | None
    overload_reference: float | None


def cap_rule(scenario: Scenario, role: str) -> CapRule:
    """The cap rule of a role: intake has none; investigation and placement per their cap mode.

    Overload is the caseload a worker actually carries against a sustainable
    level, the same in every cap mode: a cap changes who may be given a case,
    not what a caseload does to the people carrying it (otherwise a soft cap,
    which assigns exactly like no cap, would raise turnover by its label alone).
    Investigation's level is ``child_heard.sustainable_caseload``; placement's is
    its cap, the only caseload standard the schema has for that role. Intake
    has no caseload standard, so no overload term.
    """
    if role == "intake":
        return CapRule("none", None, None, None)
    section = scenario.investigation if role == "investigation" else scenario.placements
    cap, mode = section.caseload_cap, section.cap_mode
    capped = cap is not None and mode != "none"
    if role == "investigation":
        ref: float | None = scenario.investigation.child_heard.sustainable_caseload
    else:
        ref = float(cap) if cap is not None else None
    return CapRule(
        mode=mode,
        assignment_cap=cap if cap is not None and mode == "hard" else None,
        reported_cap=cap if capped else None,
        overload_reference=ref,
    )


def overload_reference(scenario: Scenario, role: str) -> float | None:
    """The caseload above which a caseworker of ``role`` counts as overloaded."""
    return cap_rule(scenario, role).overload_reference
