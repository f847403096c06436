"""The workforce stage (MODEL.md 3.5): budget-funded posts and the people in them.

Parts:
- ``staff``: ``Workforce`` (posts, employees, hires, tenure, resignations,
  departures, vacancies) and ``install``;
- ``leave``: ``SickLeave``, absences that stall and then hand over cases;
- ``mentoring``: ``Mentoring``, novices paired with experienced colleagues;
- ``consultants``: ``Budget`` (the budget year and the hiring freeze) and
  ``Consultants`` (bridging vacancies at a premium);
- ``hazard``: ``HazardClock``, exact piecewise-constant risks, and the overload factor;
- ``kpis``: time-weighted staff counts, costs, caseworker changes and the KPIs
  (``install_fixed`` for fixed staffing).

The budget -> posts rule itself is scenario-level (``simlib.scenario.rules``).
"""

from simlib.model.workforce.kpis import install_fixed, reassign_jobs, record_caseworker_change
from simlib.model.workforce.staff import Workforce, install

__all__ = ["Workforce", "install", "install_fixed", "reassign_jobs", "record_caseworker_change"]
