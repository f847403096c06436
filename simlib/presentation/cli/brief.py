"""``simlib brief``: a citable HTML (and PDF) brief comparing alternatives with a base.

A thin command: it checks the options, calls ``simlib.presentation.brief.make_brief``
(which runs the paired comparison and renders the page) and writes the file; with
``--pdf`` it prints the page with headless Chromium. The library is imported
inside the command so that ``simlib --help`` stays quick.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simlib.presentation.cli.errors import UserError, command_app
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

LANGS = ("sv", "en")


@app.command()
def brief(
    base: Annotated[str, typer.Argument(help="The base scenario (file or bundled name).", metavar="BASE")],
    alternatives: Annotated[
        list[str],
        typer.Argument(help="One or more alternative scenarios.", metavar="ALT...", show_default=False),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")] = Path("brief.html"),
    lang: Annotated[str, typer.Option("--lang", "-l", help="Language of the brief: sv or en.")] = "sv",
    set_: SetOpt = None,
    reps: RepsOpt = 10,
    seed: SeedOpt = 2024,
    years: YearsOpt = None,
    jobs: JobsOpt = 1,
    dask: DaskOpt = None,
    warmup: WarmupOpt = None,
    quiet: QuietOpt = False,
    sensitivity: Annotated[
        bool, typer.Option("--sensitivity", help="Also run the policy's effect at the ends of the assumptions' "
                           "ranges (What the answer rests on; ~36 more replications).")
    ] = False,
    national: Annotated[
        Path | None, typer.Option("--national", help="A 'simlib national BASE ALT... --format json' file of the same "
                                  "scenarios: adds the section For Sweden.", show_default=False)
    ] = None,
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="Also print the brief to this PDF (needs Chromium).", show_default=False)
    ] = None,
) -> None:
    """Write a self-contained brief (HTML, optionally PDF): findings, key table with 95% CIs,
    figures, assumptions, parameters with sources, STRESS-DES appendix and a reproducibility stamp.
    """
    if lang not in LANGS:
        raise UserError(f"--lang: must be one of {', '.join(LANGS)}, got {lang!r}")
    check(reps, jobs, years, seed, warmup)
    from simlib.presentation.brief import find_chromium, make_brief, print_pdf, shell_command

    if pdf is not None and find_chromium() is None:
        raise UserError("--pdf: headless Chromium is not installed (apt-get install chromium)")
    from simlib.presentation.brief.national import NationalFileError

    try:
        result = make_brief(base, alternatives, lang=lang, reps=reps, seed=seed, years=years, jobs=jobs,
                            command=shell_command(), overrides=set_, warmup=warmup, dask=dask, progress=not quiet,
                            sensitivity=sensitivity, national=national)
    except NationalFileError as exc:
        raise UserError(f"--national: {exc}") from None
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(result.html, encoding="utf-8")
    typer.echo(f"wrote {output}")
    if pdf is not None:
        try:
            print_pdf(output, pdf)
        except RuntimeError as exc:
            raise UserError(f"--pdf: {exc}") from None
        typer.echo(f"wrote {pdf}")
