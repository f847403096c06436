"""Unit tier: the scenario catalogue and its parameter table.

Every bundled scenario loads; each policy variant differs from the baseline in
exactly the keys its file sets; the budget variants scale budget and fixed FTEs
together; the parameter table covers every leaf with a unit and a meaning; and
the provenance rule (simlib.analysis.parameters) passes on the catalogue and
fails on crafted bad files. No simulation runs here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from simlib.analysis import parameters
from simlib.presentation.cli import app
from simlib.scenario import load
from simlib.scenario.loader import bundled_dir

SCENARIOS = bundled_dir()
BASELINE = SCENARIOS / "baseline.yaml"
MINE = sorted(
    [
        SCENARIOS / "small-municipality.yaml",
        SCENARIOS / "large-city.yaml",
        *SCENARIOS.glob("policy/*.yaml"),
    ]
)
ALL = sorted(p for p in SCENARIOS.rglob("*.yaml"))
POLICIES = sorted(SCENARIOS.glob("policy/*.yaml"))
EXPECTED_POLICIES = {
    "cap-12",
    "cap-15",
    "cap-20",
    "cap-15-funded",
    "budget-plus-10",
    "budget-minus-10",
    "budget-minus-20",
    "no-consultants",
    "mentoring",
    "retention-premium",
    "foster-recruitment",
    "placement-cap-15-funded",
}


def _id(path: Path) -> str:
    return path.relative_to(SCENARIOS).as_posix()


def test_the_catalogue_is_complete():
    assert {p.stem for p in POLICIES} >= EXPECTED_POLICIES
    assert (SCENARIOS / "small-municipality.yaml").exists() and (
        SCENARIOS / "large-city.yaml"
    ).exists()


@pytest.mark.parametrize("path", ALL, ids=_id)
def test_every_scenario_loads(path: Path):
    assert load(path).scenario.metadata.description.strip()


@pytest.mark.parametrize("path", [BASELINE, *MINE], ids=_id)
def test_catalogue_scenarios_have_a_one_line_description(path: Path):
    sc = load(path).scenario
    text = sc.metadata.description.strip()
    assert text and "\n" not in text and len(text) <= 160, (
        f"{_id(path)}: description should be one short line"
    )


@pytest.mark.parametrize("path", MINE, ids=_id)
def test_catalogue_scenarios_extend_the_baseline_and_are_named_after_their_file(path: Path):
    loaded = load(path)
    assert Path(loaded.files[0]).resolve() == BASELINE.resolve()
    assert loaded.scenario.name == path.stem


@pytest.mark.parametrize("path", POLICIES, ids=_id)
def test_a_policy_variant_differs_from_the_baseline_exactly_in_its_own_keys(path: Path):
    own = parameters.own_keys(path)
    changed = parameters.changed_keys(load(path), load(BASELINE))
    assert own, "a policy variant must change something"
    assert changed == own, f"changes {sorted(changed)} but the file sets {sorted(own)}"


@pytest.mark.parametrize("path", [BASELINE, *MINE], ids=_id)
def test_every_number_has_provenance(path: Path):
    assert parameters.missing_provenance(path) == []


@pytest.mark.parametrize("path", MINE, ids=_id)
def test_every_number_a_catalogue_file_sets_carries_its_own_note(path: Path):
    loaded = load(path)
    for key in parameters.own_keys(path):
        value = dict(parameters.model_leaves(loaded))[key]
        if parameters.is_number(value):
            note = parameters.provenance_for(loaded.provenance, key)
            assert note is not None and note.file == path.name, f"{key} has no note in {path.name}"


@pytest.mark.parametrize("direction, factor", [("plus", 1.1), ("minus", 0.9)])
def test_budget_variants_scale_budget_and_fixed_staff_together(direction: str, factor: float):
    base = load(BASELINE).scenario.staff
    variant = load(SCENARIOS / f"policy/budget-{direction}-10.yaml").scenario.staff
    assert variant.budget_sek_per_year == pytest.approx(base.budget_sek_per_year * factor)
    for role in ("intake_fte", "investigators_fte", "placement_fte"):
        assert getattr(variant, role) == round(getattr(base, role) * factor), role


@pytest.mark.parametrize("name", ["baseline", "large-city", "policy/cap-15"])
def test_parameter_table_covers_every_leaf_with_unit_and_meaning(name: str):
    loaded = load(name)
    table = parameters.parameter_table(loaded)
    assert list(table["key"]) == [k for k, _ in parameters.model_leaves(loaded)]
    missing = table[(table["meaning"] == "") | (table["unit"] == "")]["key"].tolist()
    assert not missing, f"add these keys to simlib/data/parameter_glossary.csv: {missing}"
    assert set(table["provenance"]) <= {"source", "assumed", "note", "setting"}


def test_parameter_table_reports_child_notes_over_the_parents():
    table = parameters.parameter_table("policy/cap-15").set_index("key")
    assert table.loc["investigation.caseload_cap", "value"] == "15"
    assert table.loc["investigation.caseload_cap", "file"] == "cap-15.yaml"
    assert table.loc["referrals.per_year", "provenance"] == "source"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _crafted_root(tmp_path: Path, edit) -> Path:
    """The baseline as a root file (no extends) with one node edited."""
    data = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    edit(data)
    return _write(
        tmp_path, "crafted.yaml", yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    )


def test_the_unedited_baseline_copy_passes(tmp_path: Path):
    assert parameters.missing_provenance(_crafted_root(tmp_path, lambda d: None)) == []


def test_missing_provenance_is_detected_in_a_crafted_root_file(tmp_path: Path):
    def note_only(d):
        d["referrals"]["urgent_share"] = {"value": 0.05, "note": "just a guess"}

    def bare(d):
        d["screening"]["open_share"] = 0.32

    def bare_distribution_parameter(d):
        d["investigation"]["hours"]["cv"] = 0.6

    expected = {
        note_only: ["referrals.urgent_share: only a note:; a figure needs source: or assumed:"],
        bare: ["screening.open_share: no source:, assumed: or note:"],
        bare_distribution_parameter: ["investigation.hours.cv: no source:, assumed: or note:"],
    }
    for edit, problems in expected.items():
        assert parameters.missing_provenance(_crafted_root(tmp_path, edit)) == problems, (
            edit.__name__
        )


def test_note_only_is_enough_for_run_settings_and_policy_levers(tmp_path: Path):
    def edit(d):
        d["horizon"]["years"] = {"value": 3, "note": "short run"}
        d["staff"]["retention_premium_share"] = {"value": 0.0, "note": "none today"}

    assert parameters.missing_provenance(_crafted_root(tmp_path, edit)) == []


def test_missing_provenance_is_detected_in_a_crafted_child_file(tmp_path: Path):
    child = _write(tmp_path, "child.yaml", f"extends: {BASELINE}\nreferrals:\n  per_year: 5000\n")
    assert parameters.missing_provenance(child) == [
        "referrals.per_year: no source:, assumed: or note:"
    ]
    noted = _write(
        tmp_path,
        "noted.yaml",
        f"extends: {BASELINE}\nreferrals:\n  per_year: {{value: 5000, note: 'what if'}}\n",
    )
    assert parameters.missing_provenance(noted) == []


def test_params_command_prints_markdown_csv_and_checks(tmp_path: Path):
    runner = CliRunner()
    md = runner.invoke(app, ["params", "baseline"])
    assert md.exit_code == 0, md.output
    assert "| `referrals.per_year` | 4032 |" in md.stdout
    csv = runner.invoke(app, ["params", "policy/cap-12", "--format", "csv"])
    assert csv.exit_code == 0
    assert csv.stdout.splitlines()[0] == ",".join(parameters.COLUMNS)
    checked = runner.invoke(app, ["params", "policy/cap-12", "--check"])  # only problems, else one ok line
    assert checked.exit_code == 0 and len(checked.stdout.splitlines()) == 1, checked.stdout
    child = _write(tmp_path, "child.yaml", f"extends: {BASELINE}\nreferrals:\n  per_year: 5000\n")
    bad = runner.invoke(app, ["params", str(child), "--check"])
    assert bad.exit_code == 2
    assert "error: referrals.per_year: no source:" in bad.stderr


def test_docs_parameter_page_exists_and_names_every_baseline_key():
    page = (Path(__file__).resolve().parents[1] / "docs" / "parameters.md").read_text(
        encoding="utf-8"
    )
    missing = [k for k, _ in parameters.model_leaves(load(BASELINE)) if f"`{k}`" not in page]
    assert not missing, (
        f"regenerate: simlib params baseline > docs/parameters.md (missing {missing[:5]})"
    )
