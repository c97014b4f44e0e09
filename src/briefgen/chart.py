"""A chart drawn as SVG text for the memo and the handout, in the theme's fonts and colours.

No chart library: matplotlib took 0.65-0.70 s to import here and vl-convert-python 0.71-0.81 s
for its first conversion, against a budget of 0.1 s for a brief with a chart and a table. Text is
measured with the theme's own font files (fonts.py), as the deck's is, so names are wrapped,
turned or thinned before they could overlap. Drawing a 20 x 3 chart takes 2-8 ms.

Every value is printed once as a data label, exactly as format_number prints it: readers (and the
tests) read the numbers off the chart. A label that cannot sit on its mark goes beside it, or in
a row beyond the end of its stack, in its series' colour; if no place is free it takes the least
crowded one, so a value is never left out. Labels stay apart (SPACING) and are drawn in reading
order, so pdftotext and pypdf read each as a word of its own, up to about 12 categories x 3
series of columns in a text block's width; beyond that (bars thinner than the smallest type,
SMALLEST) labels touch.

pdf.py draws each plain SVG text as one run (WeasyPrint 70 drew it letter by letter, losing
spaces and narrow no-break spaces to extraction).
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from .data import FORMAT_RE, format_number
from .fonts import SAFETY, metrics
from .model import Chart

PAD = 2.0  # around the drawing, so no ink touches its edge
SIZE = 8.0  # axis, category and legend text
TITLE_SIZE = 10.0
VALUE_SIZE = 7.5  # data labels
SMALLEST = 5.5  # no text is set smaller
LEADING = 1.2
TURNED_LEADING = 1.12  # turned names are short runs of lines packed side by side
GAP = 3.0  # between a mark and its label
# Labels side by side keep this far apart: pdftotext read two 7.5 pt labels 3 pt apart as one
# word ('0 0 0' as '000').
SPACING = 4.0

_LAYERS = ("grid", "bars", "axis", "lines", "markers", "backing")  # drawn in this order, text last
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# -- the entry points ------------------------------------------------------------------------

def draw_chart(chart: Chart, *, width_pt: float, height_pt: float | None = None, theme,
               lang: str = "en") -> str:
    """The chart as an SVG document sized width_pt x height_pt (the viewBox is in points), with
    role="img" and the alt text as its <title>, and no reference to anything outside it.
    Without height_pt it takes the height its categories need (bars: about 14 pt a category
    and series, up to 1.1 times the width). A height too small for the text and a plot of at
    least 30-40 pt gives a taller drawing: read its height back from the <svg>. Pure: the same
    input gives the same bytes."""
    return draw_chart_noting(chart, width_pt=width_pt, height_pt=height_pt, theme=theme,
                             lang=lang)[0]


def axis_ticks(chart: Chart, *, width_pt: float, theme, lang: str = "en") -> tuple[float, ...]:
    """The value axis's ticks of the chart drawn width_pt wide at the height its data asks:
    the deck gives its native chart the same scale as the memo's. Kept from that drawing when
    this process made it: every shorter drawing of the chart (the handout's steps) asks again."""
    kept = _axes.get((chart, width_pt, lang))
    if kept is not None and kept[0] is theme:
        return kept[1]
    drawing = _Drawing(chart, width_pt, None, theme, lang)
    drawing.svg()
    return _keep_axis(drawing)


_axes: dict[tuple, tuple[object, tuple[float, ...]]] = {}  # (chart, width, lang) -> (theme, ticks)


def _keep_axis(drawing: "_Drawing") -> tuple[float, ...]:
    ticks = tuple(drawing.axis)
    _axes[(drawing.chart, drawing.w, drawing.lang)] = (drawing.theme, ticks)
    return ticks


@dataclass(frozen=True)
class Crowding:
    """What a drawing had to give up, as data for a warning at the chart (exhibits.py): the
    renderer prints nothing."""
    every: int = 1  # every k-th category is named
    touching: bool = False  # some data labels found no place clear of the others


def draw_chart_noting(chart: Chart, *, width_pt: float, height_pt: float | None = None, theme,
                      lang: str = "en") -> tuple[str, Crowding]:
    """draw_chart, and what it had to give up. Drawn to a given height, a chart keeps the value
    axis it has at the height its data asks (axis_ticks), which the deck's chart shows too: a
    chart drawn shorter to stay on its page gives up plot height, not its scale."""
    drawing = _Drawing(chart, width_pt, height_pt, theme, lang)
    if height_pt is not None:
        drawing.fixed_axis = axis_ticks(chart, width_pt=width_pt, theme=theme, lang=lang)
    svg = drawing.svg()
    if height_pt is None:
        _keep_axis(drawing)
    clashes = sum(p.clashes for p in drawing.placers)
    return svg, Crowding(drawing.every, drawing.touching or clashes > 0
                         or _any_overlap(drawing.value_boxes))


def _any_overlap(boxes: list["_Box"]) -> bool:
    """Whether any two boxes overlap (a sweep along x: labels of many bars stay fast)."""
    ordered = sorted(boxes, key=lambda b: b.x0)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.x0 >= a.x1:
                break
            if a.overlaps(b):
                return True
    return False


def series_colors(theme, count: int, lines: bool = False) -> list[str]:
    """One colour per series, the primary's and the accent's hues in turn, each series lighter
    than the one before so that even a grey printout tells neighbours apart: bars span CIE
    lightness from the primary's (at most 45) to 82, lines, which must show on white, to 60.
    Two series keep the accent as it is where it is already far enough from the primary
    (28 apart; 45 in a grey theme, where lightness is all there is)."""
    primary, accent = _rgb(theme.colors["primary"]), _rgb(theme.colors["accent"])
    first = min(_lightness(primary), 45.0)
    top = 60.0 if lines else 82.0
    if count <= 1:
        targets = [first]
    elif count == 2:
        need = 45.0 if is_grey(theme) else 28.0
        ok = _lightness(accent) - first >= need
        targets = [first, _lightness(accent) if ok else min(top, first + need)]
    else:
        step = (top - first) / (count - 1)
        targets = [first + i * step for i in range(count)]
    return [_hex(_set_lightness(primary if i % 2 == 0 else accent, target))
            for i, target in enumerate(targets)]


# -- layout ----------------------------------------------------------------------------------

@dataclass
class _Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, o: "_Box") -> bool:
        return self.x0 < o.x1 and o.x0 < self.x1 and self.y0 < o.y1 and o.y0 < self.y1

    def inside(self, o: "_Box") -> bool:
        return self.x0 >= o.x0 - 0.01 and self.y0 >= o.y0 - 0.01 and \
            self.x1 <= o.x1 + 0.01 and self.y1 <= o.y1 + 0.01


class _Drawing:
    def __init__(self, chart: Chart, width: float, height: float | None, theme, lang: str):
        self.chart, self.theme, self.lang = chart, theme, lang
        self.w = float(width)
        self.given_h = height
        self.fixed_axis: tuple[float, ...] = ()  # the value axis's ticks, when set from outside
        self.regular = metrics(theme.heading.regular)
        self.bold = metrics(theme.heading.bold)
        self.text_color = theme.colors["text"]
        self.muted = theme.colors["muted"]
        # Gridlines stay light whatever the theme's rules are.
        rule = _rgb(theme.colors["rule"])
        self.rule = _hex(_set_lightness(rule, 82)) if _lightness(rule) < 82 else _hex(rule)
        self.background = theme.colors["background"]
        self.horizontal = chart.type in ("bar", "stacked bar")
        self.stacked = chart.type.startswith("stacked")
        self.line = chart.type == "line"
        self.series = chart.series
        self.n = len(chart.categories)
        self.colors = series_colors(theme, len(self.series), lines=self.line)
        self.grey = is_grey(theme)
        # Marks are drawn as one path per look and layer: WeasyPrint spends about 0.1 ms on
        # each element's style, and a chart of rects had hundreds. Text is drawn in the order
        # it is read, line by line and left to right, since extraction (pypdf) follows the
        # drawing order: a label drawn after one to its right read as one word with it.
        self.paths: dict[str, dict[str, list[str]]] = {layer: {} for layer in _LAYERS}
        self.texts: list[tuple[float, float, tuple, str, float]] = []
        self.labels: dict[float, str] = {}
        self.looks: dict[int, str] = {}
        self.fitted: dict[float, _Categories] = {}
        self.text_boxes: list[_Box] = []
        self.every = 1  # what the drawing gave up (Crowding)
        self.touching = False
        self.placers: list[_Placer] = []
        self.value_boxes: list[_Box] = []  # data labels set beside their marks, unplaced

    # -- text helpers --

    def width(self, text: str, size: float, bold: bool = False) -> float:
        return (self.bold if bold else self.regular).width(text, size)

    def wrap(self, text: str, size: float, width: float, most: int = 0,
             bold: bool = False) -> list[str]:
        """Lines of text wrapped to width; with most, no more than that many, the last ending
        in an ellipsis where text was left out (the alt text and the deck have all of it)."""
        width = max(width, 1.0)
        lines = (self.bold if bold else self.regular).wrap(text, size, width)
        if most and len(lines) > most:
            last = lines[most - 1]
            while last and self.width(last + "\u2026", size, bold) > width:
                last = last[:-1]
            lines = lines[:most - 1] + [last.rstrip() + "\u2026"]
        return lines

    def fits_words(self, text: str, size: float, width: float) -> bool:
        return all(self.width(word, size) <= width for word in text.split())

    def label(self, value: float) -> str:
        text = self.labels.get(value)
        if text is None:
            text = self.labels[value] = format_number(value, self.chart.format, self.lang)
        return text

    def text(self, x: float, y: float, text: str, size: float, *, anchor: str = "start",
             fill: str | None = None, bold: bool = False, rotate: float = 0) -> None:
        """Text whose baseline starts at (x, y), or ends at it or is centred on it. The start is
        worked out here from the font's widths, as WeasyPrint sets SVG text letter by letter
        with no kerning, rather than by text-anchor, which costs WeasyPrint a group each."""
        text = _clean(text)
        if anchor != "start":
            shift = self.width(text, size, bold) / SAFETY * (1.0 if anchor == "end" else 0.5)
            x -= shift * math.cos(math.radians(rotate))
            y -= shift * math.sin(math.radians(rotate))
        turn = f' transform="rotate({_n(rotate)} {_n(x)} {_n(y)})"' if rotate else ""
        self.texts.append((y, x, (size, fill or self.text_color, bold),
                           f'<text x="{_n(x)}" y="{_n(y)}"{turn}>{_esc(text)}</text>', rotate))
        if not rotate:  # where data labels must not go
            self.text_boxes.append(_Box(x, y - size * 0.8, x + self.width(text, size, bold),
                                        y + size * 0.25))

    def path(self, layer: str, look: str, d: str) -> None:
        self.paths[layer].setdefault(look, []).append(d)

    # -- the whole drawing --

    def svg(self) -> str:
        top = PAD + self.draw_title(PAD)
        if len(self.series) > 1:
            top += self.draw_legend(top)
        if self.horizontal:
            h = self.layout_bars(top)
        else:
            h = self.layout_columns(top)
        family = _attr(f"{self.theme.heading.css_family}, sans-serif")
        ids = self.pattern_defs()
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" role="img" '
                f'width="{_n(self.w)}pt" height="{_n(h)}pt" viewBox="0 0 {_n(self.w)} {_n(h)}" '
                f'font-family={family} fill="{self.text_color}">'
                f"<title>{_esc(self.chart.alt)}</title>")
        body = [f'<path {look} d="{"".join(ds)}"/>'
                for layer in _LAYERS for look, ds in self.paths[layer].items()]
        for (size, fill, bold), run in groupby(_reading_order(self.texts), key=lambda t: t[2]):
            weight = ' font-weight="bold"' if bold else ""
            texts = "".join(t[3] for t in run)
            body.append(f'<g font-size="{_n(size)}" fill="{fill}"{weight}>{texts}</g>')
        return "".join([head, ids, *body, "</svg>"])

    def draw_title(self, y: float) -> float:
        if not self.chart.title:
            return 0.0
        lines = self.wrap(_clean(self.chart.title), TITLE_SIZE, self.w - 2 * PAD, 4, bold=True)
        lh = TITLE_SIZE * LEADING
        for i, line in enumerate(lines):
            self.text(PAD, y + TITLE_SIZE * 0.85 + i * lh, line, TITLE_SIZE, bold=True)
        return len(lines) * lh + 4

    def draw_legend(self, y: float) -> float:
        """Swatch and name per series, flowing left to right in rows; a name too long for a
        row wraps."""
        lh = SIZE * LEADING
        key = 16.0 if self.line else 8.0
        room = self.w - 2 * PAD
        items = []
        for i, s in enumerate(self.series):
            lines = self.wrap(_clean(s.name), SIZE, room - key - 4, 2)
            items.append((i, lines, key + 4 + max(self.width(t, SIZE) for t in lines)))
        x, row_h, rows_y = PAD, 0.0, y
        for i, lines, w in items:
            if x > PAD and x + w > self.w - PAD:
                x, rows_y, row_h = PAD, rows_y + row_h + 2, 0.0
            mid = rows_y + lh / 2
            if self.line:
                self.path("lines", self.line_look(i), f"M{_n(x)} {_n(mid)}h{_n(key)}")
                self.marker(i, x + key / 2, mid)
            else:
                self.rect(_Box(x, mid - 4, x + 8, mid + 4), i)
            for j, t in enumerate(lines):
                self.text(x + key + 4, rows_y + SIZE * 0.8 + j * lh, t, SIZE)
            row_h = max(row_h, len(lines) * lh)
            x += w + 12
        return rows_y + row_h - y + 6

    # -- values --

    def extent(self) -> tuple[float, float]:
        values: list[float] = []
        if self.stacked:
            for i in range(self.n):
                column = [s.values[i] for s in self.series if i < len(s.values)]
                values += [sum(v for v in column if v > 0), sum(v for v in column if v < 0)]
        else:
            values = [v for s in self.series for v in s.values[:self.n]]
        lo, hi = (min(values), max(values)) if values else (0.0, 0.0)
        if not self.line:
            return min(lo, 0.0), max(hi, 0.0)
        # A line starts at zero when zero is near its values (within their own spread).
        if lo > 0 and lo <= hi - lo:
            lo = 0.0
        if hi < 0 and -hi <= hi - lo:
            hi = 0.0
        return lo, hi

    def ticks(self, length: float, spacing: float) -> list[float]:
        if self.fixed_axis:
            self.axis = list(self.fixed_axis)
            return self.axis
        lo, hi = self.extent()
        # The last ticks asked for are the ones drawn: each layout settles on them last.
        self.axis = nice_ticks(lo, hi, max(2, min(10, int(length / spacing))), self.chart.format)
        return self.axis

    # -- columns and lines: categories along the bottom --

    def layout_columns(self, top: float) -> float:
        lh = SIZE * LEADING
        unit = self.wrap(_clean(self.chart.unit or ""), SIZE, self.w - 2 * PAD, 2) \
            if self.chart.unit else []
        unit_h = len(unit) * lh + 3 if unit else 0.0
        # Without a height, the plot takes a height for its width, and the drawing grows to
        # hold the category names under it.
        plot_h = max(120.0, min(self.w * 0.42, 260.0))
        h = self.given_h or top + unit_h + plot_h + 36
        ticks = self.ticks(plot_h if self.given_h is None else h - top - 40, 30)
        head = foot = 0.0
        for _ in range(3):  # tick labels set the left margin, which sets the room per category
            tick_w = max(self.width(self.label(t), SIZE) for t in ticks)
            # Numbers too long for a narrow chart are set smaller, down to SMALLEST.
            tick_size = max(SMALLEST, min(SIZE, SIZE * self.w * 0.3 / max(tick_w, 1.0)))
            x0 = PAD + tick_w * tick_size / SIZE + 5
            x1 = self.w - PAD - 1
            cats = self.category_labels(x1 - x0)
            if cats.left_needed > x0:
                x0 = cats.left_needed
                cats = self.category_labels(x1 - x0)
            vlabels = self.value_label_plan(x1 - x0)
            # The top tick's label stands half above the plot.
            plot_top = top + unit_h + max(head, SIZE * 0.6)
            if self.given_h is None:
                plot_bottom = plot_top + plot_h
                h = plot_bottom + foot + cats.height + PAD
            else:
                # A height too small for the text still leaves a plot: the drawing grows.
                plot_bottom = max(h - PAD - cats.height - foot, plot_top + 40)
                h = max(h, plot_bottom + foot + cats.height + PAD)
            ticks = self.ticks(plot_bottom - plot_top, 30)
            head, foot = self.overhang(vlabels, ticks, plot_bottom - plot_top)
        lo, hi = ticks[0], ticks[-1]
        span = (hi - lo) or 1.0

        def y(v: float) -> float:
            return plot_bottom - (v - lo) / span * (plot_bottom - plot_top)

        for t in ticks:
            self.hline(x0, x1, y(t), self.rule, 0.5)
            self.text(x0 - 5, y(t) + tick_size * 0.35, self.label(t), tick_size, anchor="end",
                      fill=self.muted)
        for m, line in enumerate(unit):
            self.text(PAD, top + SIZE * 0.85 + m * lh, line, SIZE, fill=self.muted)
        pitch = (x1 - x0) / max(self.n, 1)
        cats.draw(self, x0, pitch, h - PAD - cats.height + 3)
        self.every = cats.step
        crowded = self.crowded((x1 - x0) * (plot_bottom - plot_top))
        self.touching = crowded
        placer = _Placer(_Box(0, 0, self.w, h), crowded)
        self.placers.append(placer)
        for box in self.text_boxes:
            placer.add(box)
        for box in cats.boxes:
            placer.block(box)
        if self.line:
            self.draw_lines(x0, pitch, y, placer)
        else:
            self.draw_columns(x0, pitch, y, vlabels, placer)
        # The base line: zero where the axis has it, else the axis's foot.
        self.hline(x0, x1, y(0.0 if lo <= 0 <= hi else lo), self.muted, 0.9)
        return h

    def category_labels(self, length: float) -> "_Categories":
        """How the category names fit under their slots: one line each, wrapped (up to four
        lines), or turned 45 degrees in up to three lines; set smaller, then cut short (with an
        ellipsis) before any is left out, and only when even that would touch, every k-th."""
        key = round(length, 2)
        if key not in self.fitted:  # the layout asks again for the same room
            self.fitted[key] = self._category_labels(length)
        return self.fitted[key]

    def _category_labels(self, length: float) -> "_Categories":
        cats = [_clean(c) for c in self.chart.categories]
        n = max(self.n, 1)
        pitch = length / n
        room = pitch - 4
        if all(self.width(c, SIZE) <= room for c in cats):
            return _Categories([[c] for c in cats], SIZE, 0, 1, SIZE * LEADING + 4)
        for size in (SIZE, 7.0):
            if all(self.fits_words(c, size, room) for c in cats):
                wrapped = [self.wrap(c, size, room) for c in cats]
                lines = max(map(len, wrapped))
                if lines <= (3 if size == SIZE else 4):
                    return _Categories(wrapped, size, 0, 1, lines * size * LEADING + 4)
        c = math.sqrt(0.5)
        cap = max(self.w / 3, 60.0)  # the longest a turned line may be
        best = None
        for size in (7.0, 6.0):
            lh = size * TURNED_LEADING
            widest = max((self.width(t, size) for t in cats), default=0.0)
            word = max((self.width(wd, size) for t in cats for wd in t.split()), default=0.0)
            for k in (1, 2, 3):
                length_k = min(max(word, widest / k), cap)
                wrapped = [self.wrap(t, size, length_k) for t in cats]
                while max(map(len, wrapped)) > k and length_k < cap:
                    length_k = min(cap, length_k * 1.1)
                    wrapped = [self.wrap(t, size, length_k) for t in cats]
                cut = max(map(len, wrapped)) > k
                wrapped = [self.wrap(t, size, length_k, k) for t in cats]
                lines = max(map(len, wrapped))
                extent = max((self.width(t, size) for w in wrapped for t in w), default=0.0)
                height = (extent + lines * lh) * c
                # Turned labels side by side are pitch * cos 45 apart.
                step = max(1, math.ceil(lines * lh / (pitch * c)))
                rank = (step, cut, height)
                if best is None or rank < best[0]:
                    best = (rank, size, wrapped, extent, lines)
        (step, _, height), size, wrapped, extent, lines = best
        # The first label runs left of its slot, by its length and the thickness of its lines:
        # the plot moves right if it would leave the drawing.
        left = PAD + (extent + lines * size * TURNED_LEADING) * c - pitch / 2 + 1
        return _Categories(wrapped, size, 45, step, height + 6, left_needed=left)

    def value_label_plan(self, length: float) -> "_ValuePlan":
        """Data labels above (below, for negatives) each column: level if every one fits over
        its column, else turned to read upwards."""
        if self.line or self.stacked:
            return _ValuePlan(VALUE_SIZE, False)
        room = self.group(length / max(self.n, 1)) / len(self.series)
        labels = [self.label(v) for s in self.series for v in s.values[:self.n]]
        for size in (VALUE_SIZE, 6.5):
            if all(self.width(t, size) + SPACING <= room for t in labels):
                return _ValuePlan(size, False)
        return _ValuePlan(max(SMALLEST, min(VALUE_SIZE, room * 0.95)), True)

    def overhang(self, plan: "_ValuePlan", ticks: list[float], length: float
                 ) -> tuple[float, float]:
        """How far data labels reach above the plot and below it, on this scale."""
        if self.line:  # a label may go under its point if it has no room over it
            return VALUE_SIZE * LEADING + GAP, 0.0
        if self.stacked:
            return 0.0, 0.0
        lo, hi = ticks[0], ticks[-1]
        scale = length / ((hi - lo) or 1.0)
        up = down = 0.0
        for s in self.series:
            for v in s.values[:self.n]:
                reach = (self.width(self.label(v), plan.size) if plan.turned else plan.size) \
                    + GAP + 1
                if v >= 0:
                    up = max(up, reach - (hi - v) * scale)
                else:
                    down = max(down, reach - (v - lo) * scale)
        return up, down

    def group(self, pitch: float) -> float:
        """The width a category's bars take of its slot."""
        k = len(self.series)
        if self.stacked or k == 1:
            return min(pitch * 0.62, 36.0)
        return min(pitch * 0.8, 36.0 * k)

    def spans(self, i: int):
        """(series, value, start, end) of each bar of category i, in values. Stacked, a
        segment starts where the one before it on its side of zero ended; else at zero."""
        up = down = 0.0
        for j, s in enumerate(self.series):
            if i >= len(s.values):
                continue
            v = s.values[i]
            if not self.stacked:
                yield j, v, 0.0, v
            elif v >= 0:
                yield j, v, up, up + v
                up += v
            else:
                yield j, v, down, down + v
                down += v

    def draw_columns(self, x0: float, pitch: float, y, plan: "_ValuePlan",
                     placer: "_Placer") -> None:
        k = len(self.series)
        group = self.group(pitch)
        bar = group if self.stacked else group / k
        gap = 0.0 if self.stacked else min(1.0, bar * 0.15)
        segments = []  # stacked: (box, series, value, label)
        for i in range(self.n):
            left = x0 + i * pitch + (pitch - group) / 2
            for j, v, start, end in self.spans(i):
                y_a, y_b = y(start), y(end)
                bx = left if self.stacked else left + j * bar
                top_, bottom = min(y_a, y_b), max(y_a, y_b)
                box = _Box(bx + gap / 2, top_, bx + bar - gap / 2, bottom)
                self.rect(box, j)
                placer.block(box)
                text = self.label(v)
                if self.stacked:
                    segments.append((box, j, v, text, i))
                    continue
                cx = bx + bar / 2
                if plan.turned:
                    w = self.width(text, plan.size)
                    if v >= 0:
                        self.text(cx + plan.size * 0.35, top_ - GAP, text, plan.size, rotate=-90)
                        y_a, y_b = top_ - GAP - w, top_ - GAP
                    else:
                        self.text(cx + plan.size * 0.35, bottom + GAP, text, plan.size,
                                  anchor="end", rotate=-90)
                        y_a, y_b = bottom + GAP, bottom + GAP + w
                    self.value_boxes.append(_Box(cx - plan.size * 0.45, y_a,
                                                 cx + plan.size * 0.45, y_b))
                    continue
                elif v >= 0:
                    self.text(cx, top_ - GAP, text, plan.size, anchor="middle")
                else:
                    self.text(cx, bottom + GAP + plan.size * 0.75, text, plan.size,
                              anchor="middle")
                self.value_boxes.append(self.text_boxes[-1])
        if segments:
            self.place_segment_labels(segments, placer, vertical=True)

    def draw_lines(self, x0: float, pitch: float, y, placer: "_Placer") -> None:
        points = []
        for j, s in enumerate(self.series):
            pts = [(x0 + (i + 0.5) * pitch, y(v), v) for i, v in enumerate(s.values[:self.n])]
            points.append(pts)
            if len(pts) > 1:
                d = "M" + "L".join(f"{_n(px)} {_n(py)}" for px, py, _ in pts)
                self.path("lines", self.line_look(j), d)
                for a, b in zip(pts, pts[1:]):
                    placer.segment(a[0], a[1], b[0], b[1])
        r = 2.6
        for j, pts in enumerate(points):
            for px, py, _ in pts:
                self.marker(j, px, py)
                placer.block(_Box(px - r, py - r, px + r, py + r))
        size = VALUE_SIZE
        widest = max((self.width(self.label(v), size) for pts in points for *_, v in pts),
                     default=0)
        if widest + SPACING > pitch:
            size = max(SMALLEST, size * pitch / (widest + SPACING))
        inks = [_readable(c, self.background, self.text_color) for c in self.colors]
        # Points in order across, so labels of a crowded category settle together.
        order = sorted(((i, j) for j, pts in enumerate(points) for i in range(len(pts))),
                       key=lambda ij: (ij[0], points[ij[1]][ij[0]][1]))
        for i, j in order:
            px, py, v = points[j][i]
            text = self.label(v)
            w, hgt = self.width(text, size), size
            d = r + 1.5
            candidates = [(px - w / 2, py - d - hgt), (px - w / 2, py + d),
                          (px + d, py - hgt / 2), (px - d - w, py - hgt / 2),
                          (px + d, py - d - hgt), (px - d - w, py - d - hgt),
                          (px + d, py + d), (px - d - w, py + d),
                          (px - w / 2, py - d - 2 * hgt - 1), (px - w / 2, py + d + hgt + 1)]
            box = placer.place([_Box(cx, cy, cx + w, cy + hgt) for cx, cy in candidates])
            self.text(box.x0, box.y0 + size * 0.8, text, size, fill=inks[j])

    def place_segment_labels(self, segments, placer: "_Placer", vertical: bool) -> None:
        """A stacked segment's value inside it if it fits, else beside the segment, else a
        little further along; the first free place wins. In columns too narrow for their
        labels, every label reads upwards (the way that fits more of them inside)."""
        inks = {j: readable_on(c, self.background, self.text_color)
                for j, c in enumerate(self.colors)}

        def inside(box: _Box, text: str, size: float, turned: bool) -> _Box | None:
            w = self.width(text, size)
            cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
            dx, dy = (size / 2, w / 2) if turned else (w / 2, size / 2)
            cand = _Box(cx - dx, cy - dy, cx + dx, cy + dy)
            # Labels of segments end to end stay SPACING apart.
            room = _Box(box.x0 + SPACING / 2, box.y0 + 0.5, box.x1 - SPACING / 2, box.y1 - 0.5) \
                if not turned else \
                _Box(box.x0 + 0.5, box.y0 + SPACING / 2, box.x1 - 0.5, box.y1 - SPACING / 2)
            return cand if cand.inside(room) else None

        turned = vertical and sum(inside(b, t, VALUE_SIZE, True) is not None
                                  for b, _, _, t, _ in segments) > \
            sum(inside(b, t, VALUE_SIZE, False) is not None for b, _, _, t, _ in segments)
        # Beyond each end of each stack, the values of its thin segments line up in a row:
        # along the bar (bars), upwards over the column (level labels), or side by side over it
        # (turned labels). ends: (category, positive) -> where the next such label goes.
        ends: dict[tuple[int, bool], list[float]] = {}
        for box, _, v, _, i in segments:
            key = (i, v >= 0)
            at = ends.setdefault(key, [box.x1 if v >= 0 else box.x0, box.y0 if v >= 0 else box.y1,
                                       box.x0])
            if vertical:
                at[1] = min(at[1], box.y0) if v >= 0 else max(at[1], box.y1)
            else:
                at[0] = max(at[0], box.x1) if v >= 0 else min(at[0], box.x0)
        outside = {j: _readable(c, self.background, self.text_color)
                   for j, c in enumerate(self.colors)}
        for box, j, v, text, i in segments:
            chosen = None
            for size in (VALUE_SIZE, 6.5):
                cand = inside(box, text, size, turned)
                if cand is not None and placer.free(cand):
                    chosen = (cand, size, inks[j])
                    if self.fill(j) != self.colors[j]:
                        # Hatching struck through the digits: the label sits on a patch of
                        # paper, in the text colour.
                        chosen = (cand, size, self.text_color)
                        pad = _Box(cand.x0 - 1.2, cand.y0 - 0.6, cand.x1 + 1.2, cand.y1 + 0.6)
                        self.path("backing", f'fill="{self.background}"',
                                  f"M{_n(pad.x0)} {_n(pad.y0)}H{_n(pad.x1)}"
                                  f"V{_n(pad.y1)}H{_n(pad.x0)}Z")
                    break
            if chosen is None:
                size = 6.5
                w = self.width(text, size)
                cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
                up = v >= 0
                end = ends[(i, up)]
                if vertical and turned:
                    row = _Box(end[2], end[1] - 3 - w, end[2] + size, end[1] - 3) if up else \
                        _Box(end[2], end[1] + 3, end[2] + size, end[1] + 3 + w)
                elif vertical:
                    row = _Box(cx - w / 2, end[1] - 2 - size, cx + w / 2, end[1] - 2) if up else \
                        _Box(cx - w / 2, end[1] + 2, cx + w / 2, end[1] + 2 + size)
                else:
                    at = end[0] + 3 if up else end[0] - 3 - w
                    row = _Box(at, cy - size / 2, at + w, cy + size / 2)
                cands = [row]
                # Else beside the segment, or further along; a level label in a column chart
                # goes beside its segment first, which says best which one it belongs to.
                along, across = (w, size) if turned else (size, w)
                if vertical:
                    cands += [_Box(x, cy - along / 2 + k * (along + 1),
                                   x + across, cy + along / 2 + k * (along + 1))
                              for k in (0, -1, 1, -2, 2, -3, 3)
                              for x in (box.x1 + 1.5, box.x0 - 1.5 - across)]
                    if not turned:
                        cands[:3] = cands[1:3] + [row]
                else:
                    cands += [_Box(cx - w / 2 + k * (w / 2 + 2), y, cx + w / 2 + k * (w / 2 + 2),
                                   y + size)
                              for k in (0, 1, -1, 2, -2, 3, -3)
                              for y in (box.y0 - 1.5 - size, box.y1 + 1.5)]
                # In the series' colour, dark enough to read: the segment it belongs to.
                chosen = (placer.place(cands, add=False), size, outside[j])
                if chosen[0] is row:  # the next one goes after it
                    if vertical and turned:
                        end[2] = row.x1 + SPACING
                    elif vertical:
                        end[1] = row.y0 - 1 if up else row.y1 + 1
                    else:
                        end[0] = row.x1 + SPACING if up else row.x0 - SPACING
            cand, size, color = chosen
            placer.add(cand)
            cx, cy = (cand.x0 + cand.x1) / 2, (cand.y0 + cand.y1) / 2
            if turned:
                self.text(cx + size * 0.35, cy, text, size, anchor="middle", fill=color,
                          rotate=-90)
            else:
                self.text(cx, cand.y0 + size * 0.8, text, size, anchor="middle", fill=color)

    # -- bars: categories down the left --

    def layout_bars(self, top: float) -> float:
        lh = SIZE * LEADING
        k = len(self.series)
        cats = [_clean(c) for c in self.chart.categories]
        # The names take up to a third of the width, wrapped, less where the data labels
        # beyond the bar ends need the room.
        values = [v for s in self.series for v in s.values[:self.n]]
        ends = 0.0 if self.stacked else sum(
            max((self.width(self.label(v), VALUE_SIZE) + GAP for v in values if (v < 0) == neg),
                default=0.0) for neg in (False, True))
        cap = max(self.w * 0.12, min(self.w * 0.32, self.w * 0.7 - ends - 2 * PAD - 6))
        name_w = min(max((self.width(c, SIZE) for c in cats), default=0.0), cap)
        wrapped = [self.wrap(c, SIZE, name_w, 3) for c in cats]
        name_w = max((self.width(t, SIZE) for w in wrapped for t in w), default=0.0)
        unit = self.wrap(_clean(self.chart.unit or ""), SIZE, self.w * 0.6, 2) \
            if self.chart.unit else []
        unit_h = len(unit) * lh + 2
        axis_h = lh + 4
        if self.given_h is None:
            # Bars 14 pt thick alone, thinner in groups; a chart of many bars no taller than
            # its width allows (about a page), its bars thinner then.
            each = 14.0 if self.stacked or k == 1 else {2: 9.0, 3: 7.5}.get(k, 6.5)
            bars = each / (0.62 if self.stacked or k == 1 else 0.75) * (1 if self.stacked else k)
            names = max((len(w) for w in wrapped), default=1) * lh + 4
            pitch = max(bars, names)
            rest = top + axis_h + unit_h + PAD + 2
            if self.n * pitch > max(self.w * 1.1, 200.0):
                # No thinner than keeps the data labels of a group from touching.
                least = (SMALLEST + 1) * (1 if self.stacked else k) / \
                    (0.62 if self.stacked or k == 1 else 0.75)
                pitch = max(max(self.w * 1.1, 200.0) / max(self.n, 1), names, least)
            h = rest + self.n * pitch
        else:
            h = self.given_h
        y0 = top + 2
        # A height too small for the text still leaves a plot: the drawing grows.
        y1 = max(h - PAD - axis_h - unit_h, y0 + 30)
        h = max(h, y1 + axis_h + unit_h + PAD)
        pitch = (y1 - y0) / max(self.n, 1)
        size = SIZE
        step = 1
        need = max((len(w) for w in wrapped), default=1) * lh
        if need > pitch:
            size = max(6.5, SIZE * pitch / need)
            wrapped = [self.wrap(c, size, name_w, 3) for c in cats]
            need = max(len(w) for w in wrapped) * size * LEADING
            step = max(1, math.ceil(need / max(pitch, 0.1)))
        negatives = any(v < 0 for s in self.series for v in s.values[:self.n]) or self.stacked \
            and self.extent()[0] < 0
        # Data labels beyond the bar ends need room on both sides.
        vsize = min(VALUE_SIZE, max(SMALLEST, (pitch * 0.75 / (1 if self.stacked else k)) * 1.05))
        labels = [(v, self.label(v)) for s in self.series for v in s.values[:self.n]]
        out_pos = max((self.width(t, vsize) for v, t in labels if v >= 0), default=0.0)
        out_neg = max((self.width(t, vsize) for v, t in labels if v < 0), default=0.0)
        if self.stacked:
            out_pos = out_neg = 0.0
        elif out_pos + out_neg > self.w * 0.5:  # long numbers in a narrow chart: smaller
            shrink = max(SMALLEST / vsize, self.w * 0.5 / (out_pos + out_neg))
            vsize, out_pos, out_neg = vsize * shrink, out_pos * shrink, out_neg * shrink
        ticks = self.ticks(self.w * 0.6, 60)
        for _ in range(2):
            tick_w = max(self.width(self.label(t), SIZE) for t in ticks)
            tick_size = max(SMALLEST, min(SIZE, SIZE * self.w * 0.3 / max(tick_w, 1.0)))
            half_first = self.width(self.label(ticks[0]), tick_size) / 2
            half_last = self.width(self.label(ticks[-1]), tick_size) / 2
            x0 = PAD + name_w + 6 + (out_neg + GAP if negatives and out_neg else 0.0)
            x0 = max(x0, PAD + half_first)
            x1 = self.w - PAD - max(half_last, out_pos + GAP if out_pos else 0.0)
            ticks = self.ticks(x1 - x0, max(50.0, 2.2 * max(half_first, half_last) + 8))
        lo, hi = ticks[0], ticks[-1]
        span = (hi - lo) or 1.0

        def x(v: float) -> float:
            return x0 + (v - lo) / span * (x1 - x0)

        # Every k-th tick is labelled when long numbers would touch.
        widest = max(self.width(self.label(t), tick_size) for t in ticks)
        apart = (x1 - x0) / max(len(ticks) - 1, 1)
        every = max(1, math.ceil((widest + 6) / max(apart, 0.1)))
        for i, t in enumerate(ticks):
            self.path("grid", f'fill="none" stroke="{self.rule}" stroke-width="0.5"',
                      f"M{_n(x(t))} {_n(y0)}V{_n(y1)}")
            if i % every == 0:
                self.text(x(t), y1 + 3 + tick_size * 0.85, self.label(t), tick_size,
                          anchor="middle", fill=self.muted)
        if self.chart.unit:
            for m, line in enumerate(unit):
                self.text(x1, y1 + axis_h + SIZE * 0.85 + m * lh, line, SIZE, anchor="end",
                          fill=self.muted)
        group = pitch * (0.62 if self.stacked or k == 1 else 0.75)
        group = min(group, 30.0 if self.stacked or k == 1 else 30.0 * k)
        bar = group if self.stacked else group / k
        crowded = self.crowded((x1 - x0) * (y1 - y0))
        placer = _Placer(_Box(0, 0, self.w, h), crowded)
        self.placers.append(placer)
        self.every = step
        self.touching = crowded
        for box in self.text_boxes:
            placer.add(box)
        zero = x(0)
        gap = 0.0 if self.stacked else min(1.0, bar * 0.15)
        segments = []
        for i in range(self.n):
            slot = y0 + i * pitch
            if i % step == 0:
                lines = wrapped[i]
                first = slot + pitch / 2 - (len(lines) * size * LEADING) / 2 + size * 0.8
                for m, t in enumerate(lines):
                    self.text(PAD + name_w, first + m * size * LEADING, t, size, anchor="end")
            top_ = slot + (pitch - group) / 2
            for j, v, start, end in self.spans(i):
                xa, xb = x(start), x(end)
                by = top_ if self.stacked else top_ + j * bar
                box = _Box(min(xa, xb), by + gap / 2, max(xa, xb), by + bar - gap / 2)
                self.rect(box, j)
                placer.block(box)
                text = self.label(v)
                if self.stacked:
                    segments.append((box, j, v, text, i))
                    continue
                cy = by + bar / 2 + vsize * 0.35
                if v >= 0:
                    self.text(box.x1 + GAP, cy, text, vsize)
                else:
                    self.text(box.x0 - GAP, cy, text, vsize, anchor="end")
                self.value_boxes.append(self.text_boxes[-1])
        if segments:
            for box in self.text_boxes:  # the category names, drawn since
                placer.add(box)
            self.place_segment_labels(segments, placer, vertical=False)
        self.path("axis", f'fill="none" stroke="{self.muted}" stroke-width="0.9"',
                  f"M{_n(zero)} {_n(y0)}V{_n(y1)}")
        return h

    def crowded(self, area: float) -> bool:
        """Labels that would cover most of the plot have no free places to look for."""
        ink = sum(self.width(self.label(v), VALUE_SIZE) * VALUE_SIZE
                  for s in self.series for v in s.values[:self.n])
        return ink > 0.5 * area

    # -- marks --

    def fill(self, j: int) -> str:
        if self.grey and j >= 3:
            return f"url(#{self.pattern_id(j)})"
        return self.colors[j]

    def bar_look(self, j: int) -> str:
        if j not in self.looks:
            self.looks[j] = self._bar_look(j)
        return self.looks[j]

    def _bar_look(self, j: int) -> str:
        look = f'fill="{self.fill(j)}"'
        # The lightest series would fade into white paper: a hairline keeps its edge.
        if _lightness(_rgb(self.colors[j])) > 75:
            edge = _hex(_set_lightness(_rgb(self.colors[j]), 55))
            look += f' stroke="{edge}" stroke-width="0.4"'
        elif self.stacked:  # a hairline of paper between the segments of a stack
            look += f' stroke="{self.background}" stroke-width="0.5"'
        return look

    def rect(self, box: _Box, j: int) -> None:
        self.path("bars", self.bar_look(j), f"M{_n(box.x0)} {_n(box.y0)}H{_n(box.x1)}"
                                            f"V{_n(box.y1)}H{_n(box.x0)}Z")

    def hline(self, x0: float, x1: float, y: float, color: str, width: float) -> None:
        layer = "grid" if color == self.rule else "axis"
        self.path(layer, f'fill="none" stroke="{color}" stroke-width="{width}"',
                  f"M{_n(x0)} {_n(y)}H{_n(x1)}")

    def line_look(self, j: int) -> str:
        # In grey, lines are told apart by their dashes as well as their markers.
        dashes = ("", "5 2.5", "1.5 2", "6 2 1.5 2")
        dash = f' stroke-dasharray="{dashes[j % 4]}"' if self.grey and j % 4 else ""
        return (f'fill="none" stroke="{self.colors[j]}" stroke-width="1.75" '
                f'stroke-linejoin="round"{dash}')

    def marker(self, j: int, x: float, y: float) -> None:
        """Circle, square, diamond, triangle: series told apart without colour."""
        r = 2.6
        shape = j % 4
        if shape == 0:
            d = (f"M{_n(x - r)} {_n(y)}a{_n(r)} {_n(r)} 0 1 0 {_n(2 * r)} 0"
                 f"a{_n(r)} {_n(r)} 0 1 0 {_n(-2 * r)} 0Z")
        elif shape == 1:
            s = r * 0.9
            d = f"M{_n(x - s)} {_n(y - s)}H{_n(x + s)}V{_n(y + s)}H{_n(x - s)}Z"
        elif shape == 2:
            s = r * 1.25
            d = f"M{_n(x)} {_n(y - s)}L{_n(x + s)} {_n(y)}L{_n(x)} {_n(y + s)}L{_n(x - s)} {_n(y)}Z"
        else:
            s = r * 1.25
            d = (f"M{_n(x)} {_n(y - s)}L{_n(x + s)} {_n(y + s * 0.8)}L{_n(x - s)} "
                 f"{_n(y + s * 0.8)}Z")
        self.path("markers", f'fill="{self.colors[j]}" stroke="{self.background}" '
                             'stroke-width="0.6"', d)

    def pattern_id(self, j: int) -> str:
        return f"{self.prefix()}-h{j}"

    def prefix(self) -> str:
        # Ids are unique to this chart, so two charts inline in one page do not share them.
        said = repr((self.chart.type, self.chart.categories, self.chart.series, self.w,
                     self.given_h, self.theme.colors))
        return "chart-" + hashlib.sha1(said.encode()).hexdigest()[:10]

    def pattern_defs(self) -> str:
        """Grey themes: series from the fourth on are hatched, each its own way."""
        if not self.grey or len(self.series) <= 3 or self.line:
            return ""
        out = ["<defs>"]
        for j in range(3, len(self.series)):
            angle = (45, -45, 0, 90)[(j - 3) % 4]
            out.append(f'<pattern id="{self.pattern_id(j)}" patternUnits="userSpaceOnUse" '
                       f'width="4" height="4" patternTransform="rotate({angle})">'
                       f'<rect width="4" height="4" fill="{self.colors[j]}"/>'
                       f'<path d="M0 0V4" stroke="{self.text_color}" stroke-width="1.2"/>'
                       "</pattern>")
        out.append("</defs>")
        return "".join(out)


@dataclass
class _ValuePlan:
    size: float
    turned: bool  # read upwards, for columns too narrow for their labels


class _Categories:
    def __init__(self, lines, size, angle, step, height, left_needed=0.0):
        self.lines, self.size, self.angle, self.step = lines, size, angle, step
        self.height, self.left_needed = height, left_needed
        self.boxes: list[_Box] = []

    def draw(self, drawing: _Drawing, x0: float, pitch: float, top: float) -> None:
        lh = self.size * (TURNED_LEADING if self.angle else LEADING)
        for i, lines in enumerate(self.lines):
            if i % self.step:
                continue
            cx = x0 + (i + 0.5) * pitch
            if not self.angle:
                for m, t in enumerate(lines):
                    drawing.text(cx, top + self.size * 0.8 + m * lh, t, self.size,
                                 anchor="middle")
                w = max(drawing.width(t, self.size) for t in lines)
                self.boxes.append(_Box(cx - w / 2, top, cx + w / 2, top + len(lines) * lh))
                continue
            # Turned 45 degrees, ending under its slot; each further line below the one before.
            c = math.sqrt(0.5)
            base = top + 2 + (len(lines) - 1) / 2 * lh * c
            for m, t in enumerate(lines):
                off = (m - (len(lines) - 1) / 2) * lh + self.size * 0.35
                drawing.text(cx + off * c, base + off * c, t, self.size, anchor="end",
                             rotate=-45)
            self.boxes.append(_Box(cx - self.height, top, cx + lh, top + self.height))


class _Placer:
    """Where labels may go: not over another label, not over a mark if it can help it, never
    off the drawing. Boxes are kept in a grid so a chart with thousands of points stays fast."""

    CELL = 16.0
    # Looks at places before it stops looking and takes each label's first place: a chart of
    # 600 labels in a narrow box took a second to place, none of them free.
    BUDGET = 2000

    def __init__(self, canvas: _Box, crowded: bool = False):
        self.canvas = canvas
        self.budget = 0 if crowded else self.BUDGET
        self.clashes = 0  # labels placed over another label: no place was free
        self.labels: dict[tuple[int, int], list[_Box]] = {}
        self.marks: dict[tuple[int, int], list[_Box]] = {}
        self.segments: dict[tuple[int, int], list[tuple]] = {}

    def cells(self, box: _Box):
        c = self.CELL
        for i in range(int(box.x0 // c), int(box.x1 // c) + 1):
            for j in range(int(box.y0 // c), int(box.y1 // c) + 1):
                yield i, j

    def block(self, box: _Box) -> None:
        for cell in self.cells(box):
            self.marks.setdefault(cell, []).append(box)

    def segment(self, x0: float, y0: float, x1: float, y1: float) -> None:
        box = _Box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        seg = (x0, y0, x1, y1, box)
        for cell in self.cells(box):
            self.segments.setdefault(cell, []).append(seg)

    def add(self, box: _Box) -> None:
        # Grown by the whole spacing: a new label is tested as it is, so stays that far away.
        grown = _Box(box.x0 - SPACING, box.y0 - 0.5, box.x1 + SPACING, box.y1 + 0.5)
        for cell in self.cells(grown):
            self.labels.setdefault(cell, []).append(grown)

    def crowding(self, box: _Box, marks: bool = True, enough: float = math.inf) -> float:
        """How much a label here would cover: labels count most, then marks, then lines. (A
        box in several cells may count more than once: only the order matters.) Counting
        stops at enough: the place is worse than one already found."""
        score = 0.0
        for cell in self.cells(box):
            score += 100 * sum(box.overlaps(o) for o in self.labels.get(cell, ()))
            if marks and score < enough:
                score += 3 * sum(box.overlaps(o) for o in self.marks.get(cell, ()))
                score += 2 * sum(_crosses(seg, box) for seg in self.segments.get(cell, ())
                                 if seg[4].overlaps(box))
            if score >= enough:
                break
        return score

    def free(self, box: _Box) -> bool:
        """Whether no label stands here yet (taken as so once the looking is done)."""
        if self.budget <= 0:
            return True
        self.budget -= 1
        return self.crowding(box, marks=False, enough=1) == 0

    def place(self, candidates: list[_Box], add: bool = True) -> _Box:
        best, best_score = None, math.inf
        for order, box in enumerate(candidates):
            if not box.inside(self.canvas):
                continue
            if self.budget <= 0:  # taken unlooked-at: not counted as a clash
                best, best_score = box, 0.0
                break
            self.budget -= 1
            score = self.crowding(box, enough=best_score) + order * 0.01
            if score < best_score:
                best, best_score = box, score
            if score < 1:
                break
        if best is not None and best_score >= 100:
            self.clashes += 1
        if best is None:  # every place runs off the drawing: the first, pulled inside
            b = candidates[0]
            dx = max(0.0, self.canvas.x0 - b.x0) - max(0.0, b.x1 - self.canvas.x1)
            dy = max(0.0, self.canvas.y0 - b.y0) - max(0.0, b.y1 - self.canvas.y1)
            best = _Box(b.x0 + dx, b.y0 + dy, b.x1 + dx, b.y1 + dy)
        if add:
            self.add(best)
        return best


def _crosses(seg, box: _Box) -> bool:
    """Whether a line segment passes through a box (Liang-Barsky clipping)."""
    x0, y0, x1, y1, _ = seg
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x0 - box.x0), (dx, box.x1 - x0), (-dy, y0 - box.y0), (dy, box.y1 - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def _reading_order(texts: list) -> list:
    """Texts in an order no extraction runs two of into one word.

    pypdf reads text in the order it is drawn, and joins a text to the one before it when
    their baselines are less than 0.8 of the type size apart and it does not start clear
    beyond that one. So: level texts fall into bands, a new band wherever the next baseline is
    more than that below the last, and each band is drawn from left to right. Two texts of a
    band that overlap across are a line apart (labels never overlap), and the last of a band
    is more than that above the first of the next. Text turned to read upwards goes the same
    way turned: bands across, each from the bottom up. Text turned 45 degrees (category names)
    keeps the order it was drawn in."""
    def bands(items, across, along):
        out: list[list] = []
        for t in sorted(items, key=lambda t: (across(t), along(t))):
            if out and across(t) - across(out[-1][-1]) <= 0.85 * SIZE:
                out[-1].append(t)
            else:
                out.append([t])
        return [t for band in out for t in sorted(band, key=along)]

    level = bands([t for t in texts if not t[4]], lambda t: t[0], lambda t: t[1])
    upwards = bands([t for t in texts if t[4] == -90], lambda t: t[1], lambda t: -t[0])
    return level + upwards + [t for t in texts if t[4] not in (0, -90)]


# -- the value axis --------------------------------------------------------------------------

_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5))


def nice_ticks(lo: float, hi: float, target: int, fmt: str | None = None) -> list[float]:
    """Ticks at a round step (1, 2, 2.5 or 5 times a power of ten) covering lo..hi in about
    target steps; with a number format, only steps the format can print exactly (no 2.5 under
    '0', so no two ticks read the same)."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        if lo == 0:
            hi = 1.0
        elif lo > 0:
            lo = 0.0
        else:
            hi = 0.0
    raw = (hi - lo) / max(target, 1)
    if not (math.isfinite(raw) and raw > 0):
        # A range too narrow (5e-324 steps as 0) or too wide for a float: the data refuses
        # such numbers; a scale from the ends alone keeps a caller from a math error.
        return [lo, hi] if math.isfinite(lo) and math.isfinite(hi) else [0.0, 1.0]
    exp = math.floor(math.log10(raw))
    step = None
    for e in range(exp - 1, exp + 3):
        for m in _STEPS:
            s = m.scaleb(e)
            if float(s) >= raw * 0.999 and _printable(s, fmt):
                step = s
                break
        if step is not None:
            break
    if step is None:  # a format with no decimals and a tiny range: whole units
        step = Decimal(1)
    first = math.floor(Decimal(repr(lo)) / step + Decimal("1e-9"))
    last = math.ceil(Decimal(repr(hi)) / step - Decimal("1e-9"))
    if last == first:
        last += 1
    return [float(step * i) for i in range(first, last + 1)]


def _printable(step: Decimal, fmt: str | None) -> bool:
    m = FORMAT_RE.fullmatch(fmt) if fmt else None
    if not m:
        return True
    places = len(m[2] or "")
    shown = step * (100 if m[3] else 1) * Decimal(10) ** places
    return shown == shown.to_integral_value()


# -- text and colour -------------------------------------------------------------------------

def _n(v: float) -> str:
    """A coordinate as written: two decimals at most, no '-0'."""
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _clean(text: str) -> str:
    # XML cannot hold most control characters; a tab or a line end is a space.
    return _BAD_XML.sub("\ufffd", re.sub(r"[\t\r\n]+", " ", text))


def _esc(text: str) -> str:
    return (_clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def _attr(text: str) -> str:
    return '"' + _esc(text).replace('"', "&quot;") + '"'


def _rgb(hex_color: str) -> tuple[float, float, float]:
    h = hex_color.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02X}" for c in rgb)


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _luminance(rgb) -> float:
    r, g, b = map(_linear, rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _lightness(rgb) -> float:
    """CIE L* (0 black .. 100 white): how light a colour prints in grey."""
    y = _luminance(rgb)
    f = y ** (1 / 3) if y > 216 / 24389 else (24389 / 27 * y + 16) / 116
    return 116 * f - 16


def _set_lightness(rgb, target: float):
    """The colour mixed with white (or black) until its L* is the target."""
    now = _lightness(rgb)
    if abs(now - target) < 0.5:
        return rgb
    toward = (1.0, 1.0, 1.0) if target > now else (0.0, 0.0, 0.0)
    lo, hi = 0.0, 1.0
    for _ in range(24):
        mid = (lo + hi) / 2
        mixed = tuple(c + (t - c) * mid for c, t in zip(rgb, toward))
        if (_lightness(mixed) < target) == (target > now):
            lo = mid
        else:
            hi = mid
    return tuple(c + (t - c) * hi for c, t in zip(rgb, toward))


def _contrast(a, b) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def readable_on(fill: str, background: str, text: str) -> str:
    """Text colour for a label inside a mark of this fill: the background's or the text's."""
    f = _rgb(fill)
    return background if _contrast(_rgb(background), f) > _contrast(_rgb(text), f) else text


def _readable(color: str, background: str, text: str) -> str:
    """A series colour dark enough to read as small text on the background, else the text's."""
    rgb, bg = _rgb(color), _rgb(background)
    if _contrast(rgb, bg) >= 4.5:
        return color
    for target in range(60, 0, -5):
        darker = _set_lightness(rgb, target)
        if _contrast(darker, bg) >= 4.5:
            return _hex(darker)
    return text


def is_grey(theme) -> bool:
    """A theme whose primary and accent have no hue: series differ only in lightness."""
    return all(max(_rgb(theme.colors[k])) - min(_rgb(theme.colors[k])) < 0.06
               for k in ("primary", "accent"))
