"""The one-page handout: what it shows, and the fitting ladder that keeps it to one page.

WeasyPrint's render() gives the page count without writing, so each rung is one render: spacing
first, then type down to the theme's floor, then short source entries, bisecting within a rung.
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
from .pdf import content_height, render_pdf
from .theme import Theme

TIGHT = 0.35  # the smallest spacing factor
PAPER_HEIGHT_PT = {"letter": 792.0, "a4": 841.9}


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
                origin: Loc, stamp=None):
    """Render the handout on exactly one page; returns (document, Fit) or raises BriefError."""
    ctx = handout_context(doc, theme)
    renders = 0

    def attempt(sp: float, scale: float, short: bool, page: str | None = paper):
        nonlocal renders
        renders += 1
        html = render_html(doc, theme, "handout", page, stamp=stamp, sp=sp, scale=scale,
                           short_sources=short, **ctx)
        return render_pdf(html, base, roots, origin)

    def fits(document) -> bool:
        return len(document.pages) == 1

    best = attempt(1.0, 1.0, False)
    if fits(best):
        return best, Fit(1.0, 1.0, False, renders)
    tight = attempt(TIGHT, 1.0, False)
    if fits(tight):
        lo, hi, best = TIGHT, 1.0, tight  # lo fits, hi does not
        for _ in range(2):
            mid = (lo + hi) / 2
            d = attempt(mid, 1.0, False)
            if fits(d):
                lo, best = mid, d
            else:
                hi = mid
        return best, Fit(round(lo, 2), 1.0, False, renders)
    floor = theme.handout_floor
    for short in (False, True):
        d = attempt(TIGHT, floor, short)
        if not fits(d):
            continue
        lo, hi, best = floor, 1.0, d
        for _ in range(4):
            mid = (lo + hi) / 2
            d = attempt(TIGHT, mid, short)
            if fits(d):
                lo, best = mid, d
            else:
                hi = mid
        return best, Fit(TIGHT, round(lo, 3), short, renders)
    raise _too_long(doc, theme, paper, attempt)


def _too_long(doc: Doc, theme: Theme, paper: str | None, attempt) -> BriefError:
    """Say which section to shorten, and by roughly how much."""
    size = (paper or theme.paper).lower()
    page_h = PAPER_HEIGHT_PT.get(size, 792.0)
    width = "8.5in" if size == "letter" else "210mm"
    # On a very tall page the whole handout is one page, and its height is the content height.
    tall = attempt(TIGHT, theme.handout_floor, True, f"{width} 400in")
    needed = content_height(tall)
    available = page_h - 2 * (0.5 + 0.1 * TIGHT) * 72
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
