"""Event records collected during a run; KPIs are computed from them afterwards.

Records are plain tuples appended to lists (cheap on the hot path); the
``frame`` helpers turn them into DataFrames once, after the run. Time-weighted
quantities are kept as areas by the teams and sampled weekly as cumulative
values, so any warm-up cut on a week boundary gives exact time averages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

REFERRAL_COLUMNS = ("arrived", "child", "age", "urgent", "screened", "opened")
INVESTIGATION_COLUMNS = (
    "referred",
    "opened",
    "assigned",
    "decided",
    "urgent",
    "complex",
    "hours_needed",
    "hours_done",
    "caseload_during",
    "heard",
    "rushed",
    "outcome",
    "caseworker_changes",
)


@dataclass
class Recorder:
    """Append-only store of what happened in one replication."""

    referrals: list[tuple[Any, ...]] = field(default_factory=list)
    investigations: list[tuple[Any, ...]] = field(default_factory=list)
    weekly: list[dict[str, Any]] = field(default_factory=list)
    events: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    unstable: bool = False
    ended_at: float = 0.0

    def log(self, kind: str, *values: Any) -> None:
        """Records of later stages (placements, workforce) by kind."""
        self.events.setdefault(kind, []).append(values)

    def referral_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.referrals, columns=list(REFERRAL_COLUMNS))

    def investigation_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.investigations, columns=list(INVESTIGATION_COLUMNS))

    def weekly_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.weekly)
