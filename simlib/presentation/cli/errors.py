"""What every ``simlib`` command shares: user errors as one line and exit 2, and the run-option check.

A user's mistake (a bad scenario file, a missing file, a bad ``--set``) is
printed to stderr as one ``error: ...`` line per problem and exits with status
2, never with a traceback. That handling lives here, in ``user_errors``; every
command module makes its Typer with ``command_app()``, whose ``command()``
applies it, so no command can forget it. Nothing heavy is imported here (the
library's error types are looked up only among modules already loaded), so that
``simlib --version`` and ``simlib validate`` start quickly.
"""

from __future__ import annotations

import functools
import errno
import math
import os
import shutil
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import typer


EXIT_USER_ERROR = 2

F = TypeVar("F", bound=Callable[..., Any])


class UserError(Exception):
    """A mistake the user can fix; each line is printed as ``error: <line>``."""

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self._lines = list(lines)

    def lines(self) -> list[str]:
        return list(self._lines)


MAX_SEED = 2**63 - 1  # seeds are stored as int64 in sweep stores and results


def check_run_options(
    reps: int, jobs: int, years: float | None = None, min_reps: int = 1, seed: int | None = None
) -> None:
    """The options every simulating command shares: a UserError naming the first bad one.

    ``--jobs`` above this machine's cores is allowed (a shared scheduler may say
    otherwise) but warned about: more processes than cores is slower, not faster.
    """
    from simlib.experiments.replications import MAX_REPS

    if not min_reps <= reps <= MAX_REPS:
        raise UserError(f"--reps: must be at least {min_reps} and at most {MAX_REPS:,}, got {reps:,}")
    if jobs < 1:
        raise UserError(f"--jobs: must be at least 1, got {jobs}")
    if years is not None and not (0 < years <= 100 and math.isfinite(years)):
        raise UserError(f"--years: must be above 0 and at most 100, got {years:g}")
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise UserError(f"--seed: must be from 0 to {MAX_SEED} (a 64-bit seed), got {seed}")
    from simlib.experiments.parallel import default_jobs

    cores = default_jobs()  # the cores this process may use (a container's or taskset's share)
    if jobs > cores:
        typer.echo(f"warning: --jobs {jobs} is more than the {cores} cores this process may use; "
                   "extra processes only share them", err=True)


def check_writable(path: Path | None, option: str, folder: bool = False) -> None:
    """Before a run: the place ``option`` names can be written (so hours of work are not lost at the end)."""
    if path is None:
        return
    if path.exists():
        if folder != path.is_dir():
            raise UserError(f"{option}: {path} is {'not ' if folder else ''}a folder")
        target = path
    else:
        target = next((p for p in path.absolute().parents if p.exists()), Path("/"))
        if not target.is_dir():
            raise UserError(f"{option}: cannot create {path}: {target} is not a folder")
    if not os.access(target, os.W_OK | (os.X_OK if target.is_dir() else 0)):
        raise UserError(f"{option}: cannot write to {path} (read-only disk or no permission)")
    try:
        free = shutil.disk_usage(target if target.is_dir() else target.parent).free
    except OSError:
        return
    if free < MIN_FREE_BYTES:
        raise UserError(f"{option}: the disk holding {path} is full ({free // 1024} kB free)")


MIN_FREE_BYTES = 1_000_000
# OSErrors that mean "the path you gave is wrong", not "the program is broken"
_PATH_ERRORS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)
# OSErrors of the machine, not the program: a full or read-only disk, a quota
ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.ELOOP})
# The library's user-error types, by module: an exception can only be one of them if
# its module is loaded, so they are looked up in sys.modules (no import at start-up).
_LIBRARY_ERRORS = (
    ("simlib.scenario.errors", "ScenarioError"),
    ("simlib.experiments.store", "StoreError"),
    ("simlib.experiments.parallel", "DaskUnavailable"),
)


def _library_error(exc: BaseException) -> bool:
    for module, name in _LIBRARY_ERRORS:
        loaded = sys.modules.get(module)
        if loaded is not None and isinstance(exc, getattr(loaded, name)):
            return True
    return False


def is_user_error(exc: BaseException) -> bool:
    """A mistake the user can fix: a scenario, store, Dask or option problem, or a path that is wrong."""
    return isinstance(exc, (UserError, *_PATH_ERRORS)) or _library_error(exc)


def error_lines(exc: BaseException) -> list[str]:
    """One readable line per problem in a user error."""
    if isinstance(exc, UserError) or _library_error(exc):
        return exc.lines() or [str(exc)]  # type: ignore[attr-defined]
    if isinstance(exc, OSError) and exc.filename is not None:
        return [f"{exc.filename}: {(exc.strerror or str(exc)).lower()}"]
    return [str(exc)]


def print_errors(lines: Iterable[str]) -> None:
    """Write problems to stderr, one ``error: ...`` line each."""
    for line in lines:
        typer.echo(f"error: {line}", err=True)


def user_errors(func: F) -> F:
    """Turn a user's mistake inside a command into error lines and exit status 2."""
    if getattr(func, "_simlib_user_errors", False):
        return func

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            if is_user_error(exc):
                print_errors(error_lines(exc))
                raise typer.Exit(EXIT_USER_ERROR) from None
            if not isinstance(exc, OSError) or exc.errno not in ENVIRONMENT_ERRNOS:
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            print_errors([f"{where}{(exc.strerror or str(exc)).lower()}"])
            raise typer.Exit(EXIT_USER_ERROR) from None

    wrapper._simlib_user_errors = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


class SimlibTyper(typer.Typer):
    """A Typer whose ``command()`` always applies ``user_errors``."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[F], F]:  # type: ignore[override]
        register = super().command(*args, **kwargs)

        def decorator(func: F) -> F:
            register(user_errors(func))
            return func

        return decorator




def command_app() -> SimlibTyper:
    """The Typer a command module registers its commands on (merged into the root app)."""
    return SimlibTyper(add_completion=False, pretty_exceptions_enable=False)


def shown(path: str | Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
