import re
import shutil

import pikepdf
import pytest
from pypdf import PdfReader

from briefgen.build import build
from briefgen.labels import labels_for
from briefgen.theme import load_theme

from .conftest import (EXAMPLE, MINIMAL, ROOT, cite_numbers, embedded_fonts, font_names, pdf_pages,
                       structure_elements, write)
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
    assert reader.metadata.title.startswith("Why don’t sanctuary cities")
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
    theme = load_theme("default")
    shipped = {font_names(path) for family in (theme.heading, theme.body)
               for path in family.files().values()}
    assert embedded_fonts(memo(example_build).path) <= shipped


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


def it_breaks_lines_before_a_citation_group_without_stranding_or_stretching(tmp_path):
    # A no-break space keeps [1] off the start of a line. Put between the text and the citation
    # group's box, it made WeasyPrint break far too early: a paragraph began "Pri-" alone, or a
    # justified line ended early and stretched. Paragraphs of many lengths, every kind of group:
    import random

    rng = random.Random(7)
    words = ("the council may adopt pricing traffic transit revenue cities evidence policy "
             "federal local enforcement cooperation jurisdictions immigration outcomes").split()
    paras = []
    for _ in range(40):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(8, 60)))
        cite = rng.choice(["[@a]", "[@a; @b]", "[@a, p. 12]", "[@b, pp. 3-9; @a]"])
        paras.append(f"{text.capitalize()} {cite}{rng.choice(['.', '. More text here.', ''])}")
    body = "\n\n".join(paras).replace("\n", "\n      ")
    brief = write(tmp_path, f"""title: Breaks
date: 2026-11-25
summary: |
  Congestion pricing cut traffic by 15-30% in the cities that tried it [@a; @b]. Revenue can fund transit [@a, p. 12].
sections:
  - heading: One
    body: |
      Pricing cut traffic by 15-30% in the many cities that tried it out over the years. Revenue can fund transit systems [@a]. More text.

      {body}
sources:
  - {{id: a, title: A}}
  - {{id: b, title: B}}
""")
    build(brief, tmp_path / "out", parallel=False)
    reader = PdfReader(str(tmp_path / "out" / "brief" / "memo.pdf"))
    lines = [" ".join(line.split()) for page in reader.pages
             for line in page.extract_text(extraction_mode="layout").splitlines() if line.strip()]
    assert not [line for line in lines if re.fullmatch(r"\w{1,12}-", line)]  # "Pri-" alone
    # The summary's first line goes on past its citations, as it has room to.
    assert any("tried it [1] [2]. Revenue can fund" in line for line in lines)
    starts = [line for line in lines if re.match(r"\[\d", line)]
    assert starts == ["[1] “A.”", "[2] “B.”"]  # only the sources list starts with a number


def it_breaks_a_heading_word_longer_than_the_line_at_a_syllable(tmp_path):
    # Headings are not hyphenated; a German compound longer than the line ran off the page.
    # Only such monsters may be: shorter long words still move to the next line whole.
    from markupsafe import Markup

    from briefgen.html import breakable

    word = "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz"
    link = Markup(f'<a href="https://x.org/{word}">{word}</a> &amp; kurz')
    assert breakable(link) == (f'<a href="https://x.org/{word}"><span class="long-word">{word}'
                               '</span></a> &amp; kurz')
    assert breakable("<b>intergovernmental</b>") == "&lt;b&gt;intergovernmental&lt;/b&gt;"
    text = MINIMAL.replace("title: A brief", f"title: Das {word} im Überblick").replace(
        "heading: One", f"heading: {word}")
    build(write(tmp_path, "lang: de\n" + text), tmp_path / "out", parallel=False)
    for name in ("memo", "handout"):
        reader = PdfReader(str(tmp_path / "out" / "brief" / f"{name}.pdf"))
        lines = [" ".join(line.split()) for line in reader.pages[0].extract_text().splitlines()]
        broken = [line for line in lines if line.startswith("Das Rindfleisch")]
        assert broken and broken[0].endswith("-"), (name, broken)  # at a syllable, with a hyphen
    titles = [o.title for o in reader.outline if not isinstance(o, list)] + \
        [o.title for o in PdfReader(str(tmp_path / "out" / "brief" / "memo.pdf")).outline[1]]
    assert titles and not [t for t in titles if "\u00ad" in t or "<" in t]  # clean bookmarks


def it_moves_a_long_english_word_in_a_heading_to_the_next_line_whole(tmp_path):
    # 'intergovernmental' (17 letters) at the end of a heading line is not hyphenated.
    title = "The politics of policing and the quiet politics of intergovernmental enforcement"
    build(write(tmp_path, MINIMAL.replace("title: A brief", f"title: {title}")),
          tmp_path / "out", parallel=False)
    for name in ("memo", "handout"):
        text = PdfReader(str(tmp_path / "out" / "brief" / f"{name}.pdf")).pages[0].extract_text()
        assert "intergovernmental" in text.replace("\n", " "), name


def it_keeps_a_long_running_head_to_one_line_cut_after_a_word(tmp_path):
    subject = ("Options for regulating short-term rentals (HB 1142 and SB 587) and what they "
               "mean for housing supply, tourism revenue and neighbourhoods in the largest cities")
    long_body = "\n\n".join(["Text that fills the page [@a]. " * 30] * 6).replace("\n", "\n      ")
    # A theme whose own style.css sets wider margins and a larger head: its room is the page's,
    # not a copy of the built-in geometry.
    narrow = tmp_path / "narrow"
    shutil.copytree(ROOT / "themes" / "default", narrow)
    css = (ROOT / "src" / "briefgen" / "templates" / "style.css").read_text(encoding="utf-8")
    for old, new in (("margin: 0.9in {{ theme.margin }} 0.8in;", "margin: 0.9in 2.4in 0.8in;"),
                     ("@top-left { content: {{ running_left | css_string }}; font: 8pt",
                      "@top-left { content: {{ running_left | css_string }}; font: 10pt")):
        assert old in css
        css = css.replace(old, new)
    write(narrow, css, "templates/style.css")
    for status, theme in (("final", "default"), ("draft", "print"), ("draft", str(narrow))):
        brief = write(tmp_path, f"""title: Heads
date: 2026-11-25
status: {status}
memo: {{subject: "{subject}"}}
summary: Bottom line [@a].
sections:
  - heading: One
    body: |
      {long_body}
sources:
  - {{id: a, title: A}}
""", f"{status}.yaml")
        build(brief, tmp_path / "out" / theme[-6:], theme=theme, parallel=False)
        reader = PdfReader(str(tmp_path / "out" / theme[-6:] / status / "memo.pdf"))
        first = reader.pages[1].extract_text(extraction_mode="layout").strip().splitlines()[0]
        head = " ".join(first.split())
        # One line: the head, DRAFT where the brief is a draft, the date; no wrapped remainder.
        assert head.endswith("November 25, 2026") and head.count("…") == 1, head
        kept = head.split("…")[0]
        assert subject.startswith(kept) and subject[len(kept)] == " "
        assert len(kept) > (20 if theme == str(narrow) else 30)
        assert kept.count("(") == kept.count(")")  # not cut inside parentheses: '... rentals (HB…'
        second = reader.pages[1].extract_text(extraction_mode="layout").strip().splitlines()[1]
        assert "neighbourhoods" not in second and "largest" not in second


def it_cuts_a_running_head_without_spaces_between_characters():
    from briefgen.html import shorten
    from briefgen.theme import load_theme

    font = load_theme("default").heading.regular
    head = shorten("关于城市" * 15, font, 8, 370)
    assert head.endswith("…") and len(head) < 60 and ("关于城市" * 15).startswith(head[:-1])
    assert shorten("A short subject", font, 8, 200) == "A short subject"


def it_keeps_a_figure_on_its_page_a_little_smaller_rather_than_leave_a_gap(tmp_path):
    from briefgen.build import read_job
    from briefgen.pdf import figure_room, render_pdf

    (tmp_path / "chart.png").write_bytes((ROOT / "tests" / "data" / "chart.png").read_bytes())
    body = " ".join(f"Sentence {i} of the body says what the evidence shows for the city."
                    for i in range(25))
    brief = write(tmp_path, MINIMAL.replace("body: Text [@b].", f"body: {body} [@b]\n    figure: "
                  "{path: chart.png, alt: A chart, caption: The chart's own caption}"))
    job = read_job(brief, tmp_path / "out", None, None, False)
    first = render_pdf(job.memo_html, job.folder, job.roots, job.origin)
    # As laid out at full size, the figure begins page 2, with room for most of it on page 1.
    room = figure_room(first)
    assert list(room) == ["figure-1"] and 192 <= room["figure-1"] < 321
    build(brief, tmp_path / "out", parallel=False)
    pages = pdf_pages(tmp_path / "out" / "brief" / "memo.pdf")
    assert "The chart’s own caption" in pages[0]


def it_checks_again_after_a_smaller_figure_pulls_a_later_one_up(tmp_path):
    from PIL import Image

    Image.new("RGB", (1200, 700), "lightblue").save(tmp_path / "f.png")

    def body(n):
        return " ".join(f"Sentence {i} of the body says what the evidence shows for the city."
                        for i in range(n))

    brief = write(tmp_path, f"""title: Two figures
date: 2026-11-24
summary: Bottom line [@a].
sections:
  - heading: Section 1
    body: {body(20)} [@a]
    figure: {{path: f.png, alt: Alt 1, caption: "Caption of figure 1"}}
  - heading: Section 2
    body: {body(42)} [@b]
    figure: {{path: f.png, alt: Alt 2, caption: "Caption of figure 2"}}
sources:
  - {{id: a, title: A}}
  - {{id: b, title: B}}
""")
    build(brief, tmp_path / "out", parallel=False)
    pages = pdf_pages(tmp_path / "out" / "brief" / "memo.pdf")
    # Figure 1, made smaller to stay on page 1, pulls section 2 up: figure 2 is checked again
    # and stays with its section on page 2, rather than leave page 2's foot blank.
    assert "Caption of figure 1" in pages[0] and "Section 2" in pages[1]
    assert "Caption of figure 2" in pages[1]


def it_gives_a_run_too_long_for_a_line_a_break_every_30_letters():
    from briefgen.html import nobreak

    word = "a" * 29 + "b" * 30 + "c" * 11
    assert str(nobreak(f"x {word} & «\u00a0y\u00a0»")) == (
        "x " + "a" * 29 + "b\u200b" + "b" * 29 + "c\u200b" + "c" * 10
        + ' &amp; <span class="nobr">« y »</span>')
    assert str(nobreak("b" * 59)) == "b" * 59


RECOMMENDED = """\
title: A brief with recommendations
date: 2026-11-24
summary: Bottom line [@a].
sections:
  - heading: One
    body: Text [@b].
  - heading: Two
    body: More text [@c].
recommendations:
  - "Act on *this* first [@d; @b, p. 3]."
  - Then do that [@a].
  - Report every quarter.
sources:
  - {id: a, title: Source A}
  - {id: b, title: Source B}
  - {id: c, title: Source C}
  - {id: d, title: Cited in a recommendation only}
"""


@pytest.fixture(scope="module")
def recommended(tmp_path_factory):
    """The brief built in each theme: {theme: build result}."""
    folder = tmp_path_factory.mktemp("recommended")
    brief = write(folder, RECOMMENDED)
    return {theme: build(brief, folder / theme, theme=theme)
            for theme in ("default", "modern", "print")}


def it_prints_recommendations_as_a_numbered_section_after_the_last_one(recommended):
    text = "\n".join(pdf_pages(memo(recommended["default"]).path))
    body, sources = text.split("\nSources\n")
    assert body.split("\n2. Two\n", 1)[1] == (
        "More text [3].\n3. Recommendations\n1. Act on this first [4] [2, p. 3].\n"
        "2. Then do that [1].\n3. Report every quarter.")
    assert cite_numbers(body) == [1, 2, 3, 4, 2, 1]
    # A source cited only in a recommendation is listed, under the number it printed.
    assert re.findall(r"^\[(\d+)\] (.+)$", sources, re.M)[3] == (
        "4", "“Cited in a recommendation only.”")
    for theme in ("modern", "print"):  # the modern theme sets citations as superscripts
        text = " ".join(" ".join(pdf_pages(memo(recommended[theme]).path)).split())
        assert re.search(r"3\. Recommendations 1\. Act on this first.+2\. Then do that.+"
                         r"3\. Report every quarter\.", text, re.S), theme


def it_tags_the_recommendations_as_a_numbered_list_and_bookmarks_them(recommended):
    path = memo(recommended["default"]).path
    outline = PdfReader(str(path)).outline
    assert [o.title for o in outline[1]] == [
        "Bottom line", "1. One", "2. Two", "3. Recommendations", "Sources"]
    with pikepdf.open(path) as pdf:
        numbered = [node for node in structure_elements(pdf, "/L")
                    if node.get("/A") and node.A.ListNumbering == "/Decimal"]
        assert len(numbered) == 1 and len(numbered[0].K) == 3
        for item in numbered[0].K:
            assert [str(kid.S) for kid in item.K] == ["/Lbl", "/LBody"]


def it_names_the_recommendations_in_the_briefs_language(tmp_path):
    text = RECOMMENDED.replace("date: 2026-11-24", "date: 2026-11-24\nlang: de")
    result = build(write(tmp_path, text), tmp_path / "out")
    assert "\n3. Empfehlungen\n1. Act on this first" in "\n".join(
        pdf_pages(memo(result).path))
    handout = next(o for o in result.outputs if o.kind == "handout").path
    assert "\nEMPFEHLUNGEN\n1. Act on this first" in pdf_pages(handout)[0]
    assert {labels_for(lang)["recommendations"] for lang in ("en", "es", "fr", "de")} == {
        "Recommendations", "Recomendaciones", "Recommandations", "Empfehlungen"}


def it_floats_a_figure_over_whole_blocks_only_and_keeps_a_lead_in_with_its_list(tmp_path):
    brief = ROOT / "tests" / "data" / "figure-float" / "school-meals.yaml"
    build(brief, tmp_path, parallel=False)
    text = " ".join(" ".join(pdf_pages(tmp_path / "school-meals" / "memo.pdf")).split())
    at = text.index("Lunch take-up in pilot districts")
    # It went past section 3's list, which the layout had not counted, to under the
    # recommendations' heading.
    assert text.index("test scores, though") < at < text.index("3. Implementation risks")
    assert "The main steps are: 1. Notify districts by March." in text
