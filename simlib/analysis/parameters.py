"""The parameter table: every scenario value with its unit, meaning and provenance.

Why: parliamentary staff can only cite numbers that say where they come from.
The table is generated from the scenario files themselves (the loader keeps
each value's ``source:``/``assumed:``/``note:``), so it cannot drift from what
the model runs. Meanings and default units come from
``simlib/data/parameter_glossary.csv``; a ``unit:`` written in the YAML wins.

The provenance rule (checked by ``missing_provenance`` and the tests):

* In a scenario that does not extend another (a root such as ``baseline``),
  every numeric value needs ``source:`` (a public figure or a derivation from
  one) or ``assumed:`` (no figure found; say why). A bare ``note:`` is enough
  only for the keys in ``NOTE_ONLY``: run-control settings (start year, horizon,
  warm-up, instability limit) and policy levers at today's setting (no cap, no
  retention premium), which are choices, not facts about Sweden.
* In a scenario that extends another, every value the file changes needs some
  note (``source:``, ``assumed:`` or ``note:`` saying why it differs); the
  values it inherits carry their parent's provenance.
* Booleans, strings (``mode``, ``kind``) and ``null`` are settings, not numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from simlib.scenario.loader import (
    LoadedScenario,
    Provenance,
    load,
    read_yaml,
    resolve_path,
    scenario_dict,
    split_provenance,
)

GLOSSARY = Path(__file__).resolve().parents[1] / "data" / "parameter_glossary.csv"

NOTE_ONLY = frozenset(
    {
        "calendar.start_year",
        "horizon.years",
        "horizon.warmup_years",
        "horizon.unstable_queue_per_server",
        "horizon.stop_queue_per_server",
        "horizon.run_out_years",
        "investigation.caseload_cap",
        "staff.retention_premium_share",
    }
)

DISTRIBUTION_PARAMS = {
    "mean": "mean",
    "cv": "coefficient of variation",
    "low": "lowest value",
    "mode": "most likely value",
    "high": "highest value",
    "value": "fixed value",
    "shape": "shape",
    "sd": "standard deviation",
}

COLUMNS = ["key", "value", "unit", "meaning", "basis", "provenance", "file"]


@lru_cache(maxsize=1)
def glossary() -> dict[str, tuple[str, str]]:
    """key -> (unit, meaning) from the packaged glossary."""
    with GLOSSARY.open(encoding="utf-8") as fh:
        return {row["key"]: (row["unit"], row["meaning"]) for row in csv.DictReader(fh)}


def leaves(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Dotted (key, value) pairs; a distribution yields key.kind, key.mean, ...; lists are one leaf."""
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            yield from leaves(value, path)
        else:
            yield path, value


def model_leaves(loaded: LoadedScenario) -> list[tuple[str, Any]]:
    """Every model input of a loaded scenario (metadata excluded)."""
    data = scenario_dict(loaded.scenario)
    data.pop("metadata", None)
    return list(leaves(data))


def provenance_for(provenance: Mapping[str, Provenance], key: str) -> Provenance | None:
    """A leaf's own note, or the nearest one on an enclosing value (a distribution, a list)."""
    while key:
        if key in provenance:
            return provenance[key]
        key = key.rpartition(".")[0]
    return None


def is_number(value: Any) -> bool:
    """Numbers and lists of numbers need provenance; booleans, strings and null do not."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, (list, tuple)) and any(is_number(v) for v in value)


def _glossary_entry(key: str) -> tuple[str, str]:
    """Unit and meaning of a key; distribution parameters borrow their distribution's entry."""
    table = glossary()
    if key in table:
        return table[key]
    parent, _, param = key.rpartition(".")
    if parent in table:
        unit, meaning = table[parent]
        if param == "kind":
            return "setting", f"{meaning}: distribution family"
        if param == "cv":
            unit = "ratio"
        return unit, f"{meaning}: {DISTRIBUTION_PARAMS.get(param, param)}"
    return "", ""


def _basis(note: Provenance | None) -> tuple[str, str]:
    if note is None:
        return "none", ""
    if note.source:
        return "source", note.source
    if note.assumed:
        return "assumed", note.assumed
    if note.note:
        return "note", note.note
    return "none", ""


def parameter_table(scenario: str | Path | LoadedScenario) -> pd.DataFrame:
    """One row per model input: key, value, unit, meaning, basis text, provenance kind, file."""
    loaded = scenario if isinstance(scenario, LoadedScenario) else load(scenario)
    rows = []
    for key, value in model_leaves(loaded):
        unit, meaning = _glossary_entry(key)
        note = provenance_for(loaded.provenance, key)
        kind, text = _basis(note)
        if kind == "none" and not is_number(value):
            kind = "setting"
        if note is not None and note.unit and note is loaded.provenance.get(key):
            unit = note.unit
        rows.append(
            {
                "key": key,
                "value": _show(value),
                "unit": unit,
                "meaning": meaning,
                "basis": text,
                "provenance": kind,
                "file": (note.file or "") if note else "",
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() and abs(value) >= 1e5 else f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def missing_provenance(scenario: str | Path | LoadedScenario) -> list[str]:
    """Keys that break the provenance rule (module docstring), with the reason each."""
    loaded = scenario if isinstance(scenario, LoadedScenario) else load(scenario)
    root = len(loaded.files) == 1
    problems = []
    for key, value in model_leaves(loaded):
        if not is_number(value):
            continue
        kind, _ = _basis(provenance_for(loaded.provenance, key))
        if kind == "none":
            problems.append(f"{key}: no source:, assumed: or note:")
        elif root and kind == "note" and key not in NOTE_ONLY:
            problems.append(f"{key}: only a note:; a figure needs source: or assumed:")
    return problems


def own_keys(path: str | Path) -> set[str]:
    """The model keys a scenario file sets itself (not inherited; metadata and extends excluded)."""
    raw = read_yaml(resolve_path(path))
    raw.pop("extends", None)
    raw.pop("metadata", None)
    values, _ = split_provenance(raw)
    return {key for key, _ in leaves(values)}


def changed_keys(a: LoadedScenario, b: LoadedScenario) -> set[str]:
    """Model keys whose resolved values differ between two scenarios."""
    left, right = dict(model_leaves(a)), dict(model_leaves(b))
    return {k for k in left.keys() | right.keys() if left.get(k) != right.get(k)}


def to_markdown(table: pd.DataFrame, title: str) -> str:
    """The table as a Markdown page (the docs/parameters.md format)."""
    counts = table["provenance"].value_counts().to_dict()
    summary = ", ".join(
        f"{counts.get(k, 0)} {k}" for k in ("source", "assumed", "note", "setting", "none")
    )
    lines = [
        f"# Parameters: {title}",
        "",
        "Generated by `simlib params` from the scenario files; do not edit by hand.",
        "Basis: **source** = a public figure or a calculation from one; **assumed** = no figure",
        "found, the reasoning is given and the value is a sensitivity parameter; **note** = a",
        "run setting or a policy lever at today's setting; **setting** = a switch or a choice of",
        "rule (true/false, a mode, a distribution family). Provenance rule: `simlib/analysis/parameters.py`.",
        "",
        f"Values: {len(table)} ({summary}).",
        "",
        "| key | value | unit | meaning | basis |",
        "|---|---|---|---|---|",
    ]
    for row in table.itertuples(index=False):
        basis = f"**{row.provenance}**" + (f": {row.basis}" if row.basis else "")
        cells = [f"`{row.key}`", row.value, row.unit, row.meaning, basis]
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_csv(table: pd.DataFrame) -> str:
    buffer = io.StringIO()
    table.to_csv(buffer, index=False)
    return buffer.getvalue()
