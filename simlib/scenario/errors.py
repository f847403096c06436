"""Scenario errors a user can act on.

A pydantic ``ValidationError`` names a location in Python terms; users think in
the dotted keys of their YAML file. This module turns each problem into one
sentence with the dotted key, the value given, the allowed range and, for a
typo, the nearest valid key.
"""

from __future__ import annotations

import difflib
import functools
import math
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from simlib.scenario.introspect import bounds, field_at, unwrap


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, at a dotted key."""

    path: str
    message: str
    source: str | None = None  # where the problem comes from when not the error's file (e.g. '--set KEY')

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ScenarioError(ValueError):
    """A scenario that cannot be used as given; ``problems`` lists why."""

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = problems
        self.source = source
        super().__init__(self.lines()[0] if problems else "invalid scenario")

    def lines(self) -> list[str]:
        out = []
        for p in self.problems:
            source = p.source or self.source
            out.append(f"{source}: {p}" if source else str(p))
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def allowed_range(info: FieldInfo | None) -> str | None:
    """Human text for a field's bounds, e.g. 'from 1 to 500, or null'."""
    if info is None:
        return None
    b = bounds(info)
    lo, hi, lo_strict, hi_strict = b.low, b.high, b.low_strict, b.high_strict
    if lo is None and hi is None:
        return None
    parts = []
    if lo is not None:
        parts.append(f"{'above' if lo_strict else 'at least'} {_fmt(lo)}")
    if hi is not None:
        parts.append(f"{'below' if hi_strict else 'at most'} {_fmt(hi)}")
    text = " and ".join(parts)
    if b.nullable:
        text += ", or null"
    return text


def _fmt(x: Any) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return f"{int(x)}"
    return f"{x:g}" if isinstance(x, float) else str(x)


def _show(value: Any) -> str:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return str(value)
    if isinstance(value, float) and abs(value) >= 1e6:
        return f"{value:.6g}".replace("e+", "e")  # 1e12, not 1000000000000.0
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def valid_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every dotted key the schema accepts (for 'did you mean' suggestions)."""
    return [prefix + key for key in _valid_keys(model)]


@functools.cache
def _valid_keys(model: type[BaseModel]) -> tuple[str, ...]:
    keys: list[str] = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        keys.append(key)
        for t in unwrap(info.annotation):
            if isinstance(t, type) and issubclass(t, BaseModel):
                keys.extend(f"{key}.{k}" for k in _valid_keys(t))
    return tuple(sorted(set(keys)))


def suggest(key: str, model: type[BaseModel]) -> str | None:
    """The nearest valid dotted key to a mistyped one: never the key itself nor a section it is in.

    First a sibling with a similar name (investigation.casload_cap ->
    investigation.caseload_cap), then the same name in another section
    (staff.caseload_cap -> investigation.caseload_cap).
    """
    candidates = [c for c in valid_keys(model) if c != key and not key.startswith(c + ".")]
    parent, _, last = key.rpartition(".")
    siblings = {c.rpartition(".")[2]: c for c in candidates if c.rpartition(".")[0] == parent}
    match = difflib.get_close_matches(last, list(siblings), n=1, cutoff=0.6)
    if match:
        return siblings[match[0]]
    elsewhere = [c for c in candidates if difflib.SequenceMatcher(None, c.rpartition(".")[2], last).ratio() >= 0.8]
    match = difflib.get_close_matches(key, elsewhere, n=1, cutoff=0.0)
    return match[0] if match else None


def _section_keys(info: FieldInfo) -> str:
    members = [t for t in unwrap(info.annotation) if isinstance(t, type) and issubclass(t, BaseModel)]
    if len(members) != 1:
        return ""
    names = [f.alias or n for n, f in members[0].model_fields.items()]
    return ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")


def _kind_keys(kind: str) -> list[str]:
    """The keys a distribution of one kind accepts ('lognormal' -> cv, kind, mean)."""
    from simlib.scenario.distributions import KIND_MODELS

    model = KIND_MODELS[kind]
    return sorted(f.alias or n for n, f in model.model_fields.items())


def _dotted(loc: tuple[Any, ...], model: type[BaseModel]) -> str:
    """Drop discriminated-union tags from a location (hours.lognormal.cv -> hours.cv)."""
    from simlib.scenario.distributions import DISTRIBUTION_KINDS

    parts = [str(p) for p in loc if not (isinstance(p, str) and p in DISTRIBUTION_KINDS)]
    out: list[str] = []
    for p in parts:
        if p.isdigit() and out:
            out[-1] = f"{out[-1]}[{p}]"
        else:
            out.append(p)
    return ".".join(out)


MAX_PROBLEMS = 20  # a file with thousands of mistakes is answered with the first few


def problems_from_validation(exc: ValidationError, model: type[BaseModel]) -> list[Problem]:
    """Translate pydantic errors into one Problem per user mistake.

    Several keys missing from one mapping are one problem (a distribution of the
    wrong shape, a section replaced by a stray mapping), and a long list is cut
    to MAX_PROBLEMS with a count of the rest.
    """
    from simlib.scenario.distributions import DISTRIBUTION_KINDS

    problems: list[Problem] = []
    missing: dict[str, list[str]] = {}
    errors = exc.errors(include_url=False)
    for err in errors:
        loc = tuple(err["loc"])
        path = _dotted(loc, model)
        kind = err["type"]
        given = err.get("input")
        info = field_at(model, tuple(p for p in loc if not isinstance(p, int)))
        rng = allowed_range(info)
        tag = next((p for p in loc[:-1] if isinstance(p, str) and p in DISTRIBUTION_KINDS), None)
        if kind == "extra_forbidden":
            if tag is not None:
                msg = f"unknown key for a {tag} distribution (its keys: {', '.join(_kind_keys(tag))})"
            else:
                hint = suggest(path, model) if len(problems) < MAX_PROBLEMS else None
                msg = "unknown key"
                msg += f" (did you mean {hint}?)" if hint else ""
        elif kind == "missing":
            parent, _, name = path.rpartition(".")
            if parent not in missing:
                missing[parent] = []
                problems.append(Problem(parent, "", "\0missing"))  # filled in below
            missing[parent].append(name)
            continue
        elif kind == "union_tag_invalid":
            tag = err.get("ctx", {}).get("tag")
            expected = err.get("ctx", {}).get("expected_tags")
            msg = f"unknown distribution kind {tag!r}; allowed kinds: {expected}"
        elif kind == "union_tag_not_found":
            msg = "a distribution needs a 'kind' (exponential, deterministic, lognormal, gamma, uniform, triangular)"
        elif kind == "finite_number":
            msg = f"got {_show(given)}; must be a finite number" + (f" ({rng})" if rng else "")
        elif kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
            msg = f"got {_show(given)}; allowed: {rng or err['msg']}"
        elif kind == "value_error":
            msg = str(err.get("ctx", {}).get("error", err["msg"]))
        elif kind in ("model_type", "model_attributes_type", "dict_type") and info is not None:
            keys = _section_keys(info)
            msg = f"got {_show(given)}; must be a mapping" + (f" of {keys}" if keys else "")
        elif kind.startswith(("int_", "float_", "bool_", "string_", "literal_", "tuple_", "list_", "model_", "dict_")):
            msg = f"got {_show(given)}; {err['msg'][0].lower()}{err['msg'][1:]}"
            if rng:
                msg += f" (allowed: {rng})"
            if kind == "bool_type" and isinstance(given, str) and given.lower() in _WORD_BOOLS:
                msg += "; write true or false (YAML 1.2 reads yes/no/on/off as text)"
        else:
            msg = f"{err['msg']} (got {_show(given)})"
        problems.append(Problem(path, msg))
    problems = [_missing_problem(p, missing) if p.source == "\0missing" else p for p in problems]
    if len(problems) > MAX_PROBLEMS:
        rest = len(problems) - MAX_PROBLEMS
        problems = [*problems[:MAX_PROBLEMS], Problem("", f"... and {rest:,} more problems (fix these first)")]
    return problems


_WORD_BOOLS = frozenset({"yes", "no", "on", "off", "y", "n"})


def _missing_problem(placeholder: Problem, missing: dict[str, list[str]]) -> Problem:
    names = missing[placeholder.path]
    if len(names) == 1:
        path = f"{placeholder.path}.{names[0]}" if placeholder.path else names[0]
        return Problem(path, "missing: this key is required")
    return Problem(placeholder.path, f"missing keys: {', '.join(names)}")
