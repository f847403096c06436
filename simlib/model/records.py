"""The records a replication keeps: one named tuple per kind of event, the schema of its columns.

A record's columns come from its type (``Record._fields``), so a frame of them
needs no tuple of names kept in another file. The recorder keeps them column by
column (``recorder.Columns``) and turns them into DataFrames once, after the
run; the hottest kinds (referrals, investigations) are appended as positional
values in field order (``Columns.add``), without building the tuple.
"""

from __future__ import annotations

from typing import NamedTuple


class ReferralRecord(NamedTuple):
    """A referral whose screening decision is made (or that went straight to investigation)."""

    arrived: float
    child: int
    age: float
    urgent: bool
    screened: float
    opened: bool
    joined: bool = False  # about a child with an open investigation: taken into it, not screened


class InvestigationRecord(NamedTuple):
    """An investigation at its decision."""

    referred: float
    opened: float
    assigned: float
    decided: float
    urgent: bool
    complex: bool
    hours_needed: float
    hours_done: float  # hours the case got, more than needed when it waited on others
    caseload_during: float
    heard: bool
    rushed: bool
    outcome: str
    caseworker_changes: int
    child: int
    quality: float = float("nan")  # 0-1: hours got against need, novice alone, overload
    novice_alone: bool = False  # a complex case held by a novice without a mentor


class InvestigationJoined(NamedTuple):
    """A referral taken into the child's open investigation (SoL 11 kap 1 a §) instead of a new one."""

    time: float
    child: int
    screened: bool  # it had been screened (the investigation opened meanwhile)


class UrgentOverCap(NamedTuple):
    """An urgent case given to a caseworker at or over the hard cap (it never waits behind it)."""

    time: float
    role: str


class CaseworkerChange(NamedTuple):
    """A child's case moved to another caseworker (any role)."""

    time: float
    role: str


class Resignation(NamedTuple):
    time: float
    role: str
    internal: bool = False  # a move to another unit of the municipality, not a resignation


class Departure(NamedTuple):
    time: float
    role: str
    tenure_days: float


class ConsultantStart(NamedTuple):
    time: float
    role: str


class PlacementSpell(NamedTuple):
    """One stay of a child in one place (a foster home or an emergency place)."""

    child: int
    episode: int
    placement: int
    start: float
    end: float
    place: str
    home: int | None
    end_reason: str


class CareEpisode(NamedTuple):
    """One care episode of a child, from entering care to leaving it (or the run's end)."""

    child: int
    episode: int
    start: float
    end: float
    end_reason: str
    age_at_start: float
    placements: int
    moves: int
    breakdowns: int
    caseworker_changes: int
    caseworkers: int
    visits_required: int
    visits_done: int


class PlacementNeed(NamedTuple):
    """A child needed a (new) place: entry, escalation or re-placement; was a home free?"""

    time: float
    child: int
    emergency: bool
    why: str
    kind: str  # the type asked for ("acute": an immediate protection placement)


class Breakdown(NamedTuple):
    time: float
    child: int
    place: str


class VisitRecord(NamedTuple):
    """One visit to a placed child: when it fell due, when it was made (or not, at the end of care)."""

    child: int
    episode: int
    due: float
    made: float
    pushed_back: int
    done: bool


class PlacementCaseworkerChange(NamedTuple):
    time: float
    child: int


class InHomeSpell(NamedTuple):
    child: int
    start: float
    end: float
    end_reason: str
    age_at_start: float
