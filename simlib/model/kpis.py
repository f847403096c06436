"""KPIs of one replication, computed from its records after the run.

Pure functions of the records and an explicit reporting window [t0, t1]:
- waits, durations, deadline shares and the share heard are over the *cohort*
  opened (referred) in the window, followed to its decision: after the horizon
  the run goes on without new referrals (``horizon.run_out_years``) until the
  cohort is decided. A case still open at the very end counts with its time so
  far (a lower bound; ``cohort_undecided_share`` says how many), is late once
  past its deadline and is not heard. So a growing queue cannot look short by
  leaving out the cases still waiting;
- event counts use the events that *start* in the window (arrivals, openings);
- time averages use the weekly cumulative areas (a snapshot at t1), so they are
  exact; ``balans_growth_per_year`` is the balans's least-squares slope;
- caseload means and percentiles are over investigators at work (an absent
  caseworker holding stalled cases carries no caseload);
Names are MODEL.md section 5's public contract.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simlib.model.context import SimContext
    from simlib.model.weekly import Weekly

from simlib.model import kpi_registry
from simlib.model.records import CaseworkerChange, InvestigationJoined, InvestigationRecord, ReferralRecord
from simlib.model.units import YEAR
from simlib.scenario.rules import cap_rule
from simlib.scenario.schema import Scenario

NAN = float("nan")
# The fields of the pipeline's record kinds that the KPIs read (``Recorder.lean`` keeps only these;
# a referral taken into an open investigation is counted, its InvestigationJoined record is not read)
KPI_RECORD_FIELDS: dict[type, tuple[str, ...]] = {
    ReferralRecord: ("arrived", "child", "screened"),  # of a referral screened (or not joined)
    InvestigationRecord: ("opened", "assigned", "decided", "heard", "rushed", "quality", "child"),
    InvestigationJoined: (),
    CaseworkerChange: ("time",),  # workforce/kpis.py: changes per child-year, in both staffing modes
}
# ... and of a referral taken into an open investigation, kept apart (``Recorder.joined_referrals``):
# counted and followed up, never screened, so neither a flag nor a screening time a referral
KPI_JOINED_REFERRAL_FIELDS: tuple[str, ...] = ("arrived", "child")
# A case closed *at* its deadline (rushed, or done the same instant) is on time;
# opened + deadline - opened is not always exactly the deadline in floating point.
ON_TIME_SLACK = 1e-9


def _week_index_at_or_after(days: np.ndarray, t: float) -> int:
    idx = int(np.searchsorted(days, t - 1e-9, side="left"))
    return min(idx, len(days) - 1)


def mser5_truncation(values: np.ndarray) -> int:
    """MSER-5 (White 1997): batch means of 5, truncate where the marginal SE is least.

    Returns the number of *observations* to drop. Candidates are restricted to the
    first half of the series, as is usual, so the estimate rests on enough data.
    """
    n_batches = len(values) // 5
    if n_batches < 4:
        return 0
    batches = values[: n_batches * 5].reshape(n_batches, 5).mean(axis=1)
    best_d, best = 0, math.inf
    for d in range(n_batches // 2):
        rest = batches[d:]
        stat = rest.var() / len(rest)  # ~ sum of squares / (n-d)^2
        if stat < best:
            best, best_d = stat, d
    return best_d * 5


def warmup_cut(scenario: Scenario, weekly: Weekly, end: float, at: float | None = None) -> float:
    """Start of the reporting window, on a weekly sample (``weekly``: the recorder's samples).

    ``at`` imposes a cut (in days) from outside: a comparison uses one cut for
    all its scenarios, so that paired windows are the same window.
    """
    if not weekly:
        return 0.0
    days = weekly.column("day")
    if at is not None:
        return float(days[_week_index_at_or_after(days, min(at, end))])
    if scenario.horizon.warmup == "mser5":
        level = (weekly.column("balans") + weekly.column("investigations_in_work")).astype(float)
        drop = mser5_truncation(level)
        return float(days[min(drop, len(days) - 1)])
    t = scenario.horizon.warmup_years * YEAR
    return float(days[_week_index_at_or_after(days, min(t, end))])


def _window_areas(days: np.ndarray, t0: float, t1: float) -> tuple[int, int]:
    return _week_index_at_or_after(days, t0), _week_index_at_or_after(days, t1)


def skipna_mean(values: np.ndarray) -> float:
    """The mean of the values that are not NaN, as ``pandas.Series.mean`` takes it (the same bits).

    pandas (nanops.nanmean, no bottleneck) sums with NaNs set to 0, floats as float64
    and flags and ints as int64, and divides by the count as a float64; the KPIs
    were once means of a frame's columns, so their numbers stay those.
    """
    x = np.asarray(values)
    if x.dtype.kind == "f":
        missing = np.isnan(x)
        count = np.float64(len(x) - int(missing.sum()))
        total = np.where(missing, 0.0, x).sum(dtype=np.float64) if missing.any() else x.sum(dtype=np.float64)
    else:
        count = np.float64(len(x))
        total = x.sum(dtype=np.int64)
    return float(total / count) if count else NAN


def _level_stats(levels: np.ndarray, cap: int | None) -> tuple[float, float, float]:
    """Mean, 90th percentile and over-cap share of a time-at-level histogram."""
    total = levels.sum()
    if total <= 0:
        return NAN, NAN, NAN
    n = np.arange(len(levels))
    mean = float((n * levels).sum() / total)
    cdf = np.cumsum(levels) / total
    p90 = float(np.searchsorted(cdf, 0.9 - 1e-12))
    over = float(levels[n > cap].sum() / total) if cap is not None else 0.0
    return mean, p90, over


def pipeline_kpis(ctx: SimContext, t0: float, t1: float) -> dict[str, float]:
    """Referral, screening and investigation KPIs for the window [t0, t1]."""
    sc = ctx.scenario
    rec = ctx.recorder
    years = max((t1 - t0) / YEAR, 1e-9)
    out: dict[str, float] = {}

    # the records' columns as read-only arrays, no frame of every record (memory flat in the horizon)
    refs = rec.referrals
    arrived = refs.view("arrived")
    in_window = (arrived >= t0) & (arrived < t1)
    # referrals are recorded when screened; add those still in screening at the end
    pending_in = [r for r in ctx.open_screenings.values() if t0 <= r.arrived < t1]
    counted = int(in_window.sum())
    # screening KPIs: a report taken into an open investigation needs no screening
    if rec.referrals_apart:  # a lean recorder keeps those apart: none of the referrals here joined
        joined = rec.joined_referrals.view("arrived")
        counted += int(((joined >= t0) & (joined < t1)).sum())
        del joined
        screened_in = in_window
    else:
        screened_in = in_window & ~refs.view("joined")
    out["referrals_total"] = float(counted + len(pending_in))
    end = ctx.env.now  # the end of the run-out: the cohort's cases decided by then are known
    screen_days = _masked_difference(refs.view("screened"), arrived, screened_in,
                                     [end - r.arrived for r in pending_in])
    del in_window
    out["screening_days_mean"] = float(screen_days.mean()) if len(screen_days) else NAN
    out["screening_within_14d_share"] = _share_within(screen_days, sc.screening.deadline_days,
                                                      decided=int(screened_in.sum()))
    del screen_days, screened_in

    # investigations: the cohort opened in the window, followed to its decision
    inv = rec.investigations
    opened = inv.view("opened")
    cohort = (opened >= t0) & (opened < t1)
    opened_in = opened[cohort]
    n_decided = len(opened_in)
    open_in = [c for c in _open_cases(ctx) if t0 <= c.opened < t1]
    n_cohort = n_decided + len(open_in)
    # a case still unassigned at the end has waited at least until then (a lower bound)
    waits = _minus(inv.view("assigned")[cohort], opened_in,
                   [(c.assigned if c.assigned >= 0 else end) - c.opened for c in open_in])
    out["investigation_wait_days_mean"] = float(waits.mean()) if n_cohort else NAN
    out["investigation_wait_days_p90"] = float(np.percentile(waits, 90)) if n_cohort else NAN
    del waits
    days = _minus(inv.view("decided")[cohort], opened_in, [end - c.opened for c in open_in])
    out["investigation_days_mean"] = float(days.mean()) if n_cohort else NAN
    out["investigation_within_4m_share"] = _share_within(days, sc.investigation.deadline_days, decided=n_decided)
    del days, opened_in
    # an undecided case has not (yet) heard the child
    out["child_heard_share"] = float(inv.view("heard")[cohort].sum()) / n_cohort if n_cohort else NAN
    out["cohort_undecided_share"] = len(open_in) / n_cohort if n_cohort else NAN
    out["investigations_per_year"] = n_cohort / years
    # means as pandas takes them (as a frame's columns did), so the numbers stay the same
    out["rushed_share"] = skipna_mean(inv.view("rushed")[cohort]) if n_decided else NAN
    out["investigation_quality_mean"] = skipna_mean(inv.view("quality")[cohort]) if n_decided else NAN
    del cohort, opened
    out["re_referral_12m_share"] = _re_referral_share(ctx, t0, t1)
    out["re_investigation_12m_share"] = _re_investigation_share(ctx, t0, t1)

    weekly = rec.weekly  # its columns, no frame (a run for its KPIs never imports pandas)
    days = weekly.column("day")
    i0, i1 = _window_areas(days, t0, t1)
    span = float(days[i1] - days[i0])
    if span > 0:
        area = weekly.column("balans_area")
        out["balans_mean"] = float(area[i1] - area[i0]) / span
        # caseloads over the investigators at work (an absent one's stalled cases are not a caseload)
        l1 = rec.weekly.levels("level_time_work", i1)
        l0 = rec.weekly.levels("level_time_work", i0)
        width = max(len(l0), len(l1))
        levels = np.pad(l1, (0, width - len(l1))) - np.pad(l0, (0, width - len(l0)))
        cap = cap_rule(sc, "investigation").reported_cap
        mean, p90, over = _level_stats(levels, cap)
        out["caseload_mean"], out["caseload_p90"], out["over_cap_time_share"] = mean, p90, over
    else:
        for key in ("balans_mean", "caseload_mean", "caseload_p90", "over_cap_time_share"):
            out[key] = NAN
    out["balans_growth_per_year"] = _growth_per_year(days, weekly.column("balans"), t0, t1)
    out["unstable"] = float(rec.unstable)
    out["stopped_early"] = float(rec.stopped_early)
    out["reporting_years"] = max(t1 - t0, 0.0) / YEAR
    out["warmup_years"] = t0 / YEAR
    return out


BLOCK = 65_536  # records at a time, where a whole column's temporary copy is not needed


def _masked_difference(a: np.ndarray, b: np.ndarray, mask: np.ndarray, more: list[float]) -> np.ndarray:
    """``(a - b)[mask]`` followed by ``more``, filled block by block: one array of the result's size."""
    n = int(mask.sum())
    out = np.empty(n + len(more))
    at = 0
    for first in range(0, len(mask), BLOCK):
        part = slice(first, first + BLOCK)
        m = mask[part]
        k = int(m.sum())
        np.subtract(a[part][m], b[part][m], out=out[at:at + k])
        at += k
    out[n:] = more
    return out


def _minus(a: np.ndarray, b: np.ndarray, more: list[float]) -> np.ndarray:
    """``a - b`` (``a`` a fresh array, overwritten), then ``more``: one array of the records' size, not three."""
    a -= b
    return np.concatenate([a, more]) if more else a


def _re_referral_share(ctx: SimContext, t0: float, t1: float) -> float:
    """Share of investigations closed in the window followed by a referral about the same child within 12 months.

    Closed in [t0, t1 - 1 year], so that the whole year after lies before the
    horizon (no referral arrives in the run-out); with a window under a year,
    closed in [t0, t1] with whatever follow-up there is (a lower bound).
    Every later referral counts, whatever it leads to (DfE's re-referral rate).
    """
    rec = ctx.recorder
    stores = (rec.referrals, rec.joined_referrals) if rec.referrals_apart else (rec.referrals,)
    pending = [(r.child, r.arrived) for r in ctx.open_screenings.values()]
    return _followed_within_a_year(ctx, t0, t1, lambda: _sorted_keys(
        stores[0].view("child", widen=False), stores[0].view("arrived"), pending,
        also=tuple((s.view("child", widen=False), s.view("arrived")) for s in stores[1:])))


def _re_investigation_share(ctx: SimContext, t0: float, t1: float) -> float:
    """Share of investigations closed in the window followed by a new investigation of the same child within 12 months.

    The Swedish measure (Kommunens Kvalitet i Korthet: children who have not come back
    within a year, "återaktualisering avser endast formell utredning"): as
    ``re_referral_12m_share`` but only a referral that opens an investigation counts
    (one that joins an open investigation or is closed at screening does not).
    """
    inv = ctx.recorder.investigations
    still_open = [(c.referral.child, c.opened) for c in ctx.open_cases.values()]
    return _followed_within_a_year(ctx, t0, t1, lambda: _sorted_keys(inv.view("child", widen=False),
                                                                     inv.view("opened"), still_open))


KEY_SPAN = 1e5  # days: far beyond any run, so child x KEY_SPAN + time sorts by child, then time


def _sorted_keys(child: np.ndarray, time: np.ndarray, more: list[tuple[int, float]],
                 also: tuple[tuple[np.ndarray, np.ndarray], ...] = ()) -> np.ndarray:
    """``child x KEY_SPAN + time`` of every record and of ``more`` (child, time) pairs, sorted.

    One array of the records' size, filled in place from the stored columns (a
    widened copy of the children and a concatenation were three more); ``also``:
    the (child, time) columns of more stores (a lean recorder's joined referrals).
    """
    columns = [(child, time), *also]
    n = sum(len(c) for c, _ in columns)
    keys = np.empty(n + len(more))
    at = 0
    for c, t in columns:
        head = keys[at:at + len(c)]
        head[:] = c
        head *= KEY_SPAN
        head += t
        at += len(c)
    if more:
        keys[n:] = (np.array([c for c, _ in more], dtype=float) * KEY_SPAN
                    + np.array([t for _, t in more], dtype=float))
    keys.sort()
    return keys


def _followed_within_a_year(ctx: SimContext, t0: float, t1: float, sorted_keys: Callable[[], np.ndarray]) -> float:
    """Share of the investigations closed in the window whose child has a key (``sorted_keys()``) within a year.

    ``sorted_keys`` is called only when some investigation closed in the window.
    """
    inv = ctx.recorder.investigations
    end = t1 - YEAR if t1 - YEAR > t0 else t1
    decided = inv.view("decided")
    closed = (decided >= t0) & (decided < end)
    if not closed.any():
        return NAN
    keys = sorted_keys()
    d = inv.view("child", widen=False)[closed].astype(float) * KEY_SPAN + decided[closed]
    nxt = np.searchsorted(keys, d, side="right")  # the child's first key after the decision
    found = nxt < len(keys)
    gap = np.full(len(d), np.inf)
    gap[found] = keys[nxt[found]] - d[found]
    return float((gap <= YEAR).mean())


def _share_within(durations: np.ndarray, deadline: float, decided: int) -> float:
    """Share of a cohort done within its deadline.

    ``durations``: the first ``decided`` are done (time taken), the rest still
    open at the end of the run (time so far). An open case past its deadline is
    late; one still inside it is left out (its outcome is not known yet).
    """
    done, still_open = durations[:decided], durations[decided:]
    on_time = int((done <= deadline + ON_TIME_SLACK).sum())
    known = len(done) + int((still_open > deadline + ON_TIME_SLACK).sum())
    return on_time / known if known else NAN


def _growth_per_year(days: np.ndarray, balans: np.ndarray, t0: float, t1: float) -> float:
    """Slope of the balans over the reporting window (least squares on the weekly samples), cases a year."""
    rows = (days >= t0 - 1e-9) & (days <= t1 + 1e-9)
    if int(rows.sum()) < 2:
        return NAN
    days = days[rows].astype(float)
    slope = np.polyfit(days - days.mean(), balans[rows].astype(float), 1)[0]
    return float(slope * YEAR)


def _open_cases(ctx: SimContext) -> list:
    """Investigations opened but not yet decided at the end of the run."""
    return list(ctx.open_cases.values())


def compute_kpis(ctx: SimContext, t0: float, t1: float) -> dict[str, float]:
    """All KPIs of a replication: the pipeline's plus those of installed stages.

    Every registered KPI is reported (NaN, after the computed ones, where its
    stage does not run), so scenarios with different stages switched on have the
    same rows; a name the registry does not know is a programming error.
    """
    out = pipeline_kpis(ctx, t0, t1)
    for provider in ctx.kpi_providers:
        out.update(provider(ctx, t0, t1))
    if "placement_cost_sek_per_year" in out and "cost_sek_per_year" in out:  # the unit's total
        out["total_cost_sek_per_year"] = out["cost_sek_per_year"] + out["placement_cost_sek_per_year"]
    unknown = [name for name in out if name not in kpi_registry.BY_NAME]
    if unknown:
        raise KeyError(f"KPIs {unknown} are not registered in simlib/model/kpi_registry.py")
    for name in kpi_registry.NAMES:
        out.setdefault(name, NAN)
    return out
