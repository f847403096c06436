"""Load scenario files: YAML, ``extends:`` inheritance, provenance, overrides, hash.

A leaf may be written plainly (``per_year: 4000``) or with its provenance
(``per_year: {value: 4000, source: "Socialstyrelsen 2022"}`` or ``assumed:``).
The loader strips provenance into a side table so that the model only ever sees
values, and the parameter table and brief can cite where each number came from.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from simlib.scenario.errors import Problem, ScenarioError, problems_from_validation, suggest
from simlib.scenario.schema import Scenario

MAX_FILE_BYTES = 1_000_000
MAX_EXTENDS_DEPTH = 20
MAX_NODES = 100_000  # a scenario has a few hundred values; YAML aliases can expand to billions
PROVENANCE_KEYS = frozenset({"value", "source", "assumed", "unit", "note"})
DESCRIPTIVE_KEYS = ("source", "assumed", "unit", "note")


@dataclass(frozen=True)
class Provenance:
    """Where a number comes from: a public source, or an assumption with reasons."""

    source: str | None = None
    assumed: str | None = None
    unit: str | None = None
    note: str | None = None
    file: str | None = None

    @property
    def kind(self) -> str:
        if self.source:
            return "source"
        if self.assumed:
            return "assumed"
        return "none"


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario plus where it came from and why each number is what it is."""

    scenario: Scenario
    provenance: Mapping[str, Provenance] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()

    @property
    def hash(self) -> str:
        return scenario_hash(self.scenario)


def bundled_dir() -> Path:
    """The repository's scenarios/ folder (the package is installed editable)."""
    return Path(__file__).resolve().parents[2] / "scenarios"


def resolve_path(name_or_path: str | Path) -> Path:
    """Accept a path, or the name of a bundled scenario ('baseline', 'textbook/mmc')."""
    path = Path(name_or_path)
    if path.exists() or path.suffix in (".yaml", ".yml"):
        return path
    candidate = bundled_dir() / f"{name_or_path}.yaml"
    return candidate if candidate.exists() else path


def _read_yaml(path: Path) -> dict[str, Any]:
    where = str(path)
    if not path.exists():
        raise ScenarioError([Problem("", f"file not found: {where}")])
    if path.is_dir():
        raise ScenarioError([Problem("", f"{where} is a folder, not a scenario file")])
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ScenarioError(
            [Problem("", f"file is {size:,} bytes; a scenario file may be at most {MAX_FILE_BYTES:,}")],
            where,
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError([Problem("", "not a text file (expected UTF-8 YAML)")], where) from None
    if not text.strip():
        raise ScenarioError([Problem("", "the file is empty; expected a YAML mapping of sections")], where)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "could not be parsed"
        raise ScenarioError([Problem("", f"not valid YAML{at}: {problem}")], where) from None
    if not isinstance(data, dict):
        raise ScenarioError(
            [Problem("", f"expected a YAML mapping of sections, got {type(data).__name__}")], where
        )
    _check_size(data, where)
    return data


def _check_size(data: Any, where: str) -> None:
    """Refuse absurdly large trees (e.g. nested YAML aliases) before walking them recursively."""
    stack, seen = [data], 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise ScenarioError(
                [Problem("", f"more than {MAX_NODES:,} values (counting YAML aliases); not a scenario file")],
                where,
            )
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _is_provenance_leaf(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node and set(node) <= PROVENANCE_KEYS and len(node) > 1


def split_provenance(
    node: Any, prefix: str = "", file: str | None = None
) -> tuple[Any, dict[str, Provenance]]:
    """Separate values from their provenance notes, keyed by dotted path."""
    notes: dict[str, Provenance] = {}
    if _is_provenance_leaf(node):
        meta = {k: node.get(k) for k in DESCRIPTIVE_KEYS}
        notes[prefix] = Provenance(**meta, file=file)
        value, inner = split_provenance(node["value"], prefix, file)
        notes.update({k: v for k, v in inner.items() if k != prefix})
        return value, notes
    if isinstance(node, dict) and "value" in node and "kind" not in node:
        _check_provenance_keys(node, prefix, file)
    if isinstance(node, dict):
        out: dict[Any, Any] = {}
        for key, child in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            out[key], child_notes = split_provenance(child, path, file)
            notes.update(child_notes)
        return out, notes
    return node, notes


def _check_provenance_keys(node: dict[Any, Any], prefix: str, file: str | None) -> None:
    """A mistyped note ({value: 4000, sorce: ...}) is named, not reported as a bad number."""
    problems = []
    for key in node:
        if key in PROVENANCE_KEYS:
            continue
        hint = difflib.get_close_matches(str(key), DESCRIPTIVE_KEYS, n=1, cutoff=0.6)
        if hint:
            path = f"{prefix}.{key}" if prefix else str(key)
            allowed = ", ".join(sorted(PROVENANCE_KEYS))
            problems.append(Problem(path, f"unknown key next to value (did you mean {hint[0]}?); allowed: {allowed}"))
    if problems:
        raise ScenarioError(problems, file)


def deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Child values win; mappings merge; a distribution of another kind replaces."""
    out = copy.deepcopy(base)
    for key, value in top.items():
        old = out.get(key)
        same_kind = not (isinstance(value, dict) and "kind" in value) or (
            isinstance(old, dict) and old.get("kind") == value.get("kind")
        )
        if isinstance(old, dict) and isinstance(value, dict) and same_kind:
            out[key] = deep_merge(old, value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _resolve(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Any], dict[str, Provenance], list[str]]:
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError([Problem("extends", f"extends cycle: {cycle}")], str(chain[0]))
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError([Problem("extends", f"more than {MAX_EXTENDS_DEPTH} levels of extends")], str(path))
    raw = _read_yaml(path)
    parent_ref = raw.pop("extends", None)
    values, notes = split_provenance(raw, file=path.name)
    # each file is named after itself unless it says otherwise (never after its parent)
    meta = values.setdefault("metadata", {})
    if isinstance(meta, dict) and "name" not in meta:
        meta["name"] = path.stem
    # a new description replaces both languages of the parent's: never mix two scenarios' texts
    if isinstance(meta, dict) and "description" in meta:
        meta.setdefault("description_sv", "")
    files = [str(path)]
    if parent_ref is None:
        return values, notes, files
    if not isinstance(parent_ref, str) or not parent_ref.strip():
        raise ScenarioError([Problem("extends", f"must be a relative file path, got {parent_ref!r}")], str(path))
    parent_path = (path.parent / parent_ref).resolve()
    if not parent_path.exists():
        raise ScenarioError(
            [Problem("extends", f"parent file not found: {parent_ref} (looked in {path.parent})")], str(path)
        )
    parent_values, parent_notes, parent_files = _resolve(parent_path, (*chain, path))
    merged = deep_merge(parent_values, values)
    # a child value without its own note inherits none: the parent's note was for the parent's value
    for key in _leaf_paths(values):
        parent_notes.pop(key, None)
    parent_notes.update(notes)
    return merged, parent_notes, parent_files + files


def _leaf_paths(node: Any, prefix: str = "") -> Iterable[str]:
    if isinstance(node, dict) and "kind" not in node:
        for key, child in node.items():
            yield from _leaf_paths(child, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix


def parse_override(text: str) -> tuple[str, Any]:
    """'investigation.caseload_cap=15' -> ('investigation.caseload_cap', 15), typed by YAML."""
    if "=" not in text:
        raise ScenarioError([Problem("--set", f"expected KEY=VALUE, got {text!r}")])
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key:
        raise ScenarioError([Problem("--set", f"expected KEY=VALUE, got {text!r}")])
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    return key, value


def apply_override(data: dict[str, Any], key: str, value: Any) -> None:
    """Set a dotted key in a nested mapping; unknown keys are named with a suggestion."""
    parts = key.split(".")
    node: Any = data
    for part in parts[:-1]:
        if not isinstance(node, dict) or not isinstance(node.get(part), dict):
            _unknown(key)
        node = node[part]
    if parts[-1] not in node:
        _unknown(key)
    node[parts[-1]] = value


def _unknown(key: str) -> None:
    hint = suggest(key, Scenario)
    msg = "unknown key" + (f" (did you mean {hint}?)" if hint else "")
    raise ScenarioError([Problem(key, msg)], "--set")


def validate(data: dict[str, Any], source: str | None = None) -> Scenario:
    """Validate a resolved mapping, raising ScenarioError with dotted, readable problems."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(problems_from_validation(exc, Scenario), source) from None


def load(name_or_path: str | Path, overrides: Iterable[str] | Mapping[str, Any] = ()) -> LoadedScenario:
    """Load, inherit, override and validate a scenario file (or bundled name)."""
    path = resolve_path(name_or_path)
    values, notes, files = _resolve(path, ())
    pairs = overrides.items() if isinstance(overrides, Mapping) else map(parse_override, overrides)
    applied = []
    for key, value in pairs:
        value, _ = split_provenance(value)
        apply_override(values, key, value)
        notes[key] = Provenance(note="command-line override")
        applied.append(f"{key}={value}")
    values.setdefault("metadata", {}).setdefault("name", path.stem)
    scenario = validate(values, str(path))
    return LoadedScenario(scenario, notes, tuple(files), tuple(applied))


def load_scenario(name_or_path: str | Path, overrides: Iterable[str] | Mapping[str, Any] = ()) -> Scenario:
    """The validated Scenario alone (see ``load`` for provenance)."""
    return load(name_or_path, overrides).scenario


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """A copy of a scenario with dotted keys changed and re-validated (for sweeps and widgets)."""
    data = scenario_dict(scenario)
    for key, value in overrides.items():
        apply_override(data, key, value)
    return validate(data)


def scenario_dict(scenario: Scenario) -> dict[str, Any]:
    """Plain JSON-able dict of a scenario (aliases as written in YAML)."""
    return scenario.model_dump(mode="json", by_alias=True)


def scenario_hash(scenario: Scenario) -> str:
    """sha256 of the model inputs (not the free-text metadata), canonical JSON."""
    data = scenario_dict(scenario)
    data.pop("metadata", None)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def to_yaml(scenario: Scenario) -> str:
    """The resolved scenario as YAML that loads back to an equal model."""
    return yaml.safe_dump(scenario_dict(scenario), sort_keys=False, allow_unicode=True)


def from_yaml_text(text: str) -> Scenario:
    """Validate a resolved scenario given as YAML text (no extends)."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ScenarioError([Problem("", "expected a YAML mapping of sections")])
    return validate(data)
