"""One brief -> its outputs in build/<brief>/, all written or none."""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import pickle
import signal
import sys
import traceback
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .cite import number_citations, section_texts
from .deck import plan_deck
from .errors import BriefError, Loc, Problem
from .handout import fit_handout, handout_context, remember_fit, remembered_fit
from .html import render_html
from .fonts import uncovered_text
from .load import load_brief
from .model import Brief
from .theme import load_theme


@dataclass
class Output:
    kind: str
    path: Path
    pages: int | None = None
    note: str = ""
    fit: object = None  # the handout's Fit, which watch passes to the next build as a hint


@dataclass
class BuildResult:
    brief: Path
    outputs: list[Output] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)  # outputs left as they were (watch)


def build(brief_path: str | Path, out_dir: str | Path = "build", theme: str | None = None,
          paper: str | None = None, strict: bool = False, parallel: bool | None = None,
          cache: dict | None = None, hint=None) -> BuildResult:
    """Build every output of one brief. Raises BriefError (and writes nothing) on bad input.

    parallel: make the deck and the handout in forked processes while this one makes the memo
    (default: where fork exists and BRIEFGEN_JOBS is not 1). hint: another brief's handout Fit
    (a batch), checked first. cache: a dict kept between calls
    (briefgen watch); an output whose inputs are unchanged since the last call is not rebuilt.
    """
    started = time.perf_counter()
    brief_path = Path(brief_path)
    brief, doc, chosen, deck, warnings = prepare(brief_path, theme, strict)
    folder = brief_path.parent.resolve()
    roots = [folder, chosen.folder]
    origin = Loc(str(brief_path))
    result = BuildResult(brief_path, warnings=warnings)
    target = Path(out_dir) / brief_path.stem
    stamp = build_time(brief)
    memo_html = render_html(doc, chosen, "memo", paper, stamp=stamp)
    # With a cache (watch), an output whose inputs are all unchanged is not made again.
    keys = {} if cache is None else _input_keys(brief, doc, chosen, deck, memo_html, paper, stamp)

    # The engines are imported in the function that uses them: in a parallel build each output's
    # process then imports only its own engine, and the imports run side by side.
    def handout(path: Path) -> Output:
        from .pdf import ENGINE, write_pdf

        inputs = keys.get("handout") or _handout_inputs(
            doc, chosen, paper, stamp, _common_inputs(brief, chosen, paper, stamp))
        inputs = _digest(inputs + ENGINE)
        last = cache.get("fit") if cache is not None else hint
        document, fit = fit_handout(doc, chosen, paper, folder, roots, origin, stamp, last,
                                    remembered_fit(inputs))
        write_pdf(document, path, origin)
        remember_fit(inputs, fit)
        return Output("handout", target / "handout.pdf", 1, fit.describe(), fit)

    def memo(path: Path) -> Output:
        from .pdf import render_pdf, write_pdf

        pages = write_pdf(render_pdf(memo_html, folder, roots, origin), path, origin)
        return Output("memo", target / "memo.pdf", pages)

    def warm_up() -> None:
        from .pdf import warm_up

        warm_up(memo_html, folder, roots, origin, brief.lang)

    def slides(path: Path) -> Output:
        from .pptx_out import write_pptx

        return Output("deck", target / "deck.pptx", write_pptx(deck, chosen, path, stamp))

    makers = {"handout": handout, "memo": memo, "deck": slides}
    names = {"handout": "handout.pdf", "memo": "memo.pdf", "deck": "deck.pptx"}
    todo = [kind for kind in makers
            if cache is None or cache.get(kind) != keys[kind] or not (target / names[kind]).exists()]
    with staged(target) as stage:
        paths = {kind: stage(names[kind]) for kind in todo}
        calls = [lambda k=kind: makers[k](paths[k]) for kind in todo]
        if parallel is None:
            parallel = hasattr(os, "fork") and os.environ.get("BRIEFGEN_JOBS") != "1"
        if parallel and len(todo) > 1:
            result.outputs = _build_side_by_side(todo, calls, warm_up)
        else:
            result.outputs = [call() for call in calls]
    if cache is not None:
        cache.update(keys)
        cache.update(fit=next((o.fit for o in result.outputs if o.fit), cache.get("fit")))
    result.skipped = [kind for kind in makers if kind not in todo]
    result.outputs.sort(key=lambda o: ("memo", "handout", "deck").index(o.kind))
    result.seconds = time.perf_counter() - started
    return result


def prepare(brief_path: str | Path, theme: str | None = None, strict: bool = False):
    """Everything before rendering, which `check` runs alone: the brief, its resolved Doc, the
    theme, the deck plan and every warning (errors under strict)."""
    brief = load_brief(brief_path)
    doc = number_citations(brief)
    chosen = theme_for(brief, theme)
    deck, deck_warnings = plan_deck(doc, chosen)
    warnings = list(doc.warnings) + font_warnings(brief, chosen) + deck_warnings
    if strict and warnings:
        raise BriefError([Problem(w.loc, f"{w.message} (an error under --strict)")
                          for w in warnings])
    return brief, doc, chosen, deck, warnings


def _build_side_by_side(todo: list[str], calls: list, warm_up) -> list[Output]:
    """The deck in a child while this process imports WeasyPrint and warms it up; then the
    handout (the slowest output) in a child that inherits both, while this process makes the
    memo."""
    by_kind = dict(zip(todo, calls))
    children = []
    try:
        if "deck" in by_kind:
            # At a lower priority: it starts on the core left idle while WeasyPrint imports,
            # but on a long brief it would then take CPU from the memo, the slowest output.
            children.append(spawn(by_kind["deck"], nice=5))
        if "handout" in by_kind and "memo" in by_kind:
            warm_up()  # once here, not once in each PDF's process
        if "handout" in by_kind:
            children.append(spawn(by_kind["handout"]))
        here = [by_kind["memo"]()] if "memo" in by_kind else []
    except BaseException:
        stop(children)  # no orphans: stop the children, then report this error
        raise
    return collect(children) + here


def _input_keys(brief, doc, theme, deck, memo_html, paper, stamp) -> dict[str, str]:
    """What each output is made from: its text, the theme's tokens, and every file it reads (by
    size and time, since the HTML only names figures, fonts and templates)."""
    common = _common_inputs(brief, theme, paper, stamp)
    return {"handout": _handout_inputs(doc, theme, paper, stamp, common),
            "memo": _digest(common + memo_html), "deck": _digest(common + repr(deck))}


def _common_inputs(brief, theme, paper, stamp) -> str:
    read = watched_files(brief.path, str(theme.folder), brief)[1:]  # the brief is in the text
    return repr(sorted((str(f), file_stamp(f)) for f in read)) + repr((theme, stamp, paper))


def _handout_inputs(doc, theme, paper, stamp, common: str) -> str:
    html = render_html(doc, theme, "handout", paper, stamp=stamp, short_sources=False,
                       **handout_context(doc, theme))
    return _digest(common + html)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def spawn(call, nice: int = 0) -> tuple[int | None, object]:
    """Run call in a forked child; collect() gets its result (or its BriefError) back.

    Pango runs short-lived threads ("[pango] FcInit", "[pango] FcFontSetSort") after a render. A
    fork while one runs copies its locks held and the child waits forever, so the fork waits
    until this process is down to its one thread; if that takes too long, call runs here.
    """
    if not single_threaded():
        return None, ("ok", call())  # its errors, Ctrl-C included, are raised here, as they come
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        raise
    if pid == 0:  # the child: whatever happens, it reports and leaves, never running on
        code = 1
        try:
            os.close(read)
            if nice:
                with contextlib.suppress(OSError):
                    os.nice(nice)
            outcome = _outcome(call)
            with os.fdopen(write, "wb") as f:
                pickle.dump(outcome, f)
            code = 0
        finally:
            try:
                pdf = sys.modules.get("briefgen.pdf")
                if pdf is not None:  # _exit skips atexit: delete this child's font folders
                    pdf.release()
            finally:
                os._exit(code)
    os.close(write)
    return pid, read


def _outcome(call) -> tuple[str, object]:
    try:
        return "ok", call()
    except BriefError as e:
        return "error", e.problems
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        return "crash", traceback.format_exc()


FORK_WAIT = 2.0  # seconds to wait for other threads to end before forking


def single_threaded() -> bool:
    """Whether this process runs one thread, waiting up to FORK_WAIT seconds for others (Pango's)
    to end. A caller's own Python threads are not waited for: they may run for good."""
    if threading.active_count() > 1:
        return False
    deadline = time.monotonic() + FORK_WAIT
    while True:
        try:
            if len(os.listdir("/proc/self/task")) == 1:
                return True
        except OSError:
            return False  # no way to tell (not Linux): do not fork
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)


def collect(children: list[tuple[int | None, object]]) -> list:
    """Every child's result, in order; the first failure is raised after all are reaped."""
    results, failure = [], None
    for pid, read in children:
        if pid is None:  # it ran here: read is its outcome
            status, value = read
        else:
            try:
                with os.fdopen(read, "rb") as f:
                    data = f.read()
            finally:
                os.waitpid(pid, 0)
            try:
                status, value = pickle.loads(data)
            except Exception:  # noqa: BLE001 - a child that died mid-report
                status, value = "crash", "a worker process died"
        if status == "ok":
            results.append(value)
        elif failure is None:
            failure = BriefError(value) if status == "error" else RuntimeError(value)
    if failure is not None:
        raise failure
    return results


def stop(children: list[tuple[int | None, object]]) -> None:
    for pid, read in children:
        if pid is None:
            continue
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        with contextlib.suppress(OSError):
            os.close(read)


def watched_files(brief_path: str | Path, theme: str | None,
                  brief: Brief | None = None) -> list[Path]:
    """The files a build of this brief reads: the brief, its figures, the theme's folder. The
    folders are listed too: a file added to one (a template override) changes its time."""
    files = [Path(brief_path)]
    try:
        brief = brief or load_brief(brief_path)
    except BriefError:
        return files  # a broken brief: watch it until it is fixed
    files += [s.figure.path for s in brief.sections if s.figure]
    try:
        folder = theme_for(brief, theme).folder
    except BriefError:
        return files
    return files + [folder] + sorted(folder.rglob("*"))


def file_stamp(path: Path) -> tuple[int, int]:
    """A file's modification time and size; (-1, -1) when it is gone."""
    try:
        st = path.stat()
        return st.st_mtime_ns, st.st_size
    except OSError:
        return -1, -1


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


def theme_for(brief: Brief, override: str | None):
    """The CLI's theme, else the brief's (a bad name is reported at the brief's theme: line)."""
    if override or not brief.theme:
        return load_theme(override or "default")
    named = brief.theme
    if "/" in named or named.startswith("."):
        # A folder written in the brief is relative to the brief, wherever briefgen runs. Joined
        # as text: Path('.') / './t' would drop the './' that marks it as a folder, not a name.
        named = os.path.join(str(brief.path.parent), named)
    try:
        return load_theme(named)
    except BriefError as e:
        if e.problems[0].loc.file != named:
            raise  # the theme exists but is broken: its own file:line:col says where
        raise BriefError.at(brief.field_locs["theme"], e.problems[0].message) from None


def font_warnings(brief: Brief, theme) -> list[Problem]:
    texts = [(brief.field_locs.get(name, Loc(str(brief.path))), name, value)
             for name, value in (("title", brief.title), ("subtitle", brief.subtitle),
                                 ("memo.to", brief.memo.to), ("memo.from", brief.memo.from_),
                                 ("memo.subject", brief.memo.subject),
                                 ("handout.headline", brief.handout.headline),
                                 ("handout.contact", brief.handout.contact)) if value]
    texts += [(t.loc, "text", t.value) for t in [brief.summary] + [
        t for s in brief.sections for t in section_texts(s)]]
    texts += [(s.figure.loc, "alt", s.figure.alt) for s in brief.sections if s.figure]
    for src in brief.sources:
        texts.append((src.loc, f"source {src.id}", " ".join(
            [src.title, *src.authors, src.publisher or ""])))
    return uncovered_text(texts, [(theme.heading.family, theme.heading.regular),
                                  (theme.body.family, theme.body.regular)])


@contextmanager
def staged(target: Path):
    """Hand out temp paths in the target folder; rename them all into place only on success.

    Renames within one folder are atomic, so readers see the old file or the new one, never half.
    """
    created = [d for d in (target, *target.parents) if not d.exists()]
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise BriefError.at(Loc(str(target.parent)), f"cannot write outputs into this folder: "
                                                     f"{e.strerror}") from None
    temps: dict[str, Path] = {}

    def stage(name: str) -> Path:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=target)
        os.close(fd)
        temps[name] = Path(tmp)
        return temps[name]

    try:
        yield stage
        # mkstemp makes files private (0600); outputs are documents to share: honour the umask.
        umask = os.umask(0)
        os.umask(umask)
        for tmp in temps.values():
            os.chmod(tmp, 0o666 & ~umask)
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())  # on disk before the rename makes it the output
        for name, tmp in temps.items():
            os.replace(tmp, target / name)
    except BaseException as e:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
        for folder in created:  # deepest first: a failed first build leaves no empty folders
            if folder.exists() and not any(folder.iterdir()):
                folder.rmdir()
        if isinstance(e, OSError):
            raise BriefError.at(Loc(str(target)), f"cannot write outputs here: {e}") from None
        raise
