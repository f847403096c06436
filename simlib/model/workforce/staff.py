"""Posts and employees (MODEL.md 3.5): hires, tenure, resignations, departures, vacancies.

A caseload cap is only as good as the staff behind it. The budget funds whole
posts per role; each post is held by an employee or vacant. Employees leave
their post - resigning (``staff.turnover_per_year``) or moving to another unit
(``staff.internal_move_per_year``, per role: investigation is the entry post) -
with a hazard higher in their first year in the post and rising with the
caseload they carry and the team's balans (overload -> departures -> vacancies
-> more overload), work a notice period, and leave their cases to colleagues
(each a caseworker change for the child). A vacancy is filled after a
time-to-fill draw, by a new graduate in an entry role (ramping up over the
novice months, mentored if mentoring is on; a mentored novice leaves less
often) or an experienced hire; every hire is new in the post (tenure in the
post is what ``staff_under_1y_share`` counts, experience what productivity
follows). Employees take short and
long sick leave (long-term risk rising with overload); an absent caseworker's
cases stall and are reassigned after ``staff.reassign_after_days``. Consultants
bridge vacancies at a premium, and a budget overrun freezes hiring. Sick
leave, mentoring and the budget year with consultants are collaborators
(``leave``, ``mentoring``, ``consultants``) that act through callbacks.

Everything is event-driven: a monthly caseload review per unit (not per day)
updates the hazards, and ``HazardClock`` makes piecewise-constant hazards exact.
Each post draws from its own generator spawned from the named streams, so a
scenario with fewer posts leaves the other posts' draws unchanged (common
random numbers across budget scenarios).
"""

from __future__ import annotations

import math

import numpy as np

from simlib.model.caseworker import Caseworker, Job
from simlib.model.context import SimContext, keyed_seed_sequence
from simlib.model.records import Departure, Resignation
from simlib.model.schedule import Call, call_at
from simlib.model.units import DAYS_PER_MONTH, YEAR
from simlib.model.workforce.consultants import Budget, Consultants
from simlib.model.workforce.hazard import HazardClock, overload_multiplier
from simlib.model.workforce.kpis import Ledger, case_days_column, dynamic_kpis, reassign_jobs, tenure_bands
from simlib.model.workforce.leave import SickLeave
from simlib.model.workforce.mentoring import Mentoring
from simlib.scenario.rules import (
    ROLES,
    employee_cost,
    funded_posts,
    overload_reference,
    role_work_params,
    simulated_roles,
)

__all__ = ["Post", "Staffer", "Workforce", "install"]


def _post_rng(entropy: int, key: tuple[int, ...]) -> np.random.Generator:
    """A post's own generator: keyed by (role, post number), not by how many posts come before."""
    return np.random.default_rng(keyed_seed_sequence(entropy, key))


class Post:
    """One funded post: its employee (or none), a covering consultant, its own random draws."""

    __slots__ = (
        "consultant",
        "consultant_rng",
        "contract_end",
        "employee",
        "fill_at",
        "index",
        "pending",
        "rng",
        "role",
        "sick_rng",
    )

    def __init__(self, role: str, index: int, rngs: tuple[np.random.Generator, ...]) -> None:
        self.role = role
        self.index = index
        self.rng, self.sick_rng, self.consultant_rng = rngs
        self.employee: Staffer | None = None
        self.consultant: Caseworker | None = None
        self.pending = False  # a consultant is on the way
        self.fill_at = math.inf  # when a vacancy's recruitment completes (inf: filled or frozen)
        self.contract_end = math.inf


class Staffer:
    """An employee: the caseworker plus tenure, absence and mentoring state."""

    __slots__ = (
        "absent",
        "absent_until",
        "started",
        "graduate",
        "in_notice",
        "last_area",
        "last_review",
        "load_factor",
        "long_sick",
        "mentees",
        "mentor",
        "post",
        "quit",
        "reassign_call",
        "return_call",
        "short_sick",
        "worker",
    )

    def __init__(self, worker: Caseworker, post: Post, graduate: bool, started: float) -> None:
        self.worker = worker
        self.post = post
        self.started = started  # when the employee took this post (tenure in the post)
        self.graduate = graduate
        self.in_notice = False
        self.absent = False
        self.absent_until = 0.0
        self.return_call: Call | None = None  # the end of the current absence
        self.reassign_call: Call | None = None  # handing over the cases of a long absence
        self.mentor: Staffer | None = None
        self.mentees: list[Staffer] = []
        self.last_area = worker.case_area
        self.last_review = worker.env.now
        self.load_factor = (1.0, 1.0)  # (turnover, long sick leave) overload multipliers


class Workforce:
    """The workforce stage of one replication."""

    def __init__(self, ctx: SimContext) -> None:
        self.ctx = ctx
        sc = ctx.scenario
        self.staff = staff = sc.staff
        self.env = ctx.env
        self.ledger = Ledger(ctx.env.now)
        self.posts_by_role = funded_posts(sc)
        self.roles = simulated_roles(sc)
        self.cost_employee = employee_cost(sc)
        self.cost_consultant = staff.cost_per_fte_sek * staff.consultants.premium
        shares = staff.role_shares
        budget = staff.budget_sek_per_year or 0.0
        # of the simulated roles, with any retention premium funded on top
        budget *= sum(getattr(shares, r) for r in self.roles) * (1.0 + staff.retention_premium_share)
        self.novice_days = staff.novice_months * DAYS_PER_MONTH
        self.steps = max(1, math.ceil(staff.novice_months))
        per_week = ctx.calendar.workdays_per_week
        self.mentor_hours = staff.mentoring_hours_per_week / per_week  # per mentee per working day
        self.ledger.mentoring_fte = self.mentor_hours / staff.hours_per_day
        self.retention = max(0.0, 1.0 - staff.retention_turnover_elasticity * staff.retention_premium_share)
        self.moves = staff.internal_move_per_year
        # the settings _refresh and _reviews use, read once: a scenario attribute costs ~430
        # instructions a read (pydantic), and they run ~12 times a caseworker a month
        self.hours_per_day = staff.hours_per_day
        self.first_year_factor = staff.first_year_turnover_factor
        self.mentored_factor = staff.mentoring_turnover_factor
        self.leave_per_day = {role: (staff.turnover_per_year + getattr(self.moves, role)) / YEAR for role in ROLES}
        sick = staff.sick_leave
        self.sick_enabled = sick.enabled
        self.long_sick_per_day = sick.long_spells_per_year / YEAR
        self.short_sick_per_day = sick.short_spells_per_year / YEAR
        self.refs = {role: overload_reference(sc, role) for role in ROLES}
        self.params = {role: role_work_params(sc, role, per_week) for role in ROLES}
        entropy = [int(ctx.streams[s].integers(2**63)) for s in ("workforce", "sick_leave", "consultants")]
        self.posts: list[Post] = []
        for role in self.roles:
            for i in range(self.posts_by_role[role]):
                key = (ROLES.index(role), i)
                self.posts.append(Post(role, i, tuple(_post_rng(e, key) for e in entropy)))
        self.staffers: list[Staffer] = []
        self.next_wid = 0
        self.starting = True
        self.budget = Budget(self.env, self.ledger, self.posts, budget, self.cost_employee,
                             self.cost_consultant, staff.freeze_on_overrun)
        self.consultants = Consultants(
            self.env, staff.consultants, self.posts, self.budget, self.ledger, self._new_worker,
            self._prior_experience, join=self._join, withdraw=self._withdraw, log=ctx.recorder.log,
        )
        self.leave = SickLeave(self.env, staff.reassign_after_days, self.ledger, self._refresh,
                               hand_over=self._hand_over, resume=self._resume)
        self.mentoring = Mentoring(self.env, staff.mentoring, self.novice_days, self.ledger, self.staffers,
                                   self._refresh)

    # --- set-up -------------------------------------------------------------
    def start(self) -> None:
        s = self.staff
        for post in self.posts:
            rng = post.rng
            if rng.random() < s.initial_under_1y_share:
                tenure = rng.uniform(0.0, YEAR)
                graduate = post.role in s.entry_roles and rng.random() < s.new_graduate_share
                experience = tenure if graduate else self._prior_experience(rng)
            else:
                experience = self._prior_experience(rng)
                tenure = YEAR + (experience - YEAR) * rng.random()  # over a year in the post
            self._employ(post, experience, graduate=experience < self.novice_days, tenure=tenure)
        self.starting = False
        for st in list(self.staffers):  # mentors exist only once everyone is in post
            if st.graduate:
                self.mentoring.find(st)
        self.env.process(self._reviews())
        self.env.process(self._budget_years())
        self.ctx.weekly_extras.append(self._weekly)
        self.ctx.kpi_providers.append(self._kpis)

    def _prior_experience(self, rng: np.random.Generator) -> float:
        """Experience of an experienced hire: 1 year plus the stationary tenure under the base hazard."""
        return YEAR * (1.0 + rng.exponential(1.0 / max(self.staff.turnover_per_year, 1e-3)))

    # --- employees ----------------------------------------------------------
    def _new_worker(self, role: str, experience: float) -> Caseworker:
        overhead, pace = self.params[role]
        w = Caseworker(self.ctx, self.next_wid, role, self.staff.hours_per_day, overhead,
                       hired_at=self.env.now - experience, pace=pace)
        self.next_wid += 1
        return w

    def _employ(self, post: Post, experience: float, graduate: bool, tenure: float = 0.0) -> None:
        now = self.env.now
        w = self._new_worker(post.role, experience)
        st = Staffer(w, post, graduate, now - tenure)
        post.employee = st
        self.staffers.append(st)
        st.quit = HazardClock(self.env, post.rng, lambda: self._resign(st))
        sick = self.staff.sick_leave
        st.long_sick = HazardClock(self.env, post.sick_rng, lambda: self.leave.start(st, sick.long_days))
        st.short_sick = HazardClock(self.env, post.sick_rng, lambda: self.leave.start(st, sick.short_days))
        self.ledger.add(now, "employed", 1)
        self.ledger.add(now, "present", 1)
        if graduate:
            self._schedule_tenure_steps(st)
            if not self.starting:
                self.mentoring.find(st)
        if now - st.started < YEAR:  # the first year in the post ends
            call_at(self.env, st.started + YEAR, lambda: self._refresh(st))
        self._refresh(st)
        self._join(w)
        if post.consultant is not None:  # the post is filled: the bridge ends
            self.consultants.end(post)

    def _productivity(self, st: Staffer) -> float:
        tenure = self.env.now - st.worker.hired_at
        if not st.graduate or tenure >= self.novice_days - 1e-9:
            return 1.0
        p0 = self.staff.novice_productivity
        k = min(int(tenure / (self.novice_days / self.steps) + 1e-9), self.steps - 1)
        return p0 + (1.0 - p0) * (k + 0.5) / self.steps  # step midpoints: same mean as a linear ramp

    def _schedule_tenure_steps(self, st: Staffer) -> None:
        """Monthly ramp-up steps, graduation and the one-year anniversary, as timed events."""
        hired = st.worker.hired_at
        step = self.novice_days / self.steps
        times = {hired + k * step for k in range(1, self.steps + 1)}
        for t in sorted(times):
            if t > self.env.now + 1e-9:
                call_at(self.env, t, lambda: self._refresh(st))

    # --- what the collaborators may do to a team ----------------------------------
    def _join(self, w: Caseworker) -> None:
        self.ctx.teams[w.role].add_worker(w)

    def _withdraw(self, w: Caseworker) -> None:
        """The worker leaves for good (a departure, a consultant's end): its cases go to colleagues."""
        team = self.ctx.teams[w.role]
        reassign_jobs(self.ctx, team, team.remove_worker(w))
        w.retire()

    def _hand_over(self, w: Caseworker, jobs: list[Job]) -> None:
        reassign_jobs(self.ctx, self.ctx.teams[w.role], jobs)

    def _resume(self, w: Caseworker) -> None:
        self.ctx.teams[w.role].pull()

    def _capacity(self, st: Staffer) -> float:
        if st.absent:
            return 0.0
        cap = self.hours_per_day * self._productivity(st) - len(st.mentees) * self.mentor_hours
        return 0.0 if cap < 0.0 else cap  # max(cap, 0.0) without the builtin call (~1 300 instructions)

    def _refresh(self, st: Staffer) -> None:
        """Re-derive capacity and hazards after a change in tenure, load, absence or mentoring."""
        if st.post.employee is not st:
            return  # already gone
        w = st.worker
        if st.graduate and st.mentor is not None and self.env.now - w.hired_at >= self.novice_days - 1e-9:
            self.mentoring.end(st)
        cap = self._capacity(st)
        if cap != w.capacity:
            w.set_capacity(cap)
        quit_factor, sick_factor = st.load_factor
        first = self.first_year_factor if self.env.now - st.started < YEAR - 1e-9 else 1.0
        if st.mentor is not None:
            first *= self.mentored_factor
        if not st.in_notice:
            st.quit.set_rate(self.leave_per_day[st.post.role] * first * quit_factor * self.retention)
        if self.sick_enabled:
            st.long_sick.set_rate(self.long_sick_per_day * sick_factor)
            st.short_sick.set_rate(self.short_sick_per_day)

    def _reviews(self):
        """Monthly caseload review: each employee's recent caseload sets their overload factors.

        The load is the caseload carried plus ``staff.balans_pressure_weight`` x the
        team's waiting cases per caseworker (a growing balans weighs on everyone).
        """
        s = self.staff
        teams = self.ctx.teams
        turnover_factor, sick_factor = s.overload_turnover_factor, s.sick_leave.overload_factor
        while True:
            yield self.env.timeout(DAYS_PER_MONTH)
            now = self.env.now
            pressure = {role: s.balans_pressure_weight * t.queued / max(t.size, 1) for role, t in teams.items()}
            for st in list(self.staffers):
                w = st.worker
                w.advance()
                dt = now - st.last_review
                load = ((w.case_area - st.last_area) / dt if dt > 0 else 0.0) + pressure[w.role]
                st.last_area, st.last_review = w.case_area, now
                ref = self.refs[w.role]
                st.load_factor = (
                    overload_multiplier(load, ref, turnover_factor),
                    overload_multiplier(load, ref, sick_factor),
                )
                self._refresh(st)

    # --- resignations and departures ------------------------------------------
    def _resign(self, st: Staffer) -> None:
        """Leaves the post: a resignation, or a move to another unit (same notice, same vacancy)."""
        st.in_notice = True
        st.worker.available = False  # works on through the notice period, but takes no new cases
        st.quit.stop()
        role = st.post.role
        move = getattr(self.moves, role)
        internal = st.post.rng.random() * (self.staff.turnover_per_year + move) < move
        self.ctx.recorder.log(Resignation(time=self.env.now, role=role, internal=internal))
        call_at(self.env, self.env.now + self.staff.notice_days, lambda: self._depart(st))

    def _depart(self, st: Staffer) -> None:
        now = self.env.now
        post, w = st.post, st.worker
        for clock in (st.quit, st.long_sick, st.short_sick):
            clock.stop()
        if st.return_call is not None:
            st.return_call.cancel()
        self.ledger.add(now, "absent" if st.absent else "present", -1)
        self.ledger.add(now, "employed", -1)
        self.ledger.leaves.append(now)
        self.ctx.recorder.log(Departure(time=now, role=post.role, tenure_days=now - w.hired_at))
        self.staffers.remove(st)
        post.employee = None
        self.mentoring.release(st)
        w.available = False  # before removal, so the team does not hand it queued cases
        self._withdraw(w)
        _let_go(st)
        self._open_vacancy(post)

    # --- vacancies, hiring and the freeze -------------------------------------
    def _open_vacancy(self, post: Post) -> None:
        self.ledger.add(self.env.now, "vacant", 1)
        post.fill_at = self.env.now + self.staff.time_to_fill_days.sample(post.rng)
        call_at(self.env, post.fill_at, lambda: self._fill(post))
        self.consultants.consider()

    def _fill(self, post: Post) -> None:
        post.fill_at = self.env.now  # the projection counts this hire (and ends any bridge now)
        if self.budget.over(0.0):
            self.budget.freeze(post)
            return
        self._hire(post)

    def _hire(self, post: Post) -> None:
        rng = post.rng
        graduate = post.role in self.staff.entry_roles and rng.random() < self.staff.new_graduate_share
        experience = 0.0 if graduate else self._prior_experience(rng)
        post.fill_at = math.inf
        self.ledger.add(self.env.now, "vacant", -1)
        self.ledger.hires.append(self.env.now)
        self._employ(post, experience, graduate)

    def _budget_years(self):
        """At each budget year's start: reset the accounts, lift the freeze where the budget allows."""
        while True:
            yield self.env.timeout(YEAR)
            self.budget.new_year(self._fill)
            self.consultants.consider()

    # --- outputs --------------------------------------------------------------------
    def _weekly(self) -> dict[str, float]:
        now = self.env.now
        self.ledger.snapshot(now)
        v = self.ledger.value
        row: dict[str, float] = tenure_bands(now, ((st.started, st.post.role) for st in self.staffers))
        row["fte_working"] = v("present") + v("consultants")
        row["posts"] = len(self.posts)
        row["vacancies"] = v("vacant")
        row["consultants"] = v("consultants")
        row["absent"] = v("absent")
        row.update(case_days_column(self.ctx))
        return row

    def _kpis(self, ctx: SimContext, t0: float, t1: float) -> dict[str, float]:
        return dynamic_kpis(ctx, self.ledger, self.posts_by_role, self.cost_employee,
                            self.cost_consultant, t0, t1, self.staff.replacement_cost_sek)


def _let_go(st: Staffer) -> None:
    """Break a departed employee's reference cycles, so it is freed at once.

    A pending return from sick leave or hand-over of cases holds the employee,
    who holds the call (its clocks are stopped by now: ``HazardClock.stop``).
    Both calls do nothing for an employee no longer in the post, so cancelling
    them changes no result.
    """
    for call in (st.return_call, st.reassign_call):
        if call is not None:
            call.cancel()
    st.return_call = st.reassign_call = None


def install(ctx: SimContext) -> Workforce:
    """Staff dynamics (``staff.dynamics: true``): posts from the budget, then the processes."""
    wf = Workforce(ctx)
    wf.start()
    return wf
