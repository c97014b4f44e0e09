"""The brief format as JSON Schema, generated from load.SCHEMA so the two cannot drift apart."""
from __future__ import annotations

from .data import FORMAT_RE
from .load import MAX_RECOMMENDATIONS, SCHEMA, Field
from .model import OUTPUTS

_TEXT = {"type": "string", "minLength": 1}
_KINDS = {
    "text": _TEXT,
    "date": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
    "freedate": {"type": ["string", "integer"]},
    "url": {"type": "string", "pattern": "^https?://"},
    "id": {"type": "string", "pattern": r"^[A-Za-z0-9._-]+$"},
    "lang": {"type": "string", "pattern": r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"},
    "status": {"enum": ["draft", "final"]},
    "texts": {"anyOf": [_TEXT, {"type": "array", "items": _TEXT, "minItems": 1}]},
    "items": {"type": "array", "items": _TEXT, "minItems": 1, "maxItems": MAX_RECOMMENDATIONS},
    "format": {"type": "string", "pattern": f"^{FORMAT_RE.pattern}$"},
    "section": {"type": "integer", "minimum": 1},
    "csv": {"type": "string", "pattern": r"\.[cC][sS][vV]$"},
    "cells": {"type": "array", "minItems": 1, "items": {"type": ["string", "number"]}},
    "numbers": {"type": "array", "minItems": 1, "items": {"type": "number"}},
    "rows": {"type": "array", "minItems": 1, "items": {
        "type": "array", "minItems": 1, "items": {"type": ["string", "number", "null"]}}},
}
# Objects that take exactly one of two fields.
_ONE_OF = {"table": ("rows", "csv"), "chart": ("series", "csv")}
# Objects that may also be written as a single text: a column as its name.
_OR_TEXT = ("column",)


def _field(field: Field) -> dict:
    if field.kind == "object":
        out = {"$ref": f"#/$defs/{field.item}"}
    elif field.kind == "objects":
        out = {"type": "array", "items": {"$ref": f"#/$defs/{field.item}"}}
        if field.required or field.item in ("column", "series"):
            out["minItems"] = 1
    elif field.kind == "choice":
        out = {"enum": list(field.choices)}
    elif field.kind == "outputs":
        out = {"anyOf": [{"enum": list(OUTPUTS)}, {"type": "array", "minItems": 1,
                                                   "uniqueItems": True,
                                                   "items": {"enum": list(OUTPUTS)}}]}
    else:
        out = dict(_KINDS[field.kind])
    return {"description": field.doc, **out}


def _object(kind: str) -> dict:
    spec = SCHEMA[kind]
    out = {
        "type": "object",
        "additionalProperties": False,
        "required": [name for name, f in spec.items() if f.required],
        "properties": {name: _field(f) for name, f in spec.items()},
    }
    if kind in _ONE_OF:
        out["oneOf"] = [{"required": [name]} for name in _ONE_OF[kind]]
    if kind in _OR_TEXT:
        out = {"anyOf": [_TEXT, out]}
    if kind == "logo":  # or `logo: none`
        out = {"anyOf": [{"const": "none"}, out]}
    return out


def brief_schema() -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://briefgen.invalid/schema/brief.schema.json",
        "title": "briefgen brief",
        "description": "One policy brief: compiled into a memo, a deck and a handout.",
        **_object("brief"),
        "$defs": {kind: _object(kind) for kind in SCHEMA if kind != "brief"},
    }
