"""build/<brief>/ replaced whole, so that a build's outputs change together or not at all.

A build writes into a hidden folder beside the output folder and, once every output is written,
swaps the two in one step (Linux's renameat2 RENAME_EXCHANGE): at every instant, even if the
build is killed at any moment, the folder holds one build's outputs (a reader that opens the
folder once and reads each file through it gets one build's set).
Where the swap is missing (another system, or a filesystem without it) the old folder is moved
aside and the new one moved in: for that instant the folder is missing, never mixed, and a
build killed there has it put back by the next build.

Files a user put in the folder are kept: linked into the new folder before the swap (folders
moved in just after it). A build holds a lock on the output folder from start to end, so a
second build of the same folder waits for the first and then reads the brief as it is by then.
The hidden folders a killed build leaves are cleaned up by the next build of that folder.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import stat
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from .errors import BriefError, Loc

try:
    import fcntl
except ImportError:  # not POSIX: no lock; each swap still keeps a set whole
    fcntl = None

LOCK_WAIT = 60.0  # seconds a build waits for another build of the same folder to finish
OUTPUTS = ("memo.pdf", "handout.pdf", "deck.pptx", "memo.docx", "memo.html")
# The temporary files of earlier versions, which wrote them inside the output folder itself.
_OLD_TEMP = re.compile(r"\.(memo\.pdf|handout\.pdf|deck\.pptx)\.[a-z0-9_]{8}\.tmp")
_NAME_MAX = 255  # bytes in one name, on ext4, XFS, Btrfs, APFS and NTFS


class Stage:
    """stage(name) -> where to write the output called name; the hidden folder is made on the
    first call, so a build that writes nothing (watch, nothing changed) swaps nothing."""

    def __init__(self, target: Path, locks: list[int]):
        self.target = target
        self.folder: Path | None = None
        self.names: list[str] = []
        self._locks = locks

    def __call__(self, name: str) -> Path:
        path = self.path(name)
        self.names.append(name)
        return path

    def path(self, name: str) -> Path:
        """Where an output may be written, not yet one this build publishes (stage(name) makes
        it one): a cold build's first child writes the deck there before the brief says
        whether it wants a deck."""
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix=_hidden(self.target, "new"),
                                                dir=self.target.parent))
            # Locked, so that another build knows it is no leftover.
            self._locks.append(_lock_now(self.folder))
        return self.folder / name


@contextmanager
def staged(target: Path):
    """Lock build/<brief>/ and hand out paths to write its outputs to; when the block ends
    without error, the outputs handed out (with every other file of the folder, unchanged)
    become the folder in one step. On any error nothing changes and nothing is left behind.

    Raises BriefError for a folder that cannot be written (named with the reason), or a lock
    held by another build for LOCK_WAIT seconds."""
    given = Path(target)
    # A link to a folder elsewhere stays a link: the folder it leads to is the one replaced.
    target = Path(os.path.realpath(given)) if os.path.islink(given) else given
    locks: list[int] = []
    stage = Stage(target, locks)
    created: list[Path] = []
    try:
        created = _missing_folders(target)
        locks.append(_lock(target, given))
        _clean_leftovers(target)
        _refuse_folders_in_the_way(target, given)
        yield stage
        if stage.folder is not None:
            _commit(stage, target, given)
    except BaseException as e:
        if stage.folder is not None:
            # Emptied as a leftover is: a signal just after the swap leaves the old folder
            # here, with any folder of the user's still in it.
            _discard(stage.folder, target)
        for folder in created:  # deepest first: a failed first build leaves no empty folders
            with contextlib.suppress(OSError):
                folder.rmdir()
        if isinstance(e, OSError):
            raise write_error(e, given, stage.folder) from None
        raise
    finally:
        for fd in locks:
            os.close(fd)


def write_error(e: OSError, target: Path, stage: Path | None) -> BriefError:
    """An OSError during a build, said where it happened: writing one output, writing the
    folder, or reading another file (a figure deleted during the build)."""
    reason = e.strerror or str(e)
    name = Path(os.fsdecode(e.filename)) if e.filename is not None else None
    if name is not None and stage is not None and name.parent == stage:
        return BriefError.at(Loc(str(target / name.name)), f"cannot write: {reason}")
    if name is None:  # not an output (each is named when it fails): a temporary file, say
        return BriefError.at(Loc(str(target)), f"cannot build: {reason}")
    if target.is_relative_to(name) or name.parent in (target, target.parent):
        return BriefError.at(Loc(str(target)), f"cannot write outputs into this folder: {reason}")
    return BriefError.at(Loc(str(target)), f"cannot build: {reason}: {e.filename}")


def output_error(e: OSError, path: Path, final: Path) -> BriefError:
    """An OSError while an output was made at path (in the hidden folder): a failure to write
    it is named at the output it was to become."""
    name = Path(os.fsdecode(e.filename)) if e.filename is not None else None
    if name is None or name == path:
        return BriefError.at(Loc(str(final)), f"cannot write: {e.strerror or e}")
    return write_error(e, final.parent, path.parent)


def _hidden(target: Path, kind: str) -> str:
    """The start of the name of a hidden folder beside target: '.x.new-' (then 8 random
    characters). A brief's name can take 250 bytes, which would overflow the name: then a digest
    of it stands in."""
    name = f".{target.name}.{kind}-"
    if len(os.fsencode(name)) + 8 > _NAME_MAX:
        name = f".{hashlib.sha256(os.fsencode(target.name)).hexdigest()[:16]}.{kind}-"
    return name


def _leftovers(target: Path, kinds: tuple[str, ...] = ("new", "old")) -> list[Path]:
    pattern = re.compile("|".join(re.escape(_hidden(target, kind)) + r"[a-z0-9_]{8}"
                                  for kind in kinds))
    try:
        names = os.listdir(target.parent)
    except OSError:
        return []
    return [target.parent / n for n in sorted(names) if pattern.fullmatch(n)]


def _missing_folders(target: Path) -> list[Path]:
    """The folders of target's path that do not exist yet, deepest first."""
    missing = []
    for folder in (target, *target.parents):
        try:
            os.lstat(folder)
        except FileNotFoundError:
            missing.append(folder)
        except NotADirectoryError:
            continue  # mkdir will say it
        else:
            break
    return missing


def _lock(target: Path, given: Path) -> int:
    """Make the folder and hold a lock on it: an open descriptor to close when done. Waits up to
    LOCK_WAIT seconds for another build's lock."""
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        _restore(target)
        try:
            target.mkdir(parents=True, exist_ok=True)
            fd = os.open(target, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:  # a folder on its path removed meanwhile: make it again
            if time.monotonic() > deadline:
                raise
            continue
        if fcntl is None:
            return fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() > deadline:
                raise BriefError.at(Loc(str(given)), (
                    f"another briefgen build has been writing this folder for "
                    f"{LOCK_WAIT:g} s: wait for it to finish, or stop it, then build again"))
            time.sleep(0.05)
            continue
        except OSError:  # a filesystem without locks (some network ones): go on without one
            return fd
        # The folder this lock is on may have been swapped out or removed while it waited.
        with contextlib.suppress(OSError):
            if os.path.samestat(os.fstat(fd), os.stat(target)):
                return fd
        os.close(fd)


def _lock_now(folder: Path) -> int:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    if fcntl is not None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def _abandoned(folder: Path) -> bool:
    """Whether a hidden folder was left by a build that is no longer running (a running build
    holds a lock on its folders)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    except OSError:
        return True  # no locks here: only the lock on the output folder tells
    finally:
        os.close(fd)


def _restore(target: Path) -> None:
    """The output folder of a build killed between the two moves of a swap without
    RENAME_EXCHANGE is missing: the old one is put back."""
    if os.path.lexists(target):
        return
    for old in _leftovers(target, ("old",)):
        if _abandoned(old):
            with contextlib.suppress(OSError):
                os.rename(old, target)
                return


def _clean_leftovers(target: Path) -> None:
    """Remove the hidden folders of killed builds of this folder; a file of the user's that one
    holds and the folder lacks (one moved during a swap) goes back first."""
    for folder in _leftovers(target):
        if _abandoned(folder):
            _discard(folder, target)


def _discard(folder: Path, target: Path) -> None:
    with contextlib.suppress(OSError):
        _empty_into(folder, target)
    shutil.rmtree(folder, ignore_errors=True)


def _refuse_folders_in_the_way(target: Path, given: Path) -> None:
    for name in OUTPUTS:
        with contextlib.suppress(OSError):
            if stat.S_ISDIR(os.lstat(target / name).st_mode):
                raise BriefError.at(Loc(str(given / name)), (
                    "cannot write: a folder has this name; move or rename it, then build again"))


def _commit(stage: Stage, target: Path, given: Path) -> None:
    folder = stage.folder
    for name in stage.names:
        try:
            with open(folder / name, "rb") as f:
                os.fsync(f.fileno())  # on disk before the swap makes it an output
        except OSError as e:
            raise output_error(e, folder / name, given / name) from None
    _refuse_folders_in_the_way(target, given)  # one made during the build
    os.chmod(folder, stat.S_IMODE(os.stat(target).st_mode))  # mkdtemp's is private (0700)
    for entry in os.scandir(target):  # what this build did not make stays as it is
        if entry.name in stage.names or _OLD_TEMP.fullmatch(entry.name):
            continue
        if not entry.is_dir(follow_symlinks=False):  # folders are moved after the swap
            _link(Path(entry.path), folder / entry.name)
    if _exchange(folder, target):
        old = folder
    else:
        old = Path(tempfile.mkdtemp(prefix=_hidden(target, "old"), dir=target.parent))
        os.rename(target, old)  # over the empty folder just made: the target's lock comes along
        try:
            os.rename(folder, target)
        except BaseException:
            os.rename(old, target)
            raise
    stage.folder = None  # published: nothing to remove if what follows fails
    with contextlib.suppress(OSError):  # if it fails, the next build finishes it
        _empty_into(old, target)
        os.rmdir(old)


def _link(source: Path, copy: Path) -> None:
    try:
        os.link(source, copy, follow_symlinks=False)
    except FileNotFoundError:
        pass  # removed meanwhile
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP,
                           errno.EOPNOTSUPP):
            raise
        shutil.copy2(source, copy, follow_symlinks=False)  # a filesystem without hard links


def _empty_into(old: Path, target: Path) -> None:
    """Empty a folder that was the output folder (or was to be) into the current one: outputs
    and copies go, what only it holds moves to the folder, and of two versions of a file the
    newer one stays. Whatever cannot be settled (a folder against a file) stays in old."""
    for entry in os.scandir(old):
        dst = target / entry.name
        is_dir = entry.is_dir(follow_symlinks=False)
        if (entry.name in OUTPUTS and not is_dir) or _OLD_TEMP.fullmatch(entry.name):
            os.unlink(entry.path)
            continue
        try:
            there = os.lstat(dst)
        except FileNotFoundError:
            os.rename(entry.path, dst)
            continue
        mine = entry.stat(follow_symlinks=False)
        if os.path.samestat(mine, there):
            os.unlink(entry.path)
        elif not is_dir and not stat.S_ISDIR(there.st_mode):
            if mine.st_mtime_ns > there.st_mtime_ns:
                os.replace(entry.path, dst)  # changed during the build, after it was linked
            else:
                os.unlink(entry.path)


_renameat2 = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step; False where the system or the filesystem cannot."""
    global _renameat2
    if _renameat2 is None:
        _renameat2 = False
        with contextlib.suppress(Exception):  # no ctypes, no C library, or not Linux's
            import ctypes

            function = ctypes.CDLL(None, use_errno=True).renameat2  # glibc 2.28, musl 1.2.2
            function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                 ctypes.c_uint]
            function.restype = ctypes.c_int
            _renameat2 = function
    if not _renameat2:
        return False
    import ctypes

    at_cwd, exchange = -100, 2  # AT_FDCWD, RENAME_EXCHANGE
    if _renameat2(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # a kernel or filesystem without it
    raise OSError(code, os.strerror(code), os.fsdecode(b))
