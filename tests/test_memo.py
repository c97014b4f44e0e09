import re

from pypdf import PdfReader

from briefgen.build import build

from .conftest import EXAMPLE, MINIMAL, ROOT, cite_numbers, pdf_pages, write
from .golden import GOLDEN, extract
from .test_cite import seed_sequence


def memo(result):
    return next(o for o in result.outputs if o.kind == "memo")


def it_matches_the_golden_text(example_build):
    for name, text in extract(example_build).items():
        assert text == (GOLDEN / name).read_text(encoding="utf-8"), \
            f"{name} changed: run `make golden` and review the diff if it is intended"


def it_prints_the_seed_citation_sequence_in_the_body(example_build):
    text = "\n".join(pdf_pages(memo(example_build).path))
    body, sources = text.split("\nSources\n")
    assert cite_numbers(body) == seed_sequence()
    listed = [int(n) for n in re.findall(r"^\[(\d+)\] ", sources, re.M)]
    assert listed == list(range(1, 14))


def it_lists_every_source_with_its_number_title_and_link(example_build):
    text = " ".join(" ".join(pdf_pages(memo(example_build).path)).split())
    assert "[10] David K. Hausman, “Sanctuary policies reduce deportations without increasing " \
           "crime,” Proceedings of the National Academy of Sciences 117 (44), November 3, " \
           "2020. https://www.pnas.org/content/117/44/27262.short" in text


def it_is_a_memo_with_header_page_numbers_metadata_and_bookmarks(example_build):
    out = memo(example_build)
    reader = PdfReader(str(out.path))
    pages = pdf_pages(out.path)
    assert out.pages == len(reader.pages) >= 2
    assert pages[0].startswith("MEMORANDUM\nTO Members, Public Safety Committee\nFROM Policy "
                               "Analysis Unit\nDATE November 24, 2026\nSUBJECT Local cooperation")
    for i, page in enumerate(pages, 1):
        assert f"Page {i} of {len(pages)}" in page
    assert "Local cooperation with ICE detainers November 24, 2026" in pages[1]
    assert reader.metadata.title.startswith("Why don't sanctuary cities")
    assert reader.metadata.author == "Policy Analysis Unit"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    outline = reader.outline
    assert [o.title for o in outline[1]][:2] == [
        "Bottom line",
        "1. Legal and constitutional boundaries: localities aren’t required to be ICE’s partners"]
    assert outline[1][-1].title == "Sources"
    assert page_size(reader) == (612, 792)


def page_size(reader):
    box = reader.pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def it_embeds_only_the_theme_fonts(example_build):
    reader = PdfReader(str(memo(example_build).path))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
            fonts.add(str(font["/BaseFont"]).split("+")[1])
    assert fonts <= {"Carlito", "Carlito-Bold", "Carlito-Italic", "Carlito-BoldItalic",
                     "Caladea", "Caladea-Bold", "Caladea-Italic", "Caladea-BoldItalic"}


def it_prints_a4_on_request_and_marks_drafts(tmp_path):
    brief = write(tmp_path, MINIMAL.replace("date:", "status: draft\ndate:"))
    result = build(brief, tmp_path / "out", paper="a4")
    reader = PdfReader(str(memo(result).path))
    assert page_size(reader) == (595, 842)
    assert pdf_pages(memo(result).path)[0].count("DRAFT") >= 1
    final = build(write(tmp_path, MINIMAL, "final.yaml"), tmp_path / "out")
    assert "DRAFT" not in pdf_pages(memo(final).path)[0]


def it_prints_html_and_template_syntax_in_text_literally(tmp_path):
    text = MINIMAL.replace("Text [@b].", "'<script>alert(1)</script> {{ 7*7 }} &amp; [@b]'")
    result = build(write(tmp_path, text), tmp_path / "out")
    page = " ".join(pdf_pages(memo(result).path)[0].split())
    assert "<script>alert(1)</script> {{ 7*7 }} &amp; [2]" in page


def it_keeps_the_example_brief_in_the_repository_buildable():
    assert EXAMPLE.is_file() and (ROOT / "themes" / "default" / "theme.yaml").is_file()
