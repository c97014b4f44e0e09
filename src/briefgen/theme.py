"""Themes: a folder with theme.yaml (design tokens), font files, an optional logo, an optional
PowerPoint template and optional template overrides. One set of tokens drives all three outputs."""
from __future__ import annotations

import hashlib
import re
import shlex
import zipfile
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import jinja2

from .bounds import BoundedSandbox
from .errors import BriefError, Loc, Problem
from .load import NO_LOGO, Field, NodeReader, image_problem, text_value

THEMES_DIR = Path(__file__).resolve().parents[2] / "themes"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

SLIDE_SIZES = {"16:9": (960.0, 540.0), "4:3": (720.0, 540.0)}  # points
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
        "logo": Field("file", "Logo image (PNG or JPEG) in the theme folder: memo, handout and "
                              "title slide."),
        "logo_alt": Field("text", "Alternative text of the logo (required with a logo)."),
        "organisation": Field("text", "Who publishes with this theme, printed where the logo "
                              "would stand when there is none. A brief's own organisation: "
                              "replaces it."),
        "citation": Field("choice", "How citations print: brackets ([1] [2]) or superscript.",
                          choices=("brackets", "superscript")),
        "citation_style": Field("text", "How reference entries read: a bundled style "
                                "(briefgen, ieee, apa, chicago-author-date, vancouver) or a .csl "
                                "file in the theme folder. A brief's citation_style: replaces "
                                "it. Default: briefgen."),
        "page": Field("object", "Printed page.", item="page"),
        "deck": Field("object", "Slide deck.", item="deck"),
        "memo": Field("object", "The Word memo (memo.docx).", item="memo"),
    },
    "memo": {
        "reference_docx": Field("file", "A .docx whose styles, page set-up, header and footer "
                                "the Word memo uses (like pandoc's reference doc). `briefgen "
                                "check-theme` lists the styles the memo needs that it lacks."),
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
        "margin": Field("length", "Left and right page margin. Default: 0.9in."),
        "body_size": Field("number", "Memo body text size in points. Default: 10.5.",
                           limits=(6, 24)),
        "handout_floor": Field("number", "Smallest type scale the handout may shrink to, as a "
                               "fraction of normal size. Default: 0.8.", limits=(0.5, 1)),
    },
    "deck": {
        "font": Field("text", "Font name written into the deck. Default: the heading family."),
        "min_size": Field("number", "Smallest text size on a slide, in points. Default: 14.",
                          limits=(8, 32)),
        "max_words": Field("number", "The most words of body text a content slide shows (the "
                           "rest is in its speaker notes). Default: 40.", limits=(10, 200)),
        "size": Field("choice", "Slide size. Default: the template's, else 16:9.",
                      choices=tuple(SLIDE_SIZES)),
        "template": Field("file", "A .pptx whose masters and layouts the deck is built on."),
        "layouts": Field("object", "Layout names to use from the template.", item="layouts"),
    },
    "layouts": {
        "title": Field("text", "Layout of the title slide. Default: Title Slide."),
        "content": Field("text", "Layout of every other slide. Default: Title and Content."),
    },
}

MAX_TEMPLATE_BYTES = 50_000_000
MAX_TEMPLATE_UNPACKED = 200_000_000


@dataclass(frozen=True)
class FontFamily:
    family: str
    regular: Path
    bold: Path
    italic: Path
    bold_italic: Path
    # The name the PDFs' @font-face rules declare. Never the plain family: WeasyPrint prefers a
    # family of that name installed on the machine (fonts-crosextra-carlito, say) to the theme's
    # own files, so a theme's font files were ignored wherever the family was installed.
    css_family: str = ""

    def files(self) -> dict[str, Path]:
        return {"regular": self.regular, "bold": self.bold, "italic": self.italic,
                "bold_italic": self.bold_italic}


@dataclass(frozen=True)
class Theme:
    name: str
    folder: Path
    source: Path  # theme.yaml, for messages
    description: str
    colors: dict[str, str]
    color_locs: dict[str, Loc]
    heading: FontFamily
    body: FontFamily
    logo: Path | None
    logo_alt: str
    organisation: str | None  # printed where the logo stands, when there is none
    citation: str
    citation_style: str | None  # a bundled style's name or a .csl file in the folder
    paper: str
    margin: str
    body_size: float
    handout_floor: float
    deck_font: str
    deck_min_size: float
    deck_max_words: int
    slide_size: tuple[float, float]
    template: Path | None
    reference_docx: Path | None  # the Word memo's template (memo.reference_docx)
    layouts: dict[str, tuple[str, ...]]
    # Where each layout's title and body placeholders stand, in points, as plain data for the
    # planner: {'content': {'title': (x, y, w, h), 'body': ...}}; empty without a template.
    template_boxes: dict[str, dict[str, tuple[float, float, float, float]]]
    field_locs: dict[str, Loc]  # "deck.template", "fonts.body.bold", ...: where each stands
    # Not part of what a theme says (two loads of one theme are equal, and print the same).
    env: jinja2.Environment = field(repr=False, compare=False)
    given: str = field(default="", repr=False, compare=False)  # the folder as typed, for messages

    def __reduce__(self):
        # A build sends its theme from the child that loaded it to the parent; the environment,
        # which holds functions, is made again there from the theme's folder, with the
        # templates the child compiled.
        said = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "env"}
        return _unpickle_theme, (said, self.env.bytecode_cache.codes)


def _unpickle_theme(said: dict, codes: dict) -> Theme:
    env = _template_env(Path(said["given"] or said["folder"]))
    for key, code in codes.items():
        env.bytecode_cache.codes.setdefault(key, code)
    return Theme(**said, env=env)


class _Compiled(jinja2.BytecodeCache):
    """The templates this process compiled, as Jinja's bytecode, to send with the theme: a
    cold build's reading child compiles the memo's and the handout's templates, and the
    handout's process, forked from the parent, then loads them (1 ms) where it compiled them
    (0.07 s of the slowest process of the build). Jinja loads one only if its source is the
    same, byte for byte, and the Python the same."""

    def __init__(self):
        self.codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.codes.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.codes[bucket.key] = bucket.bytecode_to_string()


def theme_loc(theme: Theme, key: str) -> Loc:
    """Where a theme field stands, else the top of theme.yaml."""
    return theme.field_locs.get(key, Loc(str(theme.source)))


def find_theme(name: str | Path, near: Path = Path(".")) -> Path:
    """A theme by bundled name or by folder path. near: where a folder of that name would be
    meant (the working folder, or a brief's), named in the error if it holds a theme."""
    text = str(name)
    bare = _is_bare_name(text)
    folder = theme_folder(text)
    if not (folder / "theme.yaml").is_file():
        known = ", ".join(sorted(list_themes()))
        hint = ""
        if bare and text and (near / text / "theme.yaml").is_file():
            written = shlex.quote(f"./{text}")  # quoted if it must be, as on a command line
            hint = f"; to use the theme in the folder {near / text}, write {written}"
        raise BriefError.at(Loc(text), f"no theme here: looked for {folder}/theme.yaml; bundled "
                                       f"themes: {known}{hint}")
    return folder


def theme_folder(name: str) -> Path:
    """Where a theme by this name or path would be, whether or not one is there."""
    return THEMES_DIR / name if _is_bare_name(name) else Path(name)


def _is_bare_name(name: str) -> bool:
    """'modern' names a bundled theme; './modern' or 'a/b' is a folder."""
    return not ("/" in name or name.startswith("."))


def list_themes() -> dict[str, Path]:
    return {p.parent.name: p.parent for p in sorted(THEMES_DIR.glob("*/theme.yaml"))}


def shown_path(path: Path) -> Path:
    """A path as messages show it: relative to the working folder when it is inside it."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def load_theme(name: str | Path = "default", near: Path = Path(".")) -> Theme:
    folder = find_theme(name, near)
    source = shown_path(folder / "theme.yaml")
    reader = NodeReader(source, THEME_SCHEMA, owner="theme")
    top = reader.read(reader.compose(), "theme")
    colors = reader.read(top.get("colors_node"), "colors")
    fonts = reader.read(top.get("fonts_node"), "fonts")
    families = {k: reader.read(fonts.get(f"{k}_node"), "family") for k in ("heading", "body")}
    page = reader.read(top.get("page_node"), "page")
    deck = reader.read(top.get("deck_node"), "deck")
    memo = reader.read(top.get("memo_node"), "memo")
    layouts = reader.read(deck.get("layouts_node"), "layouts")
    if top.get("logo"):
        problem = image_problem(top["logo"])
        if top["logo"].suffix.lower() not in (".png", ".jpg", ".jpeg"):
            reader.error(top["logo_node"], "logo must be a PNG or JPEG image (slides cannot show "
                                           f"'{top['logo'].suffix}')")
        elif problem:
            reader.error(top["logo_node"], f"logo {top['logo'].name} {problem}")
        if not top.get("logo_alt"):
            reader.error(top["logo_node"], "a logo needs logo_alt: the text screen readers say")
    for fam_name, fam in families.items():
        for face in ("regular", "bold", "italic", "bold_italic"):
            if fam.get(face) is not None and not _is_font(fam[face]):
                reader.error(fam[f"{face}_node"], f"'{face}' is not a TrueType or OpenType font "
                                                  f"file: {fam[face].name}")
    template = deck.get("template")
    size = deck.get("size")
    if template is not None:
        try:
            template_size = read_template_size(template)
        except BriefError as e:
            reader.error(deck["template_node"], e.problems[0].message)
        else:
            size = size or template_size
    reference = memo.get("reference_docx")
    if reference is not None:
        problem = package_problem(reference, "the Word template", ".docx", "word/document.xml")
        if problem:
            reader.error(memo["reference_docx_node"], problem)
    if reader.problems:
        raise BriefError(sorted(reader.problems, key=lambda p: (p.loc.line, p.loc.col)))

    def family(role: str) -> FontFamily:
        f = families[role]
        return FontFamily(f["family"].value, f["regular"], f["bold"], f["italic"],
                          f["bold_italic"], css_family=_css_family(top["name"].value, role, f))

    heading = family("heading")
    color_names = THEME_SCHEMA["colors"]
    return Theme(
        name=top["name"].value,
        folder=folder.resolve(),
        source=source,
        description=text_value(top.get("description")) or "",
        colors={k: colors[k] for k in color_names},
        color_locs={k: reader.loc(colors[f"{k}_node"]) for k in color_names},
        heading=heading,
        body=family("body"),
        logo=top.get("logo"),
        logo_alt=text_value(top.get("logo_alt")) or "",
        organisation=text_value(top.get("organisation")),
        citation=top.get("citation") or "brackets",
        citation_style=text_value(top.get("citation_style")),
        paper=(page.get("size") or "letter").lower(),
        margin=page.get("margin") or "0.9in",
        body_size=page.get("body_size") or 10.5,
        handout_floor=page.get("handout_floor") or 0.8,
        deck_font=text_value(deck.get("font")) or heading.family,
        deck_min_size=deck.get("min_size") or 14,
        deck_max_words=int(deck.get("max_words") or 40),
        slide_size=SLIDE_SIZES[size] if isinstance(size, str) else size or SLIDE_SIZES["16:9"],
        template=template,
        reference_docx=reference,
        layouts=(names := {
            "title": _layout_names(layouts.get("title"), "Title Slide"),
            "content": _layout_names(layouts.get("content"), "Title and Content"),
        }),
        template_boxes=read_template_boxes(template, names) if template else {},
        field_locs=reader.field_locs(("", top), ("deck.", deck), ("deck.layouts.", layouts),
                                     ("memo.", memo),
                                     ("fonts.heading.", families["heading"]),
                                     ("fonts.body.", families["body"])),
        env=_template_env(folder),
        given=str(folder),
    )


def _css_family(theme_name: str, role: str, family: dict) -> str:
    """A family name no machine has installed: the theme's family name (the PDFs name their fonts
    by it, and WeasyPrint marks a family with 'Serif' in its name as serif) and a digest of the
    theme and its files, by file name rather than path, so the PDFs' bytes do not depend on
    where the theme lives."""
    files = "/".join(family[face].name for face in ("regular", "bold", "italic", "bold_italic"))
    said = f"{theme_name}\0{role}\0{family['family'].value}\0{files}"
    return f"{family['family'].value} {hashlib.sha256(said.encode()).hexdigest()[:10]}"


class _FolderLoader(jinja2.FileSystemLoader):
    """A theme's templates/ folder, read only inside it: a template that is a link to a file
    elsewhere (templates/web.css -> /etc/passwd) would have put that file into the outputs."""

    def get_source(self, environment, template):
        root = Path(self.searchpath[0])
        path = root.joinpath(*jinja2.loaders.split_template_path(template))
        if path.is_file() and not path.resolve().is_relative_to(root.parent.resolve()):
            raise BriefError.at(Loc(str(path)), f"the theme's template '{template}' is a link to "
                                                "a file outside the theme folder: refusing it")
        return super().get_source(environment, template)


_envs: dict[tuple, jinja2.Environment] = {}


def _template_env(folder: Path) -> jinja2.Environment:
    """The theme's templates, then the built-in ones. One environment per theme folder, kept:
    it holds the compiled templates (a tenth of a second to compile), and reloads any template
    whose file changes, so briefgen watch sees edits. A template added to the theme is a new
    environment, since the kept one would go on using the built-in template it replaces."""
    overrides = folder / "templates"
    # The folder as given names templates in error messages; resolved, it is the same one from
    # any working folder.
    names = sorted(p.name for p in overrides.iterdir()) if overrides.is_dir() else []
    key = (folder.resolve(), str(folder), tuple(names))
    if key not in _envs:
        if len(_envs) >= 8:  # a long watch that adds and removes templates
            _envs.pop(next(iter(_envs)))
        # Sandboxed: a theme from another organisation may carry templates, and plain Jinja lets
        # a template reach Python internals; bounded: its arithmetic may not make huge values.
        _envs[key] = BoundedSandbox(
            loader=jinja2.ChoiceLoader([_FolderLoader(str(folder / "templates")),
                                        jinja2.FileSystemLoader(str(TEMPLATES_DIR))]),
            autoescape=jinja2.select_autoescape(["html"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True, lstrip_blocks=True, bytecode_cache=_Compiled(),
        )
    return _envs[key]


def _is_font(path: Path) -> bool:
    """A TrueType/OpenType font by its signature: WeasyPrint would silently fall back to a system
    font for anything else, and the deck would be measured with nothing."""
    with open(path, "rb") as f:
        return f.read(4) in (b"\x00\x01\x00\x00", b"OTTO", b"true")


def _layout_names(chosen, default: str) -> tuple[str, ...]:
    # The theme's choice first, then PowerPoint's standard name as the fallback.
    return (chosen.value, default) if chosen is not None and chosen.value != default else (default,)


# Word fields that fetch a file or an address when the document opens or its fields update.
_FETCHING_FIELD = re.compile(r"\b(INCLUDEPICTURE|INCLUDETEXT|LINK|DDE|DDEAUTO|IMPORT)\b", re.I)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def package_problem(path: Path, label: str, suffix: str, main_part: str) -> str | None:
    """What makes an Office template (a .pptx or .docx a theme names) unsafe or unusable, or
    None. Themes come from other organisations: a zip bomb, a member named '../x' or '/x', or a
    relationship to an outside file or address (which Word or PowerPoint would fetch when the
    output is opened: a tracking link, or a Windows share that leaks the reader's login) is
    refused, as is a package without its main part. Links in the text are allowed."""
    what = "a PowerPoint .pptx" if suffix == ".pptx" else "a Word .docx"
    try:
        if path.stat().st_size > MAX_TEMPLATE_BYTES:
            return f"{label} is larger than 50 MB"
        with open(path, "rb") as f:
            if f.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # an OLE file: Office 97-2003
                old = "PowerPoint 97-2003 .ppt" if suffix == ".pptx" else "Word 97-2003 .doc"
                return (f"{label} {path.name} is an old {old} file: open it and save it as "
                        f"{suffix}")
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            unpacked = sum(i.file_size for i in infos)
            if unpacked > MAX_TEMPLATE_UNPACKED:
                return f"{label} unpacks to {unpacked:,} bytes: refusing it (zip bomb?)"
            for info in infos:
                name = info.filename
                if name.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", name):
                    return (f"{label} has a member named '{name[:80]}' outside the package: "
                            "refusing it")
            if main_part not in z.namelist():
                raise KeyError(main_part)
            for info in infos:
                problem = _part_problem(z, info, label)
                if problem:
                    return problem
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError, EOFError):
        return f"{label} {path.name} is not {what} file"
    return None


def _part_problem(z: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> str | None:
    """A relationship to an outside target (other than a link in the text), or a Word field
    that fetches one, in one part of a template. Parsed as Word reads it, so that no spelling
    (TargetMode="&#69;xternal", a '>' inside a target) hides one; a part with a DTD, which
    could make one up from entities, is refused outright."""
    from lxml import etree

    name = info.filename
    fields = name.startswith("word/") and name.endswith(".xml")
    if not name.endswith(".rels") and not fields:
        return None
    with z.open(info) as f:  # the header's size may lie: read no more than the limit
        data = f.read(MAX_TEMPLATE_UNPACKED)
    refused = f"{label} has a part that cannot be read safely ({name}): refusing it"
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return refused
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return refused
    if name.endswith(".rels"):
        for rel in root.iter("{*}Relationship"):
            if (rel.get("TargetMode") or "").strip().lower() == "external" and \
                    not (rel.get("Type") or "").endswith("/hyperlink"):
                return (f"{label} links to an outside file or address "
                        f"('{(rel.get('Target') or '')[:80]}' in {name}), which would be fetched "
                        "when the output is opened: refusing it")
        return None
    codes = "".join(t.text or "" for t in root.iter(f"{_W}instrText")) + " ".join(
        f.get(f"{_W}instr") or "" for f in root.iter(f"{_W}fldSimple"))
    found = _FETCHING_FIELD.search(codes)
    if found:
        return (f"{label} has a field that fetches a file or an address when the document's "
                f"fields update ({found.group(1).upper()} in {name}): refusing it")
    return None


def read_template_size(path: Path) -> tuple[float, float]:
    """Slide size of a .pptx in points, read without python-pptx and with zip-bomb limits."""
    problem = package_problem(path, "the deck template", ".pptx", "ppt/presentation.xml")
    if problem:
        raise BriefError.at(Loc(str(path)), problem)
    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read("ppt/presentation.xml")[:MAX_TEMPLATE_UNPACKED].decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        raise BriefError.at(Loc(str(path)), f"the deck template {path.name} is not a PowerPoint "
                                            ".pptx file") from None
    m = re.search(r'<p:sldSz[^>]*\bcx="(\d+)"[^>]*\bcy="(\d+)"', xml)
    if not m:
        return SLIDE_SIZES["16:9"]
    return int(m.group(1)) / 12700, int(m.group(2)) / 12700


_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_TITLES, _BODIES = ("title", "ctrTitle"), ("body", "obj", "subTitle")


def read_template_boxes(path: Path, layouts: dict[str, tuple[str, ...]]
                        ) -> dict[str, dict[str, tuple[float, float, float, float]]]:
    """Where the title and body placeholders of the layouts the deck uses stand, in points,
    found as python-pptx finds them: the first master's layouts by name (the last of a name),
    the body the text placeholder with the lowest idx, and a position the layout leaves out
    taken from the master's placeholder of that kind. Read with zipfile and lxml under the
    template limits; what cannot be read is left out, and the writer reports it."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        if path.stat().st_size > MAX_TEMPLATE_BYTES:
            return {}
        with zipfile.ZipFile(path) as z:
            if sum(i.file_size for i in z.infolist()) > MAX_TEMPLATE_UNPACKED:
                return {}

            def part(name: str):
                with z.open(name) as f:  # the header's size may lie: read no more than that
                    return etree.fromstring(f.read(MAX_TEMPLATE_UNPACKED), parser)

            def related(name: str, kind: str) -> dict[str, str]:
                folder, file = name.rsplit("/", 1)
                rels = part(f"{folder}/_rels/{file}.rels")
                return {r.get("Id"): _part_name(folder, r.get("Target"))
                        for r in rels.iter(f"{_PKG_REL}Relationship")
                        if r.get("Type", "").endswith("/" + kind)}

            pres = "ppt/presentation.xml"
            master_id = part(pres).find(f"{_P}sldMasterIdLst/{_P}sldMasterId")
            rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
            master = related(pres, "slideMaster")[master_id.get(rid)]
            master_root = part(master)
            master_boxes = _placeholder_boxes(master_root, master=True)
            targets = related(master, "slideLayout")
            found = {}
            for entry in master_root.iterfind(f"{_P}sldLayoutIdLst/{_P}sldLayoutId"):
                layout = part(targets[entry.get(rid)])
                found[layout.find(f"{_P}cSld").get("name", "")] = layout
            boxes = {}
            for kind, names in layouts.items():
                layout = next((found[n] for n in names if n in found), None)
                if layout is not None:
                    boxes[kind] = {role: tuple(v / 12700 for v in emu) for role, emu in
                                   _placeholder_boxes(layout, inherit=master_boxes).items()}
            return boxes
    except (zipfile.BadZipFile, KeyError, OSError, AttributeError, ValueError, TypeError,
            etree.XMLSyntaxError):
        return {}


def _part_name(folder: str, target: str) -> str:
    import posixpath

    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(
        f"{folder}/{target}")


def _placeholder_boxes(root, master: bool = False, inherit: dict | None = None) -> dict:
    """{'title': [x, y, cx, cy], 'body': ...} in EMU: a master's first title and body
    placeholders, or a layout's as a slide made from it has them (its title is idx 0, as
    python-pptx's shapes.title; its body the text placeholder of lowest idx)."""
    ranked = []
    for order, sp in enumerate(root.iterfind(f"{_P}cSld/{_P}spTree/{_P}sp")):
        ph = sp.find(f"{_P}nvSpPr/{_P}nvPr/{_P}ph")
        if ph is None:
            continue
        kind, idx = ph.get("type", "obj"), int(ph.get("idx", "0"))
        if master:
            role, rank = {"title": "title", "body": "body"}.get(kind), order
        else:
            role, rank = "title" if idx == 0 else "body" if kind in _BODIES else None, idx
        if role is None:
            continue
        xfrm = sp.find(f"{_P}spPr/{_A}xfrm")
        off = None if xfrm is None else xfrm.find(f"{_A}off")
        ext = None if xfrm is None else xfrm.find(f"{_A}ext")
        mine = [None, None] if off is None else [int(off.get("x")), int(off.get("y"))]
        mine += [None, None] if ext is None else [int(ext.get("cx")), int(ext.get("cy"))]
        base = (inherit or {}).get("title" if kind in _TITLES else "body", [None] * 4)
        ranked.append((rank, role, [m if m is not None else b for m, b in zip(mine, base)]))
    boxes: dict[str, list] = {}
    for _, role, emu in sorted(ranked, key=lambda r: r[0]):
        if role not in boxes and None not in emu:
            boxes[role] = emu
    return boxes


# -- checks -----------------------------------------------------------------------------------

def luminance(hex_color: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# Pairs the outputs actually print, as (foreground, background): all are text at body size or
# smaller, so WCAG AA asks 4.5:1 of each.
CONTRAST_PAIRS = (("text", "background"), ("muted", "background"), ("primary", "background"),
                  ("accent", "background"), ("text", "panel"), ("accent", "panel"),
                  ("background", "primary"))
AA_BODY = 4.5


def check_contrast(theme: Theme) -> list[Problem]:
    problems = []
    for fg, bg in CONTRAST_PAIRS:
        ratio = contrast(theme.colors[fg], theme.colors[bg])
        if ratio < AA_BODY:
            problems.append(Problem(theme.color_locs[fg], (
                f"{fg} {theme.colors[fg]} on {bg} {theme.colors[bg]} has contrast "
                f"{ratio:.2f}:1; WCAG AA needs {AA_BODY}:1 for body text")))
    return problems


def branded(theme: Theme, brief) -> Theme:
    """The theme with the brief's own organisation and logo. A theme's logo belongs to its
    organisation: a brief that names another organisation and no logo of its own shows its
    name, not the theme's logo (the modern theme's sample logo printed on anyone's brief)."""
    if brief.logo is None and brief.organisation is None:
        return theme
    logo, alt = theme.logo, theme.logo_alt
    if brief.logo == NO_LOGO or (brief.logo is None and brief.organisation is not None):
        logo, alt = None, ""
    elif brief.logo is not None:
        logo, alt = brief.logo.path, brief.logo.alt
    return replace(theme, logo=logo, logo_alt=alt,
                   organisation=brief.organisation or theme.organisation)
