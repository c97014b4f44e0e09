"""Sources as CSL-JSON items: from a brief's own `sources:`, and from bibliography files.

A CSL-JSON item (https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html) is what the
citation style formats (csl.py), whatever the source was written in.
"""
from __future__ import annotations

import re
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


class Lines:
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


def loc_at(text: str, shown: str, pos: int) -> Loc:
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
        raise BriefError.at(loc_at(before, shown, len(before)),
                            f"not UTF-8 text (byte 0x{e.object[e.start]:02X}): save the file as "
                            "UTF-8 (Zotero, JabRef and Mendeley can)") from None
    resolved = path.resolve()
    if kind == ".json":
        from .csljson import read_csl_json

        return read_csl_json(text, resolved, shown)
    # Line ends as editors see them: a file saved with CR alone (old Mac) is many lines, not one.
    from .bibtex import read_bibtex

    return read_bibtex(text.replace("\r\n", "\n").replace("\r", "\n"), resolved, shown)


MAX_PROBLEMS = 50  # said of one file: a file of 200,000 broken entries printed 200,000 lines


def at_most(problems: list[Problem]) -> list[Problem]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS
    return problems[:MAX_PROBLEMS] + [Problem(problems[MAX_PROBLEMS].loc, (
        f"and {rest:,} more problems in this file, not shown: fix these first, or export the "
        "library again"))]


DOI_PREFIX_RE = re.compile(r"(?i)^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)")


def url_problem(url: str) -> str | None:
    """What is wrong with a link the outputs would make clickable ('javascript:...'), as the
    brief's own sources are checked."""
    from .load import _URL_RE, MAX_URL  # load imports this module

    if len(url) > MAX_URL:
        return f"is {len(url):,} characters long; an address may have at most {MAX_URL:,}"
    if not _URL_RE.fullmatch(url):
        shown = url if len(url) <= 60 else url[:59] + "…"
        return f"must be an http:// or https:// address, not '{shown}'"
    return None


# A year, month or day: ASCII digits, few of them ('²⁰²⁰' passes str.isdigit, not int()).
DIGITS_RE = re.compile(r"[0-9]{1,4}")


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
    doi = DOI_PREFIX_RE.sub("", item.get("DOI") or "")
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
