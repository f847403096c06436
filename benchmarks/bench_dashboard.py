"""Benchmark: the dashboard's first answer after a slider move (``make bench``; issue 20 point 3).

Drives the dashboard's Python objects headless (no browser, no kernel): builds
``CapDashboard("baseline")`` with the real run sizes (not CASELOAD_FAST), waits
until its opening position is done and the pool is idle, then moves the cap
slider (``board.cap.value = ...``, as a browser's slider does through the widget)
and times, from the move, the first KPI table drawn for the new position ("first
numbers") and the end of its replications. The moves:

- cold: 15 -> 10, a position nothing has computed yet;
- small drag: 10 -> 11, one case, after the pool went idle at 10;
- while busy: 11 -> 18, right after 11's first numbers, while its other
  replications still run;
- return: 18 -> 15, a position computed before.

Wall times depend on the machine's load (the 2-core machine is shared), so the
load average is printed with them, and for the cold move also the worker CPU
seconds of the replications the first answer waited for: with the debounce that
is what the first answer takes on an idle 2-core machine (the two replications
run side by side). Target (issue 20): first numbers within 2 s of a move.
Printed, not asserted.

Give ``--tree DIR`` to time another source tree (e.g. ``git worktree add`` of an
older commit) in the same run, each in its own process with DIR first on PYTHONPATH.
Usage: ``python benchmarks/bench_dashboard.py [--tree DIR]...``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 2.0
MOVES = (("cold", 10), ("small drag", 11), ("while busy", 18), ("return", 15))
TIMEOUT_S = 900.0


def _load() -> float:
    return os.getloadavg()[0]


def child() -> None:
    """Measure in this process (the tree is whatever ``simlib`` imports) and print JSON."""
    os.environ.pop("CASELOAD_FAST", None)
    import simlib
    from simlib.presentation.dashboard import runner as runner_module
    from simlib.presentation.dashboard.caps import CapDashboard
    from simlib.scenario.loader import scenario_hash

    tables: list[tuple[float, str]] = []  # (time, scenario hash) of each table drawn
    board = CapDashboard("baseline", lang="en")

    def seen(_change: dict) -> None:
        current = board._current
        tables.append((time.monotonic(), scenario_hash(current[0]) if current else ""))

    board.table.observe(seen, names="value")

    def settle() -> None:
        board.wait(TIMEOUT_S)
        idle = getattr(board.runner, "idle", None)  # background work (neighbours), where there is any
        deadline = time.monotonic() + TIMEOUT_S
        while idle is not None and not idle() and time.monotonic() < deadline:
            time.sleep(0.05)

    def move(cap: int) -> tuple[float, float, str]:
        """(seconds to the first numbers, seconds to done, scenario hash) of one move."""
        before = len(tables)
        start = time.monotonic()
        board.cap.value = cap
        target = scenario_hash(board.scenario())
        deadline = start + TIMEOUT_S
        while time.monotonic() < deadline:
            hit = next((t for t, h in tables[before:] if h == target), None)
            if hit is not None:
                first = hit - start
                break
            time.sleep(0.005)
        else:
            raise SystemExit(f"no table for cap {cap} within {TIMEOUT_S} s")
        return first, start, target

    out: dict = {"simlib": str(Path(simlib.__file__).resolve().parents[1]), "load_start": _load(), "moves": []}
    t0 = time.monotonic()
    settle()
    out["opening_s"] = time.monotonic() - t0
    debounce = getattr(runner_module, "DEBOUNCE_S", None)
    for name, cap in MOVES:
        if name != "while busy":
            settle()
        load = _load()
        first, start, _ = move(cap)
        row = {"move": name, "cap": cap, "first_s": first, "load": load}
        if name == "cold" and hasattr(board.runner, "cpu"):
            cpu = board.runner.cpu(board.scenario(), board.seed, range(2))
            row["cpu_s"] = max(cpu) if cpu else None
            row["idle_estimate_s"] = (debounce or 0) + row["cpu_s"] if cpu else None
        if name != "small drag":  # the next move starts while this one's replications run
            board.wait(TIMEOUT_S)
            row["done_s"] = time.monotonic() - start
        out["moves"].append(row)
    out["load_end"] = _load()
    out["abandoned"] = getattr(board.runner, "abandoned", None)
    board.close()
    print(json.dumps(out))


def run_tree(tree: Path) -> dict:
    tree = tree.resolve()
    env = {**os.environ, "PYTHONPATH": str(tree), "MPLBACKEND": "Agg"}
    env.pop("CASELOAD_FAST", None)
    done = subprocess.run([sys.executable, __file__, "--child"], env=env, cwd=tree, capture_output=True,
                          text=True, check=False, timeout=4 * TIMEOUT_S)
    if done.returncode != 0:
        raise SystemExit(f"the dashboard benchmark failed in {tree}:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if not Path(result["simlib"]).resolve() == tree.resolve():
        raise SystemExit(f"the child imported simlib from {result['simlib']}, not from {tree}")
    return result


def report(tree: Path, result: dict) -> None:
    print(f"dashboard first answer after a cap-slider move, {tree} "
          f"(opening position done in {result['opening_s']:.1f} s; load average {result['load_start']:.1f} "
          f"-> {result['load_end']:.1f} on {os.cpu_count()} cores; target: first numbers within {TARGET_S:g} s)")
    for row in result["moves"]:
        line = f"  {row['move']:<11} cap -> {row['cap']:>2}: first numbers {row['first_s']:5.2f} s"
        if "done_s" in row:
            line += f", all replications {row['done_s']:5.1f} s"
        line += f"  (load {row['load']:.1f})"
        if row.get("cpu_s") is not None:
            line += (f"; the replications it waited for took {row['cpu_s']:.2f} s of CPU each at most,"
                     f" so ~{row['idle_estimate_s']:.2f} s on an idle 2-core machine")
        print(line)
    if result.get("abandoned") is not None:
        print(f"  running replications abandoned for a newer position: {result['abandoned']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", type=Path, default=[])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child()
        return
    for tree in args.tree or [ROOT]:
        report(tree, run_tree(tree))


if __name__ == "__main__":
    main()
