"""Working time: which calendar days carry caseworker hours, and how many.

Processor sharing runs in *working time*: a caseworker's hours accrue only on
working days (weekends, Swedish public holidays and the summer weeks carry no or
less capacity). The calendar maps the clock (calendar days) to cumulative
working days and back, so a completion time is computed exactly, with no daily
ticks. In ``continuous`` mode working time is the clock itself.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

from simlib.scenario.schema import Calendar

DAYS_PER_YEAR = 365
INF = float("inf")
# month index (0-11) of each day of a 365-day year; day 0 = 1 January
_MONTH_LENGTHS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
MONTH_STARTS = tuple(sum(_MONTH_LENGTHS[:m]) for m in range(12))


def month_of(t: float) -> int:
    """Month index 0-11 of a clock time, with 365-day years (MODEL.md conventions)."""
    day = int(t) % DAYS_PER_YEAR
    return bisect_right(MONTH_STARTS, day) - 1


@dataclass(frozen=True)
class ContinuousCalendar:
    """Every day is the same; working time equals the clock (textbook mode)."""

    workdays_per_week: float = 7.0
    working_time_is_clock: ClassVar[bool] = True  # callers may skip the two maps below

    def work_time(self, t: float) -> float:
        return t

    def clock_time(self, w: float) -> float:
        return w


class WorkingDaysCalendar:
    """Weekdays minus Swedish public holidays, with reduced capacity in summer weeks.

    Working time within a day grows linearly over the day at that day's weight,
    so both directions of the map are piecewise linear and exact.
    """

    workdays_per_week = 5.0

    def __init__(self, cfg: Calendar, years: float) -> None:
        n_days = int(DAYS_PER_YEAR * years) + 2 * DAYS_PER_YEAR
        # each day's weight and their running sum (read-only: shared by the calendars of a setting)
        self.weights, self.cumulative = _day_weights(cfg, n_days)

    @staticmethod
    def _weights(cfg: Calendar, n_days: int) -> list[float]:
        import holidays  # only a working-days calendar needs it (a continuous run need not import it)

        n_years = n_days // DAYS_PER_YEAR + 1
        years = range(cfg.start_year, cfg.start_year + n_years)
        public = set(holidays.country_holidays("SE", years=years))
        # days off under the municipal agreement though not public holidays
        midsummer = {d for d in public if d.month == 6 and d.weekday() == 5 and 20 <= d.day <= 26}
        public |= {d - dt.timedelta(days=1) for d in midsummer}
        public |= {dt.date(y, 12, d) for y in years for d in (24, 31)}
        summer = set(cfg.summer_weeks)
        weights = []
        for day in range(n_days):
            # 365-day model years; each maps onto the real calendar year for weekdays and holidays
            year = cfg.start_year + day // DAYS_PER_YEAR
            date = dt.date(year, 1, 1) + dt.timedelta(days=day % DAYS_PER_YEAR)
            if date.weekday() >= 5 or date in public:
                weights.append(0.0)
            elif date.isocalendar().week in summer:
                weights.append(cfg.summer_capacity)
            else:
                weights.append(1.0)
        return weights

    def work_time(self, t: float) -> float:
        day = int(t)
        try:  # (a caseworker calls this on every change: no length check before the lookup)
            return self.cumulative[day] + self.weights[day] * (t - day)
        except IndexError:
            raise ValueError(f"time {t} beyond the calendar ({len(self.weights)} days)") from None

    def clock_time(self, w: float) -> float:
        """Earliest clock time at which cumulative working time reaches ``w``."""
        cum = self.cumulative
        day = bisect_left(cum, w) - 1
        if day < 0:
            return 0.0
        weights = self.weights
        if day >= len(weights):
            return INF  # completes after the calendar (and the run) ends: no timer needed
        return day + (w - cum[day]) / weights[day]

    @property
    def working_days_per_year(self) -> float:
        return self.cumulative[DAYS_PER_YEAR]


@lru_cache(maxsize=8)
def _day_weights(cfg: Calendar, n_days: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The days' weights and their running sum, worked out once a process for a setting and length.

    Every replication of a scenario has the same calendar, and working it out (the
    holiday rules, a date a day) cost ~20 M instructions a replication, ~2% of a
    baseline year's; pools, sweeps and the dashboard run many in one process.
    """
    weights = WorkingDaysCalendar._weights(cfg, n_days)
    cum = [0.0]
    for w in weights:
        cum.append(cum[-1] + w)
    return tuple(weights), tuple(cum)


def make_calendar(cfg: Calendar, years: float) -> ContinuousCalendar | WorkingDaysCalendar:
    return ContinuousCalendar() if cfg.mode == "continuous" else WorkingDaysCalendar(cfg, years)
