"""Paired comparison of alternatives against a base scenario, with common random numbers.

Why paired: replication r of every scenario uses the same seed, and the model
draws each referral's attributes from named streams at arrival, so the base and
an alternative see the same children, the same work content and the same luck.
The difference alt - base within one replication cancels most of that shared
noise; the t-interval of those differences is much narrower than the unpaired
interval of two independent samples (which ``Comparison.unpaired()`` gives, for
contrast).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from simlib.experiments.intervals import paired_interval, welch_interval
from simlib.experiments import report
from simlib.experiments.replications import Results, resolve, run_all
from simlib.scenario.schema import Scenario

DIFF_COLUMNS = ["alternative", "replication", "kpi", "base", "alt", "diff"]
SUMMARY_COLUMNS = ["alternative", "kpi", "mean", "ci_low", "ci_high", "n"]


@dataclass
class Comparison:
    """Base and alternative results plus the paired differences (tidy)."""

    base: Results
    alternatives: dict[str, Results]
    differences: pd.DataFrame  # DIFF_COLUMNS: one row per alternative x replication x KPI

    @property
    def kpis(self) -> pd.DataFrame:
        """Tidy: one row per alternative x replication x KPI with base, alt and diff (= ``differences``)."""
        return self.differences

    @property
    def seed(self) -> int:
        return self.base.seed

    @property
    def reps(self) -> int:
        return self.base.reps

    def summary(self, kpis: Sequence[str] | None = None, level: float = 0.95) -> pd.DataFrame:
        """Mean paired difference (alt - base) per alternative and KPI, with its t-interval."""
        return report.select(self._intervals(paired_interval, level), kpis)

    def unpaired(self, kpis: Sequence[str] | None = None, level: float = 0.95) -> pd.DataFrame:
        """Welch intervals of the same differences, as if the runs had independent seeds."""
        return report.select(self._intervals(welch_interval, level), kpis)

    def _intervals(self, method: Any, level: float) -> pd.DataFrame:
        rows = []
        for (alt, kpi), group in self.differences.groupby(["alternative", "kpi"], sort=False):
            mean, low, high, n = method(group["base"].to_numpy(), group["alt"].to_numpy(), level)
            rows.append({"alternative": alt, "kpi": kpi, "mean": mean, "ci_low": low, "ci_high": high, "n": n})
        return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)

    def to_json_dict(self) -> dict[str, Any]:
        """The ``simlib compare --format json`` object (NaN -> null)."""
        out: dict[str, dict[str, Any]] = {name: {} for name in self.alternatives}
        for row in self.summary().itertuples():
            out[row.alternative][row.kpi] = report.interval_json(row)
        return {"base": self.base.name, "alternatives": out}

    def report(self, kpis: Sequence[str] | None = None, level: float = 0.95, label: report.Label | None = None) -> str:
        """The text tables ``simlib compare`` prints: one per alternative, paired differences."""
        summary = self.summary(kpis, level)
        parts = []
        for name in self.alternatives:
            title = report.comparison_title(name, self.base.name, self.seed, self.reps)
            parts.append(report.summary_table(summary[summary["alternative"] == name], title,
                                              "kpi (difference)", label=label, level=level))
        return "\n".join(parts)

    def __repr__(self) -> str:
        n_kpis = int(self.differences["kpi"].nunique()) if len(self.differences) else 0
        return (f"<Comparison {self.base.name} vs {', '.join(self.alternatives)}: "
                f"{self.reps} replications x {n_kpis} KPIs, seed {self.seed}>")

    def _repr_html_(self) -> str:
        return report.html_table(self.summary(), repr(self))


def paired_differences(base: Results, alt: Results, name: str) -> pd.DataFrame:
    """alt - base for each replication and KPI present in both."""
    left = base.kpis[["replication", "kpi", "value"]].rename(columns={"value": "base"})
    right = alt.kpis[["replication", "kpi", "value"]].rename(columns={"value": "alt"})
    both = left.merge(right, on=["replication", "kpi"], how="inner", sort=False)
    both["diff"] = both["alt"] - both["base"]
    both.insert(0, "alternative", name)
    return both[DIFF_COLUMNS]


def _unique_names(scenarios: Sequence[Scenario]) -> list[str]:
    """Scenario names, with ' #2', ' #3' added when two alternatives share one."""
    seen: dict[str, int] = {}
    out = []
    for sc in scenarios:
        seen[sc.name] = seen.get(sc.name, 0) + 1
        out.append(sc.name if seen[sc.name] == 1 else f"{sc.name} #{seen[sc.name]}")
    return out


def compare(
    base: Scenario | str | Path,
    alts: Sequence[Scenario | str | Path],
    *,
    reps: int = 10,
    seed: int = 2024,
    years: float | None = None,
    overrides: dict[str, Any] | None = None,
    warmup: str | None = None,
    jobs: int = 1,
    dask: str | None = None,
    progress: bool = False,
    series: bool = False,
) -> Comparison:
    """Run the base and each alternative with the same seeds and pair their KPIs.

    ``overrides``, ``years`` and ``warmup`` apply to every scenario alike.
    """
    if not alts:
        raise ValueError("compare needs at least one alternative scenario")
    scenarios = [resolve(s, overrides, years, warmup) for s in (base, *alts)]
    results = run_all(scenarios, reps=reps, seed=seed, jobs=jobs, dask=dask, progress=progress, series=series)
    base_res, alt_res = results[0], results[1:]
    names = _unique_names(scenarios)[1:]
    alternatives = dict(zip(names, alt_res, strict=True))
    frames = [paired_differences(base_res, res, name) for name, res in alternatives.items()]
    return Comparison(base_res, alternatives, pd.concat(frames, ignore_index=True))
