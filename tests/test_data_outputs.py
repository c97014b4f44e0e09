"""One brief with two lists, a 40-row table read from a CSV and two charts (one from a CSV, one on
the handout) builds all three outputs, and each output, read back, shows the same numbers: the
table's cells, every chart value, and the citation numbers. The brief's numbers are illustrative.
"""
import re
import zipfile

import pytest
from lxml import etree
from pptx import Presentation

from briefgen.build import build
from briefgen.cite import number_citations
from briefgen.data import format_number
from briefgen.load import load_brief

from .conftest import ROOT, cite_numbers, pdf_pages

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
    chart = next(shape.chart for slide in Presentation(paths["deck"]).slides
                 for shape in slide.shapes if shape.has_chart)
    axis = etree.fromstring(chart.part.blob).find(f".//{C}valAx")
    low, high = (float(axis.find(f"{C}scaling/{C}{end}").get("val")) for end in ("min", "max"))
    step = float(axis.find(f"{C}majorUnit").get("val"))
    ticks = [low + i * step for i in range(round((high - low) / step) + 1)]
    assert len(ticks) > 4
    page = pdf_pages(paths["memo"])[0]
    labels = page[page.index("million trips"):].split()
    fmt = doc.sections[0].chart.chart.format
    assert [t for t in labels if t in {format_number(v, fmt) for v in ticks}][:len(ticks)] \
        == [format_number(v, fmt) for v in reversed(ticks)]
