"""The two shapes a brief takes: as written (Brief) and as resolved for every renderer (Doc).

Renderers read only Doc, so the memo, the handout and the deck can never disagree on numbering.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
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
class Column:
    name: str
    align: str  # "left" | "right" | "center"; numbers default to "right"
    format: str | None  # a number format both Excel and we read: "0", "0.0", "#,##0", "0.0%"
    loc: Loc


# A cell as read: text, or a number (from YAML, or a CSV cell in a column with a format).
Cell = str | float


@dataclass(frozen=True)
class Table:
    caption: Text | None
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    csv: Path | None  # the file the rows came from, if any
    loc: Loc
    # Where each cell stands (its CSV row and column, or its place in the brief), for messages.
    cell_locs: tuple[tuple[Loc, ...], ...] = ()


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]


CHART_TYPES = ("bar", "column", "line", "stacked column", "stacked bar")

# What a build can write, in the order builds report them; a build writes DEFAULT_OUTPUTS unless
# the CLI's --to or the brief's outputs: name others.
OUTPUTS = ("memo", "handout", "deck", "docx", "html")
DEFAULT_OUTPUTS = ("memo", "handout", "deck")


@dataclass(frozen=True)
class Chart:
    type: str  # one of CHART_TYPES
    title: str | None
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str | None  # "thousands", "%", "USD m": said once, on the value axis
    format: str | None  # number format of values, as Column.format
    alt: str
    caption: Text | None
    csv: Path | None
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
    table: Table | None = None
    chart: Chart | None = None


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
    # The source as a CSL-JSON item (type, author, issued, container-title, DOI, ...): what the
    # citation style formats. A source written in the brief gets one made from the fields above;
    # one from a bibliography file keeps its own, and the fields above are read from it.
    item: dict = field(default_factory=dict, compare=False, hash=False)
    library: bool = False  # from a bibliography file: never warned of as uncited


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
    chart: int | None = None  # the section (1-based) whose chart the handout shows


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
    # What the brief asks its readers to do, one paragraph each: printed after the last section.
    recommendations: tuple[Text, ...] = ()
    organisation: str | None = None  # replaces the theme's
    logo: "Figure | str | None" = None  # the brief's own, "none", or None for the theme's
    citation_style: str | None = None  # a bundled style's name or a .csl file; None: the theme's
    bibliography: tuple[Path, ...] = ()  # the bibliography files read, for `watch`
    outputs: tuple[str, ...] | None = None  # what a build writes (OUTPUTS); None: the default


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
class ListItem:
    para: Para
    sub: "DocList | None" = None  # one nested level


@dataclass(frozen=True)
class DocList:
    ordered: bool
    start: int  # the first item's number ("3." starts at 3); 1 for bullets
    items: tuple[ListItem, ...]


# A block of body text: a paragraph or a list.
Block = Para | DocList


@dataclass(frozen=True)
class DocTable:
    caption: Para | None
    columns: tuple[Column, ...]
    # Every cell as printed (numbers formatted by their column's format and the brief's lang),
    # the same strings in the memo, the handout and the deck.
    cells: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]  # per column: all its cells are numbers


@dataclass(frozen=True)
class DocChart:
    chart: Chart  # the data as read (type, categories, series, unit, format, alt)
    caption: Para | None


@dataclass(frozen=True)
class DocFigure:
    path: Path
    alt: str
    caption: Para | None


@dataclass(frozen=True)
class DocSection:
    number: int
    heading: Para
    paras: tuple[Block, ...]
    takeaway: Para
    bullets: tuple[Para, ...]
    notes: tuple[Block, ...]
    figure: DocFigure | None
    table: DocTable | None = None
    chart: DocChart | None = None
    # Each bullet's level: 0, or 1 for a nested list item's; () when every bullet is at 0.
    bullet_levels: tuple[int, ...] = ()


@dataclass(frozen=True)
class Ref:
    number: int
    source: Source
    # The reference entry as the citation style formats it, without its number: what every
    # output prints after '[n] '. Empty until csl.format_references has run.
    entry: "Para" = ()
    # An author-date style's own in-text form without its brackets ('Hausman, 2020'), for slide
    # footers; None for a numeric style, whose footers say name and year.
    short: str | None = None


@dataclass(frozen=True)
class Doc:
    brief: Brief
    summary: tuple[Block, ...]
    sections: tuple[DocSection, ...]
    refs: tuple[Ref, ...]
    warnings: tuple[Problem, ...]
    # One paragraph each, numbered 1.. in every output; cited after all sections.
    recommendations: tuple[Para, ...] = ()
    # The summary's first paragraph, a sentence each (none where it opens with a list).
    bottom_line: tuple[Para, ...] = ()
