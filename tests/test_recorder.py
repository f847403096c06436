"""The recorder's column store: records appended whole or as positional values come back the same."""

from __future__ import annotations

import inspect
from array import array

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simlib.model import records
from simlib.model.kpis import skipna_mean
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
        # the KPIs read columns without a frame: a typed column is the frame's array, objects its values
        assert store.fields() == tuple(expected.columns) and all(name in store for name in expected.columns)
        for name in expected.columns:
            column = store.column(name)
            if isinstance(column, list):
                for x, y in zip(column, got[name], strict=True):
                    x, y = (list(v) if isinstance(v, array) else v for v in (x, y))
                    assert x == y or (x != x and y != y), (name, x, y)
            else:
                np.testing.assert_array_equal(column, got[name].to_numpy())
                assert column.dtype == got[name].dtype


@given(st.lists(st.one_of(st.floats(-1e9, 1e9), st.just(float("nan"))), max_size=40), st.booleans())
def test_skipna_mean_is_the_mean_pandas_takes(values: list[float], flags: bool) -> None:
    """The KPIs' means of flags and values are pandas' Series.mean to the bit (they were frames' columns)."""
    x = np.array([v > 0 for v in values]) if flags else np.array(values, dtype=float)
    got, expected = skipna_mean(x), float(pd.Series(x).mean()) if len(x) else float("nan")
    assert got == expected or (got != got and expected != expected), (got, expected)


def test_a_weekly_row_with_other_keys_keeps_plain_rows() -> None:
    store = Weekly()
    rows = [{"day": 0.0, "n": 1}, {"day": 7.0, "n": 2}, {"day": 14.0, "m": 3.5}]
    for row in rows:
        store.append(row)
    pd.testing.assert_frame_equal(store.frame(), pd.DataFrame(rows))
    assert store.last("day") == 14.0
    assert store.fields() == ("day", "n", "m") and "m" in store
    np.testing.assert_array_equal(store.column("n"), pd.DataFrame(rows)["n"].to_numpy())


histogram = st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=6)


@given(st.lists(st.tuples(histogram, st.lists(st.integers(0, 5), max_size=3)), max_size=15))
def test_a_histogram_column_reads_back_bit_for_bit(steps: list[tuple[list[float], list[int]]]) -> None:
    """Stored as changes, each week's histogram (widths that grow and shrink, -0.0, NaN) comes back exactly."""
    rows: list[list[float]] = []
    last: list[float] = []
    for fresh, keep in steps:  # some rows repeat levels of the one before (unchanged entries)
        row = [last[k] if k < len(last) and k in keep else v for k, v in enumerate(fresh)]
        rows.append(row)
        last = row
    store = Weekly()
    for day, row in enumerate(rows):
        store.append({"day": float(day), "levels": row})
    frame = store.frame()
    for i, row in enumerate(rows):
        got = store.levels("levels", i)
        assert got.dtype == "float64" and got.tobytes() == array("d", row).tobytes(), (i, row, got)
        assert frame["levels"].iloc[i].tobytes() == array("d", row).tobytes()
    lean = store.frame(levels=False)
    assert "levels" not in lean and list(lean.get("day", [])) == list(range(len(rows)))


def test_a_histogram_column_keeps_only_what_changed() -> None:
    """64 levels a week, 2 of which move: ~2 values a week are kept, not 64."""
    store = Weekly()
    row = [0.0] * 64
    for week in range(200):
        row[week % 64] += 1.5
        row[(week * 7) % 64] += 0.25
        store.append({"day": 7.0 * week, "level_time": list(row)})
    column = store.columns[store.names.index("level_time")]
    assert len(column.values) <= 2 * 200
    assert store.levels("level_time", -1).tolist() == row and store.last("level_time") == row


def test_the_kpis_read_the_histograms_without_a_frame_of_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """The recorder's weekly frame has no histograms; the caseload KPIs read the two weeks they need."""
    sc = load_scenario("baseline", ["horizon.years=1.5", "placements.enabled=false"])
    out = simulate(sc, 2, 0)
    assert "level_time_work" not in out.recorder.weekly_frame()
    assert "level_time_work" in out.recorder.weekly.frame() and out.kpis["caseload_mean"] > 0
