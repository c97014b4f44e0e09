"""Deck -> .pptx with python-pptx: the only module that imports it. It writes what plan_deck
decided (boxes, sizes, breaks) and decides nothing itself.

A theme's template keeps its design: a placeholder the plan leaves where the layout puts it is
not moved (it goes on following the layout), and its alignment is the template's. What the
writer does set on every text frame is what the plan measured with: font size, line pitch,
space between paragraphs, insets, bullet indent, word wrap on and no autofit."""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE, PP_PLACEHOLDER
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Pt

from .cite import cite_text, group_style
from .deck import (INSET_X, INSET_Y, LINE, MARK_SIZE, Block, Box, Deck, autonumbered, frame_box,
                   para_indent, para_level, para_margin, para_number)
from .deck import ChartFrame, TableFrame
from .errors import BriefError
from .package import fixed_zip_times
from .theme import Theme, shown_path, theme_loc

_ANCHORS = {"top": MSO_ANCHOR.TOP, "bottom": MSO_ANCHOR.BOTTOM, "middle": MSO_ANCHOR.MIDDLE}


def write_pptx(deck: Deck, theme: Theme, path: Path, stamp: dt.datetime | None = None) -> int:
    """Write the deck on the theme's template (or python-pptx's default); returns the slide count.

    stamp is the time the file says it was made; with the same stamp the bytes are the same.
    """
    stamp = stamp or dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    prs = open_template(theme)
    if theme.template is None:
        _fit_default_template(prs, deck, theme)
    prs.slide_width, prs.slide_height = Pt(deck.width), Pt(deck.height)
    layouts = {kind: find_layout(prs, theme, kind) for kind in ("title", "content")}
    stands = {kind: _placeholder_boxes(layout) for kind, layout in layouts.items()}
    colors = {k: RGBColor.from_string(v.lstrip("#")) for k, v in theme.colors.items()}
    for number, plan in enumerate(deck.slides, 1):
        slide = prs.slides.add_slide(layouts[plan.layout])
        _band(slide, deck, colors["primary"])
        title = slide.shapes.title
        _place(title, plan.title.box, stands[plan.layout])
        _write(title.text_frame, plan.title, deck, colors, theme.citation)
        body = _body_placeholder(slide)
        if plan.body is not None:
            if body is None:
                body = slide.shapes.add_textbox(0, 0, 1, 1)
            _place(body, frame_box(plan.body), stands[plan.layout])
            _write(body.text_frame, plan.body, deck, colors, theme.citation)
        elif body is not None:
            body.element.getparent().remove(body.element)
        for block, name in ((plan.kicker, "Kicker"), (plan.caption, "Caption"),
                            (plan.footer, "Sources footer")):
            if block is not None:
                box = slide.shapes.add_textbox(0, 0, 1, 1)
                box.name = name
                _place(box, block.box, {})
                _write(box.text_frame, block, deck, colors, theme.citation)
        if plan.picture is not None:
            p = plan.picture
            # From its bytes, not its name: python-pptx writes the file name into the slide's
            # XML unescaped (a '"' in it broke the deck), and as the alt text.
            pic = slide.shapes.add_picture(io.BytesIO(p.path.read_bytes()), Pt(p.box.x),
                                           Pt(p.box.y), Pt(p.box.w), Pt(p.box.h))
            # Screen readers need the real alt text, not python-pptx's 'image.png'.
            pic._element.nvPicPr.cNvPr.set("descr", p.alt)
            pic.name = "Logo" if plan.layout == "title" else "Figure"
        if plan.table is not None:
            _table(slide, plan.table, deck, colors)
        if plan.chart is not None:
            _chart(slide, plan.chart, deck, colors, stamp)
        if plan.number is not None:
            _corner(slide, deck, str(number), colors, plan.number, right=True)
        if deck.draft and plan.draft is not None:
            _corner(slide, deck, deck.draft_label, colors, plan.draft, right=False)
        if plan.notes:
            notes = slide.notes_slide.notes_text_frame
            notes.text = plan.notes
            for para in notes.paragraphs:
                for run in para.runs:
                    _language(run._r, deck)
    props = prs.core_properties
    # Core properties hold at most 255 characters (python-pptx refuses more).
    props.title, props.author, props.subject = deck.title[:255], deck.author[:255], ""
    props.last_modified_by, props.revision = "briefgen", 1
    props.keywords, props.comments, props.category = "", "", ""
    if deck.lang:
        props.language = deck.lang
    naive = stamp.astimezone(dt.timezone.utc).replace(tzinfo=None)
    props.created = props.modified = props.last_printed = naive
    buffer = io.BytesIO()
    prs.save(buffer)
    path.write_bytes(fixed_zip_times(buffer.getvalue(), naive))
    return len(deck.slides)


def open_template(theme: Theme):
    """The theme's template with its sample slides removed, or python-pptx's default."""
    if theme.template is None:
        return Presentation()
    try:
        prs = Presentation(str(theme.template))
    except Exception as e:  # python-pptx raises many types for a broken package
        raise BriefError.at(theme_loc(theme, "deck.template"), f"cannot open the deck template "
                                                               f"{theme.template}: {e}") from None
    ids = prs.slides._sldIdLst
    for slide_id in list(ids):
        prs.part.drop_rel(slide_id.rId)
        ids.remove(slide_id)
    return prs


def _fit_default_template(prs, deck: Deck, theme: Theme) -> None:
    """python-pptx's default template is 4:3 in Office's fonts and colours. Widen its master and
    layouts to the deck, and give its theme the deck's font and the brief theme's colours: a
    slide a presenter adds in PowerPoint then matches the deck. (A theme's own template is
    its designer's: it is used as it is.)"""
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    factor = Pt(deck.width) / prs.slide_width
    for part in [prs.slide_master, *prs.slide_layouts]:
        for shape in part.shapes:
            if shape._element.xfrm is not None:  # else placed by the master, widened already
                shape.left, shape.width = round(shape.left * factor), round(shape.width * factor)
    size = prs.part._element.find(qn("p:sldSz"))
    if size is not None:
        size.attrib.pop("type", None)  # 'screen4x3'
    part = prs.slide_master.part.part_related_by(RT.THEME)
    root = etree.fromstring(part.blob)
    for font in root.iter(qn("a:majorFont"), qn("a:minorFont")):
        font.find(qn("a:latin")).set("typeface", deck.font)
    scheme = root.find(f".//{qn('a:clrScheme')}")
    # Links in the theme's primary colour, visited or not: Office's blue and purple were the
    # only colours on the print theme's grey slides.
    for slot, color in (("dk1", "text"), ("dk2", "primary"), ("accent1", "primary"),
                        ("accent2", "accent"), ("hlink", "primary"), ("folHlink", "primary")):
        entry = scheme.find(qn(f"a:{slot}"))
        entry.clear()
        etree.SubElement(entry, qn("a:srgbClr"), val=theme.colors[color].lstrip("#").upper())
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _where(theme: Theme) -> str:
    return str(shown_path(theme.template)) if theme.template else "python-pptx's default template"


def find_layout(prs, theme: Theme, kind: str):
    """The layout named by the theme, else the standard one; with a title placeholder."""
    names = theme.layouts[kind]
    found = {layout.name: layout for layout in prs.slide_layouts}
    layout = next((found[n] for n in names if n in found), None)
    if layout is None:
        raise BriefError.at(theme_loc(theme, f"deck.layouts.{kind}"
                                      if f"deck.layouts.{kind}" in theme.field_locs
                                      else "deck.template"), (
            f"couldn't find a slide layout named {' or '.join(map(repr, names))} in "
            f"{_where(theme)} (it has: {', '.join(map(repr, found)) or 'no layouts'})"))
    kinds = {ph.placeholder_format.type for ph in layout.placeholders}
    if not kinds & {PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE}:
        raise BriefError.at(theme_loc(theme, "deck.template"), (
            f"the slide layout {layout.name!r} in {_where(theme)} has no title placeholder; "
            "slides need one for their titles (screen readers list slides by title)"))
    return layout


def check_template(theme: Theme) -> list:
    """What is wrong with the theme's deck template, as located problems; empty when usable.

    Stricter than a build: a layout the theme names but the template lacks is reported even
    though the build would fall back to the standard one.
    """
    try:
        prs = open_template(theme)
    except BriefError as e:
        return e.problems
    problems = []
    names = {layout.name for layout in prs.slide_layouts}
    for kind in ("title", "content"):
        try:
            find_layout(prs, theme, kind)
        except BriefError as e:
            problems += e.problems
            continue
        chosen = theme.layouts[kind][0]
        if len(theme.layouts[kind]) > 1 and chosen not in names:
            problems += BriefError.at(theme_loc(theme, f"deck.layouts.{kind}"), (
                f"no slide layout named {chosen!r} in {_where(theme)}: the deck would use "
                f"{theme.layouts[kind][1]!r} instead")).problems
    return problems


def _body_placeholder(slide):
    """The layout's text placeholder (body, content or subtitle), whatever its index."""
    for shape in slide.placeholders:
        if shape.placeholder_format.type in (PP_PLACEHOLDER.BODY, PP_PLACEHOLDER.OBJECT,
                                             PP_PLACEHOLDER.SUBTITLE):
            return shape
    return None


def _placeholder_boxes(layout) -> dict[int, list[int]]:
    """Where each of the layout's placeholders stands (EMU), by its idx: where a new slide's
    placeholder stands, having no position of its own. Asked of the slide's placeholder,
    python-pptx looks through the layout again for each of the four: a quarter of the time
    of a deck."""
    stands: dict[int, list[int]] = {}
    for ph in layout.placeholders:  # the first of an idx, as python-pptx's get(idx=) finds
        stands.setdefault(ph.placeholder_format.idx, [ph.left, ph.top, ph.width, ph.height])
    return stands


def _place(shape, box: Box, stands: dict[int, list[int]]) -> None:
    """Put a shape in its planned box. A template's placeholder the plan keeps where its layout
    puts it gets no position of its own, so that it follows the layout if that is edited.
    stands: where the slide's layout puts its placeholders."""
    want = [Pt(box.x), Pt(box.y), Pt(box.w), Pt(box.h)]
    have = None
    if shape.is_placeholder and shape._element.xfrm is None:
        have = stands.get(shape.placeholder_format.idx)
    if have is None:
        have = [shape.left, shape.top, shape.width, shape.height]
    if all(h is not None and abs(h - w) <= 1 for h, w in zip(have, want)):
        return  # the same to the EMU, but for the rounding of points
    shape.left, shape.top, shape.width, shape.height = want


def _band(slide, deck: Deck, color: RGBColor) -> None:
    band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, Pt(deck.width), Pt(8))
    band.name = "Theme band"
    band.fill.solid()
    band.fill.fore_color.rgb = color
    band.line.fill.background()
    band.shadow.inherit = False


_SLIDE_NUMBER_ID = "{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}"  # one id for every slide's field


def _corner(slide, deck: Deck, text: str, colors, where: Box, right: bool) -> None:
    box = slide.shapes.add_textbox(Pt(where.x), Pt(where.y), Pt(where.w), Pt(where.h))
    box.name = "Slide number" if right else "Draft mark"
    tf = box.text_frame
    # Wrapped in its box, not sized to its text: LibreOffice centres unwrapped text on the box,
    # which put the mark 38 pt right of the title's edge.
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    tf.margin_left = tf.margin_right = Pt(INSET_X)
    tf.margin_top = tf.margin_bottom = 0
    p = tf.paragraphs[0]
    p.alignment = PP_ALIGN.RIGHT if right else PP_ALIGN.LEFT
    p.line_spacing = Pt(round(MARK_SIZE * LINE, 2))
    run = p.add_run()
    run.text = text
    _language(run._r, deck)
    run.font.size = Pt(MARK_SIZE)
    run.font.name = deck.font
    run.font.bold = not right
    run.font.color.rgb = colors["muted" if right else "accent"]
    if right:
        # A slide-number field, as PowerPoint's own: it renumbers when slides are moved or added.
        field = etree.SubElement(p._p, qn("a:fld"), id=_SLIDE_NUMBER_ID, type="slidenum")
        field.extend(list(run._r))  # its properties and its text, as shown until renumbered
        p._p.remove(run._r)


def _write(tf, block: Block, deck: Deck, colors, citation: str) -> None:
    """Fill a text frame exactly as planned: no autofit, fixed insets, exact line pitch."""
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    tf.margin_left = tf.margin_right = Pt(INSET_X)
    tf.margin_top = tf.margin_bottom = Pt(INSET_Y)
    if block.anchor is not None:  # else the template's
        tf.vertical_anchor = _ANCHORS[block.anchor]
    for extra in tf.paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    first = tf.paragraphs[0]
    for r in list(first.runs):
        r._r.getparent().remove(r._r)
    # A lead (a kicker opening a template's body) first, in its own size and colour.
    blocks = ([block.lead] if block.lead else []) + [block]
    paras = [(b, i, para) for b in blocks for i, para in enumerate(b.paras)]
    for n, (part, i, para) in enumerate(paras):
        p = first if n == 0 else tf.add_paragraph()
        before = part.size * part.gap if i else (part.before if n else 0.0)
        _spacing(p, part.size * part.line, before)
        if part.align is not None:
            # The default template centers titles; the deck's own layout sets text flush left.
            # A theme's template aligns as its designer chose: where a line breaks does not
            # depend on it.
            p.alignment = PP_ALIGN.LEFT
        _bullet(p, part, i)
        size = str(Pt(part.size).centipoints)
        for j, span in enumerate(para):
            run = p.add_run()
            style = group_style(para, j, citation)
            run.text = cite_text(span.cites, style, j > 0) if span.cites else span.text
            # The run's properties as XML, in the schema's order (fill, then latin): what the
            # font.* setters write, without their element searches, which were most of the
            # time a deck took (0.75 s for 80 slides).
            rPr = run._r.get_or_add_rPr()
            if span.cites and style == "superscript":
                rPr.set("baseline", "30000")
            _language(run._r, deck)
            rPr.set("sz", size)
            rPr.set("b", "1" if part.bold or span.bold else "0")
            rPr.set("i", "1" if span.italic else "0")
            fill = etree.SubElement(rPr, qn("a:solidFill"))
            etree.SubElement(fill, qn("a:srgbClr"),
                             val=str(colors["muted" if span.cites else part.color]))
            etree.SubElement(rPr, qn("a:latin"), typeface=deck.font)
            if span.href:
                run.hyperlink.address = span.href


def _language(r, deck: Deck) -> None:
    """The run's language, else PowerPoint checks German spelling as English (plain English is
    left to the user's own: deck.lang is None)."""
    if deck.lang:
        r.get_or_add_rPr().set("lang", deck.lang)


def _spacing(p, line: float, before: float) -> None:
    """The paragraph's exact line pitch and space before (none after), in points: what the
    line_spacing and space_* setters write, first in pPr as the schema orders it, without
    their element searches."""
    pPr = p._p.get_or_add_pPr()
    for tag in ("a:lnSpc", "a:spcBef", "a:spcAft"):
        for old in pPr.findall(qn(tag)):
            pPr.remove(old)
    for at, (tag, points) in enumerate((("a:lnSpc", line), ("a:spcBef", before),
                                        ("a:spcAft", 0))):
        spacing = etree.Element(qn(tag))
        etree.SubElement(spacing, qn("a:spcPts"), val=str(Pt(points).centipoints))
        pPr.insert(at, spacing)


def _bullet(p, block: Block, i: int) -> None:
    """Set the bullet or number and the indent on the paragraph itself, so no template can
    change the wrap. A nested item's paragraph is at level 1 (PowerPoint's second), with an en
    dash. A numbered list's item is numbered by PowerPoint from its own number ('3.'), so a
    list that starts at 3, or goes on past a slide's end, shows the brief's numbers; one
    PowerPoint cannot number (0, 40000) is written in the text, with no bullet."""
    pPr = p._p.get_or_add_pPr()
    for tag in ("a:buNone", "a:buChar", "a:buAutoNum", "a:buFont"):
        for old in pPr.findall(qn(tag)):
            pPr.remove(old)
    level, number = para_level(block, i), para_number(block, i)
    if level is not None:
        pPr.set("marL", str(int(Pt(para_margin(block, i)))))
        pPr.set("indent", str(-int(Pt(para_indent(block, i)))))
        if level:
            pPr.set("lvl", str(level))
        if autonumbered(number):
            etree.SubElement(pPr, qn("a:buAutoNum"), type="arabicPeriod", startAt=str(number))
        elif number is not None:  # its number is its text's start (deck.number_literally)
            etree.SubElement(pPr, qn("a:buNone"))
        else:
            etree.SubElement(pPr, qn("a:buFont"), typeface="Arial")
            etree.SubElement(pPr, qn("a:buChar"), char="–" if level else "•")
    else:
        pPr.set("marL", "0")
        pPr.set("indent", "0")
        etree.SubElement(pPr, qn("a:buNone"))


# -- tables and charts ---------------------------------------------------------------------------

_ALIGN = {"left": "l", "right": "r", "center": "ctr"}


def _table(slide, plan: TableFrame, deck: Deck, colors) -> None:
    """A native table as planned: the header row bold on the theme's primary colour, body rows
    banded, every column and row at its planned width and height, every cell's text at the
    planned size and line pitch, so that it wraps where the plan measured.

    The rows are written as XML, in the schema's order: python-pptx's cell setters searched
    the table anew for each property, 3.5 s for 20 slides of a long table."""
    box = plan.box
    frame = slide.shapes.add_table(1, len(plan.widths), Pt(box.x), Pt(box.y), Pt(box.w),
                                   Pt(box.h))
    frame.name = "Table"
    if plan.alt:
        frame._element.nvGraphicFramePr.cNvPr.set("descr", plan.alt)
    tbl = frame._element.graphic.graphicData.tbl
    tbl.tblPr.set("firstRow", "1")
    tbl.tblPr.set("bandRow", "0")
    for column, width in zip(tbl.tblGrid.findall(qn("a:gridCol")), plan.widths):
        column.set("w", str(Pt(width)))
    for old in tbl.findall(qn("a:tr")):
        tbl.remove(old)
    size = str(Pt(plan.size).centipoints)
    pitch = str(Pt(plan.size * LINE).centipoints)
    inset_x, inset_y = str(Pt(INSET_X)), str(Pt(INSET_Y))
    sub = etree.SubElement
    for r, (texts, height) in enumerate(zip(plan.rows, plan.heights)):
        header = r == 0
        fill = str(colors["primary"] if header else
                   colors["panel" if r % 2 == 0 else "background"])
        color = str(colors["background" if header else "text"])
        tr = sub(tbl, qn("a:tr"), h=str(Pt(height)))
        for c, text in enumerate(texts):
            tc = sub(tr, qn("a:tc"))
            body = sub(tc, qn("a:txBody"))
            sub(body, qn("a:bodyPr"), wrap="square")
            sub(body, qn("a:lstStyle"))
            p = sub(body, qn("a:p"))
            pPr = sub(p, qn("a:pPr"), marL="0", indent="0", algn=_ALIGN[plan.align[c]])
            for tag, points in (("a:lnSpc", pitch), ("a:spcBef", "0"), ("a:spcAft", "0")):
                sub(sub(pPr, qn(tag)), qn("a:spcPts"), val=points)
            sub(pPr, qn("a:buNone"))
            # An empty cell gets no run: LibreOffice set an empty run's line 3.4 pt taller than
            # the line pitch, and the rows below it moved down. Its end mark has the size.
            if text:
                run = sub(p, qn("a:r"))
                rPr = sub(run, qn("a:rPr"), lang=deck.lang) if deck.lang else \
                    sub(run, qn("a:rPr"))
                rPr.set("sz", size)
                rPr.set("b", "1" if header else "0")
                sub(sub(rPr, qn("a:solidFill")), qn("a:srgbClr"), val=color)
                sub(rPr, qn("a:latin"), typeface=deck.font)
                sub(run, qn("a:t")).text = text
            end = sub(p, qn("a:endParaRPr"), sz=size)
            sub(end, qn("a:latin"), typeface=deck.font)
            tcPr = sub(tc, qn("a:tcPr"), marL=inset_x, marR=inset_x, marT=inset_y,
                       marB=inset_y, anchor="t")
            sub(sub(tcPr, qn("a:solidFill")), qn("a:srgbClr"), val=fill)


def _chart(slide, plan: ChartFrame, deck: Deck, colors, stamp: dt.datetime) -> None:
    """A native chart with its data embedded as a workbook, in the theme's font and colours,
    its values shown in the chart's number format; PowerPoint (or LibreOffice) lays it out."""
    from pptx.enum.chart import (XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION,
                                 XL_MARKER_STYLE, XL_TICK_LABEL_POSITION)
    from pptx.enum.dml import MSO_LINE_DASH_STYLE

    kinds = {"column": (XL_CHART_TYPE.COLUMN_CLUSTERED, XL_LABEL_POSITION.OUTSIDE_END),
             "bar": (XL_CHART_TYPE.BAR_CLUSTERED, XL_LABEL_POSITION.OUTSIDE_END),
             "line": (XL_CHART_TYPE.LINE_MARKERS, XL_LABEL_POSITION.ABOVE),
             "stacked column": (XL_CHART_TYPE.COLUMN_STACKED, XL_LABEL_POSITION.CENTER),
             "stacked bar": (XL_CHART_TYPE.BAR_STACKED, XL_LABEL_POSITION.CENTER)}
    said = plan.chart
    kind, where = kinds[said.type]
    fmt = said.format or "General"
    data = _chart_data(stamp, fmt)
    # Grouped bars: LibreOffice lists their legend bottom-up, as their series are drawn without
    # an axis reversal, so the data goes in bottom-up (the last category and series first) and
    # reads top-down, legend too, as the memo's. Other charts go in as written.
    flip = said.type == "bar" and len(said.series) > 1
    order = (lambda items: tuple(reversed(items))) if flip else tuple
    data.categories = order(said.categories)
    for series in order(said.series):
        values = tuple(series.values[:len(said.categories)])
        data.add_series(series.name, order(values + (None,) * (len(said.categories) - len(values))))
    box = plan.box
    frame = slide.shapes.add_chart(kind, Pt(box.x), Pt(box.y), Pt(box.w), Pt(box.h), data)
    frame.name = "Chart"
    frame._element.nvGraphicFramePr.cNvPr.set("descr", said.alt)
    chart = frame.chart
    chart.font.name = deck.font
    chart.font.size = Pt(plan.size)
    chart.font.color.rgb = colors["text"]
    if plan.title:
        chart.has_title = True
        _title(chart.chart_title, plan.title, plan.size, True, deck.font)
    else:
        chart.has_title = False
    chart.has_legend = len(said.series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    value = chart.value_axis
    value.has_major_gridlines = True
    value.major_gridlines.format.line.color.rgb = colors["rule"]
    value.format.line.fill.background()
    shown = minus_format(fmt)
    value.tick_labels.number_format = shown
    value.tick_labels.number_format_is_linked = False
    if plan.ticks:
        # The memo's scale (chart.py's ticks): a stack of shares stops at 100% in both.
        value.minimum_scale, value.maximum_scale = plan.ticks[0], plan.ticks[-1]
        if len(plan.ticks) > 1:
            value.major_unit = plan.ticks[1] - plan.ticks[0]
    if said.unit:
        value.has_title = True
        _title(value.axis_title, said.unit, plan.size, False, deck.font)
    category = chart.category_axis
    category.format.line.color.rgb = colors["muted"]
    category.has_major_gridlines = False
    # The names below the plot (left of it for bars), as the memo sets them: next to the axis
    # they ran into the bars and segments below zero.
    category.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    if said.type in ("bar", "stacked bar") and not flip:
        # The first category on top, read as the data is, and the values' axis still below.
        category.reverse_order = True
        value._element.find(qn("c:crosses")).set("val", "max")  # python-pptx has no setter
    plot = chart.plots[0]
    plot.has_data_labels = plan.labels
    labels = plot.data_labels if plan.labels else None
    if labels is not None:
        labels.number_format = shown
        labels.number_format_is_linked = False
        labels.position = where
        labels.font.size = Pt(plan.size)
        labels.font.name = deck.font
    markers = (XL_MARKER_STYLE.CIRCLE, XL_MARKER_STYLE.SQUARE, XL_MARKER_STYLE.DIAMOND,
               XL_MARKER_STYLE.TRIANGLE)  # the memo's, in its order (chart.py)
    dashes = (MSO_LINE_DASH_STYLE.SOLID, MSO_LINE_DASH_STYLE.DASH,
              MSO_LINE_DASH_STYLE.ROUND_DOT, MSO_LINE_DASH_STYLE.DASH_DOT)
    for j, (series, color, inside) in enumerate(zip(plot.series, order(plan.colors),
                                                    order(plan.inside))):
        rgb = RGBColor.from_string(color.lstrip("#"))
        if labels is not None and where == XL_LABEL_POSITION.CENTER:
            # Values inside the bars: in a colour that reads on them.
            own = series.data_labels  # a series' own labels say all they show
            own.show_value = True
            own.font.color.rgb = RGBColor.from_string(inside.lstrip("#"))
            own.font.size = Pt(plan.size)
            own.font.name = deck.font
            own.number_format = shown
            own.number_format_is_linked = False
            own.position = where
        if said.type == "line":
            series.format.line.color.rgb = rgb
            series.format.line.width = Pt(2.25)
            series.smooth = False
            series.marker.format.fill.solid()
            series.marker.format.fill.fore_color.rgb = rgb
            series.marker.format.line.color.rgb = rgb
            series.marker.style = markers[j % 4]
            if plan.dashed:  # a grey theme tells lines apart by their dashes, as the memo
                series.format.line.dash_style = dashes[j % 4]
        else:
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = rgb
            series.invert_if_negative = False


def minus_format(fmt: str) -> str:
    """The number format with a negative section that prints U+2212, as the memo and the
    tables do ('−1.8', not '-1.8'); the workbook keeps the plain format and numbers."""
    if ";" in fmt or not fmt:
        return fmt
    return f'{fmt};"−"{fmt}'


def _title(title, text: str, size: float, bold: bool, font: str) -> None:
    """A chart's or an axis's title, set in the deck's font at the chart's text size."""
    title.text_frame.text = text
    for p in title.text_frame.paragraphs:
        for run in p.runs:
            run.font.size, run.font.bold, run.font.name = Pt(size), bold, font


def _chart_data(stamp: dt.datetime, number_format: str):
    """The chart's data, its workbook dated by the build (UTC, as Office writes dates)."""
    naive = stamp.astimezone(dt.timezone.utc).replace(tzinfo=None) if stamp.tzinfo else stamp
    return _chart_data_class()(naive, number_format)


@functools.lru_cache(maxsize=1)
def _chart_data_class():
    """python-pptx's chart data with a workbook writer made safe and reproducible. Defined on
    first use: its modules and XlsxWriter load only for a deck with a chart."""
    from pptx.chart.data import CategoryChartData
    from pptx.chart.xlsx import CategoryWorkbookWriter
    from xlsxwriter import Workbook

    class SafeWorkbookWriter(CategoryWorkbookWriter):
        def __init__(self, chart_data, stamp: dt.datetime):
            super().__init__(chart_data)
            self._stamp = stamp

        @contextlib.contextmanager
        def _open_worksheet(self, xlsx_file):
            # A cell '=HYPERLINK(...)' stays text: XlsxWriter writes a string that starts with
            # '=' as a formula, and one that looks like an address as a link, unless told not
            # to. And the workbook is dated by the build, not by the clock.
            workbook = Workbook(xlsx_file, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False})
            workbook.set_properties({"created": self._stamp})
            worksheet = workbook.add_worksheet()
            yield workbook, worksheet
            workbook.close()

    class ChartData(CategoryChartData):
        def __init__(self, stamp: dt.datetime, number_format: str):
            super().__init__(number_format)
            self._stamp = stamp

        @property
        def _workbook_writer(self):
            return SafeWorkbookWriter(self, self._stamp)

    return ChartData
