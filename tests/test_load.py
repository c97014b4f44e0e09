
import os

import pytest

from briefgen.cli import main
from briefgen.errors import BriefError
from briefgen.load import load_brief

from .conftest import EXAMPLE, MINIMAL, ROOT, write

BAD = sorted((ROOT / "tests" / "bad").glob("*.yaml"))


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def it_reports_every_problem_of_a_bad_brief_exactly(path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    relative = path.relative_to(ROOT)
    code = main(["check", str(relative)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == path.with_suffix(".err").read_text(encoding="utf-8")
    assert "Traceback" not in err


def it_has_a_message_file_for_every_bad_brief():
    assert len(BAD) >= 15
    assert all(p.with_suffix(".err").is_file() for p in BAD)


def it_keeps_yaml_1_1_booleans_and_numbers_as_the_author_typed_them(tmp_path):
    text = MINIMAL.replace("title: A brief", "title: NO\nsubtitle: on\nauthors: [1.10, yes]")
    brief = load_brief(write(tmp_path, text))
    assert (brief.title, brief.subtitle, brief.authors) == ("NO", "on", ("1.10", "yes"))


def it_reads_the_example_brief_into_seven_sections_and_thirteen_sources():
    brief = load_brief(EXAMPLE)
    assert len(brief.sections) == 7
    assert len(brief.sources) == 13
    assert brief.memo.to == "Members, Public Safety Committee"
    assert brief.date.isoformat() == "2026-11-24"


def it_points_at_the_citation_inside_a_block_scalar(tmp_path):
    text = MINIMAL.replace("    body: Text [@b].",
                           "    body: |\n      First line.\n      Then [@b; @zz] here.")
    with pytest.raises(BriefError) as e:
        load_brief(write(tmp_path, text))
    [problem] = e.value.problems
    assert (problem.loc.line, problem.loc.col) == (8, 17)
    assert problem.message == "unknown source id 'zz' (add it under sources:)"


def it_points_at_each_citation_with_a_prefix(tmp_path):
    text = MINIMAL.replace("summary: Bottom line [@a].",
                           'summary: "See [see below] and [see @a] and [cf. @b, p. 2]."').replace(
        "    body: Text [@b].", "    body: |\n      Text [@a] and more\n      [see @b] here.")
    with pytest.raises(BriefError) as e:
        load_brief(write(tmp_path, text))
    assert [(p.loc.line, p.loc.col, p.message.split("'")[1]) for p in e.value.problems] == [
        (3, 31, "[see @a]"), (3, 44, "[cf. @b, p. 2]"), (8, 7, "[see @b]")]


def it_accepts_a_figure_inside_the_brief_folder(tmp_path):
    png = ROOT / "tests" / "data" / "chart.png"
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "chart.png").write_bytes(png.read_bytes())
    text = MINIMAL.replace("    body: Text [@b].", "    body: Text [@b].\n"
                           "    figure: {path: figures/chart.png, alt: A bar chart}")
    brief = load_brief(write(tmp_path, text))
    assert brief.sections[0].figure.path == (tmp_path / "figures" / "chart.png").resolve()


def it_refuses_a_figure_that_links_out_of_the_brief_folder(tmp_path):
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "x.png").symlink_to("/etc/passwd")
    text = MINIMAL.replace("    body: Text [@b].", "    body: Text [@b].\n"
                           "    figure: {path: figures/x.png, alt: Escape}")
    with pytest.raises(BriefError) as e:
        load_brief(write(tmp_path, text))
    assert [p.message for p in e.value.problems] == [
        "figure 'figures/x.png' is outside the brief's folder"]


def it_says_when_the_file_is_missing(tmp_path):
    with pytest.raises(BriefError) as e:
        load_brief(tmp_path / "nope.yaml")
    assert str(e.value) == f"{tmp_path / 'nope.yaml'}:1:1: file not found"


def it_publishes_the_schema_it_enforces(capsys):
    import json
    main(["schema"])
    generated = json.loads(capsys.readouterr().out)
    published = json.loads((ROOT / "schema" / "brief.schema.json").read_text(encoding="utf-8"))
    assert generated == published, "run `make schema` and commit schema/brief.schema.json"
    assert set(published["properties"]) == {
        "title", "subtitle", "date", "authors", "lang", "status", "theme", "memo", "summary",
        "sections", "sources", "bibliography", "citation_style", "handout", "outputs",
        "organisation", "logo", "recommendations"}


def it_refuses_images_it_cannot_print(tmp_path):
    from PIL import Image

    (tmp_path / "fake.png").write_text("not a picture")
    Image.new("1", (9000, 9000)).save(tmp_path / "huge.png")
    (tmp_path / "broken.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><text>')
    text = MINIMAL.replace("    body: Text [@b].", "    body: Text [@b].\n"
                           "    figure: {path: fake.png, alt: A}\n"
                           "  - heading: Two\n    body: Two.\n"
                           "    figure: {path: huge.png, alt: B}\n"
                           "  - heading: Three\n    body: Three.\n"
                           "    figure: {path: broken.svg, alt: C}")
    with pytest.raises(BriefError) as e:
        load_brief(write(tmp_path, text))
    assert [(p.loc.line, p.message) for p in e.value.problems] == [
        (7, "figure fake.png is not a readable image: it is damaged, empty, or not a PNG, "
            "JPEG or GIF"),
        (10, "figure huge.png is 9000x9000 pixels; at most 40 megapixels can be printed"),
        (13, "figure broken.svg is not a readable SVG image (no element found: line 1, "
             "column 46)"),
    ]


def it_refuses_what_would_crash_later(tmp_path):
    (tmp_path / "loop.png").symlink_to(tmp_path / "loop.png")
    text = MINIMAL.replace("title: A brief", 'title: "A \\uFFFE brief"').replace(
        "    body: Text [@b].", "    body: Text [@b].\n    figure: {path: loop.png, alt: A}")
    text += "handout:\n  link: https://example.org/" + "x" * 2100 + "\n"
    with pytest.raises(BriefError) as e:
        load_brief(write(tmp_path, text))
    assert [(p.loc.line, p.message) for p in e.value.problems] == [
        (1, "'title' contains the unprintable character U+FFFE"),
        (7, "figure 'loop.png' cannot be used: a loop of links"),
        (14, "'link' is 2,120 characters long; an address may have at most 2,000"),
    ]


def it_checks_the_range_of_theme_numbers(tmp_path):
    import shutil

    from briefgen.theme import load_theme

    shutil.copytree(ROOT / "themes" / "default", tmp_path / "t")
    path = tmp_path / "t" / "theme.yaml"
    path.write_text(path.read_text().replace("min_size: 14", "min_size: nan"))
    with pytest.raises(BriefError) as e:
        load_theme(tmp_path / "t")
    assert e.value.problems[0].message == "'min_size' must be a number from 8 to 32, not 'nan'"


def it_takes_an_angle_bracketed_link_and_escaped_brackets_as_they_are(tmp_path):
    text = MINIMAL.replace("Text [@b].", "'See [the page](<https://x.org>), x\\[i\\](j) and "
                           "[wiki](https://en.wikipedia.org/wiki/Rent_(economics)) [@b].'")
    load_brief(write(tmp_path, text))  # no error


def it_warns_of_a_value_cut_by_a_comment_and_a_field_indented_into_a_text(tmp_path, capsys):
    text = MINIMAL.replace("title: A brief", "title: A brief  # a working title").replace(
        "body: Text [@b].", "body: |\n      Text [@b].\n        takeaway: \"Too far in.\"")
    text += "handout:\n  contact: Room #4 Maria Delgado\n"
    brief = write(tmp_path, text)
    assert main(["check", str(brief)]) == 0
    err = capsys.readouterr().err.splitlines()
    # '# a note' is a comment, as the starter brief writes them; '#4' was meant as text.
    assert err == [
        f"{brief}:8:9: warning: this line of 'body' reads as a field ('takeaway: \"Too far "
        "in.\"'), but it is indented too far, so it prints as part of the body: indent it as "
        "the field above it",
        f"{brief}:15:17: warning: 'contact' ends before ' #', which starts a YAML comment, so "
        "'#4 Maria Delgado' is not part of it: put the whole value in quotes to keep it"]
    # Prose is left alone: a line that starts with a field's name but not with a value's mark.
    prose = MINIMAL.replace("body: Text [@b].", "body: |\n      We drew on three\n      "
                            "sources: the census and two surveys [@b].\n      notes : fine")
    assert main(["check", "--strict", str(write(tmp_path, prose, "prose.yaml"))]) == 0


def it_tells_a_link_without_its_bracket_from_brackets_that_close_later(tmp_path):
    fine = MINIMAL.replace("Text [@b].", "'See [Report (https://x.org/r)](https://x.org/r) and "
                           "the fund [est. 2019 (https://x.org)] [@b].'")
    load_brief(write(tmp_path, fine))  # no error
    bad = MINIMAL.replace("Text [@b].", "'Text [@b (https://x.org) and more'")
    with pytest.raises(BriefError) as e:
        load_brief(write(tmp_path, bad, "bad.yaml"))
    # One mistake, one message: the citation's.
    assert [p.message for p in e.value.problems] == [
        "citation '[@b (https://x.org) and more' has no closing ]"]


def it_suggests_a_source_whose_id_begins_with_the_one_cited(tmp_path):
    with pytest.raises(BriefError) as e:
        load_brief(write(tmp_path, MINIMAL.replace("[@b]", "[@pew]").replace(
            "id: b", "id: pew-2020")))
    assert [p.message for p in e.value.problems] == [
        "unknown source id 'pew' (did you mean 'pew-2020'?)"]


def it_reads_cr_only_line_ends_and_points_at_the_lines_they_make(tmp_path):
    # Old Mac line ends: YAML breaks lines at a lone CR, and so must every position.
    text = MINIMAL.replace("Text [@b].", "Text [@b; @zz].")
    for name, end in (("cr.yaml", b"\r"), ("crlf.yaml", b"\r\n")):
        path = tmp_path / name
        path.write_bytes(text.encode().replace(b"\n", end))
        with pytest.raises(BriefError) as e:
            load_brief(path)
        [problem] = e.value.problems
        assert (problem.loc.line, problem.loc.col, problem.message) == (
            6, 21, "unknown source id 'zz' (add it under sources:)")
    path.write_bytes(MINIMAL.encode().replace(b"\n", b"\r"))
    assert load_brief(path).sections[0].body.value == "Text [@b]."


def it_reads_line_separators_as_spaces_where_an_editor_shows_them(tmp_path):
    # PyYAML (YAML 1.1) breaks lines at U+0085, U+2028 and U+2029; editors and YAML 1.2 show
    # them inside the line. A U+2028 in a block text ended the text and broke the file.
    text = MINIMAL.replace("title: A brief", 'title: "A\u2028brief\u0085here"').replace(
        "    body: Text [@b].", "    body: |\n      First\u2028line [@b]\u2029and [@zz].")
    with pytest.raises(BriefError) as e:
        load_brief(write(tmp_path, text))
    [problem] = e.value.problems
    assert (problem.loc.line, problem.loc.col) == (7, 28)
    brief = load_brief(write(tmp_path, text.replace("; @zz", "").replace(" [@zz]", "")))
    assert brief.title == "A brief here"
    assert brief.sections[0].body.value == "First line [@b] and."


def it_refuses_what_is_not_a_regular_file_before_reading_it(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # opening it to read would wait for a writer forever
    zero = tmp_path / "zero.yaml"
    zero.symlink_to("/dev/zero")  # endless
    sparse = tmp_path / "sparse.yaml"
    with open(sparse, "wb") as f:
        f.truncate(5 * 1024 ** 3)  # 5 GB that take no room on disk, but would in memory
    said = {}
    for path in (fifo, zero, sparse, tmp_path):
        with pytest.raises(BriefError) as e:
            load_brief(path)
        said[path.name] = str(e.value.problems[0])
    assert said == {
        "pipe.yaml": f"{fifo}:1:1: is a named pipe, not a brief file: give the path of a "
                     "saved file",
        "zero.yaml": f"{zero}:1:1: is a device, not a brief file: give the path of a saved file",
        "sparse.yaml": f"{sparse}:1:1: file is 5,368,709,120 bytes; a brief may be at most "
                       "1,000,000",
        tmp_path.name: f"{tmp_path}:1:1: is a folder, not a brief file"}


def it_refuses_a_title_longer_than_a_title_may_be(tmp_path):
    # WeasyPrint lays a running head out in time by its length squared: minutes for 49,000.
    text = MINIMAL.replace("title: A brief", "title: " + "Word " * 300).replace(
        "heading: One", "heading: " + "W" * 1001)
    with pytest.raises(BriefError) as e:
        load_brief(write(tmp_path, text))
    assert [str(p).split(":", 1)[1] for p in e.value.problems] == [
        "1:8: 'title' is 1,499 characters long; a title or heading may have at most 1,000",
        "5:14: 'heading' is 1,001 characters long; a title or heading may have at most 1,000"]


def it_warns_of_a_source_id_cited_without_brackets(tmp_path, capsys):
    text = MINIMAL.replace("summary: Bottom line [@a].",
                           "summary: Bottom line [@a], as @b says; mail x@b.org, see "
                           "https://m.social/@b or \\[@b].").replace(
        "    body: Text [@b].", "    body: |\n      Text [@b] and\n      more by @b.")
    brief = load_brief(write(tmp_path, text))
    assert [(w.loc.line, w.loc.col, w.message) for w in brief.warnings] == [
        (3, 31, "'@b' looks like a citation without brackets, and prints as typed: write [@b]"),
        (8, 15, "'@b' looks like a citation without brackets, and prints as typed: write [@b]")]


def it_refuses_a_citation_as_the_text_of_a_link(tmp_path):
    text = MINIMAL.replace("Text [@b].", "Text [@b](https://x.org/r) and [@b] (see below).")
    with pytest.raises(BriefError) as e:
        load_brief(write(tmp_path, text))
    assert [(p.loc.line, p.loc.col, p.message) for p in e.value.problems] == [
        (6, 16, "citation '[@b](https://x.org/r)' cannot be a link's text: put the link on "
                "words and the citation after them: [the report](https://x.org/r) [@b]")]


def it_reads_a_null_as_absent_with_libyaml_too(tmp_path):
    # LibYAML marks a plain scalar with style "", PyYAML with None: 'subtitle: ~' printed '~'.
    text = MINIMAL.replace("title: A brief", "title: A brief\nsubtitle: ~\nauthors: null")
    brief = load_brief(write(tmp_path, text))
    assert (brief.subtitle, brief.authors) == (None, ())


def it_says_which_byte_is_not_utf8_after_a_byte_order_mark(tmp_path):
    path = tmp_path / "brief.yaml"
    path.write_bytes(b"\xef\xbb\xbftitle: caf\xe9\n")
    with pytest.raises(BriefError) as e:
        load_brief(path)
    assert str(e.value) == f"{path}:1:11: not UTF-8 text (byte 0xE9): save the file as UTF-8"


RECOMMENDING = MINIMAL.replace("sources:", "recommendations:\n{items}\nsources:")


def recommend(tmp_path, items: str):
    return load_brief(write(tmp_path, RECOMMENDING.format(items=items)))


def it_reads_recommendations_as_texts_with_their_places(tmp_path):
    brief = recommend(tmp_path, "  - Fund the pilot [@b].\n"
                                "  - \"Adopt option B: a bus every ten minutes [@a, p. 2].\"\n"
                                "  - |\n    Report *every* quarter,\n    in writing.")
    assert [(t.value, t.loc.line, t.loc.col) for t in brief.recommendations] == [
        ("Fund the pilot [@b].", 8, 5),
        ("Adopt option B: a bus every ten minutes [@a, p. 2].", 9, 5),
        ("Report *every* quarter,\nin writing.", 10, 5)]
    assert [(loc.line, loc.col) for loc in brief.recommendations[1].cite_locs] == [(9, 46)]
    assert load_brief(write(tmp_path, MINIMAL)).recommendations == ()


def recommendation_errors(tmp_path, items: str) -> list[str]:
    with pytest.raises(BriefError) as e:
        recommend(tmp_path, items)
    return [str(p).split(":", 1)[1] for p in e.value.problems]


def it_refuses_recommendations_that_are_not_a_list(tmp_path):
    for written, shown in (("Fund the pilot.", "'Fund the pilot.'"), ("{a: b}", "a mapping")):
        text = MINIMAL.replace("sources:", f"recommendations: {written}\nsources:")
        with pytest.raises(BriefError) as e:
            load_brief(write(tmp_path, text))
        assert [str(p).split(":", 1)[1] for p in e.value.problems] == [
            f"7:18: 'recommendations' must be a list, one '- ' line per recommendation, not "
            f"{shown}"]
    text = MINIMAL.replace("sources:", "recommendations: []\nsources:")
    with pytest.raises(BriefError) as e:
        load_brief(write(tmp_path, text))
    assert [str(p).split(":", 1)[1] for p in e.value.problems] == [
        "7:18: 'recommendations' is an empty list: give it an item, or leave it out"]


def it_says_what_is_wrong_with_each_recommendation_at_its_place(tmp_path):
    items = ("  - Fund it.\n"
             "  - [a, b]\n"
             "  -\n"
             "  - \"\"\n"
             "  - Fund the pilot: two years.\n"
             "  - \"1. Numbered by hand.\"\n"
             "  - |\n    First paragraph.\n\n    Second paragraph.\n"
             "  - |\n    Three things:\n\n    - one\n    - two\n"
             "  - Unknown [@zz] and [@A, p. 4].")
    assert recommendation_errors(tmp_path, items) == [
        "9:5: 'recommendation 2' must be text, not a list: a recommendation is one paragraph; "
        "make each point an item of recommendations of its own",
        "10:4: 'recommendation 3' must not be empty",
        "11:5: 'recommendation 4' must not be empty",
        "12:5: 'recommendation 5' must be text, not a mapping (a ': ' in it? then put it in "
        "quotes)",
        "13:6: 'recommendation 6' holds a list ('1. Numbered by hand.'): recommendations are "
        "numbered for you, one paragraph each; write it without '1. ' or '- ', or make each "
        "point an item of recommendations of its own",
        "14:5: 'recommendation 7' has 2 paragraphs; a recommendation is one paragraph: join "
        "them, or make each an item of recommendations of its own",
        "21:5: 'recommendation 8' holds a list ('- one'): recommendations are numbered for you, "
        "one paragraph each; write it without '1. ' or '- ', or make each point an item of "
        "recommendations of its own",
        "23:14: unknown source id 'zz' (add it under sources:)",
        "23:24: unknown source id 'A' (did you mean 'a'?)"]


def it_refuses_more_than_twenty_recommendations(tmp_path):
    items = "\n".join(f"  - Recommendation {i} [@a]." for i in range(21))
    assert recommendation_errors(tmp_path, items) == [
        "8:3: 21 recommendations; a brief may have at most 20"]
    assert len(recommend(tmp_path, "\n".join(items.split("\n")[:20])).recommendations) == 20


def it_checks_a_recommendations_citations_and_links_like_any_text(tmp_path):
    assert recommendation_errors(tmp_path, "  - See [the plan](www.x.org) [@a, p.].") == [
        "8:9: link '[the plan](www.x.org)' would print as written: a link needs a full "
        "address (https://..., or mailto:...)",
        "8:32: the locator 'p.' has no number: write [@a, p. 4]"]
    brief = recommend(tmp_path, "  - Fund what @b proposes [@a].")
    assert [(w.loc.line, w.loc.col, w.message) for w in brief.warnings] == [
        (8, 15, "'@b' looks like a citation without brackets, and prints as typed: write [@b]")]
