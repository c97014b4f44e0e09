import re
import subprocess
import zipfile

import pytest
from lxml import etree
from pptx import Presentation
from pptx.util import Pt
from pypdf import PdfReader

from briefgen.build import build
from briefgen.cite import number_citations
from briefgen.deck import plan_deck, split_heading, para_text
from briefgen.fonts import metrics
from briefgen.load import load_brief
from briefgen.pptx_out import write_pptx
from briefgen.theme import load_theme

from .conftest import EXAMPLE, MINIMAL, ROOT, pdf_pages, write

EMU_PER_PT = 12700


def output(result, kind):
    return next(o for o in result.outputs if o.kind == kind).path


def slide_title(slide):
    return slide.shapes.title.text_frame.text


def sources_map(lines):
    """'[n] entry' lines -> {n: entry}."""
    out = {}
    for line in lines:
        m = re.match(r"\[(\d+)\] (.*)", line)
        if m:
            out[int(m.group(1))] = m.group(2)
    return out


def deck_sources(prs):
    lines = []
    for slide in prs.slides:
        if slide_title(slide).startswith("Sources"):
            body = next(s for s in slide.placeholders if s.placeholder_format.idx == 1)
            lines += [p.text for p in body.text_frame.paragraphs]
    return sources_map(lines)


def memo_sources(path):
    text = "\n".join(pdf_pages(path)).split("\nSources\n", 1)[1]
    entries, current = [], None
    for line in text.splitlines():
        if re.match(r"\[\d+\] ", line):
            current = line
            entries.append(current)
        elif current is not None and not re.match(r"(Page \d|Policy Analysis|Local coop)", line):
            entries[-1] += " " + line
    return sources_map(entries)


def shape_overflows(shape, theme):
    """Re-measure a written text frame from what the file says: sizes, indents, spacing, box."""
    tf = shape.text_frame
    width = (shape.width - tf.margin_left - tf.margin_right) / EMU_PER_PT
    height = 0.0
    for i, p in enumerate(tf.paragraphs):
        runs = p.runs
        if not runs:
            continue
        size = runs[0].font.size.pt
        bold = any(r.font.bold for r in runs)
        m = metrics(theme.heading.bold if bold else theme.heading.regular)
        marl = int(p._p.pPr.get("marL", "0")) / EMU_PER_PT
        lines = m.wrap(p.text, size, width - marl)
        height += len(lines) * p.line_spacing.pt
        if i:
            height += p.space_before.pt
    return height + (tf.margin_top + tf.margin_bottom) / EMU_PER_PT > \
        shape.height / EMU_PER_PT + 0.01


def assert_deck_fits(path, theme):
    prs = Presentation(str(path))
    w, h = prs.slide_width, prs.slide_height
    for n, slide in enumerate(prs.slides, 1):
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.top >= 0, (n, shape.name)
            assert shape.left + shape.width <= w and shape.top + shape.height <= h, (n, shape.name)
            if shape.has_text_frame and shape.text_frame.word_wrap:
                assert not shape_overflows(shape, theme), f"slide {n}: {shape.name} overflows"
                sizes = {r.font.size.pt for p in shape.text_frame.paragraphs for r in p.runs}
                if shape == slide.shapes.title or shape.name.startswith("Content"):
                    assert min(sizes, default=99) >= theme.deck_min_size, (n, shape.name)
    return prs


def it_plans_a_title_bottom_line_section_and_sources_slides(example_build):
    prs = Presentation(str(output(example_build, "deck")))
    titles = [slide_title(s) for s in prs.slides]
    assert titles == [
        "Why don’t sanctuary cities work with ICE to deport violent illegal immigrants?",
        "Bottom line",
        "Legal and constitutional boundaries",
        "Public-safety rationale",
        "Practical limits",
        "Evidence complicates the simple “shielding violent criminals” narrative",
        "ICE and federal officials say noncooperation still creates operational headaches",
        "Politics, messaging and competing agendas shape the debate",
        "What this means in practice",
        "Key points (1 of 3)",
        "Key points (2 of 3)",
        "Key points (3 of 3)",
        "Sources (1 of 2)",
        "Sources (2 of 2)",
    ]
    assert prs.slide_width == Pt(960) and prs.slide_height == Pt(540)
    assert [s.slide_layout.name for s in prs.slides][:3] == [
        "Title Slide", "Title and Content", "Title and Content"]


def it_turns_a_long_heading_into_a_short_title_and_a_kicker(example_build):
    prs = Presentation(str(output(example_build, "deck")))
    slide = prs.slides[2]
    kicker = next(s for s in slide.shapes if s.name == "Kicker")
    assert kicker.text_frame.text == "Localities aren’t required to be ICE’s partners"


def it_uses_the_memo_numbers_for_the_same_sources(example_build):
    prs = Presentation(str(output(example_build, "deck")))
    deck = deck_sources(prs)
    memo = memo_sources(output(example_build, "memo"))
    assert sorted(deck) == sorted(memo) == list(range(1, 14))
    for n in deck:
        title = re.search(r"“(.+?)[,.]?”", deck[n]).group(1)
        assert title in memo[n], n


def it_lists_every_number_the_slides_cite(example_build):
    prs = Presentation(str(output(example_build, "deck")))
    listed = set(deck_sources(prs))
    cited = set()
    for slide in prs.slides:
        if not slide_title(slide).startswith("Sources"):
            for shape in slide.shapes:
                if shape.has_text_frame:
                    cited |= {int(n) for n in re.findall(r"\[(\d+)\]", shape.text_frame.text)}
    assert cited and cited <= listed


def it_footers_each_section_slide_with_the_sources_it_cites(example_build):
    prs = Presentation(str(output(example_build, "deck")))
    slide = prs.slides[2]
    footer = next(s for s in slide.shapes if s.name == "Sources footer").text_frame.text
    # In number order, as a list reads, whatever order the slide cites them in; no number or
    # year alone at a line's end or start.
    assert footer == ("Sources: [1]\xa0American Immigration Council\xa02017 · "
                      "[7]\xa0Leal\xa02022 · [8]\xa0Congressional Research Service\xa02019")


def it_puts_the_section_body_in_the_speaker_notes_with_the_same_numbers(example_build):
    prs = Presentation(str(output(example_build, "deck")))
    notes = prs.slides[2].notes_slide.notes_text_frame.text
    assert notes.startswith("Federal immigration enforcement is a national responsibility")
    assert notes.endswith("legally permissible in many jurisdictions [7] [1] [8].")


def it_keeps_every_text_frame_inside_its_shape(example_build):
    assert_deck_fits(output(example_build, "deck"), load_theme("default"))


def it_gives_every_slide_a_unique_title(example_build):
    titles = [slide_title(s) for s in Presentation(str(output(example_build, "deck"))).slides]
    assert len(set(titles)) == len(titles) and all(titles)


def huge_brief(sections=70, sources=130):
    lines = ["title: A very long brief with many sections that tests the deck's limits",
             "date: 2026-11-24", "summary: |",
             "  " + " ".join(f"Point {i} [@s{i}]." for i in range(1, 40))]
    lines.append("sections:")
    per = -(-sources // sections)
    for i in range(sections):
        cites = "; ".join(f"@s{j}" for j in range(i * per + 1, min((i + 1) * per, sources) + 1))
        cites = f" [{cites}]" if cites else ""
        heading = (f"Section {i}: a heading that goes on and on about the many aspects of the "
                   f"policy question number {i} and its consequences for everyone involved")
        body = " ".join(["This sentence is long enough to wrap several times on a slide."] * 12)
        lines += [f"  - heading: \"{heading}\"", "    body: |",
                  f"      {body}{cites} https://example.org/{'a' * 150}"]
    lines.append("sources:")
    for j in range(1, sources + 1):
        lines += [f"  - id: s{j}", f"    title: \"Source number {j} with a reasonably long "
                  "title about public policy and its many consequences\"",
                  "    publisher: Institute of Examples", "    date: 2024-05",
                  f"    url: https://example.org/reports/{j}/{'x' * 80}"]
    return "\n".join(lines) + "\n"


def it_fits_a_70_section_130_source_brief(tmp_path):
    # Seventy key points cannot share one handout page, so the deck is planned and written alone.
    doc = number_citations(load_brief(write(tmp_path, huge_brief())))
    theme = load_theme("default")
    deck, warnings = plan_deck(doc, theme)
    write_pptx(deck, theme, tmp_path / "deck.pptx")
    assert [(w.loc.line, w.message) for w in warnings] == [
        (6, "the key points would fill 24 closing slides: the deck shows the first 60 of 70, "
            "on 20")]
    prs = assert_deck_fits(tmp_path / "deck.pptx", theme)
    titles = [slide_title(s) for s in prs.slides]
    assert len(set(titles)) == len(titles)
    assert sorted(deck_sources(prs)) == list(range(1, 131))
    # Seventy key points close it, as many a slide as the word budget allows.
    closing = [t for t in titles if t.startswith("Key points")]
    assert len(closing) == 20 and closing[-1] == "Key points (20 of 20)"


def it_splits_headings_only_where_both_parts_say_something():
    doc = number_citations(load_brief(EXAMPLE))
    title, kicker = split_heading(doc.sections[3].heading)
    assert (para_text(title), kicker) == (
        "Evidence complicates the simple “shielding violent criminals” narrative", None)


def it_capitalises_a_kicker_unless_its_first_word_has_capitals_of_its_own():
    from briefgen.model import Span

    def kicker(heading):
        return para_text(split_heading((Span(heading),))[1])

    assert kicker("Legal boundaries: localities are not partners of ICE") == \
        "Localities are not partners of ICE"
    assert kicker("Device access: iPhone and iPad owners ride more") == \
        "iPhone and iPad owners ride more"
    assert kicker("Tax revenue: eBay sellers and the levy on their sales") == \
        "eBay sellers and the levy on their sales"


def it_gives_pictures_their_alt_text_and_never_writes_escaped_controls(tmp_path):
    (tmp_path / "chart.png").write_bytes((ROOT / "tests" / "data" / "chart.png").read_bytes())
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "    takeaway: \"No federal law",
        "    figure: {path: chart.png, alt: Bar chart of five rising values, caption: Made up}\n"
        "    takeaway: \"No federal law")
    result = build(write(tmp_path, text), tmp_path / "out")
    deck = output(result, "deck")
    prs = Presentation(str(deck))
    # Beside the section's bullets, or on the next slide where they do not fit beside it.
    pictures = [s for slide in list(prs.slides)[2:4] for s in slide.shapes if s.shape_type == 13]
    assert [p._element.nvPicPr.cNvPr.get("descr") for p in pictures] == [
        "Bar chart of five rising values"]
    with zipfile.ZipFile(deck) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    assert "_x00" not in xml
    assert_deck_fits(deck, load_theme("default"))


def it_places_a_figure_whose_file_name_has_a_quote_and_office_opens_the_deck(tmp_path):
    # python-pptx wrote the file name into the slide's XML unescaped: the build crashed.
    (tmp_path / 'chart "v2".png').write_bytes((ROOT / "tests" / "data" / "chart.png").read_bytes())
    text = MINIMAL.replace("    body: Text [@b].\n", "    body: Text [@b].\n"
                           "    figure: {path: 'chart \"v2\".png', alt: Five rising bars}\n")
    result = build(write(tmp_path, text), tmp_path / "out")
    deck = output(result, "deck")
    prs = Presentation(str(deck))
    [picture] = [s for s in prs.slides[2].shapes if s.shape_type == 13]
    assert picture._element.nvPicPr.cNvPr.get("descr") == "Five rising bars"
    assert picture.image.blob == (tmp_path / 'chart "v2".png').read_bytes()
    profile = (tmp_path / "profile").as_uri()
    run = subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless",
                          "--convert-to", "pdf", "--outdir", str(tmp_path), str(deck)],
                         capture_output=True, text=True, timeout=300)
    # soffice exits 0 when it converted nothing: the file is the proof.
    assert (tmp_path / "deck.pdf").exists(), run.stdout + run.stderr
    assert len(PdfReader(str(tmp_path / "deck.pdf")).pages) == len(prs.slides)


def it_sets_every_run_in_the_theme_font_size_and_colours(example_build):
    # The writer sets run properties as XML directly; python-pptx must read them back as set.
    from briefgen.deck import FOOTER_SIZE
    from briefgen.theme import load_theme

    theme = load_theme("default")
    colours = {c.lstrip("#").upper() for c in theme.colors.values()}
    prs = Presentation(output(example_build, "deck"))
    shaped = [(sh.name, r) for s in prs.slides for sh in s.shapes if sh.has_text_frame
              for p in sh.text_frame.paragraphs for r in p.runs]
    runs = [r for _, r in shaped]
    assert len(runs) > 100
    # Text is never set below the theme's minimum, but for the sources footer: small print at
    # its own size (the sources are listed in full on the Sources slides).
    footer = {r.font.size.pt for name, r in shaped if name == "Sources footer"}
    assert footer == {FOOTER_SIZE} and FOOTER_SIZE < theme.deck_min_size
    assert min(r.font.size.pt for name, r in shaped if name != "Sources footer") >= \
        theme.deck_min_size
    for run in runs:
        font = run.font
        assert font.name == theme.deck_font
        assert str(font.color.rgb) in colours
        assert font.bold in (True, False)
    assert any(r.font.bold for r in runs) and not all(r.font.bold for r in runs)


def it_makes_a_title_smaller_rather_than_break_a_word_inside(tmp_path):
    # A German compound fits on a line at a smaller size: breaking it between characters, as
    # PowerPoint does with what does not fit, is the last resort.
    from briefgen.deck import TITLE_MAX, text_width

    from .conftest import MINIMAL

    word = "Grundstücksverkehrsgenehmigungszuständigkeitsübertragungsverordnung"
    brief = write(tmp_path, "lang: de\n" + MINIMAL.replace("heading: One", f"heading: {word}"))
    theme = load_theme("default")
    deck, _ = plan_deck(number_citations(load_brief(brief)), theme)
    title = next(s.title for s in deck.slides if para_text(s.title.paras[0]) == word)
    bold = metrics(theme.heading.bold)
    at = lambda size: bold.width(word, size)  # noqa: E731 - as the wrap measures it
    assert title.size < TITLE_MAX and at(TITLE_MAX) > text_width(title) >= at(title.size)
    assert at(title.size + 1) > text_width(title)  # the largest size that keeps it whole


def it_tells_powerpoint_the_language_of_every_run(tmp_path):
    # Else PowerPoint checks a German deck's spelling as English.
    from pptx.oxml.ns import qn

    from .conftest import MINIMAL

    for lang, office in (("de", "de-DE"), ("fr-CH", "fr-CH"), ("en-GB", "en-GB")):
        brief = write(tmp_path, f"lang: {lang}\n" + MINIMAL)
        build(brief, tmp_path / "out", parallel=False)
        prs = Presentation(str(tmp_path / "out" / "brief" / "deck.pptx"))
        frames = [sh.text_frame for s in prs.slides for sh in s.shapes if sh.has_text_frame]
        frames += [s.notes_slide.notes_text_frame for s in prs.slides if s.has_notes_slide]
        runs = [r for tf in frames for p in tf.paragraphs for r in p.runs]
        assert len(runs) > 10
        assert {r._r.find(qn("a:rPr")).get("lang") for r in runs} == {office}
        assert prs.core_properties.language == office
    # Plain English, the default, is left to PowerPoint: the user's own English.
    build(write(tmp_path, MINIMAL), tmp_path / "out", parallel=False)
    prs = Presentation(str(tmp_path / "out" / "brief" / "deck.pptx"))
    assert not [r for s in prs.slides for sh in s.shapes if sh.has_text_frame
                for p in sh.text_frame.paragraphs for r in p.runs if r._r.find(qn("a:rPr"))
                is not None and r._r.find(qn("a:rPr")).get("lang")]


def it_numbers_slides_with_fields_that_renumber_in_powerpoint(example_build):
    from pptx.oxml.ns import qn

    slides = list(Presentation(str(output(example_build, "deck"))).slides)
    assert not [s for s in slides[0].shapes if s.name == "Slide number"]  # the title slide
    for i, slide in enumerate(slides[1:], 2):
        number = next(s for s in slide.shapes if s.name == "Slide number")
        fields = number.text_frame._txBody.findall(f".//{qn('a:fld')}")
        assert [(f.get("type"), f.findtext(qn("a:t"))) for f in fields] == [("slidenum", str(i))]
        assert number.text_frame._txBody.findall(f".//{qn('a:r')}") == []


def it_widens_the_default_template_so_an_added_slide_matches_the_deck(example_build):
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT
    from pptx.oxml.ns import qn

    prs = Presentation(str(output(example_build, "deck")))
    assert prs.part._element.find(qn("p:sldSz")).get("type") is None  # not 'screen4x3'
    layout = next(lay for lay in prs.slide_layouts if lay.name == "Title and Content")
    # A slide added in PowerPoint: its placeholders span the 16:9 slide as the 4:3 ones did.
    added = prs.slides.add_slide(layout)
    for shape in added.placeholders:
        assert 0 <= shape.left and shape.left + shape.width <= prs.slide_width
    title = added.shapes.title
    assert title.width / prs.slide_width == pytest.approx(8229600 / 9144000, abs=0.01)
    theme = etree.fromstring(prs.slide_master.part.part_related_by(RT.THEME).blob)
    fonts = [f.find(qn("a:latin")).get("typeface")
             for f in theme.iter(qn("a:majorFont"), qn("a:minorFont"))]
    assert fonts == ["Calibri", "Calibri"]
    accent = theme.find(f".//{qn('a:accent1')}/{qn('a:srgbClr')}").get("val")
    assert "#" + accent == load_theme("default").colors["primary"].upper()


def it_spreads_the_sources_evenly_over_their_slides_at_one_size(tmp_path):
    sources = "".join(
        f"  - {{id: s{i}, title: \"Report {i} on the rental market, its prices and its "
        f"regulation in the largest cities\", publisher: Institute of Examples, date: 2024-05, "
        f"url: \"https://example.org/reports/{i}\"}}\n" for i in range(1, 15))
    cites = "; ".join(f"@s{i}" for i in range(1, 15))
    brief = write(tmp_path, f"""title: Many sources
date: 2026-11-25
summary: Bottom line [{cites}].
sections:
  - heading: One
    body: Text [@s1].
sources:
{sources}""")
    build(brief, tmp_path / "out", parallel=False)
    prs = Presentation(str(tmp_path / "out" / "brief" / "deck.pptx"))
    bodies = [next(s for s in slide.shapes if s.name.startswith("Content")).text_frame
              for slide in prs.slides if slide_title(slide).startswith("Sources")]
    counts = [len(tf.paragraphs) for tf in bodies]
    sizes = {run.font.size for tf in bodies for p in tf.paragraphs for run in p.runs}
    assert len(counts) >= 2 and sum(counts) == 14 and max(counts) - min(counts) <= 1, counts
    assert len(sizes) == 1


def it_keeps_a_short_heading_with_a_colon_whole_on_its_slide(tmp_path):
    headings = ["Case study: Boston", "Case study: Kansas City",
                "Recommendation: a targeted pilot",
                "Legal and constitutional boundaries: localities are not required to help"]
    sections = "".join(f'  - heading: "{h}"\n    body: Text [@a].\n' for h in headings)
    brief = write(tmp_path, f"title: Headings\ndate: 2026-11-25\nsummary: Bottom line [@a].\n"
                            f"sections:\n{sections}sources:\n  - {{id: a, title: A}}\n")
    build(brief, tmp_path / "out", parallel=False)
    prs = Presentation(str(tmp_path / "out" / "brief" / "deck.pptx"))
    slides = list(prs.slides)[2:6]
    kickers = [[s.text_frame.text for s in slide.shapes if s.name == "Kicker"] for slide in slides]
    # Parallel headings read alike; only the long one gets a kicker line.
    assert [slide_title(s) for s in slides] == headings[:3] + ["Legal and constitutional boundaries"]
    assert kickers == [[], [], [], ["Localities are not required to help"]]


def corporate_template(path):
    """A 16:9 template laid out as no default is: on 'Title and Content' the title stands at the
    foot of the slide (a position of its own) and the body on the right half (a position the
    layout leaves to its master); the title slide's title and subtitle are high on the left."""
    from pptx.enum.shapes import PP_PLACEHOLDER
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    body = next(ph for ph in prs.slide_master.placeholders
                if ph.placeholder_format.type == PP_PLACEHOLDER.BODY)
    body.left, body.top, body.width, body.height = Inches(6.9), Inches(0.6), Inches(5.9), \
        Inches(5.4)
    layouts = {layout.name: layout for layout in prs.slide_layouts}
    title = layouts["Title and Content"].placeholders[0]
    title.left, title.top, title.width, title.height = Inches(0.6), Inches(6.1), Inches(12.1), \
        Inches(1.0)
    cover_title, cover_sub = list(layouts["Title Slide"].placeholders)[:2]
    cover_title.left, cover_title.top, cover_title.width, cover_title.height = \
        Inches(0.6), Inches(0.8), Inches(8), Inches(2.4)
    cover_sub.left, cover_sub.top, cover_sub.width, cover_sub.height = \
        Inches(0.6), Inches(3.4), Inches(8), Inches(1.6)
    prs.save(str(path))


def geometry(shape):
    return (shape.left, shape.top, shape.width, shape.height)


def it_places_a_slides_placeholder_where_python_pptx_finds_its_layouts():
    # A layout whose body placeholder names no idx counts it as 0, as its title: python-pptx
    # finds the first of an idx, and a slide's placeholder with no position stands there.
    from pptx import Presentation

    from briefgen.pptx_out import _placeholder_boxes

    prs = Presentation()
    layout = prs.slide_layouts[1]
    body = layout.placeholders[1]._element.ph
    del body.attrib["idx"]
    body.set("type", "body")
    assert [ph.placeholder_format.idx for ph in layout.placeholders].count(0) == 2
    boxes = _placeholder_boxes(layout)
    for idx, box in boxes.items():
        found = layout.placeholders.get(idx=idx)
        assert box == [found.left, found.top, found.width, found.height]


def it_keeps_the_templates_placeholder_geometry_and_measures_text_inside_it(tmp_path):
    import shutil

    from pptx.util import Inches

    from briefgen.pptx_out import _body_placeholder

    folder = tmp_path / "corporate"
    shutil.copytree(ROOT / "themes" / "default", folder)
    corporate_template(folder / "corporate.pptx")
    yaml = folder / "theme.yaml"
    yaml.write_text(yaml.read_text().replace("deck:\n", "deck:\n  template: corporate.pptx\n"))
    (tmp_path / "chart.png").write_bytes((ROOT / "tests" / "data" / "chart.png").read_bytes())
    text = EXAMPLE.read_text(encoding="utf-8").replace("status: final", "status: draft").replace(
        "    takeaway: \"No federal law",
        "    figure: {path: chart.png, alt: Bar chart of five rising values, caption: Made up}\n"
        "    takeaway: \"No federal law")
    result = build(write(tmp_path, text), tmp_path / "out", theme=str(folder))
    theme = load_theme(folder)
    prs = assert_deck_fits(output(result, "deck"), theme)  # measured to fit where it stands

    expected = {"Title Slide": ((Inches(0.6), Inches(0.8), Inches(8), Inches(2.4)),
                                (Inches(0.6), Inches(3.4), Inches(8), Inches(1.6))),
                "Title and Content": ((Inches(0.6), Inches(6.1), Inches(12.1), Inches(1.0)),
                                      (Inches(6.9), Inches(0.6), Inches(5.9), Inches(5.4)))}
    slides = list(prs.slides)
    assert [s.slide_layout.name for s in slides] == ["Title Slide"] + ["Title and Content"] * (
        len(slides) - 1)
    for n, slide in enumerate(slides, 1):
        title, body = slide.shapes.title, _body_placeholder(slide)
        layout = {ph.placeholder_format.idx: ph for ph in slide.slide_layout.placeholders}
        # Where the template puts them, inherited (no position of their own), in its alignment.
        assert (geometry(title), geometry(body)) == expected[slide.slide_layout.name], n
        assert geometry(body) == geometry(layout[body.placeholder_format.idx]), n
        assert title._element.xfrm is None and body._element.xfrm is None, n
        assert {p.alignment for ph in (title, body) for p in ph.text_frame.paragraphs} == {None}
        # What the plan adds (kicker aside, inside the body) stands clear of them.
        added = [s for s in slide.shapes if not s.is_placeholder and s.name != "Theme band"]
        assert {s.name for s in added} >= ({"Draft mark"} if n == 1 else {"Draft mark",
                                                                         "Slide number"}), n
        for shape in added:
            for ph in (title, body):
                assert (shape.left + shape.width <= ph.left or ph.left + ph.width <= shape.left
                        or shape.top + shape.height <= ph.top
                        or ph.top + ph.height <= shape.top), (n, shape.name, ph.name)
    legal = slides[2]
    assert slide_title(legal) == "Legal and constitutional boundaries"
    lead = _body_placeholder(legal).text_frame.paragraphs[0]
    assert lead.text == "Localities aren’t required to be ICE’s partners"
    assert [s.name for s in legal.shapes if s.shape_type == 13] == ["Figure"]
    assert any(s.name == "Sources footer" for s in legal.shapes)


def it_numbers_a_repeated_heading_past_the_titles_sections_have(tmp_path):
    bullets = "".join(f"      - Bullet {i} is a fairly long line of text that takes up room on "
                      "the slide.\n" for i in range(30))
    text = MINIMAL.replace("  - heading: One\n    body: Text [@b].\n", (
        "  - heading: Background\n    body: Text [@b].\n"
        "  - heading: Background\n    body: More.\n"
        "  - heading: Background (2)\n    body: Other.\n"
        "  - heading: Background\n    body: Long.\n    bullets:\n" + bullets))
    deck, _ = plan_deck(number_citations(load_brief(write(tmp_path, text))), load_theme("default"))
    assert [para_text(s.title.paras[0]) for s in deck.slides][2:-1] == [
        "Background", "Background (3)", "Background (2)", "Background (4)",
        "Background (4) (cont.)", "Background (4) (cont.) (2)", "Background (4) (cont.) (3)",
        "Key points"]


def it_shows_twenty_slides_of_a_section_that_would_fill_more_and_says_so(tmp_path):
    from .conftest import MINIMAL, write

    bullets = "".join(f"\n      - Bullet number {i} with words enough to fill its own line or two"
                      for i in range(400))
    brief = write(tmp_path, MINIMAL.replace("body: Text [@b].", "body: Text [@b].\n    bullets:"
                                            + bullets))
    result = build(brief, tmp_path / "out")
    titles = [s.shapes.title.text_frame.text for s in Presentation(str(output(result, "deck"))).slides]
    section = [t for t in titles if t.startswith("One")]
    assert len(section) == 20 and section[:3] == ["One", "One (cont.)", "One (cont.) (2)"]
    assert [str(w) for w in result.warnings] == [
        f"{brief}:8:9: section 1's bullets have 5200 words, over the 40 a slide shows (the "
        "theme's deck.max_words): shorten them, or move some to its notes",
        f"{brief}:8:9: section 1 would fill more than 20 slides even at the smallest type: the "
        "deck shows its first 20; give it fewer bullets"]
    assert "Sources" in titles[-1]  # the sources slides still close the deck


def it_reads_each_characters_width_as_the_font_names_its_glyphs():
    # fonts.py names glyphs by number (fontTools would make names from the character map of a
    # font whose 'post' table has none, such as Carlito, reading it twice): same widths.
    from fontTools.ttLib import TTFont

    from briefgen.fonts import Metrics, missing_glyphs

    files = sorted((ROOT / "themes").glob("*/fonts/*.ttf"))
    assert {TTFont(str(f), lazy=True)["post"].formatType for f in files} == {2.0, 3.0}
    for f in files:
        font = TTFont(str(f), lazy=True)
        hmtx = font["hmtx"]
        widths = {code: hmtx[name][0] for code, name in font.getBestCmap().items()}
        assert Metrics(f)._widths == widths, f.name
        assert missing_glyphs(f) == ""
