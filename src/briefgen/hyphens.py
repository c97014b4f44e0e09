"""Hyphenation patterns for WeasyPrint's `hyphens: auto`, loaded from a parsed copy kept in the
user's cache folder. Apart from pdf.py, which imports WeasyPrint: a process that has not imported
it can then load or parse them for one that will, and hand them over."""
from __future__ import annotations

import contextlib
import json
import os
import pickle
import select
from pathlib import Path

import pyphen

from .cache import private_folder, read_file, write_quietly


def load_hyphenation(lang: str) -> None:
    """Put lang's hyphenation patterns in pyphen's own cache, from a copy of them already parsed
    in the user's cache folder. Pyphen parses its text dictionary on first use in every process:
    0.08 s of each cold build in English (the copy loads in 15 ms), 0.5 to 0.8 s in German (0.1
    s). The copy is plain JSON in a folder only this user may open, checked before use: a
    missing, stale or damaged copy is parsed again and rewritten, one that cannot be written is
    skipped, and nothing in the folder can run code.
    """
    found = _dictionary(lang)
    if found is None:
        return  # WeasyPrint does not hyphenate this language, or it is loaded
    path, kept = found
    if kept is None:  # parsed as it would be without briefgen
        pyphen.hdcache[path] = _Patterns(path)
        return
    patterns = _read_patterns(kept)
    if patterns is None:
        patterns = _Patterns(path)
        _keep(path, kept, patterns)
    pyphen.hdcache[path] = patterns


def _keep(path, kept: Path, patterns: _Patterns) -> None:
    if write_quietly(kept, _patterns_json(patterns)):
        with contextlib.suppress(OSError):
            for stale in kept.parent.glob(f"{_stem(path)}*"):
                if stale != kept:
                    stale.unlink()


# Longer than any word a dictionary hyphenates (German's longest compounds have about 80 letters).
MAX_HYPHENATED = 100


class _Patterns(pyphen.HyphDict):
    """pyphen's dictionary, which leaves a word longer than MAX_HYPHENATED unhyphenated; WeasyPrint
    still breaks it at the line's end (overflow-wrap). WeasyPrint asks for the rest of a word
    at every line it breaks, and pyphen takes time by the word's length and keeps each answer:
    a 5,000-letter word took 13 s and 600 answers of a few thousand letters each."""

    def positions(self, word):
        return [] if len(word) > MAX_HYPHENATED else super().positions(word)


def hand_over_hyphenation(lang: str, fd: int) -> None:
    """Send lang's patterns through the pipe fd, and close it: a cold build's reading child does
    this for its parent, which loads the fonts meanwhile (take_hyphenation), unless the parent
    has closed its end, having loaded them itself. They come from the copy in the cache folder,
    else are parsed, and the copy is then written, once they are sent. Pickled between two
    processes of one build, they load in a quarter of the time that the JSON copy takes (11
    against 35 ms for English), and on a first build the parent does not wait for the copy to
    be written (0.08 s)."""
    try:
        found = _dictionary(lang)
        if found is None or _closed(fd):
            return
        path, kept = found
        patterns = _read_patterns(kept) if kept is not None else None
        parsed = patterns is None
        if parsed:
            patterns = _Patterns(path)
        sent = memoryview(pickle.dumps((path, patterns.patterns, patterns.maxlen),
                                       pickle.HIGHEST_PROTOCOL))
        with contextlib.suppress(BrokenPipeError):  # the parent loaded them itself
            while sent:
                sent = sent[os.write(fd, sent):]
    finally:
        os.close(fd)
    if parsed and kept is not None:
        _keep(path, kept, patterns)


def _made(patterns: dict, maxlen: int) -> _Patterns:
    """A dictionary of parsed patterns, as its __init__ would have left it."""
    hd = _Patterns.__new__(_Patterns)
    hd.patterns, hd.cache, hd.maxlen = patterns, {}, maxlen
    return hd


def _closed(fd: int) -> bool:
    """Whether the pipe's other end is closed: the parent loaded the patterns itself."""
    poll = select.poll()
    poll.register(fd, select.POLLOUT)
    return any(events & select.POLLERR for _, events in poll.poll(0))


def take_hyphenation(fd: int) -> None:
    """Put in pyphen's cache the patterns hand_over_hyphenation sends through the pipe fd, once
    it has closed it; none if it sent none (a language without a dictionary, or a child that
    failed): load_hyphenation then loads or parses them. fd stays open."""
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    try:
        path, patterns, maxlen = pickle.loads(b"".join(chunks))
    except Exception:  # noqa: BLE001 - nothing sent, or cut short: loaded the usual way
        return
    if path not in pyphen.hdcache:
        pyphen.hdcache[path] = _made(patterns, maxlen)


def _dictionary(lang: str):
    """(pyphen's dictionary file, its parsed copy in the cache folder, or None where there is no
    folder to keep one in); None if there is no dictionary for lang or it is loaded already."""
    name = pyphen.language_fallback(lang)
    path = pyphen.LANGUAGES.get(name) if name else None
    if path is None or path in pyphen.hdcache:
        return None
    try:
        st = os.stat(path)
    except (OSError, TypeError):  # inside a zip
        st = None
    folder = private_folder() if st else None
    if folder is None:
        return path, None
    # One copy per dictionary (en and en-GB share one), named by pyphen's version and the
    # dictionary's size, so that every venv with this pyphen shares it; another pyphen parses
    # the dictionary again and replaces the copy.
    return path, folder / f"{_stem(path)}pyphen{pyphen.__version__}-{st.st_size}.json"


def _stem(path) -> str:
    return f"hyphenation-{Path(str(path)).stem}-"


def _patterns_json(hd) -> bytes:
    points = {key: [start, [int(v) for v in values]]
              for key, (start, values) in hd.patterns.items()}
    # The few values that carry pyphen's data for a non-standard break (Catalan's l·l).
    data = {key: [[i, *v.data] for i, v in enumerate(values) if getattr(v, "data", None)]
            for key, (_, values) in hd.patterns.items()}
    return json.dumps({"maxlen": hd.maxlen, "points": points,
                       "data": {key: d for key, d in data.items() if d}},
                      ensure_ascii=False, separators=(",", ":")).encode()


def _read_patterns(kept: Path):
    """The parsed dictionary in a copy written by _patterns_json, else None."""
    data = read_file(kept)
    if data is None:
        return None
    try:
        copy = json.loads(data)
        patterns = {key: (start, tuple(values)) for key, (start, values) in copy["points"].items()}
        if {type(v) for _, values in patterns.values() for v in values} | \
                {type(start) for start, _ in patterns.values()} != {int}:
            return None  # not what we wrote: a wrong type would fail mid-render
        for key, marks in copy["data"].items():
            start, values = patterns[key]
            values = list(values)
            for i, change, index, cut in marks:
                if str(change).count("=") != 1:  # pyphen splits it at its one "="
                    return None
                values[i] = pyphen.DataInt(values[i], (str(change), int(index), int(cut)))
            patterns[key] = start, tuple(values)
        return _made(patterns, int(copy["maxlen"]))
    except Exception:  # noqa: BLE001 - missing, cut short, or not what we wrote: parse again
        return None
