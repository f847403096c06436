"""The price of a caseload cap: the smallest staffing at which a capped scenario meets a target.

Why: MODEL.md question 2 and issue 17. A hard cap at today's budget may just
move the wait from caseworkers' desks to the balans queue. ``price`` adds
investigator posts to the capped scenario, each paid at the full cost per FTE
(``rules.budget_for_posts``, so budget-funded and fixed staffing agree), until
the target is met, and says how sure that is.

The target (``Target``): by default the balans does not grow
(``balans_growth_per_year`` at most ``GROWTH_TOLERANCE`` cases a year) and the
share of investigations decided within four months is at least today's (the
uncapped scenario's, run with the same seeds). A ``--target KPI>=VALUE`` adds
its own condition instead of today's compliance; the balans condition always
holds, since a growing queue never meets a target.

Search. Every candidate runs replications 0..reps-1 with the same seed as
today's scenario (common random numbers), so each candidate's KPIs are paired
with today's replication by replication. Extra posts 0, 1, 2, 4, 8, ... are
tried until the target is met, then bisection finds the smallest met count;
the candidates around it (``WINDOW``) are run too. Uncertainty of the price: a
paired bootstrap over replications (the same resampled replications for every
candidate and for today) recomputes the smallest met count among the
candidates run; its 2.5% and 97.5% quantiles are the interval (censored at the
edge of the candidates run, and then flagged).

Cost (SEK a year): the staff budget (posts x cost per FTE), and the measured
cost of the run: salaries and consultants (``cost_sek_per_year``), children in
care (``placement_cost_sek_per_year``: care days at each place type's price and
the own emergency places) and their sum (``total_cost_sek_per_year``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simlib.experiments.intervals import paired_interval, t_interval
from simlib.scenario.loader import with_overrides
from simlib.scenario.rules import FTE_FIELDS, budget_for_posts, staffed_posts
from simlib.scenario.schema import Scenario

GROWTH_KPI = "balans_growth_per_year"
COMPLIANCE_KPI = "investigation_within_4m_share"
GROWTH_TOLERANCE = 5.0  # cases a year: below this a balans is "not growing" over a five-year window
WINDOW = (2, 2)  # candidates run below and above the price, for the bootstrap interval
MAX_EXTRA = 400  # bounded work: no search adds more investigator posts than this
BOOTSTRAP = 2000
# KPIs reported for today, today's budget under the cap, and the price
REPORTED = (
    COMPLIANCE_KPI, "investigation_wait_days_mean", GROWTH_KPI, "balans_mean", "child_heard_share",
    "turnover_per_year", "placement_moves_per_child_year", "unstable", "fte_funded", "cost_sek_per_year",
    "consultant_cost_sek_per_year", "placement_cost_sek_per_year", "total_cost_sek_per_year",
)


@dataclass(frozen=True)
class Target:
    """One condition: ``kpi`` ``op`` ``value``; ``value`` None means today's level of that KPI."""

    kpi: str
    op: str  # ">=" or "<="
    value: float | None = None

    PATTERN = re.compile(r"^\s*([a-z0-9_]+)\s*(>=|<=)\s*([-+0-9.eE]+|baseline|today)\s*$")

    @classmethod
    def parse(cls, text: str) -> list[Target]:
        """``baseline`` (today's compliance, no growth) or ``KPI>=VALUE`` / ``KPI<=VALUE`` (plus no growth)."""
        growth = cls(GROWTH_KPI, "<=", GROWTH_TOLERANCE)
        if text.strip() in ("baseline", "today"):
            return [growth, cls(COMPLIANCE_KPI, ">=", None)]
        match = cls.PATTERN.match(text)
        if not match:
            raise ValueError(f"--target: expected 'baseline' or KPI>=VALUE or KPI<=VALUE, got {text!r}")
        kpi, op, value = match.groups()
        from simlib.model.kpi_registry import names_where

        if kpi not in names_where():
            raise ValueError(f"--target: unknown KPI {kpi!r}")
        number = None if value in ("baseline", "today") else float(value)
        return [growth] + ([] if kpi == GROWTH_KPI else [cls(kpi, op, number)])

    def describe(self) -> str:
        return f"{self.kpi} {self.op} {'today' if self.value is None else f'{self.value:g}'}"


def with_investigators(scenario: Scenario, extra: int) -> Scenario:
    """The scenario with ``extra`` investigator posts, paid for at the full cost per FTE.

    Fixed staffing gets ``extra`` more investigators; budget-funded staffing gets
    the budget for ``extra`` more posts, all of them in the investigation role.
    Both are set, so the scenario means the same in either mode.
    """
    posts = staffed_posts(scenario)
    posts["investigation"] += extra
    return with_overrides(scenario, budget_for_posts(scenario, posts))


def with_cap(scenario: Scenario, cap: int, mode: str = "hard") -> Scenario:
    """The scenario with an investigation caseload cap of ``cap`` in ``mode`` (hard or soft)."""
    if mode not in ("hard", "soft"):
        raise ValueError(f"cap mode must be hard or soft, got {mode!r}")
    return with_overrides(scenario, {"investigation.caseload_cap": cap, "investigation.cap_mode": mode})


def wide_kpis(results: Any) -> pd.DataFrame:
    """Replication x KPI table of a run."""
    return results.kpis.pivot(index="replication", columns="kpi", values="value")


def _met(wide: pd.DataFrame, today: pd.DataFrame, targets: list[Target], rows: np.ndarray) -> bool:
    """Whether the mean over replications ``rows`` meets every target."""
    for t in targets:
        value = float(np.nanmean(wide[t.kpi].to_numpy()[rows]))
        ref = float(np.nanmean(today[t.kpi].to_numpy()[rows])) if t.value is None else t.value
        if math.isnan(value) or (value < ref - 1e-12 if t.op == ">=" else value > ref + 1e-12):
            return False
    return True


@dataclass
class Price:
    """The result of ``price``: the staffing a cap needs, with its uncertainty."""

    scenario: Scenario  # today's (uncapped) scenario
    cap: int
    cap_mode: str
    targets: list[Target]
    reps: int
    seed: int
    today: pd.DataFrame  # replication x KPI
    candidates: dict[int, pd.DataFrame] = field(default_factory=dict)  # extra posts -> replication x KPI
    extra: int | None = None  # smallest met count (None: not met up to MAX_EXTRA)
    extra_low: int | None = None
    extra_high: int | None = None
    censored: bool = False

    def posts(self, extra: int) -> dict[str, int]:
        posts = staffed_posts(self.scenario)
        posts["investigation"] += extra
        return posts

    def budget(self, extra: int) -> float:
        return float(sum(self.posts(extra).values()) * self.scenario.staff.cost_per_fte_sek)

    def compare(self, extra: int, kpis: tuple[str, ...] = REPORTED) -> pd.DataFrame:
        """Today vs the capped scenario with ``extra`` posts: means and paired differences with 95% CIs."""
        rows = []
        alt = self.candidates[extra]
        for kpi in kpis:
            if kpi not in alt or kpi not in self.today:
                continue
            base_mean, base_low, base_high, n = t_interval(self.today[kpi].to_numpy())
            alt_mean, alt_low, alt_high, _ = t_interval(alt[kpi].to_numpy())
            diff, low, high, _ = paired_interval(self.today[kpi].to_numpy(), alt[kpi].to_numpy())
            rows.append({"kpi": kpi, "today": base_mean, "today_low": base_low, "today_high": base_high,
                         "capped": alt_mean, "capped_low": alt_low, "capped_high": alt_high,
                         "difference": diff, "diff_low": low, "diff_high": high, "n": n})
        return pd.DataFrame(rows)

    def candidate_table(self) -> pd.DataFrame:
        """One row per candidate run: extra posts, budget, the target KPIs' means, met or not."""
        all_rows = np.arange(self.reps)
        out = []
        for extra in sorted(self.candidates):
            wide = self.candidates[extra]
            row: dict[str, Any] = {"extra_posts": extra, "budget_sek_per_year": self.budget(extra)}
            for t in self.targets:
                row[t.kpi] = float(np.nanmean(wide[t.kpi]))
            row["total_cost_sek_per_year"] = float(np.nanmean(wide["total_cost_sek_per_year"]))
            row["met"] = _met(wide, self.today, self.targets, all_rows)
            out.append(row)
        return pd.DataFrame(out)


def price(
    scenario: Scenario,
    cap: int,
    *,
    cap_mode: str = "hard",
    targets: list[Target] | None = None,
    reps: int = 10,
    seed: int = 2024,
    jobs: int = 1,
    dask: str | None = None,
    progress: bool = False,
    max_extra: int = MAX_EXTRA,
) -> Price:
    """Smallest number of extra investigator posts at which ``scenario`` under the cap meets ``targets``."""
    from simlib.experiments import run_all

    if reps < 2:
        raise ValueError(f"reps must be at least 2 for an interval, got {reps}")
    targets = targets or Target.parse("baseline")
    capped = with_cap(scenario, cap, cap_mode)
    out = Price(scenario, cap, cap_mode, targets, reps, seed, today=pd.DataFrame())

    def evaluate(extras: list[int]) -> None:
        todo = [e for e in dict.fromkeys(extras) if e not in out.candidates and 0 <= e <= max_extra]
        cells = [with_investigators(capped, e) for e in todo]
        if out.today.empty:
            cells.insert(0, scenario)
        if not cells:
            return
        results = run_all(cells, reps=reps, seed=seed, jobs=jobs, dask=dask, progress=progress, series=False)
        if out.today.empty:
            out.today = wide_kpis(results.pop(0))
        for e, res in zip(todo, results, strict=True):
            out.candidates[e] = wide_kpis(res)

    every = np.arange(reps)

    def met(e: int) -> bool:
        return _met(out.candidates[e], out.today, targets, every)

    # gallop: 0, 1, 2, 4, 8, ... until met
    evaluate([0, 1])
    low, high = -1, None
    for e in (0, 1):
        if met(e):
            high = e
            break
        low = e
    step = 2
    while high is None and step <= max_extra:
        evaluate([step])
        if met(step):
            high = step
        else:
            low, step = step, min(step * 2, max_extra) if step < max_extra else max_extra + 1
    if high is None:
        return out
    # bisection between the last unmet and the first met count
    while high - low > 1:
        mid = (low + high) // 2
        evaluate([mid])
        if met(mid):
            high = mid
        else:
            low = mid
    out.extra = high
    top = high + WINDOW[1]
    evaluate(list(range(max(high - WINDOW[0], 0), top + 1)))
    out.extra_low, out.extra_high, out.censored = bootstrap_interval(out)
    for _ in range(2):  # widen the candidates run while the interval is cut off at the top
        if not out.censored or out.extra_high <= top or top >= max_extra:
            break
        top = min(top + 2 * WINDOW[1], max_extra)
        evaluate(list(range(high, top + 1)))
        out.extra_low, out.extra_high, out.censored = bootstrap_interval(out)
    return out


def bootstrap_interval(result: Price, n: int = BOOTSTRAP, level: float = 0.95) -> tuple[int, int, bool]:
    """Paired bootstrap over replications of the smallest met count among the candidates run."""
    rng = np.random.default_rng(result.seed)
    extras = sorted(result.candidates)
    lowest, highest = extras[0], extras[-1]
    found = np.empty(n)
    for i in range(n):
        rows = rng.integers(0, result.reps, result.reps)
        hit = next((e for e in extras if _met(result.candidates[e], result.today, result.targets, rows)), None)
        found[i] = highest + 1 if hit is None else hit
    q_low, q_high = np.quantile(found, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
    # an end of the interval at the edge of the candidates run may lie further out
    censored = bool(q_high > highest or (q_low == lowest and lowest > 0))
    return int(q_low), int(q_high), censored


def price_json(result: Price, level: float = 0.95) -> dict[str, Any]:
    """The documented ``simlib price --format json`` object (docs/price.md lists its fields)."""
    def clean(v: Any) -> Any:
        if isinstance(v, float | np.floating):
            return None if not math.isfinite(float(v)) else float(v)
        if isinstance(v, np.integer):
            return int(v)
        return v

    def table(extra: int) -> dict[str, Any]:
        frame = result.compare(extra)
        return {r["kpi"]: {k: clean(v) for k, v in r.items() if k != "kpi"} for r in frame.to_dict("records")}

    sc = result.scenario
    out: dict[str, Any] = {
        "format": "caseload-lab-price/1",
        "scenario": sc.name,
        "cap": result.cap,
        "cap_mode": result.cap_mode,
        "targets": [t.describe() for t in result.targets],
        "reps": result.reps,
        "seed": result.seed,
        "level": level,
        "cost_per_fte_sek": sc.staff.cost_per_fte_sek,
        "today": {"posts": result.posts(0), "budget_sek_per_year": result.budget(0)},
        "at_todays_budget": table(0),
        "met": result.extra is not None,
        "price": None,
        "candidates": [{k: clean(v) for k, v in r.items()} for r in result.candidate_table().to_dict("records")],
    }
    if result.extra is not None:
        e = result.extra
        out["price"] = {
            "extra_investigator_posts": e,
            "extra_posts_low": result.extra_low,
            "extra_posts_high": result.extra_high,
            "interval_censored": result.censored,
            "posts": result.posts(e),
            "budget_sek_per_year": result.budget(e),
            "extra_budget_sek_per_year": result.budget(e) - result.budget(0),
            "extra_budget_low": result.budget(result.extra_low or 0) - result.budget(0),
            "extra_budget_high": result.budget(result.extra_high or 0) - result.budget(0),
            "kpis": table(e),
        }
    return out


def funded_yaml(result: Price, extends: str, command: str) -> str:
    """A policy scenario file: the capped scenario ``extends`` plus the staffing the search found.

    The numbers are written from the search (never by hand); the header says
    which command made them, so the file is regenerated when the model moves.
    """
    if result.extra is None:
        raise ValueError(f"no staffing up to {MAX_EXTRA} extra posts met the target; nothing to write")
    e, cap, sc = result.extra, result.cap, result.scenario
    posts = result.posts(e)
    total = sum(posts.values())
    budget = result.budget(e)
    mode_en, mode_sv = ("Hard", "Hårt") if result.cap_mode == "hard" else ("Soft", "Mjukt")
    million = f"{budget / 1e6:.1f}"
    how = (f"derived: the smallest staffing that meets {'; '.join(t.describe() for t in result.targets)} "
           f"under the cap ({command}: {e} extra investigator posts, 95% bootstrap interval "
           f"{result.extra_low}-{result.extra_high}{', censored' if result.censored else ''}; "
           f"{result.reps} replications, seed {result.seed})")
    lines = [
        f"# Policy: a {result.cap_mode} cap of {cap} investigations per investigator together with the",
        "# staffing at which the balans does not grow and the share decided within four months is at",
        "# least today's. GENERATED by `" + command + "` from the search in",
        "# simlib.analysis.funding.price (common random numbers, paired bootstrap over replications);",
        "# regenerate it whenever the model or the baseline moves. Do not edit the numbers by hand.",
        f"extends: {extends}",
        "metadata:",
        f"  name: cap-{cap}-funded",
        f"  description: \"{mode_en} cap of {cap} with the staffing that holds today's 4-month compliance: "
        f"+{e} investigator {'post' if e == 1 else 'posts'}, {million} MSEK a year ({total} posts).\"",
        f"  description_sv: \"{mode_sv} tak på {cap} med den bemanning som håller dagens andel inom fyra månader: "
        f"{e} {'utredartjänst' if e == 1 else 'utredartjänster'} till, {million.replace('.', ',')} mnkr per år "
        f"({total} tjänster).\"",
        "  tags: [policy, cap, budget, funded]",
        "",
        "investigation:",
        f"  caseload_cap: {{value: {cap}, note: \"policy lever: at most {cap} open investigations per investigator\"}}",
        f"  cap_mode: {result.cap_mode}",
        "",
        "staff:",
        f"  budget_sek_per_year: {{value: {budget:.0f}, source: \"{how}\"}}",
        "  role_shares:",
    ]
    overrides = budget_for_posts(sc, posts)
    for role in ("intake", "investigation", "placement"):
        share = overrides[f"staff.role_shares.{role}"]
        lines.append(f"    {role}: {{value: {share!r}, source: \"derived: {posts[role]} of {total} posts\"}}")
    for role, name in FTE_FIELDS.items():  # fixed staffing (staff.dynamics false) runs the same posts
        lines.append(f"  {name}: {{value: {posts[role]}, source: \"derived: the {role} posts above\"}}")
    return "\n".join(lines) + "\n"


FRONTIER_KPIS = (COMPLIANCE_KPI, "investigation_wait_days_mean", "turnover_per_year", GROWTH_KPI,
                 "total_cost_sek_per_year")


def frontier(
    scenario: Scenario, caps: list[int], extras: list[int], *, cap_mode: str = "hard", reps: int = 3,
    seed: int = 2024, jobs: int = 1, dask: str | None = None,
) -> pd.DataFrame:
    """The funding frontier: caps x budgets -> compliance, wait, turnover, balans growth and total cost.

    One row per (cap, extra investigator posts) with the staff budget and each
    KPI's mean and 95% t-interval over replications; all cells share seeds
    (common random numbers). ``cap`` None is today's rule (no cap).
    """
    from simlib.experiments import run_all

    cells, keys = [], []
    for cap in caps:
        capped = scenario if cap is None else with_cap(scenario, cap, cap_mode)
        for e in extras:
            cells.append(with_investigators(capped, e))
            keys.append((cap, e))
    results = run_all(cells, reps=reps, seed=seed, jobs=jobs, dask=dask, series=False)
    rows = []
    for (cap, e), res in zip(keys, results, strict=True):
        wide = wide_kpis(res)
        posts = staffed_posts(res.scenario)
        row: dict[str, Any] = {"cap": cap, "extra_posts": e, "posts": sum(posts.values()),
                               "budget_sek_per_year": sum(posts.values()) * scenario.staff.cost_per_fte_sek}
        for kpi in FRONTIER_KPIS:
            mean, low, high, _ = t_interval(wide[kpi].to_numpy()) if kpi in wide else (math.nan,) * 3 + (0,)
            row.update({kpi: mean, f"{kpi}_low": low, f"{kpi}_high": high})
        rows.append(row)
    return pd.DataFrame(rows)
