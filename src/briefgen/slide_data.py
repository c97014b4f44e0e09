"""Tables and charts on slides: a table's cells fitted with the theme's font files and paged
over "(cont.)" slides, and a chart's scale and label colours. Pure, as deck.py is, which imports
this module only for a brief with a table or a chart."""
from __future__ import annotations

from dataclasses import dataclass

from .data import format_number
from .deck import INSET_X, INSET_Y, LINE, Box, _metrics, _offset_after_lines
from .model import Chart
from .theme import Theme

TABLE_MAX = 20.0  # the largest size of a table's text; the smallest is the theme's minimum


def value_ticks(chart: Chart, theme: Theme, lang: str, paper: str) -> tuple[float, ...]:
    """The value axis's ticks of the memo's chart (as wide as the memo's text on the paper it
    is printed on), so slides and paper show one scale."""
    from .chart import axis_ticks
    from .exhibits import text_width_pt

    return axis_ticks(chart, width_pt=text_width_pt(paper, theme.margin), theme=theme,
                      lang=lang)


def labels_fit(chart: Chart, box: Box, size: float, theme: Theme, lang: str) -> bool:
    """Whether the values can be shown on their marks and read: each has a slot as wide (across
    the categories' axis) or as tall (a stack's segments, bars) as its label. PowerPoint lays
    the chart out itself; the plot takes about 80% of the frame's width and 70% of its height.
    Where they cannot, the numbers are still in the chart's data and in the memo."""
    count = len(chart.series)
    widest = max((_metrics(theme, False).width(format_number(v, chart.format, lang), size)
                  for s in chart.series for v in s.values), default=0.0) + 4
    tall = size * LINE
    across = box.w * 0.8 / len(chart.categories)  # a category's slot, columns and lines
    down = box.h * 0.7 / len(chart.categories)  # bars
    # A slot holds its bars and a gap of 1.5 bars (the gapWidth of 150% PowerPoint and
    # LibreOffice take): a value is centred on its bar, a bar's width from its neighbour's.
    bars = count + GAP_BARS
    return {"column": across / bars >= widest, "bar": down / bars >= tall,
            "stacked column": across / (1 + GAP_BARS) >= widest and box.h * 0.7 / count >= tall,
            "stacked bar": down / (1 + GAP_BARS) >= tall and box.w * 0.8 / count >= widest,
            "line": across >= widest and box.h * 0.7 / count >= tall}[chart.type]


GAP_BARS = 1.5


def label_colors(fills: tuple[str, ...], colors: dict[str, str]) -> tuple[str, ...]:
    """The colour of the values set inside each series' bars: the background's on a dark fill,
    the text's on a light one, whichever contrasts more (as the memo's chart chooses)."""
    from .chart import readable_on

    return tuple(readable_on(f, colors["background"], colors["text"]) for f in fills)


def _words_width(m, text: str, size: float) -> tuple[float, float]:
    """(the widest hard line, the widest word) of a cell's text, in points at size."""
    lines = text.split("\n")
    return (max(m.width(line, size) for line in lines),
            max(m.width(word, size) for line in lines for word in line.split(" ")))


def fit_table(header: tuple[str, ...], cells, theme: Theme, width: float, room: float,
              smallest: float) -> tuple[float, tuple[float, ...]] | None:
    """The size and column widths of a table: the largest size (TABLE_MAX down to smallest)
    at which it fits in room on one slide with no word broken, else the smallest size (its
    rows then continue on further slides, and the fewest words break). None when not even its header and one line of a
    row fit at the smallest size."""
    line_h = smallest * LINE + 2 * INSET_Y
    if room < 2 * line_h:
        return None
    # Widths scale with the size: measured once, at 1 pt.
    natural, least = [], []
    for c, name in enumerate(header):
        nat, word = _words_width(_metrics(theme, True), name, 1.0)
        regular = _metrics(theme, False)
        for row in cells:
            n, w = _words_width(regular, row[c], 1.0)
            nat, word = max(nat, n), max(word, w)
        natural.append(nat)
        least.append(word)
    size = TABLE_MAX
    while size >= smallest:
        widths, fits_words = column_widths(natural, least, size, width)
        # A floor on the height (a line a row) before any wrapping: most sizes of a long table
        # are ruled out here.
        if fits_words and (len(cells) + 1) * (size * LINE + 2 * INSET_Y) <= room + 0.01:
            heights = [row_height(row, theme, size, widths, i == 0)
                       for i, row in enumerate((header, *cells))]
            if sum(heights) <= room + 0.01:
                return size, widths
        size -= 1
    # Where words must break, the smallest size breaks the fewest.
    return smallest, column_widths(natural, least, smallest, width)[0]


def column_fit(header: tuple[str, ...], cells, theme: Theme, size: float,
               widths: tuple[float, ...]) -> bool:
    """Whether every word of the table fits its column at size, none broken."""
    pad = 2 * INSET_X + 1.0
    for c, width in enumerate(widths):
        words = [(_metrics(theme, True), header[c])] + [(_metrics(theme, False), row[c])
                                                         for row in cells]
        if any(_words_width(m, text, size)[1] + pad > width + 0.01 for m, text in words):
            return False
    return True


def column_widths(natural: list[float], least: list[float], size: float,
                  width: float) -> tuple[tuple[float, ...], bool]:
    """Column widths at size, as a browser lays out an automatic table: each column as wide
    as its longest line where they all fit (with some air, the table never wider than width);
    else each as wide as its longest word plus a share of the rest by how much more it wants;
    else (words must break) by the width of their longest words. And whether no word breaks."""
    pad = 2 * INSET_X + 1.0  # 1 pt over the insets: a cell's text never touches its edge
    nat = [n * size + pad for n in natural]
    low = [w * size + pad for w in least]
    if sum(nat) <= width:
        target = min(width, max(sum(nat) * 1.4, width * 0.6))
        scale = target / sum(nat)
        return tuple(n * scale for n in nat), True
    if sum(low) <= width:
        want = [n - w for n, w in zip(nat, low)]
        spare = width - sum(low)
        return tuple(w + spare * d / sum(want) for w, d in zip(low, want)), True
    # Each column as wide as its longest word where that is narrower than an equal share of
    # what the narrower ones leave; the others share the rest alike and break their words.
    widths, left, wide = list(low), width, sorted(range(len(low)), key=low.__getitem__)
    for n, c in enumerate(wide):
        share = left / (len(low) - n)
        if low[c] > share:
            for d in wide[n:]:
                widths[d] = share
            break
        left -= low[c]
    return tuple(widths), False


def cell_lines(text: str, theme: Theme, size: float, width: float, header: bool) -> list[str]:
    return _metrics(theme, header).wrap(text, size, width - 2 * INSET_X)


def row_height(row: tuple[str, ...], theme: Theme, size: float, widths, header: bool) -> float:
    lines = max(len(cell_lines(t, theme, size, w, header)) for t, w in zip(row, widths))
    return lines * size * LINE + 2 * INSET_Y


@dataclass(frozen=True)
class _Cut:
    clipped: tuple[int, ...]  # body rows cut short to fit a slide alone
    rows_left: int  # body rows past the last slide


def paginate_table(header: tuple[str, ...], cells, theme: Theme, size: float, widths,
                   room: float, most: int, later: float | None = None):
    """The table's rows on as many slides as they take (at most `most`), its header first on
    each, about as many on each where they fit so (filled one after another, 40 rows went 12,
    12, 12 and 4): [(rows, heights)], and what had to be cut. With later: the first slide's
    room is room (beside a slide's text), the others' later."""
    if later is not None:
        first, cut = _fill_slides(header, cells, theme, size, widths, room, 1, len(cells))
        if not cut.rows_left:
            return first, cut
        taken = len(cells) - cut.rows_left
        pages, rest = paginate_table(header, cells[taken:], theme, size, widths, later,
                                     most - 1)
        return first + pages, _Cut(cut.clipped + tuple(taken + i for i in rest.clipped),
                                   rest.rows_left)
    pages, cut = _fill_slides(header, cells, theme, size, widths, room, most, len(cells))
    if len(pages) > 1 and not cut.rows_left:
        # 31 rows on three: 11, 10 and 10 (not 11, 11 and 9).
        few, more = divmod(len(cells), len(pages))
        per = (few + 1,) * more + (few,) * (len(pages) - more)
        even = _fill_slides(header, cells, theme, size, widths, room, most, per)
        if len(even[0]) == len(pages) and not even[1].rows_left:
            return even
    return pages, cut


def _fill_slides(header: tuple[str, ...], cells, theme: Theme, size: float, widths,
                 room: float, most: int, per: int | tuple[int, ...]):
    """Rows on slides one after another, at most `per` on a slide (or per[n] on slide n)."""
    header_lines = max(1, int((room / 3 - 2 * INSET_Y + 0.01) // (size * LINE)))
    header = clip_row(header, theme, size, widths, header_lines, True)
    header_h = row_height(header, theme, size, widths, True)
    body_lines = max(1, int((room - header_h - 2 * INSET_Y + 0.01) // (size * LINE)))
    pages, clipped = [], []
    i = 0
    while i < len(cells) and len(pages) < most:
        rows, heights, used = [header], [header_h], header_h
        limit = per[min(len(pages), len(per) - 1)] if isinstance(per, tuple) else per
        while i < len(cells) and len(rows) <= limit:
            row, h = cells[i], row_height(cells[i], theme, size, widths, False)
            if used + h > room + 0.01:
                if len(rows) > 1:
                    break
                row = clip_row(row, theme, size, widths, body_lines, False)
                h = row_height(row, theme, size, widths, False)
                clipped.append(i)
            rows.append(row)
            heights.append(h)
            used += h
            i += 1
        pages.append((tuple(rows), tuple(heights)))
    return pages, _Cut(tuple(clipped), len(cells) - i)


def clip_row(row: tuple[str, ...], theme: Theme, size: float, widths, max_lines: int,
             header: bool) -> tuple[str, ...]:
    """Each cell of a row cut to max_lines, ending in an ellipsis where it is cut."""
    return tuple(clip_cell(t, theme, size, w, max_lines, header) for t, w in zip(row, widths))


def clip_cell(text: str, theme: Theme, size: float, width: float, max_lines: int,
              header: bool) -> str:
    lines = cell_lines(text, theme, size, width, header)
    if len(lines) <= max_lines:
        return text
    head = text[:_offset_after_lines(text, lines, max_lines)]
    while head.strip():
        candidate = head.rstrip() + "…"
        if len(cell_lines(candidate, theme, size, width, header)) <= max_lines:
            return candidate
        # A word at a time; a word wider than the line a letter at a time.
        head = head.rstrip().rsplit(" ", 1)[0] if " " in head.strip() else head.rstrip()[:-1]
    return "…"
