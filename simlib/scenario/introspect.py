"""Reading the scenario schema itself: the field at a dotted key, its bounds, its type.

Error messages ("from 1 to 500, or null"), the dashboard's sliders, sweeps
(which sampled values to round) and sensitivity ranges all ask the pydantic
schema the same questions; the answers are computed here, once.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from simlib.scenario.schema import Scenario


def unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional/Union/Annotated annotations."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in unwrap(arg)]
    return [annotation]


def _models(info: FieldInfo) -> list[type[BaseModel]]:
    return [t for t in unwrap(info.annotation) if isinstance(t, type) and issubclass(t, BaseModel)]


def _kind_of(model: type[BaseModel]) -> Any:
    kind = model.model_fields.get("kind")
    return None if kind is None else kind.default


def field_at(model: type[BaseModel], loc: Sequence[Any]) -> FieldInfo | None:
    """The FieldInfo at a location (dotted key parts or a pydantic error location), if any.

    A distribution is a discriminated union: in an error location its tag
    ('lognormal') follows the field name and selects the member model.
    """
    current: type[BaseModel] | None = model
    info: FieldInfo | None = None
    loc = tuple(loc)
    i = 0
    while i < len(loc):
        part = loc[i]
        if current is None:
            return None
        fields = current.model_fields
        name = next((n for n, f in fields.items() if part in (n, f.alias)), None)
        if name is None:
            return None
        info = fields[name]
        members = _models(info)
        i += 1
        if len(members) > 1 and i < len(loc):
            tag = loc[i]
            current = next((m for m in members if _kind_of(m) == tag), None)
            i += 1
        else:
            current = members[0] if len(members) == 1 else None
    return info


def field_at_key(key: str, model: type[BaseModel] = Scenario) -> FieldInfo | None:
    """The FieldInfo at a dotted key such as ``investigation.caseload_cap``."""
    return field_at(model, key.split("."))


def _metadata(info: FieldInfo) -> list[Any]:
    """Constraint metadata of a field, including that inside Optional[Annotated[...]]."""
    out = list(info.metadata)
    for arg in [info.annotation, *typing.get_args(info.annotation)]:
        if typing.get_origin(arg) is typing.Annotated:
            for meta in typing.get_args(arg)[1:]:
                out.extend(getattr(meta, "metadata", [meta]))
    return out


@dataclass(frozen=True)
class Bounds:
    """A numeric field's allowed range; ``None`` where the schema sets no bound."""

    low: float | None = None
    high: float | None = None
    low_strict: bool = False
    high_strict: bool = False
    nullable: bool = False


def bounds(info: FieldInfo | None) -> Bounds:
    """The ge/gt/le/lt bounds of a field, through Optional and Annotated."""
    if info is None:
        return Bounds()
    low = high = None
    low_strict = high_strict = False
    for meta in _metadata(info):
        if isinstance(meta, Ge):
            low, low_strict = meta.ge, False
        elif isinstance(meta, Gt):
            low, low_strict = meta.gt, True
        elif isinstance(meta, Le):
            high, high_strict = meta.le, False
        elif isinstance(meta, Lt):
            high, high_strict = meta.lt, True
    return Bounds(low, high, low_strict, high_strict, type(None) in unwrap(info.annotation))


def field_bounds(model: type[BaseModel], name: str) -> tuple[float | None, float | None]:
    """(low, high) of one field of a section model, as floats."""
    b = bounds(model.model_fields[name])
    return (None if b.low is None else float(b.low), None if b.high is None else float(b.high))


def value_at(scenario: Scenario, key: str) -> Any:
    """The resolved value at a dotted key, as written in YAML (``investigation.hours.mean``)."""
    node: Any = scenario.model_dump(mode="json", by_alias=True)
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def is_integer_key(scenario: Scenario, key: str) -> bool:
    """Whether a dotted key holds a whole number (so sampled or scaled values are rounded)."""
    value = value_at(scenario, key)
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    info = field_at_key(key)
    kinds = unwrap(info.annotation) if info is not None else []
    return int in kinds and float not in kinds
