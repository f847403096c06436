"""Placement KPIs, weekly columns and the per-child history, from the recorded events.

The placement stage logs named records (``simlib.model.records``): spells (one stay in
one place), care episodes, placement needs (entry or re-placement: did a free
home exist?), breakdowns, visit windows, caseworker changes and in-home spells.
After the run the still-open ones are logged as ``open`` at the end time (no
censoring of time in care), and the KPIs of MODEL.md section 5 are computed for
the window [t0, t1]:

- ``placements_active_mean``: child-days in care in the window / its length;
  ``children_in_care_per_year``: distinct children in care at some time of each
  year of the window (its whole years), on average;
- ``placement_moves_per_child_year``: spells other than an episode's first that
  start in the window, per child-year in care (breakdowns, planned moves out of
  emergency places, homes that stop);
- ``breakdowns_per_year`` (and ``breakdowns_per_child_year``);
  ``family_home_breakdown_share``: of the stays in a foster, consultant-supported
  or kinship home that ended in the window, the share that broke down;
- ``re_entry_2y_share``: of the children who went home (reunified) in the
  window, the share back in care within two years (any way back; only
  homecomings followed for two full years before the run's end count);
- ``children_3plus_placements_share``: of the children in care at some time in
  the window, the share with three or more placements (all their episodes, up
  to t1; the model's memory starts at time 0);
- visits (``visit_kpis``): ``visits_done_share``, the visits due in the window
  that were made when due (not pushed back); ``visits_per_child_year``;
  ``visits_4plus_share``, of the children in care through a whole year of the
  window (one episode), the share visited at least ``visits_per_year`` times in it;
- ``emergency_placement_share``: needs for an own foster home in the window
  that found none free (with breakdowns off and no planned moves: Erlang B);
  ``acute_placements_per_year``: immediate protection placements;
- ``placement_caseworker_changes_per_child_year``; the all-roles
  ``caseworker_changes_per_child_year`` is the workforce module's, fed by the
  weekly ``open_case_days_placement`` column written here;
- costs and types (``costs``): ``placement_cost_sek_per_year``, per placed
  child, the care-day share of each place type, and the occupancy of the own
  foster homes and emergency places.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simlib.model.placements.costs import FAMILY_HOMES, cost_kpis
from simlib.model.recorder import Columns
from simlib.model.units import YEAR
from simlib.model.records import (
    Breakdown,
    CareEpisode,
    InHomeSpell,
    PlacementCaseworkerChange,
    PlacementNeed,
    PlacementSpell,
    VisitRecord,
)

if TYPE_CHECKING:
    from simlib.model.context import SimContext
    from simlib.model.recorder import Recorder
    from simlib.model.placements.system import PlacementSystem


NAN = float("nan")
ENTRIES = ("decision", "escalation", "acute", "re_entry")
TWO_YEARS = 2 * YEAR
# The fields of the placement records that the KPIs read (a lean recorder keeps only these)
KPI_RECORD_FIELDS: dict[type, tuple[str, ...]] = {
    PlacementSpell: ("child", "episode", "placement", "start", "end", "place", "end_reason"),
    CareEpisode: ("child", "episode", "start", "end", "end_reason"),
    VisitRecord: VisitRecord._fields,
    PlacementNeed: ("time", "emergency", "why", "kind"),
    Breakdown: ("time",),
    PlacementCaseworkerChange: ("time",),
    InHomeSpell: ("start", "end"),
}


def child_history(output: Any) -> pd.DataFrame:
    """One row per care episode: placements, moves, breakdowns, caseworkers, visits, start/end.

    ``output`` is a ``ReplicationOutput`` (or anything with a ``recorder``). Episodes
    still running at the end have ``end_reason == "open"`` and ``end`` = end of run.
    """
    df = output.recorder.frame(CareEpisode)
    df["age_at_end"] = df["age_at_start"] + (df["end"] - df["start"]) / YEAR
    return df.sort_values(["child", "episode"], ignore_index=True)


def placement_spells(output: Any) -> pd.DataFrame:
    """One row per placement (a stay in one home or emergency place)."""
    df = output.recorder.frame(PlacementSpell)
    return df.sort_values(["child", "episode", "placement"], ignore_index=True)


def _overlap(start: np.ndarray, end: np.ndarray, t0: float, t1: float) -> np.ndarray:
    return np.clip(np.minimum(end, t1) - np.maximum(start, t0), 0.0, None)


def flush(system: PlacementSystem) -> None:
    """Log what is still open at the end of the run (once)."""
    if system.flushed:
        return
    system.flushed = True
    now = system.env.now
    for child in system.in_care.values():
        system.visits.close(child, now)
        system.end_spell(child, "open")
        system.log_episode(child, now, "open")
    system.in_home.flush()


def placement_kpis(system: PlacementSystem, t0: float, t1: float) -> dict[str, float]:
    """The placement KPIs of one replication over [t0, t1]."""
    flush(system)
    rec = system.ctx.recorder
    span = t1 - t0
    out: dict[str, float] = {}
    if span <= 0:
        return out
    years = span / YEAR
    spells = _records(rec, PlacementSpell).frame(text_objects=True, fields=KPI_RECORD_FIELDS[PlacementSpell])
    start, end = spells["start"].to_numpy(float), spells["end"].to_numpy(float)
    days_in = _overlap(start, end, t0, t1)
    child_years = float(days_in.sum()) / YEAR
    per_child_year = (lambda n: n / child_years) if child_years > 0 else (lambda n: NAN)
    out["placements_active_mean"] = float(days_in.sum()) / span
    starts_in = (start >= t0) & (start < t1)
    out["placement_moves_per_child_year"] = per_child_year(int((starts_in & (spells["placement"] > 1)).sum()))

    bd = _records(rec, Breakdown).view("time")
    n_bd = int(((bd >= t0) & (bd < t1)).sum())
    out["breakdowns_per_year"] = n_bd / years
    out["breakdowns_per_child_year"] = per_child_year(n_bd)

    present = spells.loc[days_in > 0, "child"].unique()
    before = spells[start < t1].groupby("child").size()
    counts = before.reindex(present).fillna(0)
    out["children_3plus_placements_share"] = float((counts >= 3).mean()) if len(counts) else NAN

    out.update(visit_kpis(_records(rec, VisitRecord), spells, t0, t1, child_years, system.cfg.visits_per_year))

    needs = _records(rec, PlacementNeed)
    time = needs.view("time")
    in_window = (time >= t0) & (time < t1)
    del time
    kind, why = needs.column("kind")[in_window], needs.column("why")[in_window]
    home_needs = needs.view("emergency")[in_window][kind == "familjehem"]
    # the mean as pandas takes it (the frame's column did), so the number stays the same
    out["emergency_placement_share"] = float(pd.Series(home_needs).mean()) if len(home_needs) else NAN
    out["placements_started_per_year"] = float(np.isin(why, ENTRIES).sum()) / years
    out["acute_placements_per_year"] = float((why == "acute").sum()) / years
    del in_window, kind, why, home_needs

    ended = spells[(end >= t0) & (end < t1) & spells["place"].isin(FAMILY_HOMES) & (spells["end_reason"] != "open")]
    out["family_home_breakdown_share"] = float((ended["end_reason"] == "breakdown").mean()) if len(ended) else NAN
    episodes = _records(rec, CareEpisode).frame(text_objects=True, fields=KPI_RECORD_FIELDS[CareEpisode])
    out["re_entry_2y_share"] = _re_entry_share(episodes, t0, t1, system.env.now)
    del episodes
    out["children_in_care_per_year"] = _children_per_year(spells, start, end, t0, t1)
    out.update(cost_kpis(system, spells, days_in, t0, t1))
    placed = out["children_in_care_per_year"]
    out["placement_cost_sek_per_placed_child"] = out["placement_cost_sek_per_year"] / placed if placed > 0 else NAN

    ch = _records(rec, PlacementCaseworkerChange).view("time")
    out["placement_caseworker_changes_per_child_year"] = per_child_year(int(((ch >= t0) & (ch < t1)).sum()))

    in_home = _records(rec, InHomeSpell)
    ih_days = _overlap(in_home.view("start"), in_home.view("end"), t0, t1)
    out["in_home_active_mean"] = float(ih_days.sum()) / span
    return out


def _records(rec: Recorder, kind: type) -> Columns:
    """The column store of one kind of record (an empty one if none happened)."""
    store = rec.events.get(kind)
    return store if store is not None else Columns(kind)


def visit_kpis(
    visits: Columns, spells: pd.DataFrame, t0: float, t1: float, child_years: float, required: float
) -> dict[str, float]:
    """Visits made on time, visits per child-year, and the share of children with enough visits a year.

    Reads the visit records' columns (``visits``, a ``Columns`` of ``VisitRecord``)
    without a frame of every visit (memory flat in the horizon); the shares are
    counts over counts, as the frame's means were.
    """
    done = visits.view("done")
    due = visits.view("due")
    due_in = (due >= t0) & (due < t1)
    n_due = int(due_in.sum())
    on_time = int((done & (visits.view("pushed_back") == 0))[due_in].sum())
    del due, due_in
    made = visits.view("made")
    made_in = done & (made >= t0) & (made < t1)
    out = {
        "visits_done_share": on_time / n_due if n_due else NAN,
        "visits_per_child_year": int(made_in.sum()) / child_years if child_years > 0 else NAN,
    }
    child, episode = visits.view("child"), visits.view("episode")
    episodes = spells.groupby(["child", "episode"]).agg(start=("start", "min"), end=("end", "max"))
    whole, enough = 0, 0
    for k in range(int((t1 - t0) // YEAR + 1e-9)):
        a, b = t0 + k * YEAR, t0 + (k + 1) * YEAR
        through = episodes[(episodes["start"] <= a) & (episodes["end"] >= b)]
        if not len(through):
            continue
        in_year = done & (made >= a) & (made < b)
        made_in_year = pd.DataFrame({"child": child[in_year], "episode": episode[in_year]})
        counts = made_in_year.groupby(["child", "episode"]).size().reindex(through.index, fill_value=0)
        whole += len(counts)
        enough += int((counts >= required).sum())
    out["visits_4plus_share"] = enough / whole if whole and required > 0 else NAN
    del child, episode, made, done
    out["visits_per_family_home_child_year"] = _family_home_visit_rate(_made_in_order(visits, made_in), spells, t0, t1)
    return out


def _made_in_order(visits: Columns, made_in: np.ndarray) -> pd.DataFrame:
    """The visits made in the window (child, episode, when), sorted by when: the frame sorted once, not copied."""
    made = visits.view("made")
    return pd.DataFrame({"child": visits.view("child")[made_in], "episode": visits.view("episode")[made_in],
                         "made": made[made_in]}).sort_values("made")


MERGE_ROWS = 8192  # visits matched to their stays at a time (memory: the match is row by row)


def _family_home_visit_rate(when: pd.DataFrame, spells: pd.DataFrame, t0: float, t1: float) -> float:
    """Visits made while the child lived in a foster, consultant-supported or kinship home, per child-year there.

    The published figures (the legal four a year; Umeå's 4.2) are for children in family
    homes; emergency places and HVB are visited every six weeks by design. ``when``:
    the visits (child, episode, made), sorted by ``made``.
    """
    homes = spells["place"].isin(FAMILY_HOMES).to_numpy()
    years = float(_overlap(spells["start"].to_numpy(float)[homes], spells["end"].to_numpy(float)[homes],
                           t0, t1).sum()) / YEAR
    if years <= 0 or not len(when):
        return NAN
    stays = spells.loc[homes, ["child", "episode", "start", "end"]].sort_values("start")
    # each visit's match depends only on the stays, so the visits go through in blocks
    inside = 0
    for first in range(0, len(when), MERGE_ROWS):
        hit = pd.merge_asof(when.iloc[first:first + MERGE_ROWS], stays, left_on="made", right_on="start",
                            by=["child", "episode"])
        inside += int(((hit["made"] >= hit["start"]) & (hit["made"] <= hit["end"])).sum())
    return float(inside) / years


def _re_entry_share(episodes: pd.DataFrame, t0: float, t1: float, run_end: float) -> float:
    """Of the homecomings in [t0, t1) followed for two years, the share back in care within them."""
    home = episodes[(episodes["end_reason"] == "reunified") & (episodes["end"] >= t0) & (episodes["end"] < t1)
                    & (episodes["end"] + TWO_YEARS <= run_end)]
    if not len(home):
        return NAN
    nxt = episodes[["child", "episode", "start"]].assign(episode=lambda d: d["episode"] - 1)
    joined = home.merge(nxt, on=["child", "episode"], how="left", suffixes=("", "_next"))
    back = joined["start_next"] <= joined["end"] + TWO_YEARS
    return float(back.mean())


def _children_per_year(spells: pd.DataFrame, start: np.ndarray, end: np.ndarray, t0: float, t1: float) -> float:
    """Distinct children in care at some time of each whole year of the window, on average."""
    n_years = int((t1 - t0) // YEAR + 1e-9)
    if n_years < 1:
        return NAN
    child = spells["child"].to_numpy()
    counts = []
    for k in range(n_years):
        a, b = t0 + k * YEAR, t0 + (k + 1) * YEAR
        counts.append(len(np.unique(child[(start < b) & (end > a)])))
    return float(np.mean(counts))


def install_reporting(ctx: SimContext, system: PlacementSystem) -> None:
    """Weekly columns and the KPI provider of the placement stage."""
    in_care = system.in_care_level

    def weekly() -> dict[str, Any]:
        row = system.weekly()
        # cumulative child-days in care, for the all-roles caseworker-change rate
        row["open_case_days_placement"] = in_care.area_at(ctx.env.now)
        return row

    def provider(_ctx: SimContext, t0: float, t1: float) -> dict[str, float]:
        return placement_kpis(system, t0, t1)

    ctx.weekly_extras.append(weekly)
    ctx.kpi_providers.append(provider)
