"""Text measurement with the theme's own font files, so slide text is wrapped the way PowerPoint
will wrap it (the deck names Calibri; Carlito has the same advance widths)."""
from __future__ import annotations

import math
import unicodedata
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate, repeat
from pathlib import Path

from fontTools.ttLib import TTFont

# Kerning and rounding differ a little between renderers: measure 2% wide to stay on the safe side.
SAFETY = 1.02


def _read(path: Path) -> TTFont:
    """A font file whose glyphs are named by number. Where its 'post' table names none
    (Carlito's), fontTools would make names from the character map, reading it twice: that was
    more than half of reading the characters of the example theme's eight faces (0.09 s, in the
    process that reads the brief). The 'post' table is read all the same: a damaged one is
    said by the theme's check, not by a writer that subsets the font (the web page's)."""
    font = TTFont(str(path), lazy=True)
    try:
        font.setGlyphOrder([f"glyph{i}" for i in range(font["maxp"].numGlyphs)])
        font["post"]
    except BaseException:
        font.close()  # as the callers' own reads close it, in 'with' or at their end
        raise
    return font


class Metrics:
    def __init__(self, path: Path):
        font = _read(path)
        self.units = font["head"].unitsPerEm
        cmap = font.getBestCmap()
        hmtx = font["hmtx"]
        self._widths = {code: hmtx[name][0] for code, name in cmap.items()}
        self._space = self._widths.get(32, self.units // 4)
        self._known: dict[str, int] = {}
        self._wrapped: dict[tuple, list[str]] = {}
        # A character the font lacks is drawn from a fallback font: assume a wide glyph.
        self._missing = max(self._widths.get(ord("M"), self.units), self.units)
        font.close()

    def covers(self, ch: str) -> bool:
        return ord(ch) in self._widths

    def width(self, text: str, size: float) -> float:
        """Width in points of text set at size points."""
        return self.units_of(text) * size / self.units * SAFETY

    def units_of(self, text: str) -> int:
        # Fitting measures the same words at every candidate size: remember them.
        known = self._known.get(text)
        if known is None:
            known = sum(self._char_units(text))
            if len(self._known) < 100_000:
                self._known[text] = known
        return known

    def wrap(self, text: str, size: float, width: float) -> list[str]:
        """Greedy word wrap at spaces, as PowerPoint does; a word wider than the line is broken
        between characters, as PowerPoint does with long URLs."""
        # Packing a slide tries ever fewer paragraphs, each try wrapping them all again: 130
        # sources made that 27,000 wraps. Remember them.
        key = (text, size, width)
        if key not in self._wrapped:
            if len(self._wrapped) >= 100_000:
                self._wrapped.clear()
            self._wrapped[key] = self._wrap(text, size, width)
        return list(self._wrapped[key])

    def _wrap(self, text: str, size: float, width: float) -> list[str]:
        limit = width * self.units / (size * SAFETY)
        space = self._space
        lines: list[str] = []
        for hard in text.split("\n"):
            line: list[str] = []
            used = 0
            for word in hard.split(" "):
                w = self.units_of(word)
                if line and used + space + w <= limit:
                    line.append(word)
                    used += space + w
                    continue
                if line:
                    lines.append(" ".join(line))
                if w > limit and len(word) > 1:
                    word, w = self._break(word, limit, lines)
                line, used = [word], w
            lines.append(" ".join(line))
        return lines

    def fewest_lines(self, text: str, size: float, width: float) -> int:
        """A floor on len(wrap(text, size, width)), found without wrapping: no line holds more
        than its width of characters (spaces aside), unless one character alone is wider."""
        limit = width * self.units / (size * SAFETY)
        hard = text.count("\n") + 1
        ink = list(self._char_units(text.replace(" ", "").replace("\n", "")))
        if not ink or limit <= 0 or max(ink) > limit:
            return hard
        return max(hard, math.ceil(sum(ink) / limit))

    def _break(self, word: str, limit: float, lines: list[str]) -> tuple[str, int]:
        """Append to lines the full lines a word wider than the line breaks into, each as many
        characters as fit (at least one); return what is left and its width. The word's running
        widths are summed once: measuring each line's characters anew from the word's remaining
        text took seconds for a 49,000-letter word."""
        ends = list(accumulate(self._char_units(word), initial=0))  # ends[i]: width of word[:i]
        start = 0
        while ends[-1] - ends[start] > limit and len(word) - start > 1:
            # The first character always goes; then every one up to the first that overflows.
            cut = max(bisect_right(ends, ends[start] + limit, start + 1) - 1, start + 1)
            lines.append(word[start:cut])
            start = cut
        return word[start:], ends[-1] - ends[start]

    def _char_units(self, text: str):
        return map(self._widths.get, map(ord, text.replace("\xa0", " ")), repeat(self._missing))


@lru_cache(maxsize=16)
def metrics(path: Path) -> Metrics:
    return Metrics(path)


# Characters the outputs print themselves or that briefs commonly contain.
NEEDED = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
          ".,;:!?'\"()[]/-–—“”‘’·•…%&@#")


def missing_glyphs(path: Path) -> str:
    """The NEEDED characters a font file cannot draw ('' when it has them all)."""
    st = path.stat()
    return _missing_glyphs(path, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=64)  # by stamp: watch and batch read each file once, and see it edited
def _missing_glyphs(path: Path, mtime: int, size: int) -> str:
    with _read(path) as font:
        cmap = font.getBestCmap()
    return "".join(ch for ch in NEEDED if ord(ch) not in cmap)


def face_problems(theme) -> list:
    """Every face of the theme's fonts must draw the basic Latin text: where one cannot,
    WeasyPrint would quietly take the glyphs from a font of the machine's."""
    from .errors import Problem
    from .theme import theme_loc

    problems = []
    for role, family in (("heading", theme.heading), ("body", theme.body)):
        for face, path in family.files().items():
            where = theme_loc(theme, f"fonts.{role}.{face}")
            try:
                missing = missing_glyphs(path)
            except Exception as e:  # noqa: BLE001 - fontTools raises many types for a broken file
                problems.append(Problem(where, f"font {path.name} cannot be read: {e}"))
                continue
            if missing:
                problems.append(Problem(where, f"font {path.name} has no glyph for: {missing}"))
    return problems


def uncovered_text(texts, fonts: list[tuple[str, Path]]) -> list:
    """Warnings for characters a theme font cannot draw: WeasyPrint takes them from a font of
    the machine's (so the PDF depends on the machine), or prints boxes; PowerPoint does its own.

    texts: (Loc, field name, text) triples; fonts: (family, file) pairs to check against.
    """
    from .errors import Problem

    problems = []
    for loc, field, text in texts:
        missing: set[str] = set()
        families: list[str] = []  # every font that lacks one: a text shows in both somewhere
        # Format characters (a soft hyphen, a zero-width joiner) are never drawn as such. Each
        # character once: the 10x brief's text was 0.08 s, character by character.
        drawn = {ch for ch in set(text) if not ch.isspace() and ch != "\u2011"
                 and unicodedata.category(ch) != "Cf"}
        for family, path in fonts:
            m = metrics(path)
            lacks = {ch for ch in drawn if not m.covers(ch)}
            if lacks and family not in families:
                families.append(family)
            missing |= lacks
        if missing:
            ordered = sorted(missing)
            shown = " ".join(f"{ch} (U+{ord(ch):04X})" for ch in ordered[:5])
            more = f" and {len(ordered) - 5} more" if len(ordered) > 5 else ""
            what = "this text" if field == "text" else f"'{field}'"
            fonts_said = ("font " if len(families) == 1 else "fonts ") + " and ".join(families)
            problems.append(Problem(loc, f"{what} has characters the theme's {fonts_said} "
                                         f"cannot draw: {shown}{more}; the PDFs take them "
                                         "from a font of this machine, or print boxes where "
                                         "it has none"))
    return problems
