"""Tables and charts on slides: a native table, continued on "(cont.)" slides with its header
repeated, and a native chart with its data embedded as a workbook. Every check reads the
written .pptx back: the table's cells, the chart's XML caches and the workbook inside it.

The numbers in these briefs are illustrative, made up for the tests.
"""
import datetime as dt
import io
import json
import re
import subprocess
import sys
import zipfile

import pytest
from lxml import etree
from pptx import Presentation
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Pt

from briefgen.build import prepare
from briefgen.chart import series_colors
from briefgen.deck import LINE, MAX_SECTION_SLIDES
from briefgen.fonts import metrics
from briefgen.pptx_out import write_pptx
from briefgen.theme import load_theme

from .conftest import ROOT, write
from .test_deck import EMU_PER_PT, assert_deck_fits, corporate_template, slide_title

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
X = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

CITIES = ["Boston", "Denver", '=HYPERLINK("http://example.org","click")', "San Francisco",
          "+1 Plus", "-2 Minus", "@Austin", "Salt Lake City"]


def table_rows(count: int) -> list[list]:
    """Illustrative rows: a city, a population, a change and now and then a long note."""
    return [[CITIES[i % len(CITIES)] + (f" {i}" if i >= len(CITIES) else ""),
             10_000 + i * 1234.5, (i - 20) / 3,
             "A longer note that wraps onto a second line in its column when the column is "
             "narrow" if i % 7 == 0 else "none"] for i in range(count)]


def table_yaml(rows: list[list], caption: str = "Illustrative outcomes by city [@a, p. 4]",
               columns: str | None = None) -> str:
    columns = columns or ('[{name: City}, {name: Population, format: "#,##0"}, '
                          '{name: "Change, %", format: "0.0"}, {name: Note, align: center}]')
    return (f"    table:\n      caption: {json.dumps(caption)}\n      columns: {columns}\n"
            f"      rows: {json.dumps(rows)}\n")


def chart_yaml(kind: str, title: str | None = "Illustrative removals per year",
               categories=("2019", "2020", "2021", "2022"), series=None, fmt: str = "0.0",
               alt: str | None = None) -> str:
    series = series or [{"name": "Sanctuary", "values": [10.5, 8, 7.25, 6]},
                        {"name": "Other", "values": [12, 12.5, 11, 9.75]},
                        {"name": "All", "values": [22.5, 20.5, 18.25, 15.75]}]
    return (f"    chart:\n      type: {kind}\n"
            + (f"      title: {json.dumps(title)}\n" if title else "")
            + f"      categories: {json.dumps(list(categories))}\n"
            f"      series: {json.dumps(series)}\n      unit: thousands\n"
            f"      format: {json.dumps(fmt)}\n"
            f"      alt: {json.dumps(alt or f'A {kind} chart of illustrative removals')}\n"
            "      caption: \"Source: [@b, table 2]\"\n")


def brief_yaml(*sections: str) -> str:
    body = "".join(f"  - heading: Section {i}\n    body: Text of section {i} [@a].\n{extra}"
                   for i, extra in enumerate(sections, 1))
    return ("title: Illustrative data\ndate: 2026-11-24\nsummary: Bottom line [@a] [@b].\n"
            f"sections:\n{body}sources:\n  - {{id: a, title: Source A}}\n"
            "  - {id: b, title: Source B}\n")


def deck_of(tmp_path, text: str, theme: str | None = None, stamp=None):
    """The brief read, planned and written as the build does it (no memo or handout):
    (presentation, doc, theme, warnings as 'line:col: message', deck path)."""
    path = write(tmp_path, text)
    _, doc, chosen, deck, warnings = prepare(path, theme)
    out = tmp_path / "deck.pptx"
    write_pptx(deck, chosen, out, stamp)
    said = [f"{w.loc.line}:{w.loc.col}: {w.message}" for w in warnings]
    return Presentation(str(out)), doc, chosen, said, out


def tables(prs):
    return [(slide, shape) for slide in prs.slides for shape in slide.shapes if shape.has_table]


def charts(prs):
    return [(slide, shape) for slide in prs.slides for shape in slide.shapes if shape.has_chart]


def texts(shape) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in shape.table.rows]


def pt(emu) -> float:
    return emu / EMU_PER_PT


def box(shape) -> tuple[float, float, float, float]:
    return pt(shape.left), pt(shape.top), pt(shape.left + shape.width), pt(shape.top + shape.height)


def assert_clear_of_the_rest(slide, shape):
    """A table or chart lies on the slide and overlaps no other shape (the band aside)."""
    x0, y0, x1, y1 = box(shape)
    for other in slide.shapes:
        if other.shape_id == shape.shape_id or other.name == "Theme band":
            continue
        a0, b0, a1, b1 = box(other)
        assert x1 <= a0 or a1 <= x0 or y1 <= b0 or b1 <= y0, (shape.name, other.name)


def cell_overflows(shape, theme) -> list[str]:
    """Re-measure every cell from what the file says (its run size and boldness, its column's
    width less the cell's margins, its paragraphs' line pitch) against its row's height."""
    out = []
    table = shape.table
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            width = pt(table.columns[c].width - cell.margin_left - cell.margin_right)
            height = pt(cell.margin_top + cell.margin_bottom)
            for p in cell.text_frame.paragraphs:
                if not p.runs:  # an empty cell: its end mark says the size
                    end = p._p.find(f"{A}endParaRPr")
                    size, bold = int(end.get("sz")) / 100, False
                else:
                    size, bold = p.runs[0].font.size.pt, p.runs[0].font.bold
                m = metrics(theme.heading.bold if bold else theme.heading.regular)
                assert p.line_spacing.pt == round(size * LINE, 2)
                height += len(m.wrap(p.text, size, width)) * p.line_spacing.pt
            if height > pt(row.height) + 0.01:
                out.append(f"row {r}, column {c}: {height:.1f} pt in a row of "
                           f"{pt(row.height):.1f}")
    return out


# -- tables ------------------------------------------------------------------------------------

def it_continues_a_long_table_on_cont_slides_with_each_row_once_and_the_header_on_each(
        tmp_path):
    prs, doc, theme, warnings, _ = deck_of(tmp_path, brief_yaml(table_yaml(table_rows(40)),
                                                                ""))
    assert warnings == []
    table = doc.sections[0].table
    found = tables(prs)
    assert len(found) >= 3
    body = []
    for slide, shape in found:
        rows = texts(shape)
        assert rows[0] == ["City", "Population", "Change, %", "Note"]
        body += rows[1:]
    assert body == [list(row) for row in table.cells]  # every row once, in order, as printed
    assert body[2][0] == '=HYPERLINK("http://example.org","click")'
    assert body[0][1:3] == ["10,000", "\u22126.7"]
    # From the section's own slide on, the rest titled as its "(cont.)", before the next
    # section's.
    titles = [slide_title(s) for s in prs.slides]
    first = titles.index("Section 1")
    assert titles[first:first + len(found)] == ["Section 1", "Section 1 (cont.)"] + [
        f"Section 1 (cont.) ({n})" for n in range(2, len(found))]
    assert titles[first + len(found)] == "Section 2"


def it_sets_the_header_bold_on_the_primary_colour_and_honours_each_columns_alignment(tmp_path):
    prs, _, theme, _, _ = deck_of(tmp_path, brief_yaml(table_yaml(table_rows(5))))
    [(_, shape)] = tables(prs)
    assert shape.name == "Table"
    # Numbers right by default; the note centred as the brief says.
    expected = [PP_ALIGN.LEFT, PP_ALIGN.RIGHT, PP_ALIGN.RIGHT, PP_ALIGN.CENTER]
    for r, row in enumerate(shape.table.rows):
        for c, cell in enumerate(row.cells):
            fill = str(cell.fill.fore_color.rgb)
            assert fill == theme.colors["primary" if r == 0 else (
                "panel" if r % 2 == 0 else "background")].lstrip("#").upper()
            for p in cell.text_frame.paragraphs:
                assert p.alignment == expected[c], (r, c)
                for run in p.runs:
                    assert run.font.bold == (r == 0)
                    assert run.font.name == theme.deck_font
                    assert str(run.font.color.rgb) == theme.colors[
                        "background" if r == 0 else "text"].lstrip("#").upper()


@pytest.mark.parametrize("theme", ["default", "modern", "print"])
def it_fits_every_cell_in_its_row_at_one_size_not_below_the_themes_minimum(tmp_path, theme):
    prs, _, chosen, _, path = deck_of(tmp_path, brief_yaml(table_yaml(table_rows(40))), theme)
    assert_deck_fits(path, chosen)
    for slide, shape in tables(prs):
        assert cell_overflows(shape, chosen) == []
        sizes = {r.font.size.pt for row in shape.table.rows for cell in row.cells
                 for p in cell.text_frame.paragraphs for r in p.runs}
        assert len(sizes) == 1 and min(sizes) >= chosen.deck_min_size
        assert_clear_of_the_rest(slide, shape)
        # The frame is as large as its rows and columns: nothing is drawn past it.
        assert abs(shape.width - sum(c.width for c in shape.table.columns)) < 100
        assert abs(shape.height - sum(r.height for r in shape.table.rows)) < 100


def it_spreads_a_long_tables_rows_evenly_over_its_slides(tmp_path):
    rows = [[f"Row {i}", i, i / 10, "none"] for i in range(40)]
    prs, _, _, _, _ = deck_of(tmp_path, brief_yaml(table_yaml(rows)), "print")
    counts = [len(shape.table.rows) - 1 for _, shape in tables(prs)]
    assert sum(counts) == 40 and len(counts) > 2
    # The first on the section's slide, with its text: as many rows as it has room for.
    first, rest = counts[0], counts[1:]
    assert max(rest) - min(rest) <= 1 and first <= max(rest), counts


def it_sets_a_short_table_larger_on_one_slide(tmp_path):
    prs, _, theme, _, _ = deck_of(tmp_path, brief_yaml(table_yaml(table_rows(3))))
    [(_, shape)] = tables(prs)
    sizes = {r.font.size.pt for row in shape.table.rows for cell in row.cells
             for p in cell.text_frame.paragraphs for r in p.runs}
    assert sizes == {20.0}


def it_shows_the_caption_with_its_citations_and_footers_the_sources_it_cites(tmp_path):
    prs, _, _, _, _ = deck_of(tmp_path, brief_yaml(table_yaml(table_rows(40))))
    for slide, _ in tables(prs):
        shapes = {s.name: s.text_frame.text for s in slide.shapes if s.has_text_frame}
        assert shapes["Caption"] == "Illustrative outcomes by city\u00a0[1,\u00a0p.\u00a04]"
        assert shapes["Sources footer"] == "Sources: [1]\u00a0Source A"
    [(_, shape)] = tables(prs)[:1]
    descr = shape._element.nvGraphicFramePr.cNvPr.get("descr")
    assert descr == "Illustrative outcomes by city\u00a0[1,\u00a0p.\u00a04]"


def it_cuts_a_row_too_tall_for_a_slide_even_alone_and_says_so(tmp_path):
    words = " ".join(["word"] * 190)  # 949 characters: the most a cell holds is 1,000
    rows = [["Short", "a", "b"], ["Tall", words, words], ["After", "c", "d"]]
    text = brief_yaml(table_yaml([], columns="[{name: A}, {name: B}, {name: C}]").replace(
        "      rows: []\n",
        "      rows:\n" + "".join(f"        - {json.dumps(r)}\n" for r in rows)))
    rows_line = text.splitlines().index("        - " + json.dumps(rows[1])) + 1
    prs, _, theme, warnings, path = deck_of(tmp_path, text, "print")
    assert warnings == [f"{rows_line}:12: table row 2 is too tall for a slide even on its own "
                        "at 16 pt, so the slide cuts it short (the memo shows it whole): "
                        "shorten its cells"]
    found = tables(prs)
    body = [row for _, shape in found for row in texts(shape)[1:]]
    assert [row[0] for row in body] == ["Short", "Tall", "After"]
    for cut in body[1][1:]:
        assert cut.endswith("…") and words.startswith(cut[:-1].rstrip())
    assert_deck_fits(path, theme)
    for _, shape in found:
        assert cell_overflows(shape, theme) == []


def it_shows_at_most_twenty_slides_of_a_table_and_says_how_many_rows(tmp_path):
    rows = [[f"Row {i}", i, i / 10, "none"] for i in range(500)]
    prs, doc, _, warnings, _ = deck_of(tmp_path, brief_yaml(table_yaml(rows)))
    found = tables(prs)
    assert len(found) == MAX_SECTION_SLIDES
    shown = sum(len(shape.table.rows) - 1 for _, shape in found)
    assert warnings == [f"8:7: the table would fill more than {MAX_SECTION_SLIDES} slides even "
                        f"at the smallest type: the deck shows its first {shown} of 500 rows "
                        "(the memo shows them all)"]
    assert [row[0] for _, shape in found for row in texts(shape)[1:]] == [
        f"Row {i}" for i in range(shown)]


def it_leaves_a_table_with_more_columns_than_a_slide_holds_off_the_slides_and_says_so(tmp_path):
    columns = "[" + ", ".join(f"{{name: C{i}}}" for i in range(28)) + "]"
    prs, _, _, warnings, _ = deck_of(tmp_path, brief_yaml(table_yaml(
        [[f"{i}" for i in range(28)]], columns=columns)), "print")
    assert tables(prs) == []
    assert warnings == ["8:7: the table is not shown on slides: its 28 columns do not fit "
                        "across a slide at 16 pt (at most 27 do)"]


def it_breaks_only_words_wider_than_a_column_of_a_wide_table(tmp_path):
    """Twenty columns, two with a long word: the short ones keep their words' widths and the
    long ones share the rest, where their words break."""
    columns = "[" + ", ".join(f"{{name: C{i:02d}}}" for i in range(20)) + "]"
    long = "Antidisestablishmentarianism"
    rows = [[long if i in (3, 7) else "ab" for i in range(20)]]
    prs, _, theme, _, path = deck_of(tmp_path, brief_yaml(table_yaml(rows, columns=columns)))
    [(slide, shape)] = tables(prs)
    assert texts(shape)[1] == rows[0]
    assert cell_overflows(shape, theme) == []
    widths = [c.width for c in shape.table.columns]
    assert widths[3] == widths[7] > max(widths[:3])
    assert len(set(widths) - {widths[3]}) == 1
    assert sum(widths) <= Emu(Pt(960 - 2 * 43.2)) + 20
    assert_clear_of_the_rest(slide, shape)


# -- charts ------------------------------------------------------------------------------------

KINDS = {"column": ("barChart", "col", "clustered"), "bar": ("barChart", "bar", "clustered"),
         "stacked column": ("barChart", "col", "stacked"),
         "stacked bar": ("barChart", "bar", "stacked"), "line": ("lineChart", None, "standard")}


def chart_xml(shape):
    return etree.fromstring(shape.chart.part.blob)


def memo_ticks(chart, theme) -> list[float]:
    """The value ticks of the memo's chart, as chart.py drew it at the memo's text width."""
    import briefgen.chart as drawn
    from briefgen.exhibits import text_width_pt

    found = []
    real = drawn.nice_ticks

    def record(*args):
        found.append(real(*args))
        return found[-1]

    drawn.nice_ticks = record
    try:
        drawn.draw_chart(chart, width_pt=text_width_pt(theme.paper, theme.margin), theme=theme)
    finally:
        drawn.nice_ticks = real
    return found[-1]


@pytest.mark.parametrize("theme", ["default", "print"])
@pytest.mark.parametrize("kind", sorted(KINDS))
def it_draws_each_chart_type_natively_with_its_numbers_format_colours_and_alt_text(
        tmp_path, kind, theme):
    # Grouped bars lie 1.5 bars apart: three series' values for four years would touch on
    # a slide's bars (and are left to the chart's data), two for two years have room.
    fewer = dict(categories=("2019", "2020"),
                 series=[{"name": "Sanctuary", "values": [10.5, 8]},
                         {"name": "Other", "values": [12, 12.5]}]) if kind == "bar" else {}
    prs, doc, chosen, warnings, path = deck_of(tmp_path, brief_yaml(chart_yaml(kind, **fewer)),
                                               theme)
    assert warnings == []
    said = doc.sections[0].chart.chart
    [(slide, shape)] = charts(prs)
    # On the section's slide, which its heading titles: the chart shows its own title.
    assert slide_title(slide) == "Section 1"
    assert shape.chart.chart_title.text_frame.text == "Illustrative removals per year"
    root = chart_xml(shape)
    plot, direction, grouping = KINDS[kind]
    [element] = root.iter(C + plot)
    assert element.find(C + "grouping").get("val") == grouping
    if direction:
        assert element.find(C + "barDir").get("val") == direction
    else:
        assert element.find(C + "marker").get("val") == "1"
    series = element.findall(C + "ser")
    # Grouped bars go in bottom-up, so that they and their legend read top-down as the memo's.
    flip = (lambda items: list(reversed(items))) if kind == "bar" else list
    assert [s.find(f"{C}tx//{C}v").text for s in series] == flip([s.name for s in said.series])
    for s, data in zip(series, flip(said.series)):
        assert [v.text for v in s.iterfind(f"{C}cat//{C}pt/{C}v")] == flip(said.categories)
        assert [float(v.text) for v in s.iterfind(f"{C}val//{C}pt/{C}v")] == flip(data.values)
        assert s.find(f"{C}val//{C}formatCode").text == "0.0"
    # The values' axis and the data labels show the brief's format, not the workbook's, with
    # the memo's minus sign.
    shown = {"formatCode": '0.0;"−"0.0', "sourceLinked": "0"}
    value_axis = root.find(f"{C}chart/{C}plotArea/{C}valAx")
    assert value_axis.find(C + "numFmt").attrib == shown
    labels = element.find(C + "dLbls")
    assert labels.find(C + "numFmt").attrib == shown
    # The memo's scale: its chart's first and last ticks and their step.
    ticks = memo_ticks(said, chosen)
    scaling = value_axis.find(C + "scaling")
    assert (float(scaling.find(C + "min").get("val")), float(scaling.find(C + "max").get("val")),
            float(value_axis.find(C + "majorUnit").get("val"))) == \
        (ticks[0], ticks[-1], ticks[1] - ticks[0])
    # The categories' names below the plot (left of bars), clear of values below zero.
    assert root.find(f"{C}chart/{C}plotArea/{C}catAx/{C}tickLblPos").get("val") == "low"
    assert labels.find(C + "showVal").get("val") == "1"
    assert "".join(value_axis.find(C + "title").itertext()) == "thousands"
    # The memo's colours, series by series: a bar's fill, a line's stroke.
    colours = series_colors(chosen, len(said.series), lines=kind == "line")
    fills = [s.find(f"{C}spPr/{A}ln/{A}solidFill/{A}srgbClr" if kind == "line"
                    else f"{C}spPr/{A}solidFill/{A}srgbClr").get("val") for s in series]
    assert ["#" + f for f in fills] == flip(colours)
    # The theme's font for all of its text.
    assert root.find(f"{C}txPr//{A}latin").get("typeface") == chosen.deck_font
    assert shape._element.nvGraphicFramePr.cNvPr.get("descr") == f"A {kind} chart of " \
                                                                  "illustrative removals"
    assert shape.name == "Chart"
    assert_clear_of_the_rest(slide, shape)
    assert_deck_fits(path, chosen)


def it_sets_values_inside_stacked_bars_in_a_colour_that_reads_on_them(tmp_path):
    prs, _, theme, _, _ = deck_of(tmp_path, brief_yaml(chart_yaml("stacked column")))
    [(_, shape)] = charts(prs)
    for s in chart_xml(shape).iter(C + "ser"):
        fill = s.find(f"{C}spPr/{A}solidFill/{A}srgbClr").get("val")
        label = s.find(f"{C}dLbls/{C}txPr//{A}solidFill/{A}srgbClr").get("val")
        light, dark = theme.colors["background"], theme.colors["text"]
        best = light if contrast(light, "#" + fill) > contrast(dark, "#" + fill) else dark
        assert "#" + label == best


def contrast(a: str, b: str) -> float:
    """WCAG's contrast ratio of two colours."""
    def luminance(color: str) -> float:
        channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
                   for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


LINES = [{"name": n, "values": v} for n, v in (("A", [1, -2, 3, 4]), ("B", [2, 3, 1, 2]),
                                                 ("C", [3, 1, 2, -1.5]), ("D", [0.5, 0.7, 2, 3]))]


@pytest.mark.parametrize("theme", ["default", "print"])
def it_marks_each_line_as_the_memo_does_and_dashes_them_in_a_grey_theme(tmp_path, theme):
    prs, _, _, _, _ = deck_of(tmp_path, brief_yaml(chart_yaml("line", series=LINES)), theme)
    [(_, shape)] = charts(prs)
    series = list(chart_xml(shape).iter(C + "ser"))
    assert [s.find(f"{C}marker/{C}symbol").get("val") for s in series] == \
        ["circle", "square", "diamond", "triangle"]
    dashes = [s.find(f"{C}spPr/{A}ln/{A}prstDash") for s in series]
    if theme == "print":  # chart.py's dashes: none, long, dots, dash-dot
        assert [d.get("val") for d in dashes] == ["solid", "dash", "sysDot", "dashDot"]
    else:
        assert dashes == [None] * 4


def it_prints_a_minus_sign_in_the_labels_of_a_chart_without_a_format_and_keeps_numbers(
        tmp_path):
    text = brief_yaml(chart_yaml("line", series=LINES)).replace('      format: "0.0"\n', "")
    prs, doc, _, _, path = deck_of(tmp_path, text)
    assert doc.sections[0].chart.chart.format is None
    [(_, shape)] = charts(prs)
    root = chart_xml(shape)
    shown = {"formatCode": 'General;"\u2212"General', "sourceLinked": "0"}
    assert root.find(f"{C}chart/{C}plotArea/{C}valAx/{C}numFmt").attrib == shown
    assert root.find(f"{C}chart//{C}dLbls/{C}numFmt").attrib == shown
    # The workbook holds the numbers themselves, in their plain format.
    with zipfile.ZipFile(path) as deck:
        [name] = [n for n in deck.namelist() if re.fullmatch(r"ppt/embeddings/.*\.xlsx", n)]
        workbook = zipfile.ZipFile(io.BytesIO(deck.read(name)))
    sheet = etree.fromstring(workbook.read("xl/worksheets/sheet1.xml"))
    cells = {c.get("r"): c for c in sheet.iter(X + "c")}
    assert cells["B3"].get("t") is None and float(cells["B3"].find(X + "v").text) == -2
    assert "\u2212" not in workbook.read("xl/styles.xml").decode()


def it_lists_grouped_bars_and_their_legend_in_the_memos_order(tmp_path):
    prs, doc, _, _, _ = deck_of(tmp_path, brief_yaml(chart_yaml("bar")))
    [(_, shape)] = charts(prs)
    root = chart_xml(shape)
    # Written bottom-up with the categories' axis upright: LibreOffice and PowerPoint draw
    # them, and LibreOffice lists their legend, bottom-up, which reads top-down as written.
    assert [s.find(f"{C}tx//{C}v").text for s in root.iter(C + "ser")] == \
        ["All", "Other", "Sanctuary"]
    category = root.find(f"{C}chart/{C}plotArea/{C}catAx")
    assert category.find(f"{C}scaling/{C}orientation").get("val") == "minMax"
    assert [v.text for v in root.find(f"{C}chart//{C}ser/{C}cat").iter(C + "v")] == \
        ["2022", "2021", "2020", "2019"]


def it_writes_text_that_looks_like_a_formula_into_the_workbook_as_text(tmp_path):
    categories = ['=HYPERLINK("http://example.org","click")', "+1", "-2", "@SUM(A1)",
                  "http://example.org"]
    series = [{"name": "=1+1", "values": [1, 2, 3, 4, 5]}]
    prs, _, _, _, path = deck_of(tmp_path, brief_yaml(chart_yaml(
        "column", categories=categories, series=series)))
    with zipfile.ZipFile(path) as deck:
        [name] = [n for n in deck.namelist() if re.fullmatch(r"ppt/embeddings/.*\.xlsx", n)]
        workbook = zipfile.ZipFile(io.BytesIO(deck.read(name)))
    sheet = etree.fromstring(workbook.read("xl/worksheets/sheet1.xml"))
    strings = [("".join(si.itertext())) for si in
               etree.fromstring(workbook.read("xl/sharedStrings.xml")).iter(X + "si")]
    assert list(sheet.iter(X + "f")) == []  # no formula anywhere
    assert b"hyperlink" not in workbook.read("xl/worksheets/sheet1.xml").lower()
    cells = {c.get("r"): c for c in sheet.iter(X + "c")}
    for i, text in enumerate(categories, 2):
        cell = cells[f"A{i}"]
        assert cell.get("t") == "s", text
        assert strings[int(cell.find(X + "v").text)] == text
    assert strings[int(cells["B1"].find(X + "v").text)] == "=1+1"
    assert cells["B1"].get("t") == "s"


def it_dates_the_embedded_workbook_by_the_build_and_writes_the_same_bytes_twice(tmp_path):
    text = brief_yaml(chart_yaml("line"))
    stamp = dt.datetime(2025, 11, 24, 15, 30, tzinfo=dt.timezone.utc)
    decks = []
    for run in ("a", "b"):
        _, _, _, _, path = deck_of(tmp_path / run, text, stamp=stamp)
        decks.append(path.read_bytes())
    assert decks[0] == decks[1]
    with zipfile.ZipFile(io.BytesIO(decks[0])) as deck:
        [name] = [n for n in deck.namelist() if n.endswith(".xlsx")]
        with zipfile.ZipFile(io.BytesIO(deck.read(name))) as workbook:
            core = workbook.read("docProps/core.xml").decode()
    assert "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2025-11-24T15:30:00Z<" in core


def it_gives_a_byte_identical_deck_with_a_table_and_charts_in_two_processes(tmp_path):
    brief = write(tmp_path, brief_yaml(table_yaml(table_rows(40)), chart_yaml("column"),
                                       chart_yaml("stacked bar")))
    script = ("import sys, datetime as dt\nfrom pathlib import Path\n"
              "from briefgen.build import prepare\nfrom briefgen.pptx_out import write_pptx\n"
              "_, _, theme, deck, _ = prepare(sys.argv[1])\n"
              "write_pptx(deck, theme, Path(sys.argv[2]), "
              "dt.datetime(2025, 11, 24, tzinfo=dt.timezone.utc))\n")
    outs = [tmp_path / f"{run}.pptx" for run in ("a", "b")]
    for out in outs:
        subprocess.run([sys.executable, "-c", script, str(brief), str(out)], check=True,
                       capture_output=True)
    assert outs[0].read_bytes() == outs[1].read_bytes()


def it_puts_a_chart_title_too_long_for_the_slide_title_inside_the_chart(tmp_path):
    title = ("Illustrative removals per year in sanctuary counties and in every other "
             "county, before and after the policy changed in the spring of 2020, with the "
             "counties that changed their policy twice counted in both groups")
    prs, _, _, warnings, _ = deck_of(tmp_path, brief_yaml(chart_yaml("column", title=title)))
    assert warnings == []
    [(slide, shape)] = charts(prs)
    assert slide_title(slide) == "Section 1"
    assert shape.chart.has_title
    assert shape.chart.chart_title.text_frame.text == title


def it_cuts_a_chart_title_too_long_for_the_chart_and_says_so(tmp_path):
    title = " ".join(["Illustrative"] * 60)
    prs, _, _, warnings, _ = deck_of(tmp_path, brief_yaml(chart_yaml("bar", title=title)))
    assert warnings == ["8:7: the chart's title is too long for a slide, so the slide cuts it "
                        "short: shorten it"]
    [(_, shape)] = charts(prs)
    shown = shape.chart.chart_title.text_frame.text
    assert shown.endswith("…") and title.startswith(shown[:-1].rstrip())


def it_titles_a_chart_without_a_title_as_the_sections_cont_slide(tmp_path):
    prs, _, _, _, _ = deck_of(tmp_path, brief_yaml(table_yaml(table_rows(3)) +
                                                   chart_yaml("line", title=None)))
    titles = [slide_title(s) for s in prs.slides]
    # The table on the section's slide, the chart (its title the section's) on the next.
    assert titles[2:4] == ["Section 1", "Section 1 (cont.)"]
    [(slide, shape)] = charts(prs)
    assert slide_title(slide) == "Section 1 (cont.)"
    assert not shape.chart.has_title


def it_places_a_table_and_a_chart_in_a_templates_body_placeholder(tmp_path):
    import shutil

    folder = tmp_path / "corporate"
    shutil.copytree(ROOT / "themes" / "default", folder)
    corporate_template(folder / "corporate.pptx")
    yaml = folder / "theme.yaml"
    yaml.write_text(yaml.read_text().replace("deck:\n", "deck:\n  template: corporate.pptx\n"))
    prs, _, theme, _, path = deck_of(tmp_path, brief_yaml(table_yaml(table_rows(20)) +
                                                          chart_yaml("column")), str(folder))
    assert_deck_fits(path, theme)
    body = next(ph for ph in prs.slide_layouts.get_by_name("Title and Content").placeholders
                if ph.placeholder_format.idx == 1)
    for slide, shape in tables(prs) + charts(prs):
        x0, y0, x1, y1 = box(shape)
        assert pt(body.left) - 0.01 <= x0 and x1 <= pt(body.left + body.width) + 0.01
        assert pt(body.top) - 0.01 <= y0 and y1 <= pt(body.top + body.height) + 0.01
        assert_clear_of_the_rest(slide, shape)
    for _, shape in tables(prs):
        assert cell_overflows(shape, theme) == []


def it_plans_row_heights_as_lines_at_the_planned_pitch(tmp_path):
    """The plan's own numbers: each row as tall as its tallest cell's lines."""
    prs, _, theme, _, _ = deck_of(tmp_path, brief_yaml(table_yaml(table_rows(8))))
    [(_, shape)] = tables(prs)
    for row in shape.table.rows:
        pitch = {p.line_spacing.pt for cell in row.cells for p in cell.text_frame.paragraphs}
        size = {r.font.size.pt for cell in row.cells for p in cell.text_frame.paragraphs
                for r in p.runs}
        assert pitch == {round(size.pop() * LINE, 2)}


def it_leaves_the_values_off_marks_too_crowded_to_read_them(tmp_path):
    """50 categories in 12 stacked series: 600 labels would pile on each other. The numbers stay
    in the chart's data."""
    categories = [f"C{i}" for i in range(50)]
    series = [{"name": f"S{j}", "values": [float(i + j) for i in range(50)]} for j in range(12)]
    prs, _, _, _, _ = deck_of(tmp_path, brief_yaml(
        chart_yaml("stacked bar", categories=categories, series=series),
        chart_yaml("stacked bar", categories=categories[:5],
                   series=[{**s, "values": s["values"][:5]} for s in series[:3]])))
    crowded, roomy = (chart_xml(shape) for _, shape in charts(prs))
    assert [e.find(C + "showVal").get("val") for e in crowded.iter(C + "dLbls")] in ([], ["0"])
    assert len([v for v in crowded.iter(f"{C}val") for _ in v.iter(f"{C}pt")]) == 600
    assert {e.find(C + "showVal").get("val") for e in roomy.iter(C + "dLbls")} == {"1"}


# What the deck does with the hostile cases 145-149 (tests/test_hostile.py runs them through
# the CLI and reads their memos): the warnings it gives, and slides that still fit.
HOSTILE = {
    "145-deck-table-row-taller-than-a-slide": [
        "13:12: table row 2 is too tall for a slide even on its own at 14 pt, so the slide cuts "
        "it short (the memo shows it whole): shorten its cells"],
    "146-deck-table-320-rows": [
        "10:7: the table would fill more than 20 slides even at the smallest type: the deck "
        "shows its first 259 of 320 rows (the memo shows them all)"],
    "147-deck-table-25-columns": [],
    "148-deck-chart-title-999-characters": [
        "10:7: the chart's title is too long for a slide, so the slide cuts it short: "
        "shorten it"],
    "149-deck-chart-50-categories-12-series": [
        "10:7: the chart in section 1 is crowded: the memo names every third of its 50 categories; "
        "some of its data labels touch or overlap in the memo; give it fewer categories or series, "
        "or shorter names"],
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def it_fits_the_hostile_tables_and_charts_on_slides_and_says_what_it_cut(tmp_path, case):
    _, doc, theme, deck, warnings = prepare(ROOT / "tests" / "hostile" / f"{case}.yaml")
    assert [f"{w.loc.line}:{w.loc.col}: {w.message}" for w in warnings] == HOSTILE[case]
    path = tmp_path / "deck.pptx"
    write_pptx(deck, theme, path)
    prs = assert_deck_fits(path, theme)
    for slide, shape in tables(prs) + charts(prs):
        assert_clear_of_the_rest(slide, shape)
    for _, shape in tables(prs):
        assert cell_overflows(shape, theme) == []
    assert len(tables(prs) + charts(prs)) == {"146-deck-table-320-rows": 20,
                                              "145-deck-table-row-taller-than-a-slide": 3}.get(
        case, 1)
