"""Start-up (issue 20 point 1): ``simlib --version`` and ``simlib validate FILE`` import only
what they need: no pandas, scipy, matplotlib, Dask, SimPy or model in a fresh process
(``python -X importtime`` lists every import). How long they take is measured by
benchmarks/bench_startup.py (``make bench``), never asserted here. ``simlib run`` of a
scenario without placements or staff dynamics (M/M/c, issue 20 point 2's end-to-end ratio)
prints its table or JSON without pandas, scipy, pyarrow, matplotlib or Dask: those cost
more instructions than its replications (benchmarks/bench_instructions.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import importlib

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "scipy", "matplotlib", "dask", "distributed", "simpy", "numpy", "simlib.model", "simlib.experiments")
IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)$", re.M)


def _imports(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "simlib.presentation.cli", *args],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    return done, set(IMPORTED.findall(done.stderr))


@pytest.mark.parametrize("args", [["--version"], ["validate", "scenarios/baseline.yaml"]], ids=" ".join)
def test_quick_commands_import_nothing_heavy(args: list[str]) -> None:
    done, modules = _imports(*args)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith(("simlib ", "ok scenarios/baseline.yaml"))
    heavy = sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert not heavy, f"simlib {' '.join(args)} imported {heavy[:10]}"


def test_a_bad_file_is_still_one_error_line_without_the_library_loaded(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("horizon: {years: -1}\n", encoding="utf-8")
    done, _ = _imports("validate", str(bad))
    assert done.returncode == 2
    errors = [x for x in done.stderr.splitlines() if x.startswith("error: ")]
    assert any("horizon" in x for x in errors) and "Traceback" not in done.stderr, done.stderr


def _param(p: object) -> tuple:
    return (type(p).__name__, p.name, tuple(p.opts), repr(p.default), p.required, getattr(p, "help", None))


def test_every_command_of_every_module_is_listed() -> None:
    cli_main = importlib.import_module("simlib.presentation.cli.main")
    package = Path(cli_main.__file__).parent
    with_app = sorted(p.stem for p in package.glob("*.py")
                      if p.stem not in ("__init__", "__main__", "main")
                      and hasattr(importlib.import_module(f"simlib.presentation.cli.{p.stem}"), "app"))
    assert with_app == sorted(cli_main.MODULES), "a command module is missing from COMMANDS in cli/main.py"
    defined = {name: module for module in cli_main.MODULES for name in cli_main.module_commands(module)}
    assert defined == cli_main.COMMANDS, "add the command to COMMANDS in simlib/presentation/cli/main.py"
    # a command built alone (what simlib NAME builds) is the one its module's group has
    for name, module in cli_main.COMMANDS.items():
        alone, grouped = cli_main.module_command(module, name), cli_main.module_commands(module)[name]
        assert type(alone) is type(grouped) and alone.name == grouped.name and alone.help == grouped.help
        assert [_param(p) for p in alone.params] == [_param(p) for p in grouped.params], name
    assert cli_main.module_command("experiments", "no-such-command") is None


RUN_HEAVY = ("pandas", "scipy", "pyarrow", "matplotlib", "dask", "distributed")


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_simlib_run_prints_its_kpis_without_pandas(fmt: str) -> None:
    done, modules = _imports("run", "textbook/mmc", "--reps", "3", "--years", "1", "--format", fmt, "--quiet")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Wait for a caseworker" in done.stdout if fmt == "table" else done.stdout.startswith("{")
    heavy = sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in RUN_HEAVY))
    assert not heavy, f"simlib run imported {heavy[:10]}"
