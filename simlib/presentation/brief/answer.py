"""The brief's opening: the motion's question and a one-paragraph answer, computed from the comparison.

Why first: a staffer quoting the brief needs the answer to the motion's
question, with its numbers, intervals and price, before any table. The answer
leads with instability: a cap that makes the balans grow at today's budget is
said to do so first, and fewer placements or moves under it are named as the
artefact of delayed decisions they are, never as an improvement. The price is
read from a funded alternative in the comparison (a scenario with the same cap
and more posts, as ``simlib price`` generates): its extra posts and budget, and
the paired difference in total cost with its interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from simlib.experiments.replications import Results
from simlib.presentation import i18n
from simlib.presentation.brief.text import Named, growing
from simlib.presentation.i18n import t

COMPLIANCE = "investigation_within_4m_share"
COST_KPIS = ("total_cost_sek_per_year", "cost_sek_per_year")

@dataclass
class Answer:
    question: str
    paragraph: str
    growing: list[str]  # alternatives whose balans grows
    price: dict[str, dict[str, float]]  # funded alternative -> posts, budget, cost difference and CI
    caps: list[int]


def _cap(res: Results) -> int | None:
    inv = res.scenario.investigation
    return inv.caseload_cap if inv.caseload_cap is not None and inv.cap_mode != "none" else None


def _mean(res: Results, kpi: str) -> float:
    return float(res.kpi(kpi).mean()) if kpi in set(res.kpis["kpi"]) else math.nan


def _posts(res: Results) -> float:
    return _mean(res, "fte_funded")


def _msek(x: float, lang: str, sign: bool = False) -> str:
    return i18n.fmt_number(x / 1e6, lang, 1, sign=sign)


def _pct(x: float, lang: str) -> str:
    return i18n.fmt_value(x, COMPLIANCE, lang)


def _diff(d: pd.Series, kpi: str, lang: str) -> dict[str, str]:
    dd = i18n.diff_decimals(kpi, d["mean"], d["ci_low"], d["ci_high"])
    return {"diff": i18n.fmt_diff(d["mean"], kpi, lang, unit=True, decimals=dd),
            "low": i18n.fmt_diff(d["ci_low"], kpi, lang, decimals=dd),
            "high": i18n.fmt_diff(d["ci_high"], kpi, lang, decimals=dd)}


def answer(base: Results, alts: Named, diffs: pd.DataFrame, lang: str) -> Answer:
    """The question and the paragraph that answers it, from the runs."""
    caps = sorted({c for _, a in alts if (c := _cap(a)) is not None})
    question = t("brief.question", lang, caps=i18n.join_words([str(c) for c in caps], lang) if caps else "N")
    ci = t("lang.ci", lang)
    base_posts, base_budget = _posts(base), float(base.scenario.staff.budget_sek_per_year or 0.0)
    c0 = _mean(base, COMPLIANCE)
    parts, grow_names, price = [], [], {}
    for name, alt in alts:
        if _cap(alt) is None:
            continue
        d = diffs[diffs["alternative"] == name].set_index("kpi")
        comp = _diff(d.loc[COMPLIANCE], COMPLIANCE, lang) if COMPLIANCE in d.index else {}
        extra = _posts(alt) - base_posts
        fields = {"alt": name, "cap": _cap(alt), "ci": ci, "c0": _pct(c0, lang), "c1": _pct(_mean(alt, COMPLIANCE), lang),
                  **{f"d{k}": v for k, v in comp.items()}}
        if extra > 0.5:  # a funded alternative: its price
            cost_kpi = next((k for k in COST_KPIS if k in d.index), None)
            if cost_kpi is None:
                continue
            cd = d.loc[cost_kpi]
            price[name] = {"posts": extra, "budget": float(alt.scenario.staff.budget_sek_per_year or 0) - base_budget,
                           "cost": float(cd["mean"]), "cost_low": float(cd["ci_low"]), "cost_high": float(cd["ci_high"])}
            parts.append(t("brief.answer_price", lang, **fields, posts=i18n.fmt_number(extra, lang, 0),
                           budget=_msek(price[name]["budget"], lang), cost=_msek(cd["mean"], lang, True),
                           low=_msek(cd["ci_low"], lang, True), high=_msek(cd["ci_high"], lang, True)))
            continue
        grows, g, g_low, g_high = growing(alt)
        gfields = {"growth": i18n.fmt_number(g, lang, 0), "glow": i18n.fmt_number(g_low, lang, 0),
                   "ghigh": i18n.fmt_number(g_high, lang, 0)}
        budget = {"budget": _msek(base_budget, lang), "posts": i18n.fmt_number(base_posts, lang, 0)}
        if grows:
            grow_names.append(name)
            parts.append(t("brief.answer_growing", lang, **fields, **gfields, **budget))
        else:
            parts.append(t("brief.answer_stable", lang, **fields, **gfields, **budget))
    if grow_names:
        parts.append(t("brief.answer_artefact", lang))
    if caps and not price:
        parts.append(t("brief.answer_no_price", lang))
    if not caps:
        parts.append(t("brief.answer_no_cap", lang))
    parts.append(t("brief.answer_scope", lang, base=base.name, reps=base.reps))
    return Answer(question, " ".join(parts), grow_names, price, caps)
