import shutil

from briefgen.cli import main

from .conftest import EXAMPLE, MINIMAL, ROOT, write


def it_builds_the_example_and_says_what_it_wrote(tmp_path, capsys):
    assert main(["build", str(EXAMPLE), "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"wrote {tmp_path}/sanctuary-cities/memo.pdf (3 pages)" in out
    assert f"wrote {tmp_path}/sanctuary-cities/deck.pptx (11 slides)" in out
    assert "built 1 of 1 brief in " in out


def it_exits_2_with_every_message_and_writes_nothing_for_a_bad_brief(tmp_path, capsys):
    bad = write(tmp_path, MINIMAL.replace("title: A brief", "title: [x]").replace("@b", "@zz"))
    code = main(["build", str(bad), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines() == [
        f"{bad}:1:8: 'title' must be text, not a list",
        f"{bad}:6:16: unknown source id 'zz'",
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
    assert (tmp_path / "out" / "my-brief" / "memo.pdf").is_file()
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
