"""Doc -> memo.docx with python-docx: the only module that imports docx.

The Word memo prints what memo.pdf prints, in its order, with the same citation numbers and
headings, but as a document a reader edits: real Word styles (Title, Heading 1, List Bullet,
Caption, ...) that reflow and show in Word's navigation pane, citations linked to bookmarks on
their sources, and running heads whose page numbers are fields. A theme's reference .docx (an
organisation's template) lends its styles, page set-up, header and footer.
"""
from __future__ import annotations

import base64
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from .cite import cite_text, figure_loc, group_style
from .errors import BriefError, Loc, Problem
from .labels import format_date, labels_for
from .model import Doc, DocChart, DocFigure, DocList, DocTable, ListItem, Para, Span
from .package import fixed_zip_times
from .raster import measure_svg, rasterise, refuse_outside_references
from .theme import Theme

# The names Word knows the theme's metric-compatible fonts by: a reader's Word has Calibri, not
# Carlito, and lays the text out with the same widths.
OFFICE_NAMES = {"Carlito": "Calibri", "Caladea": "Cambria", "Liberation Sans": "Arial",
                "Liberation Serif": "Times New Roman"}
TABLE_STYLE = "Memo Table"
# Every style the memo may use: a reference document should define them all (check_reference).
MEMO_STYLES = ("Normal", "Title", "Subtitle", "Heading 1", "List Bullet", "List Bullet 2",
               "List Number", "List Number 2", "Caption", TABLE_STYLE, "Hyperlink")
# Characters XML 1.0 cannot hold (python-docx raises ValueError on them); tabs and line breaks
# would become Word tabs and breaks, which the PDF does not print either.
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile("[\t\n\r]")
_TOP_MARGIN_IN, _BOTTOM_MARGIN_IN = 0.9, 0.8  # as the memo's @page rule
_PAPER_IN = {"letter": (8.5, 11.0), "a4": (8.2677, 11.6929)}
_FIGURE_TALLEST_IN = 3.6  # figure img { max-height: 3.6in }
_RTL = {"ar", "he", "fa", "ur", "yi", "ps", "dv", "ug"}

_RPR = ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike",
        "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden",
        "color", "spacing", "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect",
        "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout",
        "specVanish", "oMath")
_PPR = ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
        "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku",
        "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi",
        "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents",
        "suppressOverlap", "jc", "textDirection", "textAlignment", "textboxTightWrap",
        "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange")
_TBLPR = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
          "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd",
          "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription")
_TCPR = ("cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap",
         "tcMar", "textDirection", "tcFitText", "vAlign", "hideMark")
_NUMBERING = ("numPicBullet", "abstractNum", "num", "numIdMacAtCleanup")
_EMU_PER_PT = 12700
_APP_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://'
            'schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>'
            'briefgen</Application></Properties>')


def write_docx(doc: Doc, theme: Theme, path: Path, stamp: dt.datetime,
               paper: str | None = None) -> None:
    """Write the memo as a Word document at path (bytes the same for the same stamp)."""
    document = _open(theme)
    memo = _Memo(document, doc, theme, labels_for(doc.brief.lang))
    _set_up_page(memo, paper, reference=theme.reference_docx is not None)
    _set_up_styles(memo)
    _write_running_heads(memo)
    _write_memo_head(memo)
    _write_title(memo)
    _write_bottom_line(memo)
    for s in doc.sections:
        heading = _add_paragraph(memo, document, "Heading 1")
        _write_number(memo, heading, s.number)
        _write_spans(memo, heading, s.heading)
        _write_blocks(memo, document, s.paras)
        if s.figure:
            _write_figure(memo, s.figure)
        if s.table:
            _write_table(memo, s.table)
        if s.chart:
            _write_chart(memo, s.chart, s.number)
    if doc.recommendations:
        heading = _add_paragraph(memo, document, "Heading 1")
        _write_number(memo, heading, len(doc.sections) + 1)
        _add_run(heading, memo.labels["recommendations"])
        items = tuple(ListItem(p) for p in doc.recommendations)
        _write_list(memo, document, DocList(True, 1, items))
    if doc.refs:
        _write_sources(memo)
    _set_properties(memo, stamp)
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(fixed_zip_times(buffer.getvalue(), _naive_utc(stamp)))


def check_reference(theme: Theme) -> list[Problem]:
    """The styles the memo uses that theme.reference_docx lacks, as warnings located at the
    theme's memo.reference_docx field (a build adds each in briefgen's look); empty without a
    reference document. Raises BriefError for one python-docx cannot open."""
    reference = theme.reference_docx
    if reference is None:
        return []
    document = _read_reference(reference, _reference_loc(theme))
    return [Problem(_reference_loc(theme), (
        f"the Word template {reference.name} has no style '{name}', which the memo uses: "
        "briefgen adds it in its own look")) for name in MEMO_STYLES if name not in document.styles]


# ----- the document and its styles -----

@dataclass
class _Memo:
    """What the writing functions share: the document, the brief's Doc, the theme, and the
    numbering, bookmark and drawing ids handed out so far."""

    document: object
    doc: Doc
    theme: Theme
    labels: dict
    lists: dict = field(default_factory=dict)  # "bullet" / "number" -> abstractNumId
    bookmarks: int = 0
    figures: int = 0
    drawing_id: int | None = None  # the last wp:docPr id given, across body, headers, footers
    styles: dict = field(default_factory=dict)  # name -> python-docx style, looked up once
    named: dict | None = None  # the document's style elements by their internal names

    @property
    def heading_font(self) -> str:
        return rename_for_office(self.theme.heading.family)

    @property
    def body_font(self) -> str:
        return rename_for_office(self.theme.body.family)

    def hex(self, name: str) -> str:
        return self.theme.colors[name].lstrip("#").upper()[:6]

    def rgb(self, name: str):
        from docx.shared import RGBColor

        return RGBColor.from_string(self.hex(name))

    def style(self, name: str):
        """The document's style of this name, added (in our look) when a reference document
        lacks it: a missing style never stops a build. Remembered: python-docx finds a style
        by reading every style in the document."""
        found = self.styles.get(name)
        if found is None:
            found = self.find_style(name) or _add_style(self, name)
            self.styles[name] = found
        return found

    def find_style(self, name: str):
        """The document's style of this name, or None; all found in one reading."""
        from docx.styles import BabelFish
        from docx.styles.style import StyleFactory

        if self.named is None:
            self.named = {}
            for el in self.document.styles.element.style_lst:
                self.named.setdefault(el.name_val, el)
        el = self.named.get(BabelFish.ui2internal(name))
        return None if el is None else StyleFactory(el)

    @property
    def text_width_emu(self) -> int:
        section = self.document.sections[-1]
        return int(section.page_width - section.left_margin - section.right_margin)


def rename_for_office(family: str) -> str:
    """The font name written into the document: Word's name for a metric-compatible family."""
    return OFFICE_NAMES.get(family, family)


def _add_style(memo: _Memo, name: str):
    from docx.enum.style import WD_STYLE_TYPE

    styles = memo.document.styles
    kind = (WD_STYLE_TYPE.TABLE if name == TABLE_STYLE else
            WD_STYLE_TYPE.CHARACTER if name == "Hyperlink" else WD_STYLE_TYPE.PARAGRAPH)
    # Word's own styles are built in (no customStyle): Word then treats them as its own.
    added = styles.add_style(name, kind, builtin=name != TABLE_STYLE)
    if name == "Normal":
        # Without a default paragraph style Word and LibreOffice give unstyled text theirs.
        if not any(s.get(_qn("w:default")) == "1" and s.get(_qn("w:type")) == "paragraph"
                   for s in styles.element.findall(_qn("w:style"))):
            added.element.set(_qn("w:default"), "1")
    elif kind == WD_STYLE_TYPE.PARAGRAPH:
        added.base_style = memo.style("Normal")
    _apply_look(memo, name, added)
    return added


def _open(theme: Theme):
    """The reference document emptied of its text, or python-docx's default; either without
    the parts that would describe someone else's document."""
    from docx import Document

    if theme.reference_docx is None:
        document = Document()
    else:
        document = _read_reference(theme.reference_docx, _reference_loc(theme))
        body = document.element.body
        for child in list(body):
            if child.tag != _qn("w:sectPr"):
                body.remove(child)
    part = document.part
    for rid, rel in list(part.rels.items()):
        # Pictures and links of the template's removed text would ride along unused, and
        # stylesWithEffects holds the styles as they were before ours (Word remakes it).
        if rel.reltype.endswith(("/image", "/hyperlink", "/stylesWithEffects")):
            part.drop_rel(rid)
    _drop_package_parts(document)
    return document


_WORD_TYPE = b"application/vnd.openxmlformats-officedocument.wordprocessingml."
_TEMPLATE_TYPE = _WORD_TYPE + b"template.main+xml"
_DOCUMENT_TYPE = _WORD_TYPE + b"document.main+xml"


def _read_reference(path: Path, loc: Loc | None = None):
    """The organisation's Word file, a .docx or a Word template (.dotx, what organisations hand
    out): python-docx opens only documents, and a template differs from one by its main
    part's content type alone."""
    import zipfile

    from docx import Document

    try:
        data = path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            types = z.read("[Content_Types].xml")
            if _TEMPLATE_TYPE in types:
                out = io.BytesIO()
                with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
                    for info in z.infolist():
                        part = z.read(info)
                        copy.writestr(info, part.replace(_TEMPLATE_TYPE, _DOCUMENT_TYPE)
                                      if info.filename == "[Content_Types].xml" else part)
                data = out.getvalue()
        return Document(io.BytesIO(data))
    except Exception as e:  # noqa: BLE001 - python-docx raises many types for a broken package
        said = str(e).replace(str(path), path.name).splitlines()
        reason = said[0][:200] if said else type(e).__name__
        raise BriefError.at(loc or Loc(str(path)), f"the Word template {path.name} cannot be "
                                                   f"opened by python-docx: {reason}") from None


def _reference_loc(theme: Theme) -> Loc:
    return theme.field_locs.get("memo.reference_docx", Loc(str(theme.source)))


def _drop_package_parts(document) -> None:
    """The template's preview picture (python-docx's is of an empty page) goes, and its
    statistics (pages, words, the application that last saved it) are not ours to claim."""
    package = document.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[rid]
        elif rel.reltype.endswith("/extended-properties"):
            rel.target_part._blob = _APP_XML.encode("utf-8")


def _set_up_styles(memo: _Memo) -> None:
    """Our look on the styles the memo uses. A reference document keeps its own: only the ones
    it lacks are added, in our look (_Memo.style)."""
    reference = memo.theme.reference_docx is not None
    if not reference:
        _set_defaults(memo)
    for name in MEMO_STYLES + ("Heading 2", "Header", "Footer"):
        if reference or memo.find_style(name) is None:
            memo.style(name)  # added in our look when missing
        else:
            _apply_look(memo, name, memo.style(name))
    _set_language(memo)
    settings = memo.document.settings.element
    if settings.find(_qn("w:autoHyphenation")) is None:
        # The PDF hyphenates its justified text; Word and LibreOffice do so with this on.
        _insert_after(settings, _el("w:autoHyphenation"), ("w:defaultTabStop",))


def _set_defaults(memo: _Memo) -> None:
    """The body font, size and colour as the document's defaults, not Normal's: a table style's
    font then reaches its cells (Normal's would override it)."""
    styles = memo.document.styles.element
    defaults = styles.find(_qn("w:docDefaults"))
    rpr = defaults.find(f"{_qn('w:rPrDefault')}/{_qn('w:rPr')}")
    _set_fonts(rpr, memo.body_font)
    _put(rpr, _RPR, "color", val=memo.hex("text"))
    size = str(round(memo.theme.body_size * 2))
    _put(rpr, _RPR, "sz", val=size)
    _put(rpr, _RPR, "szCs", val=size)
    ppr = defaults.find(f"{_qn('w:pPrDefault')}/{_qn('w:pPr')}")
    if ppr is not None:
        _put(ppr, _PPR, "spacing", after="0", line="240", lineRule="auto")


def _set_language(memo: _Memo) -> None:
    lang = memo.doc.brief.lang
    defaults = memo.document.styles.element.find(_qn("w:docDefaults"))
    rpr = defaults.find(f"{_qn('w:rPrDefault')}/{_qn('w:rPr')}") if defaults is not None else None
    if rpr is None:
        return
    found = rpr.find(_qn("w:lang"))
    if found is None:
        found = _put(rpr, _RPR, "lang")
    found.set(_qn("w:val"), lang)
    if lang.split("-")[0].lower() in _RTL:
        found.set(_qn("w:bidi"), lang)


def _apply_look(memo: _Memo, name: str, style) -> None:
    """Our look for one style, from the theme's tokens (the memo's CSS, in Word's terms)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    size = memo.theme.body_size
    el = style.element
    for tag in ("w:pPr", "w:rPr", "w:tblPr", "w:tblStylePr", "w:trPr", "w:tcPr"):
        for old in el.findall(_qn(tag)):
            el.remove(old)
    if name == TABLE_STYLE:
        _apply_table_look(memo, style)
        return
    font = style.font
    if name == "Hyperlink":
        font.color.rgb = memo.rgb("primary")
        font.underline = True
        return
    fmt = style.paragraph_format
    heading = name not in ("Normal", "List Bullet", "List Bullet 2", "List Number",
                           "List Number 2")
    if heading:
        _set_fonts(el.get_or_add_rPr(), memo.heading_font)
    fmt.alignment = WD_ALIGN_PARAGRAPH.LEFT
    fmt.widow_control = True
    if name == "Normal":
        fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        fmt.space_after = Pt(6.5)
        # At least the PDF's line pitch (line-height 1.32): a superscript or a glyph from a
        # fallback font may take more.
        fmt.line_spacing_rule = WD_LINE_SPACING.AT_LEAST
        fmt.line_spacing = Pt(round(size * 1.32, 1))
    elif name.startswith("List"):
        fmt.space_after = Pt(2.5)
        if name.endswith("2"):
            fmt.space_before = Pt(2)
        _number_list_style(memo, style, name)
    elif name == "Title":
        font.size, font.bold, font.color.rgb = Pt(18), True, memo.rgb("primary")
        fmt.space_after, fmt.keep_with_next = Pt(3), True
        fmt.line_spacing = 1.0
    elif name == "Subtitle":
        font.size, font.italic, font.color.rgb = Pt(11.5), True, memo.rgb("muted")
        fmt.space_after, fmt.keep_with_next = Pt(10), True
    elif name in ("Heading 1", "Heading 2"):
        font.size = Pt(13 if name == "Heading 1" else 11)
        font.bold, font.color.rgb = True, memo.rgb("primary")
        fmt.space_before = Pt(15 if name == "Heading 1" else 10)
        fmt.space_after = Pt(5 if name == "Heading 1" else 4)
        fmt.keep_with_next = fmt.keep_together = True
        fmt.line_spacing = 1.0
        _put(el.get_or_add_pPr(), _PPR, "outlineLvl", val="0" if name == "Heading 1" else "1")
    elif name == "Caption":
        font.size, font.color.rgb = Pt(8.5), memo.rgb("muted")
        font.bold = font.italic = False
        fmt.space_before, fmt.space_after = Pt(4), Pt(10)
    elif name in ("Header", "Footer"):
        font.size, font.color.rgb = Pt(8), memo.rgb("muted")


def _apply_table_look(memo: _Memo, style) -> None:
    """Rules as the PDF's tables have them: a heavy rule above and below, a light one between
    rows, the header row bold in the primary colour over a rule; the heading font at 0.9 of
    the body size."""
    from .exhibits import table_size

    el = style.element
    size = table_size(memo.theme, 0)
    ppr = _sub(el, "w:pPr")
    _put(ppr, _PPR, "spacing", before="0", after="0", line="264", lineRule="auto")
    _put(ppr, _PPR, "jc", val="left")
    rpr = _sub(el, "w:rPr")
    _set_fonts(rpr, memo.heading_font)
    _put(rpr, _RPR, "sz", val=str(round(size * 2)))
    _put(rpr, _RPR, "szCs", val=str(round(size * 2)))
    tblpr = _sub(el, "w:tblPr")
    borders = _put(tblpr, _TBLPR, "tblBorders")
    for side, sz, color in (("top", 10, "primary"), ("bottom", 8, "primary"),
                            ("insideH", 3, "rule")):
        borders.append(_el(f"w:{side}", val="single", sz=str(sz), space="0",
                           color=memo.hex(color)))
    _set_cell_margins(tblpr, size)
    header = _el("w:tblStylePr", type="firstRow")
    el.append(header)
    header_rpr = _sub(header, "w:rPr")
    header_rpr.append(_el("w:b"))
    header_rpr.append(_el("w:color", val=memo.hex("primary")))
    tcpr = _sub(header, "w:tcPr")
    tc_borders = _sub(tcpr, "w:tcBorders")
    tc_borders.append(_el("w:bottom", val="single", sz="6", space="0",
                          color=memo.hex("primary")))
    tcpr.append(_el("w:vAlign", val="bottom"))


def _set_cell_margins(tblpr, size: float) -> None:
    """Cell padding as the PDF's (0.55em at the sides), for the table's type size."""
    pad = str(round(size * 0.55 * 20))
    margins = _put(tblpr, _TBLPR, "tblCellMar")
    for side, value in (("top", "40"), ("left", pad), ("bottom", "50"), ("right", pad)):
        margins.append(_el(f"w:{side}", w=value, type="dxa"))


def _number_list_style(memo: _Memo, style, name: str) -> None:
    """A list style that numbers itself: a paragraph a reader gives it in Word gets its bullet
    or number."""
    kind = "number" if name.startswith("List Number") else "bullet"
    level = 1 if name.endswith("2") else 0
    _set_numbering(style.element.get_or_add_pPr(), level, _new_num(memo, kind, level, None))


# ----- numbering -----

def _find_numbering(memo: _Memo):
    """The numbering part's root, made when a reference document has none (python-docx's
    NumberingPart.new is not implemented)."""
    part = memo.document.part
    try:
        return part.numbering_part.element
    except (KeyError, NotImplementedError):
        from docx.opc.constants import CONTENT_TYPE as CT, RELATIONSHIP_TYPE as RT
        from docx.opc.packuri import PackURI
        from docx.oxml import parse_xml
        from docx.parts.numbering import NumberingPart

        xml = ('<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
               'main"/>')
        numbering = NumberingPart(PackURI("/word/numbering.xml"), CT.WML_NUMBERING,
                                  parse_xml(xml), part.package)
        part.relate_to(numbering, RT.NUMBERING)
        return numbering.element


def _define_list(memo: _Memo, kind: str) -> int:
    """Our two-level list definition of this kind: bullets (a dot, then an en dash, as the
    PDF's) or numbers, markers in the heading font and the accent colour."""
    if kind in memo.lists:
        return memo.lists[kind]
    root = _find_numbering(memo)
    ids = [int(a.get(_qn("w:abstractNumId"))) for a in root.findall(_qn("w:abstractNum"))]
    number = max(ids, default=-1) + 1
    abstract = _el("w:abstractNum", abstractNumId=str(number))
    abstract.append(_el("w:multiLevelType", val="multilevel"))
    size = memo.theme.body_size
    for level in (0, 1):
        lvl = _el("w:lvl", ilvl=str(level))
        lvl.append(_el("w:start", val="1"))
        lvl.append(_el("w:numFmt", val="decimal" if kind == "number" else "bullet"))
        text = f"%{level + 1}." if kind == "number" else ("\u2022" if level == 0 else "\u2013")
        lvl.append(_el("w:lvlText", val=text))
        lvl.append(_el("w:lvlJc", val="left"))
        ppr = _sub(lvl, "w:pPr")
        # padding-left 1.6em, a nested list 1.3em more (style.css .doc-list)
        left = round(size * (1.6 if level == 0 else 2.9) * 20)
        ppr.append(_el("w:ind", left=str(left), hanging=str(round(size * 1.2 * 20))))
        rpr = _sub(lvl, "w:rPr")
        _set_fonts(rpr, memo.heading_font)
        if kind == "number":
            rpr.append(_el("w:b"))
        rpr.append(_el("w:color", val=memo.hex("accent")))
        abstract.append(lvl)
    _put_in_order(root, _NUMBERING, "abstractNum", abstract)
    memo.lists[kind] = number
    return number


def _new_num(memo: _Memo, kind: str, level: int, start: int | None) -> int:
    """A list instance of our definition: each list counts from its own start."""
    abstract = _define_list(memo, kind)
    root = _find_numbering(memo)
    ids = [int(n.get(_qn("w:numId"))) for n in root.findall(_qn("w:num"))]
    number = max(ids, default=0) + 1
    num = _el("w:num", numId=str(number))
    num.append(_el("w:abstractNumId", val=str(abstract)))
    if start is not None:
        override = _el("w:lvlOverride", ilvl=str(level))
        override.append(_el("w:startOverride", val=str(start)))
        num.append(override)
    # Before a Word for Mac template's numIdMacAtCleanup, which must come last.
    _put_in_order(root, _NUMBERING, "num", num)
    return number


def _set_numbering(ppr, level: int, num: int) -> None:
    numpr = ppr.get_or_add_numPr()
    numpr.get_or_add_ilvl().val = level
    numpr.get_or_add_numId().val = num


# ----- page, running heads, properties -----

def _set_up_page(memo: _Memo, paper: str | None, reference: bool) -> None:
    from docx.shared import Inches

    section = memo.document.sections[-1]
    if not reference or paper:
        width, height = _PAPER_IN.get((paper or memo.theme.paper).lower(), _PAPER_IN["letter"])
        section.page_width, section.page_height = Inches(width), Inches(height)
    if reference:
        return
    from .exhibits import length_pt
    from docx.shared import Pt

    section.left_margin = section.right_margin = Pt(length_pt(memo.theme.margin))
    section.top_margin, section.bottom_margin = Inches(_TOP_MARGIN_IN), Inches(_BOTTOM_MARGIN_IN)
    section.header_distance, section.footer_distance = Inches(0.45), Inches(0.4)


def _write_running_heads(memo: _Memo) -> None:
    """As memo.pdf's: from the second page the subject left and the date right over a rule;
    on every page the author left and 'Page X of Y' right; DRAFT centred on a draft. A
    reference document's own header or footer is kept, each on its own; a draft's is marked."""
    section = memo.document.sections[-1]
    heads = (section.header, section.first_page_header)
    feet = (section.footer, section.first_page_footer)
    own_head = all(h.is_linked_to_previous for h in heads)
    own_foot = all(f.is_linked_to_previous for f in feet)
    draft = memo.doc.brief.status == "draft"
    if own_head and (own_foot or section.different_first_page_header_footer
                     or not feet[1].is_linked_to_previous):
        # A first page without the running head, unless that would leave a template's footer
        # off it (a first page's footer is its own).
        section.different_first_page_header_footer = True
    if own_head:
        _write_header(memo, section)
    elif draft:
        for header in heads:
            if not header.is_linked_to_previous:
                _mark_draft(memo, header.add_paragraph(), centred=True)
    if own_foot:
        for footer in feet[:2 if section.different_first_page_header_footer else 1]:
            _write_footer(memo, footer.paragraphs[0])


def _write_header(memo: _Memo, section) -> None:
    b = memo.doc.brief
    draft = b.status == "draft"
    date = format_date(b.date, b.lang)
    head = section.header.paragraphs[0]
    _set_style(memo, head, "Header")
    _set_head_tabs(head, memo.text_width_emu)
    _add_run(head, _shorten_subject(memo, b.memo.subject or b.title, date, draft))
    head.add_run("\t")
    if draft:
        _mark_draft(memo, head)
    head.add_run("\t")
    _add_run(head, date)
    _add_border(memo, head, "bottom", 5, "rule", space=5)
    if section.different_first_page_header_footer:
        first = section.first_page_header.paragraphs[0]
        _set_style(memo, first, "Header")
        if draft:
            _mark_draft(memo, first, centred=True)


def _shorten_subject(memo: _Memo, subject: str, date: str, draft: bool) -> str:
    """The subject cut to the one line it has beside the date (and the centred DRAFT): the
    running head of every page would otherwise take three."""
    from .fonts import metrics
    from .html import shorten

    font, size = memo.theme.heading.regular, 8
    width = memo.text_width_emu / _EMU_PER_PT
    gap = 12  # the space a reader sees between the subject and what follows it
    if draft:
        mark = metrics(memo.theme.heading.bold).width(memo.labels["draft"], 9)
        room = width / 2 - (mark + 1.8 * len(memo.labels["draft"])) / 2 - gap
    else:
        room = width - metrics(font).width(date, size) - gap
    return shorten(clean(subject), font, size, room)


def _write_footer(memo: _Memo, p) -> None:
    b = memo.doc.brief
    _set_style(memo, p, "Footer")
    _set_head_tabs(p, memo.text_width_emu)
    author = b.memo.from_ or ", ".join(b.authors)
    if author:
        _add_run(p, author)
    p.add_run("\t\t")
    _add_run(p, f"{memo.labels['page']} ")
    _add_field(p, "PAGE", "1")
    _add_run(p, f" {memo.labels['of']} ")
    _add_field(p, "NUMPAGES", "1")


def _set_head_tabs(paragraph, width: int) -> None:
    """A centre and a right tab at the text block's middle and edge, and no other: Word's own
    Header and Footer styles, which most organisations' templates keep, have tabs for a wider
    page (at 3.25 and 6.5 in), and the page number stopped at the first of them."""
    from docx.enum.text import WD_TAB_ALIGNMENT

    tabs = paragraph.paragraph_format.tab_stops
    style = paragraph.style
    while style is not None:
        for tab in style.paragraph_format.tab_stops:
            if tab.alignment != WD_TAB_ALIGNMENT.CLEAR and tab.position not in (width // 2, width):
                tabs.add_tab_stop(tab.position, WD_TAB_ALIGNMENT.CLEAR)
        style = style.base_style
    tabs.add_tab_stop(width // 2, WD_TAB_ALIGNMENT.CENTER)
    tabs.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)


def _mark_draft(memo: _Memo, paragraph, centred: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    if centred:
        _set_style(memo, paragraph, "Header")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = _add_run(paragraph, memo.labels["draft"])
    run.bold = True
    run.font.size = Pt(9)
    run.font.color.rgb = memo.rgb("accent")
    _put(run._r.get_or_add_rPr(), _RPR, "spacing", val="36")


def _add_field(paragraph, code: str, shown: str) -> None:
    """A field Word updates as it lays out (PAGE, NUMPAGES), with a first value to show."""
    for kind, text in (("begin", None), (None, f" {code} "), ("separate", None), (None, shown),
                       ("end", None)):
        run = paragraph.add_run()
        if kind:
            run._r.append(_el("w:fldChar", fldCharType=kind))
        elif text == shown:
            run.text = shown
        else:
            instr = _el("w:instrText")
            instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            instr.text = text
            run._r.append(instr)


def _set_properties(memo: _Memo, stamp: dt.datetime) -> None:
    b = memo.doc.brief
    props = memo.document.core_properties
    # Core properties hold at most 255 characters.
    props.title = clean(b.title)[:255]
    props.author = clean(b.memo.from_ or ", ".join(b.authors))[:255]
    props.subject = clean(b.memo.subject or "")[:255]
    props.language = b.lang
    props.last_modified_by, props.revision = "briefgen", 1
    props.keywords = props.comments = props.category = ""
    props.identifier = props.content_status = props.version = ""
    props.created = props.modified = props.last_printed = _naive_utc(stamp)


def _naive_utc(stamp: dt.datetime) -> dt.datetime:
    """The stamp as python-docx and zip dates take it: UTC without a zone."""
    return stamp.astimezone(dt.timezone.utc).replace(tzinfo=None) if stamp.tzinfo else stamp


# ----- the memo's parts, in the order memo.html prints them -----

def _write_memo_head(memo: _Memo) -> None:
    """MEMORANDUM over a heavy rule, the logo or organisation at its right, then To, From,
    Date and Subject in a borderless table."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
    from docx.shared import Pt

    b, labels, theme, document = memo.doc.brief, memo.labels, memo.theme, memo.document
    kicker = _add_paragraph(memo, document, "Normal")
    kicker.alignment = WD_ALIGN_PARAGRAPH.LEFT
    kicker.paragraph_format.space_after = Pt(6)
    kicker.paragraph_format.tab_stops.add_tab_stop(memo.text_width_emu, WD_TAB_ALIGNMENT.RIGHT)
    _add_border(memo, kicker, "top", 40, "primary", space=9)
    run = _add_run(kicker, labels["memorandum"])
    _format_run(memo, run, 21, "primary", bold=True, caps=True, spacing=0.16)
    if b.status == "draft":
        kicker.add_run(" ")
        tag = _add_run(kicker, f"\u00a0{labels['draft']}\u00a0")
        _format_run(memo, tag, 10.5, "background", bold=True, spacing=0.12)
        _put(tag._r.get_or_add_rPr(), _RPR, "shd", val="clear", color="auto",
             fill=memo.hex("accent"))
        _put(tag._r.get_or_add_rPr(), _RPR, "position", val="6")
    if theme.logo or theme.organisation:
        kicker.add_run("\t")
        if theme.logo:
            _write_picture(memo, kicker.add_run(), theme.logo, theme.logo_alt,
                           max_w=1.8 * 72, max_h=0.55 * 72, name="Logo")
        else:
            org = _add_run(kicker, theme.organisation)
            _format_run(memo, org, 10, "primary", bold=True)
    rows = []
    if b.memo.to:
        rows.append((labels["to"], b.memo.to, False))
    if b.memo.from_ or b.authors:
        rows.append((labels["from"], b.memo.from_ or ", ".join(b.authors), False))
    rows.append((labels["date"], format_date(b.date, b.lang), False))
    rows.append((labels["subject"], b.memo.subject or b.title, True))
    table = document.add_table(rows=len(rows), cols=2)
    _make_plain(table)
    label_w = int(0.95 * 914400)
    _set_column_widths(table, [label_w, memo.text_width_emu - label_w])
    for row, (label, value, strong) in zip(table.rows, rows):
        for cell, text, is_label in ((row.cells[0], label, True), (row.cells[1], value, False)):
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT
            p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(2.2)
            p.paragraph_format.line_spacing = 1.0
            run = _add_run(p, text)
            if is_label:
                _format_run(memo, run, 8.5, "muted", bold=True, caps=True, spacing=0.08)
            else:
                _format_run(memo, run, 10.5, "text", bold=strong)


def _write_title(memo: _Memo) -> None:
    from docx.shared import Pt

    b = memo.doc.brief
    title = _add_paragraph(memo, memo.document, "Title")
    title.paragraph_format.space_before = Pt(6)
    # memo.pdf rules off its header block; here the rule is the title's, so they stay together.
    _add_border(memo, title, "top", 10, "primary", space=12)
    _add_run(title, b.title)
    if b.subtitle:
        _add_run(_add_paragraph(memo, memo.document, "Subtitle"), b.subtitle)


def _write_bottom_line(memo: _Memo) -> None:
    """The summary in a shaded panel with an accent bar on its left, as in memo.pdf: a table
    of one cell, which Word and LibreOffice both draw as one box around lists and paragraphs
    alike (paragraph borders break into a box per list item)."""
    from docx.shared import Pt

    panel = memo.document.add_table(rows=1, cols=1)
    _make_plain(panel)
    _set_column_widths(panel, [memo.text_width_emu])
    cell = panel.cell(0, 0)
    tcpr = cell._tc.get_or_add_tcPr()
    _put(tcpr, _TCPR, "shd", val="clear", color="auto", fill=memo.hex("panel"))
    borders = _put(tcpr, _TCPR, "tcBorders")
    borders.append(_el("w:left", val="single", sz="32", space="0", color=memo.hex("accent")))
    margins = _put(tcpr, _TCPR, "tcMar")
    for side, pt in (("top", 9), ("left", 13), ("bottom", 3), ("right", 13)):
        margins.append(_el(f"w:{side}", w=str(pt * 20), type="dxa"))
    heading = cell.paragraphs[0]
    _set_style(memo, heading, "Heading 1")
    fmt = heading.paragraph_format
    fmt.space_before, fmt.space_after = Pt(0), Pt(4)
    run = _add_run(heading, memo.labels["bottom_line"])
    _format_run(memo, run, 9, "accent", bold=True, caps=True, spacing=0.12)
    _write_blocks(memo, cell, memo.doc.summary)


def _write_number(memo: _Memo, heading, number: int) -> None:
    run = _add_run(heading, f"{number}.")
    if memo.theme.reference_docx is None:  # an organisation's headings keep their own colour
        run.font.color.rgb = memo.rgb("accent")
    heading.add_run(" ")


def _write_blocks(memo: _Memo, container, blocks) -> None:
    for block in blocks:
        if isinstance(block, DocList):
            _write_list(memo, container, block)
        else:
            _write_spans(memo, _add_paragraph(memo, container, "Normal"), block)


def _write_list(memo: _Memo, container, items: DocList, level: int = 0) -> None:
    """A list as Word's own list paragraphs: its kind, its first number, one nested level."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    kind = "number" if items.ordered else "bullet"
    name = ("List Number" if items.ordered else "List Bullet") + (" 2" if level else "")
    num = _new_num(memo, kind, level, items.start if items.ordered else None)
    for item in items.items:
        p = _add_paragraph(memo, container, name)
        _set_numbering(p._p.get_or_add_pPr(), level, num)
        # Ragged, as the PDF's items: a short item's words would stretch when justified.
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT
        _write_spans(memo, p, item.para)
        if item.sub:
            _write_list(memo, container, item.sub, min(level + 1, 1))


def _write_spans(memo: _Memo, paragraph, para: Para) -> None:
    """Text runs with emphasis and links, and citation groups printed as the memo prints them,
    each number linked to its source's bookmark."""
    from docx.shared import Pt

    style = memo.theme.citation
    for i, span in enumerate(para):
        if span.cites:
            _write_cites(memo, paragraph, span.cites, group_style(para, i, style), i > 0)
            continue
        _write_span(memo, paragraph, span)
        last = i + 1 == len(para) or para[i + 1].href != span.href
        if span.href and last:
            # On paper a link is only its address: printed after the words, as memo.pdf does.
            url = _add_run(paragraph, f" ({span.href})")
            url.font.size = Pt(round(memo.theme.body_size * 0.85, 1))
            url.font.color.rgb = memo.rgb("muted")


def _write_span(memo: _Memo, paragraph, span: Span):
    """One span's run, in a live link when it has an address."""
    if span.href:
        run = _add_run(paragraph, span.text, into=_add_hyperlink(memo, paragraph, url=span.href))
        _set_run_style(memo, run, "Hyperlink")
    else:
        run = _add_run(paragraph, span.text)
    if span.bold:
        run.bold = True
    if span.italic:
        run.italic = True
    return run


def _write_cites(memo: _Memo, paragraph, cites, style: str, lead: bool) -> None:
    """cite.cite_text's group, cut into its citations (each a link) and what stands between."""
    whole = cite_text(cites, style, lead)
    superscript = style == "superscript"
    pos = 0
    for cite in cites:
        one = cite_text((cite,), style)
        at = whole.index(one, pos)
        if at > pos:
            gap = _add_run(paragraph, whole[pos:at])
            if superscript:
                gap.font.superscript = True
        link = _add_hyperlink(memo, paragraph, anchor=f"ref-{cite.number}")
        run = _add_run(paragraph, one, into=link)
        run.font.color.rgb = memo.rgb("primary")
        if superscript:
            run.font.superscript = True
        pos = at + len(one)


def _write_sources(memo: _Memo) -> None:
    """Each entry '[n] ' and the style's formatted reference, bookmarked 'ref-n' for the links
    in the text; its web addresses live links."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    heading = _add_paragraph(memo, memo.document, "Heading 1")
    heading.paragraph_format.space_before = Pt(18)
    heading.paragraph_format.space_after = Pt(6)
    _add_border(memo, heading, "top", 5, "rule", space=8)
    run = _add_run(heading, memo.labels["sources"])
    run.font.size = Pt(12)
    size = Pt(8.8)
    hang = Pt(max(26, 8.8 * 0.62 * (len(str(len(memo.doc.refs))) + 3)))
    last = len(memo.doc.refs)
    for i, ref in enumerate(memo.doc.refs, 1):
        p = _add_paragraph(memo, memo.document, "Normal")
        fmt = p.paragraph_format
        if last - 6 < i < last:
            # A page is not left to the list's last few entries: the last six go over together.
            fmt.keep_with_next = True
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT
        fmt.left_indent, fmt.first_line_indent = hang, -hang
        fmt.tab_stops.add_tab_stop(hang)
        fmt.space_after, fmt.keep_together = Pt(3), True
        fmt.line_spacing = Pt(round(8.8 * 1.3, 1))
        memo.bookmarks += 1
        p._p.append(_el("w:bookmarkStart", id=str(memo.bookmarks), name=f"ref-{ref.number}"))
        num = _add_run(p, f"[{ref.number}] ")
        _format_run(memo, num, 8.8, "primary", bold=True)
        p.add_run("\t")
        for span in ref.entry:
            _write_span(memo, p, span).font.size = size
        p._p.append(_el("w:bookmarkEnd", id=str(memo.bookmarks)))


# ----- exhibits -----

def _write_figure(memo: _Memo, figure: DocFigure) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = _add_paragraph(memo, memo.document, "Normal")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if figure.caption is not None:
        p.paragraph_format.keep_with_next = True
    loc = figure_loc(memo.doc, next(s.number for s in memo.doc.sections if s.figure is figure))
    if figure.path.suffix.lower() == ".svg":
        refuse_outside_references(figure.path.read_text("utf-8", "replace"), figure.path.name,
                                  loc, "the Word memo draws")
    try:
        _write_picture(memo, p.add_run(), figure.path, figure.alt,
                       max_w=memo.text_width_emu / _EMU_PER_PT, max_h=_FIGURE_TALLEST_IN * 72,
                       name="Figure")
    except ValueError as e:  # resvg's: a size it cannot draw at (0, negative, 5e8 inches)
        raise BriefError.at(loc, f"figure {figure.path.name} cannot be drawn for the Word memo "
                                 f"({e}): give its <svg> a width and a height (px, pt or in), "
                                 "or give a PNG") from None
    if figure.caption:
        _write_spans(memo, _add_paragraph(memo, memo.document, "Caption"), figure.caption)


def _write_table(memo: _Memo, table: DocTable) -> None:
    """A Word table with its caption above (as memo.pdf's), a header row Word repeats on every
    page the table runs onto, each column aligned as the PDF aligns it."""
    from copy import deepcopy

    from docx.shared import Pt

    from .exhibits import header_aligns

    if table.caption:
        caption = _add_paragraph(memo, memo.document, "Caption")
        caption.paragraph_format.space_before = Pt(10)
        caption.paragraph_format.space_after = Pt(4)
        caption.paragraph_format.keep_with_next = True
        for run in _write_spans_runs(memo, caption, table.caption):
            if not run.font.superscript and run.font.color.rgb is None:
                run.font.color.rgb = memo.rgb("text")
                run.bold = True
    texts = [[c.name for c in table.columns]] + [list(r) for r in table.cells]
    size, widths = _fit_columns(memo, texts)
    grid = memo.document.add_table(rows=1 + len(table.cells), cols=len(table.columns))
    grid.style = memo.style(TABLE_STYLE)
    tblpr = grid._tbl.tblPr
    _put(tblpr, _TBLPR, "tblLook", val="0420", firstRow="1", lastRow="0", firstColumn="0",
         lastColumn="0", noHBand="1", noVBand="1")
    _set_cell_margins(tblpr, size)
    _set_column_widths(grid, widths)
    # One paragraph and run look per column, copied into each cell: python-docx's setters
    # cost more than the XML they write, in a table of hundreds of cells. The paragraph's own
    # spacing and size, as Normal's outrank the table style's in Word and LibreOffice alike.
    looks = []
    for align in header_aligns(table):
        ppr = _el("w:pPr")
        _put(ppr, _PPR, "spacing", before="0", after="0", line="240", lineRule="auto")
        _put(ppr, _PPR, "jc", val=align)
        looks.append(ppr)
    rpr = _el("w:rPr")
    _set_fonts(rpr, memo.heading_font)
    _put(rpr, _RPR, "color", val=memo.hex("text"))
    _put(rpr, _RPR, "sz", val=str(round(size * 2)))
    _put(rpr, _RPR, "szCs", val=str(round(size * 2)))
    space = "{http://www.w3.org/XML/1998/namespace}space"
    for r, (tr, values) in enumerate(zip(grid._tbl.tr_lst, texts)):
        trpr = tr.get_or_add_trPr()
        trpr.append(_el("w:cantSplit"))
        if r == 0:
            trpr.append(_el("w:tblHeader"))
        for tc, text, ppr in zip(tr.tc_lst, values, looks):
            p = tc.p_lst[0]
            p.append(deepcopy(ppr))
            run = _el("w:r")
            run.append(deepcopy(rpr))
            if r == 0:  # the header row's look is the style's firstRow: it sets b and color
                run[0].remove(run[0].find(_qn("w:color")))
            t = _el("w:t")
            t.set(space, "preserve")
            t.text = clean(text)
            run.append(t)
            p.append(run)


def _write_spans_runs(memo: _Memo, paragraph, para: Para) -> list:
    """_write_spans, returning the runs it wrote (links' runs included)."""
    from docx.text.run import Run

    before = len(paragraph._p.xpath(".//w:r"))
    _write_spans(memo, paragraph, para)
    return [Run(r, paragraph) for r in paragraph._p.xpath(".//w:r")[before:]]


def _fit_columns(memo: _Memo, texts: list[list[str]]) -> tuple[float, list[int]]:
    """The type size and column widths (EMU) as memo.pdf's table layout gives them: each
    column its longest line; when they do not fit the text block, each keeps its longest word
    and shares what room is left by how much more it wants; when even the longest words do not
    fit, the type steps down (exhibits.TABLE_STEPS) until they do, or to the floor."""
    from .exhibits import TABLE_STEPS, table_size
    from .fonts import metrics

    regular, bold = metrics(memo.theme.heading.regular), metrics(memo.theme.heading.bold)
    room = memo.text_width_emu / _EMU_PER_PT
    cols = len(texts[0])
    # Widths at 1 pt, measured once: a width grows with the size, the padding with it.
    natural, least = [0.0] * cols, [0.0] * cols
    for r, row in enumerate(texts):
        face = bold if r == 0 else regular
        for c, text in enumerate(row):
            natural[c] = max(natural[c], face.width(text, 1))
            words = text.split()
            if len(words) > 1:
                least[c] = max(least[c], max(face.width(w, 1) for w in words))
            else:
                least[c] = max(least[c], face.width(text, 1))
    for step in range(len(TABLE_STEPS)):
        size = table_size(memo.theme, step)
        pad = 2 * size * 0.55 + 4  # and some slack: renderers kern and round differently
        wide = [n * size + pad for n in natural]
        narrow = [m * size + pad for m in least]
        if sum(wide) <= room:
            return size, [int(w * _EMU_PER_PT) for w in wide]
        if sum(narrow) <= room:
            spare = room - sum(narrow)
            wants = [w - n for w, n in zip(wide, narrow)]
            widths = [n + spare * w / sum(wants) for n, w in zip(narrow, wants)]
            return size, [int(w * _EMU_PER_PT) for w in widths]
    return size, [int(w * room / sum(narrow) * _EMU_PER_PT) for w in narrow]


def _write_chart(memo: _Memo, chart: DocChart, number: int) -> None:
    """The memo's own chart drawing (exhibits.memo_charts), as a PNG at the width it prints."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    width_pt = memo.text_width_emu / _EMU_PER_PT
    svg, height_pt = _draw_chart(memo, number, width_pt)
    p = _add_paragraph(memo, memo.document, "Normal")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = Pt(12)
    if chart.caption is not None:
        p.paragraph_format.keep_with_next = True
    _place_picture(memo, p.add_run(), rasterise(svg, memo.theme), chart.chart.alt,
                   Pt(width_pt), Pt(height_pt), "Chart")
    if chart.caption:
        _write_spans(memo, _add_paragraph(memo, memo.document, "Caption"), chart.caption)


def _draw_chart(memo: _Memo, number: int, width_pt: float) -> tuple[str, float]:
    """The chart's SVG as memo.pdf draws it for a text block this wide, and its height."""
    from .exhibits import MEMO_CHART_TALLEST, chart_image

    chart = memo.doc.sections[number - 1].chart
    lang = memo.doc.brief.lang
    uri, height = chart_image(chart, width_pt, None, memo.theme, lang)
    if height > width_pt * MEMO_CHART_TALLEST:
        uri, height = chart_image(chart, width_pt, width_pt * MEMO_CHART_TALLEST, memo.theme,
                                  lang)
    return base64.b64decode(uri.split(",", 1)[1]).decode("utf-8"), height


def _write_picture(memo: _Memo, run, path: Path, alt: str, max_w: float, max_h: float,
                   name: str) -> None:
    """An image at the size the PDF gives it (1 px = 0.75 pt, scaled down to fit), from its
    bytes; an SVG drawn to PNG first, one without a size of its own as wide as it may be."""
    from docx.shared import Pt

    data = path.read_bytes()
    if path.suffix.lower() == ".svg":
        svg = data.decode("utf-8", "replace")
        w, h, aspect = measure_svg(svg)
        if (w is None or h is None) and aspect:
            # As memo.pdf's <img>: the text block's width, the height its viewBox gives.
            w, h = max_w, max_w * aspect
        if not (w and h and w > 0 and h > 0):
            raise ValueError("no width and height it can be drawn at")
        # Drawn at the size it prints at: drawn at its own (20,000 px square) and then made
        # smaller, it took 7 GB.
        fit = min(1.0, max_w / w, max_h / h)
        w, h = w * fit, h * fit
        _place_picture(memo, run, rasterise(svg, memo.theme, (w, h)), alt, Pt(w), Pt(h), name)
        return
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        px_w, px_h = im.size
        kind = im.format
        if kind not in ("PNG", "JPEG", "GIF"):  # python-docx reads these; others as PNG
            out = io.BytesIO()
            im.save(out, "PNG")
            data = out.getvalue()
    w, h = px_w * 0.75, px_h * 0.75
    fit = min(1.0, max_w / w, max_h / h) if w and h else 1.0
    _place_picture(memo, run, data, alt, Pt(w * fit), Pt(h * fit), name)


def _place_picture(memo: _Memo, run, data: bytes, alt: str, width, height, name: str) -> None:
    """An inline picture whose alt text (wp:docPr descr) is the brief's, never a file name,
    and whose id no other drawing has: python-docx counts only the body's, and a template's
    header logo has one too (Word then calls the file unreadable)."""
    if memo.drawing_id is None:
        memo.drawing_id = _last_drawing_id(memo.document)
    shape = run.add_picture(io.BytesIO(data), width=int(width), height=int(height))
    memo.figures += 1
    memo.drawing_id += 1
    inline = shape._inline
    inline.docPr.set("id", str(memo.drawing_id))
    inline.docPr.set("name", f"{name} {memo.figures}")
    inline.docPr.set("descr", clean(alt))
    for pic_pr in inline.xpath(".//pic:cNvPr"):
        pic_pr.set("name", f"{name.lower()}-{memo.figures}.png")
        pic_pr.set("descr", clean(alt))


def _last_drawing_id(document) -> int:
    """The highest wp:docPr id in the body, headers and footers."""
    tag = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
    ids = [0]
    for part in document.part.package.iter_parts():
        element = getattr(part, "element", None)
        if element is not None:
            ids += [int(d.get("id")) for d in element.iter(tag) if d.get("id", "").isdigit()]
    return max(ids)


# ----- small XML helpers -----

def clean(text: str) -> str:
    """Text Word can hold: no characters XML forbids, no tabs or breaks of the brief's own."""
    return _SPACES.sub(" ", _BAD_XML.sub("", text))


def _add_paragraph(memo: _Memo, container, style: str):
    """A paragraph of this style at the container's end. The style id is written directly:
    python-docx looks up the default style (reading all of them) on every paragraph."""
    paragraph = container.add_paragraph()
    _set_style(memo, paragraph, style)
    return paragraph


def _set_style(memo: _Memo, paragraph, name: str) -> None:
    style = memo.style(name)
    if style.element.get(_qn("w:default")) != "1":  # the default needs no naming
        paragraph._p.get_or_add_pPr().style = style.style_id


def _set_run_style(memo: _Memo, run, name: str) -> None:
    run._r.style = memo.style(name).style_id


def _add_run(paragraph, text: str, into=None):
    run = paragraph.add_run(clean(text))
    if into is not None:
        into.append(run._r)
    return run


def _add_hyperlink(memo: _Memo, paragraph, url: str | None = None, anchor: str | None = None):
    """A w:hyperlink at the paragraph's end: to a bookmark, or an outside address."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    link = _el("w:hyperlink")
    if anchor:
        link.set(_qn("w:anchor"), anchor)
    else:
        rid = paragraph.part.relate_to(clean(url), RT.HYPERLINK, is_external=True)
        link.set(_qn("r:id"), rid)
    link.set(_qn("w:history"), "1")
    paragraph._p.append(link)
    return link


def _format_run(memo: _Memo, run, size: float, color: str, bold: bool = False,
                caps: bool = False, spacing: float = 0) -> None:
    """A run in the heading font at its own size, colour and letter spacing (the memo head's
    labels, the sources' numbers: what the PDF sets in its heading font)."""
    from docx.shared import Pt

    rpr = run._r.get_or_add_rPr()
    _set_fonts(rpr, memo.heading_font)
    run.font.size = Pt(size)
    run.font.color.rgb = memo.rgb(color)
    if bold:
        run.bold = True
    if caps:
        run.font.all_caps = True
    if spacing:
        _put(rpr, _RPR, "spacing", val=str(round(size * spacing * 20)))


def _add_border(memo: _Memo, paragraph, side: str, size: int, color: str, space: int) -> None:
    """A rule on one side of a paragraph; size in eighths of a point."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(_qn("w:pBdr"))
    if borders is None:
        borders = _put(ppr, _PPR, "pBdr")
    borders.append(_el(f"w:{side}", val="single", sz=str(size), space=str(space),
                       color=memo.hex(color)))


def _make_plain(table) -> None:
    """A layout table: no borders, no cell padding at its sides, fixed column widths."""
    tblpr = table._tbl.tblPr
    borders = _put(tblpr, _TBLPR, "tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_el(f"w:{side}", val="nil"))
    _put(tblpr, _TBLPR, "tblLayout", type="fixed")
    margins = _put(tblpr, _TBLPR, "tblCellMar")
    margins.append(_el("w:left", w="0", type="dxa"))
    margins.append(_el("w:right", w="0", type="dxa"))


def _set_column_widths(table, widths: list[int]) -> None:
    """Widths on the grid and on every cell, as Word and LibreOffice each read one of them."""
    from docx.shared import Emu

    table.autofit = False
    tbl = table._tbl
    for col, width in zip(tbl.tblGrid.gridCol_lst, widths):
        col.w = Emu(width)
    for tr in tbl.tr_lst:
        for tc, width in zip(tr.tc_lst, widths):
            # A new table's cells have their tcW: set it directly, python-docx's setter
            # searches the cell's properties for where it goes.
            found = tc.tcPr.find(_qn("w:tcW")) if tc.tcPr is not None else None
            if found is None:
                tc.width = Emu(width)
            else:
                found.set(_qn("w:w"), str(width // 635))
                found.set(_qn("w:type"), "dxa")
    _put(tbl.tblPr, _TBLPR, "tblW", w=str(sum(widths) // 635), type="dxa")


def _set_fonts(rpr, name: str) -> None:
    """One font for every script, replacing the theme-font references Word prefers to it."""
    _put(rpr, _RPR, "rFonts", ascii=name, hAnsi=name, cs=name)


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _el(tag: str, **attrs):
    from docx.oxml import OxmlElement

    return OxmlElement(tag, attrs={_qn(f"w:{k}"): str(v) for k, v in attrs.items()})


def _sub(parent, tag: str):
    found = parent.find(_qn(tag))
    if found is None:
        found = _el(tag)
        parent.append(found)
    return found


def _put(parent, order: tuple[str, ...], tag: str, **attrs):
    """Set parent's w:tag child (replacing any) in the place the schema orders it: Word refuses
    a document whose properties are out of order."""
    old = parent.find(_qn(f"w:{tag}"))
    new = _el(f"w:{tag}", **attrs)
    if old is not None:
        old.addprevious(new)
        parent.remove(old)
        return new
    return _put_in_order(parent, order, tag, new)


def _put_in_order(parent, order: tuple[str, ...], tag: str, new):
    """new added after parent's last child that the schema puts no later than tag."""
    later = {_qn(f"w:{t}") for t in order[order.index(tag) + 1:]}
    for child in parent:
        if child.tag in later:
            child.addprevious(new)
            return new
    parent.append(new)
    return new


def _insert_after(parent, new, after: tuple[str, ...]) -> None:
    for tag in after:
        found = parent.find(_qn(tag))
        if found is not None:
            found.addnext(new)
            return
    parent.append(new)
