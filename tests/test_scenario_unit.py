"""Unit tier: scenario files (schema, extends, provenance, overrides, hash, YAML round trip).

Fast tests with no simulation: every bundled scenario loads, inheritance and
overrides do what the README says, and a resolved scenario written back to YAML
loads to an equal model with the same hash (hypothesis round trip).
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import simlib
from simlib.scenario import (
    ScenarioError,
    load,
    load_scenario,
    scenario_hash,
    to_yaml,
    with_overrides,
)
from simlib.scenario.distributions import (
    DISTRIBUTION_KINDS,
    Deterministic,
    Exponential,
    Gamma,
    Lognormal,
    Triangular,
    Uniform,
)
from simlib.scenario.errors import valid_keys
from simlib.scenario.loader import bundled_dir, parse_override
from simlib.scenario.schema import Scenario

SCENARIOS = bundled_dir()
BASELINE = SCENARIOS / "baseline.yaml"
BUNDLED = sorted(p for p in SCENARIOS.rglob("*") if p.suffix in (".yaml", ".yml"))


def _leaves(node: dict, prefix: str = ""):
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            yield from _leaves(value, path)
        else:
            yield path, value


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario(BASELINE)


# --- bundled scenarios ---------------------------------------------------------


def test_there_are_bundled_scenarios():
    assert BASELINE in BUNDLED


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.relative_to(SCENARIOS).as_posix())
def test_every_bundled_scenario_loads(path: Path):
    loaded = load(path)
    assert len(loaded.hash) == 64
    assert loaded.scenario.metadata.description.strip(), "a bundled scenario needs a description"
    assert load_scenario(path) == loaded.scenario  # loading is deterministic


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.relative_to(SCENARIOS).as_posix())
def test_every_numeric_value_in_a_bundled_scenario_says_where_it_comes_from(path: Path):
    """source: or assumed: for figures; note: is accepted for run settings (horizon, policy)."""
    loaded = load(path)
    data = loaded.scenario.model_dump(mode="json", by_alias=True)
    bare = []
    for key, value in _leaves(data):
        if key.startswith("metadata.") or isinstance(value, bool) or value is None:
            continue
        if isinstance(value, (int, float)):
            note = _provenance_for(loaded.provenance, key)
            if note is None or not (note.source or note.assumed or note.note):
                bare.append(key)
    assert not bare, f"values without source:/assumed:/note: {bare}"


def _provenance_for(provenance, key):
    """A leaf's own note, or one on an enclosing list value (seasonality, summer_weeks)."""
    while key:
        if key in provenance:
            return provenance[key]
        key = key.rpartition(".")[0]
    return None


def test_bundled_names_resolve(baseline):
    assert load_scenario("baseline") == baseline


# --- extends, overrides, provenance --------------------------------------------


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_extends_inherits_and_child_wins(tmp_path, baseline):
    child = _write(
        tmp_path / "capped.yaml",
        f"extends: {BASELINE}\ninvestigation:\n  caseload_cap: 15\n  cap_mode: hard\n",
    )
    scenario = load_scenario(child)
    assert scenario.investigation.caseload_cap == 15
    assert scenario.investigation.cap_mode == "hard"
    assert scenario.referrals == baseline.referrals
    assert scenario_hash(scenario) != scenario_hash(baseline)


def test_extends_is_relative_to_the_child_file(tmp_path):
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "parent.yaml", BASELINE.read_text(encoding="utf-8"))
    child = _write(
        tmp_path / "sub" / "child.yaml", "extends: ../parent.yaml\nreferrals:\n  per_year: 5000\n"
    )
    assert load_scenario(child).referrals.per_year == 5000


def test_a_child_is_named_after_its_own_file_not_its_parent(tmp_path):
    child = _write(tmp_path / "capped.yaml", f"extends: {BASELINE}\n")
    assert load_scenario(child).name == "capped"


def test_provenance_is_split_from_values_and_dropped_when_a_child_overrides(tmp_path):
    loaded = load(BASELINE)
    assert loaded.provenance["referrals.per_year"].source
    child = _write(tmp_path / "c.yaml", f"extends: {BASELINE}\nreferrals:\n  per_year: 5000\n")
    assert "referrals.per_year" not in load(child).provenance


def test_a_distribution_of_another_kind_replaces_the_parent(tmp_path):
    child = _write(
        tmp_path / "c.yaml",
        f"extends: {BASELINE}\ninvestigation:\n  hours: {{kind: exponential, mean: 30}}\n",
    )
    assert load_scenario(child).investigation.hours == Exponential(mean=30)


def test_set_overrides_are_typed_by_yaml(baseline):
    assert parse_override("investigation.caseload_cap=15") == ("investigation.caseload_cap", 15)
    assert parse_override("screening.enabled=false") == ("screening.enabled", False)
    assert parse_override("investigation.caseload_cap=null") == ("investigation.caseload_cap", None)
    capped = load_scenario(
        BASELINE, ["investigation.caseload_cap=15", "investigation.cap_mode=hard"]
    )
    assert capped == with_overrides(
        baseline, {"investigation.caseload_cap": 15, "investigation.cap_mode": "hard"}
    )


def test_hash_ignores_metadata_but_not_values(baseline):
    renamed = with_overrides(baseline, {"metadata.description": "another text"})
    assert scenario_hash(renamed) == scenario_hash(baseline)
    assert scenario_hash(with_overrides(baseline, {"referrals.per_year": 4001})) != scenario_hash(
        baseline
    )


def test_scenarios_are_frozen(baseline):
    with pytest.raises(ValidationError):
        baseline.referrals.per_year = 1  # type: ignore[misc]


def test_unknown_override_key_suggests_the_nearest(baseline):
    with pytest.raises(ScenarioError) as info:
        with_overrides(baseline, {"investigation.casload_cap": 15})
    assert "did you mean investigation.caseload_cap" in str(info.value)


def test_valid_keys_cover_every_section():
    keys = set(valid_keys(Scenario))
    assert {
        "investigation.caseload_cap",
        "staff.role_shares.intake",
        "referrals.seasonality",
    } <= keys


# --- round trip ----------------------------------------------------------------

ROUND_TRIP_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _floats(lo: float, hi: float, *, exclude_min: bool = False) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, exclude_min=exclude_min, allow_nan=False, allow_infinity=False)


@st.composite
def baseline_variations(draw: st.DrawFn) -> dict:
    cap = draw(st.one_of(st.none(), st.integers(1, 500)))
    mode = "none" if cap is None else draw(st.sampled_from(["hard", "soft", "none"]))
    return {
        # within the bounded-work limits (per_year x years <= 1e7, budget / cost <= 10 000 posts)
        "referrals.per_year": draw(_floats(0, 1e5, exclude_min=True)),
        "referrals.urgent_share": draw(_floats(0, 1)),
        "investigation.caseload_cap": cap,
        "investigation.cap_mode": mode,
        "investigation.hours.mean": draw(_floats(0, 1e7, exclude_min=True)),
        "investigation.hours.cv": draw(_floats(0, 10, exclude_min=True)),
        "staff.turnover_per_year": draw(_floats(0, 100)),
        "staff.budget_sek_per_year": draw(st.one_of(st.none(), _floats(0, 5e9, exclude_min=True))),
        "staff.investigators_fte": draw(st.integers(1, 10000)),
        "horizon.years": draw(_floats(1.5, 100)),
    }


@ROUND_TRIP_SETTINGS
@given(changes=baseline_variations())
def test_resolved_scenario_round_trips_through_yaml(tmp_path, baseline, changes):
    """resolved scenario -> to_yaml -> file -> load gives an equal model and the same hash."""
    if changes["staff.budget_sek_per_year"] is None and baseline.staff.dynamics:
        changes["staff.budget_sek_per_year"] = 1e7  # dynamics needs a budget
    scenario = with_overrides(baseline, changes)
    path = tmp_path / "round_trip.yaml"
    path.write_text(to_yaml(scenario), encoding="utf-8")
    again = load_scenario(path)
    assert again == scenario
    assert scenario_hash(again) == scenario_hash(scenario)


@ROUND_TRIP_SETTINGS
@given(cap=st.integers(1, 500), per_year=_floats(1, 1e6))
def test_set_on_the_command_line_equals_with_overrides(baseline, cap, per_year):
    via_set = load_scenario(
        BASELINE,
        [
            f"investigation.caseload_cap={cap}",
            "investigation.cap_mode=hard",
            f"referrals.per_year={per_year!r}",
        ],
    )
    direct = with_overrides(
        baseline,
        {
            "investigation.caseload_cap": cap,
            "investigation.cap_mode": "hard",
            "referrals.per_year": per_year,
        },
    )
    assert scenario_hash(via_set) == scenario_hash(direct)


def test_yaml_output_is_plain_yaml(baseline):
    data = yaml.safe_load(to_yaml(baseline))
    assert set(data) == set(Scenario.model_fields)


# --- distributions -------------------------------------------------------------

DISTRIBUTIONS = [
    Exponential(mean=3.0),
    Deterministic(value=2.5),
    Lognormal(mean=35.0, cv=0.6),
    Gamma(mean=10.0, cv=0.5),
    Uniform(low=6.0, high=12.0),
    Triangular(low=1.0, mode=1.5, high=3.5),
]


def test_every_distribution_kind_is_covered():
    assert {d.kind for d in DISTRIBUTIONS} == set(DISTRIBUTION_KINDS)


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=lambda d: d.kind)
def test_distribution_sample_mean_and_variance_match_theory(dist):
    rng = np.random.default_rng(20240611)
    xs = np.array([dist.sample(rng) for _ in range(20_000)])
    assert (xs >= 0).all()
    # 5 standard errors of the mean: fails by chance about once in 3.5 million runs
    se = math.sqrt(dist.variance / len(xs))
    assert abs(xs.mean() - dist.mean) <= 5 * se + 1e-12, (xs.mean(), dist.mean, se)
    if dist.variance > 0:
        assert xs.var(ddof=1) == pytest.approx(dist.variance, rel=0.1)


# --- the package itself --------------------------------------------------------


def test_package_version_and_lazy_names():
    assert simlib.__version__ == "0.1.0"
    assert simlib.load_scenario is load_scenario
    assert simlib.scenario_hash is scenario_hash
    with pytest.raises(AttributeError):
        simlib.no_such_name  # noqa: B018


def test_importing_simlib_is_light():
    code = "import sys, simlib; print(sorted(m for m in ('numpy', 'pandas', 'pydantic', 'simpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- scenario-level rules (simlib.scenario.rules) ---------------------------------


@pytest.mark.parametrize("budget", [8e5, 3.0e6, 36.8e6, 36.8e6 + 7.99e5, 1.23e8])
def test_budget_for_posts_inverts_funded_posts(budget: float) -> None:
    from simlib.scenario import rules

    sc = with_overrides(load_scenario("baseline"), {"staff.budget_sek_per_year": budget})
    posts = rules.funded_posts(sc)
    assert sum(posts.values()) == int(budget // sc.staff.cost_per_fte_sek)  # never more than paid for
    again = with_overrides(sc, rules.budget_for_posts(sc, posts))
    assert rules.funded_posts(again) == posts


def test_cap_rule_per_mode() -> None:
    from simlib.scenario import rules

    base = load_scenario("baseline")
    sustainable = base.investigation.child_heard.sustainable_caseload
    for mode, assigned, reported in (("hard", 12, 12), ("soft", None, 12), ("none", None, None)):
        sc = with_overrides(base, {"investigation.caseload_cap": 12, "investigation.cap_mode": mode})
        rule = rules.cap_rule(sc, "investigation")
        assert (rule.assignment_cap, rule.reported_cap) == (assigned, reported), mode
        assert rule.overload_reference == sustainable  # the caseload carried, whatever the mode
    assert rules.cap_rule(base, "intake").assignment_cap is None


def test_introspection_reads_bounds_types_and_values_at_dotted_keys() -> None:
    from simlib.scenario import introspect
    from simlib.scenario.schema import Investigation

    base = load_scenario("baseline")
    cap = introspect.bounds(introspect.field_at_key("investigation.caseload_cap"))
    assert (cap.low, cap.high, cap.nullable) == (1, 500, True)
    assert introspect.field_bounds(Investigation, "caseload_cap") == (1.0, 500.0)
    assert introspect.is_integer_key(base, "staff.investigators_fte")
    assert not introspect.is_integer_key(base, "referrals.per_year")
    assert not introspect.is_integer_key(base, "staff.dynamics")  # a bool is no number here
    assert introspect.value_at(base, "investigation.hours.mean") == base.investigation.hours.mean
    assert introspect.field_at_key("investigation.no_such_key") is None


def _same_values(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same_values(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same_values(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[1] / "scenarios").rglob("*.yaml")),
                         ids=lambda p: p.stem)
def test_libyaml_events_give_the_python_loaders_values(path: Path) -> None:
    """yamlio reads with libyaml's parser and ScenarioLoader's own composer and constructor: the same values."""
    from simlib.scenario import yamlio

    if not hasattr(yamlio, "FastScenarioLoader"):
        pytest.skip("PyYAML without libyaml: only the Python loader exists")
    text = path.read_text(encoding="utf-8")
    slow, fast = yamlio.ScenarioLoader(text), yamlio.FastScenarioLoader(text)
    try:
        assert _same_values(slow.get_single_data(), fast.get_single_data())
    finally:
        slow.dispose()
        fast.dispose()


@pytest.mark.parametrize("text", ["a: 1\na: 2\n", "a: 015\n", "a: [1, 2\n", "a:\n  - b\n - c\n", "a: {" * 70])
def test_a_refused_file_gets_the_python_loaders_message(text: str) -> None:
    from simlib.scenario import yamlio

    with pytest.raises(yaml.YAMLError) as fast:
        yamlio.parse(text)
    loader = yamlio.ScenarioLoader(text)
    with pytest.raises(yaml.YAMLError) as slow:
        loader.get_single_data()
    assert str(fast.value) == str(slow.value)
