"""Running a call in a forked child and getting its result, or its error, back.

A child reports once and leaves by _exit, whatever happens; the parent collects every child, or
stops them all when it fails itself, so that no process outlives a build.
"""
from __future__ import annotations

import contextlib
import functools
import gc
import math
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from pathlib import Path

from .errors import BriefError


def spawn(call, nice: int = 0, first=None, into: list | None = None) -> tuple[int | None, object]:
    """Run call in a forked child; collect() gets its result (or its BriefError) back. into: the
    caller's list of children, which gets this one before a Ctrl-C can interrupt.

    first: run in the child before call, at full priority, as first(send); it returns (kept,
    sent): sent reaches this process at once (receive() it), and kept is call's argument. Each
    send(value) before that reaches this process as well, in order, each by a receive().

    Pango runs short-lived threads ("[pango] FcInit", "[pango] FcFontSetSort") after a render. A
    fork while one runs copies its locks held and the child waits forever, so the fork waits
    until this process is down to its one thread; if that takes too long, call runs here.
    """
    if not single_threaded():
        if first is not None:  # _build_cold forks only a process that runs one thread
            raise RuntimeError("spawn(first=...) needs a process that runs one thread")
        child = None, ("ok", call())  # its errors, Ctrl-C included, are raised here, as they come
        if into is not None:
            into.append(child)
        return child
    read, write = os.pipe()
    widen(write)
    # Ctrl-C is for the parent, which stops its children: a child that took it too would report
    # a crash. It is held back across the fork, so that the parent still gets it.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    # The objects made before the fork are frozen for the child (gc.freeze, as Python's manual
    # advises before a fork): its collections skip them all. Ten watch builds' children spent
    # 0.07-0.10 s collecting where they spent 0.31-0.35 s, and the 10x brief's first build
    # 0.1 s less in all. Here they are unfrozen at once.
    gc.freeze()
    try:
        pid = os.fork()
    except BaseException:
        gc.unfreeze()
        os.close(read)
        os.close(write)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        raise
    if pid == 0:  # the child: whatever happens, it reports and leaves, never running on
        code = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            os.close(read)
            with os.fdopen(write, "wb") as f:
                if first is not None:
                    def send(value) -> None:
                        pickle.dump(("ok", value), f)
                        f.flush()

                    status, value = _outcome(functools.partial(first, send))
                    pickle.dump((status, value[1] if status == "ok" else value), f)
                    f.flush()
                    call = functools.partial(call, value[0]) if status == "ok" else None
                if call is not None:
                    if nice:
                        with contextlib.suppress(OSError):
                            os.nice(nice)
                    pickle.dump(_outcome(call), f)
            code = 0
        finally:
            try:
                pdf = sys.modules.get("briefgen.pdf")
                if pdf is not None:  # _exit skips atexit: delete this child's font folders
                    pdf.release()
            finally:
                os._exit(code)
    gc.unfreeze()
    os.close(write)
    child = pid, os.fdopen(read, "rb")
    if into is not None:
        into.append(child)
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a Ctrl-C held back arrives here
    except BaseException:
        if into is None:  # else the caller stops it with the others
            stop([child])
        raise
    return child


def widen(fd: int) -> None:
    """Room in a pipe for a whole message, such as a brief read (180 KB for the example, 1 MB
    at most unless the system allows more): a child then writes it and goes on, rather than
    wait for this process to be done with what it does (0.1 s of a cold build)."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):
        pass


def receive(child: tuple[int | None, object]):
    """What a child's first sent; raises its BriefError, or RuntimeError if it failed."""
    status, value = _load(child[1])
    if status != "ok":
        raise _failure(status, value)
    return value


def _load(read) -> tuple[str, object]:
    try:
        return pickle.load(read)
    except Exception:  # noqa: BLE001 - a child that died mid-report
        return "crash", "a worker process died"


def _failure(status: str, value) -> Exception:
    return BriefError(value) if status == "error" else RuntimeError(value)


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
                with read:
                    status, value = _load(read)
            finally:
                os.waitpid(pid, 0)
        if status == "ok":
            results.append(value)
        elif failure is None:
            failure = _failure(status, value)
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
            read.close()


def usable_cores() -> int:
    """How many processes can run at once: the processors this one may run on (its affinity:
    taskset, a CI runner's cpuset), fewer where a cgroup's CPU quota allows less (a container
    started with --cpus=1). How busy they are is not asked: the scheduler shares a processor
    among the processes that want it, so two of ours get a larger share than one. With two
    other processes spinning, the example's first build side by side took 0.75 as long as one
    made in order (the seed brief, 9 pairs), with one 0.98; on one processor, 1.18 as long."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    quota = cgroup_quota()
    return max(1, min(cores, math.ceil(quota)) if quota else cores)


def cgroup_quota(own: Path = Path("/proc/self/cgroup"),
                 root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """The processors' worth of time this process's control groups allow (1.5 for
    --cpus=1.5), the least along its cgroup and the ones above it; None where none is set."""
    try:
        lines = own.read_text().splitlines()
    except OSError:
        return None
    found = []
    for line in lines:
        number, kinds, place = (line.split(":", 2) + ["", ""])[:3]
        if not place.startswith("/"):
            continue
        # cgroup v2: "0::/path", cpu.max holds "quota period" or "max period"
        if number == "0" and kinds == "":
            folders, name = [root], "cpu.max"
        elif "cpu" in kinds.split(","):  # v1: cpu.cfs_quota_us, -1 where none is set
            folders, name = [root / kinds, root / "cpu"], None
        else:
            continue
        for folder in folders:
            found += _quotas(folder, place, name)
    return min(found) if found else None


def _quotas(folder: Path, place: str, name: str | None) -> list[float]:
    """The quotas set on place and each folder above it, under the mount point folder. Inside
    a container the mount point is the container's own cgroup, which place may not name."""
    quotas = []
    here = folder / place.strip("/")
    while True:
        try:
            if name is None:
                quota = int((here / "cpu.cfs_quota_us").read_text())
                period = int((here / "cpu.cfs_period_us").read_text())
            else:
                limit, period_text = (here / name).read_text().split()
                quota, period = (-1 if limit == "max" else int(limit)), int(period_text)
            if quota > 0 and period > 0:
                quotas.append(quota / period)
        except (OSError, ValueError):
            pass
        if here == folder or folder not in here.parents:
            return quotas
        here = here.parent
