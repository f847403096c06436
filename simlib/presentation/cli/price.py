"""CLI command ``price``: the posts and kronor a caseload cap needs (issue 17).

Thin wrapper over ``simlib.analysis.funding.price``: it parses the options,
runs the search and prints the answer, leading with what the cap does at
today's budget (a growing balans is said first, never hidden behind a smaller
number that only means delayed decisions), then the price with its interval.
``--format json`` prints ``funding.price_json`` (fields in docs/price.md);
``--write FILE`` writes the funded policy scenario the search found.
"""

from __future__ import annotations

import json
import os
import shlex
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from simlib.analysis import funding
from simlib.experiments.replications import resolve
from simlib.presentation import i18n
from simlib.presentation.cli.errors import UserError, command_app
from simlib.presentation.cli.options import DaskOpt, JobsOpt, QuietOpt, SeedOpt, SetOpt, WarmupOpt, YearsOpt, check
from simlib.scenario import load

app = command_app()


class Format(str, Enum):
    table = "table"
    json = "json"


class CapMode(str, Enum):
    hard = "hard"
    soft = "soft"


def _v(value: float, kpi: str) -> str:
    return i18n.fmt_value(value, kpi, "en", unit=True)


def _d(row: dict, kpi: str) -> str:
    return (f"{i18n.fmt_diff(row['difference'], kpi, 'en', unit=True)} "
            f"{i18n.fmt_ci(row['diff_low'], row['diff_high'], kpi, 'en')}")


def _label(kpi: str) -> str:
    return i18n.table_label(kpi, "en")


def _msek(x: float, sign: bool = False) -> str:
    return (f"{x / 1e6:+,.1f} MSEK" if sign else f"{x / 1e6:,.1f} MSEK").replace(",", " ")


def render(result: funding.Price) -> str:
    """The text answer: today's budget under the cap first, then the price, then the table."""
    sc = result.scenario
    mode = result.cap_mode
    at0 = {r["kpi"]: r for r in result.compare(0).to_dict("records")}
    lines = [
        f"Price of a {mode} cap of {result.cap} investigations per investigator: {sc.name} "
        f"({sc.metadata.description})",
        f"{result.reps} replications, seed {result.seed}, common random numbers; 95% intervals.",
        f"Target: {'; '.join(t.describe() for t in result.targets)}.",
        "",
    ]
    g, c = at0[funding.GROWTH_KPI], at0[funding.COMPLIANCE_KPI]
    growing = g["capped"] > funding.GROWTH_TOLERANCE
    verb = "GROWS" if growing else "does not grow"
    lines.append(
        f"At today's budget ({sum(result.posts(0).values())} posts, {_msek(result.budget(0))} a year) the balans "
        f"{verb}: {_v(g['capped'], funding.GROWTH_KPI)} {i18n.fmt_ci(g['capped_low'], g['capped_high'], funding.GROWTH_KPI, 'en')};"
        f" decided within four months {_v(c['today'], funding.COMPLIANCE_KPI)} today -> "
        f"{_v(c['capped'], funding.COMPLIANCE_KPI)} ({_d(c, funding.COMPLIANCE_KPI)})."
    )
    if growing:
        lines.append("  Under a growing balans, fewer placements and moves only mean that decisions are delayed; "
                     "they are not an improvement.")
    lines.append("")
    if result.extra is None:
        lines.append(f"No staffing up to {funding.MAX_EXTRA} extra investigator posts met the target.")
        return "\n".join(lines)
    e = result.extra
    posts = result.posts(e)
    cut = " (interval cut off by the candidates run)" if result.censored else ""
    atp = {r["kpi"]: r for r in result.compare(e).to_dict("records")}
    tc = atp["total_cost_sek_per_year"]
    width = max(len(_label(k)) for k in funding.REPORTED if k in atp)
    lines += [
        f"PRICE: {e} more investigator {'post' if e == 1 else 'posts'} (95% interval {result.extra_low}-{result.extra_high}{cut}): "
        f"{posts['intake']} intake, {posts['investigation']} investigation, {posts['placement']} placement posts, "
        f"budget {_msek(result.budget(e))} a year (+{_msek(result.budget(e) - result.budget(0))}; "
        f"interval +{_msek(result.budget(result.extra_low) - result.budget(0))} to "
        f"+{_msek(result.budget(result.extra_high) - result.budget(0))}).",
        f"Total cost with consultants and children in care: {_msek(tc['capped'])} a year, "
        f"{_d(tc, 'total_cost_sek_per_year')} against today.",
        "",
        f"{'':<{width}} {'today':>22} {'cap, today budget':>22} {'cap, funded':>22}  funded - today [95% CI]",
    ]
    for kpi in funding.REPORTED:
        if kpi not in at0 or kpi not in atp:
            continue
        lines.append(f"{_label(kpi):<{width}} {_v(at0[kpi]['today'], kpi):>22} {_v(at0[kpi]['capped'], kpi):>22} "
                     f"{_v(atp[kpi]['capped'], kpi):>22}  {_d(atp[kpi], kpi)}")
    return "\n".join(lines)


@app.command()
def price(
    scenario: Annotated[str, typer.Argument(help="Today's scenario (file or bundled name), without a cap.")],
    cap: Annotated[int, typer.Option("--cap", min=1, max=200, help="Investigations per investigator.")],
    cap_mode: Annotated[CapMode, typer.Option("--cap-mode", help="hard (cases wait in balans) or soft.")] = CapMode.hard,
    target: Annotated[str, typer.Option(
        "--target", help="'baseline' (no balans growth, 4-month share at least today's) or KPI>=VALUE / KPI<=VALUE.",
    )] = "baseline",
    set_: SetOpt = None,
    reps: Annotated[int, typer.Option("--reps", "-r", min=2, help="Replications per candidate.")] = 10,
    seed: SeedOpt = 2024,
    years: YearsOpt = None,
    jobs: JobsOpt = 1,
    dask: DaskOpt = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="table or json (docs/price.md).")] = Format.table,
    write: Annotated[Path | None, typer.Option("--write", help="Write the funded policy scenario here.")] = None,
    warmup: WarmupOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """The smallest staffing (posts per role, SEK a year) at which a capped scenario meets the target.

    Candidates add investigator posts at the full cost per FTE; every candidate
    runs the same seeds as today's scenario. The interval is a paired bootstrap
    over replications.
    """
    check(reps, jobs, years, seed, warmup, min_reps=2)
    try:
        targets = funding.Target.parse(target)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    loaded_file = load(scenario, set_ or [])
    loaded = resolve(loaded_file.scenario, years=years, warmup=warmup)
    if loaded.investigation.caseload_cap is not None and loaded.investigation.cap_mode != "none":
        raise UserError(f"{scenario}: already has an investigation cap; give today's scenario, the cap comes from --cap")
    result = funding.price(loaded, cap, cap_mode=cap_mode.value, targets=targets, reps=reps, seed=seed,
                           jobs=jobs, dask=dask, progress=not quiet)
    if format is Format.json:
        typer.echo(json.dumps(funding.price_json(result), indent=2, ensure_ascii=False))
    else:
        typer.echo(render(result))
    if write is not None:
        if result.extra is None:
            raise UserError("--write: the target was not met; no funded scenario to write")
        command = (f"simlib price {shlex.quote(scenario)} --cap {cap} --cap-mode {cap_mode.value} "
                   f"--target {shlex.quote(target)} --reps {reps} --seed {seed}"
                   + "".join(f" --set {shlex.quote(x)}" for x in set_ or [])
                   + (f" --warmup {warmup}" if warmup else ""))
        sibling = write.parent / f"cap-{cap}.yaml"
        if cap_mode is CapMode.hard and sibling.exists():
            extends = sibling.name
        else:
            extends = os.path.relpath(Path(loaded_file.files[0]).resolve(), write.parent.resolve())
        write.write_text(funding.funded_yaml(result, extends, command), encoding="utf-8")
        typer.echo(f"wrote {write}", err=True)
