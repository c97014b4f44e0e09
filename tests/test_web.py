"""memo.html: the memo as one self-contained web page. Read back as HTML (structure, ids, links,
escaping, the same numbers as memo.pdf) and opened in a real headless browser (Debian's
chromium): at desktop and phone width, with every fragment link, image and font checked and no
request leaving the page."""
import base64
import gc
import io
import re
import shutil
import warnings
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import html as lhtml

from briefgen.build import build, build_time, prepare
from briefgen.cache import cache_folder
from briefgen.errors import BriefError
from briefgen.model import DocFigure, Span
from briefgen.web import render_web

from .conftest import EXAMPLE, MINIMAL, ROOT, cite_numbers, pdf_pages, write

BUS = ROOT / "tests" / "data" / "bus-service" / "brief.yaml"
CHROMIUM = "/usr/bin/chromium"
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
       "base-uri 'none'; form-action 'none'")
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'

FEATURES = f"""\
title: '{HOSTILE} Mietpreise'
subtitle: 'Eine Übersicht "><b onmouseover=alert(3)>'
date: 2026-11-24
lang: de
status: draft
authors: [Referat Wohnen]
memo:
  to: '{HOSTILE}'
summary: |
  Die Mieten steigen [@a]. Drei Wege [@b]:

  3. weiter so;
  4. **Deckel** mit *Ausnahmen* [@c];
  5. Förderung.
sections:
  - heading: Lage und Zahlen
    body: |
      Die Lage ist [ernst](https://example.org/lage?a=1&b=2) und gefährlich
      {HOSTILE} [@a; @c, S. 4].

      - Städte [@b]:
        - Berlin;
        - Hamburg [@d].
      - Gemeinden.
    figure:
      path: chart.png
      alt: 'Balken "><img src=x onerror=alert(5)>'
      caption: 'Quelle: Amt [@d]'
sources:
  - id: a
    title: Quelle A
    url: https://example.org/a
  - id: b
    title: Quelle B
  - id: c
    title: '{HOSTILE}'
  - id: d
    title: Quelle D
"""


def flat(text: str) -> str:
    return " ".join(text.split())


def squeezed(text: str) -> str:
    return re.sub(r"[\s\u200b]+", "", text)


def built(folder: Path, brief: Path, theme: str = "default") -> dict:
    result = build(brief, folder, theme=theme, to=("memo", "html"))
    paths = {o.kind: o.path for o in result.outputs}
    return {"pdf": " ".join(pdf_pages(paths["memo"])), "path": paths["html"],
            "html": paths["html"].read_text(encoding="utf-8"),
            "tree": lhtml.fromstring(paths["html"].read_bytes())}


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    return built(tmp_path_factory.mktemp("web-example"), EXAMPLE)


@pytest.fixture(scope="module")
def bus(tmp_path_factory):
    """Charts, a 40-row table, lists and recommendations, in the modern theme: a logo and
    superscript citations."""
    return built(tmp_path_factory.mktemp("web-bus"), BUS, "modern")


@pytest.fixture(scope="module")
def features(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-features")
    shutil.copy(ROOT / "tests" / "data" / "chart.png", folder / "chart.png")
    return built(folder / "out", write(folder, FEATURES), "print")


def text_of(tree) -> str:
    return flat(tree.body.text_content())


# ----- the page as HTML -----

def it_prints_the_citation_numbers_of_the_memo_pdf_in_the_same_order(example):
    numbers = cite_numbers(text_of(example["tree"]))
    assert len(numbers) > 30
    assert numbers == cite_numbers(example["pdf"])


def it_prints_the_memos_headings_and_sources_word_for_word(example):
    tree, pdf = example["tree"], squeezed(example["pdf"])
    headings = [flat(h.text_content()) for h in tree.iter("h1", "h2")]
    assert headings[1] == "Bottom line" and headings[-1] == "Sources"
    assert headings[2].startswith("1. ") and headings[-2].startswith("7. ")
    at = 0
    for heading in headings:  # in the memo's order; its labels are set in capitals
        at = pdf.casefold().index(squeezed(heading).casefold(), at)
    entries = tree.xpath('//ol[@class="refs"]/li')
    assert [e.get("id") for e in entries] == [f"ref-{n}" for n in range(1, 14)]
    for n, entry in enumerate(entries, 1):
        text = flat(entry.text_content()).removesuffix(" \u2191")
        assert entry.get("value") == str(n) and text.startswith(f"[{n}] ")
        assert squeezed(text) in pdf


def it_gives_the_page_its_language_title_description_and_headings_in_order(example):
    tree = example["tree"]
    assert tree.get("lang") == "en"
    assert tree.findtext(".//title") == ("Why don\u2019t sanctuary cities work with ICE to deport "
                                         "violent illegal immigrants?")
    meta = {m.get("name") or m.get("http-equiv"): m.get("content") for m in tree.iter("meta")}
    assert meta["description"] == ("A briefing on local cooperation with federal immigration "
                                   "enforcement")
    assert meta["viewport"] == "width=device-width, initial-scale=1"
    assert meta["Content-Security-Policy"] == CSP
    levels = [int(h.tag[1]) for h in tree.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:]))
    assert [flat(c.text_content()) for c in tree.xpath('//table[@class="memo-fields"]//th')] \
        == ["To", "From", "Date", "Subject"]


def it_links_every_citation_to_its_source_and_every_source_back_to_its_first_citation(example):
    tree = example["tree"]
    ids = [e.get("id") for e in tree.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    cites = tree.xpath('//a[@class="cite"]')
    firsts = {}
    for a in cites:
        number = re.fullmatch(r"#ref-(\d+)", a.get("href"))[1]
        assert tree.get_element_by_id(f"ref-{number}").tag == "li"
        assert a.text_content().strip("[]").split(",")[0] == number
        firsts.setdefault(number, a)
    for number, first in firsts.items():
        assert first.get("id") == f"cite-{number}"
        back = tree.get_element_by_id(f"ref-{number}").xpath('a[@class="backref"]')[0]
        assert back.get("href") == f"#cite-{number}"
        assert back.get("aria-label") == f"Back to text ({number})"
    assert len(firsts) == 13
    assert sum(1 for a in cites if a.get("id")) == 13  # later citations carry no id


def it_sets_superscript_citations_where_the_theme_does_and_keeps_the_numbers(bus, tmp_path):
    sups = bus["tree"].xpath('//sup[@class="cites"]')
    assert sups and all(s.xpath('a[@class="cite"]') for s in sups)
    # The same Doc in the default theme prints brackets, which memo.pdf's text shows.
    default = built(tmp_path, BUS)
    numbers = [int(re.match(r"\[?(\d+)", a.text_content())[1])
               for a in bus["tree"].xpath('//a[@class="cite"]')]
    numbers += [1, 2, 3]  # and the Sources list, which prints [n] in every theme
    assert numbers == cite_numbers(text_of(default["tree"])) == cite_numbers(default["pdf"])
    # After a number a superscript would read as an exponent: brackets there, as in the memo.
    assert "2019 [1, table 1]" in text_of(bus["tree"])


def it_draws_the_memos_tables_charts_and_recommendations(bus):
    tree, page = bus["tree"], bus["html"]
    _, doc, theme, _, _ = prepare(BUS, "modern")
    table = tree.get_element_by_id("table-2")
    assert table.getparent().get("class") == "table-scroll"
    assert table.getparent().get("aria-labelledby") == "table-2-caption"
    assert flat(table.find("caption").text_content()).startswith("Weekday riders and cost")
    assert [th.get("scope") for th in table.xpath(".//thead//th")] == ["col"] * 5
    rows = [[td.text or "" for td in tr.findall("td")] for tr in table.xpath(".//tbody/tr")]
    assert rows == [list(r) for r in doc.sections[1].table.cells]

    from briefgen.exhibits import memo_charts

    drawn = memo_charts(doc, theme, theme.paper)
    for number in (1, 3):
        svgs = tree.get_element_by_id(f"chart-{number}").xpath("./*[local-name()='svg']")
        wide, narrow = svgs
        assert wide.get("class") == "chart-svg wide" and narrow.get("class") == "chart-svg narrow"
        alt = doc.sections[number - 1].chart.chart.alt
        assert wide.get("role") == narrow.get("role") == "img"
        assert wide.get("aria-label") == narrow.get("aria-label") == alt
        memo_svg = base64.b64decode(drawn[number].split(",", 1)[1]).decode("utf-8")
        shown = re.search(rf'<figure class="chart" id="chart-{number}">\s*(<svg.*?</svg>)', page,
                          re.S)[1]
        assert re.sub(r' aria-label="[^"]*" class="chart-svg wide"', "", shown, 1) == memo_svg
    recs = tree.get_element_by_id("recommendations")
    assert flat(recs.find("h2").text_content()) == "4. Recommendations"
    assert len(recs.xpath("./ol/li")) == len(doc.recommendations) == 3
    assert tree.xpath('//p[@class="draft-banner"]')[0].text == "DRAFT"
    assert tree.findtext(".//title").startswith("DRAFT: ")
    logo = tree.xpath('//img[@class="logo"]')[0]
    assert logo.get("alt") == "Policy Analysis Unit"
    assert logo.get("src").startswith("data:image/png;base64,")


def it_keeps_lists_figures_and_the_brief_language(features):
    tree = features["tree"]
    assert tree.get("lang") == "de"
    assert [flat(h.text_content()) for h in tree.iter("h2")] == [
        "Kernaussage", "1. Lage und Zahlen", "Quellen"]
    summary_list = tree.xpath('//section[@class="bottom-line"]/ol')[0]
    assert summary_list.get("start") == "3"
    assert summary_list.xpath("li[2]/strong")[0].text == "Deckel"
    assert summary_list.xpath("li[2]/em")[0].text == "Ausnahmen"
    nested = tree.xpath('//section[@id="section-1"]/ul/li[1]/ul/li')
    assert [flat(li.text_content()) for li in nested] == ["Berlin;", "Hamburg [4]."]
    figure = tree.get_element_by_id("figure-1")
    img = figure.find("img")
    assert img.get("alt") == 'Balken "><img src=x onerror=alert(5)>'
    assert img.get("src").startswith("data:image/png;base64,")
    assert base64.b64decode(img.get("src").split(",", 1)[1]) == \
        (ROOT / "tests" / "data" / "chart.png").read_bytes()
    assert flat(figure.find("figcaption").text_content()) == "Quelle: Amt [4]"
    link = tree.xpath('//a[@class="link"]')
    assert [(a.text, a.get("href")) for a in link] == [
        ("ernst", "https://example.org/lage?a=1&b=2")]
    assert tree.xpath('//a[@class="backref"]')[0].get("aria-label") == "Zurück zum Text (1)"
    assert tree.xpath('//p[@class="kicker"]')[0].text.strip() == "Vermerk"


def it_prints_hostile_brief_text_as_text(features):
    tree, page = features["tree"], features["html"]
    title = flat(tree.find(".//h1").text_content())  # its quotes set as typographic ones
    assert title == "<script>alert(1)</script>\u201c><img src=x onerror=alert(2)> Mietpreise"
    assert tree.findtext(".//title") == f"ENTWURF: {title}"
    assert flat(tree.xpath('//table[@class="memo-fields"]//td')[0].text_content()) == HOSTILE
    assert not tree.xpath("//script")
    assert not [(e.tag, a) for e in tree.iter() if isinstance(e.tag, str)
                for a in e.attrib if a.lower().startswith("on")]
    assert "javascript:" not in " ".join(v for e in tree.iter() if isinstance(e.tag, str)
                                         for v in e.attrib.values())
    assert "<script>" not in page


def it_prints_a_javascript_address_as_text(tmp_path):
    """The loader takes only full http(s) and mailto: addresses; a Doc made otherwise is still
    printed safely, in the text and in the sources."""
    _, doc, theme, _, _ = prepare(write(tmp_path, MINIMAL.replace(
        "    title: Source A\n", "    title: Source A\n    url: https://example.org/a\n")))
    bad = Span("javascript:alert(6)", href="javascript:alert(6)")
    body = doc.sections[0].paras[0]
    doc = replace(doc, refs=(replace(doc.refs[0], entry=doc.refs[0].entry + (bad,)),
                             *doc.refs[1:]),
                  sections=(replace(doc.sections[0], paras=((Span("Hier", href=" JavaScript:x"),
                                                             *body),)),))
    tree = lhtml.fromstring(render_web(doc, theme, build_time(doc.brief)))
    entry = tree.get_element_by_id("ref-1")
    assert flat(entry.text_content()).endswith("javascript:alert(6) \u2191")
    assert [a.get("href") for a in entry.iter("a")] == ["https://example.org/a", "#cite-1"]
    assert flat(tree.get_element_by_id("section-1").find("p").text_content()) == "HierText [2]."
    assert [a.get("href") for a in tree.iter("a")] == [
        "#ref-1", "#ref-2", "https://example.org/a", "#cite-1", "#cite-2"]


def it_refuses_an_image_outside_the_brief_and_theme_folders(tmp_path):
    folder = tmp_path / "brief"
    shutil.copy(ROOT / "tests" / "data" / "chart.png", write(folder, FEATURES).parent)
    _, doc, theme, _, _ = prepare(folder / "brief.yaml")
    outside = tmp_path / "elsewhere.png"
    shutil.copy(ROOT / "tests" / "data" / "chart.png", outside)
    section = doc.sections[0]
    doc = replace(doc, sections=(replace(section, figure=DocFigure(
        folder / ".." / "elsewhere.png", "x", None)),))
    with pytest.raises(BriefError) as e:
        render_web(doc, theme, build_time(doc.brief))
    loc = doc.brief.sections[0].figure.loc
    assert str(e.value.problems[0]) == (
        f"{loc}: the image {folder / '..' / 'elsewhere.png'} is not a file inside the brief's "
        "or the theme's folder: refusing it")


def it_needs_nothing_from_outside_the_page(bus, features):
    for page in (bus["tree"], features["tree"]):
        assert not page.xpath("//link | //script | //iframe | //object | //embed")
        for e in page.iter():
            if not isinstance(e.tag, str):
                continue
            for name in ("src", "srcset", "poster", "data"):
                assert e.get(name) is None or e.get(name).startswith("data:"), (e.tag, name)
            href = e.get("href")
            assert href is None or href.startswith(("#", "https://", "http://", "mailto:"))
        style = page.findtext(".//style")
        assert "@import" not in style
        assert {u[:5] for u in re.findall(r"url\(\s*['\"]?([^)'\"]*)", style)} == {"data:"}


def it_embeds_each_theme_face_as_a_subset_under_the_family_the_charts_name(bus):
    from fontTools.ttLib import TTFont

    _, _, theme, _, _ = prepare(BUS, "modern")
    style = bus["tree"].findtext(".//style")
    faces = re.findall(r'@font-face \{ font-family: "([^"]+)"; src: url\(data:font/woff;base64,'
                       r'([A-Za-z0-9+/=]+)\) format\("woff"\); font-weight: (\d+); '
                       r'font-style: (\w+);', style)
    # modern sets its body in its heading's files: declared once, under the heading's name.
    assert [(f[0], f[2], f[3]) for f in faces] == [
        (theme.heading.css_family, "400", "normal"), (theme.heading.css_family, "700", "normal"),
        (theme.heading.css_family, "400", "italic")]
    assert f'font-family="{theme.heading.css_family}, sans-serif"' in bus["html"]
    for family, data, weight, _ in faces:
        woff = base64.b64decode(data)
        assert woff[:4] == b"wOFF"
        font = TTFont(io.BytesIO(woff))
        whole = TTFont(theme.heading.regular if weight == "400" else theme.heading.bold)
        assert len(font.getGlyphOrder()) < len(whole.getGlyphOrder()) / 4
        cmap = font.getBestCmap()
        assert all(ord(ch) in cmap for ch in "Rebuilding bus ridership 0123456789–’")


def it_uses_a_themes_own_web_css_in_the_sandbox(tmp_path):
    theme = tmp_path / "house"
    shutil.copytree(ROOT / "themes" / "print", theme)
    (theme / "templates").mkdir()
    (theme / "templates" / "web.css").write_text(
        "{{ fonts_css }}\nbody { color: {{ c.primary }}; }\n", encoding="utf-8")
    _, doc, loaded, _, _ = prepare(EXAMPLE, str(theme))
    style = lhtml.fromstring(render_web(doc, loaded, build_time(doc.brief))).findtext(".//style")
    assert style.strip().endswith("body { color: #000000; }")
    # Each family's regular, bold and italic (the subtitle's; the body's for the sources'
    # titles): no text is set in bold italic, nor in the body's italic.
    assert style.count("@font-face") == 5
    (theme / "templates" / "web.css").write_text("{{ ''.__class__.__mro__ }}", encoding="utf-8")
    _, doc, loaded, _, _ = prepare(EXAMPLE, str(theme))
    with pytest.raises(BriefError) as e:
        render_web(doc, loaded, build_time(doc.brief))
    assert str(e.value.problems[0]).endswith(
        "the theme's templates failed: SecurityError: access to attribute '__class__' of "
        "'str' object is unsafe.")


def it_renders_the_same_bytes_every_time(tmp_path):
    import briefgen.web as web

    _, doc, theme, _, _ = prepare(BUS)
    first = render_web(doc, theme, build_time(doc.brief))
    web._subsets.clear()  # the fonts subset again
    shutil.rmtree(cache_folder() / "web-fonts")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        again = render_web(doc, theme, build_time(doc.brief))
        gc.collect()
    assert again == first
    # No font file is left open (its warning, caught by Pillow, made a logo read as damaged).
    assert [str(w.message) for w in caught if w.category is ResourceWarning] == []


def it_keeps_font_subsets_in_the_cache_folder_and_cuts_a_damaged_one_again(tmp_path):
    import briefgen.web as web

    _, doc, theme, _, _ = prepare(EXAMPLE)
    shutil.rmtree(cache_folder() / "web-fonts", ignore_errors=True)
    web._subsets.clear()
    first = render_web(doc, theme, build_time(doc.brief))
    kept = sorted((cache_folder() / "web-fonts").iterdir())
    assert len(kept) == first.count("@font-face")
    assert all(f.read_bytes()[:4] == b"wOFF" for f in kept)
    web._subsets.clear()
    kept[0].write_bytes(b"not a font")
    assert render_web(doc, theme, build_time(doc.brief)) == first
    assert kept[0].read_bytes()[:4] == b"wOFF"


# ----- the page in a browser -----

@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no chromium at {CHROMIUM}: `make test` installs it (scripts/test-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        yield chromium
        chromium.close()


class Opened:
    """A page opened at one width, with every request and console message it made."""

    def __init__(self, browser, path: Path, width: int, media: str = "screen"):
        self.page = browser.new_page(viewport={"width": width, "height": 900})
        self.page.emulate_media(media=media)
        self.url = path.as_uri()
        self.requests: list[str] = []
        self.console: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.route("**/*", lambda route: route.continue_() if route.request.url == self.url
                        else route.abort())
        self.page.goto(self.url)
        self.page.evaluate("document.fonts.ready.then(() => true)")

    def js(self, script: str, arg=None):
        return self.page.evaluate(script, arg)

    def close(self):
        self.page.close()


@pytest.fixture(scope="module")
def pages(example, bus, features):
    return {"example": example["path"], "bus": bus["path"], "features": features["path"]}


def it_opens_at_desktop_and_phone_width_without_sideways_scrolling(browser, pages, tmp_path):
    from PIL import Image

    for name, path in pages.items():
        for width in (1280, 360):
            opened = Opened(browser, path, width)
            shot = tmp_path / f"{name}-{width}.png"
            opened.page.screenshot(path=str(shot), full_page=True)
            assert opened.js("[document.documentElement.scrollWidth, innerWidth]") == [width] * 2
            opened.close()
            image = Image.open(shot)
            assert image.width == width and image.height > 1200
            assert len(image.convert("RGB").getcolors(1 << 20)) > 50  # drawn, not blank


def it_scrolls_a_wide_table_in_its_own_box_and_draws_charts_for_the_width(browser, pages):
    phone = Opened(browser, pages["bus"], 360)
    box = phone.js("""() => { const b = document.querySelector('.table-scroll');
        return [b.scrollWidth > b.clientWidth, getComputedStyle(b).overflowX]; }""")
    assert box == [True, "auto"]
    shown = "() => [...document.querySelectorAll('svg.chart-svg')]" \
            ".map(s => getComputedStyle(s).display)"
    assert phone.js(shown) == ["none", "block"] * 2
    phone.close()
    desktop = Opened(browser, pages["bus"], 1280)
    assert desktop.js(shown) == ["block", "none"] * 2
    assert desktop.js("() => document.querySelector('.table-scroll').scrollWidth <= "
                      "document.querySelector('.table-scroll').clientWidth")
    desktop.close()


def it_resolves_every_fragment_link_and_loads_every_image_and_font(browser, pages):
    for name, path in pages.items():
        opened = Opened(browser, path, 1280)
        missing = opened.js("""() => [...document.querySelectorAll('a[href^="#"]')]
            .map(a => a.getAttribute('href').slice(1))
            .filter(id => !document.getElementById(id))""")
        assert missing == [], name
        assert opened.js("document.querySelectorAll('a[href^=\"#\"]').length") > 5
        images = opened.js("""() => [...document.images].map(i => [i.complete,
            i.naturalWidth > 0])""")
        assert all(done and wide for done, wide in images), name
        families = opened.js("""() => [...document.fonts].map(f => [f.family.replace(/"/g, ''),
            f.status])""")
        declared = {family for family, _ in families}
        assert len(declared) in (1, 2)
        for family in declared:  # every face used is loaded; none failed
            assert opened.js("f => document.fonts.check(`16px \"${f}\"`)", family), (name, family)
            assert "loaded" in {s for f, s in families if f == family}
            assert "error" not in {s for f, s in families if f == family}
        # What the headings and charts are set in is the theme's font, loaded.
        assert opened.js("""() => document.fonts.check('700 16px ' +
            getComputedStyle(document.querySelector('h1')).fontFamily.split(',')[0])""")
        assert opened.requests == [opened.url], name
        assert opened.console == [], name
        opened.close()
    assert len(images) == 1  # the features page's figure


def it_prints_link_addresses_and_hides_back_links_on_paper(browser, pages):
    opened = Opened(browser, pages["features"], 800, media="print")
    after = opened.js("getComputedStyle(document.querySelector('a.link'), '::after').content")
    assert after == '" (https://example.org/lage?a=1&b=2)"'
    assert opened.js("getComputedStyle(document.querySelector('a.backref')).display") == "none"
    opened.close()


def it_refuses_an_svg_figure_that_names_other_files_rather_than_lose_them(tmp_path):
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
           'width="100" height="50"><rect width="100" height="50" fill="#345"/>'
           '<image xlink:href="pic.png" width="50" height="50"/></svg>')
    (tmp_path / "fig.svg").write_text(svg, encoding="utf-8")
    brief = write(tmp_path, MINIMAL.replace("    body: Text [@b].", "    body: Text [@b].\n"
                                            "    figure: {path: fig.svg, alt: A box}"))
    with pytest.raises(BriefError) as e:
        build(brief, tmp_path / "out", to=("html",))
    assert [str(p) for p in e.value.problems] == [
        f"{brief}:7:13: figure fig.svg refers to 'pic.png': the web page shows an SVG figure "
        "only when it reads nothing else; put that image inside the SVG as a data: URI, or give "
        "the figure as a PNG"]
    assert not (tmp_path / "out" / "brief").exists()
