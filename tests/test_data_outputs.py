"""One brief with two lists, a 40-row table read from a CSV and two charts (one from a CSV, one on
the handout) builds all three outputs, and each output, read back, shows the same numbers: the
table's cells, every chart value, and the citation numbers. The brief's numbers are illustrative.
"""
import re
import subprocess
import zipfile

import pytest
from lxml import etree
from pptx import Presentation

from briefgen.build import build
from briefgen.chart import axis_ticks
from briefgen.cite import number_citations
from briefgen.data import format_number
from briefgen.exhibits import memo_charts, shorter_chart, text_width_pt
from briefgen.html import render_html
from briefgen.load import load_brief
from briefgen.theme import load_theme

from .conftest import ROOT, cite_numbers, pdf_pages, write

BRIEF = ROOT / "tests" / "data" / "bus-service" / "brief.yaml"
C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    result = build(BRIEF, tmp_path_factory.mktemp("bus"))
    assert result.warnings == []
    paths = {o.kind: o.path for o in result.outputs}
    return number_citations(load_brief(BRIEF)), paths


def flat(text: str) -> str:
    return " ".join(text.split())


def it_prints_every_table_row_in_the_memo_as_the_deck_holds_it(built):
    doc, paths = built
    table = doc.sections[1].table
    assert len(table.cells) == 40
    memo = flat(" ".join(pdf_pages(paths["memo"])))
    for row in table.cells:
        assert " ".join(row) in memo, row
    prs = Presentation(paths["deck"])
    rows = [[cell.text for cell in shape.table.rows[r].cells]
            for slide in prs.slides for shape in slide.shapes if shape.has_table
            for r in range(1, len(shape.table.rows))]
    assert rows == [list(row) for row in table.cells]


def chart_values(prs) -> list[dict[str, list[float]]]:
    """Each chart's {series name: values} from the chart part's own XML caches."""
    found = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_chart:
                xml = etree.fromstring(shape.chart.part.blob)
                found.append({
                    "".join(s.find(f"{C}tx").iter(f"{C}v").__next__().itertext()):
                        [float(v.text) for v in s.find(f"{C}val").iter(f"{C}v")]
                    for s in xml.iter(f"{C}ser")})
    return found


def it_gives_the_decks_charts_and_the_memos_the_same_numbers(built):
    doc, paths = built
    charts = [s.chart.chart for s in doc.sections if s.chart]
    assert len(charts) == 2
    in_deck = chart_values(Presentation(paths["deck"]))
    assert in_deck == [{x.name: list(x.values) for x in c.series} for c in charts]
    memo = " ".join(pdf_pages(paths["memo"]))
    for chart in charts:
        shown = re.findall(r"[−\d][\d.,]*", memo)
        for series in chart.series:
            for value in series.values:
                assert format_number(value, chart.format, "en") in shown, (series.name, value)


def it_embeds_each_charts_data_as_a_workbook_powerpoint_can_edit(built):
    _, paths = built
    with zipfile.ZipFile(paths["deck"]) as z:
        books = [n for n in z.namelist() if n.startswith("ppt/embeddings/") and n.endswith(".xlsx")]
    assert len(books) == 2


def it_shows_the_chosen_chart_on_the_handout_with_its_values(built):
    doc, paths = built
    pages = pdf_pages(paths["handout"])
    assert len(pages) == 1
    chart = doc.sections[0].chart.chart
    for series in chart.series:
        for value in series.values:
            assert format_number(value, chart.format, "en") in pages[0]


def it_keeps_a_chart_on_its_sections_page_drawn_shorter_rather_than_leave_a_gap(built):
    # Section 1's chart, drawn as tall as its data asks, would not fit under its body on page 1;
    # it is drawn shorter there instead of moving to page 2 and leaving a third of page 1 blank.
    _, paths = built
    first = pdf_pages(paths["memo"])[0]
    assert "Trips per year, millions (illustrative)" in first
    assert "Illustrative numbers [1, table 1]." in first


def it_numbers_citations_alike_in_lists_captions_and_every_output(built):
    doc, paths = built
    text = "\n".join(pdf_pages(paths["memo"]))
    body, _, sources = text.rpartition("\nSources\n")
    listed = {int(n) for n in re.findall(r"^\[(\d+)\] ", sources, re.M)}
    assert listed == {1, 2, 3} == set(cite_numbers(body))
    # The summary's list items cite [2] and [3, p. 12] after the paragraph's [1, table 1].
    assert cite_numbers(body)[:3] == [1, 2, 3]
    prs = Presentation(paths["deck"])
    deck = "\n".join(p.text for slide in prs.slides for shape in slide.shapes
                     if shape.has_text_frame for p in shape.text_frame.paragraphs)
    assert set(cite_numbers(deck)) == listed


def it_uses_a_bodys_list_items_as_the_slides_bullets_nested_one_level(built):
    _, paths = built
    prs = Presentation(paths["deck"])
    slide = next(s for s in prs.slides
                 if "school and hospital trips came back first" in
                 "".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame))
    items = [(p.level, " ".join(p.text.split())) for sh in slide.shapes if sh.has_text_frame
             for p in sh.text_frame.paragraphs if p.text.strip()]
    assert (0, "school and hospital trips came back first [2, p. 4];") in items
    assert (1, "night routes recovered last;") in items


def it_draws_a_chart_made_shorter_for_its_page_on_the_decks_scale(built):
    # Section 1's chart is drawn shorter to stay on page 1; its value axis keeps the ticks the
    # deck's chart has (a shorter plot alone would have chosen fewer: 0, 20, 40, 60).
    doc, paths = built
    ticks = deck_ticks(paths["deck"])
    assert len(ticks) > 4
    page = pdf_pages(paths["memo"])[0]
    labels = page[page.index("million trips"):].split()
    fmt = doc.sections[0].chart.chart.format
    assert [t for t in labels if t in {format_number(v, fmt) for v in ticks}][:len(ticks)] \
        == [format_number(v, fmt) for v in reversed(ticks)]


def deck_ticks(deck) -> list[float]:
    """The value axis's ticks of the deck's first chart, from its min, max and major unit."""
    chart = next(shape.chart for slide in Presentation(deck).slides
                 for shape in slide.shapes if shape.has_chart)
    axis = etree.fromstring(chart.part.blob).find(f".//{C}valAx")
    low, high = (float(axis.find(f"{C}scaling/{C}{end}").get("val")) for end in ("min", "max"))
    step = float(axis.find(f"{C}majorUnit").get("val"))
    return [low + i * step for i in range(round((high - low) / step) + 1)]


def one_chart_brief(folder, values, sections=1):
    section = ("  - heading: Trips\n    body: Riders came back.\n"
               "    chart: {type: bar, categories: [A, B, C], alt: Trips by route,\n"
               f"            series: [{{name: Trips, values: {list(values)}}}]}}\n")
    return write(folder, "title: T\ndate: 2025-01-01\nsummary: |\n  S.\nsections:\n"
                 + section * sections)


def axis_labels(pdf) -> list[str]:
    """The memo's bar chart's value axis labels, left to right: the words on the line of its
    '0', the lowest on page 1."""
    out = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    words = [(t, float(x), float(y)) for x, y, t in
             re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" '
                        r'yMax="[\d.]+">(.*?)</word>', out)]
    line = max(y for t, _, y in words if t == "0")
    return [t for t, _, _ in sorted((w for w in words if abs(w[2] - line) < 1),
                                    key=lambda w: w[1])]


def it_gives_the_deck_the_scale_of_the_memo_printed_on_another_paper(tmp_path):
    # The memo's text is narrower on A4 than on letter, and these values get other ticks at
    # each width: the deck takes the ticks of the paper the memo is printed on (--paper).
    theme = load_theme("default")
    other = "a4" if theme.paper == "letter" else "letter"
    values = (83.7, 74.6, 39.2)
    chart = number_citations(load_brief(one_chart_brief(tmp_path, values))).sections[0].chart
    at = {paper: axis_ticks(chart.chart, width_pt=text_width_pt(paper, theme.margin),
                            theme=theme) for paper in (theme.paper, other)}
    assert at[theme.paper] != at[other]
    result = build(one_chart_brief(tmp_path, values), tmp_path / "out", paper=other)
    paths = {o.kind: o.path for o in result.outputs}
    ticks = deck_ticks(paths["deck"])
    assert tuple(ticks) == at[other]
    assert axis_labels(paths["memo"]) == [format_number(v, None) for v in ticks]


def it_draws_shorter_only_the_chart_of_the_section_asked_when_two_are_the_same(tmp_path):
    # Two sections with the same chart hold the same data: URL; section 2's chart made
    # shorter leaves section 1's as it was.
    theme = load_theme("default")
    doc = number_citations(load_brief(one_chart_brief(tmp_path, (83.7, 74.6, 39.2), 2)))
    html = render_html(doc, theme, "memo", theme.paper)
    drawn = memo_charts(doc, theme, theme.paper)
    assert drawn[1] == drawn[2] and html.count(drawn[1]) == 2
    shorter = shorter_chart(html, doc, theme, theme.paper, 2, 60.0)

    def figure(page, number):
        return re.search(rf'<figure[^>]*id="chart-{number}".*?</figure>', page, re.S).group()

    assert figure(shorter, 1) == figure(html, 1)
    assert drawn[2] not in figure(shorter, 2)
    assert shorter.count(drawn[1]) == 1
