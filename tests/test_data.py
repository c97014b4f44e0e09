"""Tables and charts as the brief writes them: inline or from a CSV, each problem at its place."""
import json
import os
import time

import pytest

from briefgen.cite import number_citations
from briefgen.cli import main
from briefgen.data import format_number, read_number
from briefgen.errors import BriefError
from briefgen.load import load_brief
from briefgen.schema import brief_schema

from .conftest import ROOT, write

HEAD = """\
title: A brief
date: 2026-11-24
summary: Bottom line [@a].
sections:
  - heading: One
    body: Text [@a].
"""
SOURCES = """\
sources:
  - {id: a, title: Source A}
"""


def brief_with(tmp_path, monkeypatch, block: str, files: dict[str, bytes | str] = {}):
    """brief.yaml with block under its one section, and files beside it; run from its folder,
    so that messages name brief.yaml and data/x.csv as a user who typed them sees them."""
    monkeypatch.chdir(tmp_path)
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
    return write(tmp_path, HEAD + block + SOURCES)


def problems(path) -> list[str]:
    with pytest.raises(BriefError) as e:
        load_brief(path.name)
    return [str(p) for p in e.value.problems]


def resolved(path):
    return number_citations(load_brief(path.name))


# -- tables -------------------------------------------------------------------------------------
def it_keeps_cells_as_written_and_formats_only_columns_with_a_format(tmp_path, monkeypatch):
    path = brief_with(tmp_path, monkeypatch, """\
    table:
      columns: [City, {name: "Change, %", format: "0.0"}, Year, {name: Note, align: center}]
      rows: [[Boston, -12.5, 2019, 3.0], [Denver, 3, 2020, "=cmd|' /C calc'!A0"]]
""")
    doc = resolved(path)
    table = doc.brief.sections[0].table
    assert table.rows == (("Boston", -12.5, "2019", "3.0"),
                          ("Denver", 3.0, "2020", "=cmd|' /C calc'!A0"))
    shown = doc.sections[0].table
    assert shown.cells == (("Boston", "\u221212.5", "2019", "3.0"),
                           ("Denver", "3.0", "2020", "=cmd|' /C calc'!A0"))
    assert shown.numeric == (False, True, True, False)
    assert [c.align for c in shown.columns] == ["left", "right", "right", "center"]
    assert [(c.loc.line, c.loc.col) for c in shown.columns] == [(8, 17), (8, 23), (8, 59),
                                                                (8, 65)]
    assert str(table.cell_locs[1][3]) == "brief.yaml:9:60"


def it_formats_numbers_in_the_briefs_language(tmp_path, monkeypatch):
    path = brief_with(tmp_path, monkeypatch, """\
    table:
      columns: [{name: Budget, format: "#,##0.0"}, {name: Share, format: "0.0%"}]
      rows: [[1234.56, 0.125], [-0.04, ""]]
""")
    path.write_text("lang: de\n" + path.read_text("utf-8"), encoding="utf-8")
    assert resolved(path).sections[0].table.cells == (("1.234,6", "12,5%"), ("0,0", ""))


def it_counts_a_column_of_numbers_with_empty_cells_as_numeric(tmp_path, monkeypatch):
    path = brief_with(tmp_path, monkeypatch, """\
    table:
      columns: [A, B, C, D]
      rows: [["1", 2, ~, x], ["", "\u22121e3", ~, "4"], [+5, .5, ~, "5"]]
""")
    table = resolved(path).sections[0].table
    assert table.numeric == (True, True, False, False)
    assert table.cells == (("1", "2", "", "x"), ("", "\u22121e3", "", "4"), ("+5", ".5", "", "5"))


def it_reads_a_csv_with_a_byte_order_mark_crlf_and_quoted_cells(tmp_path, monkeypatch):
    path = brief_with(tmp_path, monkeypatch, """\
    table:
      caption: From a file
      csv: data/x.csv
      columns: [{align: left}, {format: "#,##0"}, {}]
""", {"data/x.csv": b'\xef\xbb\xbfCity,Budget,Note\r\n"New ""York""",1234,"a, b"\r\n'
                   b'Boston,12,"two\r\nlines"\r\n\r\n'})
    doc = resolved(path)
    table = doc.brief.sections[0].table
    assert table.csv == tmp_path / "data" / "x.csv"
    assert [c.name for c in table.columns] == ["City", "Budget", "Note"]
    assert table.rows == (('New "York"', 1234.0, "a, b"), ("Boston", 12.0, "two lines"))
    assert [str(loc) for loc in table.cell_locs[1]] == ["data/x.csv:3:1", "data/x.csv:3:8",
                                                       "data/x.csv:3:11"]
    assert doc.sections[0].table.cells[0] == ('New "York"', "1,234", "a, b")


def it_names_columns_from_the_csv_header_when_columns_is_left_out(tmp_path, monkeypatch):
    path = brief_with(tmp_path, monkeypatch, "    table: {csv: data/x.csv}\n",
                      {"data/x.csv": ",2019,2020\nBoston,1.5,-2\nDenver,3,4\n"})
    table = resolved(path).sections[0].table
    assert [(c.name, c.align, str(c.loc)) for c in table.columns] == [
        ("", "left", "data/x.csv:1:1"), ("2019", "right", "data/x.csv:1:2"),
        ("2020", "right", "data/x.csv:1:7")]
    assert table.cells == (("Boston", "1.5", "-2"), ("Denver", "3", "4"))


def it_points_at_each_problem_of_inline_rows(tmp_path, monkeypatch):
    path = brief_with(tmp_path, monkeypatch, """\
    table:
      columns: [City, {name: Change, format: "0.0"}]
      rows:
        - [Boston, -12.5, extra]
        - [Denver, n/a]
        - [Oslo]
        - [Rome, "1,234.5"]
        - [Paris, 12%]
        - [[nested], 1e16]
""")
    assert problems(path) == [
        "brief.yaml:10:27: row 1 has 3 cells, but columns has 2 ('City', 'Change')",
        "brief.yaml:11:20: 'n/a' is not a number: column 'Change' has a format ('0.0'), so "
        "every cell in it must be a number",
        "brief.yaml:12:11: row 3 has 1 cell, but columns has 2 ('City', 'Change')",
        "brief.yaml:13:18: '1,234.5' is not a number: column 'Change' has a format ('0.0'), so "
        "every cell in it must be a number (write it without thousands separators: 1234.5)",
        "brief.yaml:14:19: '12%' is not a number: column 'Change' has a format ('0.0'), so "
        "every cell in it must be a number (write it as a fraction, 0.12, with the format "
        "'0.0%')",
        "brief.yaml:15:12: a cell must be text or a number, not a list",
        "brief.yaml:15:22: '1e16' is too large: a number may have at most 15 digits before the "
        "point",
    ]


def it_reports_a_table_with_both_or_neither_of_rows_and_csv(tmp_path, monkeypatch):
    path = brief_with(tmp_path, monkeypatch, """\
    table: {columns: [A], rows: [[1]], csv: data/x.csv}
  - heading: Two
    body: Text.
    table: {caption: Nothing}
  - heading: Three
    body: Text.
    table: {rows: [[1]]}
""")
    assert problems(path) == [
        "brief.yaml:7:45: a table takes rows: or csv:, not both",
        "brief.yaml:10:12: a table needs rows: (a list of rows, each a list of cells) or csv: (a "
        "CSV file in the brief's folder)",
        "brief.yaml:13:12: a table with rows: needs columns: [{name: ...}, ...], one for each "
        "cell of a row",
    ]


def it_says_how_columns_must_match_the_csv_header(tmp_path, monkeypatch):
    files = {"data/x.csv": "City,Value\nBoston,1\n"}
    path = brief_with(tmp_path, monkeypatch, """\
    table: {csv: data/x.csv, columns: [City]}
  - heading: Two
    body: Text.
    table: {csv: data/x.csv, columns: [City, {name: Amount, format: "0"}]}
""", files)
    assert problems(path) == [
        "brief.yaml:7:39: columns lists 1 columns, but the CSV's header has 2 ('City', 'Value'): "
        "give one entry for each, in order, or leave columns out",
        "brief.yaml:10:53: column 2 is 'Amount' here but 'Value' in the CSV's header: columns "
        "describe the CSV's columns in order (leave out name to take the header's)",
    ]


def it_points_at_the_row_and_column_of_each_problem_inside_a_csv(tmp_path, monkeypatch):
    csv = ('City,Budget,Note\n'
           'Boston,1\x2c5,ok\n'          # 4 cells: a decimal comma
           'Denver,"1,5",ok\n'           # a decimal comma, quoted
           'Oslo\n'
           'Rome,"12"x,ok\n'             # text after a closing quote
           'Paris,12,"[@a] here"\n'
           'Lima,\x07,ok\n')
    path = brief_with(tmp_path, monkeypatch, """\
    table:
      csv: data/x.csv
      columns: [City, {format: "0.0"}, Note]
""", {"data/x.csv": csv})
    assert problems(path) == [
        "data/x.csv:2:12: this row has 4 cells, but the header has 3 ('City', 'Budget', "
        "'Note'): is a comma in a cell that is not in quotes?",
        "data/x.csv:3:8: '1,5' is not a number: column 'Budget' has a format ('0.0'), so every "
        "cell in it must be a number (write numbers with a point for the decimals and no "
        "thousands separators: 1.5)",
        "data/x.csv:4:1: this row has 1 cell, but the header has 3 ('City', 'Budget', 'Note')",
        "data/x.csv:5:10: text after the closing quote of a cell: write a quote inside a quoted "
        "cell as two quotes (\"\")",
        "data/x.csv:6:10: '[@a] here': citations cannot go in a cell, where they would print as "
        "typed: cite the source in the caption",
        "data/x.csv:7:6: a cell contains the unprintable character U+0007",
    ]


def it_reports_every_problem_at_once_the_briefs_first_then_each_csvs(tmp_path, monkeypatch,
                                                                     capsys):
    path = brief_with(tmp_path, monkeypatch, """\
    table: {csv: data/b.csv}
    chart: {type: pie, alt: A chart, csv: data/a.csv}
  - heading: Two
    body: Text.
    table: {columns: [A], rows: [[1, 2]]}
""", {"data/b.csv": "A,B\n1\n", "data/a.csv": "Year,S\n2019,x\n"})
    assert main(["check", path.name]) == 2
    assert capsys.readouterr().err == (
        "brief.yaml:8:19: 'type' must be bar, column, line, stacked column or stacked bar, not "
        "'pie'\n"
        "brief.yaml:11:38: row 1 has 2 cells, but columns has 1 ('A')\n"
        "data/b.csv:2:1: this row has 1 cell, but the header has 2 ('A', 'B')\n"
        "data/a.csv:2:6: 'x' is not a number: a chart's values must be numbers\n")


def it_says_a_fault_in_a_csv_a_table_and_a_chart_both_read_once(tmp_path, monkeypatch):
    path = brief_with(tmp_path, monkeypatch, """\
    table: {csv: data/x.csv, columns: [A, {format: '0'}]}
    chart: {type: bar, alt: A chart, csv: data/x.csv}
  - heading: Two
    body: Text.
    table: {csv: data/y.csv}
    chart: {type: bar, alt: A chart, csv: data/y.csv}
""", {"data/x.csv": "A,B\nr1,n/a\nr2,1 200\n", "data/y.csv": "A,B\n"})
    assert problems(path) == [
        "data/x.csv:2:4: 'n/a' is not a number: column 'B' has a format ('0'), so every cell "
        "in it must be a number",
        "data/x.csv:3:4: '1 200' is not a number: column 'B' has a format ('0'), so every cell "
        "in it must be a number (write it without thousands separators: 1200)",
        "data/y.csv:1:1: the file has a header row but no rows of data under it",
    ]


def it_reads_a_csv_separated_by_semicolons_with_a_decimal_comma(tmp_path, monkeypatch):
    # Excel's "CSV UTF-8" where the comma is the decimal mark (most of Europe).
    csv = ("City;Change;Share;Code\r\n"
           "Boston;1.234,5;0,903;02134\r\n"
           "\"Denver; CO\";-12,5;0.5;80201\r\n")
    block = """\
    table: {csv: data/x.csv, columns: [City, {format: '#,##0.0'}, {format: '0.0%'}, Code]}
    chart: {type: bar, alt: A chart, csv: data/x.csv}
"""
    path = brief_with(tmp_path, monkeypatch, block, {"data/x.csv": csv})
    section = resolved(path).sections[0]
    assert section.table.cells == (("Boston", "1,234.5", "90.3%", "02134"),
                                   ("Denver; CO", "\u221212.5", "50.0%", "80201"))
    assert [(s.name, s.values) for s in section.chart.chart.series] == [
        ("Change", (1234.5, -12.5)), ("Share", (0.903, 0.5)), ("Code", (2134.0, 80201.0))]
    # A decimal comma in a column without a format is a number too, printed in the brief's
    # language.
    path.write_text(path.read_text().replace("{format: '#,##0.0'}", "Change")
                    .replace("date:", "lang: de\ndate:"))
    table = resolved(path).sections[0].table
    assert [row[1] for row in table.cells] == ["1234,5", "\u221212,5"]
    assert table.numeric == (False, True, True, True)


def it_refuses_a_number_only_a_semicolon_csv_could_misread(tmp_path, monkeypatch):
    csv = "City;Budget;Note\nBoston;1.234;ok\nDenver;1,234.5;ok\nOslo;1;a;b\n"
    path = brief_with(tmp_path, monkeypatch, """\
    table: {csv: data/x.csv, columns: [City, {format: "0.0"}, Note]}
""", {"data/x.csv": csv})
    assert problems(path) == [
        "data/x.csv:2:8: '1.234' could be 1234 or 1.234: in this file, whose cells are "
        "separated by semicolons, a comma marks the decimals: write 1234, or 1,234",
        "data/x.csv:3:8: '1,234.5' is not a number: column 'Budget' has a format ('0.0'), so "
        "every cell in it must be a number (in this file, whose cells are separated by "
        "semicolons, write numbers like 1234,5, with a comma for the decimals)",
        "data/x.csv:4:10: this row has 4 cells, but the header has 3 ('City', 'Budget', "
        "'Note'): is a semicolon in a cell that is not in quotes?",
    ]


def it_takes_semicolons_as_the_separator_when_the_header_has_more_of_them_than_commas(
        tmp_path, monkeypatch):
    # Excel leaves a header's comma unquoted in a file separated by semicolons; a quoted
    # header cell's separators do not count.
    csv = ('Stadt;Einwohner (Mio., 2020);Anteil;"a;b;c, d"\r\n'
           "Berlin;3,7;0,5;x\r\nHamburg;1,85;0,25;y\r\n")
    path = brief_with(tmp_path, monkeypatch, "    table: {csv: data/x.csv}\n",
                      {"data/x.csv": csv})
    table = resolved(path).sections[0].table
    assert [c.name for c in table.columns] == ["Stadt", "Einwohner (Mio., 2020)", "Anteil",
                                               "a;b;c, d"]
    assert table.cells == (("Berlin", "3.7", "0.5", "x"), ("Hamburg", "1.85", "0.25", "y"))
    # As many commas as semicolons: a comma-separated file, as before.
    (tmp_path / "data/x.csv").write_text("City,Note;x\nBoston,a;b\n")
    table = resolved(path).sections[0].table
    assert [c.name for c in table.columns] == ["City", "Note;x"]


def it_reads_a_column_names_line_breaks_and_runs_of_spaces_as_one_space(tmp_path,
                                                                         monkeypatch):
    path = brief_with(tmp_path, monkeypatch, """\
    table:
      columns: ["Population\\nin   millions", {name: "Share\\n  of\\ttotal", format: "0.0%"}]
      rows: [["3.7", 0.5]]
""")
    assert [c.name for c in resolved(path).sections[0].table.columns] == [
        "Population in millions", "Share of total"]
    # So a name matches the CSV header's, whose cells read the same way.
    block = """\
    table: {csv: data/x.csv, columns: ["Population\\nin millions", Share]}
"""
    path = brief_with(tmp_path, monkeypatch, block,
                      {"data/x.csv": '"Population\nin millions",Share\n3.7,0.5\n'})
    assert [c.name for c in resolved(path).sections[0].table.columns] == [
        "Population in millions", "Share"]


TOO_SMALL = ("is too small: a number other than 0 may have at most 15 digits after the point "
             "(0.000000000000001 is the smallest): write 0, or use a larger unit")


def it_refuses_a_number_nearer_zero_than_fifteen_decimals_show(tmp_path, monkeypatch):
    # 5e-324 made the chart's scale step by 0; 1e-16 printed as 0 in the memo and as 1E-16
    # in the deck. 1e-400 reads as 0 but is not written as 0; 0e-5 is.
    path = brief_with(tmp_path, monkeypatch, """\
    table:
      columns: [City, {name: Change, format: "0.0"}, Note]
      rows: [[Boston, 1e-16, 1e-16], [Denver, 0.000000000000001, 0e-5]]
    chart:
      type: bar
      alt: A chart
      categories: [A, B, C, D]
      series: [{name: s, values: [5e-324, "-1e-400", 1e-15, 0e-5]}]
""")
    assert problems(path) == [
        f"brief.yaml:9:23: '1e-16' {TOO_SMALL}",
        f"brief.yaml:14:35: '5e-324' {TOO_SMALL}",
        f"brief.yaml:14:43: '-1e-400' {TOO_SMALL}",
    ]
    # A decimal comma in a semicolon CSV's column without a format is read as a number too.
    path = brief_with(tmp_path, monkeypatch, "    table: {csv: data/x.csv}\n",
                      {"data/x.csv": "City;Change\nBoston;0,0000000000000001\nOslo;0,5\n"})
    assert problems(path) == [f"data/x.csv:2:8: '0,0000000000000001' {TOO_SMALL}"]


def it_draws_a_scale_from_the_ends_alone_where_the_step_would_be_zero():
    from briefgen.chart import nice_ticks

    assert nice_ticks(0.0, 5e-324, 5) == [0.0, 5e-324]
    assert nice_ticks(-1e308, 1e308, 5) == [-1e308, 1e308]
    assert nice_ticks(0.0, 1e-15, 5) == pytest.approx([0, 2e-16, 4e-16, 6e-16, 8e-16, 1e-15])


@pytest.mark.parametrize("cell, fmt, hint", [
    ("0,903", "0.0", "write numbers with a point for the decimals and no thousands "
                     "separators: 0.903"),
    ("1.234,5", "0.0", "write numbers with a point for the decimals and no thousands "
                       "separators: 1234.5"),
    ("1,200", "0", "write numbers with a point for the decimals and no thousands separators: "
                   "1200, or 1.2 if the comma marks the decimals"),
    ("0,903", "0.0%", "write numbers with a point for the decimals: 0.903, which the format "
                      "'0.0%' prints as 90.3%"),
    ("12,50", "0.0%", "write numbers with a point for the decimals, and a share as a fraction: "
                      "0.125, which the format '0.0%' prints as 12.5%"),
    ("1 234,5", "0.0", "write numbers with a point for the decimals and no thousands "
                       "separators: 1234.5"),
    ("1\u202f200", "0", "write it without thousands separators: 1200"),
], ids=["decimal-comma", "points-and-comma", "either", "share", "percent", "spaced-comma",
        "spaced"])
def it_hints_at_a_comma_in_a_number_as_it_may_be_meant(tmp_path, monkeypatch, cell, fmt, hint):
    path = brief_with(tmp_path, monkeypatch, f"""\
    table: {{columns: [A, {{name: B, format: '{fmt}'}}], rows: [[a, "{cell}"]]}}
""")
    assert problems(path) == [
        f"brief.yaml:7:{61 + len(fmt)}: '{' '.join(cell.split())}' is not a number: column 'B' "
        f"has a format "
        f"('{fmt}'), so every cell in it must be a number ({hint})"]


def it_says_the_first_fifty_problems_of_a_table_and_how_many_more(tmp_path, monkeypatch):
    csv = "A,B\n" + "".join(f"r{i},x\n" for i in range(60))
    path = brief_with(tmp_path, monkeypatch,
                      "    table: {csv: data/x.csv, columns: [A, {format: '0'}]}\n",
                      {"data/x.csv": csv})
    said = problems(path)
    assert len(said) == 51
    assert said[49].startswith("data/x.csv:51:5: 'x' is not a number")
    assert said[50] == ("data/x.csv:51:5: and 10 more problems in this table, not shown: fix "
                        "the ones above first")


@pytest.mark.parametrize("content, message", [
    (b"", "data/x.csv:1:1: the file is empty: a CSV needs a header row, then rows of data"),
    (b"\n\n", "data/x.csv:1:1: the file is empty: a CSV needs a header row, then rows of data"),
    (b"A,B\n", "data/x.csv:1:1: the file has a header row but no rows of data under it"),
    (b"A\tB\n1\t2\n", "data/x.csv:1:1: the cells are separated by tabs here; a CSV's cells are "
                      "separated by commas (in Excel: Save As, CSV UTF-8)"),
    (b'A,B\n"1,2\n3,4\n', "data/x.csv:2:1: this quote is never closed: the rest of the file "
                          "was read as one cell"),
    # The column counts characters after the byte order mark, as an editor shows them.
    (b"\xef\xbb\xbfA,B\n\xc3\xa9t\xc3\xa9,caf\xe9\n", "data/x.csv:2:8: not UTF-8 text (byte "
                                                      "0xE9): save the file as UTF-8 (in Excel: "
                                                      "Save As, CSV UTF-8)"),
    (b"\xff\xfeA\x00,\x00B\x00", "data/x.csv:1:1: not UTF-8 text (byte 0xFF): save the file as "
                                 "UTF-8 (in Excel: Save As, CSV UTF-8)"),
], ids=["empty", "blank-lines", "header-only", "tabs", "unclosed-quote",
        "latin1-after-bom", "utf16"])
def it_says_what_is_wrong_with_the_whole_csv(tmp_path, monkeypatch, content, message):
    path = brief_with(tmp_path, monkeypatch, "    table: {csv: data/x.csv}\n",
                      {"data/x.csv": content})
    assert problems(path) == [message]


def it_refuses_more_than_ten_thousand_cells_inline_or_in_a_csv(tmp_path, monkeypatch):
    rows = "".join(f"        - [{i}, {i}]\n" for i in range(5001))
    path = brief_with(tmp_path, monkeypatch, f"    table:\n      columns: [A, B]\n      rows:\n"
                      f"{rows}  - heading: Two\n    body: Text.\n    table: {{csv: x.csv}}\n",
                      {"x.csv": "A,B\n" + "1,2\n" * 5000 + "1,2,3\n"})
    assert problems(path) == [
        "brief.yaml:5010:11: the table has more than 10,000 cells; a table may have at most "
        "2,000: show a summary, or split it",
        "x.csv:5001:1: the file has more than 10,000 cells, far more than a table (at most 2,000) "
        "or a chart can show: show a summary, or split it",
    ]


def it_refuses_a_table_of_more_than_two_thousand_cells(tmp_path, monkeypatch):
    # 2,000 cells are about 7 memo pages and already seconds to lay out; the 10,000 above only
    # bounds what is read.
    rows = "".join(f"        - [{i}, {i}]\n" for i in range(1001))
    path = brief_with(tmp_path, monkeypatch, f"    table:\n      columns: [A, B]\n      rows:\n"
                      f"{rows}  - heading: Two\n    body: Text.\n    table: {{csv: x.csv}}\n",
                      {"x.csv": "A,B,C,D\n" + "1,2,3,4\n" * 501})
    assert problems(path) == [
        "brief.yaml:1010:12: the table has 2,002 cells (1,001 rows of 2); a table may have at "
        "most 2,000, about 7 pages of the memo: show a summary, or split it",
        "x.csv:502:1: the table has 2,004 cells (501 rows of 4); a table may have at most 2,000, "
        "about 7 pages of the memo: show a summary, or split it",
    ]
    rows = "".join(f"        - [{i}, {i}]\n" for i in range(1000))
    path = brief_with(tmp_path, monkeypatch, f"    table:\n      columns: [A, B]\n      rows:\n"
                      f"{rows}", {})
    assert len(load_brief(path.name).sections[0].table.rows) == 1000


def it_refuses_more_than_thirty_columns(tmp_path, monkeypatch):
    header = ",".join(f"C{i}" for i in range(31))
    path = brief_with(tmp_path, monkeypatch, "    table: {csv: x.csv}\n",
                      {"x.csv": f"{header}\n" + ",".join("1" * 31) + "\n"})
    assert problems(path) == ["x.csv:1:111: a table may have at most 30 columns, more than a page "
                              "or a slide can show: split it"]


# -- where a CSV may be ------------------------------------------------------------------------
def it_refuses_a_csv_outside_the_briefs_folder(tmp_path, monkeypatch):
    (tmp_path / "outside.csv").write_text("A\n1\n", encoding="utf-8")
    folder = tmp_path / "brief"
    folder.mkdir()
    (folder / "link.csv").symlink_to(tmp_path / "outside.csv")
    (folder / "zero.csv").symlink_to("/dev/zero")
    (folder / "data.xlsx").write_bytes(b"PK")
    path = brief_with(folder, monkeypatch, """\
    table: {csv: ../outside.csv}
  - heading: Two
    body: Text.
    table: {csv: link.csv}
  - heading: Three
    body: Text.
    chart: {type: bar, alt: A chart, csv: zero.csv}
  - heading: Four
    body: Text.
    chart: {type: bar, alt: A chart, csv: /dev/zero}
  - heading: Five
    body: Text.
    table: {csv: data.xlsx}
  - heading: Six
    body: Text.
    table: {csv: missing.csv}
""")
    assert problems(path) == [
        "brief.yaml:7:18: table csv '../outside.csv' is outside the brief's folder",
        "brief.yaml:10:18: table csv 'link.csv' is outside the brief's folder",
        "brief.yaml:13:43: chart csv 'zero.csv' is outside the brief's folder",
        "brief.yaml:16:43: chart csv path must be relative to the brief's folder, not "
        "'/dev/zero'",
        "brief.yaml:19:18: table csv must be a .csv file (in Excel: Save As, CSV UTF-8), "
        "not '.xlsx'",
        "brief.yaml:22:18: table csv file not found: missing.csv",
    ]


def it_refuses_a_named_pipe_without_waiting_for_a_writer(tmp_path, monkeypatch):
    os.mkfifo(tmp_path / "pipe.csv")
    path = brief_with(tmp_path, monkeypatch, "    table: {csv: pipe.csv}\n")
    assert problems(path) == ["brief.yaml:7:18: table csv 'pipe.csv' is a named pipe, not a "
                              "file: give the path of a saved file"]


def it_reads_no_more_of_a_huge_csv_than_its_limit(tmp_path, monkeypatch):
    path = brief_with(tmp_path, monkeypatch, "    table: {csv: big.csv}\n")
    with open(tmp_path / "big.csv", "wb") as f:
        f.truncate(5 * 1024 ** 3)  # sparse: no room on disk
    started = time.process_time()
    assert problems(path) == ["big.csv:1:1: file is 5,368,709,120 bytes; a CSV may be at most "
                              "2,000,000"]
    assert time.process_time() - started < 1


def it_names_the_csv_as_the_brief_is_named(tmp_path, monkeypatch):
    (tmp_path / "briefs").mkdir()
    path = brief_with(tmp_path / "briefs", monkeypatch, "    table: {csv: ./data/../x.csv}\n",
                      {"x.csv": "A,B\n1\n"})
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BriefError) as e:
        load_brief("briefs/" + path.name)
    assert [str(p) for p in e.value.problems] == [
        "briefs/x.csv:2:1: this row has 1 cell, but the header has 2 ('A', 'B')"]


# -- charts -------------------------------------------------------------------------------------
def it_reads_a_chart_inline(tmp_path, monkeypatch):
    path = brief_with(tmp_path, monkeypatch, """\
    chart:
      type: stacked column
      title: Removals per year
      categories: [2019, "2020", 2021.0]
      series: [{name: Sanctuary, values: [10, 8, -7.5]}, {name: "=1+2", values: [1e3, 0, .5]}]
      unit: thousands
      format: "#,##0"
      alt: Removals fell
""")
    chart = resolved(path).sections[0].chart.chart
    assert (chart.type, chart.title, chart.unit, chart.format, chart.alt) == (
        "stacked column", "Removals per year", "thousands", "#,##0", "Removals fell")
    assert chart.categories == ("2019", "2020", "2021.0")
    assert [(s.name, s.values) for s in chart.series] == [
        ("Sanctuary", (10.0, 8.0, -7.5)), ("=1+2", (1000.0, 0.0, 0.5))]
    assert chart.csv is None


def it_reads_a_chart_from_a_csv_with_categories_first(tmp_path, monkeypatch):
    path = brief_with(tmp_path, monkeypatch, "    chart: {type: line, alt: A chart, csv: c.csv}\n",
                      {"c.csv": "Year,Sanctuary,Other\n2019,10,12\n@2020,8,\u221211.5\n"})
    chart = resolved(path).sections[0].chart.chart
    assert chart.categories == ("2019", "@2020")
    assert [(s.name, s.values) for s in chart.series] == [
        ("Sanctuary", (10.0, 8.0)), ("Other", (12.0, -11.5))]
    assert chart.csv == tmp_path / "c.csv"


def it_points_at_each_problem_of_an_inline_chart(tmp_path, monkeypatch):
    path = brief_with(tmp_path, monkeypatch, """\
    chart:
      type: Column
      format: "0.00a"
      categories: ["2019", "", "2021"]
      series:
        - {name: A, values: [10, 8]}
        - {name: B, values: [1, x, .nan]}
        - {name: A, values: [1, ~, 3]}
        - {values: [1, 2, 3]}
""")
    assert problems(path) == [
        "brief.yaml:8:7: missing required field 'alt' in chart",
        "brief.yaml:8:13: 'type' must be bar, column, line, stacked column or stacked bar, not "
        "'Column' (did you mean 'column'?)",
        "brief.yaml:9:15: 'format' must be a number format: '0', '0.0', '#,##0', '#,##0.00' or "
        "'0.0%' (up to 6 decimals); not '0.00a'",
        "brief.yaml:10:28: a category must not be empty: it labels its values",
        "brief.yaml:12:29: series 'A' has 2 values, but there are 3 categories: give one value "
        "for each category",
        "brief.yaml:13:33: 'x' is not a number: a chart's values must be numbers",
        "brief.yaml:13:36: '.nan' is not a number: a chart's values must be numbers",
        "brief.yaml:14:18: duplicate series name 'A' (first at line 12)",
        "brief.yaml:14:33: a value is missing here: a chart needs a number for every category "
        "in every series",
        "brief.yaml:15:11: missing required field 'name' in series",
    ]


def it_points_at_each_problem_of_a_chart_csv(tmp_path, monkeypatch):
    path = brief_with(tmp_path, monkeypatch, """\
    chart: {type: bar, alt: A chart, csv: c.csv, categories: [a]}
  - heading: Two
    body: Text.
    chart: {type: bar, alt: A chart, csv: one.csv}
""", {"c.csv": "Year,S,,S\n,1,2,3\n2020,,2,3\n", "one.csv": "Year\n2019\n"})
    assert problems(path) == [
        "brief.yaml:7:62: a chart with csv: takes its categories from the CSV (categories from "
        "the first column, a series from each other column): leave out 'categories'",
        "c.csv:1:8: this column has no name in the header row: a series needs a name for its "
        "legend",
        "c.csv:1:9: duplicate series name 'S' (first at column 6)",
        "c.csv:2:1: a category must not be empty: it labels its values",
        "c.csv:3:6: a value is missing here: a chart needs a number for every category in "
        "every series",
        "one.csv:1:1: a chart's CSV needs at least two columns: the categories first, then one "
        "column for each series",
    ]


def it_refuses_a_chart_too_crowded_to_read(tmp_path, monkeypatch):
    header = "Year," + ",".join(f"S{i}" for i in range(13))
    rows = "".join(f"{y}," + ",".join("1" * 13) + "\n" for y in range(51))
    path = brief_with(tmp_path, monkeypatch, "    chart: {type: line, alt: A, csv: c.csv}\n",
                      {"c.csv": f"{header}\n{rows}"})
    assert problems(path) == [
        "c.csv:1:44: 13 series; a chart may have at most 12, more than its colours can tell "
        "apart: split it, or show a table",
        "c.csv:52:1: 51 categories; a chart may have at most 50, more than a reader can tell "
        "apart: group them, or show a table",
    ]


# -- captions and the handout ------------------------------------------------------------------
def it_numbers_caption_citations_in_reading_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, """\
title: A brief
date: 2026-11-24
summary: Bottom line [@a].
sections:
  - heading: One
    body: Text [@b].
    chart: {type: bar, alt: A chart, caption: "Source: [@d, table 2]", categories: [x],
            series: [{name: s, values: [1]}]}
    table: {caption: "By city [@c; @a]", columns: [A], rows: [[1]]}
  - heading: Two
    body: Text [@e].
sources:
  - {id: a, title: A}
  - {id: b, title: B}
  - {id: c, title: C}
  - {id: d, title: D}
  - {id: e, title: E}
""")
    doc = resolved(path)
    assert [(r.number, r.source.id) for r in doc.refs] == [(1, "a"), (2, "b"), (3, "c"),
                                                           (4, "d"), (5, "e")]
    table, chart = doc.sections[0].table, doc.sections[0].chart
    assert [c.number for s in table.caption for c in s.cites] == [3, 1]
    assert [(c.number, c.locator) for s in chart.caption for c in s.cites] == [(4, "table 2")]
    assert doc.warnings == ()


def it_finds_unknown_sources_in_captions(tmp_path, monkeypatch):
    path = brief_with(tmp_path, monkeypatch, """\
    table: {caption: "By city [@ghost]", columns: [A], rows: [[1]]}
""")
    assert problems(path) == ["brief.yaml:7:32: unknown source id 'ghost' (add it under "
                              "sources:)"]


def it_puts_a_sections_chart_on_the_handout(tmp_path, monkeypatch):
    chart = "    chart: {type: bar, alt: A, categories: [x], series: [{name: s, values: [1]}]}\n"
    path = brief_with(tmp_path, monkeypatch, "  - heading: Two\n    body: Text.\n" + chart
                      + "handout: {chart: 2}\n")
    assert load_brief(path.name).handout.chart == 2
    for number, message in (
            ("1", "brief.yaml:10:18: 'chart' names section 1 ('One'), which has no chart: name "
                  "a section that has one (2)"),
            ("3", "brief.yaml:10:18: 'chart' names section 3, but the brief has 2 sections"),
            ("two", "brief.yaml:10:18: 'chart' must be a section's number (1 for the first), "
                    "not 'two'")):
        path.write_text(path.read_text("utf-8").replace("chart: 2}", f"chart: {number}}}")
                        .replace("chart: 1}", f"chart: {number}}}")
                        .replace("chart: 3}", f"chart: {number}}}"), encoding="utf-8")
        assert problems(path) == [message]


def it_says_nothing_of_the_handout_chart_when_that_chart_has_problems_of_its_own(
        tmp_path, monkeypatch):
    path = brief_with(tmp_path, monkeypatch, "    chart: {type: pie, alt: A, categories: [x], "
                      "series: [{name: s, values: [1]}]}\nhandout: {chart: 1}\n")
    assert problems(path) == ["brief.yaml:7:19: 'type' must be bar, column, line, stacked "
                              "column or stacked bar, not 'pie'"]


# -- numbers and the schema --------------------------------------------------------------------
@pytest.mark.parametrize("text, number", [
    ("12", 12.0), ("-12.5", -12.5), ("\u221212", -12.0), ("+5", 5.0), (".5", 0.5), ("1e3", 1e3),
    ("1.", 1.0), ("1,234", None), ("12%", None), ("nan", None), ("inf", None), ("0x1F", None),
    ("1_000", None), ("\u0661", None), ("", None), ("=1+2", None),
])
def it_reads_a_number_only_as_written_in_digits(text, number):
    assert read_number(text) == number


def it_formats_negative_numbers_with_a_true_minus():
    assert format_number(-1234.5, "#,##0.0") == "\u22121,234.5"
    assert format_number(-0.04, "0.0") == "0.0"


@pytest.mark.parametrize("value, fmt, shown", [
    (6.25, "0.0", "6.3"), (2.5, "0", "3"), (-2.5, "0", "\u22123"), (2.675, "0.00", "2.68"),
    (0.125, "0.0%", "12.5%"), (0.00125, "0.0%", "0.1%"), (1234567.5, "#,##0", "1,234,568"),
])
def it_rounds_half_away_from_zero_as_powerpoint_does(value, fmt, shown):
    # Python's own rounding gives 6.2, 2 and 2.67 here: the deck's chart would read otherwise.
    assert format_number(value, fmt) == shown


def it_publishes_tables_charts_and_the_handout_chart_in_the_schema():
    schema = brief_schema()
    defs = schema["$defs"]
    assert set(defs["section"]["properties"]) >= {"table", "chart"}
    assert defs["table"]["oneOf"] == [{"required": ["rows"]}, {"required": ["csv"]}]
    assert defs["chart"]["properties"]["type"]["enum"] == [
        "bar", "column", "line", "stacked column", "stacked bar"]
    assert defs["chart"]["required"] == ["type", "alt"]
    assert defs["handout"]["properties"]["chart"]["type"] == "integer"
    assert all(f["description"] for kind in ("table", "chart", "series") for f in
               defs[kind]["properties"].values())
    published = json.loads((ROOT / "schema" / "brief.schema.json").read_text(encoding="utf-8"))
    assert published == schema


def it_watches_the_csv_files_a_brief_reads(tmp_path, monkeypatch):
    from briefgen.build import watched_files

    path = brief_with(tmp_path, monkeypatch, "    table: {csv: data/t.csv}\n"
                      "    chart: {type: bar, alt: A, csv: data/c.csv}\n",
                      {"data/t.csv": "A\n1\n", "data/c.csv": "Year,S\n2019,1\n"})
    watched = watched_files(path.name, None)
    assert tmp_path / "data" / "t.csv" in watched and tmp_path / "data" / "c.csv" in watched
