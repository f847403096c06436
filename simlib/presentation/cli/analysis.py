"""CLI commands for the scenario catalogue: ``params``, ``calibrate``, ``national``.

Thin wrappers: each parses its options, calls one function in
``simlib.analysis`` and prints the result (registered on the shared typer app
by ``simlib.presentation.cli``).
"""

from __future__ import annotations

import dataclasses
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
from simlib.presentation.cli.errors import UserError, check_writable, command_app
from simlib.presentation.cli.options import (
    DaskOpt,
    JobsOpt,
    KpiOpt,
    QuietOpt,
    SeedOpt,
    SetOpt,
    WarmupOpt,
    YearsOpt,
    check,
    check_kpis,
)
from simlib.presentation.i18n import table_label
from simlib.scenario import load

app = command_app()


class ParamsFormat(str, Enum):
    md = "md"
    csv = "csv"


class ReportFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


# calibrate and national need two replications at least, for an interval
Reps = Annotated[int, typer.Option("--reps", "-r", min=2, help="Replications per scenario (at least 2 for a CI).")]


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
            "--check", help="Print only problems: numbers without a source or assumption (exit 2), else one ok line."
        ),
    ] = False,
) -> None:
    """Print every parameter of a scenario: dotted key, value, unit, meaning, source or assumption.

    docs/parameters.md is `simlib params baseline > docs/parameters.md`.
    """
    loaded = load(scenario)
    if check:
        problems = parameters.missing_provenance(loaded)
        if problems:
            raise UserError(*problems)
        typer.echo(f"ok {scenario}: every number has a source or a stated assumption")
        return
    table = parameters.parameter_table(loaded)
    if format is ParamsFormat.csv:
        typer.echo(parameters.to_csv(table), nl=False)
    else:
        typer.echo(parameters.to_markdown(table, loaded.scenario.name), nl=False)


@app.command()
def calibrate(
    scenario: Annotated[
        str, typer.Argument(help="A scenario file, or a bundled name.")
    ] = "baseline",
    set_: SetOpt = None,
    reps: Reps = 10,
    seed: SeedOpt = 2024,
    years: YearsOpt = None,
    jobs: JobsOpt = 1,
    dask: DaskOpt = None,
    format: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.table,
    warmup: WarmupOpt = None,
    quiet: QuietOpt = False,
    kpi: KpiOpt = None,
) -> None:
    """Compare a scenario's KPIs (mean and 95% CI) with Swedish public figures.

    Each target is marked within / borderline / outside its published range, or
    'not modelled' when the scenario switches the mechanism off. Reports; never tunes.
    """
    check(reps, jobs, years, seed, warmup, min_reps=2)
    kpi = check_kpis(kpi)
    loaded = load(scenario, set_ or [])
    table = calibration.calibrate(
        loaded.scenario, reps=reps, seed=seed, years=years, jobs=jobs, dask=dask, warmup=warmup, progress=not quiet
    )
    if kpi is not None:
        table = table[table["target"].isin(kpi)]
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
        typer.echo(calibration.to_text(table, loaded.scenario.name, reps, label=table_label))


@app.command()
def national(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(
            help="Scenario files or bundled names; the first is the base (default: baseline).",
            metavar="[SCENARIO]...",
        ),
    ] = None,
    set_: SetOpt = None,
    reps: Reps = 5,
    seed: SeedOpt = 2024,
    years: YearsOpt = None,
    jobs: JobsOpt = 1,
    dask: DaskOpt = None,
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
    warmup: WarmupOpt = None,
    quiet: QuietOpt = False,
    kpi: KpiOpt = None,
) -> None:
    """Run all 290 municipalities x scenarios; national totals and paired differences with 95% CIs.

    Each municipality (simlib/data/municipalities.csv: SCB code, SKR 2023 group,
    population, children) runs as its own scaled scenario with its own seed, the
    same in every scenario (common random numbers). Differences and the price
    (posts, SEK bn a year) are against the first scenario. Municipalities with an
    unstable replication are named and left out of every total.
    """
    from simlib.experiments.replications import resolve
    from simlib.scenario.loader import scenario_hash

    check(reps, jobs, years, seed, warmup, min_reps=2)
    kpi = check_kpis(kpi)
    names = scenarios or ["baseline"]
    loaded = [resolve(load(s, set_ or []).scenario, warmup=warmup) for s in names]
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
    if kpi is not None:  # --kpi: only these measures, in every format
        res = dataclasses.replace(res, totals=res.totals[res.totals["kpi"].isin(kpi)],
                                  differences=res.differences[res.differences["kpi"].isin(kpi)],
                                  per_rep=res.per_rep[res.per_rep["kpi"].isin(kpi)])
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
        children = float(table["children_0_17"].sum())
        left_out = float(res.unstable["children_0_17"].sum()) if not res.unstable.empty else 0.0
        typer.echo(json.dumps({"format": "caseload-lab-national/1", "reps": reps, "seed": seed, "scenarios": order,
                               "hashes": {sc.name: scenario_hash(sc) for sc in loaded},
                               "municipalities": len(table), "children_0_17": children,
                               "children_0_17_left_out": left_out,
                               "unstable": unstable, "rows": records}, indent=2, ensure_ascii=False))
    elif per_municipality:
        typer.echo(frame.to_string(index=False))
    else:
        typer.echo(national_report.render(res, order), nl=False)


def _json(v: object) -> object:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
