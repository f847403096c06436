"""The recorder's column store: records appended whole or as positional values come back the same."""

from __future__ import annotations

import inspect
from array import array

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simlib.model import records
from simlib.model.recorder import PENDING, Columns, Weekly, _Text
from simlib.model.records import PlacementSpell, ReferralRecord
from simlib.model.simulation import simulate
from simlib.scenario import load_scenario

referral = st.builds(
    ReferralRecord,
    arrived=st.floats(0, 1e4),
    child=st.one_of(st.integers(-1000, 10**6), st.integers(-2**62, 2**62)),  # past 32 bits: the column widens,
    age=st.floats(0, 18),
    urgent=st.booleans(),
    screened=st.floats(0, 1e4),
    opened=st.booleans(),
    joined=st.booleans(),
)
spell = st.builds(
    PlacementSpell,
    child=st.integers(0, 100),
    episode=st.integers(0, 5),
    placement=st.integers(0, 5),
    start=st.floats(0, 1e4),
    end=st.floats(0, 1e4),
    place=st.sampled_from(["foster", "hvb", "emergency"]),
    home=st.one_of(st.none(), st.integers(0, 50)),  # an optional int: None widens the column
    end_reason=st.sampled_from(["moved", "home", "censored"]),
)


@given(st.lists(referral, max_size=30))
def test_add_equals_append_equals_a_frame_of_the_records(records: list[ReferralRecord]) -> None:
    whole, values = Columns(ReferralRecord), Columns(ReferralRecord)
    for r in records:
        whole.append(r)
        values.add(*r)
    expected = pd.DataFrame(records, columns=list(ReferralRecord._fields)).astype(whole.frame().dtypes)
    pd.testing.assert_frame_equal(whole.frame(), expected)
    pd.testing.assert_frame_equal(values.frame(), expected)
    assert list(values) == records


@given(st.lists(spell, max_size=30))
def test_a_column_widened_by_none_keeps_every_value_in_place(records: list[PlacementSpell]) -> None:
    store = Columns(PlacementSpell)
    for r in records:
        store.add(*r)
    assert len(store) == len(records)
    assert list(store) == records


def test_add_refuses_a_record_with_a_field_missing() -> None:
    store = Columns(ReferralRecord)
    with pytest.raises(TypeError, match="7 fields, got 6"):
        store.add(1.0, 2, 3.0, True, 4.0, False)
    assert len(store) == 0 and len(store.frame()) == 0


def _record_kinds() -> list[type]:
    return [k for _, k in inspect.getmembers(records, inspect.isclass) if hasattr(k, "_fields")]


@pytest.mark.parametrize("kind", _record_kinds(), ids=lambda k: k.__name__)
def test_every_plain_field_gets_a_typed_column(kind: type) -> None:
    """float/int/bool fields are arrays, str fields category codes; only an optional stays objects.

    records.py has ``from __future__ import annotations``: its NamedTuples' annotations are
    ForwardRefs, and reading them with ``str`` once made every column a list of objects.
    """
    store = Columns(kind)
    for name, column in zip(kind._fields, store.columns, strict=True):
        written = kind.__annotations__[name]
        written = getattr(written, "__forward_arg__", written)
        if "None" in str(written):
            assert isinstance(column, list), name
        else:
            assert isinstance(column, (array, _Text)), f"{kind.__name__}.{name} ({written}) is {type(column)}"


def test_a_run_keeps_its_records_in_typed_columns() -> None:
    """No value the model logs makes a typed column widen to objects (a numpy bool would)."""
    out = simulate(load_scenario("baseline", ["horizon.years=1.5"]), 7, 0)
    rec = out.recorder
    for store in [rec.referrals, rec.investigations, *rec.events.values()]:
        for name, column, fresh in zip(store.kind._fields, store.columns, Columns(store.kind).columns, strict=True):
            assert type(column) is type(fresh), f"{store.kind.__name__}.{name} widened to {type(column).__name__}"


def test_every_read_sees_the_records_still_pending() -> None:
    """Records wait as tuples before they move into the columns; len, view, column, frame and iteration see them."""
    store = Columns(ReferralRecord)
    records = [ReferralRecord(float(i), i, 1.0, i % 2 == 0, float(i), True) for i in range(PENDING + 3)]
    for r in records[:3]:
        store.add(*r)
    assert len(store) == 3
    assert list(store.view("child")) == [0, 1, 2]
    for r in records[3:]:
        store.add(*r)
    assert len(store) == PENDING + 3
    assert list(store.column("child")) == list(range(PENDING + 3))
    assert list(store) == records
    assert len(store.frame()) == PENDING + 3


weekly_value = st.one_of(
    st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=False), st.booleans(),
    st.lists(st.floats(0, 1e6), max_size=5), st.text(max_size=3),
)


@given(st.lists(st.tuples(weekly_value, weekly_value, weekly_value), max_size=12), st.booleans())
def test_the_weekly_store_gives_the_frame_of_its_rows(values: list[tuple], int_then_float: bool) -> None:
    """Column by column, the weekly samples give what ``pd.DataFrame(rows)`` gave, types included."""
    rows = [{"day": float(i), "a": a, "b": b, "c": c} for i, (a, b, c) in enumerate(values)]
    if int_then_float and rows:
        rows += [{"day": 99.0, "a": 1, "b": 2.5, "c": True}]
    store = Weekly()
    for row in rows:
        store.append(row)
    got, expected = store.frame(), pd.DataFrame(rows)
    assert list(got.columns) == list(expected.columns) and list(got.dtypes) == list(expected.dtypes)
    for name in expected.columns:
        for x, y in zip(got[name], expected[name], strict=True):
            x = list(x) if isinstance(x, array) else x
            assert x == y or (x != x and y != y), (name, x, y)
    if rows:
        assert store.last("day") == rows[-1]["day"] and len(store) == len(rows)


def test_a_weekly_row_with_other_keys_keeps_plain_rows() -> None:
    store = Weekly()
    rows = [{"day": 0.0, "n": 1}, {"day": 7.0, "n": 2}, {"day": 14.0, "m": 3.5}]
    for row in rows:
        store.append(row)
    pd.testing.assert_frame_equal(store.frame(), pd.DataFrame(rows))
    assert store.last("day") == 14.0
