"""The foster-home pool (familjehem): free homes, reservations, emergency waiting list.

One child per home. Homes are recruited as a Poisson process
(``foster_homes.recruited_per_year``) and each home stops at a constant hazard
(``leave_per_year / initial``), so the pool reverts to a level instead of
drifting; a stopping home is drawn uniformly among all homes, so a home with a
child in it can stop too, and the child must move. A child who finds no free home goes to an
emergency place (jourhem / HVB, outside the pool, never full) and joins a FIFO
waiting list; a home that frees up is reserved for the first child on it, who
moves after ``emergency_move_delay_days`` (with ``null`` there is no planned
move: the pool is then a loss system, Erlang B). The pool only keeps the books;
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

    def __init__(self, ctx: SimContext, initial: int) -> None:
        self.ctx = ctx
        self.homes: list[int] = []  # every existing home
        self.index: dict[int, int] = {}  # home -> position in ``homes`` (O(1) removal)
        self.holder: dict[int, Any] = {}  # home -> child living in it or holding a reservation
        self.free: list[int] = []  # homes with nobody in or promised (LIFO: order is immaterial)
        self.waiting: deque[Any] = deque()  # children in emergency places without a reservation
        self.next_id = 0
        for _ in range(initial):
            self.free.append(self._new_home())

    # --- books --------------------------------------------------------------
    def _new_home(self) -> int:
        home = self.next_id
        self.next_id += 1
        self.index[home] = len(self.homes)
        self.homes.append(home)
        return home

    def _drop_home(self, home: int) -> None:
        i = self.index.pop(home)
        last = self.homes.pop()
        if last != home:
            self.homes[i] = last
            self.index[last] = i
        self.holder.pop(home, None)

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
