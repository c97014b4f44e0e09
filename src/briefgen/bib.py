"""Sources as CSL-JSON items: from a brief's own `sources:`, and from bibliography files.

A CSL-JSON item (https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html) is what the
citation style formats (csl.py), whatever the source was written in.
"""
from __future__ import annotations

import re

# Lower-case words a person's name may hold before the surname: 'Ludwig van Beethoven'.
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "das", "do", "dos",
              "du", "la", "le", "bin", "al", "ten", "ter", "zu"}
_SUFFIXES = {"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"}
_ISO_DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def person(name: str) -> dict:
    """'David K. Hausman' -> {'family': 'Hausman', 'given': 'David K.'}; an organisation, or a
    single word, stays whole as a literal name."""
    from .cite import is_organisation

    words = name.split()
    if len(words) < 2 or is_organisation(name):
        return {"literal": name}
    suffix = words.pop() if words[-1] in _SUFFIXES and len(words) > 2 else None
    at = next((i for i, w in enumerate(words[1:-1], 1) if w in _PARTICLES), len(words) - 1)
    out = {"family": " ".join(words[at:]), "given": " ".join(words[:at])}
    if suffix:
        out["suffix"] = suffix
    return out


def csl_date(text: str | None) -> dict | None:
    """'2020-11-03', '2017-02', '2022' -> date-parts; anything else ('May 2017') prints as typed."""
    if not text:
        return None
    m = _ISO_DATE_RE.fullmatch(text.strip())
    if not m:
        return {"literal": text}
    return {"date-parts": [[int(p) for p in m.groups() if p is not None]]}


def inline_item(source_id: str, title: str, authors: tuple[str, ...], publisher: str | None,
                date: str | None, url: str | None, accessed: str | None) -> dict:
    """The CSL-JSON item of a source written under `sources:`. It has no type of its own: a
    report (a titled document put out by its publisher) reads right in every bundled style."""
    item: dict = {"id": source_id, "type": "report", "title": title}
    if authors:
        item["author"] = [person(a) for a in authors]
    if publisher:
        item["publisher"] = publisher
    for key, value in (("issued", csl_date(date)), ("accessed", csl_date(accessed))):
        if value:
            item[key] = value
    if url:
        item["URL"] = url
    return item
