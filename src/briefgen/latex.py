"""A .bib field's LaTeX as Unicode text, reading no file. The only pylatexenc import."""

from __future__ import annotations

import re
import unicodedata

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


def latex_text(text: str) -> str:
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
                close = matching(text, j)
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


_QUOTE_MARK_RE = re.compile(r'(?<!\\)[{}"]')


def matching(raw: str, i: int) -> int | None:
    """The offset of what closes raw[i] ('{' or '"'), as BibTeX and LaTeX read a group: braces
    inside must balance."""
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
