"""Building blocks of the scenario schema: the base section, bounded field types and shared checks.

Bounds are the allowed ranges that error messages quote back to the user, and
that the dashboard turns into slider limits; the ``MAX_`` limits keep one
replication's work bounded.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationInfo

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
