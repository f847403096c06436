"""What placements cost and where the care days are spent: cost, type and occupancy KPIs.

From the placement spells of one replication, over the window [t0, t1]:

- ``care_days_<type>_share``: the share of care days spent in each place type
  (``jourhem`` counts own and bought emergency places);
- ``placement_cost_sek_per_year``: care days x each type's cost per day
  (``placements.types.<type>.cost_sek_per_day``; bought emergency places
  ``emergency.purchased_cost_sek_per_day``), plus the own emergency places,
  paid whether used or not (``emergency.places`` x ``cost_sek_per_place_day``);
- ``foster_home_occupancy_mean``: days a child lived in an own foster home /
  home-days of the pool (a home promised to a child who has not moved in yet
  counts as empty); ``foster_homes_mean``: the pool's mean size;
  ``emergency_place_occupancy_mean``: days in own emergency places / their place-days.
The unit's total cost (staff + consultants + placements) is added by
``model.kpis.compute_kpis`` once both parts are known.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simlib.model.units import YEAR

if TYPE_CHECKING:
    from simlib.model.placements.system import PlacementSystem

NAN = float("nan")
FAMILY_HOMES = ("familjehem", "konsulent", "natverkshem")
SHARE_TYPES = ("jourhem", "familjehem", "konsulent", "natverkshem", "hvb")


def _step_area(points: list[tuple[float, int]], t0: float, t1: float) -> float:
    """Integral over [t0, t1] of a step function given as (time, value) at each change."""
    times = np.array([p[0] for p in points], dtype=float)
    values = np.array([p[1] for p in points], dtype=float)
    ends = np.append(times[1:], np.inf)
    return float((values * np.clip(np.minimum(ends, t1) - np.maximum(times, t0), 0.0, None)).sum())


def cost_kpis(
    system: PlacementSystem, spells: pd.DataFrame, days_in: np.ndarray, t0: float, t1: float
) -> dict[str, float]:
    """Cost, care-day shares by type and occupancy over [t0, t1] (``days_in``: each spell's days in it)."""
    cfg = system.cfg
    span = t1 - t0
    years = span / YEAR
    # the places as Python objects: a pandas 3 string index lives in pyarrow's memory pool
    by_kind = pd.Series(days_in, index=pd.Index(spells["place"].to_numpy(), dtype=object)).groupby(level=0).sum()
    days = {kind: float(by_kind.get(kind, 0.0)) for kind in (*SHARE_TYPES, "jourhem_purchased")}
    total = float(days_in.sum())
    out: dict[str, float] = {}
    for kind in SHARE_TYPES:
        kind_days = days[kind] + (days["jourhem_purchased"] if kind == "jourhem" else 0.0)
        out[f"care_days_{kind}_share"] = kind_days / total if total > 0 else NAN
    emergency = cfg.emergency
    cost = days["jourhem_purchased"] * emergency.purchased_cost_sek_per_day
    cost += emergency.places * emergency.cost_sek_per_place_day * span
    for kind in ("familjehem", "konsulent", "natverkshem", "hvb"):
        cost += days[kind] * getattr(cfg.types, kind).cost_sek_per_day
    out["placement_cost_sek_per_year"] = cost / years
    home_days = _step_area(system.pool.sizes, t0, t1)
    out["foster_homes_mean"] = home_days / span
    out["foster_home_occupancy_mean"] = days["familjehem"] / home_days if home_days > 0 else NAN
    place_days = emergency.places * span
    out["emergency_place_occupancy_mean"] = days["jourhem"] / place_days if place_days > 0 else NAN
    return out
