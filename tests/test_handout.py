import hashlib
import os
import re

import pytest
from pptx import Presentation

from briefgen.build import build, prepare
from briefgen.cli import main
from briefgen.errors import BriefError, Loc
from briefgen.handout import Fit, fit_handout, handout_context, remember_fit, remembered_fit
from briefgen.html import render_html
from briefgen.pdf import render_pdf

from .conftest import EXAMPLE, MINIMAL, ROOT, cite_numbers, forget_fits, pdf_pages, write
from .test_deck import deck_sources, memo_sources, output, sources_map
from .test_memo import recommended  # noqa: F401 (a fixture)


def handout_sources(path):
    [page] = pdf_pages(path)
    text = page.split("\nSOURCES\n", 1)[1]
    entries = []
    for line in text.splitlines():
        if re.match(r"\[\d+\] ", line):
            entries.append(line)
        elif entries and not line.startswith(("Policy Analysis Unit", "https://example.gov")):
            entries[-1] += " " + line
    return sources_map(entries)


def title_of(entry):
    return re.search(r"“(.+?)[,.]?”", entry).group(1)


def it_is_exactly_one_page(example_build):
    out = output(example_build, "handout")
    assert len(pdf_pages(out)) == 1


def it_lists_only_the_sources_it_cites_with_the_memo_numbers(example_build):
    [page] = pdf_pages(output(example_build, "handout"))
    body = page.split("\nSOURCES\n", 1)[0]
    listed = handout_sources(output(example_build, "handout"))
    assert sorted(listed) == sorted(set(cite_numbers(body))) == [1, 2, 3, 4, 5, 6, 8, 10, 12]


def it_maps_each_number_to_the_same_source_in_all_three_outputs(example_build):
    handout = handout_sources(output(example_build, "handout"))
    memo = memo_sources(output(example_build, "memo"))
    deck = deck_sources(Presentation(str(output(example_build, "deck"))))
    for n, entry in handout.items():
        assert title_of(entry) in memo[n] and title_of(entry) in deck[n], n


def it_shows_one_key_point_per_section_with_contact_and_link(example_build):
    [page] = pdf_pages(output(example_build, "handout"))
    points = re.findall(r"^(\d) (.+?)\. ", page, re.M)
    assert [int(n) for n, _ in points] == list(range(1, 8))
    assert points[0][1] == "Legal and constitutional boundaries"
    assert "Policy Analysis Unit · policy@example.gov\nhttps://example.gov/briefs/sanctuary" in page


def long_brief(sections: int, words: int) -> str:
    lines = ["title: A brief with a great deal to say", "date: 2026-11-24",
             "summary: " + " ".join(["The bottom line keeps going."] * 12) + " [@a]",
             "sections:"]
    for i in range(sections):
        takeaway = " ".join(f"word{j}" for j in range(words))
        lines += [f"  - heading: \"Section {i}: a heading of some length to make a point\"",
                  "    body: Body text that the handout does not show.",
                  f"    takeaway: \"{takeaway} [@s{i}]\""]
    lines.append("sources:\n  - {id: a, title: The summary source, url: https://example.org/a}")
    for i in range(sections):
        lines.append(f"  - {{id: s{i}, title: \"A source with a long title number {i}\", "
                     f"publisher: Institute, url: \"https://example.org/{'p' * 60}/{i}\"}}")
    return "\n".join(lines) + "\n"


def it_shrinks_twelve_long_sections_onto_one_page(tmp_path):
    result = build(write(tmp_path, long_brief(12, 38)), tmp_path / "out")
    out = next(o for o in result.outputs if o.kind == "handout")
    assert len(pdf_pages(out.path)) == 1
    assert "type" in out.note and out.note != "type 100%, spacing 100%"
    [page] = pdf_pages(out.path)
    assert "word37 [13]" in " ".join(page.split())  # the last key point is all there


def overlong_brief(lengths: dict[int, int]) -> str:
    """long_brief(12, 30), the takeaways of the sections numbered in lengths (from 0) made of
    that many words instead: 12 sections, so the key points stand in two columns."""
    text = long_brief(12, 30)
    normal = " ".join(f"word{j}" for j in range(30))
    for i, n in lengths.items():
        text = text.replace(f'    takeaway: "{normal} [@s{i}]"',
                            '    takeaway: "' + " ".join(["overlong"] * n) + f' [@s{i}]"')
    return text


NOT_FIT = ("the handout does not fit on one page, even with tight spacing, type at 80% and short "
           "source entries")


def advice(tmp_path, lengths: dict[int, int], capsys) -> tuple[str, str]:
    """The error line a build of overlong_brief(lengths) ends with, and where it points."""
    text = overlong_brief(lengths)
    brief = write(tmp_path, text)
    assert main(["build", str(brief), "-o", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()
    longest = max(lengths, key=lambda i: (lengths[i], -i))
    line = next(n for n, t in enumerate(text.splitlines(), 1) if f" [@s{longest}]" in t and
                "overlong" in t)
    return capsys.readouterr().err.strip(), f"{brief}:{line}:15: "


def fits(tmp_path, lengths: dict[int, int]) -> bool:
    """Whether the handout of overlong_brief(lengths) is built, on one page."""
    brief = write(tmp_path, overlong_brief(lengths))
    try:
        result = build(brief, tmp_path / "out", parallel=False)
    except BriefError as e:
        assert str(e).split(": ", 1)[1].startswith(NOT_FIT)
        return False
    return len(pdf_pages(output(result, "handout"))) == 1


def it_advises_a_cut_that_makes_the_handout_fit_and_not_much_more(tmp_path, capsys):
    # Issue 23: the advice scaled every word shown by the overflow, counting headings and the
    # sources list as if they shrank too. Followed once, it must fit; two lines fewer (8 words
    # a line in this column, at 80% type) must not.
    err, where = advice(tmp_path, {4: 701}, capsys)
    match = re.fullmatch(re.escape(f"{where}{NOT_FIT}: shorten the longest key point, section 5 "
                                   "('Section 4'), by about ") + r"(\d+)" +
                         re.escape(" words; its takeaway has 701 words"), err)
    assert match, err
    cut = int(match.group(1))
    assert fits(tmp_path, {4: 701 - cut})
    assert not fits(tmp_path, {4: 701 - cut + 16})


def it_names_more_key_points_when_the_longest_alone_is_not_enough(tmp_path, capsys):
    # Sections 5 and 8 stand in different columns: cutting one leaves the other as tall.
    err, where = advice(tmp_path, {4: 300, 7: 300}, capsys)
    match = re.fullmatch(re.escape(f"{where}{NOT_FIT}: shorten the key points of sections 5 and 8 "
                                   "to about ") + r"(\d+) words each \((\d+)" +
                         re.escape(" words in all); the longest alone, section 5 ('Section 4'), "
                                   "whose takeaway has 300 words, is not enough"), err)
    assert match, err
    length, total = map(int, match.groups())
    assert total == 2 * (300 - length)
    assert fits(tmp_path, {4: length, 7: length})
    assert not fits(tmp_path, {4: 10, 7: 300})  # the longest alone, down to 10 words
    assert not fits(tmp_path, {4: length + 16, 7: length + 16})


def it_says_when_no_cut_to_the_key_points_can_make_room(tmp_path, capsys):
    bottom_line = " ".join(["Bottom line words."] * 600)
    brief = write(tmp_path, MINIMAL.replace("Bottom line [@a].", f'"{bottom_line} [@a]"')
                  .replace("body: Text [@b].", "body: A short key point [@b]."))
    assert main(["build", str(brief), "-o", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"{brief}:3:10: {NOT_FIT}, nor with every key point cut to 10 words: shorten the bottom "
        "line (1800 words), the title or any very long word, or make fewer sections")


def it_adds_no_full_stop_after_a_heading_that_ends_in_a_question_mark(tmp_path):
    text = ("title: Q\ndate: 2026-11-24\nsummary: S.\nsections:\n"
            "  - heading: \"Does it work?\"\n    body: It does.\n"
            "  - heading: Plain heading\n    body: Yes.\n")
    result = build(write(tmp_path, text), tmp_path / "out")
    [page] = pdf_pages(output(result, "handout"))
    assert "Does it work? It does." in page and "Plain heading. Yes." in page


@pytest.mark.parametrize("sections, words, paper", [(None, None, None), (12, 38, None),
                                                    (18, 28, None), (None, None, "a4")])
def it_takes_the_largest_step_that_fits(tmp_path, sections, words, paper):
    path = EXAMPLE if sections is None else write(tmp_path, long_brief(sections, words))
    _, doc, theme, _, _ = prepare(path)
    folder = path.parent.resolve()
    roots = [folder, theme.folder]
    document, fit = fit_handout(doc, theme, paper, folder, roots, Loc(str(path)))
    assert len(document.pages) == 1
    assert (fit.spacing, fit.scale) != (1.0, 1.0)  # else there is no step up to try
    # One step up, more spacing or bigger type, runs onto a second page.
    if fit.scale == 1.0:
        up = {"sp": round(fit.spacing + 0.05, 3), "scale": 1.0}
    else:
        up = {"sp": fit.spacing, "scale": round(fit.scale + 0.025, 3)}
    html = render_html(doc, theme, "handout", paper, short_sources=fit.short_sources, **up,
                       **handout_context(doc, theme))
    assert len(render_pdf(html, folder, roots, Loc(str(path))).pages) > 1


def it_copies_the_handout_it_made_from_the_same_inputs(tmp_path):
    # Most edits touch only the memo and the deck: the next build copies the handout it kept.
    brief = write(tmp_path, EXAMPLE.read_text(encoding="utf-8"))
    first = build(brief, tmp_path / "a")
    assert output_of(first).fit.renders > 1
    brief.write_text(brief.read_text().replace("Sanctuary is not monolithic",
                                               "Sanctuary is not uniform"))
    again = build(brief, tmp_path / "b")
    assert output_of(again).fit.renders == 0
    assert output_of(again).note == output_of(first).note == "type 100%, spacing 45%"
    assert output(again, "handout").read_bytes() == output(first, "handout").read_bytes()
    assert output(again, "memo").read_bytes() != output(first, "memo").read_bytes()
    # An edit to what the handout shows: a new search, whose handout is kept too.
    brief.write_text(brief.read_text().replace("No federal law compels", "No law compels"))
    edited = build(brief, tmp_path / "c")
    assert output_of(edited).fit.renders > 1
    assert output_of(build(brief, tmp_path / "d")).fit.renders == 0
    # Without its handout, a kept fit still saves the search: one render.
    forget_handouts()
    assert output_of(build(brief, tmp_path / "e")).fit.renders == 1


def forget_handouts():
    import shutil

    from briefgen.cache import cache_folder
    from briefgen.handout import HANDOUTS

    shutil.rmtree(cache_folder() / HANDOUTS)


def kept_record(path):
    """A kept handout's record: what it says, and the PDF."""
    import json

    from briefgen.handout import _FORMAT

    data = path.read_bytes()
    assert data.startswith(_FORMAT)
    head, _, pdf = data[len(_FORMAT):].partition(b"\n")
    return json.loads(head), pdf


def write_record(path, said, pdf):
    import json

    from briefgen.handout import _FORMAT

    said = {**said, "pdf": hashlib.sha256(pdf).hexdigest()}
    path.write_bytes(_FORMAT + json.dumps(said).encode() + b"\n" + pdf)


def it_copies_a_kept_handout_only_when_it_is_whole_and_this_code_and_engine_made_it(
        tmp_path, monkeypatch):
    import briefgen.build
    import briefgen.pdf
    from briefgen.cache import cache_folder
    from briefgen.handout import HANDOUTS

    brief = write(tmp_path, EXAMPLE.read_text(encoding="utf-8"))
    made = output(build(brief, tmp_path / "out"), "handout").read_bytes()
    [kept] = (cache_folder() / HANDOUTS).iterdir()
    said, pdf = kept_record(kept)
    assert pdf == made and kept.stat().st_mode & 0o777 == 0o600
    assert kept.parent.stat().st_mode & 0o777 == 0o700
    assert said["fit"][:3] == [0.45, 1.0, False]
    fonts = sorted((ROOT / "themes" / "default" / "fonts").glob("*.ttf"))
    # What the render read, the eight faces, with their bytes' digests.
    assert said["read"] == [[str(f), hashlib.sha256(f.read_bytes()).hexdigest()] for f in fonts]
    whole = kept.read_bytes()

    def again():
        handout = output_of(build(brief, tmp_path / "out"))
        return handout.fit.renders, (tmp_path / "out" / "brief" / "handout.pdf").read_bytes()

    # What a build copies is the kept PDF, not a render: one with a line added is written, with
    # the fit the record says.
    write_record(kept, {**said, "fit": [0.4, 1.0, False, None, None]}, made + b"\n")
    result = build(brief, tmp_path / "out")
    assert output_of(result).note == "type 100%, spacing 40%" and output_of(result).fit.renders == 0
    assert (tmp_path / "out" / "brief" / "handout.pdf").read_bytes() == made + b"\n"
    forget_fits()  # that fit is kept for these inputs now: searched again
    assert again()[1] == made and kept.read_bytes() == whole
    # Damaged, or not a file: rendered (with the kept fit), and kept whole again.
    for damage in ("folder", None, whole[:len(whole) // 2], whole[1:], b"",
                   whole[:-200] + bytes([whole[-200] ^ 1]) + whole[-199:],  # not its PDF
                   whole.replace(b'"fit":[0.45', b'"fit":["0.45"', 1),
                   whole.replace(b'"read":[', b'"read":[3,', 1)):
        kept.unlink() if kept.is_file() or kept.is_fifo() else kept.rmdir()
        if damage is None:
            os.mkfifo(kept)  # a read would wait for ever
        elif damage == "folder":
            kept.mkdir()
        else:
            assert damage != whole
            kept.write_bytes(damage)
        assert again() == (1, made), damage
        if damage not in (None, "folder"):
            assert kept.read_bytes() == whole
    assert again() == (0, made)
    # Made by other code of briefgen's, or by another version of an engine: rendered.
    with monkeypatch.context() as patch:
        patch.setattr(briefgen.build, "code_digest", lambda: "another briefgen")
        assert again() == (1, made)
    with monkeypatch.context() as patch:
        patch.setattr(briefgen.pdf, "WRITER", briefgen.pdf.WRITER + " and another pydyf")
        assert again() == (1, made)
    assert again() == (0, made)
    # With a cache folder it cannot use, the build goes on: searched and rendered.
    with monkeypatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(brief))  # a file, not a folder
        renders, written = again()
        assert renders > 1 and written == made


STAMP = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" '
         'height="20" fill="#{}"/></svg>')


def stamped_theme(tmp_path):
    """A theme whose handout shows stamp.svg from the brief's folder, as a template may."""
    import shutil

    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "themes" / "default", theme)
    (theme / "templates").mkdir()
    page = (ROOT / "src" / "briefgen" / "templates" / "handout.html").read_text()
    assert '<section class="bottom-line">' in page
    (theme / "templates" / "handout.html").write_text(page.replace(
        '<section class="bottom-line">', '<img src="stamp.svg" alt="Stamp" style="height:20px">'
        '<section class="bottom-line">', 1))
    return str(theme)


def handout_built(brief, out, theme):
    """The handout's bytes and renders, and those of a build that finds nothing kept."""
    import shutil

    from briefgen.cache import cache_folder

    result = build(brief, out, theme=theme)
    saved = out.parent / f"{out.name}-cache"
    shutil.copytree(cache_folder(), saved)
    forget_fits()
    fresh = build(brief, out.parent / f"{out.name}-fresh", theme=theme)
    shutil.rmtree(cache_folder())
    shutil.copytree(saved, cache_folder())
    return (output_of(result).fit.renders, output(result, "handout").read_bytes(),
            output(fresh, "handout").read_bytes())


def it_copies_a_kept_handout_only_while_the_files_its_render_read_are_as_they_were(tmp_path):
    # A theme's template may show any file of the brief's folder: what the render read is kept
    # with the handout, by its bytes.
    from briefgen.cache import cache_folder
    from briefgen.handout import HANDOUTS

    theme = stamped_theme(tmp_path)
    stamp = tmp_path / "stamp.svg"
    stamp.write_text(STAMP.format("00c800"))
    brief = write(tmp_path, EXAMPLE.read_text(encoding="utf-8"))
    renders, first, _ = handout_built(brief, tmp_path / "a", theme)
    [kept] = (cache_folder() / HANDOUTS).iterdir()
    assert str(stamp) in [f for f, _ in kept_record(kept)[0]["read"]]
    assert handout_built(brief, tmp_path / "b", theme) == (0, first, first)
    # Edited in place, keeping its size and time.
    before = stamp.stat()
    stamp.write_text(STAMP.format("c800c8"))
    os.utime(stamp, ns=(before.st_atime_ns, before.st_mtime_ns))
    renders, written, fresh = handout_built(brief, tmp_path / "c", theme)
    assert renders > 0 and written == fresh != first
    # A link pointed at another file.
    (tmp_path / "green.svg").write_text(STAMP.format("00c800"))
    stamp.unlink()
    stamp.symlink_to("green.svg")
    renders, written, fresh = handout_built(brief, tmp_path / "d", theme)
    assert renders > 0 and written == fresh == first
    (tmp_path / "red.svg").write_text(STAMP.format("c80000"))
    stamp.unlink()
    stamp.symlink_to("red.svg")
    renders, written, fresh = handout_built(brief, tmp_path / "e", theme)
    assert renders > 0 and written == fresh != first
    # The same brief in another folder, whose stamp is another file.
    other = tmp_path / "other"
    other.mkdir()
    (other / "stamp.svg").write_text(STAMP.format("00c800"))
    brief2 = other / "brief.yaml"
    brief2.write_text(brief.read_text())
    renders, written, fresh = handout_built(brief2, tmp_path / "f", theme)
    assert renders > 0 and written == fresh


def it_copies_no_handout_whose_record_names_a_file_outside_the_folders(tmp_path):
    import json

    from briefgen.cache import cache_folder
    from briefgen.handout import HANDOUTS

    brief = write(tmp_path / "in", EXAMPLE.read_text(encoding="utf-8"))
    made = output(build(brief, tmp_path / "out"), "handout").read_bytes()
    [kept] = (cache_folder() / HANDOUTS).iterdir()
    said, pdf = kept_record(kept)
    outside = tmp_path / "secret.txt"
    outside.write_text("not the brief's")
    digest = hashlib.sha256(outside.read_bytes()).hexdigest()
    for read in ([[str(outside), digest]], [[str(tmp_path / "in" / ".." / "secret.txt"), digest]],
                 [["/dev/zero", digest]], [[str(brief.parent / "gone"), digest]]):
        write_record(kept, {**said, "read": said["read"] + read}, pdf)
        assert output_of(build(brief, tmp_path / "out")).fit.renders == 1, read
    assert json.loads(kept.read_bytes().split(b"\n")[1])["read"] == said["read"]
    assert (tmp_path / "out" / "brief" / "handout.pdf").read_bytes() == made


def it_copies_no_handout_drawn_with_svg_text_drawn_otherwise(tmp_path):
    # BRIEFGEN_SVG_TEXT_AS_ONE_RUN=0 draws a chart's text as WeasyPrint does: another PDF.
    import subprocess
    import sys

    from briefgen.cache import cache_folder
    from briefgen.handout import HANDOUTS

    brief = write(tmp_path, """\
title: Trips
date: 2026-12-07
summary: Bottom line.
sections:
  - heading: Trips
    body: Text before the chart.
    chart:
      type: column
      title: Trips by year
      categories: ["2021", "2022", "2023"]
      series:
        - {name: Trips, values: [10, 12, 9]}
      alt: "A column chart of trips"
handout: {chart: 1}
""")
    build(brief, tmp_path / "on", to=("handout",))

    def handout(name, **env):
        subprocess.run([sys.executable, "-m", "briefgen.cli", "build", str(brief), "-o",
                        str(tmp_path / name), "--to", "handout"], check=True, capture_output=True,
                       env={**os.environ, **env})
        return (tmp_path / name / "brief" / "handout.pdf").read_bytes()

    off = handout("off", BRIEFGEN_SVG_TEXT_AS_ONE_RUN="0")
    assert len(list((cache_folder() / HANDOUTS).iterdir())) == 2
    assert off != (tmp_path / "on" / "brief" / "handout.pdf").read_bytes()
    forget_fits()
    assert handout("fresh", BRIEFGEN_SVG_TEXT_AS_ONE_RUN="0") == off


def it_keeps_no_handout_that_holds_a_font_of_the_machine(tmp_path):
    from briefgen.cache import cache_folder
    from briefgen.handout import HANDOUTS

    text = EXAMPLE.read_text(encoding="utf-8")
    assert "No federal law compels" in text
    brief = write(tmp_path, text.replace("No federal law compels", "No federal law ☃ compels"))
    result = build(brief, tmp_path / "out")
    assert any("☃" in str(w) or "characters" in str(w) for w in result.warnings)
    assert not (cache_folder() / HANDOUTS).exists()
    assert output_of(build(brief, tmp_path / "out")).fit.renders == 1  # its fit is kept


def it_keeps_the_last_used_handouts(tmp_path, monkeypatch):
    import briefgen.handout as handout
    from briefgen.cache import cache_folder

    monkeypatch.setattr(handout, "HANDOUTS_KEPT", 2)
    pdf, read = tmp_path / "h.pdf", tmp_path / "font.ttf"
    read.write_bytes(b"font")
    folder = cache_folder() / handout.HANDOUTS
    fit = Fit(0.45, 1.0, False, 3)
    roots = [tmp_path]
    for n, name in enumerate("abc"):
        pdf.write_bytes(b"%PDF-1.7\n" + name.encode() + b"\n%%EOF\n")
        handout.keep_handout(name, pdf, fit, {read: None})
        os.utime(folder / f"{name}.handout", ns=(n * 10**9, n * 10**9))
    assert sorted(p.name for p in folder.iterdir()) == ["b.handout", "c.handout"]
    assert handout.kept_handout("a", roots) is None
    # Used: now the newest.
    assert handout.kept_handout("b", roots) == (b"%PDF-1.7\nb\n%%EOF\n", Fit(0.45, 1.0, False, 0))
    handout.keep_handout("d", pdf, fit, {read: None})
    assert sorted(p.name for p in folder.iterdir()) == ["b.handout", "d.handout"]
    # A copy being written beside is not counted; one a stopped build left goes after an hour;
    # a link to nowhere stops nothing.
    (folder / ".d.handout.x1").write_bytes(b"")
    (folder / ".d.handout.x2").write_bytes(b"")
    os.utime(folder / ".d.handout.x2", ns=(0, 0))
    (folder / "z.handout").symlink_to(tmp_path / "nowhere")
    handout.keep_handout("e", pdf, fit, {read: None})
    assert sorted(p.name for p in folder.iterdir()) == [".d.handout.x1", "e.handout", "z.handout"]
    # A file its render read, changed or gone, or outside the build's folders: not the handout
    # it would make now.
    assert handout.kept_handout("e", roots) is not None
    assert handout.kept_handout("e", [tmp_path / "elsewhere"]) is None
    read.write_bytes(b"FONT")
    assert handout.kept_handout("e", roots) is None
    handout.keep_handout("f", pdf, fit, {read: None})
    read.unlink()
    assert handout.kept_handout("f", roots) is None
    handout.keep_handout("g", pdf, fit, {read: None})  # a file gone before it is kept
    assert not (folder / "g.handout").exists()


def it_digests_files_by_their_bytes_and_its_own_code_but_not_its_byte_code(tmp_path, monkeypatch):
    import shutil

    import briefgen.cache as cache

    fifo, big = tmp_path / "fifo", tmp_path / "big"
    os.mkfifo(fifo)
    big.write_bytes(b"x" * 1000)
    assert cache.file_digest(big, 1000) == hashlib.sha256(b"x" * 1000).hexdigest()
    assert cache.file_digest(fifo, 1000) is None and cache.file_digest(tmp_path / "gone", 1) is None
    assert cache.file_digest(big, 999) is None
    copy = tmp_path / "briefgen"
    shutil.copytree(os.path.dirname(cache.__file__), copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "__file__", str(copy / "cache.py"))

    def digest():
        cache.code_digest.cache_clear()
        return cache.code_digest()

    try:
        first = digest()
        (copy / "__pycache__").mkdir()
        (copy / "__pycache__" / "pdf.cpython-311.pyc").write_bytes(b"compiled")
        assert digest() == first
        # An edit that keeps the file's size and time (an install that sets every time).
        handout = copy / "handout.py"
        before = handout.stat()
        handout.write_text(handout.read_text().replace("TIGHT = 0.35", "TIGHT = 0.45"))
        os.utime(handout, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert handout.stat().st_size == before.st_size and digest() != first
        (copy / "templates" / "base.html").write_text("")
        assert digest() != first
    finally:
        cache.code_digest.cache_clear()


def it_checks_the_briefs_last_fit_first_after_an_edit_and_writes_what_a_search_finds(tmp_path):
    # An edit to what the handout shows: the brief's last fit is checked with two renders,
    # where a search takes three; a fit that no longer holds costs renders, never the result.
    brief = write(tmp_path, EXAMPLE.read_text(encoding="utf-8"))
    original = brief.read_text()
    assert output_of(build(brief, tmp_path / "first")).fit.renders == 3
    edits = [("No federal law compels", "No law compels"),  # the same fit
             ("No federal law compels", "No federal law of any kind compels, requires or "
                                        "otherwise obliges"),  # longer: less spacing
             ("There is no federal\n  law forcing cities or counties to assist ICE, many local "
              "leaders", "Many local leaders")]  # shorter: more spacing
    fits = []
    for n, (old, new) in enumerate(edits):
        assert old in original
        brief.write_text(original.replace(old, new, 1))
        edited = build(brief, tmp_path / f"edit{n}")
        forget_fits()
        searched = build(brief, tmp_path / f"searched{n}")
        assert output(edited, "handout").read_bytes() == output(searched, "handout").read_bytes()
        fits.append((output_of(edited).fit.describe(), output_of(edited).fit.renders))
        brief.write_text(original)
        build(brief, tmp_path / f"back{n}")  # the last fit is the original one's again
    assert fits[0] == ("type 100%, spacing 45%", 2)
    assert fits[1][0] == "type 100%, spacing 35%" and fits[1][1] > 2
    # The step above the last fit fits too: the search starts there, without the rung's bottom.
    assert fits[2] == ("type 100%, spacing 55%", 4)


def output_of(result):
    return next(o for o in result.outputs if o.kind == "handout")


@pytest.mark.parametrize("known", [
    Fit(1.0, 1.0, False, 0),  # does not fit (any more)
    Fit(0.5, 0.9, False, 0),  # on no rung: smaller type comes with tight spacing
    Fit(0.35, 0.5, False, 0),  # below the theme's floor
    Fit(0.35, 0.99, False, 0),  # between the rung's steps
    # Fits, with a slope that says the step above is too tall, from another layout than this
    # one: its render's excess is unknown, or not this render's.
    Fit(0.40, 1.0, False, 0, 300.0),
    Fit(0.40, 1.0, False, 0, 300.0, excess=-5.0),
])
def it_searches_when_a_kept_fit_is_wrong(known):
    _, doc, theme, _, _ = prepare(EXAMPLE)
    folder = EXAMPLE.parent.resolve()
    args = (doc, theme, None, folder, [folder, theme.folder], Loc(str(EXAMPLE)))
    _, searched = fit_handout(*args)
    document, fit = fit_handout(*args, known=known)
    assert len(document.pages) == 1 and fit.renders > 1
    assert (fit.spacing, fit.scale, fit.short_sources) == \
        (searched.spacing, searched.scale, searched.short_sources)


def it_keeps_fits_as_checked_json_and_never_trusts_a_damaged_one(tmp_path, monkeypatch):
    import briefgen.handout as handout

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    kept = tmp_path / "briefgen" / handout.FITS_FILE
    remember_fit("k", Fit(0.45, 1.0, False, 3, 191.5))
    assert remembered_fit("k") == Fit(0.45, 1.0, False, 0, 191.5)
    assert remembered_fit("other") is None
    # Found with another version's slope (briefgen watch): not an answer to keep.
    remember_fit("w", Fit(0.5, 1.0, False, 1, 10.0, borrowed=True))
    assert remembered_fit("w") is None
    whole = kept.read_bytes()
    for damage in (whole[:20], b"[1, 2]", b'{"k": [0.45]}',
                   b'{"k": ["0.45", 1.0, false, null, null]}', b'{"k": [0.45, 1.0, 0, null, null]}',
                   b'{"k": [0.45, 1.0, false, "2", null]}', b'{"k": [null, 1.0, false, 2.0, null]}',
                   b'{"k": [0.45, 1.0, false, 1e999, null]}',  # an endless slope
                   b"[" * 100_000, whole[:-1] + b" " * 600_000 + b"}",  # too big to read
                   None):
        kept.unlink()
        if damage is None:
            os.mkfifo(kept)  # a read would wait for ever
        else:
            kept.write_bytes(damage)
        assert remembered_fit("k") is None
        remember_fit("k", Fit(0.45, 1.0, False, 3, 191.5))  # and written whole again
        assert remembered_fit("k") == Fit(0.45, 1.0, False, 0, 191.5)
    assert kept.stat().st_mode & 0o777 == 0o600
    monkeypatch.setattr(handout, "FITS_KEPT", 2)
    remember_fit("l", Fit(0.4, 1.0, False, 3))
    remember_fit("m", Fit(0.35, 0.9, False, 3))
    assert remembered_fit("k") is None  # the oldest goes first
    assert remembered_fit("m") == Fit(0.35, 0.9, False, 0)


def it_keys_a_kept_fit_by_what_the_layout_depends_on(tmp_path, monkeypatch):
    import shutil

    import briefgen.pdf

    from .conftest import ROOT

    shutil.copytree(ROOT / "themes" / "default", tmp_path / "theme")
    write(tmp_path, EXAMPLE.read_text(encoding="utf-8"))
    (tmp_path / "sub").mkdir()

    def renders(folder="", **kwargs):  # named as typed, from the working folder
        result = build(f"{folder}brief.yaml", tmp_path / "out", theme=f"./{folder}theme",
                       **kwargs)
        return output_of(result).fit.renders

    monkeypatch.chdir(tmp_path)
    assert renders() > 1
    forget_handouts()  # this counts a fit's renders, not a copy's
    monkeypatch.chdir(tmp_path / "sub")
    assert renders("../") == 1  # the same files from another working folder
    monkeypatch.chdir(tmp_path)
    assert renders(paper="a4") > 1
    monkeypatch.setattr(briefgen.pdf, "ENGINE", briefgen.pdf.ENGINE + " and another Pango")
    assert renders() > 1
    with open(tmp_path / "theme" / "fonts" / "Carlito-Regular.ttf", "ab") as font:
        font.write(b"\0" * 4)  # an edited font: its size and time change
    assert renders() > 1
    assert renders() == 0  # and copied the next time


def it_balances_columns_by_length_not_by_count():
    from briefgen.handout import balanced

    assert balanced(list("abcdefghi"), 2, lambda x: 1) == [list("abcde"), list("fghi")]
    assert balanced([1, 1, 1, 10, 1], 2, lambda x: x) == [[1, 1, 1], [10, 1]]
    assert balanced([3, 1, 1, 1, 1, 1, 2], 3, lambda x: x) == [[3, 1], [1, 1, 1, 1], [2]]
    assert balanced([5], 2, lambda x: x) == [[5], []]


def it_splits_key_points_into_columns_of_about_equal_length(tmp_path):
    import re

    from briefgen.build import read_job
    from briefgen.handout import handout_context
    from briefgen.html import render_html

    sections = "".join(
        f"""  - heading: Point {i}
    body: Text [@a].
    takeaway: "{('A long takeaway that runs on for several lines of the handout. ' * 3)
                 if i < 5 else 'Short.'}"
""" for i in range(9))
    brief = write(tmp_path, f"""title: Columns
date: 2026-11-25
summary: Bottom line [@a].
sections:
{sections}sources:
  - {{id: a, title: A}}
""")
    job = read_job(brief, tmp_path / "out", None, None, False)
    html = render_html(job.doc, job.theme, "handout", stamp=job.stamp, short_sources=False,
                       **handout_context(job.doc, job.theme))
    columns = re.search(r'<div class="kp-cols kp-cols-2">(.*?)</div>', html, re.S).group(1)
    # By count it was 5 and 4, the five long ones in the first column; by length, 3 and 6.
    assert [ol.count("<li>") for ol in columns.split("</ol>")[:-1]] == [3, 6]


def it_shows_the_recommendations_numbered_with_the_memos_citation_numbers(recommended):
    result = recommended["default"]
    [page] = pdf_pages(output(result, "handout"))
    body = page.split("\nSOURCES\n", 1)[0]
    assert body.split("\nRECOMMENDATIONS\n", 1)[1] == (
        "1. Act on this first [4] [2, p. 3].\n2. Then do that [1].\n3. Report every quarter.")
    assert body.index("KEY POINTS") < body.index("RECOMMENDATIONS")
    # Its sources are the numbers it cites, a source cited only by a recommendation too, and
    # each is the memo's source of that number.
    handout = handout_sources(output(result, "handout"))
    memo = memo_sources(output(result, "memo"))
    assert sorted(handout) == sorted(set(cite_numbers(body))) == [1, 2, 3, 4]
    assert title_of(handout[4]) == "Cited in a recommendation only"
    for n, entry in handout.items():
        assert title_of(entry) in memo[n], n
    for theme in ("modern", "print"):
        [page] = pdf_pages(output(recommended[theme], "handout"))
        assert re.search(r"RECOMMENDATIONS 1\. Act on this first.+2\. Then do that.+"
                         r"3\. Report every quarter\.", " ".join(page.split())), theme


def it_names_the_recommendations_when_no_cut_to_the_key_points_can_make_room(tmp_path,
                                                                              capsys):
    said = " ".join(["Every agency should publish what it spends."] * 20)
    items = "\n".join(f'  - "{said} [@a]"' for _ in range(20))
    text = MINIMAL.replace("body: Text [@b].", "body: A short key point [@b].").replace(
        "sources:", f"recommendations:\n{items}\nsources:")
    brief = write(tmp_path, text)
    assert main(["build", str(brief), "-o", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"{brief}:8:3: {NOT_FIT}, nor with every key point cut to 10 words: shorten the bottom "
        "line (3 words), the recommendations (2800 words), the title or any very long word, or "
        "make fewer sections")


def it_advises_a_cut_that_fits_with_the_recommendations_on_the_page(tmp_path, capsys):
    recommendations = "recommendations:\n" + "\n".join(
        f"  - Recommendation {i} asks for something specific and says by when [@a]."
        for i in range(3))
    text = overlong_brief({4: 701}).replace("sources:", f"{recommendations}\nsources:")
    brief = write(tmp_path, text)
    assert main(["build", str(brief), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    match = re.search(r"section 5 \('Section 4'\), by about (\d+) words; its takeaway has 701 "
                      r"words$", err)
    assert match, err
    shorter = " ".join(["overlong"] * (701 - int(match.group(1))))
    brief.write_text(text.replace(" ".join(["overlong"] * 701), shorter), encoding="utf-8")
    result = build(brief, tmp_path / "out", parallel=False)
    [page] = pdf_pages(output(result, "handout"))
    assert "Recommendation 2 asks for something specific and says by when [1]." in page
