"""A resumable Parquet store of sweep results: one file per finished cell, and a manifest.

Why this shape: a national sweep runs for hours and will be interrupted. Each
cell (one scenario hash x one replication) is written to its own Parquet file
through a temporary file and ``os.replace``, which is atomic on POSIX: a file
either holds a whole cell or does not exist, whatever moment the run was
killed. A rerun reads the cells that exist and computes only the rest.

The manifest says what the store is *for* (base scenario hash, seed, design
and its points) and what made it (versions, git commit). A store made for
another sweep, or with a file that cannot be read or does not hold the cell its
name promises, is refused with a ``StoreError`` naming the problem; it is never
silently reused.

Layout::

    STORE/manifest.json
    STORE/cells/<scenario_hash>/rep-000003.parquet
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

FORMAT = "caseload-lab-sweep/1"
MANIFEST = "manifest.json"
CELL_COLUMNS = ["scenario", "scenario_hash", "replication", "seed", "kpi", "value"]
# Fields that say what a store is for: any difference means another sweep's store.
IDENTITY = ("format", "base_scenario_hash", "seed", "design", "points")


class StoreError(ValueError):
    """A store that cannot be used for this sweep; each line says why and what to do."""

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self._lines = list(lines)

    def lines(self) -> list[str]:
        return list(self._lines)


def versions() -> dict[str, str]:
    """Versions of what decides the numbers."""
    from importlib.metadata import version

    import numpy
    import scipy
    import simpy

    import simlib

    return {
        "simlib": simlib.__version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "simpy": getattr(simpy, "__version__", None) or version("simpy"),
        "pandas": pd.__version__,
    }


def git_commit() -> str | None:
    """The source tree's commit, with '-dirty' if simlib/ or scenarios/ has uncommitted changes."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "simlib", "scenarios"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}-dirty" if dirty else head


def write_atomic(path: Path, write: Any) -> None:
    """Call ``write(tmp_path)`` then move the finished file into place in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a team folder needs the usual rw-r--r--
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _kpi_names() -> frozenset[str]:
    """Every KPI a replication reports (the model fills each registered name in every cell)."""
    from simlib.model.kpi_registry import names_where

    return frozenset(names_where())


class Store:
    """The sweep store at ``root`` (created on first use)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    # --- manifest -------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest, None for a new or empty folder; StoreError for anything else."""
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(f"{self.root}: not a folder; --store needs a folder for the sweep results")
        if not self.manifest_path.exists():
            if self.root.is_dir() and any(p for p in self.root.iterdir()):
                raise StoreError(
                    f"{self.root}: not a sweep store (no {MANIFEST}) but not empty either; "
                    "choose a new or empty folder"
                )
            return None
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise StoreError(
                f"{self.manifest_path}: unreadable manifest ({exc}); the store is damaged: "
                "delete the folder or choose another --store"
            ) from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise StoreError(f"{self.manifest_path}: not a {FORMAT} manifest; choose another --store")
        for key in ("reps", "seed"):
            value = manifest.get(key)
            if type(value) is not int or value < 0:
                raise StoreError(
                    f"{self.manifest_path}: '{key}' is {_short(value)}, not a whole number; the store is damaged: "
                    "delete the folder or choose another --store"
                )
        return manifest

    def open(self, manifest: dict[str, Any]) -> None:
        """Start or resume: refuse another sweep's store; write the manifest if new."""
        old = self.read_manifest()
        if old is None:
            self._write_manifest(manifest)
            return
        for key in IDENTITY:
            if old.get(key) != manifest.get(key):
                where, was, now = _first_difference(old.get(key), manifest.get(key), key)
                raise StoreError(
                    f"{self.root}: this store holds another sweep: its {_describe(key)} differs "
                    f"at {where}: store {_short(was)}, now {_short(now)}; "
                    "use a new --store folder, or rerun with the store's settings"
                )
        if old.get("versions") != manifest.get("versions"):
            warnings.warn(
                f"{self.root}: store made with {_version_change(old.get('versions'), manifest.get('versions'))}; "
                "cells from different versions may differ",
                stacklevel=2,
            )
        if manifest.get("reps", 0) > old.get("reps", 0):
            self._write_manifest({**old, "reps": manifest["reps"]})

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        text = json.dumps(manifest, indent=2, sort_keys=True)
        write_atomic(self.manifest_path, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))

    # --- cells ----------------------------------------------------------------------------
    def cell_path(self, scenario_hash: str, replication: int) -> Path:
        return self.root / "cells" / scenario_hash / f"rep-{replication:06d}.parquet"

    def has(self, scenario_hash: str, replication: int) -> bool:
        return self.cell_path(scenario_hash, replication).exists()

    def write_cell(self, frame: pd.DataFrame) -> None:
        """Write one cell (all KPI rows of one scenario hash x replication) atomically."""
        digest = str(frame["scenario_hash"].iloc[0])
        rep = int(frame["replication"].iloc[0])
        write_atomic(self.cell_path(digest, rep), lambda tmp: frame[CELL_COLUMNS].to_parquet(tmp, index=False))

    def read_cell(self, scenario_hash: str, replication: int, seed: int) -> pd.DataFrame:
        """Read one cell and check that it holds what its name says."""
        path = self.cell_path(scenario_hash, replication)
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a damaged file
            raise StoreError(
                f"{path}: unreadable cell ({type(exc).__name__}: {exc}); "
                "delete this file and rerun to compute it again"
            ) from None
        problem = None
        if list(frame.columns) != CELL_COLUMNS:
            problem = f"columns {list(frame.columns)}, expected {CELL_COLUMNS}"
        elif frame.empty:
            problem = "no rows"
        elif not (
            (frame["scenario_hash"] == scenario_hash).all()
            and (frame["replication"] == replication).all()
            and (frame["seed"] == seed).all()
        ):
            problem = "rows for another scenario, replication or seed"
        elif frame["kpi"].duplicated().any() or set(frame["kpi"]) != _kpi_names():
            missing = sorted(_kpi_names() - set(frame["kpi"]))
            problem = f"KPI rows missing: {', '.join(missing[:3])}" if missing else "unexpected or repeated KPI rows"
        if problem:
            raise StoreError(f"{path}: not the cell its name says ({problem}); delete it and rerun")
        return frame

    def clean_temporary(self) -> int:
        """Remove half-written temporary files left by a killed run; return how many."""
        cells = self.root / "cells"
        if not cells.is_dir():
            return 0
        stale = list(cells.glob("*/.*.tmp"))
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)


def new_manifest(
    base_scenario_hash: str,
    base_scenario_name: str,
    seed: int,
    reps: int,
    design: dict[str, Any],
    points: list[dict[str, Any]],
) -> dict[str, Any]:
    """Everything needed to tell whether a store belongs to a sweep, and how it was made."""
    return {
        "format": FORMAT,
        "base_scenario_hash": base_scenario_hash,
        "base_scenario_name": base_scenario_name,
        "seed": seed,
        "reps": reps,
        "design": design,
        "points": points,
        "versions": versions(),
        "git_commit": git_commit(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _version_change(old: Any, new: Any) -> str:
    """'numpy 1.26.4, resuming with 2.0.0' for the packages whose versions differ."""
    old, new = (old if isinstance(old, dict) else {}), (new if isinstance(new, dict) else {})
    changed = [f"{k} {old.get(k)}, resuming with {new.get(k)}" for k in sorted(set(old) | set(new), key=str)
               if old.get(k) != new.get(k)]
    return "; ".join(changed) or "other versions"


def _describe(key: str) -> str:
    return {
        "base_scenario_hash": "base scenario (hash)",
        "seed": "seed",
        "design": "grid or sample design",
        "points": "design points",
        "format": "format",
    }[key]


def _first_difference(old: Any, new: Any, path: str) -> tuple[str, Any, Any]:
    """The first dotted path at which two JSON values differ, and the values there."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            if old.get(key) != new.get(key):
                return _first_difference(old.get(key), new.get(key), f"{path}.{key}")
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            if a != b:
                return _first_difference(a, b, f"{path}[{i}]")
    return path, old, new


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."
