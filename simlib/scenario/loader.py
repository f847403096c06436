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
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from simlib.scenario import yamlio
from simlib.scenario.yamlio import MAX_FILE_BYTES, MAX_NODES, read_yaml, yaml_problem  # noqa: F401 - re-exported
from simlib.scenario.errors import Problem, ScenarioError, problems_from_validation, suggest
from simlib.scenario.schema import Scenario

MAX_EXTENDS_DEPTH = 20
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
    if candidate.exists():
        return candidate
    hint = _bundled_suggestion(str(name_or_path))
    if hint is not None:
        raise ScenarioError([Problem("", f"no scenario file or bundled scenario {str(name_or_path)!r} "
                                         f"(did you mean {hint}? `simlib scenarios` lists them)")])
    return path


def bundled_names() -> list[str]:
    """The bundled scenarios by name: 'baseline', 'policy/cap-15', 'textbook/mmc', ..."""
    root = bundled_dir()
    return sorted(p.relative_to(root).with_suffix("").as_posix() for p in root.rglob("*.yaml"))


def _bundled_suggestion(name: str) -> str | None:
    """The closest bundled name to a misspelled one ('baselin' -> 'baseline'), if any is close."""
    import difflib

    close = difflib.get_close_matches(name.removesuffix(".yaml"), bundled_names(), n=1, cutoff=0.75)
    return close[0] if close else None


def _is_provenance_leaf(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node and set(node) <= PROVENANCE_KEYS and len(node) > 1


def split_provenance(
    node: Any, prefix: str = "", file: str | None = None
) -> tuple[Any, dict[str, Provenance]]:
    """Separate values from their provenance notes, keyed by dotted path."""
    notes: dict[str, Provenance] = {}
    if _is_provenance_leaf(node):
        meta = {k: node.get(k) for k in DESCRIPTIVE_KEYS}
        bad = [
            Problem(f"{prefix}.{k}" if prefix else k, f"must be text (quote it), got {_kind_name(v)}")
            for k, v in meta.items()
            if v is not None and not isinstance(v, str)
        ]
        if bad:
            raise ScenarioError(bad, file)
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


def _kind_name(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return f"a {'mapping' if isinstance(value, dict) else 'list'}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


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
        # a new 'kind' replaces a distribution; a stray 'kind:' in a section merges (and is named)
        same_kind = not (isinstance(value, dict) and "kind" in value) or (
            isinstance(old, dict) and old.get("kind", value.get("kind")) == value.get("kind")
        )
        if isinstance(old, dict) and isinstance(value, dict) and same_kind:
            out[key] = deep_merge(old, value)
        else:
            out[key] = copy.deepcopy(value)
    return out


SCENARIO_SUFFIXES = (".yaml", ".yml")


def _real(path: Path) -> Path:
    """The absolute path with symlinks resolved (a symlink loop is left for the reader to name)."""
    return Path(os.path.realpath(path))


def _resolve(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Any], dict[str, Provenance], list[str]]:
    path = _real(path)
    if path in chain:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError([Problem("extends", f"extends cycle: {cycle}")], str(chain[0]))
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError([Problem("extends", f"more than {MAX_EXTENDS_DEPTH} levels of extends")], str(path))
    raw = read_yaml(path)
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
    parent_path = _real(path.parent / parent_ref)
    # only scenario files: a parent such as /etc/shadow is never opened, so never echoed as keys
    if parent_path.suffix.lower() not in SCENARIO_SUFFIXES or Path(parent_ref).suffix.lower() not in SCENARIO_SUFFIXES:
        raise ScenarioError(
            [Problem("extends", f"must name a scenario file ending in .yaml or .yml, got {parent_ref!r}")], str(path)
        )
    if not os.path.lexists(parent_path):
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


def parse_value(raw: str, option: str = "--set", key: str = "") -> Any:
    """A command-line value typed as YAML 1.2 reads it ('15' -> 15, 'null' -> None, '1e6' -> 1e6).

    A form that YAML 1.1 reads as another number (015, 1:30, 1_000) or a mapping with
    a duplicate key is refused, naming the option; text that is not YAML stays text.
    """
    if not raw.strip():
        return None
    try:
        return yamlio.parse(raw)
    except (yaml.constructor.ConstructorError, yaml.composer.ComposerError) as exc:
        problem = (getattr(exc, "problem", None) or "could not be parsed").split("\n")[0]
        raise ScenarioError([Problem(key, problem, option)]) from None
    except yaml.YAMLError:
        return raw


def parse_override(text: str) -> tuple[str, Any]:
    """'investigation.caseload_cap=15' -> ('investigation.caseload_cap', 15), typed by YAML 1.2."""
    if "=" not in text:
        raise ScenarioError([Problem("", f"expected KEY=VALUE, got {text!r}", "--set")])
    key, raw = text.split("=", 1)
    key = key.strip()
    if not key:
        raise ScenarioError([Problem("", f"expected KEY=VALUE, got {text!r}", "--set")])
    return key, parse_value(raw, "--set", key)


def apply_override(data: dict[str, Any], key: str, value: Any) -> None:
    """Set a dotted key in a nested mapping; unknown keys are named with a suggestion."""
    parts = key.split(".")
    node: Any = data
    for part in parts[:-1]:
        if not isinstance(node, dict) or not isinstance(node.get(part), dict):
            _unknown(key)
        node = node[part]
    if not isinstance(node, dict) or parts[-1] not in node:
        _unknown(key)
    if parts[-1] == "kind" and isinstance(value, str) and value != node.get("kind"):
        # the other kind's parameters differ (mean/cv vs value vs low/mode/high): set them together
        where = ".".join(parts[:-1])
        raise ScenarioError(
            [Problem(key, f"to switch a distribution's kind set all of it at once, e.g. "
                          f"--set '{where}={{kind: deterministic, value: 8}}'", "--set")]
        )
    node[parts[-1]] = _plain_value(value)


def _plain_value(value: Any) -> Any:
    """numpy scalars (from sweep designs and widgets) as the Python numbers they hold."""
    item = getattr(value, "item", None)
    if item is not None and type(value).__module__ == "numpy" and getattr(value, "ndim", 1) == 0:
        return item()
    return value


def _unknown(key: str) -> None:
    hint = suggest(key, Scenario)
    msg = "unknown key" + (f" (did you mean {hint}?)" if hint else "")
    raise ScenarioError([Problem(key, msg, "--set")])


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
    applied, keys = [], []
    for key, value in pairs:
        keys.append(key)
        value, _ = split_provenance(value, key, "--set")
        apply_override(values, key, value)
        notes[key] = Provenance(note="command-line override")
        applied.append(f"{key}={value}")
    meta = values.setdefault("metadata", {})
    if isinstance(meta, dict):
        meta.setdefault("name", path.stem)
    try:
        scenario = validate(values, str(path))
    except ScenarioError as exc:
        # a problem at or under an overridden key is the --set value's, not the file's
        exc.problems = [_blame_override(p, keys) for p in exc.problems]
        raise
    return LoadedScenario(scenario, notes, tuple(files), tuple(applied))


def _blame_override(problem: Problem, keys: list[str]) -> Problem:
    path = problem.path
    for key in keys:
        inside = path == key or path.startswith((key + ".", key + "[")) or (path and key.startswith(path + "."))
        if inside or (not path and key in problem.message):  # a rule across sections names its keys
            return Problem(path, problem.message, "--set")
    return problem


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
    try:
        data = yamlio.parse(text)
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem("", yaml_problem(exc))]) from None
    if not isinstance(data, dict):
        raise ScenarioError([Problem("", "expected a YAML mapping of sections")])
    return validate(data)
