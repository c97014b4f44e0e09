"""The memo's vector chart (chart.py), drawn and then read back from a PDF made by WeasyPrint."""
import base64
import html
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pikepdf
import pytest

import briefgen.pdf as briefgen_pdf
from briefgen.chart import _lightness, _rgb, draw_chart, nice_ticks, series_colors
from briefgen.data import format_number
from briefgen.errors import Loc
from briefgen.model import CHART_TYPES, Chart, Series
from briefgen.pdf import render_pdf, write_pdf
from briefgen.theme import load_theme

from .conftest import embedded_fonts, font_names, pdf_pages

SVG = "{http://www.w3.org/2000/svg}"
MARGIN = 36.0  # the test page's margin, in points: where each chart's box starts
WIDTH = 460.0


def chart(type_="column", categories=("A", "B"), series=(("S", (1.0, 2.0)),), **said) -> Chart:
    fields = {"title": None, "unit": None, "format": None, "alt": "A chart (illustrative)",
              "caption": None, "csv": None, "loc": Loc("brief.yaml", 1, 1)}
    fields.update(said)
    return Chart(type_, categories=tuple(categories),
                 series=tuple(Series(name, tuple(values)) for name, values in series), **fields)


# Twelve regions, three years: what a brief shows, with losses as well as gains (illustrative).
REGIONS = tuple(f"Region {c}" for c in "ABCDEFGHIJKL")
YEARS = (("2022", (1234.5, 980.0, -45.3, 310.25, 77.0, 1502.8, 0.0, 645.4, 812.9, -120.5, 56.7,
                   999.9)),
         ("2023", (1301.2, 1012.4, -12.0, 298.1, 80.5, 1498.2, 3.3, 660.0, 790.4, -98.1, 61.2,
                   1010.0)),
         ("2024", (1350.0, 1040.9, 8.8, 305.6, 82.4, 1510.1, 5.9, 702.7, 801.0, -60.2, 66.6,
                   1022.3)))


def realistic(type_: str) -> Chart:
    series = YEARS
    if type_.startswith("stacked"):  # shares of a whole are not negative
        series = tuple((name, tuple(abs(v) for v in values)) for name, values in YEARS)
    return chart(type_, REGIONS, series, title="Spending by region (illustrative)",
                 unit="USD m", format="#,##0.0")


def faces(theme) -> str:
    """The theme's @font-face rules, named as the memo's style.css names them."""
    rules = []
    for family in (theme.heading, theme.body):
        for path, weight, style in ((family.regular, 400, "normal"), (family.bold, 700, "normal"),
                                    (family.italic, 400, "italic"),
                                    (family.bold_italic, 700, "italic")):
            rules.append(f'@font-face {{ font-family: "{family.css_family}"; '
                         f'src: url("{path.as_uri()}"); font-weight: {weight}; '
                         f"font-style: {style}; }}")
    return "\n".join(rules)


def render(svg: str, theme, folder: Path, name: str = "chart.pdf") -> Path:
    """One chart on a page, as the memo shows it (an <img> of a data: URL), its box's top left
    corner at (MARGIN, MARGIN), through pdf.py."""
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    page = (f'<html lang="en"><head><title>Chart</title><style>{faces(theme)}\n'
            f"@page {{ size: 612pt 1400pt; margin: {MARGIN}pt }} body {{ margin: 0 }} "
            f"img {{ display: block }}</style></head>"
            f'<body><img src="{uri}" alt="A chart"></body></html>')
    target = folder / name
    document = render_pdf(page, folder, [folder, theme.folder], Loc("brief.yaml"))
    write_pdf(document, target, Loc("brief.yaml"))
    return target


def words(pdf: Path) -> list[tuple[str, float, float, float, float]]:
    """(text, x0, y0, x1, y1) of every word pdftotext finds, in points from the top left."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    found = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                       r'yMax="([\d.]+)">(.*?)</word>', out)
    return [(html.unescape(t), float(a), float(b), float(c), float(d))
            for a, b, c, d, t in found]


def size_of(svg: str) -> tuple[float, float]:
    root = ET.fromstring(svg)
    return float(root.get("width").removesuffix("pt")), float(root.get("height").removesuffix("pt"))


@pytest.fixture(scope="module")
def default():
    return load_theme("default")


# -- the numbers --------------------------------------------------------------------------------

@pytest.mark.parametrize("type_", CHART_TYPES)
def it_prints_every_value_as_format_number_prints_it(tmp_path, default, type_):
    c = realistic(type_)
    pdf = render(draw_chart(c, width_pt=WIDTH, theme=default, lang="en"), default, tmp_path)
    found = [w[0] for w in words(pdf)]
    text = " ".join(pdf_pages(pdf)).split()
    printed = [format_number(v, c.format, "en") for s in c.series for v in s.values]
    for label in set(printed):
        # Each value at least as often as it occurs (a tick may print the same number too).
        assert found.count(label) >= printed.count(label), label
        assert text.count(label) >= printed.count(label), label


def it_prints_values_in_the_brief_language(tmp_path, default):
    c = chart("column", ("Nord", "Süd"), (("2024", (1234.5, -0.25)),), format="#,##0.00")
    pdf = render(draw_chart(c, width_pt=300, theme=default, lang="de"), default, tmp_path)
    found = [w[0] for w in words(pdf)]
    assert "1.234,50" in found
    assert "\u22120,25" in found


def it_draws_negative_columns_down_from_zero(tmp_path, default):
    c = chart("column", ("North", "South"), (("Balance", (12.5, -3.2)),), format="0.0")
    pdf = render(draw_chart(c, width_pt=300, theme=default), default, tmp_path)
    at = {w[0]: w for w in words(pdf)}
    zero = at["0.0"]  # the zero tick, level with the bars' base
    assert at["12.5"][4] < zero[2]  # above zero
    assert at["\u22123.2"][2] > zero[4]  # below it
    root = ET.fromstring(draw_chart(c, width_pt=300, theme=default))
    drawn = {t.text for t in root.iter(f"{SVG}text")}
    assert {"\u22125.0", "0.0", "5.0", "10.0", "15.0"} <= drawn  # the axis reaches below zero


def it_draws_negative_bars_left_of_zero(tmp_path, default):
    c = chart("bar", ("North", "South"), (("Balance", (12.5, -3.2)),), format="0.0")
    pdf = render(draw_chart(c, width_pt=300, theme=default), default, tmp_path)
    at = {w[0]: w for w in words(pdf)}
    zero = (at["0.0"][1] + at["0.0"][3]) / 2  # the zero tick, under the bars' base
    assert at["12.5"][1] > zero
    assert at["\u22123.2"][3] < zero


def it_reads_the_value_axis_in_round_steps():
    assert nice_ticks(0, 10200, 6) == [0, 2000, 4000, 6000, 8000, 10000, 12000]
    assert nice_ticks(-3.2, 15, 4) == [-5, 0, 5, 10, 15]
    assert nice_ticks(0, 0.33, 5) == [0, 0.1, 0.2, 0.3, 0.4]  # not 0.30000000000000004
    assert nice_ticks(0, 1, 4) == [0, 0.25, 0.5, 0.75, 1]
    # '0' cannot print 0.25 or 2.5: no two ticks may read the same.
    assert nice_ticks(0, 3, 10, "0") == [0, 1, 2, 3]
    assert nice_ticks(0, 25, 10, "0") == [0, 5, 10, 15, 20, 25]
    assert nice_ticks(0, 0.9, 4, "0%") == [0, 0.25, 0.5, 0.75, 1] or \
        nice_ticks(0, 0.9, 4, "0%") == [0, 0.3, 0.6, 0.9]
    assert nice_ticks(0, 0, 5) == [0, 0.2, 0.4, 0.6, 0.8, 1]
    assert nice_ticks(-7, -7, 5)[-1] == 0


def it_starts_bars_and_columns_at_zero_and_lets_a_line_float(default):
    def ticks(type_, values):  # every text drawn: the ticks, and values that are not '0'
        root = ET.fromstring(draw_chart(chart(type_, ("a", "b", "c"), (("s", values),)),
                                        width_pt=300, theme=default))
        return [t.text for t in root.iter(f"{SVG}text")]

    assert "0" in ticks("column", (90.0, 95.0, 99.0))
    assert "0" in ticks("bar", (90.0, 95.0, 99.0))
    assert "0" not in ticks("line", (90.0, 95.0, 99.0))
    assert "0" in ticks("line", (10.0, 55.0, 99.0))  # zero is near: the line starts there


# -- the text -----------------------------------------------------------------------------------

HOSTILE = '<script>alert("x")</script> & \'quotes\' ]]> </svg>'


def it_escapes_every_name_it_prints(tmp_path, default):
    c = chart("column", (HOSTILE, "B & C"), ((f"{HOSTILE} series", (1.0, 2.0)),
                                             ("<b>", (3.0, 4.0))),
              title=f"Title {HOSTILE}", unit="USD & <m>", alt=f"Alt {HOSTILE}")
    svg = draw_chart(c, width_pt=WIDTH, theme=default)
    root = ET.fromstring(svg)  # well-formed: an <img> of it is parsed as XML
    assert [e.tag for e in root.iter() if "script" in e.tag or e.tag.endswith("}b")] == []
    assert root.find(f"{SVG}title").text == f"Alt {HOSTILE}"
    drawn = " ".join(t for e in root.iter(f"{SVG}text") for t in e.itertext())
    for name in ("Title", "B & C", "USD & <m>", "<b>", '<script>alert("x")</script>'):
        assert name in drawn
    text = " ".join(" ".join(pdf_pages(render(svg, default, tmp_path))).split())
    assert f"Title {HOSTILE}" in text
    assert "USD & <m>" in text


def it_keeps_unprintable_characters_out_of_the_xml(default):
    c = chart("bar", ("a\x07b", "tab\there"), (("line\nend", (1.0, 2.0)), ("x", (2.0, 1.0))),
              title="bell\x1b")
    root = ET.fromstring(draw_chart(c, width_pt=300, theme=default))
    drawn = [t for e in root.iter(f"{SVG}text") for t in e.itertext()]
    assert "a\ufffdb" in drawn and "tab here" in drawn and "line end" in drawn


def it_is_an_image_with_its_alt_text_and_nothing_from_outside(default):
    for type_ in CHART_TYPES:
        svg = draw_chart(realistic(type_), width_pt=WIDTH, theme=default)
        root = ET.fromstring(svg)
        assert root.get("role") == "img"
        assert root.find(f"{SVG}title").text == "A chart (illustrative)"
        width, height = size_of(svg)
        assert width == WIDTH
        assert root.get("viewBox") == f"0 0 {width:g} {height:g}"
        assert "href" not in svg and "<image" not in svg and "<script" not in svg
        assert set(re.findall(r"url\(([^)]*)\)", svg)) <= {f"#{e.get('id')}"
                                                           for e in root.iter(f"{SVG}pattern")}


def it_draws_the_same_bytes_every_time(default):
    again = load_theme("default")
    for type_ in CHART_TYPES:
        c = realistic(type_)
        first = draw_chart(c, width_pt=WIDTH, theme=default, lang="en")
        assert draw_chart(c, width_pt=WIDTH, theme=again, lang="en") == first
        assert draw_chart(realistic(type_), width_pt=WIDTH, theme=default, lang="en") == first


LONG = "The share of households in the region that receive assistance"  # 62 characters


@pytest.mark.parametrize("type_, categories", [
    ("column", ("Short", LONG, "Mid-sized label", "Four")),
    ("bar", ("Short", LONG, "Mid-sized label", "Four")),
    ("stacked bar", ("Short", LONG, "Mid-sized label", "Four")),
    ("line", tuple(f"{LONG} {i}" for i in range(12))),  # turned 45 degrees
])
def it_keeps_long_labels_inside_the_chart(tmp_path, default, type_, categories):
    values = tuple(float(10 + 7 * i) for i in range(len(categories)))
    c = chart(type_, categories, (("First", values), ("Second", values[::-1])),
              title=f"{LONG} {LONG}", unit="thousands", format="0")
    svg = draw_chart(c, width_pt=300, theme=default)
    width, height = size_of(svg)
    pdf = render(svg, default, tmp_path)
    for text, x0, y0, x1, y1 in words(pdf):
        assert MARGIN - 0.5 <= x0 and x1 <= MARGIN + width + 0.5, text
        assert MARGIN - 0.5 <= y0 and y1 <= MARGIN + height + 0.5, text
    # Wrapped, not cut: every word of each name is there (spaces aside, which turned text
    # loses in extraction).
    squeezed = "".join(" ".join(pdf_pages(pdf)).split())
    for name in categories:
        assert "".join(name.split()) in squeezed


def it_sets_its_text_in_the_theme_fonts(tmp_path):
    for name in ("default", "modern", "print"):
        theme = load_theme(name)
        svg = draw_chart(realistic("stacked column"), width_pt=WIDTH, theme=theme)
        assert f'font-family="{theme.heading.css_family}, sans-serif"' in svg
        pdf = render(svg, theme, tmp_path, f"{name}.pdf")
        assert embedded_fonts(pdf) == {font_names(theme.heading.regular),
                                       font_names(theme.heading.bold)}


# -- the colours --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["default", "modern", "print"])
def it_gives_neighbouring_series_colours_a_grey_printout_tells_apart(name):
    theme = load_theme(name)
    for count in range(2, 7):
        for lines in (False, True):
            shades = [_lightness(_rgb(c)) for c in series_colors(theme, count, lines)]
            apart = min(b - a for a, b in zip(shades, shades[1:]))
            # Bars span the primary's lightness (24 in default, 31 in modern) to 82; lines
            # stop at 60, and have markers of four shapes too.
            least = 5 if lines else 25 if count <= 3 else 9.5
            assert apart >= least, (count, lines, shades)
            if lines:
                assert max(shades) <= 60.5  # a line must show on white


def it_keeps_the_theme_colours_where_they_already_differ():
    default = load_theme("default")
    assert series_colors(default, 1) == ["#1F3A5F"]
    # The accent is lightened only as far as a grey printout needs.
    primary, second = series_colors(default, 2)
    assert primary == "#1F3A5F"
    assert _lightness(_rgb(second)) - _lightness(_rgb(primary)) == pytest.approx(28, abs=0.6)
    grey = series_colors(load_theme("print"), 4)
    assert all(c[1:3] == c[3:5] == c[5:7] for c in grey)


def it_hatches_series_from_the_fourth_on_in_a_grey_theme():
    theme = load_theme("print")
    c = chart("column", ("a", "b"), tuple((f"s{i}", (1.0, 2.0)) for i in range(5)))
    root = ET.fromstring(draw_chart(c, width_pt=WIDTH, theme=theme))
    assert len(list(root.iter(f"{SVG}pattern"))) == 2
    assert len(list(ET.fromstring(draw_chart(c, width_pt=WIDTH, theme=load_theme("default")))
                    .iter(f"{SVG}pattern"))) == 0


def it_sets_labels_on_hatching_on_a_patch_of_paper(tmp_path):
    """Hatch lines struck through the digits of a label inside a hatched segment: the label
    has a white patch behind it, so a column of pixels just left of its first digit (inside
    the patch, over the hatching) is paper, as WeasyPrint renders it."""
    from PIL import Image

    theme = load_theme("print")
    c = chart("stacked bar", ("North", "South"),
              tuple((f"s{i}", (31.0 + i, 41.0 + i)) for i in range(6)))
    pdf = render(draw_chart(c, width_pt=WIDTH, theme=theme), theme, tmp_path)
    subprocess.run(["pdftoppm", "-r", "288", "-gray", "-png", "-singlefile", str(pdf),
                    str(tmp_path / "page")], check=True)
    page = Image.open(tmp_path / "page.png").convert("L")
    hatched = [w for w in words(pdf) if w[0] in {"34", "35", "36", "44", "45", "46"}]
    assert len(hatched) == 6
    for text, x0, y0, x1, y1 in hatched:
        column = [page.getpixel((round((x0 - 0.6) * 4), round(y * 4)))
                  for y in (y0 + 1, (y0 + y1) / 2, y1 - 1)]
        assert min(column) > 240, (text, column)


# -- SVG text in the PDF (pdf.py draws a plain SVG text as one run) -----------------------------

def it_keeps_the_spaces_of_chart_text_for_extraction(tmp_path, default):
    c = chart("column", ("X 3", "Nord"), (("Série A", (1234.5, 2.0)),), format="#,##0.0")
    pdf = render(draw_chart(c, width_pt=300, theme=default, lang="fr"), default, tmp_path)
    text = " ".join(pdf_pages(pdf))
    assert "1\u202f234,5" in text  # the narrow no-break space French groups thousands with
    assert "X 3" in text


def it_still_places_svg_letters_one_by_one_where_asked(tmp_path, default):
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="200pt" height="40pt" '
           f'viewBox="0 0 200 40" font-family="{default.heading.css_family}" font-size="8">'
           '<text x="10 60 110" y="20">abc</text><text x="10" y="35" dx="0 40">de</text></svg>')
    found = {w[0]: w[1] for w in words(render(svg, default, tmp_path))}
    assert found["a"] == pytest.approx(MARGIN + 10, abs=0.5)
    assert found["b"] == pytest.approx(MARGIN + 60, abs=0.5)
    assert found["c"] == pytest.approx(MARGIN + 110, abs=0.5)
    assert found["e"] - found["d"] > 40


def it_draws_svg_text_in_one_run_on_the_weasyprint_pyproject_pins():
    # pdf.py's patch takes effect on WeasyPrint 70 only: an upgrade that stops it fails here.
    assert briefgen_pdf.weasyprint.__version__.startswith("70.")
    assert briefgen_pdf.SVG_TEXT_AS_ONE_RUN
    assert briefgen_pdf._svg_package.TAGS["text"] is briefgen_pdf._svg_package.text
    assert briefgen_pdf._svg_package.text is not briefgen_pdf._svg_text.text


def it_leaves_weasyprints_svg_text_alone_when_told_to():
    code = ("import briefgen.pdf as p; print(p.SVG_TEXT_AS_ONE_RUN, "
            "p._svg_package.text is p._svg_text.text)")
    env = {**os.environ, "BRIEFGEN_SVG_TEXT_AS_ONE_RUN": "0"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False", "True"]


def it_draws_svg_text_letter_by_letter_where_the_one_run_fails(tmp_path, default, monkeypatch):
    # A one-run drawing that breaks half way (as a changed WeasyPrint could) leaves nothing of
    # itself behind: the text is drawn by WeasyPrint's own way, where it should be.
    def half_drawn(svg, node, font_size):
        svg.stream.push_state()
        svg.cursor_position = [999, 999]
        raise AttributeError("'TextBox' object has no attribute 'baseline'")

    package = briefgen_pdf._svg_package
    failing = briefgen_pdf.or_letter_by_letter(lambda *said: True, half_drawn,
                                               briefgen_pdf._svg_text.text)
    for tag, draw in list(package.TAGS.items()):
        if draw is package.text:
            monkeypatch.setitem(package.TAGS, tag, failing)
    monkeypatch.setattr(package, "text", failing)
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="200pt" height="40pt" '
           f'viewBox="0 0 200 40" font-family="{default.heading.css_family}" font-size="8">'
           '<text x="10" y="20">ab</text><text x="120" y="20">cd</text></svg>')
    target = render(svg, default, tmp_path)
    found = {w[0]: w[1] for w in words(target)}
    assert found["ab"] == pytest.approx(MARGIN + 10, abs=0.5)
    assert found["cd"] == pytest.approx(MARGIN + 120, abs=0.5)
    with pikepdf.open(target) as document:
        operators = [str(op) for stream in content_streams(document.pages[0].obj)
                     for _, op in pikepdf.parse_content_stream(stream)]
    assert operators.count("q") == operators.count("Q")


def content_streams(holder, seen=None):
    """The page's content stream and those of every form XObject it draws, nested."""
    seen = set() if seen is None else seen
    found = [holder] if isinstance(holder, pikepdf.Stream) else []
    if "/Contents" in holder:
        contents = holder.Contents
        found = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    for name, xobject in (holder.get("/Resources", {}).get("/XObject", {}) or {}).items():
        if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
            seen.add(xobject.objgen)
            found += content_streams(xobject, seen)
    return found
