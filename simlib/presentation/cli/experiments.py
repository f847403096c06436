"""``simlib run``, ``simlib compare`` and ``simlib sweep``: thin commands over simlib.experiments.

Each command checks its arguments (a mistake exits 2 with the option named),
loads the scenarios, calls one library function (``run``, ``compare``,
``sweep``) and writes a table, JSON or CSV. The library is imported inside the
commands so that ``simlib --help`` stays quick.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer

from simlib.scenario.loader import parse_value
from simlib.presentation.i18n import table_label
from simlib.presentation.cli.errors import UserError, check_writable, command_app
from simlib.presentation.cli.options import (
    DaskOpt,
    JobsOpt,
    KpiOpt,
    QuietOpt,
    RepsOpt,
    SeedOpt,
    SetOpt,
    WarmupOpt,
    YearsOpt,
    check,
    check_kpis,
)

app = command_app()

FORMATS = ("table", "json", "csv")

FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.", show_default=False)
]
PrecisionAbsOpt = Annotated[
    list[str] | None,
    typer.Option("--precision-abs", metavar="KPI=HALF_WIDTH", show_default=False,
                 help="Absolute precision in the KPI's own units (compare: of its difference), e.g. "
                      "investigation_within_4m_share=0.02 (repeatable; for values near 0, where a relative "
                      "precision cannot be reached)."),
]


# --- argument checks ----------------------------------------------------------------------
def _check_common(
    reps: int, jobs: int, years: float | None, fmt: str, warmup: str | None, seed: int | None = None,
    output: Path | None = None, store: Path | None = None,
) -> None:
    check(reps, jobs, years, seed if seed is not None else 0, warmup)
    check_writable(output, "--output")
    check_writable(store, "--store", folder=True)
    if fmt not in FORMATS:
        raise UserError(f"--format: must be one of {', '.join(FORMATS)}, got {fmt!r}")


def parse_grid(items: list[str]) -> dict[str, list[Any]]:
    """['investigation.caseload_cap=10,12'] -> {'investigation.caseload_cap': [10, 12]}."""
    grid: dict[str, list[Any]] = {}
    for text in items:
        key, sep, raw = text.partition("=")
        key = key.strip()
        values = [v.strip() for v in raw.split(",")]
        if not sep or not key or not raw.strip() or any(v == "" for v in values):
            raise UserError(f"--grid: expected KEY=V1,V2,... (e.g. investigation.caseload_cap=10,12,15), got {text!r}")
        if key in grid:
            raise UserError(f"--grid: {key} given twice")
        grid[key] = [parse_value(v, "--grid", key) for v in values]
    return grid


def parse_ranges(items: list[str]) -> dict[str, tuple[float, float]]:
    """['staff.investigators_fte=24:36'] -> {'staff.investigators_fte': (24.0, 36.0)}."""
    out: dict[str, tuple[float, float]] = {}
    for text in items:
        key, sep, raw = text.partition("=")
        lo_text, colon, hi_text = raw.partition(":")
        try:
            lo, hi = float(lo_text), float(hi_text)
        except ValueError:
            lo = hi = math.nan
        if not sep or not key.strip() or not colon or not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            raise UserError(f"--range: expected KEY=LO:HI with LO < HI (e.g. staff.investigators_fte=24:36), got {text!r}")
        out[key.strip()] = (lo, hi)
    return out


def _library_errors(exc: Exception) -> UserError:
    """Library ValueErrors / KeyErrors about arguments, as a user error."""
    lines = exc.lines() if hasattr(exc, "lines") else [str(exc).strip("'\"")]
    return UserError(*lines)


# --- output -------------------------------------------------------------------------------
def _render(result: Any, fmt: str, kpis: list[str] | None = None) -> str:
    """A result of the results family (same verbs for run, compare and sweep) as table, json
    or csv; ``kpis`` (--kpi) keeps only those KPIs in every format."""
    if fmt == "json":
        return json.dumps(_only(result.to_json_dict(), kpis), indent=2) + "\n"
    if fmt == "csv":
        frame = result.kpis
        return (frame if kpis is None else frame[frame["kpi"].isin(kpis)]).to_csv(index=False)
    return result.report(kpis=kpis, label=table_label)


def _only(tree: Any, kpis: list[str] | None) -> Any:
    """A JSON result with only the chosen KPIs: every mapping keyed by KPI names is filtered."""
    if kpis is None:
        return tree
    if isinstance(tree, list):
        return [_only(x, kpis) for x in tree]
    if not isinstance(tree, dict):
        return tree
    from simlib.model.kpi_registry import NAMES

    if tree and all(k in NAMES for k in tree):
        return {k: v for k, v in tree.items() if k in kpis}
    return {k: _only(v, kpis) for k, v in tree.items()}


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"--output: cannot write {output}: {(exc.strerror or str(exc)).lower()}") from None


def _note(text: str, quiet: bool) -> None:
    if not quiet:
        typer.echo(text, err=True)


# --- commands -----------------------------------------------------------------------------
@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="A scenario file, or a bundled name such as 'baseline'.", metavar="SCENARIO")],
    set_: SetOpt = None,
    reps: RepsOpt = 10,
    seed: SeedOpt = 2024,
    years: YearsOpt = None,
    jobs: JobsOpt = 1,
    dask: DaskOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    precision: Annotated[
        float | None,
        typer.Option("--precision", show_default=False,
                     help="Add replications until each chosen KPI's 95% half-width is within this share of its mean."),
    ] = None,
    max_reps: Annotated[int, typer.Option("--max-reps", help="Cap on replications in precision mode.")] = 100,
    kpi: KpiOpt = None,
    warmup: WarmupOpt = None,
    quiet: QuietOpt = False,
    precision_abs: PrecisionAbsOpt = None,
    precision_kpi: Annotated[
        list[str] | None,
        typer.Option("--precision-kpi", show_default=False,
                     help="KPI precision mode checks (repeatable; default: the --kpi ones, else headline KPIs)."),
    ] = None,
) -> None:
    """Run replications of a scenario and print each KPI's mean with a 95% t-interval.

    --kpi shows only those KPIs; --precision checks --precision-kpi, else the --kpi ones, else headline KPIs.

    json: {"scenario", "scenario_hash", "seed", "reps", "kpis": {kpi: {"mean", "ci_low", "ci_high", "n"}}};
    csv: one row per replication and KPI.
    """
    from simlib.experiments.replications import run as run_replications
    from simlib.experiments.replications import run_kpis
    from simlib.scenario import load

    _check_common(reps, jobs, years, fmt, warmup, seed, output)
    absolute = parse_precision_abs(precision_abs or [])
    kpi = check_kpis(kpi)
    if precision is not None and not (0 < precision < 1e6):
        raise UserError(f"--precision: must be above 0 (e.g. 0.05), got {precision:g}")
    if (precision is not None or absolute) and max_reps < reps:
        raise UserError(f"--max-reps: must be at least --reps ({reps}), got {max_reps}")
    loaded = load(scenario, set_ or [])
    try:
        if precision is None and not absolute:  # KPIs as plain values: no frames, no pandas (run_kpis)
            results = run_kpis(loaded.scenario, reps=reps, seed=seed, years=years, warmup=warmup, jobs=jobs,
                               dask=dask, progress=not quiet)
        else:
            results = run_replications(
                loaded.scenario, reps=reps, seed=seed, years=years, warmup=warmup, jobs=jobs, dask=dask,
                progress=not quiet, series=False, precision=precision, precision_abs=absolute or None,
                max_reps=max_reps, precision_kpis=precision_kpi or kpi,
            )
    except (ValueError, KeyError) as exc:
        raise _library_errors(exc) from None
    if "precision" in results.extras:
        _note(results.extras["precision"].describe(), quiet)
    _emit(_render(results, fmt, kpi), output)


@app.command()
def compare(
    base: Annotated[str, typer.Argument(help="The base scenario (file or bundled name).", metavar="BASE")],
    alternatives: Annotated[
        list[str], typer.Argument(help="One or more alternative scenarios.", metavar="ALT...", show_default=False)
    ],
    set_: SetOpt = None,
    reps: RepsOpt = 10,
    seed: SeedOpt = 2024,
    years: YearsOpt = None,
    jobs: JobsOpt = 1,
    dask: DaskOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    warmup: WarmupOpt = None,
    quiet: QuietOpt = False,
    precision: Annotated[
        float | None,
        typer.Option("--precision", show_default=False,
                     help="Add replications until each chosen KPI's paired difference has a 95% half-width "
                          "within this share of the mean difference (or within --precision-abs)."),
    ] = None,
    precision_abs: PrecisionAbsOpt = None,
    max_reps: Annotated[int, typer.Option("--max-reps", help="Cap on replications in precision mode.")] = 100,
    precision_kpi: Annotated[
        list[str] | None,
        typer.Option("--precision-kpi", show_default=False,
                     help="KPI whose difference precision mode checks (repeatable; default: headline KPIs)."),
    ] = None,
    kpi: KpiOpt = None,
) -> None:
    """Compare alternatives with a base under common random numbers: paired differences (alt - base) with 95% CIs.

    --set applies to every scenario; every replication reports over one warm-up cut for all scenarios.
    json: {"base": name, "alternatives": {name: {kpi: {"mean", "ci_low", "ci_high", "n", "interval"}}}};
    csv: one row per alternative, replication and KPI (base, alt, diff).
    """
    from simlib.experiments import compare as compare_scenarios
    from simlib.scenario import load

    _check_common(reps, jobs, years, fmt, warmup, seed, output)
    absolute = parse_precision_abs(precision_abs or [])
    if precision is not None and not (0 < precision < 1e6):
        raise UserError(f"--precision: must be above 0 (e.g. 0.05), got {precision:g}")
    if (precision is not None or absolute) and max_reps < reps:
        raise UserError(f"--max-reps: must be at least --reps ({reps}), got {max_reps}")
    kpi = check_kpis(kpi)
    base_sc = load(base, set_ or []).scenario
    alt_scs = [load(a, set_ or []).scenario for a in alternatives]
    try:
        result = compare_scenarios(base_sc, alt_scs, reps=reps, seed=seed, years=years, warmup=warmup,
                                   jobs=jobs, dask=dask, progress=not quiet, precision=precision,
                                   precision_abs=absolute or None, max_reps=max_reps,
                                   precision_kpis=precision_kpi or kpi)
    except (ValueError, KeyError) as exc:
        raise _library_errors(exc) from None
    if "precision" in result.extras:
        _note(result.extras["precision"].describe(), quiet)
    _emit(_render(result, fmt, kpi), output)


def parse_precision_abs(items: list[str]) -> dict[str, float]:
    """['investigation_within_4m_share=0.02'] -> {'investigation_within_4m_share': 0.02}."""
    out: dict[str, float] = {}
    for text in items:
        key, sep, raw = text.partition("=")
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not sep or not key.strip() or not (math.isfinite(value) and value > 0):
            raise UserError("--precision-abs: expected KPI=HALF_WIDTH with a half-width above 0 "
                            f"(e.g. investigation_within_4m_share=0.02), got {text!r}")
        out[key.strip()] = value
    return out


@app.command()
def sweep(
    scenario: Annotated[str, typer.Argument(help="The base scenario (file or bundled name).", metavar="SCENARIO")],
    grid: Annotated[
        list[str] | None,
        typer.Option("--grid", "-g", metavar="KEY=V1,V2,...", show_default=False,
                     help="Values of one key; several --grid options make a full grid (repeatable)."),
    ] = None,
    sample: Annotated[
        str | None, typer.Option("--sample", metavar="lhs|sobol", show_default=False,
                                 help="Space-filling sample over --range keys (scipy.stats.qmc).")
    ] = None,
    n: Annotated[int, typer.Option("--n", help="Sample points for --sample.")] = 16,
    range_: Annotated[
        list[str] | None,
        typer.Option("--range", metavar="KEY=LO:HI", show_default=False, help="Range of a sampled key (repeatable)."),
    ] = None,
    reps: RepsOpt = 10,
    seed: SeedOpt = 2024,
    store: Annotated[
        Path | None,
        typer.Option("--store", metavar="DIR", show_default=False,
                     help="Parquet store: finished cells are kept, a rerun computes only the missing ones."),
    ] = None,
    set_: SetOpt = None,
    years: YearsOpt = None,
    jobs: JobsOpt = 1,
    dask: DaskOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    warmup: WarmupOpt = None,
    quiet: QuietOpt = False,
    kpi: KpiOpt = None,
) -> None:
    """Run a grid or sample of scenarios x replications, resumably, and summarise each point.

    table: headline KPI means per point; json: {"scenario", "base_scenario_hash", "seed", "reps",
    "points": [{"point", "overrides", "scenario_hash", "kpis": {...}}]}; csv: the tidy frame
    (one row per point, replication and KPI).
    """
    from simlib.experiments import StoreError
    from simlib.experiments import sweep as run_sweep

    _check_common(reps, jobs, years, fmt, warmup, seed, output, store)
    kpi = check_kpis(kpi)
    if sample is not None and sample not in ("lhs", "sobol"):
        raise UserError(f"--sample: must be lhs or sobol, got {sample!r}")
    if n < 1:
        raise UserError(f"--n: must be at least 1, got {n}")
    grid_values = parse_grid(grid or [])
    ranges = parse_ranges(range_ or [])
    if ranges and sample is None:
        raise UserError("--range: needs --sample lhs or --sample sobol")
    if sample is not None and not ranges:
        raise UserError(f"--sample {sample}: needs at least one --range KEY=LO:HI")
    base = _sweep_base(scenario, set_ or [], grid_values)
    try:
        results = run_sweep(base, grid_values, reps=reps, seed=seed, years=years, warmup=warmup, jobs=jobs,
                            dask=dask, progress=not quiet, sample=sample, n=n if sample else None,
                            ranges=ranges or None, store=store)
    except StoreError as exc:
        raise UserError(*exc.lines()) from None
    except KeyboardInterrupt:
        kept = f"; finished cells are kept in {store}: rerun the same command to go on" if store else ""
        typer.echo(f"interrupted{kept}", err=True)
        raise typer.Exit(130) from None
    except (ValueError, KeyError) as exc:
        if hasattr(exc, "problems"):
            raise
        raise _library_errors(exc) from None
    if store is not None:
        _note(f"results in {store}", quiet)
    _emit(_render(results, fmt, kpi), output)


def _sweep_base(scenario: str, sets: list[str], grid: dict[str, list[Any]]) -> Any:
    """The base of a sweep: the file with --set, or, where --set needs a value the grid supplies
    (``--set investigation.cap_mode=hard`` with a grid of caps over a base without a cap),
    the file with the grid's first values, then --set. Otherwise the --set problem is reported."""
    from simlib.scenario import ScenarioError, load
    from simlib.scenario.loader import parse_override

    try:
        return load(scenario, sets).scenario
    except ScenarioError:
        if not grid or not sets:
            raise
        first = {key: values[0] for key, values in grid.items()}
        try:
            return load(scenario, {**first, **dict(map(parse_override, sets))}).scenario
        except ScenarioError:
            pass
        raise
