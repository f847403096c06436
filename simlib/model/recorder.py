"""Event records collected during a run; KPIs are computed from them afterwards.

Records are named tuples (``records.py``) appended to lists (cheap on the hot
path); ``frame`` turns a kind of them into a DataFrame once, after the run. Time-weighted
quantities are kept as areas by the teams and sampled weekly as cumulative
values, so any warm-up cut on a week boundary gives exact time averages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pandas as pd

from simlib.model.records import InvestigationRecord, ReferralRecord


@dataclass
class Recorder:
    """Append-only store of what happened in one replication."""

    referrals: list[ReferralRecord] = field(default_factory=list)
    investigations: list[InvestigationRecord] = field(default_factory=list)
    weekly: list[dict[str, Any]] = field(default_factory=list)
    events: dict[type, list[Any]] = field(default_factory=dict)
    unstable: bool = False  # the queue outgrew the unit at a sample inside the horizon
    stopped_early: bool = False  # a runaway run was stopped before the horizon (bounded work)
    ended_at: float = 0.0

    def log(self, record: NamedTuple) -> None:
        """A record of a later stage (placements, workforce), kept by its type."""
        self.events.setdefault(type(record), []).append(record)

    def of(self, kind: type) -> list[Any]:
        """The records of one kind, in the order they happened."""
        return self.events.get(kind, [])

    def frame(self, kind: type) -> pd.DataFrame:
        """The records of one kind as a DataFrame, its columns the record's fields."""
        return pd.DataFrame(self.of(kind), columns=list(kind._fields))

    def referral_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.referrals, columns=list(ReferralRecord._fields))

    def investigation_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.investigations, columns=list(InvestigationRecord._fields))

    def weekly_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.weekly)
