"""Lists in the summary, a body and notes: read as markdown, printed as real lists in the memo
and the handout (tagged L, LI, Lbl and LBody), the deck's bullets (nested items at level 1),
and lines of the speaker notes; citations in items keep the one numbering."""
import re

import pikepdf
import pytest
from pptx import Presentation
from pptx.util import Emu

from briefgen.build import build
from briefgen.cite import number_citations, plain
from briefgen.errors import BriefError
from briefgen.fonts import metrics
from briefgen.load import load_brief
from briefgen.theme import load_theme

from .conftest import MINIMAL, cite_numbers, pdf_pages, roomy_theme, structure_elements, write
from .test_deck import assert_deck_fits

LISTS = """\
title: Lists
date: 2026-11-24
summary: |
  The council has three options [@a].

  1. Do nothing.
  2. Adopt the ordinance [@b].
  3. Fund a pilot first.
sections:
  - heading: Options and their costs
    body: |
      Each option has costs and benefits [@c].

      - **Do nothing.** No cost now [@a, p. 4].
      - *Adopt the ordinance.* It takes effect in 2027:
        - staff training;
        - a new case system [@d];
      - Fund a pilot in two districts [@b].

      The pilot is the cheapest way to learn what works.
  - heading: Steps
    body: |
      Next steps:

      3. Consult the districts.
      4. Draft the rules [@c].
    takeaway: Consult the districts, then draft the rules.
    notes: |
      Say the steps:

      1. Consult.
      2. Draft.
         - with the lawyers
sources:
  - {id: a, title: A report}
  - {id: b, title: B study}
  - {id: c, title: C review}
  - {id: d, title: D system}
"""

THEMES = ("default", "modern", "print")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The lists brief in each theme: {theme: {kind: path}}."""
    folder = tmp_path_factory.mktemp("lists")
    brief = write(folder, LISTS)
    out = {}
    for theme in THEMES:
        result = build(brief, folder / theme, theme=theme)
        assert list(result.warnings) == []
        out[theme] = {o.kind: o.path for o in result.outputs}
    return out


def labels(text: str) -> list[str]:
    """The list labels that open lines, in order."""
    return re.findall(r"^(\d+\.|•|–)\s", text, re.M)


@pytest.mark.parametrize("theme", THEMES)
def it_prints_each_item_after_its_label_in_the_memo(built, theme):
    [page] = pdf_pages(built[theme]["memo"])
    # Read in the order the page draws its text, as pypdf and most viewers' copying do: each
    # label just before its item, the nested items with an en dash, the second list from 3.
    text = page.split("\nSources\n")[0]
    text = text.replace("1. Options and their costs", "").replace("2. Steps", "")  # headings
    assert labels(text) == [
        "1.", "2.", "3.", "•", "•", "–", "–", "•", "3.", "4."]
    if theme != "modern":  # superscript citations there
        for line in ("1. Do nothing.", "2. Adopt the ordinance [2].",
                     "• Do nothing. No cost now [1, p. 4].", "–\u2002a new case system [4];",
                     "• Fund a pilot in two districts [2].", "3. Consult the districts.",
                     "4. Draft the rules [3]."):
            assert line in page.splitlines()
        assert "The pilot is the cheapest way to learn what works." in page.splitlines()


def lists(pdf) -> list:
    """The document's outer lists (an L not inside an LBody), in order."""
    return [node for node in structure_elements(pdf, "/L") if node.P.get("/S") != "/LBody"]


def kinds(node) -> list[str]:
    return [str(kid.S) for kid in node.K]


def it_tags_lists_with_their_items_labels_and_bodies(built):
    with pikepdf.open(built["default"]["memo"]) as pdf:
        outer = [node for node in lists(pdf) if node.A.ListNumbering != "/None"]  # not Sources
        assert [str(node.A.ListNumbering) for node in outer] == ["/Decimal", "/Disc", "/Decimal"]
        assert [len(node.K) for node in outer] == [3, 3, 2]
        for node in outer:
            assert {str(node.A.O)} == {"/List"}
            assert set(kinds(node)) == {"/LI"}
            for item in node.K:
                assert kinds(item) == ["/Lbl", "/LBody"]
        # The nested list is in the body of its item, the second.
        second = outer[1].K[1].K[1]
        nested = [kid for kid in second.K if kid.get("/S") == "/L"]
        assert len(nested) == 1 and nested[0].A.ListNumbering == "/None"  # an en dash
        assert [kinds(item) for item in nested[0].K] == [["/Lbl", "/LBody"]] * 2
        assert nested[0].P.objgen == second.objgen
    with pikepdf.open(built["default"]["handout"]) as pdf:
        bottom = [node for node in lists(pdf) if node.A.ListNumbering == "/Decimal"]
        assert len(bottom) == 1 and len(bottom[0].K) == 3


def it_numbers_citations_in_items_in_reading_order(built):
    [page] = pdf_pages(built["default"]["memo"])
    seen = []
    for n in cite_numbers(page.split("\nSources\n")[0]):
        if n not in seen:
            seen.append(n)
    assert seen == [1, 2, 3, 4]
    assert "[1] “A report.”" in page and "[4] “D system.”" in page


def it_numbers_citations_as_printed_when_an_item_goes_on_after_its_nested_list(tmp_path):
    # A list item's paragraph after its nested list prints with the item, before the nested
    # list: its citation comes first.
    body = "|\n      - First\n        - nested [@b]\n\n        Then more [@a]."
    doc = number_citations(load_brief(write(tmp_path, MINIMAL.replace(
        "summary: Bottom line [@a].", "summary: Bottom line.").replace("Text [@b].", body))))
    [found] = doc.sections[0].paras
    assert plain(found.items[0].para) == "First Then more\u00a0[1]."
    assert plain(found.items[0].sub.items[0].para) == "nested\u00a0[2]"
    assert [r.source.id for r in doc.refs] == ["a", "b"]


def it_makes_a_body_list_the_slide_bullets_with_nested_items_at_level_1(built):
    prs = Presentation(str(built["default"]["deck"]))
    options, steps = (next(s for s in prs.slides if s.shapes.title.text == title)
                      for title in ("Options and their costs", "Steps"))
    body = next(s for s in options.shapes if s.name.startswith("Content"))
    # The takeaway (by default the body's first sentence) in bold, then the list's items.
    paras = body.text_frame.paragraphs
    assert [(p.level, p.text) for p in paras] == [
        (0, "Each option has costs and benefits\u00a0[3]."),
        (0, "Do nothing. No cost now\u00a0[1,\u00a0p.\u00a04]."),
        (0, "Adopt the ordinance. It takes effect in 2027:"),
        (1, "staff training;"), (1, "a new case system\u00a0[4];"),
        (0, "Fund a pilot in two districts\u00a0[2].")]
    assert all(r.font.bold for r in paras[0].runs if "[" not in r.text)
    assert numbering(paras) == [None, "•", "•", "–", "–", "•"]
    margins = [int(p._p.pPr.get("marL")) for p in paras]
    assert margins[3] == 2 * margins[1] > 0
    body = next(s for s in steps.shapes if s.name.startswith("Content"))
    assert [(p.level, p.text) for p in body.text_frame.paragraphs] == [
        (0, "Consult the districts, then draft the rules."), (0, "Consult the districts."),
        (0, "Draft the rules\u00a0[3].")]


def numbering(paras) -> list:
    """Each paragraph's PowerPoint numbering (type, start) or its bullet character."""
    out = []
    for p in paras:
        auto, char = p._p.pPr.find("{*}buAutoNum"), p._p.pPr.find("{*}buChar")
        out.append((auto.get("type"), auto.get("startAt")) if auto is not None
                   else char.get("char") if char is not None else None)
    return out


def it_numbers_a_numbered_list_on_slides_from_its_own_start(built):
    prs = Presentation(str(built["default"]["deck"]))
    steps = next(s for s in prs.slides if s.shapes.title.text == "Steps")
    body = next(s for s in steps.shapes if s.name.startswith("Content"))
    assert numbering(body.text_frame.paragraphs) == [None, ("arabicPeriod", "3"),
                                                     ("arabicPeriod", "4")]
    bottom = next(s for s in prs.slides if s.shapes.title.text == "Bottom line")
    body = next(s for s in bottom.shapes if s.name.startswith("Content"))
    assert numbering(body.text_frame.paragraphs) == [
        None, ("arabicPeriod", "1"), ("arabicPeriod", "2"), ("arabicPeriod", "3")]


NUMBERED = """\
    body: |
      Steps [@b]:

      3. The first step, whose text runs on for long enough to wrap onto a second line on
         the slide, and further still.
         1. a numbered sub-step;
      4. The next step, past its number.
         - a bulleted sub-step
    takeaway: Steps in order [@b].
"""


def it_indents_numbered_items_past_their_numbers_and_nests_under_them(tmp_path):
    text = MINIMAL.replace("    body: Text [@b].\n", NUMBERED)
    result = build(write(tmp_path, text), tmp_path / "out")
    assert list(result.warnings) == []
    deck = next(o.path for o in result.outputs if o.kind == "deck")
    prs = assert_deck_fits(deck, load_theme("default"))
    body = next(s for s in prs.slides[2].shapes if s.name.startswith("Content"))
    paras = body.text_frame.paragraphs[1:]  # after the takeaway
    assert [p.level for p in paras] == [0, 1, 0, 1]
    assert numbering(paras) == [("arabicPeriod", "3"), ("arabicPeriod", "1"),
                                ("arabicPeriod", "4"), "–"]
    size = paras[0].runs[0].font.size.pt
    top = [-int(p._p.pPr.get("indent")) for p in paras]
    margins = [int(p._p.pPr.get("marL")) for p in paras]
    # A number takes more room than a bullet: "10." and a space at least.
    ten = metrics(load_theme("default").heading.regular).width("10. ", size)
    assert Emu(top[0]).pt >= ten and top[0] > top[3]
    assert margins[0] == top[0] and margins[1] == margins[0] + top[1]
    assert margins[3] == margins[0] + top[3]


def it_bullets_the_bottom_line_list_and_not_its_paragraph(built):
    prs = Presentation(str(built["default"]["deck"]))
    slide = next(s for s in prs.slides if s.shapes.title.text == "Bottom line")
    body = next(s for s in slide.shapes if s.name.startswith("Content"))
    paras = body.text_frame.paragraphs
    assert [p.text for p in paras] == ["The council has three options\u00a0[1].", "Do nothing.",
                                       "Adopt the ordinance\u00a0[2].", "Fund a pilot first."]
    assert [p._p.pPr.find("{*}buNone") is not None for p in paras] == [True, False, False, False]


def it_keeps_lists_in_the_speaker_notes_as_lines(built):
    prs = Presentation(str(built["default"]["deck"]))
    notes = {s.shapes.title.text: s.notes_slide.notes_text_frame.text for s in prs.slides
             if s.has_notes_slide}
    assert notes["Steps"] == "Say the steps:\n\n1. Consult.\n2. Draft.\n   - with the lawyers"
    assert notes["Options and their costs"] == (
        "Each option has costs and benefits [3].\n\n"
        "- Do nothing. No cost now [1, p. 4].\n"
        "- Adopt the ordinance. It takes effect in 2027:\n"
        "   - staff training;\n   - a new case system [4];\n"
        "- Fund a pilot in two districts [2].\n\n"
        "The pilot is the cheapest way to learn what works.")
    assert notes["Bottom line"] == ("The council has three options [1].\n\n1. Do nothing.\n"
                                    "2. Adopt the ordinance [2].\n3. Fund a pilot first.")


@pytest.mark.parametrize("theme", THEMES)
def it_keeps_the_handout_to_one_page_with_its_bottom_line_list(built, theme):
    pages = pdf_pages(built[theme]["handout"])
    assert len(pages) == 1
    assert labels(pages[0])[:3] == ["1.", "2.", "3."]
    assert "1. Do nothing." in pages[0].splitlines()


def it_takes_given_bullets_over_a_body_list(tmp_path):
    body = "|\n      Options:\n\n      - one [@b]\n      - two"
    text = MINIMAL.replace("Text [@b].", body + "\n    bullets: [Mine]")
    doc = number_citations(load_brief(write(tmp_path, text)))
    assert [plain(b) for b in doc.sections[0].bullets] == ["Mine"]
    assert doc.sections[0].bullet_levels == ()
    doc = number_citations(load_brief(write(tmp_path, text.replace("\n    bullets: [Mine]", ""))))
    assert [plain(b) for b in doc.sections[0].bullets] == ["one\u00a0[2]", "two"]
    assert doc.sections[0].bullet_levels == (0, 0)


def it_prints_an_item_nested_three_deep_at_the_second_level_and_says_where(tmp_path):
    body = ("|\n      - a\n        - b\n          - c [@b]\n            - d\n        - e\n"
            "      - f")
    path = write(tmp_path, MINIMAL.replace("Text [@b].", body))
    brief = load_brief(path)
    assert [str(w) for w in brief.warnings] == [
        f"{path}:9:11: 'body' has a list item nested more than two levels deep ('- c [@b]'): "
        "a list prints two levels, so it prints at the second; indent it as the items above it"]
    [found] = number_citations(brief).sections[0].paras
    assert [plain(i.para) for i in found.items] == ["a", "f"]
    assert [plain(i.para) for i in found.items[0].sub.items] == ["b", "c\u00a0[2]", "d", "e"]
    assert all(i.sub is None for i in found.items[0].sub.items)
    assert number_citations(brief).sections[0].bullet_levels == (0, 1, 1, 1, 1, 0)


def it_refuses_lists_nested_past_ten_levels_and_more_than_200_items(tmp_path):
    deep = "".join(f"\n      {'  ' * i}- level {i + 1}" for i in range(11))
    path = write(tmp_path, MINIMAL.replace("Text [@b].", "|\n      Text [@b]." + deep))
    with pytest.raises(BriefError) as e:
        load_brief(path)
    assert str(e.value) == (f"{path}:18:27: 'body' has lists nested more than 10 deep "
                            "('- level 11'); a list prints two levels: indent its items less")
    many = "".join(f"\n      - item {i}" for i in range(201))
    path = write(tmp_path, MINIMAL.replace("Text [@b].", "|\n      Text [@b].\n" + many))
    with pytest.raises(BriefError) as e:
        load_brief(path)
    assert str(e.value) == (f"{path}:209:7: 'body' has 201 list items; a field may have "
                            "at most 200")


LONG_ITEMS = """\
    body: |
      Options:

""" + "".join(
    f"      - Option {i}, which the council could adopt this spring with the money it has\n"
    f"        - its first condition, which a reader should see in full on the slide [@b]\n"
    f"        - and its second condition, written long enough to wrap at any size\n"
    for i in range(1, 6))  # 196 words: within a budget of 200


def it_fits_nested_bullets_measured_at_their_own_indent(tmp_path):
    text = MINIMAL.replace("    body: Text [@b].\n", LONG_ITEMS)
    result = build(write(tmp_path, text), tmp_path / "out", theme=str(roomy_theme(tmp_path)))
    deck = next(o.path for o in result.outputs if o.kind == "deck")
    prs = assert_deck_fits(deck, load_theme("default"))
    section = [s for s in prs.slides if s.shapes.title.text.startswith("One")]
    assert len(section) > 1  # continued on a "(cont.)" slide
    levels = [p.level for s in section for shape in s.shapes if shape.name.startswith("Content")
              for p in shape.text_frame.paragraphs]
    assert levels.count(0) == 6 and levels.count(1) == 10  # the takeaway, and five items


def it_draws_nested_bullets_one_indent_further_in(tmp_path):
    text = MINIMAL.replace("    body: Text [@b].\n", LONG_ITEMS)
    result = build(write(tmp_path, text), tmp_path / "out")
    prs = Presentation(str(next(o.path for o in result.outputs if o.kind == "deck")))
    body = next(s for s in prs.slides[2].shapes if s.name.startswith("Content"))
    top, nested = body.text_frame.paragraphs[1:3]  # after the takeaway
    indent = -int(top._p.pPr.get("indent"))
    assert Emu(int(nested._p.pPr.get("marL"))) == Emu(int(top._p.pPr.get("marL")) + indent)
    assert nested._p.pPr.get("lvl") == "1" and top._p.pPr.get("lvl") is None


ORDINAL = """\
title: Einheit
date: 2026-11-24
lang: de
summary: Kurz [@a].
sections:
  - heading: Die Einheit
    body: |
      Die Wiedervereinigung veränderte die Haushalte. Die Länder zahlten mehr.

      3. Oktober 1990: Der Beitritt trat in Kraft. Seitdem gilt das Grundgesetz überall.

      Die Kosten stiegen.

      21. Jahrhundert: Die Kosten sanken.

      9. November 1989: Die Mauer fiel.

      1. Januar 2002: Der Euro kam.
sources:
  - {id: a, title: Quelle A}
"""


def it_reads_one_item_numbered_other_than_1_or_numbers_that_do_not_count_on_as_text(tmp_path):
    # '9.' then '1.' would be a list printed 9, 10: the dates would change.
    result = build(write(tmp_path, ORDINAL), tmp_path / "out")
    paths = {o.kind: o.path for o in result.outputs}
    memo = " ".join(pdf_pages(paths["memo"])[0].split())
    assert ("Die Länder zahlten mehr. 3. Oktober 1990: Der Beitritt trat in Kraft. Seitdem gilt "
            "das Grundgesetz überall. Die Kosten stiegen. 21. Jahrhundert: Die Kosten sanken. "
            "9. November 1989: Die Mauer fiel. 1. Januar 2002: Der Euro kam.") in memo
    with pikepdf.open(paths["memo"]) as pdf:
        assert [n for n in lists(pdf) if n.A.ListNumbering != "/None"] == []  # Sources only
    prs = Presentation(str(paths["deck"]))
    body = next(s for s in prs.slides[2].shapes if s.name.startswith("Content"))
    # The takeaway, then each other paragraph's first sentence: dates, not numbers.
    assert [p.text for p in body.text_frame.paragraphs] == [
        "Die Wiedervereinigung veränderte die Haushalte.",
        "3. Oktober 1990: Der Beitritt trat in Kraft.",
        "Die Kosten stiegen.", "21. Jahrhundert: Die Kosten sanken.",
        "9. November 1989: Die Mauer fiel.", "1. Januar 2002: Der Euro kam."]
    assert numbering(body.text_frame.paragraphs) == [None] + ["•"] * 5


def it_keeps_one_item_numbered_1_and_two_items_from_any_number_as_lists(tmp_path):
    body = ("|\n      Text [@b].\n\n      1. Only\n\n      Then:\n\n      3. a\n      4) b\n\n"
            "      Last:\n\n      7) c\n\n      9\\. Mai")
    brief = load_brief(write(tmp_path, MINIMAL.replace("Text [@b].", body)))
    blocks = number_citations(brief).sections[0].paras
    assert [(b.start, [plain(i.para) for i in b.items]) if hasattr(b, "items") else plain(b)
            for b in blocks] == ["Text\u00a0[2].", (1, ["Only"]), "Then:", (3, ["a", "b"]),
                                 "Last:", "7) c", "9. Mai"]


def it_writes_numbers_powerpoint_cannot_count_from_as_text(tmp_path):
    body = ("|\n      Text [@b].\n\n      0. zero\n      1. one\n\n      Later:\n\n"
            "      40000. far\n      40001. farther")
    result = build(write(tmp_path, MINIMAL.replace("Text [@b].", body)), tmp_path / "out")
    deck = next(o.path for o in result.outputs if o.kind == "deck")
    prs = assert_deck_fits(deck, load_theme("default"))
    body = next(s for s in prs.slides[2].shapes if s.name.startswith("Content"))
    paras = body.text_frame.paragraphs[1:]  # after the takeaway
    assert [p.text for p in paras] == ["0. zero", "one", "40000. far", "40001. farther"]
    assert numbering(paras) == [None, ("arabicPeriod", "1"), None, None]
    assert [p._p.pPr.find("{*}buNone") is not None for p in paras] == [True, False, True, True]
    # No startAt outside ST_TextBulletStartAtNum (1..32767), which PowerPoint would repair.
    xml = prs.slides[2].part.blob.decode()
    assert re.findall(r'startAt="(\d+)"', xml) == ["1"]
