"""Benchmark of the national sweep (issue 17 point 3): CPU cost and speed-up with workers.

(a) Per-municipality cost: one replication of the baseline scaled to a sample of
    municipalities from the smallest to the largest, timed by process CPU time
    (``time.process_time``, so other load on the machine counts less than wall
    time would). A least-squares fit t(c) = a + b c + d c^2 in the children c
    gives the CPU seconds of every one of the 290 municipalities.
(b) CPU-hours of the full sweep: 290 municipalities x scenarios x replications
    from that fit (a capped scenario costs about as much as today's).
(c) Speed-up: a part of Sweden (``--only``, default the 21 C9 municipalities)
    run with ``--jobs 1`` and ``--jobs 2`` (wall time, the same answer).
(d) Many workers, by measured scaling: the sweep's tasks (as ``national.make_tasks``
    cuts them) with their fitted costs are scheduled greedily (longest first) on
    W workers; the makespan gives the speed-up, bounded by the largest task
    (one replication of Stockholm) and the per-task overhead measured in (c).

Printed, not asserted. Usage:
``python benchmarks/bench_national.py [--sample 8] [--reps 10] [--scenarios 2] [--only C9] [--no-pool]``
"""

from __future__ import annotations

import argparse
import heapq
import json
import time

import numpy as np

from simlib.analysis import national as nat
from simlib.experiments.replications import run_replication
from simlib.scenario import load_scenario


def unit_cpu(children: list[float], seed: int = 1) -> list[float]:
    base = load_scenario("baseline")
    out = []
    for c in children:
        sc = nat.scale_scenario(base, c)
        t0 = time.process_time()
        run_replication(sc, seed, 0)
        out.append(time.process_time() - t0)
    return out


def makespan(costs: list[float], workers: int, overhead: float) -> float:
    """Longest-first greedy list scheduling of independent tasks on identical workers."""
    loads = [0.0] * workers
    heapq.heapify(loads)
    for cost in sorted(costs, reverse=True):
        heapq.heappush(loads, heapq.heappop(loads) + cost + overhead)
    return max(loads)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=8)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--scenarios", type=int, default=2)
    parser.add_argument("--only", default="C9")
    parser.add_argument("--no-pool", action="store_true")
    args = parser.parse_args()
    table = nat.load_municipalities()
    children = table["children_0_17"].to_numpy(dtype=float)
    # quantiles of the sizes, and the largest municipalities (they dominate the cost)
    largest = np.sort(children)[-4:]
    picks = np.unique(np.concatenate([np.quantile(children, np.linspace(0, 1, args.sample), method="nearest"),
                                      largest]))
    cpu = unit_cpu(list(picks))
    design = np.column_stack([np.ones_like(picks), picks, picks**2])
    coef, *_ = np.linalg.lstsq(design, np.array(cpu), rcond=None)

    def cost(c: float) -> float:
        return float(max(coef[0] + coef[1] * c + coef[2] * c * c, 0.01))

    per_rep = sum(cost(c) for c in children)
    hours = per_rep * args.scenarios * args.reps / 3600
    report = {"sample_children": picks.tolist(), "sample_cpu_s": cpu, "fit": coef.tolist(),
              "cpu_s_per_scenario_rep_290": per_rep, "cpu_hours_full_sweep": hours,
              "scenarios": args.scenarios, "reps": args.reps}
    overhead = 0.005
    if not args.no_pool:
        part = table[table["group_code"].isin(args.only.split(",")) | table["code"].isin(args.only.split(","))]
        walls = {}
        for jobs in (1, 2):
            t0 = time.perf_counter()
            nat.national(["baseline", "policy/cap-15"], reps=2, seed=3, municipalities=part, jobs=jobs)
            walls[jobs] = time.perf_counter() - t0
        report["part"] = {"only": args.only, "municipalities": len(part), "wall_jobs1_s": walls[1],
                          "wall_jobs2_s": walls[2], "speedup_2": walls[1] / walls[2]}
    sc = load_scenario("baseline")
    tasks = nat.make_tasks([sc] * args.scenarios, table, args.reps, 1)
    costs = [sum(cost(u.children) for u in t.units) for t in tasks]
    serial = sum(costs) + overhead * len(costs)
    report["tasks"] = len(tasks)
    report["largest_task_s"] = max(costs)
    report["speedup_by_workers"] = {w: serial / makespan(costs, w, overhead) for w in (1, 2, 4, 8, 16, 32, 64, 128)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
