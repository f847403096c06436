"""The root ``simlib`` app: the version flag, and every command found in its module on first use.

Typer's one-file-per-command pattern: each module under this package makes its
own Typer with ``command_app()`` and decorates its commands. This module names
them (``COMMANDS``: command -> module) and imports a module only when one of its
commands runs or ``--help`` lists them, so ``simlib --version`` and ``simlib
validate FILE`` do not wait for pandas, scipy, matplotlib, Dask or the model
(benchmarks/bench_startup.py measures it). Command modules never import this one.
"""

from __future__ import annotations

import importlib
import os
import warnings
from typing import Annotated

import click
import typer
from typer.core import TyperGroup

import simlib
from simlib.presentation.cli.errors import SimlibTyper

# command -> its module in this package, in the order of `simlib --help`
COMMANDS = {
    "scenarios": "scenarios", "validate": "scenarios", "show": "scenarios",
    "run": "experiments", "compare": "experiments", "sweep": "experiments",
    "params": "analysis", "calibrate": "analysis", "national": "analysis",
    "price": "price", "brief": "brief", "demo": "demo",
}
MODULES = tuple(dict.fromkeys(COMMANDS.values()))


def module_commands(module: str) -> dict[str, click.Command]:
    """The click commands a command module defines (imports it)."""
    typer_app = importlib.import_module(f"{__package__}.{module}").app
    return dict(typer.main.get_group(typer_app).commands)


def module_command(module: str, name: str) -> click.Command | None:
    """One command of a command module, built alone: what ``module_commands`` gives for it.

    typer builds a group's every command from its signature; for ``simlib run`` the
    other two of its module (compare, sweep) cost ~30 M instructions (callgrind).
    """
    typer_app = importlib.import_module(f"{__package__}.{module}").app
    for info in typer_app.registered_commands:
        if info.callback is not None and (info.name or typer.main.get_command_name(info.callback.__name__)) == name:
            return typer.main.get_command_from_info(info, pretty_exceptions_short=typer_app.pretty_exceptions_short,
                                                    rich_markup_mode=typer_app.rich_markup_mode)
    return None


class LazyGroup(TyperGroup):
    """A group whose commands are imported from their module, and built, when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        return None if module is None else module_command(module, cmd_name)


app = SimlibTyper(
    name="simlib",
    help="Caseload Lab: a model of Swedish child-welfare services (waits, deadlines, caseload caps, budgets).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # a real bug shows a plain traceback; user errors never do
    cls=LazyGroup,
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
    # The command line writes figures to files and never opens a window; matplotlib
    # reads this when (and only if) a command imports it.
    os.environ["MPLBACKEND"] = "Agg"


def _plain_warning(message: Warning | str, category: type[Warning], *_args: object, **_kwargs: object) -> str:
    return f"warning: {message}\n"


def main() -> None:
    """Console entry point: ``simlib``. A warning prints as one plain ``warning: ...`` line."""
    warnings.formatwarning = _plain_warning  # type: ignore[assignment]
    app(prog_name="simlib")
