"""Text and HTML reports of the results family (``Results``, ``Comparison``, ``SweepResults``).

The readable tables ``simlib run/compare/sweep`` print are built here, so the
CLI only prints ``.report()`` and a notebook shows the same table as HTML
(``_repr_html_``). KPIs are named by their registry names; ``label`` (a callable
``kpi name -> text``) swaps in other labels, e.g. the catalogue's, without
touching the layout. No presentation imports: this module sits in experiments.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

Label = Callable[[str], str]


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
    """One summary row as {"mean", "ci_low", "ci_high", "n"} (NaN -> null)."""
    return {"mean": num(row.mean), "ci_low": num(row.ci_low), "ci_high": num(row.ci_high), "n": int(row.n)}


def select(summary: pd.DataFrame, kpis: Sequence[str] | None) -> pd.DataFrame:
    """The rows of the named KPIs (in the frame's order), or all rows; an unknown name is a KeyError."""
    if kpis is None:
        return summary
    known = set(summary["kpi"])
    unknown = [k for k in kpis if k not in known]
    if unknown:
        raise KeyError(f"unknown KPI {unknown[0]!r}; known: {', '.join(sorted(known))}")
    return summary[summary["kpi"].isin(list(kpis))].reset_index(drop=True)


def summary_table(summary: pd.DataFrame, title: str, head: str = "kpi", label: Label | None = None,
                  level: float = 0.95) -> str:
    """A readable table: KPI, mean and interval, n."""
    name = label or str
    rows = [(name(str(r.kpi)), fmt(r.mean), f"[{fmt(r.ci_low)}, {fmt(r.ci_high)}]", str(int(r.n)))
            for r in summary.itertuples()]
    header = (head, "mean", f"{level:.0%} CI", "n")
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) if rows else len(header[i]) for i in range(4)]

    def line(cells: tuple[str, ...]) -> str:
        return (f"{cells[0]:<{widths[0]}}  {cells[1]:>{widths[1]}}  "
                f"{cells[2]:>{widths[2]}}  {cells[3]:>{widths[3]}}")

    out = [title, line(header), line(tuple("-" * w for w in widths))]
    out += [line(row) for row in rows]
    return "\n".join(out) + "\n"


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
    shown = frame.copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(fmt)
    body = shown.to_html(index=False, border=0)
    return f"<div><p><b>{html.escape(caption)}</b></p>{body}</div>"
