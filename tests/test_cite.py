import re

from briefgen.cite import number_citations, plain, short_name, split_sentences
from briefgen.load import load_brief

from .conftest import EXAMPLE, MINIMAL, ROOT, SEED, write


def seed_sequence() -> list[int]:
    text = (SEED / "sanctuary-cities.txt").read_text(encoding="utf-8")
    return [int(n) for n in re.findall(r"\[(\d+)\]", text)]


def it_numbers_the_example_exactly_as_the_seed_text_does():
    doc = number_citations(load_brief(EXAMPLE))
    numbers = [c.number for para in doc.summary for s in para for c in s.cites]
    for section in doc.sections:
        numbers += [c.number for para in section.paras for s in para for c in s.cites]
    assert numbers == seed_sequence()
    assert numbers[:3] == [1, 2, 3] and numbers[-4:] == [3, 10, 8, 4]


def it_gives_each_source_the_seed_number():
    import yaml
    seed = yaml.safe_load((SEED / "sources.yaml").read_text(encoding="utf-8"))
    doc = number_citations(load_brief(EXAMPLE))
    assert [(r.number, r.source.id) for r in doc.refs] == [(s["n"], s["id"]) for s in seed]


def it_numbers_by_first_appearance_in_reading_order(tmp_path):
    text = """\
title: Order
date: 2026-11-24
summary: Summary cites [@c].
sections:
  - heading: One
    body: Body cites [@b].
    takeaway: Takeaway cites [@d].
    bullets: ["Bullet cites [@a]"]
    notes: Notes cite [@e].
    figure: {path: chart.png, alt: Chart, caption: "Caption cites [@f] and [@c]"}
sources:
  - {id: a, title: A}
  - {id: b, title: B}
  - {id: c, title: C}
  - {id: d, title: D}
  - {id: e, title: E}
  - {id: f, title: F}
  - {id: g, title: Never cited}
"""
    (tmp_path / "chart.png").write_bytes((ROOT / "tests" / "data" / "chart.png").read_bytes())
    doc = number_citations(load_brief(write(tmp_path, text)))
    # As the memo reads (summary, body, caption), then takeaway, bullets and notes, which
    # the memo does not print.
    assert [(r.number, r.source.id) for r in doc.refs] == [
        (1, "c"), (2, "b"), (3, "f"), (4, "d"), (5, "a"), (6, "e")]
    assert [w.message for w in doc.warnings] == ["source 'g' is never cited"]


def it_keeps_locators_and_inline_markdown(tmp_path):
    text = MINIMAL.replace("Text [@b].", "'*Some* **bold** [link](https://x.org) [@b, p. 4]; <b>raw</b>'")
    doc = number_citations(load_brief(write(tmp_path, text)))
    para = doc.sections[0].paras[0]
    assert [(s.text, s.bold, s.italic, s.href) for s in para if not s.cites][:5] == [
        ("Some", False, True, None), (" ", False, False, None), ("bold", True, False, None),
        (" ", False, False, None), ("link", False, False, "https://x.org")]
    # No break inside a citation: its spaces are no-break ones.
    assert plain(para) == "Some bold link\u00a0[2,\u00a0p.\u00a04]; <b>raw</b>"


def it_takes_the_first_sentence_as_the_default_takeaway(tmp_path):
    text = MINIMAL.replace("body: Text [@b].",
                           "body: |\n      First point here [@b]. Second point.\n\n"
                           "      Third. Fourth [@b].")
    doc = number_citations(load_brief(write(tmp_path, text)))
    assert plain(doc.sections[0].takeaway) == "First point here\u00a0[2]."
    # A slide's default points: each paragraph's first sentence.
    assert [plain(b) for b in doc.sections[0].bullets] == ["First point here\u00a0[2].", "Third."]


def it_splits_sentences_after_citation_groups():
    assert split_sentences("One [@a]. Two [@b; @c]. (Three.)") == [
        "One [@a].", "Two [@b; @c].", "(Three.)"]


def it_splits_sentences_that_open_with_a_capital_beyond_ascii_or_a_mark():
    assert split_sentences("Gut. Ärger folgt. „Zitat“ hier. Élargir! ¿Fue? ¡Sí! « Oui », dit-il. "
                           "Ж да.") == ["Gut.", "Ärger folgt.", "„Zitat“ hier.", "Élargir!",
                                        "¿Fue?", "¡Sí!", "« Oui », dit-il.", "Ж да."]


def it_ends_sentences_at_paragraphs_and_list_items():
    # A paragraph that ends without a full stop, and list items, are never run together.
    assert split_sentences("Three options:\n1. Do nothing.\n2) Adopt it\n\n- Wait [@a]\n"
                           "Still the item. Last\n\n- And then") == [
        "Three options:", "Do nothing.", "Adopt it", "Wait [@a] Still the item.", "Last",
        "And then"]
    assert split_sentences("In 2024 the cost\nrose 2.5 per cent. It fell.") == [
        "In 2024 the cost rose 2.5 per cent.", "It fell."]
    # One line that starts like an item is not a list: hard-wrapped text starts lines so.
    assert " ".join(split_sentences("Seit dem\n3. Oktober gilt es\n- mit Ausnahmen.")) == \
        "Seit dem 3. Oktober gilt es - mit Ausnahmen."  # nothing taken for a marker
    # Nor are two such lines in different paragraphs, or dashes (a German aside).
    dates = "Es begann am\n1. Oktober.\n\nEs endete am\n2. Januar.\n\nSo\n– sagt sie –\nund\n– so –"
    assert " ".join(split_sentences(dates, "de")) == " ".join(dates.split())
    # Markdown numbers every item 1, and mixes its bullets.
    assert split_sentences("Options:\n1. Wait.\n1. Act.\n1. Ask.\n\n- One\n* Two") == [
        "Options:", "Wait.", "Act.", "Ask.", "One", "Two"]


def it_does_not_end_a_german_sentence_at_an_ordinal_or_abbreviation(tmp_path):
    body = ("Die Regelung stammt aus dem 21. Jahrhundert und gilt z. B. in Berlin [@b]. Sie "
            "wurde am 3. Oktober verlängert. Das galt bis 2024. Danach nicht mehr.")
    text = MINIMAL.replace("body: Text [@b].", f"body: {body}")
    for lang, count in (("de", 4), ("en", 7)):  # English reads "21." as the end of one
        doc = number_citations(load_brief(write(tmp_path, f"lang: {lang}\n" + text)))
        assert len(split_sentences(body, lang)) == count
    assert plain(doc.sections[0].takeaway) == "Die Regelung stammt aus dem 21."  # (lang: en)
    doc = number_citations(load_brief(write(tmp_path, "lang: de-AT\n" + text)))
    assert plain(doc.sections[0].takeaway) == ("Die Regelung stammt aus dem 21. Jahrhundert und "
                                               "gilt z. B. in Berlin\u00a0[2].")
    assert split_sentences(body, "de-AT")[1:] == [
        "Sie wurde am 3. Oktober verlängert.", "Das galt bis 2024.", "Danach nicht mehr."]


def it_warns_only_where_the_default_takeaway_would_be_a_lists_lead_in(tmp_path):
    lead_in = "Gaps persist for some groups even under universal meals [@b]:"
    text = MINIMAL.replace("    body: Text [@b].",
                           f"    body: |\n      {lead_in}\n\n      - Rural schools.\n")
    doc = number_citations(load_brief(write(tmp_path, text)))
    assert [w.message for w in doc.warnings] == [
        "section 1 has no takeaway: and its body's first sentence introduces a list ('Gaps "
        "persist for some groups even under\u2026'); the handout and the deck would show it as "
        "the key point: give the section a takeaway:"]
    # A takeaway, or a first sentence that is not a lead-in, says nothing.
    given = text.replace("    body: |", "    takeaway: Gaps persist.\n    body: |")
    assert number_citations(load_brief(write(tmp_path, given))).warnings == ()
    ended = text.replace("[@b]:", "[@b].")
    assert number_citations(load_brief(write(tmp_path, ended))).warnings == ()


def it_warns_where_the_default_takeaway_would_be_citations_alone(tmp_path):
    text = MINIMAL.replace("    body: Text [@b].", "    body: |\n      - [@b]\n      - Two.\n")
    doc = number_citations(load_brief(write(tmp_path, text)))
    assert plain(doc.sections[0].takeaway) == "[2]"
    assert [str(w) for w in doc.warnings] == [
        f"{tmp_path / 'brief.yaml'}:6:11: section 1 has no takeaway: and its body's first "
        "sentence has no words, only citations; the handout and the deck would show them alone "
        "as the key point: give the section a takeaway:"]
    given = text.replace("    body: |", "    takeaway: Two points.\n    body: |")
    assert number_citations(load_brief(write(tmp_path, given))).warnings == ()


def it_reads_items_right_under_a_line_of_text_as_a_list(tmp_path):
    listed = "Three options:\n      1. Do nothing.\n      2. Adopt it [@b]."
    text = MINIMAL.replace("    body: Text [@b].", f"    body: |\n      {listed}")
    doc = number_citations(load_brief(write(tmp_path, text)))
    # Without a takeaway:, the key point would be the list's lead-in.
    assert [str(w) for w in doc.warnings] == [
        f"{tmp_path / 'brief.yaml'}:6:11: section 1 has no takeaway: and its body's first "
        "sentence introduces a list ('Three options:'); the handout and the deck would show it "
        "as the key point: give the section a takeaway:"]
    intro, options = doc.sections[0].paras
    assert plain(intro) == "Three options:"
    assert (options.ordered, options.start) == (True, 1)
    assert [plain(i.para) for i in options.items] == ["Do nothing.", "Adopt it\u00a0[2]."]
    assert plain(doc.sections[0].takeaway) == "Three options:"
    # The list's items are the slide's bullets.
    assert [plain(b) for b in doc.sections[0].bullets] == ["Do nothing.", "Adopt it\u00a0[2]."]
    # One line alone that starts like an item is the line above's next line.
    german = text.replace("1. Do nothing.\n      2. Adopt it", "Am\n      1. Oktober gilt es")
    doc = number_citations(load_brief(write(tmp_path, german)))
    assert doc.warnings == ()
    assert [plain(p) for p in doc.sections[0].paras] == [
        "Three options: Am 1. Oktober gilt es\u00a0[2]."]


def it_quotes_titles_in_the_brief_language():
    from briefgen.labels import quoted

    assert quoted('Why "sanctuary" matters', "en") == "“Why ‘sanctuary’ matters”"
    assert quoted("Die „Mietpreisbremse“ wirkt", "de-AT") == "„Die ‚Mietpreisbremse‘ wirkt“"
    assert quoted("Le « mal-logement » en France", "fr") == \
        "«\u00a0Le “mal-logement” en France\u00a0»"
    assert quoted("El “efecto” de «algo»", "es") == "«El “efecto” de “algo”»"
    assert quoted("It's 'fine'", "pt") == "“It's 'fine'”"  # single quotes are left alone


def it_names_people_by_surname_and_organisations_whole_in_footers():
    from briefgen.cite import short_name
    from briefgen.model import Ref, Source

    def named(*authors):
        return short_name(Ref(1, Source(id="x", title="T", authors=authors, date="2020",
                                        publisher=None, url=None, accessed=None, loc=None)))

    assert named("David K. Hausman") == "Hausman 2020"
    assert named("Ana de la Cruz", "Ludwig van Beethoven") == "Cruz and Beethoven 2020"
    assert named("José dos Santos") == "Santos 2020"
    for organisation in ("ifo Institut", "Statistisches Bundesamt", "Banco de España",
                         "Fondation Abbé Pierre", "Human Rights Watch", "AT&T", "G20 Office",
                         "Brookings Institution", "Amnesty International"):
        assert named(organisation) == f"{organisation} 2020"


def it_writes_dates_and_author_lists_in_the_brief_language():
    from briefgen.cite import join_names
    from briefgen.labels import format_date

    assert format_date("2026-09-15", "es") == "15 de septiembre de 2026"
    assert format_date("2017-02", "es") == "febrero de 2017"
    assert format_date("2026-09-15", "fr-CA") == "15 septembre 2026"
    assert format_date("2026-05-01", "fr") == "1er mai 2026"
    assert format_date("2026-09-15", "de") == "15. September 2026"
    assert format_date("2026-09-15", "en-GB") == "September 15, 2026"
    assert format_date("May 2017", "en") == "May 2017"
    assert join_names(("Ana Martínez", "Mariona Segú"), "es") == "Ana Martínez y Mariona Segú"
    assert join_names(("A", "B", "C")) == "A, B and C"


def it_cuts_a_long_short_name_after_a_word_and_never_repeats_a_title(tmp_path):
    from briefgen.handout import _short_reference

    text = MINIMAL.replace("title: Source A", "title: Report A\n    publisher: City of New "
                           "Orleans City Planning Commission\n    date: 2018-03")
    text = text.replace("title: Source B", "title: Hignell-Stark v. City of New Orleans\n"
                        "    date: 2022")
    doc = number_citations(load_brief(write(tmp_path, text)))
    a, b = doc.refs
    assert short_name(a) == "City of New Orleans City Planning… 2018"
    assert _short_reference(a, "en") == "City of New Orleans City Planning… 2018, “Report A”"
    assert _short_reference(b, "en") == "“Hignell-Stark v. City of New Orleans” 2022"


def it_keeps_french_guillemets_and_high_punctuation_with_their_words(tmp_path):
    from briefgen.html import render_html
    from briefgen.theme import load_theme

    body = "Un « plafonnement » réduit l’offre de 15 % ; est-ce utile ? Oui : voir https://x.org."
    text = MINIMAL.replace("Text [@b].", f"'{body} [@b]'").replace("date:", "lang: fr\ndate:")
    doc = number_citations(load_brief(write(tmp_path, text)))
    assert plain(doc.sections[0].paras[0]) == (
        "Un «\xa0plafonnement\xa0» réduit l’offre de 15\xa0%\xa0; est-ce utile\xa0? "
        "Oui\xa0: voir https://x.org.\xa0[2]")
    # In the PDFs, words so joined are a span kept on one line, with plain spaces (a font
    # without U+00A0 garbles the text's extraction).
    html = render_html(doc, load_theme("default"), "memo")
    assert '<span class="nobr">«\xa0plafonnement\xa0»</span>' not in html
    assert '<span class="nobr">« plafonnement »</span>' in html
    assert '<span class="nobr">15 % ;</span>' in html
    # At the edge of a text, next to markup ('« *mot* »'), the no-break space itself stays.
    from briefgen.html import nobreak

    assert str(nobreak("mots «\xa0")) == "mots «\xa0" and str(nobreak("\xa0» et")) == "\xa0» et"
    # Not in English.
    english = number_citations(load_brief(write(tmp_path, MINIMAL.replace(
        "Text [@b].", "'Say « this » ; ok [@b]'"), "en.yaml")))
    assert plain(english.sections[0].paras[0]) == "Say « this » ; ok\xa0[2]"


def it_keeps_a_short_heading_whole_and_splits_a_long_one_at_its_colon():
    from briefgen.cite import split_heading
    from briefgen.model import Span

    def parts(heading):
        title, kicker = split_heading((Span(heading),))
        return plain(title), kicker and plain(kicker)

    assert parts("Case study: Boston") == ("Case study: Boston", None)
    assert parts("Case study: Kansas City") == ("Case study: Kansas City", None)
    assert parts("Practical limits: detainers, warrants, budgets and jail capacity") == (
        "Practical limits", "Detainers, warrants, budgets and jail capacity")


def it_cuts_a_name_of_one_long_word_between_letters_not_to_a_first_short_word():
    from briefgen.model import Ref, Source

    source = Source(id="x", title="T", authors=(), date="2020", url=None, accessed=None,
                    publisher="Die Bundesverfassungsgerichtsentscheidungssammlungen", loc=None)
    assert short_name(Ref(1, source)) == "Die Bundesverfassungsgerichtsentscheidu… 2020"


def it_reads_spaced_and_wrapped_citations_and_prints_an_escaped_one_as_typed(tmp_path):
    text = MINIMAL.replace("summary: Bottom line [@a].", "summary: Bottom line [ @a ].").replace(
        "    body: Text [@b].", "    body: |\n      Text [@b, pp.\n      3-5] and \\[@b] as typed.")
    doc = number_citations(load_brief(write(tmp_path, text)))
    assert plain(doc.summary[0]) == "Bottom line\u00a0[1]."
    assert plain(doc.sections[0].paras[0]) == \
        "Text\u00a0[2,\u00a0pp.\u00a03–5] and [@b] as typed."


def it_keeps_a_long_run_of_abbreviations_in_one_sentence_and_ends_it_after():
    # Each test looks at the sentence's end only: the run was read whole at every piece.
    run = "A. " * 3000
    assert split_sentences(f"See {run}Then more. Next one.") == [f"See {run}Then more.",
                                                                 "Next one."]
    assert split_sentences("A [link (x. Y)](https://x.org) here. Next *one. Two* three. Go.") == [
        "A [link (x. Y)](https://x.org) here.", "Next *one. Two* three.", "Go."]


def it_numbers_recommendations_after_every_section_as_printed_after_the_last(tmp_path):
    # The recommendations come first in the file, but print after the last section.
    text = """\
title: Order
date: 2026-11-24
recommendations:
  - "Act on *this* [@d; @b, p. 3]."
  - Then that [@a].
summary: Summary cites [@a].
sections:
  - heading: One
    body: Body cites [@b].
  - heading: Two
    body: Body cites [@c].
sources:
  - {id: a, title: A}
  - {id: b, title: B}
  - {id: c, title: C}
  - {id: d, title: Cited in a recommendation only}
"""
    doc = number_citations(load_brief(write(tmp_path, text)))
    assert [(r.number, r.source.id) for r in doc.refs] == [(1, "a"), (2, "b"), (3, "c"), (4, "d")]
    assert doc.warnings == ()
    assert [plain(p) for p in doc.recommendations] == [
        "Act on this\u00a0[4]\u00a0[2,\u00a0p.\u00a03].", "Then that\u00a0[1]."]
    assert [(s.text, s.italic) for s in doc.recommendations[0] if not s.cites][:2] == [
        ("Act on ", False), ("this", True)]
