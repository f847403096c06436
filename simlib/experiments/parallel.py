"""Run independent replications here, on a local process pool, or on dask.distributed.

Why a module of its own: replications are embarrassingly parallel and their
seeds are data (base seed, replication index), so *where* a task runs cannot
change its result. This module only moves tasks and results: it sends chunks of
tasks to workers (fewer, larger messages keep the per-task overhead low), hands
each result to the caller as it arrives (to write a store, or to draw a
progress bar) and returns the results in task order, so that ``jobs=1``,
``jobs=N`` and Dask give the same frames bit for bit.
"""

from __future__ import annotations

import gc
import math
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from simlib.experiments import progress as prog

if TYPE_CHECKING:  # a pool's modules are imported when a pool starts: jobs=1 never needs them
    import multiprocessing.context
    from concurrent.futures import ProcessPoolExecutor

T = TypeVar("T")
R = TypeVar("R")

# Chunks per worker: enough to balance uneven replications, few enough that a
# chunk runs for a while (pickling a scenario and a result costs milliseconds).
CHUNKS_PER_WORKER = 4
# ...but no bigger than this: results arrive (and a sweep's cells are written) a
# chunk at a time, so a killed run loses at most a few replications per worker.
MAX_CHUNK = 4


def chunked(n: int, jobs: int, chunk_size: int | None = None) -> list[range]:
    """Split task indices 0..n-1 into contiguous chunks for ``jobs`` workers."""
    if n <= 0:
        return []
    size = chunk_size or min(MAX_CHUNK, max(1, math.ceil(n / (max(jobs, 1) * CHUNKS_PER_WORKER))))
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


# Modules a fork server imports once, so each worker it starts is warm.
PRELOAD = ["simlib.experiments.replications"]


def pool_context() -> multiprocessing.context.BaseContext:
    """How to start pool workers: fork when safe, else a preloaded fork server.

    Forking is quickest (workers inherit the imported model) and needs no
    ``if __name__ == "__main__"`` guard in a user's script, but forking a
    process with other threads (pytest-xdist, Jupyter, a Dask client) can hand
    the child a lock that is held forever. Then a fork server, which imports the
    model once, starts the workers instead.
    """
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


def _worker_init(slots: Any = None, counter: Any = None) -> None:
    """Pool worker initializer: leave Ctrl-C to the parent, and die with it (on Linux);
    report the progress of a running replication into a slot of ``slots``.

    The parent stops the pool on Ctrl-C; workers that also caught it would print
    tracebacks. Without the death signal a sweep killed with SIGKILL would leave
    its workers computing a chunk that nobody will collect.
    """
    if slots is not None:
        prog.install_slots(slots, counter)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers now (used on Ctrl-C and errors)."""
    processes = list(getattr(pool, "_processes", {}).values())  # no public handle on the workers
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()


def _run_chunk(fn: Callable[[T], R], items: list[T]) -> list[R]:
    """Worker side: run one chunk of tasks in order (the slot counts the finished ones
    plus the running one's fraction, and is cleared when the chunk goes back)."""
    out = []
    for done, item in enumerate(items):
        prog.report_base(done)
        out.append(fn(item))
    prog.clear_slot()
    return out


def execute(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    jobs: int = 1,
    dask: str | None = None,
    progress: bool | None = None,
    desc: str = "replications",
    on_result: Callable[[int, R], None] | None = None,
    chunk_size: int | None = None,
) -> list[R]:
    """Apply ``fn`` to every task and return the results in task order.

    ``fn`` must be a module-level function (it is pickled to the workers).
    ``jobs`` > 1 uses a local process pool; ``dask`` is a scheduler address or
    ``"local"`` (a LocalCluster of ``jobs`` worker processes, at least 2).
    ``on_result(index, result)`` runs in this process as each result arrives.
    ``progress``: a bar or log lines (``simlib.experiments.progress``); None shows it
    in notebooks only.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    results: list[Any] = [None] * len(tasks)
    bar: Any = None

    def deliver(chunk: range, values: list[R]) -> None:
        for i, value in zip(chunk, values, strict=True):
            results[i] = value
            if on_result is not None:
                on_result(i, value)
        bar.update(len(chunk))

    def start_bar() -> None:
        nonlocal bar
        bar = prog.display(len(tasks), desc, progress)

    try:
        if dask is not None:
            _execute_dask(fn, tasks, jobs, dask, deliver, chunk_size, start_bar)
        elif jobs == 1 or len(tasks) <= 1:
            start_bar()
            with prog.local_reports(bar):
                for i, task in enumerate(tasks):
                    deliver(range(i, i + 1), [fn(task)])
        else:
            from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

            chunks = chunked(len(tasks), jobs, chunk_size)
            workers = min(jobs, len(chunks))
            context = pool_context()
            slots, counter = context.Array("d", workers, lock=False), context.Value("i", 0)
            pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init,
                                       initargs=(slots, counter))
            try:
                # Forked workers share the parent's objects copy-on-write; without
                # freeze() their garbage collector touches (and so copies) every page
                # of them, which cost ~20% more CPU per replication in measurements.
                gc.freeze()
                try:
                    futures = {pool.submit(_run_chunk, fn, [tasks[i] for i in c]): c for c in chunks}
                finally:
                    gc.unfreeze()
                start_bar()  # after the workers started: the bar's monitor thread must not be forked
                pending = set(futures)
                while pending:
                    finished, pending = wait(pending, timeout=prog.POLL_S, return_when=FIRST_COMPLETED)
                    for future in finished:
                        deliver(futures[future], future.result())
                    bar.running(sum(slots))
            except BaseException:
                _stop_pool(pool)
                raise
            pool.shutdown()
    finally:
        if bar is not None:
            bar.close()
    return results


@contextmanager
def dask_client(address: str, jobs: int = 2) -> Iterator[Any]:
    """A dask.distributed Client: to a scheduler address, or to a fresh LocalCluster of processes."""
    from distributed import Client, LocalCluster

    if address == "local":
        with LocalCluster(
            n_workers=max(jobs, 2), threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster, Client(cluster) as client:
            yield client
    else:
        try:
            client = Client(address, timeout=f"{DASK_CONNECT_SECONDS}s")
        except (OSError, TimeoutError) as exc:
            raise DaskUnavailable(
                f"--dask: no scheduler answered at {address} within {DASK_CONNECT_SECONDS} s ({type(exc).__name__}); "
                "start one (dask scheduler) or use --dask local"
            ) from None
        with client:
            yield client


DASK_CONNECT_SECONDS = 10


class DaskUnavailable(ValueError):
    """No dask scheduler at the address given: an environment problem, named in one line."""

    def lines(self) -> list[str]:
        return [str(self)]


def _execute_dask(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    jobs: int,
    address: str,
    deliver: Callable[[range, list[R]], None],
    chunk_size: int | None,
    start_bar: Callable[[], None],
) -> None:
    from distributed import as_completed as dask_completed

    with dask_client(address, jobs) as client:
        workers = max(len(client.scheduler_info().get("workers", {})), 1)
        chunks = chunked(len(tasks), workers, chunk_size)
        futures = {}
        for c in chunks:
            # pure=False: a chunk is never deduplicated against another run's
            future = client.submit(_run_chunk, fn, [tasks[i] for i in c], pure=False)
            futures[future.key] = (future, c)
        start_bar()
        for future in dask_completed([f for f, _ in futures.values()]):
            deliver(futures[future.key][1], future.result())


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
