"""The deck as another program draws it: LibreOffice converts each deck to PDF, poppler reads
back every text line with its box, and each line must lie on the slide and inside the shape
whose text it is.

test_deck.py's fit check measures with briefgen.fonts, the code that planned the slides; this
one never does. LibreOffice draws the deck's Calibri with Carlito and its Arial with Liberation
Sans (the system's fonts, installed by scripts/test-deps), wraps the text itself and, unlike
PowerPoint, shrinks nothing and clips nothing: text that does not fit runs out of its box.
"""
import re
import shutil
import subprocess

import pikepdf
import pytest
from lxml import etree
from pptx import Presentation
from pptx.util import Emu

from briefgen.build import build

from .conftest import EXAMPLE, ROOT

# Headings, bullets and sources long enough that the planner shrinks text, continues sections
# on "(cont.)" slides, splits a bullet and cuts a title short.
LONG = ROOT / "tests" / "data" / "long-slides.yaml"
# Lists, a 40-row table continued on "(cont.)" slides and two charts (illustrative numbers).
DATA = ROOT / "tests" / "data" / "deck-data.yaml"
# Ten sections of long paragraphs: derived slides, figures, a table and a chart beside their
# points, closing key points (illustrative numbers).
TEN = ROOT / "tests" / "data" / "ten-sections" / "brief.yaml"
BRIEFS = {"example": EXAMPLE, "long": LONG, "data": DATA, "ten": TEN}
THEMES = ("default", "print", "modern")

# LibreOffice lays text out in hundredths of a millimetre (0.03 pt), so its lines land a
# fraction of a point from where exact arithmetic puts them. 1 pt allows for that and is far
# less than a line of the smallest slide text (14 pt at a 16.8 pt pitch): a line that really
# runs out of its box is never let through.
TOLERANCE = 1.0

# poppler's line box is not the glyphs' extent: LibreOffice writes Ascent and Descent 0 into
# its fonts' descriptors, so poppler takes its defaults, 0.95 em above the baseline and 0.35 em
# below. That 1.3 em is taller than the 1.05 em pitch of a title's lines, so neighbouring lines'
# boxes overlap and a box pokes out of its shape though no glyph does. The check therefore takes
# the baseline and size from poppler's box and tests the em box of the text instead: Carlito's
# typographic ascender and descender, 0.75 em above the baseline and 0.25 em below (Liberation
# Sans's, 0.73 and 0.21, lie within).
POPPLER_ASCENT, POPPLER_DESCENT = 0.95, 0.35
ASCENT, DESCENT = 0.75, 0.25

XHTML = "{http://www.w3.org/1999/xhtml}"
# The bullets the deck draws (a list's nested items take the dash): poppler may give a bullet a
# line of its own, and it is in no shape's text.
BULLETS = "•–"
# The system fonts LibreOffice must draw each deck font with: the ones with the same widths.
SAME_WIDTHS = {"Calibri": {"Carlito"}, "Arial": {"LiberationSans"}}


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """Every brief in every theme, built and converted by LibreOffice in one run (each start of
    soffice costs seconds). Returns {(brief, theme): (deck.pptx, deck.pdf)}."""
    for tool, package in (("soffice", "libreoffice-impress"), ("pdftotext", "poppler-utils")):
        assert shutil.which(tool), (f"{tool} is not installed: make test installs it with "
                                    f"scripts/test-deps (apt-get install {package})")
    folder = tmp_path_factory.mktemp("office")
    decks = {}
    for name, brief in BRIEFS.items():
        for theme in THEMES:
            result = build(brief, folder / "build" / f"{name}-{theme}", theme=theme)
            [deck] = [out.path for out in result.outputs if out.kind == "deck"]
            # One folder for LibreOffice's output: it names each PDF after its deck.
            decks[name, theme] = shutil.copy(deck, folder / f"{name}-{theme}.pptx")
    pdfs = folder / "pdf"
    # A profile of this run's own, so that runs side by side do not share (and lock) one.
    profile = (folder / "profile").as_uri()
    run = subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless",
                          "--convert-to", "pdf", "--outdir", str(pdfs), *map(str, decks.values())],
                         capture_output=True, text=True, timeout=900)
    out = {}
    for key, deck in decks.items():
        pdf = pdfs / f"{deck.stem}.pdf"
        # soffice exits 0 when it converted nothing: the files are the proof.
        assert pdf.exists(), (f"LibreOffice did not convert {deck.name} (exit code "
                              f"{run.returncode}): {run.stdout}{run.stderr}")
        out[key] = (deck, pdf)
    return out


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("brief", BRIEFS)
def it_draws_every_line_on_the_slide_inside_its_own_shape(office, brief, theme):
    deck, pdf = office[brief, theme]
    problems = overflows(deck, pdf)
    assert not problems, (f"LibreOffice draws {len(problems)} line(s) of the {brief} deck in "
                          f"the {theme} theme outside their shapes:\n" + "\n".join(problems))


@pytest.mark.parametrize("theme", THEMES)
def it_draws_the_deck_with_fonts_of_the_same_widths(office, theme):
    """Else the check above measures LibreOffice's fallback font, not the deck."""
    deck, pdf = office["long", theme]
    font = theme_font(deck)
    with pikepdf.open(pdf) as doc:
        used = {str(f.BaseFont) for page in doc.pages
                for f in page.Resources.get("/Font", {}).values()}
    # '/BAAAAA+Carlito-Bold' -> 'Carlito'; bullets are drawn in Arial in every theme.
    families = {re.sub(r"^/([A-Z]{6}\+)?|-.*$", "", name) for name in used}
    expected = SAME_WIDTHS[font] | SAME_WIDTHS["Arial"]
    assert SAME_WIDTHS[font] <= families <= expected, (
        f"LibreOffice drew the {theme} deck's {font} with {sorted(families)}, not "
        f"{sorted(expected)}: scripts/test-deps installs fonts-crosextra-carlito and "
        "fonts-liberation2")


def it_finds_a_line_that_runs_out_of_its_box(office, tmp_path):
    """The check itself: text in a box cut to half its height is reported, with how far out."""
    deck, _ = office["example", "default"]
    prs = Presentation(str(deck))
    # The slide with the most body text, top-anchored: cut to a fifth, its last lines are out.
    bodies = {n: s for n, slide in enumerate(prs.slides, 1) for s in slide.shapes
              if s.name.startswith("Content")}
    n, body = max(bodies.items(), key=lambda item: len(item[1].text_frame.text))
    body.height = Emu(int(body.height * 0.2))
    problems = redrawn_overflows(prs, tmp_path)
    assert problems, "a box a fifth of its height must overflow"
    assert all(p.startswith(f"slide {n}, {body.name}: line '") for p in problems), problems
    assert re.search(r"is \d+\.\d pt below the shape's bottom \(", problems[0]), problems[0]


def redrawn_overflows(prs, folder) -> list[str]:
    """overflows() of a deck changed by a test: saved, then converted by LibreOffice."""
    short = folder / "short.pptx"
    prs.save(str(short))
    profile = (folder / "profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(folder), str(short)], capture_output=True,
                   timeout=900)
    return overflows(short, folder / "short.pdf")


# -- reading both sides -----------------------------------------------------------------------

def overflows(deck, pdf) -> list[str]:
    """One message per line LibreOffice draws off the slide or outside the shape it belongs to,
    and per text shape it draws no line of."""
    prs = Presentation(str(deck))
    width, height = pt(prs.slide_width), pt(prs.slide_height)
    pages = read_lines(pdf)
    problems = []
    if len(pages) != len(prs.slides):
        return [f"the PDF has {len(pages)} pages for {len(prs.slides)} slides"]
    for number, (slide, lines) in enumerate(zip(prs.slides, pages), 1):
        shapes = text_shapes(slide)
        drawn = set()
        # A chart's text is laid out by the program that draws it, inside the chart's frame.
        charts = [shape_box(s) for s in slide.shapes if s.has_chart]
        lines = [[w for w in words if not any(within(w[1], c) for c in charts)]
                 for words in lines]
        for words in filter(None, lines):
            for text, box, size in segments(words, [t for _, t in shapes]):
                where = f"slide {number}"
                owners = [s for s, t in shapes if squeeze(text.lstrip(BULLETS)) in t]
                if not owners:
                    problems.append(f"{where}: line {text!r} is in no shape's text")
                    continue
                # Text that two shapes share ('[1]' in a bullet and in the footer) belongs to
                # the one set at its size, and of those to the one it lies in.
                sized = [s for s in owners if any(abs(size - r) <= 0.3 for r in run_sizes(s))]
                if not sized:
                    problems.append(f"{where}, {owners[0].name}: line {text!r} reads as "
                                    f"{size:.1f} pt text in a shape of "
                                    f"{sorted(run_sizes(owners[0]))} pt: poppler's line box is "
                                    "not what this check assumes")
                    continue
                shape = min(sized, key=lambda s: max(outside(box, shape_box(s)))[0])
                drawn.add(shape.shape_id)
                far, side = max(outside(box, shape_box(shape)))
                if far > TOLERANCE:
                    problems.append(f"{where}, {shape.name}: line {text!r} is {far:.1f} pt "
                                    f"{side} ({describe(box)}; shape {describe(shape_box(shape))})")
                far, side = max(outside(box, (0, 0, width, height)))
                if far > TOLERANCE:
                    problems.append(f"{where}, {shape.name}: line {text!r} is {far:.1f} pt "
                                    f"off the slide, {side.replace('shape', 'slide')}")
        for shape, _ in shapes:
            if shape.shape_id not in drawn:
                problems.append(f"slide {number}, {shape.name}: none of its text is drawn")
    return problems


class _Cell:
    """A table's cell as the check reads a text shape: its box from its column's width and
    its row's height as the file gives them. A row LibreOffice draws taller than that moves the
    rows below it, whose lines then fall outside their cells."""

    def __init__(self, frame, r: int, c: int):
        table = frame.table
        self.name = f"{frame.name} row {r + 1} column {c + 1}"
        self.shape_id = (frame.shape_id, r, c)
        self.left = frame.left + sum(col.width for col in list(table.columns)[:c])
        self.top = frame.top + sum(row.height for row in list(table.rows)[:r])
        self.width, self.height = table.columns[c].width, table.rows[r].height
        self.text_frame = table.cell(r, c).text_frame


def shown_text(frame) -> str:
    """A text frame's text as drawn: a numbered paragraph after its number ('3. ')."""
    def number(p) -> str:
        auto = p._p.find("{*}pPr/{*}buAutoNum")
        return f"{auto.get('startAt', '1')}. " if auto is not None else ""

    return "\n".join(number(p) + p.text for p in frame.paragraphs)


def text_shapes(slide) -> list:
    """(shape, its text squeezed) for every shape with text, each table cell a shape."""
    out = []
    for s in slide.shapes:
        if s.has_text_frame and s.text_frame.text.strip():
            out.append((s, squeeze(shown_text(s.text_frame))))
        elif s.has_table:
            for r, row in enumerate(s.table.rows):
                for c, cell in enumerate(row.cells):
                    if cell.text_frame.text.strip():
                        out.append((_Cell(s, r, c), squeeze(cell.text_frame.text)))
    return out


def within(box, frame) -> bool:
    x0, y0, x1, y1 = box
    return frame[0] <= (x0 + x1) / 2 <= frame[2] and frame[1] <= (y0 + y1) / 2 <= frame[3]


def read_lines(pdf) -> list[list[list[tuple[str, tuple, float]]]]:
    """Per page, per line as poppler groups them, its words: (text, em box, size)."""
    html = pdf.with_suffix(".html")
    subprocess.run(["pdftotext", "-bbox-layout", str(pdf), str(html)], check=True)
    pages = []
    for page in etree.parse(str(html)).iter(f"{XHTML}page"):
        lines = []
        for line in page.iter(f"{XHTML}line"):
            words = []
            for word in line.iter(f"{XHTML}word"):
                x0, y0, x1, y1 = (float(word.get(k)) for k in ("xMin", "yMin", "xMax", "yMax"))
                size = (y1 - y0) / (POPPLER_ASCENT + POPPLER_DESCENT)
                baseline = y1 - POPPLER_DESCENT * size
                words.append((word.text, (x0, baseline - ASCENT * size, x1,
                                          baseline + DESCENT * size), size))
            lines.append(words)
        pages.append(lines)
    return pages


def segments(words, texts: list[str]):
    """A line's words split into runs that each lie in one shape's text: poppler joins two
    shapes' text into one line where they sit side by side. Yields (text, box, size)."""
    start = 0
    while start < len(words):
        end = start + 1
        for stop in range(len(words), start, -1):
            joined = squeeze("".join(w for w, _, _ in words[start:stop]).lstrip(BULLETS))
            if any(joined in t for t in texts):
                end = stop
                break
        run = words[start:end]
        box = (min(b[0] for _, b, _ in run), min(b[1] for _, b, _ in run),
               max(b[2] for _, b, _ in run), max(b[3] for _, b, _ in run))
        # A superscript citation is set smaller: the line's size is its largest word's.
        yield " ".join(w for w, _, _ in run), box, max(s for _, _, s in run)
        start = end


def outside(box, frame) -> list[tuple[float, str]]:
    """How far the box reaches past each side of the frame (negative: inside it)."""
    x0, y0, x1, y1 = box
    left, top, right, bottom = frame
    return [(left - x0, "left of the shape's left edge"), (top - y0, "above the shape's top"),
            (x1 - right, "past the shape's right edge"), (y1 - bottom, "below the shape's bottom")]


def shape_box(shape) -> tuple[float, float, float, float]:
    return (pt(shape.left), pt(shape.top), pt(shape.left + shape.width),
            pt(shape.top + shape.height))


def run_sizes(shape) -> set[float]:
    """The sizes the shape's text is drawn at."""
    sizes = set()
    for p in shape.text_frame.paragraphs:
        for r in p.runs:
            if r.font.size:
                sizes.add(r.font.size.pt)
                # LibreOffice draws a superscript at 58% of its run's size (DFLT_ESC_PROP), and
                # poppler can give a superscript citation a line of its own.
                if r._r.rPr is not None and int(r._r.rPr.get("baseline", "0")) > 0:
                    sizes.add(round(r.font.size.pt * 0.58, 1))
    # A slide number is a field, not a run: its size is in the field's own properties.
    for size in shape.text_frame._txBody.xpath(".//a:fld/a:rPr/@sz"):
        sizes.add(int(size) / 100)
    return sizes


def squeeze(text: str) -> str:
    """Text without its spaces: poppler puts a space where a superscript starts, and a line
    break where the shape has a space."""
    return re.sub(r"\s", "", text)


def describe(box) -> str:
    x0, y0, x1, y1 = box
    return f"x {x0:.1f}–{x1:.1f}, y {y0:.1f}–{y1:.1f}"


def pt(emu) -> float:
    return emu / 12700


def theme_font(deck) -> str:
    prs = Presentation(str(deck))
    body = next(s for s in prs.slides[1].shapes if s.name.startswith("Content"))
    return body.text_frame.paragraphs[0].runs[0].font.name


def it_draws_each_chart_with_its_categories_and_values(office):
    """LibreOffice draws the charts themselves (not a blank frame): every category, and every
    value of a chart that shows its values, is among the words drawn inside the chart's frame."""
    from briefgen.data import format_number

    labelled = 0
    for theme in THEMES:
        deck, pdf = office["data", theme]
        prs = Presentation(str(deck))
        pages = read_lines(pdf)
        found = 0
        for slide, lines in zip(prs.slides, pages):
            for frame in (s for s in slide.shapes if s.has_chart):
                found += 1
                words = [w for line in lines for w, b, _ in line if within(b, shape_box(frame))]
                drawn = squeeze(" ".join(words))
                chart = frame.chart
                for category in chart.plots[0].categories:
                    assert squeeze(category) in drawn, (theme, category)
                if not chart.plots[0].has_data_labels:  # no room to read them beside text
                    continue
                labelled += 1
                # The format's first section: the second only sets the minus sign, U+2212.
                fmt = chart.plots[0].data_labels.number_format.split(";")[0]
                for series in chart.plots[0].series:
                    for value in series.values:
                        text = format_number(value, None if fmt == "General" else fmt)
                        assert text in words, (theme, series.name, text, words)
        assert found == 2, theme
    assert labelled >= 3  # one chart in each theme at least


def it_finds_a_table_row_drawn_taller_than_planned(office, tmp_path):
    """The check itself: a row cut to a third of its height is drawn taller by LibreOffice,
    which moves the rows below it out of their cells."""
    deck, _ = office["data", "default"]
    prs = Presentation(str(deck))
    number, slide = next((n, s) for n, s in enumerate(prs.slides, 1)
                         if any(sh.has_table for sh in s.shapes))
    frame = next(sh for sh in slide.shapes if sh.has_table)
    row = frame.table.rows[1]
    row.height = Emu(int(row.height / 3))
    problems = redrawn_overflows(prs, tmp_path)
    assert problems, "rows moved down by a taller row must be outside their cells"
    assert all(p.startswith(f"slide {number}, Table row ") for p in problems), problems
    assert any(re.search(r"is \d+\.\d pt below the shape's bottom \(", p) for p in problems)


@pytest.mark.parametrize("theme", THEMES)
def it_draws_the_draft_mark_at_the_titles_edge_and_the_number_at_the_contents(office, theme):
    """Where LibreOffice draws them: the mark's first letter where the title's is, the number's
    last digit at the right edge of the text (a mark sized to its text was drawn centred)."""
    deck, pdf = office["ten", theme]
    prs = Presentation(str(deck))
    pages = read_lines(pdf)
    for n, (slide, lines) in enumerate(zip(list(prs.slides)[1:], pages[1:]), 2):
        words = [w for line in lines for w in line]
        title = slide.shapes.title
        left = pt(title.left + title.text_frame.margin_left)
        right = pt(title.left + title.width - title.text_frame.margin_right)
        first = title.text_frame.text.split()[0]
        [mark] = [w for w in words if w[0] == "DRAFT"]
        heading = [w for w in words if w[0] == first and w[2] > 20]
        assert abs(mark[1][0] - left) < 1.0 and abs(heading[0][1][0] - left) < 1.0, n
        [number] = [w for w in words if w[0] == str(n) and w[2] < 12]
        assert abs(number[1][2] - right) < 1.0, (n, number[1][2], right)
