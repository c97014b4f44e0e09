"""Doc -> Deck: every slide planned, measured and fitted before anything is written.

Pure apart from reading font metrics and image sizes. PowerPoint's autofit is never relied on
(LibreOffice and python-pptx never apply it): text is measured with the theme's font files,
shrunk down to the theme's minimum size, and what still does not fit continues on a "(cont.)" slide.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .cite import format_reference, plain, short_name, split_heading, split_para
from .errors import Problem, Loc
from .fonts import SAFETY, metrics
from .labels import format_date, labels_for, primary_language
from .model import Cite, Doc, Para, Span
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
FOOTER_SIZE = 11.0
SOURCES_MAX = 16.0

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
    anchor: str = "top"


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
            .wrap(para_text(p, theme.citation), block.size, text_width(block))
            for p in block.paras]


def block_height(block: Block, theme: Theme) -> float:
    return stacked_height(block_lines(block, theme), block)


def stacked_height(lines: list[list[str]], block: Block) -> float:
    """The height of paragraphs wrapped into these lines, set as block sets them."""
    body = sum(len(ls) for ls in lines) * block.size * block.line
    gaps = max(len(lines) - 1, 0) * block.size * block.gap
    return body + gaps + 2 * INSET_Y


def text_width(block: Block) -> float:
    return block.box.w - 2 * INSET_X - (bullet_indent(block.size) if block.bullets else 0)


def bullet_indent(size: float) -> float:
    return round(size * 0.9, 1)


def fits(block: Block, theme: Theme) -> bool:
    return block_height(block, theme) <= block.box.h + 0.01


def _metrics(theme: Theme, bold: bool):
    return metrics(theme.heading.bold if bold else theme.heading.regular)


def _has_bold(para: Para) -> bool:
    return any(s.bold for s in para)


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
    for p in block.paras:
        m = _metrics(theme, block.bold or _has_bold(p))  # as block_lines measures it
        limit = text_width(block) * m.units / (block.size * SAFETY)
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

def plan_deck(doc: Doc, theme: Theme) -> tuple[Deck, list[Problem]]:
    planner = _Planner(doc, theme)
    return planner.plan(), planner.warnings


class _Planner:
    def __init__(self, doc: Doc, theme: Theme):
        self.doc = doc
        self.theme = theme
        self.labels = labels_for(doc.brief.lang)
        self.min_size = float(theme.deck_min_size)
        self.warnings: list[Problem] = []
        self.titles: dict[str, int] = {}
        self.refs = {r.number: r for r in doc.refs}
        self.w, self.h = theme.slide_size

    def plan(self) -> Deck:
        b = self.doc.brief
        slides = [self.title_slide()]
        slides += self.text_slides(self.labels["bottom_line"], None, self.doc.summary,
                                   bullets=False, notes=self.notes(self.doc.summary))
        for s in self.doc.sections:
            title, kicker = split_heading(s.heading)
            slides += self.text_slides(para_text(title, self.theme.citation), kicker, s.bullets,
                                       bullets=True,
                                       title_cites=[c for sp in title for c in sp.cites],
                                       notes=self.notes(s.notes), figure=s.figure,
                                       section=s.number)
        slides += self.sources_slides()
        return Deck(tuple(slides), self.w, self.h, self.theme.deck_font, b.status == "draft",
                    self.labels["draft"], b.title, ", ".join(b.authors) or (b.memo.from_ or ""),
                    office_language(b.lang))

    def notes(self, paras: tuple[Para, ...]) -> str:
        # Notes are read, not laid out by us: plain spaces.
        return "\n\n".join(para_text(p).replace("\u00a0", " ") for p in paras)

    def unique(self, title: str) -> str:
        """Screen readers list slides by title: no two slides may share one."""
        seen = self.titles.get(title, 0)
        self.titles[title] = seen + 1
        return title if not seen else f"{title} ({seen + 1})"

    # Title area -------------------------------------------------------------------------------
    def title_block(self, title: str, y: float = 30.0, loc: Loc | None = None) -> Block:
        block = Block(Box(MARGIN, y, self.w - 2 * MARGIN, 2 * TITLE_MAX * TITLE_LINE + 2 * INSET_Y),
                      ((Span(title),),), TITLE_MAX, bold=True, color="primary", line=TITLE_LINE,
                      anchor="bottom")
        size = fit_size(block, self.theme, TITLE_MAX, TITLE_MIN)
        if size is None:
            if loc is not None:
                self.warnings.append(Problem(loc, (
                    f"heading is too long for a slide title (two lines at {TITLE_MIN:g} pt), so "
                    "the slide cuts it short (its notes keep it whole): shorten it, or put the "
                    "rest after ': ' to make it the slide's kicker line")))
            return truncate(replace(block, size=TITLE_MIN), self.theme, 2)
        return replace(block, size=size)

    def kicker_block(self, kicker: Para, y: float, loc: Loc) -> Block:
        block = Block(Box(MARGIN, y, self.w - 2 * MARGIN, 2 * KICKER_MAX * LINE + 2 * INSET_Y),
                      (kicker,), KICKER_MAX, color="accent", line=LINE)
        size = fit_size(block, self.theme, KICKER_MAX, KICKER_MIN)
        if size is None:
            self.warnings.append(Problem(loc, (
                "the part of the heading after ':' is too long for the slide's kicker line (two "
                f"lines at {KICKER_MIN:g} pt), so the slide cuts it short: shorten it")))
            block = truncate(replace(block, size=KICKER_MIN), self.theme, 2)
            size = KICKER_MIN
        height = block_height(replace(block, size=size), self.theme)
        return replace(block, size=size, box=replace(block.box, h=height))

    def title_slide(self) -> Slide:
        b = self.doc.brief
        width = self.w - 2 * MARGIN
        title = Block(Box(MARGIN, 120, width, 3 * 40 * TITLE_LINE + 2 * INSET_Y),
                      ((Span(b.title),),), 40, bold=True, color="primary", line=TITLE_LINE,
                      anchor="bottom")
        size = fit_size(title, self.theme, 40, 28)
        title = truncate(replace(title, size=28), self.theme, 3) if size is None else replace(
            title, size=size)
        self.unique(b.title)
        paras: list[Para] = []
        if b.subtitle:
            paras.append((Span(b.subtitle),))
        meta = " · ".join(x for x in [format_date(b.date, b.lang), ", ".join(b.authors)] if x)
        paras.append((Span(meta),))
        sub = Block(Box(MARGIN, 280, width, 150), tuple(paras), 22, color="muted")
        size = fit_size(sub, self.theme, 22, self.min_size)
        sub = replace(sub, size=size) if size else truncate(replace(sub, paras=sub.paras[-1:],
                                                                    size=self.min_size),
                                                            self.theme, 2)
        logo = None
        if self.theme.logo is not None:
            iw, ih = _image_size(self.theme.logo)
            scale = min(150 / iw, 60 / ih)
            w, h = iw * scale, ih * scale
            logo = Picture(self.theme.logo, self.theme.logo_alt,
                           Box(self.w - MARGIN - w, 40, w, h))
        return Slide("title", title, body=sub, picture=logo, notes=b.subtitle or "")

    # Text slides -------------------------------------------------------------------------------
    def text_slides(self, title: str, kicker: Para | None, paras: tuple[Para, ...], *,
                    bullets: bool, notes: str, figure=None, section: int | None = None,
                    title_cites: list[Cite] | None = None) -> list[Slide]:
        slides: list[Slide] = []
        remaining = list(paras)
        part = 0
        largest = BODY_MAX
        while True:
            part += 1
            heading = title if part == 1 else f"{title} ({self.labels['cont']})"
            written = self.doc.brief.sections[section - 1] if section else None
            loc = written.heading.loc if written and part == 1 else None
            shown_title = self.unique(heading)
            title_block = self.title_block(shown_title, loc=loc)
            if para_text(title_block.paras[0]) != shown_title and part == 1:
                # Cut short on the slide: the presenter still has it whole in the notes.
                notes = f"{title}\n\n{notes}" if notes else title
            top = title_block.box.y + title_block.box.h + 4
            kicker_block = None
            if kicker and part == 1:
                kicker_block = self.kicker_block(kicker, top, written.heading.loc)
                top = kicker_block.box.y + kicker_block.box.h
            top += 14
            bottom = self.h - 62  # room for the sources footer
            body_w = self.w - 2 * MARGIN
            picture = caption = None
            if figure is not None and part == 1:
                picture, caption = self.place_figure(figure, top, bottom, section)
                if picture:
                    body_w = body_w * 0.55
            box = Box(MARGIN, top, body_w, bottom - top)
            shown, remaining, size = self.take(remaining, box, bullets, largest)
            largest = size  # "(cont.)" slides keep the size the section started at
            body = Block(box, tuple(shown), size, bullets=bullets)
            cited = list(title_cites or []) + [c for p in shown + ([kicker] if kicker_block else [])
                                               for s in p for c in s.cites]
            if caption is not None:
                cited += [c for p in caption.paras for s in p for c in s.cites]
            slides.append(Slide("content", title_block, kicker_block, body,
                                self.footer(cited), picture, caption, notes))
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
             gap: float = GAP, pack: float = PACK_SIZE):
        """Paragraphs for one slide, the ones that wait for the next, and the size to set them at.

        All of them if they fit at some size not below the minimum. Otherwise the slide is filled
        at the packing size, so that a long section reads at one size across its "(cont.)"
        slides instead of one crammed slide and one sparse one.
        """
        block = Block(box, tuple(paras), largest, bullets=bullets, gap=gap)
        size = fit_size(block, self.theme, largest, self.min_size)
        if size is not None:
            return list(paras), [], size
        size = max(pack, self.min_size)
        packed = replace(block, size=size)
        lines = block_lines(packed, self.theme)  # wrapped once: a paragraph wraps on its own
        for count in range(len(paras) - 1, 0, -1):
            if stacked_height(lines[:count], packed) <= box.h + 0.01:
                return paras[:count], paras[count:], size
        # Not even the first paragraph fits: cut it after the lines that do.
        first = replace(block, paras=(paras[0],), size=size)
        lines = block_lines(first, self.theme)[0]
        room = int((box.h - 2 * INSET_Y) // (size * LINE))
        style = self.theme.citation
        text = para_text(paras[0], style)
        head, tail = split_para(paras[0], _offset_after_lines(text, lines, max(room, 1)), style)
        return [head], [tail] + paras[1:], size

    def place_figure(self, figure, top: float, bottom: float, section: int | None):
        if figure.path.suffix.lower() not in SAFE_IMAGES:
            written = self.doc.brief.sections[section - 1].figure
            self.warnings.append(Problem(written.loc, (
                f"the figure {figure.path.name} is not shown on slides: PowerPoint files "
                "cannot hold SVG here; give a PNG or JPEG for the deck")))
            return None, None
        iw, ih = _image_size(figure.path)
        area_x = MARGIN + (self.w - 2 * MARGIN) * 0.58
        area_w = self.w - MARGIN - area_x
        caption = None
        cap_h = 0.0
        if figure.caption:
            caption = Block(Box(area_x, 0, area_w, 2 * 12 * LINE + 2 * INSET_Y), (figure.caption,),
                            12, color="muted")
            caption = truncate(caption, self.theme, 2)
            cap_h = block_height(caption, self.theme)
        area_h = bottom - top - cap_h
        scale = min(area_w / iw, area_h / ih)
        w, h = iw * scale, ih * scale
        picture = Picture(figure.path, figure.alt, Box(area_x + (area_w - w) / 2, top, w, h))
        if caption:
            caption = replace(caption, box=replace(caption.box, y=top + h + 4, h=cap_h))
        return picture, caption

    def footer(self, cited: list[Cite]) -> Block | None:
        numbers = sorted({c.number for c in cited})  # a footer lists; it does not narrate
        if not numbers:
            return None
        box = Box(MARGIN, self.h - 50, self.w - 2 * MARGIN - 60,
                  2 * FOOTER_SIZE * LINE + 2 * INSET_Y)
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
        return truncate(block, self.theme, 2)

    # Sources ------------------------------------------------------------------------------------
    def sources_slides(self) -> list[Slide]:
        entries = []
        for r in self.doc.refs:
            text, url, accessed = format_reference(r.source, self.doc.brief.lang)
            spans = [Span(f"[{r.number}] "), Span(text)]
            if url:
                spans.append(Span(" "))
                spans.append(Span(url, href=url))
            if accessed:
                spans.append(Span(f" ({accessed})"))
            entries.append(tuple(spans))
        if not entries:
            return []
        slides = []
        remaining = entries
        label = self.labels["sources"]
        area = self.title_block("").box
        while remaining:
            top = area.y + area.h + 18
            box = Box(MARGIN, top, self.w - 2 * MARGIN, self.h - 36 - top)
            shown, remaining, size = self.take(remaining, box, False, SOURCES_MAX, 0.35,
                                               self.min_size)
            slides.append((shown, size, box))
        slides = self.even_out(slides, entries)
        out = []
        for i, (shown, size, box) in enumerate(slides, 1):
            title = label if len(slides) == 1 else f"{label} ({i} {self.labels['of']} {len(slides)})"
            out.append(Slide("content", self.title_block(self.unique(title)),
                             body=Block(box, tuple(shown), size, gap=0.35)))
        return out
