"""A deck a presenter can present as built: at most the theme's deck.max_words words of body
text a slide, one body size and one title size across the deck, a figure, chart or table given
most of its slide, and a closing slide. Read back from the written pptx."""
import re

import pytest
from pptx import Presentation
from pptx.util import Emu

from briefgen.build import prepare
from briefgen.errors import BriefError
from briefgen.pptx_out import write_pptx
from briefgen.slide_data import TABLE_MAX

from .conftest import EXAMPLE, MINIMAL, ROOT, write
from .test_deck import assert_deck_fits, slide_title

TEN = ROOT / "tests" / "data" / "ten-sections" / "brief.yaml"
BUS = ROOT / "tests" / "data" / "bus-service" / "brief.yaml"
THEMES = ("default", "modern", "print")


def deck_of(path, out, theme=None):
    """The brief planned and written as the build does it: (presentation, warnings)."""
    _, _, chosen, deck, warnings = prepare(path, theme)
    write_pptx(deck, chosen, out)
    return Presentation(str(out)), chosen, [str(w) for w in warnings]


def pt(emu) -> float:
    return Emu(emu).pt


def body_of(slide):
    return next((s for s in slide.placeholders if s.placeholder_format.idx == 1), None)


def words_of(shape) -> int:
    """Words a reader reads in a text frame: citation marks ([3], a superscript 3) left out."""
    if shape is None:  # a slide of a table or chart alone
        return 0
    text = []
    for p in shape.text_frame.paragraphs:
        for r in p.runs:
            superscript = r._r.rPr is not None and r._r.rPr.get("baseline") not in (None, "0")
            if not superscript:
                text.append(re.sub(r"\[\d+(,[^\]]*)?\]", " ", r.text))
        text.append(" ")
    return len([w for w in "".join(text).split() if re.search(r"\w", w)])


def content_slides(prs):
    """Every slide but the title slide and the sources list."""
    return [s for s in list(prs.slides)[1:] if not slide_title(s).startswith("Sources")]


def visuals(slide):
    return [s for s in slide.shapes if s.shape_type == 13 or s.has_chart or s.has_table]


def content_area(slide) -> tuple[float, float, float, float]:
    """The room for a slide's content, as a reader sees it: below its heading (title and any
    kicker line), above its sources footer, between the title's edges."""
    title = slide.shapes.title
    heading = [s for s in slide.shapes if s.name in ("Kicker",)] + [title]
    top = max(pt(s.top + s.height) for s in heading)
    foot = [pt(s.top) for s in slide.shapes if s.name == "Sources footer"]
    bottom = min(foot) if foot else pt(slide.part.package.presentation_part.presentation
                                       .slide_height) - 50
    return pt(title.left), top, pt(title.left + title.width), bottom


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("brief", [EXAMPLE, TEN, BUS], ids=["example", "ten-sections", "bus"])
def it_keeps_every_slide_within_the_budget_at_one_body_size_and_one_title_size(
        tmp_path, brief, theme):
    prs, chosen, warnings = deck_of(brief, tmp_path / "deck.pptx", theme)
    assert warnings == []
    assert_deck_fits(tmp_path / "deck.pptx", chosen)
    slides = content_slides(prs)
    assert len(slides) >= 8
    body_sizes, title_sizes = set(), set()
    for slide in slides:
        body = body_of(slide)
        assert words_of(body) <= chosen.deck_max_words == 40, slide_title(slide)
        body_sizes |= {r.font.size.pt for p in body.text_frame.paragraphs for r in p.runs} \
            if body else set()
    for slide in list(prs.slides)[1:]:
        title = slide.shapes.title.text_frame
        title_sizes |= {r.font.size.pt for p in title.paragraphs for r in p.runs}
    assert len(body_sizes) == 1 and min(body_sizes) >= chosen.deck_min_size
    assert len(title_sizes) == 1


@pytest.mark.parametrize("brief", [EXAMPLE, TEN, BUS], ids=["example", "ten-sections", "bus"])
def it_closes_on_the_recommendations_or_else_the_key_points_numbered_as_the_handout(
        tmp_path, brief):
    prs, _, _ = deck_of(brief, tmp_path / "deck.pptx")
    from briefgen.cite import number_citations, plain
    from briefgen.load import load_brief

    doc = number_citations(load_brief(brief))
    titles = [slide_title(s) for s in prs.slides]
    last = max(i for i, t in enumerate(titles) if not t.startswith("Sources"))
    label = "Recommendations" if doc.recommendations else "Key points"
    closing = [s for s in prs.slides if slide_title(s).startswith(label)]
    assert closing and slide_title(list(prs.slides)[last]).startswith(label)
    if len(closing) > 1:
        assert [slide_title(s) for s in closing] == [
            f"{label} ({n} of {len(closing)})" for n in range(1, len(closing) + 1)]
    # The items whole, in order, each numbered by PowerPoint from its own number.
    items = doc.recommendations or tuple(s.takeaway for s in doc.sections)
    numbers = range(1, len(items) + 1) if doc.recommendations else [
        s.number for s in doc.sections]
    shown = [(p._p.pPr.find("{*}buAutoNum").get("startAt"), p.text)
             for s in closing for p in body_of(s).text_frame.paragraphs]
    assert shown == [(str(n), plain(p, "brackets")) for n, p in zip(numbers, items)]


def it_shows_a_sections_takeaway_then_its_paragraphs_first_sentences_within_the_budget(
        tmp_path):
    body = ("|\n      One point here, said first [@b]. Its detail follows.\n\n"
            "      A second paragraph opens with this. More detail here.\n\n"
            "      A third paragraph, whose opening sentence is long enough that it would take "
            "the slide past forty words of body text, because it names every option the "
            "council has and what each of them would cost. And more.\n\n"
            "      A fourth, short one.")
    brief = write(tmp_path, MINIMAL.replace("body: Text [@b].", "body: " + body))
    prs, _, warnings = deck_of(brief, tmp_path / "deck.pptx")
    assert warnings == []
    slide = prs.slides[2]
    paras = body_of(slide).text_frame.paragraphs
    # The takeaway in bold; a point that would pass the budget ends the slide there (the
    # fourth paragraph is not shown either: a slide never skips a point).
    assert [p.text for p in paras] == ["One point here, said first\u00a0[2].",
                                       "A second paragraph opens with this."]
    assert all(r.font.bold for r in paras[0].runs if "[" not in r.text)
    assert not any(r.font.bold for r in paras[1].runs)
    # The notes keep the whole body.
    notes = slide.notes_slide.notes_text_frame.text
    assert "Its detail follows." in notes and "A fourth, short one." in notes


def it_shows_the_summarys_first_sentences_within_the_budget_and_keeps_the_rest_in_notes(
        tmp_path):
    summary = ("|\n    The council should act now [@a]. Waiting costs more every year. "
               + "This third sentence, which is much longer than the others, would take the "
               "slide well past its budget of forty words, with every reason and every number "
               "it has, so it stays in the notes. Last.\n\n"
               "    A second paragraph.")
    brief = write(tmp_path, MINIMAL.replace("summary: Bottom line [@a].", "summary: " + summary))
    prs, _, warnings = deck_of(brief, tmp_path / "deck.pptx")
    assert warnings == []
    slide = prs.slides[1]
    assert slide_title(slide) == "Bottom line"
    assert [p.text for p in body_of(slide).text_frame.paragraphs] == [
        "The council should act now\u00a0[1]. Waiting costs more every year."]
    notes = slide.notes_slide.notes_text_frame.text
    assert "so it stays in the notes. Last." in notes and "A second paragraph." in notes


LONG = ("These are the words of a long sentence that goes on and on past any budget a slide "
        "could have, naming every detail one after another, every place and every date and "
        "every number it can find, so that nobody in the room could read it at a glance while "
        "the presenter talks [@b].")


def it_warns_where_the_author_or_a_single_sentence_passes_the_budget(tmp_path):
    text = MINIMAL.replace("summary: Bottom line [@a].", f"summary: {LONG.replace('@b', '@a')}")
    text = text.replace("    body: Text [@b].\n", (
        f"    body: {LONG}\n"
        "  - heading: Two\n    body: Text [@b].\n"
        f"    takeaway: \"{LONG}\"\n"
        "  - heading: Three\n    body: Text [@b].\n    bullets:\n"
        + "".join(f"      - Bullet {i} says five words\n" for i in range(9))))
    text += "recommendations:\n  - Short [@a].\n  - \"" + LONG + "\"\n"
    brief = write(tmp_path, text)
    prs, _, warnings = deck_of(brief, tmp_path / "deck.pptx")
    budget = "over the 40 a slide shows (the theme's deck.max_words)"
    words = len(LONG.replace(" [@b]", "").split())
    assert warnings == [
        f"{brief}:3:10: the summary's first sentence has {words} words, {budget}: the Bottom "
        "line slide shows it whole; split it into shorter sentences",
        f"{brief}:6:11: section 1's first sentence (its default takeaway) has {words} words, "
        f"{budget}: give the section a shorter takeaway",
        f"{brief}:9:15: section 2's takeaway has {words} words, {budget}: shorten it",
        f"{brief}:13:9: section 3's bullets have 45 words, {budget}: shorten them, or move "
        "some to its notes",
        f"{brief}:29:5: recommendation 2 has {words} words, {budget}: shorten it"]
    # Shown whole all the same, never cut inside a sentence.
    assert body_of(prs.slides[1]).text_frame.text.startswith("These are the words")
    assert body_of(prs.slides[1]).text_frame.text.rstrip().endswith("talks\u00a0[1].")
    with pytest.raises(BriefError) as e:
        prepare(brief, None, True)
    assert str(e.value).splitlines()[0].endswith("(an error under --strict)")


def it_follows_the_themes_word_budget(tmp_path):
    import shutil

    folder = tmp_path / "terse"
    shutil.copytree(ROOT / "themes" / "default", folder)
    yaml = folder / "theme.yaml"
    yaml.write_text(yaml.read_text().replace("  min_size: 14\n", "  min_size: 14\n"
                                             "  max_words: 12\n"))
    prs, chosen, warnings = deck_of(TEN, tmp_path / "deck.pptx", str(folder))
    assert chosen.deck_max_words == 12
    # A point longer than twelve words is shown whole, alone, and warned about (a takeaway);
    # no slide adds a point past the budget.
    for slide in content_slides(prs):
        body = body_of(slide)
        if body is not None and len(body.text_frame.paragraphs) > 1:
            assert words_of(body) <= 12, slide_title(slide)
    assert any("over the 12 a slide shows" in w for w in warnings)
    yaml.write_text(yaml.read_text().replace("max_words: 12", "max_words: 5"))
    with pytest.raises(BriefError) as e:
        prepare(TEN, str(folder))
    line = yaml.read_text().splitlines().index("  max_words: 5") + 1
    assert str(e.value) == (f"{yaml}:{line}:14: 'max_words' must be a number from 10 to 200, "
                            "not '5'")


@pytest.mark.parametrize("theme", THEMES)
def it_gives_a_figure_chart_or_table_most_of_its_slide_with_three_points_at_most(
        tmp_path, theme):
    prs, _, _ = deck_of(TEN, tmp_path / "deck.pptx", theme)
    seen = set()
    for slide in list(prs.slides)[1:]:
        found = visuals(slide)
        if not found:
            continue
        [shape] = found
        kind = "chart" if shape.has_chart else "table" if shape.has_table else "picture"
        seen.add(kind)
        x0, y0, x1, y1 = content_area(slide)
        share = pt(shape.width) * pt(shape.height) / ((x1 - x0) * (y1 - y0))
        body = body_of(slide)
        if body is not None and body.text_frame.text.strip():
            assert len(body.text_frame.paragraphs) <= 3
            # Beside or under the visual, never over it.
            assert pt(body.left + body.width) <= pt(shape.left) + 0.01 or \
                pt(body.top) >= pt(shape.top + shape.height) - 0.01
        if kind == "table" and share < 0.6:
            # A short table is as tall as its rows: it has the room's whole width, or its type
            # is at the largest a table is set at.
            sizes = {r.font.size.pt for row in shape.table.rows for c in row.cells
                     for p in c.text_frame.paragraphs for r in p.runs}
            assert pt(shape.width) >= 0.95 * (x1 - x0) or sizes == {TABLE_MAX}, \
                (slide_title(slide), share, sizes)
        elif kind == "picture" and share < 0.6:
            # A portrait figure on a landscape slide: as tall as the room, the text the rest.
            assert pt(shape.height) >= 0.9 * (y1 - y0), slide_title(slide)
            assert pt(shape.width) < pt(shape.height)
        else:
            assert share >= 0.6, (slide_title(slide), kind, share)
    assert seen == {"chart", "table", "picture"}


def it_puts_the_draft_mark_at_the_titles_left_edge_and_the_number_at_the_contents_right(
        tmp_path):
    prs, _, _ = deck_of(TEN, tmp_path / "deck.pptx")
    for slide in list(prs.slides)[1:]:
        title = slide.shapes.title
        draft = next(s for s in slide.shapes if s.name == "Draft mark")
        number = next(s for s in slide.shapes if s.name == "Slide number")
        assert draft.text_frame.paragraphs[0].alignment == 1  # left
        assert abs(pt(draft.left + draft.text_frame.margin_left)
                   - pt(title.left + title.text_frame.margin_left)) < 0.05
        assert abs(pt(number.left + number.width - number.text_frame.margin_right)
                   - pt(title.left + title.width - title.text_frame.margin_right)) < 0.05
        for shape in [body_of(slide)] + visuals(slide):
            if shape is not None:
                assert pt(shape.left + shape.width) <= pt(title.left + title.width) + 0.05


LONG_SLIDES = ROOT / "tests" / "data" / "long-slides.yaml"


@pytest.mark.parametrize("brief", [EXAMPLE, BUS, TEN, LONG_SLIDES])
def it_plans_once_only_where_a_second_plan_at_the_settled_sizes_is_the_same(brief):
    from briefgen.cite import number_citations
    from briefgen.deck import LARGEST, _Planner, plan_deck
    from briefgen.load import load_brief
    from briefgen.theme import load_theme

    doc, theme = number_citations(load_brief(brief)), load_theme("default")
    deck, warnings = plan_deck(doc, theme)
    trial = _Planner(doc, theme, theme.paper)
    trial.plan()
    once = trial.settled() == LARGEST and not trial.uneven
    again = _Planner(doc, theme, theme.paper, trial.settled())
    assert (again.plan(), again.warnings) == (deck, warnings)
    if brief in (EXAMPLE, LONG_SLIDES):  # every slide at the largest sizes; text that shrinks
        assert once == (brief == EXAMPLE)


def it_spreads_items_over_the_fewest_slides_as_evenly_as_they_go():
    from briefgen.budget import balanced

    def loads(words, budget=40):
        return [[words[i] for i in part] for part in balanced(words, budget)]

    # Filled one after another: [26, 28, 40, 17]; the fullest cannot hold fewer than 40.
    assert loads([12, 14, 15, 13, 17, 23, 17]) == [[12, 14], [15, 13], [17, 23], [17]]
    assert loads([10, 10, 10, 10, 10]) == [[10, 10, 10], [10, 10]]
    assert loads([30, 5, 5, 30]) == [[30, 5], [5, 30]]  # not [30, 5, 5] and [30]
    # An item over the budget is alone on its slide; none is ever joined past the budget.
    assert loads([50, 30, 20]) == [[50], [30], [20]]
    assert loads([0, 0, 0]) == [[0, 0, 0]] and loads([]) == []


def it_continues_a_slide_the_author_filled_past_the_budget_at_the_decks_one_size(tmp_path):
    bullets = "".join(f"\n      - Bullet {i} makes a point at length, with its evidence and its "
                      "caveats spelled out in full for the slide" for i in range(8))
    text = MINIMAL.replace("body: Text [@b].", "body: Text [@b].\n    bullets:" + bullets)
    text = text.replace("sources:", "  - heading: Two\n    body: Short text [@a].\nsources:")
    prs, _, warnings = deck_of(write(tmp_path, text), tmp_path / "deck.pptx")
    assert len(warnings) == 1 and "section 1's bullets have 160 words" in warnings[0]
    titles = [slide_title(s) for s in prs.slides]
    assert titles[2:4] == ["One", "One (cont.)"]
    sizes = {r.font.size.pt for s in content_slides(prs) for p in body_of(s).text_frame.paragraphs
             for r in p.runs}
    assert sizes == {24.0}  # every other slide keeps the size it fits at
    shown = [p.text for s in prs.slides if slide_title(s).startswith("One")
             for p in body_of(s).text_frame.paragraphs]
    assert [t.split(" makes")[0] for t in shown] == [f"Bullet {i}" for i in range(8)]


def it_shows_the_authors_bullets_whole_and_the_figure_next_where_they_do_not_fit_beside(
        tmp_path):
    (tmp_path / "chart.png").write_bytes((ROOT / "tests" / "data" / "chart.png").read_bytes())
    bullets = "".join(f"\n      - Point {i} [@b]" for i in range(1, 6))
    text = MINIMAL.replace("body: Text [@b].", (
        "body: Text [@b].\n    figure: {path: chart.png, alt: A bar chart}\n    bullets:"
        + bullets))
    prs, _, warnings = deck_of(write(tmp_path, text), tmp_path / "deck.pptx")
    assert warnings == []
    one, figure = prs.slides[2], prs.slides[3]
    assert [p.text for p in body_of(one).text_frame.paragraphs] == [
        f"Point {i}\u00a0[2]" for i in range(1, 6)]
    assert not visuals(one)
    assert slide_title(figure) == "One (cont.)" and [s.name for s in visuals(figure)] == ["Figure"]


def it_ends_the_bottom_line_before_a_lead_in_whose_list_is_past_the_budget(tmp_path):
    items = "".join(f"\n    {i}. Option {i}, which the council could adopt this spring" for i in
                    range(1, 5))
    summary = (f"|\n    The council must choose by May [@a]. It has four options:\n{items}")
    text = MINIMAL.replace("summary: Bottom line [@a].", "summary: " + summary)
    prs, _, _ = deck_of(write(tmp_path, text), tmp_path / "deck.pptx")
    assert [p.text for p in body_of(prs.slides[1]).text_frame.paragraphs] == [
        "The council must choose by May\u00a0[1]."]
    short = text.replace(", which the council could adopt this spring", "")
    prs, _, _ = deck_of(write(tmp_path, short), tmp_path / "deck.pptx")
    assert [p.text for p in body_of(prs.slides[1]).text_frame.paragraphs] == [
        "The council must choose by May\u00a0[1]. It has four options:", "Option 1", "Option 2",
        "Option 3", "Option 4"]


def it_keeps_a_long_tables_columns_on_every_slide_it_takes(tmp_path):
    rows = "".join(f"\n        - [\"Corridor {i} from the old town to the new harbour district\", "
                   f"{i * 10}]" for i in range(60))
    table = ("    table:\n      columns: [Corridor, {name: Riders, format: \"#,##0\"}]\n"
             "      rows:" + rows + "\n")
    body = ("|\n      First paragraph says something [@b]. More.\n\n      Second paragraph "
            "says more. More.\n\n      Third one too.\n")
    text = MINIMAL.replace("    body: Text [@b].\n", "    body: " + body + table)
    prs, _, warnings = deck_of(write(tmp_path, text), tmp_path / "deck.pptx")
    assert warnings == []
    found = [s for slide in prs.slides for s in slide.shapes if s.has_table]
    widths = {tuple(c.width for c in shape.table.columns) for shape in found}
    assert len(widths) == 1 and len(found) > 1
    assert sum(len(shape.table.rows) - 1 for shape in found) == 60


def it_leaves_an_svg_figure_off_the_slides_and_says_so(tmp_path):
    (tmp_path / "chart.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="40" '
                                        'height="20"><rect width="40" height="20"/></svg>',
                                        encoding="utf-8")
    text = MINIMAL.replace("body: Text [@b].",
                           "body: Text [@b].\n    figure: {path: chart.svg, alt: A chart}")
    brief = write(tmp_path, text)
    prs, _, warnings = deck_of(brief, tmp_path / "deck.pptx")
    assert warnings == [f"{brief}:7:13: the figure chart.svg is not shown on slides: PowerPoint "
                        "files cannot hold SVG here; give a PNG or JPEG for the deck"]
    assert [slide_title(s) for s in prs.slides][2:4] == ["One", "Key points"]
    assert not any(visuals(s) for s in prs.slides)
