"""The one-page handout: what it shows, and the fitting ladder that keeps it to one page.

WeasyPrint's render() gives the page count without writing, so each try is one render: spacing
first, then type down to the theme's floor, then short source entries, interpolating within a rung
on how much height the handout needs, measured on a page tall enough to hold all of it.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import os
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path

from .cache import file_digest, private_folder, read_file, write_quietly
from .cite import (block_paras, plain, short_name, source_year,
                   split_heading)
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
    shown = list(block_paras(doc.summary)) + [p["text"] for p in points] + [
        p["title"] for p in points] + list(doc.recommendations)
    if _shows_chart(doc):  # its caption names its data's source
        caption = doc.sections[b.handout.chart - 1].chart.caption
        shown += [caption] if caption else []
    cited = {c.number for para in shown for span in para for c in span.cites}
    qr = None
    if b.handout.link:
        import segno  # here, not at the top: a build forks before the handout, which alone uses it

        # An <img> rather than inline SVG: only an image carries alt text into the tagged PDF.
        qr = segno.make(b.handout.link, error="m").svg_data_uri(
            border=0, dark=theme.colors["primary"], omitsize=True)
    refs = [r for r in doc.refs if r.number in cited]

    def point_size(point) -> int:
        return len(plain(point["title"])) + len(plain(point["text"])) + _ITEM

    def ref_size(short: bool):
        return lambda ref: len(_short_reference(ref, b.lang) if short else
                               plain(ref.entry)) + _ITEM

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
    tall: object = None  # the tall render, kept at the smallest step for the advice


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
    settles in three renders. hint, the last answer for this brief (briefgen watch's, or the
    cache folder's after an edit), is checked first: if it still fits and the next step up does
    not, it is the answer again; if that step fits too, the search starts there. known, the
    answer for a handout made from these very inputs before (remembered_fit), takes one render.
    """
    from .pdf import content_height, margins, overfill, render_pdf

    ctx = handout_context(doc, theme)
    size = (paper or theme.paper).lower()
    width, height = PAPER[size]
    renders = 0

    def measure(rung: Rung, x: float, real: bool, keep: bool = False, shown: Doc = doc) -> Try:
        """One render of shown (the brief, or a shortened copy for the advice) at step x; keep
        holds on to a tall render that does not fit, which the advice reads lines from."""
        nonlocal renders
        renders += 1
        sp, scale, short = rung.at(x)
        html = render_html(shown, theme, "handout", paper if real else f"{width}px 400in",
                           stamp=stamp, sp=sp, scale=scale, short_sources=short,
                           **(ctx if shown is doc else handout_context(shown, theme)))
        document = render_pdf(html, base, roots, origin)
        if real:  # exact on one page; on more, it counts only what moved over
            one = len(document.pages) == 1
            return Try(x, overfill(document), document if one else None)
        need = sum(content_height(page) for page in document.pages)
        room = height - margins(document)
        # Longer than 400 inches: far too long for any rung.
        excess = math.inf if len(document.pages) > 1 else need - room
        return Try(x, excess, need=need, room=room, tall=document if keep and excess > 0 else None)

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
    start = None  # a step the check below found to fit, and the rung it is on
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
            start = (rung, above)  # it fits too (a shorter brief): the search starts there
    # Rung 1: spacing, type at full size. Rung 2: type down to the floor. Rung 3: short sources.
    top = None
    for rung in rungs:
        if top is None:  # rungs 1 and 3 start at full-size type
            top = measure(rung, 1.0, real=False)
            if top.need * theme.handout_floor ** 2 > 2 * top.room:
                # Type at the floor shrinks text by floor squared at the most, and spacing and
                # short sources by far less than half the page: no step can fit this, and each
                # render of that much took seconds. Only the smallest is laid out, for the advice.
                bottom = measure(rungs[-1], rungs[-1].lo, real=False, keep=True)
                break
            if top.excess <= 0:
                full = measure(rung, 1.0, real=True)
                if full.page:
                    return done(rung, full)
                top = full  # the page disagrees with the tall page: believe the page
        if start and start[0] is rung:
            bottom = start[1]
        else:
            bottom = measure(rung, rung.lo, real=False, keep=rung is rungs[-1])
        if bottom.excess > 0:
            # Rung 1's bottom (tight spacing, full-size type) is rung 2's top.
            top = Try(1.0, bottom.excess) if rung is rungs[0] else None
            continue
        found = _search(rung, bottom, top, measure)
        if found is not None:
            return done(rung, found)
        top = None
    smallest = rungs[-1]
    raise _too_long(doc, theme, bottom,
                    lambda shorter: measure(smallest, smallest.lo, real=False, shown=shorter))


FITS_FILE = "handout-fits.json"
# Entries: a handout's inputs, and a brief's last fit; about 120 bytes each, the oldest go first.
FITS_KEPT = 500


def remembered_fit(inputs: str) -> Fit | None:
    """The fit found before for a handout made from these very inputs (a digest of its HTML, the
    files it reads and the engines' versions), kept in the cache folder; else None. A key made by
    hint_key gives the last fit of that brief, whatever its text then was."""
    folder = private_folder()
    return _fit_of(_kept_fits(folder).get(inputs) if folder else None)


def _fit_of(entry) -> Fit | None:
    """The Fit of an entry _entry_of wrote; None for anything else."""
    try:
        spacing, scale, short, slope, excess = entry
    except (TypeError, ValueError):
        return None
    numbers = [n for n in (spacing, scale, slope, excess) if n is not None]
    if type(short) is not bool or {type(n) for n in numbers} != {float} or \
            not all(map(math.isfinite, numbers)) or None in (spacing, scale):
        return None
    return Fit(spacing, scale, short, 0, slope, excess=excess)


def _entry_of(fit: Fit) -> list:
    return [fit.spacing, fit.scale, fit.short_sources, fit.slope, fit.excess]


def hint_key(brief_path: Path, theme_folder: Path, paper: str, engine: str) -> str:
    """The key of a brief's last fit (remember_fit's hint): the same brief file, theme, paper
    and engines. A build after an edit checks it first, with two renders where a search takes
    three; the answer is the same, so the outputs do not depend on what the cache holds."""
    said = "\0".join(("hint", str(brief_path.resolve()), str(theme_folder.resolve()), paper,
                       engine))
    return hashlib.sha256(said.encode("utf-8", "surrogatepass")).hexdigest()


def remember_fit(inputs: str, fit: Fit, hint: str | None = None) -> None:
    """Keep fit for the next build of a handout made from the same inputs: a build after an
    edit that leaves the handout as it was (most edits touch only the memo and the deck) then
    renders it once, not three times, where the handout itself is not kept (keep_handout).
    hint: also keep it as this brief's last fit (hint_key). Never fails a build."""
    folder = private_folder()
    if folder is None:
        return
    fits = _kept_fits(folder)
    entry = _entry_of(fit)
    # One found with an earlier version's slope is no answer for these inputs, but a hint.
    said = ([] if fit.borrowed else [inputs]) + ([hint] if hint else [])
    if all(fits.get(key) == entry for key in said):
        return
    for key in said:
        fits.pop(key, None)
        fits[key] = entry
    fits = dict(list(fits.items())[-FITS_KEPT:])
    write_quietly(folder / FITS_FILE, json.dumps(fits, separators=(",", ":")).encode())


def _kept_fits(folder: Path) -> dict:
    data = read_file(folder / FITS_FILE, limit=FITS_KEPT * 1000)
    try:
        fits = json.loads(data) if data else {}
    except (ValueError, RecursionError):  # cut short, or not JSON
        return {}
    return fits if isinstance(fits, dict) else {}


HANDOUTS = "handouts"  # the cache folder's folder of handouts, a file each
# 40 KB each for the example; the least recently used go first.
HANDOUTS_KEPT = 32
_MAX_HANDOUT = 64_000_000
_MAX_READ = 100_000_000  # the files a render read, by their bytes: more is not worth a digest
_FORMAT = b"briefgen handout 1\n"


def kept_handout(name: str, roots: list[Path]) -> tuple[bytes, Fit] | None:
    """The handout keep_handout kept under name, and its fit, if the record is whole and each
    file its render read, inside these folders still, has the bytes it had then; else None."""
    folder = private_folder()
    path = folder / HANDOUTS / f"{name}.handout" if folder else None
    data = read_file(path, _MAX_HANDOUT) if path else None
    if not data or not data.startswith(_FORMAT):
        return None
    head, _, pdf = data[len(_FORMAT):].partition(b"\n")
    try:
        said = json.loads(head)
        fit, read, whole = _fit_of(said["fit"]), said["read"], said["pdf"]
        if fit is None or hashlib.sha256(pdf).hexdigest() != whole:
            return None
        left = _MAX_READ
        for file, digest in read:
            # Where a link points now: the file it serves now must be the one it served then.
            real = Path(file).resolve(strict=True)
            if not any(real.is_relative_to(root) for root in roots) or \
                    file_digest(real, left) != digest:
                return None
            left -= real.stat().st_size
    except (ValueError, RecursionError, TypeError, KeyError, OSError, RuntimeError):
        return None  # not what keep_handout wrote, or a file gone (RuntimeError: a link loop)
    with contextlib.suppress(OSError):
        os.utime(path)  # used: the last to go
    return pdf, fit


def keep_handout(name: str, pdf: Path, fit: Fit, read: dict[Path, str | None]) -> None:
    """Keep the handout just written, with its fit and the files its render read (pdf.files_read:
    each with a digest of the bytes served, or None for a font, digested now), for the next
    build of the same inputs by the same code (name says both). Never fails a build."""
    folder = private_folder()
    if folder is None:
        return
    files, left = [], _MAX_READ
    kept = folder / HANDOUTS
    try:
        for file, digest in sorted(read.items()):
            # A theme's font: its size and time are in name, and the fonts loaded are keyed by
            # them too.
            digest = digest or file_digest(file, left)
            if digest is None:
                return
            files.append([str(file), digest])
            left -= file.stat().st_size
        kept.mkdir(mode=0o700, exist_ok=True)
        with open(pdf, "rb") as f:
            data = f.read(_MAX_HANDOUT)
    except OSError:
        return
    said = {"fit": _entry_of(fit), "read": files, "pdf": hashlib.sha256(data).hexdigest()}
    record = _FORMAT + json.dumps(said, separators=(",", ":")).encode() + b"\n" + data
    if len(record) > _MAX_HANDOUT or not write_quietly(kept / f"{name}.handout", record):
        return
    _forget_oldest(kept)


def _forget_oldest(kept: Path) -> None:
    """All but the HANDOUTS_KEPT last used records, and what a stopped build left an hour ago."""
    records, stale = [], []
    with contextlib.suppress(OSError):
        for entry in os.scandir(kept):
            try:
                at = entry.stat(follow_symlinks=False).st_mtime_ns
            except OSError:  # taken by a build beside this one
                continue
            if entry.name.startswith("."):  # a record being written, or one a stopped build left
                if at < time.time_ns() - 3600 * 10**9:
                    stale.append(entry.path)
            elif entry.name.endswith(".handout"):
                records.append((at, entry.path))
    for path in [p for _, p in sorted(records)[:-HANDOUTS_KEPT]] + stale:
        with contextlib.suppress(OSError):  # a build beside this one took it first
            os.unlink(path)


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


KEEP = 10  # the fewest words the advice leaves a key point
ADVICE_RENDERS = 6  # the most renders the advice takes to check itself, after a failed fit


def _too_long(doc: Doc, theme: Theme, smallest: Try, trial) -> BriefError:
    """Say which key points to shorten, and by about how many words, so that the handout fits.

    Only the key points' text shrinks when words are cut; headings, the bottom line, the
    recommendations, the sources list, the footer and the QR code stay as they are (the
    trials keep them whole, so the advice holds with them; when no cut to the key points can
    make room, the message names the bottom line and the recommendations with their words).
    The excess on the tall page at the smallest step (smallest) is taken out of the longest key
    point's lines, whose height and words per line are read from that render. Columns even out
    as a point shortens, and then a line cut gives back less, so the guess is checked by
    trial(shorter doc), which renders at the smallest step, and refined: the advice, followed
    once, fits. When the longest point cannot give enough, the longest ones are cut to one
    length.
    """
    from .pdf import item_lines

    words = {s.number: len(_words(s.takeaway)) for s in doc.sections}
    order = sorted(words, key=lambda n: -words[n])  # the longest first, in order among equals
    first = order[0]
    excess = max(smallest.need - smallest.room, 1.0)

    def left_after(lengths: dict[int, int]) -> float:
        shorter = tuple(replace(s, takeaway=_first_words(s.takeaway, lengths[s.number]))
                        if lengths.get(s.number, math.inf) < words[s.number] else s
                        for s in doc.sections)
        return trial(replace(doc, sections=shorter)).excess

    lines = item_lines(smallest.tall, "key-points") if smallest.tall else []
    if len(lines) == len(doc.sections) and lines[first - 1]:
        own = lines[first - 1]
        height = max(own[1:] or own)  # its first line holds the number's disc, taller
        title = plain(split_heading(doc.sections[first - 1].heading)[0])
        per_line = (words[first] + len(title.split())) / len(own)
        rate = height / per_line  # px a word gives back
    else:  # a theme's own template without the key points' class: each word as a share
        per_line, rate = 5.0, smallest.need / max(sum(words.values()), 1)
    # The longest key point alone, down to KEEP words.
    cut = _least_cut(lambda c: left_after({first: words[first] - c}),
                     words[first] - KEEP, excess, rate, lambda c: per_line)
    if cut is not None:
        return _advice(doc, theme, words, order, per_line, cut=cut)

    def level(cut: int) -> int:
        """The length the longest key points are cut to, to cut at least that many words."""
        lo, hi = KEEP, words[first]
        while lo < hi:  # the largest such length
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if _cut_total(words, mid) >= cut else (lo, mid - 1)
        return lo

    # A line from each key point cut.
    cut = _least_cut(lambda c: left_after(dict.fromkeys(words, level(c))),
                     _cut_total(words, KEEP), excess, rate,
                     lambda c: per_line * sum(n > level(c) for n in words.values()))
    return _advice(doc, theme, words, order, per_line, length=cut and level(cut))


def _least_cut(left_after, most: int, excess: float, rate: float, line):
    """About the fewest words to cut, up to most, for left_after(cut), a render's excess, to be
    none: within line(cut) words, the words a line of text holds where that many are cut. None
    if most is not enough.

    The first try is where the excess is gone at rate px a word. While every try falls short,
    the next goes on along the line through the last two, a line's words further not to fall
    short again; once one fits, the next is between the two nearest tries, where the line
    through them crosses zero (the side kept twice counting half, so that a curve is not
    approached from one side only), until they are a line apart.
    """
    if most <= 0:
        return None
    short, enough, last = (0, excess), None, None  # (cut, excess) on either side of zero
    cut = min(most, max(5, math.ceil(excess / rate)))
    for _ in range(ADVICE_RENDERS):
        left = left_after(cut)
        if not math.isfinite(left):  # still over 400 inches: no nearer, at least
            left = short[1]
        if left <= 0:
            if last == "enough":
                short = (short[0], short[1] / 2)
            enough, last = (cut, left), "enough"
        else:
            if enough is None and left < short[1]:
                rate = (short[1] - left) / (cut - short[0])
            if last == "short" and enough:
                enough = (enough[0], enough[1] / 2)
            short, last = (cut, left), "short"
            if cut >= most:
                return None
        if enough is None:
            cut = min(most, math.ceil(short[0] + short[1] / rate + line(cut)))
            continue
        (a, ea), (b, eb) = short, enough
        step = max(5, math.ceil(line(b)))
        if b - a <= step:
            return b
        at = a + (b - a) * ea / (ea - eb)
        cut = max(min(math.ceil(at), b - step), a + 1)
    # Out of renders (rare): the shortest cut that fitted, else the next the line promises.
    return enough[0] if enough else cut


def _advice(doc: Doc, theme: Theme, words: dict[int, int], order: list[int], per_line: float,
            cut: int | None = None, length: int | None = None) -> BriefError:
    """The message: cut the longest key point by cut words, or the longest ones to length
    words each, or (neither) say that cutting key points cannot make room."""
    chart = doc.brief.handout.chart if _shows_chart(doc) else None
    head = (f"the handout does not fit on one page, even with tight spacing, type at "
            f"{theme.handout_floor:.0%}" + (", short source entries and section "
                                            f"{chart}'s chart at its smallest" if chart else
                                            " and short source entries"))
    if cut is None and length is None:
        summary = sum(len(_words(p)) for p in block_paras(doc.summary))
        # The recommendations' block stays whole in the trials: name it among what to shorten.
        recommended = sum(len(_words(p)) for p in doc.recommendations)
        # Said where the most words to cut are.
        loc = (doc.brief.field_locs.get("recommendations", doc.brief.summary.loc)
               if recommended > summary else doc.brief.summary.loc)
        return BriefError.at(loc, (
            f"{head}, nor with every key point cut to {KEEP} words: shorten the bottom line "
            f"({summary} words), "
            + (f"the recommendations ({recommended} words), " if recommended else "")
            + "the title or any very long word, "
            + ("make fewer sections, or show no chart on it" if chart else
               "or make fewer sections")))
    first = doc.sections[order[0] - 1]
    section = doc.brief.sections[first.number - 1]
    loc = section.takeaway.loc if section.takeaway else section.body.loc
    field = "takeaway" if section.takeaway else "first sentence"
    title = re.sub(r"\s+", " ", plain(split_heading(first.heading)[0]))
    n_words = words[first.number]
    if cut is not None:  # half a line more, for words a little shorter than those tried
        cut = min(n_words - KEEP, math.ceil((cut + per_line / 2) / 5) * 5)
        return BriefError.at(loc, (
            f"{head}: shorten the longest key point, section {first.number} ('{title}'), by "
            f"about {cut} words; its {field} has {n_words} words"))
    length = length // 5 * 5 if length >= 50 else length  # rounded down: enough, if more
    *rest, last = sorted(n for n in order if words[n] > length)  # two at least
    which = (f"the key points of sections {', '.join(map(str, rest))} and {last}"
             if len(rest) < 6 else
             f"every key point longer than {length} words ({len(rest) + 1} of them)")
    return BriefError.at(loc, (
        f"{head}: shorten {which} to about {length} words each "
        f"({_cut_total(words, length)} words in all); the longest alone, section "
        f"{first.number} ('{title}'), whose {field} has {n_words} words, is not enough"))


def _shows_chart(doc: Doc) -> bool:
    number = doc.brief.handout.chart
    return bool(number and 0 < number <= len(doc.sections) and doc.sections[number - 1].chart)


def _words(para) -> list[str]:
    """The words of a paragraph's text, its citations left out."""
    return [w for span in para if not span.cites for w in span.text.split()]


def _cut_total(words: dict[int, int], length: int) -> int:
    """How many words cutting every key point longer than length to length takes out."""
    return sum(max(0, n - length) for n in words.values())


def _first_words(para, n: int):
    """para with its text cut after n words (as _words counts them); its citations stay."""
    kept = []
    for span in para:
        if span.cites:
            kept.append(span)
            continue
        found = list(re.finditer(r"\S+", span.text))
        if len(found) <= n:
            kept.append(span)
        elif n > 0:
            end = found[n - 1].end()
            kept.append(replace(span, text=span.text[:end] + " "))
        n = max(0, n - len(found))
    return tuple(kept)
