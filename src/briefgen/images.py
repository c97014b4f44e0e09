"""Limits on the images a brief or a theme brings, checked before any engine decodes them.

Pillow decodes only what it is asked to, but an SVG draws what it names: images in files or
data: URIs (a 144-megapixel PNG took 1.2 GB), other SVGs (two that show each other never
finish), its own elements again through <use> (ten copies of ten copies... never finish either),
and numbers too large for a PDF. Here an image is read as header and XML only, counting stops at
the limit, and each problem is a phrase that follows the image's name ("figure x.svg " + it).
"""
from __future__ import annotations

import base64
import hashlib
import io
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable
from urllib.parse import unquote_to_bytes, urljoin, urlsplit


from .load import MAX_PIXELS

MAX_FILE_BYTES = 50_000_000
MAX_SVG_BYTES = 5_000_000
MAX_SVG_ELEMENTS = 20_000  # elements drawn, each <use> copy counted
MAX_SVG_DEPTH = 50  # elements inside elements
MAX_SVG_NESTING = 3  # SVGs shown inside SVGs, the outer one included
MAX_NUMBER = 1_000_000_000  # larger breaks the PDF's numbers (qpdf: overflow)

DAMAGED = "is not a readable image: it is damaged, empty, or not a PNG, JPEG or GIF"
_SVG = "{http://www.w3.org/2000/svg}"
_HREFS = ("{http://www.w3.org/1999/xlink}href", "href")
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
# Attributes that hold sizes and coordinates: what the PDF's drawing operators receive.
_GEOMETRY = {"x", "y", "width", "height", "viewBox", "x1", "y1", "x2", "y2", "cx", "cy", "r",
             "rx", "ry", "points", "d", "transform", "dx", "dy", "font-size", "stroke-width",
             "style"}
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")

# follow(base, href) -> (key, name, bytes, base of the target) for a file the SVG names, or
# None to leave it alone (the engine's fetcher then decides); may raise to refuse it.
Follow = Callable[[str, str], "tuple[str, str, bytes, str] | None"]


def raster_problem(data: bytes, decode: bool = True) -> str | None:
    """Why a PNG, JPEG or GIF cannot be printed: too many pixels (from the header), or damaged
    (decoded, when decode: a truncated file decodes only in part, and WeasyPrint would print the
    part). Pillow's warnings become the answer, never lines on stderr."""
    from PIL import Image, ImageFile

    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            im = Image.open(io.BytesIO(data))
        with im:
            width, height = im.size
            if width * height > MAX_PIXELS:  # Pillow warned of a bomb, or will not
                return _too_many(width, height)
            if any(not issubclass(w.category, Image.DecompressionBombWarning) for w in caught):
                return DAMAGED
            if decode:
                # WeasyPrint turns this on when imported, for the whole process.
                ImageFile.LOAD_TRUNCATED_IMAGES = False
                with warnings.catch_warnings():
                    warnings.simplefilter("error")  # truncated EXIF, odd palettes, ...
                    im.load()
    except Image.DecompressionBombError:  # over twice Pillow's own limit: no size is read
        return f"is larger than {MAX_PIXELS // 1_000_000} megapixels, too large to print"
    except Exception:  # noqa: BLE001 - Pillow raises (and warns) many types for a broken file
        return DAMAGED
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return None


def _too_many(width: int, height: int) -> str:
    return (f"is {width}x{height} pixels; at most {MAX_PIXELS // 1_000_000} megapixels can be "
            "printed")


def pixels(data: bytes) -> int:
    """A raster image's pixel count, from its header; 0 if Pillow cannot read it."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with Image.open(io.BytesIO(data)) as im:
                return im.size[0] * im.size[1]
        except Exception:  # noqa: BLE001
            return 0


def svg_problem(data: bytes, key: str, name: str, base: str, follow: Follow,
                decode: bool = True) -> str | None:
    """Why an SVG cannot be printed, following the images it shows (files through follow,
    data: URIs itself). key tells one file from another, name is what a message calls it, base
    resolves its references. decode: decode the raster images it shows, to find damage."""
    try:
        return _Check(follow, decode).svg(data, base, [(key, name)])
    except _Whole as e:  # said of the outer SVG, whichever SVG found it
        return str(e)


def resource_problem(data: bytes, key: str, name: str, base: str, follow: Follow) -> str | None:
    """What svg_problem or raster_problem (from the header alone) says of a file an engine is
    about to draw; None for anything else (a font, a stylesheet)."""
    if _is_svg(data):
        return svg_problem(data, key, name, base, follow, decode=False)
    return raster_problem(data, decode=False) if pixels(data) else None


class _Check:
    def __init__(self, follow: Follow, decode: bool):
        self.follow, self.decode = follow, decode
        self.seen: set[str] = set()  # raster images counted already
        self.pixels = 0  # of every raster image shown, inside SVGs inside SVGs too

    def svg(self, data: bytes, base: str, chain: list[tuple[str, str]]) -> str | None:
        if len(data) > MAX_SVG_BYTES:
            return f"is {len(data):,} bytes; an SVG may have at most {MAX_SVG_BYTES:,}"
        root, problem = _parse(data)
        if problem:
            return problem
        if not root.tag.endswith("svg"):
            return "is not an SVG image"
        problem = _use_problem(root) or _number_problem(root)
        if problem:
            return problem
        for node in (n for n in root.iter() if n.tag in (f"{_SVG}image", "image")):
            href = next((node.get(a) for a in _HREFS if node.get(a)), None)
            if href is None:
                continue
            problem = self.image(urljoin(base, node.get(_XML_BASE) or ""), href.strip(), chain)
            if problem:
                return problem
        return None

    def image(self, base: str, href: str, chain: list[tuple[str, str]]) -> str | None:
        if href.startswith("#"):
            return None
        if href[:5].lower() == "data:":
            data, name, target = _data_uri(href), "a data: image", base
            key = hashlib.sha1(href.encode()).hexdigest()
        else:
            found = self.follow(base, href)
            if found is None:
                return None
            key, name, data, target = found
        if data is None:
            return None  # unreadable data: WeasyPrint leaves it out, as any browser would
        if _is_svg(data):
            keys = [k for k, _ in chain]
            if key in keys:
                names = " -> ".join(n for _, n in [*chain[keys.index(key):], (key, name)])
                who = "shows itself" if key == keys[0] else "shows SVGs that show each other"
                raise _Whole(f"{who} ({names}): it would never finish drawing; remove the loop")
            if len(chain) >= MAX_SVG_NESTING:
                names = " -> ".join(n for _, n in [*chain, (key, name)])
                raise _Whole(f"shows SVGs inside SVGs more than {MAX_SVG_NESTING} deep ({names}); "
                             f"at most {MAX_SVG_NESTING} can be drawn")
            inner = self.svg(data, target, [*chain, (key, name)])
        else:
            inner = raster_problem(data, self.decode)
            if inner is None and key not in self.seen:
                self.seen.add(key)
                self.pixels += pixels(data)
                if self.pixels > MAX_PIXELS:
                    return (f"shows images of more than {MAX_PIXELS // 1_000_000} megapixels "
                            "in all; at most that many can be printed")
        return f"embeds {name}, which {inner}" if inner else None


def _parse(data: bytes):
    """The SVG's root, counting elements and depth as it reads: a file of 5 MB of '<g/>' would
    otherwise be a million elements in memory before any count."""
    depth = count = 0
    try:
        parser = ET.iterparse(io.BytesIO(data), events=("start", "end"))
        for event, _ in parser:
            if event == "end":
                depth -= 1
                continue
            depth += 1
            count += 1
            if depth > MAX_SVG_DEPTH:
                return None, (f"nests its elements more than {MAX_SVG_DEPTH} deep; flatten its "
                              "groups or give a PNG")
            if count > MAX_SVG_ELEMENTS:
                return None, (f"has more than {MAX_SVG_ELEMENTS:,} elements; simplify it or "
                              "give a PNG")
        return parser.root, None
    except ET.ParseError as e:
        return None, f"is not a readable SVG image ({e})"


def _use_problem(root) -> str | None:
    """Copies made by <use> count as elements: ten <use> of ten <use> of ... are drawn ten to the
    power of the depth times, and a <use> of its own ancestor forever."""
    ids = {node.get("id"): node for node in root.iter() if node.get("id")}
    sizes: dict[int, int] = {}
    active: list[str] = []

    def size(node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        total = 1
        for child in node:
            total += size(child)
        if node.tag in (f"{_SVG}use", "use"):
            href = next((node.get(a) for a in _HREFS if node.get(a)), "") or ""
            target = ids.get(href[1:]) if href.startswith("#") else None
            if target is not None:
                name = href[1:]
                if name in active:
                    raise _Loop(" -> ".join(f"#{n}" for n in [*active[active.index(name):], name]))
                active.append(name)
                total += size(target)
                active.pop()
        sizes[id(node)] = total = min(total, MAX_SVG_ELEMENTS + 1)  # no huge integers
        return total

    try:
        # Depth is at most MAX_SVG_DEPTH elements, each <use> link adding one level more.
        if size(root) > MAX_SVG_ELEMENTS:
            return (f"draws more than {MAX_SVG_ELEMENTS:,} elements, counting each copy <use> "
                    "makes; simplify it or give a PNG")
    except _Loop as loop:
        return (f"has a <use> that shows itself ({loop}): it would never finish drawing; "
                "remove the loop")
    except RecursionError:
        return (f"draws more than {MAX_SVG_ELEMENTS:,} elements, counting each copy <use> "
                "makes; simplify it or give a PNG")
    return None


class _Loop(Exception):
    pass


class _Whole(Exception):
    """A problem of the whole chain of SVGs, not of the one that found it."""


def _number_problem(root) -> str | None:
    for node in root.iter():
        for name, value in node.attrib.items():
            if name in _GEOMETRY:
                for number in _NUMBER.findall(value):
                    if abs(float(number)) > MAX_NUMBER:
                        return (f"has a size or position too large to print ({number} in "
                                f"'{name}'); keep them under {MAX_NUMBER:,}")
    return None


def _is_svg(data: bytes) -> bool:
    from PIL import Image

    if data[:512].lstrip()[:1] != b"<" or b"svg" not in data:
        return False
    try:  # an image Pillow reads is drawn as one, whatever its name (as WeasyPrint does)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Image.open(io.BytesIO(data)).close()
        return False
    except Exception:  # noqa: BLE001
        return True


def _data_uri(href: str) -> bytes | None:
    """The bytes of a data: URI, or None if it is malformed."""
    header, comma, body = href[5:].partition(",")
    if not comma:
        return None
    try:
        if header.lower().endswith(";base64"):
            return base64.b64decode(unquote_to_bytes(body), validate=False)
        return unquote_to_bytes(body)
    except (ValueError, TypeError):
        return None


def local_follow(top: str) -> Follow:
    """A follow that reads files inside one folder only (an SVG's own, before the engine's
    fetcher knows the allowed folders): anything else is left to that fetcher."""
    from pathlib import Path
    from urllib.request import url2pathname

    folder = Path(top).resolve()

    def follow(base: str, href: str):
        url = urljoin(base, href)
        parts = urlsplit(url)
        if parts.scheme != "file":
            return None
        try:
            path = Path(url2pathname(parts.path)).resolve()
            if not path.is_relative_to(folder) or not path.is_file() or \
                    path.stat().st_size > MAX_FILE_BYTES:
                return None
        except (OSError, RuntimeError):
            return None
        return str(path), path.relative_to(folder).as_posix(), path.read_bytes(), path.as_uri()

    return follow
