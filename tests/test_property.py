"""Generated briefs: a valid one builds with every invariant; one citing an unlisted id fails,
named where it stands."""
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


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=brief())
def it_builds_with_every_invariant_or_names_each_unknown_id(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("prop")
    path = folder / "brief.yaml"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    # Every brief drawn here is valid but for citations of the unlisted id 'ghost': those, and
    # only those, must fail, with one located message for each.
    ghosts = text.count("@ghost")
    try:
        result = build(path, folder / "out")
    except BriefError as e:
        assert ghosts, f"a valid brief failed: {e}"
        event("unknown id")
        assert len(e.problems) == ghosts
        for problem in e.problems:
            assert re.fullmatch(rf"{re.escape(str(path))}:\d+:\d+: unknown source id 'ghost' "
                                r"\(add it under sources:\)", str(problem)), str(problem)
        return
    assert not ghosts, "a brief citing an unlisted id built"
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
