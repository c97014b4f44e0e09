"""Tables and chart data: inline rows or a CSV file -> the validated model, with each problem at
its place (brief.yaml:LINE:COL, or data/x.csv:ROW:COL inside the file); and the one number
formatter the memo, the handout and the deck share."""
from __future__ import annotations

import math
import re

from .labels import primary_language

# The number formats a column or a chart may name: a subset of Excel's that PowerPoint applies
# to the same values in the deck's chart, so both read the same. "0" whole numbers, "0.00" two
# decimals, "#,##0" thousands grouped, "0.0%" a fraction shown as a percentage (0.125 -> 12.5%).
FORMAT_RE = re.compile(r"(#,##)?0(?:\.(0{1,6}))?(%)?")
FORMATS_SAID = "'0', '0.0', '#,##0', '#,##0.00' or '0.0%' (up to 6 decimals)"

# Decimal mark and thousands separator by language; English's elsewhere.
_MARKS = {"de": (",", "."), "es": (",", "."), "fr": (",", "\u202f"), "it": (",", "."),
          "nl": (",", "."), "pt": (",", ".")}


def format_number(value: float, fmt: str | None, lang: str = "en") -> str:
    """value as fmt shows it in lang ('#,##0.0', 1234.56, 'de' -> '1.234,6'). Without a format,
    the shortest text that reads back as the same number, with no exponent."""
    decimal, thousands = _MARKS.get(primary_language(lang), (".", ","))
    m = FORMAT_RE.fullmatch(fmt) if fmt else None
    if fmt and not m:
        raise ValueError(f"unknown number format {fmt!r}")
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    if m:
        places = len(m[2] or "")
        text = f"{abs(value) * (100 if m[3] else 1):,.{places}f}"
        negative = value < 0 and text.strip("0.,") != ""  # -0.04 as '0.0' is '0.0', not '-0.0'
        suffix = "%" if m[3] else ""
        grouped = bool(m[1])
    else:
        text = repr(abs(float(value)))
        if "e" in text or "E" in text:
            text = f"{abs(value):.15f}".rstrip("0")
        if text.endswith(".0"):
            text = text[:-2]
        text = text.rstrip(".")
        # Without a format nothing is grouped: 2021 may be a year.
        negative, suffix, grouped = value < 0, "", False
    whole, _, frac = text.partition(".")
    whole = whole.replace(",", thousands if grouped else "")
    text = whole + (decimal + frac if frac else "")
    return ("\u2212" if negative else "") + text + suffix
