"""Instruction counts of the model's hot path under valgrind (callgrind): a load-proof benchmark.

Wall time on a shared machine moves by +-20% with the load; the number of
instructions a run executes does not (same seed, same hash seed, same code:
the same count to a fraction of a percent; the same bare loop measured after
two trees' set-ups differed by 0.4%). Each workload runs in a fresh
``python`` under ``valgrind --tool=callgrind`` twice: once with only the set-up
(imports, scenario, a tiny warm-up replication that loads the lazily imported
parts) and once with the measured run added; the difference is the run's cost.

Workloads: ``mmc`` (the M/M/c reduction, scenarios/textbook/mmc.yaml, over
``--mmc-years``), ``bare`` (``bare_mmc.bare_simpy_mmc``, the bare SimPy
M/M/c loop with the same lambda, mu, c and horizon: the yardstick of ``make
bench``'s M/M/c ratio, taken from this repository for every tree) and ``baseline``
(one replication of the baseline as users run it: its own horizon and warm-up; or,
with ``--baseline-years``, a shorter one with a quarter-year warm-up).
Two more are whole processes, start-up included (issue 20's end-to-end ratio):
``cli`` (``simlib run textbook/mmc --reps 1 --years --cli-years --format json``:
start-up, scenario, run, KPIs, output; its customers are the decided
investigations a year times the years) and ``bare-cli`` (``python
benchmarks/bare_mmc.py`` over the same years). With ``cli``, a third process
imports what ``simlib run`` imports before its command starts (the CLI, the
command's module, experiments, scenario, model): the line after the ratio splits
the command into those start-up imports, the model's run (the ``mmc`` workload's
instructions a customer times the customers, when ``mmc`` is measured) and the rest
(scenario file, replication set-up, KPIs, summary, output).

Whole processes run as an installed package runs: with its modules' bytecode
cached (``PYTHONDONTWRITEBYTECODE`` is dropped and ``PYTHONPYCACHEPREFIX`` points
into a temporary folder, filled by one run without valgrind first). Compiling
simlib's sources at every start (as with ``PYTHONDONTWRITEBYTECODE=1``, which
some sandboxes set) cost ``simlib run`` ~0.3 G instructions that no user pays.

Printed, one line each with its target and whether it is met: issue 20's two
ratios (lines starting ``RATIO``): the M/M/c reduction through the CLI end to
end (model customers per instruction over bare SimPy's, target >= 0.6) and one
baseline replication against 100 000 bare-SimPy customers (target <= 0.6 for a
replication of the scenario's 6 years; ~6 minutes under callgrind. A shorter
``--baseline-years`` is scaled to 6 years, which counts the set-up and KPI work,
~150 M instructions, that many times over: a pessimistic quick look); then the
M/M/c ratio of one replication (target >= 0.6).

Give ``--tree`` several times to compare code versions (each a source tree
whose ``simlib`` is put first on PYTHONPATH, e.g. ``git worktree add`` of
older commits); the first tree is the reference for the ratios. Without
valgrind the script says so and exits 0 (``make bench`` goes on).

Usage: ``python benchmarks/bench_instructions.py [--tree DIR]... [--mmc-years 3] [--baseline-years 0] [--cli-years 10] [--work NAME]...``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = 1

# The child program: set-up always, the measured run only when asked (argv[2] == "measure").
CHILD = r'''
import sys
sys.path.insert(0, sys.argv[6])  # this repository's benchmarks/: the same bare loop for every tree
from bare_mmc import bare_simpy_mmc as bare
from simlib.model import simulate
from simlib.scenario.loader import load_scenario, with_overrides

work, measure, mmc_years, base_years, seed = sys.argv[1], sys.argv[2] == "measure", float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])


if work in ("mmc", "bare"):
    sc = with_overrides(load_scenario("textbook/mmc"), {"horizon.years": mmc_years, "horizon.warmup_years": 1})
    tiny = with_overrides(sc, {"horizon.years": 2.0, "referrals.per_year": 40})
elif base_years > 0:  # a shorter baseline, scaled to the scenario's horizon when printed
    sc = with_overrides(load_scenario("baseline"), {"horizon.years": base_years, "horizon.warmup_years": 0.25})
else:  # one replication as users run it: the scenario's own horizon and warm-up
    sc = load_scenario("baseline")
if work not in ("mmc", "bare"):
    tiny = with_overrides(sc, {"horizon.years": 1.0, "horizon.warmup_years": 0.25, "referrals.per_year": 40})
lam = sc.referrals.per_year / 365.0
mu = sc.staff.hours_per_day / sc.investigation.hours.mean
c = int(sc.staff.investigators_fte)
if work == "bare":
    bare(lam, mu, c, 30.0, seed + 1)  # warm-up
else:
    simulate(tiny, seed + 1, 0)  # loads what the first replication imports lazily
if measure:
    if work == "bare":
        n = bare(lam, mu, c, mmc_years * 365.0, seed)
    else:
        out = simulate(sc, seed, 0)
        n = len(out.recorder.investigations)
    print(f"customers={n}")
import simlib
print(f"simlib={simlib.__file__}")
'''


# bytecode of every measured process, cached as an installed package's is (see the docstring); main() sets it
PYCACHE = {"dir": ""}

# what simlib run imports before its command runs (the split of the cli line)
CLI_IMPORTS = (
    "import importlib; importlib.import_module('simlib.presentation.cli.main').module_commands('experiments'); "
    "import simlib.experiments.replications, simlib.scenario, simlib.model.simulation"
)


def _env(tree: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONPYCACHEPREFIX": PYCACHE["dir"]}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def callgrind(tree: Path, argv: list[str], what: str) -> tuple[int, str]:
    """Instructions (Ir) of ``python argv`` under callgrind, and its standard output."""
    with tempfile.TemporaryDirectory() as tmp:
        # once without valgrind: the bytecode cache is filled, so no measured run compiles sources
        subprocess.run([sys.executable, *argv], env=_env(tree), capture_output=True, check=False, cwd=tmp)
        out_file = Path(tmp) / "callgrind.out"
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", "--dump-line=no",
               sys.executable, *argv]
        # run in the empty temporary folder: with -c, the working folder comes first on sys.path
        done = subprocess.run(cmd, env=_env(tree), capture_output=True, text=True, check=False, cwd=tmp)
        if done.returncode != 0:
            raise SystemExit(f"{what} failed in {tree}:\n{done.stderr[-2000:]}")
        total = None
        for line in done.stderr.splitlines():
            if "Collected" in line:
                total = int(line.split(":")[-1].strip().replace(",", ""))
        if total is None:
            raise SystemExit(f"no instruction count in callgrind's output:\n{done.stderr[-2000:]}")
        return total, done.stdout


def instructions(tree: Path, work: str, measure: bool, args: argparse.Namespace) -> tuple[int, int | None]:
    """Instructions of one child run (set-up, and the measured run if asked), and the customers it served."""
    total, stdout = callgrind(tree, [
        "-c", CHILD, work, "measure" if measure else "setup",
        str(args.mmc_years), str(args.baseline_years), str(SEED), str(ROOT / "benchmarks"),
    ], work)
    loaded = next((x.split("=", 1)[1] for x in stdout.split() if x.startswith("simlib=")), "")
    if not Path(loaded).resolve().is_relative_to(tree):
        raise SystemExit(f"the child imported simlib from {loaded}, not from {tree}")
    customers = next((int(x.split("=")[1]) for x in stdout.split() if x.startswith("customers=")), None)
    return total, customers


def whole_process(tree: Path, work: str, args: argparse.Namespace) -> dict[str, float]:
    """``cli`` or ``bare-cli``: one whole process, start-up included."""
    if work == "cli":
        total, stdout = callgrind(tree, [
            "-m", "simlib.presentation.cli", "run", "textbook/mmc", "--reps", "1", "--seed", str(SEED),
            "--years", str(args.cli_years), "--format", "json", "--quiet",
        ], work)
        per_year = json.loads(stdout)["kpis"]["investigations_per_year"]["mean"]
        startup, _ = callgrind(tree, ["-c", CLI_IMPORTS], "cli start-up imports")
        return {"instructions": total, "customers": round(per_year * args.cli_years), "startup": startup}
    # the same lambda, mu and c as scenarios/textbook/mmc.yaml (4 a day, 1 a day, 5 servers)
    from simlib.scenario.loader import load_scenario

    sc = load_scenario("textbook/mmc")
    lam, mu = sc.referrals.per_year / 365.0, sc.staff.hours_per_day / sc.investigation.hours.mean
    total, stdout = callgrind(tree, [
        str(ROOT / "benchmarks" / "bare_mmc.py"), str(lam), str(mu), str(int(sc.staff.investigators_fte)),
        str(args.cli_years * 365.0), str(SEED),
    ], work)
    customers = next(int(x.split("=")[1]) for x in stdout.split() if x.startswith("customers="))
    return {"instructions": total, "customers": customers}


def measure(tree: Path, work: str, args: argparse.Namespace) -> dict[str, float]:
    if work in ("cli", "bare-cli"):
        return whole_process(tree, work, args)
    setup, _ = instructions(tree, work, False, args)
    full, customers = instructions(tree, work, True, args)
    return {"instructions": full - setup, "customers": customers or 0}


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _ratio(model: dict[str, float], bare: dict[str, float]) -> float:
    """Customers per instruction, model over bare SimPy: issue 20's ratios, load-free."""
    return (model["customers"] / model["instructions"]) / (bare["customers"] / bare["instructions"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", type=Path, help="source tree to measure (repeat; default: this one)")
    parser.add_argument("--mmc-years", type=float, default=3.0)
    parser.add_argument("--baseline-years", type=float, default=0.0,
                        help="0 (default): the baseline's own horizon; else a shorter run, scaled")
    parser.add_argument("--cli-years", type=float, default=10.0)
    parser.add_argument("--work", action="append", choices=["mmc", "bare", "baseline", "cli", "bare-cli"])
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("bench_instructions: valgrind is not installed; instruction counts skipped")
        return 0
    trees = [t.resolve() for t in (args.tree or [ROOT])]
    works = args.work or ["mmc", "bare", "baseline", "cli", "bare-cli"]
    results: dict[tuple[Path, str], dict[str, float]] = {}
    PYCACHE["dir"] = tempfile.mkdtemp(prefix="bench-pycache-")
    try:
        for tree in trees:
            for work in works:
                r = results[tree, work] = measure(tree, work, args)
                print(f"{tree.name}: {work}: {r['instructions']:,} instructions, {r['customers']:,} customers",
                      flush=True)
    finally:
        shutil.rmtree(PYCACHE["dir"], ignore_errors=True)
    ref = trees[0]
    for tree in trees:
        # one line a figure, each with its target and whether it is met (issue 20's two ratios first)
        print(f"{tree.name}:")
        if {"cli", "bare-cli"} <= set(works):
            m, b = results[tree, "cli"], results[tree, "bare-cli"]
            ratio = _ratio(m, b)
            print(f"  RATIO M/M/c through simlib run vs a bare SimPy loop, whole processes, {args.cli_years:g} years: "
                  f"{ratio:.3f} (target >= 0.6: {_met(ratio >= 0.6)}; {m['instructions'] / 1e9:.2f} G instructions "
                  f"for {m['customers']:,} customers vs {b['instructions'] / 1e9:.2f} G for {b['customers']:,})")
            model = ""
            rest = m["instructions"] - m["startup"]
            if "mmc" in works:  # the model's run at the mmc workload's instructions a customer
                run = results[tree, "mmc"]["instructions"] / results[tree, "mmc"]["customers"] * m["customers"]
                model, rest = f", the model's run ~{run / 1e9:.2f} G", rest - run
            print(f"  simlib run split: start-up imports {m['startup'] / 1e9:.2f} G{model}, the rest (scenario, "
                  f"replication set-up, KPIs, output{'' if model else ', the run'}) {rest / 1e9:.2f} G")
        if {"baseline", "bare"} <= set(works):
            b = results[tree, "bare"]
            per_100k = results[tree, "baseline"]["instructions"] / (100_000 * b["instructions"] / b["customers"])
            # the target is for one replication as the scenario runs it (its horizon.years)
            from simlib.scenario.loader import load_scenario

            horizon = load_scenario("baseline").horizon.years
            years = args.baseline_years or horizon
            whole = per_100k / years * horizon
            how = ("measured as the scenario runs it" if not args.baseline_years else
                   f"from {per_100k:.3f} measured over {years:g} simulated year(s) x {horizon / years:g}")
            print(f"  RATIO one baseline replication vs 100 000 bare-SimPy customers: {whole:.3f} for the scenario's "
                  f"{horizon:g} years (target <= 0.6: {_met(whole <= 0.6)}), {how}")
        if {"mmc", "bare"} <= set(works):
            m, b = results[tree, "mmc"], results[tree, "bare"]
            ratio = _ratio(m, b)
            print(f"  M/M/c one replication ({args.mmc_years:g} years): ratio {ratio:.3f} (target >= 0.6: "
                  f"{_met(ratio >= 0.6)}); model {m['instructions'] / m['customers']:,.0f} vs bare "
                  f"{b['instructions'] / b['customers']:,.0f} instructions a customer")
        for work in ("mmc", "baseline"):
            if work in works and tree != ref:
                print(f"  {work}: {results[tree, work]['instructions'] / results[ref, work]['instructions']:.3f}x "
                      f"the instructions of {ref.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
