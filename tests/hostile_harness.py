"""Run every case of tests/hostile/ through the CLI in this one process, watching what it touches.

Run by tests/test_hostile.py in a child process (python -m tests.hostile_harness OUT.json), so
that the audit hook below and the memory the cases use belong to that child alone.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import site
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ROOT / "tests" / "hostile"
EARLIER = b"an earlier, good output"
CASE_SECONDS = 60  # a case still running then has hung: it is stopped and recorded as such


def _make_fifo(path: Path) -> None:
    os.mkfifo(path)  # opening it to read waits for a writer that never comes


def _make_dev_zero_link(path: Path) -> None:
    path.symlink_to("/dev/zero")  # endless


def _make_sparse(path: Path) -> None:
    with open(path, "wb") as f:
        f.truncate(5 * 1024 ** 3)  # 5 GB that take no room on disk, but would in memory


def _table_of(csv: str, make):
    """A brief whose table reads csv, a file beside it that git cannot hold, made by make."""
    def make_brief(path: Path) -> None:
        path.write_text("title: A brief\ndate: 2026-11-24\nsummary: Bottom line [@a].\n"
                        "sections:\n  - heading: One\n    body: Text [@a].\n"
                        f"    table: {{csv: {csv}}}\nsources:\n  - {{id: a, title: Source A}}\n",
                        encoding="utf-8")
        make(path.parent / csv)
    return make_brief


def _make_sparse_20mb(path: Path) -> None:
    with open(path, "wb") as f:
        f.truncate(20 * 1024 ** 2)  # twice the largest library a brief may name


def _make_big_style(path: Path) -> None:
    # A well-formed style of 5 MB: a comment fills it, so only its size is wrong.
    head = ('<?xml version="1.0" encoding="utf-8"?>\n<style xmlns="http://purl.org/net/xbiblio/csl" '
            'class="in-text" version="1.0">\n<!-- ')
    with open(path, "w", encoding="utf-8") as f:
        f.write(head)
        f.write(("x" * 99 + "\n") * 50_000)
        f.write('-->\n<info><title>Big</title><id>big</id><updated>2026-01-01T00:00:00+00:00</updated>'
                '</info>\n<citation><layout><text variable="citation-number"/></layout></citation>\n'
                '<bibliography><layout><text variable="title"/></layout></bibliography>\n</style>\n')


def _make_big_library(path: Path) -> None:
    # 100,000 entries in 10,077,834 bytes, just under the 10 MB limit: read in one cheap pass, one entry mapped.
    entry = "@article{{k{0},\n  author = {{Doe, Jane and Roe, Richard}},\n  title = {{Entry {0}}},\n  year = {{2020}}\n}}\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write("@book{a,\n  title = {The One Cited},\n  year = {2020}\n}\n")
        f.writelines(entry.format(i) for i in range(100_000))


def _filled(head: str, unit: str, tail: str):
    """A maker of a library just under 10 MB: head, unit repeated, tail."""
    def make(path: Path) -> None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(head + unit * ((10_000_000 - len(head) - len(tail)) // len(unit)) + tail)
    return make


def _cites_from(bib: str, make, style: str | None = None):
    """A brief citing 'a' from bib (or, with style, from a good library in that style), a file
    beside it that git cannot hold, made by make."""
    def make_brief(path: Path) -> None:
        named = f"bibliography: {bib}\n"
        if style:
            (path.parent / bib).write_text("@book{a,\n  title = {A Book},\n  year = {2020}\n}\n",
                                           encoding="utf-8")
            named += f"citation_style: {style}\n"
        path.write_text("title: A brief\ndate: 2026-11-24\nsummary: Bottom line [@a].\n"
                        "sections:\n  - heading: One\n    body: Text [@a].\n" + named,
                        encoding="utf-8")
        make(path.parent / (style or bib))
    return make_brief


# Briefs that git cannot hold, made in the work folder at run time: name -> how to make it. The
# case runs from that folder, so its messages name the brief as expected.yaml does.
MADE = {"80-fifo.yaml": _make_fifo, "81-dev-zero-link.yaml": _make_dev_zero_link,
        "82-sparse-5gb.yaml": _make_sparse,
        "121-table-csv-fifo.yaml": _table_of("fifo.csv", _make_fifo),
        "122-table-csv-sparse-5gb.yaml": _table_of("big.csv", _make_sparse),
        "184-bib-sparse-20mb.yaml": _cites_from("big.bib", _make_sparse_20mb),
        "219-bib-100000-entries.yaml": _cites_from("many.bib", _make_big_library),
        "233-bib-10mb-of-braces.yaml": _cites_from("braces.bib", _filled(
            "@article{a,\n  title = {", "{}", "},\n  year = {2020}\n}\n")),
        "234-bib-10mb-unclosed.yaml": _cites_from("unclosed.bib", _filled(
            "@article{a,\n  title = {", "{x ", "\n")),
        "235-bib-10mb-of-at-signs.yaml": _cites_from("ats.bib", _filled("", "@", "")),
        "195-bib-fifo.yaml": _cites_from("fifo.bib", _make_fifo),
        "201-csl-5mb.yaml": _cites_from("lib.bib", _make_big_style, style="big.csl")}


class _Hung(BaseException):  # not an Exception: the CLI turns those into an exit code
    pass


def _stop_hung(signum, frame):
    raise _Hung


def _engine_temp(path: Path) -> bool:
    """WeasyPrint's own temporary folder, where it keeps the theme's fonts for fontconfig."""
    temp = Path(tempfile.gettempdir())
    return path == temp or (path.is_relative_to(temp)
                            and path.relative_to(temp).parts[0].startswith("weasyprint-"))


def cases() -> list[tuple[str, list[str], Path]]:
    """(name, CLI arguments, output folder the build would write) for every case."""
    out = []
    for brief in sorted(HOSTILE.glob("*.yaml")):
        if brief.name == "expected.yaml":
            continue
        out.append((brief.name, [str(brief.relative_to(ROOT))], Path(brief.stem)))
    for theme in sorted(p for p in (HOSTILE / "themes").iterdir() if p.is_dir()):
        out.append((f"themes/{theme.name}", ["briefs/sanctuary-cities.yaml", "--theme",
                                              str(theme.relative_to(ROOT))],
                    Path("sanctuary-cities")))
    return out


def main(report: str) -> int:
    # The engines' import-time reads are not the cases': import them before watching.
    import briefgen.cache
    import briefgen.pdf
    import briefgen.pptx_out  # noqa: F401
    from briefgen.cli import main as cli

    # One process: the audit hook's record lives here, and a forked child's opens would be lost.
    os.environ["BRIEFGEN_JOBS"] = "1"

    work = Path(tempfile.mkdtemp(prefix="hostile-"))
    allowed = [ROOT / "tests" / "hostile", ROOT / "themes", ROOT / "briefs", ROOT / "src",
               work, Path(sys.prefix), Path(sys.base_prefix),
               *(Path(p) for p in sysconfig.get_paths().values()),
               *(Path(p) for p in site.getsitepackages()),
               briefgen.cache.cache_folder()]  # its own cache of hyphenation patterns
    allowed = [p.resolve() for p in allowed]
    current: dict = {}

    def hook(event, args):
        if not current:
            return
        if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            path = Path(os.fsdecode(args[0]))
            if path == Path("/dev/null") or _engine_temp(path):
                return
            path = (Path.cwd() / path) if not path.is_absolute() else path
            # Judge the path as given (before links), then where it leads.
            for p in {os.path.normpath(path), os.path.realpath(path)}:
                if not any(Path(p).is_relative_to(a) for a in allowed):
                    current["outside"].append(str(p))
        elif event.startswith("socket.") and event != "socket.__new__":
            current["network"].append(f"{event} {args[1:] if len(args) > 1 else ''}")

    sys.addaudithook(hook)
    os.chdir(ROOT)
    results = []
    made = work / "made"
    made.mkdir()
    for name, make in MADE.items():
        make(made / name)
    signal.signal(signal.SIGALRM, _stop_hung)
    for name, args, produced in cases() + [(n, [n], Path(n).with_suffix("")) for n in MADE]:
        out = work / name.replace("/", "_")
        earlier = out / produced / "memo.pdf"
        earlier.parent.mkdir(parents=True)
        earlier.write_bytes(EARLIER)
        current.update(outside=[], network=[])
        err = io.StringIO()
        started = time.perf_counter()
        os.chdir(made if name in MADE else ROOT)
        signal.alarm(CASE_SECONDS)
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = cli(["build", *args, "-o", str(out)])
        except _Hung:
            code = "hung"
            err.write(f"stopped after {CASE_SECONDS} s\n")
        finally:
            signal.alarm(0)
            os.chdir(ROOT)
        seconds = time.perf_counter() - started
        touched = dict(current)
        current.clear()
        files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
        results.append({
            "case": name, "exit": code, "stderr": err.getvalue(), "seconds": seconds,
            "outside": sorted(set(touched["outside"])), "network": touched["network"],
            "earlier_kept": earlier.read_bytes() == EARLIER if code else True,
            "files": files,
            "memo": str(out / produced / "memo.pdf"),
        })
    Path(report).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
