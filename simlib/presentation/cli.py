"""The ``simlib`` command line: a thin typer app over the library.

Each command parses its arguments, calls one library function and writes the
output; there is no model logic here. A docstring is the command's ``--help``.

A user's mistake (a bad scenario file, a missing file, a bad ``--set``) is
printed to stderr as one ``error: ...`` line per problem and exits with status
2, never with a traceback. That handling lives in one place, ``user_errors``,
and ``app.command()`` applies it to every command, including commands that other
modules register. To add commands, create ``simlib/presentation/commands_<name>.py``:

    from simlib.presentation.cli import UserError, app

    @app.command()
    def run(...) -> None:
        \"\"\"Run replications of a scenario.\"\"\"

Modules named ``commands_*`` in this package are imported at the bottom of this
file, so their commands appear in ``simlib --help`` without further wiring.
"""

from __future__ import annotations

import functools
import importlib
import math
import os
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

import simlib
from simlib.scenario import ScenarioError, load, to_yaml
from simlib.scenario.loader import bundled_dir

EXIT_USER_ERROR = 2

F = TypeVar("F", bound=Callable[..., Any])


class UserError(Exception):
    """A mistake the user can fix; each line is printed as ``error: <line>``."""

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self._lines = list(lines)

    def lines(self) -> list[str]:
        return list(self._lines)


def check_run_options(reps: int, jobs: int, years: float | None = None, min_reps: int = 1) -> None:
    """The options every simulating command shares: a UserError naming the first bad one."""
    if reps < min_reps:
        raise UserError(f"--reps: must be at least {min_reps}, got {reps}")
    if jobs < 1:
        raise UserError(f"--jobs: must be at least 1, got {jobs}")
    if years is not None and not (years > 0 and math.isfinite(years)):
        raise UserError(f"--years: must be above 0, got {years:g}")


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


app = SimlibTyper(
    name="simlib",
    help="Caseload Lab: a model of Swedish child-welfare services (waits, deadlines, caseload caps, budgets).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # a real bug shows a plain traceback; user errors never do
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"simlib {simlib.__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Caseload Lab: a model of Swedish child-welfare services (waits, deadlines, caseload caps, budgets)."""


@dataclass(frozen=True)
class BundledScenario:
    name: str
    path: Path
    description: str


def bundled_scenarios(root: Path | None = None) -> list[BundledScenario]:
    """Every scenario file under scenarios/ (recursively), with its description."""
    root = bundled_dir() if root is None else root
    if not root.is_dir():
        raise UserError(f"no bundled scenarios found (looked in {root})")
    out = []
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml")):
        name = path.relative_to(root).with_suffix("").as_posix()
        try:
            description = _one_line(load(path).scenario.metadata.description)
        except ScenarioError:
            description = f"(invalid: run `simlib validate {_shown(path)}`)"
        out.append(BundledScenario(name, path, description))
    return out


def _one_line(text: str, width: int = 120) -> str:
    """The first sentence of a description, cut to fit one terminal line."""
    text = " ".join(text.split())
    if not text:
        return "(no description)"
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return first if len(first) <= width else first[: width - 3].rstrip() + "..."


def _shown(path: str | Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


@app.command()
def scenarios() -> None:
    """List the bundled scenarios (under scenarios/) with a one-line description each."""
    entries = bundled_scenarios()
    width = max((len(e.name) for e in entries), default=0)
    for entry in entries:
        typer.echo(f"{entry.name:<{width}}  {entry.description}")


@app.command()
def validate(
    files: Annotated[
        list[str],
        typer.Argument(
            help="Scenario files, or bundled names such as 'baseline'.",
            metavar="FILE...",
            show_default=False,
        ),
    ],
) -> None:
    """Check scenario files: print 'ok FILE HASH' for each good one, the problems for the rest.

    HASH is the first 12 hex digits of the scenario hash (sha256 of the resolved
    model inputs). Exits with status 2 if any file has a problem.
    """
    failed = False
    for file in files:
        try:
            loaded = load(file)
        except USER_ERRORS as exc:  # report every file, not only the first bad one
            print_errors(error_lines(exc))
            failed = True
            continue
        typer.echo(f"ok {file} {loaded.hash[:12]}")
    if failed:
        raise typer.Exit(EXIT_USER_ERROR)


@app.command()
def show(
    file: Annotated[
        str,
        typer.Argument(
            help="A scenario file, or a bundled name such as 'baseline'.", metavar="FILE"
        ),
    ],
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            "-s",
            metavar="KEY=VALUE",
            help="Override a value by its dotted key, e.g. investigation.caseload_cap=15 (repeatable).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print the resolved scenario as YAML: after extends: and --set, provenance notes removed.

    The output is itself a valid scenario file with the same hash.
    """
    loaded = load(file, set_ or [])
    typer.echo(
        f"# scenario {loaded.scenario.name}, resolved from: {' <- '.join(map(_shown, reversed(loaded.files)))}"
    )
    if loaded.overrides:
        typer.echo(f"# overrides: {' '.join(loaded.overrides)}")
    typer.echo(f"# sha256: {loaded.hash}")
    typer.echo(to_yaml(loaded.scenario), nl=False)


def main() -> None:
    """Console entry point: ``simlib``."""
    app(prog_name="simlib")


def _register_command_modules() -> None:
    """Import simlib/presentation/commands_*.py so their commands join ``app``."""
    here = [os.fspath(Path(__file__).parent)]
    for info in sorted(pkgutil.iter_modules(here), key=lambda m: m.name):
        if info.name.startswith("commands_"):
            importlib.import_module(f"simlib.presentation.{info.name}")


_register_command_modules()

if __name__ == "__main__":  # python -m simlib.presentation.cli: use the importable module's app
    from simlib.presentation.cli import main as _main

    _main()
