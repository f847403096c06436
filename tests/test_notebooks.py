"""Notebook tier: every notebook runs top to bottom, and none is committed with outputs.

Each notebook is executed with nbclient in a fresh kernel with CASELOAD_FAST=1
(fewer, shorter replications; see simlib.notebook.settings), from
the notebooks/ folder as `make lab` opens them, with the kernel's own (inline)
matplotlib backend and CASELOAD_OUT pointing at a temporary folder: the clone's
out/ (what `make demo` wrote) must be exactly as before. A cell that raises fails
the test with the notebook name and the cell's traceback; a cell that draws
(`plt.show()`) must leave an image in its outputs. Outputs must be stripped in
git (nbstripout), so diffs stay readable and no stale numbers are committed.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import simlib
import simlib.notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = [
    "00-start-here", "01-caseload-caps", "02-staffing-budget", "03-placement-churn",
    "04-motion-brief", "05-learning-des", "06-sensitivity",
]
CELL_TIMEOUT_S = 600
IMAGE_TYPES = ("image/png", "image/svg+xml")
# numbers that speak instead of adjectives: text an executed notebook must print
PRINTS = {"05-learning-des": "as wide as the unpaired one"}


def _code(cell: nbformat.NotebookNode) -> str:
    """A code cell as Python: IPython's %magics and !shell lines blanked."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in cell.source.splitlines())


def non_public_uses(source: str) -> list[str]:
    """Every use of a non-public simlib path in ``source``: only ``simlib`` and ``simlib.notebook``, by their ``__all__``.

    Imports of other modules (``import simlib.experiments``, ``from simlib.analysis import x``),
    names the two public modules do not list (``from simlib import _LAZY``), and attribute
    reaches past them (``simlib.experiments.run``, ``nb.plots`` is listed, ``nb.resolve`` is not).
    """
    public = {"simlib": set(simlib.__all__) | {"notebook"}, "simlib.notebook": set(simlib.notebook.__all__)}
    aliases: dict[str, str] = {}  # local name -> public module it stands for
    bad: list[str] = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] != "simlib":
                    continue
                if a.name not in public:
                    bad.append(f"import {a.name}")
                elif a.asname:
                    aliases[a.asname] = a.name
                else:
                    aliases["simlib"] = "simlib"
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "simlib":
            if node.module not in public:
                bad.append(f"from {node.module} import ...")
                continue
            for a in node.names:
                if a.name not in public[node.module]:
                    bad.append(f"from {node.module} import {a.name}")
                elif f"{node.module}.{a.name}" in public:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            module = aliases[node.value.id]
            if node.attr not in public[module]:
                bad.append(f"{node.value.id}.{node.attr} ({module} does not list {node.attr!r} in __all__)")
    return bad


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time (ns)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def _draws(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and "plt.show()" in cell.source


def test_importing_plots_keeps_the_notebook_backend() -> None:
    # plots used to call matplotlib.use("Agg") at import, which blanked every later figure in a notebook
    code = "import matplotlib; import simlib.presentation.plots; print(matplotlib.get_backend())"
    env = {**os.environ, "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "module://matplotlib_inline.backend_inline", done.stdout + done.stderr


def test_every_notebook_is_there() -> None:
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(book.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; run `nbstripout {path}`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_uses_only_the_public_api(path: Path) -> None:
    # notebooks import simlib and simlib.notebook, never the internals (issue 13 point 6)
    book = nbformat.read(path, as_version=4)
    bad = [f"cell {i}: {use}" for i, c in enumerate(book.cells) if c.cell_type == "code" for use in non_public_uses(_code(c))]
    assert not bad, f"{path.name} reaches past the public API: {bad}"


def test_the_public_api_check_catches_internal_paths() -> None:
    assert non_public_uses("import simlib\nimport simlib.notebook as nb\nsimlib.run; nb.plots; nb.settings()") == []
    assert non_public_uses("from simlib import run, with_overrides\nfrom simlib.notebook import plots") == []
    assert non_public_uses("from simlib.experiments import run") == ["from simlib.experiments import ..."]
    assert non_public_uses("import simlib.presentation.i18n") == ["import simlib.presentation.i18n"]
    assert non_public_uses("from simlib import _LAZY") == ["from simlib import _LAZY"]
    assert len(non_public_uses("import simlib\nsimlib.experiments.run('baseline')")) == 1
    assert len(non_public_uses("import simlib.notebook as nb\nnb.resolve('baseline')")) == 1


def test_public_names_have_docstrings() -> None:
    # what notebooks may use is documented where they find it
    names = [("simlib", n, getattr(simlib, n)) for n in simlib.__all__ if n != "__version__"]
    names += [("simlib.notebook", n, getattr(simlib.notebook, n)) for n in simlib.notebook.__all__]
    missing = [f"{m}.{n}" for m, n, obj in names if not (getattr(obj, "__doc__", None) or "").strip()]
    assert not missing, f"public names without a docstring: {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_cell_states_the_question(path: Path) -> None:
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert "question" in first.source.lower(), f"{path.name} should open with the question it answers"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_fast_mode(path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    monkeypatch.setenv("CASELOAD_FAST", "1")
    monkeypatch.setenv("CASELOAD_OUT", str(tmp_path / "out"))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend, as in `make lab`
    monkeypatch.delenv("CASELOAD_LANG", raising=False)
    users_out = ROOT / "out"
    before = _snapshot(users_out)
    book = nbformat.read(path, as_version=4)
    client = NotebookClient(
        book, timeout=CELL_TIMEOUT_S, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute(env=dict(os.environ))
    except CellExecutionError as exc:  # the message holds the failing cell and its traceback
        pytest.fail(f"{path.name} failed:\n{exc}")
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    blank = [
        i for i, c in enumerate(book.cells)
        if _draws(c) and not any(m in o.get("data", {}) for o in c.outputs for m in IMAGE_TYPES)
    ]
    assert not blank, f"{path.name}: cells {blank} call plt.show() but produced no image"
    printed = "".join(o.get("text", "") for c in book.cells if c.cell_type == "code" for o in c.outputs)
    assert PRINTS.get(path.stem, "") in printed, f"{path.name} should print {PRINTS[path.stem]!r}"
    assert _snapshot(users_out) == before, f"{path.name} wrote to {users_out}; notebooks under test write to CASELOAD_OUT"
