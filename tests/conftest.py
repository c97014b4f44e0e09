import logging
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from briefgen.build import build

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "briefs" / "sanctuary-cities.yaml"
# A copy of shared/seed: the seed text and its sources, which the example brief must reproduce.
SEED = ROOT / "tests" / "data" / "seed"

MINIMAL = """\
title: A brief
date: 2026-11-24
summary: Bottom line [@a].
sections:
  - heading: One
    body: Text [@b].
sources:
  - id: a
    title: Source A
  - id: b
    title: Source B
"""


def write(folder: Path, text: str, name: str = "brief.yaml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(str(path)).pages]


def embedded_fonts(path: Path) -> set[tuple[str, str]]:
    """(family, style, version) of every font embedded in a PDF, read from the embedded font file's own
    name table: the PDF's /BaseFont is only the name the CSS gave it."""
    import io

    import pikepdf
    from fontTools.ttLib import TTFont

    found = set()
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for font in page.Resources.get("/Font", {}).values():
                descriptor = font.DescendantFonts[0].FontDescriptor
                assert "/FontFile2" in descriptor, f"{font.BaseFont} is not embedded"
                names = TTFont(io.BytesIO(descriptor.FontFile2.read_bytes()))["name"]
                found.add((names.getDebugName(1), names.getDebugName(2), names.getDebugName(5)))
    return found


def font_names(path: Path) -> tuple[str, str, str]:
    """(family, style, version) from a font file's name table, as embedded_fonts reads them."""
    from fontTools.ttLib import TTFont

    names = TTFont(path)["name"]
    return names.getDebugName(1), names.getDebugName(2), names.getDebugName(5)


def cite_numbers(text: str) -> list[int]:
    """Every [n] or [n, locator] in reading order."""
    return [int(n) for n in re.findall(r"\[(\d+)(?:,[^\]]*)?\]", text)]


def structure_elements(pdf, tag: str) -> list:
    """Every element of a tagged PDF's structure tree with this tag ('/TH'), in reading order;
    pdf is an open pikepdf.Pdf."""
    import pikepdf

    found = []

    def walk(node):
        if isinstance(node, pikepdf.Dictionary):
            if node.get("/S") == tag:
                found.append(node)
            kids = node.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                walk(kid)

    walk(pdf.Root.StructTreeRoot)
    return found


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(scope="session", autouse=True)
def own_cache(tmp_path_factory):
    """The suite's builds keep their caches (hyphenation patterns) in a folder of its own, not
    the user's ~/.cache; the builds it runs as subprocesses inherit it."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def no_kept_fits(own_cache):
    """Each test's handouts are found by searching, unless the test built them before itself."""
    forget_fits()


def forget_fits() -> None:
    """The handouts kept with their fits, too: a test that counts renders gets none."""
    from briefgen.cache import cache_folder
    from briefgen.handout import FITS_FILE, HANDOUTS

    (cache_folder() / FITS_FILE).unlink(missing_ok=True)
    shutil.rmtree(cache_folder() / HANDOUTS, ignore_errors=True)


@pytest.fixture(scope="session")
def example_build(tmp_path_factory):
    """The example brief, built once with the real engines. WeasyPrint must log nothing."""
    out = tmp_path_factory.mktemp("build")
    collect = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collect)
    try:
        result = build(EXAMPLE, out)
    finally:
        logger.removeHandler(collect)
    assert [r.getMessage() for r in collect.records] == []
    return result


def roomy_theme(folder, max_words: int = 200):
    """The default theme with a larger word budget, for tests of text that fills slides."""
    import shutil

    theme = folder / f"roomy-{max_words}"
    if not theme.exists():
        shutil.copytree(ROOT / "themes" / "default", theme)
        path = theme / "theme.yaml"
        text = path.read_text(encoding="utf-8")
        assert "  min_size: 14\n" in text
        path.write_text(text.replace("  min_size: 14\n",
                                     f"  min_size: 14\n  max_words: {max_words}\n"),
                        encoding="utf-8")
    return theme
