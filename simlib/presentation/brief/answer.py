"""The brief's opening: the motion's question and a one-paragraph answer, computed from the comparison.

Why first: a staffer quoting the brief needs the answer to the motion's
question, with its numbers, intervals and price, before any table. The answer
leads with instability: a cap that makes the balans grow at today's budget is
said to do so first, and fewer placements or moves under it are named as the
artefact of delayed decisions they are, never as an improvement. The price is
read from a funded alternative in the comparison (a scenario with the same cap
and more posts, as ``simlib price`` generates): its extra posts and budget, and
the paired difference in total cost with its interval. An alternative that puts
placement caseworkers under a cap of their own (``placements.caseload_cap``,
issue 16 point 6: a guideline for all socialsekreterare) gets a sentence on
breakdowns, moves, visits and total cost, and the question names that cap too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from simlib.experiments.replications import Results
from simlib.presentation import i18n
from simlib.presentation.brief.text import Named, growing
from simlib.presentation.i18n import t

COMPLIANCE = "investigation_within_4m_share"
COST_KPIS = ("total_cost_sek_per_year", "cost_sek_per_year")
# What a placement cap is for (issue 16 done-when: breakdowns and moves), and visits (SoL 6 kap 7 b §).
PLACEMENT_KPIS = {"b": "breakdowns_per_year", "m": "placement_moves_per_child_year", "v": "visits_4plus_share"}

@dataclass
class Answer:
    question: str
    paragraph: str
    growing: list[str]  # alternatives whose balans grows
    price: dict[str, dict[str, float]]  # funded alternative -> posts, budget, cost difference and CI
    caps: list[int]
    placement_caps: list[int] = field(default_factory=list)  # caps on placement caseworkers that differ from the base's


def _cap(res: Results) -> int | None:
    inv = res.scenario.investigation
    return inv.caseload_cap if inv.caseload_cap is not None and inv.cap_mode != "none" else None


def placement_cap(res: Results, base: Results) -> tuple[int, str] | None:
    """(cap, mode) of an alternative's cap on placement caseworkers, if it has one the base has not.

    The baseline already has a soft placement cap (the caseload counted as overload,
    no limit on assignment); an alternative that keeps the base's rule has no cap of its own.
    """
    pl, own = res.scenario.placements, base.scenario.placements
    if not pl.enabled or pl.caseload_cap is None or pl.cap_mode == "none":
        return None
    if (pl.caseload_cap, pl.cap_mode) == (own.caseload_cap, own.cap_mode):
        return None
    return pl.caseload_cap, pl.cap_mode


def _placement_sentence(name: str, alt: Results, base: Results, cap: tuple[int, str], d: pd.DataFrame,
                        lang: str) -> str | None:
    """What a cap on placement caseworkers does: breakdowns, moves, visits and total cost, paired."""
    if not all(k in d.index for k in PLACEMENT_KPIS.values()):
        return None
    fields: dict[str, object] = {"alt": name, "cap": cap[0], "mode": t(f"dashboard.cap_mode.{cap[1]}", lang),
                                 "ci": t("lang.ci", lang)}
    for short, kpi in PLACEMENT_KPIS.items():
        fields.update({f"{short}{k}": v for k, v in _diff(d.loc[kpi], kpi, lang).items()})
    extra = _posts(alt) - _posts(base)
    if extra > 0.5:
        budget = float(alt.scenario.staff.budget_sek_per_year or 0) - float(base.scenario.staff.budget_sek_per_year or 0)
        fields["funding"] = t("brief.answer_placement_funded", lang, posts=i18n.fmt_number(extra, lang, 0),
                              budget=_msek(budget, lang))
    else:
        fields["funding"] = t("brief.answer_placement_today", lang)
    cost_kpi = next((k for k in COST_KPIS if k in d.index), None)
    text = t("brief.answer_placement", lang, **fields)
    if cost_kpi is not None:
        cd = d.loc[cost_kpi]
        text += " " + t("brief.answer_placement_cost", lang, cost=_msek(cd["mean"], lang, True),
                        low=_msek(cd["ci_low"], lang, True), high=_msek(cd["ci_high"], lang, True), ci=fields["ci"])
    return text


def _question(caps: list[int], placement_caps: list[int], lang: str) -> str:
    def words(values: list[int]) -> str:
        return i18n.join_words([str(c) for c in values], lang)

    if not caps and placement_caps:
        return t("brief.question_placement_only", lang, caps=words(placement_caps))
    question = t("brief.question", lang, caps=words(caps) if caps else "N")
    if placement_caps:
        question += " " + t("brief.question_placements", lang, caps=words(placement_caps))
    return question


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
    placement_caps = sorted({pc[0] for _, a in alts if (pc := placement_cap(a, base)) is not None})
    question = _question(caps, placement_caps, lang)
    ci = t("lang.ci", lang)
    base_posts, base_budget = _posts(base), float(base.scenario.staff.budget_sek_per_year or 0.0)
    c0 = _mean(base, COMPLIANCE)
    parts, grow_names, price, placement_parts = [], [], {}, []
    for name, alt in alts:
        d = diffs[diffs["alternative"] == name].set_index("kpi")
        pc = placement_cap(alt, base)
        if pc is not None and (sentence := _placement_sentence(name, alt, base, pc, d, lang)):
            placement_parts.append(sentence)
        if _cap(alt) is None:
            continue
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
    parts += placement_parts
    if not caps and not placement_caps:
        parts.append(t("brief.answer_no_cap", lang))
    parts.append(t("brief.answer_scope", lang, base=base.name, reps=base.reps))
    return Answer(question, " ".join(parts), grow_names, price, caps, placement_caps)
