"""Screening (förhandsbedömning): intake work plus waiting for information.

A screening is done when both the intake caseworker's hours are worked
(processor-shared across the intake team, least-loaded first) and the
information from others has arrived. Urgent referrals get an immediate
protection assessment and do not wait for information. The 14-day limit is
counted from the referral.
"""

from __future__ import annotations

from collections.abc import Callable

from simlib.model.caseworker import Job
from simlib.model.context import SimContext
from simlib.model.referrals import Referral


class Screening:
    """Payload of an intake job; counts the two things a decision waits for."""

    __slots__ = ("complex", "pending", "referral", "urgent")

    def __init__(self, referral: Referral) -> None:
        self.referral = referral
        self.pending = 2
        self.urgent = referral.urgent
        self.complex = False


def start_screening(ctx: SimContext, referral: Referral, on_decided: Callable[[Referral], None]) -> None:
    """Put a referral to the intake team; call ``on_decided`` when screening is done."""
    payload = Screening(referral)
    team = ctx.teams["intake"]
    env = ctx.env

    def part_done(_: object = None) -> None:
        payload.pending -= 1
        if payload.pending == 0:
            ctx.open_screenings.pop(id(referral), None)
            # a ReferralRecord in field order: arrived, child, age, urgent, screened, opened, joined
            ctx.recorder.referrals.add(
                referral.arrived, referral.child, referral.age, referral.urgent, env.now, referral.opens, False,
            )
            on_decided(referral)

    ctx.open_screenings[id(referral)] = referral
    info_days = 0.0 if referral.urgent else referral.screening_info_days
    env.timeout(info_days).callbacks.append(part_done)
    team.submit(Job(referral.screening_hours, part_done, payload), urgent=referral.urgent)
