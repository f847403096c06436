"""CLI commands for the scenario catalogue: ``params``, ``calibrate``, ``national``.

Thin wrappers: each parses its options, calls one function in
``simlib.analysis`` and prints the result (registered on the shared typer app
by ``simlib.presentation.cli``).
"""

from __future__ import annotations

import json
import math
from enum import Enum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from simlib.analysis import calibration, parameters
from simlib.analysis.national import load_municipalities
from simlib.analysis.national import national as run_national
from simlib.presentation import national_report
from simlib.presentation.cli.errors import UserError, check_run_options, check_writable, command_app
from simlib.scenario import load

app = command_app()


class ParamsFormat(str, Enum):
    md = "md"
    csv = "csv"


class ReportFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


Reps = Annotated[
    int,
    typer.Option("--reps", "-r", min=2, help="Replications per scenario (at least 2 for a CI)."),
]
Seed = Annotated[
    int,
    typer.Option(
        "--seed", help="Base seed; replication r uses SeedSequence(seed, spawn_key=(r,))."
    ),
]
Years = Annotated[
    float | None,
    typer.Option(
        "--years", help="Simulated years per replication (default: the scenario's horizon)."
    ),
]
Jobs = Annotated[int, typer.Option("--jobs", "-j", min=1, help="Local worker processes.")]
Dask = Annotated[
    str | None,
    typer.Option(
        "--dask",
        metavar="ADDRESS",
        help="Run on dask.distributed: a scheduler address, or 'local'.",
    ),
]


@app.command()
def params(
    scenario: Annotated[
        str, typer.Argument(help="A scenario file, or a bundled name such as 'baseline'.")
    ] = "baseline",
    format: Annotated[
        ParamsFormat, typer.Option("--format", "-f", help="md (Markdown page) or csv.")
    ] = ParamsFormat.md,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Exit with status 2 if a number lacks its source or assumption."
        ),
    ] = False,
) -> None:
    """Print every parameter of a scenario: dotted key, value, unit, meaning, source or assumption.

    docs/parameters.md is `simlib params baseline > docs/parameters.md`.
    """
    loaded = load(scenario)
    table = parameters.parameter_table(loaded)
    if format is ParamsFormat.csv:
        typer.echo(parameters.to_csv(table), nl=False)
    else:
        typer.echo(parameters.to_markdown(table, loaded.scenario.name), nl=False)
    if check:
        problems = parameters.missing_provenance(loaded)
        if problems:
            raise UserError(*problems)


@app.command()
def calibrate(
    scenario: Annotated[
        str, typer.Argument(help="A scenario file, or a bundled name.")
    ] = "baseline",
    reps: Reps = 10,
    seed: Seed = 2024,
    years: Years = None,
    jobs: Jobs = 1,
    dask: Dask = None,
    format: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.table,
) -> None:
    """Compare a scenario's KPIs (mean and 95% CI) with Swedish public figures.

    Each target is marked within / borderline / outside its published range, or
    'not modelled' when the scenario switches the mechanism off. Reports; never tunes.
    """
    check_run_options(reps, jobs, years, seed=seed)
    loaded = load(scenario)
    table = calibration.calibrate(
        loaded.scenario, reps=reps, seed=seed, years=years, jobs=jobs, dask=dask
    )
    if format is ReportFormat.csv:
        typer.echo(table.to_csv(index=False), nl=False)
    elif format is ReportFormat.json:
        records = [{k: _json(v) for k, v in row.items()} for row in table.to_dict(orient="records")]
        typer.echo(
            json.dumps(
                {"scenario": loaded.scenario.name, "reps": reps, "seed": seed, "targets": records},
                indent=2,
            )
        )
    else:
        typer.echo(calibration.to_text(table, loaded.scenario.name, reps))


@app.command()
def national(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(
            help="Scenario files or bundled names; the first is the base (default: baseline).",
            metavar="[SCENARIO]...",
        ),
    ] = None,
    reps: Reps = 5,
    seed: Seed = 2024,
    years: Years = None,
    jobs: Jobs = 1,
    dask: Dask = None,
    only: Annotated[
        str | None,
        typer.Option("--only", help="Comma-separated municipality codes or SKR groups (e.g. 2403,C9): a part of Sweden."),
    ] = None,
    store: Annotated[
        Path | None,
        typer.Option("--store", help="Resumable store: a rerun computes only missing (municipality, replication) cells."),
    ] = None,
    per_municipality: Annotated[
        bool, typer.Option("--per-municipality", help="Print each municipality's means instead (csv/json/table).")
    ] = False,
    format: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.table,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run all 290 municipalities x scenarios; national totals and paired differences with 95% CIs.

    Each municipality (simlib/data/municipalities.csv: SCB code, SKR 2023 group,
    population, children) runs as its own scaled scenario with its own seed, the
    same in every scenario (common random numbers). Differences and the price
    (posts, SEK bn a year) are against the first scenario. Municipalities with an
    unstable replication are named and left out of every total.
    """
    check_run_options(reps, jobs, years, min_reps=2, seed=seed)
    names = scenarios or ["baseline"]
    loaded = [load(s).scenario for s in names]
    if len({sc.name for sc in loaded}) < len(loaded):
        raise UserError("two scenarios have the same metadata.name; give each a distinct name")
    table = load_municipalities()
    if only:
        wanted = {w.strip() for w in only.split(",") if w.strip()}
        unknown = wanted - set(table["code"]) - set(table["group_code"])
        if unknown:
            raise UserError(f"--only: unknown municipality code or SKR group {sorted(unknown)[0]!r} "
                            "(codes such as 0180, groups A1..C9)")
        table = table[table["code"].isin(wanted) | table["group_code"].isin(wanted)].reset_index(drop=True)
    if store is not None:
        check_writable(store, "--store", folder=True)
    res = run_national(loaded, reps=reps, seed=seed, years=years, jobs=jobs, dask=dask,
                       municipalities=table, progress=not quiet, store=store)
    order = [sc.name for sc in loaded]
    if per_municipality:
        frame = res.per_municipality
    else:
        frame = pd.concat([res.totals.assign(measure="level"), res.differences.assign(measure="difference")],
                          ignore_index=True)
    if format is ReportFormat.csv:
        typer.echo(frame.to_csv(index=False), nl=False)
    elif format is ReportFormat.json:
        records = [{k: _json(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
        unstable = [{k: _json(v) for k, v in row.items()} for row in res.unstable.to_dict(orient="records")]
        typer.echo(json.dumps({"reps": reps, "seed": seed, "scenarios": order, "municipalities": len(table),
                               "unstable": unstable, "rows": records}, indent=2, ensure_ascii=False))
    elif per_municipality:
        typer.echo(frame.to_string(index=False))
    else:
        typer.echo(national_report.render(res, order), nl=False)


def _json(v: object) -> object:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
