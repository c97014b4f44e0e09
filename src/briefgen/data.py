"""Tables and chart data: inline rows or a CSV file -> the validated model, with each problem at
its place (brief.yaml:LINE:COL, or data/x.csv:ROW:COL inside the file); and the one number
formatter the memo, the handout and the deck share."""
from __future__ import annotations

import bisect
import math
import re
from decimal import ROUND_HALF_UP, Decimal

from .labels import primary_language

# The number formats a column or a chart may name: a subset of Excel's that PowerPoint applies
# to the same values in the deck's chart, so both read the same. "0" whole numbers, "0.00" two
# decimals, "#,##0" thousands grouped, "0.0%" a fraction shown as a percentage (0.125 -> 12.5%).
FORMAT_RE = re.compile(r"(#,##)?0(?:\.(0{1,6}))?(%)?")
FORMATS_SAID = "'0', '0.0', '#,##0', '#,##0.00' or '0.0%' (up to 6 decimals)"

# Decimal mark and thousands separator by language; English's elsewhere.
_MARKS = {"de": (",", "."), "es": (",", "."), "fr": (",", "\u202f"), "it": (",", "."),
          "nl": (",", "."), "pt": (",", ".")}


def format_number(value: float, fmt: str | None, lang: str = "en") -> str:
    """value as fmt shows it in lang ('#,##0.0', 1234.56, 'de' -> '1.234,6'). Without a format,
    the shortest text that reads back as the same number, with no exponent."""
    decimal, thousands = _MARKS.get(primary_language(lang), (".", ","))
    m = FORMAT_RE.fullmatch(fmt) if fmt else None
    if fmt and not m:
        raise ValueError(f"unknown number format {fmt!r}")
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    if m:
        places = len(m[2] or "")
        # Half away from zero, as Excel and PowerPoint round: the deck's chart shows the same
        # 6.3 for 6.25 as the memo. Decimal(repr) rounds the number as written, not its binary
        # neighbour (2.675 is 2.67499999... as a float).
        exact = Decimal(repr(abs(float(value)))) * (100 if m[3] else 1)
        text = f"{exact.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP):,.{places}f}"
        negative = value < 0 and text.strip("0.,") != ""  # -0.04 as '0.0' is '0.0', not '-0.0'
        suffix = "%" if m[3] else ""
        grouped = bool(m[1])
    else:
        text = repr(abs(float(value)))
        if "e" in text or "E" in text:
            text = f"{abs(value):.15f}".rstrip("0")
        if text.endswith(".0"):
            text = text[:-2]
        text = text.rstrip(".")
        # Without a format nothing is grouped: 2021 may be a year.
        negative, suffix, grouped = value < 0, "", False
    whole, _, frac = text.partition(".")
    whole = whole.replace(",", thousands if grouped else "")
    text = whole + (decimal + frac if frac else "")
    return ("\u2212" if negative else "") + text + suffix


# -- reading tables and charts ------------------------------------------------------------------
# Limits, each said in its message: what a page or a slide can show, and what keeps a hostile
# file cheap to read (a CSV is read no further than one byte past MAX_CSV_BYTES).
MAX_CELLS = 10_000
# A table's cells: WeasyPrint lays a memo's table out at about 2 ms of processor time a cell and
# the deck adds more (2,000 cells, about 7 memo pages: 6.4 s for the whole build; 10,000: 30 s).
MAX_TABLE_CELLS = 2_000
MAX_CSV_BYTES = 2_000_000
MAX_COLUMNS = 30
MAX_CATEGORIES = 50
MAX_SERIES = 12
MAX_DIGITS = 15  # before the point: Excel and PowerPoint keep 15 significant digits
# And after it: a number other than 0 nearer 0 than this prints as 0 without a format (and as
# 1E-16 in the deck's General format), and a chart's scale cannot step through it.
SMALLEST = 1e-15
MAX_SAID = 50  # problems said per table or chart; then how many more

# A number as a cell may hold it: 12, -12.5, .5, 1e6, with a U+2212 minus too. Not 1,234 (whose
# comma means a thousand in English and a decimal point in German), not 12%, not nan or inf.
_NUMBER_RE = re.compile(r"[+\-\u2212]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+\-]?[0-9]+)?")
_GROUPED_RE = re.compile(r"[+\-\u2212]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_DECIMAL_COMMA_RE = re.compile(r"[+\-\u2212]?[0-9]+,[0-9]+")
# As a decimal comma's countries write numbers: 1.234,5 (points between thousands) or 12,5.
_POINTS_AND_COMMA_RE = re.compile(r"[+\-\u2212]?[0-9]{1,3}(?:\.[0-9]{3})+,[0-9]+")
# 1 200 or 1 200,5: thousands parted by a space (a no-break one reads as a space here too).
_SPACED_RE = re.compile(r"[+\-\u2212]?[0-9]{1,3}(?: [0-9]{3})+(?:[.,][0-9]+)?")
_POINTS_RE = re.compile(r"[+\-\u2212]?[0-9]{1,3}(?:\.[0-9]{3})+")
_CITATION_RE = re.compile(r"(?<!\\)\[\s*@")
# A CSV cell: quoted (a quote inside written twice), or plain up to the next comma or line end.
_QUOTED_RE = re.compile(r'"([^"]*(?:""[^"]*)*)"')
_PLAIN_RE = {",": re.compile(r"[^,\r\n]*"), ";": re.compile(r"[^;\r\n]*")}
_LINE_END_RE = re.compile(r"\r\n|\r|\n")
# Control characters, lone surrogates and noncharacters (U+FFFE, U+FDD0...): no XML, so no deck,
# can hold them. A test character by character took 1.7 s for a full CSV.
_UNPRINTABLE_RE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
    + "]")


def read_number(text: str) -> float | None:
    """The number a cell's text reads as ('-12.5', '1e6', '\u221212'), or None: the same rule for
    YAML and CSV cells, so a quoted '12' and a plain 12 are both numbers."""
    if not _NUMBER_RE.fullmatch(text):
        return None
    return float(text.replace("\u2212", "-"))


def numeric_columns(columns, rows) -> tuple[bool, ...]:
    """Per column: it has a format, or every cell that is not empty reads as a number."""
    out = []
    for j, column in enumerate(columns):
        cells = [row[j] for row in rows if row[j] != ""]
        out.append(column.format is not None or (bool(cells) and all(
            isinstance(c, float) or read_number(c) is not None for c in cells)))
    return tuple(out)


def resolve_table(table, para, lang: str = "en"):
    """The table as every output prints it: numbers in a column with a format formatted in the
    brief's language, every other cell as written; the caption through para (its citations
    numbered with the rest of the brief)."""
    from .model import DocTable

    cells = tuple(tuple(format_number(c, col.format, lang) if isinstance(c, float) else c
                        for c, col in zip(row, table.columns)) for row in table.rows)
    caption = para(table.caption.value) if table.caption else None
    return DocTable(caption, table.columns, cells, numeric_columns(table.columns, table.rows))


def resolve_chart(chart, para):
    from .model import DocChart

    return DocChart(chart, para(chart.caption.value) if chart.caption else None)


class _Said:
    """The problems of one table or chart: the first MAX_SAID, then how many more (a CSV of 5,000
    text cells in a column with a format would otherwise print 5,000 lines)."""

    def __init__(self, what: str):
        self.what = what
        self.problems: list = []
        self.more = 0

    def __call__(self, loc, message: str) -> None:
        from .errors import Problem

        if len(self.problems) < MAX_SAID:
            self.problems.append(Problem(loc, message))
        else:
            self.more += 1

    def hand_to(self, reader) -> bool:
        """Give the problems to the reader; True if there were none."""
        from .errors import Problem

        # A CSV cell a table and a chart both read is said once, by the first ('n/a' is not a
        # number in the table's column and in the chart's series): fixing it fixes both.
        said = {p.loc for p in reader.problems if p.loc.file != reader.label}
        reader.problems.extend(p for p in self.problems if p.loc.file == reader.label
                               or p.loc not in said)
        if self.more:
            reader.problems.append(Problem(self.problems[-1].loc, (
                f"and {self.more:,} more problems in this {self.what}, not shown: fix the "
                "ones above first")))
        return not self.problems


def _short(value: str, limit: int = 40) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[:limit - 1] + "…"


def _cells(count: int) -> str:
    return f"{count} cell" if count == 1 else f"{count} cells"


def _names(names) -> str:
    shown = [f"'{_short(n, 20)}'" if n else "(no name)" for n in names]
    return ", ".join(shown[:6]) + (", …" if len(shown) > 6 else "")


def _cell_problem(text: str, where: str) -> str | None:
    """Why a cell's text cannot be printed (where: 'a cell', 'a category', ...), if it cannot."""
    from .load import MAX_LINE

    # isprintable() is false for all of them (and for more: format characters, spaces other
    # than ' '), at C speed: the slower search runs only for the cells it does not clear.
    bad = None if text.isprintable() else _UNPRINTABLE_RE.search(text)
    if bad is not None:
        return f"{where} contains the unprintable character U+{ord(bad.group(0)):04X}"
    if len(text) > MAX_LINE:
        return f"{where} is {len(text):,} characters long; a cell may have at most {MAX_LINE:,}"
    if _CITATION_RE.search(text):
        return (f"'{_short(text)}': citations cannot go in {where}, where they would print as "
                "typed: cite the source in the caption")
    return None


def _not_a_number(text: str, fmt: str | None = None) -> str:
    """' (write it as ...)', how the text could be written as a number, if it is close to one.
    A comma may be a thousands separator or a decimal mark: the hint says which it takes it for
    only where just one reading can be meant (0,903 groups no thousands; 1.234,5 has both)."""
    percent = bool(fmt and fmt.endswith("%"))
    if _SPACED_RE.fullmatch(text):
        text = text.replace(" ", "")
        if read_number(text) is not None:
            return f" (write it without thousands separators: {text})"
    comma = None
    if _POINTS_AND_COMMA_RE.fullmatch(text):
        comma = text.replace(".", "").replace(",", ".")
    elif _DECIMAL_COMMA_RE.fullmatch(text) and (
            not _GROUPED_RE.fullmatch(text) or text.lstrip("+-\u2212").startswith("0")):
        comma = text.replace(",", ".")
    if comma is not None:
        if percent:
            return _as_fraction(comma, fmt)
        return f" (write numbers with a point for the decimals and no thousands separators: {comma})"
    if _GROUPED_RE.fullmatch(text):
        if "." in text:
            return f" (write it without thousands separators: {text.replace(',', '')})"
        point = format_number(read_number(text.replace(",", ".")), None)
        return (" (write numbers with a point for the decimals and no thousands separators: "
                f"{text.replace(',', '')}, or {point} if the comma marks the decimals)")
    if text.endswith("%") and read_number(text[:-1].strip()) is not None:
        fraction = read_number(text[:-1].strip()) / 100
        return f" (write it as a fraction, {fraction:g}, with the format '0.0%')"
    return ""


def _as_fraction(number: str, fmt: str) -> str:
    """The hint for a decimal-comma number in a percentage column, whose cells are fractions."""
    value = read_number(number)
    if value is not None and abs(value) > 1:
        return (f" (write numbers with a point for the decimals, and a share as a fraction: "
                f"{format_number(value / 100, None)}, which the format '{fmt}' prints as "
                f"{format_number(value / 100, fmt)})")
    return (f" (write numbers with a point for the decimals: {number}, which the format "
            f"'{fmt}' prints as {format_number(value, fmt)})")


def _too_large(value: float) -> bool:
    return not math.isfinite(value) or abs(value) >= 10.0 ** MAX_DIGITS


def _size_problem(text: str, value: float) -> str | None:
    """Why a number read from text is too large or too small to print as written, if it is.
    text: a number as read_number or _comma_number takes it (1e-400 reads as 0, but is not)."""
    if _too_large(value):
        return (f"'{_short(text)}' is too large: a number may have at most {MAX_DIGITS} "
                "digits before the point")
    written = re.split("[eE]", text, maxsplit=1)[0]
    if abs(value) < SMALLEST and any(d in written for d in "123456789"):
        return (f"'{_short(text)}' is too small: a number other than 0 may have at most "
                f"{MAX_DIGITS} digits after the point (0.000000000000001 is the smallest): "
                "write 0, or use a larger unit")
    return None


def _comma_number(text: str) -> tuple[float | None, str | None]:
    """A cell of a CSV separated by semicolons, where a comma marks the decimals (Excel writes
    such files where that is the custom): 12,5 and 1.234,5 read as 12.5 and 1234.5; 1.234 is
    refused, since it is 1234 there and 1.234 elsewhere."""
    if _POINTS_RE.fullmatch(text):
        return None, (f"'{text}' could be {text.replace('.', '')} or {text}: in this file, "
                      "whose cells are separated by semicolons, a comma marks the decimals: "
                      f"write {text.replace('.', '')}, or {text.replace('.', ',')}")
    if _POINTS_AND_COMMA_RE.fullmatch(text) or _DECIMAL_COMMA_RE.fullmatch(text):
        return read_number(text.replace(".", "").replace(",", ".")), None
    return (None, None) if "," in text else (read_number(text), None)


def _number_problem(text: str, why: str, fmt: str | None = None,
                    comma: bool = False) -> tuple[float | None, str | None]:
    """(the number, None), or (None, what is wrong) for a cell that must be a number. comma:
    the cell is in a CSV separated by semicolons, whose decimal mark is a comma."""
    value, problem = _comma_number(text) if comma else (read_number(text), None)
    if problem:
        return None, problem
    if value is None:
        hint = (" (in this file, whose cells are separated by semicolons, write numbers like "
                "1234,5, with a comma for the decimals)" if comma
                else _not_a_number(text, fmt))
        return None, f"'{_short(text)}' is not a number: {why}{hint}"
    problem = _size_problem(text, value)
    return (None, problem) if problem else (value, None)


# -- cells as written in the brief --------------------------------------------------------------
def _yaml_cell(reader, node, say, where: str) -> str | None:
    """A scalar's text as typed (YAML numbers too: 3.0 stays '3.0'); a null is an empty cell."""
    import yaml

    from .load import _describe

    if not isinstance(node, yaml.ScalarNode):
        say(reader.loc(node), f"{where} must be text or a number, not {_describe(node)}")
        return None
    if node.tag == "tag:yaml.org,2002:null":  # ~, null or nothing; never a quoted "~"
        return ""
    text = " ".join(node.value.translate(reader._spaces).split())
    problem = _cell_problem(text, where)
    if problem:
        say(reader.loc(node), problem)
        return None
    return text


def _items(reader, node, name: str, what: str, say) -> list | None:
    """The items of a list field (None, with a problem said, if it is not a non-empty list)."""
    import yaml

    from .load import _describe, _is_null

    if node is None:
        return None
    if isinstance(node, yaml.ScalarNode) and _is_null(node):
        say(reader.loc(node), f"'{name}' is empty: give it {what}")
        return None
    if not isinstance(node, yaml.SequenceNode):
        say(reader.loc(node), f"'{name}' must be a list of {what}, not {_describe(node)}")
        return None
    if not node.value:
        say(reader.loc(node), f"'{name}' is an empty list: give it {what}")
        return None
    return node.value


# -- CSV files ----------------------------------------------------------------------------------

def _read_csv(reader, node, what: str, say):
    """(path, label, rows, separator) of the CSV a csv: field names, each row a list of (text,
    Loc); None when it cannot be read (the problem said). The separator is ',' or ';' (then a
    comma marks the decimals, as where Excel writes such files). The same path rules as figures: inside the
    brief's folder after links, a regular file; read no further than MAX_CSV_BYTES + 1."""
    from .errors import BriefError, Loc
    from .load import Field, _read_limited, beside

    text = reader.text(node, "csv", Field("text", "", True))
    if text is None:
        return None
    path = reader.file(text, f"{what} csv")
    if path is None:
        return None
    if path.suffix.lower() != ".csv":
        say(text.loc, f"{what} csv must be a .csv file (in Excel: Save As, CSV UTF-8), not "
                      f"'{_short(path.suffix or path.name)}'")
        return None
    label = beside(reader.label, text.value)
    try:
        data = _read_limited(path, Loc(label), "CSV", MAX_CSV_BYTES)
    except BriefError as e:
        for p in e.problems:
            say(p.loc, p.message)
        return None
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        # The error's offsets count from after a byte order mark, in what it decoded.
        before = e.object[:e.start].decode("utf-8")
        lines = _LINE_END_RE.split(before)
        say(Loc(label, len(lines), len(lines[-1]) + 1), (
            f"not UTF-8 text (byte 0x{e.object[e.start]:02X}): save the file as UTF-8 (in "
            "Excel: Save As, CSV UTF-8)"))
        return None
    separator = _separator(content)
    if separator == "\t":
        say(Loc(label), "the cells are separated by tabs here; a CSV's cells are separated by "
                        "commas (in Excel: Save As, CSV UTF-8)")
        return None
    rows = _parse_csv(content, label, say, separator)
    if rows is None:
        return None
    if not rows:
        say(Loc(label), "the file is empty: a CSV needs a header row, then rows of data")
        return None
    if len(rows) == 1:
        say(Loc(label), "the file has a header row but no rows of data under it")
        return None
    return path, label, rows, separator


def _parse_csv(text: str, label: str, say, separator: str = ","):
    """Rows of (cell text, Loc) as RFC 4180 writes them, each cell at the line and character
    where it starts. Lines with nothing on them are skipped. Stops after MAX_CELLS + 1 cells."""
    from .errors import Loc

    starts = [0] + [m.end() for m in _LINE_END_RE.finditer(text)]

    def loc(index: int) -> Loc:
        line = bisect.bisect_right(starts, index) - 1
        return Loc(label, line + 1, index - starts[line] + 1)

    rows, row, count, pos, end = [], [], 0, 0, len(text)
    while pos < end:
        start = pos
        if text[pos] == '"':
            m = _QUOTED_RE.match(text, pos)
            if m is None:
                say(loc(pos), "this quote is never closed: the rest of the file was read as "
                              "one cell")
                return None
            value, pos = m.group(1).replace('""', '"'), m.end()
            if pos < end and text[pos] not in separator + "\r\n":
                say(loc(pos), "text after the closing quote of a cell: write a quote inside a "
                              "quoted cell as two quotes (\"\")")
                pos = _PLAIN_RE[separator].match(text, pos).end()
        else:
            m = _PLAIN_RE[separator].match(text, pos)
            value, pos = m.group(0), m.end()
        row.append((" ".join(value.split()), loc(start)))
        count += 1
        if count > MAX_CELLS:
            say(loc(start), f"the file has more than {MAX_CELLS:,} cells, far more than a table "
                            f"(at most {MAX_TABLE_CELLS:,}) or a chart can show: show a summary, "
                            "or split it")
            return None
        if pos < end and text[pos] == separator:
            pos += 1
            if pos == end:  # 'a,b,' at the very end: one more, empty cell
                row.append(("", loc(pos)))
            continue
        pos = _LINE_END_RE.match(text, pos).end() if pos < end else pos
        if row != [("", row[0][1])] or text[start:start + 1] == '"':
            rows.append(row)
        else:
            count -= 1  # an empty line
        row = []
    if row:
        rows.append(row)
    return rows


_HEADER_TOKEN_RE = re.compile(r'"[^"]*(?:"|$)|[,;\t]|[\r\n]')


def _separator(text: str) -> str:
    """',', or ';' or a tab where the header row has more of them than commas, outside quotes:
    Excel's "CSV UTF-8" separates cells with semicolons where a comma is the decimal mark (most
    of Europe), and leaves a header's comma unquoted there (Einwohner (Mio., 2020))."""
    counts = {",": 0, ";": 0, "\t": 0}
    for m in _HEADER_TOKEN_RE.finditer(text.lstrip("\r\n")):
        token = m.group(0)
        if token in ("\r", "\n"):
            break
        if token in counts:
            counts[token] += 1
    most = max((";", "\t"), key=counts.get)
    return most if counts[most] > counts[","] else ","


# -- tables -------------------------------------------------------------------------------------
def read_table(reader, node):
    """A section's table: block -> Table, or None with every problem recorded on the reader."""
    from .model import Column, Table

    count = len(reader.problems)
    f = reader.read(node, "table")
    if not f:
        return None
    say = _Said("table")
    columns = _read_columns(reader, f["columns_node"], say)
    cells = _table_cells(reader, node, f, columns, say)
    if cells is not None:
        cells, columns, path, comma = cells
        if len(columns) > MAX_COLUMNS:
            say(columns[MAX_COLUMNS]["loc"], f"a table may have at most {MAX_COLUMNS} columns, "
                                             "more than a page or a slide can show: split it")
        if len(cells) * len(columns) > MAX_TABLE_CELLS:
            first = cells[MAX_TABLE_CELLS // len(columns)]
            say(first[0][1], f"the table has {len(cells) * len(columns):,} cells ({len(cells):,} "
                             f"rows of {len(columns)}); a table may have at most "
                             f"{MAX_TABLE_CELLS:,}, about 7 pages of the memo: show a summary, "
                             "or split it")
        rows = [_typed_row(row, columns, say, comma) for row in cells]
    if not say.hand_to(reader) or len(reader.problems) > count or cells is None:
        return None
    rows, locs = tuple(r for r, _ in rows), tuple(at for _, at in rows)
    plain = [Column(c["name"], "left", c["format"], c["loc"]) for c in columns]
    numeric = numeric_columns(plain, rows)
    final = tuple(Column(c["name"], c["align"] or ("right" if num else "left"), c["format"],
                         c["loc"]) for c, num in zip(columns, numeric))
    return Table(f["caption"], final, rows, path, reader.loc(node), locs)


def _table_cells(reader, node, f, columns, say):
    """([[(text, Loc)]], columns, csv path or None) from rows: or csv:; None after a problem."""
    rows_node, csv_node = f["rows_node"], f["csv_node"]
    if rows_node is not None and csv_node is not None:
        later = max(rows_node, csv_node, key=lambda n: n.start_mark.index)
        say(reader.loc(later), "a table takes rows: or csv:, not both")
        return None
    if rows_node is None and csv_node is None:
        say(reader.loc(node), "a table needs rows: (a list of rows, each a list of cells) or "
                              "csv: (a CSV file in the brief's folder)")
        return None
    if csv_node is not None:
        got = _read_csv(reader, csv_node, "table", say)
        if got is None or columns is None:
            return None
        path, _, csv_rows, separator = got
        header, data = csv_rows[0], csv_rows[1:]
        for name, loc in header:
            problem = _cell_problem(name, "a column's name")
            if problem:
                say(loc, problem)
        columns = _csv_columns(reader, f["columns_node"], columns, header, say)
        cells = _check_rows(data, len(header), [n for n, _ in header], "the header", say,
                            separator)
        for row in cells:
            for i, (text, loc) in enumerate(row):
                problem = _cell_problem(text, "a cell")
                if problem:
                    say(loc, problem)
                    row[i] = None, loc  # said: not a number either
        return (cells, columns, path, separator == ";") if columns is not None else None
    if columns is None:
        return None
    if not columns:
        say(reader.loc(node), "a table with rows: needs columns: [{name: ...}, ...], one for "
                              "each cell of a row")
        return None
    for c in columns:
        if c["name"] is None:
            say(c["loc"], "missing required field 'name' in column")
    cells = _yaml_rows(reader, rows_node, [c["name"] or "" for c in columns], say)
    return (cells, columns, None, False) if cells is not None else None


def _typed_row(row, columns, say, comma: bool = False):
    """(cells, locs): a cell in a column with a format as its number, every other as written;
    comma (a CSV separated by semicolons): a number written with a decimal comma is a number
    in any column, printed in the brief's language (12,5 stays 12,5 in German, 12.5 in English)."""
    out = []
    for (text, loc), c in zip(row, columns):
        if c["format"] is not None and text:
            value, problem = _number_problem(text, (
                f"column '{_short(c['name'] or '')}' has a format ('{c['format']}'), so every "
                "cell in it must be a number"), c["format"], comma)
            if problem:
                say(loc, problem)
            out.append(value)
        elif comma and text and "," in text and _comma_number(text)[0] is not None:
            value = _comma_number(text)[0]
            problem = _size_problem(text, value)
            if problem:
                say(loc, problem)
            out.append(value)
        else:
            out.append(text)
    return tuple(out), tuple(loc for _, loc in row)


def _read_columns(reader, node, say):
    """The columns as written, each {name, align, format, loc, name_node}: [] when absent, None
    after a problem. A column may be written as its name alone: columns: [City, Change]. A name
    is None where it is missing, '' where it is written empty (a header over row labels)."""
    import yaml

    from .load import MAX_LINE, Field, _is_null

    if node is None or (isinstance(node, yaml.ScalarNode) and _is_null(node)):
        return []
    items = _items(reader, node, "columns", "columns ({name: ...})", say)
    if items is None:
        return None
    out, ok = [], True
    for item in items:
        count = len(reader.problems)
        if isinstance(item, yaml.ScalarNode):
            name = reader.text(item, "name", Field("text", "", True, most=MAX_LINE))
            f = {"name": name, "align": None, "format": None, "name_node": item}
        else:
            f = reader.read(item, "column")
        if not f or len(reader.problems) > count:
            ok = False
            continue
        written = f["name_node"] is not None
        # A name's line breaks and runs of spaces read as one space, as a cell's do: the deck
        # and the memo print a name on the lines its column gives it.
        out.append({"name": " ".join(f["name"].value.split()) if f["name"]
                    else ("" if written else None),
                    "align": f["align"], "format": f["format"], "loc": reader.loc(item),
                    "name_node": f["name_node"]})
    return out if ok else None


def _csv_columns(reader, columns_node, columns, header, say):
    """The columns of a CSV table: from its header, with what columns: says of each (its
    align and format; a name, if given, must be the header's, since columns describe the CSV's
    columns in order)."""
    names = [name for name, _ in header]
    if not columns:
        return [{"name": name, "align": None, "format": None, "loc": loc}
                for name, loc in header]
    if len(columns) != len(header):
        say(reader.loc(columns_node), (
            f"columns lists {len(columns)} columns, but the CSV's header has {len(header)} "
            f"({_names(names)}): give one entry for each, in order, or leave columns out"))
        return None
    for i, (c, name) in enumerate(zip(columns, names), 1):
        if c["name"] is not None and c["name"] != name:
            say(reader.loc(c["name_node"]), (
                f"column {i} is '{_short(c['name'])}' here but '{_short(name)}' in the CSV's "
                "header: columns describe the CSV's columns in order (leave out name to take "
                "the header's)"))
    return [{**c, "name": name} for c, name in zip(columns, names)]


def _check_rows(rows, width: int, names, against: str, say, separator: str = ","):
    """The rows that have width cells; a problem said at each that does not."""
    out = []
    for row in rows:
        if len(row) == width:
            out.append(row)
            continue
        if len(row) > width:
            say(row[width][1], f"this row has {_cells(len(row))}, but {against} has {width} "
                               f"({_names(names)}): is a {'semicolon' if separator == ';' else 'comma'} in "
                               "a cell that is not in quotes?")
        else:
            say(row[0][1], f"this row has {_cells(len(row))}, but {against} has {width} "
                           f"({_names(names)})")
    return out


def _yaml_rows(reader, node, names, say):
    """rows: as [[(text, Loc), ...], ...]; None when it is not a list of lists."""
    import yaml

    from .load import _describe

    items = _items(reader, node, "rows", "rows, each a list of cells like [Boston, -12.5]", say)
    if items is None:
        return None
    total = 0
    for row in items:
        total += len(row.value) if isinstance(row, yaml.SequenceNode) else 1
        if total > MAX_CELLS:
            say(reader.loc(row), f"the table has more than {MAX_CELLS:,} cells; a table may "
                                 f"have at most {MAX_TABLE_CELLS:,}: show a summary, or split it")
            return None
    out = []
    for i, row in enumerate(items, 1):
        if not isinstance(row, yaml.SequenceNode):
            say(reader.loc(row), f"row {i} must be a list of cells like [Boston, -12.5], not "
                                 f"{_describe(row)}")
            continue
        cells = [(_yaml_cell(reader, n, say, "a cell"), reader.loc(n)) for n in row.value]
        if len(cells) != len(names):
            at = cells[len(names)][1] if len(cells) > len(names) else reader.loc(row)
            say(at, f"row {i} has {_cells(len(cells))}, but columns has {len(names)} "
                    f"({_names(names)})")
            continue
        out.append(cells)  # a cell with a problem (said) is None, so that the others are checked
    return out


# -- charts -------------------------------------------------------------------------------------
def read_chart(reader, node):
    """A section's chart: block -> Chart, or None with every problem recorded on the reader."""
    from .model import Chart, Series

    count = len(reader.problems)
    f = reader.read(node, "chart")
    if not f:
        return None
    say = _Said("chart")
    csv_node = f["csv_node"]
    path = None
    if csv_node is not None:
        for name in ("categories", "series"):
            if f[f"{name}_node"] is not None:
                say(reader.loc(f[f"{name}_node"]), (
                    f"a chart with csv: takes its {name} from the CSV (categories from the first "
                    f"column, a series from each other column): leave out '{name}'"))
        got = _read_csv(reader, csv_node, "chart", say)
        data = _csv_chart(got, say, f["format"]) if got else None
        if got:
            path = got[0]
    else:
        missing = [n for n in ("categories", "series") if f[f"{n}_node"] is None]
        for name in missing:
            say(reader.loc(node), f"missing required field '{name}' in chart (or give csv: "
                                  "with categories in its first column)")
        data = None if missing else _yaml_chart(reader, f, say)
    ok = say.hand_to(reader)
    if not ok or data is None or len(reader.problems) > count:
        return None
    categories, series = data
    return Chart(f["type"], _value(f["title"]), tuple(categories),
                 tuple(Series(name, tuple(values)) for name, values in series),
                 _value(f["unit"]), f["format"], f["alt"].value, f["caption"], path,
                 reader.loc(node))


def _value(text):
    return text.value if text is not None else None


def _limits(categories, series, say, cat_loc, series_loc) -> bool:
    ok = True
    if len(categories) > MAX_CATEGORIES:
        say(cat_loc, f"{len(categories)} categories; a chart may have at most {MAX_CATEGORIES}, "
                     "more than a reader can tell apart: group them, or show a table")
        ok = False
    if len(series) > MAX_SERIES:
        say(series_loc, f"{len(series)} series; a chart may have at most {MAX_SERIES}, more "
                        "than its colours can tell apart: split it, or show a table")
        ok = False
    return ok


def _yaml_chart(reader, f, say):
    """(categories, [(series name, values)]) from categories: and series:, or None."""
    import yaml

    categories = _items(reader, f["categories_node"], "categories",
                        "categories, like [\"2019\", \"2020\"]", say)
    series_nodes = _items(reader, f["series_node"], "series", "series ({name, values})", say)
    if categories is None or series_nodes is None:
        return None
    if not _limits(categories, series_nodes, say, reader.loc(f["categories_node"]),
                   reader.loc(f["series_node"])):
        return None
    names = [_yaml_cell(reader, n, say, "a category") for n in categories]
    for text, n in zip(names, categories):
        if text == "":
            say(reader.loc(n), "a category must not be empty: it labels its values")
    series, first = [], {}
    for item in series_nodes:
        count = len(reader.problems)
        s = reader.read(item, "series")
        if not s or len(reader.problems) > count or s["name"] is None:
            continue
        name = s["name"].value
        if name in first:
            say(s["name"].loc, f"duplicate series name '{_short(name)}' (first at line "
                               f"{first[name]})")
        first.setdefault(name, s["name"].loc.line)
        values = _items(reader, s["values_node"], "values", "numbers, one per category", say)
        if values is None:
            continue
        if len(values) != len(categories):
            say(reader.loc(s["values_node"]), (
                f"series '{_short(name)}' has {len(values)} values, but there are "
                f"{len(categories)} categories: give one value for each category"))
            continue
        numbers = []
        for n in values:
            text = _yaml_cell(reader, n, say, "a value")
            if text is None:
                continue
            if isinstance(n, yaml.ScalarNode) and text == "":
                say(reader.loc(n), "a value is missing here: a chart needs a number for every "
                                   "category in every series")
                continue
            value, problem = _number_problem(text, "a chart's values must be numbers",
                                             f["format"])
            if problem:
                say(reader.loc(n), problem)
            numbers.append(value)
        series.append((name, numbers))
    return [n or "" for n in names], series


def _csv_chart(got, say, fmt=None):
    """(categories, [(series name, values)]) from a CSV: categories in the first column, a
    series in each other column, named by its header."""
    path, label, rows, separator = got
    header, data = rows[0], rows[1:]
    if len(header) < 2:
        say(header[0][1], "a chart's CSV needs at least two columns: the categories first, then "
                          "one column for each series")
        return None
    if not _limits(data, header[1:], say, data[min(MAX_CATEGORIES, len(data) - 1)][0][1],
                   header[min(MAX_SERIES + 1, len(header) - 1)][1]):
        return None
    first = {}
    for name, loc in header[1:]:
        problem = _cell_problem(name, "a series' name")
        if problem:
            say(loc, problem)
        elif not name:
            say(loc, "this column has no name in the header row: a series needs a name for "
                     "its legend")
        elif name in first:
            say(loc, f"duplicate series name '{_short(name)}' (first at column {first[name]})")
        first.setdefault(name, loc.col)
    data = _check_rows(data, len(header), [n for n, _ in header], "the header", say, separator)
    categories, columns = [], [[] for _ in header[1:]]
    for row in data:
        (category, loc), values = row[0], row[1:]
        if category == "":
            say(loc, "a category must not be empty: it labels its values")
        problem = _cell_problem(category, "a category")
        if problem:
            say(loc, problem)
        categories.append(category)
        for column, (text, at) in zip(columns, values):
            if text == "":
                say(at, "a value is missing here: a chart needs a number for every category "
                        "in every series")
                continue
            value, problem = _number_problem(text, "a chart's values must be numbers", fmt,
                                             separator == ";")
            if problem:
                say(at, problem)
            column.append(value)
    return categories, [(name, values) for (name, _), values in zip(header[1:], columns)]


def check_handout_chart(reader, number: int | None, node, sections, nodes) -> int | None:
    """handout: {chart: N}: N must be a section with a chart. sections: as read (None where a
    section had problems of its own, already said); nodes: as written, to tell a section without
    a chart from one whose chart had problems (said too)."""
    import yaml

    if number is None or not sections:  # no sections: said already
        return None
    if number > len(sections):
        reader.error(node, f"'chart' names section {number}, but the brief has "
                           f"{len(sections)} section{'s' if len(sections) != 1 else ''}")
        return None
    section, written = sections[number - 1], nodes[number - 1]
    if section is None or (isinstance(written, yaml.MappingNode) and any(
            getattr(key, "value", None) == "chart" for key, _ in written.value)):
        return number if section and section.chart else None
    if section.chart is None:
        with_chart = [str(i) for i, s in enumerate(sections, 1) if s and s.chart]
        hint = (f": name a section that has one ({', '.join(with_chart)})" if with_chart
                else ": give that section a chart: block")
        reader.error(node, f"'chart' names section {number} ('{_short(section.heading.value)}'), "
                           f"which has no chart{hint}")
        return None
    return number
