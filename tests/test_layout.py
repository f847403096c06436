"""Unit tier: the layout of the house (small modules, named parts, layers that point down).

``make lint`` runs the same import contracts (pyproject's ``[tool.importlinter]``);
running them here too means CI enforces them on every submission.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SIMLIB = Path(__file__).resolve().parents[1] / "simlib"
MAX_LINES = 450  # "about 400": a module past this wants splitting


def _modules() -> list[Path]:
    return sorted(p for p in SIMLIB.rglob("*.py") if "__pycache__" not in p.parts)


def test_no_module_is_over_about_400_lines() -> None:
    long = {p.relative_to(SIMLIB).as_posix(): n for p in _modules() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_every_module_says_why_in_a_docstring() -> None:
    missing = [p.relative_to(SIMLIB).as_posix() for p in _modules()
               if p.read_text().strip() and ast.get_docstring(ast.parse(p.read_text())) is None]
    assert not missing, f"modules without a docstring: {missing}"


def test_import_contracts_hold() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.fail("lint-imports is not installed (it is in the dev extra and requirements.lock)")
    done = subprocess.run([exe, "--no-cache"], capture_output=True, text=True, cwd=SIMLIB.parent)
    assert done.returncode == 0, done.stdout[-3000:]
