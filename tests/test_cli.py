import shutil

import pytest

from briefgen.cli import main

from .conftest import EXAMPLE, MINIMAL, ROOT, write


def it_builds_the_example_and_says_what_it_wrote(tmp_path, capsys):
    assert main(["build", str(EXAMPLE), "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"wrote {tmp_path}/sanctuary-cities/memo.pdf (3 pages)" in out
    assert f"wrote {tmp_path}/sanctuary-cities/deck.pptx (14 slides)" in out
    assert "built 1 of 1 brief in " in out


def it_exits_2_with_every_message_and_writes_nothing_for_a_bad_brief(tmp_path, capsys):
    bad = write(tmp_path, MINIMAL.replace("title: A brief", "title: [x]").replace("@b", "@zz"))
    code = main(["build", str(bad), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines() == [
        f"{bad}:1:8: 'title' must be text, not a list",
        f"{bad}:6:17: unknown source id 'zz' (add it under sources:)",
    ]
    assert not (tmp_path / "out").exists()


def it_leaves_earlier_outputs_untouched_when_a_build_fails(tmp_path, capsys):
    brief = write(tmp_path, MINIMAL)
    out = tmp_path / "out"
    assert main(["build", str(brief), "-o", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in (out / "brief").iterdir()}
    assert sorted(before) == ["deck.pptx", "handout.pdf", "memo.pdf"]
    # A theme whose stylesheet reaches outside its folder fails in the middle of rendering.
    theme = tmp_path / "evil-theme"
    shutil.copytree(ROOT / "themes" / "default", theme)
    (theme / "templates").mkdir()
    (theme / "templates" / "style.css").write_text('@import url("file:///etc/hostname");')
    code = main(["build", str(brief), "-o", str(out), "--theme", str(theme)])
    assert code == 2
    assert "refused to read file:///etc/hostname" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in (out / "brief").iterdir()} == before


def it_makes_uncited_sources_fatal_under_strict(tmp_path, capsys):
    brief = write(tmp_path, MINIMAL + "  - id: c\n    title: Never cited\n")
    assert main(["check", str(brief)]) == 0
    assert capsys.readouterr().err == f"{brief}:12:5: warning: source 'c' is never cited\n"
    assert main(["check", "--strict", str(brief)]) == 2
    assert main(["build", "--strict", str(brief), "-o", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()


def it_writes_a_starter_brief_that_builds_cleanly(tmp_path, capsys):
    assert main(["new", "my-brief", "-d", str(tmp_path)]) == 0
    starter = tmp_path / "my-brief.yaml"
    assert main(["build", "--strict", str(starter), "-o", str(tmp_path / "out")]) == 0
    # What the starter says is what the outputs show.
    from pptx import Presentation

    from briefgen.load import load_brief

    from .conftest import pdf_pages

    said, out = load_brief(starter), tmp_path / "out" / "my-brief"
    memo = " ".join(" ".join(pdf_pages(out / "memo.pdf")).split())
    for heading in [s.heading.value for s in said.sections]:
        assert heading in memo
    assert len(pdf_pages(out / "handout.pdf")) == 1
    deck = Presentation(str(out / "deck.pptx"))
    assert deck.slides[0].shapes.title.text_frame.text == said.title
    assert len(deck.slides) >= len(said.sections) + 3  # title, bottom line, sections, sources
    assert main(["new", "my-brief", "-d", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err


def it_names_where_it_looked_for_an_unknown_theme(tmp_path, capsys):
    brief = write(tmp_path, MINIMAL)
    assert main(["build", str(brief), "--theme", "nope", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no theme here: looked for " in err and "themes/nope/theme.yaml" in err
    assert "bundled themes: default" in err


def it_lists_themes(capsys):
    assert main(["themes"]) == 0
    assert capsys.readouterr().out.startswith("default ")


def uncomment(text: str, key: str) -> str:
    """text with the commented example that starts '# key' (and its deeper lines) uncommented."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(f"# {key}"))
    indent = lines[start].index("#")
    end = start + 1
    while end < len(lines) and lines[end].startswith(" " * indent + "#   "):
        end += 1
    for i in range(start, end):
        lines[i] = lines[i][:indent] + lines[i][indent + 2:]
    return "\n".join(lines)


def it_writes_a_starter_whose_table_chart_and_handout_chart_examples_build(tmp_path):
    assert main(["new", "my-brief", "-d", str(tmp_path)]) == 0
    starter = tmp_path / "my-brief.yaml"
    text = starter.read_text(encoding="utf-8")
    for key in ("table:", "chart:", "chart: 1", "recommendations:"):
        text = uncomment(text, key)
    starter.write_text(text, encoding="utf-8")
    assert main(["build", "--strict", str(starter), "-o", str(tmp_path / "out")]) == 0
    from .conftest import pdf_pages

    out = tmp_path / "out" / "my-brief"
    memo = " ".join(" ".join(pdf_pages(out / "memo.pdf")).split())
    assert "Alder Creek 85,690 90.3%" in memo
    assert "like this one." in memo
    handout = " ".join(" ".join(pdf_pages(out / "handout.pdf")).split())
    assert len(pdf_pages(out / "handout.pdf")) == 1
    assert "Students taking part" in handout
    assert "Recommendations 1. Adopt the first option this year [1, p. 4]. 2. Report back" in memo
    assert "2. Report back to the committee in six months." in handout


def it_accepts_a_path_for_new_and_fills_in_name_and_date(tmp_path, capsys):
    import datetime as dt

    target = tmp_path / "sub" / "x.yaml"
    assert main(["new", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert f"briefgen build {target}" in text
    assert f"date: {dt.date.today().isoformat()}" in text
    # A name with .yaml but no folder goes where a bare name goes.
    assert main(["new", "y.yaml", "-d", str(tmp_path / "briefs")]) == 0
    assert (tmp_path / "briefs" / "y.yaml").is_file()
    # A folder with a space: the command it suggests can be pasted as it is.
    capsys.readouterr()
    spaced = tmp_path / "My Briefs" / "z.yaml"
    assert main(["new", str(spaced)]) == 0
    assert f"briefgen build '{spaced}'" in capsys.readouterr().out
    assert f"briefgen build '{spaced}'" in spaced.read_text(encoding="utf-8")


def it_warns_about_characters_the_fonts_cannot_draw(tmp_path, capsys):
    # A text shows in the heading font in one output and the body font in another: every font
    # that lacks a character is named (Caladea has no Ţ, which Carlito has).
    brief = write(tmp_path, MINIMAL.replace("title: A brief", "title: Parking 🚗").replace(
        "Bottom line", "Ţara").replace("Text", "Soft\u00adhyphen\u200dand joiner"))  # unseen
    assert main(["check", str(brief)]) == 0
    assert capsys.readouterr().err == (
        f"{brief}:1:8: warning: 'title' has characters the theme's fonts Carlito and Caladea "
        "cannot draw: 🚗 (U+1F697); the PDFs take them from a font of this machine, or print "
        "boxes where it has none\n"
        f"{brief}:3:10: warning: this text has characters the theme's font Caladea cannot draw: "
        "Ţ (U+0162); the PDFs take them from a font of this machine, or print boxes where it "
        "has none\n")


def it_reports_an_unknown_theme_at_the_brief_theme_line(tmp_path, capsys):
    brief = write(tmp_path, MINIMAL.replace("date:", "theme: fancy\ndate:"))
    assert main(["check", str(brief)]) == 2
    assert capsys.readouterr().err.startswith(f"{brief}:2:8: no theme here: looked for ")


def it_warns_when_a_heading_is_too_long_for_a_slide(tmp_path, capsys):
    heading = " ".join(["word"] * 60)
    brief = write(tmp_path, MINIMAL.replace("heading: One", f"heading: {heading}"))
    assert main(["check", str(brief)]) == 0
    assert capsys.readouterr().err.startswith(
        f"{brief}:5:14: warning: heading is too long for a slide title")
    assert main(["check", "--strict", str(brief)]) == 2
    # The slide shows it cut short; its notes start with it whole.
    from pptx import Presentation

    assert main(["build", str(brief), "-o", str(tmp_path / "out")]) == 0
    slide = Presentation(str(tmp_path / "out" / "brief" / "deck.pptx")).slides[2]
    assert slide.shapes.title.text_frame.text.endswith("…")
    assert slide.notes_slide.notes_text_frame.text == f"{heading}\n\nText [2]."


def it_makes_outputs_readable_by_others(tmp_path):
    import os
    import stat

    main(["build", str(write(tmp_path, MINIMAL)), "-o", str(tmp_path / "out")])
    umask = os.umask(0)
    os.umask(umask)
    for f in (tmp_path / "out" / "brief").iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o666 & ~umask


def it_says_why_new_cannot_write(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert main(["new", "x", "-d", str(tmp_path / "file")]) == 2
    assert capsys.readouterr().err.startswith(f"briefgen new: cannot make the folder "
                                              f"{tmp_path / 'file'}: ")
    assert main(["new", "y" * 300, "-d", str(tmp_path)]) == 2
    assert "File name too long" in capsys.readouterr().err


def it_leaves_no_temporary_font_folders_and_loses_no_output_on_its_quick_exit(tmp_path):
    # The command skips the interpreter's teardown: its exit handlers and output must not be.
    import os
    import shlex
    import subprocess
    import sys

    temp = tmp_path / "tmp"
    temp.mkdir()

    # Buffered output, as on most machines (this one may set PYTHONUNBUFFERED).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    cli = [sys.executable, "-m", "briefgen.cli"]

    def briefgen(*args):
        return subprocess.run([*cli, *args], capture_output=True, text=True,
                              env={**env, "TMPDIR": str(temp)})

    done = briefgen("build", str(EXAMPLE), "-o", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert list(temp.iterdir()) == []
    assert done.stdout.splitlines()[-1].startswith("built 1 of 1 brief in ")  # piped: buffered
    bad = write(tmp_path, MINIMAL.replace("@b", "@zz"))
    failed = briefgen("build", str(bad), "-o", str(tmp_path / "out"))
    assert failed.returncode == 2
    assert f"{bad}:" in failed.stderr and "zz" in failed.stderr

    # Output that cannot be written is a failure, said on stderr; no stdout at all is not.
    with open("/dev/full", "w") as full:
        lost = subprocess.run([*cli, "themes"], stdout=full, stderr=subprocess.PIPE, text=True,
                              env=env)
    assert lost.returncode == 1
    assert "could not write the output" in lost.stderr
    closed = subprocess.run(shlex.join([*cli, "themes"]) + " >&-", shell=True, env=env)
    assert closed.returncode == 0
    # A reader that leaves early, while the command still writes: no report of a bug of ours.
    check = [*cli, "check", *[str(EXAMPLE)] * 12]  # a line every 0.04 s or so
    early = subprocess.run(shlex.join(check) + " | head -1", shell=True, capture_output=True,
                           text=True, env={**env, "PYTHONUNBUFFERED": "1"})
    assert early.stdout.startswith(f"{EXAMPLE}: ok") and early.stderr == ""


@pytest.mark.parametrize("stopped, second", [(False, "SIGINT"), (True, "SIGINT"),
                                             (True, "SIGTERM")])
def it_finishes_its_cleanup_through_a_second_signal(tmp_path, stopped, second):
    # A first signal (or none: a build that ends) and then a second one, during the exit
    # handlers that delete WeasyPrint's font copies, as `timeout` or an impatient user sends.
    import os
    import queue
    import signal
    import subprocess
    import sys
    import threading

    temp = tmp_path / "tmp"
    temp.mkdir()
    code = ("import atexit, os, signal, sys, time\n"
            "import briefgen.pdf\n"
            "from briefgen.cli import run\n"
            "def again():  # registered after WeasyPrint's cleanup, so it runs first\n"
            f"    os.kill(os.getpid(), signal.{second})\n"
            "    time.sleep(0.1)\n"
            "atexit.register(again)\n"
            "sys.argv[0] = 'briefgen'\n"
            "run()\n")
    command = ["watch", str(EXAMPLE), "-o", str(tmp_path / "out")] if stopped else \
        ["build", str(EXAMPLE), "-o", str(tmp_path / "out")]
    proc = subprocess.Popen([sys.executable, "-c", code, *command], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(temp), "PYTHONUNBUFFERED": "1"})
    try:
        if stopped:
            said: queue.Queue = queue.Queue()
            threading.Thread(target=lambda: [said.put(line) for line in proc.stdout],
                             daemon=True).start()
            while " built " not in said.get(timeout=60):  # a watch that never builds fails
                pass
            proc.send_signal(signal.SIGTERM)  # a plain kill while watch waits
        err = proc.stderr.read() if stopped else proc.communicate(timeout=60)[1]
        proc.wait(timeout=60)
    finally:
        proc.kill()
    assert (proc.returncode, err) == (128 + signal.SIGTERM if stopped else 0, "")
    assert list(temp.iterdir()) == []


def it_checks_a_theme_by_rendering_a_sample_with_it(capsys):
    theme = ROOT / "tests" / "hostile" / "themes" / "t48-css-import"
    assert main(["check-theme", str(theme)]) == 2
    assert "rendering a sample brief: refused to read file:///etc/passwd" in \
        capsys.readouterr().err


def it_builds_a_brief_named_twice_once_and_a_link_to_it_under_its_own_name(tmp_path, capsys):
    brief = write(tmp_path, MINIMAL, "a.yaml")
    (tmp_path / "link.yaml").symlink_to(brief)
    out = tmp_path / "out"
    assert main(["build", str(brief), str(tmp_path / "link.yaml"), str(tmp_path / "." / "a.yaml"),
                 "-o", str(out), "-j", "1"]) == 0
    assert "built 2 of 2 briefs in " in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["a", "link"]


def it_helps_with_a_language_it_cannot_label_or_read(tmp_path, capsys):
    brief = write(tmp_path, "lang: de_DE\n" + MINIMAL)
    assert main(["check", str(brief)]) == 2
    assert capsys.readouterr().err == (f"{brief}:1:7: 'lang' must be a language tag like en or "
                                       "en-GB, not 'de_DE' (write de-DE)\n")
    brief = write(tmp_path, "lang: pt-BR\n" + MINIMAL)
    assert main(["check", str(brief)]) == 0
    assert capsys.readouterr().err.startswith(
        f"{brief}:1:7: warning: briefgen has no words in 'pt-BR' for what it prints itself")
    assert main(["check", str(write(tmp_path, "lang: de-AT\n" + MINIMAL))]) == 0
    assert capsys.readouterr().err == ""


def it_warns_about_characters_in_tables_and_charts_the_fonts_cannot_draw(tmp_path, capsys):
    brief = write(tmp_path, MINIMAL.replace("    body: Text [@b].\n", """    body: Text [@b].
    table:
      columns: [Item]
      rows: [["Car 🚗"]]
    chart:
      type: bar
      categories: ["Bus 🚌"]
      series: [{name: Trips, values: [3]}]
      alt: A bar
"""))
    assert main(["check", str(brief)]) == 0
    err = capsys.readouterr().err
    assert err == (
        f"{brief}:8:7: warning: 'table' has characters the theme's fonts Carlito and Caladea "
        "cannot draw: 🚗 (U+1F697); the PDFs take them from a font of this machine, or print "
        "boxes where it has none\n"
        f"{brief}:11:7: warning: 'chart' has characters the theme's fonts Carlito and Caladea "
        "cannot draw: 🚌 (U+1F68C); the PDFs take them from a font of this machine, or print "
        "boxes where it has none\n")


def it_says_its_version_on_stdout_and_finds_it_only_when_asked(capsys, monkeypatch):
    from importlib.metadata import version

    import briefgen.cli as cli

    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out == f"briefgen {version('briefgen')}\n"
    # Every other command: importlib.metadata took 22-30 ms of each.
    monkeypatch.setattr(cli, "_version", lambda: pytest.fail("looked up the version"))
    cli._parser().parse_args(["themes"])


def it_leaves_the_qr_code_library_to_the_handouts_process():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import sys, briefgen.build, briefgen.handout; "
                           "print('segno' in sys.modules)"], capture_output=True, text=True)
    assert done.stdout == "False\n", done.stderr



def it_leaves_the_collectors_thresholds_raised_when_the_process_ends_right_after():
    import gc

    before = gc.get_threshold()
    try:
        assert main(["themes"], leaving=True) == 0
        # Put back, they set off a collection of the young generations at the next allocation
        # (45-51 ms after a build, here), in a process about to end.
        assert gc.get_threshold() == (20_000, 10, 10)
        gc.set_threshold(*before)
        assert main(["themes"]) == 0  # a caller that runs on gets its own back
        assert gc.get_threshold() == before
    finally:
        gc.set_threshold(*before)
