"""briefgen's command line: build, watch, check, new, themes, check-theme, schema."""
from __future__ import annotations

import argparse
import atexit
import contextlib
import dataclasses
import gc
import json
import logging
import os
import re
import shlex
import signal
import sys
import time
from pathlib import Path

from .errors import BriefError

STARTER = Path(__file__).resolve().parent / "templates" / "starter.yaml"
_THRESHOLDS = gc.get_threshold()  # the garbage collector's, as main() found them


def run() -> None:
    """The `briefgen` command: main(), then leave without tearing the interpreter down.

    Freeing a build's objects one by one took about 0.07 s of a cold build, where the system
    frees a process's memory at once (mypy leaves the same way). The exit handlers (which delete
    WeasyPrint's font copies) run first and the output is flushed; every file a command writes
    is closed before main() returns.
    """
    try:
        code = main(leaving=True)
    except SystemExit as e:  # --help, a usage error, or SIGTERM and SIGHUP (_exit_on_signals)
        if e.code is not None and not isinstance(e.code, int):
            raise  # a message for Python to print
        code = e.code or 0
    # A second signal while the exit handlers delete WeasyPrint's font copies would stop them
    # half-way: they take milliseconds, so no signal stops them. Then the defaults are back, so
    # that a flush stuck on a pipe nobody reads can still be stopped.
    signals = {getattr(signal, name): None for name in ("SIGINT", "SIGTERM", "SIGHUP")
               if hasattr(signal, name)}
    for signum in signals:
        signals[signum] = signal.signal(signum, signal.SIG_IGN)
    atexit._run_exitfuncs()
    for signum, before in signals.items():
        # Ignored before (nohup) stays ignored; else the default, which ends the process
        # without a Python traceback.
        signal.signal(signum, signal.SIG_IGN if before == signal.SIG_IGN else signal.SIG_DFL)
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None when started with that descriptor closed
                stream.flush()
        except BrokenPipeError:  # briefgen ... | head: the reader wanted no more
            pass
        except (OSError, ValueError) as e:  # a full disk: the output is lost, so say so
            with contextlib.suppress(Exception):
                os.write(2, f"briefgen: could not write the output: {e}\n".encode())
            code = code or 1
    os._exit(code)


def main(argv: list[str] | None = None, leaving: bool = False) -> int:
    """leaving: the process ends right after (run()), so the collector's thresholds are not put
    back: back at Python's, the next allocation set off a collection of everything younger than
    the oldest generation, 45-51 ms on this machine (about 20 ms on a quiet day), for nothing."""
    global _THRESHOLDS
    args = _parser().parse_args(argv)
    # A build makes objects by the hundred thousand (modules, boxes, XML), few of them garbage
    # cycles: at Python's default thresholds the collector took a tenth of a cold build (0.12 s
    # in 426 collections, 3 of them full). At these it makes 44 and no full one, and peak memory
    # stays within 6 MB (the 10x brief). Batch and watch, which run on, go back to the caller's
    # thresholds (_collect_as_usual), as main() does when it returns.
    _THRESHOLDS = gc.get_threshold()
    gc.set_threshold(20_000, 10, 10)
    # WeasyPrint logs CSS it ignores, and fontTools complains about harmless font headers;
    # the CLI reports the tool's own warnings instead.
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    previous = _exit_on_signals()
    try:
        return args.run(args)
    except BriefError as e:
        _print_problems(e)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output has gone (briefgen ... | head): not our bug, and nobody is
        # left to tell. A failure's exit code; run() flushes what the other stream still holds.
        return 1
    except Exception as e:  # a bug of ours, not bad input: say so plainly
        if os.environ.get("BRIEFGEN_DEBUG"):
            raise
        print(f"briefgen: internal error: {type(e).__name__}: {e}\n"
              "Please report it; BRIEFGEN_DEBUG=1 shows the details.", file=sys.stderr)
        return 1
    finally:
        if not leaving:
            _collect_as_usual()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _collect_as_usual() -> None:
    """The collector's thresholds as main() found them: a batch worker at main()'s raised ones
    peaked 30 MB higher (garbage kept across briefs) and gained 2% at most."""
    gc.set_threshold(*_THRESHOLDS)


def _exit_on_signals() -> dict:
    """Leave by SystemExit on SIGTERM and SIGHUP, as on Ctrl-C: half-written outputs are removed
    and the fonts WeasyPrint copied to the temp folder are deleted (Python's default is to die
    on the spot). Forked workers inherit it. Returns the handlers to put back."""
    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        try:
            previous[signum] = signal.signal(signum, lambda n, _: sys.exit(128 + n))
        except ValueError:  # not the main thread: leave signals alone
            pass
    return previous


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="briefgen",
        description="Compile a YAML policy brief into a memo (PDF), a slide deck (PPTX) and a "
                    "one-page handout (PDF) that share one citation numbering.")
    p.add_argument("--version", action=_Version, nargs=0, help="show briefgen's version and exit")
    sub = p.add_subparsers(title="commands", metavar="COMMAND", required=True)

    # Where and how outputs are made: the same options for build and watch.
    outputs = argparse.ArgumentParser(add_help=False)
    outputs.add_argument("-o", "--out", default="build", help="output folder (default: build)")
    outputs.add_argument("--theme", help="theme name or folder (default: the brief's theme:, "
                                         "else default)")
    outputs.add_argument("--paper", choices=("letter", "a4"), type=str.lower,
                         help="paper size (default: the theme's)")
    csl_help = ("citation style of the reference entries: briefgen, ieee, apa, "
                "chicago-author-date, vancouver or a .csl file (default: the brief's "
                "citation_style:, else the theme's, else briefgen)")
    outputs.add_argument("--csl", metavar="FILE|NAME", help=csl_help)
    outputs.add_argument("--to", metavar="LIST", type=_outputs, help=(
        "what to write, comma-separated: memo (memo.pdf), handout (handout.pdf), deck "
        "(deck.pptx), docx (memo.docx, the memo in Word), html (memo.html, the memo as a web "
        "page) (default: the brief's outputs:, else memo,handout,deck)"))

    b = sub.add_parser("build", parents=[outputs], help="build the outputs of one or more briefs",
                       description="Build memo.pdf, deck.pptx and handout.pdf for each brief "
                                   "into OUT/<brief>/ (with --to or the brief's outputs:, also "
                                   "or instead memo.docx and memo.html).")
    b.add_argument("briefs", nargs="+", metavar="BRIEF", help="brief files (briefs/x.yaml)")
    b.add_argument("--strict", action="store_true", help="treat warnings as errors")
    b.add_argument("-j", "--jobs", type=int, metavar="N",
                   help="build up to N briefs at a time (default and most: one per processor this "
                        "process may use; 1 builds in order)")
    b.set_defaults(run=_build)

    w = sub.add_parser("watch", parents=[outputs], help="rebuild a brief on every save",
                       description="Build BRIEF, then rebuild it whenever the brief, its figures "
                                   "or its theme change. Outputs whose inputs did not change are "
                                   "left as they are. Stop with Ctrl-C.")
    w.add_argument("brief", metavar="BRIEF")
    # Polling a few files every 20 ms costs about a millisecond a second, and a save waits 10 ms.
    w.add_argument("--interval", type=float, default=0.02, help=argparse.SUPPRESS)
    w.add_argument("--once", action="store_true", help=argparse.SUPPRESS)  # for tests
    w.set_defaults(run=_watch)

    c = sub.add_parser("check", help="validate briefs without building",
                       description="Check briefs against the format, the theme's fonts and the "
                                   "deck plan, and report every problem; writes nothing. It does "
                                   "not render: a handout too long for one page, or a figure "
                                   "that reaches outside its folder, is found by build.")
    c.add_argument("briefs", nargs="+", metavar="BRIEF")
    c.add_argument("--theme", help="theme to check against (default: the brief's, else default)")
    c.add_argument("--csl", metavar="FILE|NAME", help=csl_help)
    c.add_argument("--strict", action="store_true", help="treat warnings as errors")
    c.set_defaults(run=_check)

    n = sub.add_parser("new", help="write a commented starter brief",
                       description="Write briefs/NAME.yaml, a commented brief to fill in.")
    n.add_argument("name", help="the brief's name: letters, digits, - and _ (or a path to a "
                   "new .yaml file)")
    n.add_argument("-d", "--dir", default="briefs", help="folder to write into (default: briefs)")
    n.set_defaults(run=_new)

    t = sub.add_parser("themes", help="list the bundled themes")
    t.set_defaults(run=_themes)

    ct = sub.add_parser("check-theme", help="check a theme's fonts, templates and contrast",
                        description="Check a theme before anyone builds with it: theme.yaml, its "
                                    "font files, its PowerPoint template's layouts, its Word "
                                    "template's styles and the WCAG AA contrast of the colour "
                                    "pairs the outputs print.")
    ct.add_argument("theme", help="bundled theme name or theme folder")
    ct.set_defaults(run=_check_theme)

    s = sub.add_parser("schema", help="print the brief format as JSON Schema")
    s.set_defaults(run=_schema)
    return p


def _outputs(value: str) -> tuple[str, ...]:
    """--to memo,docx: each a known output, said once; argparse reports the problem."""
    from .load import output_problem

    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("name at least one output: memo, handout, deck, docx or "
                                         "html")
    for name in names:
        problem = output_problem(name)
        if problem:
            raise argparse.ArgumentTypeError(problem)
    return tuple(dict.fromkeys(names))


class _Version(argparse.Action):
    """--version, its text found only when asked for: importlib.metadata took 22-30 ms of every
    command."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"briefgen {_version()}")  # on stdout, as argparse's own version action
        parser.exit()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("briefgen")
    except PackageNotFoundError:
        return "unknown"


def _each(briefs: list[str], work) -> int:
    """Run work on each brief; report problems per brief; exit 2 if any brief failed."""
    failed = 0
    for path in briefs:
        try:
            work(path)
        except BriefError as e:
            _print_problems(e)
            failed += 1
    return 2 if failed else 0


def _build(args) -> int:
    started = time.perf_counter()
    # The same file named twice (overlapping globs) is built once, not twice into one folder;
    # a link under another name writes another folder, so it is built too.
    unique: dict[tuple[str, str], str] = {}
    for path in args.briefs:
        unique.setdefault((os.path.realpath(path), Path(path).stem), path)
    args.briefs = list(unique.values())
    if args.jobs is not None and args.jobs < 1:
        print("briefgen build: -j needs a number of 1 or more", file=sys.stderr)
        return 2
    jobs = min(args.jobs or len(args.briefs), len(args.briefs))
    if jobs > 1:
        from .fork import usable_cores

        # More workers than processors only share them, each with its own fonts and memory.
        jobs = min(jobs, usable_cores())
    stems: dict[str, str] = {}
    for path in args.briefs:
        other = stems.setdefault(Path(path).stem, path)
        if other != path:
            print(f"briefgen build: {other} and {path} would both write to "
                  f"{Path(args.out) / Path(path).stem}/: rename one, or build them with "
                  "different -o folders", file=sys.stderr)
            return 2
    built = failed = 0
    total = len(args.briefs)
    for i, (path, result, problems) in enumerate(_builds(args, jobs), 1):
        prefix = f"[{i}/{total}] " if total > 1 else ""
        if problems is not None:
            failed += 1
            if total > 1:
                print(f"{prefix}{path}: failed", file=sys.stderr)
            for p in problems:
                print(p, file=sys.stderr)
            continue
        built += 1
        print(f"{prefix}{path} ({result.seconds:.2f} s)")
        for out in result.outputs:
            unit = "slide" if out.kind == "deck" else "page"
            pages = f" ({_count(out.pages, unit)})" if out.pages else ""
            note = f", {out.note}" if out.note else ""
            print(f"  wrote {out.path}{pages}{note}")
        for w in result.warnings:
            print(f"{w.loc}: warning: {w.message}", file=sys.stderr)
    seconds = time.perf_counter() - started
    per = f", {seconds / total:.2f} s per brief with {_count(jobs, 'job')}" if total > 1 else ""
    print(f"built {built} of {_count(total, 'brief')} in {seconds:.2f} s{per}")
    return 2 if failed else 0


def _builds(args, jobs: int):
    """(path, result, None) or (path, None, problems) for each brief, as each finishes.

    With several jobs, worker processes are forked after the imports, so every brief after the
    first costs only its own rendering; each builds its outputs one after another.
    """
    global _last_fit
    _last_fit = None  # briefs of an earlier call in this process (tests) are no guide
    if len(args.briefs) > 1:
        _collect_as_usual()
    work = [(path, args.out, args.theme, args.paper, args.strict, args.csl, args.to)
            for path in args.briefs]
    from .fork import single_threaded

    # The workers are forked: not while another thread (Pango's, after a render) holds a lock.
    if jobs == 1 or len(args.briefs) == 1 or not single_threaded():
        for one in work:
            yield _build_job(one, parallel=None)
        return
    import multiprocessing

    from . import pdf, pptx_out  # noqa: F401  (imported once, before the workers fork)

    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_start_worker) as pool:
        yield from pool.imap_unordered(_build_job, work)
        pool.close()  # let the workers finish, and run their finalizers, rather than be killed
        pool.join()


def _start_worker() -> None:
    from multiprocessing.util import Finalize

    from . import pdf

    # A worker keeps its fonts from brief to brief, and leaves by _exit, which skips atexit.
    Finalize(None, pdf.release, exitpriority=0)
    # Ctrl-C is for the parent, which then stops the pool with SIGTERM. A worker that took the
    # Ctrl-C too was often still deleting its fonts when the SIGTERM cut in: about one batch in
    # eight left a WeasyPrint font folder in the temp folder.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


_last_fit = None  # in a batch worker: the handout fit of the brief it built before


def _build_job(job, parallel=False):
    global _last_fit
    path, out, theme, paper, strict, csl, to = job
    done = _build_one(path, argparse.Namespace(out=out, theme=theme, paper=paper, strict=strict,
                                               csl=csl, to=to),
                      parallel=parallel, hint=_last_fit)
    if done[1] is not None:
        fit = next((o.fit for o in done[1].outputs if o.fit), None)
        # Briefs in a batch are often alike, so the last fit is a good first guess: it is
        # checked with two renders. Its slope belongs to the other brief, so it is not used.
        _last_fit = fit and dataclasses.replace(fit, slope=None)
    return done


def _build_one(path: str, args, parallel, hint=None):
    from .build import build

    try:
        return path, build(path, args.out, args.theme, args.paper, args.strict,
                           parallel=parallel, hint=hint, csl=args.csl, to=args.to), None
    except BriefError as e:
        return path, None, e.problems


def _watch(args) -> int:
    _collect_as_usual()
    from .load import load_brief

    if not Path(args.brief).is_file():
        load_brief(args.brief)  # a mistyped name or a folder: its error now, not a wait for ever
    from . import pdf, pptx_out  # noqa: F401  (both engines imported once, kept warm)
    from .build import build, file_stamp, watched_files

    def stamps(files: list[Path]) -> dict:
        return {str(f): file_stamp(f) for f in files}

    cache: dict = {}
    print(f"watching {args.brief} (Ctrl-C to stop)")
    seen: dict = {}
    files: list[Path] = []
    good: list[Path] = []  # the files that the last build that worked read
    while True:
        # Only stat between changes: working out the file list means reading the brief.
        if not files or stamps(files) != seen:
            started = time.perf_counter()
            read = watched_files(args.brief, args.theme, csl=args.csl)
            # A broken brief names no figures, and a broken theme no files: the last good
            # build's files are watched too, so that a figure put back is seen.
            files = read + [f for f in good if f not in read]
            seen = stamps(files)  # before the build: a save during it starts another
            try:
                result = build(args.brief, args.out, args.theme, args.paper, cache=cache,
                               csl=args.csl, to=args.to)
            except BriefError as e:
                # Timed as a build is, so that a save's errors are told from the last one's.
                print(f"{time.strftime('%H:%M:%S')} not built ({_count(len(e.problems), 'problem')}"
                      "; the outputs of the last good build stay):", file=sys.stderr, flush=True)
                _print_problems(e)
            else:
                made = ", ".join(o.path.name + (f" ({o.note})" if o.note else "")
                                 for o in result.outputs)
                said = f"{'rebuilt' if good else 'built'} {made}" if made else \
                    "no output changed"
                if made and result.skipped:
                    said += f"; unchanged: {', '.join(result.skipped)}"
                good = read
                if len(read) == 1:
                    # The brief read as broken when the files were listed (a figure caught half
                    # written), yet it built: list them again, or that figure is never watched.
                    good = read + watched_files(args.brief, args.theme, csl=args.csl)[1:]
                    seen.update({str(f): file_stamp(f) for f in good if str(f) not in seen})
                    files += [f for f in good if f not in files]
                print(f"{time.strftime('%H:%M:%S')} {said} in "
                      f"{time.perf_counter() - started:.2f} s", flush=True)
                for w in result.warnings:
                    print(f"{w.loc}: warning: {w.message}", file=sys.stderr)
            if args.once:
                return 0
        time.sleep(args.interval)


def _check(args) -> int:
    from .build import prepare

    def one(path: str) -> None:
        _, doc, theme, _, warnings = prepare(path, args.theme, args.strict, csl=args.csl)
        for w in warnings:
            print(f"{w.loc}: warning: {w.message}", file=sys.stderr)
        print(f"{path}: ok ({_count(len(doc.sections), 'section')}, "
              f"{_count(len(doc.refs), 'source')} cited, theme {theme.name})")

    return _each(args.briefs, one)


def _new(args) -> int:
    import datetime as dt

    given = Path(args.name)
    # `new my-brief`, `new my-brief.yaml` and `new briefs/my-brief.yaml` are what people type; a
    # name without a folder goes in --dir.
    name = given.name.removesuffix(".yaml")
    folder = given.parent if "/" in args.name else Path(args.dir)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
        print(f"briefgen new: '{name}' is not a usable name: use letters, digits, - and _",
              file=sys.stderr)
        return 2
    target = folder / f"{name}.yaml"
    starter = STARTER.read_text(encoding="utf-8")
    starter = starter.replace("briefs/THIS-FILE.yaml", shlex.quote(str(target)))
    starter = starter.replace("2026-01-31", dt.date.today().isoformat())
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        print(f"briefgen new: cannot make the folder {target.parent}: "
              f"{e.strerror or 'not a folder'}", file=sys.stderr)
        return 2
    try:
        with open(target, "x", encoding="utf-8") as f:  # "x": never overwrite a brief
            f.write(starter)
    except FileExistsError:
        print(f"briefgen new: {target} already exists; choose another name", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"briefgen new: cannot write {target}: {e.strerror}", file=sys.stderr)
        return 2
    print(f"wrote {target}\nnext: edit it, then run: briefgen build {shlex.quote(str(target))}")
    return 0


def _themes(args) -> int:
    from .theme import list_themes, load_theme

    for name in list_themes():
        print(f"{name:12} {load_theme(name).description}")
    return 0


def _check_theme(args) -> int:
    from .docx_out import check_reference
    from .fonts import face_problems
    from .pptx_out import check_template
    from .theme import check_contrast, load_theme

    theme = load_theme(args.theme)
    problems = face_problems(theme)
    problems += check_template(theme)
    try:
        warnings = check_reference(theme)
    except BriefError as e:
        warnings, problems = [], problems + e.problems
    problems += check_contrast(theme)
    problems += _trial_render(theme)
    for w in warnings:
        print(f"{w.loc}: warning: {w.message}", file=sys.stderr)
    if problems:
        # The deck's checks and the trial render can find one fault twice: say it once.
        raise BriefError(sorted(dict.fromkeys(problems),
                                key=lambda p: (p.loc.file, p.loc.line, p.loc.col)))
    template = theme.template.name if theme.template else "python-pptx's default template"
    fonts = {p.resolve() for family in (theme.heading, theme.body) for p in family.files().values()}
    word = f", Word styles from {theme.reference_docx.name}" if theme.reference_docx else ""
    print(f"{theme.source}: ok: {_count(len(fonts), 'font file')},"
          f" layouts {theme.layouts['title'][0]!r} and {theme.layouts['content'][0]!r} in "
          f"{template}{word}, contrast AA")
    return 0


def _trial_render(theme) -> list:
    """Render the starter brief's every output with the theme: its template overrides, styles
    and Word template get the same checks (sandbox, folder-only reads) a build gives them."""
    import tempfile

    from .build import build
    from .errors import Loc, Problem
    from .model import OUTPUTS

    with tempfile.TemporaryDirectory() as work:
        brief = Path(work) / "starter.yaml"
        brief.write_text(STARTER.read_text(encoding="utf-8"), encoding="utf-8")
        try:
            build(brief, Path(work) / "out", str(theme.folder), parallel=False, to=OUTPUTS)
        except BriefError as e:
            # A problem placed in the sample brief is the theme's: say so, at theme.yaml.
            return [p if p.loc.file != str(brief) else
                    Problem(Loc(str(theme.source)), f"rendering a sample brief: {p.message}")
                    for p in e.problems]
    return []


def _schema(args) -> int:
    from .schema import brief_schema

    print(json.dumps(brief_schema(), indent=2, ensure_ascii=False))
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _print_problems(e: BriefError) -> None:
    for p in e.problems:
        print(p, file=sys.stderr)


if __name__ == "__main__":
    run()
