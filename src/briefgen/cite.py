"""Citation syntax and the one numbering every output shares.

number_citations is pure: Brief in, Doc out. Sources are numbered 1..N in order of first citation
as the memo reads: the summary, then each section (heading, body, figure caption, table caption,
chart caption), then the recommendations, which print after the last section; then what only
the handout and the deck show (each section's takeaway, bullets and notes).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from .data import resolve_chart, resolve_table
from .errors import BriefError, Loc, Problem
from .labels import labels_for, primary_language
from .typography import smarten
from .model import (Block, Brief, Cite, Doc, DocFigure, DocList, DocSection, ListItem, Para,
                    Ref, Section, Span, Text)

# '[@a]', '[ @a; @b ]'; not '\[@a]', which markdown prints as '[@a]'.
GROUP_RE = re.compile(r"(?<!\\)\[\s*@[^\[\]]*\]")
_ITEM_RE = re.compile(r"@([A-Za-z0-9._-]+)\s*(?:,\s*(\S.*?))?")
# One private-use character stands in for each citation group, in order, while markdown parses
# the text around them.
_MARK = "\uE000"
# Abbreviations end with a full stop, and no sentence with them.
_ABBREVIATION_RE = re.compile(r"(?:\b(?:[A-Z]\.)+|\b(?:e\.g|i\.e|etc|vs|cf|Dr|Mr|Mrs|Ms|No|St|"
                              r"Jr|Sr|Inc|Co|Gov|Sen|Rep)\.)$")
# Languages that end ordinals with a full stop ("am 3. Oktober", "im 21. Jahrhundert"), and their
# common abbreviations: neither ends a sentence. A year ("bis 2024.") still does.
_NOT_AN_END_RE = {
    "de": re.compile(r"\b(?:\d{1,2}|[a-zäöü]|z\. ?B|d\. ?h|u\. ?a|bzw|ca|vgl|Nr|Abs|Art|Prof|"
                     r"usw|S|Bd|Jh|Hrsg)\.$"),
}
# A sentence ends at . ! or ? (after any citation groups), followed by space and a capital (Ä,
# É, Ł, Ω and Ж too) or a mark a sentence may open with („ « ¿ ¡).
_OPENERS = "".join(ch for ch in map(chr, range(0xC0, 0x530)) if ch.isupper()) + "\"“‘(„‚«‹¿¡"
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])(?:\s*\[\s*@[^\[\]]*\])*\s+(?=[A-Z" +
                              re.escape(_OPENERS) + "])")

# markdown-it is imported by the process that reads the brief only: a cold build's parent,
# which renders, then does without its 0.04 s before it forks.
@lru_cache(maxsize=1)
def _inline_parser():
    from markdown_it import MarkdownIt

    md = MarkdownIt("zero").enable(["emphasis", "link", "escape"])
    md.validateLink = lambda url: url.lower().startswith(("http://", "https://", "mailto:"))
    return md


def parse_group(group: str) -> list[tuple[str, str | None]] | None:
    """'[@a; @b, p. 4]' -> [('a', None), ('b', 'p. 4')], or None when it is malformed."""
    items = []
    for part in group[1:-1].split(";"):
        # Spaces and line breaks fold to one space: a locator may wrap ('pp.' / '3-5').
        m = _ITEM_RE.fullmatch(" ".join(part.split()))
        if not m:
            return None
        items.append((m.group(1), m.group(2)))
    return items


def first_sentence(text: str, lang: str = "en") -> str:
    return split_sentences(text, lang)[0] if text.strip() else ""


def split_sentences(text: str, lang: str = "en") -> list[str]:
    """Sentences, for default takeaways and bullets. A paragraph or a list item never ends
    inside one, and an item's sentences lose its marker."""
    return [s for t in block_texts(read_blocks(text)) for p in t.split("\n\n")
            for s in _block_sentences(p, lang)]


def paragraph_leads(text: str, lang: str = "en") -> list[str]:
    """The first sentence of each paragraph (and list item) of a text field."""
    return [found[0] for t in block_texts(read_blocks(text)) for p in t.split("\n\n")
            if (found := _block_sentences(p, lang))]


def _block_sentences(block: str, lang: str) -> list[str]:
    """The sentences of one paragraph's text, read as it is (not again as markdown blocks:
    a paragraph '1. Januar' that was not a list would become one)."""
    not_an_end = _NOT_AN_END_RE.get(primary_language(lang))
    pieces: list[list[str]] = []  # each sentence as its pieces, joined once at the end
    open_marks = (0, 0, 0)  # the last sentence's unclosed [ ( and * so far
    for piece in _SENTENCE_END_RE.split(" ".join(block.split())):
        # Rejoin after an abbreviation ("U.S.", "e.g.") or inside a link or emphasis. The
        # end-anchored patterns look at the last piece's tail, and the marks are counted
        # piece by piece: a 49,000-character run of "A. A. A." rejoined into one sentence
        # took seconds when each test read the whole sentence so far.
        tail = pieces[-1][-1][-_END_REACH:] if pieces else ""
        if pieces and (_ABBREVIATION_RE.search(tail) or any(open_marks)
                       or (not_an_end and not_an_end.search(tail))):
            pieces[-1].append(piece)
            open_marks = _add_marks(open_marks, piece)
        elif piece:
            pieces.append([piece])
            open_marks = _add_marks((0, 0, 0), piece)
    return [" ".join(p) for p in pieces]


# How far back from its end a sentence is read for an abbreviation: longer than any of the
# patterns' fixed words ("Hrsg.", "z. B."), and an initial's run ("U.S.") matches by its end.
_END_REACH = 12


def _add_marks(marks: tuple[int, int, int], piece: str) -> tuple[int, int, int]:
    """Unclosed [ and ( (may go negative, as a count difference does) and * parity, with piece."""
    return (marks[0] + piece.count("[") - piece.count("]"),
            marks[1] + piece.count("(") - piece.count(")"),
            (marks[2] + piece.count("*")) % 2)


MAX_LIST_DEPTH = 10  # lists in lists; deeper is an error (load.py), since markdown-it drops text


# The block structure of a text field: paragraphs and lists, read by markdown-it's CommonMark
# block parser with only those two rules (an indented line is not code, '#' not a heading).
# Core inline parsing is left out: _parse_inline reads each block's text itself.
@lru_cache(maxsize=1)
def _block_parser():
    from markdown_it import MarkdownIt

    return MarkdownIt("zero", {"maxNesting": 2 * MAX_LIST_DEPTH + 4}).enable(["list"]) \
        .disable(["inline", "text_join"])


@dataclass(frozen=True)
class RawItem:
    text: str  # its paragraphs, parted by a blank line
    sub: RawList | None
    line: int  # its first line in the field's text, from 0


@dataclass(frozen=True)
class RawList:
    ordered: bool
    start: int
    items: tuple[RawItem, ...]


@dataclass(frozen=True)
class Layout:
    """A text field's blocks, paragraphs (their markdown text) and lists of two levels."""

    blocks: tuple[str | RawList, ...]
    deep: int | None = None  # the line of the first item nested deeper than two levels
    too_deep: int | None = None  # the line of a list nested deeper than MAX_LIST_DEPTH


@lru_cache(maxsize=64)  # load.py reads each field for its warnings, then number_citations
def read_blocks(value: str) -> Layout:
    """Paragraphs and lists, as CommonMark reads them, with one exception: a single item right
    under a line of text, with no item of its kind next to it, is that text's next line. A
    wrapped line may start so ('am\n1. Oktober', 'gilt es\n- mit Ausnahmen'); two items, or
    a blank line before, make a list. Adjacent lists of one kind ('1.' then '2)', '-' then
    '*') are one list. Items nested deeper than two levels join the second level."""
    tokens = _block_parser().parse(value)
    lines = value.split("\n")  # markdown-it's lines: it breaks at \n only
    too_deep = next((t.map[0] for t in tokens if t.type.endswith("_list_open")
                     and t.level >= 2 * MAX_LIST_DEPTH), None)
    if too_deep is not None:  # markdown-it may have dropped text: every paragraph as written
        return Layout(tuple(p for p in re.split(r"\n\s*\n", value.strip()) if p.strip()),
                      too_deep=too_deep)
    deep: list[int] = []
    blocks = _read_top(_tree(tokens), lines, deep)
    return Layout(tuple(blocks), min(deep, default=None))


def _tree(tokens) -> list:
    """markdown-it's flat tokens as nested [type, token, children, text] nodes."""
    root: list = ["root", None, [], ""]
    stack = [root]
    for tok in tokens:
        if tok.nesting == 1:
            node = [tok.type[:-5], tok, [], ""]  # 'bullet_list_open' -> 'bullet_list'
            stack[-1][2].append(node)
            stack.append(node)
        elif tok.nesting == -1:
            stack.pop()
        elif tok.type == "inline":
            stack[-1][3] = tok.content
    return root[2]


def _read_top(nodes: list, lines: list[str], deep: list[int]) -> list[str | RawList]:
    out: list[str | RawList] = []
    text_end = None  # the line after the text that ends out, if it ends in text
    for i, (kind, tok, children, text) in enumerate(nodes):
        if kind == "paragraph":
            out.append(text)
            text_end = tok.map[1]
            continue
        ordered = kind == "ordered_list"
        after = nodes[i + 1][0] if i + 1 < len(nodes) else None
        item = children[0][2] if len(children) == 1 else []
        if (text_end == tok.map[0] and len(item) == 1 and item[0][0] == "paragraph"
                and after != kind):
            # One item right under text: that text's next line, with its marker as typed.
            end = item[0][1].map[1]
            out[-1] += "\n" + "\n".join(line.strip() for line in lines[tok.map[0]:end])
            text_end = end
            continue
        joins = (out and isinstance(out[-1], RawList) and out[-1].ordered == ordered) \
            or after == kind
        markers = [re.match(r"\s*(\d+)[.)]", lines[t.map[0]]) for _, t, _, _ in children] \
            if ordered else []
        numbers = [int(m.group(1)) for m in markers]
        follows = all(b in (a, a + 1) for a, b in zip(numbers, numbers[1:]))
        if ordered and not joins and (not follows or len(children) == 1 and numbers[0] != 1):
            # One item numbered other than 1, or numbers that do not count on, are dates or
            # ordinals ('3. Oktober 1990: ...', then '21. Jahrhundert'): text, each number as
            # typed, where a list would print 3 and 4; what an item holds follows it.
            for m, (_, _, parts, _) in zip(markers, children):
                held = _read_top(parts, lines, deep)
                if held and isinstance(held[0], str):
                    held[0] = f"{m.group(0).strip()} {held[0]}"
                else:
                    held.insert(0, m.group(0).strip())
                out += held
            text_end = None
            continue
        text_end = None
        found = _read_list(kind, tok, children, 1, deep)
        if out and isinstance(out[-1], RawList) and out[-1].ordered == ordered:
            out[-1] = replace(out[-1], items=out[-1].items + found.items)
        else:
            out.append(found)
    return out


def _read_list(kind: str, tok, children: list, depth: int, deep: list[int]) -> RawList:
    ordered = kind == "ordered_list"
    items: list[RawItem] = []
    for _, item_tok, parts, _ in children:
        texts = [text for k, _, _, text in parts if k == "paragraph"]
        subs = [part for part in parts if part[0] != "paragraph"]
        sub = None
        if subs and depth == 1:
            lists = [_read_list(k, t, c, 2, deep) for k, t, c, _ in subs]
            sub = RawList(lists[0].ordered, lists[0].start,
                          tuple(i for found in lists for i in found.items))
        items.append(RawItem("\n\n".join(texts), sub, item_tok.map[0]))
        if subs and depth > 1:  # a third level and deeper: after their item, at its level
            flat = [i for k, t, c, _ in subs for i in _read_list(k, t, c, 2, deep).items]
            deep.append(flat[0].line)
            items += flat
    start = int(tok.attrs.get("start", 1)) if ordered else 1
    return RawList(ordered, start, tuple(items))


def block_texts(layout: Layout):
    """Each paragraph's and each item's markdown text, in reading order."""
    for block in layout.blocks:
        if isinstance(block, str):
            yield block
            continue
        for item in block.items:
            yield item.text
            for sub in item.sub.items if item.sub else ():
                yield sub.text


def figure_loc(doc: Doc, number: int) -> Loc:
    """Where section number's figure is written in the brief, for a renderer's message."""
    written = doc.brief.sections[number - 1].figure
    return written.loc if written else Loc(str(doc.brief.path))


def section_texts(section: Section) -> list[Text]:
    """A section's text fields: what the memo prints, in its order, then what only the
    handout and the deck show (memo_texts, slide_texts)."""
    return memo_texts(section) + slide_texts(section)


def memo_texts(section: Section) -> list[Text]:
    """What the memo prints of a section, in reading order."""
    texts = [section.heading, section.body]
    if section.figure and section.figure.caption:
        texts.append(section.figure.caption)
    return texts + [x.caption for x in (section.table, section.chart) if x and x.caption]


def slide_texts(section: Section) -> list[Text]:
    """What only the handout and the deck show of a section: its takeaway, bullets, notes."""
    texts = [section.takeaway] if section.takeaway else []
    texts += list(section.bullets or ())
    return texts + ([section.notes] if section.notes else [])


def number_citations(brief: Brief) -> Doc:
    """Resolve every [@id] to its shared number; warn about sources nobody cites."""
    by_id = {s.id: s for s in brief.sources}
    numbers: dict[str, int] = {}
    # Numbered as the memo reads (summary, sections, recommendations), then what only the
    # handout and the deck show: the memo's own citations then run 1, 2, 3 with no gap
    # for a source cited in a takeaway alone.
    texts = [brief.summary] + [t for s in brief.sections for t in memo_texts(s)] + list(
        brief.recommendations) + [t for s in brief.sections for t in slide_texts(s)]
    # A list item's paragraph after its nested list prints before it: number as printed.
    listed = {id(t) for t in [brief.summary] + [t for s in brief.sections
                                                for t in (s.body, s.notes) if t]}
    for text in texts:
        value = "\n\n".join(block_texts(read_blocks(text.value))) if id(text) in listed \
            else text.value
        for group, loc in zip(GROUP_RE.findall(value), _locs(text)):
            for source_id, _ in parse_group(group) or ():
                if source_id not in by_id:
                    # load_brief reports these with hints; this guards callers that skip it.
                    raise BriefError.at(loc, f"unknown source id '{source_id}'")
                numbers.setdefault(source_id, len(numbers) + 1)

    def para(value: str) -> Para:
        return _parse_inline(value, numbers, brief.lang)

    def doc_list(found: RawList) -> DocList:
        return DocList(found.ordered, found.start, tuple(
            ListItem(para(i.text), doc_list(i.sub) if i.sub else None) for i in found.items))

    def blocks(value: str) -> tuple[Block, ...]:
        return tuple(para(b) if isinstance(b, str) else doc_list(b)
                     for b in read_blocks(value).blocks)

    sections, lead_ins = [], []
    for i, s in enumerate(brief.sections, 1):
        body = blocks(s.body.value)
        takeaway = para(s.takeaway.value if s.takeaway else first_sentence(s.body.value,
                                                                           brief.lang))
        if s.takeaway is None:
            lead_ins += _lead_in(i, s, body, brief.lang) or _wordless(i, s, takeaway)
        levels: tuple[int, ...] = ()
        if s.bullets is not None:
            bullets = tuple(para(b.value) for b in s.bullets)
        elif items := list_items(body):  # a body with a list: its items are the bullets
            bullets, levels = tuple(p for _, p in items), tuple(level for level, _ in items)
        else:  # a slide says one thing a paragraph: its first sentence
            bullets = tuple(para(x) for x in paragraph_leads(s.body.value, brief.lang))
        notes = blocks(s.notes.value) if s.notes else body
        figure = None
        if s.figure:
            caption = para(s.figure.caption.value) if s.figure.caption else None
            figure = DocFigure(s.figure.path, s.figure.alt, caption)
        table = resolve_table(s.table, para, brief.lang) if s.table else None
        chart = resolve_chart(s.chart, para) if s.chart else None
        sections.append(DocSection(i, para(s.heading.value), body, takeaway, bullets, notes,
                                   figure, table, chart, bullet_levels=levels))

    refs = tuple(Ref(numbers[s.id], s) for s in sorted(
        (s for s in brief.sources if s.id in numbers), key=lambda s: numbers[s.id]))
    warnings = brief.warnings + tuple(lead_ins) + tuple(
        Problem(s.loc, f"source '{s.id}' is never cited")
        for s in brief.sources if s.id not in numbers and not s.library)
    summary = blocks(brief.summary.value)
    # The bottom line's first paragraph, a sentence each, for a slide that shows what it can.
    opening = next(iter(block_texts(read_blocks(brief.summary.value))), "")
    bottom_line = tuple(para(x) for x in _block_sentences(opening, brief.lang)) \
        if summary and not isinstance(summary[0], DocList) else ()
    # The fields printed as typed get the same quotes and dashes as the text around them.
    shown = replace(brief, title=smarten(brief.title, brief.lang),
                    subtitle=brief.subtitle and smarten(brief.subtitle, brief.lang),
                    memo=replace(brief.memo, subject=brief.memo.subject and smarten(
                        brief.memo.subject, brief.lang)),
                    handout=replace(brief.handout, headline=brief.handout.headline and smarten(
                        brief.handout.headline, brief.lang)))
    return Doc(shown, summary, tuple(sections), refs, warnings,
               tuple(para(r.value) for r in brief.recommendations), bottom_line)


def _lead_in(number: int, section, body: tuple[Block, ...], lang: str) -> list[Problem]:
    """A warning where the default takeaway would be the line that introduces the body's list
    ('Three options:'): a key point that ends in a colon says nothing on the handout or a slide."""
    sentence = first_sentence(section.body.value, lang).rstrip()
    if not sentence.endswith((":", "\uff1a")) or not any(isinstance(b, DocList) for b in body):
        return []
    shown = sentence if len(sentence) <= 40 else sentence[:39] + "\u2026"
    return [Problem(section.body.loc, (
        f"section {number} has no takeaway: and its body's first sentence introduces a list "
        f"('{shown}'); the handout and the deck would show it as the key point: give the "
        "section a takeaway:"))]


def _wordless(number: int, section, takeaway: Para) -> list[Problem]:
    """A warning where the default takeaway has no words, only citations (a body that opens
    with '- [@a]'): the handout and the slide would show the number alone as the key point."""
    if any(span.text.strip() for span in takeaway):
        return []
    return [Problem(section.body.loc, (
        f"section {number} has no takeaway: and its body's first sentence has no words, only "
        "citations; the handout and the deck would show them alone as the key point: give the "
        "section a takeaway:"))]


def list_items(blocks: tuple[Block, ...]) -> list[tuple[int, Para]]:
    """Every list item among blocks, in reading order, with its level: 0, or 1 if nested."""
    return [(level, p) for b in blocks if isinstance(b, DocList)
            for item in b.items
            for level, p in [(0, item.para)] + [(1, i.para) for i in (item.sub.items
                                                                       if item.sub else ())]]


def block_paras(blocks: tuple[Block, ...]):
    """Every paragraph of blocks, a list item's too, in reading order."""
    for b in blocks:
        if isinstance(b, DocList):
            yield from (p for _, p in list_items((b,)))
        else:
            yield b


def _locs(text: Text):
    # Derived texts (default takeaways) have no recorded group positions: fall back to the field.
    yield from text.cite_locs
    while True:
        yield text.loc


def _clean(text: str) -> str:
    # Control characters would print as boxes in PDFs and as _x001B_ in PowerPoint.
    # U+2011 has no glyph in the shipped fonts; a plain hyphen prints everywhere.
    text = text.replace("\u2011", "-")
    # Private-use characters are dropped too: they are the placeholders for citation groups.
    return "".join(ch for ch in text
                   if ch in "\t\n" or unicodedata.category(ch) not in ("Cc", "Cs", "Co"))


# French sets a no-break space inside « » and before ; : ! ? and % — typed as a plain space (or lost
# when whitespace is normalised), a line broke between « and its word.
_FRENCH_SPACES = [(re.compile(r"«\s*"), "«\u00a0"), (re.compile(r"\s*»"), "\u00a0»"),
                  (re.compile(r"(?<=\S)\s+(?=[;:!?](?:\s|$))"), "\u00a0"),
                  (re.compile(r"(?<=\d)\s+(?=%)"), "\u00a0")]


def _parse_inline(value: str, numbers: dict[str, int], lang: str = "en") -> Para:
    groups: list[tuple[Cite, ...]] = []

    def hold(m: re.Match) -> str:
        items = parse_group(m.group(0))
        if items is None:
            return m.group(0)
        groups.append(tuple(Cite(numbers[i], loc and smarten(loc, lang)) for i, loc in items))
        return _MARK

    marked = GROUP_RE.sub(hold, _clean(" ".join(value.split())))
    if primary_language(lang) == "fr":
        for pattern, space in _FRENCH_SPACES:
            marked = pattern.sub(space, marked)
    spans: list[Span] = []
    pending = iter(groups)
    bold = italic = 0
    href = None
    tokens = _inline_parser().parseInline(marked)[0].children or []
    before = " "  # the character before a token's text: a quote after a space opens
    for tok in tokens:
        if tok.type == "strong_open":
            bold += 1
        elif tok.type == "strong_close":
            bold -= 1
        elif tok.type == "em_open":
            italic += 1
        elif tok.type == "em_close":
            italic -= 1
        elif tok.type == "link_open":
            href = str(tok.attrs["href"])
        elif tok.type == "link_close":
            href = None
        elif tok.type in ("text", "softbreak"):
            content = smarten(tok.content, lang, before) if tok.type == "text" else " "
            before = content[-1:] or before
            for i, piece in enumerate(content.split(_MARK)):
                if i:
                    spans.append(Span(cites=next(pending)))
                if piece:
                    spans.append(Span(piece, bool(bold), bool(italic), href))
    return _merge(spans)


def _merge(spans: list[Span]) -> Para:
    out: list[Span] = []
    for s in spans:
        prev = out[-1] if out else None
        if (prev and not s.cites and not prev.cites
                and (prev.bold, prev.italic, prev.href) == (s.bold, s.italic, s.href)):
            out[-1] = Span(prev.text + s.text, s.bold, s.italic, s.href)
        else:
            out.append(s)
    # The space before a citation belongs to the citation style (a no-break space before [1],
    # none before a superscript), so renderers add it: see cite_text.
    for i in range(1, len(out)):
        if out[i].cites and not out[i - 1].cites:
            out[i - 1] = replace(out[i - 1], text=out[i - 1].text.rstrip())
    return tuple(s for s in out if s.text or s.cites)


def cite_text(cites: tuple[Cite, ...], style: str = "brackets", lead: bool = False) -> str:
    """One citation group as printed: '[1] [4, p. 2]', or '1; 4, p. 2' set as superscript.

    lead: the group follows text, so brackets get a no-break space: '[1]' never starts a line.
    A line may break between a group's citations, never inside one ('[1,' / 'pp. 14]').
    """
    def one(c: Cite) -> str:
        return f"{c.number}{', ' + c.locator if c.locator else ''}".replace(" ", "\u00a0")

    if style == "superscript":
        # '1, p. 12; 2': with a locator, commas alone would read as one number's pages.
        sep = "; " if any(c.locator for c in cites) else ","
        return sep.join(map(one, cites))
    # A short group is one word on a slide too: '[10]' never starts a line after '[7]'.
    text = ("\u00a0" if kept_whole(cites) else " ").join(f"[{one(c)}]" for c in cites)
    return "\u00a0" + text if lead else text


def plain(para: Para, style: str = "brackets") -> str:
    """Text of a paragraph with citations written out, for places that take no formatting."""
    return "".join(cite_text(s.cites, group_style(para, i, style), i > 0) if s.cites else s.text
                   for i, s in enumerate(para))


def group_style(para: Para, i: int, style: str) -> str:
    """How the citation group at span i is set: a superscript right after a digit would read
    as an exponent ('$3⁸'), so there it is set in brackets ('$3 [8]'), in every output."""
    if style == "superscript" and i > 0 and (para[i - 1].text[-1:].isdigit()
                                             or para[i - 1].text.endswith("%")):
        return "brackets"
    return style


# A group of a few short citations is kept on one line ('[9] [10, ch. 4]' never splits); a
# longer one breaks between its citations, never inside one.
WHOLE_GROUP = (4, 40)


def kept_whole(cites: tuple[Cite, ...]) -> bool:
    return len(cites) <= WHOLE_GROUP[0] and sum(
        len(str(c.number)) + len(c.locator or "") + 4 for c in cites) <= WHOLE_GROUP[1]


def join_names(names: tuple[str, ...], lang: str = "en") -> str:
    conj = f" {labels_for(lang)['and']} "
    if len(names) <= 2:
        return conj.join(names)
    return ", ".join(names[:-1]) + conj + names[-1]


def split_para(para: Para, offset: int, style: str = "brackets") -> tuple[Para, Para]:
    """Split at a character offset of plain(para, style); a citation group is never cut."""
    head: list[Span] = []
    tail: list[Span] = []
    pos = 0
    for i, span in enumerate(para):
        text = cite_text(span.cites, style, i > 0) if span.cites else span.text
        if pos >= offset:
            tail.append(span)
        elif span.cites or pos + len(text) <= offset:
            head.append(span)
        else:
            cut = offset - pos
            head.append(replace(span, text=span.text[:cut]))
            tail.append(replace(span, text=span.text[cut:]))
        pos += len(text)
    if tail and not tail[0].cites:
        tail[0] = replace(tail[0], text=tail[0].text.lstrip())
    if head and not head[-1].cites:
        head[-1] = replace(head[-1], text=head[-1].text.rstrip())
    return tuple(s for s in head if s.text or s.cites), tuple(s for s in tail if s.text or s.cites)


SHORT_HEADING = 40  # characters


def split_heading(heading: Para) -> tuple[Para, Para | None]:
    """'Legal boundaries: localities aren't required...' -> short title, kicker line."""
    text = plain(heading)
    m = re.search(r":\s+|\s+[—–]\s+|—", text)
    # A short heading stays whole: 'Case study: Boston' and its parallel 'Case study: Kansas
    # City' then read alike, on the slide and in the handout.
    if not m or m.start() < 8 or len(text) - m.end() < 8 or len(text) <= SHORT_HEADING:
        return heading, None
    title, _ = split_para(heading, m.start())
    _, kicker = split_para(heading, m.end())
    first = kicker[0].text.split(" ", 1)[0] if kicker and not kicker[0].cites else ""
    # Capitalised as a line of its own, unless its first word has capitals already ('iPhone').
    if first and first == first.lower():
        kicker = (replace(kicker[0], text=kicker[0].text[0].upper() + kicker[0].text[1:]),
                  *kicker[1:])
    return title, kicker


# Words that name an organisation, not a person, in the languages briefgen has labels for.
_ORGANISATION_WORDS = set("""
    academy administration agency alliance association authority bank board bureau center centre
    coalition college commission committee congress corp corporation council county court
    department fund institution international
    forum foundation government group inc initiative institute journal lab labs league ltd
    ministry network news office organisation organization parliament partnership police post
    press program programme project review senate service services society times trust union
    university watch
    agentur amt bundesamt bundesbank gesellschaft institut kommission landesamt ministerium rat
    stiftung universität verband verein zentralbank zentrum
    agence banque conseil cour direction fondation ministère observatoire université ville
    agencia ayuntamiento banco centro comisión consejo fundación gobierno instituto ministerio
    observatorio tribunal universidad
""".split())
# Lower-case words a person's name may hold: 'Ludwig van Beethoven', 'Ana de la Cruz'.
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "das", "do", "dos",
              "du", "e", "la", "le", "y", "bin", "al", "ten", "ter", "zu"}


def is_organisation(name: str) -> bool:
    words = name.split()
    return len([w for w in words if w not in _PARTICLES]) > 3 or any(
        w.strip(".,").lower() in _ORGANISATION_WORDS or any(ch.isdigit() or ch == "&" for ch in w)
        or (w[0].islower() and w not in _PARTICLES) for w in words)


# Works known by their title when they name no author: a court case, a bill, a book.
_TITLED_TYPES = {"legal_case", "bill", "legislation", "treaty", "book", "chapter", "regulation"}


def short_name(ref, lang: str = "en", space: str = " ") -> str:
    """How a footer names a source: authors' surnames or the publisher, and the year (after
    space: a slide's footer keeps the year with the name)."""
    if ref.short:  # the style's own: 'Hausman, 2020'; the year kept with the name
        name, _, year = ref.short.rpartition(" ")
        return f"{name}{space}{year}" if name else year
    s = ref.source
    if s.authors:
        # A person's surname; an organisation ("U.S. Conference of Mayors") stays whole.
        surnames = [a if is_organisation(a) else a.split()[-1] for a in s.authors]
        if len(surnames) <= 2:
            name = join_names(tuple(surnames), lang)
        else:
            name = f"{surnames[0]} {labels_for(lang)['et_al']}"
    elif s.library and s.item.get("type") in _TITLED_TYPES:
        name = s.title  # 'Arizona v. United States', not its reporter 'U.S.'
    else:
        name = s.publisher or s.title
    name = re.sub(r",.*", "", name)
    if len(name) > 40:  # cut after a word: 'City Planning Commi…' looked like a misprint
        cut = name[:40].rsplit(" ", 1)[0].rstrip(" -–—:;(")
        name = (cut if len(cut) >= 20 else name[:39].rstrip()) + "…"  # not 'Die…
    year = source_year(ref)
    return f"{name}{space}{year}" if year else name


def source_year(ref) -> str:
    year = re.match(r"\d{4}", ref.source.date or "")
    return year.group(0) if year else ""
