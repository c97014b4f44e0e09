"""Reference entries through a CSL citation style (citeproc-py); the only module that imports it.

A style is a bundled name (styles/) or a .csl file beside the brief or in the theme. find_style
reads and checks it once; format_references gives each Ref its entry, as a Para without the
style's own number (every output prints briefgen's shared '[n] ' before it), and, for an
author-date style, its in-text form ('Hausman, 2020') for slide footers.

citeproc-py's import takes about 20 ms (80 ms if lxml is not loaded yet) and a cold run of a
large style over 13 sources a third of a second (Chicago), so the entries are kept in the cache
folder: a build whose sources, style and language are unchanged never imports it.
"""
from __future__ import annotations

import hashlib
import html
import json
import os
import re
from dataclasses import dataclass, replace
from itertools import groupby
from pathlib import Path

from .errors import BriefError, Loc
from .model import Para, Ref, Span
from .typography import smarten

DEFAULT_STYLE = "briefgen"
BUNDLED = ("briefgen", "ieee", "apa", "chicago-author-date", "vancouver")
MAX_STYLE_BYTES = 1_000_000  # Chicago, the largest bundled style, is 168 kB
CSL_NS = "http://purl.org/net/xbiblio/csl"
_NS = {"cs": CSL_NS}
_STYLES = Path(__file__).parent / "styles"
_CACHE_FILE = "csl-entries.json"
_KEPT = 16  # sets of entries kept: a few briefs, each in a style or two


@dataclass(frozen=True)
class Style:
    name: str  # the bundled name, or the file's path as given
    xml: bytes  # the checked style, as citeproc-py will read it (never re-read from disk)
    loc: Loc  # where it was chosen (the brief's/theme's field, or the CLI), for later errors


# ---------------------------------------------------------------------------------------------
# Finding and checking a style


def find_style(value: str, folder: Path, loc: Loc) -> Style:
    """A bundled name, or a .csl file inside folder (the brief's or the theme's folder), checked.
    Raises BriefError located at loc for a name/path problem, at the .csl file's own line:col
    for a problem inside it."""
    if value in BUNDLED:  # checked by the tests (test_csl), not at every build
        return Style(value, (_STYLES / f"{value}.csl").read_bytes(), loc)
    if not _looks_like_path(value):
        import difflib

        near = difflib.get_close_matches(value.lower(), BUNDLED, n=1, cutoff=0.5)
        hint = f"did you mean '{near[0]}'?" if near else "give one of them, or a .csl file's path"
        raise BriefError.at(loc, f"unknown citation style '{_short(value)}': the bundled ones are "
                                 f"{', '.join(BUNDLED)}; {hint}")
    path = _style_path(value, folder, loc)
    from .load import _read_limited, beside

    # Problems inside the file are told at its own place, named as from where the brief is
    # named ('briefs/styles/x.csl' beside 'briefs/x.yaml'), as a CSV's are.
    label = beside(loc.file, value)
    data = _read_limited(path, Loc(label), "citation style", MAX_STYLE_BYTES)
    check_style(data, label)
    return Style(value, data, loc)


def _looks_like_path(value: str) -> bool:
    return any(c in value for c in "/\\.") or value.lower().endswith(".csl")


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:59] + "…"


def _style_path(value: str, folder: Path, loc: Loc) -> Path:
    """The .csl file value names: relative, inside folder after links, and there."""
    if not value.lower().endswith(".csl"):
        raise BriefError.at(loc, f"citation style '{_short(value)}' must be a bundled name or a "
                                 ".csl file")
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", value) or value.startswith(("/", "\\")):
        raise BriefError.at(loc, f"citation style path must be relative to the folder of the file "
                                 f"that names it, not '{_short(value)}'")
    base = folder.resolve()
    try:
        target = (base / value).resolve()
        inside = target.is_relative_to(base)
        exists = target.exists()
    except (OSError, RuntimeError) as e:  # a link loop, a name too long for the system
        reason = getattr(e, "strerror", None) or "a loop of links"
        raise BriefError.at(loc, f"citation style '{_short(value)}' cannot be used: "
                                 f"{reason}") from None
    if not inside:
        raise BriefError.at(loc, f"citation style '{_short(value)}' is outside the folder of the "
                                 "file that names it")
    if not exists:
        raise BriefError.at(loc, f"citation style file not found: {_short(value)}")
    if target.is_dir():
        raise BriefError.at(loc, f"citation style '{_short(value)}' is a folder, not a file")
    return target


# Every element CSL 1.0.2 defines (https://docs.citationstyles.org/en/stable/specification.html).
_CSL_ELEMENTS = set("""
    style info title title-short id link author contributor name email uri category issn eissn
    issnl summary rights updated published locale style-options date date-part terms term single
    multiple citation bibliography intext layout sort key macro text number label group choose
    if else-if else names et-al substitute name-part""".split())


def check_style(data: bytes, label: str) -> None:
    """Refuse what citeproc-py should never read: a DTD or entities (a billion laughs, or a
    file read through an external entity), XInclude, malformed XML, anything but an
    independent CSL style with a bibliography. Problems are located in the file itself."""
    from lxml import etree

    doctype = re.search(rb"<!DOCTYPE|<!ENTITY", data)
    if doctype:
        raise BriefError.at(_loc_in(data, doctype.start(), label),
                            "a citation style may not have a DOCTYPE or entities")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        line, col = e.position if e.position else (1, 1)
        message = re.sub(r",? line \d+, column \d+$", "", str(e.msg or e)).strip()
        # libxml2's advice to programmers, in words for the writer of a style.
        message = re.sub(r"Excessive depth in document: (\d+),? use XML_PARSE_HUGE option",
                         r"elements nested more than \1 deep", message)
        message = re.sub(r"^xmlParseCharRef: ", "", message)
        raise BriefError.at(Loc(label, line or 1, max(col, 1)),
                            f"not well-formed XML: {message}") from None
    # Read as bytes above; a file in UTF-16 hides its DOCTYPE from that search, not from lxml.
    if root.getroottree().docinfo.doctype or any(
            isinstance(el, etree._Entity) for el in root.iter()):
        raise BriefError.at(Loc(label, 1, 1), "a citation style may not have a DOCTYPE or entities")
    for el in root.iter():
        if not isinstance(el.tag, str):  # processing instructions
            continue
        if el.tag.startswith("{http://www.w3.org/2001/XInclude}") or \
                etree.QName(el).localname == "include":
            raise BriefError.at(Loc(label, el.sourceline or 1),
                                "a citation style may not include other files (XInclude)")
    if root.tag != f"{{{CSL_NS}}}style":
        name = etree.QName(root).localname
        raise BriefError.at(Loc(label, root.sourceline or 1), (
            f'not a CSL style: its <style> is not in the CSL namespace (xmlns="{CSL_NS}")'
            if name == "style" else f"not a CSL style: its root element is <{name}>, not "
                                    "<style>"))
    parent = root.find("cs:info/cs:link[@rel='independent-parent']", _NS)
    if parent is not None:
        href = parent.get("href", "")
        name = href.rstrip("/").rsplit("/", 1)[-1]
        bundled = {"nlm-citation-sequence": "vancouver"}.get(name, name)
        hint = (f": write citation_style: {bundled}" if bundled in BUNDLED else
                f": download {name}.csl and name that file instead")
        raise BriefError.at(Loc(label, parent.sourceline or 1), (
            f"a dependent style, which only names its parent style '{href}'{hint}"))
    for el in root.iter(f"{{{CSL_NS}}}*"):
        name = etree.QName(el).localname
        if name not in _CSL_ELEMENTS:  # citeproc-py failed on one: "'NoneType' object ..."
            raise BriefError.at(Loc(label, el.sourceline or 1), (
                f"<{_short(name)}> is not an element of CSL 1.0: check its spelling"))
    defined = {m.get("name") for m in root.findall("cs:macro", _NS)}
    for el in root.iter():
        if isinstance(el.tag, str) and el.get("macro") is not None and \
                el.get("macro") not in defined:
            raise BriefError.at(Loc(label, el.sourceline or 1), (
                f"this CSL style calls the macro '{_short(el.get('macro'))}', which it does not "
                "define"))
    _refuse_macro_loops(root, label)
    if root.find("cs:bibliography/cs:layout", _NS) is None:
        raise BriefError.at(Loc(label, root.sourceline or 1),
                            "this CSL style has no <bibliography> layout: it cannot format the "
                            "Sources list")
    if root.find("cs:citation/cs:layout", _NS) is None:
        raise BriefError.at(Loc(label, root.sourceline or 1),
                            "this CSL style has no <citation> layout")
    _validate(root, label)


def _validate(root, label: str) -> None:
    """The style against the CSL 1.0 schema citeproc-py ships: citeproc-py reads what it
    expects and fails on anything else with Python's words ('NoneType' object has no attribute
    'render') for a <text/> without what to print, an unknown date form or font style. Every
    style of the CSL project's repository passes (300 of its 10,000 tried)."""
    import importlib.util

    from lxml import etree

    # Found without importing citeproc-py, which a build whose entries are kept never needs.
    package = importlib.util.find_spec("citeproc").submodule_search_locations[0]
    schema = etree.RelaxNG(etree.parse(os.path.join(
        package, "data", "schema", "schemas", "styles", "csl.rng")))
    if not schema.validate(root.getroottree()):
        # libxml2 says the innermost fault first, then each element around it. Where it cannot
        # tell the fault inside one of <style>'s children, it says only which child, and then
        # faults of the others that are not there ('Expecting an element issn' in a good <info>).
        first = schema.error_log[0]
        extra = re.match(r"Extra element (\S+) in interleave", first.message)
        if extra:
            child = root.find(f"cs:{extra.group(1)}", _NS)
            line = child.sourceline if child is not None else root.sourceline
            raise BriefError.at(Loc(label, line or 1, 1), (
                f"not a valid CSL 1.0 style: its <{extra.group(1)}> holds an element, attribute "
                "or value that CSL does not have"))
        message = first.message.replace("Element ", "element <", 1).replace(
            " failed to validate", "> fails to validate", 1) if first.message.startswith(
            "Element ") else first.message
        raise BriefError.at(Loc(label, max(first.line, 1), 1),
                            f"not a valid CSL 1.0 style: {message}")


def _refuse_macro_loops(root, label: str) -> None:
    """A macro that calls itself, by way of others or not, would recurse until Python stops
    it; said at the macro."""
    calls = {m.get("name"): [el.get("macro") for el in m.iter() if isinstance(el.tag, str)
                             and el is not m and el.get("macro")]
             for m in root.findall("cs:macro", _NS)}
    lines = {m.get("name"): m.sourceline for m in root.findall("cs:macro", _NS)}
    done: set = set()
    for first in calls:
        # Depth first with a stack of its own: a chain of 3,000 macros is no loop.
        path, stack = [], [(first, iter(calls[first]))]
        on_path = {first}
        path.append(first)
        while stack:
            name, called = stack[-1]
            nxt = next(called, None)
            if nxt is None:
                stack.pop()
                path.pop()
                on_path.discard(name)
                done.add(name)
            elif nxt in on_path:
                loop = path[path.index(nxt):] + [nxt]
                raise BriefError.at(Loc(label, lines.get(nxt) or 1), (
                    f"macro '{_short(nxt)}' calls itself" if len(loop) == 2 else
                    "macros call each other in a loop: "
                    f"{' -> '.join(_short(n) for n in loop[:6])}{' -> …' if len(loop) > 6 else ''}"))
            elif nxt in calls and nxt not in done:
                stack.append((nxt, iter(calls[nxt])))
                path.append(nxt)
                on_path.add(nxt)


def _loc_in(data: bytes, offset: int, label: str) -> Loc:
    before = data[:offset]
    line = before.count(b"\n") + 1
    col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
    return Loc(label, line, col)


# ---------------------------------------------------------------------------------------------
# Formatting


# Prose a style prints as text: typographer's quotes and apostrophes, as in the brief's own text.
# Never URL, DOI, page or number, which are printed as typed.
_PROSE = ("title", "title-short", "container-title", "container-title-short", "publisher",
          "collection-title", "genre")


def format_references(refs: tuple[Ref, ...], style: Style, lang: str) -> tuple[Ref, ...]:
    """Each Ref with entry (a Para of Spans: text, italic, bold, href) and short set."""
    if not refs:
        return refs
    items = [_item(r.source.item or _inline(r.source), i, lang, r.source.library)
             for i, r in enumerate(refs)]
    key = _digest(style.xml, lang, items)
    found = _kept(key, len(refs))
    if found is None:
        found = _render(style, items, lang)
        _keep(key, found)
    return tuple(replace(r, entry=entry, short=short) for r, (entry, short) in zip(refs, found))


def _inline(source) -> dict:
    """The item of a Source made without one: from its fields, as load.py makes it."""
    from .bib import inline_item

    return inline_item(source.id, source.title, source.authors, source.publisher, source.date,
                       source.url, source.accessed)


def _item(item: dict, index: int, lang: str, markup: bool = False) -> dict:
    """The item as citeproc-py takes it: an id of our own (it lowercases ids, and two that
    differ in case only would be one), its prose smartened, and only the fields, name parts and
    date shapes it reads (it warns on stderr of any other field, and fails on a date of
    strings); no character of its own stand-ins.

    Its text is escaped: citeproc-py's HTML output carries a field's text as it is, so a title
    'A <b> & C' would have come back bold and cut. Only a bibliography file's item (markup) keeps
    the rich text CSL-JSON allows in a field: <i>, <b> and <span class="nocase">."""
    out: dict = {"id": f"r{index + 1}", "type": _text(item.get("type")) or "document"}
    for key, value in item.items():
        if key in ("id", "type") or key.replace("-", "_") not in _KNOWN:
            continue
        if key in _NAME_VARIABLES:
            value = [{k: _text(v) for k, v in n.items() if k in _NAME_PARTS} for n in value
                     if isinstance(n, dict)] if isinstance(value, list) else []
        elif key in _DATE_VARIABLES:
            value = _date(value)
            if value is None:
                continue
        else:
            value = _text(value)
            if key == "page":  # '7-7' is page 7
                value = _ONE_PAGE_RE.sub(r"\1", value)
            if markup:
                value = _rich(value, lang if key in _PROSE else None)
            else:
                value = html.escape(smarten(value, lang) if key in _PROSE else value, quote=False)
        out[key] = value
    # Title case is for English titles only: a source that does not say its language is taken to
    # be in the brief's ('Die Polizei und die Stadt' is not 'Die Polizei Und Die Stadt'). Zotero
    # may say it by name ('English'); citeproc-py reads a tag's first two letters.
    said = _LANGUAGE_NAMES.get(str(out.get("language", "")).strip().lower(),
                               str(out.get("language", "")).strip())
    out["language"] = said if re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]+)*", said) else lang
    # An organisation that wrote and published a source is named once, as its author (APA 7,
    # 9.24): no style can compare two fields, so each printed it twice ('Congressional Research
    # Service. (2019). Title. Congressional Research Service.').
    names = out.get("author") or []
    if len(names) == 1 and "publisher" in out and \
            names[0].get("literal", "").casefold() == html.unescape(out["publisher"]).casefold():
        del out["publisher"]
    return out


_LANGUAGE_NAMES = {"english": "en", "eng": "en", "german": "de", "deutsch": "de", "ger": "de",
                   "french": "fr", "français": "fr", "fre": "fr", "spanish": "es", "español": "es",
                   "spa": "es", "italian": "it", "dutch": "nl", "portuguese": "pt"}
_ONE_PAGE_RE = re.compile(r"^\s*(\w+)\s*[-–]+\s*\1\s*$")
# The rich text a CSL-JSON field may hold (what Zotero writes for its title formatting):
# citeproc-py passes <i>, <b> and <span class="nocase"> (which keeps its words' case in title
# case) through; small capitals print as plain text; sub- and superscripts as the Unicode
# characters where each has one (CO₂, 1ˢᵗ), else as plain text.
_RICH_RE = re.compile(r'(</?(?:i|b|sub|sup)>|<span class="nocase">|'
                      r'<span style="font-variant:\s*small-caps;?">|</span>)')
_SUB = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_SUP = str.maketrans("0123456789+-=()nist", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱˢᵗ")


def _rich(text: str, lang: str | None) -> str:
    """A bibliography file's field as markup citeproc-py takes: its text escaped (& < > only: a
    style may upper-case it) and, for prose (lang given), smartened; the tags CSL-JSON allows
    kept or turned as said above; any other '<' is text."""
    out, spans, script, before, styled = [], [], None, " ", []
    for part in _RICH_RE.split(text):
        if _RICH_RE.fullmatch(part):
            if part in ("<sub>", "<sup>", "</sub>", "</sup>"):
                script = part[1:-1] if part[1] != "/" else None
            elif part.startswith("<span"):
                spans.append(part if "nocase" in part else "")
                out.append(spans[-1])
            elif part == "</span>":
                out.append("</span>" if spans and spans.pop() else "")
            elif part[1] != "/":
                styled.append(part[1])
                out.append(part)
            elif part[2] in styled:  # a closing tag with no opening one is dropped
                styled.reverse()
                styled.remove(part[2])
                styled.reverse()
                out.append(part)
            continue
        if lang:
            part = smarten(part, lang, before)
        if script:
            table = _SUB if script == "sub" else _SUP
            shown = part.translate(table)
            part = shown if all(c != o or c.isspace() for c, o in zip(shown, part)) else part
        before = part[-1:] or before
        out.append(html.escape(part, quote=False))
    # What the field left open is closed in it: an unclosed <i> set the rest of the entry in
    # italics, its date and address too.
    return "".join(out) + "</span>" * sum(1 for s in spans if s) + "".join(
        f"</{tag}>" for tag in reversed(styled))


def _text(value) -> str:
    text = value if isinstance(value, str) else "" if value is None else str(value)
    return _STAND_INS_RE.sub("", text)


def _date(value) -> dict | None:
    """A CSL-JSON date as citeproc-py reads it: one [year, month, day] of whole numbers, or a
    literal; None for anything else."""
    if not isinstance(value, dict):
        return None
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and all(
            isinstance(p, list) and 0 < len(p) <= 3 and all(type(n) is int for n in p)
            for p in parts[:2]):
        # A range (a conference's days) is its first date: citeproc-py 0.11 set '2020-09-15/
        # 2020-09-30' as '15,–30, September 2020', and APA and Chicago lost its year.
        return {"date-parts": [list(parts[0])]}
    for key in ("literal", "raw"):
        if isinstance(value.get(key), str) and value[key].strip():
            literal = _text(value[key]).strip()
            # 'n.d.' typed as a date is no date: the style says so in its own words, once.
            return None if _NO_DATE_RE.fullmatch(literal) else {"literal": literal}
    return None


_NO_DATE_RE = re.compile(r"(?i)n\.\s?d\.?|nd|no date|undated|s\.\s?d\.?|sans date|o\.\s?J\.?|"
                         r"ohne Jahr|s\.\s?f\.?|sin fecha")


_NAME_PARTS = {"family", "given", "dropping-particle", "non-dropping-particle", "suffix",
               "literal"}
_NAME_VARIABLES = {"author", "collection-editor", "composer", "container-author", "editor",
                   "editorial-director", "illustrator", "interviewer", "original-author",
                   "recipient", "translator"}


_DATE_VARIABLES = {"accessed", "container", "event-date", "issued", "original-date", "submitted"}
# The variables citeproc-py 0.11 knows (citeproc.VARIABLES), here without importing it.
_KNOWN = set("""abstract annote archive archive_location archive_place authority call_number
citation_label citation_number collection_title container_title container_title_short dimensions
DOI event event_place first_reference_note_number genre ISBN ISSN jurisdiction keyword language
locator medium note original_publisher original_publisher_place original_title page page_first
PMCID PMID publisher publisher_place references section source status title title_short URL
version year_suffix author collection_editor composer container_author editor editorial_director
illustrator interviewer original_author recipient translator accessed container event_date
issued original_date submitted chapter_number collection_number edition issue number
number_of_pages number_of_volumes volume""".split())


def _engine_version() -> str:
    """citeproc-py's version, from its installed metadata's folder name: importing it, or
    importlib.metadata, would cost more than the whole cached lookup."""
    from importlib.util import find_spec

    spec = find_spec("citeproc")
    if spec is None or not spec.origin:
        return "?"
    found = sorted(p.name for p in Path(spec.origin).parent.parent.glob("citeproc_py-*.*-info"))
    return found[-1] if found else "?"


def _digest(xml: bytes, lang: str, items: list[dict]) -> str:
    """The key of a set of entries: what they are made from, this module's own code included
    (a fix to how entries are made must not find the old ones kept)."""
    engine = _engine_version()
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    text = json.dumps([code, engine, hashlib.sha256(xml).hexdigest(), lang, items],
                      sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


Entry = tuple[Para, "str | None"]


def _kept(key: str, count: int) -> list[Entry] | None:
    """Entries formatted before for these very inputs, if the cache holds them whole."""
    from .cache import private_folder, read_file

    folder = private_folder()
    data = read_file(folder / _CACHE_FILE, limit=4_000_000) if folder else None
    try:
        found = json.loads(data)[key] if data else None
        if not isinstance(found, list) or len(found) != count:
            return None
        out = []
        for spans, short in found:
            para = tuple(Span(text, bool(bold), bool(italic), href)
                         for text, bold, italic, href in spans)
            if not all(isinstance(s.text, str) and isinstance(s.href, (str, type(None)))
                       for s in para) or not isinstance(short, (str, type(None))):
                return None
            out.append((para, short))
        return out
    except (ValueError, TypeError, KeyError, RecursionError):  # cut short, or not ours
        return None


def _keep(key: str, entries: list[Entry]) -> None:
    """Keep entries for the next build with the same inputs; never fails a build."""
    from .cache import private_folder, read_file, write_quietly

    folder = private_folder()
    if folder is None:
        return
    data = read_file(folder / _CACHE_FILE, limit=4_000_000)
    try:
        kept = json.loads(data) if data else {}
    except (ValueError, RecursionError):
        kept = {}
    if not isinstance(kept, dict):
        kept = {}
    kept.pop(key, None)
    kept[key] = [[[[s.text, s.bold, s.italic, s.href] for s in para], short]
                 for para, short in entries]
    kept = dict(list(kept.items())[-_KEPT:])
    write_quietly(folder / _CACHE_FILE, json.dumps(kept, ensure_ascii=False,
                                                   separators=(",", ":")).encode())


def _render(style: Style, items: list[dict], lang: str) -> list[Entry]:
    """The entries and in-text forms, through citeproc-py. Any failure inside it is the style's
    (or an item's) and is said at style.loc, never as a traceback."""
    try:
        return _run_citeproc(style, items, lang)
    except BriefError:
        raise
    except Exception as e:  # citeproc-py raises anything from KeyError to its own errors
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise BriefError.at(style.loc, f"citation style '{_short(style.name)}' cannot be used: "
                                       f"{reason}") from None


# Stand-ins for the quotation marks the style asks for, put back once the whole entry is known.
_OPEN, _CLOSE = "\ue010", "\ue011"
# They and the two for inner quotes found in the text (\ue012, \ue013) are taken out of items.
_STAND_INS_RE = re.compile("[\ue010-\ue013]")
_QUOTE_TERMS = ("open-quote", "close-quote", "open-inner-quote", "close-inner-quote")


def _run_citeproc(style: Style, items: list[dict], lang: str) -> list[Entry]:
    import io
    import warnings

    import citeproc
    from citeproc import (Citation, CitationItem, CitationStylesBibliography,
                          CitationStylesStyle, formatter)
    from citeproc.source.json import CiteProcJSON
    from lxml import etree

    _repair(citeproc)
    _MACROS.clear()
    locale = locale_for(lang, citeproc.LANGUAGE_NAMES, citeproc.PRIMARY_DIALECTS)
    _LANGUAGE[0] = locale.split("-")[0]
    root = etree.fromstring(style.xml, etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        remove_comments=True))
    marks = _quote_marks(root, locale, Path(citeproc.LOCALES_PATH))
    author_date = _prepare(root, locale)
    xml = etree.tostring(root)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        csl = CitationStylesStyle(io.BytesIO(xml), locale=locale, validate=False)
        bib = CitationStylesBibliography(csl, CiteProcJSON(items), formatter.html)
        citations = [Citation([CitationItem(item["id"])]) for item in items]
        for c in citations:
            bib.register(c)
        entries = [str(e) for e in bib.bibliography()]
        shorts = [bib.cite(c, lambda _: None) for c in citations] if author_date else \
            [None] * len(items)
    if len(entries) != len(items):
        raise ValueError(f"it gave {len(entries)} entries for {len(items)} sources")
    out = []
    for entry, short, item in zip(entries, shorts, items):
        protect = tuple(shown for shown, _ in _links(item))
        para = _spans(_finish(_chars(entry), marks, protect), item)
        text = None
        if short is not None:
            text = "".join(ch for ch, _ in _finish(_chars(str(short)), marks)).strip()
        out.append((para, text or None))
    return out


def locale_for(lang: str, names, primary: dict) -> str:
    """The brief's BCP-47 lang as one of citeproc's locales: 'fr-CA' as itself, 'fr' as
    'fr-FR', 'de-AT' as 'de-AT', 'de-LU' as 'de-DE'; American English where it has none."""
    parts = lang.replace("_", "-").split("-")
    tag = parts[0].lower() + "".join("-" + (p.upper() if len(p) == 2 else p.title())
                                     for p in parts[1:])
    if tag in names:
        return tag
    return primary.get(parts[0].lower(), "en-US")


def _prepare(root, locale: str) -> bool:
    """Change the style for how briefgen prints it; returns whether it is author-date.

    The entry goes without the style's number (briefgen prints its own '[n] ') and in our
    numbering order (the bibliography's <sort> dropped); the in-text citation without its
    brackets. Quotation marks become stand-ins (see _finish). And a localized date takes the
    delimiter of the style's own locale date, which citeproc-py 0.11 ignores ('2017Feb' in
    Vancouver, for '2017 Feb')."""
    from lxml import etree

    bibliography = root.find("cs:bibliography", _NS)
    citation = root.find("cs:citation", _NS)
    for parent in (bibliography, citation):
        sort = parent.find("cs:sort", _NS)
        if sort is not None:
            parent.remove(sort)
    macros = {m.get("name"): m for m in root.findall("cs:macro", _NS)}
    _drop_number(bibliography, macros, root, set())
    numbered = _calls_number(citation, macros, set())
    layout = citation.find("cs:layout", _NS)
    for affix in ("prefix", "suffix"):
        layout.attrib.pop(affix, None)
    # The quotation marks as stand-ins (citeproc-py nests no quotes and never moves punctuation
    # inside them), in the style's <locale> for the brief's locale. citeproc-py looks up
    # ordinals in the first in-style locale and those of its very language tag only, so a
    # <locale> for the language alone ('fr') becomes the one for the locale ('fr-FR'), rather
    # than a second one that would hide it ('1ʳᵉ janvier', not '1er janvier').
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    for term in root.findall("cs:locale/cs:terms/cs:term", _NS):
        if term.get("name") in _QUOTE_TERMS:
            term.getparent().remove(term)
    mine = {el.get(xml_lang): el for el in root.findall("cs:locale", _NS)}
    target = mine.get(locale)
    if target is None and locale.split("-")[0] in mine:
        target = mine[locale.split("-")[0]]
        target.set(xml_lang, locale)
    if target is None:
        target = etree.Element(f"{{{CSL_NS}}}locale")
        target.set(xml_lang, locale)
        root.insert(1, target)
    terms = target.find("cs:terms", _NS)
    if terms is None:
        terms = etree.SubElement(target, f"{{{CSL_NS}}}terms")
    for name, mark in zip(_QUOTE_TERMS, (_OPEN, _CLOSE, _OPEN, _CLOSE)):
        etree.SubElement(terms, f"{{{CSL_NS}}}term", name=name).text = mark
    # Localized dates: the delimiter of the style's own date of that form.
    own = {}
    for loc_el in root.findall("cs:locale", _NS):
        lang_attr = loc_el.get(xml_lang)
        if lang_attr in (None, locale, locale.split("-")[0]):
            for d in loc_el.findall("cs:date", _NS):
                if d.get("delimiter") is not None:
                    own.setdefault(d.get("form"), d.get("delimiter"))
    for d in root.iter(f"{{{CSL_NS}}}date"):
        if d.getparent().tag != f"{{{CSL_NS}}}locale" and d.get("form") in own \
                and d.get("delimiter") is None:
            d.set("delimiter", own[d.get("form")])
    return root.get("class") == "in-text" and not numbered


def _drop_number(el, macros: dict, root, done: set) -> None:
    """Remove citation-number from el, and from the macros it calls (as copies, in case the
    citation calls them too)."""
    from copy import deepcopy

    for child in list(el):
        if not isinstance(child.tag, str):
            continue
        if child.get("variable") == "citation-number":
            el.remove(child)
            continue
        name = child.get("macro")
        if name in macros and _calls_number(macros[name], macros, set()):
            copy_name = f"briefgen-unnumbered-{name}"
            if copy_name not in done:
                done.add(copy_name)
                copy = deepcopy(macros[name])
                copy.set("name", copy_name)
                root.append(copy)
                macros[copy_name] = copy
                _drop_number(copy, macros, root, done)
            child.set("macro", copy_name)
        _drop_number(child, macros, root, done)


def _calls_number(el, macros: dict, seen: set) -> bool:
    for child in el.iter():
        if not isinstance(child.tag, str):
            continue
        if child.get("variable") == "citation-number":
            return True
        name = child.get("macro")
        if name in macros and name not in seen:
            seen.add(name)
            if _calls_number(macros[name], macros, seen):
                return True
    return False


def _quote_marks(root, locale: str, locales: Path) -> tuple[str, str, str, str, bool]:
    """The locale's quotation marks (outer open and close, inner open and close) and whether a
    comma or full stop goes inside them: the style's own locale first, then citeproc's file."""
    from lxml import etree

    found: dict = {}
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    own = [el for want in (locale, locale.split("-")[0], None) for el in root.findall(
        "cs:locale", _NS) if el.get(xml_lang) == want]
    files = []
    for name in (locale, "en-US"):
        path = locales / f"locales-{name}.xml"
        if path.is_file():
            files.append(etree.parse(str(path)).getroot())
    for el in own + files:
        for term in el.findall("cs:terms/cs:term", _NS):
            if term.get("form") in (None, "long"):
                found.setdefault(term.get("name"), term.text or "")
        options = el.find("cs:style-options", _NS)
        if options is not None and options.get("punctuation-in-quote") is not None:
            found.setdefault("piq", options.get("punctuation-in-quote") == "true")
    return (found.get("open-quote", "“"), found.get("close-quote", "”"),
            found.get("open-inner-quote", "‘"), found.get("close-inner-quote", "’"),
            bool(found.get("piq", False)))


_repaired = False
_MACROS: dict = {}  # (root, name) -> macro element, for the style being formatted


def keep_macros() -> bool:
    """Whether find_macro (in _repair) replaces citeproc-py's macro lookup: a speed-up read in
    citeproc-py 0.11's internals (a cold build in the briefgen style formats in about half the
    time, Chicago's in a third), so only for that version, and never with
    BRIEFGEN_CITEPROC_MACROS=0."""
    import citeproc

    return citeproc.__version__.startswith("0.11.") and \
        os.environ.get("BRIEFGEN_CITEPROC_MACROS") != "0"


_LANGUAGE = ["en"]  # the language of the locale being formatted in
# Words title case leaves in lower case: citeproc-py's own list, and those citeproc-js adds that
# titles of policy sources use ('Arizona v. United States').
_STOP_WORDS = {"a", "an", "and", "as", "at", "but", "by", "down", "for", "from", "in", "into",
               "nor", "of", "on", "onto", "or", "over", "so", "the", "till", "to", "up", "via",
               "with", "yet", "v", "vs", "versus", "per", "than", "upon", "amid"}


def _repair(citeproc) -> None:
    """CSL says that a variable a <substitute> printed is not printed again in that entry.
    citeproc-py 0.11 remembers it only for a <text variable=...> right inside <substitute>;
    APA and Chicago substitute the title through a macro, so a source with no author printed
    its title twice ('Overview. (2017). Overview. ...'). Here every variable printed while a
    substitute's child renders is remembered.

    And <name initialize="false"> (CSL 1.0.1) keeps given names whole; citeproc-py 0.11 reads
    only initialize-with, so Chicago's 'Hausman, David K.' came out 'Hausman, D. K.'.

    And a page range shortened to its 'minimal' form (Vancouver's 321–8) keeps its last page
    whole where the two pages differ in length or are one page ('1–12', not '1–2').

    And title case lowers a capitalised stop word that is neither first, last nor after a
    colon, as CSL says; citeproc-py 0.11 left it as typed ('Setting the Record Straight On
    Local Involvement', 'Arizona V. United States' in Chicago and APA). A label (a term) is
    title-cased in the locale's language, which citeproc-py never did (APA's '(eds.)' for
    '(Eds.)').

    The methods are replaced once, in this process, on citeproc-py's own classes: this module
    is its only user, and the dependency is pinned below 0.12, the version these were read in.
    The style's macros are kept as found, too (see find_macro)."""
    global _repaired
    if _repaired:
        return
    from citeproc import model
    from citeproc.source import VariableError

    recording: list[list[str]] = []
    original = model.Text._variable

    def _variable(self, item, context):
        text = original(self, item, context)
        if text is not None and recording:
            recording[-1].append(self.get("variable"))
        return text

    def render(self, item, context=None, **kwargs):
        text = None
        for child in self.getchildren():
            recording.append([])
            try:
                if isinstance(child, model.Names) and child.name is None:
                    names = self.xpath_search("./parent::cs:names[1]")[0]
                    text = child.render(item, names_context=names, context=context, **kwargs)
                else:
                    text = child.render(item, context=context, **kwargs)
            except VariableError:
                continue
            finally:
                printed = recording.pop()
            if text:
                self.add_to_repressed_list(child, context)
                repressed = context.get_layout().repressed
                repressed.setdefault(f"{{{CSL_NS}}}text", []).extend(printed)
                if recording:
                    recording[-1].extend(printed)
                break
        return text

    initialize = model.Name.initialize

    def keep_given(self, given, mark, context):
        if (self.get("initialize") or "true").lower() == "false":
            return given
        return initialize(self, given, mark, context)

    case = model.TextCased.case

    def title_case(self, text, language=None):
        if language is None:  # a label or a date's part: a term of the locale's language
            language = _LANGUAGE[0]
        if self.get("text-case") != "title" or language != "en":
            return case(self, text, language)
        words = list(text.words())
        out = []
        prev = ":"  # the first word is capitalised, as after a colon
        for i, word in enumerate(words):
            bare = str(word).strip(".,;!?()[]\"“”‘’").lower()
            inner = prev in (":", ".", "?", "!") or i == len(words) - 1
            if bare in _STOP_WORDS and not inner and str(word)[1:] == str(word)[1:].lower():
                word = word.soft_lower()
            elif word.islower():
                word = word.capitalize_first()
            prev = str(word)[-1:]
            out.append(word)
        return " ".join(out)

    get_macro = model.CitationStylesElement.get_macro

    def find_macro(self, name):
        # The style is searched by XPath at every call: Chicago's 13 entries made 12,000 calls,
        # half of the time they took. The macros of the style being formatted are kept.
        key = (id(self.get_root()), name)
        if key not in _MACROS:
            _MACROS[key] = get_macro(self, name)
        return _MACROS[key]

    last_page = model.FormatNumber._format_last_page

    def format_last_page(self, first, last):
        # 'minimal' ranges compare digits place by place, which only means something between
        # numbers of one length: citeproc-py 0.11 cut 1-12 to '1–2' and 7-7 to '7–'.
        if len(first) != len(last) or first == last or not (first + last).isdigit():
            return last
        return last_page(self, first, last)

    model.FormatNumber._format_last_page = format_last_page
    model.Text._variable = _variable
    model.Name.initialize = keep_given
    model.TextCased.case = title_case
    if keep_macros():
        model.CitationStylesElement.get_macro = find_macro
    model.Substitute.render = render
    _repaired = True


# ---------------------------------------------------------------------------------------------
# From citeproc's HTML to spans

_TAG_RE = re.compile(r"<(/?)([a-z]+)([^>]*)>")
Char = tuple[str, tuple[bool, bool]]  # a character and its (bold, italic)


def _chars(markup: str) -> list[Char]:
    """citeproc's HTML as characters with their weight and slant: <i> italic, <b> bold, small
    caps as plain text, entities unescaped."""
    out: list[Char] = []
    stack: list[str] = []
    pos = 0
    for m in _TAG_RE.finditer(markup):
        fmt = ("b" in stack, "i" in stack)
        out.extend((ch, fmt) for ch in html.unescape(markup[pos:m.start()]))
        if m.group(1):
            if m.group(2) in stack:
                del stack[len(stack) - 1 - stack[::-1].index(m.group(2))]
        else:
            stack.append(m.group(2))
        pos = m.end()
    fmt = ("b" in stack, "i" in stack)
    out.extend((ch, fmt) for ch in html.unescape(markup[pos:]))
    return out


# Double quotation marks of any language, which become inner marks inside the style's quotes.
# A title ending in an abbreviation: 'D.C.', 'U.S.', 'Inc.', 'et al.'.
_ABBREVIATION_END_RE = re.compile(
    r"(?:\b(?:[A-Za-z]\.){2,}|\b(?:Inc|Ltd|Co|Corp|Jr|Sr|St|al|etc|No|Vol|ed|eds)\.)$")

_DOUBLES = "\"“”„«»"
_SPACES = " \u00a0\u202f"


def _finish(chars: list[Char], marks: tuple, protect: tuple[str, ...] = ()) -> list[Char]:
    """The punctuation around quoted titles, which citeproc-py 0.11 leaves as the style's parts
    joined: it nests no quotes ('““Sanctuary” Policies”') and never moves a comma into the
    quotes where the locale wants it (American English). So: quotes inside the style's quotes
    become the locale's inner marks, as labels.quoted does ('“‘Sanctuary’ Policies,”'); a
    comma or full stop after a closing quote goes inside it where the locale says so; and a
    title that ends in ? ! or . takes no further . or , (“Homan?” not “Homan?,”), except that
    an abbreviation's full stop still takes the comma (“Washington, D.C.,”), as
    cite.format_reference always did. Nothing inside an address in protect (the item's URL and
    DOI) is touched."""

    op, cl, inner_op, inner_cl, inside = marks
    chars = list(chars)
    # Quotes inside the style's quotes become inner marks.
    depth = 0
    out: list[Char] = []
    for i, (ch, fmt) in enumerate(chars):
        if ch == _OPEN:
            depth += 1
        elif ch == _CLOSE:
            depth -= 1
        elif depth > 0 and ch and ch in _DOUBLES:
            prev = out[-1][0] if out else " "
            if ch == "«" or (ch not in "»" and (prev.isspace() or prev in "([{" + _OPEN)):
                ch = "\ue012"  # opens
                n = i + 1
                while n < len(chars) and chars[n][0] in _SPACES:
                    chars[n] = ("", chars[n][1])
                    n += 1
            else:
                ch = "\ue013"
                while out and out[-1][0] in _SPACES:
                    out.pop()
        if ch:
            out.append((ch, fmt))
    chars = out
    # A comma or full stop after a closing quote goes inside it.
    if inside:
        for i in range(len(chars) - 1):
            if chars[i][0] == _CLOSE and chars[i + 1][0] in ".,":
                j = i
                while j > 0 and chars[j - 1][0] == _CLOSE:
                    j -= 1
                mark = chars.pop(i + 1)
                chars.insert(j, mark)
    # No second stop after a title's ? ! or . (nor a comma, but after an abbreviation).
    joined = "".join(c for c, _ in chars)
    protected = {i for link in protect if link for at in _finds(joined, link)
                 for i in range(at, at + len(link))}
    keep = []
    for j, (ch, fmt) in enumerate(chars):
        if ch in ".," and j and j not in protected:
            k = j - 1
            crossed = False
            while k >= 0 and chars[k][0] in (_CLOSE, "\ue013"):
                k -= 1
                crossed = True
            after = chars[j + 1][0] if j + 1 < len(chars) else ""
            crossed = crossed or after in (_CLOSE, "\ue013") or (k >= 0 and chars[k][1] != fmt)
            before = chars[k][0] if k >= 0 else ""
            if before in "?!" and before and (ch == "." or crossed):
                continue
            if before == "." and crossed:
                stripped = "".join(c for c, _ in chars[:k + 1] if c not in (_OPEN, _CLOSE))
                if not (ch == "," and _ABBREVIATION_END_RE.search(stripped)):
                    continue
            if before == "." and ch == "." and not crossed and \
                    (k < 1 or chars[k - 1][0] != "."):
                continue
        keep.append((ch, fmt))
    # The stand-ins become the locale's marks: the style's quotes alternate outer and inner.
    final: list[Char] = []
    depth = 0
    for ch, fmt in keep:
        if ch == _OPEN:
            depth += 1
            final.extend((c, fmt) for c in (op if depth % 2 else inner_op))
        elif ch == _CLOSE:
            final.extend((c, fmt) for c in (cl if depth % 2 else inner_cl))
            depth -= 1
        elif ch in "\ue012\ue013":
            final.extend((c, fmt) for c in (inner_op if ch == "\ue012" else inner_cl))
        else:
            final.append((ch, fmt))
    return final


def _finds(text: str, part: str):
    at = text.find(part)
    while at >= 0:
        yield at
        at = text.find(part, at + len(part))


def _links(item: dict) -> list[tuple[str, str]]:
    """(text as a style may print it, address) of the item's DOI and URL."""
    links = []
    doi = html.unescape(item.get("DOI") or "")
    if doi:
        target = "https://doi.org/" + doi
        links += [(target, target), ("http://dx.doi.org/" + doi, target),
                  ("https://dx.doi.org/" + doi, target), (doi, target)]
    url = html.unescape(item.get("URL") or "")
    if url:
        links.append((url, url))
    return links


def _spans(chars: list[Char], item: dict) -> Para:
    """Spans of like formatting; the item's URL or DOI, as printed, its own span with href."""
    text = "".join(c for c, _ in chars)
    hrefs: list[str | None] = [None] * len(text)
    for shown, target in _links(item):
        for at in _finds(text, shown):
            if all(h is None for h in hrefs[at:at + len(shown)]):
                hrefs[at:at + len(shown)] = [target] * len(shown)
    # A run of characters alike at once: a Span copied for each character was 0.05 s of the
    # 10x brief's 130 sources.
    spans = [Span("".join(ch for (ch, _), _ in run), bold, italic, href)
             for (bold, italic, href), run in groupby(zip(chars, hrefs),
                                                      key=lambda c: (*c[0][1], c[1]))]
    # A full stop after an address is part of the address's run (its link still the address):
    # left alone it went to a line of its own where the address filled the line.
    if len(spans) >= 2 and spans[-2].href and spans[-1].text in (".", ",", ";", ".)", ")."):
        spans[-2:] = [replace(spans[-2], text=spans[-2].text + spans[-1].text)]
    return tuple(s for s in spans if s.text)

