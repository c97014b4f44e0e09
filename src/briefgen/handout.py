"""The one-page handout: what it shows, and the fitting ladder that keeps it to one page.

WeasyPrint's render() gives the page count without writing, so each try is one render: spacing
first, then type down to the theme's floor, then short source entries, interpolating within a rung
on how much height the handout needs, measured on a page tall enough to hold all of it.
"""
from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import segno

from .cache import private_folder, read_file, write_quietly
from .cite import format_reference, plain, short_name, source_year, split_heading
from .errors import BriefError, Loc
from .html import PAPER, render_html
from .labels import quoted
from .model import Doc
from .theme import Theme

TIGHT = 0.35  # the smallest spacing factor


@dataclass(frozen=True)
class Fit:
    spacing: float
    scale: float
    short_sources: bool
    renders: int
    # How fast the excess grows with spacing (px per unit), where the answer was on rung 1: the
    # next build checks the hint with one render, if the step above is then clearly too tall.
    slope: float | None = None
    # Whether the step above was judged too tall on an earlier version of the brief's slope
    # (briefgen watch) rather than on this one's renders: such a fit is not kept for later builds.
    borrowed: bool = False
    # How far the answer's render falls short of filling the page (px): the same again is the
    # same layout, which a kept fit's slope may then be trusted for.
    excess: float | None = None

    def describe(self) -> str:
        parts = [f"type {self.scale:.0%}", f"spacing {self.spacing:.0%}"]
        if self.short_sources:
            parts.append("short sources")
        return ", ".join(parts)


def handout_context(doc: Doc, theme: Theme) -> dict:
    """What the handout shows: the key point of each section and only the sources those cite."""
    b = doc.brief
    points = []
    for s in doc.sections:
        title, _ = split_heading(s.heading)
        # A heading that ends in ? or ! needs no full stop after it.
        stop = "" if plain(title).rstrip()[-1:] in ".?!:" else "."
        points.append({"number": s.number, "title": title, "stop": stop, "text": s.takeaway})
    shown = list(doc.summary) + [p["text"] for p in points] + [p["title"] for p in points]
    cited = {c.number for para in shown for span in para for c in span.cites}
    qr = None
    if b.handout.link:
        # An <img> rather than inline SVG: only an image carries alt text into the tagged PDF.
        qr = segno.make(b.handout.link, error="m").svg_data_uri(
            border=0, dark=theme.colors["primary"], omitsize=True)
    refs = [r for r in doc.refs if r.number in cited]

    def point_size(point) -> int:
        return len(plain(point["title"])) + len(plain(point["text"])) + _ITEM

    def ref_size(short: bool):
        return lambda ref: len(_short_reference(ref, b.lang) if short else
                               " ".join(filter(None, format_reference(ref.source, b.lang)))) + _ITEM

    return {
        "headline": b.handout.headline or b.title,
        "points": points,
        "refs": refs,
        # Columns of about equal length, in order: split by count, a column of long items ran
        # an inch below its neighbour, and the fit shrank the type for it.
        "point_columns": functools.cache(lambda n: balanced(points, n, point_size)),
        "ref_columns": functools.cache(lambda short: balanced(refs, 2, ref_size(short))),
        "short_reference": lambda ref: _short_reference(ref, b.lang),
        "qr": qr,
    }


_ITEM = 40  # an item's own space (its number, its margin), in characters of text


def balanced(items: list, n: int, size) -> list[list]:
    """items in n columns, in order, so that the longest column (by size) is as short as it can
    be; an earlier column takes the extra item when two splits tie."""
    if n <= 1 or len(items) <= 1:
        return [list(items)] + [[] for _ in range(n - 1)] if n > 1 else [list(items)]
    total = [0]
    for item in items:
        total.append(total[-1] + size(item))
    best = None
    for cuts in _cuts(len(items), n):
        bounds = (0, *cuts, len(items))
        longest = max(total[b] - total[a] for a, b in zip(bounds, bounds[1:]))
        if best is None or longest <= best[0]:
            best = longest, bounds
    bounds = best[1]
    return [list(items[a:b]) for a, b in zip(bounds, bounds[1:])]


def _cuts(count: int, n: int):
    """Every way to cut count items into n non-empty runs, as the n - 1 cut positions."""
    if n == 1:
        yield ()
        return
    for first in range(1, count - n + 2):
        for rest in _cuts(count - first, n - 1):
            yield (first, *(first + r for r in rest))


def _short_reference(ref, lang: str) -> str:
    """A source in the handout's short list: 'Name Year, “Title”'. Without an author or a
    publisher the name would be the title again: then '“Title” Year'."""
    if ref.source.authors or ref.source.publisher:
        return f"{short_name(ref, lang)}, {quoted(ref.source.title, lang)}"
    return " ".join(filter(None, (quoted(ref.source.title, lang), source_year(ref))))


@dataclass
class Try:
    """One render on the way to a fit: where it was made, and how far its content runs past one
    page (positive) or falls short of filling it (negative), in CSS pixels."""
    x: float
    excess: float
    page: object = None  # the render itself, when it is on the real paper and fits
    need: float = math.inf  # the content's height, from a tall page
    room: float = 0.0  # the height the real page gives it, from a tall page
    slope: float | None = None  # the excess's rate of change here, once known to be a line


@dataclass(frozen=True)
class Rung:
    at: object  # x -> (spacing, scale, short sources)
    lo: float
    grid: float


def fit_handout(doc: Doc, theme: Theme, paper: str | None, base: Path, roots: list[Path],
                origin: Loc, stamp=None, hint: Fit | None = None, known: Fit | None = None):
    """Render the handout on exactly one page; returns (document, Fit) or raises BriefError.

    The answer is the largest step of the first rung that fits. Where a render is expected to
    overflow it is made on a page 400 inches tall, whose content height is exactly what the
    handout needs: a smooth measure to interpolate on, where a real page that overflows only says
    which whole blocks moved over. Spacing changes that need in a straight line, so the example
    settles in three renders. hint, the last answer for this brief (briefgen watch), is checked
    first: if it still fits and the next step up does not, it is the answer again. known, the
    answer for a handout made from these very inputs before (remembered_fit), takes one render.
    """
    from .pdf import content_height, margins, overfill, render_pdf

    ctx = handout_context(doc, theme)
    size = (paper or theme.paper).lower()
    width, height = PAPER[size]
    renders = 0

    def measure(rung: Rung, x: float, real: bool) -> Try:
        nonlocal renders
        renders += 1
        sp, scale, short = rung.at(x)
        html = render_html(doc, theme, "handout", paper if real else f"{width}px 400in",
                           stamp=stamp, sp=sp, scale=scale, short_sources=short, **ctx)
        document = render_pdf(html, base, roots, origin)
        if real:  # exact on one page; on more, it counts only what moved over
            one = len(document.pages) == 1
            return Try(x, overfill(document), document if one else None)
        need = sum(content_height(page) for page in document.pages)
        room = height - margins(document)
        if len(document.pages) > 1:  # longer than 400 inches: far too long for any rung
            return Try(x, math.inf, need=need, room=room)
        return Try(x, need - room, need=need, room=room)

    rungs = [Rung(lambda x: (x, 1.0, False), TIGHT, 0.05),
             Rung(lambda x: (TIGHT, x, False), theme.handout_floor, 0.025),
             Rung(lambda x: (TIGHT, x, True), theme.handout_floor, 0.025)]

    def done(rung: Rung, found: Try, borrowed: bool = False) -> tuple:
        sp, scale, short = rung.at(found.x)
        return found.page, Fit(sp, scale, short, renders,
                               found.slope if rung is rungs[0] else None, borrowed, found.excess)

    # A fit to check first: known, found for these very inputs before, else hint. With monotone
    # rungs, "x fits and x + step does not" settles rungs 1 and 2 (their tops are the full-size
    # renders above them); rung 3 would also need rung 2's bottom, so it is not tried.
    first, own = (known, True) if known else (hint, False)
    last = first and (first.spacing, first.scale, first.short_sources)
    if last == (1.0, 1.0, False):  # it fitted at full size last time
        full = measure(rungs[0], 1.0, real=True)
        if full.page:
            return done(rungs[0], full)
    elif last and not first.short_sources:
        rung = rungs[0] if first.scale == 1.0 else rungs[1]
        x = first.spacing if first.scale == 1.0 else first.scale
        ours = rung.lo <= x <= 1.0 and rung.at(x) == last and (
            x == rung.lo or abs(x / rung.grid - round(x / rung.grid)) < 1e-6)  # on the rung
        at_x = measure(rung, x, real=True) if ours else None
        # The step above is judged too tall from the slope without rendering it: for a known fit
        # only if this render is the one it was made from (then the search's own half-pixel
        # margin holds), for a hint with 2 px to spare (an edit moves one step's rise by about a
        # pixel).
        if not own:
            margin = 2.0
        elif at_x and first.excess is not None and abs(at_x.excess - first.excess) < 0.01:
            margin = 0.5
        else:  # not the layout it was made from (its key missed a change): render the step
            margin = math.inf
        if at_x and at_x.page and first.slope and at_x.excess + first.slope * rung.grid > margin:
            at_x.slope = first.slope
            return done(rung, at_x, borrowed=not own)
        if at_x and at_x.page:
            above = measure(rung, round(x + rung.grid, 3), real=False)
            if above.excess > 0:
                at_x.slope = (above.excess - at_x.excess) / rung.grid
                return done(rung, at_x)
    # Rung 1: spacing, type at full size. Rung 2: type down to the floor. Rung 3: short sources.
    top = None
    for rung in rungs:
        if top is None:  # rungs 1 and 3 start at full-size type
            top = measure(rung, 1.0, real=False)
            if top.excess <= 0:
                full = measure(rung, 1.0, real=True)
                if full.page:
                    return done(rung, full)
                top = full  # the page disagrees with the tall page: believe the page
        bottom = measure(rung, rung.lo, real=False)
        if bottom.excess > 0:
            # Rung 1's bottom (tight spacing, full-size type) is rung 2's top.
            top = Try(1.0, bottom.excess) if rung is rungs[0] else None
            continue
        found = _search(rung, bottom, top, measure)
        if found is not None:
            return done(rung, found)
        top = None
    raise _too_long(doc, theme, bottom)


FITS_FILE = "handout-fits.json"
FITS_KEPT = 500  # handouts, about 100 bytes each; the oldest goes first


def remembered_fit(inputs: str) -> Fit | None:
    """The fit found before for a handout made from these very inputs (a digest of its HTML, the
    files it reads and the engines' versions), kept in the cache folder; else None."""
    folder = private_folder()
    entry = _kept_fits(folder).get(inputs) if folder else None
    try:
        spacing, scale, short, slope, excess = entry
    except (TypeError, ValueError):
        return None
    numbers = [n for n in (spacing, scale, slope, excess) if n is not None]
    if type(short) is not bool or {type(n) for n in numbers} != {float} or \
            not all(map(math.isfinite, numbers)) or None in (spacing, scale):
        return None  # not what remember_fit wrote
    return Fit(spacing, scale, short, 0, slope, excess=excess)


def remember_fit(inputs: str, fit: Fit) -> None:
    """Keep fit for the next build of a handout made from the same inputs: a build after an
    edit that leaves the handout as it was (most edits touch only the memo and the deck) then
    renders it once, not three times. Never fails a build."""
    folder = None if fit.borrowed else private_folder()
    if folder is None:
        return
    fits = _kept_fits(folder)
    entry = [fit.spacing, fit.scale, fit.short_sources, fit.slope, fit.excess]
    if fits.get(inputs) == entry:
        return
    fits.pop(inputs, None)
    fits[inputs] = entry
    fits = dict(list(fits.items())[-FITS_KEPT:])
    write_quietly(folder / FITS_FILE, json.dumps(fits, separators=(",", ":")).encode())


def _kept_fits(folder: Path) -> dict:
    data = read_file(folder / FITS_FILE, limit=FITS_KEPT * 1000)
    try:
        fits = json.loads(data) if data else {}
    except (ValueError, RecursionError):  # cut short, or not JSON
        return {}
    return fits if isinstance(fits, dict) else {}


def _search(rung: Rung, lo: Try, hi: Try, measure) -> Try | None:
    """The largest grid step in [lo, hi) that fits, rendered on the real page; None if none does.

    lo fits and hi does not. Each try renders the real page at the step where the excess,
    interpolated between the two, reaches zero (rounded down to the grid), so a try that fits is
    the answer's own render. When that render lands on the interpolating line, the excess is a
    straight line here (as it is for spacing), and the step above is known not to fit without
    rendering it.
    """
    grid = rung.grid
    while True:
        if hi.x - lo.x <= grid + 1e-9:
            if lo.page is not None:
                return lo
            real = measure(rung, lo.x, real=True)
            if real.page is not None:
                return real
            # The page disagrees with the tall page (a layout that depends on the page height):
            # believe the page, and search below it with the rung's real bottom.
            if lo.x <= rung.lo + 1e-9:
                return None
            hi, lo = real, measure(rung, rung.lo, real=True)
            if lo.page is None:
                return None
            continue
        if math.isfinite(hi.excess):
            x = lo.x + (hi.x - lo.x) * (-lo.excess) / max(hi.excess - lo.excess, 1e-6)
        else:
            x = (lo.x + hi.x) / 2
        x = round(int(x / grid + 1e-9) * grid, 3)
        # Strictly inside (lo, hi), so that every try narrows the interval.
        x = min(max(x, round(lo.x + grid, 3)), round(hi.x - grid, 3))
        at_x = measure(rung, x, real=True)
        if at_x.page is None:
            hi = at_x
            continue
        if math.isfinite(hi.excess):
            slope = (hi.excess - lo.excess) / (hi.x - lo.x)
            on_line = abs(lo.excess + slope * (x - lo.x) - at_x.excess) <= 0.5
            if on_line and at_x.excess + slope * grid > 0.5:
                at_x.slope = slope
                return at_x
        lo = at_x


def _too_long(doc: Doc, theme: Theme, smallest: Try) -> BriefError:
    """Say which section to shorten, and by roughly how much, from the render at the smallest
    rung (on the tall page, whose content height is what the handout needs)."""
    excess = max(smallest.need - smallest.room, 1.0) / smallest.need
    texts = [plain(p) for p in doc.summary]
    texts += [plain(s.takeaway) for s in doc.sections]
    words = sum(len(t.split()) for t in texts)
    cut = max(5, round(words * excess / 5) * 5)
    longest = max(doc.sections, key=lambda s: len(plain(s.takeaway).split()))
    section = doc.brief.sections[longest.number - 1]
    loc = section.takeaway.loc if section.takeaway else section.body.loc
    field = "takeaway" if section.takeaway else "first sentence"
    title = re.sub(r"\s+", " ", plain(split_heading(longest.heading)[0]))
    n_words = len(plain(longest.takeaway).split())
    return BriefError.at(loc, (
        f"the handout does not fit on one page, even with tight spacing, type at "
        f"{theme.handout_floor:.0%} and short source entries: shorten it by about {cut} words; "
        f"the longest key point is section {longest.number} ('{title}'), whose {field} has "
        f"{n_words} words"))
