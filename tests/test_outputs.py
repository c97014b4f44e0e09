"""Choosing what a build writes: --to, the brief's outputs:, and the default three."""
import subprocess
import sys

import pytest

from briefgen.cli import main

from .conftest import EXAMPLE, MINIMAL, write

ALL = {"memo.pdf", "handout.pdf", "deck.pptx", "memo.docx", "memo.html"}


def briefgen(*args):
    """The command as a user runs it, in a process of its own (the cold build's path)."""
    return subprocess.run([sys.executable, "-m", "briefgen.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


def written(folder):
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def it_writes_the_three_outputs_by_default(tmp_path):
    done = briefgen("build", write(tmp_path, MINIMAL), "-o", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert written(tmp_path / "out" / "brief") == {"memo.pdf", "handout.pdf", "deck.pptx"}


def it_writes_only_the_outputs_named_with_to_and_says_so(tmp_path):
    done = briefgen("build", write(tmp_path, MINIMAL), "-o", tmp_path / "out", "--to", "deck,memo")
    assert done.returncode == 0, done.stderr
    assert written(tmp_path / "out" / "brief") == {"memo.pdf", "deck.pptx"}
    wrote = [line.split()[1] for line in done.stdout.splitlines() if "wrote" in line]
    assert wrote == [f"{tmp_path}/out/brief/memo.pdf", f"{tmp_path}/out/brief/deck.pptx"]


def it_writes_what_the_brief_names_unless_to_names_others(tmp_path):
    brief = write(tmp_path, "outputs: [handout, deck]\n" + MINIMAL)
    done = briefgen("build", brief, "-o", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert written(tmp_path / "out" / "brief") == {"handout.pdf", "deck.pptx"}
    done = briefgen("build", brief, "-o", tmp_path / "again", "--to", "memo")
    assert done.returncode == 0, done.stderr
    assert written(tmp_path / "again" / "brief") == {"memo.pdf"}


def it_accepts_one_output_named_without_a_list(tmp_path):
    brief = write(tmp_path, "outputs: deck\n" + MINIMAL)
    assert main(["build", str(brief), "-o", str(tmp_path / "out")]) == 0
    assert written(tmp_path / "out" / "brief") == {"deck.pptx"}


@pytest.mark.parametrize("given, message", [
    ("pdf", "'pdf' is not an output: a build writes memo, handout, deck, docx or html (did you "
            "mean memo or handout?)"),
    ("memo,slides", "'slides' is not an output: a build writes memo, handout, deck, docx or html "
                    "(did you mean deck?)"),
    ("memo,webpage", "'webpage' is not an output: a build writes memo, handout, deck, docx or "
                     "html (did you mean html?)"),
    (",", "name at least one output: memo, handout, deck, docx or html"),
])
def it_refuses_an_output_it_cannot_write_before_reading_anything(tmp_path, capsys, given,
                                                                 message):
    with pytest.raises(SystemExit) as stopped:
        main(["build", str(tmp_path / "missing.yaml"), "--to", given])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"briefgen build: error: argument --to: {message}")


def it_keeps_the_other_outputs_in_the_folder_when_it_writes_fewer(tmp_path):
    brief = write(tmp_path, MINIMAL)
    out = tmp_path / "out"
    assert main(["build", str(brief), "-o", str(out)]) == 0
    memo = (out / "brief" / "memo.pdf").read_bytes()
    write(tmp_path, MINIMAL.replace("title: A brief", "title: Another title"))
    assert main(["build", str(brief), "-o", str(out), "--to", "deck"]) == 0
    assert written(out / "brief") == {"memo.pdf", "handout.pdf", "deck.pptx"}
    assert (out / "brief" / "memo.pdf").read_bytes() == memo


def it_builds_several_briefs_with_to_in_parallel_jobs(tmp_path):
    one = write(tmp_path, MINIMAL, "one.yaml")
    two = write(tmp_path, MINIMAL, "two.yaml")
    done = briefgen("build", one, two, "-j", "2", "-o", tmp_path / "out", "--to", "handout,deck")
    assert done.returncode == 0, done.stderr
    for name in ("one", "two"):
        assert written(tmp_path / "out" / name) == {"handout.pdf", "deck.pptx"}


def it_watches_with_to(tmp_path):
    brief = write(tmp_path, MINIMAL)
    done = briefgen("watch", brief, "-o", tmp_path / "out", "--to", "memo,deck", "--once")
    assert done.returncode == 0, done.stderr
    assert written(tmp_path / "out" / "brief") == {"memo.pdf", "deck.pptx"}
    assert "built memo.pdf, deck.pptx in" in done.stdout


# -- the five outputs of one build agree ------------------------------------------------------

FIVE = "memo,handout,deck,docx,html"


@pytest.fixture(scope="module")
def five(tmp_path_factory):
    """The example brief's five outputs, from one `briefgen build --to ...` as a user runs it."""
    out = tmp_path_factory.mktemp("five")
    done = briefgen("build", EXAMPLE, "-o", out, "--to", FIVE)
    assert done.returncode == 0, done.stderr
    return out / "sanctuary-cities"


def docx_parts(path):
    """(headings, body text, Sources entries) of a Word memo, read with python-docx: the body in
    document order, tables included, up to the Sources heading."""
    import docx
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    headings, body, entries, in_sources = [], [], [], False
    for block in document.iter_inner_content():
        paragraphs = [block] if isinstance(block, Paragraph) else [
            p for row in block.rows for cell in row.cells for p in cell.paragraphs]
        for p in paragraphs:
            style = p.style.name if p.style is not None else ""
            if style.startswith("Heading"):  # the bottom line's is in its panel, a table
                headings.append(p.text)
                in_sources = p.text == "Sources"
                continue
            if in_sources and p.text.strip():
                entries.append(" ".join(p.text.split()))  # '[n] ', a tab to the hanging indent
            elif not in_sources:
                body.append(p.text)
    return headings, "\n".join(body), entries


def html_parts(path):
    """(h2 headings, body text, Sources entries) of the web page, read with lxml."""
    import lxml.html

    root = lxml.html.fromstring(path.read_bytes())
    headings = [" ".join(h.text_content().split()) for h in root.iter("h2")]
    sources = root.get_element_by_id("sources")
    entries = [" ".join(li.text_content().replace("\u2191", "").split())
               for li in sources.iter("li")]
    sources.getparent().remove(sources)
    return headings, root.body.text_content(), entries


def pdf_headings(path):
    from pypdf import PdfReader

    def titles(outline):
        for item in outline:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield " ".join(item.title.split())

    return list(titles(PdfReader(str(path)).outline))


def it_writes_five_outputs_whose_numbers_headings_and_sources_agree(five):
    from pptx import Presentation

    from .conftest import cite_numbers, pdf_pages

    assert written(five) == ALL
    memo = "\n".join(pdf_pages(five / "memo.pdf"))
    memo_body, memo_sources = memo.split("\nSources\n")
    numbers = cite_numbers(memo_body)
    listed = sorted(set(numbers))
    assert listed == list(range(1, 14))

    word_headings, word_body, word_entries = docx_parts(five / "memo.docx")
    web_headings, web_body, web_entries = html_parts(five / "memo.html")
    # Every citation, in reading order, with the memo's number.
    assert cite_numbers(word_body) == numbers
    assert cite_numbers(web_body) == numbers
    # The same headings: the PDF's bookmarks below the title, Word's headings, the page's h2.
    headings = pdf_headings(five / "memo.pdf")[1:]
    assert [" ".join(h.split()) for h in word_headings] == headings
    assert web_headings == headings
    # The same Sources list, entry for entry, each opening with its number.
    assert word_entries == web_entries
    assert [int(e[1:e.index("]")]) for e in word_entries] == listed
    for entry in word_entries:
        assert " ".join(entry.split()[1:4]) in " ".join(memo_sources.split())
    # The deck and the handout use the same numbers (the handout shows some of them).
    deck = Presentation(str(five / "deck.pptx"))
    slides = "\n".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes
                       if shape.has_text_frame)
    assert set(cite_numbers(slides)) == set(listed)
    handout = "\n".join(pdf_pages(five / "handout.pdf"))
    assert set(cite_numbers(handout)) <= set(listed)


def it_writes_the_word_memo_and_the_web_page_byte_for_byte_again(five, tmp_path):
    done = briefgen("build", EXAMPLE, "-o", tmp_path, "--to", "docx,html")
    assert done.returncode == 0, done.stderr
    for name in ("memo.docx", "memo.html"):
        assert (tmp_path / "sanctuary-cities" / name).read_bytes() == (five / name).read_bytes()


def it_warns_of_what_only_the_deck_shows_only_when_it_makes_a_deck(tmp_path, capsys):
    (tmp_path / "fig.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" '
                                      'height="10"/>', encoding="utf-8")
    brief = write(tmp_path, MINIMAL.replace("    body: Text [@b].", "    body: Text [@b].\n"
                                            "    figure: {path: fig.svg, alt: A box}"))
    warning = (f"{brief}:7:13: warning: the figure fig.svg is not shown on slides: PowerPoint "
               "files cannot hold SVG here; give a PNG or JPEG for the deck")
    assert main(["build", str(brief), "-o", str(tmp_path / "out"), "--to", "memo,html"]) == 0
    assert warning not in capsys.readouterr().err.splitlines()
    assert main(["build", str(brief), "-o", str(tmp_path / "out"), "--to", "deck"]) == 0
    assert warning in capsys.readouterr().err.splitlines()
