"""A citable brief: one self-contained HTML page comparing scenarios, in Swedish or English.

Parliamentary staff quote it, so every number on the page is computed from the
comparison passed in (never canned text), every label comes from the i18n
catalogue, and the page carries its own reproducibility stamp. The interface is
small: ``build_brief(base, alts, diffs, lang, ...)`` takes the base ``Results``,
the alternatives' ``Results`` and the tidy frame of paired differences
(scenario, kpi, mean, ci_low, ci_high, n), so the glue to the experiment
engine's ``compare`` is trivial. ``make_brief`` does that glue from file paths;
``print_pdf`` prints the HTML with headless Chromium.
"""

from __future__ import annotations

import base64
import datetime as _dt
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

import simlib
from simlib.experiments.comparison import compare
from simlib.experiments.replications import Results
from simlib.model import kpi_registry
from simlib.presentation import i18n, plots
from simlib.presentation.brief.answer import Answer, answer
from simlib.presentation.brief.data import (
    changed_parameters,
    git_commit,
    parameter_rows,
    scenario_files_label,
)
from simlib.presentation.brief.text import (
    DIFF_COLUMNS,
    KeyTable,
    Named,
    _not_modelled,
    key_tables,
    modelled_kpis,
    named_alternatives,
    summary_sentences,
)
from simlib.presentation.brief.frontier import frontier_figure
from simlib.presentation.brief.national import load_national, national_section
from simlib.presentation.brief.sensitivity import brief_sensitivity, policy_alternative, rests_items, tornado_figure
from simlib.presentation.brief.sources import References, citation
from simlib.presentation.i18n import t
from simlib.scenario import Provenance, load

SHARE_FIGURE_KPIS = ("screening_within_14d_share", "investigation_within_4m_share", "child_heard_share")
DAYS_FIGURE_KPIS = ("investigation_wait_days_mean", "investigation_wait_days_p90", "investigation_days_mean")
SERIES_COLUMNS = ("balans", "investigations_in_work")
FEW_REPS = 10
TEMPLATE_DIR = Path(__file__).with_name("templates")



@dataclass
class Brief:
    """The rendered page and the data behind it."""

    html: str
    lang: str
    key_tables: list[KeyTable]
    sentences: list[str]
    not_modelled: list[str]
    question: str = ""
    answer: str = ""
    references: list[dict[str, Any]] | None = None


def _data_uri_svg(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _frontier(frontier: pd.DataFrame | None, base: Results, lang: str, n: int, reps: int) -> list[dict[str, str]]:
    if frontier is None or frontier.empty:
        return []
    today = float(base.kpi("investigation_within_4m_share").mean())
    fig = frontier_figure(frontier, today, lang)
    return [{"src": _data_uri_svg(plots.to_svg(fig)), "caption": t("brief.fig_frontier", lang, n=n, reps=reps)}]


def _rests_figure(swings: pd.DataFrame | None, base: Results, alt: str, lang: str, n: int,
                  reps: int) -> dict[str, str] | None:
    if swings is None or swings.empty:
        return None
    fig = tornado_figure(swings, lang)
    return {"src": _data_uri_svg(plots.to_svg(fig)),
            "caption": t("brief.fig_rests", lang, n=n, alt=alt, base=base.name, reps=reps)}


def _figures(base: Results, alts: Named, diffs: pd.DataFrame, lang: str) -> list[dict[str, str]]:
    everyone = [(base.name, base), *alts]
    summary = pd.concat([r.summary().assign(scenario=n) for n, r in everyone], ignore_index=True)
    names = [n for n, _ in everyone]
    figs = []
    for kpis, title, caption in (
        (SHARE_FIGURE_KPIS, "plot.shares_title", "brief.fig_shares"),
        (DAYS_FIGURE_KPIS, "plot.days_title", "brief.fig_days"),
    ):
        if summary["kpi"].isin(kpis).any():
            fig = plots.kpi_means(summary, kpis, lang, names, title=t(title, lang))
            figs.append({"src": _data_uri_svg(plots.to_svg(fig)), "caption": t(caption, lang, base=base.name)})
    modelled = modelled_kpis(base, alts)
    present = [k for k in kpi_registry.view("key") if k in modelled and k in set(diffs["kpi"])]
    if present:
        fig = plots.paired_differences(diffs, present, lang, base.name, scenarios=names)
        figs.append({"src": _data_uri_svg(plots.to_svg(fig)), "caption": t("brief.fig_diff", lang, base=base.name)})
    series = pd.concat([r.series.assign(scenario=n) for n, r in everyone if not r.series.empty], ignore_index=True) if any(
        not r.series.empty for _, r in everyone
    ) else pd.DataFrame()
    if not series.empty and any(c in series.columns for c in SERIES_COLUMNS):
        fig = plots.weekly_series(series, SERIES_COLUMNS, lang, title=t("plot.series_title", lang))
        figs.append({"src": _data_uri_svg(plots.to_svg(fig)), "caption": t("brief.fig_series", lang)})
    return figs


def _assumptions(base: Results, alts: Named, provenance: Mapping[str, Provenance], lang: str) -> list[str]:
    allres = [(base.name, base), *alts]
    items = [t("brief.assumption_unit", lang), t("brief.assumption_ps", lang), t("brief.assumption_heard", lang)]
    if provenance:
        kinds = [p.kind for p in provenance.values()]
        items.append(t("brief.assumption_params", lang, assumed=kinds.count("assumed"), sourced=kinds.count("source"), total=len(kinds), base=base.name))
    fixed = [n for n, r in allres if not r.scenario.staff.dynamics]
    if fixed:
        items.append(t("brief.assumption_staff_fixed", lang, names=i18n.join_words(fixed, lang)))
    no_pl = [n for n, r in allres if not r.scenario.placements.enabled]
    if no_pl:
        items.append(t("brief.assumption_no_placements", lang, names=i18n.join_words(no_pl, lang)))
    h = base.scenario.horizon
    if h.warmup == "mser5":
        items.append(t("brief.assumption_mser", lang))
    else:
        items.append(t("brief.assumption_window", lang, warmup=_num(h.warmup_years, lang), years=_num(h.years - h.warmup_years, lang)))
    if base.reps < FEW_REPS:
        items.append(t("brief.assumption_few_reps", lang, reps=base.reps))
    return items


def _num(x: float, lang: str) -> str:
    return i18n.fmt_number(x, lang, 0 if float(x).is_integer() else 2)


def _versions() -> dict[str, str]:
    import numpy
    import simpy

    return {
        "version": simlib.__version__,
        "python": platform.python_version(),
        "simpy": getattr(simpy, "__version__", "?"),
        "numpy": numpy.__version__,
        "pandas": pd.__version__,
        "platform": f"{platform.system()} {platform.machine()}",
    }


def _description(meta: Any, lang: str) -> str:
    """The scenario's description in the brief's language, when the file gives one."""
    if lang == "sv" and meta.description_sv.strip():
        return meta.description_sv.strip()
    return meta.description.strip()


def build_brief(
    base: Results,
    alts: Mapping[str, Results] | Sequence[Results],
    diffs: pd.DataFrame,
    lang: str = "sv",
    provenance: Mapping[str, Provenance] | None = None,
    alt_provenance: Sequence[Mapping[str, Provenance]] | None = None,
    files: Sequence[str] = (),
    command: str | None = None,
    date: _dt.date | None = None,
    frontier: pd.DataFrame | None = None,
    frontier_reps: int = 0,
    sensitivity: pd.DataFrame | None = None,
    sensitivity_reps: int = 0,
    national: Mapping[str, Any] | None = None,
) -> Brief:
    """Render the brief from base and alternative results and their paired differences.

    ``diffs`` is tidy: alternative, kpi, mean, ci_low, ci_high, n (``Comparison.summary()``),
    with the alternative named as in ``alts`` (a Comparison's ``alternatives`` dict works).
    """
    i18n.check_lang(lang)
    named = named_alternatives(alts)
    missing_columns = [c for c in DIFF_COLUMNS if c not in diffs.columns]
    if missing_columns:
        raise ValueError(f"paired-difference frame lacks columns {missing_columns}; has {list(diffs.columns)}")
    provenance = provenance or {}
    alt_provenance = list(alt_provenance or [{}] * len(named))
    tables = key_tables(base, named, diffs, lang)
    sentences = summary_sentences(base, named, diffs, lang)
    missing = _not_modelled(base, named, lang)
    sc = base.scenario
    h, inv = sc.horizon, sc.investigation
    versions = _versions()
    commit, dirty = git_commit()
    onoff = {True: t("brief.enabled", lang), False: t("brief.disabled", lang)}
    changes = [changed_parameters(sc, alt.scenario, lang, alt_provenance[i]) for i, (_, alt) in enumerate(named)]
    opening = answer(base, named, diffs, lang)
    refs = References()
    params = parameter_rows(sc, [(n, a.scenario) for n, a in named], provenance, lang)
    for row in params:  # numbered in order of use down the appendix, [S..] tags resolved
        row["note"] = refs.cite(row["note"])
    for items in changes:
        for c in items:
            c["note"] = refs.cite(c.get("note") or "")
    described = {n: _description(r.scenario.metadata, lang) or n for n, r in [(base.name, base), *named]}
    figures = _figures(base, named, diffs, lang)
    figures += _frontier(frontier, base, lang, len(figures) + 1, frontier_reps)
    policy = policy_alternative(named)
    rests_figure = _rests_figure(sensitivity, base, policy[0] if policy else "", lang, len(figures) + 1,
                                 sensitivity_reps)
    cite = citation()
    ctx: dict[str, Any] = {
        "lang": lang,
        "t": lambda key, **kw: t(key, lang, **kw),
        "base_name": base.name,
        "alt_names": i18n.join_words([n for n, _ in named], lang),
        "date": (date or _dt.date.today()).isoformat(),
        "sentences": sentences,
        "intro": t("brief.summary_intro", lang, reps=base.reps, years=_num(h.years, lang), ci=t("lang.ci_long", lang)),
        "changes": [(n, _description(alt.scenario.metadata, lang), ch) for (n, alt), ch in zip(named, changes, strict=True)],
        "question": opening.question,
        "title": _title(opening, [n for n, _ in named], base.name, lang),
        "compares": t("brief.compares", lang, base=f"{described[base.name]} ({base.name})",
                      alts=i18n.join_words([f"{described[n]} ({n})" for n, _ in named], lang)),
        "answer": opening.paragraph,
        "described": described,
        "rests": rests_items(base, policy[0] if policy else None, sensitivity, lang),
        "rests_figure": rests_figure,
        "national": national_section(national, base.name, [n for n, _ in named], lang),
        "limits": [t(f"brief.limits.{k}", lang) for k in ("motion", "one_unit", "national", "costs", "notes_english")],
        "references": refs.entries(lang),
        "cite": t("brief.cite_text", lang, authors=cite.get("authors") or "Caseload Lab",
                  year=cite.get("year") or str((date or _dt.date.today()).year),
                  title=cite.get("title") or "Caseload Lab", version=cite.get("version") or simlib.__version__,
                  commit=(commit or t("brief.repro_unknown", lang))[:12], license=cite.get("license") or "MIT",
                  date=(date or _dt.date.today()).isoformat()),
        "tables": tables,
        "not_modelled": i18n.join_words(missing, lang) if missing else "",
        "figures": figures,
        "assumptions": _assumptions(base, named, provenance, lang),
        "params": params,
        "stress_logic": t(
            "brief.stress_logic", lang,
            cap=inv.caseload_cap if inv.caseload_cap is not None else t("param.cap_value_none", lang),
            cap_mode=t(f"dashboard.cap_mode.{inv.cap_mode}", lang), screening=onoff[sc.screening.enabled],
            pcap=(sc.placements.caseload_cap if sc.placements.caseload_cap is not None
                  else t("param.cap_value_none", lang)),
            pcap_mode=t(f"dashboard.cap_mode.{sc.placements.cap_mode}", lang),
            dynamics=onoff[sc.staff.dynamics], placements=onoff[sc.placements.enabled],
        ),
        "stress_data": t("brief.stress_data", lang, files=scenario_files_label(files) or base.name),
        "stress_exp": t(
            "brief.stress_exp", lang, reps=base.reps, years=_num(h.years, lang), seed=base.seed,
            warmup=t("brief.warmup_mser", lang) if h.warmup == "mser5" else _num(h.warmup_years, lang),
        ),
        "stress_impl": t("brief.stress_impl", lang, **versions),
        "version": versions["version"],
        "commit": commit or t("brief.repro_unknown", lang),
        "dirty": dirty,
        "seed": base.seed,
        "reps": base.reps,
        "years": _num(h.years, lang),
        "hashes": [(base.name, base.hash), *((n, a.hash) for n, a in named)],
        "command": command or "",
    }
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    html = env.get_template("brief.html.j2").render(**ctx)
    return Brief(html, lang, tables, sentences, missing, opening.question, opening.paragraph, refs.entries(lang))


def _title(opening: Answer, alts: list[str], base: str, lang: str) -> str:
    """The page title: the caps the brief prices (investigators, placement caseworkers, both), else the names."""
    def words(values: Sequence[object]) -> str:
        return i18n.join_words([str(v) for v in values], lang)

    if opening.caps and opening.placement_caps:
        return t("brief.title_cap_both", lang, caps=words(opening.caps), pcaps=words(opening.placement_caps))
    if opening.caps:
        return t("brief.title_cap", lang, caps=words(opening.caps))
    if opening.placement_caps:
        return t("brief.title_placement_cap", lang, caps=words(opening.placement_caps))
    return t("brief.title", lang, alts=words(alts), base=base)


def make_brief(
    base: str | Path,
    alts: Sequence[str | Path],
    lang: str = "sv",
    reps: int = 10,
    seed: int = 2024,
    years: float | None = None,
    jobs: int = 1,
    command: str | None = None,
    *,
    overrides: list[str] | None = None,
    warmup: str | None = None,
    dask: str | None = None,
    progress: bool | None = None,
    frontier: bool = False,
    sensitivity: bool = False,
    national: str | Path | None = None,
) -> Brief:
    """Load the scenario files, run the paired comparison (``compare``) and render the brief.

    ``overrides`` ("KEY=VALUE", as --set) apply to every scenario; ``progress`` shows a
    bar (or log lines) while the replications run; ``frontier`` also runs the funding
    frontier (``brief_frontier``) for its figure; ``sensitivity`` runs the policy's effect at the
    ends of the assumptions' ranges (``brief.sensitivity``) for "What the answer rests on";
    ``national`` is a ``simlib national --format json`` file of the same scenarios (``brief.national``)."""
    i18n.check_lang(lang)
    loaded_base = load(base, overrides or [])
    loaded_alts = [load(a, overrides or []) for a in alts]
    nat = None
    if national is not None:
        from simlib.experiments.replications import resolve
        from simlib.scenario.loader import scenario_hash

        hashes = {sc.name: scenario_hash(resolve(sc, warmup=warmup))
                  for sc in [loaded_base.scenario, *(la.scenario for la in loaded_alts)]}
        nat = load_national(national, hashes)  # before the runs: a stale file fails at once
    cmp = compare(
        loaded_base.scenario, [la.scenario for la in loaded_alts], reps=reps, seed=seed, jobs=jobs,
        years=years, warmup=warmup, dask=dask, progress=progress, series=True,
    )
    files = [*loaded_base.files, *(f for la in loaded_alts for f in la.files)]
    front, front_reps = (brief_frontier(cmp.base.scenario, [la.scenario for la in loaded_alts], reps, seed, jobs)
                         if frontier else (None, 0))
    policy = policy_alternative(list(cmp.alternatives.items()))
    swings, swing_reps = (brief_sensitivity(cmp.base.scenario, policy[1].scenario, reps, seed, jobs)
                          if sensitivity and policy else (None, 0))
    return build_brief(
        cmp.base, cmp.alternatives, cmp.summary(), lang, provenance=loaded_base.provenance,
        alt_provenance=[la.provenance for la in loaded_alts], files=files, command=command,
        frontier=front, frontier_reps=front_reps, sensitivity=swings, sensitivity_reps=swing_reps,
        national=nat,
    )


FRONTIER_EXTRAS = (0, 2, 4, 6, 8)
FRONTIER_REPS = 3


def brief_frontier(base: Any, alts: Sequence[Any], reps: int, seed: int, jobs: int) -> tuple[pd.DataFrame, int]:
    """The frontier for a brief: today's rule and every cap among the alternatives, 0-8 extra posts."""
    from simlib.analysis.funding import frontier

    caps: list[int | None] = [None]
    for sc in alts:
        inv = sc.investigation
        if inv.caseload_cap is not None and inv.cap_mode == "hard" and inv.caseload_cap not in caps:
            caps.append(inv.caseload_cap)
    n = min(reps, FRONTIER_REPS)
    return frontier(base, caps, list(FRONTIER_EXTRAS), reps=n, seed=seed, jobs=jobs), n

