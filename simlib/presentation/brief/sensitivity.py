"""What the answer rests on: the brief's own sensitivity run over the assumptions no source pins.

Why: a staffer citing "cap 12 costs N points of compliance" must see how far
that number moves if the assumptions behind it move within their stated
ranges. ``brief_sensitivity`` runs ``analysis.sensitivity.difference_tornado``
for the policy the brief is about (the first capped alternative): each
assumption in ``RANGES`` goes to each end of the range stated in the scenario
file's note, in the base and the alternative together, and the policy's
paired effect is measured again (common random numbers). ``rests_items`` turns
that into the sentences of the brief's "What the answer rests on" and
``tornado_figure`` into its figure. Without a run the items still name each
assumption and its range.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from simlib.experiments.replications import Results
from simlib.presentation import i18n
from simlib.presentation.i18n import t

# Assumption -> (low, high): the sensitivity ranges stated in scenarios/baseline.yaml's notes.
RANGES: dict[str, tuple[float, float]] = {
    "investigation.external_wait_days.mean": (50.0, 90.0),
    "investigation.quality.thinning_elasticity": (0.0, 1.0),
    "staff.overload_turnover_factor": (1.0, 4.0),
}
# Assumed too, listed with their value (no range run: they scale the unit rather than the policy's effect)
LISTED = ("investigation.hours.mean", "staff.cost_per_fte_sek")
KPIS = ("investigation_within_4m_share", "investigation_wait_days_mean")
REPS = 3  # replications per point: the swings are paired, so a few runs show their size


def policy_alternative(alts: Sequence[tuple[str, Results]]) -> tuple[str, Results] | None:
    """The alternative the brief is about: the first with an investigation caseload cap, else the first."""
    for name, res in alts:
        if res.scenario.investigation.caseload_cap is not None:
            return name, res
    return alts[0] if alts else None


def brief_sensitivity(base: Any, alt: Any, reps: int, seed: int, jobs: int) -> tuple[pd.DataFrame, int]:
    """The policy's effect at each end of every range in ``RANGES`` (``difference_tornado``)."""
    from simlib.analysis.sensitivity import difference_tornado

    n = max(2, min(reps, REPS))
    return difference_tornado(base, alt, RANGES, list(KPIS), reps=n, seed=seed, jobs=jobs), n


def _value(scenario: Any, key: str) -> float | None:
    value: Any = scenario
    for part in key.split("."):
        value = getattr(value, part, None)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _num(x: float, lang: str) -> str:
    return i18n.fmt_number(x, lang, 0 if float(x).is_integer() or abs(x) >= 100 else 2)


def rests_items(base: Results, alt_name: str | None, swings: pd.DataFrame | None, lang: str) -> list[str]:
    """One sentence per assumption: its value, its range and, with a run, the policy's effect at each end."""
    items = []
    for key in (*RANGES, *LISTED):
        value = _value(base.scenario, key)
        if value is None:
            continue
        label = key.replace(".", "_")
        text = t(f"brief.rests.{label}", lang, value=_num(value, lang))
        if key in RANGES:
            low, high = RANGES[key]
            text += " " + t("brief.rests_range", lang, low=_num(low, lang), high=_num(high, lang))
            rows = swings[swings["parameter"] == key] if swings is not None and not swings.empty else None
            effects = []
            for row in ([] if rows is None else rows.itertuples()):
                effects.append(t("brief.rests_effect", lang, kpi=i18n.kpi_label(row.kpi, lang),
                                 base=i18n.fmt_diff(row.base, row.kpi, lang, unit=True),
                                 low=i18n.fmt_diff(row.at_low, row.kpi, lang, unit=True),
                                 high=i18n.fmt_diff(row.at_high, row.kpi, lang, unit=True)))
            if effects and alt_name:
                text += " " + t("brief.rests_effects", lang, alt=alt_name, effects=i18n.join_words(effects, lang))
        items.append(text)
    return items


def tornado_figure(swings: pd.DataFrame, lang: str) -> Any:
    """The policy's effect at each end of each range, one panel per KPI (``plots.tornado``)."""
    from simlib.presentation import plots

    return plots.tornado(swings, [k for k in KPIS if k in set(swings["kpi"])], lang)
