"""Unit tier: the working-day calendar agrees with what the scenario notes say about it.

The notes are what a reader checks a scenario against; if the calendar (weekends,
Swedish public holidays, summer weeks) and the stated effective working days or
productive hours drift apart, the hours per day silently mean something else.
"""

from __future__ import annotations

import re

import pytest

from simlib.model.calendar import make_calendar
from simlib.scenario import load
from simlib.scenario.loader import bundled_names

DAYS = re.compile(r"(\d+)-(\d+) effective working days a year")
HOURS = re.compile(r"(\d[\d ]*\d)-(\d[\d ]*\d) per FTE-year")


def _working_scenarios() -> list[str]:
    return [name for name in bundled_names() if load(name).scenario.calendar.mode == "working_days"]


def _days_per_year(name: str) -> list[float]:
    sc = load(name).scenario
    years = int(sc.horizon.years + sc.horizon.run_out_years)
    cal = make_calendar(sc.calendar, years)
    return [cal.cumulative[365 * (y + 1)] - cal.cumulative[365 * y] for y in range(years)]


@pytest.mark.parametrize("name", _working_scenarios())
def test_effective_working_days_are_what_the_note_says(name: str) -> None:
    notes = load(name).provenance
    note = notes["calendar.summer_capacity"]
    match = DAYS.search(note.assumed or note.note or "")
    assert match, f"{name}: calendar.summer_capacity's note must state the effective working days a year"
    low, high = int(match[1]), int(match[2])
    days = _days_per_year(name)
    assert all(low <= round(d, 6) <= high for d in days), (name, days)


@pytest.mark.parametrize("name", _working_scenarios())
def test_hours_per_day_times_working_days_gives_the_stated_productive_hours(name: str) -> None:
    loaded = load(name)
    note = loaded.provenance["staff.hours_per_day"]
    match = HOURS.search(note.assumed or note.source or "")
    assert match, f"{name}: staff.hours_per_day's note must state the productive hours per FTE-year"
    low, high = (int(g.replace(" ", "")) for g in match.groups())
    days = _days_per_year(name)
    hours = loaded.scenario.staff.hours_per_day * sum(days) / len(days)
    assert low <= hours <= high, (name, hours)
