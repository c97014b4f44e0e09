"""Bibliography files as Zotero (Better BibTeX, CSL JSON), JabRef and Mendeley export them: every
key found cheaply, a cited entry mapped to a CSL-JSON item and a Source, and every problem said at
its place in the file."""
import json
import random
import sys
from pathlib import Path

import pytest

from briefgen.bib import MAX_LIBRARY_BYTES, read_library
from briefgen.errors import BriefError, Loc
from briefgen.load import load_brief

from .conftest import EXAMPLE, ROOT

DATA = ROOT / "tests" / "data" / "bib"


def read(name: str):
    return read_library(DATA / name, name)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(call) -> list[str]:
    with pytest.raises(BriefError) as e:
        call()
    return [str(p) for p in e.value.problems]


def flat(source) -> tuple:
    return (source.title, source.authors, source.publisher, source.date, source.url,
            source.accessed)


# --- the realistic fixtures -------------------------------------------------------------------

HAUSMAN = {"id": "hausmanSanctuaryPoliciesReduce2020", "type": "article-journal",
           "title": "Sanctuary Policies Reduce Deportations without Increasing Crime",
           "author": [{"family": "Hausman", "given": "David K."}],
           "container-title": "Proceedings of the National Academy of Sciences",
           "publisher": "Proceedings of the National Academy of Sciences",
           "issued": {"date-parts": [[2020, 11, 3]]}, "volume": "117", "issue": "44",
           "page": "27262–27267", "DOI": "10.1073/pnas.2014673117"}
CRS_TITLE = "“Sanctuary” Jurisdictions: Federal, State, and Local Policies and Related Litigation"
CRS = {"id": "congressionalresearchserviceSanctuaryJurisdictionsFederal2019", "type": "report",
       "title": CRS_TITLE, "author": [{"literal": "Congressional Research Service"}],
       "publisher": "Congressional Research Service", "publisher-place": "Washington, DC",
       "issued": {"date-parts": [[2019, 5, 3]]}, "accessed": {"date-parts": [[2025, 8, 1]]},
       "number": "R44795", "genre": "CRS Report",
       "URL": "https://fas.org/sgp/crs/homesec/R44795.pdf"}
PROVINE_AUTHORS = [{"family": "Provine", "given": "Doris Marie"},
                   {"family": "Varsanyi", "given": "Monica W."},
                   {"family": "Lewis", "given": "Paul G."},
                   {"family": "Decker", "given": "Scott H."}]
PROVINE = {"id": "provinePolicingImmigrantsLocal2016", "type": "book",
           "title": "Policing Immigrants: Local Law Enforcement on the Front Lines",
           "author": PROVINE_AUTHORS, "publisher": "University of Chicago Press",
           "publisher-place": "Chicago", "issued": {"date-parts": [[2016]]},
           "ISBN": "978-0-226-36302-8"}
CHAPTER_AUTHORS = [{"family": "Martínez", "given": "Daniel E."},
                   {"family": "Leun", "given": "Joanne", "non-dropping-particle": "van der"}]
CHAPTER_EDITORS = [{"family": "Menjívar", "given": "Cecilia"}, {"family": "Ruiz", "given": "Marie"},
                   {"family": "Ness", "given": "Immanuel"}]
CHAPTER = {"id": "martinezLocalPolicingImmigration2019", "type": "chapter",
           "title": "Local Policing and Immigration Enforcement", "author": CHAPTER_AUTHORS,
           "editor": CHAPTER_EDITORS,
           "container-title": "The Oxford Handbook of Migration Crises",
           "publisher": "Oxford University Press", "publisher-place": "New York",
           "issued": {"date-parts": [[2019]]}, "page": "663–680",
           "DOI": "10.1093/oxfordhb/9780190856908.013.36"}
ICE_TITLE = "Your Community Is Put at Risk When ICE Detainers Are Ignored"
ICE_URL = "https://www.ice.gov/spotlight/declined-detainers"
ICE = {"id": "u.s.immigrationandcustomsenforcementYourCommunityPut", "type": "webpage",
       "title": ICE_TITLE, "author": [{"literal": "U.S. Immigration and Customs Enforcement"}],
       "publisher": "U.S. Immigration and Customs Enforcement",  # its organization
       "accessed": {"date-parts": [[2025, 8, 1]]}, "URL": ICE_URL}
CASE = {"id": "CityChicagoSessions2018", "type": "legal_case",
        "title": "City of Chicago v. Sessions",
        "container-title": "F.3d",
        "authority": "United States Court of Appeals for the Seventh Circuit",
        "issued": {"date-parts": [[2018, 4, 19]]}, "volume": "888", "number": "17-2991",
        "page": "272", "URL": "https://casetext.com/case/city-of-chi-v-sessions-4"}
BILL_URL = "https://www.congress.gov/bill/115th-congress/house-bill/3003"
BILL = {"id": "NoSanctuaryCriminals2017", "type": "bill", "title": "No Sanctuary for Criminals Act",
        "authority": "U.S. House of Representatives", "issued": {"date-parts": [[2017, 6, 29]]},
        "accessed": {"date-parts": [[2025, 8, 1]]}, "number": "H.R. 3003", "URL": BILL_URL}


def it_maps_a_better_bibtex_export():
    lib = read("zotero-bbt.bib")
    assert lib.path == (DATA / "zotero-bbt.bib").resolve() and lib.shown == "zotero-bbt.bib"
    assert list(lib.keys.items()) == [
        (HAUSMAN["id"], Loc("zotero-bbt.bib", 1, 1)), (CRS["id"], Loc("zotero-bbt.bib", 16, 1)),
        (PROVINE["id"], Loc("zotero-bbt.bib", 29, 1)),
        (CHAPTER["id"], Loc("zotero-bbt.bib", 39, 1)),
        (ICE["id"], Loc("zotero-bbt.bib", 51, 1)), (CASE["id"], Loc("zotero-bbt.bib", 60, 1)),
        (BILL["id"], Loc("zotero-bbt.bib", 71, 1))]
    for expected in (HAUSMAN, CRS, PROVINE, CHAPTER, ICE, CASE, BILL):
        source = lib.source(expected["id"])
        assert source.item == expected
        assert source.id == expected["id"] and source.library is True
        assert source.loc == lib.keys[expected["id"]]
    # Protected capitals lose their braces and keep their case; {{...}} authors stay whole;
    # a DOI without a URL links to doi.org; a particle in biblatex's extended name format.
    assert flat(lib.source(HAUSMAN["id"])) == (
        "Sanctuary Policies Reduce Deportations without Increasing Crime", ("David K. Hausman",),
        "Proceedings of the National Academy of Sciences", "2020-11-03",
        "https://doi.org/10.1073/pnas.2014673117", None)
    assert flat(lib.source(CRS["id"])) == (
        CRS_TITLE, ("Congressional Research Service",), "Congressional Research Service",
        "2019-05-03", "https://fas.org/sgp/crs/homesec/R44795.pdf", "2025-08-01")
    assert flat(lib.source(CHAPTER["id"])) == (
        "Local Policing and Immigration Enforcement", ("Daniel E. Martínez", "Joanne van der Leun"),
        "The Oxford Handbook of Migration Crises", "2019",
        "https://doi.org/10.1093/oxfordhb/9780190856908.013.36", None)
    assert flat(lib.source(CASE["id"])) == (
        "City of Chicago v. Sessions", (), "F.3d", "2018-04-19",
        "https://casetext.com/case/city-of-chi-v-sessions-4", None)
    assert flat(lib.source(BILL["id"])) == (
        "No Sanctuary for Criminals Act", (), "U.S. House of Representatives", "2017-06-29",
        BILL_URL, "2025-08-01")


def it_maps_a_jabref_biblatex_file_with_its_string_macro_and_latex():
    lib = read("jabref.bib")
    assert list(lib.keys) == ["Hausman2020", "CRS2019", "Provine2016", "Martinez2019", "ICE2025",
                              "Chicago2018", "HR3003"]
    assert lib.keys["Hausman2020"] == Loc("jabref.bib", 5, 1)
    hausman = {**HAUSMAN, "id": "Hausman2020",
               "title": "Sanctuary policies reduce deportations without increasing crime",
               "issued": {"date-parts": [[2020, 11]]}}  # year + `month = nov`
    del hausman["publisher"]
    assert lib.source("Hausman2020").item == hausman
    assert lib.source("Hausman2020").date == "2020-11"
    crs = {**CRS, "id": "CRS2019", "issued": {"date-parts": [[2019, 5]]}}  # ``...'' quotes
    del crs["publisher-place"]
    assert lib.source("CRS2019").item == crs
    assert lib.source("Provine2016").item == {**PROVINE, "id": "Provine2016"}
    # Mart{\'\i}nez; 'van der Leun, Joanne' in BibTeX's von-Last, First form.
    assert lib.source("Martinez2019").item == {**CHAPTER, "id": "Martinez2019"}
    ice = {**ICE, "id": "ICE2025"}
    del ice["publisher"]
    assert lib.source("ICE2025").item == ice
    case = {**CASE, "id": "Chicago2018"}
    del case["URL"]
    assert lib.source("Chicago2018").item == case
    bill = {**BILL, "id": "HR3003"}
    del bill["accessed"]
    assert lib.source("HR3003").item == bill


def it_maps_a_mendeley_export():
    lib = read("mendeley.bib")
    assert list(lib.keys) == ["Hausman2020", "CongressionalResearchService2019",
                              "AmericanImmigrationCouncil2017", "Provine2016", "Martinez2019",
                              "USImmigrationandCustomsEnforcement", "CityofChicagov.Sessions2018",
                              "NoSanctuaryforCriminalsAct2017"]
    # Mendeley's header lines before the first entry are text between blocks, ignored.
    assert lib.keys["Hausman2020"] == Loc("mendeley.bib", 6, 1)
    hausman = lib.source("Hausman2020")
    assert hausman.item == {
        "id": "Hausman2020", "type": "article-journal",
        "title": "Sanctuary policies reduce deportations without increasing crime",
        "author": [{"family": "Hausman", "given": "David K."}],
        "container-title": "Proceedings of the National Academy of Sciences",
        "issued": {"date-parts": [[2020, 11]]}, "volume": "117", "issue": "44",
        "page": "27262–27267", "ISSN": "0027-8424", "DOI": "10.1073/pnas.2014673117"}
    aic = lib.source("AmericanImmigrationCouncil2017")
    assert flat(aic) == ("“Sanctuary” Policies: An Overview", ("American Immigration Council",),
                         "American Immigration Council", "2017-02",
                         "https://www.americanimmigrationcouncil.org/sites/default/files/"
                         "research/sanctuary_policies_an_overview.pdf", None)  # {\_} in the URL
    assert lib.source("Martinez2019").item == {**CHAPTER, "id": "Martinez2019"}
    assert lib.source("Provine2016").item["ISBN"] == "9780226363028"
    # Cases and bills are @misc here: a bill with a URL is a web page, a case without one a
    # document (the type BibTeX has no name for is lost, the text is not).
    assert lib.source("CityofChicagov.Sessions2018").item == {
        "id": "CityofChicagov.Sessions2018", "type": "document",
        "title": "City of Chicago v. Sessions, 888 F.3d 272",
        "author": [{"literal": "United States Court of Appeals for the Seventh Circuit"}],
        "issued": {"date-parts": [[2018]]}}
    assert lib.source("NoSanctuaryforCriminalsAct2017").item == {
        "id": "NoSanctuaryforCriminalsAct2017", "type": "webpage",
        "title": "No Sanctuary for Criminals Act, H.R. 3003",
        "author": [{"literal": "U.S. House of Representatives"}],
        "issued": {"date-parts": [[2017]]}, "URL": BILL_URL}


def it_keeps_a_zotero_csl_json_item_and_reads_its_flat_fields():
    lib = read("zotero.json")
    written = json.loads((DATA / "zotero.json").read_text(encoding="utf-8"))
    assert list(lib.keys) == [item["id"] for item in written]
    assert lib.keys[HAUSMAN["id"]] == Loc("zotero.json", 2, 2)
    for raw in written:
        source = lib.source(raw["id"])
        expected = json.loads(json.dumps(raw))
        for name in ("issued", "accessed"):  # Zotero's "2020" in date-parts is read as 2020
            if "date-parts" in expected.get(name, {}):
                expected[name]["date-parts"] = [[int(p) for p in d]
                                                for d in expected[name]["date-parts"]]
        assert source.item == expected
        assert source.item is not lib.source(raw["id"]).item or source is lib.source(raw["id"])
    assert flat(lib.source(HAUSMAN["id"])) == (
        "Sanctuary policies reduce deportations without increasing crime", ("David K. Hausman",),
        "Proceedings of the National Academy of Sciences", "2020-11-03",
        "https://doi.org/10.1073/pnas.2014673117", None)
    assert flat(lib.source(ICE["id"])) == (
        ICE_TITLE, ("U.S. Immigration and Customs Enforcement",),
        "U.S. Immigration and Customs Enforcement", None, ICE_URL, "2025-08-01")
    assert flat(lib.source(CASE["id"]))[2] == "F.3d"
    assert flat(lib.source(BILL["id"]))[2] == "U.S. House of Representatives"
    # Zotero's own item URI as an id: listed, and mapped, though [@...] can never spell it.
    uri = "http://zotero.org/users/local/kHxQ2Lp4/items/7ZB3WQ9N"
    assert lib.source(uri).date == "n.d."


def it_gives_the_example_briefs_sources_from_either_seed_file():
    """seed.bib and seed.json hold the example brief's 13 sources as a Zotero user would have
    them; a brief citing either prints the same Sources text as its inline `sources:`."""
    inline = {s.id: flat(s) for s in load_brief(EXAMPLE).sources}
    assert len(inline) == 13
    for name in ("seed.bib", "seed.json"):
        lib = read(name)
        assert set(lib.keys) == set(inline)
        assert {key: flat(lib.source(key)) for key in lib.keys} == inline, name
    bib, csl = read("seed.bib"), read("seed.json")
    # Kept exactly, so that they print as the brief's own publishers do.
    assert bib.source("hausman-pnas-2020").item["container-title"] == \
        "Proceedings of the National Academy of Sciences 117 (44)"
    assert bib.source("eo-14287").item["publisher"] == csl.source("eo-14287").item[
        "publisher"] == "Federal Register, 90 FR 18761"
    assert bib.source("uscm-mcca-2017").item["author"] == csl.source("uscm-mcca-2017").item[
        "author"] == [{"literal": "U.S. Conference of Mayors"},
                      {"literal": "Major Cities Chiefs Association"}]


# --- mapping details --------------------------------------------------------------------------

def it_reads_names_dates_types_and_latex(tmp_path):
    path = write(tmp_path, "refs.bib", r"""@book{a,
  author = {von Beethoven, Jr, Ludwig and King, Jr., Martin Luther and
            {World Health Organization} and Plato and Hausman, David K. and others},
  title = {The {UN} and {\"U}ber Caf\'e na\"ive {\ss}~tests --- {CO$_2$}},
  year = {2020}, month = {November}, day = {3}
}
@misc{b, title = {Ohne URL}, year = 2021, month = 11}
@misc{c, title = {Mit URL}, howpublished = {\url{https://example.org/c}}}
@whatever{d, title = {Unbekannt}, date = {2020-11-03/2020-11-05}}
@online{e, title = {Sp{\"a}t}, date = {Spring 2020}, urldate = {2024-02},
  doi = {https://doi.org/10.1/x}, url = {https://example.org/e}}
@techreport{f, title = {T}, institution = {Institut f{\"u}r Migration}, number = {7},
  year = {2019}, month = jan}
@phdthesis{g, title = {T}, school = {Uni}, year = {forthcoming}}
@article{h, title = {T}, pages = {S-12 -- S-19, 101-9}}
""")
    lib = read_library(path, "refs.bib")
    a = lib.source("a")
    assert a.item["author"] == [
        {"family": "Beethoven", "given": "Ludwig", "non-dropping-particle": "von", "suffix": "Jr"},
        {"family": "King", "given": "Martin Luther", "suffix": "Jr."},
        {"literal": "World Health Organization"}, {"family": "Plato"},
        {"family": "Hausman", "given": "David K."}]  # 'and others': the style says et al.
    assert a.authors == ("Ludwig von Beethoven Jr", "Martin Luther King Jr.",
                         "World Health Organization", "Plato", "David K. Hausman")
    assert a.title == "The UN and Über Café naïve ß\u00a0tests — CO_2"
    assert a.item["issued"] == {"date-parts": [[2020, 11, 3]]} and a.date == "2020-11-03"
    assert lib.source("b").item == {"id": "b", "type": "document", "title": "Ohne URL",
                                    "issued": {"date-parts": [[2021, 11]]}}
    assert lib.source("c").item["type"] == "webpage" and lib.source("c").url == \
        "https://example.org/c"
    assert lib.source("d").item == {"id": "d", "type": "document", "title": "Unbekannt",
                                    "issued": {"date-parts": [[2020, 11, 3], [2020, 11, 5]]}}
    assert lib.source("d").date == "2020-11-03/2020-11-05"
    e = lib.source("e")
    assert e.item["issued"] == {"literal": "Spring 2020"} and e.date == "Spring 2020"
    assert e.accessed == "2024-02" and e.item["DOI"] == "10.1/x"
    assert e.url == "https://example.org/e"  # its own URL wins over the DOI's
    f = lib.source("f")
    assert (f.item["type"], f.item["publisher"], f.item["number"], f.date) == (
        "report", "Institut für Migration", "7", "2019-01")
    g = lib.source("g")
    assert (g.item["type"], g.item["genre"], g.publisher, g.date) == (
        "thesis", "PhD thesis", "Uni", "forthcoming")
    assert lib.source("h").item["page"] == "S-12 – S-19, 101–9"


def it_reads_windows_line_ends_a_byte_order_mark_and_parenthesised_blocks(tmp_path):
    mendeley = (DATA / "mendeley.bib").read_text(encoding="utf-8")
    path = tmp_path / "crlf.bib"
    path.write_bytes(b"\xef\xbb\xbf" + mendeley.replace("\n", "\r\n").encode())
    plain, crlf = read("mendeley.bib"), read_library(path, "mendeley.bib")
    assert list(crlf.keys.items()) == list(plain.keys.items())
    assert [crlf.source(k).item for k in crlf.keys] == [plain.source(k).item for k in plain.keys]
    path = write(tmp_path, "refs.bib", '@article(p,\n  title = "A (parenthesised) {Title}",\n'
                                       '  journal = "J" # " of " # {X},\n  year = 2020\n)\n'
                                       "@comment{anything {here}}\n"
                                       '@preamble{"\\newcommand{\\x}{y}"}\n@misc{empty}\n')
    lib = read_library(path, "refs.bib")
    assert list(lib.keys) == ["p", "empty"]
    assert lib.source("p").item == {"id": "p", "type": "article-journal",
                                    "title": "A (parenthesised) Title", "container-title": "J of X",
                                    "issued": {"date-parts": [[2020]]}}
    assert problems_of(lambda: lib.source("empty")) == ["refs.bib:8:1: entry 'empty' has no title"]


# --- problems, located in the file ------------------------------------------------------------

def it_says_a_cited_entry_has_no_title_and_ignores_uncited_ones(tmp_path):
    lines = ["@article{ok, title = {Fine}}"] + [""] * 118 + [
        "  @article{smith2020,", "  author = {Smith, Jane},", "  year = {2020}", "}",
        "@article{other, year = {2020}}"]
    path = write(tmp_path, "refs.bib", "\n".join(lines) + "\n")
    lib = read_library(path, "briefs/refs.bib")  # 'other' has no title: it is never cited
    assert lib.keys["smith2020"] == Loc("briefs/refs.bib", 120, 3)
    assert problems_of(lambda: lib.source("smith2020")) == [
        "briefs/refs.bib:120:3: entry 'smith2020' has no title"]
    assert lib.source("ok").title == "Fine"


def it_says_where_an_unclosed_brace_opened(tmp_path):
    path = write(tmp_path, "refs.bib", "@article{x,\n  title = {Unclosed,\n  year = {2020}\n}\n\n"
                                       "@book{y,\n  title = {Fine}\n}\n")
    assert problems_of(lambda: read_library(path, "refs.bib")) == [
        "refs.bib:2:11: entry 'x' has an unclosed '{' (opened here)"]
    path = write(tmp_path, "end.bib", "@article{x,\n  title = {A {nested} title},\n  year = 2020\n")
    assert problems_of(lambda: read_library(path, "end.bib")) == [
        "end.bib:1:9: entry 'x' has an unclosed '{' (opened here)"]


def it_says_where_a_stray_brace_stands(tmp_path):
    path = write(tmp_path, "refs.bib", "@article{x,\n  title = {A}},\n  year = {2020}\n}\n\n"
                                       "@book{y,\n  title = {Fine}\n}\n")
    assert problems_of(lambda: read_library(path, "refs.bib")) == [
        "refs.bib:2:14: entry 'x' has a stray '}'"]
    # A '}' too many and a '{' too many balance: found when the entry is cited.
    path = write(tmp_path, "both.bib", "@article{x,\n  title = {A}},\n  note = {{b}\n}\n")
    lib = read_library(path, "both.bib")
    assert problems_of(lambda: lib.source("x")) == ["both.bib:2:14: entry 'x' has a stray '}'"]


def it_says_a_key_twice_and_other_key_problems(tmp_path):
    path = write(tmp_path, "refs.bib", "@article{x,\n  title = {A}\n}\n@book{x,\n  title = {B}\n}\n"
                                       "@article{,\n title = {C}\n}\n@article{k title = {D}}\n")
    assert problems_of(lambda: read_library(path, "refs.bib")) == [
        "refs.bib:4:1: duplicate key 'x' (first at line 1)",
        "refs.bib:7:1: @article entry has no key",
        "refs.bib:10:1: entry 'k' has no ',' after its key"]


def it_says_a_field_twice_an_undefined_macro_and_a_missing_comma(tmp_path):
    path = write(tmp_path, "refs.bib", "@article{x,\n  title = {A},\n  title = {B}\n}\n"
                                       "@article{y, title = {T}, journal = nope}\n"
                                       "@article{z,\n  title = {A}\n  year = {2020}\n}\n")
    lib = read_library(path, "refs.bib")
    assert problems_of(lambda: lib.source("z")) == [
        "refs.bib:7:3: entry 'z' field 'title' has 'year = {2020}' after its value: is a ',' "
        "missing?"]
    assert problems_of(lambda: lib.source("x")) == ["refs.bib:3:3: entry 'x' has two 'title' "
                                                    "fields"]
    assert problems_of(lambda: lib.source("y")) == [
        "refs.bib:5:26: entry 'y' field 'journal' uses undefined @string 'nope'"]


def it_expands_string_macros_and_refuses_loops(tmp_path):
    path = write(tmp_path, "refs.bib", '@string{pnas = {Proc. Natl. Acad. Sci.}}\n'
                                       '@STRING{full = pnas # " USA"}\n'
                                       '@article{x, title = {T}, journal = Full, month = nov, '
                                       'year = 2020}\n')
    x = read_library(path, "refs.bib").source("x")
    assert (x.publisher, x.date) == ("Proc. Natl. Acad. Sci. USA", "2020-11")
    path = write(tmp_path, "loop.bib", "@string{a = b}\n@string{b = a}\n@string{c = c}\n"
                                       '@string{d = "x" # e}\n@article{x, title = a}\n')
    assert problems_of(lambda: read_library(path, "loop.bib")) == [
        "loop.bib:1:1: @string macros refer to each other in a loop: a -> b -> a",
        "loop.bib:3:1: @string 'c' refers to itself",
        "loop.bib:4:1: @string 'd' uses undefined @string 'e'"]
    # A chain of thousands: no RecursionError; a macro that doubles 40 times is never built.
    chain = "".join(f"@string{{m{i} = m{i - 1} # {{x}}}}\n" for i in range(1, 3000))
    bomb = "@string{b0 = {xxxxxxxxxx}}\n" + "".join(
        f"@string{{b{i} = b{i - 1} # b{i - 1}}}\n" for i in range(1, 41))
    path = write(tmp_path, "chain.bib", "@string{m0 = {x}}\n" + chain + bomb +
                 "@article{c, title = m2999}\n"
                 "@article{d, title = {T}, note = {n}, journal = b40}\n")
    lib = read_library(path, "chain.bib")
    assert lib.source("c").title == "x" * 3000
    assert problems_of(lambda: lib.source("d")) == [
        "chain.bib:3043:38: entry 'd' field 'journal' is longer than 50,000 characters with its "
        "@string macros"]


def it_reads_an_empty_file_and_refuses_other_kinds(tmp_path):
    assert read_library(write(tmp_path, "refs.bib", ""), "refs.bib").keys == {}
    assert read_library(write(tmp_path, "refs.json", "\n"), "refs.json").keys == {}
    assert read_library(write(tmp_path, "none.json", "[]"), "none.json").keys == {}
    path = write(tmp_path, "refs.ris", "TY  - JOUR\n")
    assert problems_of(lambda: read_library(path, "refs.ris")) == [
        "refs.ris:1:1: a bibliography file is a .bib (BibTeX, BibLaTeX) or a .json (CSL-JSON) "
        "file, not '.ris'"]


def it_refuses_a_file_that_is_not_utf8_at_the_bad_byte(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_bytes("@article{x,\n  title = {Caf\u00e9}\n}\n".encode("latin-1"))
    assert problems_of(lambda: read_library(path, "refs.bib")) == [
        "refs.bib:2:15: not UTF-8 text (byte 0xE9): save the file as UTF-8 (Zotero, JabRef and "
        "Mendeley can)"]


def it_refuses_a_file_over_the_limit_without_reading_it_whole(tmp_path):
    path = tmp_path / "huge.bib"
    with open(path, "wb") as f:  # sparse: 2 GB that take no room
        f.truncate(2 * 1024 ** 3)
    assert problems_of(lambda: read_library(path, "huge.bib")) == [
        f"huge.bib:1:1: file is 2,147,483,648 bytes; a bibliography may be at most "
        f"{MAX_LIBRARY_BYTES:,}"]
    assert problems_of(lambda: read_library(tmp_path / "gone.bib", "gone.bib",
                                            at=Loc("brief.yaml", 3, 15))) == [
        "brief.yaml:3:15: file not found"]


def it_says_what_is_wrong_with_a_csl_json_file(tmp_path):
    path = write(tmp_path, "bad.json",
                 '[\n  {"id": "a", "title": "A"},\n  {"id": "a" "title": "B"}\n]')
    assert problems_of(lambda: read_library(path, "bad.json")) == [
        "bad.json:3:14: not JSON: Expecting ',' delimiter"]
    path = write(tmp_path, "obj.json", '{"items": []}')
    assert problems_of(lambda: read_library(path, "obj.json")) == [
        "obj.json:1:1: a CSL-JSON file holds a list of items ([...]), not an object"]
    path = write(tmp_path, "shape.json", '[\n  {"id": "a", "title": "A"},\n  "text",\n'
                                         '  {"title": "no id"},\n  {"id": 5},\n  {"id": "a"}\n]')
    assert problems_of(lambda: read_library(path, "shape.json")) == [
        "shape.json:3:3: item 2 is text, not an object ({...})",
        "shape.json:4:3: item 3 has no 'id'",
        "shape.json:5:3: item 4 has an 'id' that is not text: 5",
        "shape.json:6:3: duplicate id 'a' (first at line 2)"]
    path = write(tmp_path, "types.json", '[\n  {"id": "a",\n   "title": "A",\n   "author": '
                                         '"Smith",\n   "issued": "2020"},\n  {"id": "b"}\n]')
    lib = read_library(path, "types.json")  # an item's fields are looked at when it is cited
    assert problems_of(lambda: lib.source("a")) == [
        "types.json:4:4: item 'a' field 'author' must be a list of names ({\"family\": ..., "
        "\"given\": ...} or {\"literal\": ...})",
        "types.json:5:4: item 'a' field 'issued' must be a date ({\"date-parts\": [[2020, 11, "
        "3]]} or {\"literal\": ...})"]
    assert problems_of(lambda: lib.source("b")) == ["types.json:6:3: item 'b' has no title"]
    path = write(tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000)
    assert problems_of(lambda: read_library(path, "deep.json")) == [
        "deep.json:1:2: not CSL-JSON: nested too deep"]


# --- hostile input ----------------------------------------------------------------------------

_opened: list[str] = []
_watching = [False]


def _audit(event, args):
    if _watching[0] and event == "open":
        _opened.append(str(args[0]))


def it_prints_file_commands_as_typed_and_opens_nothing(tmp_path):
    path = write(tmp_path, "refs.bib", r"""@article{h,
  title = {Read \input{/etc/passwd} and \include{secret}
    then \write18{rm -rf /} \immediate\write18{ls}},
  journal = {J. of {\"U}ber \emph{Things} \foo{bar} \today},
  author = {M{\"u}ller, J{\"o}rg and {\input{/etc/passwd}}},
  note = {\input{/etc/hosts}}
}
""")
    lib = read_library(path, "refs.bib")
    read_library(DATA / "jabref.bib", "warm").source("Martinez2019")  # imports done, LaTeX read
    sys.addaudithook(_audit)
    _watching[0] = True
    try:
        source = lib.source("h")
    finally:
        _watching[0] = False
    assert _opened == []
    assert source.title == (r"Read \input{/etc/passwd} and \include{secret} then "
                            r"\write18{rm -rf /} \immediate\write18{ls}")
    assert source.publisher == r"J. of Über Things \foo{bar} \today"
    assert source.authors == ("Jörg Müller", r"\input{/etc/passwd}")


def it_refuses_links_that_are_not_web_addresses_and_dates_no_style_prints(tmp_path):
    path = write(tmp_path, "refs.bib", "@misc{a, title={T}, url={javascript:alert(1)}}\n"
                                       "@misc{b, title={T}, howpublished={\\url{file:///etc/x}}}\n"
                                       "@misc{c, title={T}, year={99999}}\n")
    lib = read_library(path, "refs.bib")
    assert problems_of(lambda: lib.source("a")) == [
        "refs.bib:1:21: entry 'a' field 'url' must be an http:// or https:// address, not "
        "'javascript:alert(1)'"]
    assert problems_of(lambda: lib.source("b")) == [
        "refs.bib:2:21: entry 'b' field 'howpublished' must be an http:// or https:// address, "
        "not 'file:///etc/x'"]
    assert lib.source("c").item["issued"] == {"literal": "99999"}
    path = write(tmp_path, "refs.json", '[{"id": "a", "title": "T", "URL": "javascript:x"},\n'
                                        ' {"id": "b", "title": "T",\n  "issued": {"date-parts": '
                                        '[[99999999999999999999, 13, 45]]}}]')
    lib = read_library(path, "refs.json")
    assert problems_of(lambda: lib.source("a")) == [
        "refs.json:1:28: item 'a' field 'URL' must be an http:// or https:// address, not "
        "'javascript:x'"]
    assert problems_of(lambda: lib.source("b")) == [
        "refs.json:3:3: item 'b' field 'issued' must be a date ({\"date-parts\": [[2020, 11, 3]]} "
        "or {\"literal\": ...})"]


def it_refuses_deep_braces_and_huge_fields_without_hanging(tmp_path):
    deep = "{" * 10_000 + "x" + "}" * 10_000
    path = write(tmp_path, "deep.bib", "@article{d,\n  title = {" + deep + "}\n}\n"
                                       "@article{u,\n  title = {" + deep[:-1] + "}\n}\n"
                                       "@article{v,\n  title = {" + deep[1:] + "}\n}\n")
    assert problems_of(lambda: read_library(path, "deep.bib")) == [
        "deep.bib:4:9: entry 'u' has an unclosed '{' (opened here)",
        "deep.bib:9:1: entry 'v' has a stray '}'"]
    path = write(tmp_path, "deep.bib", "@article{d,\n  title = {" + deep + "}\n}\n")
    lib = read_library(path, "deep.bib")
    assert problems_of(lambda: lib.source("d")) == [
        "deep.bib:2:3: entry 'd' field 'title' has braces nested more than 50 deep"]
    big = "word " * 200_000
    path = write(tmp_path, "big.bib", "@article{b,\n  title = {" + big + "}\n}\n@article{c,\n"
                                      "  title = {Fine},\n  abstract = {" + big + "}\n}\n")
    lib = read_library(path, "big.bib")
    assert lib.source("c").title == "Fine"  # an unused field is not read
    assert problems_of(lambda: lib.source("b")) == [
        "big.bib:2:3: entry 'b' field 'title' is 1,000,002 characters; a field may be at most "
        "50,000"]
    # Braces one by one cost a microsecond each: a block of millions is refused unread.
    path = write(tmp_path, "braces.bib", "@article{x,\n  title = {" + "{" * 3_000_000 + "\n}\n")
    assert problems_of(lambda: read_library(path, "braces.bib")) == [
        "braces.bib:1:9: entry 'x' has 3,000,003 braces that do not balance; an entry may have "
        "at most 200,000"]
    path = write(tmp_path, "pairs.bib", "@article{x,\n  title = {T},\n  abstract = {" +
                 "{}" * 1_000_000 + "}\n}\n")
    lib = read_library(path, "pairs.bib")
    assert problems_of(lambda: lib.source("x")) == [
        "pairs.bib:1:1: entry 'x' has 2,000,006 braces; an entry may have at most 200,000"]
    path = write(tmp_path, "big.json", '[{"id": "a",\n  "title": "' + big + '"}]')
    lib = read_library(path, "big.json")
    assert problems_of(lambda: lib.source("a")) == [
        "big.json:2:3: item 'a' field 'title' is 1,000,000 characters; a field may be at most "
        "50,000"]


def it_imports_bibtexparser_only_to_map_a_cited_entry():
    import subprocess

    code = ("import sys; from pathlib import Path; from briefgen.bib import read_library; "
            f"lib = read_library(Path({str(DATA / 'jabref.bib')!r}), 'j'); "
            "print('bibtexparser' in sys.modules, end=' '); lib.source('Hausman2020'); "
            "print('bibtexparser' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "False True\n"


# --- speed -------------------------------------------------------------------------------------

_WORDS = ("policy immigration enforcement local federal county sheriff detainer community trust "
          "crime deportation sanctuary jurisdiction evidence survey police cooperation state "
          "reform program analysis cities data outcomes effects public safety court").split()


def big_library(n: int) -> tuple[str, str]:
    """n entries as Better BibTeX writes them (about 560 bytes each), and the same as CSL-JSON
    as Zotero writes it (tab-indented)."""
    rnd = random.Random(7)
    bib, items = [], []
    for i in range(n):
        title = " ".join(rnd.choice(_WORDS) for _ in range(9)).capitalize()
        journal = f"Journal of {rnd.choice(_WORDS).capitalize()} Studies"
        kind = ("article", "report", "book", "incollection", "online")[i % 5]
        abstract = " ".join(rnd.choice(_WORDS) for _ in range(6))
        date = f"20{i % 25:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        bib.append(f"""@{kind}{{key{i:05d},
  title = {{{title} {{{{US}}}} {{{{ICE}}}}}},
  author = {{Smith{i}, Jane Q. and M{{\\"u}}ller, J{{\\"o}}rg and {{World Health Organization}}}},
  date = {{{date}}},
  journaltitle = {{{journal}}},
  volume = {{{i % 90}}},
  number = {{{i % 12}}},
  pages = {{{i}--{i + 17}}},
  publisher = {{University Press}},
  doi = {{10.1000/xyz.{i}}},
  url = {{https://example.org/articles/{i}/{'-'.join(title.lower().split()[:5])}}},
  urldate = {{2024-01-{1 + i % 28:02d}}},
  abstract = {{{abstract}}},
  langid = {{english}}
}}
""")
        items.append({"id": f"key{i:05d}", "type": "article-journal", "title": title,
                      "author": [{"family": f"Smith{i}", "given": "Jane Q."},
                                 {"family": "Müller", "given": "Jörg"},
                                 {"literal": "World Health Organization"}],
                      "issued": {"date-parts": [[str(2000 + i % 25), 1 + i % 12, 1 + i % 28]]},
                      "container-title": journal, "volume": str(i % 90), "issue": str(i % 12),
                      "page": f"{i}-{i + 17}", "DOI": f"10.1000/xyz.{i}",
                      "URL": f"https://example.org/articles/{i}",
                      "accessed": {"date-parts": [[2024, 1, 1 + i % 28]]}, "abstract": abstract})
    return "\n".join(bib), json.dumps(items, indent="\t", ensure_ascii=False)


@pytest.mark.parametrize("kind", ["bib", "json"])
def it_reads_5000_entries_and_maps_only_the_20_cited_ones(tmp_path, kind):
    # What keeps a library cheap: an entry is mapped only when cited (how long a build takes
    # with one is make bench's to say, not a test's).
    bib, csl = big_library(5000)
    path = write(tmp_path, f"big.{kind}", bib if kind == "bib" else csl)
    lib = read_library(path, f"big.{kind}")
    sources = [lib.source(f"key{i:05d}") for i in range(0, 5000, 250)]
    assert len(lib.keys) == 5000 and len(sources) == 20
    assert sorted(lib._sources) == [f"key{i:05d}" for i in range(0, 5000, 250)]
    assert sources[1].authors == ("Jane Q. Smith250", "Jörg Müller", "World Health Organization")
