"""Print and slide polish a communications director would send back (issue 19), each read back
from the outputs: where lines break, how citations are set, what the deck's runs say."""
import re

import pytest
from pptx import Presentation

from briefgen.build import build

from .conftest import MINIMAL, write
from .golden import pdf_text


def lines_of(path) -> list[tuple[float, str]]:
    """Every line pdftotext reads, with its height: [(height, text)]."""
    out = []
    for line in pdf_text(path).splitlines():
        if line.startswith("---"):
            continue
        head, text = line.split(" | ", 1)
        out.append((float(head.split()[2]), text))
    return out


def outputs(result) -> dict:
    return {o.kind: o.path for o in result.outputs}


def it_keeps_a_short_citation_group_on_one_line(tmp_path):
    # The same group after prefixes one word longer each: wherever a line ends, some group
    # would have straddled it.
    paras = "\n\n".join(" ".join(["word"] * n) + " ends here [@a, p. 3; @b, ch. 4]. After."
                        for n in range(4, 40, 3))
    text = MINIMAL.replace("body: Text [@b].", "body: |\n      " + paras.replace(
        "\n\n", "\n\n      "))
    paths = outputs(build(write(tmp_path, text), tmp_path / "out"))
    lines = [t for _, t in lines_of(paths["memo"])]
    assert sum("[1, p. 3] [2, ch. 4]" in t for t in lines) == 12
    for t in lines:
        assert not re.search(r"\[1, p\. 3\]$|^\[2, ch\. 4\]|\[1,$|^p\. 3\]", t), t


def it_sets_a_citation_after_a_digit_in_brackets_in_the_superscript_theme(tmp_path):
    text = MINIMAL.replace("body: Text [@b].", "body: The fee is $3 [@b]. It rose by 12% [@a]. "
                           "It rose sharply [@a].")
    paths = outputs(build(write(tmp_path, text), tmp_path / "out", theme="modern"))
    memo = " ".join(t for _, t in lines_of(paths["memo"]))
    # pdftotext reads a superscript as a word of its own: '12% 1'.
    assert "The fee is $3 [2] . It rose by 12% [1] . It rose sharply 1 ." in memo
    handout = " ".join(t for _, t in lines_of(paths["handout"]))
    assert "The fee is $3 [2] ." in handout  # its key point
    prs = Presentation(str(paths["deck"]))
    runs = [r for s in prs.slides for sh in s.shapes if sh.has_text_frame
            for p in sh.text_frame.paragraphs for r in p.runs]
    after_digit = [r for r in runs if r.text == "\u00a0[2]"]
    superscript = [r for r in runs if r.text == "1" and r._r.rPr.get("baseline") == "30000"]
    assert after_digit and all(r._r.rPr.get("baseline") is None for r in after_digit)
    assert superscript


def it_never_ends_a_line_after_an_addresss_scheme(tmp_path):
    sources = "".join(
        f"  - id: s{n}\n    title: {' '.join(['Title'] * n)}\n"
        f"    url: https://www.internationalpolicyresearchcouncil.org/reports/{n}/"
        + "annual-review-of-local-policy-and-its-consequences-" * 3 + "\n"
        for n in range(1, 16))
    cites = " ".join(f"[@s{n}]" for n in range(1, 16))
    text = MINIMAL.replace("body: Text [@b].", f"body: Text [@b] {cites}.").replace(
        "sources:\n", "sources:\n" + sources)
    paths = outputs(build(write(tmp_path, text), tmp_path / "out"))
    lines = [t for _, t in lines_of(paths["memo"])]
    assert sum("https://www.internationalpolicyresearchcouncil.org" in t for t in lines) == 15
    for t in lines:
        assert not t.endswith(("https://", "https:", "www.", "www.internationalpolicyresearchcouncil.")), t


@pytest.mark.parametrize("words", range(6, 16))
def it_never_leaves_the_handouts_headline_a_word_alone_on_its_last_line(tmp_path, words):
    headline = " ".join(["Councils"] + ["weigh"] * (words - 2) + ["tradeoffs"])
    text = MINIMAL + f"handout:\n  headline: {headline}\n"
    paths = outputs(build(write(tmp_path, text), tmp_path / "out"))
    lines = lines_of(paths["handout"])
    tallest = max(h for h, _ in lines)
    shown = [t for h, t in lines if h == tallest]
    assert " ".join(shown) == headline
    assert len(shown[-1].split()) >= 2, shown


@pytest.mark.parametrize("theme", ["default", "modern", "print"])
def it_colours_the_decks_links_in_the_themes_primary_colour(tmp_path, theme):
    """The deck's theme says what colour links are (PowerPoint and LibreOffice draw them so):
    Office's blue and purple were the only colours on the print theme's grey slides."""
    import zipfile

    from lxml import etree

    from briefgen.theme import load_theme

    paths = outputs(build(write(tmp_path, MINIMAL.replace(
        "title: Source A", "title: Source A\n    url: https://example.org/a")), tmp_path / "out",
        theme=theme))
    with zipfile.ZipFile(paths["deck"]) as z:
        root = etree.fromstring(z.read("ppt/theme/theme1.xml"))
    ns = {"a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
    primary = load_theme(theme).colors["primary"].lstrip("#").upper()
    for slot in ("hlink", "folHlink"):
        assert root.find(f".//a:clrScheme/a:{slot}/a:srgbClr", ns).get("val") == primary
    prs = Presentation(str(paths["deck"]))
    links = [r for s in prs.slides for sh in s.shapes if sh.has_text_frame
             for p in sh.text_frame.paragraphs for r in p.runs if r.hyperlink.address]
    assert [r.hyperlink.address for r in links] == ["https://example.org/a"]


def rule_pieces(pdf_path, page: int, color: str, top: float) -> list[tuple[float, float]]:
    """The x ranges of the rules in a colour drawn within 2 px of a page's top margin (in CSS
    px, as WeasyPrint draws): each border WeasyPrint fills is an outer and an inner rectangle."""
    import pikepdf

    want = tuple(round(int(color[i:i + 2], 16) / 255, 2) for i in (1, 3, 5))
    pieces, fill = set(), None
    with pikepdf.open(pdf_path) as pdf:
        for operands, op in pikepdf.parse_content_stream(pdf.pages[page]):
            if str(op) == "rg":
                fill = tuple(round(float(v), 2) for v in operands)
            elif str(op) == "re" and fill == want:
                x, y, w, _ = (float(v) for v in operands)
                if abs(y - top) <= 2:
                    pieces.add((round(x, 1), round(x + w, 1)))
    return sorted(pieces)


@pytest.mark.parametrize("draft", [False, True])
def it_draws_the_rule_under_the_running_head_in_one_piece_the_width_of_the_text(tmp_path, draft):
    from briefgen.theme import load_theme

    from .conftest import EXAMPLE

    text = EXAMPLE.read_text(encoding="utf-8")
    if draft:
        text = text.replace("status: final", "status: draft")
    paths = outputs(build(write(tmp_path, text), tmp_path / "out"))
    theme = load_theme("default")
    # Letter, 0.9in margins all round in the default theme: the text is 8.5in - 1.8in wide.
    assert rule_pieces(paths["memo"], 1, theme.colors["rule"], 0.9 * 96) == [(86.4, 729.6)]
    assert rule_pieces(paths["memo"], 0, theme.colors["rule"], 0.9 * 96) == []  # no head


@pytest.mark.parametrize("lang, said", [
    ("en", "“We can’t wait,” the chief said of the ’90s plan ‘B’"),
    ("de", "„We can’t wait,“ the chief said of the ’90s plan ‚B‘"),
    ("fr", "«\u00a0We can’t wait,\u00a0» the chief said of the ’90s plan “B”")])
def it_sets_quotes_apostrophes_and_ranges_as_the_language_prints_them(tmp_path, lang, said):
    body = ("'\"We can''t wait,\" the chief said of the ''90s plan ''B'' over 2019-2021 [@b, pp. "
            "3-5], not on 2026-11-24 or for [COVID-19](https://example.org/a-1-2).'")
    text = f"lang: {lang}\n" + MINIMAL.replace("body: Text [@b].", f"body: {body}").replace(
        "title: A brief", "title: \"Don't wait\"")
    paths = outputs(build(write(tmp_path, text), tmp_path / "out"))
    memo = " ".join(t for _, t in lines_of(paths["memo"]))
    shown = said.replace("\u00a0", " ")
    assert shown in memo.replace("\u00a0", " ")
    # A link's address printed after it, as typed, never hyphenated ('ht- tps').
    assert ("over 2019–2021 [2, pp. 3–5] , not on 2026-11-24 or for COVID-19 "
            "(https://example.org/a-1-2) .") in memo
    assert "Don’t wait" in memo
    prs = Presentation(str(paths["deck"]))
    deck = " ".join(p.text for s in prs.slides for sh in s.shapes if sh.has_text_frame
                    for p in sh.text_frame.paragraphs)
    assert said in deck and "Don’t wait" in deck and "[2,\u00a0pp.\u00a03–5]" in deck
    links = [r.hyperlink.address for s in prs.slides for sh in s.shapes if sh.has_text_frame
             for p in sh.text_frame.paragraphs for r in p.runs if r.hyperlink.address]
    assert set(links) == {"https://example.org/a-1-2"}  # the section's slide, the key points


def it_numbers_the_memos_citations_without_a_gap_for_a_source_a_takeaway_alone_cites(tmp_path):
    from .conftest import cite_numbers

    text = MINIMAL.replace("    body: Text [@b].\n", (
        "    body: Text [@b].\n    takeaway: Only the takeaway cites this [@c].\n"
        "  - heading: Two\n    body: Then this [@d].\n    bullets: [\"A bullet cites [@e]\"]\n")
    ).replace("sources:\n", "sources:\n  - {id: c, title: Source C}\n  - {id: d, title: Source D}\n"
              "  - {id: e, title: Source E}\n")
    paths = outputs(build(write(tmp_path, text), tmp_path / "out"))
    memo = " ".join(t for _, t in lines_of(paths["memo"]))
    body = memo.split(" Sources ")[0]
    assert sorted(set(cite_numbers(body))) == [1, 2, 3]  # a, b, d: as the memo reads
    handout = " ".join(t for _, t in lines_of(paths["handout"]))
    assert "Only the takeaway cites this [4]" in handout and "[4] “Source C.”" in handout
    prs = Presentation(str(paths["deck"]))
    deck = " ".join(p.text for s in prs.slides for sh in s.shapes if sh.has_text_frame
                    for p in sh.text_frame.paragraphs)
    assert "A bullet cites\u00a0[5]" in deck and "[5] “Source E.”" in deck


def logos(paths) -> dict:
    """What each output shows of a logo: the alt text of each logo image (memo and handout: a
    Figure in the PDF's structure before the heading; deck: the title slide's Logo)."""
    import pikepdf

    from .conftest import structure_elements

    shown = {}
    for kind in ("memo", "handout"):
        with pikepdf.open(paths[kind]) as pdf:
            shown[kind] = [str(f.get("/Alt")) for f in structure_elements(pdf, "/Figure")
                           if "/Alt" in f]
    prs = Presentation(str(paths["deck"]))
    shown["deck"] = [s._element.nvPicPr.cNvPr.get("descr") for s in prs.slides[0].shapes
                     if s.name == "Logo"]
    return shown


def it_shows_the_briefs_own_organisation_and_logo_not_the_themes_sample(tmp_path):
    from briefgen.errors import BriefError
    from briefgen.load import load_brief

    from .conftest import ROOT

    (tmp_path / "ours.png").write_bytes((ROOT / "themes" / "modern" / "logo.png").read_bytes())
    theme = "theme: modern\n"
    # The theme's sample logo, unless the brief says otherwise.
    sample = logos(outputs(build(write(tmp_path, theme + MINIMAL), tmp_path / "a")))
    assert sample == {k: ["Policy Analysis Unit"] for k in ("memo", "handout", "deck")}
    # Another organisation: its name where the logo stood, and not the theme's logo.
    paths = outputs(build(write(tmp_path, theme + "organisation: Urban Mobility Program\n"
                                + MINIMAL), tmp_path / "b"))
    assert logos(paths) == {"memo": [], "handout": [], "deck": []}
    for kind in ("memo", "handout"):
        assert "Urban Mobility Program" in " ".join(t for _, t in lines_of(paths[kind]))
    subtitle = Presentation(str(paths["deck"])).slides[0].placeholders[1].text_frame.text
    assert subtitle.startswith("Urban Mobility Program · ")
    # Its own logo; or none at all.
    own = theme + "logo: {path: ours.png, alt: Urban Mobility Program}\n"
    assert logos(outputs(build(write(tmp_path, own + MINIMAL), tmp_path / "c"))) == {
        k: ["Urban Mobility Program"] for k in ("memo", "handout", "deck")}
    paths = outputs(build(write(tmp_path, theme + "logo: none\n" + MINIMAL), tmp_path / "d"))
    assert logos(paths) == {"memo": [], "handout": [], "deck": []}
    assert "Policy Analysis Unit" not in " ".join(t for _, t in lines_of(paths["memo"]))
    # Refused with their place: a word, a file a slide cannot show, no alt text.
    (tmp_path / "ours.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" '
                                       'height="10"/>', encoding="utf-8")
    for said, message in (
            ("logo: ours", "1:7: 'logo' must be {path: ..., alt: ...} or none, not 'ours'"),
            ("logo: {path: ours.svg, alt: Us}", "1:14: logo must be a PNG or JPEG image "
                                                "(slides cannot show '.svg')"),
            ("logo: {path: ours.png}", "1:7: missing required field 'alt' in logo")):
        path = write(tmp_path, said + "\n" + MINIMAL)
        with pytest.raises(BriefError) as e:
            load_brief(path)
        assert str(e.value) == f"{path}:{message}"


@pytest.mark.parametrize("brief", ["ten", "example"])
@pytest.mark.parametrize("paper", ["letter", "a4"])
def it_never_leaves_the_memos_last_page_to_a_few_sources(tmp_path, brief, paper):
    from pypdf import PdfReader

    from .conftest import EXAMPLE, ROOT

    path = ROOT / "tests" / "data" / "ten-sections" / "brief.yaml" if brief == "ten" else EXAMPLE
    memo = outputs(build(path, tmp_path / "out", paper=paper))["memo"]
    pages = [p.extract_text() for p in PdfReader(str(memo)).pages]
    last = re.findall(r"^\[(\d+)\]", pages[-1], re.M)
    total = int(re.findall(r"^\[(\d+)\]", "\n".join(pages), re.M)[-1])
    assert len(last) >= min(6, total), (len(pages), last)


def it_fills_the_page_a_figure_too_tall_for_it_leaves_with_the_text_that_follows(tmp_path):
    """The ten-section brief's section 1 ends a fifth of a page above the foot of page 1, and its
    figure is twice that tall: the text after it fills the room, the figure heads page 2."""
    from pypdf import PdfReader

    from .conftest import ROOT

    brief = ROOT / "tests" / "data" / "ten-sections" / "brief.yaml"
    memo = outputs(build(brief, tmp_path / "out"))["memo"]
    page = [line for line in pdf_text(memo).split("--- page 2 ---")[0].splitlines()[1:]]
    boxes = [(float(line.split()[1]), float(line.split()[2]), line.split(" | ", 1)[1])
             for line in page]
    foot = max(y for y, _, _ in boxes)  # the page's own footer line
    text_end = max(y + h for y, h, t in boxes if y < foot - 1)
    height = float(PdfReader(str(memo)).pages[0].mediabox.height)
    assert (foot - text_end) / height < 0.1, (foot, text_end)
    assert "2. Who is most at risk" in " ".join(t for _, _, t in boxes)
    second = pdf_text(memo).split("--- page 2 ---")[1].split("--- page 3 ---")[0]
    assert "Daily maximum temperature and heat-related emergency visits" in second


@pytest.mark.parametrize("paper", ["letter", "a4"])
def it_leaves_no_page_of_the_ten_section_memo_a_large_blank_above_its_foot(tmp_path, paper):
    """Its figures and charts move to pages of their own and leave nothing blank behind."""
    from pypdf import PdfReader

    from .conftest import ROOT

    brief = ROOT / "tests" / "data" / "ten-sections" / "brief.yaml"
    memo = outputs(build(brief, tmp_path / "out", paper=paper))["memo"]
    height = float(PdfReader(str(memo)).pages[0].mediabox.height)
    pages = pdf_text(memo).split("--- page ")[1:]
    for n, page in enumerate(pages[:-1], 1):
        if re.search(r"\| \[\d+\] ", pages[n]):
            continue  # the Sources list's last entries go over together (tested above)
        boxes = [(float(line.split()[1]), float(line.split()[2]))
                 for line in page.splitlines()[1:]]
        foot = max(y for y, _ in boxes)
        text_end = max(y + h for y, h in boxes if y < foot - 1)
        assert (foot - text_end) / height < 0.12, (paper, n, foot, text_end)


def it_keeps_the_first_words_of_the_examples_headline_together_on_a4(tmp_path):
    """Holding the last two words together once made WeasyPrint break after the first."""
    from .conftest import EXAMPLE

    paths = outputs(build(EXAMPLE, tmp_path / "out", paper="a4"))
    lines = lines_of(paths["handout"])
    tallest = max(h for h, _ in lines)
    shown = [t for h, t in lines if h == tallest]
    assert shown[0].startswith("Why don’t sanctuary cities") and len(shown[-1].split()) >= 2
    assert " ".join(shown) == ("Why don’t sanctuary cities work with ICE to deport violent "
                               "illegal immigrants?")
