"""One brief -> its outputs in build/<brief>/, all written or none."""
from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .cite import number_citations
from .deck import plan_deck
from .errors import BriefError, Loc, Problem
from .handout import fit_handout
from .html import render_html
from .fonts import uncovered_text
from .load import load_brief
from .model import Brief
from .pdf import render_pdf, write_pdf
from .pptx_out import write_pptx
from .theme import load_theme


@dataclass
class Output:
    kind: str
    path: Path
    pages: int | None = None
    note: str = ""


@dataclass
class BuildResult:
    brief: Path
    outputs: list[Output] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0


def build(brief_path: str | Path, out_dir: str | Path = "build", theme: str | None = None,
          paper: str | None = None, strict: bool = False) -> BuildResult:
    """Build every output of one brief. Raises BriefError (and writes nothing) on bad input."""
    started = time.perf_counter()
    brief_path = Path(brief_path)
    brief = load_brief(brief_path)
    doc = number_citations(brief)
    chosen = theme_for(brief, theme)
    deck, deck_warnings = plan_deck(doc, chosen)
    warnings = list(doc.warnings) + font_warnings(brief, chosen) + deck_warnings
    if strict and warnings:
        raise BriefError([Problem(w.loc, f"{w.message} (an error under --strict)")
                          for w in warnings])
    folder = brief_path.parent.resolve()
    roots = [folder, chosen.folder]
    origin = Loc(str(brief_path))
    result = BuildResult(brief_path, warnings=warnings)
    target = Path(out_dir) / brief_path.stem
    with staged(target) as stage:
        stamp = build_time(brief)
        # The handout first: it is the output most likely to fail (too long for one page).
        handout, fit = fit_handout(doc, chosen, paper, folder, roots, origin, stamp)
        write_pdf(handout, stage("handout.pdf"), origin)
        result.outputs.append(Output("handout", target / "handout.pdf", 1, fit.describe()))
        memo = render_pdf(render_html(doc, chosen, "memo", paper, stamp=stamp), folder, roots,
                          origin)
        pages = write_pdf(memo, stage("memo.pdf"), origin)
        result.outputs.append(Output("memo", target / "memo.pdf", pages))
        slides = write_pptx(deck, chosen, stage("deck.pptx"), stamp)
        result.outputs.append(Output("deck", target / "deck.pptx", slides))
    result.outputs.sort(key=lambda o: ("memo", "handout", "deck").index(o.kind))
    result.seconds = time.perf_counter() - started
    return result


def build_time(brief: Brief) -> dt.datetime:
    """The time outputs say they were made: SOURCE_DATE_EPOCH, else the brief's date.

    Never the clock, so the same brief and theme give byte-identical outputs.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    return dt.datetime.combine(brief.date, dt.time(), dt.timezone.utc)


def theme_for(brief: Brief, override: str | None):
    """The CLI's theme, else the brief's (a bad name is reported at the brief's theme: line)."""
    if override or not brief.theme:
        return load_theme(override or "default")
    try:
        return load_theme(brief.theme)
    except BriefError as e:
        if e.problems[0].loc.file != brief.theme:
            raise  # the theme exists but is broken: its own file:line:col says where
        raise BriefError.at(brief.field_locs["theme"], e.problems[0].message) from None


def font_warnings(brief: Brief, theme) -> list[Problem]:
    texts = [(brief.field_locs.get(name, Loc(str(brief.path))), name, value)
             for name, value in (("title", brief.title), ("subtitle", brief.subtitle),
                                 ("memo.to", brief.memo.to), ("memo.from", brief.memo.from_),
                                 ("memo.subject", brief.memo.subject),
                                 ("handout.headline", brief.handout.headline),
                                 ("handout.contact", brief.handout.contact)) if value]
    texts += [(brief.summary.loc, "summary", brief.summary.value)]
    for s in brief.sections:
        for name in ("heading", "body", "takeaway", "notes"):
            text = getattr(s, name)
            if text is not None:
                texts.append((text.loc, name, text.value))
        texts += [(b.loc, "bullets", b.value) for b in s.bullets or ()]
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
    target.mkdir(parents=True, exist_ok=True)
    temps: dict[str, Path] = {}

    def stage(name: str) -> Path:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=target)
        os.close(fd)
        temps[name] = Path(tmp)
        return temps[name]

    try:
        yield stage
    except BaseException:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
        for folder in created:  # deepest first: a failed first build leaves no empty folders
            if folder.exists() and not any(folder.iterdir()):
                folder.rmdir()
        raise
    # mkstemp makes files private (0600); outputs are documents to share, so honour the umask.
    umask = os.umask(0)
    os.umask(umask)
    for name, tmp in temps.items():
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target / name)
