"""One brief -> its outputs in build/<brief>/, all written or none (swap.py)."""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import select
import sys
import time
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from .cache import code_digest, file_stamp
from .cite import number_citations, plain, section_texts
from .errors import BriefError, Loc, Problem
from .fork import collect, receive, single_threaded, spawn, stop, usable_cores, widen
from .handout import (fit_handout, handout_context, hint_key, keep_handout, kept_handout,
                      remember_fit, remembered_fit)
from .html import compile_for, render_html, shorten
from .fonts import face_problems, uncovered_text
from .labels import has_labels
from .load import load_brief
from .model import DEFAULT_OUTPUTS, OUTPUTS, Brief, Figure
from .swap import output_error, staged
from .theme import branded, load_theme, theme_folder


@dataclass
class Output:
    kind: str
    path: Path
    pages: int | None = None
    note: str = ""
    fit: object = None  # the handout's Fit, which watch passes to the next build as a hint
    # The deck's warnings, where a cold build's child planned the deck after sending the brief.
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class BuildResult:
    brief: Path
    outputs: list[Output] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)  # outputs left as they were (watch)


def build(brief_path: str | Path, out_dir: str | Path = "build", theme: str | None = None,
          paper: str | None = None, strict: bool = False, parallel: bool | None = None,
          cache: dict | None = None, hint=None, csl: str | None = None,
          to: tuple[str, ...] | None = None) -> BuildResult:
    """Build the outputs of one brief: to (the CLI's --to), else the brief's outputs:, else
    memo, handout and deck. Raises BriefError (and writes nothing) on bad input.

    parallel: make the deck and the handout in forked processes while this one makes the memo
    (default: where fork exists, this process may use two processors or more, and BRIEFGEN_JOBS
    is not 1); in a process that has not yet imported WeasyPrint, the deck's child reads the
    brief too (_build_cold). hint: another brief's handout Fit (a batch), checked first where
    the cache folder has no fit of this brief.
    cache: a dict kept between calls (briefgen watch); an output whose inputs are unchanged
    since the last call is not rebuilt.
    """
    started = time.perf_counter()
    brief_path = Path(brief_path)
    target = Path(out_dir) / brief_path.stem
    if parallel is None:
        parallel = (hasattr(os, "fork") and os.environ.get("BRIEFGEN_JOBS") != "1"
                    and usable_cores() > 1)
    with contextlib.ExitStack() as stack:  # its exit swaps the outputs into place, or not
        # The folder is locked before the brief is read: a build that waited for another one
        # of the same folder builds the brief as it is once that one is done.
        try:
            stage = stack.enter_context(staged(target))
        except BriefError:
            # Nowhere to write: the brief's own errors come first.
            read_job(brief_path, target, theme, paper, strict, csl, to)
            raise
        # A build of the PDFs in a process that has not imported WeasyPrint reads the brief in a
        # child meanwhile; one of only other outputs needs no WeasyPrint at all.
        if (parallel and cache is None and "briefgen.pdf" not in sys.modules
                and (to is None or {"memo", "handout"} & set(to)) and single_threaded()):
            job, outputs = _build_cold(brief_path, target, theme, paper, strict, hint, stage, csl,
                                       to)
            todo = chosen_outputs(job.brief, to)
        else:
            job = read_job(brief_path, target, theme, paper, strict, csl, to)
            # With a cache (watch), an output whose inputs are all unchanged is not made again:
            # the swap keeps the file the folder has.
            keys = {} if cache is None else _input_keys(job)
            last = cache.get("fit") if cache is not None else None
            makers = {"handout": lambda path: make_handout(job, path, last, keys.get("handout"),
                                                           hint),
                      "memo": lambda path: make_memo(job, path),
                      "deck": lambda path: make_deck(job, path),
                      "docx": lambda path: make_docx(job, path),
                      "html": lambda path: make_web(job, path)}
            todo = [kind for kind in chosen_outputs(job.brief, to)
                    if cache is None or cache.get(kind) != keys[kind]
                    or not (target / NAMES[kind]).exists()]
            paths = {kind: stage(NAMES[kind]) for kind in todo}
            calls = {kind: lambda k=kind: _made(k, makers[k], paths[k], target) for kind in todo}
            if parallel and len(todo) > 1:
                outputs = _build_side_by_side(job, calls)
            else:
                outputs = [call() for call in calls.values()]
    if cache is not None:  # only now that the outputs are in place
        cache.update(keys)
        cache.update(fit=next((o.fit for o in outputs if o.fit), cache.get("fit")))
    warnings = job.warnings + [w for o in outputs for w in o.warnings]
    result = BuildResult(brief_path, outputs, in_brief_order(warnings, job.brief))
    result.skipped = [kind for kind in chosen_outputs(job.brief, to) if kind not in todo]
    result.outputs.sort(key=lambda o: OUTPUTS.index(o.kind))
    result.seconds = time.perf_counter() - started
    return result


def _made(kind: str, make, path: Path, target: Path) -> Output:
    """make(path), with a failure to write named at the output (build/x/memo.pdf: cannot write:
    No space left on device), also in a forked child, which sends it back as bad input is."""
    try:
        return make(path)
    except OSError as e:
        raise output_error(e, path, target / NAMES[kind]) from None


NAMES = {"handout": "handout.pdf", "memo": "memo.pdf", "deck": "deck.pptx", "docx": "memo.docx",
         "html": "memo.html"}


def chosen_outputs(brief: Brief, to: tuple[str, ...] | None) -> list[str]:
    """The outputs a build writes, in the order they are made (the handout, the slowest, is
    started first)."""
    said = set(to or brief.outputs or DEFAULT_OUTPUTS)
    return [kind for kind in NAMES if kind in said]


@dataclass
class Job:
    """A brief read and checked: what each of its outputs is made from. A cold build reads it in
    a child and sends it to the parent, so it holds only data."""
    brief: Brief
    doc: object
    theme: object
    deck: object  # the deck's plan
    warnings: list[Problem]
    target: Path
    paper: str | None
    stamp: dt.datetime
    memo_html: str

    @property
    def folder(self) -> Path:
        return self.brief.path.parent.resolve()

    @property
    def roots(self) -> list[Path]:
        return [self.folder, self.theme.folder]

    @property
    def origin(self) -> Loc:
        return Loc(str(self.brief.path))


def read_job(brief_path: Path, target: Path, theme: str | None, paper: str | None,
             strict: bool, csl: str | None = None, to: tuple[str, ...] | None = None,
             plan: bool = True, ready=None) -> Job:
    brief, doc, chosen, deck, warnings = prepare(brief_path, theme, strict, paper, csl, to, plan,
                                                 ready)
    stamp = build_time(brief)
    return Job(brief, doc, chosen, deck, warnings, target, paper, stamp,
               render_html(doc, chosen, "memo", paper, stamp=stamp))


# The engines are imported in the function that uses them: in a parallel build each output's
# process then imports only its own engine, and the imports run side by side.
def make_handout(job: Job, path: Path, last=None, inputs: str | None = None,
                 guess=None) -> Output:
    """last: this brief's fit to check first (watch's last one); else this brief's last fit
    from the cache folder; else guess (a batch's last brief's)."""
    from .pdf import ENGINE, WRITER, files_read, write_pdf

    inputs = _digest((inputs or _handout_inputs(job, _common_inputs(job))) + ENGINE)
    mine = hint_key(job.brief.path, job.theme.folder, job.paper or job.theme.paper, ENGINE)
    # Most edits touch only the memo and the deck: the handout made from these very inputs by
    # this very code is copied, where rendering it took a core for 0.5 s that the memo needed.
    roots = [root.resolve() for root in job.roots]  # a template shows a file of either folder
    made = _digest(inputs + WRITER + code_digest() + repr(roots))
    kept = kept_handout(made, roots)
    if kept is not None:
        pdf, fit = kept
        path.write_bytes(pdf)
        remember_fit(inputs, fit, mine)
        return Output("handout", job.target / "handout.pdf", 1, fit.describe(), fit)
    if last is None:
        # Its slope was measured on the brief's earlier text: the step above is rendered.
        kept_fit = remembered_fit(mine)
        last = replace(kept_fit, slope=None) if kept_fit else guess
    document, fit = fit_handout(job.doc, job.theme, job.paper, job.folder, job.roots, job.origin,
                                job.stamp, last, remembered_fit(inputs))
    write_pdf(document, path, job.origin)
    remember_fit(inputs, fit, mine)
    read = files_read(document, {job.theme.heading.css_family, job.theme.body.css_family})
    if read is not None and not fit.borrowed:  # as remember_fit: then what a search finds
        keep_handout(made, path, fit, read)
    return Output("handout", job.target / "handout.pdf", 1, fit.describe(), fit)


def make_memo(job: Job, path: Path) -> Output:
    from .pdf import figure_room, margin_box, render_pdf, write_pdf

    html = job.memo_html
    document = render_pdf(html, job.folder, job.roots, job.origin)
    # The running head's room is what the theme's CSS gives it on the page: a subject that
    # wraps there is cut after a word, measured in that room (twice at most, for a theme whose
    # head is not set in the heading font).
    subject = job.brief.memo.subject or job.brief.title
    for attempt in range(2):
        head = margin_box(document, "@top-left")
        if head is None or head[1] == 1:
            break
        room, _, size = head
        html = render_html(job.doc, job.theme, "memo", job.paper, stamp=job.stamp, running_left=(
            shorten(subject, job.theme.heading.regular, size, room * (1 - 0.15 * attempt))))
        document = render_pdf(html, job.folder, job.roots, job.origin)
    if 'class="data-table"' in html:  # the extra layout pass only for a brief with a table
        html, document = _fit_tables(job, html, document)
    heights: dict[str, float] = {}
    # Up to twice more, with figures a little smaller where the page before has room: a figure
    # made smaller pulls the rest up, which can leave a later one the same gap.
    tries = 2 if "<figure" in html and "</head>" in html else 0
    for _ in range(tries):
        room = {name: height for name, height in figure_room(document).items()
                if re.fullmatch(r"(figure|chart)-\d+", name) and height < heights.get(name, 1e9)}
        if not room:
            break
        heights.update(room)
        # Width follows the height: a theme's 'width: 100%' would stretch the image.
        css = "".join(f"#{name} img {{ max-height: {height:.1f}px; width: auto; height: auto; "
                      "max-width: 100% }" for name, height in heights.items()
                      if name.startswith("figure-"))
        page = html.replace("</head>", f"<style>{css}</style></head>", 1)
        for name, height in heights.items():
            if name.startswith("chart-"):  # drawn again, as wide and less tall (px to pt)
                from .exhibits import shorter_chart

                page = shorter_chart(page, job.doc, job.theme, job.paper or job.theme.paper,
                                     int(name[6:]), height * 0.75)
        document = render_pdf(page, job.folder, job.roots, job.origin)
        html = page
    if tries:
        html, document = _defer_figures(job, html, document)
    return Output("memo", job.target / "memo.pdf", write_pdf(document, path, job.origin))


# A heading's or a paragraph's end, or a list's start.
_BLOCK_END_RE = re.compile(r"</(?:h2|p)>|<(?:ul|ol)\b")


def _leads_in(html: str, end: re.Match) -> bool:
    """Whether the paragraph that ends here ends with a colon, and a list follows it (its last
    characters are enough: a tag cut at their start leaves text before them only)."""
    text = re.sub(r"<[^>]*>", "", html[max(0, end.start() - 400):end.start()]).strip()
    return text.endswith(":") and re.match(r"\s*<(?:ul|ol)\b", html[end.end():]) is not None


def _defer_figures(job: Job, html: str, document):
    """A figure that moved whole to the next page, and could not shrink enough to stay, is set
    after the headings and paragraphs that fill the room it left (pdf.figure_deferrals): page 1
    of a brief with a figure in section 1 was a fifth blank. A move changes the pages after it,
    so up to three rounds; a round is kept where the page count does not grow."""
    from .pdf import figure_deferrals, render_pdf

    moved: set[str] = set()
    for _ in range(3):
        moves = {name: count for name, count in figure_deferrals(document).items()
                 if name not in moved}
        if not moves:
            break
        page = html
        for name, count in moves.items():
            m = re.search(rf'\s*<figure (?:class="chart" )?id="{name}">.*?</figure>', page, re.S)
            if m is None:
                continue
            rest = page[:m.start()] + page[m.end():]
            # Never past a list, where pdf.figure_deferrals stops counting too (it counts a
            # paragraph's lines as well, so its count can reach past one: a figure went two
            # sections on, under the recommendations' heading); never after a heading.
            ends = []
            for end in _BLOCK_END_RE.finditer(rest, m.start()):
                if end.group(0)[1] != "/" or len(ends) == count:
                    break
                ends.append(end)
            while ends and ends[-1].group(0) == "</h2>":
                ends.pop()
            if ends and _leads_in(rest, ends[-1]):
                # A list's lead-in ('The main steps are:') stays with its list, where the
                # blocks before it fill some of the room.
                kept = ends[:-1]
                while kept and kept[-1].group(0) == "</h2>":
                    kept.pop()
                ends = kept or ends
            if not ends:
                continue
            at = ends[-1].end()
            page = rest[:at] + m.group(0) + rest[at:]
        again = render_pdf(page, job.folder, job.roots, job.origin)
        if len(again.pages) > len(document.pages):
            break
        html, document = page, again
        moved |= set(moves)
    return html, document


def _fit_tables(job: Job, html: str, document):
    """The memo with every table inside the text block: a table laid out wider (its words
    wrap and hyphenate first) is set in smaller type, a step of exhibits.TABLE_STEPS at a time,
    down to the floor; one still too wide there is an error naming its widest column. A step
    is chosen from how far over the table is, so most tables need one more render at most."""
    from .exhibits import next_step, table_size, too_wide
    from .pdf import render_pdf, wide_tables

    steps: dict[str, int] = {}
    styled = html
    while True:
        wide = wide_tables(document)
        if not wide:
            return styled, document
        for name, found in wide.items():
            step = steps.get(name, 0)
            later = next_step(job.theme, step, found)
            if later is None:
                raise too_wide(job.doc, int(name.rpartition("-")[2]),
                               table_size(job.theme, step), found)
            steps[name] = later
        css = "".join(f"#{name} {{ font-size: {table_size(job.theme, step)}pt }}"
                      for name, step in steps.items())
        styled = html.replace("</head>", f"<style>{css}</style></head>", 1)
        document = render_pdf(styled, job.folder, job.roots, job.origin)


def make_deck(job: Job, path: Path) -> Output:
    from .pptx_out import write_pptx

    return Output("deck", job.target / "deck.pptx",
                  write_pptx(job.deck, job.theme, path, job.stamp))


def make_docx(job: Job, path: Path) -> Output:
    from .docx_out import write_docx

    write_docx(job.doc, job.theme, path, job.stamp, job.paper)
    return Output("docx", job.target / "memo.docx")


def make_web(job: Job, path: Path) -> Output:
    from .web import write_web

    write_web(job.doc, job.theme, path, job.stamp, job.paper)
    return Output("html", job.target / "memo.html")


def warm_up(job: Job, kept=None) -> None:
    from .pdf import warm_up

    warm_up(job.memo_html, job.folder, job.roots, job.origin, job.brief.lang, kept)


def prepare(brief_path: str | Path, theme: str | None = None, strict: bool = False,
            paper: str | None = None, csl: str | None = None, to: tuple[str, ...] | None = None,
            plan: bool = True, ready=None):
    """Everything before rendering, which `check` runs alone: the brief, its resolved Doc, the
    theme, the deck plan and every warning (errors under strict), those of crowded charts
    too (drawn here, in a few ms each, and kept for the memo's rendering). The deck's warnings
    only where a deck is made (to, else the brief's outputs:). plan=False: no deck plan (None)
    and none of its warnings, which plan_deck gives later; not under strict, whose error
    lists every warning at once. ready(brief, doc, theme): called once the theme and its fonts
    are checked, before the sources are formatted."""
    brief = load_brief(brief_path)
    doc = number_citations(brief)
    chosen = branded(theme_for(brief, theme), brief)
    from .csl import format_references

    # The style is checked even when nothing is cited, so that a wrong one is said at once.
    style = style_for(brief, chosen, csl)
    faces = face_problems(chosen)
    if faces:  # else a face's text would print in one of the machine's fonts
        raise BriefError(faces)
    if ready is not None:
        ready(brief, doc, chosen)
    doc = replace(doc, refs=format_references(doc.refs, style, brief.lang))
    from .deck import plan_deck  # here: a cold build's parent plans no deck

    deck, deck_warnings = plan_deck(doc, chosen, paper) if plan or strict else (None, [])
    if "deck" not in chosen_outputs(brief, to):
        deck_warnings = []
    warnings = list(doc.warnings) + font_warnings(brief, doc, chosen) + deck_warnings
    if any(s.chart for s in doc.sections):
        from .exhibits import chart_warnings

        warnings += chart_warnings(doc, chosen, paper or chosen.paper)
    if not has_labels(brief.lang):
        warnings.append(Problem(brief.field_locs.get("lang", Loc(str(brief.path))), (
            f"briefgen has no words in '{brief.lang}' for what it prints itself (Memorandum, "
            "Sources, dates): those are in English; hyphenation and the documents' language "
            f"follow '{brief.lang}'")))
    warnings = in_brief_order(warnings, brief)
    if strict and warnings:
        raise BriefError([Problem(w.loc, f"{w.message} (an error under --strict)")
                          for w in warnings])
    return brief, doc, chosen, deck, warnings


def in_brief_order(warnings: list[Problem], brief: Brief) -> list[Problem]:
    """As errors are: the brief's in its order, then those of other files."""
    return sorted(warnings, key=lambda w: (w.loc.file != str(brief.path), w.loc.line,
                                           w.loc.col))


# Made one after the other in a child, at a lower priority: it starts on the core left idle
# while WeasyPrint imports, but on a long brief it would then take CPU from the memo, the
# slowest output with the handout.
ASIDE = ("deck", "docx")


def _build_side_by_side(job: Job, calls: dict) -> list[Output]:
    """The deck and the Word memo in a child while this process imports WeasyPrint and warms
    it up; then as _pdfs_side_by_side."""
    children = []
    try:
        aside = [kind for kind in ASIDE if kind in calls]
        if len(aside) == len(calls):
            return [calls[kind]() for kind in aside]
        if aside:
            spawn(lambda: [calls[kind]() for kind in aside], nice=5, into=children)
        rest = {kind: call for kind, call in calls.items() if kind not in aside}
        return _pdfs_side_by_side(job, rest, children)
    except BaseException:
        stop(children)  # no orphans: stop the children, then report this error
        raise


def _pdfs_side_by_side(job: Job, calls: dict, children: list, kept=None) -> list[Output]:
    """The handout (the slowest output) in a child that inherits WeasyPrint warmed up; here the
    memo, then the web page, which fills the time this process would wait for the handout.
    kept: as pdf.warm_up's, called before anything here is hyphenated."""
    if "handout" in calls and "memo" in calls:
        warm_up(job, kept)  # once here, not once in each PDF's process
    elif kept is not None:
        kept()
    if "handout" in calls:
        spawn(calls["handout"], into=children)
    here = [calls[kind]() for kind in ("memo", "html") if kind in calls]
    # A child that made several outputs sends a list of them.
    return [o for made in collect(children) + here
            for o in (made if isinstance(made, list) else [made])]


def _build_cold(brief_path: Path, target: Path, theme: str | None, paper: str | None,
                strict: bool, hint, stage, csl: str | None,
                to: tuple[str, ...] | None) -> tuple[Job, list[Output]]:
    """A build in a process that has not imported WeasyPrint (the usual `briefgen build`): a
    child reads the brief while this process imports WeasyPrint. It sends the memo's style
    sheet as soon as the theme is checked (this process loads the fonts with it), then the
    brief, then the hyphenation patterns, and then writes the deck and the Word memo; this
    process goes on as _pdfs_side_by_side."""
    try:
        # Only the brief says (in the child) whether it wants a deck or a Word memo: their
        # paths are handed out, and published below if it does.
        aside = {kind: stage.path(NAMES[kind]) for kind in ASIDE}
    except OSError:
        read_job(brief_path, target, theme, paper, strict, csl, to)  # the brief's own errors first
        raise
    children = []
    # The child hands the hyphenation patterns over through this pipe after it has sent the
    # brief, while this process loads the fonts. On the example's first build this process
    # had waited 0.12-0.15 s for a child that parsed them before it sent the brief. Where this
    # process has loaded the fonts before the brief comes (a long brief), it loads the
    # patterns itself, and closes the pipe: it would otherwise wait twice.
    kept, keeping = os.pipe()
    widen(keeping)  # room for English's 250 KB
    try:
        def read(send) -> Job:
            os.close(kept)

            def ready(brief: Brief, doc, chosen) -> None:
                # The memo's style sheet, with which the parent loads the fonts while this
                # child formats the sources and renders the memo (0.2-0.3 s of this machine).
                css = None
                if {"memo", "handout"} & set(chosen_outputs(brief, to)):
                    # A theme's broken style sheet is said by the memo's render, after the
                    # brief's own errors, as a sequential build says it.
                    with contextlib.suppress(BriefError):
                        css = render_html(doc, chosen, "memo", paper, stamp=build_time(brief),
                                          css_only=True)
                send((css, [brief.path.parent.resolve(), chosen.folder], Loc(str(brief.path)),
                      brief.lang))

            # The deck is planned after the brief is sent (0.05 s for the example, 0.09 s for
            # the 10x brief): the parent needs no plan.
            job = read_job(brief_path, target, theme, paper, strict, csl, to, plan=False,
                           ready=ready)
            if "handout" in chosen_outputs(job.brief, to):
                compile_for(job.theme, "handout", job.brief)  # sent with the theme
            return job, replace(job, deck=None)  # planned only under strict

        def make_aside(job: Job) -> list[Output]:
            from .hyphens import hand_over_hyphenation

            if {"memo", "handout"} & set(chosen_outputs(job.brief, to)):
                hand_over_hyphenation(job.brief.lang, keeping)  # the parent may be waiting
            else:
                os.close(keeping)
            with contextlib.suppress(OSError):
                os.nice(5)  # as _build_side_by_side's child
            return [_planned_deck(job, aside[kind], target) if kind == "deck" else
                    _made(kind, lambda path: make_docx(job, path), aside[kind], target)
                    for kind in ASIDE if kind in chosen_outputs(job.brief, to)]

        spawn(make_aside, first=read, into=children)
        closing, keeping = keeping, None  # closed once, even if Ctrl-C comes in between
        os.close(closing)
        from . import pdf  # WeasyPrint's import, while the child reads
        from .hyphens import load_hyphenation, take_hyphenation
        css, roots, origin, lang = receive(children[0])
        if css is not None:
            # A font the warm-up cannot load is said by the render that needs it, in its turn.
            with contextlib.suppress(BriefError):
                pdf.warm_fonts(f"<style>{css}</style>", roots[0], roots, origin)
            # The brief is 100 KB or more: part of it is in the pipe once it is sent.
            if not select.select([children[0][1]], [], [], 0)[0]:
                closing, kept = kept, None  # first: the child sees it closed and parses none
                os.close(closing)
                load_hyphenation(lang)
        job = receive(children[0])
        kinds = chosen_outputs(job.brief, to)
        paths = {kind: stage(NAMES[kind]) for kind in kinds}
        makers = {"handout": lambda path: make_handout(job, path, guess=hint),
                  "memo": lambda path: make_memo(job, path),
                  "html": lambda path: make_web(job, path)}
        calls = {kind: lambda k=kind: _made(k, makers[k], paths[k], target)
                 for kind in kinds if kind not in ASIDE}

        def wait() -> None:
            if kept is not None:
                take_hyphenation(kept)

        return job, _pdfs_side_by_side(job, calls, children, wait)
    except BaseException:
        stop(children)
        raise
    finally:
        if kept is not None:
            os.close(kept)
        if keeping is not None:
            os.close(keeping)


def _planned_deck(job: Job, path: Path, target: Path) -> Output:
    """The deck of a job read without its plan, with the plan's warnings."""
    from .deck import plan_deck

    deck, warnings = (job.deck, []) if job.deck is not None else \
        plan_deck(job.doc, job.theme, job.paper)
    made = _made("deck", lambda p: make_deck(replace(job, deck=deck), p), path, target)
    return replace(made, warnings=warnings)


def _input_keys(job: Job) -> dict[str, str]:
    """What each output is made from: its text, the theme's tokens, and every file it reads (by
    size and time, since the HTML only names figures, fonts and templates)."""
    common = _common_inputs(job)
    # The Word memo and the web page print what the memo prints, in the theme's tokens.
    return {"handout": _handout_inputs(job, common), "memo": _digest(common + job.memo_html),
            "deck": _digest(common + repr(job.deck)),
            "docx": _digest("docx" + common + job.memo_html),
            "html": _digest("html" + common + job.memo_html)}


def _common_inputs(job: Job) -> str:
    """The files every output reads, by resolved path, size and time (not the brief: its text
    is in each output's key), and what the theme says: the same from any working folder, since
    handout fits are kept under it."""
    read = watched_files(job.brief.path, str(job.theme.folder), job.brief)[1:]
    stamps = sorted((str(f.resolve()), file_stamp(f)) for f in read)
    said = {f.name: getattr(job.theme, f.name) for f in fields(job.theme)  # not where it is
            if f.name not in ("source", "color_locs", "field_locs", "env", "given")}
    return repr(stamps) + repr((said, job.stamp, job.paper))


def _handout_inputs(job: Job, common: str) -> str:
    html = render_html(job.doc, job.theme, "handout", job.paper, stamp=job.stamp,
                       short_sources=False, **handout_context(job.doc, job.theme))
    return _digest(common + html)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def watched_files(brief_path: str | Path, theme: str | None,
                  brief: Brief | None = None, csl: str | None = None) -> list[Path]:
    """The files a build of this brief reads: the brief, its figures and CSV files, the theme's
    folder. The folders are listed too: a file added to one (a template override) changes its
    time."""
    files = [Path(brief_path)]
    try:
        brief = brief or load_brief(brief_path)
    except BriefError as e:
        # A broken brief: watch it until it is fixed, and the other files its errors are in
        # (a bibliography Zotero will export again).
        named = {Path(p.loc.file) for p in e.problems} - {Path(brief_path)}
        return files + sorted(f for f in named if f.suffix.lower() in (".bib", ".json", ".csv",
                                                                        ".csl") and f.is_file())
    files += [s.figure.path for s in brief.sections if s.figure]
    files += [brief.logo.path] if isinstance(brief.logo, Figure) else []
    files += [x.csv for s in brief.sections for x in (s.table, s.chart) if x and x.csv]
    files += list(brief.bibliography)
    for style in (csl, brief.citation_style):
        if style and style.lower().endswith(".csl"):  # the theme's is in its folder, below
            files.append(Path(style) if style is csl else brief.path.parent / style)
    try:
        folder = theme_for(brief, theme).folder
    except BriefError:
        if not theme and _outside_theme(brief):
            return files  # refused: not a folder to look into
        # A broken theme is watched all the same, so that fixing it starts a build.
        folder = theme_folder(theme_name(brief, theme))
        if not folder.is_dir():
            return files + [folder]
    return files + [folder] + sorted(folder.rglob("*"))


def build_time(brief: Brief) -> dt.datetime:
    """The time outputs say they were made: SOURCE_DATE_EPOCH, else the brief's date.

    Never the clock, so the same brief and theme give byte-identical outputs.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            if not epoch.isdigit():  # the spec: a non-negative decimal integer
                raise ValueError(epoch)
            return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise BriefError.at(Loc("SOURCE_DATE_EPOCH"), f"'{epoch[:30]}' is not a time in "
                                                          "seconds since 1970") from None
    return dt.datetime.combine(brief.date, dt.time(), dt.timezone.utc)


def theme_name(brief: Brief, override: str | None) -> str:
    """The theme a build uses: the CLI's, else the brief's, else default."""
    named = override or brief.theme or "default"
    if not override and brief.theme and ("/" in named or named.startswith(".")):
        # A folder written in the brief is relative to the brief, wherever briefgen runs. Joined
        # as text: Path('.') / './t' would drop the './' that marks it as a folder, not a name.
        named = os.path.join(str(brief.path.parent), named)
    return named


def style_for(brief: Brief, theme, override: str | None):
    """The citation style: the CLI's (a bundled name, or any .csl file the user names), else the
    brief's (a name, or a file in its folder), else the theme's (in the theme's folder), else
    briefgen's own."""
    from .csl import DEFAULT_STYLE, find_style

    if override:
        if override.lower().endswith(".csl"):
            path = Path(override)
            if not path.is_file():  # said as typed: the folder is the user's own
                raise BriefError.at(Loc("--csl"), f"citation style file not found: {override}")
            return find_style(path.resolve().name, path.resolve().parent, Loc("--csl"))
        return find_style(override, Path.cwd(), Loc("--csl"))
    if brief.citation_style:
        return find_style(brief.citation_style, brief.path.parent.resolve(),
                          brief.field_locs["citation_style"])
    if theme.citation_style:
        return find_style(theme.citation_style, theme.folder,
                          theme.field_locs.get("citation_style", Loc(str(theme.source))))
    return find_style(DEFAULT_STYLE, theme.folder, Loc(str(brief.path)))


def theme_for(brief: Brief, override: str | None):
    """The CLI's theme, else the brief's (a bad name is reported at the brief's theme: line)."""
    named = theme_name(brief, override)
    if override or not brief.theme:
        return load_theme(named)
    outside = _outside_theme(brief)
    if outside:
        raise BriefError(outside)
    try:
        return load_theme(named, near=brief.path.parent)
    except BriefError as e:
        if e.problems[0].loc.file != named:
            raise  # the theme exists but is broken: its own file:line:col says where
        raise BriefError.at(brief.field_locs["theme"], e.problems[0].message) from None


def _outside_theme(brief: Brief) -> Problem | None:
    """A brief's theme: names a bundled theme or a folder inside the brief's folder. Briefs come
    from email: one that names /etc would learn, from the error, whether /etc/theme.yaml exists;
    so the path alone decides, before anything is looked up (only the CLI names any folder)."""
    named = brief.theme
    if not named or not ("/" in named or named.startswith(".")):
        return None
    folder = os.path.abspath(brief.path.parent)
    path = os.path.join(folder, named)
    # As written, then after links: a link inside the folder may lead out of it.
    if all(Path(p).is_relative_to(r) for p, r in ((os.path.normpath(path), folder), (
            os.path.realpath(path), os.path.realpath(folder)))):
        return None
    from .theme import list_themes

    return Problem(brief.field_locs["theme"], (
        f"theme '{named}' is outside the brief's folder: a brief can name a bundled theme "
        f"({', '.join(sorted(list_themes()))}) or a theme folder inside its own folder; "
        "to use another folder, give it with --theme"))


def font_warnings(brief: Brief, doc, theme) -> list[Problem]:
    texts = [(brief.field_locs.get(name, Loc(str(brief.path))), name, value)
             for name, value in (("title", brief.title), ("subtitle", brief.subtitle),
                                 ("memo.to", brief.memo.to), ("memo.from", brief.memo.from_),
                                 ("memo.subject", brief.memo.subject),
                                 ("handout.headline", brief.handout.headline),
                                 ("handout.contact", brief.handout.contact)) if value]
    texts += [(t.loc, "text", t.value) for t in [brief.summary] + [
        t for s in brief.sections for t in section_texts(s)] + list(brief.recommendations)]
    texts += [(s.figure.loc, "alt", s.figure.alt) for s in brief.sections if s.figure]
    for s in brief.sections:
        if s.table:
            texts.append((s.table.loc, "table", " ".join(
                [c.name for c in s.table.columns]
                + [cell for row in s.table.rows for cell in row if isinstance(cell, str)])))
        if s.chart:
            c = s.chart
            texts.append((c.loc, "chart", " ".join(
                [c.title or "", c.unit or "", c.alt, *c.categories, *(x.name for x in c.series)])))
    # Sources as the style prints them (CO₂ from a library's <sub>2</sub> included).
    for ref in doc.refs:
        texts.append((ref.source.loc, f"source {ref.source.id}", plain(ref.entry)))
    return uncovered_text(texts, [(theme.heading.family, theme.heading.regular),
                                  (theme.body.family, theme.body.regular)])
