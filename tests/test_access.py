"""Accessible, reproducible output: tagged PDF/UA, alt text everywhere, same bytes every time."""
import os
import shutil
import subprocess
import sys

import pikepdf
import pytest

from .conftest import EXAMPLE, ROOT, structure_elements, write

FIGURE_BRIEF = """\
title: Figure test
date: 2026-11-24
summary: Bottom line [@a].
sections:
  - heading: One
    body: Text [@a].
    figure: {path: chart.png, alt: Bar chart of five values, caption: Made-up data}
sources:
  - {id: a, title: A}
handout:
  link: https://example.org/x
"""


def figures(pdf):
    return [str(node.get("/Alt")) for node in structure_elements(pdf, "/Figure")]


@pytest.fixture(scope="module")
def figure_build(tmp_path_factory):
    from briefgen.build import build

    folder = tmp_path_factory.mktemp("fig")
    shutil.copy(ROOT / "tests" / "data" / "chart.png", folder / "chart.png")
    return build(write(folder, FIGURE_BRIEF), folder / "out", theme="modern")


@pytest.mark.parametrize("kind", ["memo", "handout"])
def it_writes_tagged_pdf_ua_with_language_title_and_alt_text(figure_build, kind):
    path = next(o.path for o in figure_build.outputs if o.kind == kind)
    with pikepdf.open(path) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in pdf.Root
        assert str(pdf.Root.Lang) == "en"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert str(pdf.docinfo.Title) == "Figure test"
        alts = figures(pdf)
        expected = {"memo": ["Policy Analysis Unit", "Bar chart of five values"],
                    "handout": ["Policy Analysis Unit", "QR code: https://example.org/x"]}
        assert alts == expected[kind]
        with pdf.open_metadata() as meta:
            assert meta.get("pdfuaid:part") == "1"


def it_scopes_every_header_cell_of_the_memo_header_table(figure_build):
    # PDF/UA-1 (Matterhorn 15-003): a TH needs /Scope in its table attributes; WeasyPrint
    # writes only /O.
    path = next(o.path for o in figure_build.outputs if o.kind == "memo")
    with pikepdf.open(path) as pdf:
        headers = structure_elements(pdf, "/TH")
        assert len(headers) == 2  # Date and Subject: the brief names no to, from or authors
        for th in headers:
            assert th.A.O == "/Table"
            assert th.A.Scope == "/Row"
        for td in structure_elements(pdf, "/TD"):
            assert len(td.A.Headers) == 1


def it_passes_qpdf_check(figure_build):
    assert shutil.which("qpdf"), "qpdf is not installed: run scripts/test-deps"
    for out in figure_build.outputs:
        if out.path.suffix == ".pdf":
            run = subprocess.run(["qpdf", "--check", str(out.path)], capture_output=True)
            assert run.returncode == 0, run.stdout


def it_gives_byte_identical_outputs_in_two_processes(tmp_path):
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1764000000"}
    for run in ("a", "b"):
        subprocess.run([sys.executable, "-m", "briefgen.cli", "build", str(EXAMPLE),
                        "-o", str(tmp_path / run)], check=True, env=env, capture_output=True)
    names = ["memo.pdf", "handout.pdf", "deck.pptx"]
    for name in names:
        a = (tmp_path / "a" / "sanctuary-cities" / name).read_bytes()
        b = (tmp_path / "b" / "sanctuary-cities" / name).read_bytes()
        assert a == b, name
    with pikepdf.open(tmp_path / "a" / "sanctuary-cities" / "memo.pdf") as pdf:
        assert str(pdf.docinfo.CreationDate).startswith("D:20251124")
