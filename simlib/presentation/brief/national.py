"""For Sweden: the brief's national section, read from a ``simlib national --format json`` file.

Why: the motion asks about a national guideline, and a municipality-sized
answer is only half of it. A national run over all 290 municipalities takes
CPU-hours (``analysis.national``), far more than a brief, so the brief reads
its saved answer instead of running it: ``load_national`` checks the file is
one (format, scenarios, hashes), and refuses it when it was run on other
scenario files than the brief's (a stale file must not put old numbers under
new ones). ``national_section`` picks the paired national differences of the
brief's alternatives and the price in posts and kronor, and names every
municipality left out because a replication was unstable.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from simlib.presentation import i18n
from simlib.presentation.i18n import t

FORMAT = "caseload-lab-national/1"
KPIS = ("investigation_within_4m_share", "investigation_wait_days_mean", "balans_growth_per_year",
        "child_heard_share", "turnover_per_year", "placement_moves_per_child_year")
PRICE_KPIS = ("fte_funded", "cost_sek_per_year", "total_cost_sek_per_year")
MAX_BYTES = 64 * 2**20
SWEDEN = 290  # municipalities


class NationalFileError(ValueError):
    """The --national file is not a national answer for the brief's scenarios."""


def load_national(path: str | Path, hashes: Mapping[str, str]) -> dict[str, Any]:
    """The national answer in ``path``, checked against the brief's scenarios (name -> hash).

    Raises NationalFileError naming the problem: not a national answer, no scenario of
    the brief in it, or a scenario run from a different file than the brief's.
    """
    p = Path(path)
    if not p.is_file():
        raise NationalFileError(f"{p}: not a file")
    if p.stat().st_size > MAX_BYTES:
        raise NationalFileError(f"{p}: larger than {MAX_BYTES // 2**20} MB; not a national answer")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NationalFileError(f"{p}: not JSON ({exc.__class__.__name__})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise NationalFileError(f"{p}: not the output of 'simlib national --format json' (format {FORMAT})")
    scenarios, ran = data.get("scenarios") or [], data.get("hashes") or {}
    base = next(iter(hashes))
    if not scenarios or scenarios[0] != base:
        raise NationalFileError(f"{p}: its base scenario is {scenarios[:1] or 'missing'}, the brief's is {base!r}")
    common = [n for n in hashes if n in ran]
    stale = [n for n in common if ran[n] != hashes[n]]
    if stale:
        raise NationalFileError(f"{p}: scenario {stale[0]!r} was run from a different file than the brief's "
                         "(its hash differs); run simlib national again")
    if len(common) < 2:
        raise NationalFileError(f"{p}: holds none of the brief's alternatives ({', '.join(list(hashes)[1:])})")
    return data


def _row(data: Mapping[str, Any], scenario: str, kpi: str, measure: str) -> Mapping[str, Any] | None:
    for r in data["rows"]:
        if r["scenario"] == scenario and r["kpi"] == kpi and r["measure"] == measure:
            return r
    return None


def _finite(*values: Any) -> bool:
    return all(isinstance(v, int | float) and math.isfinite(v) for v in values)


def _diff(r: Mapping[str, Any], kpi: str, lang: str) -> str:
    return f"{i18n.fmt_diff(r['estimate'], kpi, lang, unit=True)} {i18n.fmt_ci(r['ci_low'], r['ci_high'], kpi, lang)}"


def _bn(x: float, lang: str) -> str:
    return i18n.fmt_number(x / 1e9, lang, 2, sign=True)


def national_section(data: Mapping[str, Any] | None, base: str, alts: list[str], lang: str) -> dict[str, Any] | None:
    """The section's sentences and table rows (alternative, KPI, base level, alternative level, difference)."""
    if data is None:
        return None
    ran = [a for a in alts if a in data["scenarios"]]
    children = float(data.get("children_0_17") or 0.0)
    left_out = float(data.get("children_0_17_left_out") or 0.0)
    key = "brief.national.intro" if data["municipalities"] >= SWEDEN else "brief.national.intro_part"
    intro = t(key, lang, municipalities=data["municipalities"], reps=data["reps"],
              seed=data["seed"], children=i18n.fmt_number(children, lang, 0))
    prices, rows = [], []
    for alt in ran:
        fte = _row(data, alt, "fte_funded", "difference")
        staff = _row(data, alt, "cost_sek_per_year", "difference")
        total = _row(data, alt, "total_cost_sek_per_year", "difference")
        if fte and staff and _finite(fte["estimate"], staff["estimate"], staff["ci_low"], staff["ci_high"]):
            prices.append(t("brief.national.price", lang, alt=alt,
                            posts=i18n.fmt_number(fte["estimate"], lang, 0, sign=True),
                            sek=_bn(staff["estimate"], lang), low=_bn(staff["ci_low"], lang),
                            high=_bn(staff["ci_high"], lang),
                            total=_bn(total["estimate"], lang) if total and _finite(total["estimate"]) else "–"))
        for kpi in KPIS:
            d, lb, la = (_row(data, alt, kpi, "difference"), _row(data, base, kpi, "level"),
                         _row(data, alt, kpi, "level"))
            if d is None or lb is None or la is None or not _finite(d["estimate"], d["ci_low"], d["ci_high"]):
                continue
            rows.append({"alt": alt, "label": i18n.kpi_label(kpi, lang),
                         "base": i18n.fmt_value(lb["estimate"], kpi, lang, unit=True),
                         "value": i18n.fmt_value(la["estimate"], kpi, lang, unit=True),
                         "diff": _diff(d, kpi, lang)})
    unstable = data.get("unstable") or []
    if unstable:
        names = i18n.join_words([str(u.get("name") or u.get("code")) for u in unstable], lang)
        left = t("brief.national.unstable", lang, n=len(unstable), names=names,
                 children=i18n.fmt_number(left_out, lang, 0),
                 share=i18n.fmt_number(100 * left_out / children if children else 0.0, lang, 1))
    else:
        left = t("brief.national.none_unstable", lang)
    return {"intro": intro, "prices": prices, "rows": rows, "unstable": left}
