"""Typographer's quotes, apostrophes and dashes in the brief's own text, in its language.

Writers type straight quotes and hyphens; print wants “quotes” („Anführungszeichen“, « guillemets
»), apostrophes (don’t) and en dashes in ranges (pp. 3–5, 2019–2021). The tool's own quotes
already follow the language (labels.quoted); this gives the brief's text the same marks.
Addresses are left as typed.
"""
from __future__ import annotations

import re

from .labels import labels_for, primary_language

# A range of two numbers: not a date (2026-11-24), a code (R-4479-2) or a word (COVID-19).
_RANGE_RE = re.compile(r"(?<![\w\-–/.])(\d+)-(\d+)(?![\w\-/])")
_WORDS_RE = re.compile(r"(\s+)")
_OPENS_AFTER = "([{“‘„«‹—–/"


def smarten(text: str, lang: str = "en", before: str = " ") -> str:
    """text with its straight quotes, apostrophes and range hyphens made typographic; before
    is the character that precedes it (a quote after a space opens, after a letter closes)."""
    if not any(c in text for c in "\"'-"):
        return text
    op, cl, inner_op, inner_cl = labels_for(lang)["quotes"]
    french = primary_language(lang) == "fr"
    out = []
    prev = before
    inner = False  # an inner quote is open: its closing mark is not an apostrophe
    for word in _WORDS_RE.split(text):
        if not word:
            continue
        if word.isspace() or "://" in word or word.lower().startswith("www."):
            out.append(word)
            prev = word[-1]
            continue
        word = _RANGE_RE.sub("\\1\u2013\\2", word)
        chars = []
        for i, ch in enumerate(word):
            nxt = word[i + 1] if i + 1 < len(word) else " "
            opening = prev.isspace() or prev in _OPENS_AFTER
            if ch == '"':
                mark = op if opening else cl
                if french:  # « » take a no-break space inside, as the labels' own do
                    mark = mark.strip("\u00a0")
                    mark = mark + "\u00a0" if opening else "\u00a0" + mark
                chars.append(mark)
            elif ch == "'":
                # An opening mark only before a letter: '90s, 'tis are apostrophes; one that
                # ends an open inner quote closes it (‚Plan B‘ in German).
                if opening and nxt.isalpha():
                    chars.append(inner_op)
                    inner = True
                elif inner and not nxt.isalpha():
                    chars.append(inner_cl)
                    inner = False
                else:
                    chars.append("\u2019")
            else:
                chars.append(ch)
            prev = ch
        out.append("".join(chars))
    return "".join(out)
