"""The staff budget year and consultants: the hiring freeze and bridging vacancies at a premium.

``Budget`` forecasts the budget year's cost as now committed (costs so far,
employees to the year's end, vacancies refilled when their recruitment
completes, consultants until their post is filled or their contract ends) and
says whether a hire or a consultant would overrun it. ``Consultants`` bring one
in for a vacant post after ``staff.consultants.start_days``, within
``max_share`` of the posts and within the forecast; a contract's end, or the
post being filled, is a caseworker change for the consultant's cases.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from simlib.model.units import DAYS_PER_MONTH, YEAR
from simlib.model.records import ConsultantStart
from simlib.model.schedule import call_at

if TYPE_CHECKING:
    import numpy as np
    import simpy

    from simlib.model.caseworker import Caseworker
    from simlib.model.workforce.kpis import Ledger
    from simlib.model.workforce.staff import Post
    from simlib.scenario.schema import Consultants as ConsultantSettings


class Budget:
    """The budget year's committed cost, and the posts frozen by an overrun."""

    def __init__(
        self,
        env: simpy.Environment,
        ledger: Ledger,
        posts: list[Post],
        budget: float,
        cost_employee: float,
        cost_consultant: float,
        freeze_on_overrun: bool,
    ) -> None:
        self.env = env
        self.ledger = ledger
        self.posts = posts
        self.budget = budget
        self.cost_employee = cost_employee
        self.cost_consultant = cost_consultant
        self.freeze_on_overrun = freeze_on_overrun
        self.frozen: list[Post] = []
        self.year_start = 0.0
        self.year_areas = ledger.areas(env.now)

    def over(self, extra_sek: float) -> bool:
        """Would this budget year's cost, as now committed, plus ``extra_sek`` exceed the budget?

        Consultants are engaged only within this forecast, so a freeze on hires
        needs a real overrun.
        """
        if not self.freeze_on_overrun:
            return False
        now = self.env.now
        end = self.year_start + YEAR
        areas = self.ledger.areas(now)
        days_emp = areas["employed"] - self.year_areas["employed"] + self.ledger.value("employed") * (end - now)
        days_cons = areas["consultants"] - self.year_areas["consultants"]
        for p in self.posts:
            if p.employee is None and p.fill_at < end:
                days_emp += end - max(p.fill_at, now)
            if p.consultant is not None:
                days_cons += max(min(p.fill_at, p.contract_end, end) - now, 0.0)
        projected = (days_emp * self.cost_employee + days_cons * self.cost_consultant) / YEAR + extra_sek
        return projected > self.budget + 1e-6

    def freeze(self, post: Post) -> None:
        post.fill_at = math.inf
        self.frozen.append(post)
        self.ledger.add(self.env.now, "frozen", 1)

    def new_year(self, refill: Callable[[Post], None]) -> None:
        """Reset the accounts at a budget year's start, and try to fill each frozen post again."""
        self.year_start = self.env.now
        self.year_areas = self.ledger.areas(self.env.now)
        waiting, self.frozen = self.frozen, []
        for post in waiting:
            self.ledger.add(self.env.now, "frozen", -1)
            refill(post)


class Consultants:
    """Consultants bridging vacant posts, within a share of the posts and within the budget."""

    def __init__(
        self,
        env: simpy.Environment,
        settings: ConsultantSettings,
        posts: list[Post],
        budget: Budget,
        ledger: Ledger,
        new_worker: Callable[[str, float], Caseworker],
        prior_experience: Callable[[np.random.Generator], float],
        join: Callable[[Caseworker], None],
        withdraw: Callable[[Caseworker], None],
        log: Callable[..., None],
    ) -> None:
        self.env = env
        self.settings = settings
        self.posts = posts
        self.budget = budget
        self.ledger = ledger
        self._new_worker = new_worker
        self._prior_experience = prior_experience
        self._join = join  # the worker starts taking cases in its team
        self._withdraw = withdraw  # the worker leaves its team; its cases go to colleagues
        self._log = log
        # a small unit may still bring in one consultant: rounding down would forbid any
        share = settings.max_share
        self.max_consultants = max(math.floor(share * len(posts) + 1e-9), 1 if share > 0 else 0)

    def consider(self) -> None:
        """Bring consultants in for vacant posts that have none, up to the limit."""
        c = self.settings
        if not c.allowed:
            return
        busy = sum(1 for p in self.posts if p.consultant is not None or p.pending)
        for post in self.posts:
            if busy >= self.max_consultants:
                return
            if post.employee is None and post.consultant is None and not post.pending:
                post.pending = True
                busy += 1
                call_at(self.env, self.env.now + c.start_days, self._start, post)

    def _start(self, post: Post) -> None:
        post.pending = False
        contract = self.settings.contract_months.sample(post.consultant_rng) * DAYS_PER_MONTH
        now = self.env.now
        stay = max(min(post.fill_at, now + contract, self.budget.year_start + YEAR) - now, 0.0)
        if post.employee is not None or self.budget.over(stay / YEAR * self.budget.cost_consultant):
            return
        w = self._new_worker(post.role, self._prior_experience(post.consultant_rng))
        w.is_consultant = True
        post.consultant = w
        post.contract_end = now + contract
        self.ledger.add(self.env.now, "consultants", 1)
        self._log(ConsultantStart(time=self.env.now, role=post.role))
        self._join(w)
        call_at(self.env, post.contract_end, self._contract_end, post, w)

    def _contract_end(self, post: Post, w: Caseworker) -> None:
        if post.consultant is w:
            self.end(post)
            self.consider()

    def end(self, post: Post) -> None:
        """The consultant leaves (contract end or post filled): a caseworker change for their cases."""
        w = post.consultant
        assert w is not None
        post.consultant = None
        post.contract_end = math.inf
        self.ledger.add(self.env.now, "consultants", -1)
        w.available = False
        self._withdraw(w)
