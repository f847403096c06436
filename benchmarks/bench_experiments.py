"""Benchmark of the experiment engine (a plain timed script, run by ``make bench``).

(a) Parallel speed-up: 20 replications of the baseline with ``--jobs 1`` and
    ``--jobs 2`` (and, for information, Dask on a 2-process LocalCluster,
    cluster start-up included). Target: >= 1.6x for jobs 2 on the 2-core
    reference machine.
(b) Per-replication overhead of the engine (``simlib.experiments.run`` with
    jobs=1: seeding, tidy frames, concatenation, summary) against calling
    ``simlib.model.simulate`` directly for the same replications. Engine and
    direct rounds alternate and each keeps its best time, so background load
    hurts both alike. Target: < 5%.

Targets are printed, not asserted: timing depends on the machine and its load.
Usage: ``python benchmarks/bench_experiments.py [--reps 20] [--overhead-reps 8] [--rounds 3] [--no-dask]``
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time

from simlib.experiments import run
from simlib.experiments.replications import resolve
from simlib.model import simulate

SEED = 2024


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn) -> float:
    """Wall time of fn(); its CPU time (this process and finished children) goes to ``timed.cpu``.

    Each measurement starts from a collected heap, so one side is not charged for
    the garbage the other left behind (that alone moved the overhead by ~5 points).
    """
    gc.collect()
    cpu, start = _cpu(), time.perf_counter()
    fn()
    timed.cpu = _cpu() - cpu  # type: ignore[attr-defined]
    return time.perf_counter() - start


def speedup(reps: int, dask: bool) -> dict[str, float]:
    sc = resolve("baseline")
    run(sc, reps=1, seed=SEED, series=False)  # warm imports and caches
    out = {"reps": reps, "years": sc.horizon.years}
    out["load_before"] = os.getloadavg()[0]
    out["jobs1_s"] = timed(lambda: run(sc, reps=reps, seed=SEED, jobs=1))
    out["jobs1_cpu_s"] = timed.cpu
    out["jobs2_s"] = timed(lambda: run(sc, reps=reps, seed=SEED, jobs=2))
    out["jobs2_cpu_s"] = timed.cpu  # pool workers are reaped at shutdown, so counted here
    out["speedup_jobs2"] = out["jobs1_s"] / out["jobs2_s"]
    # what two idle cores would give: serial CPU over half the pool's CPU (no other load)
    out["cpu_bound_speedup_jobs2"] = out["jobs1_cpu_s"] / (out["jobs2_cpu_s"] / 2)
    out["load_after"] = os.getloadavg()[0]
    if dask:
        out["dask_local2_s"] = timed(lambda: run(sc, reps=reps, seed=SEED, jobs=2, dask="local"))
        out["speedup_dask"] = out["jobs1_s"] / out["dask_local2_s"]
    return out


def overhead(reps: int, rounds: int) -> dict[str, float]:
    sc = resolve("baseline")

    def direct() -> None:
        for r in range(reps):
            simulate(sc, SEED, r)

    def engine() -> None:
        run(sc, reps=reps, seed=SEED, jobs=1).summary()

    best_direct = best_engine = float("inf")
    cpu_direct = cpu_engine = float("inf")
    for _ in range(rounds):
        best_direct = min(best_direct, timed(direct))
        cpu_direct = min(cpu_direct, timed.cpu)
        best_engine = min(best_engine, timed(engine))
        cpu_engine = min(cpu_engine, timed.cpu)
    return {
        "reps": reps,
        "rounds": rounds,
        "direct_s_per_rep": best_direct / reps,
        "engine_s_per_rep": best_engine / reps,
        "overhead_share": best_engine / best_direct - 1,
        "overhead_share_cpu": cpu_engine / cpu_direct - 1,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--overhead-reps", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args(argv)

    a = speedup(args.reps, not args.no_dask)
    print(f"(a) {a['reps']} replications of the baseline ({a['years']:g} years): "
          f"jobs 1 {a['jobs1_s']:.1f} s, jobs 2 {a['jobs2_s']:.1f} s -> speed-up {a['speedup_jobs2']:.2f}x "
          f"(target >= 1.6x: {'met' if a['speedup_jobs2'] >= 1.6 else 'NOT met'}); load average "
          f"{a['load_before']:.1f} -> {a['load_after']:.1f} on {os.cpu_count()} cores")
    print(f"    CPU: jobs 1 {a['jobs1_cpu_s']:.1f} s, jobs 2 {a['jobs2_cpu_s']:.1f} s -> on idle cores "
          f"{a['cpu_bound_speedup_jobs2']:.2f}x")
    if "speedup_dask" in a:
        print(f"    dask LocalCluster (2 processes, start-up included) {a['dask_local2_s']:.1f} s "
              f"-> {a['speedup_dask']:.2f}x")
    b = overhead(args.overhead_reps, args.rounds)
    print(f"(b) per replication: direct simulate {b['direct_s_per_rep']:.3f} s, engine {b['engine_s_per_rep']:.3f} s "
          f"-> overhead {100 * b['overhead_share']:.1f}% wall, {100 * b['overhead_share_cpu']:.1f}% CPU "
          f"(target < 5%: {'met' if b['overhead_share'] < 0.05 else 'NOT met'})")
    print(json.dumps({"speedup": a, "overhead": b}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
