"""Investigations (utredningar): the balans queue, processor-shared work, decisions.

The 4-month clock starts at the decision to open, so time in the balans queue
counts. A case is decided when its work is done; with ``rush_at_deadline`` a
case still in work at the deadline is closed then with the work it has
("rushed"). Whether the child was heard depends on the share of the needed work
that was done and on the caseworker's caseload while the case was in work.
"""

from __future__ import annotations

from simlib.model.caseworker import Caseworker, Job
from simlib.model.context import SimContext
from simlib.model.records import InvestigationJoined, InvestigationRecord
from simlib.model.referrals import Referral

OUTCOMES = ("none", "in_home", "placement")


class Case:
    """Payload of an investigation job."""

    __slots__ = (
        "assigned",
        "changes",
        "complex",
        "decided",
        "job",
        "opened",
        "outcome",
        "referral",
        "urgent",
        "worker",
    )

    def __init__(self, referral: Referral, opened: float) -> None:
        self.referral = referral
        self.opened = opened
        self.assigned = -1.0
        self.decided = -1.0
        self.urgent = referral.urgent
        self.complex = referral.complex
        self.changes = 0
        self.job: Job | None = None
        self.worker: Caseworker | None = None
        self.outcome = ""

    def on_assign(self, worker: Caseworker) -> None:
        if self.assigned < 0:
            self.assigned = worker.env.now
        self.worker = worker

    def on_caseworker_change(self) -> None:
        self.changes += 1


def _outcome(u: float, shares: tuple[float, float, float]) -> str:
    if u < shares[0]:
        return "none"
    if u < shares[0] + shares[1]:
        return "in_home"
    return "placement"


def join_open_investigation(ctx: SimContext, referral: Referral, screened: bool) -> Case | None:
    """A new report about a child whose investigation is open is taken into it (SoL 11 kap 1 a §).

    No second, parallel investigation: the open one goes on, and an urgent report
    makes a case still waiting in the balans urgent. Returns the open case, or
    None when the child has none.
    """
    case = ctx.open_cases.get(referral.child)
    if case is None:
        return None
    ctx.recorder.log(InvestigationJoined(time=ctx.env.now, child=referral.child, screened=screened))
    if referral.urgent and not case.urgent:
        case.urgent = True
        team = ctx.teams["investigation"]
        if case.assigned < 0 and case.job is not None and team.dequeue(case.job):
            team.submit(case.job, urgent=True)
    return case


def open_investigation(ctx: SimContext, referral: Referral) -> Case:
    """The decision to open: the case joins the investigation team's queue now.

    A child has one open investigation at most: a report that comes while one is
    open is taken into it (``join_open_investigation``).
    """
    joined = join_open_investigation(ctx, referral, screened=True)
    if joined is not None:
        return joined
    env = ctx.env
    case = Case(referral, env.now)
    job = Job(referral.investigation_hours, lambda j: decide(ctx, case, rushed=False), case)
    case.job = job
    ctx.open_cases[referral.child] = case
    if ctx.scenario.investigation.rush_at_deadline:
        deadline = ctx.scenario.investigation.deadline_days
        env.timeout(deadline).callbacks.append(lambda _ev: _rush(ctx, case))
    ctx.teams["investigation"].submit(job, urgent=case.urgent)
    return case


def _rush(ctx: SimContext, case: Case) -> None:
    """At the deadline, close a case still in work with what has been done."""
    job = case.job
    if case.decided >= 0 or job is None or job.worker is None:
        return
    job.worker.remove(job)
    decide(ctx, case, rushed=True)


def decide(ctx: SimContext, case: Case, rushed: bool) -> None:
    """Record the decision and hand the child to the next stage."""
    cfg = ctx.scenario.investigation
    heard_cfg = cfg.child_heard
    job = case.job
    assert job is not None
    now = ctx.env.now
    case.decided = now
    ctx.open_cases.pop(case.referral.child, None)
    done = job.attained if job.worker is None else job.done_hours()
    need = job.work
    in_work = now - job.started if job.started >= 0 else 0.0
    load = job.load_area / in_work if in_work > 0 else 1.0
    p_heard = heard_cfg.max_share * min(1.0, done / need) ** heard_cfg.rushed_elasticity
    if load > heard_cfg.sustainable_caseload:
        p_heard *= (heard_cfg.sustainable_caseload / load) ** heard_cfg.overload_elasticity
    heard = case.referral.heard_u < p_heard
    o = cfg.outcome
    case.outcome = _outcome(case.referral.outcome_u, (o.none, o.in_home, o.placement))
    ref = case.referral
    ctx.recorder.investigations.append(
        InvestigationRecord(
            referred=ref.arrived,
            opened=case.opened,
            assigned=case.assigned,
            decided=now,
            urgent=case.urgent,
            complex=case.complex,
            hours_needed=need,
            hours_done=done,
            caseload_during=load,
            heard=heard,
            rushed=rushed,
            outcome=case.outcome,
            caseworker_changes=case.changes,
            child=ref.child,
        )
    )
    for handler in ctx.decision_handlers:
        handler(case)
