"""Briefs that cite from bibliography files and choose a citation style: whole builds, read back."""
from __future__ import annotations

import re
import shutil

import pytest
from pptx import Presentation

from briefgen.build import build, prepare, watched_files
from briefgen.cli import main
from briefgen.errors import BriefError

from .conftest import EXAMPLE, ROOT, pdf_pages, write

BIB = ROOT / "tests" / "data" / "bib"


def example_citing(folder, *libraries, sources: str = "") -> object:
    """The example brief with its sources: list replaced by bibliography: (copied beside it),
    and sources (YAML lines) kept under sources: if given."""
    text = EXAMPLE.read_text(encoding="utf-8")
    head, _, rest = text.partition("\nsources:\n")
    _, _, tail = rest.partition("\nhandout:\n")
    for library in libraries:
        shutil.copy(library, folder / library.name)
    names = ", ".join(lib.name for lib in libraries)
    extra = f"sources:\n{sources}" if sources else ""
    return write(folder, f"{head}\nbibliography: [{names}]\n{extra}handout:\n{tail}",
                 "sanctuary-cities.yaml")


def sources_of(out) -> dict[str, str]:
    """The Sources text of each output, as a reader sees it: the memo's list, the handout's
    list and the deck's Sources slides, each flattened to one line per entry."""
    memo = "\n".join(pdf_pages(out / "memo.pdf"))
    memo = memo.split("\nSources\n", 1)[1]
    handout = "\n".join(pdf_pages(out / "handout.pdf"))
    deck = Presentation(out / "deck.pptx")
    slides = [s for s in deck.slides if s.shapes.title is not None
              and s.shapes.title.text.startswith("Sources")]
    deck_text = "\n".join(p.text for s in slides for sh in s.shapes if sh.has_text_frame
                          and sh != s.shapes.title for p in sh.text_frame.paragraphs)

    def entries(text: str) -> str:
        # Running heads and page footers fall between entries: keep the entries alone.
        text = re.sub(r"\n(Local cooperation with ICE detainers|Policy Analysis Unit)[^\n]*", "",
                      text)
        return re.sub(r"\s+", " ", text).strip()

    return {"memo": entries(memo), "handout": entries(handout.split("Sources", 1)[-1]),
            "deck": entries(deck_text)}


@pytest.fixture(scope="module")
def inline_sources(tmp_path_factory):
    out = tmp_path_factory.mktemp("inline")
    build(EXAMPLE, out, parallel=False)
    return sources_of(out / "sanctuary-cities")


@pytest.mark.parametrize("library", ["seed.bib", "seed.json"])
def it_prints_the_same_sources_from_a_library_as_from_the_briefs_own(library, tmp_path,
                                                                     inline_sources):
    brief = example_citing(tmp_path, BIB / library)
    result = build(brief, tmp_path / "out", parallel=False)
    assert [w.message for w in result.warnings] == []
    got = sources_of(tmp_path / "out" / "sanctuary-cities")
    assert "[13] “Trump’s Executive Actions" in got["memo"]
    assert got == inline_sources


def it_prints_only_the_cited_entries_of_a_library(tmp_path):
    brief = example_citing(tmp_path, BIB / "zotero-bbt.bib", BIB / "seed.bib")
    _, doc, _, _, warnings = prepare(brief)
    assert len(doc.refs) == 13  # zotero-bbt.bib's entries are not cited: not printed, not warned of
    assert [w.message for w in warnings] == []


def it_warns_of_an_uncited_source_of_the_brief_but_not_of_a_library_entry(tmp_path):
    brief = example_citing(tmp_path, BIB / "seed.bib",
                           sources="  - {id: never-cited, title: A report nobody cites}\n")
    _, _, _, _, warnings = prepare(brief)
    assert [(w.loc.line, w.message) for w in warnings] == [
        (next(i for i, line in enumerate(brief.read_text().splitlines(), 1)
              if "never-cited" in line), "source 'never-cited' is never cited")]


def it_names_both_places_of_a_key_in_a_library_and_the_brief(tmp_path):
    brief = example_citing(tmp_path, BIB / "seed.bib",
                           sources="  - {id: crs-r44795, title: The same id again}\n")
    with pytest.raises(BriefError) as e:
        prepare(brief)
    line = next(i for i, text in enumerate(brief.read_text().splitlines(), 1)
                if "The same id again" in text)
    bib_line = next(i for i, text in enumerate((BIB / "seed.bib").read_text().splitlines(), 1)
                    if "{crs-r44795," in text)
    assert [str(p) for p in e.value.problems] == [
        f"{tmp_path / 'seed.bib'}:{bib_line}:1: source id 'crs-r44795' is also at "
        f"{brief}:{line}:5: keep one"]


def it_names_both_files_of_a_key_in_two_libraries(tmp_path):
    brief = example_citing(tmp_path, BIB / "seed.bib", BIB / "seed.json")
    with pytest.raises(BriefError) as e:
        prepare(brief)
    assert len(e.value.problems) == 13
    first = e.value.problems[0]
    assert first.loc.file == str(tmp_path / "seed.json")
    assert re.fullmatch(rf"source id 'aic-sanctuary-overview' is also at "
                        rf"{re.escape(str(tmp_path / 'seed.bib'))}:\d+:1: keep one", first.message)


def it_suggests_the_nearest_key_of_a_library_for_an_unknown_id(tmp_path, capsys):
    brief = example_citing(tmp_path, BIB / "seed.bib")
    brief.write_text(brief.read_text().replace("[@crs-r44795]", "[@crs-r4479]", 1))
    assert main(["check", str(brief)]) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(rf"{re.escape(str(brief))}:\d+:\d+: unknown source id 'crs-r4479' "
                        r"\(did you mean 'crs-r44795'\?\)\n", err)


def it_says_where_an_id_can_be_added_when_nothing_is_near(tmp_path, capsys):
    brief = example_citing(tmp_path, BIB / "seed.bib")
    brief.write_text(brief.read_text().replace("[@crs-r44795]", "[@zzz-unknown]", 1))
    assert main(["check", str(brief)]) == 2
    assert capsys.readouterr().err.endswith(
        f": unknown source id 'zzz-unknown' (add it under sources: or to "
        f"'{tmp_path / 'seed.bib'}')\n")


def it_refuses_a_bibliography_that_is_not_bib_or_json(tmp_path, capsys):
    (tmp_path / "refs.txt").write_text("not a bibliography")
    brief = write(tmp_path, "title: T\ndate: 2026-11-24\nsummary: S.\nsections:\n"
                            "  - {heading: H, body: B.}\nbibliography: refs.txt\n")
    assert main(["check", str(brief)]) == 2
    assert capsys.readouterr().err == (
        f"{brief}:6:15: bibliography must be a .bib (BibTeX) or .json (CSL-JSON) file, "
        "not '.txt'\n")


def it_refuses_a_bibliography_outside_the_briefs_folder(tmp_path, capsys):
    inner = tmp_path / "inner"
    inner.mkdir()
    shutil.copy(BIB / "seed.bib", tmp_path / "seed.bib")
    brief = write(inner, "title: T\ndate: 2026-11-24\nsummary: S.\nsections:\n"
                         "  - {heading: H, body: B.}\nbibliography: ../seed.bib\n")
    assert main(["check", str(brief)]) == 2
    assert capsys.readouterr().err == (
        f"{brief}:6:15: bibliography '../seed.bib' is outside the brief's folder\n")


def it_watches_the_bibliography_and_the_style_files(tmp_path):
    brief = example_citing(tmp_path, BIB / "seed.bib")
    shutil.copy(ROOT / "src" / "briefgen" / "styles" / "apa.csl", tmp_path / "mine.csl")
    brief.write_text(brief.read_text() + "citation_style: mine.csl\n")
    files = watched_files(brief, None)
    assert tmp_path / "seed.bib" in [f.resolve() for f in files]
    assert tmp_path / "mine.csl" in [f.resolve() for f in files]


def entries(doc) -> list[str]:
    return ["".join(s.text for s in r.entry) for r in doc.refs]


def it_takes_the_cli_style_over_the_briefs_over_the_themes(tmp_path):
    theme = tmp_path / "my-theme"
    shutil.copytree(ROOT / "themes" / "default", theme)
    with open(theme / "theme.yaml", "a", encoding="utf-8") as f:
        f.write("citation_style: vancouver\n")
    brief = tmp_path / "b.yaml"
    brief.write_text(EXAMPLE.read_text(encoding="utf-8").replace(
        "theme: default", "") + "theme: ./my-theme\n", encoding="utf-8")
    hausman = "Hausman DK. Sanctuary policies reduce deportations without increasing crime"
    assert entries(prepare(brief)[1])[9].startswith(hausman)
    brief.write_text(brief.read_text() + "citation_style: apa\n")
    assert entries(prepare(brief)[1])[9].startswith("Hausman, D. K. (2020).")
    assert entries(prepare(brief, csl="ieee")[1])[9].startswith("D. K. Hausman, “Sanctuary")
    shutil.copy(ROOT / "src" / "briefgen" / "styles" / "chicago-author-date.csl",
                tmp_path / "elsewhere.csl")
    assert entries(prepare(brief, csl=str(tmp_path / "elsewhere.csl"))[1])[9].startswith(
        "Hausman, David K. 2020.")


def it_reports_an_unknown_style_named_on_the_command_line(tmp_path, capsys):
    assert main(["check", str(EXAMPLE), "--csl", "apa7"]) == 2
    assert capsys.readouterr().err == (
        "--csl:1:1: unknown citation style 'apa7': the bundled ones are briefgen, ieee, apa, "
        "chicago-author-date, vancouver; did you mean 'apa'?\n")


@pytest.mark.parametrize("name", ["briefgen", "ieee", "apa", "chicago-author-date", "vancouver"])
def it_prints_a_doi_once_in_every_style(name):
    from briefgen import csl
    from briefgen.bib import read_library
    from briefgen.errors import Loc
    from briefgen.model import Ref

    library = read_library(BIB / "zotero-bbt.bib", "zotero-bbt.bib")
    chapter = library.source("martinezLocalPolicingImmigration2019")
    assert chapter.url == "https://doi.org/10.1093/oxfordhb/9780190856908.013.36"
    style = csl.find_style(name, ROOT, Loc("brief.yaml"))
    (ref,) = csl.format_references((Ref(1, chapter),), style, "en")
    text = "".join(s.text for s in ref.entry)
    assert text.count("10.1093/oxfordhb/9780190856908.013.36") == 1, text
    assert [s.href for s in ref.entry if s.href] == [
        "https://doi.org/10.1093/oxfordhb/9780190856908.013.36"]


def it_says_only_why_a_bibliography_cannot_be_read_not_that_its_keys_are_unknown(tmp_path,
                                                                                   capsys):
    (tmp_path / "broken.bib").write_text("@article{x,\n  title = {Open\n}\n", encoding="utf-8")
    brief = write(tmp_path, "title: T\ndate: 2026-11-24\nsummary: S [@x; @y].\nsections:\n"
                            "  - {heading: H, body: \"B [@z].\"}\nbibliography: broken.bib\n")
    assert main(["check", str(brief)]) == 2
    assert capsys.readouterr().err == (
        f"{tmp_path / 'broken.bib'}:1:9: entry 'x' has an unclosed '{{' (opened here)\n")


def it_says_when_a_bib_file_holds_no_entries(tmp_path, capsys):
    (tmp_path / "refs.bib").write_text('[{"id": "x", "title": "T"}]', encoding="utf-8")
    brief = write(tmp_path, "title: T\ndate: 2026-11-24\nsummary: S [@x].\nsections:\n"
                            "  - {heading: H, body: B.}\nbibliography: refs.bib\n")
    assert main(["check", str(brief)]) == 2
    assert capsys.readouterr().err == (
        f"{tmp_path / 'refs.bib'}:1:1: the file holds no BibTeX entries (@article{{key, ...}}): "
        "it looks like CSL-JSON, so name it .json\n")


def it_explains_zoteros_own_ids_which_no_citation_can_spell(tmp_path, capsys):
    (tmp_path / "zotero.json").write_text(
        '[{"id": "http://zotero.org/users/1/items/AB12", "type": "book", "title": "T"}]',
        encoding="utf-8")
    brief = write(tmp_path, "title: T\ndate: 2026-11-24\nsummary: S [@roe2020].\nsections:\n"
                            "  - {heading: H, body: B.}\nbibliography: zotero.json\n")
    assert main(["check", str(brief)]) == 2
    assert capsys.readouterr().err == (
        f"{brief}:3:13: unknown source id 'roe2020' ('{tmp_path / 'zotero.json'}' names its items "
        "by Zotero addresses (http://zotero.org/...), which a citation cannot spell: export it "
        "with Better BibTeX as Better CSL JSON, and cite the citation keys)\n")


def it_names_a_case_a_bill_or_a_book_without_author_by_its_title_in_footers():
    from briefgen.bib import read_library
    from briefgen.cite import short_name
    from briefgen.model import Ref

    library = read_library(BIB / "zotero-bbt.bib", "zotero-bbt.bib")
    names = [short_name(Ref(1, library.source(key))) for key in
             ("CityChicagoSessions2018", "NoSanctuaryCriminals2017",
              "congressionalresearchserviceSanctuaryJurisdictionsFederal2019")]
    assert names == ["City of Chicago v. Sessions 2018", "No Sanctuary for Criminals Act 2017",
                     "Congressional Research Service 2019"]


def it_names_a_missing_style_file_on_the_command_line_as_typed(capsys):
    assert main(["check", str(EXAMPLE), "--csl", "styles/nope.csl"]) == 2
    assert capsys.readouterr().err == "--csl:1:1: citation style file not found: styles/nope.csl\n"


def brief_citing(folder, library_name: str, text: str, cites: str = "[@a]"):
    (folder / library_name).write_text(text, encoding="utf-8")
    return write(folder, f"title: T\ndate: 2026-11-24\nsummary: S {cites}.\nsections:\n"
                         f"  - {{heading: H, body: B.}}\nbibliography: {library_name}\n")


def entry_text(brief, style: str = "briefgen") -> str:
    return "".join(s.text for s in prepare(brief, csl=style)[1].refs[0].entry)


def it_prints_a_year_of_other_digits_as_typed_rather_than_stopping(tmp_path):
    brief = brief_citing(tmp_path, "r.bib", "@book{a, title={T}, year={²⁰²⁰}, month={²}}\n")
    assert entry_text(brief) == "T, ² ²⁰²⁰."


def it_refuses_an_empty_title(tmp_path):
    brief = brief_citing(tmp_path, "r.bib", "@book{a, title={}, year=2020}\n")
    with pytest.raises(BriefError) as e:
        prepare(brief)
    assert str(e.value) == f"{tmp_path / 'r.bib'}:1:1: entry 'a' has no title"


def it_reads_a_bib_file_saved_with_cr_line_ends(tmp_path):
    brief = brief_citing(tmp_path, "r.bib", "@book{a,\r  title={T},\r  year=2020}\r"
                                            "@book{b,\r  title={U}}\r", "[@a; @b]")
    assert [len(r.entry) > 0 for r in prepare(brief)[1].refs] == [True, True]


def it_reads_a_csl_json_doi_written_as_an_address_as_the_doi(tmp_path):
    brief = brief_citing(tmp_path, "r.json", '[{"id": "a", "type": "article-journal", '
                                             '"title": "T", "DOI": "https://doi.org/10.1/x"}]')
    assert entry_text(brief) == "“T.” https://doi.org/10.1/x"
    assert entry_text(brief, "vancouver") == "T. doi:10.1/x"


def it_keeps_zoteros_markup_out_of_the_plain_title_and_closes_what_it_left_open(tmp_path):
    brief = brief_citing(tmp_path, "r.json", '[{"id": "a", "type": "book", "title": '
                                             '"On <i>Homo sapiens</i> and <b>bold", '
                                             '"publisher": "P", "issued": {"date-parts": [[2020]]}}]')
    ref = prepare(brief)[1].refs[0]
    assert ref.source.title == "On Homo sapiens and bold"
    # A book's title is in italics, and the <b> left open ends with the title, not the entry.
    assert [(s.text, s.italic, s.bold) for s in ref.entry][-2:] == [
        ("bold", True, True), (", P, 2020.", False, False)]


def it_title_cases_a_source_zotero_says_is_in_english(tmp_path):
    brief = brief_citing(tmp_path, "r.json", '[{"id": "a", "type": "book", "title": '
                                             '"the rise of the machines", "language": "English"}]')
    assert entry_text(brief, "chicago-author-date") == "The Rise of the Machines. n.d."


def it_reads_a_briefs_own_author_written_family_name_first(tmp_path):
    brief = write(tmp_path, "title: T\ndate: 2026-11-24\nsummary: S [@a].\nsections:\n"
                            "  - {heading: H, body: B.}\nsources:\n"
                            "  - {id: a, title: T, author: 'Hausman, David K.', date: 2020}\n")
    assert entry_text(brief, "apa") == "Hausman, D. K. (2020). T."


def it_watches_a_bibliography_whose_errors_stop_the_build(tmp_path):
    brief = brief_citing(tmp_path, "r.bib", "@book{a, title={T}\n")
    assert [f.name for f in watched_files(brief, None)] == ["brief.yaml", "r.bib"]


def it_says_a_wrong_style_even_when_nothing_is_cited(tmp_path):
    brief = write(tmp_path, "title: T\ndate: 2026-11-24\nsummary: S.\nsections:\n"
                            "  - {heading: H, body: B.}\ncitation_style: nosuch\n")
    with pytest.raises(BriefError) as e:
        prepare(brief)
    assert str(e.value) == (
        f"{brief}:6:17: unknown citation style 'nosuch': the bundled ones are briefgen, ieee, "
        "apa, chicago-author-date, vancouver; give one of them, or a .csl file's path")
