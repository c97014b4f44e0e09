"""Doc -> HTML for the printed outputs. Jinja only: the layout lives in the theme's templates."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from markupsafe import Markup, escape

from .bounds import compile_templates, render_templates
from .cite import group_style, kept_whole
from .fonts import metrics
from .labels import format_date, labels_for
from .model import Doc, DocList, ListItem
from .theme import Theme


def css_string(value: str) -> Markup:
    """A CSS string literal that cannot end the string, the rule or the <style> element."""
    escaped = "".join(f"\\{ord(ch):X} " if ch in '"\\<>\n\r' or ord(ch) < 32 else ch
                      for ch in str(value))
    return Markup(f'"{escaped}"')


_TAG_RE = re.compile(r"(<[^>]*>)")
_LONG_WORD_RE = re.compile(r"[^\W\d_]{30,}")


_JOINED_RE = re.compile(r"(?<!\S)\S+(?:\u00a0\S+)+")  # anchored: linear on a long run of letters


# A run of 60 characters or more without a space or an entity, which no line holds whole.
_LONG_RUN_RE = re.compile(r"[^\s&;<>\u200b]{60,}")


def nobreak(value) -> Markup:
    """Text whose words joined by no-break spaces («\u00a0mot\u00a0») are set in a span kept on one
    line, with plain spaces: a theme font without U+00A0 (Carlito) made WeasyPrint map every
    space of that font to it, which garbled the PDF's text for search and copying. One at the
    text's edge ('«\u00a0' before an <em>) stays as it is: only it keeps the two together.

    A run of 60 characters or more gets a zero-width break opportunity every 30: WeasyPrint
    lays the rest of a paragraph out again at every line it must break inside a word, so 47
    words of 1,000 letters took 43 s; with the breaks, a second. The PDF's text does not carry
    them (Pango draws nothing for U+200B and WeasyPrint writes no text for it)."""
    text = _LONG_RUN_RE.sub(lambda m: "\u200b".join(
        m.group(0)[i:i + 30] for i in range(0, len(m.group(0)), 30)), str(escape(value)))
    return Markup(_JOINED_RE.sub(
        lambda m: '<span class="nobr">' + m.group(0).replace("\u00a0", " ") + "</span>", text))


def breakable(value) -> Markup:
    """Text or markup whose words of 30 letters or more may be hyphenated: headings are not,
    so a German compound longer than the line ran off the page. Shorter words, which fit a line
    of their own, still move to the next line whole. Only text between tags is touched."""
    parts = _TAG_RE.split(str(value if isinstance(value, Markup) else escape(value)))
    parts[::2] = [_LONG_WORD_RE.sub(r'<span class="long-word">\g<0></span>', text)
                  for text in parts[::2]]
    return Markup("".join(parts))


# An address's scheme and host: no line ends after 'https://' or inside the host's name.
_URL_HEAD_RE = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#]{1,60}", re.I)


def url_breaks(url: str) -> Markup:
    """An address whose scheme and host stay on one line; it may break in its path."""
    m = _URL_HEAD_RE.match(url)
    if m is None:
        return Markup(escape(url))
    return Markup(f'<span class="nobr">{escape(m.group(0))}</span>{escape(url[m.end():])}')


def no_widow(value) -> Markup:
    """A headline's last two words kept on one line, so that its last line is never one word
    alone (where they are short enough to share any line). Word joiners (U+2060) hold them
    together: a no-break space garbles a font without one, and a nowrap span made WeasyPrint
    break after the headline's first word ('Why' / 'don't sanctuary ...'); the joiners draw
    nothing and do not reach the PDF's text."""
    words = str(value).split(" ")
    if len(words) < 3 or len(" ".join(words[-2:])) > 24:
        return Markup(escape(value))
    return Markup(escape(" ".join(words[:-2]) + " " + "\u2060 \u2060".join(words[-2:])))


PAPER = {"letter": ("816", 1056.0), "a4": ("793.7", 1122.52)}  # width, height in CSS pixels


def shorten(text: str, font: Path, size: float, room: float) -> str:
    """Text cut after a word with an ellipsis so that it fits `room` points at `size` points in
    this font: the memo's running head, whose room the laid-out page gives (pdf.margin_box)."""
    measure = metrics(font)
    if measure.width(text, size) <= room:
        return text
    words = text.split()
    while len(words) > 1 and measure.width(" ".join(words) + "\u2026", size) > room:
        words.pop()
    kept = " ".join(words)
    while len(kept) > 1 and measure.width(kept + "\u2026", size) > room:  # one word (or Chinese)
        kept = kept[:-1]
    if kept.count("(") > kept.count(")") and kept.rfind("(") > 0:  # not '... rentals (HB...'
        kept = kept[:kept.rfind("(")]
    return kept.rstrip(" ,;:-\u2013\u2014") + "\u2026"


def add_filters(env) -> None:
    """The filters and functions every template may use (style.css and the web page's too),
    once per theme: Jinja wants them set before a template is loaded."""
    if "css_string" not in env.filters:
        env.filters.update(css_string=css_string, breakable=breakable, nobreak=nobreak,
                           url_breaks=url_breaks, no_widow=no_widow)
        env.globals.update(group_style=group_style, kept_whole=kept_whole)
    if "table_rows" not in env.globals:
        env.globals.update(table_rows=_table_rows, header_aligns=_header_aligns,
                           text_width_pt=_text_width_pt)


def render_html(doc: Doc, theme: Theme, kind: str, paper: str | None = None, *,
                stamp: dt.datetime | None = None, scale: float = 1.0, sp: float = 1.0,
                running_left: str | None = None, css_only: bool = False, **extra) -> str:
    """The memo or handout as one HTML string, with its CSS inline.

    scale (type) and sp (spacing) are the handout's fitting knobs; the memo uses neither.
    running_left: the memo's running head, once cut to fit; by default the whole subject.
    css_only: its style sheet alone (charts not drawn), which names the fonts to load.
    """
    b = doc.brief
    labels = labels_for(b.lang)
    env = theme.env
    add_filters(env)
    date = format_date(b.date, b.lang)
    context = dict(
        # Never the clock: the same brief gives the same bytes.
        stamp=(stamp or dt.datetime.combine(b.date, dt.time())).strftime("%Y-%m-%dT%H:%M:%SZ"),
        doc=doc, theme=theme, c=theme.colors, labels=labels, date=date,
        paper=paper or theme.paper, draft=b.status == "draft",
        running_left=(running_left or b.memo.subject or b.title) if kind == "memo" else "",
        running_right=date,
        footer_left=b.memo.from_ or ", ".join(b.authors), kind=kind, scale=scale, sp=sp,
        # A numbered list like the body's, so the PDF tags it L, LI, Lbl and LBody alike.
        recommendations=DocList(True, 1, tuple(ListItem(p) for p in doc.recommendations))
        if doc.recommendations else None,
        # Drawn here, not in the templates: outside their time and memory bounds, and only for
        # a brief with charts.
        charts=_memo_charts(doc, theme, paper or theme.paper)
        if kind == "memo" and not css_only else {},
        handout_chart=_handout_chart(doc, theme, paper or theme.paper, sp, scale)
        if kind == "handout" and b.handout.chart else None,
        **extra,
    )
    return render_templates(env, kind, context, b, theme.source, css_only)


def compile_for(theme: Theme, kind: str, brief) -> None:
    """Compile the memo's or the handout's template here, for a process that will be sent the
    theme (theme._Compiled): only the one named, which its render then extends and imports."""
    add_filters(theme.env)
    compile_templates(theme.env, [f"{kind}.html"], brief)


# Tables and charts (exhibits.py), imported on first use: a brief without them does not pay
# for the module (its dataclasses take milliseconds to make).
def _table_rows(table, lang):
    from .exhibits import table_rows

    return table_rows(table, lang)


def _header_aligns(table):
    from .exhibits import header_aligns

    return header_aligns(table)


def _text_width_pt(paper, margin):
    from .exhibits import text_width_pt

    return text_width_pt(paper, margin)


def _memo_charts(doc: Doc, theme: Theme, paper: str) -> dict:
    if not any(s.chart for s in doc.sections):
        return {}
    from .exhibits import memo_charts

    return memo_charts(doc, theme, paper)


def _handout_chart(doc: Doc, theme: Theme, paper: str, sp: float, scale: float):
    from .exhibits import handout_chart

    return handout_chart(doc, theme, paper, sp, scale)
