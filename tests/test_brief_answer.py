"""A brief to cite (issue 17 point 4; issue 14 point 2's last sentence).

On a short real comparison (today, a cap of 12 at today's budget, and the
funded cap of 12): the page opens with the motion's question and an answer
whose numbers are the comparison's; the instability leads and nothing an
artefact of delayed decisions is called an improvement; every [S..] tag is
resolved into a numbered reference with publisher, title, year and address;
the tool can be cited (CITATION.cff and LICENSE agree with pyproject.toml);
the PDF keeps page numbers in its print rules. A cap on placement caseworkers
(issue 16 point 6) is named in the question, the answer and the title.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

from simlib.experiments import compare
from simlib.presentation.brief import build_brief
from simlib.presentation.brief.answer import answer
from simlib.presentation.brief.sources import References, citation, load_references
from simlib.presentation import i18n
from simlib.presentation.brief.text import growing
from simlib.presentation.i18n import t
from simlib.scenario import load

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="module")
def comparison():
    base = load("baseline")
    alts = [load("policy/cap-12"), load("policy/cap-12-funded")]
    cmp = compare(base.scenario, [a.scenario for a in alts], reps=3, seed=5, years=2.5, series=True)
    return cmp, base, alts


@pytest.fixture(scope="module", params=["sv", "en"])
def page(request, comparison):
    cmp, base, alts = comparison
    return build_brief(cmp.base, cmp.alternatives, cmp.summary(), request.param, provenance=base.provenance,
                       alt_provenance=[a.provenance for a in alts])


def test_the_page_opens_with_the_question_and_the_answer(page):
    html = page.html
    assert html.index('id="question"') < html.index('id="answer"') < html.index('id="contents"')
    word = {"sv": "riktlinjer", "en": "guidelines"}[page.lang]
    assert word in page.question and "12" in page.question
    assert page.answer and page.answer in html.replace("&#39;", "'").replace("&amp;", "&")


def test_the_answer_leads_with_a_growing_balans_and_gives_the_price(comparison):
    cmp, _, _ = comparison
    named = list(cmp.alternatives.items())
    grows = growing(cmp.alternatives["cap-12"])[0]
    for lang, grows_word in (("sv", "växer"), ("en", "grows")):
        ans = answer(cmp.base, named, cmp.summary(), lang)
        if grows:
            assert ans.growing == ["cap-12"]
            assert ans.paragraph.index(grows_word) < ans.paragraph.index("cap-12-funded")
        price = ans.price["cap-12-funded"]
        posts = cmp.alternatives["cap-12-funded"].kpi("fte_funded").mean() - cmp.base.kpi("fte_funded").mean()
        assert price["posts"] == pytest.approx(posts) and posts > 0
        d = cmp.summary().set_index(["alternative", "kpi"]).loc[("cap-12-funded", "total_cost_sek_per_year")]
        assert price["cost"] == pytest.approx(d["mean"]) and price["cost_low"] == pytest.approx(d["ci_low"])


def test_no_sentence_calls_an_artefact_of_a_growing_balans_an_improvement(page, comparison):
    cmp, _, _ = comparison
    if not growing(cmp.alternatives["cap-12"])[0]:
        pytest.skip("the balans did not grow in this short run")
    improvement = {"sv": "Det är en förbättring", "en": "That is an improvement"}[page.lang]
    for sentence in page.sentences:
        if "cap-12" in sentence and "cap-12-funded" not in sentence:
            assert improvement not in sentence, sentence
    first = next(s for s in page.sentences if "cap-12" in s and "cap-12-funded" not in s)
    assert {"sv": "växer", "en": "grows"}[page.lang] in first  # the instability leads


def test_every_source_tag_is_resolved_into_a_numbered_reference(page):
    assert not re.search(r"\[S\d+\]", page.html)
    assert page.references
    for i, ref in enumerate(page.references, start=1):
        assert ref["n"] == i and ref["publisher"] and ref["title"] and ref["year"]
        assert (ref["url"] or "").startswith(("https://", "http://")) or ref["no_url"]
    assert f'id="ref-{len(page.references)}"' in page.html


@pytest.mark.parametrize("path", [SCENARIOS / "baseline.yaml", *sorted((SCENARIOS / "policy").glob("*.yaml"))],
                         ids=lambda p: p.name)
def test_every_cited_source_note_has_a_reference(path):
    refs = References()
    for key, prov in load(path).provenance.items():
        own = not prov.source or prov.source.startswith(("derived: the smallest", "derived: the ", "MODEL.md"))
        if not own and re.search(r"\[S\d+\]|\b(19|20)\d\d\b", prov.source):  # names a publication
            assert refs.cited_by(prov.source), f"{path.name} {key}: no reference matches {prov.source[:90]!r}"


def test_the_reference_catalogue_is_complete_and_unique():
    known = load_references()
    assert len({r.id for r in known}) == len(known)
    for r in known:
        assert r.publisher and r.title and r.match
        assert r.url is None or r.url.startswith(("https://", "http://"))


def test_swedish_place_and_agency_names_keep_their_letters(page):
    if page.lang != "sv":
        return
    for wrong in ("Gavle", "Forsakringskassan", "Oppna jamforelser", "Jamtlands"):
        assert wrong not in page.html
    assert "Gävle" in page.html and "Försäkringskassan" in page.html


def test_the_tool_can_be_cited_and_its_license_agrees_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["version"] == project["version"]
    assert cff["license"] == project["license"]["text"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    info = citation()
    assert info["title"] and info["version"] == project["version"]


def test_the_printed_page_has_page_numbers_and_keeps_figures_whole(page):
    assert "@bottom-center" in page.html and "counter(page)" in page.html and "counter(pages)" in page.html
    assert re.search(r"figure[^{]*\{[^}]*break-inside:\s*avoid", page.html)


def test_what_the_answer_rests_on_shows_the_policy_effect_at_each_end_of_each_range(comparison):
    # the brief's own sensitivity run (issue 17 point 4): a paired tornado of the
    # capped alternative's effect, in the text and as a figure; without a run the
    # assumptions are still listed with their ranges and no figure is drawn
    from simlib.presentation.brief.sensitivity import RANGES, brief_sensitivity, policy_alternative

    cmp, base, alts = comparison
    name, alt = policy_alternative(list(cmp.alternatives.items()))
    assert alt.scenario.investigation.caseload_cap == 12
    swings, n = brief_sensitivity(cmp.base.scenario, alt.scenario, reps=2, seed=5, jobs=1)
    assert n == 2 and set(swings["parameter"]) == set(RANGES)
    wait = swings[(swings["parameter"] == "investigation.external_wait_days.mean")
                  & (swings["kpi"] == "investigation_wait_days_mean")].iloc[0]
    assert wait["at_low"] != wait["at_high"]  # the assumption moves the policy's effect
    with_run = build_brief(cmp.base, cmp.alternatives, cmp.summary(), "en", sensitivity=swings, sensitivity_reps=n)
    without = build_brief(cmp.base, cmp.alternatives, cmp.summary(), "en")
    assert 'id="figure-rests"' in with_run.html and 'id="figure-rests"' not in without.html
    section = with_run.html[with_run.html.index('id="rests"'):with_run.html.index('id="assumptions"')]
    assert "Range: 50-90." in section and f"The effect of {name}:" in section
    assert "Range: 50-90." in without.html and "The effect of" not in without.html


@pytest.fixture(scope="module")
def placement_comparison():
    base = load("baseline")
    alt = load("policy/placement-cap-15-funded")
    cmp = compare(base.scenario, [alt.scenario], reps=3, seed=5, years=2.0, series=True)
    return cmp, base, alt


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_cap_on_placement_caseworkers_is_in_the_question_the_answer_and_the_title(placement_comparison, lang):
    """Issue 16 point 6: the brief shows the guideline applied to placement social workers."""
    cmp, base, alt = placement_comparison
    named = list(cmp.alternatives.items())
    ans = answer(cmp.base, named, cmp.summary(), lang)
    assert ans.caps == [] and ans.placement_caps == [15]
    words = {"sv": ("15 placerade barn per handläggare", "Sammanbrotten ändras med", "3 fler tjänster"),
             "en": ("15 children in care per caseworker", "Breakdowns change by", "3 more posts")}[lang]
    assert words[0] in ans.question
    assert words[1] in ans.paragraph and words[2] in ans.paragraph
    d = cmp.summary().set_index(["alternative", "kpi"]).loc[("placement-cap-15-funded", "breakdowns_per_year")]
    assert i18n.fmt_diff(d["mean"], "breakdowns_per_year", lang, unit=True,
                         decimals=i18n.diff_decimals("breakdowns_per_year", d["mean"], d["ci_low"], d["ci_high"])) \
        in ans.paragraph
    assert t("brief.answer_no_cap", lang) not in ans.paragraph
    page = build_brief(cmp.base, cmp.alternatives, cmp.summary(), lang, provenance=base.provenance,
                       alt_provenance=[alt.provenance])
    title = {"sv": "15 placerade barn per placeringshandläggare", "en": "15 children in care per placement caseworker"}
    assert title[lang] in page.html.split("</title>")[0]
    assert t("param.placements.caseload_cap", lang) in page.html  # the changes list, in the page's language


def test_an_alternative_on_todays_placement_rule_has_no_placement_cap(comparison):
    cmp, _, _ = comparison
    ans = answer(cmp.base, list(cmp.alternatives.items()), cmp.summary(), "en")
    assert ans.placement_caps == [] and "placement caseworkers" not in ans.question
