"""The Word memo (memo.docx), read back with python-docx: its styles, its headings and citation
numbers (those of memo.pdf), citations linked to bookmarks on their sources, pictures with alt
text, tables, lists, running heads, properties, bytes that do not change, an organisation's
reference document, and what LibreOffice makes of it."""
import datetime as dt
import io
import re
import shutil
import subprocess
from dataclasses import replace

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from briefgen.build import build_time, prepare
from briefgen.cite import plain
from briefgen.docx_out import check_reference, write_docx
from briefgen.errors import BriefError, Loc
from briefgen.model import DocList, Span

from .conftest import EXAMPLE, MINIMAL, ROOT, cite_numbers, pdf_pages, write
from .ooxml_order import order_problems

EXHIBITS = """\
title: Exhibits
subtitle: Every kind of block
date: 2026-11-24
status: draft
authors: [Transit Unit]
memo: {to: The Board, subject: Bus exhibits}
summary: |
  The council has three options [@a].

  1. Do nothing.
  2. Adopt the ordinance [@b].
sections:
  - heading: Options
    body: |
      Each option has costs, as the [review](https://example.org/review) says [@c].

      - **Do nothing.** No cost now [@a, p. 4].
      - *Adopt the ordinance.* It takes effect in 2027:
        1. staff training;
        2. a new case system [@d];
      - Fund a pilot [@b].

      Next steps:

      3. Consult the districts.
      4. Draft the rules [@c].
    figure: {path: chart.png, alt: "Riders rose every year since 2020", caption: "Riders [@a]"}
    table:
      caption: "Outcomes by city [@a, p. 4]"
      columns: [{name: City}, {name: "Change, %", format: "0.0"}, {name: Note, align: center}]
      rows: [[Boston, -12.5, a], [Denver, 3.0, b]]
  - heading: Trips
    body: Trips per year [@b].
    chart:
      type: column
      categories: ["2019", "2020", "2021"]
      series: [{name: Bus, values: [10, 8, 7]}]
      unit: million trips
      alt: "Column chart: bus trips fell from 10 to 7 million"
      caption: "Source [@d]"
recommendations:
  - Fund the pilot [@c].
sources:
  - {id: a, title: A report, url: "https://example.org/a"}
  - {id: b, title: B study}
  - {id: c, title: C review, url: "https://example.org/c"}
  - {id: d, title: D system}
"""


def make(brief_path, out, theme=None, **changes):
    """memo.docx for a brief, as a build writes it; changes replace Theme fields."""
    brief, doc, chosen, _, _ = prepare(brief_path, theme)
    if changes:
        chosen = replace(chosen, **changes)
    write_docx(doc, chosen, out, build_time(brief))
    return doc, chosen, docx.Document(str(out))


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    out = tmp_path_factory.mktemp("docx") / "memo.docx"
    doc, theme, document = make(EXAMPLE, out)
    return doc, theme, document, out


@pytest.fixture(scope="module")
def exhibits(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exhibits")
    shutil.copy(ROOT / "tests" / "data" / "chart.png", folder / "chart.png")
    brief = write(folder, EXHIBITS)
    doc, theme, document = make(brief, folder / "memo.docx")
    return doc, theme, document, folder / "memo.docx"


def blocks(document):
    """Every paragraph of the body in reading order, those in table cells too."""
    found = []

    def walk(container):
        for item in container.iter_inner_content():
            if isinstance(item, docx.table.Table):
                for row in item.rows:
                    for cell in row.cells:
                        walk(cell)
            else:
                found.append(item)

    walk(document)
    return found


def outline(path) -> list[str]:
    """memo.pdf's bookmarks, which WeasyPrint makes of its headings."""
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(PdfReader(str(path)).outline)
    return titles


def it_uses_word_styles_for_every_part_of_the_memo(exhibits):
    _, _, document, _ = exhibits
    used = {p.style.name for p in blocks(document)}
    assert {"Title", "Subtitle", "Heading 1", "Normal", "List Bullet", "List Number",
            "List Number 2", "Caption"} <= used
    [table] = [t for t in document.tables if t.style.name == "Memo Table"]
    assert table.style.type == WD_STYLE_TYPE.TABLE
    styles = document.styles
    assert styles["Heading 1"].font.name == "Calibri"  # Carlito's name in Word
    assert styles["Heading 1"].font.color.rgb == docx.shared.RGBColor(0x1F, 0x3A, 0x5F)
    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))[0]
    assert defaults.find(qn("w:rFonts")).get(qn("w:ascii")) == "Cambria"  # Caladea's
    assert defaults.find(qn("w:sz")).get(qn("w:val")) == "21"  # 10.5 pt
    assert defaults.find(qn("w:lang")).get(qn("w:val")) == "en"
    section = document.sections[0]
    assert (section.page_width.inches, section.page_height.inches) == (8.5, 11)
    assert round(section.left_margin.inches, 2) == round(section.right_margin.inches, 2) == 0.9


def it_titles_its_headings_as_memo_pdf_does(example, example_build):
    _, _, document, _ = example
    memo = next(o.path for o in example_build.outputs if o.kind == "memo")
    headings = [p.text for p in blocks(document) if p.style.name in ("Title", "Heading 1")]
    assert headings == outline(memo)


def it_prints_the_memos_citation_numbers_in_its_order(example, example_build):
    _, _, document, _ = example
    memo = next(o.path for o in example_build.outputs if o.kind == "memo")
    text = "\n".join(p.text for p in blocks(document))
    assert cite_numbers(text) == cite_numbers("\n".join(pdf_pages(memo)))


@pytest.mark.parametrize("theme", ["default", "modern"])
def it_prints_each_citation_group_as_the_memo_does(tmp_path, theme):
    doc, chosen, document = make(EXAMPLE, tmp_path / "memo.docx", theme)
    found = blocks(document)
    after_title = found[[p.style.name for p in found].index("Title"):]
    normal = [p.text for p in after_title if p.style.name == "Normal"
              and not p.text.startswith("[")]  # not the sources
    paras = [b for b in doc.summary + tuple(x for s in doc.sections for x in s.paras)
             if not isinstance(b, DocList)]
    assert normal == [plain(p, chosen.citation) for p in paras]


def it_links_each_citation_to_a_bookmark_on_its_source(example):
    doc, _, document, _ = example
    body = document.element.body
    marks = {m.get(qn("w:name")): m for m in body.iter(qn("w:bookmarkStart"))}
    assert sorted(marks) == sorted(f"ref-{r.number}" for r in doc.refs)
    anchors = [h.get(qn("w:anchor")) for h in body.iter(qn("w:hyperlink"))
               if h.get(qn("w:anchor"))]
    assert anchors and set(anchors) <= set(marks)
    # Each link's text is its number, so the order of anchors is the order of numbers.
    text = "\n".join(p.text for p in blocks(document))
    in_text = cite_numbers(text.split("\nSources\n")[0])
    assert [int(a.split("-")[1]) for a in anchors] == in_text
    for ref in doc.refs:
        start = marks[f"ref-{ref.number}"]
        assert Paragraph(start.getparent(), None).text.startswith(f"[{ref.number}] \t")


def it_links_source_addresses_as_outside_hyperlinks(example, exhibits):
    doc, _, document, _ = example
    rels = document.part.rels
    links = [rels[h.get(qn("r:id"))] for h in document.element.body.iter(qn("w:hyperlink"))
             if h.get(qn("r:id"))]
    assert all(rel.is_external for rel in links)
    urls = [s.href for r in doc.refs for s in r.entry if s.href]
    assert urls and [rel.target_ref for rel in links] == urls
    _, _, document, _ = exhibits
    rels = document.part.rels
    targets = [rels[h.get(qn("r:id"))].target_ref
               for h in document.element.body.iter(qn("w:hyperlink")) if h.get(qn("r:id"))]
    assert targets == ["https://example.org/review", "https://example.org/a",
                       "https://example.org/c"]


def it_gives_pictures_the_briefs_alt_text(exhibits):
    _, _, document, _ = exhibits
    described = [d.get("descr") for d in document.element.body.iter(
        "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr")]
    assert described == ["Riders rose every year since 2020",
                         "Column chart: bus trips fell from 10 to 7 million"]
    chart = document.inline_shapes[1]
    png = document.part.related_parts[chart._inline.graphic.graphicData.pic.blipFill.blip.embed]
    assert png.content_type == "image/png" and png.blob.startswith(b"\x89PNG")


def it_writes_tables_with_a_repeating_header_and_aligned_columns(exhibits):
    _, _, document, _ = exhibits
    [table] = [t for t in document.tables if t.style.name == "Memo Table"]
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["City", "Change, %", "Note"], ["Boston", "−12.5", "a"], ["Denver", "3.0", "b"]]
    header = table.rows[0]._tr.trPr
    assert header.find(qn("w:tblHeader")) is not None
    assert table.rows[1]._tr.trPr.find(qn("w:tblHeader")) is None
    aligns = [c.paragraphs[0].alignment for c in table.rows[1].cells]
    assert [str(a).split(".")[-1].split(" ")[0] for a in aligns] == ["LEFT", "RIGHT", "CENTER"]
    caption = table._tbl.getprevious()
    assert caption.style == "Caption"
    assert Paragraph(caption, None).text == "Outcomes by city\u00a0[1,\u00a0p.\u00a04]"


def it_numbers_each_list_from_its_own_start(exhibits):
    _, _, document, _ = exhibits
    numbering = document.part.numbering_part.element
    starts = {}
    for num in numbering.findall(qn("w:num")):
        override = num.find(f"{qn('w:lvlOverride')}/{qn('w:startOverride')}")
        starts[num.get(qn("w:numId"))] = None if override is None else override.get(qn("w:val"))
    items = [(p.style.name, p.text, p._p.pPr.numPr.numId.val, p._p.pPr.numPr.ilvl.val)
             for p in blocks(document) if p.style.name.startswith("List")]
    numbered = [(name, text, starts[str(num)], level) for name, text, num, level in items
                if name.startswith("List Number")]
    assert [(n, t, s, lvl) for n, t, s, lvl in numbered] == [
        ("List Number", "Do nothing.", "1", 0),
        ("List Number", "Adopt the ordinance\u00a0[2].", "1", 0),
        ("List Number 2", "staff training;", "1", 1),
        ("List Number 2", "a new case system\u00a0[4];", "1", 1),
        ("List Number", "Consult the districts.", "3", 0),
        ("List Number", "Draft the rules\u00a0[3].", "3", 0),
        ("List Number", "Fund the pilot\u00a0[3].", "1", 0)]
    lists = [num for name, _, num, _ in items if name == "List Number"]
    assert len(set(lists)) == 3  # summary, body, recommendations: each counts on its own
    bullets = [p.text for p in blocks(document) if p.style.name == "List Bullet"]
    assert bullets == ["Do nothing. No cost now\u00a0[1,\u00a0p.\u00a04].",
                       "Adopt the ordinance. It takes effect in 2027:",
                       "Fund a pilot\u00a0[2]."]


def it_sets_the_memo_head_and_running_heads_as_the_pdf(exhibits):
    _, _, document, _ = exhibits
    [head, *_] = document.tables
    assert [[c.text for c in row.cells] for row in head.rows] == [
        ["To", "The Board"], ["From", "Transit Unit"], ["Date", "November 24, 2026"],
        ["Subject", "Bus exhibits"]]
    section = document.sections[0]
    assert section.different_first_page_header_footer
    assert section.header.paragraphs[0].text == "Bus exhibits\tDRAFT\tNovember 24, 2026"
    assert section.first_page_header.paragraphs[0].text == "DRAFT"
    footer = section.footer.paragraphs[0]
    assert footer.text == "Transit Unit\t\tPage 1 of 1"
    codes = [t.text.strip() for t in footer._p.iter(qn("w:instrText"))]
    assert codes == ["PAGE", "NUMPAGES"]


def it_marks_no_draft_on_a_final_memo(example):
    _, _, document, _ = example
    section = document.sections[0]
    texts = [section.header.paragraphs[0].text, section.first_page_header.paragraphs[0].text]
    assert texts == ["Local cooperation with ICE detainers\t\tNovember 24, 2026", ""]
    assert "DRAFT" not in "\n".join(p.text for p in blocks(document))


def it_says_who_wrote_it_when_and_in_what_language(example):
    doc, _, document, _ = example
    props = document.core_properties
    made = dt.datetime(2026, 11, 24, tzinfo=dt.timezone.utc)
    assert (props.title, props.author, props.language) == (
        doc.brief.title, "Policy Analysis Unit", "en")
    assert (props.created, props.modified, props.last_modified_by, props.revision) == (
        made, made, "briefgen", 1)


def it_writes_the_same_bytes_twice(example, tmp_path):
    _, _, _, first = example
    make(EXAMPLE, tmp_path / "again.docx")
    assert (tmp_path / "again.docx").read_bytes() == first.read_bytes()


def it_writes_untrusted_text_without_breaking_the_xml(exhibits, tmp_path):
    doc, theme, _, _ = exhibits
    hostile = "bell\x07 nul\x00 tab\t" + "x" * 5000 + " עברית مرحبا 🚌"
    summary = ((Span(hostile), Span(cites=doc.summary[0][1].cites)),) + doc.summary[1:]
    brief = replace(doc.brief, title="Title\x0b\x1f", lang="he")
    write_docx(replace(doc, summary=summary, brief=brief), theme, tmp_path / "m.docx",
               dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    document = docx.Document(str(tmp_path / "m.docx"))
    texts = [p.text for p in blocks(document)]
    assert "Title" in texts
    assert "bell nul tab " + "x" * 5000 + " עברית مرحبا 🚌\u00a0[1]" in texts


# ----- an organisation's reference document -----

def reference_docx(folder, header: str | None = "Corp Inc. confidential"):
    """python-docx's default document as an organisation's template: no 'List Number 2', a
    text of its own, and a header."""
    document = docx.Document()
    style = document.styles["List Number 2"].element
    style.getparent().remove(style)
    document.add_paragraph("Template text to remove")
    if header:
        document.sections[0].header.paragraphs[0].text = header
    path = folder / "corp.docx"
    document.save(str(path))
    return path


def reference_theme(path):
    brief, doc, theme, _, _ = prepare(EXAMPLE)
    loc = Loc("themes/corp/theme.yaml", 14, 19)
    return doc, replace(theme, reference_docx=path,
                        field_locs={**theme.field_locs, "memo.reference_docx": loc})


def it_lists_the_styles_a_reference_document_lacks(tmp_path):
    _, theme = reference_theme(reference_docx(tmp_path))
    assert [str(p) for p in check_reference(theme)] == [
        "themes/corp/theme.yaml:14:19: the Word template corp.docx has no style "
        f"'{name}', which the memo uses: briefgen adds it in its own look"
        for name in ("List Number 2", "Memo Table", "Hyperlink")]
    _, plain_theme = reference_theme(None)
    assert check_reference(plain_theme) == []


def as_word_template(path):
    """The same file as Word saves a template (.dotx): only its main part's type differs."""
    import io
    import zipfile

    data = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(data, "w") as dst:
        for info in src.infolist():
            part = src.read(info)
            if info.filename == "[Content_Types].xml":
                part = part.replace(b"document.main+xml", b"template.main+xml")
            dst.writestr(info, part)
    template = path.with_suffix(".dotx")
    template.write_bytes(data.getvalue())
    return template


def it_takes_a_word_template_dotx_as_organisations_hand_them_out(tmp_path):
    doc, theme = reference_theme(as_word_template(reference_docx(tmp_path)))
    assert len(check_reference(theme)) == 3
    write_docx(doc, theme, tmp_path / "memo.docx", dt.datetime(2026, 1, 1))
    document = docx.Document(str(tmp_path / "memo.docx"))  # a document, which Word opens as one
    assert document.sections[0].header.paragraphs[0].text == "Corp Inc. confidential"


def it_says_when_python_docx_cannot_open_a_reference_document(tmp_path):
    import zipfile

    path = reference_docx(tmp_path)
    with zipfile.ZipFile(path) as src:
        parts = {info.filename: src.read(info) for info in src.infolist()}
    # The main part named in no content type.
    parts["[Content_Types].xml"] = (b'<Types xmlns="http://schemas.openxmlformats.org/package/'
                                    b'2006/content-types"/>')
    with zipfile.ZipFile(path, "w") as dst:
        for name, part in parts.items():
            dst.writestr(name, part)
    _, theme = reference_theme(path)
    with pytest.raises(BriefError) as e:
        check_reference(theme)
    assert str(e.value.problems[0]).startswith(
        "themes/corp/theme.yaml:14:19: the Word template corp.docx cannot be opened by "
        "python-docx: ")


def it_leaves_an_organisations_heading_colour_to_its_heading_style(tmp_path):
    doc, theme = reference_theme(reference_docx(tmp_path))
    write_docx(doc, theme, tmp_path / "memo.docx", dt.datetime(2026, 1, 1))
    numbers = [p.runs[0] for p in docx.Document(str(tmp_path / "memo.docx")).paragraphs
               if p.style.name == "Heading 1" and p.runs and p.runs[0].text[:-1].isdigit()]
    assert len(numbers) == len(doc.sections)
    assert all(run.font.color.rgb is None for run in numbers)


def it_right_aligns_the_page_number_under_a_footer_style_with_tabs_of_its_own(tmp_path):
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Inches

    document = docx.Document()  # Word's own Footer style: tabs at 3.25 and 6.5 in
    tabs = document.styles["Footer"].paragraph_format.tab_stops
    for at, kind in ((3.25, WD_TAB_ALIGNMENT.CENTER), (6.5, WD_TAB_ALIGNMENT.RIGHT)):
        tabs.add_tab_stop(Inches(at), kind)
    document.save(tmp_path / "corp.docx")
    doc, theme = reference_theme(tmp_path / "corp.docx")
    write_docx(doc, theme, tmp_path / "memo.docx", dt.datetime(2026, 1, 1))
    footer = docx.Document(str(tmp_path / "memo.docx")).sections[0].footer.paragraphs[0]
    stops = {(t.position, t.alignment) for t in footer.paragraph_format.tab_stops}
    assert {(Inches(3.25), WD_TAB_ALIGNMENT.CLEAR), (Inches(6.5), WD_TAB_ALIGNMENT.CLEAR)} <= stops
    assert [a for _, a in sorted(stops) if a != WD_TAB_ALIGNMENT.CLEAR] == [
        WD_TAB_ALIGNMENT.CENTER, WD_TAB_ALIGNMENT.RIGHT]
    assert footer.text.endswith("\t\tPage 1 of 1")


def it_writes_on_a_reference_documents_styles_and_header(tmp_path):
    doc, theme = reference_theme(reference_docx(tmp_path))
    write_docx(doc, theme, tmp_path / "memo.docx", dt.datetime(2026, 1, 1))
    document = docx.Document(str(tmp_path / "memo.docx"))
    texts = [p.text for p in blocks(document)]
    assert "Template text to remove" not in texts
    assert texts[-1].startswith(f"[{len(doc.refs)}] ")
    # Its own header is kept, not replaced by the memo's running head.
    assert document.sections[0].header.paragraphs[0].text == "Corp Inc. confidential"
    assert not document.sections[0].different_first_page_header_footer
    # A style it lacks is added, so the memo still has all of them.
    assert all(name in document.styles for name in
               ("List Number 2", "Memo Table", "Hyperlink", "Title", "Heading 1"))


def it_writes_its_own_running_heads_on_a_reference_without_them(tmp_path):
    doc, theme = reference_theme(reference_docx(tmp_path, header=None))
    write_docx(doc, theme, tmp_path / "memo.docx", dt.datetime(2026, 1, 1))
    section = docx.Document(str(tmp_path / "memo.docx")).sections[0]
    assert section.header.paragraphs[0].text == \
        "Local cooperation with ICE detainers\t\tNovember 24, 2026"


# ----- LibreOffice -----

@pytest.fixture(scope="module")
def converted(example, tmp_path_factory):
    """The example's memo.docx as LibreOffice prints it: one conversion, it is slow."""
    _, _, _, path = example
    out = tmp_path_factory.mktemp("soffice")
    profile = tmp_path_factory.mktemp("lo-profile")
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), str(path)],
                   capture_output=True, timeout=300, check=False)
    pdf = out / "memo.pdf"
    assert pdf.exists()  # soffice's exit code says nothing
    return pdf


def it_prints_in_libreoffice_on_as_many_pages_as_memo_pdf(converted, example_build):
    memo = next(o.path for o in example_build.outputs if o.kind == "memo")
    word, pdf = len(PdfReader(str(converted)).pages), len(PdfReader(str(memo)).pages)
    assert abs(word - pdf) <= 1
    text = " ".join(pdf_pages(converted))
    assert cite_numbers(text) == cite_numbers(" ".join(pdf_pages(memo)))
    assert re.search(r"Page 1 of \d", text)


# ----- what Word refuses, and what a Word-made template brings -----

def mac_template(folder):
    """A template as Word for Mac saves one: its numbering ends in w:numIdMacAtCleanup (which
    must stay last), and its header has a logo, drawing id 1."""
    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.append(numbering.makeelement(qn("w:numIdMacAtCleanup"), {qn("w:val"): "0"}))
    logo = document.sections[0].header.paragraphs[0].add_run()
    logo.add_picture(str(ROOT / "tests" / "data" / "chart.png"), width=docx.shared.Inches(1))
    path = folder / "mac.docx"
    document.save(str(path))
    return path


def in_section(brief: str, block: str) -> str:
    """The brief with block added to its first section (after its body)."""
    return brief.replace("    body: Text [@b].\n", "    body: Text [@b].\n" + block, 1)


def drawing_ids(part) -> list[str]:
    return [d.get("id") for d in part.element.iter(
        "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr")]


def it_writes_nothing_words_schema_forbids(example, exhibits, tmp_path):
    shutil.copy(ROOT / "tests" / "data" / "chart.png", tmp_path / "chart.png")
    brief = write(tmp_path, EXHIBITS)
    _, theme, _ = make(brief, tmp_path / "plain.docx")
    make(brief, tmp_path / "mac.docx", reference_docx=mac_template(tmp_path),
         field_locs={**theme.field_locs, "memo.reference_docx": Loc("theme.yaml", 1, 1)})
    for path in (example[3], exhibits[3], tmp_path / "mac.docx"):
        assert order_problems(path) == [], path.name


def it_numbers_lists_and_pictures_apart_from_a_word_for_mac_templates_own(tmp_path):
    shutil.copy(ROOT / "tests" / "data" / "chart.png", tmp_path / "chart.png")
    _, theme, _ = make(write(tmp_path, EXHIBITS), tmp_path / "plain.docx")
    _, _, document = make(tmp_path / "brief.yaml", tmp_path / "memo.docx",
                          reference_docx=mac_template(tmp_path))
    numbering = document.part.numbering_part.element
    kinds = [c.tag.split("}")[1] for c in numbering]
    assert kinds[-1] == "numIdMacAtCleanup" and kinds.count("num") >= 7  # every list's
    header = drawing_ids(document.sections[0].header.part)
    body = drawing_ids(document.part)
    assert header == ["1"] and len(body) == 2  # the figure and the chart
    assert len(set(header + body)) == 3


@pytest.mark.parametrize("svg", [
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 50"><rect width="100" '
    'height="50" fill="red"/></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="100%" viewBox="0 0 100 50">'
    '<rect width="100" height="50" fill="blue"/></svg>'])
def it_sets_an_svg_without_a_size_of_its_own_as_wide_as_the_text(tmp_path, svg):
    from PIL import Image

    (tmp_path / "wide.svg").write_text(svg, encoding="utf-8")
    brief = write(tmp_path, in_section(MINIMAL, "    figure: {path: wide.svg, alt: A band}\n"))
    _, _, document = make(brief, tmp_path / "memo.docx")
    section = document.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin
    [shape] = document.inline_shapes
    assert abs(shape.width - text_width) <= 1 and abs(shape.height - shape.width / 2) <= 1
    png = document.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed]
    with Image.open(io.BytesIO(png.blob)) as im:  # drawn at 200 dpi, not resvg's 100 px
        assert abs(im.size[0] - shape.width.inches * 200) <= 1


def it_keeps_its_page_numbers_under_a_templates_header_and_marks_a_draft(tmp_path):
    doc, theme = reference_theme(reference_docx(tmp_path))
    draft = replace(doc, brief=replace(doc.brief, status="draft"))
    write_docx(draft, theme, tmp_path / "memo.docx", dt.datetime(2026, 1, 1))
    section = docx.Document(str(tmp_path / "memo.docx")).sections[0]
    assert [p.text for p in section.header.paragraphs] == ["Corp Inc. confidential", "DRAFT"]
    assert section.footer.paragraphs[0].text == "Policy Analysis Unit\t\tPage 1 of 1"


def it_cuts_a_long_subject_to_one_line_in_the_running_head(example, tmp_path):
    from briefgen.fonts import metrics

    doc, theme, _, _ = example
    subject = "Whether the county should " + "keep honouring detainers and warrants " * 6
    brief = replace(doc.brief, memo=replace(doc.brief.memo, subject=subject))
    write_docx(replace(doc, brief=brief), theme, tmp_path / "memo.docx", build_time(brief))
    section = docx.Document(str(tmp_path / "memo.docx")).sections[0]
    head, _, date = section.header.paragraphs[0].text.split("\t")
    assert head.endswith("\u2026") and subject.startswith(head[:-1]) and len(head) > 20
    measure = metrics(theme.heading.regular)
    text_width = (section.page_width - section.left_margin - section.right_margin) / 12700
    assert measure.width(head, 8) + measure.width(date, 8) < text_width


WIDE = """\
    table:
      columns: [{name: Jurisdiction}, {name: Population}, {name: Detainers}, {name: Honoured},
                {name: Declined}, {name: Transferred}, {name: Outstanding}, {name: Withdrawn},
                {name: Proportional}]
      rows: [[Northumberland, "1200000", "3400", "2100", "1300", "1900", "200", "12", "0.4"]]
"""


def it_steps_a_wide_tables_type_down_before_it_breaks_a_word(tmp_path):
    from briefgen.exhibits import table_size
    from briefgen.fonts import metrics

    _, theme, document = make(write(tmp_path, in_section(MINIMAL, WIDE)), tmp_path / "m.docx")
    [table] = [t for t in document.tables if t.style.name == "Memo Table"]
    [size] = {r.font.size.pt for row in table.rows for c in row.cells
              for r in c.paragraphs[0].runs}
    assert size < table_size(theme, 0)
    widths = [col.w / 12700 for col in table._tbl.tblGrid.gridCol_lst]
    bold, regular = metrics(theme.heading.bold), metrics(theme.heading.regular)
    for c, width in enumerate(widths):
        header, *cells = [row.cells[c].text for row in table.rows]
        longest = max([bold.width(header, size)] + [regular.width(t, size) for t in cells])
        assert width > longest + 2 * size * 0.55  # the word and the cell's padding


def it_draws_an_svg_figure_at_the_size_it_prints_whatever_size_it_says(tmp_path):
    """Drawn at its own 20,000 px and then made smaller, one took 7 GB."""
    from PIL import Image

    (tmp_path / "big.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="20000" '
                                      'height="10000"><rect width="20000" height="10000" '
                                      'fill="#345"/></svg>', encoding="utf-8")
    brief = write(tmp_path, MINIMAL.replace("    body: Text [@b].", "    body: Text [@b].\n"
                                            "    figure: {path: big.svg, alt: A box}"))
    _, _, document = make(brief, tmp_path / "memo.docx")
    shape = document.inline_shapes[0]
    blip = shape._inline.graphic.graphicData.pic.blipFill.blip
    with Image.open(io.BytesIO(document.part.related_parts[blip.embed].blob)) as image:
        assert image.width <= 2000  # the text block's width at 200 dpi, about 1,300
    assert abs(shape.width / shape.height - 2) < 0.01


@pytest.mark.parametrize("size", ['width="0" height="0"', 'width="5e8in" height="1in"'])
def it_says_where_an_svg_figure_it_cannot_draw_stands(tmp_path, size):
    (tmp_path / "f.svg").write_text(f'<svg xmlns="http://www.w3.org/2000/svg" {size}/>',
                                    encoding="utf-8")
    brief = write(tmp_path, MINIMAL.replace("    body: Text [@b].", "    body: Text [@b].\n"
                                            "    figure: {path: f.svg, alt: A box}"))
    with pytest.raises(BriefError) as e:
        make(brief, tmp_path / "memo.docx")
    assert str(e.value.problems[0]) == (
        f"{brief}:7:13: figure f.svg cannot be drawn for the Word memo (no width and height it "
        "can be drawn at): give its <svg> a width and a height (px, pt or in), or give a PNG")
