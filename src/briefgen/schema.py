"""The brief format as JSON Schema, generated from load.SCHEMA so the two cannot drift apart."""
from __future__ import annotations

from .load import SCHEMA, Field

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
}


def _field(field: Field) -> dict:
    if field.kind == "object":
        out = {"$ref": f"#/$defs/{field.item}"}
    elif field.kind == "objects":
        out = {"type": "array", "items": {"$ref": f"#/$defs/{field.item}"}}
        if field.required:
            out["minItems"] = 1
    else:
        out = dict(_KINDS[field.kind])
    return {"description": field.doc, **out}


def _object(kind: str) -> dict:
    spec = SCHEMA[kind]
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [name for name, f in spec.items() if f.required],
        "properties": {name: _field(f) for name, f in spec.items()},
    }


def brief_schema() -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://briefgen.invalid/schema/brief.schema.json",
        "title": "briefgen brief",
        "description": "One policy brief: compiled into a memo, a deck and a handout.",
        **_object("brief"),
        "$defs": {kind: _object(kind) for kind in SCHEMA if kind != "brief"},
    }
