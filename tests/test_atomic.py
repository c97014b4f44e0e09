"""A build's outputs change together or not at all: when it fails, when it is killed at any
step, and when two builds write one folder at once. Writing faults are named at the output,
never an internal error; a brief's theme: stays inside the brief's folder."""
import fcntl
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from briefgen.build import build
from briefgen.errors import BriefError

from .conftest import MINIMAL, ROOT, write

OUTPUTS = ["deck.pptx", "handout.pdf", "memo.pdf"]
SECOND = MINIMAL.replace("title: A brief", "title: Another brief")


def briefgen(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "briefgen.cli", *map(str, args)],
                          capture_output=True, text=True, **kwargs)


def read_all(folder: Path) -> dict:
    """The folder's files, read through one open folder, so that all come from one folder even
    if it is replaced meanwhile. The folder replaced is then emptied: if it was, read again."""
    while True:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            files = {}
            for name in sorted(os.listdir(fd)):
                if stat.S_ISREG(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode):
                    with open(name, "rb", opener=lambda path, flags: os.open(
                            path, flags, dir_fd=fd)) as f:
                        files[name] = f.read()
            if os.path.samestat(os.fstat(fd), os.stat(folder)):  # still the folder there
                return files
        except FileNotFoundError:
            pass
        finally:
            os.close(fd)


def hidden(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith("."))


def it_changes_no_output_when_one_cannot_be_written(tmp_path):
    brief = write(tmp_path, MINIMAL)
    out = tmp_path / "out"
    assert briefgen("build", brief, "-o", out).returncode == 0
    (out / "brief" / "memo.pdf").unlink()
    (out / "brief" / "memo.pdf").mkdir()
    before = read_all(out / "brief")
    brief.write_text(SECOND)
    done = briefgen("build", brief, "-o", out)
    assert done.returncode == 2
    assert done.stderr == (f"{out}/brief/memo.pdf:1:1: cannot write: a folder has this name; "
                           "move or rename it, then build again\n")
    assert read_all(out / "brief") == before  # the handout and the deck as they were
    assert hidden(out) == [] and hidden(out / "brief") == []


# Run by the test below: a build that kills itself at its n-th step that changes the output
# folder (a file opened for writing, a folder made, a rename, a link, a removal, a swap).
KILL_AT_STEP = """
import os, signal, sys
out, n = os.path.realpath(sys.argv[1]), int(sys.argv[2])
me, steps = os.getpid(), [0]
WRITES = os.O_WRONLY | os.O_RDWR | os.O_CREAT
CHANGES = {"os.mkdir", "os.rename", "os.link", "os.remove", "os.rmdir", "os.chmod",
           "shutil.rmtree", "ctypes.call_function"}

def inside(args):
    for a in args:
        if isinstance(a, tuple) and inside(a):
            return True
        if isinstance(a, (str, bytes, os.PathLike)):
            path = os.path.realpath(os.fsdecode(a))
            if path == out or path.startswith(out + os.sep):
                return True
    return False

def hook(event, args):
    if os.getpid() != me:  # the forked children write only into the hidden folder
        return
    if event == "open":
        if not (isinstance(args[2], int) and args[2] & WRITES):
            return
        args = args[:1]
    elif event not in CHANGES:
        return
    if inside(args):
        steps[0] += 1
        if steps[0] == n:
            os.kill(me, signal.SIGKILL)

sys.addaudithook(hook)
from briefgen.cli import main
sys.exit(main(["build", sys.argv[3], "-o", sys.argv[1]]))
"""


def it_shows_one_builds_outputs_whichever_step_it_is_killed_at(tmp_path):
    brief = tmp_path / "brief.yaml"
    texts = {"A": MINIMAL, "B": SECOND}
    sets = {}
    for name, text in texts.items():  # each set as a whole build makes it
        brief.write_text(text)
        assert briefgen("build", brief, "-o", tmp_path / name).returncode == 0
        sets[name] = read_all(tmp_path / name / "brief")
    assert sets["A"].keys() == sets["B"].keys() == set(OUTPUTS)
    assert all(sets["A"][n] != sets["B"][n] for n in OUTPUTS)
    out = tmp_path / "out"
    brief.write_text(MINIMAL)
    assert briefgen("build", brief, "-o", out).returncode == 0
    (out / "brief" / "notes.txt").write_text("mine")  # a user's file: kept through it all
    shown, left = "A", set()
    for step in range(1, 80):
        brief.write_text(texts["B" if shown == "A" else "A"])
        done = subprocess.run([sys.executable, "-c", KILL_AT_STEP, str(out), str(step),
                               str(brief)], capture_output=True, text=True)
        files = read_all(out / "brief")
        assert files.pop("notes.txt") == b"mine"
        matches = [name for name, made in sets.items() if files == made]
        assert matches, f"killed at step {step}: a mix of two builds, or files missing"
        shown = matches[0]
        left.update(hidden(out))
        if done.returncode != -signal.SIGKILL:
            assert done.returncode == 0, done.stderr
            break
    else:
        raise AssertionError("the build was still killed at its 79th step")
    assert step > 3  # it was killed at several steps before it got through
    assert left, "no kill left a hidden folder behind: the cleanup was not tried"
    assert hidden(out) == [] and hidden(out / "brief") == []  # the last build cleaned up


def it_gives_one_briefs_outputs_when_two_build_one_folder_at_once(tmp_path):
    # Two briefs of one name in two folders, built into one output folder at the same time.
    briefs = [write(tmp_path / "a", MINIMAL), write(tmp_path / "b", SECOND)]
    out = tmp_path / "out"
    sets = []
    for brief in briefs:
        assert briefgen("build", brief, "-o", tmp_path / brief.parent.name).returncode == 0
        sets.append(read_all(tmp_path / brief.parent.name / "brief"))
    for _ in range(3):
        runs = [subprocess.Popen([sys.executable, "-m", "briefgen.cli", "build", str(brief),
                                  "-o", str(out)], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True) for brief in briefs]
        # Watched while they run: every state seen is one brief's whole set (or none yet).
        while any(run.poll() is None for run in runs):
            files = read_all(out / "brief") if (out / "brief").is_dir() else {}
            assert files in ({}, *sets)
        assert [run.wait() for run in runs] == [0, 0], [run.stderr.read() for run in runs]
        assert read_all(out / "brief") in sets
        assert hidden(out) == []


def it_waits_for_another_build_of_the_folder_then_says_why_it_gave_up(tmp_path, monkeypatch):
    brief = write(tmp_path, MINIMAL)
    out = tmp_path / "out"
    assert briefgen("build", brief, "-o", out).returncode == 0
    before = read_all(out / "brief")
    brief.write_text(SECOND)
    held = os.open(out / "brief", os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a build of this folder holds it
        waiting = subprocess.Popen([sys.executable, "-m", "briefgen.cli", "build", str(brief),
                                    "-o", str(out)], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        with pytest.raises(subprocess.TimeoutExpired):
            waiting.wait(timeout=3)  # it waits rather than write beside the other build
        assert read_all(out / "brief") == before
        from briefgen import swap

        monkeypatch.setattr(swap, "LOCK_WAIT", 0.2)
        with pytest.raises(BriefError) as e:
            build(brief, out, parallel=False)
        assert str(e.value) == (f"{out}/brief:1:1: another briefgen build has been writing this "
                                "folder for 0.2 s: wait for it to finish, or stop it, then build "
                                "again")
    finally:
        os.close(held)
    assert waiting.wait(timeout=60) == 0, waiting.stderr.read()
    assert read_all(out / "brief") != before  # built once the lock was free


def it_cleans_up_what_a_killed_build_left(tmp_path):
    brief = write(tmp_path, MINIMAL)
    out = tmp_path / "out"
    assert briefgen("build", brief, "-o", out).returncode == 0
    # As a killed build of this version leaves them, and an earlier version's temporary file.
    (out / ".brief.new-abcd1234").mkdir()
    (out / ".brief.new-abcd1234" / "memo.pdf").write_bytes(b"half")
    (out / "brief" / ".memo.pdf.k2j3h4g5.tmp").write_bytes(b"half")
    (out / ".other.new-abcd1234").mkdir()  # another brief's: not this build's to remove
    assert briefgen("build", brief, "-o", out).returncode == 0
    assert hidden(out) == [".other.new-abcd1234"]
    assert sorted(read_all(out / "brief")) == OUTPUTS


def it_puts_back_an_output_folder_a_killed_swap_had_moved_aside(tmp_path):
    # Where folders cannot be swapped in one step, the old one is moved aside, then the new one
    # in: a build killed between the two leaves no folder, and the next one puts it back.
    brief = write(tmp_path, MINIMAL)
    out = tmp_path / "out"
    assert briefgen("build", brief, "-o", out).returncode == 0
    (out / "brief" / "notes.txt").write_text("mine")
    os.rename(out / "brief", out / ".brief.old-abcd1234")
    brief.write_text(SECOND)
    result = build(brief, out, parallel=False)
    assert [o.kind for o in result.outputs] == ["memo", "handout", "deck"]
    assert (out / "brief" / "notes.txt").read_text() == "mine"
    assert hidden(out) == []


def it_keeps_a_users_files_and_folders_and_reuses_unchanged_outputs(tmp_path):
    brief = write(tmp_path, MINIMAL)
    out = tmp_path / "out"
    cache = {}
    build(brief, out, cache=cache, parallel=False)
    (out / "brief" / "notes.txt").write_text("mine")
    (out / "brief" / "printed").mkdir()
    (out / "brief" / "printed" / "v1.pdf").write_bytes(b"%PDF")
    deck = (out / "brief" / "deck.pptx").stat()
    handout = (out / "brief" / "handout.pdf").stat()
    brief.write_text(MINIMAL.replace("summary:", "memo: {to: Members}\nsummary:"))
    again = build(brief, out, cache=cache, parallel=False)
    assert [o.kind for o in again.outputs] == ["memo"] and again.skipped == ["handout", "deck"]
    # Left as they were: the very same files.
    assert os.path.samestat((out / "brief" / "deck.pptx").stat(), deck)
    assert os.path.samestat((out / "brief" / "handout.pdf").stat(), handout)
    assert (out / "brief" / "notes.txt").read_text() == "mine"
    assert (out / "brief" / "printed" / "v1.pdf").read_bytes() == b"%PDF"
    assert hidden(out) == []


@pytest.fixture
def small_disk(tmp_path):
    """A real filesystem of 2 MB (tmpfs, which needs root); skipped where it cannot be made."""
    disk = tmp_path / "disk"
    disk.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {made.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def fill(disk: Path, leave: int) -> None:
    """Fill the disk but for about leave bytes."""
    space = os.statvfs(disk)
    free = space.f_bavail * space.f_frsize
    with open(disk / "filler", "wb") as f:
        f.write(b"\0" * max(0, free - leave))


@pytest.mark.parametrize("jobs", ["", "1"])  # children write the deck and handout; or none
def it_names_the_output_a_full_disk_stopped_and_changes_nothing(tmp_path, small_disk, jobs):
    brief = write(tmp_path, MINIMAL)
    out = small_disk / "out"
    env = {**os.environ, "BRIEFGEN_JOBS": jobs}
    assert briefgen("build", brief, "-o", out, env=env).returncode == 0
    before = read_all(out / "brief")
    fill(small_disk, sum(map(len, before.values())) // 2)
    brief.write_text(SECOND)
    for _ in range(3):  # which output meets the full disk first varies from run to run
        done = briefgen("build", brief, "-o", out, env=env)
        assert done.returncode == 2, done.stderr
        assert re.fullmatch(rf"{re.escape(str(out))}/brief/(memo\.pdf|handout\.pdf|deck\.pptx)"
                            r":1:1: cannot write: No space left on device\n", done.stderr), \
            done.stderr
        assert read_all(out / "brief") == before
        assert hidden(out) == []


def it_builds_a_brief_with_a_long_name_and_names_a_folder_name_too_long(tmp_path):
    # 250 bytes and .yaml: the longest name ext4 takes; the hidden folder's name must still fit.
    stem = "b" * 250
    brief = write(tmp_path, MINIMAL, f"{stem}.yaml")
    done = briefgen("build", brief, "-o", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert sorted(read_all(tmp_path / "out" / stem)) == OUTPUTS
    done = briefgen("build", brief, "-o", tmp_path / "out")  # and again, over the first
    assert done.returncode == 0, done.stderr
    assert hidden(tmp_path / "out") == []
    long = tmp_path / ("o" * 256)
    done = briefgen("build", brief, "-o", long)
    assert done.returncode == 2
    assert done.stderr == f"{long}/{stem}:1:1: cannot write outputs into this folder: File name " \
                          "too long\n"


THEME_OUTSIDE = ("theme '{}' is outside the brief's folder: a brief can name a bundled theme "
                 "(default, modern, print) or a theme folder inside its own folder; to use "
                 "another folder, give it with --theme")


@pytest.mark.parametrize("named", ["/etc", "/no/such/folder", "../other", "./link"])
def it_refuses_a_brief_theme_outside_the_briefs_folder_whether_or_not_it_exists(tmp_path,
                                                                                   named):
    other = tmp_path / "other"
    other.mkdir()
    (other / "theme.yaml").write_text((ROOT / "themes" / "default" / "theme.yaml").read_text())
    brief = write(tmp_path / "briefs", f"theme: {named}\n{MINIMAL}")
    (tmp_path / "briefs" / "link").symlink_to(other)  # inside, but leads out
    for command in ("check", "build"):
        done = briefgen(command, brief, "-o", tmp_path / "out") if command == "build" else \
            briefgen(command, brief)
        assert done.returncode == 2
        assert done.stderr == f"{brief}:1:8: {THEME_OUTSIDE.format(named)}\n"
    assert not (tmp_path / "out").exists()


def it_still_takes_any_theme_folder_from_the_command_line(tmp_path):
    theme = tmp_path / "elsewhere" / "mine"
    theme.parent.mkdir()
    shutil.copytree(ROOT / "themes" / "modern", theme)
    brief = write(tmp_path / "briefs", MINIMAL)
    done = briefgen("build", brief, "-o", tmp_path / "out", "--theme", theme.resolve())
    assert done.returncode == 0, done.stderr
    inside = write(tmp_path / "briefs", f"theme: ./mine\n{MINIMAL}", "inside.yaml")
    shutil.copytree(theme, tmp_path / "briefs" / "mine")
    assert briefgen("check", inside).returncode == 0
