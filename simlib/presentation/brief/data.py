"""Tables behind the brief that come from scenarios rather than results.

The parameter table with sources (built on ``simlib.analysis.parameters`` so the
brief and ``docs/parameters.md`` cannot disagree), the list of parameters an
alternative changes, and the git commit for the reproducibility stamp. Kept
apart from ``brief.py`` so that module stays about rendering results.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from simlib.presentation import i18n
from simlib.presentation.i18n import t
from simlib.scenario import LoadedScenario, Provenance
from simlib.scenario.loader import scenario_dict
from simlib.scenario.schema import Scenario

REPO_ROOT = Path(__file__).resolve().parents[3]


def leaves(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Dotted (key, value) pairs of a nested mapping; lists are one leaf."""
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            out.extend(leaves(value, path))
        else:
            out.append((path, value))
    return out


def model_values(scenario: Scenario) -> dict[str, Any]:
    """Every model input of a scenario by dotted key (metadata excluded)."""
    data = scenario_dict(scenario)
    data.pop("metadata", None)
    return dict(leaves(data))


def show_value(value: Any, lang: str) -> str:
    """A parameter value in the language's conventions (decimal comma, ja/nej, named enum values)."""
    if value is None:
        return t("lang.none", lang)
    if isinstance(value, bool):
        return t("lang.yes" if value else "lang.no", lang)
    if isinstance(value, int):
        return i18n.fmt_number(value, lang, 0)
    if isinstance(value, float):
        text = f"{value:.6g}"
        decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
        return i18n.fmt_number(value, lang, decimals)
    if isinstance(value, (list, tuple)):
        return "[" + ("; " if lang == "sv" else ", ").join(show_value(v, lang) for v in value) + "]"
    if isinstance(value, str) and i18n.has(f"value.{value}"):
        return t(f"value.{value}", lang)  # enum values (cap modes, distributions) in the brief's language
    return str(value)


def param_label(key: str, lang: str, meaning: str = "") -> str:
    """A catalogue label for the policy levers; else the glossary meaning (English) or the key."""
    catalogue_key = f"param.{key}"
    if i18n.has(catalogue_key):
        return t(catalogue_key, lang)
    return meaning


def _origin(kind: str, lang: str) -> str:
    return t(f"brief.origin_{kind}", lang) if kind in ("source", "assumed") else t("brief.origin_none", lang)


def parameter_rows(
    base: Scenario,
    alts: Sequence[tuple[str, Scenario]],
    provenance: Mapping[str, Provenance],
    lang: str,
) -> list[dict[str, str]]:
    """One row per documented base parameter: key, label, value, unit, origin, note, changes."""
    values = model_values(base)
    alt_values = [(name, model_values(sc)) for name, sc in alts]
    table = _analysis_table(base, provenance)
    rows = []
    for key, value in values.items():
        info = table.get(key)
        note = _nearest(provenance, key)
        if info is None and note is None:
            continue  # undocumented switches (modes, kinds) carry no citation
        kind = info["provenance"] if info else note.kind  # type: ignore[union-attr]
        if kind in ("setting", "none") and note is None:
            continue
        basis = info["basis"] if info else (note.source or note.assumed or note.note or "")  # type: ignore[union-attr]
        changes = [
            t("brief.changed_in", lang, alt=name, value=show_value(other.get(key), lang))
            for name, other in alt_values
            if other.get(key) != value
        ]
        rows.append(
            {
                "key": key,
                "label": param_label(key, lang, info["meaning"] if info and lang == "en" else ""),
                "value": show_value(value, lang),
                "unit": (info["unit"] if info else "") or (note.unit if note and note.unit else ""),
                "origin": _origin(kind, lang),
                "kind": kind,
                "note": basis,
                "changes": "; ".join(changes),
            }
        )
    return rows


def _nearest(provenance: Mapping[str, Provenance], key: str) -> Provenance | None:
    while key:
        if key in provenance:
            return provenance[key]
        key = key.rpartition(".")[0]
    return None


def _analysis_table(base: Scenario, provenance: Mapping[str, Provenance]) -> dict[str, dict[str, str]]:
    """Rows of ``simlib.analysis.parameters.parameter_table`` by key ({} if unavailable)."""
    try:
        from simlib.analysis.parameters import parameter_table
    except ImportError:
        return {}
    frame = parameter_table(LoadedScenario(base, dict(provenance)))
    return {row["key"]: row for row in frame.to_dict("records")}


def changed_parameters(
    base: Scenario, alt: Scenario, lang: str, alt_provenance: Mapping[str, Provenance] | None = None
) -> list[dict[str, str]]:
    """The model inputs an alternative changes, with old and new values and the alternative's note."""
    old, new = model_values(base), model_values(alt)
    out = []
    for key in sorted(old.keys() | new.keys()):
        if old.get(key) == new.get(key):
            continue
        note = _nearest(alt_provenance or {}, key)
        out.append(
            {
                "key": key,
                "label": param_label(key, lang) or key,
                "old": show_value(old.get(key), lang),
                "new": show_value(new.get(key), lang),
                "note": (note.source or note.assumed or note.note or "") if note else "",
            }
        )
    return out


def git_commit(root: Path = REPO_ROOT) -> tuple[str | None, bool]:
    """The checked-out commit of the source tree and whether tracked files differ from it."""
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=10, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None, False
    return head or None, bool(status.strip())


def scenario_files_label(files: Sequence[str]) -> str:
    """Scenario files as the user would name them (relative to the working folder when inside it)."""
    shown = []
    for f in dict.fromkeys(files):
        path = Path(f)
        try:
            shown.append(path.resolve().relative_to(Path.cwd().resolve()).as_posix())
        except ValueError:
            try:
                shown.append(path.resolve().relative_to(REPO_ROOT).as_posix())
            except ValueError:
                shown.append(path.name)
    return ", ".join(shown)
