"""Doc -> memo.html: the memo as one self-contained, accessible web page.

The page makes no request of its own: its CSS is inline, its images are data: URIs, its charts
the memo's own SVG drawn inline, and its fonts the theme's files cut down to the characters the
page shows. A Content-Security-Policy in the page allows no script and nothing from outside.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import re
import secrets
from pathlib import Path

from markupsafe import Markup, escape

from .bounds import render_templates
from .cite import figure_loc
from .errors import BriefError, Loc
from .html import add_filters
from .labels import format_date, labels_for, primary_language
from .model import Doc, DocList, ListItem
from .theme import Theme, theme_loc

# What the back-link from a source to its first citation says to a screen reader.
BACK_TO_TEXT = {"en": "Back to text", "es": "Volver al texto", "fr": "Retour au texte",
                "de": "Zurück zum Text"}
# Links a reader may follow: anything else (javascript:, data:, file:) is printed as text.
SAFE_SCHEMES = ("http://", "https://", "mailto:")
# Characters every subset keeps besides the page's own: what CSS may add (list markers,
# hyphens, the back-link's arrow, uppercase labels) and printable ASCII, for printed URLs.
_ALWAYS = "".join(map(chr, range(0x20, 0x7f))) + "\u00a0\u2010\u2013\u2014\u2018\u2019" \
    "\u201c\u201d\u2026\u2022\u2191"
_FACES = (("regular", 400, "normal"), ("bold", 700, "normal"), ("italic", 400, "italic"),
          ("bold_italic", 700, "italic"))


def render_web(doc: Doc, theme: Theme, stamp: dt.datetime, paper: str | None = None) -> str:
    """The web page as one HTML string: CSS, fonts, images and charts inside it."""
    b = doc.brief
    labels = labels_for(b.lang)
    paper = paper or theme.paper
    env = theme.env
    add_filters(env)  # style.css needs them, and a build of the web page alone has not set them
    folders = (b.path.parent.resolve(), theme.folder.resolve())
    # Replaced by the @font-face rules once the page's characters are known; random, so that no
    # brief text can stand in for it.
    fonts_mark = f"/*fonts-{secrets.token_hex(12)}*/"
    date = format_date(b.date, b.lang)
    context = dict(
        stamp=stamp.strftime("%Y-%m-%dT%H:%M:%SZ"), doc=doc, theme=theme, c=theme.colors,
        labels=labels, date=date, paper=paper, draft=b.status == "draft", kind="web",
        # What style.css (rendered by render_templates before every page) reads.
        scale=1.0, sp=1.0, handout_chart=None, running_left="", running_right=date,
        footer_left=b.memo.from_ or ", ".join(b.authors),
        recommendations=DocList(True, 1, tuple(ListItem(p) for p in doc.recommendations))
        if doc.recommendations else None,
        fonts_css=Markup(fonts_mark), heading_family=theme.heading.css_family,
        body_family=theme.heading.css_family if _same_files(theme) else theme.body.css_family,
        description=_description(doc),
        back_label=BACK_TO_TEXT.get(primary_language(b.lang), BACK_TO_TEXT["en"]),
        **_first_cites(), safe_href=_safe_href,
        figures={s.number: _image_uri(s.figure.path, folders, figure_loc(doc, s.number))
                 for s in doc.sections if s.figure},
        logo_uri=_image_uri(theme.logo, folders, theme_loc(theme, "logo")) if theme.logo else None,
        charts=_inline_charts(doc, theme, paper),
    )
    page = render_templates(env, "web", context, b, theme.source)
    return page.replace(fonts_mark, _font_faces(theme, page, b.subtitle), 1)


def write_web(doc: Doc, theme: Theme, path: Path, stamp: dt.datetime,
              paper: str | None = None) -> None:
    path.write_bytes(render_web(doc, theme, stamp, paper).encode("utf-8"))


def _description(doc: Doc) -> str:
    """The subtitle, else the bottom line's first sentence without its citations."""
    if doc.brief.subtitle:
        return doc.brief.subtitle
    lead = doc.bottom_line[0] if doc.bottom_line else ()
    return " ".join("".join(s.text for s in lead).split())


def _first_cites() -> dict:
    """cite_id: the id of a citation of a source printed for the first time on the page, where
    the source's back-link leads; '' for any later one (the page is written in reading order).
    cited: whether the page has printed a citation of the source, so its entry links back."""
    seen: set[int] = set()

    def cite_id(number: int) -> str:
        if number in seen:
            return ""
        seen.add(number)
        return f"cite-{number}"

    return {"cite_id": cite_id, "cited": lambda number: number in seen}


def _safe_href(url: str | None) -> str | None:
    if url and url.strip().lower().startswith(SAFE_SCHEMES):
        return url.strip()
    return None


_MIME = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
         (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))


def _image_uri(path: Path, folders: tuple[Path, ...], loc: Loc) -> str:
    """An image as a data: URI, read only from inside the brief's or the theme's folder. The
    loader has checked the path already; this holds if a Doc is made some other way."""
    real = Path(path).resolve()
    if not any(real.is_relative_to(f) for f in folders) or not real.is_file():
        raise BriefError.at(loc, f"the image {path} is not a file inside the brief's or the "
                                 "theme's folder: refusing it")
    data = real.read_bytes()
    mime = next((m for sig, m in _MIME if data.startswith(sig)), "image/svg+xml")
    if mime == "image/svg+xml":
        from .raster import refuse_outside_references

        # A browser shows an SVG image without the files it names (and the page's policy
        # forbids them): the figure would lose them without a word, where memo.pdf shows them.
        refuse_outside_references(data.decode("utf-8", "replace"), path.name, loc,
                                  "the web page shows")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


_SVG_HEAD = re.compile(r"^\s*(?:<\?xml[^>]*\?>\s*)?<svg\b")
# A phone's column, in points (360 px less the page's margins): the chart drawn again this wide,
# since the memo's, scaled down to it, has labels too small to read (5 px).
PHONE_CHART_PT = 250.0


def _inline_charts(doc: Doc, theme: Theme, paper: str) -> dict[int, tuple[Markup, Markup]]:
    """Section number -> its chart as the memo draws it (exhibits.memo_charts: the same size,
    the same SVG) and as drawn for a phone's width, as markup to set inline, where it is drawn
    in the page's own fonts."""
    if not any(s.chart for s in doc.sections):
        return {}
    from .exhibits import chart_image, memo_charts

    charts = {}
    for number, uri in memo_charts(doc, theme, paper).items():
        chart = doc.sections[number - 1].chart
        narrow, height = chart_image(chart, PHONE_CHART_PT, None, theme, doc.brief.lang)
        if height > PHONE_CHART_PT * 1.3:  # many bars: as the memo caps its own
            narrow, _ = chart_image(chart, PHONE_CHART_PT, PHONE_CHART_PT * 1.3, theme,
                                    doc.brief.lang)
        charts[number] = (_svg(uri, chart.chart.alt, "wide"), _svg(narrow, chart.chart.alt,
                                                                   "narrow"))
    return charts


def _svg(uri: str, alt: str, kind: str) -> Markup:
    """The SVG inside an exhibits data: URL, labelled for screen readers that do not read its
    <title>. chart.py escapes every text it draws."""
    svg = base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")
    return Markup(_SVG_HEAD.sub(f'<svg aria-label="{escape(alt)}" class="chart-svg {kind}"',
                                svg, count=1))


_TAGS = re.compile(r"<(script|style|title)\b.*?</\1\s*>|<[^>]*>", re.S | re.I)


def _page_chars(page: str) -> str:
    """Every character the page may show: its text (the charts' too), in both cases, since
    CSS sets some labels in capitals."""
    body = page.split("<body", 1)[-1]
    text = html.unescape(_TAGS.sub(" ", body))
    return "".join(sorted(set(text + text.upper() + text.lower() + _ALWAYS)))


def _font_faces(theme: Theme, page: str, subtitle: str | None) -> str:
    """@font-face rules for the theme's two families, each face a WOFF subset as a data: URI,
    under the family name the charts' SVG and the memo's CSS use. An italic or bold italic face
    is left out where nothing on the page is set in it: a browser would never load it."""
    from .html import css_string

    chars = _page_chars(page)
    italic = "<em>" in page
    bold_italic = bool(_BOLD_ITALIC.search(page))
    rules = []
    for fam in (theme.heading, theme.body):
        if fam is theme.body and _same_files(theme):
            break
        # The heading family sets the subtitle in italic.
        wanted = {"regular": True, "bold": True, "bold_italic": bold_italic,
                  "italic": italic or (fam is theme.heading and bool(subtitle))}
        for face, weight, style in _FACES:
            if not wanted[face]:
                continue
            woff = _subset_woff(getattr(fam, face), chars)
            rules.append(f"@font-face {{ font-family: {css_string(fam.css_family)}; "
                         f"src: url(data:font/woff;base64,{woff}) format(\"woff\"); "
                         f"font-weight: {weight}; font-style: {style}; font-display: block; }}")
    return "\n".join(rules)


def _same_files(theme: Theme) -> bool:
    """The body is set in the heading's font files (the modern theme): the page declares them
    once, under the heading's name."""
    return theme.body.files() == theme.heading.files()


# Emphasis inside something set in bold: the only text set in a bold italic face.
_BOLD_ITALIC = re.compile(r"<(strong|h1|h2|caption|th)\b[^>]*>(?:(?!</\1>).)*?<em>", re.S)
# The OpenType features browsers apply by default, and the figures tables ask for: the font's
# others (small capitals, old-style figures, ...) would double the time a subset takes.
_FEATURES = ["liga", "clig", "calt", "ccmp", "locl", "mark", "mkmk", "rlig", "tnum",
             "lnum"]


_subsets: dict[tuple, str] = {}
# Bump when the subsetting options change: the kept subsets were cut with the old ones.
SUBSET_VERSION = 1


def _subset_woff(path: Path, chars: str) -> str:
    """The font cut down to these characters, as base64 WOFF (zlib: no brotli needed). Kept in
    this process (watch, a batch) and in the user's cache folder: a first subset takes 0.02-0.07
    s a face plus 0.12 s to import fontTools' subsetter, a kept one a file read.

    Without the font's kerning (GPOS): reading it took most of a subset's time (Carlito Bold:
    0.30 s with it, 0.03 s without), for pairs that show only in large type."""
    data = path.read_bytes()
    digest = hashlib.sha256(b"%d\0%s\0" % (SUBSET_VERSION, chars.encode("utf-8", "surrogatepass"))
                            + data).hexdigest()
    if digest in _subsets:
        return _subsets[digest]
    woff = _kept_subset(digest)
    if woff is None:
        woff = _cut(data, chars)
        _keep_subset(digest, woff)
    if len(_subsets) >= 32:
        _subsets.pop(next(iter(_subsets)))
    _subsets[digest] = base64.b64encode(woff).decode("ascii")
    return _subsets[digest]


def _cut(data: bytes, chars: str) -> bytes:
    import io

    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff"
    options.hinting = False  # screens render the outlines well without it; a third smaller
    options.desubroutinize = True  # compresses better
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # the licence stays with the font
    options.layout_features = _FEATURES
    options.drop_tables = [*options.drop_tables, "GPOS"]
    options.notdef_outline = True
    out = io.BytesIO()
    # Closed at once: a font file left open warns when collected, and Pillow's warnings caught
    # then (images.raster_problem) made a theme's logo read as damaged.
    with subset.load_font(io.BytesIO(data), options, dontLoadGlyphNames=True) as font:
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=chars)
        subsetter.subset(font)
        subset.save_font(font, out, options)
    return out.getvalue()


_MAX_SUBSET = 4_000_000


def _kept_subset(digest: str) -> bytes | None:
    """A subset from the cache folder, if there and a WOFF file (browsers check the rest)."""
    from .cache import private_folder, read_file

    folder = private_folder()
    data = read_file(folder / "web-fonts" / f"{digest}.woff", _MAX_SUBSET) if folder else None
    return data if data and data[:4] == b"wOFF" else None


def _keep_subset(digest: str, woff: bytes) -> None:
    from .cache import private_folder, write_quietly

    folder = private_folder()
    if folder is None:
        return
    try:
        (folder / "web-fonts").mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return
    write_quietly(folder / "web-fonts" / f"{digest}.woff", woff)
