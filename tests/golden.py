"""Golden text: what the example brief's outputs say and where, extracted from the real files, in
each bundled theme.

Each PDF line is `x y height | text` (points, from the page's top left; the height is the line's
box, which follows the type size), each slide shape `[name] x y w h` with every paragraph's type
size, so a change of position or size shows in the diff as a change of words does. Regenerate
after an intended change with `make golden`, then review with `git diff tests/golden`.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from lxml import etree

GOLDEN = Path(__file__).resolve().parent / "golden"
THEMES = ("default", "print", "modern")
_NS = {"x": "http://www.w3.org/1999/xhtml"}


def pdf_text(path: Path) -> str:
    """Every line as pdftotext (poppler) lays it out, with its box."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True,
                         check=True).stdout
    pages = []
    for i, page in enumerate(etree.fromstring(xml).iterfind(".//x:page", _NS), 1):
        lines = [f"--- page {i} ---"]
        for line in page.iterfind(".//x:line", _NS):
            box = [float(line.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")]
            height = box[3] - box[1]
            # Words as poppler splits them: letter-spaced capitals come out in pieces ('B OT TOM').
            text = " ".join(word.text or "" for word in line.iterfind("x:word", _NS))
            lines.append(f"{box[0]:.0f} {box[1]:.0f} {height:.1f} | {text}")
        pages.append("\n".join(lines))
    return "\n".join(pages) + "\n"


def pptx_text(path: Path) -> str:
    """Each slide's shapes by name and box with their paragraphs and sizes, then its notes."""
    from pptx import Presentation

    out = []
    for i, slide in enumerate(Presentation(str(path)).slides, 1):
        out.append(f"--- slide {i} ---")
        for shape in slide.shapes:
            if shape.has_text_frame and shape.text_frame.text.strip():
                box = " ".join(f"{v.pt:.1f}" if v is not None else "-" for v in (
                    shape.left, shape.top, shape.width, shape.height))
                out.append(f"[{shape.name}] {box}")
                for p in shape.text_frame.paragraphs:
                    sizes = {r.font.size.pt for r in p.runs if r.font.size is not None}
                    size = "/".join(f"{s:g}" for s in sorted(sizes)) or "-"
                    # No-break spaces (before citations) read as spaces in a diff.
                    out.append(f"  ({size}) {p.text}".replace("\u00a0", " "))
        if slide.has_notes_slide:
            out.append("[notes]")
            out += [f"  {line}" for line in slide.notes_slide.notes_text_frame.text.splitlines()]
    return "\n".join(out) + "\n"


def extract(result, theme: str = "default") -> dict[str, str]:
    """Golden file name -> text, for every output of one build in that theme."""
    readers = {".pdf": pdf_text, ".pptx": pptx_text}
    infix = "" if theme == "default" else f".{theme}"
    return {f"{result.brief.stem}{infix}.{out.kind}.txt": readers[out.path.suffix](out.path)
            for out in result.outputs}


def main() -> int:
    from briefgen.build import build
    from tests.conftest import EXAMPLE

    GOLDEN.mkdir(exist_ok=True)
    for theme in THEMES:
        with tempfile.TemporaryDirectory() as out:
            for name, text in extract(build(EXAMPLE, out, theme=theme), theme).items():
                (GOLDEN / name).write_text(text, encoding="utf-8")
                print(f"wrote {GOLDEN / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
