import re
import shutil
import subprocess

import pytest
from pptx import Presentation

from briefgen.build import build
from briefgen.cli import main
from briefgen.errors import BriefError
from briefgen.theme import contrast, load_theme

from .conftest import EXAMPLE, ROOT, embedded_fonts, pdf_pages
from .golden import GOLDEN, extract
from .test_deck import assert_deck_fits, output


@pytest.fixture
def theme_copy(tmp_path):
    """A private copy of the default theme to change."""
    folder = tmp_path / "mytheme"
    shutil.copytree(ROOT / "themes" / "default", folder)
    return folder


def edit(folder, old, new):
    path = folder / "theme.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize("name", ["print", "modern"])
def it_builds_the_example_in_each_bundled_theme(name, tmp_path):
    result = build(EXAMPLE, tmp_path, theme=name)
    theme = load_theme(name)
    assert len(pdf_pages(output(result, "handout"))) == 1
    assert len(pdf_pages(output(result, "memo"))) >= 2
    prs = assert_deck_fits(output(result, "deck"), theme)
    fonts = {r.font.name for s in prs.slides for sh in s.shapes if sh.has_text_frame
             for p in sh.text_frame.paragraphs for r in p.runs}
    assert fonts == {theme.deck_font}
    for file, text in extract(result, name).items():
        assert text == (GOLDEN / file).read_text(encoding="utf-8"), \
            f"{file} changed: run `make golden` and review the diff if it is intended"


def it_embeds_the_theme_files_even_where_the_machine_has_their_families(theme_copy, tmp_path):
    # The suite's bootstrap (scripts/test-deps) installs these families system-wide, as the
    # README tells LibreOffice users to: the PDFs must still use the theme's own files, even
    # files that call themselves Carlito and Caladea as the installed ones do.
    from fontTools.ttLib import TTFont

    installed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout
    assert {"Carlito", "Caladea"} <= {f for line in installed.splitlines()
                                      for f in line.split(",")}, "run scripts/test-deps"
    for path in theme_copy.glob("fonts/*.ttf"):
        font = TTFont(path)
        font["name"].setName("Version 9.99; changed by a test", 5, 3, 1, 0x409)
        font.save(path)
    result = build(EXAMPLE, tmp_path / "out", theme=str(theme_copy))
    for kind in ("memo", "handout"):
        fonts = embedded_fonts(output(result, kind))
        assert {family for family, _, _ in fonts} == {"Carlito", "Caladea"}, kind
        assert {version for _, _, version in fonts} == {"Version 9.99; changed by a test"}, kind

    fonts = ROOT / "themes" / "print" / "fonts"
    for face in ("Regular", "Bold", "Italic", "BoldItalic"):
        shutil.copy(fonts / f"LiberationSans-{face}.ttf", theme_copy / "fonts" / f"Carlito-{face}.ttf")
        shutil.copy(fonts / f"LiberationSerif-{face}.ttf", theme_copy / "fonts" / f"Caladea-{face}.ttf")
    result = build(EXAMPLE, tmp_path / "other", theme=str(theme_copy))
    for kind in ("memo", "handout"):
        families = {family for family, _, _ in embedded_fonts(output(result, kind))}
        assert families == {"Liberation Sans", "Liberation Serif"}, kind


def it_lists_the_three_bundled_themes(capsys):
    assert main(["themes"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert names == ["default", "modern", "print"]


def it_prints_superscript_citations_and_a_logo_in_the_modern_theme(tmp_path):
    result = build(EXAMPLE, tmp_path, theme="modern")
    text = pdf_pages(output(result, "memo"))[0]
    assert "detainers1,2,3. The result" in text.replace("-\n", "")  # on the word: no space
    prs = Presentation(str(output(result, "deck")))
    runs = [r for sh in prs.slides[3].shapes if sh.has_text_frame  # Public-safety rationale
            for p in sh.text_frame.paragraphs for r in p.runs if r.text == "2,9"]
    assert runs and runs[0].font._rPr.get("baseline") == "30000"
    logo = [sh for sh in prs.slides[0].shapes if sh.name == "Logo"]
    assert [sh._element.nvPicPr.cNvPr.get("descr") for sh in logo] == ["Policy Analysis Unit"]


def renamed_template(path, names):
    prs = Presentation()
    for layout in prs.slide_layouts:
        layout.name = names.get(layout.name, layout.name)
    prs.save(str(path))


def it_builds_the_deck_on_a_template_with_renamed_layouts(theme_copy, tmp_path):
    renamed_template(theme_copy / "corporate.pptx",
                     {"Title Slide": "Cover", "Title and Content": "Body text"})
    edit(theme_copy, "deck:\n", "deck:\n  template: corporate.pptx\n"
                                "  layouts: {title: Cover, content: Body text}\n")
    result = build(EXAMPLE, tmp_path / "out", theme=str(theme_copy))
    prs = Presentation(str(output(result, "deck")))
    layouts = [s.slide_layout.name for s in prs.slides]
    assert layouts[0] == "Cover" and set(layouts[1:]) == {"Body text"}
    assert_deck_fits(output(result, "deck"), load_theme(theme_copy))


def it_names_the_layout_it_looked_for_and_where(theme_copy, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    renamed_template(theme_copy / "corporate.pptx", {"Title Slide": "Cover"})
    edit(theme_copy, "deck:\n", "deck:\n  template: corporate.pptx\n")
    assert main(["check-theme", str(theme_copy)]) == 2
    err = capsys.readouterr().err
    line = next(i for i, l in enumerate((theme_copy / "theme.yaml").read_text().splitlines(), 1)
                if "template: corporate.pptx" in l)
    assert err.startswith(f"mytheme/theme.yaml:{line}:13: couldn't find a slide layout named "
                          "'Title Slide' in mytheme/corporate.pptx (it has: 'Cover', "
                          "'Title and Content'")
    assert err.count("couldn't find") == 1  # the template check and the trial render both see it
    assert main(["build", str(EXAMPLE), "--theme", str(theme_copy), "-o", "out"]) == 2
    assert "couldn't find a slide layout named 'Title Slide'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def it_catches_a_colour_pair_below_wcag_aa(theme_copy, capsys):
    edit(theme_copy, 'muted: "#5B6573"', 'muted: "#9AA0A6"')
    assert main(["check-theme", str(theme_copy)]) == 2
    err = capsys.readouterr().err.splitlines()
    line = next(i for i, l in enumerate(
        (theme_copy / "theme.yaml").read_text().splitlines(), 1) if "muted:" in l)
    assert err == [f"{theme_copy}/theme.yaml:{line}:10: muted #9AA0A6 on background #FFFFFF has "
                   "contrast 2.64:1; WCAG AA needs 4.5:1 for body text"]
    assert main(["check-theme", "default"]) == 0
    assert main(["check-theme", "modern"]) == 0  # one family for headings and body: 4 files
    out = capsys.readouterr().out
    assert "default/theme.yaml: ok: 8 font files," in out and "modern/theme.yaml: ok: 4 font " \
        "files," in out


def it_computes_wcag_contrast():
    assert round(contrast("#000000", "#FFFFFF"), 1) == 21.0
    assert round(contrast("#777777", "#FFFFFF"), 2) == 4.48


def it_reports_a_bad_theme_yaml_with_file_line_col(theme_copy):
    edit(theme_copy, 'primary: "#1F3A5F"', "primary: navy\n  colour: red")
    edit(theme_copy, "regular: fonts/Carlito-Regular.ttf", "regular: fonts/Nope.ttf")
    with pytest.raises(BriefError) as e:
        load_theme(theme_copy)
    messages = [re.sub(r"^.*theme\.yaml:", "", str(p)) for p in e.value.problems]
    assert messages == [
        "6:12: 'primary' must be a colour like #1F3A5F, not 'navy'",
        "7:3: unknown field 'colour' in colors; known fields: primary, accent, text, muted, rule, "
        "panel, background",
        "17:14: 'regular' file not found: fonts/Nope.ttf",
    ]


def it_reports_named_layouts_the_template_lacks_even_with_a_fallback(theme_copy, capsys):
    renamed_template(theme_copy / "corporate.pptx", {})
    edit(theme_copy, "deck:\n", "deck:\n  template: corporate.pptx\n"
                                "  layouts: {title: Nope Title, content: Nope Content}\n")
    assert main(["check-theme", str(theme_copy)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert [line.split(": ", 1)[1] for line in err] == [
        f"no slide layout named 'Nope Title' in {theme_copy}/corporate.pptx: the deck would use "
        "'Title Slide' instead",
        f"no slide layout named 'Nope Content' in {theme_copy}/corporate.pptx: the deck would use "
        "'Title and Content' instead"]


def it_names_the_styles_the_word_memo_needs_that_the_word_template_lacks(theme_copy, capsys):
    import docx

    document = docx.Document()  # python-docx's own template, as Word users start from
    document.styles["List Number 2"].delete()
    document.save(theme_copy / "corporate.docx")
    edit(theme_copy, "deck:\n", "memo:\n  reference_docx: corporate.docx\ndeck:\n")
    line = next(i for i, l in enumerate((theme_copy / "theme.yaml").read_text().splitlines(), 1)
                if "reference_docx" in l)
    # Warnings: a build adds them, in briefgen's look.
    assert main(["check-theme", str(theme_copy)]) == 0
    said = capsys.readouterr()
    assert said.err.splitlines() == [
        f"{theme_copy}/theme.yaml:{line}:19: warning: the Word template corporate.docx has no "
        f"style '{name}', which the memo uses: briefgen adds it in its own look"
        for name in ("List Number 2", "Memo Table", "Hyperlink")]
    assert "Word styles from corporate.docx" in said.out
    document = docx.Document()
    for name in ("Memo Table", "Hyperlink"):
        document.styles.add_style(name, 3 if name == "Memo Table" else 2)
    document.save(theme_copy / "corporate.docx")
    assert main(["check-theme", str(theme_copy)]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("name, key, said", [
    ("corporate.docx", "memo:\n  reference_docx", "the Word template corporate.docx is an old "
                                                  "Word 97-2003 .doc file: open it and save it "
                                                  "as .docx"),
    ("corporate.pptx", "deck:\n  template", "the deck template corporate.pptx is an old "
                                            "PowerPoint 97-2003 .ppt file: open it and save it "
                                            "as .pptx"),
])
def it_says_how_to_use_an_office_97_file_named_as_a_template(theme_copy, capsys, name, key, said):
    (theme_copy / name).write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    edit(theme_copy, "deck:\n", f"{key}: {name}\n" + ("deck:\n" if key.startswith("memo") else ""))
    assert main(["check-theme", str(theme_copy)]) == 2
    assert capsys.readouterr().err.splitlines()[0].endswith(said)


@pytest.mark.parametrize("written", ["./mytheme", "mytheme/"])
def it_finds_a_theme_folder_the_brief_names_from_the_briefs_own_folder(
        theme_copy, tmp_path, monkeypatch, written):
    from .conftest import MINIMAL

    edit(theme_copy, 'primary: "#1F3A5F"', 'primary: "#2B4A12"')  # this copy, not the default
    (tmp_path / "brief.yaml").write_text(f"theme: {written}\n" + MINIMAL, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["build", "brief.yaml", "-o", "out"]) == 0
    deck = Presentation(str(tmp_path / "out" / "brief" / "deck.pptx"))
    colours = {str(run.font.color.rgb) for slide in deck.slides for shape in slide.shapes
               if shape.has_text_frame for p in shape.text_frame.paragraphs for run in p.runs
               if run.font.color and run.font.color.type is not None}
    assert "2B4A12" in colours and "1F3A5F" not in colours


def it_points_a_bare_name_to_the_theme_folder_of_that_name(theme_copy, tmp_path, monkeypatch,
                                                          capsys):
    # A bare name means a bundled theme; a folder of that name nearby is named, with the fix.
    from .conftest import MINIMAL

    monkeypatch.chdir(tmp_path)
    (tmp_path / "brief.yaml").write_text(MINIMAL, encoding="utf-8")
    assert main(["build", "brief.yaml", "-o", "out", "--theme", "mytheme"]) == 2
    assert capsys.readouterr().err.endswith(
        "; to use the theme in the folder mytheme, write ./mytheme\n")
    assert main(["check-theme", "mytheme"]) == 2
    assert "write ./mytheme" in capsys.readouterr().err
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")  # the brief's own folder counts for its theme: line
    (tmp_path / "brief.yaml").write_text("theme: mytheme\n" + MINIMAL, encoding="utf-8")
    assert main(["build", "../brief.yaml", "-o", "out"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("../brief.yaml:1:8: no theme here: ")
    assert err.endswith("; to use the theme in the folder ../mytheme, write ./mytheme\n")
    assert main(["build", "../brief.yaml", "-o", "out", "--theme", "nope"]) == 2
    assert "write ./" not in capsys.readouterr().err  # no such folder: no hint


def it_refuses_a_font_file_cut_short(theme_copy, tmp_path, capsys):
    # Its tables run past its end: the theme's check says so, before any output is made.
    italic = next(theme_copy.glob("fonts/*-Italic.ttf"))
    whole = italic.read_bytes()
    italic.write_bytes(whole[:len(whole) // 2])
    assert main(["check", str(EXAMPLE), "--theme", str(theme_copy)]) == 2
    err = capsys.readouterr().err
    assert f"font {italic.name} cannot be read: " in err
    assert main(["build", str(EXAMPLE), "--theme", str(theme_copy), "--to", "memo,html",
                 "-o", str(tmp_path / "out")]) == 2
    assert f"font {italic.name} cannot be read: " in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def it_refuses_a_font_face_that_cannot_draw_latin_text(theme_copy, tmp_path, capsys):
    # Italic body text in a face without letters would print in one of the machine's fonts.
    from fontTools import subset

    italic = next(theme_copy.glob("fonts/*-Italic.ttf"))
    options = subset.Options()
    font = subset.load_font(str(italic), options)
    sub = subset.Subsetter(options)
    sub.populate(text="0123456789")
    sub.subset(font)
    font.save(str(italic))
    assert main(["check", str(EXAMPLE), "--theme", str(theme_copy)]) == 2
    err = capsys.readouterr().err
    assert f"font {italic.name} has no glyph for: ABCDEFGHIJ" in err
    assert main(["build", str(EXAMPLE), "--theme", str(theme_copy), "-o",
                 str(tmp_path / "out")]) == 2
    assert err.splitlines()[0] in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def it_separates_superscript_citations_with_pages_by_semicolons(tmp_path):
    # '1 p. 12,2' read as pages 12.2; with a locator in the group, semicolons part them.
    from .conftest import MINIMAL

    brief = tmp_path / "brief.yaml"
    brief.write_text(MINIMAL.replace("Bottom line [@a].", "Bottom line [@a, p. 12; @b] and "
                                     "more [@a; @b]."), encoding="utf-8")
    result = build(brief, tmp_path / "out", theme="modern", parallel=False)
    text = pdf_pages(output(result, "memo"))[0]
    assert "line1, p. 12; 2 and more1,2." in text.replace("\n", " ")
    prs = Presentation(str(output(result, "deck")))
    runs = {r.text for s in prs.slides for sh in s.shapes if sh.has_text_frame
            for p in sh.text_frame.paragraphs for r in p.runs}
    assert {"1,\xa0p.\xa012; 2", "1,2"} <= runs  # a line may break only between citations


# -- bounds on a theme's templates (briefgen.html) ---------------------------------------------

def overridden(theme_copy, name, text):
    """The example brief's Doc and the theme copy with one template overridden."""
    from briefgen.build import prepare

    (theme_copy / "templates").mkdir(exist_ok=True)
    (theme_copy / "templates" / name).write_text(text, encoding="utf-8")
    _, doc, theme, _, _ = prepare(EXAMPLE, str(theme_copy))
    return doc, theme, f"{theme_copy}/templates/{name}"


def render_error(doc, theme, kind="memo") -> str:
    from briefgen.handout import handout_context
    from briefgen.html import render_html

    extra = dict(handout_context(doc, theme), short_sources=False) if kind == "handout" else {}
    with pytest.raises(BriefError) as e:
        render_html(doc, theme, kind, **extra)
    [problem] = e.value.problems
    return str(problem)


NESTED_LOOPS = ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
                "{% endfor %}")


def it_stops_a_template_whose_loops_write_nothing(theme_copy, monkeypatch):
    monkeypatch.setattr("briefgen.bounds.TEMPLATE_SECONDS", 0.2)
    doc, theme, memo = overridden(theme_copy, "memo.html", "<p>\n" + NESTED_LOOPS)
    assert render_error(doc, theme) == (
        f"{memo}:2:1: the theme's template ran for more than 0.2 seconds: a loop that does not "
        "end, or one far too long?")


def it_counts_the_template_time_of_one_brief_over_all_its_renders(theme_copy, monkeypatch):
    # The handout is rendered again and again while it is fitted: a template that uses the
    # time once has none left for the next render of that brief; a brief read again has it all.
    from briefgen.build import prepare
    from briefgen.html import render_html

    monkeypatch.setattr("briefgen.bounds.TEMPLATE_SECONDS", 0.5)
    doc, theme, handout = overridden(theme_copy, "handout.html", NESTED_LOOPS)
    (theme_copy / "templates" / "memo.html").write_text(
        "{% extends 'base.html' %}{% block content %}{% for i in range(100000) %}{% endfor %}"
        "Still here{% endblock %}", encoding="utf-8")
    assert render_error(doc, theme, "handout").startswith(f"{handout}:1:1: the theme's template "
                                                          "ran for more than 0.5 seconds")
    assert "ran for more than 0.5 seconds" in render_error(doc, theme, "memo")
    _, doc_again, theme, _, _ = prepare(EXAMPLE, str(theme_copy))
    assert "Still here" in render_html(doc_again, theme, "memo")


def it_renders_the_style_sheet_ahead_on_a_budget_that_leaves_the_briefs_whole(theme_copy,
                                                                               monkeypatch):
    # A cold build renders the memo's style sheet ahead, for the parent to load the fonts
    # with. A slow one must not use up the time the brief's own renders have: it failed the
    # build where a sequential one passed.
    import time

    from briefgen.html import render_html

    monkeypatch.setattr("briefgen.bounds.TEMPLATE_SECONDS", 0.6)
    css = (ROOT / "src" / "briefgen" / "templates" / "style.css").read_text(encoding="utf-8")
    doc, theme, _ = overridden(theme_copy, "style.css", "{{ spin() }}" + css)

    def spin():  # 0.35 processor seconds: more than the render ahead may take, half the brief's
        end = time.process_time() + 0.35
        while time.process_time() < end:  # user time, which the bound counts
            sum(range(10_000))
        return ""
    theme.env.globals["spin"] = spin
    for _ in range(2):
        with pytest.raises(BriefError):  # ahead: given up at 0.25 s
            render_html(doc, theme, "memo", css_only=True)
    assert "Sources" in render_html(doc, theme, "memo")  # 0.35 s of the brief's 0.6 s


def it_stops_a_template_that_writes_too_much(theme_copy, monkeypatch):
    monkeypatch.setattr("briefgen.bounds.TEMPLATE_OUTPUT", 100_000)
    doc, theme, memo = overridden(theme_copy, "memo.html",
                                  "{% for i in range(1000) %}\n{{ 'y' * 1000 }}\n{% endfor %}")
    assert render_error(doc, theme) == (
        f"{memo}:2:1: the theme's template wrote more than 100,000 characters: a loop that "
        "writes without end?")


@pytest.mark.parametrize("expression, message", [
    ("'x' * 10**8", "makes a text of 100,000,000 characters with *; at most 10,000,000"),
    ("'x' * 10000 * 10000", "makes a text of 100,000,000 characters with *; at most 10,000,000"),
    ("10**8 * [1]", "makes a list of 100,000,000 items with *; at most 10,000,000"),
    ("'x' * 6000000 + 'y' * 6000000",
     "makes a text of 12,000,000 characters with +; at most 10,000,000"),
    ("'%100000000s' % 'x'", "makes a text of 100,000,000 characters with %; at most 10,000,000"),
    ("2 ** 100000000", "computes a number of more than 30,000 digits with **"),
    ("(10 ** 20000) * (10 ** 20000)", "computes a number of more than 30,000 digits with *"),
])
def it_refuses_arithmetic_that_makes_a_huge_value(theme_copy, expression, message):
    doc, theme, memo = overridden(theme_copy, "memo.html", "<p>\n{{ " + expression + " }}")
    assert render_error(doc, theme) == f"{memo}:2:1: the theme's template {message}"


@pytest.mark.parametrize("expression", [
    "'x' | center(10**9)",
    "'{:>300000000}'.format(1)",
    "range(100000) | join('x' * 5000)",
])
def it_stops_a_template_that_needs_too_much_memory(theme_copy, expression):
    doc, theme, memo = overridden(theme_copy, "memo.html", "<p>\n{{ " + expression + " }}")
    assert render_error(doc, theme) == (
        f"{memo}:2:1: the theme's template needed more than 200 MB of memory: a text or list "
        "that grows without end?")


def it_stops_a_text_doubled_in_a_loop(theme_copy):
    # '~' is not an operator the sandbox can intercept: the memory bound stops it.
    doc, theme, memo = overridden(theme_copy, "memo.html", (
        "{% set ns = namespace(s='x') %}\n"
        "{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}"))
    assert render_error(doc, theme) == (
        f"{memo}:2:1: the theme's template needed more than 200 MB of memory: a text or list "
        "that grows without end?")


def it_bounds_a_render_outside_the_main_thread_by_output_and_memory(theme_copy, monkeypatch):
    # No timer there (signals are the main thread's), but the other bounds hold.
    import threading

    monkeypatch.setattr("briefgen.bounds.TEMPLATE_OUTPUT", 100_000)
    doc, theme, memo = overridden(theme_copy, "memo.html",
                                  "{% for i in range(1000) %}{{ 'y' * 1000 }}{% endfor %}")
    said = []
    worker = threading.Thread(target=lambda: said.append(render_error(doc, theme)))
    worker.start()
    worker.join()
    assert said == [f"{memo}:1:1: the theme's template wrote more than 100,000 characters: a "
                    "loop that writes without end?"]


def it_builds_with_a_theme_template_override_within_the_bounds(theme_copy, tmp_path):
    (theme_copy / "templates").mkdir()
    memo = (ROOT / "src" / "briefgen" / "templates" / "memo.html").read_text(encoding="utf-8")
    (theme_copy / "templates" / "memo.html").write_text(memo.replace(
        "{% block content %}", "{% block content %}<p>Prepared for {{ 'the ' ~ 'committee' }}, "
        "{{ 2 ** 10 }} copies{{ '!' * 3 }}</p>", 1), encoding="utf-8")
    result = build(EXAMPLE, tmp_path / "out", theme=str(theme_copy), parallel=False)
    text = " ".join(pdf_pages(output(result, "memo"))[0].split())
    assert "Prepared for the committee, 1024 copies!!!" in text
