"""CSL-JSON files (.json), as Zotero and Better BibTeX export them: each item read with its place
in the file, checked when it is cited."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .bib import (DIGITS_RE, DOI_PREFIX_RE, MAX_FIELD, Library, Lines, at_most, loc_at, source_of,
                  url_problem)
from .errors import BriefError, Loc, Problem

_JSON_SPACE_RE = re.compile(r"[ \t\n\r]*")


_JSON_TYPES = {dict: "an object", list: "a list", str: "text", int: "a number", float: "a number",
               bool: "true or false", type(None): "null"}


def read_csl_json(text: str, path: Path, shown: str) -> Library:
    """A JSON list of CSL-JSON items, as Zotero's 'Export -> CSL JSON' writes it. Each item is
    decoded on its own (raw_decode), so its place in the file is known. Decoding every item is
    most of the time: about 35 ms a megabyte here (5,000 Zotero items, 3.75 MB: 140 ms), as much
    as json.loads of the whole file takes."""
    decoder = json.JSONDecoder()
    lines = Lines(text, shown)
    pos = _JSON_SPACE_RE.match(text).end()
    if pos == len(text):
        return Library(path, shown, {}, {}.__getitem__)  # an empty file: no entries
    items: list[tuple[int, object]] = []
    try:
        if text[pos] != "[":
            value, _ = decoder.raw_decode(text, pos)
            raise BriefError.at(lines.loc(pos), f"a CSL-JSON file holds a list of items ([...]), "
                                                f"not {_JSON_TYPES.get(type(value), 'that')}")
        pos = _JSON_SPACE_RE.match(text, pos + 1).end()
        if text[pos:pos + 1] == "]":
            pos += 1
        else:
            while True:
                value, end = decoder.raw_decode(text, pos)
                items.append((pos, value))
                pos = _JSON_SPACE_RE.match(text, end).end()
                if text[pos:pos + 1] == "]":
                    pos += 1
                    break
                if text[pos:pos + 1] != ",":
                    raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
                pos = _JSON_SPACE_RE.match(text, pos + 1).end()
        pos = _JSON_SPACE_RE.match(text, pos).end()
        if pos != len(text):
            raise json.JSONDecodeError("Extra data", text, pos)
    except json.JSONDecodeError as e:
        raise BriefError.at(Loc(shown, e.lineno, e.colno), f"not JSON: {e.msg}") from None
    except ValueError:  # Python's limit on a number's digits (4,300)
        raise BriefError.at(lines.loc(pos), "not CSL-JSON: a number of thousands of "
                                            "digits") from None
    except RecursionError:
        raise BriefError.at(lines.loc(pos), "not CSL-JSON: nested too deep") from None
    problems: list[Problem] = []
    keys: dict[str, Loc] = {}
    found: dict[str, tuple[dict, int]] = {}
    for n, (start, value) in enumerate(items, 1):
        loc = lines.loc(start)
        if not isinstance(value, dict):
            problems.append(Problem(loc, f"item {n} is {_JSON_TYPES.get(type(value))}, not an "
                                         "object ({...})"))
            continue
        if "id" not in value:
            problems.append(Problem(loc, f"item {n} has no 'id'"))
            continue
        key = value["id"]
        if not isinstance(key, str) or not key.strip():
            problems.append(Problem(loc, f"item {n} has an 'id' that is not text: "
                                         f"{json.dumps(key)[:40]}"))
            continue
        if key in keys:
            problems.append(Problem(loc, f"duplicate id '{key}' (first at line "
                                         f"{keys[key].line})"))
            continue
        keys[key] = loc
        found[key] = (value, start)
    if problems:
        raise BriefError(at_most(problems))

    def to_source(key: str):
        value, start = found[key]
        return _csl_source(value, start, keys[key], text, shown)

    return Library(path, shown, keys, to_source)


def _csl_source(value: dict, start: int, loc: Loc, text: str, shown: str):
    """A cited CSL-JSON item as a Source; BriefError for fields of the wrong shape."""
    key = value["id"]
    problems: list[Problem] = []
    item = json.loads(json.dumps(value))  # a copy: the Source keeps it

    def bad(name: str, message: str) -> None:
        # Where the field's name stands, when the item's text shows it; else the item's start.
        m = re.compile(r'"' + re.escape(name) + r'"\s*:').search(text, start)
        at = loc_at(text, shown, m.start()) if m else loc
        problems.append(Problem(at, f"item '{key}' field '{name}' {message}"))

    title = item.get("title")
    if not isinstance(title, str) or not title.strip():
        if title is None or isinstance(title, str):
            problems.append(Problem(loc, f"item '{key}' has no title"))
        else:
            bad("title", "must be text")
    for name in ("author", "editor"):
        names = item.get(name)
        if names is None:
            continue
        if not isinstance(names, list) or not all(
                isinstance(n, dict) and all(isinstance(v, (str, int, bool)) for v in n.values())
                and (n.get("family") or n.get("literal")) for n in names):
            bad(name, 'must be a list of names ({"family": ..., "given": ...} or '
                      '{"literal": ...})')
    for name in ("issued", "accessed"):
        date = item.get(name)
        if date is None:
            continue
        fixed = _csl_date(date)
        if fixed is None:
            bad(name, 'must be a date ({"date-parts": [[2020, 11, 3]]} or {"literal": ...})')
        else:
            item[name] = fixed
    for name in ("container-title", "publisher", "authority", "URL", "DOI"):
        if name in item and not isinstance(item[name], str):
            bad(name, "must be text")
    if isinstance(item.get("URL"), str):
        problem = url_problem(item["URL"])
        if problem:
            bad("URL", problem)
    for name, value in item.items():  # as in a .bib: no title or journal is a megabyte long
        size = len(value) if isinstance(value, str) else len(json.dumps(value, ensure_ascii=False))
        if size > MAX_FIELD:
            bad(name, f"is {size:,} characters; a field may be at most {MAX_FIELD:,}")
    if problems:
        raise BriefError(problems)
    if isinstance(item.get("DOI"), str):  # 'https://doi.org/10.1/x' is the DOI 10.1/x
        item["DOI"] = DOI_PREFIX_RE.sub("", item["DOI"].strip())
    return source_of(item, loc)


def _csl_date(date) -> dict | None:
    """The date with numbers for numbers (Zotero writes "2020" in date-parts at times), or None
    for a shape that is no CSL date."""
    if not isinstance(date, dict):
        return None
    if "date-parts" not in date:
        return date if any(isinstance(date.get(k), str) for k in ("literal", "raw")) else None
    parts = date["date-parts"]
    if not isinstance(parts, list) or not 1 <= len(parts) <= 2:
        return None
    fixed = []
    for p in parts:
        if not isinstance(p, list) or not 1 <= len(p) <= 3 or not all(
                isinstance(x, int) and not isinstance(x, bool) or
                isinstance(x, str) and DIGITS_RE.fullmatch(x.strip()) for x in p):
            return None
        p = [int(x) for x in p]
        # A year of twenty digits, month 13 or day 45 is no date a style can print.
        if abs(p[0]) > 9999 or (len(p) > 1 and not 1 <= p[1] <= 12) or \
                (len(p) > 2 and not 1 <= p[2] <= 31):
            return None
        fixed.append(p)
    return {**date, "date-parts": fixed}
