"""Memory flat in the horizon (issue 19 point 7): what a replication keeps grows by bytes, not objects.

The measure itself is ``benchmarks/bench_memory.py`` (peak RSS of a 5- and a
60-year replication, in ``make bench``); these tests pin the pieces that make it
flat: records in typed columns read without copies, KPIs computed without a
frame of every record.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simlib.model import simulation
from simlib.model.recorder import Columns, Recorder
from simlib.model.records import (
    Breakdown,
    InHomeSpell,
    InvestigationRecord,
    PlacementCaseworkerChange,
    PlacementNeed,
    PlacementSpell,
    ReferralRecord,
    VisitRecord,
)
from simlib.model.schedule import END_MARGIN, RunEnvironment
from simlib.model.simulation import simulate
from simlib.scenario import load_scenario


def test_a_view_is_the_column_without_a_copy() -> None:
    store = Columns(ReferralRecord)
    for i in range(5):
        store.add(float(i), i - 2, 3.5, i % 2 == 0, float(i) + 0.25, True, False)
    for name in ReferralRecord._fields:
        view, column = store.view(name), store.column(name)
        assert view.dtype == column.dtype and np.array_equal(view, column), name
        assert not view.flags.writeable
    assert store.view("urgent").base is not None  # a view of the array's buffer, not a copy
    empty = Columns(InvestigationRecord)
    assert empty.view("decided").dtype == np.float64 and len(empty.view("heard")) == 0


def test_the_pipeline_kpis_build_no_frame_of_the_records(monkeypatch: pytest.MonkeyPatch) -> None:
    sc = load_scenario("baseline", ["horizon.years=1.5", "placements.enabled=false"])
    expected = simulate(sc, 3, 0).kpis

    def refuse(_self: Recorder) -> None:
        raise AssertionError("a frame of every referral or investigation was built")

    monkeypatch.setattr(Recorder, "referral_frame", refuse)
    monkeypatch.setattr(Recorder, "investigation_frame", refuse)
    monkeypatch.setattr(Columns, "frame", refuse)
    got = simulate(sc, 3, 0).kpis
    assert got.keys() == expected.keys()
    assert all(got[k] == expected[k] or (got[k] != got[k] and expected[k] != expected[k]) for k in got)


def test_timers_due_after_the_run_are_not_queued() -> None:
    env = RunEnvironment()
    env.end = 10.0
    fired: list[float] = []
    for delay in (5.0, 10.0, 10.0 + END_MARGIN, 10.5 + END_MARGIN, 400.0):
        env.timeout(delay).callbacks.append(lambda _ev: fired.append(env.now))
    assert sorted(t for t, *_ in env._queue) == [5.0, 10.0, 10.0 + END_MARGIN]
    env.run(until=500.0)  # run(until=t) is an urgent event: always queued, even after the end
    assert fired == [5.0, 10.0, 10.0 + END_MARGIN] and env.now == 500.0


def test_a_run_leaves_no_timer_after_its_end_in_the_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replaced timers (breakdown clocks, hazards) due after the end used to stay queued for ever."""
    kept: list[RunEnvironment] = []
    build = simulation.build_context

    def build_and_keep(*args, **kwargs):
        ctx = build(*args, **kwargs)
        kept.append(ctx.env)
        return ctx

    monkeypatch.setattr(simulation, "build_context", build_and_keep)
    sc = load_scenario("baseline", ["horizon.years=2"])
    simulation.simulate(sc, 5, 0)
    env = kept[0]
    assert env.end == (sc.horizon.years + sc.horizon.run_out_years) * 365.0
    assert env._queue and max(t for t, *_ in env._queue) <= env.end + END_MARGIN


def test_the_run_environment_binds_simpys_event_classes_once() -> None:
    """env.timeout & co. are bound on the instance, as SimPy does for its own class (no descriptor call a timer)."""
    from simlib.model.schedule import RunEnvironment

    env = RunEnvironment()
    for name in ("timeout", "event", "process", "all_of", "any_of"):
        assert name in vars(env), name
    assert env.timeout(1.0).env is env


def test_placement_kpis_read_the_big_record_kinds_without_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    """Visits, in-home spells, placement needs and breakdowns: columns only; spells with text as objects."""
    sc = load_scenario("baseline", ["horizon.years=2"])
    expected = simulate(sc, 4, 0).kpis
    frame = Columns.frame

    def only_small_frames(self: Columns, text_objects: bool = False, fields: tuple[str, ...] | None = None):
        if self.kind in (VisitRecord, InHomeSpell, PlacementNeed, Breakdown, PlacementCaseworkerChange):
            raise AssertionError(f"a frame of every {self.kind.__name__}")
        assert text_objects, f"{self.kind.__name__}: text as pyarrow strings"
        return frame(self, text_objects, fields)

    monkeypatch.setattr(Columns, "frame", only_small_frames)
    monkeypatch.setattr(Columns, "__iter__", lambda self: (_ for _ in ()).throw(AssertionError("records as tuples")))
    got = simulate(sc, 4, 0).kpis
    assert all(got[k] == expected[k] or (got[k] != got[k] and expected[k] != expected[k]) for k in expected)


def test_text_as_objects_is_the_same_frame_with_object_columns() -> None:
    store = Columns(PlacementSpell)
    store.add(1, 1, 1, 0.0, 3.0, "jourhem", None, "planned_move")
    store.add(1, 1, 2, 3.0, 9.5, "familjehem", 4, "open")
    plain, objects = store.frame(), store.frame(text_objects=True)
    assert objects["place"].dtype == object and objects["end_reason"].dtype == object
    pd.testing.assert_frame_equal(objects, plain, check_dtype=False)
    assert list(objects["place"]) == ["jourhem", "familjehem"]


def test_child_numbers_are_those_a_dict_of_every_child_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """Over 22 years children age out: their counts go, and no number a child-keyed stream gets changes."""
    from simlib.model import children

    shadows: list[tuple[children.ChildNumbers, dict[int, int]]] = []
    original = children.ChildNumbers.next

    def checked(self: children.ChildNumbers, child: int, age: float) -> int:
        everyone = next((d for s, d in shadows if s is self), None)
        if everyone is None:
            everyone = {}
            shadows.append((self, everyone))
        everyone[child] = everyone.get(child, 0) + 1
        number = original(self, child, age)
        assert number == everyone[child], (child, age)
        return number

    from simlib.model import placements
    from simlib.model.placements import entries as entries_module

    systems: list[placements.PlacementSystem] = []
    install = placements.install
    monkeypatch.setattr(placements, "install", lambda ctx: systems.append(install(ctx)) or systems[-1])
    monkeypatch.setattr(entries_module, "SWEEP_MIN", 16)
    monkeypatch.setattr(children.ChildNumbers, "next", checked)
    simulate(load_scenario("baseline", ["horizon.years=22"]), 11, 0)
    assert len(shadows) == 3  # care episodes, in-home spells, failure-demand referrals
    for numbers, everyone in shadows:
        assert len(numbers) < 0.7 * len(everyone), "children past 18 keep their counts"
    # the in-home draws of reports that got no case of their own (taken into another) are swept
    entries = systems[0].entries
    assert entries.sweep_at > 16 and len(entries.in_home_draws) < entries.sweep_at
    ctx = systems[0].ctx
    live = [ref for key, (ref, _) in entries.in_home_draws.items()
            if key in ctx.open_screenings or getattr(ctx.open_cases.get(ref.child), "referral", None) is ref]
    assert len(entries.in_home_draws) - len(live) < entries.sweep_at // 2 + 16


@pytest.mark.parametrize(("name", "sets"), [("baseline", []), ("policy/cap-12", []),
                                           ("baseline", ["screening.enabled=false"])])
def test_a_lean_recorder_gives_the_same_kpis_and_refuses_what_it_let_go(name: str, sets: list[str]) -> None:
    from simlib.experiments.replications import run_replication

    sc = load_scenario(name, ["horizon.years=3", *sets])
    full = simulate(sc, 8, 1)
    lean = simulate(sc, 8, 1, records="kpis")
    assert list(lean.kpis) == list(full.kpis)
    assert all(lean.kpis[k] == v or (v != v and lean.kpis[k] != lean.kpis[k]) for k, v in full.kpis.items())
    pd.testing.assert_frame_equal(lean.series, full.series)
    kpis, _series = run_replication(sc, 8, 1)  # a run for its KPIs is a lean one
    assert kpis.set_index("kpi")["value"].to_dict().keys() == full.kpis.keys()
    # the referrals taken into an open investigation are kept apart (no flag, no screening time)
    refs, joined = full.recorder.referrals, full.recorder.referrals.view("joined")
    assert lean.recorder.referrals_apart and not full.recorder.referrals_apart and joined.any()
    for field in ("arrived", "child", "screened"):
        assert lean.recorder.referrals.view(field).tobytes() == refs.view(field)[~joined].tobytes()
    for field in ("arrived", "child"):
        assert lean.recorder.joined_referrals.view(field).tobytes() == refs.view(field)[joined].tobytes()
    with pytest.raises(KeyError, match="lean recorder"):
        lean.recorder.referrals.view("joined")
    with pytest.raises(KeyError, match="lean recorder"):
        lean.recorder.investigation_frame()
    assert len(lean.recorder.investigations) == len(full.recorder.investigations)
    # the later stages' records: only the fields their KPIs read (placements.kpis.KPI_RECORD_FIELDS)
    from simlib.model.placements.kpis import KPI_RECORD_FIELDS
    from simlib.model.records import CareEpisode, InvestigationJoined

    for kind, fields in KPI_RECORD_FIELDS.items():
        if kind not in full.recorder.events:
            continue
        kept = lean.recorder.events[kind].frame(text_objects=True, fields=fields)
        pd.testing.assert_frame_equal(kept, full.recorder.events[kind].frame(text_objects=True, fields=fields))
    with pytest.raises(KeyError, match="lean recorder"):
        lean.recorder.frame(CareEpisode)
    joined = lean.recorder.events[InvestigationJoined]
    assert len(joined) == len(full.recorder.events[InvestigationJoined]) > 0
    assert all(len(column) == 0 for column in joined.columns)  # counted, nothing kept


def test_a_lean_recorder_chooses_its_fields_before_the_first_record() -> None:
    lean = Recorder.lean({ReferralRecord: ("arrived",), InvestigationRecord: ("opened",)})
    lean.keep_only({Breakdown: ("time",)})
    lean.log(Breakdown(time=1.0, child=3, place="hvb"))
    assert list(lean.events[Breakdown].frame(fields=("time",))["time"]) == [1.0]
    with pytest.raises(KeyError, match="lean recorder"):
        lean.events[Breakdown].view("place")
    with pytest.raises(RuntimeError, match="before a record"):
        lean.keep_only({Breakdown: ("time", "child")})
    full = Recorder()
    full.keep_only({Breakdown: ("time",)})  # a full recorder keeps every field
    full.log(Breakdown(time=1.0, child=3, place="hvb"))
    assert list(full.events[Breakdown].view("child")) == [3]


def test_follow_up_keys_are_those_a_concatenation_of_widened_columns_gave() -> None:
    """``_sorted_keys`` fills one array in place from the 4-byte ids: the same floats, bit for bit."""
    from simlib.model.kpis import KEY_SPAN, _sorted_keys

    rng = np.random.default_rng(4)
    child = rng.integers(0, 2**31 - 1, 5000).astype(np.int32)
    time = rng.uniform(0, 30_000, 5000)
    more = [(int(c), float(t)) for c, t in zip(rng.integers(0, 10**6, 7), rng.uniform(0, 30_000, 7), strict=True)]
    old = np.concatenate([child.astype(np.int64).astype(float) * KEY_SPAN + time,
                          np.array([c for c, _ in more], dtype=float) * KEY_SPAN
                          + np.array([t for _, t in more], dtype=float)])
    old.sort()
    assert _sorted_keys(child, time, more).tobytes() == old.tobytes()
    assert _sorted_keys(child, time, []).tobytes() == np.sort(child.astype(float) * KEY_SPAN + time).tobytes()
    # the columns of several stores (a lean recorder's joined referrals apart): the same keys
    apart = _sorted_keys(child[::2], time[::2], more, also=((child[1::2], time[1::2]), (child[:0], time[:0])))
    assert apart.tobytes() == old.tobytes()


def test_the_weekly_frame_is_built_once_and_a_change_to_a_copy_leaves_it() -> None:
    rec = Recorder()
    for week in range(3):
        rec.weekly.append({"day": 7.0 * week, "balans": week})
    first = rec.weekly_frame()
    first.loc[0, "balans"] = 99
    first["extra"] = 1.0
    again = rec.weekly_frame()
    assert list(again["balans"]) == [0, 1, 2] and "extra" not in again


def test_an_int_column_takes_4_bytes_until_a_value_needs_8() -> None:
    store = Columns(ReferralRecord)
    for i in range(300):  # more than PENDING: the records move into the columns
        store.add(float(i), i, 3.5, False, float(i), True, False)
    child = store.columns[ReferralRecord._fields.index("child")]
    assert child.typecode == "i" and store.view("child").dtype == np.int64
    store.add(1.0, 2**40, 3.5, False, 1.0, True, False)
    assert list(store.column("child")[-2:]) == [299, 2**40] and store.frame()["child"].dtype == np.int64


def test_ended_episodes_and_departed_staff_leave_no_reference_cycles(monkeypatch: pytest.MonkeyPatch) -> None:
    """What has ended is freed at once, not by a (rare, during a run) full collection.

    An ended care episode (Child <-> its follow-up Job, Child <-> its breakdown call),
    a departed employee (its hazard clocks' closures, its sick-leave calls) and a
    retired caseworker (its bound timer callback) were reference cycles: a 60-year
    run held ~12 MB of them at its peak. With the collector off for the whole run,
    none of them is garbage at its end.
    """
    import gc

    seen: dict[str, int] = {}
    compute = simulation.compute_kpis

    def count_garbage_then_compute(ctx, t0, t1):
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            gc.collect()
            for obj in gc.garbage:
                seen[type(obj).__name__] = seen.get(type(obj).__name__, 0) + 1
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
        return compute(ctx, t0, t1)

    monkeypatch.setattr(simulation, "compute_kpis", count_garbage_then_compute)
    gc.collect()
    gc.disable()
    try:
        out = simulate(load_scenario("baseline", ["horizon.years=4"]), 6, 0)
    finally:
        gc.enable()
    from simlib.model.records import CareEpisode, Departure

    assert len(out.recorder.column(CareEpisode, "end")) > 100 and len(out.recorder.column(Departure, "time")) > 10
    cycles = {name: n for name, n in seen.items()
              if name in ("Child", "Job", "Call", "Staffer", "Caseworker", "HazardClock", "Case")}
    assert not cycles, f"ended objects left as cyclic garbage: {cycles}"


def test_the_workforce_ledger_keeps_its_weekly_areas_in_flat_arrays() -> None:
    """Each weekly snapshot is found by its day, with every counter's area then; other days are not."""
    from simlib.model.workforce.kpis import COUNTERS, Ledger

    ledger = Ledger(0.0)
    expected: dict[float, dict[str, float]] = {}
    for week in range(1, 60):
        day = 7.0 * week
        ledger.add(day - 3.0, COUNTERS[week % len(COUNTERS)], week % 3)
        ledger.snapshot(day)
        expected[day] = ledger.areas(day)
    assert len(ledger.snap_areas) == len(COUNTERS) * len(ledger.snap_days) == len(COUNTERS) * 59
    for day, areas in expected.items():
        assert ledger._snap(day) == areas
    assert ledger._snap(8.0) is None and ledger._snap(0.0) is None and ledger._snap(1e9) is None
    window = ledger.window(14.0, 70.0)
    assert window == {name: expected[70.0][name] - expected[14.0][name] for name in COUNTERS}
