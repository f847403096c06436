"""CLI tier: the ``simlib`` commands, and a user's mistakes answered with a sentence.

Every bad input here goes through the real command line (typer's CliRunner, and
the installed console script for the headline case) and must exit with status 2,
print ``error: ...`` lines to stderr that name the key or file at fault, and
never show a Python traceback.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import simlib
from simlib.presentation.cli import app
from simlib.scenario import load_scenario, scenario_hash
from simlib.scenario.loader import MAX_FILE_BYTES, bundled_dir

BASELINE = bundled_dir() / "baseline.yaml"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def assert_user_error(result, *needles: str) -> list[str]:
    """Exit 2, only 'error: ' lines on stderr, each needle named, no traceback."""
    stderr = result.stderr
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output and "Traceback" not in stderr
    lines = stderr.splitlines()
    assert lines, "expected error lines on stderr"
    assert all(line.startswith("error: ") for line in lines), stderr
    for needle in needles:
        assert needle in stderr, f"{needle!r} not in {stderr!r}"
    return lines


# --- bad scenario files: each (name, YAML after 'extends: baseline', what stderr must name) ---

BAD_CHILDREN = {
    "unknown key with suggestion": (
        "investigation:\n  casload_cap: 15\n",
        ["investigation.casload_cap", "did you mean investigation.caseload_cap"],
    ),
    "unknown section": (
        "investigaton:\n  caseload_cap: 15\n",
        ["investigaton", "did you mean investigation"],
    ),
    "wrong type": (
        "investigation:\n  caseload_cap: lots\n",
        ["investigation.caseload_cap", "'lots'", "at most 500"],
    ),
    "not a boolean": ("screening:\n  enabled: maybe\n", ["screening.enabled", "'maybe'"]),
    "negative budget": (
        "staff:\n  budget_sek_per_year: -5\n",
        ["staff.budget_sek_per_year", "-5", "above 0"],
    ),
    "cap of zero": (
        "investigation:\n  caseload_cap: 0\n  cap_mode: hard\n",
        ["investigation.caseload_cap", "got 0", "at least 1"],
    ),
    "share above one": (
        "referrals:\n  urgent_share: 1.5\n",
        ["referrals.urgent_share", "1.5", "at most 1"],
    ),
    "outcome shares do not sum to 1": (
        "investigation:\n  outcome: {none: 0.5, in_home: 0.5, placement: 0.5}\n",
        ["investigation.outcome", "sum to 1", "1.5"],
    ),
    "role shares do not sum to 1": (
        "staff:\n  role_shares: {intake: 0.5, investigation: 0.6, placement: 0.1}\n",
        ["staff.role_shares", "sum to 1"],
    ),
    "seasonality wrong length": (
        "referrals:\n  seasonality: [1, 1, 1]\n",
        ["referrals.seasonality", "12", "got 3"],
    ),
    "seasonality not mean 1": (
        "referrals:\n  seasonality: [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]\n",
        ["referrals.seasonality", "average 1"],
    ),
    "NaN": ("referrals:\n  per_year: .nan\n", ["referrals.per_year", "nan", "finite"]),
    "infinity": ("referrals:\n  per_year: .inf\n", ["referrals.per_year", "inf", "finite"]),
    "absurd size": (
        "referrals:\n  per_year: 1e12\n",
        ["referrals.per_year", "1e12", "at most 1000000"],
    ),
    "unknown distribution kind": (
        "investigation:\n  hours: {kind: weibull, mean: 35}\n",
        ["investigation.hours", "'weibull'", "lognormal"],
    ),
    "distribution parameter out of range": (
        "investigation:\n  hours: {kind: lognormal, mean: 35, cv: 0}\n",
        ["investigation.hours.cv", "got 0", "above 0"],
    ),
    "triangular out of order": (
        "screening:\n  hours: {kind: triangular, low: 4, mode: 2, high: 1}\n",
        ["screening.hours", "low <= mode <= high"],
    ),
    "hard cap mode without a cap": (
        "investigation:\n  caseload_cap: null\n  cap_mode: hard\n",
        ["investigation.cap_mode", "needs a caseload_cap"],
    ),
    "placement hard cap without a cap": (
        "placements:\n  caseload_cap: null\n  cap_mode: hard\n",
        ["placements.cap_mode", "needs a caseload_cap"],
    ),
    "unknown cap mode": (
        "investigation:\n  cap_mode: strict\n",
        ["investigation.cap_mode", "'strict'"],
    ),
    "warm-up not shorter than the run": (
        "horizon:\n  years: 2\n  warmup_years: 2\n",
        ["horizon.warmup_years", "below years"],
    ),
    "negative FTE": (
        "staff:\n  investigators_fte: -1\n",
        ["staff.investigators_fte", "-1", "at least 0"],
    ),
    "section is not a mapping": ("investigation: 5\n", ["investigation", "got 5"]),
    "mistyped provenance note": (
        "referrals:\n  per_year: {value: 4000, sorce: Socialstyrelsen}\n",
        ["referrals.per_year.sorce", "did you mean source"],
    ),
    "extends is not a path": (None, ["extends", "relative file path"]),
}


@pytest.mark.parametrize("case", list(BAD_CHILDREN), ids=lambda c: c.replace(" ", "-"))
def test_bad_scenario_file_is_named_with_exit_2(tmp_path, case):
    body, needles = BAD_CHILDREN[case]
    text = "extends: 5\n" if body is None else f"extends: {BASELINE}\n{body}"
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    result = invoke("validate", str(path))
    assert_user_error(result, "bad.yaml", *needles)
    assert "ok " not in result.stdout


def test_the_headline_typo_prints_exactly_one_line(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text(f"extends: {BASELINE}\ninvestigation:\n  casload_cap: 15\n", encoding="utf-8")
    result = invoke("validate", str(path))
    lines = assert_user_error(
        result, "investigation.casload_cap", "did you mean investigation.caseload_cap?"
    )
    assert len(lines) == 1
    assert result.stdout == ""


def test_the_headline_typo_through_the_installed_command(tmp_path):
    """The real console script, in a real process: one line, exit 2, no traceback."""
    exe = shutil.which("simlib", path=str(Path(sys.executable).parent))
    command = [exe] if exe else [sys.executable, "-m", "simlib.presentation.cli"]
    path = tmp_path / "typo.yaml"
    path.write_text(f"extends: {BASELINE}\ninvestigation:\n  casload_cap: 15\n", encoding="utf-8")
    proc = subprocess.run(
        [*command, "validate", str(path)], check=False, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"error: {path}: investigation.casload_cap: unknown key (did you mean investigation.caseload_cap?)"
    ]


def test_several_problems_give_one_line_each(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(
        f"extends: {BASELINE}\nreferrals:\n  per_year: -1\n  urgent_share: 2\n", encoding="utf-8"
    )
    lines = assert_user_error(
        invoke("validate", str(path)), "referrals.per_year", "referrals.urgent_share"
    )
    assert len(lines) == 2


def test_missing_sections_in_a_file_without_extends(tmp_path):
    path = tmp_path / "partial.yaml"
    path.write_text("metadata:\n  description: only this\n", encoding="utf-8")
    assert_user_error(invoke("validate", str(path)), "calendar", "missing", "investigation")


# --- bad files ------------------------------------------------------------------------


def _cycle(tmp_path: Path) -> tuple[Path, list[str]]:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n", encoding="utf-8")
    return tmp_path / "a.yaml", ["extends", "cycle", "a.yaml -> b.yaml -> a.yaml"]


def _self_cycle(tmp_path: Path) -> tuple[Path, list[str]]:
    (tmp_path / "me.yaml").write_text("extends: me.yaml\n", encoding="utf-8")
    return tmp_path / "me.yaml", ["extends", "cycle", "me.yaml -> me.yaml"]


def _missing_parent(tmp_path: Path) -> tuple[Path, list[str]]:
    (tmp_path / "child.yaml").write_text("extends: nowhere.yaml\n", encoding="utf-8")
    return tmp_path / "child.yaml", ["child.yaml", "extends", "nowhere.yaml", "not found"]


def _missing_file(tmp_path: Path) -> tuple[Path, list[str]]:
    return tmp_path / "nope.yaml", ["nope.yaml", "not found"]


def _empty(tmp_path: Path) -> tuple[Path, list[str]]:
    (tmp_path / "empty.yaml").write_text("  \n", encoding="utf-8")
    return tmp_path / "empty.yaml", ["empty.yaml", "empty"]


def _not_yaml(tmp_path: Path) -> tuple[Path, list[str]]:
    (tmp_path / "prose.yaml").write_text("investigation: [caseload_cap: 15\n", encoding="utf-8")
    return tmp_path / "prose.yaml", ["prose.yaml", "not valid YAML", "line 2"]


def _a_list(tmp_path: Path) -> tuple[Path, list[str]]:
    (tmp_path / "list.yaml").write_text("- investigation\n- staff\n", encoding="utf-8")
    return tmp_path / "list.yaml", ["list.yaml", "mapping", "got list"]


def _too_big(tmp_path: Path) -> tuple[Path, list[str]]:
    path = tmp_path / "huge.yaml"
    path.write_text("# padding\n" * (MAX_FILE_BYTES // 10 + 1), encoding="utf-8")
    return path, ["huge.yaml", "bytes", "at most"]


def _a_folder(tmp_path: Path) -> tuple[Path, list[str]]:
    (tmp_path / "folder.yaml").mkdir()
    return tmp_path / "folder.yaml", ["folder.yaml", "is a folder"]


def _binary(tmp_path: Path) -> tuple[Path, list[str]]:
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00\x01 not text")
    return tmp_path / "binary.yaml", ["binary.yaml", "not a text file"]


def _alias_bomb(tmp_path: Path) -> tuple[Path, list[str]]:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path / "bomb.yaml", ["bomb.yaml", "values"]


BAD_FILES = {
    "extends cycle": _cycle,
    "extends itself": _self_cycle,
    "extends a missing file": _missing_parent,
    "missing file": _missing_file,
    "empty file": _empty,
    "non-YAML text": _not_yaml,
    "YAML list": _a_list,
    "file over 1 MB": _too_big,
    "a directory": _a_folder,
    "binary file": _binary,
    "YAML alias bomb": _alias_bomb,
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=lambda c: c.replace(" ", "-"))
@pytest.mark.parametrize("command", ["validate", "show"])
def test_bad_file_is_named_with_exit_2(tmp_path, case, command):
    path, needles = BAD_FILES[case](tmp_path)
    result = invoke(command, str(path))
    assert_user_error(result, *needles)
    assert result.stdout == ""


# --- bad --set --------------------------------------------------------------------------

BAD_SETS = {
    "no equals sign": (
        "investigation.caseload_cap",
        ["--set", "KEY=VALUE", "'investigation.caseload_cap'"],
    ),
    "empty key": ("=15", ["--set", "KEY=VALUE"]),
    "unknown key": (
        "investigation.casload_cap=15",
        ["investigation.casload_cap", "did you mean investigation.caseload_cap"],
    ),
    "key below a value": (
        "investigation.caseload_cap.max=15",
        ["investigation.caseload_cap.max", "unknown key"],
    ),
    "wrong type": ("investigation.caseload_cap=abc", ["investigation.caseload_cap", "'abc'"]),
    "out of range": (
        "referrals.urgent_share=-0.1",
        ["referrals.urgent_share", "-0.1", "at least 0"],
    ),
    "absurd size": ("referrals.per_year=1.0e12", ["referrals.per_year", "at most 1000000"]),
}


@pytest.mark.parametrize("case", list(BAD_SETS), ids=lambda c: c.replace(" ", "-"))
def test_bad_set_is_named_with_exit_2(case):
    override, needles = BAD_SETS[case]
    result = invoke("show", str(BASELINE), "--set", override)
    assert_user_error(result, *needles)
    assert result.stdout == ""


# --- the commands doing their job -------------------------------------------------------


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"simlib {simlib.__version__}"


def test_scenarios_lists_bundled_files_with_descriptions():
    result = invoke("scenarios")
    assert result.exit_code == 0, result.output
    baseline = load_scenario(BASELINE)
    line = next(x for x in result.stdout.splitlines() if x.split()[0] == "baseline")
    shown = line.split(None, 1)[1].removesuffix("...")
    assert " ".join(baseline.metadata.description.split()).startswith(shown)
    bundled = [p for p in bundled_dir().rglob("*") if p.suffix in (".yaml", ".yml")]
    assert len(result.stdout.splitlines()) == len(bundled)


def test_validate_reports_every_file_and_fails_if_any_is_bad(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {BASELINE}\nreferrals:\n  per_year: -1\n", encoding="utf-8")
    result = invoke("validate", str(BASELINE), str(bad), "baseline")
    assert result.exit_code == 2
    digest = scenario_hash(load_scenario(BASELINE))[:12]
    assert result.stdout.splitlines() == [f"ok {BASELINE} {digest}", f"ok baseline {digest}"]
    assert_user_error(result, "bad.yaml", "referrals.per_year")


def test_show_prints_yaml_that_validates_to_the_same_hash(tmp_path):
    result = invoke(
        "show",
        str(BASELINE),
        "--set",
        "investigation.caseload_cap=15",
        "--set",
        "investigation.cap_mode=hard",
    )
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.stdout)
    assert data["investigation"]["caseload_cap"] == 15
    assert data["investigation"]["cap_mode"] == "hard"
    resolved = tmp_path / "resolved.yaml"
    resolved.write_text(result.stdout, encoding="utf-8")
    expected = load_scenario(
        BASELINE, ["investigation.caseload_cap=15", "investigation.cap_mode=hard"]
    )
    assert f"# sha256: {scenario_hash(expected)}" in result.stdout
    again = invoke("validate", str(resolved))
    assert again.stdout.strip() == f"ok {resolved} {scenario_hash(expected)[:12]}"


def test_usage_mistakes_exit_2_without_traceback():
    result = invoke("show")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_every_registered_command_handles_user_errors():
    """Every command of every command module (cli/main.py's COMMANDS) gets the error handling of command_app()."""
    import importlib

    from simlib.presentation.cli.main import MODULES

    callbacks = {c.name or c.callback.__name__: c.callback for m in MODULES
                 for c in importlib.import_module(f"simlib.presentation.cli.{m}").app.registered_commands}
    assert {"validate", "run", "compare", "sweep", "brief", "params", "demo"} <= set(callbacks)
    unhandled = [name for name, cb in callbacks.items() if not getattr(cb, "_simlib_user_errors", False)]
    assert not unhandled, unhandled


@pytest.mark.parametrize(("typed", "meant"), [("baselin", "baseline"), ("policy/cap15", "policy/cap-15")])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_misspelled_bundled_scenario_gets_a_did_you_mean(command, typed, meant):
    lines = assert_user_error(invoke(command, typed), f"did you mean {meant}?", repr(typed))
    assert len(lines) == 1
