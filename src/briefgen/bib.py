"""Sources as CSL-JSON items: from a brief's own `sources:`, and from bibliography files.

A CSL-JSON item (https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html) is what the
citation style formats (csl.py), whatever the source was written in.
"""
from __future__ import annotations

import json
import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

from .errors import BriefError, Loc, Problem

# Lower-case words a person's name may hold before the surname: 'Ludwig van Beethoven'.
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "das", "do", "dos",
              "du", "la", "le", "bin", "al", "ten", "ter", "zu"}
_SUFFIXES = {"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"}
_ISO_DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def person(name: str) -> dict:
    """'David K. Hausman' -> {'family': 'Hausman', 'given': 'David K.'}; an organisation, or a
    single word, stays whole as a literal name."""
    from .cite import is_organisation

    if name.count(",") == 1 and not is_organisation(name):  # 'Hausman, David K.', as BibTeX
        family, given = (p.strip() for p in name.split(","))
        if family and given and given not in _SUFFIXES:
            return {"family": family, "given": given}
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


# ---------------------------------------------------------------------------------------------
# Bibliography files: a BibTeX/BibLaTeX .bib or a CSL-JSON .json, read once per build.
#
# A user's whole Zotero library may be exported (5,000 entries, 3 MB) while a brief cites twenty,
# so reading a file only finds where each entry stands (keys, @string macros, braces: regular
# expressions over the text) and maps an entry to a CSL-JSON item when it is cited, in
# Library.source. bibtexparser reads one cited entry's fields and names: its parse of a whole
# 5,000-entry file (3 MB) took 1.7 s, and 37 s with its LaTeX decoding and name splitting, where
# the budget is 0.1 s; this reading takes about 55 ms, and under 1 ms per cited entry
# (tests/test_bib.py).
#
# Keys are read as written. A key the brief's [@id] syntax cannot spell (Better BibTeX's
# 'smith:2020', Zotero's own CSL-JSON ids 'http://zotero.org/users/1/items/AB12') is listed in
# Library.keys but can never be cited: that is no error, as a library holds more than a brief uses.
# ---------------------------------------------------------------------------------------------

MAX_LIBRARY_BYTES = 10 * 1024 * 1024
# Characters in one field of a cited entry, as in a brief (load.MAX_TEXT): the LaTeX reader takes
# seconds for a megabyte, and no title or journal is that long.
MAX_FIELD = 50_000
# Braces inside braces in one field of a cited entry: the LaTeX reader recurses once per level
# (10,000 levels is a RecursionError); real titles use two or three.
MAX_NESTING = 50
# Braces in one entry whose braces are looked at one by one (a cited entry, or one that does not
# balance): a million take seconds; a real entry has a few dozen.
MAX_BRACES = 200_000

# A block starts with '@type{' or '@type(' at the start of a line (bibtexparser and biber look for
# it there too, so an '@' in an abstract is text); one that does not is looked for in the text
# between blocks, which BibTeX ignores.
_BLOCK_RE = re.compile(r"@[ \t]*(\w+)[ \t]*([{(])")
_KEY_RE = re.compile(r"[ \t\r\n]*([^\s,{}()\"=#]*)[ \t\r\n]*(.?)", re.S)
_STRING_RE = re.compile(r"\s*([^\s=#{}\"(),]+)\s*=\s*(.*?)\s*\Z", re.S)
_BRACE_RE = re.compile(r"(?<!\\)[{}]")
_PAREN_MARK_RE = re.compile(r'(?<!\\)[{}()"]')
_FIELD_START_RE = re.compile(r"\n[ \t]*[\w-]+[ \t]*=")
_FIELDISH_RE = re.compile(r"[\w-]+[ \t]*=")
_WORD_RE = re.compile(r"[^\s#{}\"',=()]+")
_QUOTE_MARK_RE = re.compile(r'(?<!\\)[{}"]')


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
# BibTeX's own macros: `month = nov` (Zotero writes that) is 'November'.
_MONTH_MACROS = {m[:3]: m.capitalize() for m in _MONTHS}


@dataclass(frozen=True)
class _Block:
    kind: str  # the @type, lower case
    key: str  # the entry's key; for an @string its name
    loc: Loc  # where its '@' stands
    start: int  # offset of the '@'
    end: int  # offset just after its closing brace


@dataclass(frozen=True)
class _Macro:
    parts: tuple  # ("text", str) | ("macro", name)
    loc: Loc


class _Lines:
    """Offset -> Loc, for offsets asked in increasing order (one pass over the text)."""

    def __init__(self, text: str, shown: str):
        self.text, self.shown, self.pos, self.line, self.start = text, shown, 0, 1, 0

    def loc(self, pos: int) -> Loc:
        if pos < self.pos:
            self.pos, self.line, self.start = 0, 1, 0
        self.line += self.text.count("\n", self.pos, pos)
        # The line's start, searched for from the last place only: 200,000 items on one line
        # took 30 s when each search went back to the start of the line.
        self.start = max(self.start, self.text.rfind("\n", self.pos, pos) + 1)
        self.pos = pos
        return Loc(self.shown, self.line, pos - self.start + 1)


def _loc_at(text: str, shown: str, pos: int) -> Loc:
    return Loc(shown, text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos))


class Library:
    """A bibliography file as read: every key and where it stands; cited entries are mapped to
    Sources on demand."""

    def __init__(self, path: Path, shown: str, keys: dict[str, Loc], mapper):
        self.path = path
        self.shown = shown
        self.keys = keys
        self._map = mapper
        self._sources: dict = {}

    def source(self, key: str):
        """The entry as a Source; BriefError with every problem of the entry, located in the
        file. KeyError for a key the file does not hold."""
        if key not in self._sources:
            self._sources[key] = self._map(key)
        return self._sources[key]

    def __repr__(self) -> str:
        return f"Library({self.shown!r}, {len(self.keys)} entries)"


def read_library(path: Path, shown: str, at: Loc | None = None) -> Library:
    """A .bib (BibTeX/BibLaTeX) or .json (CSL-JSON) file. Raises BriefError listing every
    file-level problem; an entry's own problems are raised when it is cited (Library.source).
    `at`, where the brief names the file, locates a file that cannot be opened; by default the
    file's own first line."""
    from .load import _read_limited  # load imports this module

    start = Loc(shown, 1, 1)
    kind = path.suffix.lower()
    if kind not in (".bib", ".json"):
        raise BriefError.at(at or start, f"a bibliography file is a .bib (BibTeX, BibLaTeX) or a "
                                         f".json (CSL-JSON) file, not '{path.suffix or path.name}'")
    data = _read_limited(path, at or start, "bibliography", MAX_LIBRARY_BYTES)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        before = e.object[:e.start].decode("utf-8")
        raise BriefError.at(_loc_at(before, shown, len(before)),
                            f"not UTF-8 text (byte 0x{e.object[e.start]:02X}): save the file as "
                            "UTF-8 (Zotero, JabRef and Mendeley can)") from None
    resolved = path.resolve()
    if kind == ".json":
        return _read_csl_json(text, resolved, shown)
    # Line ends as editors see them: a file saved with CR alone (old Mac) is many lines, not one.
    return _read_bibtex(text.replace("\r\n", "\n").replace("\r", "\n"), resolved, shown)


# --- BibTeX: the cheap pass over the whole file ---------------------------------------------

def _read_bibtex(text: str, path: Path, shown: str) -> Library:
    blocks, problems = _split(text, shown)
    keys: dict[str, Loc] = {}
    entries: dict[str, tuple] = {}  # key -> a _Block's fields: one made when it is cited
    macros: dict[str, _Macro] = {}
    for kind, key, loc, start, end in blocks:
        if kind == "string":
            m = _STRING_RE.match(text, _BLOCK_RE.match(text, start).end(), end - 1)
            parts = _parse_value(m.group(2)) if m else None
            if m is None or isinstance(parts, str):
                problems.append(Problem(loc, "@string is not written 'name = value'" if m is
                                        None else f"@string '{m.group(1)}' {parts}"))
                continue
            macros[m.group(1).lower()] = _Macro(tuple(parts), loc)
        elif kind not in ("comment", "preamble") and key:
            if key in keys:
                problems.append(Problem(loc, f"duplicate key '{key}' (first at line "
                                             f"{keys[key].line})"))
                continue
            keys[key] = loc
            entries[key] = (kind, key, loc, start, end)
    problems += _check_macros(macros)
    if not blocks and text.strip():
        hint = (": it looks like CSL-JSON, so name it .json" if text.lstrip()[:1] in "[{"
                else "")
        problems.append(Problem(Loc(shown), "the file holds no BibTeX entries (@article{key, "
                                            f"...}}){hint}"))
    if problems:
        raise BriefError(_at_most(sorted(problems, key=lambda p: (p.loc.line, p.loc.col))))
    return Library(path, shown, keys, _BibMapper(text, shown, entries, macros).map)


MAX_PROBLEMS = 50  # said of one file: a file of 200,000 broken entries printed 200,000 lines


def _at_most(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS
    return problems[:MAX_PROBLEMS] + [Problem(problems[MAX_PROBLEMS].loc, (
        f"and {rest:,} more problems in this file, not shown: fix these first, or export the "
        "library again"))]


def _split(text: str, shown: str) -> tuple[list[tuple], list[Problem]]:
    """Every block (entry, @string, @comment, @preamble) as (kind, key, Loc, start, end); and
    problems with braces and keys. String methods and regular expressions do the work, and no
    Python loop looks at each brace unless a block's braces do not balance: this runs over
    every entry of the file (5,000 in about 55 ms; a first version, with a dataclass per block
    and a regular expression matching each block's nested braces, took 150)."""
    lines = _Lines(text, shown)
    blocks: list[tuple] = []
    problems: list[Problem] = []
    # Braces after a backslash are text (bibtexparser's rule): where they stand, to take them
    # off the counts; most files have none.
    escaped = ([m.start() for m in re.finditer(r"\\\{", text)],
               [m.start() for m in re.finditer(r"\\\}", text)])
    count, rfind, key_match = text.count, text.rfind, _KEY_RE.match
    starts = []
    # Each line's start is searched for from the last '@' only, and a line is looked at once:
    # 'x @a{k,' repeated on one line of a megabyte took seconds when each '@' looked back.
    line, last = 0, -1
    for m in _BLOCK_RE.finditer(text):
        pos = m.start()
        line = max(line, rfind("\n", max(last, 0), pos) + 1)
        if last < line and (line == pos or text[line:pos].isspace()):
            starts.append(m)
        last = pos
    for i, m in enumerate(starts):
        limit = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        while m is not None:
            kind = m.group(1).lower()
            at = lines.loc(m.start())
            key = ""
            if kind not in ("string", "comment", "preamble"):
                k = key_match(text, m.end(), limit)
                key = k.group(1)
                if not key:
                    problems.append(Problem(at, f"@{m.group(1)} entry has no key"))
                elif k.group(2) not in (",", "}" if m.group(2) == "{" else ")"):
                    problems.append(Problem(at, f"entry '{key}' has no ',' after its key"))
            opener = m.end() - 1
            end = 0
            if m.group(2) == "{" and not (escaped[0] or escaped[1]) and \
                    count("{", opener, limit) == count("}", opener, limit):
                # Balanced up to the next block: it ends at its last '}' (whether a '}' too
                # many ended it earlier is looked at when it is cited, in _BibMapper.map).
                end = rfind("}", opener, limit) + 1
                problem = None
            if not end or text[end - 2] == "\\":
                end, problem = _close(text, opener, limit, escaped)
            if problem:
                pos, message = problem
                problems.append(Problem(lines.loc(pos) if pos >= m.start() else at,
                                        f"{_name(kind, key)} {message}"))
            blocks.append((kind, key, at, m.start(), end))
            if end == limit or text[end:limit].isspace():
                break
            m = _BLOCK_RE.search(text, end, limit)
            stray = _stray(text, end, m.start() if m else limit)
            if stray is not None:
                problems.append(Problem(lines.loc(stray), f"{_name(kind, key)} has a stray '}}'"))
    return blocks, problems


def _name(kind: str, key: str) -> str:
    return f"entry '{key}'" if key else f"@{kind}"


def _close(text: str, opener: int, limit: int, escaped=([], [])) -> tuple[int, tuple | None]:
    """Where the block opened at `opener` ends (just after its closing delimiter), and a
    problem (offset, message) if it never closes before `limit`, the next block's start."""
    if text[opener] == "{":
        opens = text.count("{", opener, limit)
        closes = text.count("}", opener, limit)
        if escaped[0] or escaped[1]:
            opens -= bisect_left(escaped[0], limit) - bisect_left(escaped[0], opener)
            closes -= bisect_left(escaped[1], limit) - bisect_left(escaped[1], opener)
        if opens == closes:
            # Balanced up to the next block: it ends at its last '}' (whether a '}' too many
            # ended it earlier is looked at when it is cited, in _BibMapper.map).
            end = text.rfind("}", opener, limit) + 1
            if text[end - 2] != "\\":
                return end, None
    return _scan(text, opener, limit)


def _scan(text: str, opener: int, limit: int) -> tuple[int, tuple | None]:
    # Brace by brace, for a block whose braces do not balance before the next block starts, a
    # '(' block, or a cited entry (is a '}' too many hidden by a '{' too many?).
    braces = text.count("{", opener, limit) + text.count("}", opener, limit)
    if braces > MAX_BRACES:
        return limit, (opener, f"has {braces:,} braces that do not balance; an entry may have "
                               f"at most {MAX_BRACES:,}")
    paren = text[opener] == "("
    stack = [] if paren else [opener]
    level = 0 if paren else 1  # how deep a field's own braces open
    swallowed = None  # a field's value that holds the next 'name =': its '}' is missing
    quoted = False  # in a "..." value of a (...) block, where a ')' is text
    for m in (_PAREN_MARK_RE if paren else _BRACE_RE).finditer(text, opener + 1, limit):
        c = m.group()
        if c == '"':
            quoted = not quoted if not stack else quoted
        elif c == "{":
            stack.append(m.start())
        elif c == "}":
            if not stack:
                return m.end(), (m.start(), "has a stray '}'")
            start = stack.pop()
            if not stack and not paren:
                return m.end(), None
            if len(stack) == level and swallowed is None and \
                    _FIELD_START_RE.search(text, start, m.start()):
                swallowed = start
        elif c == ")" and paren and not stack and not quoted:
            return m.end(), None
    if swallowed is not None:
        return limit, (swallowed, "has an unclosed '{' (opened here)")
    if len(stack) > level:
        return limit, (stack[-1], "has an unclosed '{' (opened here)")
    return limit, (opener, f"has an unclosed '{text[opener]}' (opened here)")


def _stray(text: str, end: int, until: int) -> int | None:
    """A '}' too many inside an entry ends it early; the rest of its fields then stand between
    blocks, where BibTeX ignores them. The offset of the stray '}', if the text after the entry
    looks like that."""
    rest = text[end:until]
    s = rest.lstrip()
    if not s or not (s[0] in ",}" or _FIELDISH_RE.match(s)):
        return None
    if s[0] == "}":
        return end + len(rest) - len(s)
    return end - 1  # the '}' that closed the entry was the one too many


def _parse_value(raw: str):
    """A field's or @string's value: {...}, "...", a number or a macro name, joined by '#'.
    The parts, or a message saying what is wrong."""
    parts = []
    i, n = 0, len(raw)
    while True:
        while i < n and raw[i].isspace():
            i += 1
        if i >= n:
            return "has an empty value" if not parts else "ends with '#'"
        c = raw[i]
        if c == "{" or c == '"':
            j = _matching(raw, i)
            if j is None:
                return f"has an unclosed {c!r}"
            parts.append(("text", raw[i + 1:j]))
            i = j + 1
        else:
            m = _WORD_RE.match(raw, i)
            if not m:
                return f"has {c!r} where a value should be"
            word = m.group()
            parts.append(("text", word) if word.isdigit() else ("macro", word))
            i = m.end()
        while i < n and raw[i].isspace():
            i += 1
        if i >= n:
            return parts
        if raw[i] != "#":
            rest = " ".join(raw[i:].split())
            rest = rest if len(rest) <= 30 else rest[:29] + "…"
            return f"has '{rest}' after its value: is a ',' missing?"
        i += 1


def _matching(raw: str, i: int) -> int | None:
    # The offset of what closes raw[i] ('{' or '"'); braces inside must balance.
    depth = 0
    quote = raw[i] == '"'
    for m in _QUOTE_MARK_RE.finditer(raw, i + 1 if quote else i):
        c = m.group()
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                return None
            if depth == 0 and not quote:
                return m.start()
        elif quote and depth == 0:
            return m.start()
    return None


def _check_macros(macros: dict[str, _Macro]) -> list[Problem]:
    """@string macros that refer to each other in a loop, or to none that exists (BibTeX would
    print nothing there). A walk with its own stack: a chain of thousands is no RecursionError."""
    problems = []
    state: dict[str, int] = {}  # 1: on the path, 2: done
    for root in macros:
        if root in state:
            continue
        path = [root]
        todo = [iter(_refs(macros[root]))]
        state[root] = 1
        while todo:
            ref = next(todo[-1], None)
            if ref is None:
                state[path.pop()] = 2
                todo.pop()
                continue
            low = ref.lower()
            if low not in macros:
                if low not in _MONTH_MACROS:
                    problems.append(Problem(macros[path[-1]].loc, f"@string '{path[-1]}' uses "
                                                                  f"undefined @string '{ref}'"))
            elif state.get(low) == 1:
                loop = path[path.index(low):] + [low]
                first = min(loop, key=lambda k: (macros[k].loc.line, macros[k].loc.col))
                message = (f"@string '{low}' refers to itself" if len(loop) == 2 else
                           "@string macros refer to each other in a loop: " + " -> ".join(loop))
                problems.append(Problem(macros[first].loc, message))
            elif low not in state:
                state[low] = 1
                path.append(low)
                todo.append(iter(_refs(macros[low])))
    return problems


def _refs(macro: _Macro) -> list[str]:
    return [p for kind, p in macro.parts if kind == "macro"]


# --- BibTeX: one cited entry -> a Source -----------------------------------------------------

_TYPES = {"article": "article-journal", "report": "report", "techreport": "report",
          "book": "book", "mvbook": "book", "proceedings": "book", "inbook": "chapter",
          "incollection": "chapter", "bookinbook": "chapter", "inproceedings": "paper-conference",
          "conference": "paper-conference", "thesis": "thesis", "phdthesis": "thesis",
          "mastersthesis": "thesis", "online": "webpage", "webpage": "webpage",
          "electronic": "webpage", "www": "webpage", "jurisdiction": "legal_case",
          "legislation": "bill", "bill": "bill", "unpublished": "manuscript"}
_LEGAL = ("legal_case", "bill")
_THESIS_GENRE = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}
_NAME_FIELDS = ("author", "editor")
# Printed as typed, braces and escapes aside: no LaTeX in them (biblatex reads them verbatim).
_VERBATIM_FIELDS = ("url", "doi", "isbn", "issn", "date", "urldate", "year", "month", "day")
_TEXT_FIELDS = ("title", "subtitle", "journal", "journaltitle", "booktitle", "publisher",
                "institution", "organization", "school", "court", "authority", "address",
                "location", "volume", "number", "issue", "pages", "edition", "series", "type",
                "howpublished")
_ISO_RE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_DOI_PREFIX_RE = re.compile(r"(?i)^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)")
_HOWPUBLISHED_URL_RE = re.compile(r"\\url\{([^{}\s]+)\}")
# '27262-27267' has an en dash as '27262--27267' does; 'S-12' and 'A-1' keep their hyphens.
_PAGE_RANGE_RE = re.compile(r"(?<=\d)\s*-+\s*(?=\d)")


class _BibMapper:
    def __init__(self, text: str, shown: str, entries: dict[str, tuple],
                 macros: dict[str, _Macro]):
        self.text, self.shown, self.entries, self.macros = text, shown, entries, macros
        self.expanded: dict[str, str | None] = {}  # None: longer than MAX_FIELD

    def map(self, key: str):
        b = _Block(*self.entries[key])
        raw = self.text[b.start:b.end]
        braces = raw.count("{") + raw.count("}")
        if braces > MAX_BRACES:
            raise BriefError.at(b.loc, f"entry '{key}' has {braces:,} braces; an entry may have "
                                       f"at most {MAX_BRACES:,}")
        # The file's braces balanced up to the next entry; a '}' too many with a '{' too many
        # after it balances too, and is found here, where each brace is looked at.
        end, _ = _scan(self.text, _BLOCK_RE.match(self.text, b.start).end() - 1, b.end)
        stray = _stray(self.text, end, b.end) if end < b.end else None
        if stray is not None:
            raise BriefError.at(self.loc_in(b, raw, stray - b.start),
                                f"entry '{key}' has a stray '}}'")
        problems: list[Problem] = []
        fields = self.read_fields(b, raw, problems)
        values: dict[str, str] = {}
        for name, (value, loc) in fields.items():
            if name in _NAME_FIELDS or name in _VERBATIM_FIELDS or name in _TEXT_FIELDS:
                expanded = self.expand(key, name, value, loc, problems)
                if expanded is not None:
                    values[name] = expanded
        item = self.item(b, values, fields, problems)
        if not item.get("title", "").strip() and not any(
                p.message.startswith((f"entry '{key}' field 'title'",
                                      f"entry '{key}' could not be read")) for p in problems):
            problems.append(Problem(b.loc, f"entry '{key}' has no title"))
        if problems:
            raise BriefError(problems)
        return source_of(item, b.loc)

    def read_fields(self, b: _Block, raw: str, problems: list[Problem]) -> dict:
        """name -> (value as written, where its name stands), through bibtexparser."""
        from bibtexparser.model import DuplicateFieldKeyBlock, Entry, ParsingFailedBlock

        blocks = _bibtexparser_split(raw)
        fields: dict = {}
        for block in blocks:
            if isinstance(block, DuplicateFieldKeyBlock):
                block = block.ignore_error_block  # the entry: its fields are said twice below
            elif isinstance(block, ParsingFailedBlock):
                reason = getattr(block.error, "abort_reason", str(block.error))
                end = getattr(block.error, "end_index", 1) - 1
                problems.append(Problem(self.loc_in(b, raw, max(0, min(end, len(raw) - 1))),
                                        f"entry '{b.key}' could not be read: "
                                        f"{reason.replace('`', chr(39)).strip()}"))
                continue
            if not isinstance(block, Entry):
                continue
            line_starts = [0] + [m.end() for m in re.finditer("\n", raw)]
            for f in block.fields:
                name = f.key.lower()
                ls = line_starts[min(f.start_line, len(line_starts) - 1)]
                m = re.compile(re.escape(f.key) + r"\s*=").search(raw, ls)
                loc = self.loc_in(b, raw, m.start() if m else ls)
                if name in fields:
                    problems.append(Problem(loc, f"entry '{b.key}' has two '{name}' fields"))
                    continue
                fields[name] = (f.value, loc)
        return fields

    def loc_in(self, b: _Block, raw: str, pos: int) -> Loc:
        line = raw.count("\n", 0, pos)
        col = pos - raw.rfind("\n", 0, pos) if line else b.loc.col + pos
        return Loc(self.shown, b.loc.line + line, col)

    def expand(self, key: str, name: str, value, loc: Loc, problems: list) -> str | None:
        """The field's LaTeX, its @string macros replaced; None after a problem."""
        said = f"entry '{key}' field '{name}'"
        if not isinstance(value, str):
            value = str(value)
        if len(value) > MAX_FIELD:
            problems.append(Problem(loc, f"{said} is {len(value):,} characters; a field may be "
                                         f"at most {MAX_FIELD:,}"))
            return None
        depth = deepest = 0
        for m in _BRACE_RE.finditer(value):
            depth += 1 if m.group() == "{" else -1
            deepest = max(deepest, depth)
        if deepest > MAX_NESTING + 1:  # the braces around the value are not nesting
            problems.append(Problem(loc, f"{said} has braces nested more than {MAX_NESTING} "
                                         "deep"))
            return None
        parts = _parse_value(value)
        if isinstance(parts, str):
            problems.append(Problem(loc, f"{said} {parts}"))
            return None
        out = []
        for kind, part in parts:
            if kind == "macro":
                low = part.lower()
                if low in self.macros:
                    part = self.expand_macro(low)
                elif low in _MONTH_MACROS:
                    part = _MONTH_MACROS[low]
                else:
                    problems.append(Problem(loc, f"{said} uses undefined @string '{part}'"))
                    return None
                if part is None:
                    problems.append(Problem(loc, f"{said} is longer than {MAX_FIELD:,} "
                                                 "characters with its @string macros"))
                    return None
            out.append(part)
        text = "".join(out)
        if len(text) > MAX_FIELD:
            problems.append(Problem(loc, f"{said} is longer than {MAX_FIELD:,} characters with "
                                         "its @string macros"))
            return None
        return text

    def expand_macro(self, name: str) -> str | None:
        # Macros were checked for loops and undefined names when the file was read; the walk
        # keeps its own stack, and a macro that grows past MAX_FIELD ('a # a # a ...' nested:
        # billions of characters) is None, never built.
        stack = [name]
        while stack:
            n = stack[-1]
            if n in self.expanded:
                stack.pop()
                continue
            refs = [p.lower() for kind, p in self.macros[n].parts if kind == "macro"]
            todo = [r for r in refs if r in self.macros and r not in self.expanded]
            if todo:
                stack.extend(todo)
                continue
            values = [p if kind == "text" else self.expanded.get(p.lower()) if p.lower() in
                      self.macros else _MONTH_MACROS.get(p.lower(), "")
                      for kind, p in self.macros[n].parts]
            if any(v is None for v in values) or sum(map(len, values)) > MAX_FIELD:
                self.expanded[n] = None
            else:
                self.expanded[n] = "".join(values)
            stack.pop()
        return self.expanded[name]

    def item(self, b: _Block, v: dict[str, str], fields: dict, problems: list) -> dict:
        """The CSL-JSON item of an entry's expanded fields."""
        text = {k: _latex(v[k]) for k in _TEXT_FIELDS if k in v}
        raw = {k: _verbatim(v[k]) for k in _VERBATIM_FIELDS if k in v}
        url = raw.get("url") or None
        if not url and "howpublished" in v:
            m = _HOWPUBLISHED_URL_RE.search(v["howpublished"])
            url = m.group(1) if m else None
        kind = _TYPES.get(b.kind) or ("webpage" if b.kind == "misc" and url else "document")
        item: dict = {"id": b.key, "type": kind}
        title = text.get("title", "")
        if title and text.get("subtitle"):
            title = f"{title}: {text['subtitle']}"
        if title:
            item["title"] = title
        for name in _NAME_FIELDS:
            if name in v:
                names = self.names(b.key, name, v[name], fields[name][1], problems)
                if names:
                    item[name] = names
        container = text.get("journaltitle") or text.get("journal") or text.get("booktitle")
        if container:
            item["container-title"] = container
        body = text.get("institution") or text.get("court") or text.get("authority") or \
            text.get("school") or text.get("organization")
        if kind in _LEGAL:
            if body:
                item["authority"] = body
            if text.get("publisher"):
                item["publisher"] = text["publisher"]
        elif text.get("publisher") or body:
            item["publisher"] = text.get("publisher") or body
        place = text.get("location") or text.get("address")
        if place:
            item["publisher-place"] = place
        issued = _bib_issued(raw)
        if issued:
            item["issued"] = issued
        if raw.get("urldate"):
            item["accessed"] = _date_value(raw["urldate"])
        if text.get("volume"):
            item["volume"] = text["volume"]
        if text.get("number"):
            item["issue" if kind == "article-journal" and "issue" not in text else "number"] = \
                text["number"]
        if text.get("issue"):
            item["issue"] = text["issue"]
        if text.get("pages"):
            item["page"] = _PAGE_RANGE_RE.sub("–", text["pages"])
        for name, csl in (("edition", "edition"), ("series", "collection-title")):
            if text.get(name):
                item[csl] = text[name]
        genre = text.get("type") or _THESIS_GENRE.get(b.kind)
        if genre:
            item["genre"] = genre
        for name, csl in (("isbn", "ISBN"), ("issn", "ISSN")):
            if raw.get(name):
                item[csl] = raw[name]
        doi = _DOI_PREFIX_RE.sub("", raw.get("doi", ""))
        if doi:
            item["DOI"] = doi
        if url:
            name = "url" if "url" in fields else "howpublished"
            problem = _url_problem(url)
            if problem:
                problems.append(Problem(fields[name][1], f"entry '{b.key}' field '{name}' "
                                                         f"{problem}"))
                url = None
        if url:  # a DOI alone stays the DOI: every style prints it its own way
            item["URL"] = url
        return item

    def names(self, key: str, field: str, value: str, loc: Loc, problems: list) -> list[dict]:
        from bibtexparser.middlewares.names import (parse_single_name_into_parts,
                                                    split_multiple_persons_names)
        out = []
        for name in split_multiple_persons_names(value):
            name = name.strip()
            if not name or name.lower() == "others":  # 'and others': the style says et al.
                continue
            if name.startswith("{") and _matching(name, 0) == len(name) - 1:
                out.append({"literal": _latex(name[1:-1])})  # {World Health Organization}
                continue
            extended = _extended_name(name)
            if extended is not None:
                out.append(extended)
                continue
            try:
                parts = parse_single_name_into_parts(name, strict=False)
            except ValueError:
                problems.append(Problem(loc, f"entry '{key}' field '{field}' has a name that "
                                             f"cannot be read: '{name}'"))
                continue
            csl = {k: _latex(" ".join(p)) for k, p in (
                ("family", parts.last), ("given", parts.first),
                ("non-dropping-particle", parts.von), ("suffix", parts.jr)) if p}
            out.append(csl)
        return out


_EXTENDED_RE = re.compile(r"\s*(family|given|prefix|suffix|useprefix)\s*=\s*")


def _extended_name(name: str) -> dict | None:
    """biblatex's extended name format, as Better BibTeX writes a name with a particle:
    'family=Beethoven, given=Ludwig, prefix=van, useprefix=true'."""
    if not _EXTENDED_RE.match(name):
        return None
    out = {}
    for part in re.split(r",(?![^{}]*\})", name):
        m = _EXTENDED_RE.match(part)
        if not m:
            return None
        value = part[m.end():].strip()
        csl = {"family": "family", "given": "given", "prefix": "non-dropping-particle",
               "suffix": "suffix"}.get(m.group(1))
        if csl and value:
            out[csl] = _latex(value)
    return out if out.get("family") else None


def _bibtexparser_split(raw: str) -> list:
    import logging

    from bibtexparser.splitter import Splitter

    # Its parse problems come back as blocks, and are said as ours: not also as log lines.
    log = logging.getLogger("bibtexparser")
    if not log.handlers:
        log.addHandler(logging.NullHandler())
        log.propagate = False
    return Splitter(raw).split().blocks


def _url_problem(url: str) -> str | None:
    """What is wrong with a link the outputs would make clickable ('javascript:...'), as the
    brief's own sources are checked."""
    from .load import _URL_RE, MAX_URL  # load imports this module

    if len(url) > MAX_URL:
        return f"is {len(url):,} characters long; an address may have at most {MAX_URL:,}"
    if not _URL_RE.fullmatch(url):
        shown = url if len(url) <= 60 else url[:59] + "…"
        return f"must be an http:// or https:// address, not '{shown}'"
    return None


def _bib_issued(raw: dict[str, str]) -> dict | None:
    if raw.get("date"):
        return _date_value(raw["date"])
    year = raw.get("year", "")
    if not year:
        return None
    month = raw.get("month", "")
    number = _month_number(month) if month else None
    if not _DIGITS_RE.fullmatch(year) or (month and number is None):
        return {"literal": " ".join(p for p in (month, year) if p)}
    parts = [int(year)] + ([number] if number else [])
    day = raw.get("day", "")
    if number and _DIGITS_RE.fullmatch(day) and 1 <= int(day) <= 31:
        parts.append(int(day))
    return {"date-parts": [parts]}


# A year, month or day: ASCII digits, few of them ('²⁰²⁰' passes str.isdigit, not int()).
_DIGITS_RE = re.compile(r"[0-9]{1,4}")


def _month_number(text: str) -> int | None:
    t = text.strip().rstrip(".").lower()
    if _DIGITS_RE.fullmatch(t):
        return int(t) if 1 <= int(t) <= 12 else None
    for i, name in enumerate(_MONTHS, 1):
        if len(t) >= 3 and name.startswith(t):
            return i
    return None


def _date_value(text: str) -> dict:
    """biblatex's ISO dates ('2020-11-03', '2017-02', '2022', a range with '/') as date-parts;
    anything else prints as typed."""
    ranges = text.split("/")
    parts = []
    for piece in ranges:
        m = _ISO_RE.fullmatch(piece.strip())
        if not m or len(ranges) > 2:
            return {"literal": text}
        p = [int(g) for g in m.groups() if g is not None]
        if (len(p) > 1 and not 1 <= p[1] <= 12) or (len(p) > 2 and not 1 <= p[2] <= 31):
            return {"literal": text}
        parts.append(p)
    return {"date-parts": parts}


def _verbatim(text: str) -> str:
    # Mendeley writes 'a{\_}b' in a URL, Zotero '\%'; biblatex reads these fields as typed.
    text = text.replace("\\url{", "{")
    text = re.sub(r"(?<!\\)[{}]", "", text)
    text = re.sub(r"\\([_%&#$~])", r"\1", text)
    return " ".join(text.split())


# --- LaTeX -> text ---------------------------------------------------------------------------

# The commands read as text; any other prints as typed, arguments and all: `\input{/etc/passwd}`
# shows as that, and pylatexenc, which would drop it (or read the file, with an input folder
# set), never sees it. `\today` would print the build's date.
_DENIED = {"input", "include", "includeonly", "today", "href", "cite", "citep", "citet", "ref",
           "eqref", "autoref", "cref", "Cref", "includegraphics"}
_SAFE_EXTRAS = {"emph", "textbf", "textit", "textrm", "textsc", "textsl", "text", "url",
                "underline", "S", "P", "euro", "NoCaseChange", "nocase", "mkbibemph",
                "mkbibitalic", "mkbibbold"}
_COMMAND_RE = re.compile(r"\\([A-Za-z]+)\*?")
_PLACEHOLDER_RE = re.compile("\ue000(\\d+)\ue001")
_decoder = None
_allowed: set[str] = set()


# The LaTeX that JabRef and Mendeley write for letters (M{\\"u}ller, Mart{\\'\\i}nez, {\\ss}): read
# here, as pylatexenc reads it, at a hundredth of its cost (it takes half a millisecond a field).
_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
            "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
            "c": "\u0327", "k": "\u0328", "r": "\u030a"}
_ACCENT_RE = re.compile(r"\\(?:([`'^\"~=.])|([uvHckr])(?=[{\s]))\s*(?:\{\s*(\\?[A-Za-z])\s*\}|"
                        r"(\\?[A-Za-z])(?![A-Za-z]))")
_LETTERS = {"ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å",
            "AA": "Å", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ"}
_LETTER_RE = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|[oOlLij])(?![A-Za-z])(?:\{\}|[ \t]*)")
_ESCAPE_RE = re.compile(r"\\([&%$#_])")


def _plain_accents(text: str) -> str:
    def accent(m: re.Match) -> str:
        letter = m.group(3) or m.group(4)
        base = {"\\i": "i", "\\j": "j"}.get(letter, letter)
        return base + _ACCENTS[m.group(1) or m.group(2)] if len(base) == 1 else m.group()

    text = _ACCENT_RE.sub(accent, text)
    text = _LETTER_RE.sub(lambda m: _LETTERS[m.group(1)], text)
    return unicodedata.normalize("NFC", _ESCAPE_RE.sub(r"\1", text))


def _latex(text: str) -> str:
    """A field's LaTeX as Unicode text: {\\"u} is ü, -- an en dash, ~ a no-break space, braces
    go and the case inside them stays."""
    if "\\" in text and "$" not in text:
        plain = _plain_accents(text)
        if "\\" not in plain:  # else pylatexenc reads what was written: '\\%' is no comment
            text = plain
    if "\\" not in text and "$" not in text:
        # Most fields (Better BibTeX writes Unicode, or the letters above): no LaTeX reader.
        out = re.sub(r"[{}]", "", text)
        for a, b in (("---", "—"), ("--", "–"), ("~", "\u00a0"), ("``", "“"), ("''", "”")):
            out = out.replace(a, b)
    else:
        out = _latex_slow(text)
    return re.sub(r"[ \t\r\n]+", " ", out).strip()


def _latex_slow(text: str) -> str:
    decoder = _latex_decoder()
    kept: list[str] = []

    def keep(m: re.Match) -> str:
        if m.group(1) in _allowed:
            return m.group()
        end = m.end()
        digits = re.match(r"\d+", text[end:end + 20])  # \write18
        if digits:
            end += digits.end()
        while True:  # its arguments: {...} and [...], as typed
            j = end
            while j < len(text) and text[j] in " \t":
                j += 1
            if j < len(text) and text[j] == "{":
                close = _matching(text, j)
            elif j < len(text) and text[j] == "[":
                close = text.find("]", j)
                close = None if close < 0 else close
            else:
                break
            if close is None:
                break
            end = close + 1
        kept.append(text[m.start():end])
        return f"\ue000{len(kept) - 1}\ue001"

    # One pass: a kept command's arguments are not looked into again.
    pieces, pos = [], 0
    for m in _COMMAND_RE.finditer(text):
        if m.start() < pos or (m.start() > 0 and _backslashes_before(text, m.start()) % 2):
            continue
        marker = keep(m)
        if marker == m.group():
            continue
        pieces.append(text[pos:m.start()])
        pieces.append(marker)
        pos = m.start() + len(kept[-1])
    pieces.append(text[pos:])
    protected = "".join(pieces)
    try:
        out = decoder.latex_to_text(protected)
    except Exception:  # noqa: BLE001 - a third-party reader's failure: keep the text as typed
        out = re.sub(r"(?<!\\)[{}]", "", protected)
    return _PLACEHOLDER_RE.sub(lambda m: kept[int(m.group(1))], out)


def _backslashes_before(text: str, pos: int) -> int:
    n = 0
    while pos - n - 1 >= 0 and text[pos - n - 1] == "\\":
        n += 1
    return n


def _latex_decoder():
    global _decoder
    if _decoder is None:
        import logging

        from pylatexenc.latex2text import (LatexNodes2Text, MacroTextSpec,
                                           get_default_latex_context_db)

        # It logs a macro it cannot fill ('\url' alone) to stderr; the text is kept as typed.
        log = logging.getLogger("pylatexenc")
        log.addHandler(logging.NullHandler())
        log.propagate = False

        db = get_default_latex_context_db()
        db.add_context_category("briefgen", prepend=True, macros=[
            MacroTextSpec("url", simplify_repl="%s"), MacroTextSpec("S", simplify_repl="§"),
            MacroTextSpec("P", simplify_repl="¶"), MacroTextSpec("euro", simplify_repl="€"),
            *(MacroTextSpec(n, simplify_repl="") for n in ("NoCaseChange", "nocase",
                                                           "mkbibemph", "mkbibitalic",
                                                           "mkbibbold"))])
        for category in ("latex-base", "advanced-symbols"):
            _allowed.update(s.macroname for s in db.iter_macro_specs([category]))
        _allowed.update(_SAFE_EXTRAS)
        _allowed.difference_update(_DENIED)
        _decoder = LatexNodes2Text(latex_context=db, math_mode="text", keep_braced_groups=False)
    return _decoder


# --- CSL-JSON ----------------------------------------------------------------------------------

def source_of(item: dict, loc: Loc):
    """The Source of a CSL-JSON item: its flat fields read from the item. A control character
    or half a surrogate pair in its text is refused, as in a brief: it would print as a box,
    move a terminal's cursor in a message, or stop the build when encoded."""
    from .model import Source

    for name, value in item.items():
        for text in _strings(value):
            found = _UNPRINTABLE_RE.search(text)
            if found:
                raise BriefError.at(loc, f"entry '{item['id']}' field '{name}' has an "
                                         f"unprintable character U+{ord(found.group()):04X}: "
                                         "remove it")

    authors = tuple(display_name(n) for n in item.get("author", ()))
    publisher = item.get("container-title") or item.get("publisher") or item.get("authority")
    # A DOI alone links to doi.org; the item keeps it as a DOI, which each style prints its own
    # way (a URL made of it too printed it twice in Vancouver).
    doi = _DOI_PREFIX_RE.sub("", item.get("DOI") or "")
    url = item.get("URL") or (f"https://doi.org/{doi}" if doi else None)
    # The flat fields are plain text (handout, footers); the item keeps a CSL-JSON field's
    # markup for the style ('<i>Homo sapiens</i>').
    publisher = publisher and _plain_markup(publisher)
    return Source(item["id"], _plain_markup(item.get("title", "")), tuple(a for a in authors if a),
                  publisher or None, iso_date(item.get("issued")), url,
                  iso_date(item.get("accessed")), loc, item=item, library=True)


_MARKUP_RE = re.compile(r'</?(?:i|b|sub|sup)>|<span class="nocase">|'
                        r'<span style="font-variant:\s*small-caps;?">|</span>')


def _plain_markup(text: str) -> str:
    return _MARKUP_RE.sub("", text) if "<" in text else text


def _strings(value):
    """Every text in a CSL-JSON value: a field's, a name's parts, a date's literal."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


# C0 and C1 controls (not tab and line ends), DEL, and surrogates ("\ud800" in JSON is one).
_UNPRINTABLE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def display_name(name: dict) -> str:
    """'David K. Hausman' from {'family': 'Hausman', 'given': 'David K.'}."""
    if name.get("literal"):
        return str(name["literal"])
    return " ".join(str(name[k]) for k in ("given", "dropping-particle", "non-dropping-particle",
                                           "family", "suffix") if name.get(k))


def iso_date(value: dict | None) -> str | None:
    """'2020-11-03', '2017-02', '2022' from date-parts (a range: 'a/b'); a literal as typed."""
    if not value:
        return None
    if "date-parts" in value:
        dates = ["-".join(f"{int(p):04d}" if i == 0 else f"{int(p):02d}"
                          for i, p in enumerate(parts)) for parts in value["date-parts"] if parts]
        return "/".join(dates) or None
    return value.get("literal") or value.get("raw") or None


_JSON_SPACE_RE = re.compile(r"[ \t\n\r]*")
_JSON_TYPES = {dict: "an object", list: "a list", str: "text", int: "a number", float: "a number",
               bool: "true or false", type(None): "null"}


def _read_csl_json(text: str, path: Path, shown: str) -> Library:
    """A JSON list of CSL-JSON items, as Zotero's 'Export -> CSL JSON' writes it. Each item is
    decoded on its own (raw_decode), so its place in the file is known. Decoding every item is
    most of the time: about 35 ms a megabyte here (5,000 Zotero items, 3.75 MB: 140 ms), as much
    as json.loads of the whole file takes."""
    decoder = json.JSONDecoder()
    lines = _Lines(text, shown)
    pos = _JSON_SPACE_RE.match(text).end()
    if pos == len(text):
        return Library(path, shown, {}, {}.__getitem__)  # an empty file: no entries
    items: list[tuple[int, object]] = []
    try:
        if text[pos] != "[":
            value, _ = decoder.raw_decode(text, pos)
            raise BriefError.at(lines.loc(pos), f"a CSL-JSON file holds a list of items ([...]), "
                                                f"not {_JSON_TYPES.get(type(value), 'that')}")
        pos = _JSON_SPACE_RE.match(text, pos + 1).end()
        if text[pos:pos + 1] == "]":
            pos += 1
        else:
            while True:
                value, end = decoder.raw_decode(text, pos)
                items.append((pos, value))
                pos = _JSON_SPACE_RE.match(text, end).end()
                if text[pos:pos + 1] == "]":
                    pos += 1
                    break
                if text[pos:pos + 1] != ",":
                    raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
                pos = _JSON_SPACE_RE.match(text, pos + 1).end()
        pos = _JSON_SPACE_RE.match(text, pos).end()
        if pos != len(text):
            raise json.JSONDecodeError("Extra data", text, pos)
    except json.JSONDecodeError as e:
        raise BriefError.at(Loc(shown, e.lineno, e.colno), f"not JSON: {e.msg}") from None
    except ValueError:  # Python's limit on a number's digits (4,300)
        raise BriefError.at(lines.loc(pos), "not CSL-JSON: a number of thousands of "
                                            "digits") from None
    except RecursionError:
        raise BriefError.at(lines.loc(pos), "not CSL-JSON: nested too deep") from None
    problems: list[Problem] = []
    keys: dict[str, Loc] = {}
    found: dict[str, tuple[dict, int]] = {}
    for n, (start, value) in enumerate(items, 1):
        loc = lines.loc(start)
        if not isinstance(value, dict):
            problems.append(Problem(loc, f"item {n} is {_JSON_TYPES.get(type(value))}, not an "
                                         "object ({...})"))
            continue
        if "id" not in value:
            problems.append(Problem(loc, f"item {n} has no 'id'"))
            continue
        key = value["id"]
        if not isinstance(key, str) or not key.strip():
            problems.append(Problem(loc, f"item {n} has an 'id' that is not text: "
                                         f"{json.dumps(key)[:40]}"))
            continue
        if key in keys:
            problems.append(Problem(loc, f"duplicate id '{key}' (first at line "
                                         f"{keys[key].line})"))
            continue
        keys[key] = loc
        found[key] = (value, start)
    if problems:
        raise BriefError(_at_most(problems))

    def to_source(key: str):
        value, start = found[key]
        return _csl_source(value, start, keys[key], text, shown)

    return Library(path, shown, keys, to_source)


def _csl_source(value: dict, start: int, loc: Loc, text: str, shown: str):
    """A cited CSL-JSON item as a Source; BriefError for fields of the wrong shape."""
    key = value["id"]
    problems: list[Problem] = []
    item = json.loads(json.dumps(value))  # a copy: the Source keeps it

    def bad(name: str, message: str) -> None:
        # Where the field's name stands, when the item's text shows it; else the item's start.
        m = re.compile(r'"' + re.escape(name) + r'"\s*:').search(text, start)
        at = _loc_at(text, shown, m.start()) if m else loc
        problems.append(Problem(at, f"item '{key}' field '{name}' {message}"))

    title = item.get("title")
    if not isinstance(title, str) or not title.strip():
        if title is None or isinstance(title, str):
            problems.append(Problem(loc, f"item '{key}' has no title"))
        else:
            bad("title", "must be text")
    for name in ("author", "editor"):
        names = item.get(name)
        if names is None:
            continue
        if not isinstance(names, list) or not all(
                isinstance(n, dict) and all(isinstance(v, (str, int, bool)) for v in n.values())
                and (n.get("family") or n.get("literal")) for n in names):
            bad(name, 'must be a list of names ({"family": ..., "given": ...} or '
                      '{"literal": ...})')
    for name in ("issued", "accessed"):
        date = item.get(name)
        if date is None:
            continue
        fixed = _csl_date(date)
        if fixed is None:
            bad(name, 'must be a date ({"date-parts": [[2020, 11, 3]]} or {"literal": ...})')
        else:
            item[name] = fixed
    for name in ("container-title", "publisher", "authority", "URL", "DOI"):
        if name in item and not isinstance(item[name], str):
            bad(name, "must be text")
    if isinstance(item.get("URL"), str):
        problem = _url_problem(item["URL"])
        if problem:
            bad("URL", problem)
    for name, value in item.items():  # as in a .bib: no title or journal is a megabyte long
        size = len(value) if isinstance(value, str) else len(json.dumps(value, ensure_ascii=False))
        if size > MAX_FIELD:
            bad(name, f"is {size:,} characters; a field may be at most {MAX_FIELD:,}")
    if problems:
        raise BriefError(problems)
    if isinstance(item.get("DOI"), str):  # 'https://doi.org/10.1/x' is the DOI 10.1/x
        item["DOI"] = _DOI_PREFIX_RE.sub("", item["DOI"].strip())
    return source_of(item, loc)


def _csl_date(date) -> dict | None:
    """The date with numbers for numbers (Zotero writes "2020" in date-parts at times), or None
    for a shape that is no CSL date."""
    if not isinstance(date, dict):
        return None
    if "date-parts" not in date:
        return date if any(isinstance(date.get(k), str) for k in ("literal", "raw")) else None
    parts = date["date-parts"]
    if not isinstance(parts, list) or not 1 <= len(parts) <= 2:
        return None
    fixed = []
    for p in parts:
        if not isinstance(p, list) or not 1 <= len(p) <= 3 or not all(
                isinstance(x, int) and not isinstance(x, bool) or
                isinstance(x, str) and _DIGITS_RE.fullmatch(x.strip()) for x in p):
            return None
        p = [int(x) for x in p]
        # A year of twenty digits, month 13 or day 45 is no date a style can print.
        if abs(p[0]) > 9999 or (len(p) > 1 and not 1 <= p[1] <= 12) or \
                (len(p) > 2 and not 1 <= p[2] <= 31):
            return None
        fixed.append(p)
    return {**date, "date-parts": fixed}
