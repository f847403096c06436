"""Text and HTML reports of the results family (``Results``, ``Comparison``, ``SweepResults``).

The readable tables ``simlib run/compare/sweep`` print are built here, so the
CLI only prints ``.report()`` and a notebook shows the same table as HTML
(``_repr_html_``). KPIs are named by their registry names; ``label`` (a callable
``kpi name -> text``) swaps in other labels, e.g. the catalogue's, without
touching the layout. No presentation imports: this module sits in experiments.

A summary is a frame (``summarise``) or a list of rows (``summarise_values``:
``Interval`` tuples, the CLI's plain ``run``, which never imports pandas); the
run's text and JSON read either through ``rows``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

Label = Callable[[str], str]
Summary = Any  # a summary frame, or a list of rows with the frame's columns as attributes


def rows(summary: Summary) -> list[Any]:
    """A summary's rows, each with the columns as attributes (``kpi``, ``mean``, ``ci_low``...)."""
    return summary if isinstance(summary, list) else list(summary.itertuples(index=False))


def fmt(x: float | None) -> str:
    """A number in four significant digits (whole numbers from 1 000 on); "-" for a missing value."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if x == 0:
        return "0"
    if abs(x) >= 1000:  # 20 070, not 2.007e+04: whole numbers with thousands separators
        return f"{x:,.0f}"
    if abs(x) < 1e-3:
        return f"{x:.2e}"
    return f"{x:.4g}"


def num(x: float) -> float | None:
    """A float for JSON: NaN -> None (null)."""
    return None if math.isnan(x) else float(x)


def interval_json(row: Any) -> dict[str, Any]:
    """One summary row as {"mean", "ci_low", "ci_high", "n", "interval"} (NaN -> null).

    ``interval`` names the method: "t", "t clipped" (cut at the KPI's range) or "wilson".
    """
    return {"mean": num(row.mean), "ci_low": num(row.ci_low), "ci_high": num(row.ci_high), "n": int(row.n),
            "interval": str(getattr(row, "interval", "t"))}


def select(summary: Summary, kpis: Sequence[str] | None) -> Summary:
    """The rows of the named KPIs (in the summary's order), or all rows; an unknown name is a KeyError."""
    if kpis is None:
        return summary
    listed = isinstance(summary, list)
    known = {r.kpi for r in summary} if listed else set(summary["kpi"])
    unknown = [k for k in kpis if k not in known]
    if unknown:
        raise KeyError(f"unknown KPI {unknown[0]!r}; known: {', '.join(sorted(known))}")
    if listed:
        return [r for r in summary if r.kpi in set(kpis)]
    return summary[summary["kpi"].isin(list(kpis))].reset_index(drop=True)


MARKS = {"t clipped": "*", "wilson": "+"}
MARK_NOTES = {
    "*": "* t-interval cut at the KPI's range (few replications or values near a bound)",
    "+": "+ Wilson interval (share of replications)",
}


def summary_table(summary: Summary, title: str, head: str = "kpi", label: Label | None = None,
                  level: float = 0.95) -> str:
    """A readable table: KPI, mean and interval, n (replications behind the row); marks explain intervals."""
    name = label or str
    shown = rows(summary)
    marks = [MARKS.get(str(getattr(r, "interval", "t")), "") for r in shown]
    rows_ = [(name(str(r.kpi)), fmt(r.mean), f"[{fmt(r.ci_low)}, {fmt(r.ci_high)}]{mark}", str(int(r.n)))
             for r, mark in zip(shown, marks, strict=True)]
    header = (head, "mean", f"{level:.0%} CI", "n")
    widths = [max(len(header[i]), *(len(row[i]) for row in rows_)) if rows_ else len(header[i]) for i in range(4)]

    def line(cells: tuple[str, ...]) -> str:
        return (f"{cells[0]:<{widths[0]}}  {cells[1]:>{widths[1]}}  "
                f"{cells[2]:>{widths[2]}}  {cells[3]:>{widths[3]}}")

    out = [title, line(header), line(tuple("-" * w for w in widths))]
    out += [line(row) for row in rows_]
    out += [MARK_NOTES[m] for m in sorted(set(marks)) if m]
    return "\n".join(out) + "\n"


def _row(summary: Summary, kpi: str) -> Any | None:
    """The KPI's row (its columns as attributes), or None where it is missing or has no mean."""
    row = next((r for r in rows(summary) if r.kpi == kpi), None)
    return None if row is None or math.isnan(row.mean) else row


def _count(row: Any | None) -> int:
    """Replications flagged, from a flag's mean and n."""
    return 0 if row is None else round(row.mean * row.n)


def _material_growth(growth: Any | None, summary: Summary) -> bool:
    """The balans grows beyond doubt and by more than noise over the reported period.

    Beyond doubt: the interval lies above 0. More than noise: over the reported
    period it adds at least 10 cases and at least half the mean balans.
    """
    if growth is None or math.isnan(growth.ci_low) or growth.ci_low <= 0:
        return False
    years, balans = _row(summary, "reporting_years"), _row(summary, "balans_mean")
    added = growth.mean * (years.mean if years is not None else 1.0)
    return added >= max(10.0, 0.5 * (balans.mean if balans is not None else 0.0))


def stability_lead(summary: Summary) -> list[str]:
    """Lines that lead a run's table when its queue did not settle (the numbers below then depend on run length)."""
    lines = []
    unstable, stopped, growth = (_row(summary, k) for k in ("unstable", "stopped_early", "balans_growth_per_year"))
    if _count(unstable):
        lines.append(f"UNSTABLE: the queue grew without bound in {_count(unstable)} of {unstable.n} replications.")
    if _count(stopped):
        lines.append(f"STOPPED EARLY: {_count(stopped)} of {stopped.n} replications hit the bounded-work guard "
                     "(horizon.stop_queue_per_server); their KPIs cover a shorter reported period (reporting_years).")
    if _material_growth(growth, summary):
        lines.append(f"GROWING QUEUE: the balans grows by {fmt(growth.mean)} [{fmt(growth.ci_low)}, "
                     f"{fmt(growth.ci_high)}] cases a year; waits and deadline shares below describe a queue "
                     "that has not settled and get worse the longer it runs.")
    return lines


def budget_lead(summary: Summary, scenario: Any) -> list[str]:
    """A line that explains a staff cost above the staff budget (what the budget pays and what it does not)."""
    staff = getattr(scenario, "staff", None)
    budget = getattr(staff, "budget_sek_per_year", None)
    cost, spend, replacement = (_row(summary, k) for k in (
        "cost_sek_per_year", "staff_budget_spend_sek_per_year", "replacement_cost_sek_per_year"))
    if not (staff is not None and staff.dynamics and budget and cost and spend and replacement):
        return []
    if cost.mean <= budget:
        return []
    mil = 1e-6
    return [f"BUDGET: the staff budget ({budget * mil:.1f} MSEK a year) pays salaries and consultants, "
            f"{spend.mean * mil:.1f} [{spend.ci_low * mil:.1f}, {spend.ci_high * mil:.1f}] MSEK "
            "(staff_budget_spend_sek_per_year; the hiring freeze holds it within the budget). "
            f"cost_sek_per_year, {cost.mean * mil:.1f} MSEK, adds replacing leavers "
            f"({replacement.mean * mil:.1f} MSEK, recruitment and induction at staff.replacement_cost_sek each): "
            "a cost of turnover the staff budget does not pay and the freeze does not hold."]


def comparison_lead(diffs: pd.DataFrame, base: pd.DataFrame, alt: pd.DataFrame, alt_name: str,
                    base_name: str) -> list[str]:
    """Lines that lead an alternative's table when it destabilises the queue relative to the base."""
    lines = []
    alt_unstable, base_unstable = _row(alt, "unstable"), _row(base, "unstable")
    if _count(alt_unstable) > _count(base_unstable):
        lines.append(f"UNSTABLE: under {alt_name} the queue grew without bound in {_count(alt_unstable)} of "
                     f"{alt_unstable.n} replications ({base_name}: {_count(base_unstable)}).")
    alt_stopped, base_stopped = _row(alt, "stopped_early"), _row(base, "stopped_early")
    if _count(alt_stopped) > _count(base_stopped):
        lines.append(f"STOPPED EARLY: under {alt_name} {_count(alt_stopped)} of {alt_stopped.n} replications hit the "
                     f"bounded-work guard ({base_name}: {_count(base_stopped)}); their KPIs cover a shorter reported "
                     "period (reporting_years), so differences mix windows of different length.")
    growth = _row(diffs, "balans_growth_per_year")
    if _material_growth(growth, alt):
        lines.append(f"GROWING QUEUE: under {alt_name} the balans grows by {fmt(growth.mean)} [{fmt(growth.ci_low)}, "
                     f"{fmt(growth.ci_high)}] cases a year more than under {base_name}. The differences below are "
                     "those of a queue that has not settled and grow with the run length; fewer placements, "
                     "moves or visits can mean delayed decisions, not an improvement.")
    return lines


def warmup_text(scenario: Any) -> str:
    return "MSER-5" if scenario.horizon.warmup == "mser5" else f"{scenario.horizon.warmup_years:g} years"


def run_title(name: str, digest: str, seed: int, reps: int, scenario: Any) -> str:
    return (f"{name}  (hash {digest[:12]}, seed {seed}, {reps} replications, "
            f"{scenario.horizon.years:g} years, warm-up {warmup_text(scenario)})")


def comparison_title(alt: str, base: str, seed: int, reps: int) -> str:
    return f"{alt} - {base}  (paired, seed {seed}, {reps} replications)"


def sweep_means(frame: pd.DataFrame, keys: Sequence[str], kpis: Sequence[str]) -> pd.DataFrame:
    """One row per design point: the swept values and each KPI's mean over replications."""
    shown = [k for k in kpis if k in set(frame["kpi"])]
    means = (frame[frame["kpi"].isin(shown)]
             .groupby(["point", "kpi"], sort=False)["value"].mean().unstack("kpi")[shown])
    params = frame.drop_duplicates("point").set_index("point")[list(keys)]
    return params.join(means)


def sweep_table(frame: pd.DataFrame, keys: Sequence[str], kpis: Sequence[str], label: Label | None = None) -> str:
    """The sweep's text table: KPI means per point (csv or json carry the intervals)."""
    table = sweep_means(frame, keys, kpis)
    if label is not None:
        table = table.rename(columns={k: label(k) for k in kpis})
    reps = int(frame["replication"].nunique())
    body = table.to_string(float_format=lambda x: fmt(x))
    return f"{len(table)} points x {reps} replications (KPI means; csv or json for intervals)\n{body}\n"


def html_table(frame: pd.DataFrame, caption: str) -> str:
    """A compact HTML table for notebooks, numbers in four significant digits."""
    import pandas as pd

    shown = frame.copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(fmt)
    body = shown.to_html(index=False, border=0)
    return f"<div><p><b>{html.escape(caption)}</b></p>{body}</div>"
