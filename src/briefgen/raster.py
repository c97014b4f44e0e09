"""SVG -> PNG with resvg-py, for the Word memo's charts and SVG figures: the only module that
imports resvg_py. Drawn with the theme's own font files only, so the pixels are the same on
every machine."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .errors import BriefError, Loc
from .theme import Theme

CHART_DPI = 200  # sharp in print
MAX_SIDE = 4000  # pixels: a page-wide picture at 200 dpi is 1,300

_ROOT = re.compile(r"<svg\b[^>]*>", re.S)
_LENGTH = re.compile(r"\s*([0-9.]+)\s*(pt|px|in|cm|mm)?\s*$")
_CSS_PX = {"px": 1.0, "pt": 96 / 72, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4}


def measure_svg(svg: str) -> tuple[float | None, float | None, float | None]:
    """The root's width and height in points when they are absolute (None for a percentage or
    none at all), and its height over width from the viewBox (None without one)."""
    root = _ROOT.search(svg)
    tag = root[0] if root else ""
    sizes = []
    for name in ("width", "height"):
        found = re.search(rf'\s{name}\s*=\s*["\']([^"\']*)["\']', tag)
        length = _LENGTH.match(found[1]) if found else None
        sizes.append(float(length[1]) * _CSS_PX[length[2] or "px"] * 0.75 if length else None)
    box = re.search(r'\sviewBox\s*=\s*["\']([^"\']*)["\']', tag)
    numbers = [float(n) for n in re.findall(r"-?[0-9.]+(?:e-?[0-9]+)?", box[1])] if box else []
    aspect = numbers[3] / numbers[2] if len(numbers) == 4 and numbers[2] > 0 else None
    return sizes[0], sizes[1], aspect


# Any reference an SVG may make to something outside itself: href and xlink:href (images,
# <use>, nested SVG) and CSS url(...). Only a fragment (#id) and a data: URI stay inside.
_REFERENCE = re.compile(r"""(?:\bhref\s*=\s*["']|\burl\(\s*["']?)\s*([^"')\s]*)""", re.I)


def outside_references(svg: str) -> list[str]:
    """What the SVG would read from elsewhere. resvg reads any file an href names, the whole
    disk included (an <image href="/home/me/secret.png"> was drawn into the Word memo), so an
    SVG that names one is not drawn at all."""
    return [ref for ref in _REFERENCE.findall(svg)
            if not ref.startswith("#") and not ref.lower().startswith("data:")]


def refuse_outside_references(svg: str, name: str, loc: Loc, shown_by: str) -> None:
    """Stop at an SVG figure that names other files, said for the output that cannot show them
    (shown_by: 'the Word memo draws', 'the web page shows')."""
    refs = outside_references(svg)
    if refs:
        raise BriefError.at(loc, (
            f"figure {name} refers to '{refs[0][:80]}': {shown_by} an SVG figure only when it "
            "reads nothing else; put that image inside the SVG as a data: URI, or give the "
            "figure as a PNG"))


def rasterise(svg: str, theme: Theme, size_pt: tuple[float, float] | None = None,
              dpi: float = CHART_DPI) -> bytes:
    """An SVG as PNG bytes, at size_pt when given (the size it prints at) else its own. The
    chart names its font by the PDF's private family name; resvg knows the files by the family
    inside them."""
    import resvg_py  # only for a brief with a chart or an SVG figure

    refs = outside_references(svg)
    if refs:  # the caller says where; never read, whatever happens
        raise ValueError(f"the SVG refers to {refs[0]!r}")

    if size_pt is None:
        width, height, _ = measure_svg(svg)
        size_pt = (width, height) if width and height else None
    if size_pt is not None:  # no side over MAX_SIDE pixels, whatever the SVG says
        dpi = min(dpi, MAX_SIDE * 72 / max(size_pt))
    files = [str(p) for fam in (theme.heading, theme.body) for p in fam.files().values()]
    heading = read_family(theme.heading.regular)
    for fam in (theme.heading, theme.body):
        if fam.css_family:
            svg = svg.replace(fam.css_family, read_family(fam.regular))
    return bytes(resvg_py.svg_to_bytes(
        svg_string=_size_in_pixels(svg, size_pt), skip_system_fonts=True, font_files=files,
        zoom=dpi / 96, font_family=heading, sans_serif_family=heading,
        serif_family=read_family(theme.body.regular), background=theme.colors["background"]))


def _size_in_pixels(svg: str, size_pt: tuple[float, float] | None) -> str:
    """The root's width and height in CSS pixels without a unit: resvg-py 0.5 refuses a size
    in points ('SVG has an invalid size') and draws a percentage at 100 px."""
    root = _ROOT.search(svg)
    if not root:
        return svg
    if size_pt is None:
        width, height, _ = measure_svg(svg)
        if width is None or height is None:
            return svg
        size_pt = (width, height)
    tag = re.sub(r'\s(?:width|height)\s*=\s*["\'][^"\']*["\']', "", root[0])
    sized = f'{tag[:4]} width="{size_pt[0] / 0.75:.3f}" height="{size_pt[1] / 0.75:.3f}"{tag[4:]}'
    return svg[:root.start()] + sized + svg[root.end():]


@lru_cache(maxsize=16)
def read_family(path: Path) -> str:
    """The family name inside a font file, which resvg matches."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        return font["name"].getBestFamilyName() or path.stem
