"""The one-page handout: what it shows, and the fitting ladder that keeps it to one page.

WeasyPrint's render() gives the page count without writing, so each try is one render: spacing
first, then type down to the theme's floor, then short source entries, interpolating within a rung
on how far each render over- or underfills the page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import segno

from .cite import plain, short_name, split_heading
from .errors import BriefError, Loc
from .html import render_html
from .model import Doc
from .theme import Theme

TIGHT = 0.35  # the smallest spacing factor


@dataclass(frozen=True)
class Fit:
    spacing: float
    scale: float
    short_sources: bool
    renders: int

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
    return {
        "headline": b.handout.headline or b.title,
        "points": points,
        "refs": [r for r in doc.refs if r.number in cited],
        "short_reference": lambda ref: f"{short_name(ref, b.lang)}, “{ref.source.title}”",
        "qr": qr,
    }


def fit_handout(doc: Doc, theme: Theme, paper: str | None, base: Path, roots: list[Path],
                origin: Loc, stamp=None, hint: Fit | None = None):
    """Render the handout on exactly one page; returns (document, Fit) or raises BriefError.

    Each rung of the ladder is searched by interpolation on how far the page over- or underfills
    (measured in the render itself), not by bisection: three or four renders instead of six.
    The answer is the largest step of the first rung that fits. hint, the last answer for this
    brief (briefgen watch), is checked first: if it still fits and the next step up does not,
    it is the answer again, after two renders.
    """
    from .pdf import render_pdf  # WeasyPrint is imported where it is used: see build.build

    ctx = handout_context(doc, theme)
    renders = 0

    def attempt(sp: float, scale: float, short: bool, page: str | None = paper):
        nonlocal renders
        renders += 1
        html = render_html(doc, theme, "handout", page, stamp=stamp, sp=sp, scale=scale,
                           short_sources=short, **ctx)
        return render_pdf(html, base, roots, origin)

    rungs = [
        (lambda x: attempt(x, 1.0, False), TIGHT, 0.05, lambda x: Fit(x, 1.0, False, renders)),
        (lambda x: attempt(TIGHT, x, False), theme.handout_floor, 0.025,
         lambda x: Fit(TIGHT, x, False, renders)),
        (lambda x: attempt(TIGHT, x, True), theme.handout_floor, 0.025,
         lambda x: Fit(TIGHT, x, True, renders)),
    ]
    # With monotone rungs, "x fits and x + step does not" settles rungs 1 and 2 (their tops are
    # the full-size renders above them); rung 3 would also need rung 2's bottom, so it is not tried.
    if hint is not None and not hint.short_sources and (hint.spacing, hint.scale) != (1.0, 1.0):
        render_at, _, grid, fit = rungs[0] if hint.scale == 1.0 else rungs[1]
        x = hint.spacing if hint.scale == 1.0 else hint.scale
        at_x = render_at(x)
        if len(at_x.pages) == 1 and len(render_at(round(x + grid, 3)).pages) > 1:
            return at_x, fit(x)
    first = attempt(1.0, 1.0, False)
    if len(first.pages) == 1:
        return first, Fit(1.0, 1.0, False, renders)
    # Rung 1: spacing, type at full size. Rung 2: type down to the floor. Rung 3: short sources.
    known_hi = first  # the render at the top of the next rung, when one was already made
    for render_at, lo, grid, fit in rungs:
        at_lo = render_at(lo)
        at_hi, known_hi = known_hi, None
        if len(at_lo.pages) > 1:
            # Rung 1's bottom (tight spacing, full type) is rung 2's top.
            known_hi = at_lo if render_at is rungs[0][0] else None
            continue
        at_hi = at_hi or render_at(1.0)
        if len(at_hi.pages) == 1:
            return at_hi, fit(1.0)
        x, best = _interpolate(render_at, lo, at_lo, 1.0, at_hi, grid)
        return best, fit(x)
    raise _too_long(doc, theme, paper, at_lo, attempt)


def _interpolate(render_at, lo, at_lo, hi, at_hi, grid, tries: int = 16):
    """The largest grid value in [lo, hi) whose render fits, found by the secant on overfill.

    at_lo fits and at_hi does not; each try renders once at the value where the overfill,
    interpolated between the two, reaches zero (rounded down to the grid). Each try narrows the
    interval by at least a step, and 16 tries cover the longest rung (13 steps): the search
    always ends on the largest step, which the warm hint relies on.
    """
    from .pdf import overfill

    for _ in range(tries):
        e_lo, e_hi = overfill(at_lo), overfill(at_hi)
        # at_lo fits (e_lo <= 0) and at_hi does not (e_hi > 0), so e_hi - e_lo > 0; guard anyway.
        x = lo + (hi - lo) * (-e_lo) / max(e_hi - e_lo, 1e-6)
        x = round(int(x / grid + 1e-9) * grid, 3)
        # Stay strictly inside (lo, hi) so every try narrows the interval: the search ends with
        # hi one step above lo, so lo is the largest step that fits.
        x = min(max(x, round(lo + grid, 3)), round(hi - grid, 3))
        if x <= lo + 1e-9 or x >= hi - 1e-9:
            break
        at_x = render_at(x)
        if len(at_x.pages) == 1:
            lo, at_lo = x, at_x
        else:
            hi, at_hi = x, at_x
        if hi - lo <= grid + 1e-9:
            break
    return lo, at_lo


def _too_long(doc: Doc, theme: Theme, paper: str | None, smallest, attempt) -> BriefError:
    """Say which section to shorten, and by roughly how much, measured at the smallest rung."""
    from .pdf import content_height, page_height

    # On a very tall page the whole handout is one page, and its height is what it needs (the
    # pages of an overflowing render would count an item too big for any page more than once).
    width = "210mm" if (paper or theme.paper).lower() == "a4" else "8.5in"
    needed = content_height(attempt(TIGHT, theme.handout_floor, True, f"{width} 400in"))
    available = page_height(smallest)
    excess = max(needed - available, 1.0) / needed
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
