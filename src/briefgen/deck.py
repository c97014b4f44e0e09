"""Doc -> Deck: every slide planned, measured and fitted before anything is written.

Pure apart from reading font metrics and image sizes. PowerPoint's autofit is never relied on
(LibreOffice and python-pptx never apply it): text is measured with the theme's font files,
shrunk down to the theme's minimum size, and what still does not fit continues on a "(cont.)" slide.

On a theme's own template the title and body are measured in the template's placeholders, where
its designer put them; what the template has no placeholder for (footer, slide number, DRAFT
mark, logo, figures) goes in the room they leave.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from .budget import (VISUAL_POINTS, Points, balanced, count_words, section_points,
                     sentences_within, within)
from .cite import list_items, plain, short_name, split_heading, split_para
from .errors import Loc, Problem
from .fonts import SAFETY, metrics
from .labels import format_date, labels_for, primary_language
from .model import Chart, Cite, Doc, DocList, DocSection, Para, Span
from .theme import Theme

MARGIN = 43.2  # 0.6 in
INSET_X, INSET_Y = 7.2, 3.6  # text frame insets written into every box
LINE = 1.2  # line pitch as a multiple of the font size, written as exact spacing
TITLE_LINE = 1.05
GAP = 0.45  # space before a paragraph, as a multiple of the font size

TITLE_MAX, TITLE_MIN = 32.0, 24.0
KICKER_MAX, KICKER_MIN = 20.0, 16.0
BODY_MAX = 24.0
PACK_SIZE = 20.0  # body text size on slides that continue onto a "(cont.)" slide
SOURCES_MAX = 16.0
# Small print, by design below the theme's minimum: the sources footer (its sources are listed in
# full on the Sources slides), figure captions, and the slide number and DRAFT mark.
FOOTER_SIZE = 11.0
CAPTION_SIZE = 12.0
MARK_SIZE = 11.0
# What is added to a template's slide keeps the side margins, EDGE from the top and bottom
# edges and PAD from the template's boxes and from each other.
EDGE, PAD = 14.0, 7.2
LEAD_GAP = 6.0  # between a kicker that opens a template's body and the body text

SAFE_IMAGES = (".png", ".jpg", ".jpeg", ".gif")


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Block:
    """One text frame: its box, paragraphs and the size they were fitted at."""

    box: Box
    paras: tuple[Para, ...]
    size: float
    bold: bool = False
    color: str = "text"
    bullets: bool = False
    line: float = LINE
    gap: float = GAP
    # None: as the template's placeholder sets it. Neither changes where lines break.
    anchor: str | None = "top"
    align: str | None = "left"
    lead: Block | None = None  # paragraphs written first in the same frame (a kicker)
    before: float = 0.0  # space above the first paragraph, below the lead
    # Each paragraph's bullet level: None (no bullet), 0, or 1 (a nested item's, indented
    # further). Paragraphs past its end follow bullets: all of them when it is empty.
    levels: tuple[int | None, ...] = ()
    # Each paragraph's number where it is an item of a numbered list (shown as PowerPoint's
    # own numbering, from this number); None or past its end: a bullet, as levels say.
    numbers: tuple[int | None, ...] = ()


@dataclass(frozen=True)
class Picture:
    path: Path
    alt: str
    box: Box


@dataclass(frozen=True)
class Slide:
    layout: str  # "title" or "content"
    title: Block
    kicker: Block | None = None
    body: Block | None = None
    footer: Block | None = None
    picture: Picture | None = None
    caption: Block | None = None
    notes: str = ""
    number: Box | None = None  # the slide number's box
    draft: Box | None = None  # the DRAFT mark's, on a draft
    table: TableFrame | None = None  # a section's table, or a part of it
    chart: ChartFrame | None = None  # a section's chart


@dataclass(frozen=True)
class TableFrame:
    """A native table: its rows (the header first, on every slide of the table) as the cells
    print, each column's width and each row's height, fitted at one size with the theme's
    fonts."""

    box: Box
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    heights: tuple[float, ...]
    align: tuple[str, ...]  # per column: "left", "right" or "center"
    size: float
    alt: str


@dataclass(frozen=True)
class ChartFrame:
    """A native chart of the section's data, its workbook embedded; PowerPoint lays it out."""

    chart: Chart
    box: Box
    title: str | None  # the chart's own title, where the slide's title does not say it
    size: float  # the text size of its axes, legend and data labels
    colors: tuple[str, ...]  # per series, "#RRGGBB"
    inside: tuple[str, ...]  # per series, the colour of values set inside its bars
    labels: bool  # each value shown on its mark, where they have room to be read
    ticks: tuple[float, ...] = ()  # the value axis's, as the memo's chart has them
    dashed: bool = False  # lines told apart by dashes too (a grey theme), as in the memo


@dataclass(frozen=True)
class Deck:
    slides: tuple[Slide, ...]
    width: float
    height: float
    font: str
    draft: bool
    draft_label: str
    title: str
    author: str
    lang: str | None = None  # the text's language as Office names it, for its spell checker


# Office names a language with its region ("de-DE"); a brief may name the language alone.
_REGIONS = {"en": "US", "de": "DE", "fr": "FR", "es": "ES", "it": "IT", "nl": "NL", "pt": "PT",
            "pl": "PL", "sv": "SE", "da": "DK", "fi": "FI", "cs": "CZ", "ja": "JP", "zh": "CN"}


def office_language(lang: str) -> str | None:
    """None for plain English, the default: PowerPoint then checks it in the user's own
    English (en-GB, en-AU), where en-US would be forced on everyone."""
    if lang == "en":
        return None
    primary = primary_language(lang)
    if "-" in lang or primary not in _REGIONS:
        return lang
    return f"{primary}-{_REGIONS[primary]}"


# -- measuring -------------------------------------------------------------------------------

def para_text(para: Para, style: str = "brackets") -> str:
    """What a paragraph shows on a slide; the writer writes exactly these characters."""
    return plain(para, style)


def block_lines(block: Block, theme: Theme) -> list[list[str]]:
    """The lines each paragraph of a block wraps into, measured with the theme's fonts."""
    return [_metrics(theme, block.bold or _has_bold(p))
            .wrap(para_text(p, theme.citation), block.size, para_width(block, i))
            for i, p in enumerate(block.paras)]


def block_height(block: Block, theme: Theme) -> float:
    return stacked_height(block_lines(block, theme), block)


def stacked_height(lines: list[list[str]], block: Block) -> float:
    """The height of paragraphs wrapped into these lines, set as block sets them."""
    body = sum(len(ls) for ls in lines) * block.size * block.line
    gaps = max(len(lines) - 1, 0) * block.size * block.gap
    return body + gaps + 2 * INSET_Y


def text_width(block: Block, level: int | None | str = "block") -> float:
    """The width a paragraph's lines wrap in: less a bullet's indent, twice it at level 1. By
    default, as the block's bullets say."""
    if level == "block":
        level = 0 if block.bullets else None
    return block.box.w - 2 * INSET_X - bullet_margin(block.size, level)


def numbers_of(blocks, paras: bool = False) -> tuple[int | None, ...]:
    """Each list item's number among blocks, in list_items' order: None in a bulleted list
    (and for a paragraph outside a list, where paras says they are shown too)."""
    def numbers(found: DocList, nested: bool) -> list[int | None]:
        out: list[int | None] = []
        for n, item in enumerate(found.items, found.start):
            out.append(n if found.ordered else None)
            if item.sub and not nested:
                out += numbers(item.sub, True)
        return out

    found = [n for b in blocks if isinstance(b, DocList) or paras
             for n in (numbers(b, False) if isinstance(b, DocList) else [None])]
    return tuple(found) if any(n is not None for n in found) else ()


# PowerPoint numbers from 1 to 32767 (ST_TextBulletStartAtNum); an item numbered outside them has
# its number as text ('0. '), measured so, where 'startAt="40000"' would make PowerPoint repair.
AUTONUM_MAX = 32767


def autonumbered(number: int | None) -> bool:
    """Whether PowerPoint can number an item so: a number, from 1 to AUTONUM_MAX."""
    return number is not None and 1 <= number <= AUTONUM_MAX


def number_literally(paras: tuple[Para, ...], numbers: tuple[int | None, ...]) -> tuple[Para, ...]:
    """The paragraphs, each numbered outside what PowerPoint numbers with its number as text."""
    return tuple((Span(f"{n}. "),) + tuple(p) if n is not None and not autonumbered(n) else p
                 for p, n in zip(paras, numbers + (None,) * (len(paras) - len(numbers))))


def para_width(block: Block, i: int) -> float:
    """The width paragraph i's lines wrap in: less its bullet's or number's margin."""
    return block.box.w - 2 * INSET_X - para_margin(block, i)


def para_number(block: Block, i: int) -> int | None:
    """Paragraph i's list number (see Block.numbers), None for a bullet or plain text."""
    return block.numbers[i] if i < len(block.numbers) else None


def para_indent(block: Block, i: int) -> float:
    """How far paragraph i's text starts right of its bullet or number."""
    return number_indent(block.size, block.numbers) if para_number(block, i) is not None \
        else bullet_indent(block.size)


def para_margin(block: Block, i: int) -> float:
    """Where paragraph i's text starts: its own indent, in from its parent item's at level 1
    (a numbered parent's if the block has numbered items at level 0)."""
    level = para_level(block, i)
    if level is None:
        return 0.0
    own = para_indent(block, i)
    if not level:
        return own
    numbered = any(para_number(block, j) is not None and para_level(block, j) == 0
                   for j in range(len(block.paras)))
    return own + (number_indent(block.size, block.numbers) if numbered
                  else bullet_indent(block.size))


def number_indent(size: float, numbers: tuple[int | None, ...] = ()) -> float:
    """A number's indent: as wide as '10.' (or the block's widest number) and a space, in any
    of the themes' fonts (a digit is at most 0.56 em, a period 0.28)."""
    digits = max([2] + [len(str(n)) for n in numbers if n is not None])
    return round(size * (0.56 * digits + 0.28 + 0.35), 1)


def para_level(block: Block, i: int) -> int | None:
    """The bullet level of the block's paragraph i (see Block.levels)."""
    if i < len(block.levels):
        return block.levels[i]
    return 0 if block.bullets else None


def bullet_margin(size: float, level: int | None) -> float:
    """Where a paragraph's text starts: a bullet's indent in from the last level's."""
    return 0.0 if level is None else bullet_indent(size) * (level + 1)


def bullet_indent(size: float) -> float:
    return round(size * 0.9, 1)


def frame_box(block: Block) -> Box:
    """The box of the text frame a block is written in: from its lead's top, if it has one."""
    if block.lead is None:
        return block.box
    top = block.lead.box.y
    return replace(block.box, y=top, h=block.box.y + block.box.h - top)


def lines_room(box: Box, size: float, line: float = LINE) -> int:
    """How many lines at this size a box holds."""
    return int((box.h - 2 * INSET_Y + 0.01) // (size * line))


def one_line_tall(box: Box, size: float, line: float = LINE) -> Box:
    """A template's box, made tall enough for one line where it is not (it would hold nothing
    at the smallest size, and its text could not even continue on a later slide)."""
    return replace(box, h=max(box.h, size * line + 2 * INSET_Y))


def overlaps(a: Box, b: Box) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


@lru_cache(maxsize=256)
def free_rooms(w: float, h: float, taken: tuple[Box, ...]) -> tuple[Box, ...]:
    """Every rectangle of the slide, inside its margins, that comes no nearer than PAD to any
    of the taken boxes, with its sides on their edges: the room a template leaves."""
    def cuts(lo: float, hi: float, edges) -> list[float]:
        return sorted({lo, hi} | {min(max(v, lo), hi) for v in edges})

    taken = tuple(Box(b.x - PAD, b.y - PAD, b.w + 2 * PAD, b.h + 2 * PAD) for b in taken)
    xs = cuts(MARGIN, w - MARGIN, [v for b in taken for v in (b.x, b.x + b.w)])
    ys = cuts(EDGE, h - EDGE, [v for b in taken for v in (b.y, b.y + b.h)])
    rooms = []
    for i, x0 in enumerate(xs):
        for x1 in xs[i + 1:]:
            for j, y0 in enumerate(ys):
                for y1 in ys[j + 1:]:
                    room = Box(x0, y0, x1 - x0, y1 - y0)
                    if any(overlaps(room, t) for t in taken):
                        break  # a taller one overlaps as well
                    rooms.append(room)
    return tuple(rooms)


def find_room(rooms, want: Box, min_w: float, min_h: float) -> Box | None:
    """The wanted box, or as much of it as a room holds (at least min_w by min_h): one of the
    height wanted (a footer's two lines), the largest, then the one nearest where it was
    wanted."""
    best, rank = None, None
    for r in rooms:
        w, h = min(want.w, r.w), min(want.h, r.h)
        if w < min_w or h < min_h:
            continue
        x = min(max(want.x, r.x), r.x + r.w - w)
        y = min(max(want.y, r.y), r.y + r.h - h)
        key = (h < want.h, -round(w * h, 3), abs(x - want.x) + abs(y - want.y))
        if rank is None or key < rank:
            best, rank = Box(x, y, w, h), key
    return best


def fits(block: Block, theme: Theme) -> bool:
    return block_height(block, theme) <= block.box.h + 0.01


def _metrics(theme: Theme, bold: bool):
    return metrics(theme.heading.bold if bold else theme.heading.regular)


def _has_bold(para: Para) -> bool:
    return any(s.bold for s in para)


def _may_fit(block: Block, theme: Theme) -> bool:
    """False where the block cannot fit, by a floor on its lines (no wrapping): a paragraph
    takes a line at least, and a line holds no more than its width of characters."""
    room = lines_room(block.box, block.size)
    if len(block.paras) > room:
        return False
    lines = 0
    for i, p in enumerate(block.paras):
        lines += _metrics(theme, block.bold or _has_bold(p)).fewest_lines(
            para_text(p, theme.citation), block.size, para_width(block, i))
        if lines > room:
            return False
    return True


def fit_size(block: Block, theme: Theme, largest: float, smallest: float) -> float | None:
    """The largest whole point size in [smallest, largest] at which the block fits, without
    breaking a word inside if some size can (a German compound in a title); else with."""
    size, broken = largest, None
    while size >= smallest:
        trial = replace(block, size=size)
        if fits(trial, theme):
            if not _breaks_a_word(trial, theme):
                return size
            broken = broken or size
        size -= 1
    return broken


def _breaks_a_word(block: Block, theme: Theme) -> bool:
    """Whether a word is wider than the line, so that it breaks between characters. Not an
    address: PowerPoint breaks those, and so do the sources slides."""
    for i, p in enumerate(block.paras):
        m = _metrics(theme, block.bold or _has_bold(p))  # as block_lines measures it
        limit = para_width(block, i) * m.units / (block.size * SAFETY)
        # Words as the wrap sees them: parted by spaces only ('word\u00a0[12]' is one).
        if any(m.units_of(word) > limit for word in para_text(p, theme.citation).split(" ")
               if "/" not in word):
            return True
    return False


def _image_size(path: Path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as im:
        return im.size


# -- splitting text --------------------------------------------------------------------------

def _offset_after_lines(text: str, lines: list[str], count: int) -> int:
    pos = 0
    for line in lines[:count]:
        pos = text.index(line, pos) + len(line)
    return pos


def truncate(block: Block, theme: Theme, max_lines: int) -> Block:
    """Cut a one-paragraph block to max_lines, ending in an ellipsis."""
    para = block.paras[0]
    lines = block_lines(block, theme)[0]
    if len(lines) <= max_lines:
        return block
    text = para_text(para, theme.citation)
    cut = _offset_after_lines(text, lines, max_lines)
    while cut > 0:
        head, _ = split_para(para, cut, theme.citation)
        candidate = replace(block, paras=(head + (Span("…"),),))
        if len(block_lines(candidate, theme)[0]) <= max_lines:
            return candidate
        cut = text.rfind(" ", 0, cut)
    return replace(block, paras=((Span("…"),),))


# -- planning --------------------------------------------------------------------------------

# The most slides one section (or the bottom line) gets: more is no talk, and writing
# hundreds of slides took a hostile brief's build past a minute.
MAX_SECTION_SLIDES = 20


def plan_deck(doc: Doc, theme: Theme, paper: str | None = None) -> tuple[Deck, list[Problem]]:
    """The deck's slides and warnings; paper is the memo's (--paper, else the theme's), whose
    text width sets the value scale the deck's charts share with the memo's.

    Planned twice: first each slide at the largest size its text fits, then every slide at the
    smallest of those (one size for slide bodies, one for titles, one for kickers), so the
    deck reads at one size and text does not jump from slide to slide."""
    trial = _Planner(doc, theme, paper or theme.paper)
    deck = trial.plan()
    if trial.settled() == LARGEST and not trial.uneven:
        return deck, trial.warnings  # all at the largest sizes already: planned again, the same
    planner = _Planner(doc, theme, paper or theme.paper, trial.settled())
    return planner.plan(), planner.warnings


@dataclass(frozen=True)
class _Frame:
    """Where a layout's title and body stand (None: python-pptx's default template, on which
    the planner places them itself), and the boxes of what every slide of it adds."""

    title: Box | None
    body: Box | None
    body_kept: bool  # the body is the template's placeholder, not a box added in its room
    number: Box | None
    draft: Box | None
    footer: Box | None
    taken: tuple[Box, ...]


_COUNT = {1: "one line", 2: "two lines", 3: "three lines"}


LARGEST = {"body": BODY_MAX, "title": TITLE_MAX, "kicker": KICKER_MAX}
# Beside a figure, chart or table, the text takes one of these shares of the content area's
# width (the visual the rest, less a gutter: at least 60% of the area); visual_slides weighs
# them and a strip under the visual. A figure narrower than its share leaves the text more.
TEXT_SHARES, GUTTER = (0.34, 0.3, 0.26), 14.0
# Under a visual, the text takes at most this share of the area's height.
UNDER_SHARE = 0.34


class _Planner:
    def __init__(self, doc: Doc, theme: Theme, paper: str,
                 sizes: dict[str, float] | None = None):
        self.doc = doc
        self.theme = theme
        self.paper = paper
        self.budget = theme.deck_max_words
        # None on the trial plan, which records in seen the size each text fits at.
        self.sizes = sizes
        self.seen: dict[str, list[float]] = {"body": [], "title": [], "kicker": []}
        # A text went on to a "(cont.)" slide, or was set below the largest size.
        self.uneven = False
        self.labels = labels_for(doc.brief.lang)
        self.min_size = float(theme.deck_min_size)
        self.warnings: list[Problem] = []
        self.titles: set[str] = set()
        # The sections' own titles: a repeated title is numbered past them.
        self.headings = {para_text(split_heading(s.heading)[0], theme.citation)
                         for s in doc.sections}
        self.refs = {r.number: r for r in doc.refs}
        self.w, self.h = theme.slide_size
        self.frames = {kind: self.frame(kind) for kind in ("title", "content")}

    def settled(self) -> dict[str, float]:
        """The one size of each kind of text: the smallest its slides fitted at."""
        return {kind: min(self.seen[kind], default=LARGEST[kind]) for kind in LARGEST}

    def sized(self, kind: str, largest: float) -> float:
        return self.sizes[kind] if self.sizes else largest

    def plan(self) -> Deck:
        b = self.doc.brief
        slides = [self.title_slide()]
        slides += self.bottom_line_slides()
        for s in self.doc.sections:
            slides += self.section_slides(s)
        slides += self.closing_slides()
        slides += self.sources_slides()
        return Deck(tuple(slides), self.w, self.h, self.theme.deck_font, b.status == "draft",
                    self.labels["draft"], b.title, ", ".join(b.authors) or (b.memo.from_ or ""),
                    office_language(b.lang))

    # What each slide says ------------------------------------------------------------------------
    def over_budget(self, loc: Loc, what: str, words: int, fix: str) -> None:
        self.warnings.append(Problem(loc, (
            f"{what} {words} words, over the {self.budget} a slide shows (the theme's "
            f"deck.max_words): {fix}")))

    def bottom_line_slides(self) -> list[Slide]:
        """The summary's first paragraph, as many sentences as the budget allows (the notes
        hold the whole summary); where the summary opens with a list, its items."""
        b = self.doc.brief
        if self.doc.bottom_line:
            para, count = sentences_within(self.doc.bottom_line, self.budget)
            if count == 1 and count_words(para) > self.budget:
                self.over_budget(b.summary.loc, "the summary's first sentence has",
                                 count_words(para), "the Bottom line slide shows it whole; "
                                 "split it into shorter sentences")
            # A list right after it goes with it where all of it is within the budget; else
            # the slide ends before the sentence that leads into it ("three options:").
            follows = self.doc.summary[1] if len(self.doc.summary) > 1 else None
            listed = (follows,) if isinstance(follows, DocList) and \
                count == len(self.doc.bottom_line) else ()
            items = list_items(listed)
            numbers = numbers_of(listed)
            points = Points((para,) + tuple(p for _, p in items),
                            (None,) + tuple(lv for lv, _ in items),
                            (None,) + numbers if numbers else ())
            if points.words() > self.budget:
                lead_in = plain(self.doc.bottom_line[count - 1]).rstrip().endswith(":")
                if lead_in and count > 1:
                    para = sentences_within(self.doc.bottom_line[:count - 1], self.budget)[0]
                points = Points((para,), (None,), ())
        else:
            first = self.doc.summary[:1]
            items = list_items(first)
            points = within(Points(tuple(p for _, p in items), tuple(lv for lv, _ in items),
                                   numbers_of(first)), self.budget)
        return self.bounded(self.text_slides(self.labels["bottom_line"], None, points.paras,
                                             bullets=False, notes=self.notes(self.doc.summary),
                                             levels=points.levels, numbers=points.numbers),
                            b.summary.loc, "the bottom line", "shorten it")

    def section_points(self, s: DocSection) -> Points:
        """What a section's slide shows: the author's bullets, else its takeaway and the body's
        points within the budget (the notes keep the whole body)."""
        said = self.doc.brief.sections[s.number - 1]
        if said.bullets:
            points = Points(s.bullets, s.bullet_levels or (0,) * len(s.bullets), ())
            if points.words() > self.budget:
                self.over_budget(said.bullets[0].loc, f"section {s.number}'s bullets have",
                                 points.words(), "shorten them, or move some to its notes")
            return points
        listed = s.bullets == tuple(p for _, p in list_items(s.paras))
        points = section_points(s.takeaway, s.bullets, s.bullet_levels,
                                numbers_of(s.paras) if listed else (), self.budget)
        if points.words() > self.budget:
            if said.takeaway:
                self.over_budget(said.takeaway.loc, f"section {s.number}'s takeaway has",
                                 points.words(), "shorten it")
            else:
                self.over_budget(said.body.loc, f"section {s.number}'s first sentence (its "
                                 "default takeaway) has", points.words(),
                                 "give the section a shorter takeaway")
        return points

    def section_slides(self, s: DocSection) -> list[Slide]:
        said = self.doc.brief.sections[s.number - 1]
        title, kicker = split_heading(s.heading)
        text = para_text(title, self.theme.citation)
        first = self.free_title(text)
        points = self.section_points(s)
        notes = self.notes(s.notes)
        if s.figure is not None and s.figure.path.suffix.lower() not in SAFE_IMAGES:
            self.warnings.append(Problem(self.doc.brief.sections[s.number - 1].figure.loc, (
                f"the figure {s.figure.path.name} is not shown on slides: PowerPoint files "
                "cannot hold SVG here; give a PNG or JPEG for the deck")))
            figure = None
        else:
            figure = s.figure
        if figure is not None or s.table is not None or s.chart is not None:
            kept = self.checkpoint()
            made = self.visual_slides(s, text, kicker, points, notes, figure, first)
            if made is not None:
                return made
            self.rollback(kept)  # not beside its visual: the text on slides of its own
        slides = self.bounded(
            self.text_slides(text, kicker, points.paras, bullets=True,
                             title_cites=[c for sp in title for c in sp.cites], notes=notes,
                             section=s.number, levels=points.levels, numbers=points.numbers),
            said.bullets[0].loc if said.bullets else said.body.loc, f"section {s.number}",
            "give it fewer bullets" if said.bullets
            else "shorten its body, or give it a short bullets: list")
        return slides + self.figure_slides(s, figure, first) + self.data_slides(s, first)

    def figure_slides(self, s: DocSection, figure, first: str) -> list[Slide]:
        """A figure that could not share its section's slide, on the next, as large as the
        room below the title allows."""
        if figure is None:
            return []
        frame = self.frames["content"]
        title = self.title_block(self.unique(f"{first} ({self.labels['cont']})"))
        picture, caption = self.place_figure(figure, self.data_area(title))
        cited = [c for sp in (figure.caption or ()) for c in sp.cites]
        return [Slide("content", title, footer=self.footer(cited), picture=picture,
                      caption=caption, number=frame.number, draft=frame.draft)]

    def closing_slides(self) -> list[Slide]:
        """The recommendations, numbered; else the key points (each section's takeaway, by its
        section's number, as the handout has them). As many items a slide as the budget
        allows, each whole."""
        recs = self.doc.recommendations
        if recs:
            label, items = self.labels["recommendations"], list(enumerate(recs, 1))
            locs = [t.loc for t in self.doc.brief.recommendations]
        else:
            label = self.labels["key_points"]
            items = [(s.number, s.takeaway) for s in self.doc.sections]
            locs = [None] * len(items)
        # What the presenter reads: each key point with the section it sums up.
        sections = {s.number: para_text(split_heading(s.heading)[0]) for s in self.doc.sections}

        def notes(group) -> str:
            return "\n".join(f"{n}. " + ("" if recs else f"{sections[n]}: ") + para_text(p)
                             for n, p in group).replace("\u00a0", " ")

        for (n, p), loc in zip(items, locs):
            if count_words(p) > self.budget and loc is not None:
                self.over_budget(loc, f"recommendation {n} has", count_words(p), "shorten it")
        for s in () if recs else self.doc.sections:
            # Said about the section's own slide, unless its bullets stand in for the takeaway.
            said = self.doc.brief.sections[s.number - 1]
            if said.bullets and count_words(s.takeaway) > self.budget:
                self.over_budget(said.takeaway.loc if said.takeaway else said.body.loc,
                                 f"section {s.number}'s key point (its takeaway) has",
                                 count_words(s.takeaway), "shorten it")
        groups = [[items[i] for i in part]
                  for part in balanced([count_words(p) for _, p in items], self.budget)]
        if len(groups) > MAX_SECTION_SLIDES:
            shown = sum(len(g) for g in groups[:MAX_SECTION_SLIDES])
            where = self.doc.brief.field_locs.get("recommendations" if recs else "sections",
                                                  self.doc.brief.summary.loc)
            self.warnings.append(Problem(where, (
                f"the {label.lower()} would fill {len(groups)} closing slides: the deck shows "
                f"the first {shown} of {len(items)}, on {MAX_SECTION_SLIDES}")))
            groups = groups[:MAX_SECTION_SLIDES]
        slides = []
        for i, group in enumerate(groups):
            title = label if len(groups) == 1 else \
                f"{label} ({i + 1} {self.labels['of']} {len(groups)})"
            slides += self.bounded(
                self.text_slides(title, None, tuple(p for _, p in group), bullets=True,
                                 notes=notes(group), numbers=tuple(n for n, _ in group)),
                locs[0] or self.doc.brief.summary.loc,
                label, "shorten it")
        return slides

    # Beside a figure, chart or table -------------------------------------------------------------
    def visual_slides(self, s: DocSection, text: str, kicker: Para | None, points: Points,
                      notes: str, figure, first: str) -> list[Slide] | None:
        """The section's slide with its first visual (figure, else table, else chart, as the
        memo orders them) given most of the content area and at most VISUAL_POINTS of its
        points beside or under it, then its other visuals' slides. None where not even the
        first point fits with the visual, or the author's bullets do not all fit: the text
        then has slides of its own."""
        said = self.doc.brief.sections[s.number - 1]
        frame = self.frames["content"]
        template = frame.title is not None
        shown_title = self.unique(text)
        title_block = self.title_block(shown_title, loc=said.heading.loc)
        if para_text(title_block.paras[0]) != shown_title:
            notes = f"{text}\n\n{notes}" if notes else text
        kicker_block = None
        if not template:
            kicker_block, area = self.below_title(title_block, kicker, said.heading.loc)
        else:
            area = frame.body
        kind = "figure" if figure is not None else "table" if s.table is not None else "chart"
        shown = points.first(VISUAL_POINTS)
        said_caption = figure.caption if figure is not None else \
            s.chart.caption if kind == "chart" else None
        best, area_size = None, area.w * area.h
        for mode, text_box, vis in self.arrangements(area, shown, figure):
            kept = self.checkpoint()  # a trial: the titles it takes and what it says go back
            made = self.arranged(mode, text_box, vis, shown, kicker if template else None,
                                 said_caption, said.heading.loc)
            fitted = made and self.fitting(shown, made[0])
            placed = fitted and self.place_visual(kind, s, figure, vis, first,
                                                  captioned=made[2] is None)
            cut = len(self.warnings) > kept[0]  # a template's kicker cut short, say
            self.rollback(kept)
            if not placed:
                continue
            # Nothing cut short, the visual at 60% of the area, a chart's values readable on
            # it, the most points, the largest visual.
            rank = (not cut, placed[0] >= 0.6 * area_size, placed[1], len(fitted[0].paras),
                    placed[0])
            if best is None or rank > best[0]:
                best = (rank, mode, text_box, vis, len(fitted[0].paras))
        if best is None or (said.bullets and best[4] < len(s.bullets)):
            return None  # the author's bullets are shown as written, on slides of their own
        _, mode, text_box, vis, count = best
        body_box, lead, side = self.arranged(mode, text_box, vis, shown,
                                             kicker if template else None, said_caption,
                                             said.heading.loc)
        shown = self.fitting(shown, body_box)[0]
        _, visual, caption, rest = self.place_visual(kind, s, figure, vis, first, trial=False,
                                                     captioned=side is None)
        caption = side or caption
        if mode == "under":  # right below what is drawn, not at the area's foot
            drawn = [visual.box] + ([caption.box] if caption is not None else [])
            below = max(b.y + b.h for b in drawn) + GUTTER / 2
            body_box = replace(body_box, y=min(body_box.y, below))
        if template and kicker and lead is None:  # no room for it above the text
            notes = f"{para_text(kicker)}\n\n{notes}" if notes else para_text(kicker)
        body = Block(body_box, shown.paras, self.sized("body", BODY_MAX), bullets=True,
                     levels=shown.levels, numbers=shown.numbers,
                     **({} if not template or not frame.body_kept
                        else dict(anchor=None, align=None)))
        if lead is not None:
            body = replace(body, lead=lead, before=LEAD_GAP)
        if kind == "chart":
            notes = f"{notes}\n\n{s.chart.chart.alt}" if notes else s.chart.chart.alt
        cited = [c for sp in split_heading(s.heading)[0] for c in sp.cites] + [
            c for p in shown.paras + ((kicker,) if kicker_block or lead else ())
            for sp in p for c in sp.cites]
        if caption is not None:
            cited += [c for p in caption.paras for sp in p for c in sp.cites]
        slide = Slide("content", title_block, kicker_block, body, self.footer(cited),
                      visual if kind == "figure" else None, caption, notes,
                      number=frame.number, draft=frame.draft,
                      table=visual if kind == "table" else None,
                      chart=visual if kind == "chart" else None)
        after = rest
        if kind == "figure":
            after = self.data_slides(s, first)
        elif kind == "table" and s.chart is not None:
            after = rest + self.chart_slides(s, first)
        return [slide] + after

    def arranged(self, mode: str, text_box: Box, vis: Box, points: Points,
                 kicker: Para | None, caption: Para | None, loc: Loc):
        """(the points' box, a template's kicker opening the text, the visual's caption where
        it goes under the text) for one arrangement; None where no point has room."""
        lead = side = None
        if kicker is not None:  # a template's: no room is kept for it between title and body
            lines = min(2, lines_room(text_box, KICKER_MIN))
            if lines:
                lead = replace(self.kicker_block(kicker, text_box, loc, lines), align=None)
                taken = lead.box.h - 2 * INSET_Y + LEAD_GAP
                text_box = replace(text_box, y=text_box.y + taken, h=text_box.h - taken)
        if caption is not None and mode == "beside":
            # The visual the full height, its caption under the text.
            side = self.side_caption(caption, text_box)
            text_box = replace(text_box, h=side.box.y - 4 - text_box.y)
        if text_box.h <= 0:
            return None
        return text_box, lead, side

    def arrangements(self, area: Box, points: Points,
                     figure=None) -> list[tuple[str, Box, Box]]:
        """(how, text box, visual box): the text in a column left of the visual ("beside"),
        in a strip under it as tall as the points need, at most UNDER_SHARE of the area
        ("under"), or, on a template, in its body placeholder with the visual in the largest
        room the template leaves ("room")."""
        out = []
        for share in TEXT_SHARES:
            column = area.w * share
            if figure is not None:
                # As wide as the figure is at the area's height (its caption goes under the
                # text), if that is less: the text has the rest.
                iw, ih = _image_size(figure.path)
                column = max(column, area.w - GUTTER - area.h * iw / ih)
            out.append(("beside", Box(area.x, area.y, column, area.h),
                        Box(area.x + column + GUTTER, area.y, area.w - column - GUTTER, area.h)))
        frame = self.frames["content"]
        if frame.title is not None:
            rooms = free_rooms(self.w, self.h, frame.taken)
            if rooms:
                out.append(("room", area, max(rooms, key=lambda r: (r.w * r.h, -r.y, -r.x))))
            return out
        strip = Box(area.x, area.y, area.w, area.h * UNDER_SHARE)
        fitted = self.fitting(points, strip)
        if fitted is not None:
            h = block_height(Block(strip, fitted[0].paras, self.sized("body", BODY_MAX),
                                   bullets=True, levels=fitted[0].levels,
                                   numbers=fitted[0].numbers), self.theme)
            out.append(("under", Box(area.x, area.y + area.h - h, area.w, h),
                        Box(area.x, area.y, area.w, area.h - h - GUTTER / 2)))
        return out

    def fitting(self, points: Points, box: Box) -> tuple[Points, Box] | None:
        """The most of the points (from the first) that fit the box at the deck's body size,
        and the box; None where not even the first does."""
        size = self.sized("body", BODY_MAX)
        paras = number_literally(points.paras, points.numbers)
        for count in range(len(paras), 0, -1):
            shown = points.first(count)
            block = Block(box, paras[:count], size, bullets=True, levels=shown.levels,
                          numbers=shown.numbers)
            if fits(block, self.theme) and not _breaks_a_word(block, self.theme):
                return replace(shown, paras=paras[:count]), box
        return None

    def side_caption(self, caption: Para, column: Box) -> Block:
        """A visual's caption at the foot of the text's column, four lines at most."""
        block = Block(replace(column, h=4 * CAPTION_SIZE * LINE + 2 * INSET_Y), (caption,),
                      CAPTION_SIZE, color="muted")
        block = truncate(block, self.theme, 4)
        h = block_height(block, self.theme)
        return replace(block, box=replace(block.box, y=column.y + column.h - h, h=h))

    def checkpoint(self):
        return (len(self.warnings), set(self.titles),
                {k: list(v) for k, v in self.seen.items()})

    def rollback(self, kept) -> None:
        del self.warnings[kept[0]:]
        self.titles, self.seen = kept[1], kept[2]

    def place_visual(self, kind: str, s: DocSection, figure, box: Box, first: str,
                     trial: bool = True, captioned: bool = True):
        """The area the visual is drawn on in box and whether a chart shows its values (None
        where it cannot be shown there); not a trial: (that area, the Picture, TableFrame or
        ChartFrame, its caption, the slides a table continues on)."""
        if kind == "figure":
            picture, caption = self.place_figure(figure, box, captioned)
            placed = picture.box.w * picture.box.h, picture, caption, []
        elif kind == "chart":
            plan, caption = self.chart_frame(s, box, s.chart.chart.title, captioned)
            placed = plan.box.w * plan.box.h, plan, caption, []
        else:
            placed = self.table_placed(s, first, box)
        if trial and kind == "table":  # the larger its type, the better it reads
            return placed and (placed[0], placed[1].size)
        if trial:
            return placed and (placed[0], kind != "chart" or placed[1].labels)
        return placed

    def table_placed(self, s: DocSection, first: str, box: Box):
        cont = f"{first} ({self.labels['cont']})"
        then = self.data_area(self.title_block(self.free_title(cont), shown=False))
        slides = self.table_slides(s, first, area=box, whole_words=True, then=then)
        # A table that continues keeps its columns' widths: it shares its section's slide only
        # as wide as the slides it goes on to (narrower, it would take more of them).
        if not slides or (len(slides) > 1 and box.w < then.w - 0.01):
            return None
        head = slides[0]
        # Its first page is on the section's slide: the rest are the section's "(cont.)".
        for slide in slides:
            self.titles.discard(para_text(slide.title.paras[0]))
        rest = [replace(slide, title=self.title_block(self.unique(cont)))
                for slide in slides[1:]]
        return head.table.box.w * head.table.box.h, head.table, head.caption, rest

    def bounded(self, slides: list, loc, what: str, fix: str) -> list:
        """A section's slides; text_slides stops at MAX_SECTION_SLIDES and marks the cut with a
        None, which becomes a warning: the speaker notes still hold the whole text."""
        if slides and slides[-1] is None:
            self.warnings.append(Problem(loc, (
                f"{what} would fill more than {MAX_SECTION_SLIDES} slides even at the smallest "
                f"type: the deck shows its first {MAX_SECTION_SLIDES}; {fix}")))
            return slides[:-1]
        return slides

    def notes(self, blocks: tuple[Para | DocList, ...]) -> str:
        """The text as the presenter reads it: paragraphs, and a list's items a line each as
        written ('- item', '1. item'), a nested one indented."""
        def text(p: Para) -> str:
            return para_text(p).replace("\u00a0", " ")  # read, not laid out by us: plain spaces

        def items(found: DocList, indent: str = "") -> list[str]:
            lines = []
            for n, item in enumerate(found.items, found.start):
                lines.append(f"{indent}{f'{n}.' if found.ordered else '-'} {text(item.para)}")
                lines += items(item.sub, indent + "   ") if item.sub else []
            return lines

        return "\n\n".join("\n".join(items(b)) if isinstance(b, DocList) else text(b)
                            for b in blocks)

    def unique(self, title: str) -> str:
        """Screen readers list slides by title: no two slides may share one. A repeated title
        takes the first number free: Background, Background (2); not one that another slide
        shows, or a section is titled (two "Background" and a "Background (2)" made two
        slides "Background (2)")."""
        shown, n = title, 1
        while shown in self.titles or (n > 1 and shown in self.headings):
            n += 1
            shown = f"{title} ({n})"
        self.titles.add(shown)
        return shown

    # Layouts ------------------------------------------------------------------------------------
    def placeholder(self, kind: str, role: str) -> Box | None:
        said = self.theme.template_boxes.get(kind, {}).get(role)
        return Box(*said) if said else None

    def frame(self, kind: str) -> _Frame:
        content = kind == "content"
        number = Box(self.w - MARGIN - 120, self.h - 34, 120, 20) if content else None
        draft = Box(MARGIN, 14, 120, 20) if self.doc.brief.status == "draft" else None
        footer = Box(MARGIN, self.h - 50, self.w - 2 * MARGIN - 60,
                     2 * FOOTER_SIZE * LINE + 2 * INSET_Y) if content else None
        title = self.placeholder(kind, "title")
        if title is None:
            return _Frame(None, None, False, number, draft, footer, ())
        title = one_line_tall(title, TITLE_MIN if content else 28, TITLE_LINE)
        body = self.placeholder(kind, "body")
        kept = body is not None
        if body is None:  # a layout without one: a box in the room below the title
            top = title.y + title.h + 14
            want = Box(MARGIN, top, self.w - 2 * MARGIN, max(self.h - 62 - top, 0))
            body = find_room(free_rooms(self.w, self.h, (title,)), want, self.w / 3,
                             self.min_size * LINE + 2 * INSET_Y) or want
        body = one_line_tall(body, self.min_size)
        # The DRAFT mark starts where the title does, the slide number ends where the body
        # does, where the template leaves room there.
        draft = draft and replace(draft, x=title.x)
        number = number and replace(
            number, x=max(title.x + title.w, body.x + body.w) - number.w)
        taken = [title, body]
        bold = _metrics(self.theme, True)
        placed = []
        for want, text in ((number, "000"), (draft, self.labels["draft"]), (footer, None)):
            box = None
            if want is not None:
                if text is None:
                    least = (self.w / 3, FOOTER_SIZE * LINE + 2 * INSET_Y)
                else:
                    least = (bold.width(text, MARK_SIZE) + 2 * INSET_X, MARK_SIZE * LINE)
                box = find_room(free_rooms(self.w, self.h, tuple(taken)), want, *least)
            if box is not None:
                taken.append(box)
            placed.append(box)
        return _Frame(title, body, kept, *placed, tuple(taken))

    # Title area -------------------------------------------------------------------------------
    def title_block(self, title: str, y: float = 30.0, loc: Loc | None = None,
                    shown: bool = True) -> Block:
        """A slide's title at the deck's title size (shown: it is on a slide, and its size
        counts toward that size; a title cut short even at the smallest does not)."""
        kept = self.frames["content"].title
        if kept is None:
            block = Block(Box(MARGIN, y, self.w - 2 * MARGIN,
                              2 * TITLE_MAX * TITLE_LINE + 2 * INSET_Y),
                          ((Span(title),),), TITLE_MAX, bold=True, color="primary",
                          line=TITLE_LINE, anchor="bottom")
            lines = 2
        else:
            block = Block(kept, ((Span(title),),), TITLE_MAX, bold=True, color="primary",
                          line=TITLE_LINE, anchor=None, align=None)
            lines = min(2, lines_room(kept, TITLE_MIN, TITLE_LINE))
        size = fit_size(block, self.theme, self.sized("title", TITLE_MAX), TITLE_MIN)
        if shown and size is not None:
            self.seen["title"].append(size)
        if size is None:
            if loc is not None:
                self.warnings.append(Problem(loc, (
                    f"heading is too long for a slide title ({_COUNT[lines]} at {TITLE_MIN:g} "
                    "pt), so the slide cuts it short (its notes keep it whole): shorten it, or "
                    "put the rest after ': ' to make it the slide's kicker line")))
            return truncate(replace(block, size=TITLE_MIN), self.theme, lines)
        return replace(block, size=size)

    def kicker_block(self, kicker: Para, box: Box, loc: Loc, lines: int = 2) -> Block:
        """The kicker in the top of a box, as tall as its lines."""
        block = Block(replace(box, h=min(box.h, 2 * KICKER_MAX * LINE + 2 * INSET_Y)),
                      (kicker,), KICKER_MAX, color="accent", line=LINE)
        size = fit_size(block, self.theme, self.sized("kicker", KICKER_MAX), KICKER_MIN)
        if size is not None:
            self.seen["kicker"].append(size)
        if size is None:
            self.warnings.append(Problem(loc, (
                "the part of the heading after ':' is too long for the slide's kicker line "
                f"({_COUNT[lines]} at {KICKER_MIN:g} pt), so the slide cuts it short: shorten "
                "it")))
            block = truncate(replace(block, size=KICKER_MIN), self.theme, lines)
            size = KICKER_MIN
        height = block_height(replace(block, size=size), self.theme)
        return replace(block, size=size, box=replace(block.box, h=height))

    def title_slide(self) -> Slide:
        b = self.doc.brief
        frame = self.frames["title"]
        width = self.w - 2 * MARGIN
        if frame.title is None:
            title_box, sub_box = Box(MARGIN, 120, width, 3 * 40 * TITLE_LINE + 2 * INSET_Y), \
                Box(MARGIN, 280, width, 150)
            title_lines, sub_lines = 3, 2
            as_set = dict(anchor="bottom"), {}
        else:
            # The template's placeholders, in the template's own alignment.
            title_box, sub_box = frame.title, frame.body
            title_lines = min(3, lines_room(title_box, 28, TITLE_LINE))
            sub_lines = min(2, lines_room(sub_box, self.min_size))
            as_set = dict(anchor=None, align=None), (dict(anchor=None, align=None)
                                                     if frame.body_kept else {})
        title = Block(title_box, ((Span(b.title),),), 40, bold=True, color="primary",
                      line=TITLE_LINE, **as_set[0])
        size = fit_size(title, self.theme, 40, 28)
        title = truncate(replace(title, size=28), self.theme, title_lines) \
            if size is None else replace(title, size=size)
        self.unique(b.title)
        paras: list[Para] = []
        if b.subtitle:
            paras.append((Span(b.subtitle),))
        # An organisation without a logo: its name opens the line the logo would stand above.
        organisation = self.theme.organisation if self.theme.logo is None else None
        meta = " · ".join(x for x in [organisation, format_date(b.date, b.lang),
                                      ", ".join(b.authors)] if x)
        paras.append((Span(meta),))
        sub = Block(sub_box, tuple(paras), 22, color="muted", **as_set[1])
        size = fit_size(sub, self.theme, 22, self.min_size)
        sub = replace(sub, size=size) if size else truncate(replace(sub, paras=sub.paras[-1:],
                                                                    size=self.min_size),
                                                            self.theme, sub_lines)
        logo = None
        if self.theme.logo is not None:
            iw, ih = _image_size(self.theme.logo)
            scale = min(150 / iw, 60 / ih)
            w, h = iw * scale, ih * scale
            box = Box(self.w - MARGIN - w, 40, w, h)
            if frame.title is not None:
                room = find_room(free_rooms(self.w, self.h, frame.taken), box, w / 3, h / 3)
                scale = min(scale, room.w / iw, room.h / ih) if room else 0
                w, h = iw * scale, ih * scale
                box = Box(room.x + room.w - w, room.y, w, h) if room else None
            if box is not None:
                logo = Picture(self.theme.logo, self.theme.logo_alt, box)
        return Slide("title", title, body=sub, picture=logo, notes=b.subtitle or "",
                     draft=frame.draft)

    # Text slides -------------------------------------------------------------------------------
    def text_slides(self, title: str, kicker: Para | None, paras: tuple[Para, ...], *,
                    bullets: bool, notes: str, section: int | None = None,
                    title_cites: list[Cite] | None = None,
                    levels: tuple[int | None, ...] = (),
                    numbers: tuple[int | None, ...] = ()) -> list[Slide]:
        frame = self.frames["content"]
        slides: list[Slide] = []
        remaining = list(number_literally(paras, numbers))
        part = 0
        largest = self.sized("body", BODY_MAX)
        while True:
            part += 1
            if part > MAX_SECTION_SLIDES:  # bounded() says so; no title is taken for the rest
                slides.append(None)
                return slides
            written = self.doc.brief.sections[section - 1] if section else None
            loc = written.heading.loc if written and part == 1 else None
            # "(cont.)" follows the section's own numbered title: Background (2) (cont.).
            if part == 1:
                first = shown_title = self.unique(title)
            else:
                shown_title = self.unique(f"{first} ({self.labels['cont']})")
            title_block = self.title_block(shown_title, loc=loc)
            if para_text(title_block.paras[0]) != shown_title and part == 1:
                # Cut short on the slide: the presenter still has it whole in the notes.
                notes = f"{title}\n\n{notes}" if notes else title
            kicker_block = lead = None
            if frame.title is None:
                kicker_block, box = self.below_title(title_block, kicker if part == 1 else None,
                                                     written and written.heading.loc)
            else:
                box = frame.body
                if kicker and part == 1:
                    # No room is kept for a kicker between a template's title and body (python-
                    # pptx's own leaves 14 pt): it opens the body, in the body's box.
                    lines = min(2, lines_room(box, KICKER_MIN))
                    if lines:
                        lead = replace(self.kicker_block(kicker, box, written.heading.loc, lines),
                                       align=None)
                        taken = lead.box.h - 2 * INSET_Y + LEAD_GAP
                        box = replace(box, y=box.y + taken, h=box.h - taken)
                    else:
                        notes = f"{para_text(kicker)}\n\n{notes}" if notes else para_text(kicker)
            shown, remaining, size = self.take(
                remaining, box, bullets, largest, levels=levels, numbers=numbers,
                smallest=largest if self.sizes else None,
                pack=self.sizes["body"] if self.sizes else PACK_SIZE)
            # A slide within the budget sets the deck's size; one the author filled past it
            # (warned about) continues at that size rather than shrink every other slide.
            if part == 1 and not remaining and \
                    sum(count_words(p) for p in paras) <= self.budget:
                self.seen["body"].append(size)
            self.uneven = self.uneven or bool(remaining) or size != largest
            # A paragraph cut at the slide's end continues at its level, with its number.
            shown_levels, levels = levels[:len(shown)], levels[len(levels) - len(remaining):]
            shown_numbers, numbers = numbers[:len(shown)], \
                numbers[len(numbers) - len(remaining):] if numbers else ()
            largest = size  # "(cont.)" slides keep the size the section started at
            body = Block(box, tuple(shown), size, bullets=bullets, levels=shown_levels,
                         numbers=shown_numbers,
                         **({} if frame.title is None or not frame.body_kept
                            else dict(anchor=None, align=None)))
            if lead is not None:
                body = replace(body, lead=lead, before=LEAD_GAP)
            cited = list(title_cites or []) + [
                c for p in shown + ([kicker] if kicker_block or lead else [])
                for s in p for c in s.cites]
            slides.append(Slide("content", title_block, kicker_block, body,
                                self.footer(cited), notes=notes,
                                number=frame.number, draft=frame.draft))
            if not remaining:
                return slides

    def even_out(self, slides: list[tuple], entries: list[Para]) -> list[tuple]:
        """The sources on as many slides, about as many on each and at one size, where they fit
        so: filled one after another, ten sources went nine and one."""
        if len(slides) < 2:
            return slides
        per = -(-len(entries) // len(slides))
        box = slides[0][2]
        sizes = []
        for start in range(0, len(entries), per):
            block = Block(box, tuple(entries[start:start + per]), SOURCES_MAX, gap=0.35)
            sizes.append(fit_size(block, self.theme, SOURCES_MAX, self.min_size))
        if None in sizes or len(sizes) != len(slides):
            return slides
        size = min(sizes)
        return [(entries[start:start + per], size, box) for start in range(0, len(entries), per)]

    def take(self, paras: list[Para], box: Box, bullets: bool, largest: float = BODY_MAX,
             gap: float = GAP, pack: float = PACK_SIZE, levels: tuple[int | None, ...] = (),
             numbers: tuple[int | None, ...] = (), smallest: float | None = None):
        """Paragraphs for one slide, the ones that wait for the next, and the size to set them at.

        All of them if they fit at some size not below the minimum. Otherwise the slide is filled
        at the packing size, so that a long section reads at one size across its "(cont.)"
        slides instead of one crammed slide and one sparse one.
        """
        block = Block(box, tuple(paras), largest, bullets=bullets, gap=gap, levels=levels,
                      numbers=numbers)
        # What cannot fit at the smallest size by a count of its lines' floor is not tried at
        # every size (each slide of 9,000 bullets, or of a 49,000-letter word, wrapped all that
        # was left 11 times), and only as many paragraphs are wrapped as the box has lines.
        smallest = smallest or self.min_size
        if _may_fit(replace(block, size=smallest), self.theme):
            size = fit_size(block, self.theme, largest, smallest)
            if size is not None:
                return list(paras), [], size
        size = max(pack, self.min_size)
        if lines_room(box, size) < 1:  # a template's small body box: as many as it holds
            size = self.min_size
        packed = replace(block, size=size, paras=tuple(paras[:lines_room(box, size) + 1]))
        lines = block_lines(packed, self.theme)  # wrapped once: a paragraph wraps on its own
        for count in range(min(len(paras) - 1, len(lines)), 0, -1):
            if stacked_height(lines[:count], packed) <= box.h + 0.01:
                return paras[:count], paras[count:], size
        room = lines_room(box, size)
        if room < 1:  # below a kicker that fills a template's body box: all on the next slide
            return [], list(paras), size
        # Not even the first paragraph fits: cut it after the lines that do.
        first = replace(block, paras=(paras[0],), size=size)
        lines = block_lines(first, self.theme)[0]
        style = self.theme.citation
        text = para_text(paras[0], style)
        cut = _offset_after_lines(text, lines, room)
        while True:
            head, tail = split_para(paras[0], cut, style)
            earlier = text.rfind(" ", 0, cut)
            if earlier <= 0 or fits(replace(first, paras=(head,)), self.theme):
                break
            cut = earlier  # a citation group is never cut: one that spans the break came along
        return [head], [tail] + paras[1:], size

    def below_title(self, title: Block, kicker: Para | None,
                    loc: Loc | None) -> tuple[Block | None, Box]:
        """On the default layout, a slide's kicker line under its title, and the room for its
        body below them, down to the sources footer."""
        top = title.box.y + title.box.h + 4
        kicker_block = None
        if kicker:
            kicker_block = self.kicker_block(kicker, Box(MARGIN, top, self.w - 2 * MARGIN,
                                                         self.h), loc)
            top = kicker_block.box.y + kicker_block.box.h
        top += 14
        return kicker_block, Box(MARGIN, top, self.w - 2 * MARGIN, self.h - 62 - top)

    def place_figure(self, figure, area: Box, captioned: bool = True):
        """A PNG or JPEG figure as large as area holds it, its caption (if captioned) under it."""
        iw, ih = _image_size(figure.path)
        caption = None
        cap_h = 0.0
        if figure.caption and captioned:
            caption = Block(Box(area.x, 0, area.w, 2 * CAPTION_SIZE * LINE + 2 * INSET_Y),
                            (figure.caption,), CAPTION_SIZE, color="muted")
            caption = truncate(caption, self.theme, 2)
            cap_h = block_height(caption, self.theme)
        area_h = area.h - cap_h
        scale = min(area.w / iw, area_h / ih)
        w, h = iw * scale, ih * scale
        top = area.y
        picture = Picture(figure.path, figure.alt, Box(area.x + (area.w - w) / 2, top, w, h))
        if caption:
            caption = replace(caption, box=replace(caption.box, y=top + h + 4, h=cap_h))
        return picture, caption

    def footer(self, cited: list[Cite]) -> Block | None:
        numbers = sorted({c.number for c in cited})  # a footer lists; it does not narrate
        box = self.frames["content"].footer
        if not numbers or box is None:
            return None
        lines = min(2, lines_room(box, FOOTER_SIZE))
        label = self.labels["sources"]
        for style in ("full", "numbers"):
            if style == "full":
                # No number or year alone at a line's end or start ('2022' alone below).
                text = " · ".join(f"[{n}]\u00a0" + short_name(
                    self.refs[n], self.doc.brief.lang, space="\u00a0") for n in numbers)
            else:
                text = " ".join(f"[{n}]" for n in numbers)
            block = Block(box, ((Span(f"{label}: {text}"),),), FOOTER_SIZE, color="muted")
            if fits(block, self.theme):
                return block
        return truncate(block, self.theme, lines)

    # Sources ------------------------------------------------------------------------------------
    def sources_slides(self) -> list[Slide]:
        entries = []
        for r in self.doc.refs:
            entries.append((Span(f"[{r.number}] "), *r.entry))
        if not entries:
            return []
        slides = []
        remaining = entries
        label = self.labels["sources"]
        frame = self.frames["content"]
        area = self.title_block("", shown=False).box
        while remaining:
            top = area.y + area.h + 18
            box = frame.body or Box(MARGIN, top, self.w - 2 * MARGIN, self.h - 36 - top)
            shown, remaining, size = self.take(remaining, box, False, SOURCES_MAX, 0.35,
                                               self.min_size)
            slides.append((shown, size, box))
        slides = self.even_out(slides, entries)
        out = []
        for i, (shown, size, box) in enumerate(slides, 1):
            title = label if len(slides) == 1 else f"{label} ({i} {self.labels['of']} {len(slides)})"
            body = Block(box, tuple(shown), size, gap=0.35)
            if frame.body_kept:
                body = replace(body, anchor=None, align=None)
            out.append(Slide("content", self.title_block(self.unique(title)), body=body,
                             number=frame.number, draft=frame.draft))
        return out

    # Tables and charts ----------------------------------------------------------------------
    def free_title(self, title: str) -> str:
        """The title unique() would give, without taking it."""
        shown, n = title, 1
        while shown in self.titles or (n > 1 and shown in self.headings):
            n += 1
            shown = f"{title} ({n})"
        return shown

    def data_slides(self, section: DocSection, first: str) -> list[Slide]:
        """The section's table, then its chart, each after the section's text (as the memo
        orders them), titled as the section's "(cont.)" slides are."""
        slides = []
        if section.table is not None:
            slides += self.table_slides(section, first)
        if section.chart is not None:
            slides += self.chart_slides(section, first)
        return slides

    def data_area(self, title: Block) -> Box:
        """The room below a slide's title that its body would take."""
        frame = self.frames["content"]
        if frame.title is not None:
            return frame.body
        top = title.box.y + title.box.h + 14
        return Box(MARGIN, top, self.w - 2 * MARGIN, self.h - 62 - top)

    def data_caption(self, caption: Para | None, area: Box) -> Block | None:
        """A table's or chart's caption as small print, two lines at most (the footer names
        its sources whole)."""
        if caption is None:
            return None
        block = Block(replace(area, h=2 * CAPTION_SIZE * LINE + 2 * INSET_Y), (caption,),
                      CAPTION_SIZE, color="muted")
        block = truncate(block, self.theme, 2)
        return replace(block, box=replace(block.box, h=block_height(block, self.theme)))

    def data_loc(self, section: DocSection, what: str, row: int | None = None) -> Loc:
        """Where the brief says the section's table or chart (or a table's row)."""
        written = self.doc.brief.sections[section.number - 1]
        said = getattr(written, what)
        if said is None:
            return written.loc
        if row is not None and row < len(getattr(said, "cell_locs", ())) \
                and said.cell_locs[row]:
            return said.cell_locs[row][0]
        return said.loc

    def chart_title(self, title: str, area: Box, loc: Loc) -> str:
        """A title for inside the chart, cut to two lines of about the width PowerPoint gives
        it (the plot is what the slide is for)."""
        block = Block(Box(0, 0, area.w * 0.8, 2 * self.min_size * LINE + 2 * INSET_Y),
                      ((Span(title),),), self.min_size, bold=True)
        if fits(block, self.theme):
            return title
        self.warnings.append(Problem(loc, (
            "the chart's title is too long for a slide, so the slide cuts it short: shorten "
            "it")))
        return para_text(truncate(block, self.theme, 2).paras[0])

    def table_slides(self, section: DocSection, first: str, area: Box | None = None,
                     whole_words: bool = False, then: Box | None = None) -> list[Slide]:
        """The table's slides, in the room below their titles (or in area; the slides after
        the first in then, if given); none where whole_words and a word would break there."""
        table = section.table
        frame = self.frames["content"]
        cont = f"{first} ({self.labels['cont']})"
        area = area or self.data_area(self.title_block(self.free_title(cont), shown=False))
        caption = self.data_caption(table.caption, area)
        top = area.y + (caption.box.h + 4 if caption else 0)
        room = area.y + area.h - top
        header = tuple(c.name for c in table.columns)
        # A column holds at least an em of text, about two letters.
        most = int(area.w // (2 * INSET_X + 1 + self.min_size))
        if len(header) > most:
            self.warnings.append(Problem(self.data_loc(section, "table"), (
                f"the table is not shown on slides: its {len(header)} columns do not fit across "
                f"a slide at {self.min_size:g} pt (at most {most} do)")))
            return []
        from .slide_data import column_fit, fit_table, paginate_table  # a brief with a table

        layout = fit_table(header, table.cells, self.theme, area.w, room, self.min_size)
        if layout is None:
            self.warnings.append(Problem(self.data_loc(section, "table"), (
                "the table is not shown on slides: the slide has no room for its header and "
                f"a row at {self.min_size:g} pt")))
            return []
        size, widths = layout
        if whole_words and not column_fit(header, table.cells, self.theme, size, widths):
            return []
        later = then and then.h - (caption.box.h + 4 if caption else 0)
        pages, cut = paginate_table(header, table.cells, self.theme, size, widths, room,
                                    MAX_SECTION_SLIDES, later)
        for row in cut.clipped:
            self.warnings.append(Problem(self.data_loc(section, "table", row), (
                f"table row {row + 1} is too tall for a slide even on its own at {size:g} pt, "
                "so the slide cuts it short (the memo shows it whole): shorten its cells")))
        if cut.rows_left:
            self.warnings.append(Problem(self.data_loc(section, "table"), (
                f"the table would fill more than {MAX_SECTION_SLIDES} slides even at the "
                f"smallest type: the deck shows its first {len(table.cells) - cut.rows_left} "
                f"of {len(table.cells)} rows (the memo shows them all)")))
        align = tuple(c.align for c in table.columns)
        alt = para_text(table.caption) if table.caption else ""
        cited = [c for s in (table.caption or ()) for c in s.cites]
        slides = []
        for n, (rows, heights) in enumerate(pages):
            title = self.title_block(self.unique(cont))
            box = Box(area.x, top, sum(widths), sum(heights))
            shown = caption
            if n and then is not None:  # in the room under the title
                box = replace(box, x=then.x, y=then.y + (caption.box.h + 4 if caption else 0))
                shown = caption and replace(caption, box=replace(caption.box, x=then.x,
                                                                 y=then.y, w=then.w))
            slides.append(Slide("content", title, footer=self.footer(cited), caption=shown,
                                number=frame.number, draft=frame.draft,
                                table=TableFrame(box, rows, widths, heights, align, size, alt)))
        return slides

    def chart_slides(self, section: DocSection, first: str) -> list[Slide]:
        chart = section.chart.chart
        frame = self.frames["content"]
        # The chart's title titles its slide where it fits there whole; else the chart shows it.
        title, inside = None, chart.title
        if chart.title:
            said = self.free_title(chart.title)
            title = self.title_block(said, shown=False)
            if para_text(title.paras[0]) == said:
                self.unique(said)
                self.seen["title"].append(title.size)
                inside = None
            else:
                title = None
        if title is None:
            title = self.title_block(self.unique(f"{first} ({self.labels['cont']})"))
        plan, caption = self.chart_frame(section, self.data_area(title), inside)
        cited = [c for s in (section.chart.caption or ()) for c in s.cites]
        return [Slide("content", title, footer=self.footer(cited), caption=caption,
                      notes=chart.alt, number=frame.number, draft=frame.draft, chart=plan)]

    def chart_frame(self, section: DocSection, area: Box, inside: str | None,
                    captioned: bool = True) -> tuple[ChartFrame, Block | None]:
        """The section's chart in area, its caption under it; inside: a title for the chart
        to show itself."""
        from .slide_data import label_colors, labels_fit, value_ticks  # a brief with a chart only

        chart = section.chart.chart
        if inside:
            inside = self.chart_title(inside, area, self.data_loc(section, "chart"))
        caption = self.data_caption(section.chart.caption, area) if captioned else None
        cap_h = caption.box.h + 4 if caption else 0
        box = replace(area, h=area.h - cap_h)
        if caption is not None:
            caption = replace(caption, box=replace(caption.box, y=box.y + box.h + 4))
        from .chart import is_grey, series_colors  # loaded for a brief with a chart only

        # The memo's colours for the same series (chart.py draws the memo's chart).
        fills = tuple(series_colors(self.theme, len(chart.series), lines=chart.type == "line"))
        plan = ChartFrame(chart, box, inside, self.min_size, fills,
                          label_colors(fills, self.theme.colors),
                          labels_fit(chart, box, self.min_size, self.theme, self.doc.brief.lang),
                          value_ticks(chart, self.theme, self.doc.brief.lang, self.paper),
                          chart.type == "line" and is_grey(self.theme))
        return plan, caption
