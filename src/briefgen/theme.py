"""Themes: a folder with theme.yaml (design tokens), font files and optional template overrides."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from .errors import BriefError, Loc
from .load import Field, NodeReader

THEMES_DIR = Path(__file__).resolve().parents[2] / "themes"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

_FAMILY = {
    "family": Field("text", "Font family name used in the outputs.", True),
    "regular": Field("file", "Regular face, relative to the theme folder.", True),
    "bold": Field("file", "Bold face.", True),
    "italic": Field("file", "Italic face.", True),
    "bold_italic": Field("file", "Bold italic face.", True),
}
THEME_SCHEMA: dict[str, dict[str, Field]] = {
    "theme": {
        "name": Field("text", "Theme name.", True),
        "description": Field("text", "One line shown by `briefgen themes`."),
        "colors": Field("object", "Colours.", True, item="colors"),
        "fonts": Field("object", "Font families with their files.", True, item="fonts"),
        "page": Field("object", "Printed page.", item="page"),
        "deck": Field("object", "Slide deck.", item="deck"),
    },
    "colors": {
        "primary": Field("color", "Headings, rules, slide title bars.", True),
        "accent": Field("color", "Highlights: the bottom-line bar, DRAFT marks.", True),
        "text": Field("color", "Body text.", True),
        "muted": Field("color", "Secondary text: dates, captions, footers.", True),
        "rule": Field("color", "Thin rules and borders.", True),
        "panel": Field("color", "Background of the bottom-line panel.", True),
        "background": Field("color", "Page and slide background.", True),
    },
    "fonts": {
        "heading": Field("object", "Headings and the deck.", True, item="family"),
        "body": Field("object", "Body text of the memo and handout.", True, item="family"),
    },
    "family": _FAMILY,
    "page": {
        "size": Field("paper", "letter or a4. The CLI's --paper wins. Default: letter."),
        "margin": Field("length", "Page margin. Default: 0.9in."),
        "body_size": Field("number", "Memo body text size in points. Default: 10.5."),
        "handout_floor": Field("number", "Smallest type scale the handout may shrink to, as a "
                               "fraction of normal size. Default: 0.8."),
    },
    "deck": {
        "font": Field("text", "Font name written into the deck. Default: the heading family."),
        "min_size": Field("number", "Smallest text size on a slide, in points. Default: 14."),
    },
}


@dataclass(frozen=True)
class FontFamily:
    family: str
    regular: Path
    bold: Path
    italic: Path
    bold_italic: Path


@dataclass(frozen=True)
class Theme:
    name: str
    folder: Path
    description: str
    colors: dict[str, str]
    heading: FontFamily
    body: FontFamily
    paper: str
    margin: str
    body_size: float
    handout_floor: float
    deck_font: str
    deck_min_size: float
    env: jinja2.Environment


def find_theme(name: str | Path) -> Path:
    """A theme by bundled name or by folder path."""
    text = str(name)
    if "/" in text or text.startswith("."):
        folder = Path(text)
    else:
        folder = THEMES_DIR / text
    if not (folder / "theme.yaml").is_file():
        known = ", ".join(sorted(list_themes()))
        where = f"{folder}/theme.yaml"
        raise BriefError.at(Loc(text, 1, 1),
                            f"no theme here: looked for {where}; bundled themes: {known}")
    return folder


def list_themes() -> dict[str, Path]:
    return {p.parent.name: p.parent for p in sorted(THEMES_DIR.glob("*/theme.yaml"))}


def load_theme(name: str | Path = "default") -> Theme:
    folder = find_theme(name)
    reader = NodeReader(folder / "theme.yaml", THEME_SCHEMA, owner="theme")
    top = reader.read(reader.compose(), "theme")
    colors = reader.read(top.get("colors_node"), "colors") if top else {}
    fonts = reader.read(top.get("fonts_node"), "fonts") if top else {}
    families = {k: reader.read(fonts.get(f"{k}_node"), "family") for k in ("heading", "body")}
    page = reader.read(top.get("page_node"), "page") if top else {}
    deck = reader.read(top.get("deck_node"), "deck") if top else {}
    if reader.problems:
        raise BriefError(reader.problems)

    def family(f: dict) -> FontFamily:
        return FontFamily(f["family"].value, f["regular"], f["bold"], f["italic"],
                          f["bold_italic"])

    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(folder / "templates")),
                                    jinja2.FileSystemLoader(str(TEMPLATES_DIR))]),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    heading = family(families["heading"])
    return Theme(
        name=top["name"].value,
        folder=folder.resolve(),
        description=top["description"].value if top["description"] else "",
        colors={k: v for k, v in colors.items() if not k.endswith("_node")},
        heading=heading,
        body=family(families["body"]),
        paper=(page.get("size") or "letter").lower(),
        margin=page.get("margin") or "0.9in",
        body_size=page.get("body_size") or 10.5,
        handout_floor=page.get("handout_floor") or 0.8,
        deck_font=deck["font"].value if deck.get("font") else heading.family,
        deck_min_size=deck.get("min_size") or 14,
        env=env,
    )
