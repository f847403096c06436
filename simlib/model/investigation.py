"""Investigations (utredningar): the balans queue, processor-shared work, decisions.

The 4-month clock starts at the decision to open, so time in the balans queue
counts. Elapsed time is built from the work itself: a case is decided when its
caseworker's hours (shared among their cases) have done its work *and* the
waits on others it needs (answers from school, police, health care; meetings:
``investigation.external_wait_days``, from its first assignment) are over.
Until then it keeps its share of the caseworker's hours, so a caseworker with
few cases gives each more contact, one with many finishes each later and
thinner: a case given to a caseworker already above the sustainable caseload
gets only (sustainable / caseload)^``quality.thinning_elasticity`` of its work
done before the decision (corners cut under pressure). With ``rush_at_deadline`` a case still in work at the deadline is
closed then with the work it has ("rushed").

Quality (0-1, ``investigation.quality``): the hours the case got against its
need x ``full_contact_ratio``, thinner for a complex case a novice did alone,
and lower when the caseload while it ran was above the sustainable one. The
chance the child is heard is ``max_share x quality^rushed_elasticity``. The
quality is kept on the case (``Case.quality``) and its record, for the stages
that follow (re-referrals, placement breakdowns).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from simlib.model.caseworker import INF, Caseworker, Job
from simlib.model.context import SimContext
from simlib.model.records import InvestigationJoined
from simlib.model.referrals import Referral
from simlib.model.schedule import call_in

if TYPE_CHECKING:
    from simlib.scenario.schema import Investigation

OUTCOMES = ("none", "in_home", "placement")


class DecisionRule(NamedTuple):
    """The settings ``decide`` reads, taken from the scenario once a run (the investigation
    team's ``decision``): a scenario attribute costs ~430 instructions a read, and a
    decision read twelve."""

    full_contact_ratio: float
    novice_alone_complex_factor: float
    sustainable_caseload: float
    overload_elasticity: float
    max_share: float
    rushed_elasticity: float
    outcome_shares: tuple[float, float, float]  # none, in_home, placement

    @classmethod
    def of(cls, cfg: Investigation) -> DecisionRule:
        q, heard, o = cfg.quality, cfg.child_heard, cfg.outcome
        return cls(q.full_contact_ratio, q.novice_alone_complex_factor, heard.sustainable_caseload,
                   heard.overload_elasticity, heard.max_share, heard.rushed_elasticity,
                   (o.none, o.in_home, o.placement))


class Case:
    """Payload of an investigation job."""

    __slots__ = (
        "assigned",
        "changes",
        "complex",
        "decided",
        "job",
        "novice_alone",
        "opened",
        "outcome",
        "quality",
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
        self.quality = float("nan")  # set at the decision
        self.novice_alone = False  # a complex case ever held by an unmentored novice

    def on_assign(self, worker: Caseworker) -> None:
        env = worker.env
        if self.assigned < 0:
            self.assigned = env._now
            self._thin(worker)
            wait = self.referral.external_wait_days
            job = self.job
            if wait > 0.0 and job is not None:  # the requests go out when work starts
                job.ready_at = env.now + wait
                call_in(env, wait, self._answers_in)
        if self.complex and not worker.attrs.get("mentored", False):
            team = worker.team
            if team is not None and env.now - worker.hired_at < team.novice_days:
                self.novice_alone = True
        self.worker = worker

    def _thin(self, worker: Caseworker) -> None:
        """Under overload a new case gets less than its work: the decision comes on thinner grounds."""
        job, team = self.job, worker.team
        if job is None or team is None or team.thinning <= 0.0:
            return
        load = len(worker.jobs) + 1  # with this case
        if load > team.sustainable:
            job.work *= (team.sustainable / load) ** team.thinning

    def _answers_in(self) -> None:
        """The waits on others are over: decide now if the work is done, else when it is."""
        job = self.job
        if job is None or self.decided >= 0:
            return
        job.ready_at = -INF
        worker = job.worker
        if worker is not None and job.mark == INF:
            worker.finish(job)

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
    return open_new_investigation(ctx, referral)


def open_new_investigation(ctx: SimContext, referral: Referral) -> Case:
    """``open_investigation`` for a child known to have no open investigation (the caller asked)."""
    env = ctx.env
    case = Case(referral, env._now)
    if ctx.urgent_children and referral.child in ctx.urgent_children:
        # placed at once (LVU 6 §): the court must confirm within a week and care be applied
        # for within four (LVU 7-8 §§), so the investigation never waits in the balans
        ctx.urgent_children.discard(referral.child)
        case.urgent = True
    job = Job(referral.investigation_hours, lambda j: decide(ctx, case, rushed=False), case)
    case.job = job
    ctx.open_cases[referral.child] = case
    inv = ctx.scenario.investigation
    if inv.rush_at_deadline:
        env.timeout(inv.deadline_days).callbacks.append(lambda _ev: _rush(ctx, case))
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
    rule: DecisionRule = ctx.teams["investigation"].decision
    job = case.job
    assert job is not None
    now = ctx.env._now
    case.decided = now
    ctx.open_cases.pop(case.referral.child, None)
    done = job.contact_hours()
    need = case.referral.investigation_hours  # the case's need, not what an overloaded worker had time for
    in_work = now - job.started if job.started >= 0 else 0.0
    load = job.load_area / in_work if in_work > 0 else 1.0
    if need > 0:
        quality = done / (need * rule.full_contact_ratio)
        if not quality < 1.0:  # min(1.0, quality) without the builtin call
            quality = 1.0
    else:
        quality = 1.0
    if case.novice_alone:
        quality *= rule.novice_alone_complex_factor
    if load > rule.sustainable_caseload:
        quality *= (rule.sustainable_caseload / load) ** rule.overload_elasticity
    case.quality = quality
    heard = case.referral.heard_u < rule.max_share * quality**rule.rushed_elasticity
    case.outcome = _outcome(case.referral.outcome_u, rule.outcome_shares)
    ref = case.referral
    # an InvestigationRecord: its values in field order (Columns.add keeps them without building it)
    ctx.recorder.investigations.add(
        ref.arrived, case.opened, case.assigned, now, case.urgent, case.complex, need, done, load,
        heard, rushed, case.outcome, case.changes, ref.child, quality, case.novice_alone,
    )
    for handler in ctx.decision_handlers:
        handler(case)
    case.job = None  # decided: the job goes, so no Case <-> Job cycle is left for the garbage collector
