"""Benchmark: how long ``simlib --version`` and ``simlib validate FILE`` take to start (``make bench``).

Each command runs in a fresh process under ``python -X importtime``; the script
prints, best of ``--repeat`` runs, the time spent importing (the sum of every
module's own import time) and the wall time of the whole process, and names any
heavy module the command imported although it does not need it (pandas, scipy,
matplotlib, Dask, the model). Target (issue 20): under 0.5 s of imports for both.
The target is printed, not asserted. Usage:
``python benchmarks/bench_startup.py [--repeat 5]``
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "simlib --version": ["--version"],
    "simlib validate scenarios/baseline.yaml": ["validate", "scenarios/baseline.yaml"],
}
HEAVY = ("pandas", "scipy", "matplotlib", "dask", "distributed", "simlib.model", "simlib.experiments", "simpy")
TARGET_S = 0.5
LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")


def measure(args: list[str]) -> tuple[float, float, list[str]]:
    """(import seconds, wall seconds, modules imported) of one fresh ``simlib`` process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "simlib.presentation.cli", *args],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"simlib {' '.join(args)} failed: {done.stderr[-500:]}")
    own, modules = 0, []
    for line in done.stderr.splitlines():
        match = LINE.match(line)
        if match:
            own += int(match.group(1))
            modules.append(match.group(4))
    return own / 1e6, wall, modules


def heavy(modules: list[str]) -> list[str]:
    """The heavy top-level packages among the imported modules."""
    return sorted({h for h in HEAVY for m in modules if m == h or m.startswith(h + ".")})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"start-up, best of {args.repeat} fresh processes (target: imports under {TARGET_S} s)")
    for label, argv in COMMANDS.items():
        runs = [measure(argv) for _ in range(args.repeat)]
        imports = min(r[0] for r in runs)
        wall = min(r[1] for r in runs)
        extra = heavy(runs[0][2])
        verdict = "met" if imports < TARGET_S and not extra else "NOT met"
        print(f"  {label:<42} imports {imports:.3f} s, wall {wall:.3f} s: {verdict}"
              + (f" (imports {', '.join(extra)})" if extra else ""))


if __name__ == "__main__":
    main()
