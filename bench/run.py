"""make bench: how fast briefgen goes from a brief to its three outputs, cold, warm and in batches.

Every figure is a median of whole runs on this machine, and every speed-up is a ratio against the
sequential baseline measured in the same run: the same build with BRIEFGEN_JOBS=1, one process
that imports the engines and writes memo, handout and deck one after another. Not a test: nothing
here passes or fails.

What a cold build does (build._build_cold), and where its time goes. Start Python and import
briefgen's own dependencies (0.15 s at the README's speed; markdown-it, PyYAML and the deck
planner, 0.09 s more, are imported by the child only); fork a child that reads the brief and
sends the parent the memo's style sheet as soon as the theme is checked, then the whole brief
(with the templates it compiled, as Jinja bytecode), then the hyphenation patterns, and then
plans and writes the deck (and the Word memo) at a lower priority. The parent meanwhile imports
WeasyPrint (0.16 s; 0.4 s before briefgen stopped its library search from running ldconfig and
gcc, and 65 ms more before it deferred fontTools' subsetter and instancer and PIL's colour
management) and loads the fonts with the style sheet; then it forks the handout's child, which
inherits all that, and lays out and writes the memo (0.15 s and 0.09 s), then the web page. On a
first build the child parses the hyphenation patterns (0.08 s in English) and keeps a copy; the
parent loads them from the child, or parses them itself when it would otherwise wait for the
brief. In the 10x brief the memo (14 pages) takes 0.72 s to lay out and 0.36 s to write even in a
process that has done it before; with the start and the imports, a cold build cannot go below
about 1.4 s there. A batch brief takes 0.48 s of CPU (memo 0.19, handout 0.22, deck 0.07).

Gained by every build, each measured in its commit: the pattern copies and the handout fits in
the cache folder; cffi's C array types made without parsing their names; the garbage collector
run ten times less often during a build and never on the way out (a collection of 45-51 ms);
`--version` looked up only when asked (importlib.metadata, 67-87 ms on the slow machine); segno
imported only for a QR code; a deck's placeholders placed from their layout's positions, read
once (a quarter of the deck's time); a font's characters read with its glyphs named by number
(0.03 s for the example theme's eight faces); a source entry's formatting read a run at a time
(0.06 s for the 10x brief's 130 sources); the parent's objects frozen for each forked child
(gc.freeze), whose collections then skip them (0.1 s of the 10x brief's first build). A
brief's last handout fit is kept too: after an edit the handout shows, it is checked with two
renders where a search takes three. After an edit the handout does not show, the handout made
from the same inputs is copied from the cache folder: its render and write had taken a processor
for 0.5 s while the memo and the deck wanted both (the example after a body edit: 0.94 as long
as with its one render, 21 pairs with farm-bench). Not done: measuring a font or an SVG with
only the Pillow plugins that could open it (0.045 s of the parent's font warm-up): several
plugins check bytes past the first four, so a small hostile file got past the pixel limit.
pdf.py's three speed-ups that reach into ctypes, the import system and cffi are switched off
together by BRIEFGEN_SPEEDUPS=0.

On a busy machine: the scheduler shares each processor among the processes that want one, so a
build side by side gets a larger share than one made in order. Measured with farm-bench on the
2-core machine: with one other process spinning, the example's first build took 0.98 as long as
BRIEFGEN_JOBS=1 (9 pairs); with two (one per core), 0.75; a batch of 20 briefs with one core
busy took 0.79 as long with -j 2 as with -j 1 (5 pairs). Limited to one processor (taskset), it
took 1.18 as long: fork.usable_cores() then makes the build sequential. A gate that went
sequential whenever a core was busy took 1.07 as long as the plain parallel build, and was not
kept.

Two outputs more (--to memo,handout,deck,docx,html): the Word memo is written in the deck's
child, the web page in the parent after the memo. On a day the example's three took 1.9 s here,
all five took 1.09 times as long; with a table and a chart, 1.24 (each chart is drawn as a PNG for
Word, and twice for the page). A library of 5,000 entries in place of the brief's own 13 sources
made the example's first build 1.01-1.05 as long from BibTeX and 1.02-1.07 from CSL-JSON.
"""
from __future__ import annotations

import compileall
import contextlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.briefs import (EXAMPLE, batch, library_brief, ten_x_brief,  # noqa: E402
                          with_table_and_chart)

BRIEFGEN = [sys.executable, "-m", "briefgen.cli"]


def run(args: list[str], sequential: bool = False, cache: Path | None = None,
        src: Path | None = None) -> tuple[float, int]:
    """Wall seconds and peak memory (MB, the largest process) of one whole briefgen run, with
    its cache folder in cache (else a new, empty one: a first build on this machine), of the
    code in src (else this checkout's)."""
    fresh = None if cache else tempfile.mkdtemp(prefix="briefgen-bench-cache-")
    env = {**os.environ, "XDG_CACHE_HOME": str(cache or fresh)}
    if src:
        env["PYTHONPATH"] = str(src)
    if sequential:
        env["BRIEFGEN_JOBS"] = "1"
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(BRIEFGEN + args, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    finally:
        if fresh:
            shutil.rmtree(fresh, ignore_errors=True)
    if status != 0:
        sys.exit(f"briefgen {' '.join(args)} failed: {proc.stderr.read().decode()}")
    return seconds, usage.ru_maxrss // 1024


def compare(args, repeat: int, before=None, cache: Path | None = None):
    """Median seconds of the sequential baseline and of the usual build, and the usual build's
    peak MB. The two alternate, so that a machine whose speed drifts favours neither;
    before(i) runs ahead of each run (an edit)."""
    runs: dict[bool, list] = {True: [], False: []}
    for i in range(repeat):
        for sequential in (True, False):
            if before:
                before(2 * i + sequential)
            runs[sequential].append(run(args, sequential, cache))
    seq, par = (statistics.median(s for s, _ in runs[k]) for k in (True, False))
    return seq, par, max(m for _, m in runs[False])


# Each edit is new (it carries the run's number), so that no build finds its handout kept.
BODY_EDIT = ("Sanctuary is not monolithic", "Sanctuary (edit {}) is not monolithic")
TAKEAWAY_EDIT = ("No federal law compels", "No federal law (edit {}) compels")


@contextlib.contextmanager
def busy_core(seconds: float = 300.0):
    """A process that spins on core 0 (where the machine has more than one) for the block, and
    never more than seconds: a browser, a video call or a CI neighbour."""
    spin = ("import os, time\n"
            "if hasattr(os, 'sched_setaffinity') and (os.cpu_count() or 1) > 1:\n"
            "    os.sched_setaffinity(0, {0})\n"
            f"end = time.monotonic() + {seconds}\n"
            "while time.monotonic() < end:\n"
            "    pass\n")
    proc = subprocess.Popen([sys.executable, "-c", spin])
    try:
        time.sleep(0.2)  # running before the first build starts
        yield
    finally:
        proc.kill()
        proc.wait()


def alternate(first, second, repeat: int) -> tuple[float, float]:
    """Median seconds of two kinds of run, taken in turn so that a drifting machine favours
    neither: first() and second() each return (seconds, MB)."""
    times: tuple[list, list] = ([], [])
    for _ in range(repeat):
        times[0].append(first()[0])
        times[1].append(second()[0])
    return statistics.median(times[0]), statistics.median(times[1])


def old_code(rev: str, work: Path) -> Path:
    """The src folder of revision rev, checked out beside this one (make bench OLD=rev)."""
    root = Path(__file__).resolve().parents[1]
    tree = work / "old"
    subprocess.run(["git", "-C", str(root), "worktree", "add", "--detach", "-q", str(tree), rev],
                   check=True)
    # Byte-compiled as make bench compiles this checkout: else each of its runs compiles it.
    compileall.compile_dir(tree / "src", quiet=1)
    return tree / "src"


def against(rev: str, work: Path, tenx: Path, repeat: int = 7) -> None:
    """This code's cold builds against revision rev's, taken in turn (make bench OLD=rev). After
    an edit, each code has a cache folder of its own, made by one build of its own first."""
    src = old_code(rev, work)
    print(f"\nthis code against {rev} (median of {repeat}, taken in turn)")
    for label, brief, edit in (("seed brief, first build", EXAMPLE, None),
                               ("seed brief, after a body edit", EXAMPLE, BODY_EDIT),
                               ("10x brief, first build", tenx, None)):
        copy = work / f"vs-{brief.name}"
        text = brief.read_text(encoding="utf-8")
        copy.write_text(text, encoding="utf-8")
        args = ["build", str(copy), "-o", str(work / "vs")]
        caches = {}
        if edit:
            for code in (src, None):
                caches[code] = work / f"vs-cache-{'old' if code else 'new'}"
                run(args, cache=caches[code], src=code)
        count = iter(range(2 * repeat))

        def one(code):
            if edit:
                copy.write_text(text.replace(edit[0], edit[1].format(next(count)), 1),
                                encoding="utf-8")
            return run(args, cache=caches.get(code), src=code)
        old, new = alternate(lambda: one(src), lambda: one(None), repeat)
        print(f"  {label:30} {rev} {old:5.2f} s   this code {new:5.2f} s   "
              f"ratio {new / old:4.2f}")


def report(label: str, seq: float, par: float, mb: int) -> None:
    print(f"    {label:44} sequential {seq:5.2f} s   briefgen {par:5.2f} s   ratio "
          f"{par / seq:4.2f}   peak {mb} MB")


# Each save is new (it carries its number): an undo would find its handout kept.
EDITS = {
    "body (memo and deck)": ("Sanctuary is not monolithic", "Sanctuary ({}) is not monolithic"),
    "bullet (deck only)": ("Crime did not measurably increase", "Crime did not ({}) increase"),
    "takeaway (handout only)": ("No federal law compels", "No federal law ({}) compels"),
    "summary (all three)": ("The result is a policy choice", "The result ({}) is a policy choice"),
}


def save(path: Path, text: str) -> None:
    """Save as editors do: whole, so that watch never reads half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def warm(brief: Path, out: Path, repeat: int = 5) -> dict[str, float]:
    """Seconds from saving the brief to `briefgen watch` saying all its outputs are written:
    the whole path a user waits for, polling included. Median of `repeat` saves per edit."""
    proc = subprocess.Popen(BRIEFGEN + ["watch", str(brief), "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def rebuilt() -> None:
        for line in proc.stdout:
            if " rebuilt " in line or " built " in line:
                return
            if not line.startswith("watching ") and ": warning: " not in line:  # a problem
                sys.exit(f"briefgen watch failed: {line.strip()}")
        sys.exit("briefgen watch stopped")

    try:
        rebuilt()  # the first, cold build
        text = brief.read_text(encoding="utf-8")
        times = {}
        for name, (old, new) in EDITS.items():
            assert old in text, old
            samples = []
            for i in range(repeat):
                started = time.perf_counter()
                save(brief, text.replace(old, new.format(i), 1))
                rebuilt()
                samples.append(time.perf_counter() - started)
            save(brief, text)  # undone, unmeasured
            rebuilt()
            times[name] = statistics.median(samples)
        return times
    finally:
        proc.terminate()
        proc.wait()


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores, {model}; Python {platform.python_version()}, "
            f"{platform.system()} {platform.machine()}")


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="briefgen-bench-"))
    try:
        tenx = work / "ten-x.yaml"
        tenx.write_text(ten_x_brief(), encoding="utf-8")
        print(f"machine: {machine()}")
        # The bench's own cache folder, not the user's: watch below uses it too.
        cache = work / "cache"
        os.environ["XDG_CACHE_HOME"] = str(cache)
        print("cold: one whole `briefgen build` process per run (median)")
        rows = []
        for label, brief, repeat, (old, new) in (
                ("seed brief", EXAMPLE, 5, BODY_EDIT),
                ("10x brief (70 sections, 130 sources)", tenx, 3,
                 ("Sentence 1 of section 3 sets", "Sentence 1 of section 3 (edit {}) sets"))):
            copy = work / f"cold-{brief.name}"
            text = brief.read_text(encoding="utf-8")
            copy.write_text(text, encoding="utf-8")
            args = ["build", str(copy), "-o", str(work / "out")]
            print(f"\n  {label}")
            seq, par, mb = compare(args, repeat)
            rows.append((label, seq, par, mb))
            report("first build on this machine (empty cache)", seq, par, mb)
            run(args, cache=cache)  # what the edits below start from

            def edit(i, old=old, new=new, text=text, copy=copy):
                copy.write_text(text.replace(old, new.format(i), 1), encoding="utf-8")
            report("again, after an edit to a section's body", *compare(args, repeat, edit, cache))
            if brief == EXAMPLE:
                def edit(i, text=text, copy=copy):
                    copy.write_text(text.replace(TAKEAWAY_EDIT[0], TAKEAWAY_EDIT[1].format(i), 1),
                                    encoding="utf-8")
                report("again, after an edit the handout shows",
                       *compare(args, repeat, edit, cache))
            copy.unlink()

        print("\nbusy machine: another process keeps core 0 busy (bounded, 300 s at most); the "
              "seed brief's first build against BRIEFGEN_JOBS=1 (target: at most 1.0)")
        with busy_core():
            args = ["build", str(EXAMPLE), "-o", str(work / "busy")]
            # Nine pairs: with five, one run in five gave 1.07 where the others gave 0.80-0.92.
            report("first build, one core busy", *compare(args, 9))

        print("\ntables and charts: the seed brief against the same brief with one 12-row table"
              " and one chart added (first builds, median of 5, taken in turn)")
        data = work / "with-data.yaml"
        data.write_text(with_table_and_chart(), encoding="utf-8")
        plain, with_data = alternate(
            lambda: run(["build", str(EXAMPLE), "-o", str(work / "plain")]),
            lambda: run(["build", str(data), "-o", str(work / "data")]), 5)
        print(f"  seed {plain:5.2f} s   with a table and a chart {with_data:5.2f} s   "
              f"costs {with_data - plain:+.2f} s")

        print("\nfive outputs: the seed brief's memo, handout and deck, against the same build "
              "adding memo.docx and memo.html (--to memo,handout,deck,docx,html; first builds, "
              "median of 7, taken in turn; the target is a ratio of at most 1.25)")
        five = "memo,handout,deck,docx,html"
        for label, brief in (("seed", EXAMPLE), ("with a table and a chart", data)):
            three, all_five = alternate(
                lambda: run(["build", str(brief), "-o", str(work / "three")]),
                lambda: run(["build", str(brief), "-o", str(work / "five"), "--to", five]), 7)
            print(f"  {label:24} three {three:5.2f} s   five {all_five:5.2f} s   "
                  f"costs {all_five - three:+.2f} s   ratio {all_five / three:4.2f}")

        print("\nbibliography: the seed brief with its 13 sources inline, against the same brief "
              "citing them from a 5,000-entry library (first builds, median of 5, taken in turn)")
        for kind, label in (("bib", "BibTeX"), ("json", "CSL-JSON")):
            with_library = library_brief(work, kind)
            inline, library = alternate(
                lambda: run(["build", str(EXAMPLE), "-o", str(work / "inline")]),
                lambda: run(["build", str(with_library), "-o", str(work / "library")]), 5)
            print(f"  {label:8} inline {inline:5.2f} s   from the library {library:5.2f} s   "
                  f"costs {library - inline:+.2f} s   ratio {library / inline:4.2f}")

        if os.environ.get("BENCH_OLD"):
            against(os.environ["BENCH_OLD"], work, tenx)

        print("\nwarm: `briefgen watch`, from saving the brief to all outputs written (median of 5)")
        copy = work / "warm.yaml"
        shutil.copy(EXAMPLE, copy)
        seed_seq = rows[0][1]
        for name, seconds in warm(copy, work / "warm-out").items():
            print(f"  edit to the {name:26} {seconds:5.2f} s   ratio to a cold sequential build "
                  f"{seconds / seed_seq:4.2f}")

        print("\nbatch: 50 seed-sized briefs in one `briefgen build` call")
        folder = work / "batch"
        folder.mkdir()
        paths = [str(p) for p in batch(folder)]
        # Each with an empty cache folder: the briefs differ, so none would find its handout kept
        # by another, but the second run would find them all kept by the first.
        seq, _ = run(["build", *paths, "-o", str(work / "b1"), "-j", "1"], sequential=True)
        par, mb = run(["build", *paths, "-o", str(work / "b2"), "-j", str(os.cpu_count() or 1)])
        print(f"  sequential {seq:6.2f} s ({seq / 50:.2f} s per brief)   -j {os.cpu_count()} "
              f"{par:6.2f} s ({par / 50:.2f} s per brief)   ratio {par / seq:4.2f}   "
              f"peak {mb} MB per process")
        print(f"  a cold sequential build of one seed brief takes {seed_seq:.2f} s: "
              f"batching makes a brief {seq / 50 / seed_seq:.2f}x (sequential) and "
              f"{par / 50 / seed_seq:.2f}x (-j) of that")
    finally:
        if (work / "old").exists():
            subprocess.run(["git", "-C", str(Path(__file__).resolve().parents[1]), "worktree",
                            "remove", "--force", str(work / "old")], check=False)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
