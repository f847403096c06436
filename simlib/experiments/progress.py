"""Progress of a batch of replications, and of each replication while it runs.

Where it shows:
- a terminal: a tqdm bar with ETA on stderr;
- a notebook (an IPython kernel): tqdm's notebook bar;
- anything else (stderr to a log file, a CI job, ``make demo | tee``): one line per
  step on stderr, ``simlib: replications 3/30 (10%), 0:12 elapsed, about 1:48 left``,
  and while a long replication runs, a line at most every ``LINE_EVERY_S`` seconds.

``progress=None`` means "in a notebook only" (the library's default); the CLI
passes ``True`` unless ``--quiet``.

Inside a replication the model calls ``report(fraction)`` each simulated week
(``simulate(on_progress=...)``). In a pool worker that writes the fraction into the
worker's slot of a shared array (``install_slots`` in the worker initializer); the
parent adds the slots of running tasks to the finished ones. In this process
(``jobs=1``) it goes straight to the display. On Dask, progress counts whole chunks.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

LINE_EVERY_S = 10.0
POLL_S = 0.5  # how often the parent of a pool looks at the workers' slots

# Set per process: a pool worker's slot in the shared array, or this process's display.
_slot: tuple[Any, int] | None = None
_local: Callable[[float], None] | None = None


def in_notebook() -> bool:
    """True inside an IPython kernel (Jupyter, nbconvert, Voila)."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    ip = shell.get_ipython()  # type: ignore[attr-defined]
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


_base = 0  # tasks of the worker's current chunk already finished


def report(fraction: float) -> None:
    """The running replication is ``fraction`` done (called by the model each simulated week)."""
    if _slot is not None:
        array, index = _slot
        array[index] = _base + fraction
    elif _local is not None:
        _local(fraction)


def report_base(finished: int) -> None:
    """A worker starts the next task of its chunk, ``finished`` of them done."""
    global _base
    _base = finished
    if _slot is not None:
        _slot[0][_slot[1]] = float(finished)


def install_slots(array: Any, counter: Any) -> None:
    """Pool worker initializer part: take the next free slot of the shared array."""
    global _slot
    with counter.get_lock():
        index = counter.value
        counter.value += 1
    _slot = (array, index % len(array))


def clear_slot() -> None:
    """A worker finished its chunk: its slot no longer counts (the parent has the results)."""
    global _base
    _base = 0
    if _slot is not None:
        _slot[0][_slot[1]] = 0.0


@contextmanager
def local_reports(display: Display) -> Iterator[None]:
    """Route ``report`` in this process to ``display`` (replications run here, jobs=1)."""
    global _local
    before = _local
    _local = display.running
    try:
        yield
    finally:
        _local = before


def _clock(seconds: float) -> str:
    minutes, s = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{s:02d}" if hours else f"{minutes}:{s:02d}"


class Display:
    """Finished steps plus the fraction of the running ones; subclasses draw it."""

    def __init__(self, total: int, desc: str) -> None:
        self.total, self.desc = total, desc
        self.done = 0
        self.partial = 0.0
        self.started = time.monotonic()

    def update(self, n: int) -> None:
        """``n`` more steps finished (their partial progress is over)."""
        self.done += n
        self.partial = 0.0
        self.draw(step=True)

    def running(self, partial: float) -> None:
        """The steps under way are ``partial`` steps done between them."""
        if partial > self.partial:
            self.partial = partial
            self.draw(step=False)

    @property
    def position(self) -> float:
        return min(float(self.total), self.done + self.partial)

    def draw(self, step: bool) -> None:
        pass

    def close(self) -> None:
        pass


class LogLines(Display):
    """One line per finished step on stderr (logs are not terminals), and a line at most
    every LINE_EVERY_S seconds while a long step runs."""

    def __init__(self, total: int, desc: str, stream: Any = None) -> None:
        super().__init__(total, desc)
        self.stream = stream
        self.last_line = time.monotonic()

    def draw(self, step: bool) -> None:
        now = time.monotonic()
        if not step and now - self.last_line < LINE_EVERY_S:
            return
        self.last_line = now
        pos, elapsed = self.position, now - self.started
        shown = f"{self.done}" if not self.partial else f"{pos:.1f}"
        line = f"simlib: {self.desc} {shown}/{self.total} ({pos / max(self.total, 1):.0%}), {_clock(elapsed)} elapsed"
        if 0 < pos < self.total:
            line += f", about {_clock(elapsed * (self.total - pos) / pos)} left"
        stream = self.stream or sys.stderr
        print(line, file=stream, flush=True)


class Bar(Display):
    """A tqdm bar (terminal or notebook) that shows partial steps as fractions."""

    def __init__(self, total: int, desc: str, notebook: bool) -> None:
        super().__init__(total, desc)
        if notebook:
            from tqdm.notebook import tqdm
        else:
            from tqdm import tqdm

        class NoMonitor(tqdm):  # type: ignore[misc, type-arg, valid-type]
            monitor_interval = 0  # no monitor thread: this process must stay single-threaded to fork workers

        fmt = "{l_bar}{bar}| {n:.1f}/{total_fmt} rep [{elapsed}<{remaining}]"
        self.bar = NoMonitor(total=total, desc=desc, unit="rep", file=None if notebook else sys.stderr,
                        dynamic_ncols=True, bar_format=fmt)

    def draw(self, step: bool) -> None:
        self.bar.n = self.position
        self.bar.refresh() if step else self.bar.update(0)

    def close(self) -> None:
        self.bar.n = self.position
        self.bar.close()


def display(total: int, desc: str, enabled: bool | None) -> Display:
    """The progress display for ``total`` steps: off, a bar, a notebook bar or log lines."""
    if enabled is None:
        enabled = in_notebook()
    if not enabled:
        return Display(total, desc)
    if in_notebook():
        return Bar(total, desc, notebook=True)
    if sys.stderr is not None and sys.stderr.isatty():
        return Bar(total, desc, notebook=False)
    return LogLines(total, desc)
