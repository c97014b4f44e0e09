"""BibTeX and BibLaTeX files (.bib), as Zotero, Better BibTeX, JabRef and Mendeley export them:
every key found cheaply, a cited entry mapped to a CSL-JSON item. The only bibtexparser import."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

from .bib import (DIGITS_RE, DOI_PREFIX_RE, MAX_FIELD, Library, Lines, at_most, source_of,
                  url_problem)
from .errors import BriefError, Loc, Problem
from .latex import latex_text, matching

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


def read_bibtex(text: str, path: Path, shown: str) -> Library:
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
        raise BriefError(at_most(sorted(problems, key=lambda p: (p.loc.line, p.loc.col))))
    return Library(path, shown, keys, _BibMapper(text, shown, entries, macros).map)


def _split(text: str, shown: str) -> tuple[list[tuple], list[Problem]]:
    """Every block (entry, @string, @comment, @preamble) as (kind, key, Loc, start, end); and
    problems with braces and keys. String methods and regular expressions do the work, and no
    Python loop looks at each brace unless a block's braces do not balance: this runs over
    every entry of the file (5,000 in about 55 ms; a first version, with a dataclass per block
    and a regular expression matching each block's nested braces, took 150)."""
    lines = Lines(text, shown)
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
            j = matching(raw, i)
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


# --- one cited entry -> a Source ------------------------------------------------------------


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
        text = {k: latex_text(v[k]) for k in _TEXT_FIELDS if k in v}
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
        doi = DOI_PREFIX_RE.sub("", raw.get("doi", ""))
        if doi:
            item["DOI"] = doi
        if url:
            name = "url" if "url" in fields else "howpublished"
            problem = url_problem(url)
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
            if name.startswith("{") and matching(name, 0) == len(name) - 1:
                out.append({"literal": latex_text(name[1:-1])})  # {World Health Organization}
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
            csl = {k: latex_text(" ".join(p)) for k, p in (
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
            out[csl] = latex_text(value)
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


def _bib_issued(raw: dict[str, str]) -> dict | None:
    if raw.get("date"):
        return _date_value(raw["date"])
    year = raw.get("year", "")
    if not year:
        return None
    month = raw.get("month", "")
    number = _month_number(month) if month else None
    if not DIGITS_RE.fullmatch(year) or (month and number is None):
        return {"literal": " ".join(p for p in (month, year) if p)}
    parts = [int(year)] + ([number] if number else [])
    day = raw.get("day", "")
    if number and DIGITS_RE.fullmatch(day) and 1 <= int(day) <= 31:
        parts.append(int(day))
    return {"date-parts": [parts]}


def _month_number(text: str) -> int | None:
    t = text.strip().rstrip(".").lower()
    if DIGITS_RE.fullmatch(t):
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
