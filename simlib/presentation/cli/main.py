"""The root ``simlib`` app: the version flag, and every command module registered explicitly.

Typer's one-file-per-command pattern: each module under this package makes its
own Typer with ``command_app()`` and decorates its commands; this module imports
them and calls ``app.add_typer`` for each. Command modules never import this one.
"""

from __future__ import annotations

import warnings

from typing import Annotated

import typer

import simlib
from simlib.presentation.cli import analysis, brief, demo, experiments, price, scenarios
from simlib.presentation.cli.errors import SimlibTyper

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
    import matplotlib

    matplotlib.use("Agg")  # the command line writes figures to files; it never opens a window


for _module in (scenarios, experiments, analysis, price, brief, demo):  # the order of simlib --help
    app.add_typer(_module.app)


def _plain_warning(message: Warning | str, category: type[Warning], *_args: object, **_kwargs: object) -> str:
    return f"warning: {message}\n"


def main() -> None:
    """Console entry point: ``simlib``. A warning prints as one plain ``warning: ...`` line."""
    warnings.formatwarning = _plain_warning  # type: ignore[assignment]
    app(prog_name="simlib")
