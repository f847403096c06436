"""CLI output people can read (issue 18 point 7): every simulating command takes the same
options with the same defaults, tables say what a number is (catalogue labels and units,
no raw keys, no 2.007e+04) in national and calibrate too, --kpi filters every format,
and ``params --check`` prints only problems."""

from __future__ import annotations

import json
import re

import pytest
import typer.main
from typer.testing import CliRunner

from simlib.presentation.cli import app
from simlib.scenario.loader import bundled_dir

SIMULATING = ("run", "compare", "sweep", "brief", "calibrate", "national", "demo", "price")
SHARED = {"set_": None, "seed": 2024, "years": None, "jobs": 1, "dask": None, "warmup": None, "quiet": False}
RAW_KEY = re.compile(r"\b[a-z]+(_[a-z0-9]+){2,}\b")  # investigation_wait_days_mean and the like
runner = CliRunner()


def _command(name: str) -> object:
    group = typer.main.get_command(app)
    return group.get_command(None, name)  # type: ignore[attr-defined, arg-type]


@pytest.mark.parametrize("name", SIMULATING)
def test_every_simulating_command_has_the_shared_options_with_the_same_defaults(name: str) -> None:
    params = {p.name: p for p in _command(name).params}  # type: ignore[attr-defined]
    missing = sorted(set(SHARED) - set(params))
    assert not missing, f"simlib {name} lacks {missing}"
    for key, default in SHARED.items():
        assert params[key].default == default, (name, key, params[key].default)
    flags = {key: sorted(params[key].opts) for key in SHARED}
    assert flags["quiet"] == ["--quiet", "-q"] and flags["jobs"] == ["--jobs", "-j"] and flags["set_"] == ["--set", "-s"]


def test_a_bad_warmup_is_refused_the_same_way_everywhere() -> None:
    for name in ("calibrate", "national", "demo", "brief"):
        args = [name, *(["baseline", "policy/cap-15"] if name == "brief" else []), "--warmup", "long"]
        done = runner.invoke(app, args)
        assert done.exit_code == 2, (name, done.output)
        assert "--warmup: must be one of fixed, mser5, got 'long'" in done.output, done.output


def test_kpi_filters_table_json_and_csv() -> None:
    base = ["run", "textbook/mmc", "--reps", "2", "--years", "0.5", "-q", "--kpi", "investigation_wait_days_mean"]
    table = runner.invoke(app, base)
    assert table.exit_code == 0, table.output
    rows = [x for x in table.output.splitlines()[3:] if x.strip() and not x.startswith("*")]
    assert len(rows) == 1 and rows[0].startswith("Wait for a caseworker, mean (days)"), table.output
    data = json.loads(runner.invoke(app, [*base, "--format", "json"]).output)
    assert list(data["kpis"]) == ["investigation_wait_days_mean"]
    csv = runner.invoke(app, [*base, "--format", "csv"]).output.splitlines()
    assert len(csv) == 3 and all(",investigation_wait_days_mean," in x for x in csv[1:])
    cmp = runner.invoke(app, ["compare", "textbook/mmc", "textbook/mmc", "--reps", "2", "--years", "0.5", "-q",
                              "--kpi", "balans_mean", "--format", "json"])
    assert [list(v) for v in json.loads(cmp.output)["alternatives"].values()] == [["balans_mean"]]


def test_a_misspelled_kpi_gets_a_did_you_mean() -> None:
    done = runner.invoke(app, ["run", "baseline", "--kpi", "balans_maen"])
    assert done.exit_code == 2
    assert "--kpi: unknown KPI 'balans_maen' (did you mean balans_mean?)" in done.output


def test_national_and_calibrate_tables_use_labels_and_plain_numbers() -> None:
    args = ["national", "baseline", "policy/cap-15", "--only", "2403", "--reps", "2", "--years", "0.5", "-q"]
    national = runner.invoke(app, args)
    assert national.exit_code == 0, national.output
    text = national.output
    assert "Children heard in the investigation (share)" in text, text
    assert not re.search(r"\de[+-]\d", text), text
    assert not [r for r in text.splitlines() if RAW_KEY.search(r)], "raw KPI keys in the national table"
    raw = runner.invoke(app, [*args, "--format", "csv"])
    assert "child_heard_share" in raw.output  # csv keeps the keys
    only = json.loads(runner.invoke(app, [*args, "--format", "json", "--kpi", "child_heard_share"]).output)
    assert {r["kpi"] for r in only["rows"]} == {"child_heard_share"}

    calibrate = runner.invoke(app, ["calibrate", "baseline", "--reps", "2", "--years", "0.5", "-q"])
    assert calibrate.exit_code == 0, calibrate.output
    text = calibrate.output
    assert "Referrals (per 1,000 children a year)" in text and "Staff turnover (share)" in text, text
    body = [r for r in text.splitlines()[2:] if r.strip() and not r.startswith(("within:", "Sources:"))]
    assert not [r for r in body if RAW_KEY.search(r.split("  ")[0])], body
    assert not re.search(r"\de[+-]\d", text), text
    only = runner.invoke(app, ["calibrate", "baseline", "--reps", "2", "--years", "0.5", "-q", "--kpi",
                               "turnover_per_year", "--format", "json"])
    assert [t["target"] for t in json.loads(only.output)["targets"]] == ["turnover_per_year"]


def test_params_check_prints_only_problems(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ok = runner.invoke(app, ["params", "baseline", "--check"])
    assert ok.exit_code == 0
    assert ok.output.strip().splitlines() == ["ok baseline: every number has a source or a stated assumption"]
    bad = tmp_path / "bad.yaml"
    (tmp_path / "scenarios").symlink_to(bundled_dir())
    bad.write_text("extends: scenarios/baseline.yaml\nreferrals:\n  per_year: 5000\n", encoding="utf-8")
    done = runner.invoke(app, ["params", str(bad), "--check"])
    assert done.exit_code == 2
    assert "| key |" not in done.output and "referrals.per_year" in done.output, done.output
