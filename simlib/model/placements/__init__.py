"""In-home support and out-of-home placements: the churn side of the model (MODEL.md 3.4).

Parts:
- ``system``: ``PlacementSystem`` (decisions, care episodes, places, moves,
  the breakdown hazard) and ``install``;
- ``child``: ``Child``, one care episode of one child;
- ``pool``: ``FosterHomePool``, free homes, reservations, the waiting list and emergency places;
- ``visits``: ``VisitBook``, required visits checked window by window;
- ``in_home``: ``InHomeSupport``, support after an investigation and its escalation;
- ``places``: ``Places``, spells, emergency places, the waiting list, the pool's processes;
- ``entries``: ``Entries``, the acute path (LVU 6 §) and re-entry after going home;
- ``kpis``: placement KPIs, the per-child history and the placement spells;
- ``costs``: cost, care-day shares by type and occupancy KPIs.
"""

from simlib.model.placements.child import Child
from simlib.model.placements.kpis import child_history, placement_spells
from simlib.model.placements.system import PlacementSystem, install

__all__ = ["Child", "PlacementSystem", "child_history", "install", "placement_spells"]
