"""Docs agree with the code and with the clone (issue 18 point 9).

- The README's numbers are generated: its block is exactly what
  ``simlib.presentation.readme.render`` makes of the data stored in the block, with
  the generator's current KPIs (``make readme-numbers`` rewrites it from a run).
- Nothing in the repository points to a file a clone does not have: no local
  absolute paths, no ``../shared`` outside the clone, and every path into the
  clone's own folders that a file names exists. The shared model description and
  its figures are in docs/ (copies, checked against ../shared when it is there).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from simlib.presentation import readme

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
COPIES = {"docs/MODEL.md": "MODEL.md", "docs/sources/sweden-figures.md": "sources/sweden-figures.md"}
TEXT = (".md", ".py", ".yaml", ".yml", ".ipynb", ".toml", ".txt", ".csv", ".j2", ".json", ".cfg")
LOCAL = re.compile(r"(?<![\w.~-])/(?:work|home|tmp|root|Users|srv|mnt)/[\w./-]+")
# paths into the clone's folders, as text names them (a leading . or / belongs to another path)
REPO_PATH = re.compile(r"(?<![\w./-])((?:simlib|docs|scenarios|notebooks|tests|benchmarks)/[\w./*-]*[\w*])")
# files that name made-up paths on purpose, and the one place that names the shared folder
MADE_UP = {"tests/test_hardening.py", "tests/test_docs.py"}
SYNC = "Makefile"  # make docs-sync copies from ../shared


def _tracked() -> list[str]:
    done = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    names = [n for n in done.stdout.splitlines() if n.endswith(TEXT) or n in ("Makefile", ".ci/run")]
    return [n for n in names if not n.startswith("tests/backtest/") and (ROOT / n).is_file()]


def test_the_readme_numbers_block_is_generated_not_typed() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    data = readme.data_of(text)
    assert readme.block(text) == readme.render(data), "README numbers edited by hand: run make readme-numbers"
    assert data["kpis"] == list(readme.KPIS), "the generator's KPIs changed: run make readme-numbers"
    from simlib.presentation.demo import HEADLINE_SCENARIOS

    assert [data["base"], *data["alternatives"]] == [n.split("/")[-1] for n in HEADLINE_SCENARIOS], \
        "make demo compares other scenarios now: run make readme-numbers"
    assert data["reps"] >= 10 and data["years"] is None, "the README shows a full-length run"


def test_the_readme_block_round_trips() -> None:
    data = {"reps": 2, "seed": 1, "years": None, "base": "b", "alternatives": ["x"], "kpis": ["balans_mean"],
            "rows": [{"alternative": "x", "kpi": "balans_mean", "base": 1.5, "alt": 2.5, "diff": 1.0,
                      "ci_low": 0.5, "ci_high": 1.5}]}
    text = f"intro\n{readme.BEGIN}\nold\n{readme.END}\noutro\n"
    new = readme.replace(text, data)
    assert new.startswith("intro\n") and new.endswith("\noutro\n")
    assert readme.data_of(new) == data
    row = "| Investigations waiting for a caseworker (backlog), mean | 1.5 cases | 2.5 cases | +1.0 cases (+0.5 to +1.5) |"
    assert row in new.replace("\u00a0", " ")  # numbers and units are joined by no-break spaces
    with pytest.raises(ValueError):
        readme.block("no block here")


@pytest.mark.parametrize("copy, original", sorted(COPIES.items()))
def test_the_shared_documents_are_in_the_clone(copy: str, original: str) -> None:
    ours = ROOT / copy
    assert ours.is_file(), f"{copy} is missing"
    if (SHARED / original).is_file():
        assert ours.read_bytes() == (SHARED / original).read_bytes(), f"{copy} is stale: make docs-sync"


def test_nothing_points_outside_the_clone() -> None:
    bad = []
    for name in _tracked():
        if name in MADE_UP:
            continue
        text = (ROOT / name).read_text(encoding="utf-8", errors="replace")
        bad += [f"{name}: {m}" for m in LOCAL.findall(text)]
        if "../shared" in text and name != SYNC:
            bad.append(f"{name}: ../shared")
    assert not bad, "local or outside paths:\n" + "\n".join(bad)


def test_every_path_into_the_clone_exists() -> None:
    missing = set()
    for name in _tracked():
        if name in MADE_UP:
            continue
        text = (ROOT / name).read_text(encoding="utf-8", errors="replace")
        for path in REPO_PATH.findall(text):
            path = path.rstrip(".")
            found = list(ROOT.glob(path)) if "*" in path else (ROOT / path).exists()
            if not found:
                missing.add(f"{name}: {path}")
    assert not missing, "files named but not in the clone:\n" + "\n".join(sorted(missing))
