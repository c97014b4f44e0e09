"""Generated briefs: every build either succeeds with all invariants or fails with BriefError."""
import re

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from briefgen.build import build
from briefgen.errors import BriefError
from briefgen.theme import load_theme

from .conftest import cite_numbers, pdf_pages
from .test_deck import assert_deck_fits, deck_sources, output

IDS = ["a", "b", "c-2", "d.x", "e_y"]
WORDS = st.sampled_from(["policy", "city", "*local*", "**federal**", "law", "court", "<b>",
                         "{{ x }}", "ICE", "trust", "—", "“quoted”", "data", "10%", "&",
                         "https://example.org/" + "p" * 70, "[link](https://example.org)"])


@st.composite
def sentence(draw, cite=True):
    words = draw(st.lists(WORDS, min_size=1, max_size=40))
    text = " ".join(words)
    if cite and draw(st.booleans()):
        ids = draw(st.lists(st.sampled_from(IDS * 8 + ["ghost"]), min_size=1, max_size=3))
        text += " [" + "; ".join("@" + i for i in ids) + "]"
    return text + "."


@st.composite
def brief(draw):
    sections = []
    for _ in range(draw(st.integers(1, 9))):
        section = {"heading": draw(sentence(cite=False)).rstrip("."),
                   "body": " ".join(draw(st.lists(sentence(), min_size=1, max_size=4)))}
        if draw(st.booleans()):
            section["takeaway"] = draw(sentence())
        if draw(st.booleans()):
            section["bullets"] = draw(st.lists(sentence(), min_size=1, max_size=6))
        sections.append(section)
    return {
        "title": draw(sentence(cite=False)),
        "date": "2026-11-24",
        "status": draw(st.sampled_from(["draft", "final"])),
        "summary": draw(sentence()),
        "sections": sections,
        "sources": [{"id": i, "title": f"Source {i} " + draw(sentence(cite=False)),
                     "url": "https://example.org/" + i} for i in IDS],
    }


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=brief())
def it_builds_with_every_invariant_or_fails_with_a_brief_error(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("prop")
    path = folder / "brief.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    try:
        result = build(path, folder / "out")
    except BriefError as e:
        event("BriefError")
        assert all(re.match(rf"{re.escape(str(path))}:\d+:\d+: ", str(p)) for p in e.problems)
        return
    event("built")
    memo, handout, deck = (output(result, k) for k in ("memo", "handout", "deck"))
    assert len(pdf_pages(handout)) == 1
    text = "\n".join(pdf_pages(memo))
    body, _, sources = text.rpartition("\nSources\n")
    listed = {int(n) for n in re.findall(r"^\[(\d+)\] ", sources, re.M)}
    assert set(cite_numbers(body)) <= listed
    assert listed == set(range(1, len(listed) + 1))
    prs = assert_deck_fits(deck, load_theme("default"))
    assert set(deck_sources(prs)) == listed
