"""Scenario errors a user can act on.

A pydantic ``ValidationError`` names a location in Python terms; users think in
the dotted keys of their YAML file. This module turns each problem into one
sentence with the dotted key, the value given, the allowed range and, for a
typo, the nearest valid key.
"""

from __future__ import annotations

import difflib
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

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ScenarioError(ValueError):
    """A scenario that cannot be used as given; ``problems`` lists why."""

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = problems
        self.source = source
        super().__init__(self.lines()[0] if problems else "invalid scenario")

    def lines(self) -> list[str]:
        prefix = f"{self.source}: " if self.source else ""
        return [f"{prefix}{p}" for p in self.problems]

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
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def valid_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every dotted key the schema accepts (for 'did you mean' suggestions)."""
    keys: list[str] = []
    for name, info in model.model_fields.items():
        key = f"{prefix}{info.alias or name}"
        keys.append(key)
        for t in unwrap(info.annotation):
            if isinstance(t, type) and issubclass(t, BaseModel):
                keys.extend(valid_keys(t, key + "."))
    return sorted(set(keys))


def suggest(key: str, model: type[BaseModel]) -> str | None:
    """The nearest valid dotted key to a mistyped one."""
    candidates = valid_keys(model)
    parent = key.rsplit(".", 1)[0] if "." in key else ""
    siblings = [c for c in candidates if c.rsplit(".", 1)[0] == parent] if parent else candidates
    for pool in (siblings, candidates):
        match = difflib.get_close_matches(key, pool, n=1, cutoff=0.6)
        if match:
            return match[0]
    return None


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


def problems_from_validation(exc: ValidationError, model: type[BaseModel]) -> list[Problem]:
    """Translate pydantic errors into one Problem per user mistake."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        path = _dotted(loc, model)
        kind = err["type"]
        given = err.get("input")
        info = field_at(model, tuple(p for p in loc if not isinstance(p, int)))
        rng = allowed_range(info)
        if kind == "extra_forbidden":
            hint = suggest(path, model)
            msg = "unknown key"
            msg += f" (did you mean {hint}?)" if hint else ""
        elif kind == "missing":
            msg = "missing: this key is required"
            if rng:
                msg += f" (allowed: {rng})"
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
        elif kind.startswith(("int_", "float_", "bool_", "string_", "literal_", "tuple_", "list_", "model_", "dict_")):
            msg = f"got {_show(given)}; {err['msg'][0].lower()}{err['msg'][1:]}"
            if rng:
                msg += f" (allowed: {rng})"
        else:
            msg = f"{err['msg']} (got {_show(given)})"
        problems.append(Problem(path, msg))
    return problems
