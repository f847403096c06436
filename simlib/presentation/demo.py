"""The headline run behind ``make demo``: today's rules against caseload caps.

One paired comparison (common random numbers) of the bundled baseline with a
cap of 15 and a cap of 12 at today's budget; it prints the key KPIs with 95%
intervals and writes the brief in Swedish and English and one PNG figure under
``out/``. Everything here is presentation: the numbers come from
``simlib.experiments.compare``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simlib.experiments import compare
from simlib.presentation import i18n, plots
from simlib.model import kpi_registry
from simlib.presentation.brief import build_brief
from simlib.presentation.brief.build import brief_frontier
from simlib.presentation.brief.sensitivity import brief_sensitivity, policy_alternative
from simlib.scenario import load
from simlib.scenario.loader import bundled_dir

HEADLINE_SCENARIOS = ("baseline", "policy/cap-15", "policy/cap-12", "policy/cap-12-funded")
# the KPIs a brief must cover, plus the balans and the investigation time behind them
HEADLINE_KPIS = kpi_registry.view("demo")


@dataclass
class Headline:
    """The comparison, its printable table and the files written."""

    table: str
    files: list[Path]
    frame: pd.DataFrame


def headline_frame(base_summary: pd.DataFrame, alt_summaries: dict[str, pd.DataFrame],
                   diffs: pd.DataFrame, kpis: tuple[str, ...] = HEADLINE_KPIS) -> pd.DataFrame:
    """Tidy rows: scenario, kpi, mean of the scenario, paired difference and its interval."""
    rows = []
    base_means = base_summary.set_index("kpi")["mean"]
    for name, summary in alt_summaries.items():
        means = summary.set_index("kpi")["mean"]
        d = diffs[diffs["alternative"] == name].set_index("kpi")
        for kpi in kpis:
            if kpi not in d.index:
                continue
            rows.append({"alternative": name, "kpi": kpi, "base": base_means[kpi], "alt": means[kpi],
                         "diff": d.at[kpi, "mean"], "ci_low": d.at[kpi, "ci_low"], "ci_high": d.at[kpi, "ci_high"]})
    return pd.DataFrame(rows)


def format_table(frame: pd.DataFrame, base_name: str, lang: str = "en") -> str:
    """A plain-text table a terminal shows well, with catalogue labels and formats."""
    blocks = []
    for name, rows in frame.groupby("alternative", sort=False):
        lines = [(i18n.kpi_label(r.kpi, lang), i18n.fmt_value(r.base, r.kpi, lang), i18n.fmt_value(r.alt, r.kpi, lang),
                  i18n.fmt_diff(r.diff, r.kpi, lang, unit=True), i18n.fmt_ci(r.ci_low, r.ci_high, r.kpi, lang))
                 for r in rows.itertuples()]
        head = ("", base_name, str(name), "difference", "")
        widths = [max(len(x[i]) for x in [head, *lines]) for i in range(5)]
        fmt = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
        blocks.append("\n".join([fmt.format(*head), *(fmt.format(*line) for line in lines)]))
    return "\n\n".join(blocks) + "\n"


def run_headline(out_dir: Path, reps: int = 10, seed: int = 2024, jobs: int = 1,
                 years: float | None = None, command: str | None = None, *,
                 overrides: list[str] | None = None, warmup: str | None = None, dask: str | None = None,
                 progress: bool | None = None) -> Headline:
    """Run the headline comparison and write brief-en.html, brief-sv.html and headline.png.

    ``overrides`` ("KEY=VALUE", as --set) apply to all three scenarios; ``progress``
    shows a bar (or log lines) while the replications run."""
    paths = [bundled_dir() / f"{name}.yaml" for name in HEADLINE_SCENARIOS]
    loaded = [load(p, overrides or []) for p in paths]
    cmp = compare(loaded[0].scenario, [x.scenario for x in loaded[1:]], reps=reps, seed=seed, jobs=jobs,
                  years=years, warmup=warmup, dask=dask, progress=progress, series=True)
    diffs = cmp.summary()
    frame = headline_frame(cmp.base.summary(), {n: r.summary() for n, r in cmp.alternatives.items()}, diffs)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    front, front_reps = brief_frontier(cmp.base.scenario, [x.scenario for x in loaded[1:]], reps, seed, jobs)
    policy = policy_alternative(list(cmp.alternatives.items()))
    swings, swing_reps = brief_sensitivity(cmp.base.scenario, policy[1].scenario, reps, seed, jobs) if policy else (None, 0)
    for lang in ("en", "sv"):
        page = build_brief(cmp.base, cmp.alternatives, diffs, lang, provenance=loaded[0].provenance,
                           alt_provenance=[x.provenance for x in loaded[1:]],
                           files=[f for x in loaded for f in x.files], command=command,
                           frontier=front, frontier_reps=front_reps, sensitivity=swings,
                           sensitivity_reps=swing_reps)
        path = out_dir / f"brief-{lang}.html"
        path.write_text(page.html, encoding="utf-8")
        files.append(path)
    fig = plots.paired_differences(diffs, [k for k in HEADLINE_KPIS if k != "cost_sek_per_year"], "en", cmp.base.name)
    png = out_dir / "headline.png"
    png.write_bytes(plots.to_png(fig))
    files.append(png)
    return Headline(format_table(frame, cmp.base.name), files, frame)
