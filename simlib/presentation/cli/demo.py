"""``simlib demo``: the headline comparison that ``make demo`` runs (a thin command)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simlib.presentation.cli.errors import check_run_options, command_app

app = command_app()


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the brief and figure.")] = Path("out"),
    reps: Annotated[int, typer.Option("--reps", "-r", help="Replications per scenario.")] = 10,
    seed: Annotated[int, typer.Option("--seed", help="Base seed (common random numbers).")] = 2024,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes on this machine.")] = 2,
) -> None:
    """Today's rules against hard caseload caps of 15 and 12: key KPIs with 95% CIs, a brief in
    Swedish and English and a figure under --out."""
    check_run_options(reps, jobs, min_reps=2, seed=seed)  # two replications at least, for an interval
    from simlib.presentation.brief import shell_command
    from simlib.presentation.demo import HEADLINE_SCENARIOS, run_headline

    typer.echo(f"Comparing {', '.join(HEADLINE_SCENARIOS)}: {reps} replications each, seed {seed}, "
               "common random numbers ...", err=True)
    result = run_headline(out, reps=reps, seed=seed, jobs=jobs, command=shell_command())
    typer.echo(result.table)
    for path in result.files:
        typer.echo(f"wrote {path}")
    typer.echo("Open the brief in a browser; notebooks: make lab; dashboard: make dashboard")
