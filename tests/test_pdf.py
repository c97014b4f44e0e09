import fcntl
import gc
import os
import re
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from briefgen.errors import BriefError, Loc
from briefgen.hyphens import hand_over_hyphenation, load_hyphenation, take_hyphenation
from briefgen.pdf import release, render_pdf, write_pdf

from .conftest import ROOT

PNG = (ROOT / "tests" / "data" / "chart.png").read_bytes()


@pytest.fixture
def folders(tmp_path):
    brief = tmp_path / "brief"
    brief.mkdir()
    (brief / "inside.png").write_bytes(PNG)
    (tmp_path / "outside.png").write_bytes(PNG)
    (brief / "link.png").symlink_to(tmp_path / "outside.png")
    return brief


def render(html, brief):
    return render_pdf(html, brief, [brief], Loc("brief.yaml"))


def it_reads_images_inside_the_allowed_folder(folders):
    doc = render('<img src="inside.png" alt="chart">', folders)
    assert len(doc.pages) == 1


@pytest.mark.parametrize("src", [
    "file:///etc/passwd",
    "../outside.png",
    "..%2Foutside.png",
    "link.png",
    "/dev/zero",
    "missing.png",
])
def it_refuses_every_file_outside_the_allowed_folders(folders, src):
    with pytest.raises(BriefError) as e:
        render(f'<img src="{src}" alt="x">', folders)
    assert str(e.value).startswith("brief.yaml:1:1: refused to read ")


def it_refuses_stylesheets_and_attachments_from_elsewhere(folders):
    with pytest.raises(BriefError):
        render('<style>@import url("file:///etc/hostname");</style><p>x</p>', folders)
    doc = render('<link rel="attachment" href="file:///etc/passwd"><p>x</p>', folders)
    with pytest.raises(BriefError) as e:
        write_pdf(doc, folders / "out.pdf", Loc("brief.yaml"))
    assert "refused to read file:///etc/passwd" in str(e.value)


def it_contacts_no_host(folders):
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/x.png"
        with pytest.raises(BriefError) as e:
            render(f'<img src="{url}" alt="x">', folders)
        assert url in str(e.value)
    finally:
        server.shutdown()
    assert hits == []
    assert os.path.exists(folders / "inside.png")


def it_fails_when_an_svg_reaches_outside(folders):
    (folders / "figure.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="100" height="100"><image xlink:href="file:///etc/hostname" width="10" '
        'height="10"/><text y="20">hi</text></svg>')
    # WeasyPrint fetches an SVG's own resources while drawing (writing); the fetcher follows
    # them when it serves the SVG, so the refusal comes before anything is laid out.
    with pytest.raises(BriefError) as e:
        render('<img src="figure.svg" alt="x">', folders)
    assert "refused to read file:///etc/hostname" in str(e.value)


def it_fetches_a_shared_font_again_for_other_folders(folders, tmp_path):
    # Renders share loaded fonts, and a loaded font is not fetched again: the allowed folders
    # must be part of what is shared, or a second render could use a font it may not read.
    font = ROOT / "themes" / "default" / "fonts" / "Carlito-Regular.ttf"
    (folders / "f.ttf").write_bytes(font.read_bytes())
    html = (f'<style>@font-face {{ font-family: T; src: url("{(folders / "f.ttf").as_uri()}") }}'
            '</style><p style="font-family: T">x</p>')
    assert len(render(html, folders).pages) == 1
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with pytest.raises(BriefError) as e:
        render_pdf(html, elsewhere, [elsewhere], Loc("brief.yaml"))
    assert "outside the brief's and theme's folders" in str(e.value)


def it_leaves_the_fonts_a_forked_child_inherited_to_their_maker(folders, tmp_path, monkeypatch):
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    font = ROOT / "themes" / "default" / "fonts" / "Carlito-Regular.ttf"
    (folders / "f.ttf").write_bytes(font.read_bytes())
    html = (f'<style>@font-face {{ font-family: T2; src: url("{(folders / "f.ttf").as_uri()}") }}'
            '</style><p style="font-family: T2">x</p>')
    render(html, folders)
    [copies] = temp.iterdir()  # WeasyPrint's copy of the font, which later renders reuse
    pid = os.fork()
    if pid == 0:  # a child leaving as build's children do: release, then _exit
        try:
            release()
            gc.collect()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert list(copies.iterdir()), "the child deleted its parent's font copies"
    assert len(render(html, folders).pages) == 1
    release()
    assert list(temp.iterdir()) == []


@pytest.fixture
def hyphenation(tmp_path, monkeypatch):
    """An empty cache folder, and pyphen as if it had loaded no dictionary in this process."""
    import pyphen

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(pyphen, "hdcache", {})
    return tmp_path / "cache" / "briefgen"


def _words(lang, words):
    import pyphen

    dic = pyphen.Pyphen(lang=lang)
    return [list(dic.iterate(w)) for w in words]


@pytest.mark.parametrize("lang, words", [
    ("en-US", ["jurisdictions", "immigration", "enforcement", "cooperation"]),
    # Catalan's l·l splits as l-l: patterns that carry data beyond a number
    ("ca", ["col·lecció", "intel·ligent"]),
])
def it_loads_hyphenation_patterns_from_its_cache_as_pyphen_parses_them(hyphenation, monkeypatch,
                                                                       lang, words):
    import pyphen

    load_hyphenation(lang)
    kept = list(hyphenation.glob("hyphenation-*.json"))
    assert len(kept) == 1
    assert hyphenation.stat().st_mode & 0o777 == 0o700  # only this user may change hyphenation
    parsed = _words(lang, words)
    assert any(parsed), "the sample words must hyphenate somewhere"

    pyphen.hdcache.clear()  # a new process: the copy, and no parsing at all
    monkeypatch.setattr(pyphen.HyphDict, "__init__", lambda *a: pytest.fail("parsed again"))
    load_hyphenation(lang)
    assert _words(lang, words) == parsed


@pytest.mark.parametrize("lang, words", [
    ("en-GB", ["jurisdictions", "immigration"]),
    ("ca", ["col·lecció", "intel·ligent"]),
])
def it_hands_patterns_over_through_a_pipe_and_keeps_a_copy_once(hyphenation, monkeypatch, lang,
                                                                words):
    import pyphen

    parsed = _words(lang, words)
    for _ in range(2):  # parsed and then kept; then from the copy
        pyphen.hdcache.clear()
        read, write = os.pipe()
        fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, 1 << 20)  # as a build's: it holds them all
        hand_over_hyphenation(lang, write)
        pyphen.hdcache.clear()  # the parent: it loads what was sent, and parses nothing
        with monkeypatch.context() as m:
            m.setattr(pyphen.HyphDict, "__init__", lambda *a: pytest.fail("parsed again"))
            take_hyphenation(read)
            assert len(pyphen.hdcache) == 1  # what was sent, not the copy
            load_hyphenation(lang)
            assert _words(lang, words) == parsed
        os.close(read)
        assert len(list(hyphenation.glob("hyphenation-*.json"))) == 1
    pyphen.hdcache.clear()
    read, write = os.pipe()
    os.close(read)  # the parent loaded them itself: nothing to send, or to parse
    for copy in hyphenation.glob("hyphenation-*.json"):
        copy.unlink()
    with monkeypatch.context() as m:
        m.setattr(pyphen.HyphDict, "__init__", lambda *a: pytest.fail("parsed for no one"))
        hand_over_hyphenation(lang, write)
    for sent in (None, b"cut short"):  # nothing sent (the child failed), or not all of it
        pyphen.hdcache.clear()
        read, write = os.pipe()
        if sent:
            os.write(write, sent)
        os.close(write)
        take_hyphenation(read)
        os.close(read)
        assert not pyphen.hdcache


def it_parses_again_over_a_damaged_or_stale_cache_and_never_fails_over_one(hyphenation,
                                                                          tmp_path):
    import json

    import pyphen

    stale = hyphenation / "hyphenation-hyph_en_GB-pyphen0.1-1.json"  # from an older pyphen
    hyphenation.mkdir(parents=True, mode=0o755)
    stale.write_text("{}")
    load_hyphenation("en")
    assert hyphenation.stat().st_mode & 0o777 == 0o700  # closed to others, though it was open
    [kept] = hyphenation.glob("*.json")  # the stale copy is gone
    whole = kept.read_bytes()
    parsed = _words("en", ["jurisdictions", "cooperation"])
    wrong = json.loads(whole)
    first = next(iter(wrong["points"]))
    wrong["points"][first][1] = ["2"]  # the right shape, a wrong type: would fail mid-render
    no_split = json.loads(whole)
    no_split["data"][first] = [[0, "xx", 0, 1]]  # a break pyphen cannot split at "="
    for damage in (whole[:1000],  # cut short, as by a full disk
                   whole.replace(b"[", b'["x",', 1),  # JSON, but not patterns
                   json.dumps(wrong).encode(), json.dumps(no_split).encode(),
                   None):  # a named pipe, which a read would wait on for ever
        kept.unlink()
        if damage is None:
            os.mkfifo(kept)
        else:
            kept.write_bytes(damage)
        pyphen.hdcache.clear()
        load_hyphenation("en")
        assert kept.read_bytes() == whole  # parsed again and written whole
        assert _words("en", ["jurisdictions", "cooperation"]) == parsed
    assert json.loads(whole)["maxlen"] > 0

    pyphen.hdcache.clear()
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    os.environ["XDG_CACHE_HOME"] = str(blocked)  # restored by the fixture's monkeypatch
    load_hyphenation("en")
    assert pyphen.hdcache, "loaded all the same"
    load_hyphenation("xx")  # no dictionary: WeasyPrint does not hyphenate it
    assert len(pyphen.hdcache) == 1


def it_ignores_a_relative_cache_home_as_the_xdg_spec_asks(monkeypatch):
    from briefgen.cache import cache_folder

    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert cache_folder() == Path.home() / ".cache" / "briefgen"
    monkeypatch.setenv("XDG_CACHE_HOME", "/abs/cache")
    assert cache_folder() == Path("/abs/cache/briefgen")


def it_makes_array_types_as_cffi_does_without_parsing_their_names(folders, monkeypatch):
    from weasyprint.text.ffi import ffi

    # The object cffi's own parser would give, the very same one.
    def parse(name):
        with ffi._lock:
            return ffi._get_cached_btype(ffi._parser.parse_type(name))

    assert ffi.typeof("hb_codepoint_t[4242]") is parse("hb_codepoint_t[4242]")
    assert ffi.typeof("char [7]") is parse("char[7]")
    parsed = []
    real = ffi._parser.parse_type
    monkeypatch.setattr(ffi._parser, "parse_type", lambda name: parsed.append(name) or real(name))
    # A text of a glyph count no earlier test wrote: new array names when its fonts are subset.
    words = " ".join(f"Word{n}" for n in range(97))
    document = render(f"<html lang=en><p>{words}</p><p><b>{words}</b></p>", folders)
    write_pdf(document, folders / "out.pdf", Loc("brief.yaml"))
    assert (folders / "out.pdf").stat().st_size > 1000
    assert [n for n in parsed if re.search(r"\[\d+\]", n)] == []  # 'char[]' is parsed once


DEFERRED = """
import io, sys
import briefgen.pdf
rare = ("fontTools.subset", "fontTools.varLib.instancer", "PIL.ImageCms")
print("imported:", [name for name in rare if name in sys.modules])
import weasyprint.css, weasyprint.pdf.fonts as fonts
from fontTools.ttLib import TTFont
from PIL import ImageCms
# Colour management, as an @color-profile would use it: the real class's object.
icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
profile = weasyprint.css.ImageCmsProfile(io.BytesIO(icc))
print("profile:", type(profile) is ImageCms.ImageCmsProfile)
# The instancer, as a variable font would use it: the real function's own complaint.
try:
    fonts.instantiateVariableFont(TTFont(), {"wght": 400})
except Exception as e:  # a font without axes: the real function says so, with its own error
    print("instancer:", type(sys.modules["fontTools.varLib.instancer"]).__name__, str(e)[:30])
# fontTools' subsetter, where HarfBuzz cannot subset.
fonts.harfbuzz_subset = None
from briefgen.errors import Loc
from briefgen.pdf import render_pdf, write_pdf
from pathlib import Path
folder = Path(sys.argv[1])
face = "@font-face { font-family: T; src: url(%s) }" % sys.argv[2]
document = render_pdf(f"<html lang=en><style>{face} p {{ font-family: T }}</style>"
                      "<p>Subset by fontTools</p>", folder, [folder, Path(sys.argv[2]).parent],
                      Loc("brief.yaml"))
write_pdf(document, folder / "out.pdf", Loc("brief.yaml"))
print("subset:", type(sys.modules["fontTools.subset"]).__name__, fonts.subset.Options)
"""


def it_imports_what_weasyprint_rarely_needs_only_when_it_is_used(folders):
    import subprocess
    import sys

    from pypdf import PdfReader

    font = ROOT / "themes" / "default" / "fonts" / "Carlito-Regular.ttf"
    done = subprocess.run([sys.executable, "-c", DEFERRED, str(folders), str(font)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:3] == ["imported: []", "profile: True", "instancer: module Missing required table fvar"]
    assert lines[3] == "subset: module <class 'fontTools.subset.Options'>"
    pdf = PdfReader(str(folders / "out.pdf"))
    assert "Subset by fontTools" in pdf.pages[0].extract_text()
    # Subset: the font in the file is a small part of the 600 KB face.
    embedded = [obj for obj in (o.get_object() for o in pdf.resolved_objects.values())
                if hasattr(obj, "get") and obj.get("/Length1")]
    assert 0 < len(embedded[0].get_data()) < font.stat().st_size / 4


# -- limits on what an image draws (a figure's own check in load.py sees only its folder) ----

HUGE = (ROOT / "tests" / "hostile" / "assets" / "huge-144mp.png").read_bytes()  # 12000x12000


def svg(body: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
            f' width="100" height="100">{body}</svg>')


def it_refuses_an_svg_that_shows_a_huge_png_from_another_folder(folders):
    (folders / "huge.png").write_bytes(HUGE)
    (folders / "art").mkdir()
    (folders / "art" / "x.svg").write_text(svg('<image href="../huge.png" width="9" height="9"/>'))
    with pytest.raises(BriefError) as e:
        render('<img src="art/x.svg" alt="x">', folders)
    assert str(e.value) == ("brief.yaml:1:1: refused to read art/x.svg: it embeds huge.png, which "
                            "is 12000x12000 pixels; at most 40 megapixels can be printed")


def it_refuses_a_huge_png_in_a_data_uri_and_a_huge_image_anywhere(folders):
    import base64

    data = base64.b64encode(HUGE).decode()
    (folders / "x.svg").write_text(svg(f'<image href="data:image/png;base64,{data}"/>'))
    with pytest.raises(BriefError) as e:
        render('<img src="x.svg" alt="x">', folders)
    assert str(e.value) == ("brief.yaml:1:1: refused to read x.svg: it embeds a data: image, "
                            "which is 12000x12000 pixels; at most 40 megapixels can be printed")
    (folders / "huge.png").write_bytes(HUGE)
    with pytest.raises(BriefError) as e:  # a theme's CSS background, say
        render('<p style="background: url(huge.png)">x</p>', folders)
    assert str(e.value) == ("brief.yaml:1:1: refused to read huge.png: it is 12000x12000 pixels; "
                            "at most 40 megapixels can be printed")


def it_refuses_svgs_that_show_each_other_across_folders(folders):
    for name, other in (("a", "b"), ("b", "a")):
        (folders / name).mkdir()
        (folders / name / "x.svg").write_text(svg(
            f'<image href="../{other}/x.svg" width="9" height="9"/>' * 2))
    with pytest.raises(BriefError) as e:
        render('<img src="a/x.svg" alt="x">', folders)
    assert str(e.value) == ("brief.yaml:1:1: refused to read a/x.svg: it shows itself (a/x.svg "
                            "-> b/x.svg -> a/x.svg): it would never finish drawing; remove the "
                            "loop")


def it_refuses_svgs_nested_too_deep_and_use_copies_past_the_limit(folders):
    for i in range(4):
        (folders / f"n{i}.svg").write_text(svg(f'<image href="n{i + 1}.svg"/>' if i < 3 else
                                               '<rect width="1" height="1"/>'))
    (folders / "sub").mkdir()
    (folders / "sub" / "top.svg").write_text(svg('<image href="../n0.svg"/>'))
    with pytest.raises(BriefError) as e:
        render('<img src="sub/top.svg" alt="x">', folders)
    assert str(e.value) == ("brief.yaml:1:1: refused to read sub/top.svg: it shows SVGs inside "
                            "SVGs more than 3 deep (sub/top.svg -> n0.svg -> n1.svg -> n2.svg); "
                            "at most 3 can be drawn")
    assert len(render('<img src="n1.svg" alt="x">', folders).pages) == 1  # 3 deep: drawn
    levels = ['<g id="l0"><rect width="1" height="1"/></g>'] + [
        f'<g id="l{i}">' + f'<use href="#l{i - 1}"/>' * 10 + "</g>" for i in range(1, 6)]
    (folders / "bomb.svg").write_text(svg("<defs>" + "".join(levels) + '</defs><use href="#l5"/>'))
    with pytest.raises(BriefError) as e:
        render('<img src="bomb.svg" alt="x">', folders)
    assert str(e.value) == ("brief.yaml:1:1: refused to read bomb.svg: it draws more than 20,000 "
                            "elements, counting each copy <use> makes; simplify it or give a PNG")


def it_writes_the_same_bytes_from_any_folder(tmp_path):
    # WeasyPrint named each image in the PDF after a hash of its absolute path.
    import shutil

    from briefgen.build import build

    outputs = {}
    for where in ("a", "bb/deeper"):
        folder = tmp_path / where
        shutil.copytree(ROOT / "themes" / "modern", folder / "theme")  # it has a logo
        (folder / "brief").mkdir()
        (folder / "brief" / "chart.png").write_bytes(PNG)
        (folder / "brief" / "x.yaml").write_text(
            "title: A brief\ndate: 2026-11-24\nsummary: Bottom line [@a].\n"
            "sections:\n  - heading: One\n    body: Text [@a].\n"
            "    figure: {path: chart.png, alt: Five bars}\nsources:\n  - {id: a, title: A}\n")
        result = build(folder / "brief" / "x.yaml", folder / "out", theme=str(folder / "theme"))
        outputs[where] = {o.kind: o.path.read_bytes() for o in result.outputs}
    assert sorted(outputs["a"]) == ["deck", "handout", "memo"]
    for kind, data in outputs["a"].items():
        assert data == outputs["bb/deeper"][kind], kind
