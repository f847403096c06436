"""The places a municipality has: its own foster homes (familjehem) and emergency places (jourhem).

One child per home. Homes are recruited as a Poisson process whose rate
responds to need within limits: ``recruited_per_year`` plus
``recruited_per_waiting_child`` for each child on the waiting list, at most
``max_recruited_per_year`` (the system draws candidates at the maximum rate and
keeps each with probability rate now / maximum: thinning, exact for a rate that
changes only at events). Each home stops at a constant hazard
(``leave_per_year / initial``), and a home whose placement broke down stops at
once with probability ``leave_after_breakdown``; a stopping home is drawn
uniformly among all homes, so a home with a child in it can stop too, and the
child must move. A child who finds no free home goes to an emergency place and
joins a FIFO waiting list; a home that frees up is reserved for the first child
on it, who moves after ``emergency_move_delay_days`` (with ``null`` there is no
planned move: the pool is then a loss system, Erlang B). Emergency places are
finite: ``emergency.places`` own jourhem places, and bought ones beyond them.
The pool only keeps the books (and a log of its size, for the occupancy KPI);
what happens to children is decided by ``placements.PlacementSystem``.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any
import contextlib

if TYPE_CHECKING:
    from simlib.model.context import SimContext


class FosterHomePool:
    """Homes and who is in (or promised) each one."""

    def __init__(self, ctx: SimContext, initial: int, jour_places: int) -> None:
        self.ctx = ctx
        self.jour_places = jour_places
        self.jour_used = 0  # own emergency places in use
        self.sizes: list[tuple[float, int]] = []  # (time, homes) at every change: occupancy KPI
        self.homes: list[int] = []  # every existing home
        self.index: dict[int, int] = {}  # home -> position in ``homes`` (O(1) removal)
        self.holder: dict[int, Any] = {}  # home -> child living in it or holding a reservation
        self.free: list[int] = []  # homes with nobody in or promised (LIFO: order is immaterial)
        self.waiting: deque[Any] = deque()  # children in emergency places without a reservation
        self.next_id = 0
        for _ in range(initial):
            self.free.append(self._new_home())
        self.sizes.append((ctx.env.now, initial))

    # --- books --------------------------------------------------------------
    def _new_home(self) -> int:
        home = self.next_id
        self.next_id += 1
        self.index[home] = len(self.homes)
        self.homes.append(home)
        if self.sizes:
            self.sizes.append((self.ctx.env.now, len(self.homes)))
        return home

    def _drop_home(self, home: int) -> None:
        i = self.index.pop(home)
        last = self.homes.pop()
        if last != home:
            self.homes[i] = last
            self.index[last] = i
        self.holder.pop(home, None)
        self.sizes.append((self.ctx.env.now, len(self.homes)))

    def retire(self, home: int) -> None:
        """A home stops at once (after its placement broke down); its child has left it."""
        self.holder.pop(home, None)
        self._drop_home(home)

    # --- emergency places ------------------------------------------------------
    def take_jour(self) -> str:
        """An emergency place now: an own jourhem place if one is free, else a bought one."""
        if self.jour_used < self.jour_places:
            self.jour_used += 1
            return "jourhem"
        return "jourhem_purchased"

    def release_jour(self, kind: str) -> None:
        if kind == "jourhem":
            self.jour_used -= 1

    @property
    def n_homes(self) -> int:
        return len(self.homes)

    @property
    def n_free(self) -> int:
        return len(self.free)

    def take_free(self, child: Any) -> int | None:
        """A free home for ``child`` now, or None (the child needs an emergency place)."""
        if not self.free:
            return None
        home = self.free.pop()
        self.holder[home] = child
        return home

    def hold(self, home: int, child: Any) -> None:
        """Record that ``child`` lives in (or is promised) ``home``."""
        self.holder[home] = child

    def make_free(self, home: int) -> None:
        self.holder.pop(home, None)
        self.free.append(home)

    def wait(self, child: Any, front: bool = False) -> None:
        (self.waiting.appendleft if front else self.waiting.append)(child)

    def unwait(self, child: Any) -> None:
        with contextlib.suppress(ValueError):
            self.waiting.remove(child)

    def next_waiting(self, exclude: Any = None) -> Any:
        """Pop the first waiting child other than ``exclude`` (None if nobody)."""
        for i, child in enumerate(self.waiting):
            if child is not exclude:
                del self.waiting[i]
                return child
        return None

    # --- arrivals and exits of homes ---------------------------------------
    def recruit(self) -> int:
        """A new home joins (not yet free: the caller offers it)."""
        return self._new_home()

    def pick_leaving(self, u: float) -> tuple[int, Any] | None:
        """The home that stops, drawn uniformly with ``u`` in [0, 1); and who held it."""
        if not self.homes:
            return None
        home = self.homes[min(int(u * len(self.homes)), len(self.homes) - 1)]
        holder = self.holder.get(home)
        if holder is None:
            self.free.remove(home)
        self._drop_home(home)
        return home, holder

    def check(self) -> None:
        """Invariants (used by tests): every home is free or held, never both."""
        free = set(self.free)
        assert len(free) == len(self.free), "a home is listed free twice"
        assert free.isdisjoint(self.holder), "a free home has a holder"
        assert free | set(self.holder) == set(self.homes), "a home is neither free nor held"
        assert len(self.homes) == len(self.index)
        assert 0 <= self.jour_used <= self.jour_places
