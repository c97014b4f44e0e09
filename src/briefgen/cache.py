"""The user's cache folder: what briefgen can make again, kept between runs to save time.

It holds parsed hyphenation patterns (hyphens.py), the handouts and handout fits of briefs
already built (handout.py, handouts/), reference entries (csl.py) and the web page's font subsets
(web.py, web-fonts/). Everything in it is checked before use: JSON, a whole PDF, or a WOFF font,
which browsers check again; anything missing, damaged or unwritable is made again, and a build
never fails over it.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import tempfile
from pathlib import Path


def cache_folder() -> Path:
    """$XDG_CACHE_HOME/briefgen when that is an absolute path (as the XDG spec asks), else
    ~/.cache/briefgen."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".cache") / "briefgen"


def file_stamp(path: Path) -> tuple[int, int]:
    """A file's modification time and size, by which a kept result sees it changed; (-1, -1)
    when it is gone."""
    try:
        st = path.stat()
        return st.st_mtime_ns, st.st_size
    except OSError:
        return -1, -1


@functools.cache
def code_digest() -> str:
    """A digest of briefgen's own files (4 ms): what one version of it wrote is not taken for
    what another would write (a kept handout). Their bytes, not their times: some installs
    give every file the same time."""
    root = os.path.dirname(os.path.abspath(__file__))
    files = []
    for folder, folders, names in os.walk(root):
        folders[:] = [name for name in folders if name != "__pycache__"]
        files += [os.path.join(folder, name) for name in names]
    if not files:  # not a folder of files (a zip): nothing kept is taken for this code's
        return os.urandom(16).hex()
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(f"\0{os.path.relpath(path, root)}\0".encode("utf-8", "surrogatepass"))
        with contextlib.suppress(OSError), open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def file_digest(path: Path, limit: int) -> str | None:
    """A digest of a regular file's bytes; None where it is not one, cannot be read, or is over
    limit bytes (more than a digest is worth)."""
    digest = hashlib.sha256()
    try:
        if not path.is_file():  # reading a pipe or a device could wait for ever
            return None
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                limit -= len(chunk)
                if limit < 0:
                    return None
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def private_folder() -> Path | None:
    """The cache folder, made if missing, when it is this user's and closed to others (made so
    where it can); else None. A copy that others could write would let them choose how
    briefgen's documents look."""
    try:
        folder = cache_folder()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = folder.stat()
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            return None
        if st.st_mode & 0o077:
            os.chmod(folder, 0o700)
        return folder
    except (OSError, RuntimeError):  # RuntimeError: no home folder
        return None


def read_file(path: Path, limit: int | None = None) -> bytes | None:
    """A cache file's bytes, or None when it is missing, larger than limit, or not a regular file
    (reading a pipe or a device could wait for ever)."""
    try:
        if not path.is_file():
            return None
        with open(path, "rb") as f:
            data = f.read() if limit is None else f.read(limit + 1)
    except OSError:
        return None
    return None if limit is not None and len(data) > limit else data


def write_quietly(target: Path, data: bytes) -> bool:
    """Write whole or not at all (a build running beside this one may read it). Returns whether
    it was written."""
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        return False
    return True
