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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from simlib.experiments import precision as precision_mode
from simlib.experiments import report
from simlib.experiments.intervals import paired_kpi_interval, welch_interval
from simlib.experiments.paired import Part, run_batch
from simlib.experiments.replications import Results, check_counts, collect, resolve
from simlib.scenario.schema import Scenario

DIFF_COLUMNS = ["alternative", "replication", "kpi", "base", "alt", "diff"]
SUMMARY_COLUMNS = ["alternative", "kpi", "mean", "ci_low", "ci_high", "n", "interval"]


@dataclass
class Comparison:
    """Base and alternative results plus the paired differences (tidy)."""

    base: Results
    alternatives: dict[str, Results]
    differences: pd.DataFrame  # DIFF_COLUMNS: one row per alternative x replication x KPI
    extras: dict[str, Any] = field(default_factory=dict)

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
        """Mean paired difference (alt - base) per alternative and KPI, with its t-interval.

        The interval stays within what a difference of the KPI can be (a share's
        within +-1); the ``interval`` column says when it was clipped.
        """
        return report.select(self._intervals(paired_kpi_interval, level), kpis)

    def unpaired(self, kpis: Sequence[str] | None = None, level: float = 0.95) -> pd.DataFrame:
        """Welch intervals of the same differences, as if the runs had independent seeds."""
        def welch(base: Any, alt: Any, kpi: str, level: float) -> tuple[float, float, float, int, str]:
            return (*welch_interval(base, alt, level), "welch")

        return report.select(self._intervals(welch, level), kpis)

    def _intervals(self, method: Any, level: float) -> pd.DataFrame:
        rows = []
        for (alt, kpi), group in self.differences.groupby(["alternative", "kpi"], sort=False):
            values = method(group["base"].to_numpy(), group["alt"].to_numpy(), kpi, level)
            rows.append({"alternative": alt, "kpi": kpi, **dict(zip(SUMMARY_COLUMNS[2:], values, strict=True))})
        return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)

    def to_json_dict(self) -> dict[str, Any]:
        """The ``simlib compare --format json`` object (NaN -> null)."""
        out: dict[str, dict[str, Any]] = {name: {} for name in self.alternatives}
        for row in self.summary().itertuples():
            out[row.alternative][row.kpi] = report.interval_json(row)
        return {"base": self.base.name, "alternatives": out}

    def report(self, kpis: Sequence[str] | None = None, level: float = 0.95, label: report.Label | None = None) -> str:
        """The text tables ``simlib compare`` prints: one per alternative, paired differences."""
        every, summary = self.summary(level=level), self.summary(kpis, level)
        base = self.base.summary(level=level)
        parts = []
        for name, alt in self.alternatives.items():
            title = report.comparison_title(name, self.base.name, self.seed, self.reps)
            lead = report.comparison_lead(every[every["alternative"] == name], base, alt.summary(level=level),
                                          name, self.base.name)
            parts.append("".join(line + "\n" for line in lead) + report.summary_table(
                summary[summary["alternative"] == name], title, "kpi (difference)", label=label, level=level))
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
    progress: bool | None = None,
    series: bool = False,
    precision: float | None = None,
    precision_abs: dict[str, float] | None = None,
    max_reps: int | None = None,
    precision_kpis: list[str] | None = None,
) -> Comparison:
    """Run the base and each alternative with the same seeds and pair their KPIs.

    ``overrides``, ``years`` and ``warmup`` apply to every scenario alike, and
    every replication reports over one warm-up cut for all scenarios (paired.py).

    Precision mode targets the *paired differences*, which is what a policy
    question needs: with ``precision`` (relative to the mean difference) and/or
    ``precision_abs`` (KPI -> allowed half-width in the KPI's units, e.g.
    ``{"investigation_within_4m_share": 0.02}``, for differences near 0),
    ``reps`` is the first batch and replications are added until every chosen
    KPI's difference (``precision_kpis``, default the headline KPIs) of every
    alternative is precise enough, or ``max_reps`` (default 100) is reached;
    ``Comparison.extras['precision']`` tells which.
    """
    if not alts:
        raise ValueError("compare needs at least one alternative scenario")
    check_counts(reps, jobs)
    scenarios = [resolve(s, overrides, years, warmup) for s in (base, *alts)]
    names = _unique_names(scenarios)[1:]
    options = {"jobs": jobs, "dask": dask, "progress": progress, "series": series}
    precise = precision is not None or bool(precision_abs)
    cap = precision_mode.validate(precision, precision_abs, reps, max_reps) if precise else reps
    parts = run_batch(scenarios, seed, 0, reps, **options)
    if not precise:
        return _pair(scenarios, names, seed, parts)
    available = list(dict.fromkeys(parts[0][0][0]["kpi"]))
    chosen = precision_mode.choose_kpis(available, precision_kpis, precision_abs, precision is not None)
    checked = [f"{alt}: {kpi}" for alt in names for kpi in chosen]
    targets = precision_mode.targets_for(checked, precision, precision_abs)
    log = precision_mode.PrecisionLog(precision, cap, checked, absolute=dict(precision_abs or {}))
    while True:
        result = _pair(scenarios, names, seed, parts)
        diffs = result.differences
        values = {f"{alt}: {kpi}": group["diff"] for (alt, kpi), group in diffs.groupby(["alternative", "kpi"])
                  if kpi in chosen}
        state = precision_mode.check(values, targets)
        log.checks.append(state)
        target = precision_mode.next_reps(state, cap)
        if target <= state.reps:
            break
        more = run_batch(scenarios, seed, state.reps, target, **options)
        parts = [p + m for p, m in zip(parts, more, strict=True)]
    result.extras["precision"] = log
    return result


def _pair(scenarios: Sequence[Scenario], names: list[str], seed: int, parts: list[list[Part]]) -> Comparison:
    base_res, *alt_res = [collect(sc, seed, p) for sc, p in zip(scenarios, parts, strict=True)]
    alternatives = dict(zip(names, alt_res, strict=True))
    frames = [paired_differences(base_res, res, name) for name, res in alternatives.items()]
    return Comparison(base_res, alternatives, pd.concat(frames, ignore_index=True))
