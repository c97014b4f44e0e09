"""Tables and charts as the memo and the handout print them: cells padded to line up on the
decimal mark, charts drawn (chart.py) at the size the page gives them, and the rule that keeps a
table inside the text block. No WeasyPrint here: pdf.py measures the laid-out table."""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from .data import format_number
from .errors import BriefError, Loc, Problem
from .model import Doc, DocChart, DocTable

# A table's type, as a share of the body size: it starts at the first and, while the table is
# wider than the text block, steps down to the last (the floor).
TABLE_STEPS = (0.9, 0.85, 0.8, 0.75)

_PT = {"in": 72.0, "cm": 72 / 2.54, "mm": 72 / 25.4, "pt": 1.0}
_PAPER_PT = {"letter": 612.0, "a4": 595.276}  # page widths
HANDOUT_MARGIN_PT = 43.2  # 0.6in each side, as style.css sets it


def length_pt(value: str) -> float:
    """A theme's length ('0.9in', '20mm') in points."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(in|mm|cm|pt)", value.strip())
    if not m:
        raise ValueError(f"not a length: {value!r}")
    return float(m[1]) * _PT[m[2]]


def page_width_pt(paper: str) -> float:
    """A page's width: 'letter', 'a4', or as the handout's fitting gives it ('816px 400in')."""
    if paper.lower() in _PAPER_PT:
        return _PAPER_PT[paper.lower()]
    return float(re.match(r"([0-9.]+)px", paper)[1]) * 0.75


def text_width_pt(paper: str, margin: str) -> float:
    """The memo's text block: the page less the theme's left and right margins."""
    return page_width_pt(paper) - 2 * length_pt(margin)


# ----- tables -----

@dataclass(frozen=True)
class Cell:
    text: str
    pad: str  # printed but not drawn: what the cell lacks of the column's widest decimals
    align: str


def table_rows(table: DocTable, lang: str) -> list[list[Cell]]:
    """The table's body cells, each with the invisible padding that puts its decimal mark where
    the column's others are.

    A right-aligned number column is set in tabular figures (every digit as wide as another),
    so a cell padded on the right with the decimal mark and digits it lacks, drawn invisibly,
    has its mark where its neighbours have theirs: exact in any font, where figure spaces
    (U+2007) are missing from some (Caladea). Only a column without a format has numbers with
    differing decimals; a format gives every cell the same decimals and suffix ('%').

    A column with a format prints the language's decimal mark. A column without one prints
    its cells as written, with a point (12.25), or, from a CSV separated by semicolons, a
    number written with a decimal comma in the language's mark (data._typed_row): its mark is
    the one its cells show."""
    formatted = format_number(0.5, "0.0", lang)[1]
    aligns = header_aligns(table)
    most: dict[int, int] = {}  # column -> the most decimals in it
    marks: dict[int, str] = {}  # column -> the decimal mark its padding adds
    for c, (column, numeric) in enumerate(zip(table.columns, table.numeric)):
        if numeric and aligns[c] == "right":
            marks[c] = formatted if column.format else _written_mark(table.cells, c)
            most[c] = max((len(_decimals(row[c], _mark(row[c], marks[c], column.format)))
                           for row in table.cells), default=0)
    rows = []
    for row in table.cells:
        cells = []
        for c, text in enumerate(row):
            pad = ""
            if most.get(c) and text.strip():
                digits = _decimals(text, _mark(text, marks[c], table.columns[c].format))
                if len(digits) < most[c]:
                    pad = ("" if digits else marks[c]) + "0" * (most[c] - len(digits))
            cells.append(Cell(text, pad, aligns[c]))
        rows.append(cells)
    return rows


def _align(align: str | None, numeric: bool) -> str:
    return align if align in ("left", "right", "center") else ("right" if numeric else "left")


def _written_mark(cells, c: int) -> str:
    """The decimal mark a column without a format shows: its cells' comma where they have one
    and no point (a semicolon CSV's 12,5 in German), else a point."""
    texts = [row[c] for row in cells]
    if any("," in t for t in texts) and not any("." in t for t in texts):
        return ","
    return "."


def _mark(text: str, column_mark: str, fmt: str | None) -> str:
    """A cell's own decimal mark: a column without a format may mix a point (12.25, as written)
    with a comma (12,5 from a semicolon CSV); neither has thousands separators."""
    if fmt is None and column_mark not in text:
        return "," if column_mark == "." else "."
    return column_mark


def _decimals(text: str, mark: str) -> str:
    """The digits after a printed number's decimal mark ('' for none): '1,234.25' -> '25'."""
    _, sep, rest = text.strip().rpartition(mark)
    return re.match(r"\d*", rest)[0] if sep else ""


def header_aligns(table: DocTable) -> list[str]:
    return [_align(col.align, numeric) for col, numeric in zip(table.columns, table.numeric)]


# ----- the width rule -----

@dataclass(frozen=True)
class Wide:
    """A table laid out wider than its room (pdf.wide_tables), in points."""
    width: float
    room: float
    column: int  # the widest column
    word: str  # the widest line of text in that column (a word, at the table's narrowest)
    word_width: float


def table_size(theme, step: int) -> float:
    """A table's type size in points at a step of TABLE_STEPS."""
    return round(theme.body_size * TABLE_STEPS[step], 1)


def next_step(theme, step: int, wide: Wide) -> int | None:
    """The step to try next for a table laid out at step and found too wide: the largest size
    at which it would fit if its width shrank with the type (it does, but for its rules), at
    least one step down; None below the floor."""
    wanted = table_size(theme, step) * wide.room / wide.width * 0.99
    for later in range(step + 1, len(TABLE_STEPS)):
        if table_size(theme, later) <= wanted or later == len(TABLE_STEPS) - 1:
            return later
    return None


def too_wide(doc: Doc, number: int, size: float, wide: Wide) -> BriefError:
    """The error for a table still too wide at the floor. Where shortening its widest column's
    widest word could make room, it stands at the cell holding that word (or at the column,
    when the word is its name); where the columns are too many for any word to help, at the
    table."""
    table = doc.sections[number - 1].table
    written = doc.brief.sections[number - 1].table
    name = table.columns[wide.column].name
    word = " ".join(wide.word.replace("\u200b", "").split())
    shown = word if len(word) <= 30 else word[:29] + "\u2026"
    loc = _word_loc(table, written, wide.column, word, doc)
    if table.numeric[wide.column]:
        advice = "give the table fewer columns, or its numbers fewer digits"
    elif wide.width - wide.word_width < wide.room:  # without that word, it would fit
        advice = "shorten that word or put a space in it, or give the table fewer columns"
    else:
        advice = f"give the table fewer columns than its {len(table.columns)}"
        loc = written.loc if written else loc
    return BriefError.at(loc, (
        f"the table in section {number} is too wide for the page even at {size:g} pt: it needs "
        f"{wide.width:.0f} pt and the text block is {wide.room:.0f} pt; its widest column, "
        f"'{name}', needs {wide.word_width:.0f} pt for '{shown}': {advice}"))


def _word_loc(table: DocTable, written, column: int, word: str, doc: Doc) -> Loc:
    if written is None:
        return Loc(str(doc.brief.path))
    squeezed = _squeeze(word).rstrip("-")  # a hyphenated line ends in a hyphen of its own
    if squeezed and squeezed in _squeeze(table.columns[column].name):
        return table.columns[column].loc
    for r, row in enumerate(table.cells):
        if squeezed and squeezed in _squeeze(row[column]):
            try:
                return written.cell_locs[r][column]
            except IndexError:
                break
    return written.loc


def _squeeze(text: str) -> str:
    return re.sub(r"[\s\u200b]+", "", text)


# ----- charts -----

_drawn: dict[tuple, tuple] = {}  # key -> (theme, data: URL, height, Crowding)
_HEIGHT = re.compile(r'<svg[^>]*? height="([0-9.]+)pt"')


def chart_image(chart: DocChart, width_pt: float, height_pt: float | None, theme,
                lang: str) -> tuple[str, float]:
    """The chart as an SVG data: URL for an <img>, and its height in points (without
    height_pt, the height its categories need). An <img>, since only an image carries its alt
    text into the tagged PDF (an inline <svg> becomes a /Figure without /Alt in WeasyPrint 70),
    and a data: URL, which the fetcher serves without reaching any file. Drawn once per size in
    a process: the handout's fitting asks for the same sizes again."""
    uri, height, _ = _draw(chart, width_pt, height_pt, theme, lang)
    return uri, height


def _draw(chart: DocChart, width_pt: float, height_pt: float | None, theme, lang: str):
    """chart_image's drawing, with what it had to give up (chart.Crowding)."""
    width_pt = round(width_pt, 2)
    height_pt = None if height_pt is None else round(height_pt, 2)
    key = (chart.chart, width_pt, height_pt, lang)
    kept = _drawn.get(key)
    if kept is not None and kept[0] is theme:
        return kept[1:]
    from .chart import draw_chart_noting  # imported only for a brief with a chart

    svg, crowding = draw_chart_noting(chart.chart, width_pt=width_pt, height_pt=height_pt,
                                      theme=theme, lang=lang)
    found = _HEIGHT.search(svg)
    height = float(found[1]) if found else (height_pt or width_pt / 2)
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    if len(_drawn) >= 64:  # a long watch: drop the oldest
        _drawn.pop(next(iter(_drawn)))
    _drawn[key] = (theme, uri, height, crowding)
    return uri, height, crowding


MEMO_CHART_TALLEST = 0.9  # of the text block's width: a chart of many bars is drawn this tall
HANDOUT_CHART_TALLEST = 0.42  # of the handout's width, at full spacing and type


def memo_charts(doc: Doc, theme, paper: str) -> dict[int, str]:
    """Section number -> its chart as a data: URL, as wide as the text block and as tall as its
    categories need, up to MEMO_CHART_TALLEST of its width."""
    if not any(s.chart for s in doc.sections):
        return {}
    return {number: drawn[0] for number, drawn in _memo_drawings(doc, theme, paper).items()}


def _memo_drawings(doc: Doc, theme, paper: str) -> dict[int, tuple]:
    width = text_width_pt(paper, theme.margin)
    charts = {}
    for s in doc.sections:
        if s.chart:
            drawn = _draw(s.chart, width, None, theme, doc.brief.lang)
            if drawn[1] > width * MEMO_CHART_TALLEST:
                drawn = _draw(s.chart, width, width * MEMO_CHART_TALLEST, theme, doc.brief.lang)
            charts[s.number] = drawn
    return charts


def shorter_chart(html: str, doc: Doc, theme, paper: str, number: int, height_pt: float) -> str:
    """The memo's html with section number's chart drawn height_pt tall, as wide as before: a
    chart made smaller keeps its type size and gives up plot height, where an image scaled down
    would shrink its labels too."""
    before = memo_charts(doc, theme, paper)[number]
    after, _ = chart_image(doc.sections[number - 1].chart, text_width_pt(paper, theme.margin),
                           height_pt, theme, doc.brief.lang)
    # Only inside this section's figure: two sections with the same chart draw the same bytes.
    figure = re.search(rf'<figure\b[^>]*\bid="chart-{number}"[^>]*>(.*?)</figure>', html, re.S)
    if not figure:
        return html
    start, end = figure.span(1)
    return html[:start] + html[start:end].replace(before, after, 1) + html[end:]


def handout_chart(doc: Doc, theme, paper: str, sp: float, scale: float) -> dict | None:
    """The chart the handout shows (handout: {chart: N}), drawn for this step of the fitting
    ladder: it shrinks with the spacing (to 80% of its height at the tightest) and with the
    type (by half as much as the type), so every step down gives back height, in a straight
    line on the spacing rung, as the ladder expects; at the smallest step (tight spacing, type
    at 80%) it keeps 72% of its height, enough for its plot to stay readable."""
    number = doc.brief.handout.chart
    if not number or not 1 <= number <= len(doc.sections) or not doc.sections[number - 1].chart:
        return None
    chart = doc.sections[number - 1].chart
    width = page_width_pt(paper) - 2 * HANDOUT_MARGIN_PT
    _, natural = chart_image(chart, width, None, theme, doc.brief.lang)
    full = min(natural, width * HANDOUT_CHART_TALLEST)
    height = full * (0.7 + 0.3 * sp) * (0.5 + 0.5 * scale)
    uri, _, crowding = _draw(chart, width, height, theme, doc.brief.lang)
    return {"number": number, "chart": chart, "uri": uri, "crowding": crowding}


_EVERY = {2: "every second", 3: "every third"}
_ON = {"memo": "in the memo", "handout": "on the handout"}


def chart_warnings(doc: Doc, theme, paper: str) -> list[Problem]:
    """A warning at each chart drawn with names left out or data labels touching, in the memo
    (as it first lays out) or on the handout (at full type and spacing: a fitted handout may
    thin more). Returned, as every warning is; build.prepare gathers them."""
    found: dict[int, dict[str, object]] = {}  # section -> {"memo"/"handout": Crowding}
    for number, drawn in _memo_drawings(doc, theme, paper).items():
        found.setdefault(number, {})["memo"] = drawn[2]
    shown = handout_chart(doc, theme, paper, 1.0, 1.0) if doc.brief.handout.chart else None
    if shown:
        found.setdefault(shown["number"], {})["handout"] = shown["crowding"]
    problems = []
    for number, by in sorted(found.items()):
        chart = doc.sections[number - 1].chart.chart
        said = []
        thinned = [(where, c.every) for where, c in by.items() if c.every > 1]
        if thinned:
            said.append(" and ".join(f"the {where} names {_EVERY.get(k, f'every {k}th')}"
                                     for where, k in thinned)
                        + f" of its {len(chart.categories)} categories")
        touching = [_ON[where] for where, c in by.items() if c.touching]
        if touching:
            said.append(f"some of its data labels touch or overlap {' and '.join(touching)}")
        if said:
            problems.append(Problem(chart.loc, (
                f"the chart in section {number} is crowded: {'; '.join(said)}; give it fewer "
                "categories or series, or shorter names")))
    return problems
