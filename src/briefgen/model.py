"""The two shapes a brief takes: as written (Brief) and as resolved for every renderer (Doc).

Renderers read only Doc, so the memo, the handout and the deck can never disagree on numbering.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .errors import Loc, Problem


@dataclass(frozen=True)
class Text:
    """A text field as written, with where it stands and where each [@...] group in it stands."""

    value: str
    loc: Loc
    cite_locs: tuple[Loc, ...] = ()


@dataclass(frozen=True)
class Figure:
    path: Path
    alt: str
    caption: Text | None
    loc: Loc


@dataclass(frozen=True)
class Section:
    heading: Text
    body: Text
    takeaway: Text | None
    bullets: tuple[Text, ...] | None
    notes: Text | None
    figure: Figure | None
    loc: Loc


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    authors: tuple[str, ...]
    publisher: str | None
    date: str | None
    url: str | None
    accessed: str | None
    loc: Loc


@dataclass(frozen=True)
class Memo:
    to: str | None
    from_: str | None
    subject: str | None


@dataclass(frozen=True)
class Handout:
    headline: str | None
    contact: str | None
    link: str | None


@dataclass(frozen=True)
class Brief:
    path: Path
    title: str
    subtitle: str | None
    date: dt.date
    authors: tuple[str, ...]
    lang: str
    status: str
    theme: str | None
    memo: Memo
    summary: Text
    sections: tuple[Section, ...]
    sources: tuple[Source, ...]
    handout: Handout
    # Where the plain text fields stand ("title", "memo.to", "handout.contact", ...).
    field_locs: dict[str, Loc]
    warnings: tuple[Problem, ...] = ()  # found while reading: Doc.warnings carries them on


@dataclass(frozen=True)
class Cite:
    number: int
    locator: str | None


@dataclass(frozen=True)
class Span:
    """A run of inline text; a span with cites is one citation group and has no text."""

    text: str = ""
    bold: bool = False
    italic: bool = False
    href: str | None = None
    cites: tuple[Cite, ...] = ()


Para = tuple[Span, ...]


@dataclass(frozen=True)
class DocFigure:
    path: Path
    alt: str
    caption: Para | None


@dataclass(frozen=True)
class DocSection:
    number: int
    heading: Para
    paras: tuple[Para, ...]
    takeaway: Para
    bullets: tuple[Para, ...]
    notes: tuple[Para, ...]
    figure: DocFigure | None


@dataclass(frozen=True)
class Ref:
    number: int
    source: Source


@dataclass(frozen=True)
class Doc:
    brief: Brief
    summary: tuple[Para, ...]
    sections: tuple[DocSection, ...]
    refs: tuple[Ref, ...]
    warnings: tuple[Problem, ...]
