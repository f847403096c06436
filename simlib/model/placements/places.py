"""Where a child in care lives: spells, the move into the decided type, emergency places, the pool.

A placement need (entry, re-placement after a breakdown or a home that stops)
is met by the type decided for the child (``Child.planned``):

- ``konsulent``, ``natverkshem``, ``hvb``: bought or found for the child, never
  short (the municipality pays what they cost, ``placements.types``);
- ``familjehem``: an own foster home from the pool if one is free; otherwise an
  emergency place (an own jourhem place, or a bought one when those are full),
  the waiting list for the next free home (a planned move after
  ``emergency_move_delay_days``), and, after ``purchase_after_days`` still
  waiting, a consultant-supported home instead (a planned move).

Every spell after an episode's first is a move. ``Places`` keeps the books of
places and calls back ``on_moved(child)`` after a move (the breakdown hazard
depends on the place); the pool's Poisson processes (recruitment that responds
to the waiting list, homes that stop) run here too, on the pool's own stream.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from simlib.model.placements.child import EMERGENCY_KINDS, Child
from simlib.model.placements.pool import FosterHomePool
from simlib.model.records import PlacementNeed, PlacementSpell
from simlib.model.schedule import Call, call_in
from simlib.model.units import YEAR

if TYPE_CHECKING:
    from simlib.model.context import SimContext


class Places:
    """Spells, emergency places, the waiting list and the foster-home pool's processes."""

    def __init__(
        self, ctx: SimContext, after: Callable[..., None], on_moved: Callable[[Child], None]
    ) -> None:
        self.env = ctx.env
        self.cfg = ctx.scenario.placements
        self.after = after
        self.on_moved = on_moved  # a child moved (the hazard's place factor may change)
        self.log = ctx.recorder.log
        self.rng_homes = ctx.streams["foster_homes"]
        homes = self.cfg.foster_homes
        self.pool = FosterHomePool(ctx, homes.initial, self.cfg.emergency.places)
        self.exit_hazard = homes.leave_per_year / homes.initial / YEAR if homes.leave_per_year > 0 else 0.0
        self.exit_call: Call | None = None  # the next home to stop
        self.n_emergency = 0

    # --- spells -----------------------------------------------------------------------
    def start_spell(self, child: Child, place: str, home: int | None = None) -> None:
        if place in EMERGENCY_KINDS:
            self.n_emergency += 1
        child.place = place
        child.home = home
        child.spell_start = self.env.now
        child.spells += 1
        if child.spells > 1:
            child.moves += 1

    def end_spell(self, child: Child, reason: str) -> None:
        """Log the spell that ends now and give back its emergency place (not the home)."""
        if child.place in EMERGENCY_KINDS:
            self.n_emergency -= 1
            self.pool.release_jour(child.place)
        self.log(PlacementSpell(child=child.cid, episode=child.episode, placement=child.spells,
                                start=child.spell_start, end=self.env.now, place=child.place,
                                home=child.home, end_reason=reason))

    # --- needs ------------------------------------------------------------------------------
    def need(self, child: Child, why: str) -> None:
        """The child needs a (new) place of its decided type now."""
        kind = child.planned
        if kind != "familjehem":
            self.log(PlacementNeed(time=self.env.now, child=child.cid, emergency=False, why=why, kind=kind))
            self.start_spell(child, kind)
            return
        home = self.pool.take_free(child)
        self.log(PlacementNeed(time=self.env.now, child=child.cid, emergency=home is None, why=why, kind=kind))
        if home is not None:
            self._unwait(child)
            self.start_spell(child, "familjehem", home)
            return
        self.start_spell(child, self.pool.take_jour())
        self._wait(child)

    def acute(self, child: Child, why: str = "acute") -> None:
        """An immediate protection placement (or a re-placement before the decision): an emergency place."""
        self.log(PlacementNeed(time=self.env.now, child=child.cid, emergency=True, why=why, kind="acute"))
        self.start_spell(child, self.pool.take_jour())

    def settle_decided(self, child: Child) -> None:
        """The investigation decided to continue an acute placement: move to the decided type.

        A child decided for an own foster home stays in its emergency place when
        none is free, and waits for one like any other child.
        """
        if child.planned == "familjehem" and not self.pool.n_free:
            self.log(PlacementNeed(time=self.env.now, child=child.cid, emergency=True, why="acute_decided",
                                   kind="familjehem"))
            self._wait(child)
            return
        self.end_spell(child, "planned_move")
        self.need(child, "acute_decided")
        self.on_moved(child)

    def _wait(self, child: Child) -> None:
        """Wait in an emergency place for an own home (unless already waiting or promised one)."""
        if child.waiting or child.reserved is not None:
            return  # its wait (and purchase clock) goes on
        if self.cfg.emergency_move_delay_days is not None:
            self.pool.wait(child)
            child.waiting = True
        self._purchase_clock(child)

    def _purchase_clock(self, child: Child) -> None:
        if self.cfg.purchase_after_days is not None:
            child.wait_token += 1
            self.after(self.cfg.purchase_after_days, self._purchase, child, child.wait_token)

    def _unwait(self, child: Child) -> None:
        if child.waiting:
            self.pool.unwait(child)
            child.waiting = False

    def _purchase(self, child: Child, token: int) -> None:
        """Still in an emergency place without a promised home: a consultant-supported home."""
        if not child.active or child.wait_token != token or child.place not in EMERGENCY_KINDS:
            return
        if child.reserved is not None or child.pending:
            return  # a home is promised, or the investigation has not decided yet
        self._unwait(child)
        self.end_spell(child, "planned_move")
        child.planned = "konsulent"
        self.log(PlacementNeed(time=self.env.now, child=child.cid, emergency=False, why="purchase",
                               kind="konsulent"))
        self.start_spell(child, "konsulent")
        self.on_moved(child)

    # --- homes ------------------------------------------------------------------------------
    def home_freed(self, home: int, exclude: Child | None = None) -> None:
        """A home is free: promise it to the first waiting child, or make it free."""
        delay = self.cfg.emergency_move_delay_days
        nxt = self.pool.next_waiting(exclude) if delay is not None else None
        if nxt is None:
            self.pool.make_free(home)
            return
        nxt.waiting = False
        nxt.reserved = home
        self.pool.hold(home, nxt)
        self.after(delay, self._planned_move, nxt, home)

    def _planned_move(self, child: Child, home: int) -> None:
        if not child.active or child.reserved != home:
            return  # left care, broke down into the home already, or the home stopped
        child.reserved = None
        self.end_spell(child, "planned_move")
        self.start_spell(child, "familjehem", home)
        self.on_moved(child)

    def take_reserved(self, child: Child) -> bool:
        """After a breakdown in an emergency place: the promised home takes the child now."""
        if child.reserved is None:
            return False
        home, child.reserved = child.reserved, None
        self.log(PlacementNeed(time=self.env.now, child=child.cid, emergency=False, why="breakdown",
                               kind="familjehem"))
        self.start_spell(child, "familjehem", home)
        return True

    def release(self, child: Child) -> None:
        """Give back the child's home, reservation and waiting-list spot (it leaves care)."""
        if child.place == "familjehem" and child.home is not None:
            self.home_freed(child.home, exclude=child)
        self._unwait(child)
        if child.reserved is not None:
            home, child.reserved = child.reserved, None
            self.home_freed(home, exclude=child)

    def after_breakdown(self, home: int, child: Child, stops: bool) -> None:
        """The home a child broke down in: it stops (``stops``) or is free for the next child."""
        if stops:
            self.pool.retire(home)
            self.redraw_exit()
        else:
            self.home_freed(home, exclude=child)

    # --- the pool's processes -------------------------------------------------------------------
    def start(self) -> None:
        top = self.cfg.foster_homes.max_recruited_per_year
        if top > 0:
            self.after(self.rng_homes.exponential(YEAR / top), self._recruit)
        self.redraw_exit()

    def recruitment_rate(self) -> float:
        """New homes a year now: none while a home is free; else the base plus the response to waiting."""
        if self.pool.n_free:
            return 0.0  # recruitment to need: a free home waits for a child first
        homes = self.cfg.foster_homes
        rate = homes.recruited_per_year + homes.recruited_per_waiting_child * len(self.pool.waiting)
        return min(rate, homes.max_recruited_per_year)

    def _recruit(self) -> None:
        top = self.cfg.foster_homes.max_recruited_per_year
        if self.rng_homes.random() * top < self.recruitment_rate():  # thinning
            self.home_freed(self.pool.recruit())
            self.redraw_exit()
        self.after(self.rng_homes.exponential(YEAR / top), self._recruit)

    def redraw_exit(self) -> None:
        """Next home to stop: hazard per home x homes, redrawn when the count changes."""
        if self.exit_call is not None:
            self.exit_call.cancel()
            self.exit_call = None
        rate = self.exit_hazard * self.pool.n_homes
        if rate > 0.0:
            self.exit_call = call_in(self.env, self.rng_homes.exponential(1.0 / rate), self._home_leaves)

    def _home_leaves(self) -> None:
        self.exit_call = None
        left = self.pool.pick_leaving(self.rng_homes.random())
        self.redraw_exit()
        if left is None or left[1] is None:
            return
        home, child = left
        if child.reserved == home:  # promised, not moved in: back to the head of the list
            child.reserved = None
            child.waiting = True
            self.pool.wait(child, front=True)
            self._purchase_clock(child)
            return
        self.end_spell(child, "home_stopped")
        child.home = None
        child.place = ""
        self.need(child, "home_stopped")
        self.on_moved(child)

    def counts(self) -> dict[str, Any]:
        return {
            "placements_emergency": self.n_emergency,
            "foster_homes": self.pool.n_homes,
            "foster_homes_free": self.pool.n_free,
            "foster_homes_waiting": len(self.pool.waiting),
        }
