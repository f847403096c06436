"""The brief's section For Sweden (issue 17 points 2 and 4): read from a saved national answer.

A national run takes CPU-hours, so the brief reads ``simlib national --format
json`` instead of running it. These tests run a small part of Sweden, check
the section shows the paired national differences, the price and the unstable
municipalities, and that a file of other scenarios, or of other scenario
files (a stale hash), is refused with exit 2 naming --national.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from simlib.presentation.brief.national import NationalFileError, load_national, national_section
from simlib.presentation.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def answer_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("national") / "national.json"
    res = runner.invoke(app, ["national", "baseline", "policy/cap-15", "--only", "2403,2418", "--reps", "2",
                              "--years", "1.5", "-q", "-f", "json"])
    assert res.exit_code == 0, res.output
    path.write_text(res.stdout, encoding="utf-8")
    return path


def test_the_national_json_says_what_it_is_and_which_scenario_files_it_ran(answer_file):
    data = json.loads(answer_file.read_text(encoding="utf-8"))
    assert data["format"] == "caseload-lab-national/1" and data["scenarios"] == ["baseline", "cap-15"]
    assert set(data["hashes"]) == {"baseline", "cap-15"} and data["municipalities"] == 2
    assert data["children_0_17"] > 0 and data["children_0_17_left_out"] >= 0


def test_the_section_shows_differences_price_and_who_is_left_out(answer_file):
    data = json.loads(answer_file.read_text(encoding="utf-8"))
    for lang, words in (("en", ("2 of Sweden's 290", "posts nationally")), ("sv", ("2 av Sveriges 290", "tjänster"))):
        section = national_section(data, "baseline", ["cap-15"], lang)
        assert words[0] in section["intro"] and words[1] in section["prices"][0]
        assert {r["alt"] for r in section["rows"]} == {"cap-15"} and len(section["rows"]) >= 4
        assert section["unstable"]
    data["unstable"] = [{"code": "0683", "name": "Värnamo", "children_0_17": 7365}]
    data["children_0_17_left_out"] = 7365.0
    assert "Värnamo" in national_section(data, "baseline", ["cap-15"], "sv")["unstable"]


def test_a_file_of_other_scenarios_or_other_scenario_files_is_refused(answer_file, tmp_path):
    data = json.loads(answer_file.read_text(encoding="utf-8"))
    hashes = dict(data["hashes"])
    assert load_national(answer_file, hashes)["scenarios"] == ["baseline", "cap-15"]
    with pytest.raises(NationalFileError, match="none of the brief's alternatives"):
        load_national(answer_file, {"baseline": hashes["baseline"], "cap-12": "x"})
    with pytest.raises(NationalFileError, match="different file"):
        load_national(answer_file, {**hashes, "cap-15": "0" * 64})
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps({**data, "hashes": {**hashes, "cap-15": "0" * 64}}), encoding="utf-8")
    res = runner.invoke(app, ["brief", "baseline", "policy/cap-15", "--reps", "2", "--years", "1", "-q",
                              "-o", str(tmp_path / "b.html"), "--national", str(stale)])
    assert res.exit_code == 2 and "--national" in res.output and "different file" in res.output
    assert not (tmp_path / "b.html").exists()  # refused before any run


def test_the_brief_carries_the_section_when_given_the_file(answer_file, tmp_path):
    out = tmp_path / "brief.html"
    res = runner.invoke(app, ["brief", "baseline", "policy/cap-15", "--reps", "2", "--years", "1", "-q",
                              "--lang", "en", "-o", str(out), "--national", str(answer_file)])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert 'id="national"' in html and 'id="national-table"' in html and 'href="#national"' in html
