"""Golden text: what the example brief's outputs say, extracted from the real files.

Regenerate after an intended change with `make golden`, then review with `git diff tests/golden`.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from pypdf import PdfReader

GOLDEN = Path(__file__).resolve().parent / "golden"


def pdf_text(path: Path) -> str:
    pages = []
    for i, page in enumerate(PdfReader(str(path)).pages, 1):
        lines = [" ".join(line.split()) for line in page.extract_text().splitlines()]
        pages.append(f"--- page {i} ---\n" + "\n".join(line for line in lines if line))
    return "\n".join(pages) + "\n"


def pptx_text(path: Path) -> str:
    """Each slide's shapes by name with their paragraphs, then its notes."""
    from pptx import Presentation

    out = []
    for i, slide in enumerate(Presentation(str(path)).slides, 1):
        out.append(f"--- slide {i} ---")
        for shape in slide.shapes:
            if shape.has_text_frame and shape.text_frame.text.strip():
                out.append(f"[{shape.name}]")
                # No-break spaces (before citations) read as spaces in a diff.
                out += [f"  {p.text}".replace("\u00a0", " ") for p in shape.text_frame.paragraphs]
        if slide.has_notes_slide:
            out.append("[notes]")
            out += [f"  {line}" for line in slide.notes_slide.notes_text_frame.text.splitlines()]
    return "\n".join(out) + "\n"


def extract(result) -> dict[str, str]:
    """Golden file name -> text, for every output of one build."""
    readers = {".pdf": pdf_text, ".pptx": pptx_text}
    return {f"{result.brief.stem}.{out.kind}.txt": readers[out.path.suffix](out.path)
            for out in result.outputs}


def main() -> int:
    from briefgen.build import build
    from tests.conftest import EXAMPLE

    GOLDEN.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as out:
        for name, text in extract(build(EXAMPLE, out)).items():
            (GOLDEN / name).write_text(text, encoding="utf-8")
            print(f"wrote {GOLDEN / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
