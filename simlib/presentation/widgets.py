"""Interactive pieces for the notebooks and the Voila dashboard (no model logic).

Why this module exists: policy advisors move sliders, not code, and they should
get an answer at once and a better one shortly after. So:

- sliders are built from the scenario schema's bounds (pydantic ``ge``/``le``),
  narrowed to a useful window around the scenario's own value;
- slider changes are debounced, then replications run in background processes
  (``run_replication`` in a ``ProcessPoolExecutor``), and the display updates as
  each one finishes: first from a few short runs (a first estimate within about
  two seconds), then from the full-length replications;
- every replication is cached by (scenario hash, seed, replication), so moving a
  slider back is instant;
- the baseline runs with the same seed (common random numbers) and differences
  are paired per replication, so they are tighter than the two intervals suggest.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import typing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import pandas as pd
from pydantic import BaseModel

from simlib.experiments.intervals import summarise, t_interval
from simlib.experiments.replications import run_replication
from simlib.scenario.loader import scenario_hash, with_overrides
from simlib.scenario.schema import Investigation, Scenario, Staff

FAST_ENV = "CASELOAD_FAST"
LANG_ENV = "CASELOAD_LANG"
LANGUAGES = ("en", "sv")
SEED = 2024
DEBOUNCE_S = 0.4
# The dashboard's KPIs, in display order (MODEL.md section 5 names).
DASHBOARD_KPIS = (
    "investigation_wait_days_mean",
    "screening_within_14d_share",
    "investigation_within_4m_share",
    "balans_mean",
    "child_heard_share",
    "caseload_mean",
)
SHARE_KPIS = frozenset(k for k in DASHBOARD_KPIS if k.endswith("_share"))


# --- settings -------------------------------------------------------------------


def fast_mode() -> bool:
    """True when CASELOAD_FAST=1: CI runs every notebook with fewer, shorter runs."""
    return os.environ.get(FAST_ENV, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class RunSettings:
    """How much simulation a notebook does: replications, horizon and sample sizes."""

    reps: int
    years: float | None  # None: the scenario's own horizon
    preview_years: float
    sweep_points: int
    sobol_n: int
    jobs: int


def settings() -> RunSettings:
    """Run sizes for notebooks: honest by default, small under CASELOAD_FAST=1."""
    jobs = max(1, min(os.cpu_count() or 1, 4))
    if fast_mode():
        return RunSettings(reps=3, years=1.5, preview_years=1.0, sweep_points=3, sobol_n=2, jobs=jobs)
    return RunSettings(reps=10, years=None, preview_years=1.5, sweep_points=5, sobol_n=64, jobs=jobs)


def in_voila() -> bool:
    """True inside a Voila dashboard (it sets SERVER_SOFTWARE=voila/... for the kernel)."""
    return os.environ.get("SERVER_SOFTWARE", "").startswith("voila")


def language(query_string: str | None = None) -> str:
    """'sv' or 'en': ?lang=sv in the Voila URL wins, then CASELOAD_LANG, then English."""
    qs = query_string if query_string is not None else os.environ.get("QUERY_STRING", "")
    for candidate in (parse_qs(qs).get("lang", [""])[0], os.environ.get(LANG_ENV, "")):
        code = candidate.strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def label(key: str, lang: str, **fields: Any) -> str:
    """A label from the shared sv/en catalogue (simlib.presentation.i18n)."""
    from simlib.presentation.i18n import t

    return t(key, lang, **fields)


# --- sliders from the schema ------------------------------------------------------


def schema_bounds(model: type[BaseModel], name: str) -> tuple[float | None, float | None]:
    """(low, high) of a field from its pydantic metadata (ge/gt, le/lt), through Optional."""
    info = model.model_fields[name]
    metadata = list(info.metadata)
    for arg in typing.get_args(info.annotation):  # Optional[Annotated[int, Field(...)]]
        for extra in getattr(arg, "__metadata__", ()):
            metadata.extend(getattr(extra, "metadata", [extra]))
    low = high = None
    for item in metadata:
        for attr in ("ge", "gt"):
            if getattr(item, attr, None) is not None:
                low = float(getattr(item, attr))
        for attr in ("le", "lt"):
            if getattr(item, attr, None) is not None:
                high = float(getattr(item, attr))
    return low, high


@dataclass(frozen=True)
class SliderSpec:
    """One slider: the schema's bounds narrowed to a useful window, and a start value."""

    low: float
    high: float
    step: float
    value: float


def slider_specs(scenario: Scenario) -> dict[str, SliderSpec]:
    """Cap, budget and replication sliders for a scenario.

    The schema allows caps of 1-500 and budgets up to 1e11 SEK; a slider over that
    range is useless, so the window is the schema range intersected with 1 to 4x the
    sustainable caseload (cap) and 0.5x to 2x today's budget, in whole FTEs.
    """
    inv, staff = scenario.investigation, scenario.staff
    cap_lo, cap_hi = schema_bounds(Investigation, "caseload_cap")
    sustainable = inv.child_heard.sustainable_caseload
    cap_hi = min(cap_hi or 500, round(4 * sustainable))
    cap_lo = cap_lo or 1
    cap_value = inv.caseload_cap if inv.caseload_cap is not None else round(sustainable)
    bud_lo, bud_hi = schema_bounds(Staff, "budget_sek_per_year")
    budget = staff.budget_sek_per_year or _fixed_cost(scenario)
    fte_cost = staff.cost_per_fte_sek
    low = max(bud_lo or 0, fte_cost * round(0.5 * budget / fte_cost))
    high = min(bud_hi or float("inf"), fte_cost * round(2 * budget / fte_cost))
    reps_hi = 6 if fast_mode() else 30
    return {
        "cap": SliderSpec(cap_lo, cap_hi, 1, min(max(cap_value, cap_lo), cap_hi)),
        "budget": SliderSpec(low, high, fte_cost, min(max(budget, low), high)),
        "reps": SliderSpec(2, reps_hi, 1, settings().reps),
    }


def _fixed_cost(scenario: Scenario) -> float:
    staff = scenario.staff
    return (staff.intake_fte + staff.investigators_fte + staff.placement_fte) * staff.cost_per_fte_sek


def lever_overrides(scenario: Scenario, cap: int, cap_mode: str, budget: float) -> dict[str, Any]:
    """Dotted overrides for the dashboard's levers.

    With dynamic staffing the budget is the model input. With fixed staffing
    (``staff.dynamics: false``) the budget buys the same whole posts per role as
    the workforce model funds (``funded_posts``), all of them filled.
    """
    staff = scenario.staff
    # Without a cap the cap value only labels over-cap time; keep the scenario's own
    # so that moving the cap slider in mode 'none' is the same scenario (cache hit).
    keep = cap_mode == "none" and scenario.investigation.cap_mode == "none"
    changes: dict[str, Any] = {
        "investigation.caseload_cap": scenario.investigation.caseload_cap if keep else int(cap),
        "investigation.cap_mode": cap_mode,
        "staff.budget_sek_per_year": float(budget),
    }
    if not staff.dynamics:
        from simlib.model.workforce_clock import funded_posts

        funded = with_overrides(scenario, {"staff.budget_sek_per_year": float(budget)})
        posts = funded_posts(funded)
        for role, key in (("intake", "intake_fte"), ("investigation", "investigators_fte"), ("placement", "placement_fte")):
            changes[f"staff.{key}"] = max(1, posts[role])
    return changes


# --- progressive runs in background processes --------------------------------------


def _pool_context() -> multiprocessing.context.BaseContext:
    # fork starts a worker in milliseconds with simlib already imported; that is
    # what makes a first estimate within ~2 s possible. Elsewhere use the default.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


RepKey = tuple[str, int, int]  # (scenario hash, seed, replication)


class ProgressiveRunner:
    """Replications in background processes, cached per (scenario hash, seed, replication).

    ``request`` cancels the work of the previous request that has not started yet,
    and calls ``on_update`` (from a background thread) each time one of the new
    request's replications finishes.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or max(1, min(os.cpu_count() or 2, 4))
        self._pool = ProcessPoolExecutor(self.workers, mp_context=_pool_context())
        self._cache: dict[RepKey, tuple[pd.DataFrame, pd.DataFrame]] = {}
        self._pending: dict[RepKey, Future] = {}
        self._lock = threading.RLock()
        self._generation = 0
        self.errors: dict[RepKey, str] = {}

    def cached(self, scenario: Scenario, seed: int, reps: int) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
        """The replications 0..reps-1 already done."""
        digest = scenario_hash(scenario)
        with self._lock:
            return [self._cache[k] for r in range(reps) if (k := (digest, seed, r)) in self._cache]

    def request(
        self,
        jobs: list[tuple[Scenario, int, int]],
        on_update: Callable[[], None],
    ) -> int:
        """Run (scenario, seed, replication) jobs in the given order, skipping cached ones."""
        with self._lock:
            self._generation += 1
            generation = self._generation
            for key, fut in list(self._pending.items()):
                if fut.cancel():
                    del self._pending[key]
            for scenario, seed, rep in jobs:
                key = (scenario_hash(scenario), seed, rep)
                if key in self._cache:
                    continue
                fut = self._pending.get(key)
                if fut is None:
                    fut = self._pool.submit(run_replication, scenario, seed, rep)
                    self._pending[key] = fut
                fut.add_done_callback(lambda f, k=key: self._done(k, f, generation, on_update))
        return generation

    def _done(self, key: RepKey, fut: Future, generation: int, on_update: Callable[[], None]) -> None:
        if fut.cancelled():
            return
        with self._lock:
            self._pending.pop(key, None)
            error = fut.exception()
            if error is None:
                self._cache[key] = fut.result()
            else:
                self.errors[key] = f"{type(error).__name__}: {error}"
            current = generation == self._generation
        if current:
            on_update()

    def busy(self) -> bool:
        with self._lock:
            return any(not f.done() for f in self._pending.values())

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def paired_difference(kpis: pd.DataFrame, base: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Scenario minus baseline per KPI, paired by replication (common random numbers)."""
    a = kpis.pivot_table(index="replication", columns="kpi", values="value")
    b = base.pivot_table(index="replication", columns="kpi", values="value")
    common = a.index.intersection(b.index)
    diff = a.loc[common] - b.loc[common]
    rows = []
    for kpi in diff.columns:
        mean, low, high, n = t_interval(diff[kpi].to_numpy(), level)
        rows.append({"kpi": kpi, "diff": mean, "diff_low": low, "diff_high": high, "pairs": n})
    return pd.DataFrame(rows, columns=["kpi", "diff", "diff_low", "diff_high", "pairs"])


def comparison_table(kpis: pd.DataFrame, base: pd.DataFrame, names: tuple[str, ...] = DASHBOARD_KPIS) -> pd.DataFrame:
    """Tidy table: scenario mean and CI, baseline mean, paired (CRN) difference and CI."""
    left = summarise(kpis).set_index("kpi")
    right = summarise(base).set_index("kpi")[["mean"]].rename(columns={"mean": "baseline"})
    diff = paired_difference(kpis, base).set_index("kpi")
    table = left.join(right, how="left").join(diff, how="left")
    return table.reindex([k for k in names if k in table.index]).reset_index()


def __getattr__(name: str) -> Any:
    # The dashboard itself lives in caps_dashboard.py (it imports this module).
    if name in ("CapDashboard", "caps_dashboard"):
        from simlib.presentation import caps_dashboard as module

        return getattr(module, name)
    raise AttributeError(name)
