"""What every ``simlib`` command shares: user errors as one line and exit 2, and the run-option check.

A user's mistake (a bad scenario file, a missing file, a bad ``--set``) is
printed to stderr as one ``error: ...`` line per problem and exits with status
2, never with a traceback. That handling lives here, in ``user_errors``; every
command module makes its Typer with ``command_app()``, whose ``command()``
applies it, so no command can forget it.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import typer

from simlib.experiments.replications import MAX_REPS
from simlib.scenario import ScenarioError

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
    if not min_reps <= reps <= MAX_REPS:
        raise UserError(f"--reps: must be at least {min_reps} and at most {MAX_REPS:,}, got {reps:,}")
    if jobs < 1:
        raise UserError(f"--jobs: must be at least 1, got {jobs}")
    if years is not None and not (0 < years <= 100 and math.isfinite(years)):
        raise UserError(f"--years: must be above 0 and at most 100, got {years:g}")
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise UserError(f"--seed: must be from 0 to {MAX_SEED} (a 64-bit seed), got {seed}")
    cores = os.cpu_count() or 1
    if jobs > cores:
        typer.echo(f"warning: --jobs {jobs} is more than the {cores} cores of this machine; "
                   "extra processes only share them", err=True)


# OSErrors that mean "the path you gave is wrong", not "the program is broken"
_PATH_ERRORS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)
USER_ERRORS = (ScenarioError, UserError, *_PATH_ERRORS)


def error_lines(exc: BaseException) -> list[str]:
    """One readable line per problem in a user error."""
    if isinstance(exc, (ScenarioError, UserError)):
        return exc.lines() or [str(exc)]
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
        except USER_ERRORS as exc:
            print_errors(error_lines(exc))
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
