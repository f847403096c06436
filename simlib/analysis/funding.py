"""What staffing does a caseload cap need so that the balans queue does not grow?

Why: MODEL.md question 2. A hard cap at today's budget may just move the wait
from caseworkers' desks to the balans queue. This module adds investigator
posts (and their full cost to the budget, so that fixed and budget-funded
staffing agree) until the queue is stable, using common random numbers across
candidates. It is how ``scenarios/policy/cap-15-funded.yaml`` was sized.

"Does not grow" here: no replication is stopped as unstable, and the mean
balans over the last reported year exceeds that over the first reported year by
less than ``tolerance`` cases (95% upper confidence bound across replications).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simlib.experiments.intervals import t_interval
from simlib.scenario.loader import with_overrides
from simlib.scenario.rules import budget_for_posts, staffed_posts
from simlib.scenario.schema import Scenario


def with_investigators(scenario: Scenario, extra: int) -> Scenario:
    """The scenario with ``extra`` investigator posts, paid for at the full cost per FTE.

    Fixed staffing gets ``extra`` more investigators; budget-funded staffing gets
    the budget for ``extra`` more posts, all of them in the investigation role.
    Both are set, so the scenario means the same in either mode.
    """
    posts = staffed_posts(scenario)
    posts["investigation"] += extra
    return with_overrides(scenario, budget_for_posts(scenario, posts))


@dataclass(frozen=True)
class Stability:
    extra: int
    investigators: int
    budget_sek_per_year: float
    growth_mean: float
    growth_upper: float
    balans_last_year: float
    unstable_reps: int
    stable: bool


def balans_growth(series: pd.DataFrame) -> pd.Series:
    """Per replication: mean balans in the last reported year minus that in the first."""
    out = {}
    for rep, rows in series[~series["in_warmup"]].groupby("replication"):
        start, end = rows["day"].min(), rows["day"].max()
        first = rows.loc[rows["day"] < start + 365, "balans"].mean()
        last = rows.loc[rows["day"] > end - 365, "balans"].mean()
        out[rep] = last - first
    return pd.Series(out, dtype=float)


def check(
    scenario: Scenario, extra: int, reps: int, seed: int, tolerance: float, jobs: int = 1
) -> Stability:
    """Run one candidate and judge whether its balans grows."""
    from simlib.experiments import run

    sc = with_investigators(scenario, extra)
    res = run(sc, reps=reps, seed=seed, jobs=jobs)
    growth = balans_growth(res.series)
    mean, _, high, _ = t_interval(growth.to_numpy())
    unstable = int(res.kpi("unstable").sum())
    last = float(
        np.mean([g["balans"].tail(52).mean() for _, g in res.series.groupby("replication")])
    )
    high = mean if np.isnan(high) else high
    return Stability(
        extra,
        sc.staff.investigators_fte,
        float(sc.staff.budget_sek_per_year or 0),
        mean,
        high,
        last,
        unstable,
        unstable == 0 and high < tolerance,
    )


def funded_staffing(
    scenario: Scenario,
    max_extra: int = 30,
    reps: int = 5,
    seed: int = 2024,
    tolerance: float = 5.0,
    jobs: int = 1,
) -> list[Stability]:
    """Candidates from today's staffing upwards, stopping at the first stable one."""
    out = []
    for extra in range(max_extra + 1):
        state = check(scenario, extra, reps, seed, tolerance, jobs)
        out.append(state)
        if state.stable:
            break
    return out
