"""README tier: every command block in README.md runs as written (in a temporary folder).

Each ```sh block is split into commands (a trailing backslash continues a line,
``#`` starts a comment). ``simlib ...`` lines run with the installed console
script from a temporary working folder holding a link to scenarios/, so output
paths such as out/sweep never touch the clone; simulating commands get
``--reps 2 --years 0.5`` appended (the last value of a repeated option wins in
typer), so a test run stays short while every option the README shows is
parsed and used. ``make`` lines are checked with ``make -n`` (what they would
run). The ```text example of an error message is run and its output compared.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SIMLIB = Path(sys.executable).with_name("simlib")
SIMULATING = {"run", "compare", "sweep", "brief", "calibrate", "national", "price", "demo"}
FAST = ["--reps", "2", "--years", "0.5"]


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def commands(block: str) -> list[str]:
    """Shell commands of a block: continuations joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", block)
    out = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            out.append(shlex.join(words))
    return out


SH = [c for b in blocks("sh") for c in commands(b)]
SIMLIB_LINES = [c for c in SH if c.startswith("simlib ")]
MAKE_LINES = [c for c in SH if c.startswith("make ")]


def test_readme_has_command_blocks() -> None:
    assert len(SIMLIB_LINES) >= 10 and len(MAKE_LINES) >= 5, SH
    others = [c for c in SH if not c.startswith(("simlib ", "make "))]
    assert not others, f"README commands this test does not know how to run: {others}"


@pytest.fixture()
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    return tmp_path


def _run(words: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CASELOAD_FAST": "1"}
    return subprocess.run(words, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False)


@pytest.mark.parametrize("line", SIMLIB_LINES, ids=lambda c: " ".join(c.split()[:2]))
def test_readme_simlib_command_runs(line: str, workdir: Path) -> None:
    words = shlex.split(line)
    if words[1] in SIMULATING:
        words += FAST if words[1] != "demo" else ["--reps", "2"]
    done = _run([str(SIMLIB), *words[1:]], workdir)
    assert done.returncode == 0, f"README: `{line}` exited {done.returncode}:\n{done.stderr[-3000:]}"
    assert done.stdout.strip() or any(workdir.rglob("*.html")), f"README: `{line}` printed nothing"


@pytest.mark.parametrize("line", MAKE_LINES, ids=lambda c: c)
def test_readme_make_target_exists(line: str) -> None:
    done = subprocess.run([*shlex.split(line), "-n"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"README: `{line}` -n: {done.stderr}"


def test_readme_error_example_is_what_validate_prints(workdir: Path) -> None:
    example = next(b for b in blocks("text") if b.startswith("$ simlib validate"))
    command, *expected = example.strip().splitlines()
    words = shlex.split(command[2:])
    (workdir / words[2]).write_text(
        "extends: scenarios/baseline.yaml\ninvestigation:\n  casload_cap: 15\n", encoding="utf-8"
    )
    done = _run([str(SIMLIB), *words[1:]], workdir)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == expected


def test_make_dashboard_culls_the_kernels_of_closed_tabs() -> None:
    done = subprocess.run(["make", "-n", "dashboard"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "--MappingKernelManager.cull_idle_timeout=" in done.stdout, done.stdout
    assert "--MappingKernelManager.cull_interval=" in done.stdout


def test_make_lab_allows_root_only_for_root() -> None:
    done = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert ("--allow-root" in done.stdout) == (os.geteuid() == 0), done.stdout
