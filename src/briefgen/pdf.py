"""HTML -> PDF with WeasyPrint: the only module that imports it.

WeasyPrint's own fetcher reads any local file and reaches any host, so every resource goes through
a fetcher that serves files from a few allowed folders and stops the build on anything else.
"""
from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import functools
import hashlib
import os
import re
import shutil
import sys
import types
import zlib
from contextlib import contextmanager
from html import escape
from importlib import import_module
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

import pyphen

from .cache import file_stamp
from .errors import BriefError, Loc
from .hyphens import load_hyphenation
from .images import MAX_FILE_BYTES, resource_problem

# The three speed-ups below reach into private parts of ctypes, the import system and cffi. Each
# has a test that fails when an upgrade stops it taking effect, and BRIEFGEN_SPEEDUPS=0 switches
# all three off: WeasyPrint then loads, imports and writes as it does on its own.
SPEEDUPS = os.environ.get("BRIEFGEN_SPEEDUPS") != "0"

# The libraries WeasyPrint loads, by the names a Linux loader knows them under.
_SONAMES = ("libgobject-2.0.so.0", "libpango-1.0.so.0", "libharfbuzz.so.0", "libfontconfig.so.1",
            "libpangoft2-1.0.so.0")


@contextmanager
def _direct_library_loading():
    """While WeasyPrint loads Pango and its kin, answer ctypes' library search at once.

    WeasyPrint tries each library under its Windows and macOS names before the Linux one, and for
    every miss cffi asks ctypes.util.find_library, which runs ldconfig and gcc: 54 processes
    and 0.12 s of every cold build (WeasyPrint issue #1125). Where every Linux name loads directly,
    the search can only say "not found" to the other names, so it is skipped; anywhere else
    WeasyPrint searches as it always does.
    """
    real = ctypes.util.find_library
    direct = SPEEDUPS and sys.platform.startswith("linux")
    for name in _SONAMES if direct else ():
        try:
            ctypes.CDLL(name)
        except OSError:
            direct = False
            break
    if direct:
        ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = real


# Modules WeasyPrint imports at start but needs only for rare input: fontTools' subsetter (it
# subsets with HarfBuzz where libharfbuzz-subset is installed), its variable-font instancer, and
# PIL's colour management (@color-profile). They are 65 ms of a cold build's 0.26 s import.
_RARELY_USED = ("fontTools.subset", "fontTools.varLib.instancer", "PIL.ImageCms")


class _Deferred(types.ModuleType):
    """Stands in for a module while WeasyPrint imports; the module is imported on first use."""

    def __getattr__(self, name):
        if name.startswith("__"):  # the import system's questions: a plain module's answers
            raise AttributeError(name)
        if sys.modules.get(self.__name__) is self:
            # WeasyPrint's `from module import name`: a function that imports it when called.
            return lambda *args, **kwargs: getattr(import_module(self.__name__), name)(
                *args, **kwargs)
        return getattr(import_module(self.__name__), name)


@contextmanager
def _deferred_imports(names):
    stand_ins = {name: _Deferred(name) for name in names if name not in sys.modules}
    sys.modules.update(stand_ins)
    try:
        yield
    finally:
        for name, stand_in in stand_ins.items():  # from now on, an import finds the real one
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]


with _direct_library_loading(), _deferred_imports(_RARELY_USED if SPEEDUPS else ()):
    import weasyprint
    from weasyprint.text.ffi import ffi, pango
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

_ARRAY = re.compile(r"(\w[\w ]*?) ?\[(\d+)\]")


class _ParsedTypes(dict):
    """cffi's cache of C types by name, which also makes an array of a known item type without
    parsing its name.

    cffi parses every new type name with pycparser, 2 ms each, and writing a PDF names a new
    array for every font it subsets ('hb_codepoint_t[78]'): 11 for the example's memo, a fifth
    of writing it. The array is made from its item's pointer type as cffi makes it, and is the
    very object cffi would return. Any other name is parsed as before.
    """

    def __missing__(self, name):
        match = _ARRAY.fullmatch(name) if isinstance(name, str) else None
        if match is None:
            raise KeyError(name)  # cffi parses it
        try:
            item = ffi._typeof(f"{match[1]} *")
            made = ffi._backend.new_array_type(item, int(match[2])), False
        except Exception:  # noqa: BLE001 - anything unforeseen: cffi parses it, as before
            raise KeyError(name) from None
        self[name] = made
        return made


if SPEEDUPS and type(getattr(ffi, "_parsed_types", None)) is dict:  # the cffi it was written for
    ffi._parsed_types = _ParsedTypes(ffi._parsed_types)


def _version(name: str) -> str | None:
    """The version a module WeasyPrint imported says it is, if it is imported and says."""
    return getattr(sys.modules.get(name), "__version__", None)


def _engine() -> str:
    """What decides a layout besides the HTML and the files it names: a handout fit found with
    another engine is not used (handout.remembered_fit). That is the Python packages' versions
    and the C libraries loaded, by file (a system update replaces one without a new Pango)."""
    import cssselect2
    import tinycss2

    paths = set()
    with contextlib.suppress(OSError):  # no /proc: the versions alone
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:  # address perms offset device inode path (which may have spaces)
                fields = line.rstrip("\n").split(maxsplit=5)
                path = fields[5].removesuffix(" (deleted)") if len(fields) == 6 else ""
                if ".so" in path and any(name in path for name in (
                        "pango", "harfbuzz", "freetype", "fontconfig", "fribidi")):
                    paths.add(path)
    libraries = [(path, file_stamp(Path(path))) for path in sorted(paths)]
    return repr((weasyprint.__version__, pango.pango_version(), pyphen.__version__,
                 tinycss2.__version__, cssselect2.__version__, _version("tinyhtml5"), libraries))


ENGINE = _engine()
_fonts: dict[tuple, tuple[int, FontConfiguration]] = {}  # key -> (pid that made it, config)
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S | re.I)
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}", re.I)
_FILE_URL = re.compile(r"""file:[^"')\s]+""")
_LANG = re.compile(r"""<html[^>]*\slang=["']([^"']*)["']""", re.I)
# The few types a brief or theme supplies (mimetypes would read the system's mime.types).
_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
          ".svg": "image/svg+xml", ".css": "text/css", ".ttf": "font/ttf", ".otf": "font/otf"}


class RefusedResource(ValueError):
    pass


class FolderFetcher(URLFetcher):
    """Serves file: URLs inside the allowed folders (after resolving links) and data: URLs;
    refuses everything else."""

    def __init__(self, roots: list[Path]):
        super().__init__(fail_on_errors=True, allowed_protocols=("file", "data"))
        self.roots = [Path(r).resolve() for r in roots]
        self.refused: list[str] = []
        # Every file served, by the path asked for (a link may point elsewhere later), with a
        # digest of the bytes served; the fonts render_pdf names, with None.
        self.read: dict[Path, str | None] = {}

    def fetch(self, url, headers=None):
        try:
            return self._serve(url)
        except RefusedResource as e:
            self.refused.append(str(e))
            raise

    def _serve(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme == "data":
            # Self-contained (our QR code, an image inside an SVG): no file and no host.
            response = super().fetch(url)
            data = response.read()
            self._check(data, hashlib.sha1(url.encode()).hexdigest(), "a data: image", url)
            return URLFetcherResponse(url, data, headers=response.headers)
        path = self._resolve(url)
        data = path.read_bytes()
        self._served(url, data)
        self._check(data, str(path), self._shown(path), path.as_uri())
        mime = _TYPES.get(path.suffix.lower(), "application/octet-stream")
        return URLFetcherResponse(path.as_uri(), data, headers={"Content-Type": mime})

    def _served(self, url: str, data: bytes) -> None:
        self.read[Path(url2pathname(urlsplit(url).path))] = hashlib.sha256(data).hexdigest()

    def _resolve(self, url: str) -> Path:
        """The file a URL names, if it may be read; else RefusedResource."""
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise RefusedResource(f"{url}: only files inside the brief's or theme's folder may "
                                  "be used")
        try:
            # url2pathname decodes %XX itself: decoding twice would turn %2541 into A.
            path = Path(url2pathname(parts.path)).resolve(strict=True)
        except (OSError, RuntimeError):
            raise RefusedResource(f"{url}: file not found") from None
        if not any(path.is_relative_to(root) for root in self.roots):
            raise RefusedResource(f"{url}: outside the brief's and theme's folders")
        if not path.is_file():
            raise RefusedResource(f"{url}: not a regular file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise RefusedResource(f"{url}: larger than {MAX_FILE_BYTES:,} bytes")
        return path

    def _shown(self, path: Path) -> str:
        """A file's name inside its folder, as a message shows it: the same from any folder."""
        root = next(root for root in self.roots if path.is_relative_to(root))
        return path.relative_to(root).as_posix()

    def _check(self, data: bytes, key: str, name: str, url: str) -> None:
        """Refuse an image over the limits (images.py) before WeasyPrint decodes or draws it: an
        SVG with every file it shows, followed here with this fetcher's own rules."""
        def follow(base: str, href: str):
            if href[:5].lower() == "data:":
                return None
            url = urljoin(base, href)
            path = self._resolve(url)
            data = path.read_bytes()
            self._served(url, data)
            return str(path), self._shown(path), data, path.as_uri()

        problem = resource_problem(data, key, name, url, follow)
        if problem:
            raise RefusedResource(f"{name}: it {problem}")

    def stable_name(self, url: str) -> str:
        """The URL as the same from any folder: a file's folder's place in the list and the
        path inside it."""
        if urlsplit(url).scheme != "file":
            return url
        path = self._resolve(url)
        index = next(i for i, root in enumerate(self.roots) if path.is_relative_to(root))
        return f"{index}/{path.relative_to(self.roots[index]).as_posix()}"


def _stable_image_ids(get_image):
    """WeasyPrint names an image in the PDF after a hash of its absolute URL, so the same brief
    gave other bytes from another folder. The name is made again from what stays: the image's
    place inside the brief's or theme's folder."""
    from weasyprint.images import RasterImage

    @functools.wraps(get_image)
    def get_image_from_uri(*args, **kwargs):
        image = get_image(*args, **kwargs)
        fetcher, url = kwargs.get("url_fetcher"), kwargs.get("url")
        if isinstance(image, RasterImage) and isinstance(fetcher, FolderFetcher) and url:
            try:
                image.id = hashlib.md5(fetcher.stable_name(url).encode()).hexdigest()
            except RefusedResource:
                pass  # it was served, so this cannot happen; the old name is still valid
        return image

    return get_image_from_uri


# WeasyPrint's document module calls this name for every image, inside SVGs too.
_document_module = import_module("weasyprint.document")
_document_module.original_get_image_from_uri = _stable_image_ids(
    _document_module.original_get_image_from_uri)


_svg_package = import_module("weasyprint.svg")
_svg_text = import_module("weasyprint.svg.text")
_LETTER_BY_LETTER = ("dx", "dy", "rotate", "textLength")


def _svg_text_as_one_run(by_letter):
    """SVG text drawn as one run of glyphs, where nothing asks to place its letters one by one.

    WeasyPrint 70 lays out and draws every letter of SVG text on its own. A space is then
    never drawn, so text extraction guesses words from gaps ('X 3' read as 'X3'), and a narrow
    no-break space (French thousands) is lost ('1 234,5' read as '1234,5'); kerning and Arabic
    joining are lost too; and a chart's labels took 86 ms to draw. A text with one position and
    none of the per-letter attributes is laid out once and drawn as a line, as HTML text is;
    any other goes letter by letter as before."""
    from weasyprint.css.properties import INITIAL_VALUES
    from weasyprint.draw.text import draw_emojis, draw_first_line
    from weasyprint.matrix import Matrix
    from weasyprint.svg.bounding_box import extend_bounding_box
    from weasyprint.svg.utils import normalize, size
    from weasyprint.text.ffi import FROM_UNITS
    from weasyprint.text.line_break import create_layout, line_size

    def plain(svg, node, font_size):
        xs = normalize(node.attrib.get("x", "")).split()
        ys = normalize(node.attrib.get("y", "")).split()
        return not (not node.text or len(xs) > 1 or len(ys) > 1
                    or any(name in node.attrib for name in _LETTER_BY_LETTER)
                    or svg.length(node.get("letter-spacing"), font_size))

    def one_run(svg, node, font_size):
        xs = normalize(node.attrib.get("x", "")).split()
        ys = normalize(node.attrib.get("y", "")).split()
        # The style as WeasyPrint's own text() makes it.
        style = _svg_text.Style()
        style.update(INITIAL_VALUES)
        style.font_config = svg.font_config
        style["font_family"] = [f.strip("\"'") for f in
                                node.get("font-family", "sans-serif").split(",")]
        style["font_style"] = node.get("font-style", "normal")
        style["font_size"] = font_size
        if node.get("direction") in ("ltr", "rtl"):
            style["direction"] = node.get("direction")
        weight = node.get("font-weight", 400)
        try:
            style["font_weight"] = {"normal": 400, "bold": 700}.get(weight) or int(weight)
        except ValueError:
            style["font_weight"] = 400
        # Laid out once, with no width to break at, and drawn from that same layout.
        layout = create_layout(node.text, style, svg.context, None, 0)
        first_line, _ = layout.get_first_line()
        width, height = line_size(first_line, style)
        baseline = pango.pango_layout_get_baseline(layout.layout) * FROM_UNITS
        if xs:
            svg.cursor_d_position[0] = 0
        if ys:
            svg.cursor_d_position[1] = 0
        x = size(xs[0], font_size, svg.inner_width) if xs else svg.cursor_position[0]
        y = size(ys[0], font_size, svg.inner_height) if ys else svg.cursor_position[1]
        ascent, descent = font_size * .8, font_size * .2
        anchor = node.get("display-anchor")
        alignment = node.get("dominant-baseline", node.get("alignment-baseline"))
        if anchor == "middle":
            y_align = -height / 2
        elif anchor == "bottom":
            y_align = -height
        elif anchor == "top":
            y_align = 0
        elif alignment in ("central", "middle"):
            y_align = (ascent + descent) / 2 - descent
        elif alignment in ("text-before-edge", "before_edge", "top", "hanging", "text-top"):
            y_align = ascent
        elif alignment in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
            y_align = -descent
        else:
            y_align = 0
        x_at = x + svg.cursor_d_position[0]
        y_at = y + svg.cursor_d_position[1] + y_align
        svg.cursor_position = x + width, y
        node.text_bounding_box = extend_bounding_box(node.text_bounding_box, (
            (x_at, y_at - baseline), (x_at + width, y_at - baseline + height)))
        svg.stream.push_state()
        fill, stroke = svg.set_graphical_state(node, font_size)
        svg.stream.begin_text()
        svg.fill_stroke(fill, stroke, text=True)
        box = _svg_text.TextBox(layout, style)
        box.baseline = baseline
        emojis = draw_first_line(svg.stream, box, "none", "none",
                                 Matrix(a=1, d=-1, e=x_at, f=y_at))
        svg.stream.end_text()
        svg.stream.pop_state()
        draw_emojis(svg.stream, style, x, y, emojis)

    return or_letter_by_letter(plain, one_run, by_letter)


def or_letter_by_letter(plain, one_run, by_letter):
    """SVG text drawn by one_run where plain says it may be, else by WeasyPrint's by_letter.
    one_run reaches into WeasyPrint's insides; if any of that fails (a WeasyPrint that changed
    inside, a text it meets for the first time) the drawing state it touched is put back and
    the text goes letter by letter: a chart loses its spaces in extraction, not its labels."""
    def text(svg, node, font_size):
        saved = None
        try:
            saved = _drawing_state(svg, node)
            if plain(svg, node, font_size):
                return one_run(svg, node, font_size)
        except Exception:
            if saved:
                _put_back(svg, node, saved)
        return by_letter(svg, node, font_size)

    return text


def _drawing_state(svg, node):
    stream = svg.stream
    return (list(svg.cursor_position), list(svg.cursor_d_position),
            getattr(node, "text_bounding_box", None), len(stream.stream),
            dict(vars(stream)), list(stream._ctm_stack))


def _put_back(svg, node, saved):
    position, d_position, box, length, attributes, ctm = saved
    svg.cursor_position, svg.cursor_d_position = position, d_position
    if box is None:
        vars(node).pop("text_bounding_box", None)
    else:
        node.text_bounding_box = box
    del svg.stream.stream[length:]  # the operators a half-drawn text left
    vars(svg.stream).update(attributes)
    svg.stream._ctm_stack = ctm


# Written for WeasyPrint 70 (pyproject pins >=70,<71): another version keeps its own SVG text,
# and BRIEFGEN_SVG_TEXT_AS_ONE_RUN=0 switches the patch off as a whole.
SVG_TEXT_AS_ONE_RUN = (weasyprint.__version__.split(".")[0] == "70"
                       and _svg_package.text is _svg_text.text
                       and os.environ.get("BRIEFGEN_SVG_TEXT_AS_ONE_RUN") != "0")
if SVG_TEXT_AS_ONE_RUN:
    _one_run = _svg_text_as_one_run(_svg_text.text)
    for _tag, _draw in list(_svg_package.TAGS.items()):
        if _draw is _svg_text.text:
            _svg_package.TAGS[_tag] = _one_run
    # draw_node tells a text node by comparing its TAGS entry with the package's name `text`.
    _svg_package.text = _one_run


def _writer() -> str:
    """What decides a written PDF's bytes besides its layout and the code: a handout kept in the
    cache folder is used only where these are what wrote it (build.make_handout)."""
    import fontTools
    import PIL
    import pydyf

    return repr((pydyf.__version__, fontTools.version, PIL.__version__, zlib.ZLIB_RUNTIME_VERSION,
                 sys.version, SVG_TEXT_AS_ONE_RUN))


WRITER = ENGINE + _writer()


def render_pdf(html: str, base: Path, roots: list[Path], origin: Loc):
    """Lay the HTML out; the returned document's .pages can be counted before writing."""
    lang = _LANG.search(html)
    if lang:
        load_hyphenation(lang.group(1))
    fetcher = FolderFetcher(roots)
    key = _font_key(html, fetcher.roots)  # (folders, @font-face rules, their files' stamps)
    # Its fonts are fetched once per configuration, perhaps by another process (warm_up).
    fetcher.read.update(dict.fromkeys(_font_files(key[1])))
    with _refusals(fetcher, origin):
        document = weasyprint.HTML(string=html, base_url=str(base), url_fetcher=fetcher).render(
            font_config=_font_config(key))
    _raise_refused(fetcher, origin)
    return document


def files_read(document, families: set[str]) -> dict[Path, str | None] | None:
    """The files a written document was made from, by the paths asked for: its images (and what
    an SVG shows) and attachments, each with a digest of the bytes it was made from, and its
    fonts, with None. None where it holds a font of another family than these (the theme's,
    whose names no machine has): one of the machine's, for characters the theme's fonts lack,
    which no list of files can say."""
    if any(font.family not in families for font in document.fonts.values()):
        return None
    return dict(document.url_fetcher.read)


def warm_up(html: str, base: Path, roots: list[Path], origin: Loc, lang: str,
            kept=None) -> None:
    """Do once, before forking, what every render of this HTML would otherwise do again in each
    process: load its fonts, WeasyPrint's C types and its hyphenation patterns. kept: returns
    once another process is done keeping a parsed copy of the patterns (a cold build's reading
    child parses them while this one loads the fonts)."""
    warm_fonts(html, base, roots, origin)
    if kept is not None:
        kept()
    load_hyphenation(lang)


def warm_fonts(html: str, base: Path, roots: list[Path], origin: Loc) -> None:
    """warm_up without the hyphenation patterns: html may be its style sheet alone."""
    if _font_key(html, [Path(r).resolve() for r in roots]) not in _fonts:  # else warm already
        style = "".join(_STYLE.findall(html))
        # No lang: a line this short is never hyphenated, and render_pdf would load them.
        render_pdf(f"<html><style>{style}</style><p>Warm <b>up</b></p>", base, roots, origin)


def _font_config(key: tuple) -> FontConfiguration:
    """The font configuration for these @font-face rules (_font_key), shared by every render of
    them.

    WeasyPrint keeps a face it has loaded and skips it the next time, so sharing saves a fifth of
    a handout render. A face is fetched once per configuration, so the allowed folders are part
    of the key, and so are the files' stamps: briefgen watch sees an edited font.
    """
    if key not in _fonts:
        if len(_fonts) >= 4:  # a long watch or a batch of many themes: drop the oldest
            _drop(_fonts.pop(next(iter(_fonts))))
        _fonts[key] = (os.getpid(), FontConfiguration())
    return _fonts[key][1]


def _font_key(html: str, roots: list[Path]) -> tuple:
    faces = _FONT_FACE.findall("".join(_STYLE.findall(html)))  # not in a brief's own text
    stamps = [file_stamp(path) for path in _font_files(faces)]
    return tuple(map(str, roots)), tuple(faces), tuple(stamps)


def _font_files(faces) -> list[Path]:
    """The files these @font-face rules name."""
    return [Path(url2pathname(urlsplit(url).path)) for face in faces
            for url in _FILE_URL.findall(face)]


def release() -> None:
    """Delete the temporary font folders this process made; run at exit.

    WeasyPrint copies a configuration's fonts into a temp folder and deletes it only when the
    configuration is garbage-collected, which never happens in a forked child that leaves with
    _exit: every build left about 12 MB behind in /tmp. A child forgets the configurations it
    inherited, and leaves their folders to the process that made them.
    """
    while _fonts:
        _drop(_fonts.popitem()[1])


def _drop(entry: tuple[int, FontConfiguration]) -> None:
    pid, config = entry
    if pid != os.getpid():
        # Inherited: its own __del__ would delete the folder its maker still reads from.
        config._folder = None
    elif config._folder:
        shutil.rmtree(config._folder, ignore_errors=True)


atexit.register(release)


def write_pdf(document, target: Path, origin: Loc) -> int:
    """Write a rendered document; returns its page count."""
    _markers_in_flow(document)
    # Attachments are fetched only now, through the same fetcher.
    with _refusals(document.url_fetcher, origin):
        # PDF/UA-1: tagged structure, language, title shown, so screen readers can follow it.
        document.write_pdf(str(target), pdf_variant="pdf/ua-1", finisher=_finish_tags)
    _raise_refused(document.url_fetcher, origin)
    return len(document.pages)


# HTML's scope attribute -> PDF's; a header without one heads its column, as WeasyPrint links it.
_SCOPES = {"row": "/Row", "rowgroup": "/Row", "col": "/Column", "colgroup": "/Column"}


def _scope_headers(document, pdf) -> None:
    """Give every table header cell its /Scope, which PDF/UA-1 requires of a TH (Matterhorn
    15-003): WeasyPrint 70 tags a TH with only /O /Table. Its structure element is the `mark`
    WeasyPrint leaves on the cell's box, still unwritten when a finisher runs."""
    def walk(box):
        mark = getattr(box, "mark", None)
        if getattr(box, "element_tag", None) == "th" and mark is not None and "A" in mark:
            scope = (box.element.get("scope") or "").strip().lower()
            mark["A"]["Scope"] = _SCOPES.get(scope, "/Column")
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)


def _markers_in_flow(document) -> None:
    """Paint each list marker ('1.', '•') just before its item's text, not after the page's.

    WeasyPrint 70 lays an outside marker out as an absolutely positioned box, and paints such
    boxes after everything else: text read in the page's order (pypdf, copying from most
    viewers) had every item without its number, then all the numbers at the page's end. Laid
    out, a marker is set static, so it is painted in the tree's order, first in its item; it
    stays where it was laid out."""
    def walk(box) -> None:
        if getattr(box, "is_outside_marker", False):
            box.style["position"] = "static"
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)


def _finish_tags(document, pdf) -> None:
    _scope_headers(document, pdf)
    _tag_lists(document, pdf)


# CSS's list-style-type -> PDF's /ListNumbering; a marker of our own (an en dash) or none: /None.
_NUMBERING = {"disc": "/Disc", "circle": "/Circle", "square": "/Square", "decimal": "/Decimal",
              "lower-roman": "/LowerRoman", "upper-roman": "/UpperRoman",
              "lower-alpha": "/LowerAlpha", "lower-latin": "/LowerAlpha",
              "upper-alpha": "/UpperAlpha", "upper-latin": "/UpperAlpha"}


def _tag_lists(document, pdf) -> None:
    """Put each nested list (L) in the LBody of its item, and say how each list numbers its
    labels (/ListNumbering, which tells a screen reader a numbered list from a bulleted one).

    WeasyPrint 70 tags ul and ol as L, li as LI with Lbl (the marker) and LBody, but makes a
    nested list a child of the outer list, after its item, and gives L no attributes. Its L
    elements are made in the order of the ul, ol (and a theme's dl) boxes on the pages, which
    is how each is matched to its box; if the counts differ, the lists are left as WeasyPrint
    tagged them."""
    import pydyf

    lists = [o for o in pdf.objects if isinstance(o, pydyf.Dictionary) and o.get("S") == "/L"]
    found = []

    def walk(box) -> None:
        if getattr(box, "element_tag", None) in ("ul", "ol", "dl"):  # WeasyPrint's L
            found.append(box)
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    if len(found) != len(lists):
        return

    def element(ref):
        if not isinstance(ref, bytes):
            return None  # a marked-content id
        kid = pdf.objects[int(ref.split()[0])]
        return kid if isinstance(kid, pydyf.Dictionary) else None

    for tag, box in zip(lists, found):
        style = box.style["list_style_type"] if box.element_tag != "dl" else "none"
        tag["A"] = pydyf.Dictionary({"O": "/List", "ListNumbering": _NUMBERING.get(
            style if isinstance(style, str) else "", "/None")})
        kids, item = [], None
        for ref in tag["K"]:
            kid = element(ref)
            body = item and next((b for b in map(element, reversed(item["K"]))
                                  if b is not None and b.get("S") == "/LBody"), None)
            if kid is not None and kid.get("S") == "/L" and body is not None:
                body["K"].append(ref)
                kid["P"] = body.reference
                continue
            if kid is not None and kid.get("S") == "/LI":
                item = kid
            kids.append(ref)
        tag["K"] = pydyf.Array(kids)


def _raise_refused(fetcher: FolderFetcher, origin: Loc) -> None:
    # Inside an SVG, WeasyPrint catches even fatal fetch errors and leaves the image out: a
    # refusal must still fail the build, not silently drop a figure.
    if fetcher.refused:
        raise BriefError.at(origin, f"refused to read {fetcher.refused[0]}")


@contextmanager
def _refusals(fetcher: FolderFetcher, origin: Loc):
    try:
        yield
    except FatalURLFetchingError:
        reason = fetcher.refused[-1] if fetcher.refused else "a resource could not be read"
        raise BriefError.at(origin, f"refused to read {reason}") from None


def room_left(page) -> float:
    """The height (CSS px) left blank at the foot of a page, below its last line or image."""
    from weasyprint.formatting_structure.boxes import LineBox, ReplacedBox

    area = page._page_box
    used = max((b.position_y + b.margin_height() for b in area.children[0].descendants()
                if isinstance(b, (LineBox, ReplacedBox))), default=area.content_box_y())
    return area.content_box_y() + area.height - used


def figure_room(document, smallest: float = 192.0, share: float = 0.6) -> dict[str, float]:
    """Figures that a page could have held a little smaller: {figure id: image height in CSS
    pixels}. A figure too tall for the room left on its page moved whole to the next, leaving a
    third of the page blank above the next section; where the room would hold it at 2 inches
    and 60% of its height or more, its image may be that much smaller and stay. A figure
    without an id, or on the first page, is left as it is."""
    from weasyprint.formatting_structure.boxes import ReplacedBox

    room = {}
    for before, page in zip(document.pages, document.pages[1:]):
        box = page._page_box
        top = box.content_box_y()
        for figure in box.children[0].descendants():
            if getattr(figure, "element_tag", None) != "figure" or \
                    figure.element is None or not figure.element.get("id"):
                continue
            if figure.position_y > top + 1:
                break  # not where the page begins: it did not move for want of room
            image = next((b for b in figure.descendants() if isinstance(b, ReplacedBox)), None)
            if image is None:
                break
            free = room_left(before)
            # On the page before, its top margin counts (dropped where it begins a page); its
            # bottom margin may run past the page's end.
            top_margin = figure.style["margin_top"]
            needed = figure.border_height() + (top_margin.value if top_margin.unit == "px" else 0)
            height = image.height - (needed - free) - 4  # 4 px to spare
            if height >= max(smallest, share * image.height):
                room[figure.element.get("id")] = height
            break
    return room


def figure_deferrals(document) -> dict[str, int]:
    """Figures to set a few blocks later: {figure id: how many headings and paragraphs that
    follow it fit the room it left blank on the page before}. A figure too tall for the rest
    of its page moved whole to the next one; where it could not shrink enough to stay, the
    text that follows fills that room and the figure heads the next page, as a typesetter
    floats it."""
    from weasyprint.formatting_structure.boxes import LineBox

    out = {}
    for before, page in zip(document.pages, document.pages[1:]):
        box = page._page_box
        top = box.content_box_y()
        flow = [b for b in box.children[0].descendants()
                if getattr(b, "element_tag", None) in ("figure", "h2", "p", "section", "ul",
                                                       "ol", "table", "div", "li", "img")]
        first = next((i for i, b in enumerate(flow) if b.element_tag == "figure"), None)
        if first is None:
            continue
        figure = flow[first]
        name = figure.element.get("id") if figure.element is not None else None
        if not name or not name.startswith(("figure-", "chart-")) or \
                figure.position_y > top + 1:
            continue
        free = room_left(before) - 4
        count, filled, last = 0, 0.0, None
        inside = set(map(id, figure.descendants()))
        for b in flow[first + 1:]:
            if b.element_tag == "section" or id(b) in inside:
                continue
            if b.element_tag not in ("h2", "p"):
                break
            if filled + b.margin_height() > free:
                # A paragraph may begin in the room and go on over the page, if three of its
                # lines fit there (its own orphans rule keeps two).
                lines = [c for c in b.descendants() if isinstance(c, LineBox)]
                if b.element_tag == "p" and len(lines) > 4 and \
                        filled + 3 * lines[0].height + 8 <= free:
                    count, last = count + 1, "p"
                break
            filled += b.margin_height()
            count, last = count + 1, b.element_tag
        # A heading alone would be left at the page's foot: it goes over with its text.
        if last == "h2":
            count -= 1
        if count:
            out[name] = count
    return out


def margin_box(document, at_keyword: str):
    """The first page's margin box of this name that holds text, as (width in points, lines, font
    size in points), else None: what the memo's running head has room for, as the theme's CSS
    laid it out."""
    from weasyprint.formatting_structure.boxes import LineBox

    for page in document.pages:
        for box in page._page_box.children:
            if getattr(box, "at_keyword", None) != at_keyword:
                continue
            lines = [b for b in box.descendants() if isinstance(b, LineBox) and b.children]
            if lines:
                return box.width * 0.75, len(lines), box.style["font_size"] * 0.75
    return None


def content_height(page) -> float:
    """The height of what a page holds, in CSS pixels: on a page tall enough for all of it, the
    height the content needs."""
    return page._page_box.children[0].margin_height()


def margins(document) -> float:
    """The first page's margins, top and bottom together, in CSS pixels."""
    box = document.pages[0]._page_box
    return box.margin_height() - box.height


def overfill(document) -> float:
    """How far a render runs past its first page (positive) or falls short of filling it
    (negative), in CSS pixels. Exact on one page; on more it counts only the blocks that moved
    over, not the space they left."""
    if len(document.pages) == 1:
        return content_height(document.pages[0]) - document.pages[0]._page_box.height
    return sum(content_height(page) for page in document.pages[1:])


def item_lines(document, container: str) -> list[list[float]]:
    """The heights of the line boxes of each list item inside the elements of class container,
    in CSS pixels, in document order (an item split over pages counts once): how much height
    shortening an item's text gives back, line by line."""
    from weasyprint.formatting_structure.boxes import LineBox

    items: dict[int, list[float]] = {}

    def walk(box, inside: bool) -> None:
        element = getattr(box, "element", None)
        if element is not None and not inside:
            inside = container in (element.get("class") or "").split()
        if inside and getattr(box, "element_tag", None) == "li" and not isinstance(box, LineBox):
            lines = items.setdefault(id(element), [])
            lines += [line.height for line in box.children if isinstance(line, LineBox)]
            return
        for child in getattr(box, "children", ()):
            walk(child, inside)

    for page in document.pages:
        walk(page._page_box, False)
    return list(items.values())


def wide_tables(document, css_class: str = "data-table") -> dict:
    """The tables of this class laid out wider than the block that holds them: {table id: Wide}
    in points, with the column that is widest and its widest line of text (at a table's
    narrowest, a column is as wide as its longest word). A table split over pages counts once,
    where it is widest."""
    from weasyprint.formatting_structure.boxes import LineBox, TableCellBox, TextBox

    from .exhibits import Wide

    found = {}

    def line_text(line) -> str:
        # Invisible padding (a number's missing decimals) takes room but is not printed.
        return "".join(box.text for box in line.descendants()
                       if isinstance(box, TextBox) and box.style["visibility"] == "visible")

    def measure(table, room: float) -> None:
        name = table.element.get("id") if table.element is not None else None
        width = table.margin_width()
        if not name or width <= room + 0.01 or (
                name in found and found[name].width >= width * 0.75):
            return
        widths = list(table.column_widths)
        column = max(range(len(widths)), key=widths.__getitem__)
        widest = (0.0, "")
        for cell in table.descendants():
            if isinstance(cell, TableCellBox) and cell.grid_x == column:
                for line in cell.descendants():
                    if isinstance(line, LineBox) and line.children:
                        # A line box is as wide as its cell; its text ends where its last box does.
                        used = max(c.position_x + c.margin_width() for c in line.children) - \
                            line.position_x
                        if used > widest[0]:
                            widest = (used, line_text(line))
        found[name] = Wide(width * 0.75, room * 0.75, column, widest[1], widest[0] * 0.75)

    def walk(box) -> None:
        for child in getattr(box, "children", ()):
            if getattr(child, "is_table_wrapper", False):
                table = child.get_wrapped_table()
                if table.element is not None and css_class in (
                        table.element.get("class") or "").split():
                    # Its room is what the wrapper's container gives it, not the wrapper's
                    # width, which follows the table's.
                    measure(table, box.width)
                    continue
            if not isinstance(child, (LineBox, TextBox)):
                walk(child)

    for page in document.pages:
        walk(page._page_box)
    return found
