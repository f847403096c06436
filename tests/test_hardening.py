"""Hardening tier (issue 19): hostile or careless input ends clean.

Every case here is a scenario file or option someone could send us. Each must
end with exit status 2 and ``error:`` lines naming the key, file or option (no
traceback, no hang, no number silently changed), or with the correct result.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simlib.presentation.cli import app
from simlib.scenario import ScenarioError, load, load_scenario
from simlib.scenario.loader import bundled_dir, parse_value
from simlib.scenario.yamlio import MAX_DEPTH, parse

BASELINE = bundled_dir() / "baseline.yaml"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def assert_user_error(result, *needles: str, max_lines: int | None = None) -> list[str]:
    """Exit 2, only 'error: ' lines on stderr, each needle named, no traceback."""
    stderr = result.stderr
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    lines = stderr.splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), stderr
    for needle in needles:
        assert needle in stderr, f"{needle!r} not in {stderr!r}"
    if max_lines is not None:
        assert len(lines) <= max_lines, lines
    return lines


def child(tmp_path: Path, body: str, name: str = "child.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"extends: {BASELINE}\n{body}", encoding="utf-8")
    return path


# --- 2. no silent coercion: YAML 1.1 forms, duplicates, bool/number mix-ups ----------------

COERCIONS = {
    "leading zero (octal 13 in YAML 1.1)": ("investigation:\n  caseload_cap: 015\n", ["line 3", "'015'", "15"]),
    "negative leading zero": ("staff:\n  intake_fte: -07\n", ["'-07'"]),
    "base 60 (90 in YAML 1.1)": ("investigation:\n  caseload_cap: 1:30\n", ["'1:30'", "YAML 1.1"]),
    "digit separator": ("referrals:\n  per_year: 4_000\n", ["'4_000'", "4000"]),
    "binary literal": ("investigation:\n  caseload_cap: 0b1111\n", ["'0b1111'"]),
    "yes as a number": ("investigation:\n  caseload_cap: yes\n", ["investigation.caseload_cap", "'yes'"]),
    "on as a boolean": ("screening:\n  enabled: on\n", ["screening.enabled", "'on'", "true or false"]),
    "no as a boolean": ("investigation:\n  rush_at_deadline: no\n", ["investigation.rush_at_deadline", "'no'"]),
    "true as an integer": ("investigation:\n  caseload_cap: true\n", ["investigation.caseload_cap", "True"]),
    "true as a float": ("referrals:\n  per_year: true\n", ["referrals.per_year", "True", "valid number"]),
    "false as a share": ("referrals:\n  urgent_share: false\n", ["referrals.urgent_share", "False"]),
    "true in a distribution": (
        "investigation:\n  hours: {kind: deterministic, value: true}\n", ["investigation.hours.value", "True"]
    ),
    "true in a list of numbers": (
        "referrals:\n  seasonality: [true, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n", ["referrals.seasonality[0]", "True"]
    ),
    "-0.0 as a boolean": ("screening:\n  enabled: -0.0\n", ["screening.enabled", "-0.0"]),
    "1 as a boolean": ("staff:\n  dynamics: 1\n", ["staff.dynamics", "got 1"]),
    "float for an integer": ("staff:\n  intake_fte: 4.0\n", ["staff.intake_fte", "4.0", "valid integer"]),
    "quoted number": ("referrals:\n  per_year: '4000'\n", ["referrals.per_year", "'4000'"]),
    "duplicate key": ("referrals:\n  per_year: 4000\n  per_year: 5000\n", ["duplicate key 'per_year'", "line 4"]),
    "duplicate section": (
        "referrals:\n  per_year: 4000\nreferrals:\n  per_year: 5000\n", ["duplicate key 'referrals'"]
    ),
    "duplicate key in a flow mapping": (
        "investigation:\n  hours: {kind: deterministic, value: 8, value: 9}\n", ["duplicate key 'value'"]
    ),
    "YAML 1.1 merge key": ("base: &b {per_year: 1}\nreferrals:\n  <<: *b\n", ["<<", "unknown key"]),
}


@pytest.mark.parametrize("case", list(COERCIONS), ids=lambda c: c.replace(" ", "-"))
def test_yaml_11_forms_and_loose_types_are_refused(tmp_path, case):
    body, needles = COERCIONS[case]
    assert_user_error(invoke("validate", str(child(tmp_path, body))), "child.yaml", *needles)


YAML12 = {
    "1e11": 1e11, "1.5e-3": 0.0015, ".5": 0.5, "-0.0": -0.0, "0o17": 15, "0x1F": 31, "+5": 5, "0": 0,
    "~": None, "null": None, "TRUE": True, "false": False, "yes": "yes", "2023-01-01": "2023-01-01",
    "'015'": "015", "1.": 1.0,
}


@pytest.mark.parametrize("text", list(YAML12))
def test_scalars_follow_the_yaml_12_core_schema(text):
    assert parse(f"a: {text}") == {"a": YAML12[text]}


def test_a_numbers_type_survives_yaml_12(tmp_path):
    """1e6 is a number in YAML 1.2 (a string in PyYAML's 1.1): the loaded value is that number."""
    path = child(tmp_path, "referrals:\n  per_year: 4.5e3\n")
    assert load_scenario(path).referrals.per_year == 4500.0


SET_COERCIONS = {
    "investigation.caseload_cap=015": ["--set", "investigation.caseload_cap", "'015'"],
    "investigation.caseload_cap=1:30": ["--set", "investigation.caseload_cap", "'1:30'"],
    "investigation.caseload_cap=yes": ["--set", "investigation.caseload_cap", "'yes'"],
    "investigation.caseload_cap=true": ["--set", "investigation.caseload_cap", "True"],
    "screening.enabled=0": ["--set", "screening.enabled", "got 0"],
    "screening.enabled=off": ["--set", "screening.enabled", "'off'"],
    "investigation.outcome={none: 0.5, none: 0.4}": ["--set", "duplicate key 'none'"],
}


@pytest.mark.parametrize("override", list(SET_COERCIONS))
def test_set_values_are_as_strict_as_files(override):
    lines = assert_user_error(invoke("show", "baseline", "--set", override), *SET_COERCIONS[override])
    assert all("baseline.yaml" not in line for line in lines)


def test_set_value_parsing_keeps_plain_text_and_numbers():
    assert parse_value("1e6") == 1e6
    assert parse_value("null") is None
    assert parse_value("lognormal") == "lognormal"
    with pytest.raises(ScenarioError, match="--set"):
        parse_value("012")


# --- 3 (loader part). no tracebacks: nesting, symlink loops, metadata of the wrong type -----

def _deep_flow(tmp_path: Path) -> Path:
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8")
    return path


def _deep_map(tmp_path: Path) -> Path:
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n", encoding="utf-8")
    return path


def _deep_block(tmp_path: Path) -> Path:
    path = tmp_path / "deep.yaml"
    path.write_text("".join(" " * i + "a:\n" for i in range(400)), encoding="utf-8")
    return path


def _symlink_loop(tmp_path: Path) -> Path:
    (tmp_path / "one.yaml").symlink_to(tmp_path / "two.yaml")
    (tmp_path / "two.yaml").symlink_to(tmp_path / "one.yaml")
    return tmp_path / "one.yaml"


def _extends_symlink_loop(tmp_path: Path) -> Path:
    _symlink_loop(tmp_path)
    path = tmp_path / "deep.yaml"
    path.write_text("extends: one.yaml\n", encoding="utf-8")
    return path


ENDS_CLEAN = {
    "10 000 nested lists": (_deep_flow, ["nested more than", str(MAX_DEPTH)]),
    "10 000 nested mappings": (_deep_map, ["nested more than"]),
    "400 nested block mappings": (_deep_block, ["nested more than"]),
    "symlink loop": (_symlink_loop, ["one.yaml", "symbolic link loop"]),
    "extends a symlink loop": (_extends_symlink_loop, ["one.yaml", "symbolic link loop"]),
}


@pytest.mark.parametrize("case", list(ENDS_CLEAN), ids=lambda c: c.replace(" ", "-"))
def test_pathological_files_end_clean(tmp_path, case):
    make, needles = ENDS_CLEAN[case]
    assert_user_error(invoke("validate", str(make(tmp_path))), *needles, max_lines=1)


@pytest.mark.parametrize("value", ["5", "null", "[a, b]", "text", "true"])
def test_metadata_of_the_wrong_type_in_a_file(tmp_path, value):
    path = child(tmp_path, f"metadata: {value}\n")
    assert_user_error(invoke("validate", str(path)), "metadata", "mapping", max_lines=1)


@pytest.mark.parametrize("value", ["5", "null", "[a, b]"])
def test_metadata_of_the_wrong_type_via_set(value):
    assert_user_error(invoke("show", "baseline", "--set", f"metadata={value}"), "--set", "metadata", max_lines=1)


# --- 1 (files). only regular files, read with a limit -----------------------------------------

def test_validate_dev_zero_is_refused_without_reading():
    assert_user_error(invoke("validate", "/dev/zero"), "/dev/zero", "not a regular file", max_lines=1)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert_user_error(invoke("validate", str(fifo)), "pipe.yaml", "not a regular file", max_lines=1)
    path = tmp_path / "child.yaml"
    path.write_text("extends: pipe.yaml\n", encoding="utf-8")
    assert_user_error(invoke("validate", str(path)), "pipe.yaml", "not a regular file", max_lines=1)


# --- 4. files stay where they belong -------------------------------------------------------------

FOREIGN = ["/etc/shadow", "/etc/passwd", "/dev/zero", "/proc/self/environ", "notes.txt", "secret"]


@pytest.mark.parametrize("target", FOREIGN)
def test_extends_opens_only_scenario_files(tmp_path, target):
    (tmp_path / "notes.txt").write_text("password: hunter2\n", encoding="utf-8")
    (tmp_path / "secret").write_text("password: hunter2\n", encoding="utf-8")
    path = tmp_path / "child.yaml"
    path.write_text(f"extends: {target}\n", encoding="utf-8")
    result = invoke("validate", str(path))
    assert_user_error(result, "extends", ".yaml or .yml", max_lines=1)
    assert "hunter2" not in result.stderr and "password" not in result.stderr and "root:" not in result.stderr


def test_extends_through_a_yaml_named_symlink_to_a_foreign_file(tmp_path):
    (tmp_path / "secret").write_text("password: hunter2\n", encoding="utf-8")
    (tmp_path / "base.yaml").symlink_to(tmp_path / "secret")
    path = tmp_path / "child.yaml"
    path.write_text("extends: base.yaml\n", encoding="utf-8")
    result = invoke("validate", str(path))
    assert_user_error(result, "extends", max_lines=1)
    assert "password" not in result.stderr and "hunter2" not in result.stderr


def test_extends_a_yml_file_works(tmp_path):
    (tmp_path / "parent.yml").write_text(BASELINE.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "child.yaml"
    path.write_text("extends: parent.yml\nreferrals:\n  per_year: 5000\n", encoding="utf-8")
    assert load_scenario(path).referrals.per_year == 5000


# --- 5. messages that help ----------------------------------------------------------------------

MESSAGES = {
    "key of another distribution kind": (
        "investigation:\n  hours: {kind: lognormal, mean: 35, cv: 0.6, low: 1}\n",
        ["investigation.hours.low", "lognormal", "cv, kind, mean"], 1,
    ),
    "stray kind in a section": (
        "investigation:\n  kind: lognormal\n  caseload_cap: 12\n", ["investigation.kind", "unknown key"], 1,
    ),
    "stray kind in a nested section": (
        "investigation:\n  child_heard:\n    kind: gamma\n", ["investigation.child_heard.kind"], 1,
    ),
    "distribution switched without its parameters": (
        "investigation:\n  hours: {kind: triangular}\n", ["investigation.hours", "missing keys: low, mode, high"], 1,
    ),
    "provenance source is a number": (
        "referrals:\n  per_year: {value: 4000, source: 2022}\n", ["referrals.per_year.source", "must be text"], 1,
    ),
    "provenance note is a list": (
        "referrals:\n  per_year: {value: 4000, assumed: yes, note: [a]}\n",
        ["referrals.per_year.note", "must be text"], 1,
    ),
    "provenance assumed is true": (
        "referrals:\n  per_year: {value: 4000, assumed: true}\n", ["referrals.per_year.assumed", "True"], 1,
    ),
}


@pytest.mark.parametrize("case", list(MESSAGES), ids=lambda c: c.replace(" ", "-"))
def test_messages_name_the_key_once(tmp_path, case):
    body, needles, most = MESSAGES[case]
    lines = assert_user_error(invoke("validate", str(child(tmp_path, body))), *needles, max_lines=most)
    for line in lines:  # a suggestion never repeats the rejected key or names its own section
        if "did you mean" in line:
            key = line.split(": ")[2]
            hint = line.split("did you mean ")[1].rstrip("?)")
            assert hint != key and not key.startswith(hint + ".")


@pytest.mark.parametrize(
    "key", ["investigation.hours.lo", "investigaton", "hours.low", "staff.caseload_cap", "investigation.kind"]
)
def test_did_you_mean_never_repeats_the_key(key):
    lines = assert_user_error(invoke("show", "baseline", "--set", f"{key}=1"), key, max_lines=1)
    if "did you mean" in lines[0]:
        assert f"did you mean {key}?" not in lines[0]


def test_switching_a_distribution_kind_with_set_works():
    loaded = load("baseline", ["investigation.hours={kind: deterministic, value: 8}"])
    assert loaded.scenario.investigation.hours.kind == "deterministic"
    assert loaded.scenario.investigation.hours.mean == 8


def test_switching_only_the_kind_with_set_says_how():
    lines = assert_user_error(
        invoke("show", "baseline", "--set", "investigation.hours.kind=deterministic"),
        "--set", "investigation.hours", "kind: deterministic, value:", max_lines=1,
    )
    assert "baseline.yaml" not in lines[0]


@pytest.mark.parametrize(
    "override, key",
    [
        ("investigation.caseload_cap=0", "investigation.caseload_cap"),
        ("referrals.per_year=-3", "referrals.per_year"),
        ("investigation.outcome.none=0.9", "investigation.outcome"),
        ("investigation.hours={kind: lognormal, mean: 35}", "investigation.hours"),
        ("referrals.per_year={value: 5, source: 7}", "referrals.per_year.source"),
    ],
)
def test_an_error_in_a_set_value_names_set_not_the_file(override, key):
    lines = assert_user_error(invoke("show", "baseline", "--set", override), key, max_lines=1)
    assert lines[0].startswith("error: --set: ")
    assert "baseline.yaml" not in lines[0]


def test_forty_thousand_unknown_keys_answer_with_a_capped_list(tmp_path):
    body = "staff:\n" + "".join(f"  k{i}: 1\n" for i in range(40_000))
    lines = assert_user_error(invoke("validate", str(child(tmp_path, body))), "staff.k0", "more problems")
    assert 2 <= len(lines) <= 25
    assert "39,980 more" in lines[-1]


# --- schema strictness that must not break valid input ---------------------------------------

def test_every_bundled_scenario_still_loads():
    files = sorted(p for p in bundled_dir().rglob("*.yaml"))
    assert len(files) >= 10
    for path in files:
        load(path)


def test_numpy_scalars_from_designs_are_plain_numbers():
    import numpy as np

    from simlib.scenario import with_overrides

    base = load_scenario("baseline")
    sc = with_overrides(base, {"investigation.caseload_cap": np.int64(14), "referrals.per_year": np.float64(4100)})
    assert sc.investigation.caseload_cap == 14 and type(sc.investigation.caseload_cap) is int


def test_store_like_permissions_helper_is_not_needed_for_scenarios(tmp_path):
    """A scenario file readable only by its owner still loads (we read, never chmod)."""
    path = child(tmp_path, "")
    path.chmod(stat.S_IRUSR)
    assert load(path).scenario.name == "child"


# --- 1. bounded work ---------------------------------------------------------------------------

BOUNDED = {
    "staff.cost_per_fte_sek=1": ["staff.cost_per_fte_sek", "34,400,000 funded posts", "at most 10,000"],
    "staff.budget_sek_per_year=1e11": ["staff.budget_sek_per_year", "125,000 funded posts", "at most 10,000"],
    "staff.cost_per_fte_sek=500": ["staff.cost_per_fte_sek", "at most 10,000"],
    "placements.initial_in_care=100000": ["placements.initial_in_care", "at most 20000"],
    "placements.foster_homes.initial=100000": ["placements.foster_homes.initial", "at most 20000"],
    "horizon.unstable_queue_per_server=1e5": ["horizon.unstable_queue_per_server", "at most 1000"],
    "referrals.per_year=1e7": ["referrals.per_year", "at most 1000000"],
}


@pytest.mark.parametrize("override", list(BOUNDED))
def test_huge_work_is_refused_naming_the_field_and_limit(override):
    assert_user_error(invoke("show", "baseline", "--set", override), "--set", *BOUNDED[override], max_lines=1)


def test_referrals_times_years_is_bounded():
    result = invoke("show", "baseline", "--set", "referrals.per_year=1e6", "--set", "horizon.years=60")
    assert_user_error(result, "referrals.per_year x horizon.years", "60,000,000", "at most 10,000,000", max_lines=1)


def test_fixed_staff_total_is_bounded(tmp_path):
    body = "staff:\n  dynamics: false\n  intake_fte: 5000\n  investigators_fte: 5000\n  placement_fte: 5000\n"
    assert_user_error(invoke("validate", str(child(tmp_path, body))), "15,000 posts", "at most 10,000", max_lines=1)


def test_the_big_city_is_well_inside_the_limits():
    load("large-city")


@pytest.mark.parametrize(
    "args, needles",
    [
        (["run", "baseline", "--reps", str(10**12)], ["--reps", "100,000"]),
        (["compare", "baseline", "policy/cap-12", "--reps", "200000"], ["--reps", "100,000"]),
        (["sweep", "baseline", "--grid", "investigation.caseload_cap=10,12", "--reps", "0"], ["--reps"]),
        (["run", "baseline", "--years", "1e9"], ["--years", "at most 100"]),
        (["brief", "baseline", "policy/cap-12", "--seed", "-5"], ["--seed", "-5"]),
        (["run", "baseline", "--seed", "-5"], ["--seed", "-5"]),
        (["compare", "baseline", "policy/cap-12", "--seed", "-1"], ["--seed"]),
        (["sweep", "baseline", "--grid", "investigation.caseload_cap=10", "--seed", "-1"], ["--seed"]),
        (["run", "baseline", "--seed", str(2**63)], ["--seed", "64-bit"]),
        (["sweep", "baseline", "--grid", "investigation.caseload_cap=10", "--seed", str(2**64 + 5)], ["--seed"]),
        (["calibrate", "baseline", "--seed", "-2"], ["--seed"]),
        (["national", "baseline", "--reps", str(10**9)], ["--reps"]),
        (["sweep", "baseline", "--grid", "investigation.caseload_cap=010,12"], ["--grid", "'010'"]),
    ],
)
def test_run_options_are_bounded_and_named(args, needles):
    assert_user_error(invoke(*args), *needles, max_lines=1)


def test_library_refuses_absurd_reps():
    from simlib.experiments.replications import run

    with pytest.raises(ValueError, match="100,000"):
        run(load_scenario("baseline"), reps=10**12)


# --- 3. environment problems end in one line -------------------------------------------------

def test_a_dask_address_nobody_listens_on_is_one_line():
    result = invoke("run", "baseline", "--reps", "1", "--years", "1.5", "-q", "--dask", "tcp://127.0.0.1:9")
    assert_user_error(result, "--dask", "127.0.0.1:9", "no scheduler", max_lines=1)


def test_output_on_a_full_disk_is_one_line():
    result = invoke("run", "baseline", "--reps", "1", "--years", "1.5", "-q", "-o", "/dev/full")
    assert_user_error(result, "--output", "/dev/full", "no space", max_lines=1)


@pytest.mark.parametrize("option, folder", [("--output", False), ("--store", True)])
def test_unwritable_places_are_refused_before_the_run(tmp_path, monkeypatch, option, folder):
    from simlib.presentation.cli import errors as cli_errors

    monkeypatch.setattr(cli_errors.os, "access", lambda *_a, **_k: False)  # as on a read-only disk
    target = tmp_path / ("store" if folder else "out.json")
    args = ["sweep", "baseline", "--grid", "investigation.caseload_cap=10"] if folder else ["run", "baseline"]
    result = invoke(*args, option, str(target), "--reps", "1", "-q")
    assert_user_error(result, option, "read-only disk or no permission", max_lines=1)
    assert not target.exists()


def test_output_into_a_missing_parent_under_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = invoke("run", "baseline", "--reps", "1", "-o", str(tmp_path / "file" / "out.json"))
    assert_user_error(result, "--output", "not a folder", max_lines=1)


def test_a_scenario_name_with_mathtext_is_drawn_literally():
    import pandas as pd

    from simlib.presentation.plots import kpi_means

    name = "cost $x^$ and $\\frac{"
    summary = pd.DataFrame(
        {"scenario": [name, "b"], "kpi": ["balans_mean"] * 2, "mean": [1.0, 2.0], "ci_low": [0.5, 1.5],
         "ci_high": [1.5, 2.5]}
    )
    fig = kpi_means(summary, ["balans_mean"], "en", title=name)
    fig.canvas.draw()  # mathtext would raise a ValueError on the unbalanced '$' here
    texts = [t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text"))]
    assert name in texts


# --- 4 and 6. the store: permissions, damaged manifests and cells ------------------------------

def _store_with_one_cell(tmp_path: Path):
    from simlib.experiments.replications import run_replication
    from simlib.experiments.store import CELL_COLUMNS, Store, new_manifest
    from simlib.scenario import scenario_hash

    sc = load_scenario("baseline", ["horizon.years=1.5", "horizon.warmup_years=0.5"])
    kpis, _ = run_replication(sc, 7, 0)
    frame = kpis.assign(scenario_hash=scenario_hash(sc), seed=7)
    store = Store(tmp_path / "store")
    store.open(new_manifest(scenario_hash(sc), sc.name, 7, 1, {"kind": "grid"}, []))
    store.write_cell(frame[CELL_COLUMNS])
    return store, scenario_hash(sc), frame[CELL_COLUMNS]


def test_store_files_get_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        store, digest, _ = _store_with_one_cell(tmp_path)
    finally:
        os.umask(old)
    for path in [store.manifest_path, store.cell_path(digest, 0)]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    assert stat.S_IMODE(store.cell_path(digest, 0).parent.stat().st_mode) == 0o755


def test_store_files_respect_a_group_umask(tmp_path):
    old = os.umask(0o002)
    try:
        store, digest, _ = _store_with_one_cell(tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(store.cell_path(digest, 0).stat().st_mode) == 0o664


def test_a_cell_missing_a_kpi_row_is_refused(tmp_path):
    from simlib.experiments.store import StoreError

    store, digest, frame = _store_with_one_cell(tmp_path)
    store.read_cell(digest, 0, 7)  # whole: fine
    frame.iloc[1:].to_parquet(store.cell_path(digest, 0), index=False)
    with pytest.raises(StoreError, match="KPI rows missing"):
        store.read_cell(digest, 0, 7)


def test_a_cell_with_a_repeated_kpi_row_is_refused(tmp_path):
    import pandas as pd

    from simlib.experiments.store import StoreError

    store, digest, frame = _store_with_one_cell(tmp_path)
    pd.concat([frame, frame.iloc[:1]]).to_parquet(store.cell_path(digest, 0), index=False)
    with pytest.raises(StoreError, match="repeated"):
        store.read_cell(digest, 0, 7)


@pytest.mark.parametrize("reps", ['"ten"', "2.5", "-1", "true", "null"])
def test_a_manifest_whose_reps_is_not_a_whole_number_is_refused(tmp_path, reps):
    import json

    from simlib.experiments.store import StoreError

    store, _, _ = _store_with_one_cell(tmp_path)
    manifest = json.loads(store.manifest_path.read_text(encoding="utf-8"))
    manifest["reps"] = json.loads(reps)
    store.manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(StoreError, match="'reps'.*not a whole number"):
        store.read_manifest()


def test_a_version_change_is_named_package_by_package(tmp_path):
    import json
    import warnings

    from simlib.experiments.store import new_manifest

    store, _, _ = _store_with_one_cell(tmp_path)
    manifest = json.loads(store.manifest_path.read_text(encoding="utf-8"))
    manifest["versions"]["numpy"] = "0.0.1"
    store.manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    again = new_manifest(manifest["base_scenario_hash"], "baseline", 7, 1, {"kind": "grid"}, [])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        store.open(again)
    (warning,) = caught
    text = str(warning.message)
    assert "numpy 0.0.1, resuming with" in text and "\n" not in text and "{" not in text


# --- 4. the brief's reproducibility stamp holds no local paths -------------------------------

@pytest.mark.parametrize(
    "argv, shown",
    [
        (["/home/anna/.venv/bin/simlib", "brief", "/home/anna/secret/x.yaml"], "simlib brief x.yaml"),
        (["simlib", "brief", "baseline", "--out=/home/anna/out"], "simlib brief baseline --out=out"),
        (["simlib", "brief", "~/work/a.yaml", "-o", "/srv/team/brief"], "simlib brief a.yaml -o brief"),
        (["simlib", "brief", "baseline", "policy/cap-12"], "simlib brief baseline policy/cap-12"),
    ],
)
def test_the_stamped_command_has_no_absolute_paths(argv, shown):
    from simlib.presentation.brief import shell_command

    assert shell_command(argv) == shown


def test_a_path_inside_the_working_folder_is_shown_relative(tmp_path, monkeypatch):
    from simlib.presentation.brief import shell_command

    monkeypatch.chdir(tmp_path)
    (tmp_path / "sc").mkdir()
    assert shell_command(["simlib", "brief", str(tmp_path / "sc" / "a.yaml")]) == "simlib brief sc/a.yaml"
