"""``simlib demo``: the headline comparison that ``make demo`` runs (a thin command)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simlib.presentation.cli.errors import command_app
from simlib.presentation.cli.options import (
    DaskOpt,
    JobsOpt,
    QuietOpt,
    RepsOpt,
    SeedOpt,
    SetOpt,
    WarmupOpt,
    YearsOpt,
    check,
)

app = command_app()


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the brief and figure.")] = Path("out"),
    set_: SetOpt = None,
    reps: RepsOpt = 10,
    seed: SeedOpt = 2024,
    years: YearsOpt = None,
    jobs: JobsOpt = 1,
    dask: DaskOpt = None,
    warmup: WarmupOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Today's rules against hard caseload caps of 15 and 12: key KPIs with 95% CIs, a brief in
    Swedish and English and a figure under --out (make demo adds --jobs 2)."""
    check(reps, jobs, years, seed, warmup, min_reps=2)  # two replications at least, for an interval
    from simlib.presentation.brief import shell_command
    from simlib.presentation.demo import HEADLINE_SCENARIOS, run_headline

    if not quiet:
        typer.echo(f"Comparing {', '.join(HEADLINE_SCENARIOS)}: {reps} replications each, seed {seed}, "
                   "common random numbers ...", err=True)
    result = run_headline(out, reps=reps, seed=seed, jobs=jobs, years=years, command=shell_command(),
                          overrides=set_, warmup=warmup, dask=dask, progress=not quiet)
    typer.echo(result.table)
    for path in result.files:
        typer.echo(f"wrote {path}")
    typer.echo("Open the brief in a browser; notebooks: make lab; dashboard: make dashboard")
