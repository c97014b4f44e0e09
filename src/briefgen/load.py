"""YAML -> Brief. Keeps every node's position and collects every problem before stopping.

PyYAML's safe_load keeps the last of duplicate keys, turns NO into False and expands alias bombs,
so briefs are checked event by event, then composed into nodes and read against SCHEMA by hand.
"""
from __future__ import annotations

import bisect
import datetime as dt
import difflib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .cite import (GROUP_RE, MAX_LIST_DEPTH, RawList, parse_group, read_blocks,
                   section_texts)
from .data import (FORMAT_RE, FORMATS_SAID, MAX_CATEGORIES, MAX_SERIES,
                   check_handout_chart, read_chart, read_table)
from .errors import BriefError, Loc, Problem
from .model import CHART_TYPES, OUTPUTS
from .bib import inline_item
from .model import Brief, Figure, Handout, Memo, Section, Source, Text

yaml = None  # PyYAML, once a NodeReader is made

MAX_BYTES = 1_000_000  # a 70-section brief is about 100 kB
MAX_TEXT = 50_000  # characters in one field: about 8,000 words
# A title or heading: it runs in the memo's header and on slides, and WeasyPrint takes time by
# its length squared to lay out a running head (a 49,000-character title: minutes).
MAX_LINE = 1_000
# Characters in one word (a run without spaces, a link's address aside): the PDF engine lays out
# such a run again at every line it breaks it into, which took a minute for 48,000 letters.
MAX_WORD = 1_000
MAX_SECTIONS = 200
NO_LOGO = "none"  # a brief's `logo: none`: no logo, not even the theme's
# Recommendations: a handful is what a reader acts on, and each takes a line or more of the
# one-page handout.
MAX_RECOMMENDATIONS = 20
# List items in one field: each is a block of its own in the PDF, which takes WeasyPrint about
# 4 ms of processor time to lay out and draw, and a line of every slide's notes (8,000 one-word
# items: 65 s and 500 MB; 1,000: 13 s). Far more than a brief's list holds.
MAX_LIST_ITEMS = 200
MAX_DEPTH = 50
MAX_URL = 2_000  # and a QR code holds about 2,300 characters


@dataclass(frozen=True)
class Field:
    kind: str  # text date freedate url id lang status texts items object objects choice color
    #            length
    #            paper number file format section; and, read by data.py from their nodes:
    #            rows cells numbers csv
    doc: str
    required: bool = False
    item: str | None = None  # the object name, for object and objects
    citable: bool = False
    choices: tuple[str, ...] = ()  # for kind "choice"
    limits: tuple[float, float] = (0.0, 1e9)  # for kind "number"
    most: int = MAX_TEXT  # characters


# The brief format, once: the loader reads it and `briefgen schema` publishes it as JSON Schema.
SCHEMA: dict[str, dict[str, Field]] = {
    "brief": {
        "title": Field("text", "The brief's title, often the question it answers.", True,
                       most=MAX_LINE),
        "subtitle": Field("text", "A line under the title.", most=MAX_LINE),
        "date": Field("date", "Date of the brief, ISO format (2026-11-24).", True),
        "authors": Field("texts", "Authors, as a list (a single name is accepted)."),
        "lang": Field("lang", "BCP-47 language tag (hyphenation, PDF language, labels). Default: en."),
        "status": Field("status", "draft or final. Draft puts a DRAFT mark on every output. Default: final."),
        "theme": Field("text", "A bundled theme's name, or a theme folder inside the brief's folder. "
                                "The CLI's --theme wins and may name any folder. Default: default."),
        "memo": Field("object", "The memo's header block.", item="memo"),
        "summary": Field("text", "Executive summary (the bottom line), 1-3 paragraphs; lists as "
                         "in body.", True, citable=True),
        "sections": Field("objects", "The sections, at least one.", True, item="section"),
        "sources": Field("objects", "Sources written in the brief; [@id] cites them.",
                         item="source"),
        "bibliography": Field("texts", "A bibliography file, or a list: BibTeX/BibLaTeX (.bib) or "
                              "CSL-JSON (.json), as Zotero, Better BibTeX, JabRef or Mendeley "
                              "export them, inside the brief's folder. [@key] cites their "
                              "entries as it cites sources:; only cited entries are printed."),
        "citation_style": Field("text", "How reference entries read: a bundled style (briefgen, "
                                "ieee, apa, chicago-author-date, vancouver) or a .csl file in "
                                "the brief's folder. In-text marks stay [n]. Replaces the "
                                "theme's; the CLI's --csl wins. Default: briefgen."),
        "handout": Field("object", "Settings for the one-page handout.", item="handout"),
        "outputs": Field("outputs", "What a build writes: a list of memo (memo.pdf), handout "
                         "(handout.pdf), deck (deck.pptx), docx (memo.docx, the memo in Word) and "
                         "html (memo.html, the memo as one web page). The CLI's --to wins. "
                         "Default: memo, handout, deck."),
        "organisation": Field("text", "Who publishes the brief, printed where a logo would stand "
                              "when there is none; replaces the theme's organisation (and its "
                              "logo, unless the brief gives a logo too).", most=MAX_LINE),
        "logo": Field("object", "The brief's own logo, replacing the theme's: {path, alt}, a "
                      "PNG or JPEG in the brief's folder; or none for no logo.", item="logo"),
        "recommendations": Field("items", "What the brief recommends, as a list: each item one "
                                 "paragraph with inline markdown and [@id] citations, numbered "
                                 "for you (write no '1.'). Printed as a numbered section after "
                                 "the last section in the memo, as a block on the handout and "
                                 f"on a closing slide. At most {MAX_RECOMMENDATIONS}.",
                                 citable=True),
    },
    "memo": {
        "to": Field("text", "Who the memo is addressed to."),
        "from": Field("text", "Who the memo is from."),
        "subject": Field("text", "Subject line. Default: the title.", most=MAX_LINE),
    },
    "section": {
        "heading": Field("text", "Section heading.", True, citable=True, most=MAX_LINE),
        "body": Field("text", "Body: paragraphs separated by a blank line, and lists (items "
                      "starting '- ' or '1. ', one nested level); inline *em*, **strong**, "
                      "[text](url) and [@id] citations.", True, citable=True),
        "takeaway": Field("text", "One-sentence key point. Default: the body's first sentence.",
                          citable=True),
        "bullets": Field("texts", "Slide bullets. Default: the body's list items, else its "
                         "sentences.", citable=True),
        "notes": Field("text", "Speaker notes. Default: the body.", citable=True),
        "figure": Field("object", "An image shown with the section.", item="figure"),
        "table": Field("object", "A table shown with the section: a real table in the memo, a "
                       "native table in the deck.", item="table"),
        "chart": Field("object", "A chart drawn from data: a vector chart in the memo, a native, "
                       "editable chart in the deck.", item="chart"),
    },
    "logo": {
        "path": Field("text", "Image file (PNG or JPEG), relative to the brief's folder.", True),
        "alt": Field("text", "Alternative text for screen readers: usually the organisation's "
                     "name.", True),
    },
    "figure": {
        "path": Field("text", "Image file (PNG, JPEG, GIF or SVG), relative to the brief's "
                      "folder.", True),
        "alt": Field("text", "Alternative text for screen readers.", True),
        "caption": Field("text", "Caption printed under the image.", citable=True),
    },
    "table": {
        "caption": Field("text", "Caption printed with the table.", citable=True),
        "columns": Field("objects", "The columns, in order: a name, or {name, align, format}. "
                         "Required with rows; with csv, optional (the names come from the "
                         "header row), and if given, one for each of the CSV's columns.",
                         item="column"),
        "rows": Field("rows", "The rows, each a list of cells: [[Boston, -12.5], [Denver, "
                      "3.0]]. Give rows or csv, not both."),
        "csv": Field("csv", "A CSV file (UTF-8, a header row) inside the brief's folder, "
                     "relative to it: data/x.csv. Cells separated by commas, or by semicolons "
                     "with a decimal comma (12,5), as Excel saves them where the comma is the "
                     "decimal mark. Give rows or csv, not both."),
    },
    "column": {
        "name": Field("text", "The column's heading. Required with rows; with csv, the "
                      "header's (if given, it must be the same).", most=MAX_LINE),
        "align": Field("choice", "left, right or center. Default: right for a column of "
                       "numbers, else left.", choices=("left", "right", "center")),
        "format": Field("format", f"Number format: {FORMATS_SAID}. Every cell of a column "
                        "with a format must be a number (or empty); a column without one "
                        "prints its cells as written."),
    },
    "chart": {
        "type": Field("choice", f"{', '.join(CHART_TYPES[:-1])} or {CHART_TYPES[-1]}.", True,
                      choices=CHART_TYPES),
        "title": Field("text", "Title drawn above the chart.", most=MAX_LINE),
        "categories": Field("cells", f"The categories (at most {MAX_CATEGORIES}): [\"2019\", "
                            "\"2020\"]. Required with series; with csv, the first column."),
        "series": Field("objects", f"The series (at most {MAX_SERIES}), each {{name, values}}, "
                        "one value per category. Give series or csv, not both.", item="series"),
        "csv": Field("csv", "A CSV file inside the brief's folder: the categories in the first "
                     "column, then one column per series, named by the header row."),
        "unit": Field("text", "What the values count, said once on the value axis: "
                      "thousands, %, USD m.", most=MAX_LINE),
        "format": Field("format", f"Number format of the values: {FORMATS_SAID}."),
        "alt": Field("text", "Alternative text for screen readers: what the chart shows.", True),
        "caption": Field("text", "Caption printed with the chart; cite the data's source "
                         "here.", citable=True),
    },
    "series": {
        "name": Field("text", "The series' name, shown in the legend.", True, most=MAX_LINE),
        "values": Field("numbers", "Its values, one number per category.", True),
    },
    "source": {
        "id": Field("id", "Letters, digits and . _ - ; unique; cited as [@id].", True),
        "title": Field("text", "Title of the work.", True),
        "author": Field("texts", "Author, or a list of authors."),
        "publisher": Field("text", "Publisher, journal or site."),
        "date": Field("freedate", "Publication date: 2020-11-03, 2017-02, 2022 or free text."),
        "url": Field("url", "Web address, http(s) only."),
        "accessed": Field("freedate", "When the URL was accessed."),
    },
    "handout": {
        "headline": Field("text", "Handout headline. Default: the title.", most=MAX_LINE),
        "contact": Field("text", "Contact line printed at the foot of the handout."),
        "link": Field("url", "Link printed and shown as a QR code."),
        "chart": Field("section", "A section's number (1 for the first): its chart is shown on "
                       "the handout."),
    },
}
# Kinds whose nodes read() hands over as they are, for their own readers.
_NODE_KINDS = ("object", "objects", "rows", "cells", "numbers", "csv")

_CORE_TAGS = {None, "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_ID_RE = re.compile(r"[A-Za-z0-9._-]+")
_LANG_RE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
_URL_RE = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".svg")
# '[see @a, p. 2]': words, then a space and @id, inside one pair of brackets (not an email).
_PREFIXED_RE = re.compile(r"(?<!\\)\[\s*[^\[\]@\s][^\[\]@]*\s@[A-Za-z0-9._-]+[^\[\]]*\]")
# '@a' that is not part of an email address, a web address or a group: a citation without [ ].
_BARE_ID_RE = re.compile(r"(?<![\w.+\-/@\\])@([A-Za-z0-9._-]+)")
_ESCAPED_GROUP_RE = re.compile(r"\\\[[^\[\]]*\]")
# '[@a](https://x.org)': a group followed by a link's target.
# The text fields that may hold lists.
_LIST_FIELDS = ("summary", "body", "notes")
_LINK_TARGET_RE = re.compile(r"\((?:[^()\s]|\([^()\s]*\))*\)")
# '[@a, p. 4.': a group that another group or the end of the text cuts off before its ']'.
_UNCLOSED_RE = re.compile(r"(?<!\\)\[\s*@[^\[\]]*(?=\[|$)")
# A locator that is only its label: '[@a, p.]' printed '[1, p.]'.
_BARE_LABEL_RE = re.compile(r"(?:pp?|S|Bd|para|paras|ch|chap|sec|§|fig|n|no|nr|vol|art|ll?)\.?",
                            re.IGNORECASE)
# '[text](target)', a link the outputs make only to a web or mail address.
_LINK_RE = re.compile(r"(?<![!\\])\[[^\[\]]+\]\(((?:[^()\s]|\([^()\s]*\))*)\)")
# 'takeaway: "..."' at a line's start inside a block text: a field, indented too far. Only with
# what a field's value starts with (a quote, a bracket, '|', or nothing), so that prose such as
# 'sources: the census and two surveys' is left alone.
_FIELD_LINE_RE = re.compile(r"^[ \t]*(?:- )?(takeaway|bullets|notes|figure|heading|body|caption|"
                            r"alt|sources|sections|table|chart):(?:[ \t]*$|[ \t]+[\"'\[{|>])", re.M)
# '[the program(https://nyc.gov)': a link's text without its ], which prints as typed.
_UNCLOSED_LINK_RE = re.compile(
    r"(?<![!\\])\[(?![^\[\]]*\])(?!@)[^\[\]()]*\((?:https?|mailto):[^()\s]*\)")
MAX_PIXELS = 40_000_000
# Characters YAML 1.1 (PyYAML) takes for line breaks, and YAML 1.2 and editors for characters
# of the line: NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR.
_ODD_BREAKS = "\x85\u2028\u2029"


def load_brief(path: str | Path) -> Brief:
    """Read and validate a brief; raise BriefError with every problem found."""
    reader = NodeReader(path)
    root = reader.compose()
    brief = reader.read_brief(root)
    if reader.problems:
        # The brief's problems first, then each data file's, in the order the brief names them.
        files = {reader.label: 0}
        for p in reader.problems:
            files.setdefault(p.loc.file, len(files))
        # Each problem once: a table and a chart may read the same CSV and find the same fault.
        raise BriefError(sorted(dict.fromkeys(reader.problems),
                                key=lambda p: (files[p.loc.file], p.loc.line, p.loc.col)))
    return brief


def _show_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def said_outputs() -> str:
    return ", ".join(OUTPUTS[:-1]) + " or " + OUTPUTS[-1]


def output_problem(value: str) -> str | None:
    """What is wrong with an output's name (in outputs: or --to), or None."""
    if value in OUTPUTS:
        return None
    known = {"pdf": "memo or handout", "pptx": "deck", "slides": "deck", "word": "docx",
             "web": "html", "webpage": "html", "page": "html"}
    close = known.get(value.lower()) or next(iter(difflib.get_close_matches(
        value.lower(), OUTPUTS, n=1, cutoff=0.6)), None)
    hint = f" (did you mean {close}?)" if close else ""
    return f"'{_short(value)}' is not an output: a build writes {said_outputs()}{hint}"


class NodeReader:
    """Reads one YAML file into checked values, recording a Problem for everything wrong."""

    def __init__(self, path: str | Path, schema: dict[str, dict[str, Field]] = SCHEMA,
                 owner: str = "brief"):
        # PyYAML is imported by the first reader, for the whole module: a cold build's parent
        # reads no YAML, and forks 0.02-0.03 s sooner without it.
        global yaml
        import yaml

        self.schema = schema
        self.owner = owner
        self.path = Path(path)
        self.label = str(path)
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.src = ""
        self._line_starts = [0]
        self._spaces = str.maketrans(dict.fromkeys(_ODD_BREAKS[1:], " "))
        self._ends: dict[Loc, int] = {}  # where each text read ends in the source
        self.cited: set[str] = set()  # every source id a citation names
        self.unread = False  # a bibliography file could not be read
        self.zotero_named: list[str] = []  # files whose ids are Zotero's addresses

    # -- positions -------------------------------------------------------------------------
    def loc(self, node_or_mark) -> Loc:
        # From the mark's index, not its line: YAML 1.1 also breaks lines at U+0085, U+2028 and
        # U+2029, which editors show inside a line, so YAML's line numbers would not be theirs.
        mark = getattr(node_or_mark, "start_mark", node_or_mark)
        return self.loc_at(mark.index)

    def _index_lines(self, text: str) -> None:
        # CR and CRLF line ends become LF, as YAML reads them (the same values, and indexes
        # unchanged within a line): every search of the text below then sees one kind of line end.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        # PyYAML ends a line at U+0085, U+2028 and U+2029, where YAML 1.2 and every editor see a
        # character of the line: a pasted U+2028 in a block text then ended the text and broke
        # the file. Each is read as a private-use character the file does not hold, one for one
        # (positions stay), and prints as a space, as the line break PyYAML read would have.
        if any(ch in text for ch in _ODD_BREAKS):
            free = (chr(c) for c in range(0xE001, 0xF900) if chr(c) not in text)
            stand_in = {ch: next(free) for ch in _ODD_BREAKS}
            text = text.translate(str.maketrans(stand_in))
            self._spaces.update({ord(c): " " for c in stand_in.values()})
        self.src = text
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.src)]

    def loc_at(self, index: int) -> Loc:
        line = bisect.bisect_right(self._line_starts, index) - 1
        return Loc(self.label, line + 1, index - self._line_starts[line] + 1)

    def error(self, where, message: str) -> None:
        loc = where if isinstance(where, Loc) else self.loc(where)
        self.problems.append(Problem(loc, message))

    # -- YAML -------------------------------------------------------------------------------
    def compose(self) -> yaml.Node | None:
        start = Loc(self.label)
        data = _read_limited(self.path, start, self.owner)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            # e.start counts from after a byte order mark, in e.object, not in data.
            self._index_lines(e.object[:e.start].decode("utf-8"))
            raise BriefError.at(self.loc_at(len(self.src)), f"not UTF-8 text (byte "
                                f"0x{e.object[e.start]:02X}): save the file as UTF-8") from None
        self._index_lines(text)
        deep = _too_deep(self.src)
        if deep is not None:
            raise BriefError.at(self.loc_at(deep), f"brackets are nested more than {MAX_DEPTH} "
                                                   "deep")
        # LibYAML, where PyYAML was built with it, reads a brief ten times faster; on any error
        # the pure-Python parser reads it again, for the messages _explain knows how to reword.
        if getattr(yaml, "__with_libyaml__", False):
            try:
                return self._compose(yaml.CSafeLoader, start)
            except BriefError:
                self.problems = []
        return self._compose(yaml.SafeLoader, start)

    def _compose(self, loader, start: Loc) -> yaml.Node:
        try:
            # Anchors, aliases and foreign tags are refused before composing: an alias bomb is
            # expanded by the composer, and a tag like !!python/object has no place in a brief.
            documents = 0
            for event in yaml.parse(self.src, Loader=loader):
                if isinstance(event, yaml.DocumentStartEvent):
                    documents += 1
                    if documents == 2:
                        self.error(event, "only one YAML document is allowed (remove the '---')")
                elif isinstance(event, yaml.AliasEvent):
                    self.error(event, f"YAML aliases are not allowed (*{event.anchor}): "
                                      "write the value out")
                elif getattr(event, "anchor", None):
                    self.error(event, f"YAML anchors are not allowed (&{event.anchor})")
                if getattr(event, "tag", None) not in _CORE_TAGS:
                    self.error(event, f"YAML tag '{_show_tag(event.tag)}' is not allowed")
        except yaml.MarkedYAMLError as e:
            loc, message = self._explain(e)
            raise BriefError(self.problems + [Problem(loc or start, message)])
        except yaml.reader.ReaderError as e:
            raise BriefError(self.problems + [Problem(
                self.loc_at(e.position), f"unprintable character U+{e.character:04X}: remove it, "
                                         "or write it as an escape in a double-quoted string")])
        except yaml.YAMLError as e:
            raise BriefError(self.problems + [Problem(start, f"YAML error: {e}")]) from None
        if self.problems:
            raise BriefError(self.problems)
        try:
            node = yaml.compose(self.src, Loader=loader)
        except RecursionError:
            raise BriefError.at(start, "the YAML is nested too deeply") from None
        if node is None:
            raise BriefError.at(start, "the file is empty")
        return node

    def _open_quote(self, line: int) -> int | None:
        """Where the double-quoted value that ended on line (0-based) began, if it began two or
        more lines above it: a quote left open there read the lines between as its text, and
        the line where it finally closed is where YAML complained."""
        last = None
        try:
            for token in yaml.scan(self.src, Loader=yaml.SafeLoader):
                if isinstance(token, yaml.ScalarToken) and token.style == '"':
                    last = token
        except yaml.YAMLError:
            pass  # scanned up to the fault: the tokens before it are what is asked about
        if last is not None and last.end_mark.line == line and \
                last.start_mark.line <= line - 2:
            return last.start_mark.index
        return None

    def _explain(self, e: yaml.MarkedYAMLError) -> tuple[Loc | None, str]:
        """PyYAML's message, said in the words of someone editing a brief."""
        problem, context = e.problem or "", e.context or ""
        at = self.loc(e.problem_mark) if e.problem_mark else None
        if "quoted scalar" in context and e.context_mark is not None:
            return self.loc(e.context_mark), "this quote is never closed"
        if "'\\t'" in problem or "\t" in problem:
            return at, "tab character: indent with spaces, not tabs"
        if "mapping values are not allowed" in problem and e.problem_mark is not None and \
                ": " in self.src[self._line_starts[at.line - 1]:e.problem_mark.index]:
            # A second ': ' on the line: 'title: Heat waves: how to prepare'.
            return at, ("a value with ': ' in it needs quotes: write it as key: \"...: ...\" "
                        "(or is this line indented too far?)")
        if "cannot start any token" in problem:  # 'to: @council', 'title: `x`'
            char = re.search(r"found character '(.)'", problem)
            return at, (f"a value cannot start with '{char[1] if char else problem}' unless it "
                        "is in quotes: write key: \"...\"")
        if problem.startswith("expected <block end>") or "mapping values are not allowed" in problem:
            opened = self._open_quote(e.problem_mark.line) if e.problem_mark else None
            if opened is not None:
                return self.loc_at(opened), (
                    f"this quote is never closed: the lines after it, up to line "
                    f"{at.line}, were read as its text")
            return at, ("bad indentation: this line does not line up with the lines above it "
                        "(or a value with ': ' in it needs quotes)")
        if "could not find expected ':'" in problem:
            return at, "expected 'key: value' here (is a ':' or a closing quote missing above?)"
        return at, f"YAML syntax error: {problem or context}"

    # -- generic readers -------------------------------------------------------------------
    def fields(self, node: yaml.Node, kind: str) -> dict[str, yaml.Node] | None:
        """Check a mapping against SCHEMA[kind]: known fields, no duplicates, required present."""
        spec = self.schema[kind]
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{kind} must be a mapping of fields ({', '.join(spec)}), "
                             f"not {_describe(node)}")
            return None
        out: dict[str, yaml.Node] = {}
        first_line: dict[str, int] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                self.error(key, f"keys in {kind} must be plain names")
                continue
            name = key.value
            if name in first_line:
                self.error(key, f"duplicate key '{name}' (first at line {first_line[name]})")
                continue
            first_line[name] = self.loc(key).line
            if name not in spec:
                close = difflib.get_close_matches(name, spec, n=1, cutoff=0.6)
                hint = (f" (did you mean '{close[0]}'?)" if close
                        else f"; known fields: {', '.join(spec)}")
                self.error(key, f"unknown field '{name}' in {kind}{hint}")
                continue
            out[name] = value
        for name, field in spec.items():
            if field.required and name not in out:
                self.error(node, f"missing required field '{name}' in {kind}")
        return out

    def text(self, node: yaml.Node | None, name: str, field: Field) -> Text | None:
        if node is None:
            return None
        if not isinstance(node, yaml.ScalarNode):
            hint = (" (a ': ' in it? then put it in quotes)"
                    if isinstance(node, yaml.MappingNode) and len(node.value) == 1
                    and not node.flow_style else "")
            self.error(node, f"'{name}' must be text, not {_describe(node)}{hint}")
            return None
        if _is_null(node):
            if field.required:
                self.error(node, f"'{name}' must not be empty")
            return None
        # The raw scalar: NO, on and 1.10 stay exactly what the author typed.
        value = node.value.translate(self._spaces).strip()
        if not value:
            if field.required:
                self.error(node, f"'{name}' must not be empty")
            return None
        if len(value) > field.most:
            said = "a field" if field.most == MAX_TEXT else "a title or heading"
            self.error(node, f"'{name}' is {len(value):,} characters long; {said} may have at "
                             f"most {field.most:,}")
            return None
        if field.kind == "text" and not self._word_fits(node, name, value):
            return None
        if field.kind == "text" and not node.style:  # plain: None, or "" from libyaml
            self._cut_by_comment(node, name)
        if field.citable and node.style in ("|", ">"):
            self._field_in_text(node, name)
        bad = next((ch for ch in value if ch not in "\t\n"
                    and (unicodedata.category(ch) in ("Cc", "Cs") or _nonchar(ch))), None)
        if bad is not None:
            self.error(node, f"'{name}' contains the unprintable character U+{ord(bad):04X}")
            return None
        groups = list(GROUP_RE.finditer(value))
        if groups and not field.citable:
            self.error(node, f"citations are not allowed in '{name}': cite in the summary or a "
                             "section")
            return None
        if name in _LIST_FIELDS and not self._lists_fit(node, name, value):
            return None
        self._ends[self.loc(node)] = node.end_mark.index
        return Text(value, self.loc(node), tuple(self._group_locs(node, groups)))

    def _lists_fit(self, node: yaml.ScalarNode, name: str, value: str) -> bool:
        """Warn of list items nested deeper than the two levels a list prints (they print at
        the second); refuse lists nested past MAX_LIST_DEPTH, where markdown-it drops text."""
        layout = read_blocks(value)
        items = [i.line for b in layout.blocks if isinstance(b, RawList) for item in b.items
                 for i in (item, *(item.sub.items if item.sub else ()))]
        if len(items) > MAX_LIST_ITEMS:
            self.error(self._line_loc(node, value, items[MAX_LIST_ITEMS]), (
                f"'{name}' has {len(items):,} list items; a field may have at most "
                f"{MAX_LIST_ITEMS:,}"))
            return False
        line = layout.too_deep if layout.too_deep is not None else layout.deep
        if line is None:
            return True
        shown = _short(value.split("\n")[line], 40)
        where = self._line_loc(node, value, line)
        if layout.too_deep is not None:
            self.error(where, f"'{name}' has lists nested more than {MAX_LIST_DEPTH} deep "
                              f"('{shown}'); a list prints two levels: indent its items less")
            return False
        self.warnings.append(Problem(where, (
            f"'{name}' has a list item nested more than two levels deep ('{shown}'): a list "
            "prints two levels, so it prints at the second; indent it as the items above it")))
        return True

    def _line_loc(self, node: yaml.ScalarNode, value: str, line: int) -> Loc:
        """Where a line of a text's value stands in the brief, found line by line in the
        scalar's source; the scalar's start where it cannot be (a folded or escaped text)."""
        pos, end = node.start_mark.index, node.end_mark.index
        found = pos
        for text in value.split("\n")[:line + 1]:
            if text.strip():
                found = self.src.find(text.strip(), pos, end)
                if found < 0:
                    return self.loc(node)
                pos = found + len(text.strip())
        return self.loc_at(found)

    def _word_fits(self, node: yaml.ScalarNode, name: str, value: str) -> bool:
        if max(map(len, value.split()), default=0) <= MAX_WORD:
            return True
        word = next((w for w in value.split() if len(w) > MAX_WORD
                     and len(_LINK_TARGET_RE.sub("()", w)) > MAX_WORD), None)
        if word is None:
            return True
        found = self.src.find(word[:40], node.start_mark.index)
        self.error(self.loc_at(found) if found >= 0 else self.loc(node),
                   f"'{name}' has a word of {len(word):,} characters ('{_short(word, 30)}'); a "
                   f"word may have at most {MAX_WORD:,}: put spaces in it")
        return False

    def _cut_by_comment(self, node: yaml.ScalarNode, name: str) -> None:
        """Warn where ' #' ended an unquoted value: 'contact: Room #4 Maria' is 'Room', the rest
        a YAML comment, and nothing said so."""
        end = node.end_mark.index
        line_end = self.src.find("\n", end)
        rest = self.src[end:line_end if line_end >= 0 else len(self.src)]
        # '# a note' reads as a comment, meant (the starter brief has them); '#4' as text cut off.
        cut = re.match(r"[ \t]+(?=#[^\W_])", rest)
        if cut:
            dropped = _short(rest.strip())
            self.warnings.append(Problem(self.loc_at(end + cut.end()), (
                f"'{name}' ends before ' #', which starts a YAML comment, so '{dropped}' is not "
                "part of it: put the whole value in quotes to keep it")))

    def _field_in_text(self, node: yaml.ScalarNode, name: str) -> None:
        """Warn of a line of a block text that reads as the next field ('takeaway: \"...\"'),
        indented one step too far, so that YAML took it, and all after it, as more text."""
        raw = self.src[node.start_mark.index:node.end_mark.index]
        m = _FIELD_LINE_RE.search(raw, raw.find("\n") + 1)
        if m is None:
            return
        line = raw[m.start():].split("\n", 1)[0].strip()
        self.warnings.append(Problem(self.loc_at(node.start_mark.index + m.start(1)), (
            f"this line of '{name}' reads as a field ('{_short(line)}'), but it is indented "
            f"too far, so it prints as part of the {name}: indent it as the field above it")))

    def _group_locs(self, node: yaml.Node, groups: list[re.Match]):
        # Find each group in the raw source of the scalar; folded or escaped text falls back to
        # the scalar's start, which is still the right field.
        raw_start, raw_end = node.start_mark.index, node.end_mark.index
        pos = raw_start
        for m in groups:
            # Search for the group's first word: a wrapped group has its indent in the source.
            found = self.src.find(m.group(0).split()[0], pos, raw_end)
            if found < 0:
                yield self.loc(node)
            else:
                yield self.loc_at(found)
                pos = found + 2

    def outputs(self, node: yaml.Node | None, name: str) -> tuple[str, ...] | None:
        """outputs: [memo, docx] (or one name): each a known output, said once."""
        if node is None or (isinstance(node, yaml.ScalarNode) and _is_null(node)):
            return None
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        wrong = next((n for n in items if not isinstance(n, yaml.ScalarNode)), None)
        if wrong is not None:
            said = (f"'{name}' must be a list of output names like [memo, docx], not"
                    if wrong is node else f"each item of '{name}' must be an output name like "
                                          "docx, not")
            self.error(wrong, f"{said} {_describe(wrong)}")
            return None
        if not items:
            self.error(node, f"'{name}' is an empty list: name at least one of "
                             f"{said_outputs()}, or leave it out")
            return None
        chosen = []
        for item in items:
            text = self.text(item, name, Field("text", "", True, most=MAX_LINE))
            if text is None:
                continue
            problem = output_problem(text.value)
            if problem:
                self.error(item, f"'{name}': {problem}")
            elif text.value in chosen:
                self.error(item, f"'{name}' names {text.value} twice")
            else:
                chosen.append(text.value)
        return tuple(chosen) if len(chosen) == len(items) else None

    def value(self, node: yaml.Node | None, name: str, field: Field):
        """Read one field by its kind; returns None (with a recorded problem) when it is wrong."""
        kind = field.kind
        if kind == "items":
            return self.items(node, name, field)
        if kind == "outputs":
            return self.outputs(node, name)
        if kind == "texts":
            if node is None or (isinstance(node, yaml.ScalarNode) and _is_null(node)):
                return None
            items = node.value if isinstance(node, yaml.SequenceNode) else [node]
            if not items:  # bullets: [] would make an empty slide
                self.error(node, f"'{name}' is an empty list: give it an item, or leave it out")
                return None
            texts = [self.text(n, name, Field("text", "", True, citable=field.citable))
                     for n in items]
            return tuple(t for t in texts if t is not None)
        text = self.text(node, name, field)
        if text is None:
            return None
        v = text.value
        if kind == "freedate" and re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", v):
            try:
                dt.date.fromisoformat(v if v.count("-") == 2 else v + "-01")
            except ValueError:
                self.error(node, f"'{name}' is not a real date: '{v}' (write 2020-11-03, 2017-02, "
                                 "2022 or free text)")
                return None
            return v
        if kind == "date":
            try:
                if not _DATE_RE.fullmatch(v):
                    raise ValueError
                return dt.date.fromisoformat(v)
            except ValueError:
                self.error(node, f"'{name}' must be an ISO date like 2026-11-24, not '{v}'")
                return None
        if kind == "url" and len(v) > MAX_URL:
            self.error(node, f"'{name}' is {len(v):,} characters long; an address may have at most "
                             f"{MAX_URL:,}")
            return None
        if kind == "url" and not _URL_RE.fullmatch(v):
            self.error(node, f"'{name}' must be an http:// or https:// address, not '{_short(v)}'")
            return None
        if kind == "id" and not _ID_RE.fullmatch(v):
            self.error(node, f"source id '{_short(v)}' may use only letters, digits and . _ -")
            return None
        if kind == "lang" and not _LANG_RE.fullmatch(v):
            fixed = v.replace("_", "-")  # de_DE, as locales are written: the tag is de-DE
            hint = f" (write {fixed})" if _LANG_RE.fullmatch(fixed) else ""
            self.error(node, f"'{name}' must be a language tag like en or en-GB, not "
                             f"'{_short(v)}'{hint}")
            return None
        if kind == "status" and v not in ("draft", "final"):
            self.error(node, f"'{name}' must be draft or final, not '{_short(v)}'")
            return None
        if kind == "choice" and v not in field.choices:
            close = difflib.get_close_matches(v.lower(), field.choices, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            said = ", ".join(field.choices[:-1]) + " or " + field.choices[-1]
            self.error(node, f"'{name}' must be {said}, not '{_short(v)}'{hint}")
            return None
        if kind == "format" and not FORMAT_RE.fullmatch(v):
            self.error(node, f"'{name}' must be a number format: {FORMATS_SAID}; not "
                             f"'{_short(v)}'")
            return None
        if kind == "section":
            if not re.fullmatch(r"[1-9][0-9]{0,5}", v):
                self.error(node, f"'{name}' must be a section's number (1 for the first), not "
                                 f"'{_short(v)}'")
                return None
            return int(v)
        if kind == "color" and not re.fullmatch(r"#[0-9A-Fa-f]{6}", v):
            self.error(node, f"'{name}' must be a colour like #1F3A5F, not '{_short(v)}'")
            return None
        if kind == "length" and not re.fullmatch(r"\d+(\.\d+)?(in|mm|cm|pt)", v):
            self.error(node, f"'{name}' must be a length like 0.9in, 20mm or 54pt, "
                             f"not '{_short(v)}'")
            return None
        if kind == "paper" and v.lower() not in ("letter", "a4"):
            self.error(node, f"'{name}' must be letter or a4, not '{_short(v)}'")
            return None
        if kind == "number":
            low, high = field.limits
            try:
                number = float(v)
            except ValueError:
                number = None
            # float() also takes nan and inf: a nan minimum size would never fit anything.
            if number is None or not low <= number <= high:
                self.error(node, f"'{name}' must be a number from {low:g} to {high:g}, not "
                                 f"'{_short(v)}'")
                return None
            return number
        if kind == "file":
            return self.file(text, f"'{name}'")
        return v if kind != "text" else text

    def items(self, node: yaml.Node | None, name: str, field: Field) -> tuple[Text, ...] | None:
        """A list of paragraphs (recommendations): a list even of one, each item one paragraph
        of text, since the outputs number them and a list inside one would print flattened."""
        if node is None or (isinstance(node, yaml.ScalarNode) and _is_null(node)):
            return None
        one = name.removesuffix("s")
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"'{name}' must be a list, one '- ' line per {one}, not "
                             f"{_describe(node)}")
            return None
        if not node.value:
            self.error(node, f"'{name}' is an empty list: give it an item, or leave it out")
            return None
        if len(node.value) > MAX_RECOMMENDATIONS:
            self.error(node, f"{len(node.value)} {name}; a brief may have at most "
                             f"{MAX_RECOMMENDATIONS}")
            return None
        texts = []
        for i, item in enumerate(node.value, 1):
            label = f"{one} {i}"
            if isinstance(item, yaml.SequenceNode):
                self.error(item, f"'{label}' must be text, not a list: a {one} is one "
                                 f"paragraph; make each point an item of {name} of its own")
                continue
            text = self.text(item, label, Field("text", "", True, citable=field.citable))
            if text is not None and self._one_paragraph(item, label, text.value, name):
                texts.append(text)
        return tuple(texts)

    def _one_paragraph(self, node: yaml.ScalarNode, label: str, value: str, name: str) -> bool:
        """A recommendation is one paragraph: the outputs number it, so a blank line or a
        list inside it would print run together."""
        layout = read_blocks(value)
        if len(layout.blocks) == 1 and isinstance(layout.blocks[0], str) \
                and layout.too_deep is None:
            return True
        found = next((b for b in layout.blocks if isinstance(b, RawList)), None)
        if found is not None or layout.too_deep is not None:
            line = found.items[0].line if found is not None else layout.too_deep
            shown = _short(value.split("\n")[line], 40)
            self.error(self._line_loc(node, value, line), (
                f"'{label}' holds a list ('{shown}'): {name} are numbered for you, one "
                f"paragraph each; write it without '1. ' or '- ', or make each point an item "
                f"of {name} of its own"))
        else:
            self.error(node, f"'{label}' has {len(layout.blocks)} paragraphs; a "
                             f"{name.removesuffix('s')} is one paragraph: join them, or make "
                             f"each an item of {name} of its own")
        return False

    def objects(self, node: yaml.Node | None, name: str, kind: str) -> list[yaml.Node]:
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, f"'{name}' must be a list of {kind}s, not {_describe(node)}")
            return []
        return node.value

    # -- the brief ---------------------------------------------------------------------------
    def read(self, node, kind: str) -> dict:
        """Fields of one object, each read by its kind (None where absent or wrong)."""
        got = self.fields(node, kind) if node is not None else {}
        if got is None:
            return {}
        return {name: self.value(got.get(name), name, field)
                for name, field in self.schema[kind].items()
                if field.kind not in _NODE_KINDS} | {
            f"{name}_node": got.get(name) for name in self.schema[kind]}

    def read_brief(self, root: yaml.Node) -> Brief | None:
        top = self.read(root, "brief")
        if not top:
            return None
        memo = self.read(top["memo_node"], "memo")
        logo = self.read_logo(top["logo_node"])
        handout = self.read(top["handout_node"], "handout")
        # The ids of sources with a fault of their own (reported already): citing one is not a
        # second fault.
        broken: set[str] = set()
        source_nodes = self.objects(top["sources_node"], "sources", "source")
        sources = [self.read_source(n, broken) for n in source_nodes]
        sources = [s for s in sources if s is not None]
        first: dict[str, Source] = {}
        for s in sources:
            if s.id in first:
                self.error(s.loc, f"duplicate source id '{s.id}' (first at line "
                                  f"{first[s.id].loc.line})")
            else:
                first[s.id] = s
        libraries = self.read_libraries(top["bibliography"] or (), first)
        # Every id a citation may name, and where it stands: the brief's own sources first.
        known: dict[str, Loc] = {k: s.loc for k, s in first.items()}
        for library in libraries:
            for key, at in library.keys.items():
                known.setdefault(key, at)
        section_nodes = self.objects(top["sections_node"], "sections", "section")
        if top["sections_node"] is not None and isinstance(top["sections_node"],
                                                            yaml.SequenceNode) and not section_nodes:
            self.error(top["sections_node"], "'sections' needs at least one section")
        if len(section_nodes) > MAX_SECTIONS:
            self.error(top["sections_node"], f"{len(section_nodes)} sections; a brief may have at "
                                             f"most {MAX_SECTIONS}")
            section_nodes = []
        sections = [self.read_section(n) for n in section_nodes]
        chart = check_handout_chart(self, handout.get("chart"), handout.get("chart_node"),
                                    sections, section_nodes)
        summary = top["summary"]
        recommendations = top["recommendations"] or ()
        for text in [summary] + [t for s in sections if s for t in section_texts(s)] + list(
                recommendations):
            if text is not None:
                self.check_citations(text, known, broken, listed=bool(source_nodes),
                                     files=[lib.shown for lib in libraries])
        sources += self.cited_entries(libraries, first)
        if self.problems:
            return None
        return Brief(
            path=self.path,
            title=top["title"].value,
            subtitle=text_value(top["subtitle"]),
            date=top["date"],
            authors=tuple(t.value for t in top["authors"] or ()),
            lang=top["lang"] or "en",
            status=top["status"] or "final",
            theme=text_value(top["theme"]),
            memo=Memo(text_value(memo.get("to")), text_value(memo.get("from")), text_value(memo.get("subject"))),
            summary=summary,
            sections=tuple(sections),
            sources=tuple(sources),
            handout=Handout(text_value(handout.get("headline")), text_value(handout.get("contact")),
                            handout.get("link"), chart),
            field_locs=self.field_locs(("", top), ("memo.", memo), ("handout.", handout)),
            warnings=tuple(self.warnings),
            recommendations=recommendations,
            organisation=text_value(top["organisation"]),
            citation_style=text_value(top["citation_style"]),
            bibliography=tuple(lib.path for lib in libraries),
            outputs=top["outputs"],
            logo=logo,
        )

    def field_locs(self, *groups: tuple[str, dict]) -> dict[str, Loc]:
        """'memo.to' -> where it stands, for every field present in the read objects."""
        locs = {}
        for prefix, fields in groups:
            for key, node in fields.items():
                if key.endswith("_node") and node is not None:
                    locs[prefix + key.removesuffix("_node")] = self.loc(node)
        return locs

    def read_source(self, node, broken: set[str]) -> Source | None:
        f = self.read(node, "source")
        if not f or f["id"] is None or f["title"] is None:
            if f and f["id"] is not None:
                broken.add(f["id"])
            return None
        fields = (f["id"], f["title"].value, tuple(t.value for t in f["author"] or ()),
                  text_value(f["publisher"]), f["date"], f["url"], f["accessed"])
        return Source(*fields, self.loc(node), inline_item(*fields))

    def read_section(self, node) -> Section | None:
        f = self.read(node, "section")
        if not f or f["heading"] is None or f["body"] is None:
            return None
        figure = None
        if f["figure_node"] is not None:
            figure = self.read_figure(f["figure_node"])
        table = read_table(self, f["table_node"]) if f["table_node"] is not None else None
        chart = read_chart(self, f["chart_node"]) if f["chart_node"] is not None else None
        return Section(f["heading"], f["body"], f["takeaway"], f["bullets"], f["notes"],
                       figure, self.loc(node), table, chart)

    def read_logo(self, node) -> Figure | str | None:
        """The brief's logo: a Figure, NO_LOGO for `logo: none`, or None (the theme's)."""
        if isinstance(node, yaml.ScalarNode) and not _is_null(node) and node.value == "none":
            return NO_LOGO
        if isinstance(node, yaml.ScalarNode) and not _is_null(node):
            self.error(node, f"'logo' must be {{path: ..., alt: ...}} or none, not "
                             f"'{_short(node.value)}'")
            return None
        f = self.read(node, "logo") if node is not None else {}
        if not f or f["path"] is None or f["alt"] is None:
            return None
        path = self.asset(f["path"], "logo")
        if path is not None and path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
            self.error(f["path"].loc, f"logo must be a PNG or JPEG image (slides cannot show "
                                      f"'{path.suffix}')")
            return None
        return Figure(path, f["alt"].value, None, self.loc(node)) if path else None

    def read_figure(self, node) -> Figure | None:
        f = self.read(node, "figure")
        if not f or f["path"] is None or f["alt"] is None:
            return None
        path = self.asset(f["path"], "figure")
        if path is None:
            return None
        return Figure(path, f["alt"].value, f["caption"], self.loc(node))

    def file(self, text: Text, what: str) -> Path | None:
        """A file named by this YAML file: inside its folder (after links), and a regular file."""
        name = text.value
        folder = self.path.parent.resolve()
        if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", name) or name.startswith(("/", "\\")):
            self.error(text.loc, f"{what} path must be relative to the {self.owner}'s folder, "
                                 f"not '{_short(name)}'")
            return None
        try:
            target = (folder / name).resolve()
            inside = target.is_relative_to(folder)
            is_dir, is_file = target.is_dir(), target.is_file()
        except (OSError, RuntimeError) as e:  # a link loop, a name too long for the system
            reason = getattr(e, "strerror", None) or "a loop of links"
            self.error(text.loc, f"{what} '{_short(name)}' cannot be used: {reason}")
            return None
        if not inside:
            self.error(text.loc, f"{what} '{_short(name)}' is outside the {self.owner}'s folder")
            return None
        if is_dir:
            self.error(text.loc, f"{what} '{_short(name)}' is a folder, not a file")
            return None
        if not is_file:
            kind = _kind_of(target)
            if kind:  # a named pipe would hang a read; a device would never end
                self.error(text.loc, f"{what} '{_short(name)}' is {kind}, not a file: give the "
                                     "path of a saved file")
            else:
                self.error(text.loc, f"{what} file not found: {_short(name)}")
            return None
        return target

    def asset(self, text: Text, what: str) -> Path | None:
        """An image named by the brief."""
        target = self.file(text, what)
        if target is None:
            return None
        if target.suffix.lower() not in _IMAGE_TYPES:
            self.error(text.loc, f"{what} must be a PNG, JPEG, GIF or SVG image, not "
                                 f"'{target.suffix or target.name}'")
            return None
        problem = image_problem(target)
        if problem:
            self.error(text.loc, f"{what} {_short(text.value)} {problem}")
            return None
        return target

    def read_libraries(self, names: tuple[Text, ...], inline: dict[str, Source]) -> list:
        """The bibliography files, each read whole (bib.read_library); a key that is in two of
        them, or in one and under sources:, is an error naming both places."""
        libraries, seen = [], {k: s.loc for k, s in inline.items()}
        for name in names:
            path = self.file(name, "bibliography")
            # A file not read: its keys are unknown, and citing them is no second fault.
            self.unread = self.unread or path is None
            if path is None:
                continue
            if path.suffix.lower() not in (".bib", ".json"):
                self.unread = True
                self.error(name.loc, f"bibliography must be a .bib (BibTeX) or .json (CSL-JSON) "
                                     f"file, not '{_short(path.suffix or path.name)}'")
                continue
            shown = beside(self.label, name.value)
            if any(lib.path == path for lib in libraries):
                self.error(name.loc, f"bibliography '{_short(name.value)}' is listed twice")
                continue
            from .bib import read_library  # its parser is imported only for a brief with one

            try:
                library = read_library(path, shown)
            except BriefError as e:
                self.problems.extend(e.problems)
                self.unread = True
                continue
            if library.keys and all(re.match(r"https?://(www\.)?zotero\.org/", k)
                                    for k in library.keys):
                self.zotero_named.append(shown)
            for key, at in library.keys.items():
                if key in seen:
                    self.error(at, f"source id '{key}' is also at {seen[key]}: keep one")
                else:
                    seen[key] = at
            libraries.append(library)
        return libraries

    def cited_entries(self, libraries: list, inline: dict[str, Source]) -> list[Source]:
        """The entries of bibliography files that the brief cites, mapped to sources; the rest
        of a library (often thousands of entries) is never mapped."""
        found = []
        for library in libraries:
            for key in library.keys:
                if key in self.cited and key not in inline:
                    try:
                        found.append(library.source(key))
                    except BriefError as e:
                        self.problems.extend(e.problems)
            self.cited -= set(library.keys)  # a key in two files is mapped once
        return found

    def check_citations(self, text: Text, sources: dict[str, object],
                        broken: set[str] = frozenset(), listed: bool = True,
                        files: list[str] = ()) -> None:
        start = self._line_starts[text.loc.line - 1] + text.loc.col - 1  # where the text starts
        # Each found in the source whole, else (wrapped) by its first word, else at the field.
        for regex, say in ((_PREFIXED_RE, "'{}' looks like a citation with a prefix; write the "
                                          "words outside the brackets: see [@id, p. 4]"),
                           (_UNCLOSED_RE, "citation '{}' has no closing ]"),
                           (_LINK_RE, "link '{}' would print as written: a link needs a full "
                                      "address (https://..., or mailto:...)"),
                           (_UNCLOSED_LINK_RE, "link '{}' has no ] after its text: write "
                                               "[text](address)")):
            pos = start
            for m in regex.finditer(text.value):
                if regex is _LINK_RE and m.group(1).lstrip("<").lower().startswith(
                        ("http://", "https://", "mailto:")):
                    continue
                found = self._find_words(m.group(0), pos)
                pos = found + 1 if found >= 0 else pos
                self.error(self.loc_at(found) if found >= 0 else text.loc,
                           say.format(_short(m.group(0).strip())))
        for m, loc in zip(GROUP_RE.finditer(text.value), text.cite_locs):
            group = m.group(0)
            target = _LINK_TARGET_RE.match(text.value, m.end())
            if target:
                # The number already links to its entry in Sources, which links to the source.
                self.error(loc, f"citation '{_short(group + target.group(0))}' cannot be a "
                                f"link's text: put the link on words and the citation after "
                                f"them: [the report]{target.group(0)} {group}")
                continue
            items = parse_group(group)
            if items is None:
                self.error(loc, f"malformed citation '{_short(group)}': write [@id], "
                                "[@a; @b] or [@id, p. 4]")
                continue
            for source_id, locator in items:
                if locator and _BARE_LABEL_RE.fullmatch(locator):
                    self.error(self._id_loc(loc, group, source_id), f"the locator '{locator}' "
                               f"has no number: write [@{source_id}, {locator} 4]")
                if source_id in sources or source_id in broken:
                    self.cited.add(source_id)
                    continue
                if self.unread:
                    continue
                by_case = {k.lower(): k for k in sources}
                close = ([by_case[source_id.lower()]] if source_id.lower() in by_case
                         else difflib.get_close_matches(source_id, sources, n=1, cutoff=0.75)
                         or sorted(k for k in sources if k.startswith(source_id))[:1])
                where = " or to ".join(["sources:"] + [f"'{f}'" for f in files])
                hint = (f" ('{self.zotero_named[0]}' names its items by Zotero addresses "
                        "(http://zotero.org/...), which a citation cannot spell: export it with "
                        "Better BibTeX as Better CSL JSON, and cite the citation keys)"
                        if self.zotero_named and not close
                        else f" (did you mean '{close[0]}'?)" if close
                        else f" (add it under {where})" if listed or files
                        else " (the brief lists no sources)")
                self.error(self._id_loc(loc, group, source_id),
                           f"unknown source id '{source_id}'{hint}")
        self._warn_bare_ids(text, start, sources)

    def _warn_bare_ids(self, text: Text, start: int, sources: dict[str, Source]) -> None:
        """Warn of '@id' outside brackets where id is a listed source: it prints as typed, and
        the only other sign would be 'never cited' at the source."""
        def bare(value: str):
            blank = lambda g: " " * len(g.group(0))  # noqa: E731
            # Groups, and escaped ones ('\[@b]' prints as '[@b]', as the author asked).
            blanked = _ESCAPED_GROUP_RE.sub(blank, GROUP_RE.sub(blank, value))
            for m in _BARE_ID_RE.finditer(blanked):
                source_id = m.group(1).rstrip(".")  # '... as @crs-r44795.' ends a sentence
                if source_id in sources:
                    yield m.start(), source_id

        found = list(bare(text.value))
        if not found:
            return
        # The same '@id's, in the same order, in the source from where the text starts.
        raw = iter(bare(self.src[start:self._ends.get(text.loc, len(self.src))]))
        for _, source_id in found:
            at = next((i for i, sid in raw if sid == source_id), None)
            loc = self.loc_at(start + at) if at is not None else text.loc
            self.warnings.append(Problem(loc, f"'@{source_id}' looks like a citation without "
                                              f"brackets, and prints as typed: write "
                                              f"[@{source_id}]"))

    def _find_words(self, text: str, pos: int) -> int:
        """Where text stands in the source from pos, its words found across the line breaks and
        indents a YAML value may wrap them with (its first few words, if not all of them); -1
        where it is not found (an escaped value)."""
        words = text.split()
        for count in (len(words), 4, 2, 1):
            if count <= len(words):
                m = re.compile(r"\s+".join(map(re.escape, words[:count]))).search(self.src, pos)
                if m:
                    return m.start()
        return -1

    def _id_loc(self, group_loc: Loc, group: str, source_id: str) -> Loc:
        """Where '@id' stands, when the group is written on one line as in the value."""
        start = self._line_starts[group_loc.line - 1] + group_loc.col - 1
        if self.src[start:start + len(group)] != group:
            return group_loc
        at = re.search("@" + re.escape(source_id) + r"(?![A-Za-z0-9._-])", group)
        return self.loc_at(start + at.start()) if at else group_loc


def beside(label: str, name: str) -> str:
    """How messages name a file a YAML file names: 'data/x.csv' beside 'brief.yaml',
    'briefs/data/x.csv' beside 'briefs/x.yaml', as they name the YAML file itself."""
    return os.path.normpath(os.path.join(os.path.dirname(label), name))


def _read_limited(path: Path, start: Loc, owner: str, limit: int = MAX_BYTES) -> bytes:
    """The file's bytes, if it is a regular file of at most limit bytes. Opened without waiting (a
    named pipe would block until something wrote to it) and judged by what was opened, then read
    no further than one byte past the limit: /dev/zero or a sparse file of gigabytes would
    otherwise be read whole first."""
    try:
        # Judged before it is opened (a device is never opened), then again by what was opened,
        # in case the name was pointed elsewhere between the two.
        _refuse_unless_regular(os.stat(path).st_mode, start, owner)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise BriefError.at(start, "file not found") from None
    except IsADirectoryError:
        raise BriefError.at(start, f"is a folder, not a {owner} file") from None
    except OSError as e:
        raise BriefError.at(start, f"cannot read: {e.strerror}") from None
    try:
        _refuse_unless_regular(os.fstat(fd).st_mode, start, owner)
        os.set_blocking(fd, True)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            size = max(os.fstat(fd).st_size, len(data))
            raise BriefError.at(start, f"file is {size:,} bytes; a {owner} may be at most "
                                       f"{limit:,}")
    except OSError as e:
        raise BriefError.at(start, f"cannot read: {e.strerror}") from None
    finally:
        os.close(fd)
    return data


def _kind_of(path: Path) -> str | None:
    """'a named pipe', 'a socket' or 'a device' for what is there but is not a file; None if
    nothing is."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    return ("a named pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else None)


def _refuse_unless_regular(mode: int, start: Loc, owner: str) -> None:
    if stat.S_ISDIR(mode):
        raise BriefError.at(start, f"is a folder, not a {owner} file")
    if not stat.S_ISREG(mode):
        kind = ("a named pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "a device")
        raise BriefError.at(start, f"is {kind}, not a {owner} file: give the path of a saved file")


def _nonchar(ch: str) -> bool:
    """Unicode noncharacters (U+FFFE, U+FDD0...): not allowed in XML, so no deck could hold them."""
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def _too_deep(text: str) -> int | None:
    """Where [ and { nest deeper than MAX_DEPTH, if they do. PyYAML's parser takes quadratic time
    on deep flow nesting (20,000 levels: minutes), so this is checked before parsing."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    # Quotes are not tracked: a stray apostrophe must not hide the nesting, and 50 brackets
    # inside one string are not worth telling apart.
    depth = 0
    for i, ch in enumerate(text):
        if ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return i
        elif ch in "]}":
            depth = max(depth - 1, 0)
    return None


def image_problem(path: Path) -> str | None:
    """Why an image cannot be printed: read from its header (a huge image is never decoded),
    then decoded (a truncated one is damaged); an SVG with the images it shows from its own
    folder (the engine's fetcher checks the others when it draws)."""
    from .images import MAX_FILE_BYTES, local_follow, raster_problem, svg_problem

    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return f"is {size:,} bytes; an image may have at most {MAX_FILE_BYTES:,}"
    data = path.read_bytes()
    if path.suffix.lower() == ".svg":
        return svg_problem(data, str(path), path.name, path.as_uri(), local_follow(path.parent))
    return raster_problem(data)


def text_value(text: Text | None) -> str | None:
    return text.value if text is not None else None


def _is_null(node: yaml.ScalarNode) -> bool:
    # Plain: None from PyYAML, "" from LibYAML (which read 'subtitle: ~' as the text '~').
    return node.tag == "tag:yaml.org,2002:null" and not node.style


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    return f"'{_short(node.value)}'"


def _short(value: str, limit: int = 60) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[:limit - 1] + "…"
