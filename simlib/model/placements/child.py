"""One care episode of one child: where it lives, its moves, visits and breakdown clock.

Place kinds: ``jourhem`` (an own emergency place), ``jourhem_purchased`` (a
bought one, when the own are full), ``familjehem`` (an own foster home from the
pool), ``konsulent`` (a consultant-supported foster home), ``natverkshem``
(kinship) and ``hvb`` (residential care).

The placement team holds each child in care as one open-ended job whose payload
is the ``Child``; the team calls ``on_assign`` and ``on_caseworker_change``, and
the change is passed on through the ``on_change`` callback of the system.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simlib.model.caseworker import INF, Caseworker, Job
from simlib.model.schedule import Call
from simlib.model.units import YEAR

TEEN_AGE = 13.0  # MODEL.md 3.4: the teenager factor applies from age 13
EMERGENCY_KINDS = ("jourhem", "jourhem_purchased")  # own emergency places, and bought ones
# every place a child can live in: the emergency places and the placement types
PLACE_KINDS = (*EMERGENCY_KINDS, "familjehem", "konsulent", "natverkshem", "hvb")


class Child:
    """One care episode of one child (a child re-entering care starts a new one)."""

    __slots__ = (
        "active",
        "age_entry",
        "bd_left",
        "bd_marks",
        "bd_since",
        "bd_call",
        "bd_rng",
        "bd_stops",
        "outside_u",
        "return_draws",
        "visit_hours",
        "visit_rng",
        "breakdowns",
        "change_until",
        "changes",
        "cid",
        "end_at",
        "end_reason",
        "entered",
        "episode",
        "home",
        "job",
        "missed",
        "moves",
        "place",
        "rate",
        "reserved",
        "spell_start",
        "spells",
        "on_change",
        "pending",
        "planned",
        "teen",
        "thin",
        "last_visit",
        "outside",
        "visit_due",
        "visit_mark",
        "visit_seq",
        "visits_done",
        "visits_required",
        "wait_token",
        "waiting",
        "workers",
    )
    urgent = False  # read by Team.submit / reassign
    complex = False  # read by the graduate rule

    def __init__(
        self, on_change: Callable[[Child], None], cid: int, episode: int, now: float, age: float
    ) -> None:
        self.on_change = on_change  # the system's response to a caseworker change
        self.cid = cid
        self.episode = episode
        self.entered = now
        self.age_entry = age
        self.end_at = INF
        self.end_reason = ""
        self.active = True
        self.place = ""  # the place kind now (PLACE_KINDS)
        self.planned = ""  # the placement type decided for the child (a PlacementTypes field)
        self.pending = False  # placed at once (acute path), the investigation has not decided yet
        self.home: int | None = None  # the own foster home, when place == "familjehem"
        self.reserved: int | None = None  # home promised after an emergency placement
        self.waiting = False  # on the pool's waiting list
        self.wait_token = 0  # which wait a purchase timer belongs to
        self.spell_start = now
        self.spells = 0
        self.moves = 0
        self.breakdowns = 0
        self.changes = 0
        self.workers: set[int] = set()
        self.job: Job | None = None
        self.change_until = -INF  # a caseworker change counts as recent until then
        self.missed = False  # the last required visit was missed
        self.teen = age >= TEEN_AGE
        self.thin = 1.0  # breakdown factor from the deciding investigation's quality (1: none known)
        self.rate = 0.0  # breakdown hazard per day now
        self.bd_call: Call | None = None  # the pending breakdown
        self.bd_left = 0.0  # unit-exponential mass left before the next breakdown
        self.bd_since = now  # when bd_left was last brought up to date
        self.bd_marks: list[float] = []  # unit-exponential draws for this episode's breakdowns
        self.bd_rng: Any = None  # the child's breakdown stream, made at the first need
        self.visit_rng: Any = None  # the child's visit stream, made at the first visit
        self.bd_stops: list[float] = []  # uniforms: does the home stop after a breakdown?
        self.visit_hours: list[float] = []  # hours of the next visits
        self.outside_u: list[float] = []  # uniforms: is the next placement outside the municipality?
        self.return_draws = (1.0, 0.0)  # (uniform, months): does the child return after going home, when
        self.visits_required = 0
        self.visits_done = 0
        self.last_visit = now  # when the last visit was made (entry before the first)
        self.visit_mark = (0.0, 0.0)  # (working time, hours given) at the last visit
        self.visit_due: tuple | None = None  # (due, plan number, times pushed back[, hours needed])
        self.visit_seq = 0
        self.outside = False  # the placement is outside the municipality (travel time per visit)

    def age(self, now: float) -> float:
        return self.age_entry + (now - self.entered) / YEAR

    # --- the placement team calls these (Team._assign, Team.reassign) ---------
    def on_assign(self, worker: Caseworker) -> None:
        self.workers.add(worker.wid)

    def on_caseworker_change(self) -> None:
        self.on_change(self)
