"""Benchmark: peak memory of one replication against its horizon (a plain script, run by ``make bench``).

Each run is a fresh process running one replication of the baseline with
``horizon.years`` set, measured with ``/usr/bin/time -v`` ("Maximum resident set
size"); without GNU time, the child's ``resource.getrusage`` peak is used.
The script prints the peak RSS of a 5-year and a 60-year replication and
their ratio. Target (issue 19): the 60-year peak within 15% of the 5-year one,
i.e. memory flat in the horizon (the weekly series is O(horizon) but small).

The target is printed, not asserted. Usage:
``python benchmarks/bench_memory.py [--short 5] [--long 60] [--seed 2024]``
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import subprocess
import sys

CHILD = """
import sys
from simlib.experiments.replications import run_replication
from simlib.scenario import load_scenario
sc = load_scenario("baseline", [f"horizon.years={sys.argv[1]}"])
run_replication(sc, int(sys.argv[2]), 0)
"""
TARGET = 1.15


def peak_rss_kb(years: float, seed: int) -> tuple[int, str]:
    """Peak resident set size (kB) of a fresh process running one replication."""
    command = [sys.executable, "-c", CHILD, str(years), str(seed)]
    gnu_time = shutil.which("time", path="/usr/bin")
    if gnu_time:
        done = subprocess.run([gnu_time, "-v", *command], capture_output=True, text=True, check=True)
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
        if match:
            return int(match.group(1)), "/usr/bin/time -v"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(command, check=True)
    # RUSAGE_CHILDREN keeps the largest child so far; each run here is larger than the last
    return max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before), "getrusage"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", type=float, default=5)
    parser.add_argument("--long", type=float, default=60)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    short, how = peak_rss_kb(args.short, args.seed)
    long, _ = peak_rss_kb(args.long, args.seed)
    ratio = long / short
    per_year = (long - short) / 1024 / (args.long - args.short)
    print(f"peak RSS, one baseline replication ({how}):")
    print(f"  {args.short:g} years: {short / 1024:7.1f} MB")
    print(f"  {args.long:g} years: {long / 1024:7.1f} MB   (+{per_year:.2f} MB per simulated year)")
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"  ratio {ratio:.2f} (target <= {TARGET:.2f}: {verdict})")


if __name__ == "__main__":
    main()
