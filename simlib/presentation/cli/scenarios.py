"""``simlib scenarios``, ``simlib validate`` and ``simlib show``: the bundled catalogue and one file's check."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from simlib.presentation.cli.errors import (
    EXIT_USER_ERROR,
    UserError,
    command_app,
    error_lines,
    is_user_error,
    print_errors,
    shown,
)
from simlib.scenario import ScenarioError, load, to_yaml
from simlib.scenario.loader import bundled_dir

app = command_app()


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
            description = f"(invalid: run `simlib validate {shown(path)}`)"
        out.append(BundledScenario(name, path, description))
    return out


def _one_line(text: str, width: int = 120) -> str:
    """The first sentence of a description, cut to fit one terminal line."""
    text = " ".join(text.split())
    if not text:
        return "(no description)"
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return first if len(first) <= width else first[: width - 3].rstrip() + "..."


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
        except Exception as exc:  # report every file, not only the first bad one
            if not is_user_error(exc):
                raise
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
        f"# scenario {loaded.scenario.name}, resolved from: {' <- '.join(map(shown, reversed(loaded.files)))}"
    )
    if loaded.overrides:
        typer.echo(f"# overrides: {' '.join(loaded.overrides)}")
    typer.echo(f"# sha256: {loaded.hash}")
    typer.echo(to_yaml(loaded.scenario), nl=False)
