"""Tables and charts in the memo and on the handout, read back from the PDFs they make.

Every number here is illustrative: made up for the tests, titled as such.
"""
import re
import subprocess
import sys
from collections import Counter
from xml.etree import ElementTree

import pikepdf
import pytest

from briefgen.build import build
from briefgen.errors import BriefError
from briefgen.exhibits import table_rows
from briefgen.model import Column, DocTable

from .conftest import MINIMAL, ROOT, structure_elements, write

RATIOS = [3, 12.5, 1234.25, 0.125, 7, 88.5]  # differing decimals: aligned on the mark
NORTH, SOUTH = [13.7, 9.1, 6.3, 4.9], [21.4, 18.2, 17.6, 15.3]
ROWS = 60


def data_brief(rows: int = ROWS) -> str:
    lines = "".join(f"        - [Place {i + 1}, {1000 + 37 * i}, {RATIOS[i % len(RATIOS)]}]\n"
                    for i in range(rows))
    return f"""\
title: Illustrative tables and charts
date: 2026-11-24
summary: Bottom line [@a].
sections:
  - heading: Counts
    body: Text before the table [@a].
    table:
      caption: "Illustrative counts by place [@b, p. 4]"
      columns: [{{name: Place}}, {{name: Count, format: "#,##0"}}, {{name: Ratio}}]
      rows:
{lines}  - heading: Trend
    body: Text before the chart [@a].
    chart:
      type: column
      title: Illustrative trend
      categories: ["2019", "2020", "2021", "2022"]
      series:
        - {{name: North, values: {NORTH}}}
        - {{name: South, values: {SOUTH}}}
      alt: "Column chart: North falls from 13.7 to 4.9 and South from 21.4 to 15.3"
      caption: "Illustrative numbers [@c]"
handout: {{chart: 2}}
sources:
  - {{id: a, title: Source A}}
  - {{id: b, title: Source B}}
  - {{id: c, title: Source C}}
"""


@pytest.fixture(scope="module")
def data_build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    result = build(write(folder, data_brief()), folder / "out")
    return {o.kind: o.path for o in result.outputs}


def layout_pages(path) -> list[list[str]]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return [page.splitlines() for page in text.split("\f")]


def raw_text(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def words(path) -> list[list[tuple[float, float, float, str]]]:
    """Each page's words as (xMin, xMax, yMin, text), in points from the top left."""
    xml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    xml = re.sub(r"<!DOCTYPE[^>]*>", "", xml)
    root = ElementTree.fromstring(xml)
    pages = []
    for page in root.iter("{http://www.w3.org/1999/xhtml}page"):
        pages.append([(float(w.get("xMin")), float(w.get("xMax")), float(w.get("yMin")), w.text)
                      for w in page.iter("{http://www.w3.org/1999/xhtml}word")])
    return pages


MINIMAL_HEAD = """\
title: Illustrative small table
date: 2026-12-07
summary: Bottom line.
sections:
  - heading: Change by city
    body: Text before the table.\
"""


ROW = re.compile(r"^\s*Place (\d+)\s+(\S+)\s+(\S+)\s*$")
HEADER = re.compile(r"^\s*Place\s+Count\s+Ratio\s*$")


def it_prints_the_table_after_the_body_with_its_caption_and_every_row_in_order(data_build):
    lines = [line for page in layout_pages(data_build["memo"]) for line in page]
    body = next(i for i, line in enumerate(lines) if "Text before the table [1]." in line)
    caption = next(i for i, line in enumerate(lines)
                   if line.strip() == "Illustrative counts by place [2, p. 4]")
    header = next(i for i, line in enumerate(lines) if HEADER.match(line))
    assert body < caption < header
    rows = [ROW.match(line).groups() for line in lines if ROW.match(line)]
    assert rows == [(str(i + 1), f"{1000 + 37 * i:,}", f"{RATIOS[i % len(RATIOS)]:g}")
                    for i in range(ROWS)]


def it_repeats_the_header_row_on_each_page_the_table_runs_onto(data_build):
    pages = [page for page in layout_pages(data_build["memo"])
             if any(ROW.match(line) for line in page)]
    assert len(pages) >= 2
    for page in pages:
        headers = [i for i, line in enumerate(page) if HEADER.match(line)]
        first_row = next(i for i, line in enumerate(page) if ROW.match(line))
        assert len(headers) == 1 and headers[0] < first_row


def it_lines_numbers_up_on_their_decimal_mark(data_build):
    # The Ratio column mixes 0, 1, 2 and 3 decimals. Its digits are all as wide (tabular
    # figures): a cell without a mark gives that width, and a mark's left edge is its number's
    # left edge plus one width per digit before it.
    for page in words(data_build["memo"]):
        lines: dict[float, list] = {}
        for word in page:
            lines.setdefault(round(word[2], 1), []).append(word)
        cells = [max(line)[0:2] + (max(line)[3],) for line in lines.values()
                 if min(line)[3] == "Place" and len(line) == 4]
        if not cells:
            continue
        digit = next(x1 - x0 for x0, x1, text in cells if len(text) == 1)
        marks = [x0 + text.index(".") * digit if "." in text else x1 for x0, x1, text in cells]
        assert {text for _, _, text in cells} >= {"3", "12.5", "1234.25", "0.125"}
        assert max(marks) - min(marks) <= 0.5, marks


def it_scopes_the_header_cells_of_a_table_as_column_headers(data_build):
    spanned = sum(1 for page in layout_pages(data_build["memo"])
                  if any(ROW.match(line) for line in page))
    with pikepdf.open(data_build["memo"]) as pdf:
        scopes = Counter(str(th.A.Scope) for th in structure_elements(pdf, "/TH"))
    # The memo's header fields are row headers; the table's three, on each of its pages, columns.
    assert scopes["/Column"] == 3 * spanned
    assert sum(scopes.values()) == scopes["/Column"] + scopes["/Row"]


def chart_words(text: str, title: str, caption: str) -> list[str]:
    start = text.index(title) + len(title)
    return text[start:text.index(caption, start)].split()


def it_draws_the_chart_with_every_value_the_data_gives(data_build):
    drawn = Counter(chart_words(raw_text(data_build["memo"]), "Illustrative trend",
                                "Illustrative numbers [3]"))
    wanted = Counter(f"{v:g}" for v in NORTH + SOUTH) + Counter(["2019", "2020", "2021",
                                                                  "2022", "North", "South"])
    assert not wanted - drawn, wanted - drawn


def it_gives_the_chart_its_alt_text_in_the_tagged_pdf(data_build):
    with pikepdf.open(data_build["memo"]) as pdf:
        alts = [str(f.get("/Alt")) for f in structure_elements(pdf, "/Figure")]
    assert "Column chart: North falls from 13.7 to 4.9 and South from 21.4 to 15.3" in alts


def it_shows_the_chosen_chart_on_a_one_page_handout_with_its_source(data_build):
    with pikepdf.open(data_build["handout"]) as pdf:
        assert len(pdf.pages) == 1
        alts = [str(f.get("/Alt")) for f in structure_elements(pdf, "/Figure")]
    assert alts == ["Column chart: North falls from 13.7 to 4.9 and South from 21.4 to 15.3"]
    text = raw_text(data_build["handout"])
    drawn = Counter(chart_words(text, "Illustrative trend", "Illustrative numbers [3]"))
    assert not Counter(f"{v:g}" for v in NORTH + SOUTH) - drawn
    # The caption's source is listed, as the memo numbers it.
    assert re.search(r"\[3\]\s+“Source C.”", text)


def it_keeps_the_handout_to_one_page_with_a_chart_and_many_key_points(tmp_path):
    sections = "".join(f"""  - heading: Point {n}
    body: This key point runs on {"and on " * 25}to its end [@a].
""" for n in range(3, 13))
    brief = data_brief(rows=2).replace("handout:", sections + "handout:", 1)
    result = build(write(tmp_path, brief), tmp_path / "out")
    handout = next(o for o in result.outputs if o.kind == "handout")
    with pikepdf.open(handout.path) as pdf:
        assert len(pdf.pages) == 1
    assert handout.note != "type 100%, spacing 100%"  # the chart took room the ladder gave back
    assert "13.7" in raw_text(handout.path)


def wide_brief(columns: int) -> str:
    names = ", ".join(f"{{name: Year {2000 + i}, format: '#,##0.00'}}" for i in range(columns))
    row = ", ".join(["1234567.891"] * columns)
    return f"""\
title: Illustrative wide table
date: 2026-11-24
summary: Bottom line [@a].
sections:
  - heading: Wide
    body: Text [@a].
    table:
      columns: [{{name: Name}}, {names}]
      rows:
        - [First, {row}]
        - [Second, {row}]
sources:
  - {{id: a, title: Source A}}
"""


def it_sets_a_table_too_wide_for_the_text_block_in_smaller_type(tmp_path):
    from briefgen.fonts import metrics
    from briefgen.theme import load_theme

    result = build(write(tmp_path, wide_brief(9)), tmp_path / "out")
    memo = next(o.path for o in result.outputs if o.kind == "memo")
    cells = [w for w in words(memo)[0] if w[3] == "1,234,567.89"]
    assert len(cells) == 18
    # Inside the text block (letter, 0.9in margins), set smaller than the table's 9.45 pt.
    assert max(x1 for _, x1, _, _ in cells) <= 612 - 64.8 + 0.5
    theme = load_theme("default")
    full = metrics(theme.heading.regular).width("1,234,567.89", 10.5 * 0.9)
    assert max(x1 - x0 for x0, x1, _, _ in cells) < full * 0.97


def it_refuses_a_table_too_wide_even_at_the_smallest_type_naming_its_widest_column(tmp_path):
    path = write(tmp_path, wide_brief(13))
    with pytest.raises(BriefError) as caught:
        build(path, tmp_path / "out")
    assert str(caught.value) == (
        f"{path}:10:19: the table in section 1 is too wide for the page even at 7.9 pt: it needs "
        "682 pt and the text block is 482 pt; its widest column, 'Year 2000', needs 42 pt for "
        "'1,234,567.89': give the table fewer columns, or its numbers fewer digits")
    assert not (tmp_path / "out" / "brief").exists()


def it_lets_a_small_table_take_the_width_its_content_needs(tmp_path):
    """A two-column table stood across the whole text block: 'Boston' at the left margin and
    its number six inches away. It is now as wide as its content, left-aligned with the text,
    and its caption keeps a line of its own length rather than the table's."""
    path = write(tmp_path, f"""{MINIMAL_HEAD}
    table:
      caption: "Change in trips by city, per cent (illustrative)"
      columns: [City, {{name: Change, format: "0.0"}}]
      rows:
        - [Boston, -12.5]
        - [Chicago, 3.25]
""")
    result = build(path, tmp_path / "out")
    page = words(next(o.path for o in result.outputs if o.kind == "memo"))[0]
    boston = next(w for w in page if w[3] == "Boston")
    number = next(w for w in page if w[3] == "\u221212.5")
    assert abs(boston[0] - 64.8) < 0.5  # the text block's left edge (letter, 0.9in margins)
    assert number[1] - boston[0] < 100  # the text block is 482 pt wide
    caption = [w for w in page if w[3] in ("trips", "cent", "(illustrative)")]
    assert len(caption) == 3 and len({round(w[2]) for w in caption}) == 1  # one line


def crowded_brief(chart: str) -> str:
    return f"""\
title: Illustrative crowded charts
date: 2026-12-07
summary: Bottom line.
sections:
  - heading: Many places
    body: Text before the chart.
    chart:
{chart}
      alt: "An illustrative chart"
handout: {{chart: 1}}
"""


FORTY_BARS = f"""\
      type: bar
      categories: {[f"Place {i}" for i in range(40)]}
      series:
        - {{name: Count, values: {[round(10 + 2.25 * i, 2) for i in range(40)]}}}"""


def it_warns_at_the_chart_when_the_handout_names_only_every_second_category(tmp_path):
    path = write(tmp_path, crowded_brief(FORTY_BARS))
    result = build(path, tmp_path / "out")
    assert [f"{w.loc}: {w.message}" for w in result.warnings] == [
        f"{path}:8:7: the chart in section 1 is crowded: the handout names every second of its "
        "40 categories; some of its data labels touch or overlap on the handout; give it fewer "
        "categories or series, or shorter names"]
    handout = next(o.path for o in result.outputs if o.kind == "handout")
    named = {int(n) for n in re.findall(r"Place (\d+)", raw_text(handout))}
    assert named == set(range(0, 40, 2))
    memo = next(o.path for o in result.outputs if o.kind == "memo")
    assert {int(n) for n in re.findall(r"Place (\d+)", raw_text(memo))} == set(range(40))


def it_warns_at_a_chart_whose_data_labels_overlap_in_the_memo(tmp_path):
    values = [[(i * 7919 + j * 104729) % 97 for i in range(15)] for j in range(12)]
    series = "".join(f"        - {{name: S{j}, values: {v}}}\n" for j, v in enumerate(values))
    path = write(tmp_path, crowded_brief(
        f"      type: line\n      categories: {[str(2010 + i) for i in range(15)]}\n"
        f"      series:\n{series.rstrip()}").replace("handout: {chart: 1}\n", ""))
    result = build(path, tmp_path / "out")
    assert [f"{w.loc}: {w.message}" for w in result.warnings] == [
        f"{path}:8:7: the chart in section 1 is crowded: some of its data labels touch or "
        "overlap in the memo; give it fewer categories or series, or shorter names"]


@pytest.mark.parametrize("fmt, cells, pads", [
    # A format prints the language's mark, and groups thousands with a point in German: that
    # point is no decimal mark.
    ("#,##0.00", ("3,00", "12,50", "1.234,25", ""), ("", "", "", "")),
    # Without a format, cells as written keep their point in any language...
    (None, ("3", "12.5", "1234.25", ""), (".00", "0", "", "")),
    # ...and a semicolon CSV's decimal commas print in the language's mark.
    (None, ("3", "12,5", "1234,25", ""), (",00", "0", "", "")),
])
def it_pads_each_number_to_the_most_decimals_of_its_column_with_the_mark_it_shows(
        fmt, cells, pads):
    loc = None
    table = DocTable(None, (Column("A", "left", None, loc), Column("B", "right", fmt, loc)),
                     tuple((x, c) for x, c in zip("xyzw", cells)), (False, True))
    assert [[(c.text, c.pad, c.align) for c in row] for row in table_rows(table, "de")] == [
        [(x, "", "left"), (c, pad, "right")] for x, c, pad in zip("xyzw", cells, pads)]


def mark_lines(path, label: str, mark: str) -> list[float]:
    """The x of the decimal mark in each row of a two-column table whose rows are labelled
    label1, label2...: a mark's left edge is its number's left edge plus one digit width per
    digit before it (tabular figures); a cell without one ends where the mark would be."""
    cells = []
    for page in words(path):
        lines: dict[float, list] = {}
        for word in page:
            lines.setdefault(round(word[2], 1), []).append(word)
        cells += [max(line)[0:2] + (max(line)[3],) for line in lines.values()
                  if min(line)[3].startswith(label) and len(line) == 2]
    digit = next(x1 - x0 for x0, x1, text in cells if len(text) == 1)
    return [x0 + text.index(mark) * digit if mark in text else x1 for x0, x1, text in cells]


def it_lines_up_a_german_briefs_numbers_as_written_on_their_own_decimal_mark(tmp_path):
    # A column without a format prints its cells as written (12.25) in any language, or a
    # semicolon CSV's decimal commas in German's mark (3,7): each column's padding takes the
    # mark its cells show, not the language's.
    write(tmp_path / "data", "Ort;Wert\nK1;3,7\nK2;2\nK3;1,25\nK4;10,125\n", "k.csv")
    brief = write(tmp_path, """\
title: Zahlen
lang: de
date: 2026-12-07
summary: Kernaussage.
sections:
  - heading: Punkte
    body: Text vor der Tabelle.
    table: {columns: [Ort, Wert], rows: [[P1, 3], [P2, 12.25], [P3, 100.5], [P4, 0.125]]}
  - heading: Kommas
    body: Text vor der Tabelle.
    table: {csv: data/k.csv}
""")
    memo = {o.kind: o.path for o in build(brief, tmp_path / "out").outputs}["memo"]
    points = mark_lines(memo, "P", ".")
    commas = mark_lines(memo, "K", ",")
    assert len(points) == len(commas) == 4
    assert max(points) - min(points) <= 0.5, points
    assert max(commas) - min(commas) <= 0.5, commas


MEMO_RENDERS = """
import sys
from pathlib import Path
import briefgen.pdf as pdf
from briefgen import build
calls = []
real = pdf.render_pdf
pdf.render_pdf = lambda *a, **k: calls.append(1) or real(*a, **k)
import briefgen.chart as chart
drawn = []
draw = chart.draw_chart_noting
chart.draw_chart_noting = lambda *a, **k: drawn.append(k["width_pt"]) or draw(*a, **k)
job = build.read_job(Path(sys.argv[1]), Path(sys.argv[2]), None, None, False)
build.make_memo(job, Path(sys.argv[2]) / "memo.pdf")
# At the memo's width (the handout's chart is drawn once too, for its warnings).
print(drawn.count(482.4), len(calls))
"""


@pytest.mark.parametrize("brief, charts", [(MINIMAL, "0"), (data_brief(rows=3), "1")])
def it_lays_the_memo_out_once_unless_a_table_is_too_wide(tmp_path, brief, charts):
    # A brief without a chart draws none, and a table that fits costs no layout pass of its
    # own: the width check reads the memo's one layout.
    out = subprocess.run([sys.executable, "-c", MEMO_RENDERS, str(write(tmp_path, brief)),
                          str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [charts, "1"]


def it_offers_to_show_no_chart_when_the_handout_cannot_fit_with_it(tmp_path):
    summary = " ".join(["Words of the bottom line run on."] * 170)
    brief = data_brief(rows=2).replace("summary: Bottom line [@a].", f"summary: {summary} [@a]")
    path = write(tmp_path, brief)
    with pytest.raises(BriefError) as caught:
        build(path, tmp_path / "out")
    assert str(caught.value) == (
        f"{path}:3:10: the handout does not fit on one page, even with tight spacing, type at 80%, "
        "short source entries and section 2's chart at its smallest, nor with every key point "
        "cut to 10 words: shorten the bottom line (1190 words), the title or any very long "
        "word, make fewer sections, or show no chart on it")
