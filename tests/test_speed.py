"""The fast paths give the same files as the plain one: parallel, batch, and watch's reuse."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

from briefgen.build import build, file_stamp, watched_files
from briefgen.cache import cache_folder
from briefgen.cli import main
from briefgen.handout import HANDOUTS

from .conftest import EXAMPLE, MINIMAL, ROOT, forget_fits, pdf_pages, write


def read_all(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def it_gives_the_same_bytes_in_parallel_and_in_sequence(tmp_path):
    a = build(EXAMPLE, tmp_path / "seq", parallel=False)
    b = build(EXAMPLE, tmp_path / "par", parallel=True)
    assert read_all(tmp_path / "seq" / "sanctuary-cities") == \
        read_all(tmp_path / "par" / "sanctuary-cities")
    assert [o.kind for o in a.outputs] == [o.kind for o in b.outputs] == ["memo", "handout",
                                                                           "deck"]


def it_reports_a_failure_in_the_forked_handout_and_writes_nothing(tmp_path):
    long = MINIMAL.replace("body: Text [@b].", "body: Text [@b].\n    takeaway: \"" +
                           "overlong " * 2500 + "\"")
    brief = write(tmp_path, long)
    try:
        build(brief, tmp_path / "out", parallel=True)
    except Exception as e:  # noqa: BLE001 - the type is what is checked
        assert type(e).__name__ == "BriefError"
        assert "the handout does not fit on one page" in str(e)
    else:
        raise AssertionError("the build should have failed")
    assert not (tmp_path / "out").exists()


def it_builds_a_batch_with_jobs_and_reports_each_brief(tmp_path, capsys, monkeypatch):
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # where WeasyPrint puts its font copies
    briefs = []
    for i in range(3):
        briefs.append(write(tmp_path, EXAMPLE.read_text(encoding="utf-8"), f"b{i}.yaml"))
    bad = write(tmp_path, MINIMAL.replace("@b", "@nope"), "bad.yaml")
    again = str(tmp_path / "." / "b0.yaml")  # named twice, as overlapping globs do: built once
    code = main(["build", *map(str, briefs), str(bad), again, "-o", str(tmp_path / "out"), "-j",
                 "2"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out.count(" wrote ") == 9
    assert sorted(line.split()[1] for line in out.splitlines() if line.startswith("[")) == \
        sorted(map(str, briefs))
    assert f"{bad}: failed" in err and "unknown source id 'nope'" in err
    assert "built 3 of 4 briefs in " in out and "per brief with 2 jobs" in out
    assert read_all(tmp_path / "out" / "b0") == read_all(tmp_path / "out" / "b2")
    # The workers keep their fonts from brief to brief, and delete them when they finish.
    assert list(temp.iterdir()) == []


def it_rebuilds_only_the_outputs_whose_inputs_changed(tmp_path):
    brief = write(tmp_path, EXAMPLE.read_text(encoding="utf-8"))
    cache = {}
    first = build(brief, tmp_path / "out", cache=cache)
    assert first.skipped == []
    again = build(brief, tmp_path / "out", cache=cache)
    assert again.outputs == [] and sorted(again.skipped) == ["deck", "handout", "memo"]
    brief.write_text(brief.read_text().replace('      - "Crime did not measurably increase',
                                               '      - "Crime did not increase'))
    deck_only = build(brief, tmp_path / "out", cache=cache)
    assert [o.kind for o in deck_only.outputs] == ["deck"]
    brief.write_text(brief.read_text().replace("No federal law compels", "No law compels"))
    kept = cache_folder() / HANDOUTS
    assert len(list(kept.iterdir())) == 1  # the first build's handout
    handout = build(brief, tmp_path / "out", cache=cache)
    # A takeaway: the handout's key point and the deck's closing slide, not the memo.
    assert [o.kind for o in handout.outputs] == ["handout", "deck"]
    # Found with the last fit's slope, not by a search: neither its fit nor the handout is kept.
    assert handout.outputs[0].fit.borrowed and len(list(kept.iterdir())) == 1
    # The warm handout (from the last fit as a hint) is the one a cold build makes.
    (tmp_path / "cold").mkdir()
    shutil.copy(brief, tmp_path / "cold" / "brief.yaml")
    forget_fits()
    cold = build(tmp_path / "cold" / "brief.yaml", tmp_path / "cold-out")
    assert (tmp_path / "out" / "brief" / "handout.pdf").read_bytes() == \
        (tmp_path / "cold-out" / "brief" / "handout.pdf").read_bytes()
    assert handout.outputs[0].note == cold.outputs[1].note
    assert handout.outputs[0].fit.renders == 1  # the step above is known to be too tall


def it_watches_and_builds_once(tmp_path, capsys):
    brief = write(tmp_path, MINIMAL)
    assert main(["watch", str(brief), "-o", str(tmp_path / "out"), "--once"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\d\d:\d\d:\d\d built memo.pdf, handout.pdf \(type \d+%, spacing \d+%\), "
                     r"deck.pptx in \d+\.\d\d s\n", out), out
    assert main(["watch", str(tmp_path / "typo.yaml"), "--once"]) == 2  # not a wait for ever
    assert main(["watch", str(tmp_path), "--once"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'typo.yaml'}:1:1: file not found" in err
    assert f"{tmp_path}:1:1: is a folder, not a brief file" in err


def save(path, data: bytes) -> None:
    """Whole, as editors save: watch polls, and must not see a file half written."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def it_watches_the_last_good_builds_files_while_the_brief_is_broken(tmp_path):
    # A figure removed makes the brief an error, which names no files: putting it back must
    # still start a build.
    (tmp_path / "figures").mkdir()
    figure = tmp_path / "figures" / "chart.png"
    figure.write_bytes((ROOT / "tests" / "data" / "chart.png").read_bytes())
    brief = write(tmp_path, MINIMAL.replace("body: Text [@b].", "body: Text [@b].\n"
                  "    figure: {path: figures/chart.png, alt: A bar chart}"))
    proc = subprocess.Popen([sys.executable, "-m", "briefgen.cli", "watch", str(brief), "-o",
                             str(tmp_path / "out")], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    import queue
    import threading

    said: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [said.put(line) for line in proc.stdout], daemon=True).start()
    lines = iter(lambda: said.get(timeout=30), None)  # a change missed fails, not hangs
    try:
        assert next(lines).startswith("watching ")
        assert " built memo.pdf" in next(lines)
        kept = figure.read_bytes()
        figure.unlink()
        assert re.match(r"\d\d:\d\d:\d\d not built \(1 problem; the outputs of the last good "
                        r"build stay\):$", next(lines))
        assert "figure file not found" in next(lines)
        save(figure, kept)
        assert " rebuilt memo.pdf" in next(lines)  # seen (as a new file: all three)
        text = brief.read_bytes()
        save(brief, text.replace(b"[@b]", b"[@zz]"))
        assert " not built (1 problem;" in next(lines)
        assert "unknown source id 'zz'" in next(lines)
        save(brief, text)  # fixed as it was: the outputs are already right
        assert re.search(r"^\d\d:\d\d:\d\d no output changed in ", next(lines))
    finally:
        proc.kill()
        proc.wait()


WATCH_RACE = """
import sys
from pathlib import Path
import briefgen.build as b

real, figure, good = b.build, Path(sys.argv[1]), Path(sys.argv[2]).read_bytes()

def build(*args, **kwargs):
    # The figure was caught half written when watch listed its files; it is whole by the build.
    if figure.read_bytes() != good and figure.read_bytes().startswith(b"half"):
        figure.write_bytes(good)
    return real(*args, **kwargs)

b.build = build
from briefgen.cli import main
main(["watch", sys.argv[3], "-o", sys.argv[4]])
"""


def it_watches_a_figure_that_was_half_written_when_the_files_were_listed(tmp_path):
    import queue
    import threading

    (tmp_path / "figures").mkdir()
    chart = ROOT / "tests" / "data" / "chart.png"
    figure = tmp_path / "figures" / "chart.png"
    figure.write_bytes(b"half a png")
    brief = write(tmp_path, MINIMAL.replace("body: Text [@b].", "body: Text [@b].\n"
                  "    figure: {path: figures/chart.png, alt: A bar chart}"))
    proc = subprocess.Popen([sys.executable, "-c", WATCH_RACE, str(figure), str(chart),
                             str(brief), str(tmp_path / "out")], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    said: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [said.put(line) for line in proc.stdout], daemon=True).start()
    lines = iter(lambda: said.get(timeout=30), None)
    try:
        assert next(lines).startswith("watching ")
        assert " built memo.pdf" in next(lines)
        from PIL import Image

        with Image.open(chart) as im:  # the figure edited: a new picture, still a PNG
            im.convert("L").convert("RGB").save(tmp_path / "grey.png")
        save(figure, (tmp_path / "grey.png").read_bytes())
        assert " rebuilt " in next(lines)
    finally:
        proc.kill()
        proc.wait()


def it_watches_a_theme_that_is_broken_so_that_fixing_it_starts_a_build(tmp_path):
    theme = tmp_path / "mytheme"
    shutil.copytree(ROOT / "themes" / "default", theme)
    (theme / "theme.yaml").write_text("name: [broken\n")
    brief = write(tmp_path, MINIMAL.replace("date:", "theme: ./mytheme\ndate:"))
    files = watched_files(brief, None)
    assert theme in files and theme / "theme.yaml" in files


def it_loads_weasyprint_without_starting_a_program():
    # ctypes' library search runs ldconfig and gcc for every name WeasyPrint tries: 0.15 s.
    code = ("import sys; seen = []\n"
            "sys.addaudithook(lambda e, a: seen.append(a[0]) if e == 'subprocess.Popen' else 0)\n"
            "import briefgen.pdf, weasyprint.text.ffi as f\n"
            "assert f.pango is not None and f.harfbuzz is not None\n"
            "print(len(seen), 'fontTools.subset' in sys.modules, type(f.ffi._parsed_types))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0 False <class 'briefgen.pdf._ParsedTypes'>", out.stderr
    # BRIEFGEN_SPEEDUPS=0: all three speed-ups that reach into private parts are off.
    off = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "BRIEFGEN_SPEEDUPS": "0"})
    count, *rest = off.stdout.split()
    assert int(count) > 0 and rest == ["True", "<class", "'dict'>"], off.stderr



def it_writes_the_same_outputs_with_its_speed_ups_switched_off(tmp_path):
    for name, env in (("on", {}), ("off", {"BRIEFGEN_SPEEDUPS": "0"})):
        forget_fits()
        done = briefgen_process("build", EXAMPLE, "-o", tmp_path / name, **env)
        assert done.returncode == 0, done.stderr
    for name in ("memo.pdf", "handout.pdf", "deck.pptx"):
        assert (tmp_path / "on" / "sanctuary-cities" / name).read_bytes() == \
            (tmp_path / "off" / "sanctuary-cities" / name).read_bytes()


def it_rebuilds_with_a_theme_template_added_or_edited(tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "themes" / "default", theme)
    brief = write(tmp_path, MINIMAL)
    cache = {}
    memo = tmp_path / "out" / "brief" / "memo.pdf"
    build(brief, tmp_path / "out", theme=str(theme), cache=cache)
    assert "Override" not in pdf_pages(memo)[0]
    seen = {p: file_stamp(p) for p in watched_files(brief, str(theme))}
    (theme / "templates").mkdir()
    page = '{% extends "base.html" %}{% block content %}<p>Override one</p>{% endblock %}'
    (theme / "templates" / "memo.html").write_text(page)
    assert {p: file_stamp(p) for p in seen} != seen  # watch sees a file added to the theme
    build(brief, tmp_path / "out", theme=str(theme), cache=cache)
    assert "Override one" in pdf_pages(memo)[0]
    (theme / "templates" / "memo.html").write_text(page.replace("one", "two"))
    build(brief, tmp_path / "out", theme=str(theme), cache=cache)
    assert "Override two" in pdf_pages(memo)[0]


def it_gives_each_brief_of_a_batch_the_handout_it_gets_alone(tmp_path, capsys):
    # A batch checks the last brief's fit first; a wrong guess must cost renders, not results.
    from .test_handout import long_brief

    paths = [write(tmp_path, EXAMPLE.read_text(encoding="utf-8"), "a.yaml"),
             write(tmp_path, long_brief(12, 38), "b.yaml"),
             write(tmp_path, long_brief(8, 30), "c.yaml"),
             write(tmp_path, EXAMPLE.read_text(encoding="utf-8"), "d.yaml")]
    assert main(["build", *map(str, paths), "-o", str(tmp_path / "batch"), "-j", "1"]) == 0
    for path in paths:
        forget_fits()  # a fit the batch found and kept would be this build's answer
        assert main(["build", str(path), "-o", str(tmp_path / "alone")]) == 0
        name = path.stem
        assert (tmp_path / "batch" / name / "handout.pdf").read_bytes() == \
            (tmp_path / "alone" / name / "handout.pdf").read_bytes()
    out = capsys.readouterr().out
    notes = {line.split("), ", 1)[1] for line in out.splitlines() if "handout.pdf" in line}
    assert len(notes) == 3, notes  # the briefs do need different fits


def briefgen_process(*args, sequential=False, **env):
    """A whole `briefgen` process: the cold path, where WeasyPrint is not yet imported."""
    env = {**os.environ, **env, **({"BRIEFGEN_JOBS": "1"} if sequential else {})}
    return subprocess.run([sys.executable, "-m", "briefgen.cli", *map(str, args)],
                          capture_output=True, text=True, env=env)


def probed_build(tmp_path, patches: str):
    """A first build of the example in a new process (the cold path, an empty cache folder),
    after the patches (Python that logs what happens to the file named by $PROBE); returns the
    finished process and the parent's pid."""
    code = patches + ("from briefgen.cli import main\n"
                      "print('parent', os.getpid())\n"
                      "sys.exit(main(sys.argv[1:]))\n")
    env = {**os.environ, "PROBE": str(tmp_path / "probe"),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", code, "build", str(EXAMPLE), "-o",
                           str(tmp_path / "out")], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return done, done.stdout.split()[1]


def it_imports_what_reads_the_brief_and_plans_the_deck_only_in_the_child(tmp_path):
    # The parent of a cold build forks sooner without them (0.09 s): it parses no text or
    # YAML and plans no deck.
    code = ("import atexit, os, sys\n"
            "atexit.register(lambda: print('imported', [m for m in ('markdown_it', 'yaml', "
            "'briefgen.deck') if m in sys.modules]))\n")
    done, _ = probed_build(tmp_path, code)
    assert done.stdout.splitlines()[-1] == "imported []"


def it_spares_a_child_collecting_the_objects_its_parent_made():
    # Frozen for the child, whose collections then skip them; the parent's stay collectable.
    code = ("import gc, os\n"
            "import briefgen.build\n"
            "from briefgen.fork import collect, spawn\n"
            "children = []\n"
            "spawn(lambda: (os.getpid(), gc.get_freeze_count()), into=children)\n"
            "[(pid, frozen)] = collect(children)\n"
            "print(pid != os.getpid(), frozen > 10_000, gc.get_freeze_count())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.split() == ["True", "True", "0"]


def it_builds_the_same_files_in_a_new_process_as_in_sequence(tmp_path):
    # A new process reads the brief and writes the deck in a child while it imports WeasyPrint.
    cold = briefgen_process("build", EXAMPLE, "-o", tmp_path / "cold")
    assert cold.returncode == 0, cold.stderr
    forget_fits()
    plain = briefgen_process("build", EXAMPLE, "-o", tmp_path / "seq", sequential=True)
    assert plain.returncode == 0, plain.stderr
    built = read_all(tmp_path / "cold" / "sanctuary-cities")
    assert sorted(built) == ["deck.pptx", "handout.pdf", "memo.pdf"]  # and no temporary file
    assert built == read_all(tmp_path / "seq" / "sanctuary-cities")
    def report(done):  # but for the times
        return re.sub(r"\d+\.\d\d s", "", done.stdout.replace("/cold/", "/seq/"))
    assert report(cold) == report(plain)


def it_gives_the_deck_plans_warnings_in_order_from_the_child_that_plans_it_later(tmp_path):
    # A new process's child plans the deck after it has sent the brief: the plan's warnings
    # come back with the deck, and are said among the others in the brief's order.
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("lang: en", "lang: tlh")  # a warning before the deck's
    text = text.replace('      - "The Constitution', f'      - "{" ".join(["word"] * 70)}"\n'
                                                    '      - "The Constitution', 1)
    text = text.replace("sources:\n", "sources:\n  - id: never-cited\n    title: Uncited\n", 1)
    brief = write(tmp_path, text)
    said = {}
    for how, sequential in (("cold", False), ("seq", True)):
        done = briefgen_process("build", brief, "-o", tmp_path / how, sequential=sequential)
        assert done.returncode == 0, done.stderr
        said[how] = done.stderr
    warnings = [line.split(": warning: ")[1][:30] for line in said["cold"].splitlines()]
    assert warnings == ["briefgen has no words in 'tlh'", "section 1's bullets have 100 w",
                        "source 'never-cited' is never "]
    assert said["cold"] == said["seq"]
    memo_only = briefgen_process("build", brief, "-o", tmp_path / "memo", "--to", "memo")
    assert "bullets" not in memo_only.stderr and "never-cited" in memo_only.stderr


@pytest.mark.parametrize("change, message", [
    (("@b", "@nope"), ":6:17: unknown source id 'nope' (add it under sources:)"),
    (("title: Source B\n", "title: Source B\n  - id: c\n    title: Source C\n"),
     ":12:5: source 'c' is never cited (an error under --strict)"),
])
def it_fails_in_a_new_process_as_in_sequence_and_keeps_earlier_outputs(tmp_path, change,
                                                                        message):
    brief = write(tmp_path, MINIMAL)
    out = tmp_path / "out" / "brief"
    assert briefgen_process("build", brief, "-o", tmp_path / "out").returncode == 0
    earlier = read_all(out)
    brief.write_text(MINIMAL.replace(*change))
    for sequential in (False, True):
        failed = briefgen_process("build", brief, "-o", tmp_path / "out", "--strict",
                                  sequential=sequential)
        assert failed.returncode == 2
        assert failed.stderr == f"{brief}{message}\n"
        assert read_all(out) == earlier  # untouched, and no temporary file left beside them
    fresh = briefgen_process("build", brief, "-o", tmp_path / "new", "--strict")
    assert fresh.returncode == 2 and not (tmp_path / "new").exists()
    # Where no output folder can be made, the brief's own errors still come first.
    (tmp_path / "file").write_text("not a folder")
    for sequential in (False, True):
        blocked = briefgen_process("build", brief, "-o", tmp_path / "file" / "out", "--strict",
                                   sequential=sequential)
        assert blocked.returncode == 2 and blocked.stderr == f"{brief}{message}\n"


def it_reports_the_briefs_errors_before_its_themes_broken_style_sheet_in_a_new_process(
        tmp_path):
    # The child renders the memo's style sheet early, for the parent to load the fonts with:
    # a theme's broken one is still said after the brief's errors, as in sequence.
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "themes" / "default", theme)
    (theme / "templates").mkdir()
    css = (ROOT / "src" / "briefgen" / "templates" / "style.css").read_text(encoding="utf-8")
    (theme / "templates" / "style.css").write_text(css + "{% if %}\n", encoding="utf-8")
    brief = write(tmp_path, MINIMAL.replace("title: Source B\n", "title: Source B\n  - id: c\n"
                                                                  "    title: Source C\n"))
    said = set()
    for sequential in (False, True):
        failed = briefgen_process("build", brief, "-o", tmp_path / "out", "--theme", theme,
                                  "--strict", sequential=sequential)
        assert failed.returncode == 2
        said.add(failed.stderr)
    assert said == {f"{brief}:12:5: source 'c' is never cited (an error under --strict)\n"}


def it_reports_the_brief_before_a_folder_it_cannot_write_in(tmp_path):
    # The folder exists but takes no new file (as on a read-only disk, which root also meets).
    code = ("import sys, tempfile\n"
            "real = tempfile.mkdtemp\n"
            "def mkdtemp(*args, dir=None, **kwargs):\n"
            "    if str(dir).endswith('/out'):\n"
            "        raise OSError(30, 'Read-only file system', f'{dir}/.brief.new-x')\n"
            "    return real(*args, dir=dir, **kwargs)\n"
            "tempfile.mkdtemp = mkdtemp\n"
            "from briefgen.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    (tmp_path / "out" / "brief").mkdir(parents=True)
    brief = tmp_path / "brief.yaml"
    for text, said in ((MINIMAL.replace("@b", "@nope"), f"{brief}:6:17: unknown source id 'nope'"),
                       (MINIMAL, f"{tmp_path}/out/brief:1:1: cannot write outputs into this "
                                 "folder: Read-only file system\n")):
        brief.write_text(text)
        for jobs in ("", "1"):  # a new process's cold path, and a sequential build
            done = subprocess.run([sys.executable, "-c", code, "build", str(brief), "-o",
                                   str(tmp_path / "out")], capture_output=True, text=True,
                                  env={**os.environ, "BRIEFGEN_JOBS": jobs})
            assert done.returncode == 2 and said in done.stderr, done.stderr


def it_reads_the_brief_in_a_child_while_a_new_process_imports_weasyprint(tmp_path):
    # With an empty cache folder, that child parses the hyphenation patterns too, after it has
    # sent the brief, hands them over to the parent, which waits for them, and keeps a copy.
    probe = tmp_path / "probe"
    code = ("import os, sys, time\n"
            "import briefgen.build as b\n"
            "import pyphen\n"
            "real, parse = b.read_job, pyphen.HyphDict.__init__\n"
            "def read_job(*args, **kwargs):\n"
            "    with open(os.environ['PROBE'], 'a') as f:\n"
            "        f.write(f\"{os.getpid()} {'weasyprint' in sys.modules}\\n\")\n"
            "    return real(*args, **kwargs)\n"
            "def parsed(*args):\n"
            "    time.sleep(0.5)  # slower than the parent's warm-up, which must wait\n"
            "    parse(*args)\n"
            "    with open(os.environ['PROBE'] + '.parsed', 'a') as f:\n"
            "        f.write(f'{os.getpid()} {time.time()}\\n')\n"
            "warm = b.warm_up\n"
            "def warm_up(*args):\n"
            "    with open(os.environ['PROBE'] + '.warm', 'a') as f:\n"
            "        f.write(f'{time.time()}\\n')\n"
            "    return warm(*args)\n"
            "b.read_job, pyphen.HyphDict.__init__, b.warm_up = read_job, parsed, warm_up\n")
    _, parent = probed_build(tmp_path, code)
    [(reader, imported)] = [line.split() for line in probe.read_text().splitlines()]
    assert reader != parent and imported == "False"
    # Parsed once: by the child, after the parent got the brief, or, where the parent had
    # loaded the fonts before the brief came (a busy machine), by the parent.
    [(parser, parsed)] = [line.split() for line in probe.with_suffix(".parsed").read_text()
                          .splitlines()]
    assert parser in (reader, parent)
    if parser == reader:
        assert float(probe.with_suffix(".warm").read_text()) < float(parsed)
    assert list((tmp_path / "cache" / "briefgen").glob("hyphenation-*.json"))


def it_checks_a_kept_fit_so_that_it_never_changes_what_a_build_writes(tmp_path):
    # Fonts changed in place, keeping their size and time, are not seen by the kept fit's key;
    # the larger type still fits at the kept step, but a larger step now fits too.
    import struct

    from fontTools.ttLib import TTFont

    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "themes" / "default", theme)
    args = [EXAMPLE, "--theme", theme]
    assert briefgen_process("build", *args, "-o", tmp_path / "a").returncode == 0
    for font in theme.glob("fonts/*.ttf"):
        st = font.stat()
        at = TTFont(font).reader.tables["head"].offset + 18  # unitsPerEm
        data = bytearray(font.read_bytes())
        data[at:at + 2] = struct.pack(">H", int(struct.unpack(">H", data[at:at + 2])[0] * 1.15))
        font.write_bytes(data)
        os.utime(font, ns=(st.st_atime_ns, st.st_mtime_ns))
    kept = briefgen_process("build", *args, "-o", tmp_path / "b")
    forget_fits()
    searched = briefgen_process("build", *args, "-o", tmp_path / "c")
    assert kept.returncode == searched.returncode == 0
    note = re.compile(r"handout.pdf \(1 page\), (.*)")
    assert note.search(kept.stdout)[1] == note.search(searched.stdout)[1] != \
        "type 100%, spacing 45%"  # the example's fit in the theme as it was
    assert (tmp_path / "b" / "sanctuary-cities" / "handout.pdf").read_bytes() == \
        (tmp_path / "c" / "sanctuary-cities" / "handout.pdf").read_bytes()


def it_forks_only_when_no_other_thread_runs(monkeypatch):
    # A fork copies the locks other threads hold (Pango's run after a render): the child of
    # such a fork can wait forever. spawn waits for such threads, and does not fork beside a
    # caller's own threads: it runs the call here, at once and at its own priority.
    import threading

    from briefgen import fork as b

    here = os.getpid()
    assert b.collect([b.spawn(os.getpid)]) != [here]  # forked
    done = threading.Event()
    waiting = threading.Thread(target=done.wait)
    waiting.start()
    try:
        started, niceness = time.perf_counter(), os.nice(0)
        assert b.collect([b.spawn(os.getpid, nice=5)]) == [here]  # ran here
        assert time.perf_counter() - started < b.FORK_WAIT / 4
        assert os.nice(0) == niceness  # the nice was for a child only
    finally:
        done.set()
        waiting.join()


@pytest.fixture
def ctrl_c_as_in_a_terminal():
    """Ctrl-C raising KeyboardInterrupt, as in a terminal, also where the suite was started in
    the background (nohup, a shell's '&'), which starts it with Ctrl-C ignored."""
    import signal

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def it_stops_a_child_when_ctrl_c_comes_during_its_fork(monkeypatch, ctrl_c_as_in_a_terminal):
    # Ctrl-C is held back across a fork and the child ignores it: it arrives in the parent
    # before the caller knows of the child, which must not be left running.
    import signal

    from briefgen import fork as b

    real, forked = os.fork, []

    def fork():
        pid = real()
        if pid:
            forked.append(pid)
            os.kill(os.getpid(), signal.SIGINT)  # the moment a user would press it
        return pid

    monkeypatch.setattr(os, "fork", fork)
    children = []
    for into in (None, children):
        with pytest.raises(KeyboardInterrupt):
            b.spawn(lambda: time.sleep(5), into=into)
    assert len(forked) == 2 and children[0][0] == forked[1]
    b.stop(children)  # as a caller that was given it does
    for pid in forked:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # stopped and reaped


def it_cleans_up_when_watch_is_stopped_with_sigterm(tmp_path):
    # watch keeps WeasyPrint's font copies between rebuilds; a plain `kill` must delete them.
    import signal

    temp = tmp_path / "temp"
    temp.mkdir()
    brief = write(tmp_path, MINIMAL)
    proc = subprocess.Popen([sys.executable, "-m", "briefgen.cli", "watch", str(brief), "-o",
                             str(tmp_path / "out")], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(temp)})
    try:
        for line in proc.stdout:
            if " built " in line:
                break
        assert list(temp.iterdir()), "expected WeasyPrint's font copies while watching"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 128 + signal.SIGTERM
    finally:
        proc.kill()
    assert list(temp.iterdir()) == []


def it_leaves_a_batch_stopped_by_ctrl_c_to_the_parent_and_cleans_up(tmp_path,
                                                                   ctrl_c_as_in_a_terminal):
    # Ctrl-C reaches every process of the terminal's group. Workers ignore it and are stopped by
    # the pool's SIGTERM alone: one that took both could have its font cleanup cut short.
    import signal

    temp, out = tmp_path / "temp", tmp_path / "out"
    temp.mkdir()
    text = EXAMPLE.read_text(encoding="utf-8")
    briefs = []
    for i in range(8):
        briefs.append(tmp_path / f"b{i}.yaml")
        briefs[-1].write_text(text, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "briefgen.cli", "build", "-j", "2", "-o",
                             str(out), *map(str, briefs)], stdout=subprocess.PIPE, text=True,
                            stderr=subprocess.PIPE, start_new_session=True,
                            env={**os.environ, "TMPDIR": str(temp), "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout.readline().startswith("[1/8] ")  # the workers are at work
        task = f"/proc/{proc.pid}/task/{proc.pid}/children"
        workers = [int(pid) for pid in open(task).read().split()]
        assert len(workers) == 2
        for pid in workers:
            os.kill(pid, signal.SIGINT)
        time.sleep(0.3)

        def working(pid):  # not gone, and not a zombie waiting for the pool to reap it
            try:
                return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
            except OSError:
                return False

        assert all(working(pid) for pid in workers)
        os.killpg(proc.pid, signal.SIGINT)  # as the terminal sends it
        assert proc.wait(timeout=20) == 130
        assert "interrupted" in proc.stderr.read()
    finally:
        proc.kill()
    assert list(temp.iterdir()) == []
    built = [p for p in out.rglob("*") if p.is_file()]
    assert built and all(p.name in ("memo.pdf", "handout.pdf", "deck.pptx") for p in built)


def it_names_a_file_that_vanished_during_the_build(tmp_path, monkeypatch):
    # Only an error writing the outputs is the output folder's; any other file is named.
    import briefgen.build as b
    from briefgen.errors import BriefError

    (tmp_path / "figures").mkdir()
    figure = tmp_path / "figures" / "chart.png"
    figure.write_bytes((ROOT / "tests" / "data" / "chart.png").read_bytes())
    brief = write(tmp_path, MINIMAL.replace("body: Text [@b].", "body: Text [@b].\n"
                  "    figure: {path: figures/chart.png, alt: A bar chart}"))
    real = b.make_deck

    def make_deck(job, path):
        figure.unlink()  # as an editor's save or a sync tool might, mid-build
        return real(job, path)

    monkeypatch.setattr(b, "make_deck", make_deck)
    with pytest.raises(BriefError) as e:
        build(brief, tmp_path / "out", parallel=False)
    assert str(e.value) == (f"{tmp_path / 'out' / 'brief'}:1:1: cannot build: No such file or "
                            f"directory: {figure.resolve()}")
    assert not (tmp_path / "out").exists()


# -- how many processes run side by side ------------------------------------------------------

SPAWNS = ("import os, sys\n"
          "os.sched_setaffinity(0, {int(c) for c in os.environ['CORES'].split(',')})\n"
          "import briefgen.build as b\n"
          "real = b.spawn\n"
          "def spawn(*args, **kwargs):\n"
          "    print('forked', flush=True)\n"
          "    return real(*args, **kwargs)\n"
          "b.spawn = spawn\n"
          "from briefgen.cli import main\n"
          "sys.exit(main(sys.argv[1:]))\n")


def it_builds_in_order_on_one_processor_and_side_by_side_on_two(tmp_path):
    # On one processor a side-by-side build took 1.18 times as long as one made in order.
    runs = {}
    for cores in ("0", "0,1")[:len(os.sched_getaffinity(0))]:
        done = subprocess.run([sys.executable, "-c", SPAWNS, "build", str(EXAMPLE), "-o",
                               str(tmp_path / cores)], capture_output=True, text=True,
                              env={**os.environ, "CORES": cores})
        assert done.returncode == 0, done.stderr
        runs[cores] = done.stdout.count("forked")
    assert runs["0"] == 0
    assert runs.get("0,1", 2) == 2  # the reading child, then the handout's
    assert read_all(tmp_path / "0" / "sanctuary-cities") == \
        read_all(tmp_path / "0,1" / "sanctuary-cities")


def it_starts_no_more_batch_workers_than_processors(tmp_path):
    briefs = [write(tmp_path, MINIMAL, f"b{i}.yaml") for i in range(3)]
    code = SPAWNS.replace("b.spawn = spawn\n", "")
    for cores, jobs in (("0", "1 job"), ("0,1", "2 jobs"))[:len(os.sched_getaffinity(0))]:
        done = subprocess.run([sys.executable, "-c", code, "build", *map(str, briefs), "-j", "4",
                               "-o", str(tmp_path / cores)], capture_output=True, text=True,
                              env={**os.environ, "CORES": cores})
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines()[-1].endswith(f" s per brief with {jobs}")


def it_reads_the_cpu_quota_of_a_cgroup_and_the_ones_above_it(tmp_path):
    from briefgen.fork import cgroup_quota

    own = tmp_path / "cgroup"
    root = tmp_path / "fs"
    # cgroup v2: the least quota along the path; "max" sets none.
    (root / "ci" / "job").mkdir(parents=True)
    (root / "ci" / "cpu.max").write_text("250000 100000\n")
    (root / "ci" / "job" / "cpu.max").write_text("max 100000\n")
    own.write_text("0::/ci/job\n")
    assert cgroup_quota(own, root) == 2.5
    (root / "ci" / "job" / "cpu.max").write_text("150000 100000\n")
    assert cgroup_quota(own, root) == 1.5
    # Inside a container, the mount point is the container's own cgroup, which the path in
    # /proc/self/cgroup (seen from the host) does not name.
    (root / "cpu.max").write_text("100000 100000\n")
    own.write_text("0::/docker/0123abcd\n")
    assert cgroup_quota(own, root) == 1.0
    # cgroup v1: cpu.cfs_quota_us, -1 where none is set.
    v1 = root / "cpu,cpuacct" / "runner"
    v1.mkdir(parents=True)
    (v1 / "cpu.cfs_quota_us").write_text("-1\n")
    (v1 / "cpu.cfs_period_us").write_text("100000\n")
    own.write_text("4:memory:/runner\n2:cpu,cpuacct:/runner\n")
    assert cgroup_quota(own, root) is None
    (v1 / "cpu.cfs_quota_us").write_text("50000\n")
    assert cgroup_quota(own, root) == 0.5
    own.write_text("garbled\n")
    assert cgroup_quota(own, root) is None
    assert cgroup_quota(tmp_path / "missing", root) is None


def it_sends_the_templates_the_reading_child_compiled_to_the_handouts_process(tmp_path):
    # Compiling them again took the handout's process, the slowest of the build, 0.07 s.
    probe = tmp_path / "probe"
    code = ("import os, sys\n"
            "import jinja2\n"
            "import briefgen.build as b\n"
            "compile = jinja2.Environment.compile\n"
            "def compiled(self, source, name=None, *args, **kwargs):\n"
            "    with open(os.environ['PROBE'], 'a') as f:\n"
            "        f.write(f'{os.getpid()} {name}\\n')\n"
            "    return compile(self, source, name, *args, **kwargs)\n"
            "jinja2.Environment.compile = compiled\n"
            "real = b.read_job\n"
            "def read_job(*args, **kwargs):\n"
            "    with open(os.environ['PROBE'] + '.reader', 'w') as f:\n"
            "        f.write(str(os.getpid()))\n"
            "    return real(*args, **kwargs)\n"
            "b.read_job = read_job\n"
            "def logged(name, call):\n"
            "    def run(*args):\n"
            "        with open(os.environ['PROBE'] + '.order', 'a') as f:\n"
            "            f.write(f'{name}\\n')\n"
            "        return call(*args)\n"
            "    return run\n"
            "b.compile_for = logged('compile', b.compile_for)\n"
            "import briefgen.deck as d\n"
            "d.plan_deck = logged('plan', d.plan_deck)\n")
    probed_build(tmp_path, code)
    compiled = [line.split() for line in probe.read_text().splitlines()]
    reader = probe.with_suffix(".reader").read_text()
    assert {pid for pid, _ in compiled} == {reader}
    assert {"memo.html", "handout.html", "style.css"} <= {name for _, name in compiled}
    # The deck is planned once the brief is sent (compiling the handout's template is the
    # last thing before), not before.
    assert probe.with_suffix(".order").read_text().split() == ["compile", "plan"]


def it_loads_the_fonts_while_the_child_still_formats_the_sources(tmp_path):
    # The child sends the memo's style sheet once the theme and its fonts are checked; the
    # parent loads the fonts with it, once: its warm-up after the brief renders nothing.
    probe = tmp_path / "probe"
    code = ("import os, sys, time\n"
            "import weasyprint\n"
            "import briefgen.csl as csl\n"
            "def log(what):\n"
            "    with open(os.environ['PROBE'], 'a') as f:\n"
            "        f.write(f'{os.getpid()} {what} {time.time()}\\n')\n"
            "formatted = csl.format_references\n"
            "def slow(*args):\n"
            "    time.sleep(0.5)  # slower than the parent's imports\n"
            "    log('formatted')\n"
            "    return formatted(*args)\n"
            "csl.format_references = slow\n"
            "made = weasyprint.HTML.__init__\n"
            "def html(self, *args, string='', **kwargs):\n"
            "    log('warm-up' if 'Warm <b>up' in string else 'render')\n"
            "    made(self, *args, string=string, **kwargs)\n"
            "weasyprint.HTML.__init__ = html\n"
            "import pyphen\n"
            "parse = pyphen.HyphDict.__init__\n"
            "def parsed(*args):\n"
            "    log('parsed')\n"
            "    parse(*args)\n"
            "pyphen.HyphDict.__init__ = parsed\n")
    _, parent = probed_build(tmp_path, code)
    events = [line.split() for line in probe.read_text().splitlines()]
    [formatted] = [float(t) for _, what, t in events if what == "formatted"]
    warm = [float(t) for pid, what, t in events if what == "warm-up" and pid == parent]
    assert len(warm) == 1 and warm[0] < formatted
    # Done before the brief came, the parent parses the hyphenation patterns too, and the
    # child, which would have handed them over, does not.
    assert [pid for pid, what, _ in events if what == "parsed"] == [parent]
    assert list((tmp_path / "cache" / "briefgen").glob("hyphenation-*.json"))


def it_hands_the_patterns_over_at_full_priority_and_writes_the_deck_at_a_lower_one(tmp_path):
    # The parent may be waiting for the patterns; nobody waits for the deck.
    code = ("import os, sys\n"
            "import briefgen.build as b, briefgen.hyphens as h\n"
            "def logged(name, call):\n"
            "    def run(*args):\n"
            "        with open(os.environ['PROBE'], 'a') as f:\n"
            "            f.write(f'{name} {os.nice(0)}\\n')\n"
            "        return call(*args)\n"
            "    return run\n"
            "h.hand_over_hyphenation = logged('patterns', h.hand_over_hyphenation)\n"
            "b.make_deck = logged('deck', b.make_deck)\n")
    probed_build(tmp_path, code)
    niceness = os.nice(0)  # the build's, which inherits this process's
    said = (tmp_path / "probe").read_text().split()
    assert said == ["patterns", str(niceness), "deck", str(min(niceness + 5, 19))]
