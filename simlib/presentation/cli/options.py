"""The options every simulating command shares, declared once (same names, help, defaults).

``run``, ``compare``, ``sweep``, ``brief``, ``calibrate``, ``national`` and ``demo``
take ``--set``, ``--reps``, ``--seed``, ``--years``, ``--jobs`` (default 1), ``--dask``,
``--warmup``, ``--quiet`` and, where they print KPIs, ``--kpi`` from here; each
command's own default for ``--reps`` is the only difference. ``check`` validates
the values the same way for all of them (a mistake exits 2 naming the option).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Annotated

import typer

from simlib.presentation.cli.errors import UserError, check_run_options

WARMUPS = ("fixed", "mser5")

SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", metavar="KEY=VALUE", show_default=False,
                 help="Override a value by its dotted key, e.g. investigation.caseload_cap=15 (repeatable; "
                      "applies to every scenario of the command)."),
]
RepsOpt = Annotated[int, typer.Option("--reps", "-r", help="Replications per scenario (seeds derived from --seed and the index).")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Base seed; replication r uses SeedSequence(seed, spawn_key=(r,)).")]
YearsOpt = Annotated[
    float | None, typer.Option("--years", help="Simulated years (overrides horizon.years).", show_default=False)
]
JobsOpt = Annotated[int, typer.Option("--jobs", "-j", help="Worker processes on this machine.")]
DaskOpt = Annotated[
    str | None,
    typer.Option("--dask", metavar="ADDRESS|local", show_default=False,
                 help="Run on dask.distributed: a scheduler address, or 'local' for a LocalCluster of --jobs processes."),
]
WarmupOpt = Annotated[
    str | None,
    typer.Option("--warmup", help="Warm-up rule: fixed (horizon.warmup_years) or mser5.", show_default=False),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, progress lines or notes on stderr.")]
KpiOpt = Annotated[
    list[str] | None,
    typer.Option("--kpi", "-k", metavar="NAME", show_default=False,
                 help="Show only this KPI (repeatable; names as in the json/csv output)."),
]


def check(reps: int, jobs: int, years: float | None, seed: int, warmup: str | None, min_reps: int = 1) -> None:
    """The shared checks of a simulating command's options."""
    check_run_options(reps, jobs, years, min_reps=min_reps, seed=seed)
    if warmup is not None and warmup not in WARMUPS:
        raise UserError(f"--warmup: must be one of {', '.join(WARMUPS)}, got {warmup!r}")


def check_kpis(kpis: Sequence[str] | None) -> list[str] | None:
    """--kpi names, checked against the KPI registry and the derived measures of calibration
    and the national ensemble (did-you-mean for a misspelling)."""
    if not kpis:
        return None
    from simlib.model import kpi_registry
    from simlib.presentation.i18n import texts

    derived = {k.split(".")[1] for k in texts() if k.startswith("metric.")}
    known = [*kpi_registry.NAMES, *sorted(derived)]
    problems = []
    for name in kpis:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else " (simlib run --format csv lists them)"
            problems.append(f"--kpi: unknown KPI {name!r}{hint}")
    if problems:
        raise UserError(*problems)
    return list(dict.fromkeys(kpis))
