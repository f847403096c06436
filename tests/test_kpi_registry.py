"""Unit tier: the KPI registry, the catalogue, the MODEL.md contract copy and the model agree.

The registry (simlib/model/kpi_registry.py) is the one list of KPIs: every
replication reports each registered name (NaN where its stage does not run),
the catalogue labels each one, and the contract's built names are registered.
"""

from __future__ import annotations

import math

import pytest

from simlib.model import kpi_registry as reg
from simlib.presentation import i18n

pytestmark = pytest.mark.unit


def _contract() -> dict[str, str]:
    from tests.test_i18n import _contract as contract

    return contract()


def _run_kpis(overrides: dict[str, object]) -> dict[str, float]:
    from simlib.model.simulation import simulate
    from simlib.scenario import load_scenario, with_overrides

    base = {"horizon.years": 0.5, "horizon.warmup_years": 0.1}
    return simulate(with_overrides(load_scenario("baseline"), {**base, **overrides}), 7, 0).kpis


def test_registry_entries_are_well_formed():
    assert len(set(reg.NAMES)) == len(reg.KPIS)
    for k in reg.KPIS:
        assert k.stage in reg.STAGES, k
        assert k.kind in reg.KINDS, k
        assert k.better in ("higher", "lower", "none"), k
        assert k.national in ("", "sum", "mean"), k
        assert k.decimals >= 0, k
    for flag in reg.VIEWS:
        ranks = [getattr(k, flag) for k in reg.KPIS if getattr(k, flag)]
        assert sorted(ranks) == list(range(1, len(ranks) + 1)), f"{flag}: positions {sorted(ranks)}"
    assert set(reg.STAGE_SWITCHES) <= set(reg.STAGES)


def test_registry_and_catalogue_agree():
    """Each registered KPI has sv/en label, unit and phrase; the catalogue labels no other KPI."""
    missing = [n for n in reg.NAMES if not all(i18n.has(f"kpi.{n}.{p}") for p in ("label", "unit", "phrase"))]
    assert not missing, f"registered KPIs without catalogue words: {missing}"
    labelled = {key.split(".")[1] for key in i18n.texts() if key.startswith("kpi.") and key.endswith(".label")}
    assert labelled - set(reg.NAMES) == set(), "catalogue labels KPIs the registry does not list"
    assert i18n.kpi_names() == list(reg.NAMES)


def test_registry_covers_the_model_md_contract():
    contract = _contract()
    built = {n for n, mark in contract.items() if not mark}
    pending = {n for n, mark in contract.items() if mark}
    assert built - set(reg.NAMES) == set(), "contract KPIs missing from the registry"
    assert pending & set(reg.NAMES) == set(), "a registered KPI is still marked pending in tests/model_md_kpis.txt"


@pytest.mark.parametrize(
    "overrides",
    [
        {"staff.dynamics": True, "placements.enabled": True, "staff.sick_leave.enabled": True},
        {"staff.dynamics": False, "placements.enabled": False},
    ],
    ids=["every-stage-on", "fixed-staff-no-placements"],
)
def test_every_replication_reports_exactly_the_registered_kpis(overrides):
    kpis = _run_kpis(overrides)
    assert set(kpis) == set(reg.NAMES)
    for name, value in kpis.items():
        if not reg.applies(name, _Switches(overrides)):
            continue
        assert not math.isnan(value) or name in NAN_WHEN_EMPTY, name


# KPIs that may be NaN in a short run even when their stage runs (no event in the window).
NAN_WHEN_EMPTY = {
    "children_3plus_placements_share", "emergency_placement_share", "visits_done_share",
    # need a whole year in the window, or homecomings followed for two years
    "children_in_care_per_year", "placement_cost_sek_per_placed_child", "re_entry_2y_share",
    "family_home_breakdown_share", "visits_4plus_share",
}


class _Switches:
    def __init__(self, overrides: dict[str, object]) -> None:
        self.staff = type("S", (), {"dynamics": overrides.get("staff.dynamics")})()
        self.placements = type("P", (), {"enabled": overrides.get("placements.enabled")})()


def test_stages_that_are_off_report_nan():
    kpis = _run_kpis({"staff.dynamics": False, "placements.enabled": False})
    for name in reg.names_where(stage="placements"):
        assert math.isnan(kpis[name]), name
    for name in ("hires_per_year", "hiring_frozen_post_share", "mentoring_cost_sek_per_year"):
        assert math.isnan(kpis[name]), name
    assert kpis["turnover_per_year"] == 0.0  # fixed staff keeps its exact fixed values


def test_an_unregistered_kpi_fails_loudly(monkeypatch):
    from simlib.model import kpis as model_kpis

    class Ctx:
        kpi_providers = [lambda ctx, t0, t1: {"not_a_kpi": 1.0}]

    monkeypatch.setattr(model_kpis, "pipeline_kpis", lambda ctx, t0, t1: {})
    with pytest.raises(KeyError, match="not_a_kpi"):
        model_kpis.compute_kpis(Ctx(), 0.0, 1.0)
    monkeypatch.setattr(model_kpis, "pipeline_kpis", lambda ctx, t0, t1: {"balans_mean": 2.0})
    Ctx.kpi_providers = []
    filled = model_kpis.compute_kpis(Ctx(), 0.0, 1.0)
    assert filled["balans_mean"] == 2.0 and math.isnan(filled["turnover_per_year"])
    assert list(filled) == ["balans_mean"] + [
        n for n in reg.NAMES if n != "balans_mean"]  # computed first, the rest in registry order


def test_views_and_stage_rules():
    assert reg.view("required")[0] == "investigation_wait_days_mean"
    assert all(reg.get(k).share for k in ("turnover_per_year", "unstable", "vacancy_share"))
    assert reg.get("cost_sek_per_year").scale == reg.SEK_SCALE
    on = _Switches({"staff.dynamics": False, "placements.enabled": True})
    assert reg.applies("caseworker_changes_per_child_year", on)
    assert not reg.applies("turnover_per_year", on)
    assert reg.applies("investigation_wait_days_mean", _Switches({}))
    with pytest.raises(KeyError, match="registered"):
        reg.get("no_such_kpi")
    with pytest.raises(ValueError, match="view"):
        reg.view("nope")
