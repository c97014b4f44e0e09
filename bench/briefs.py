"""Briefs the benchmark builds: the example, a generated 10x brief, a batch of 50 variants."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "briefs" / "sanctuary-cities.yaml"


def ten_x_brief(sections: int = 70, sources: int = 130) -> str:
    """About ten times the example: 70 sections of the example's size, 130 sources."""
    lines = ["title: A ten-times brief on local cooperation with federal enforcement",
             "date: 2026-11-24", "authors: [Policy Analysis Unit]",
             "memo: {to: Members of the Committee, from: Policy Analysis Unit}",
             "summary: |",
             "  The bottom line comes first and cites its evidence [@s1; @s2; @s3]. It then",
             "  weighs what the other side says and why it matters here [@s4; @s5].",
             "sections:"]
    per = -(-sources // sections)
    for i in range(sections):
        ids = [f"@s{j}" for j in range(i * per + 1, min((i + 1) * per, sources) + 1)]
        body = " ".join(f"Sentence {k} of section {i} sets out the evidence and what it means "
                        "for local policy." for k in range(5))
        cites = f" [{'; '.join(ids)}]" if ids else ""
        lines += [f'  - heading: "Finding {i}: what the evidence on topic {i} shows"',
                  "    body: |", f"      {body}{cites}",
                  f'    takeaway: "Topic {i} matters."']
    lines.append("sources:")
    for j in range(1, sources + 1):
        lines.append(f'  - {{id: s{j}, title: "Report {j} on local and federal policy", '
                     f'publisher: Institute of Examples, date: 2024-05, '
                     f'url: "https://example.org/reports/{j}"}}')
    return "\n".join(lines) + "\n"


def batch(folder: Path, count: int = 50) -> list[Path]:
    """count seed-sized briefs that differ in title and date, as a shop's week of briefs would."""
    text = EXAMPLE.read_text(encoding="utf-8")
    paths = []
    for i in range(count):
        path = folder / f"brief-{i:02d}.yaml"
        path.write_text(text.replace("title: \"Why don't", f"title: \"({i + 1}) Why don't", 1)
                        .replace("date: 2026-11-24", f"date: 2026-11-{(i % 28) + 1:02d}", 1),
                        encoding="utf-8")
        paths.append(path)
    return paths


# Made-up numbers: the bench times them, nobody reads them.
_TABLE_AND_CHART = """    table:
      caption: "Illustrative table for the benchmark [@crs-r44795]"
      columns: [{name: County}, {name: Detainers, format: "#,##0"}, {name: "Honoured, %", format: "0.0"}]
      rows:
""" + "".join(f"        - [County {i}, {1000 + 37 * i}, {40 + i % 7}.5]\n" for i in range(12)) + """    chart:
      type: column
      title: Illustrative chart for the benchmark
      categories: ["2019", "2020", "2021", "2022", "2023"]
      series:
        - {name: Sanctuary, values: [10, 8, 7, 7, 6]}
        - {name: Other, values: [12, 12, 11, 12, 11]}
      unit: thousands
      alt: "Illustrative column chart for the benchmark"
      caption: "Illustrative numbers [@crs-r44795]"
"""


def with_table_and_chart() -> str:
    """The example with one table and one chart added to its first section."""
    text = EXAMPLE.read_text(encoding="utf-8")
    anchor = "    bullets:\n"  # the first section's bullets come after its body and takeaway
    head, sep, tail = text.partition(anchor)
    return head + _TABLE_AND_CHART + sep + tail


def library_brief(folder: Path, kind: str, entries: int = 5000) -> Path:
    """The example citing its 13 sources from a Zotero-sized bibliography file (kind: "bib" or
    "json") of `entries` entries, instead of from its own sources: list: the 13 as in
    tests/data/bib/seed.* (which print exactly as the brief's own), then the rest of a working
    library, never cited. Written into folder; returns the brief's path."""
    import json

    seed = (ROOT / "tests" / "data" / "bib" / f"seed.{kind}").read_text(encoding="utf-8")
    rest = [{"id": f"author{i}Policy{2000 + i % 25}", "title": f"Local policy and federal "
             f"enforcement, study {i}", "family": f"Author{i}", "year": 2000 + i % 25,
             "volume": i % 40, "pages": f"{i % 300}-{i % 300 + 20}"}
            for i in range(entries - 13)]
    library = folder / f"library.{kind}"
    if kind == "json":
        items = json.loads(seed) + [
            {"id": r["id"], "type": "article-journal", "title": r["title"],
             "author": [{"family": r["family"], "given": "Ana M."},
                        {"family": "Example", "given": "Lee"}],
             "container-title": "Journal of Policy Examples", "volume": str(r["volume"]),
             "page": r["pages"], "issued": {"date-parts": [[r["year"]]]},
             "DOI": f"10.1000/example.{r['id']}"} for r in rest]
        library.write_text(json.dumps(items, ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        library.write_text(seed + "".join(
            f"\n@article{{{r['id']},\n  title = {{{r['title']}}},\n"
            f"  author = {{{r['family']}, Ana M. and Example, Lee}},\n"
            f"  journaltitle = {{Journal of Policy Examples}},\n  date = {{{r['year']}}},\n"
            f"  volume = {{{r['volume']}}},\n  pages = {{{r['pages'].replace('-', '--')}}},\n"
            f"  doi = {{10.1000/example.{r['id']}}}\n}}\n" for r in rest), encoding="utf-8")
    text = EXAMPLE.read_text(encoding="utf-8")
    head, _, rest_of_brief = text.partition("\nsources:\n")
    _, _, tail = rest_of_brief.partition("\nhandout:\n")
    brief = folder / f"with-{kind}.yaml"
    brief.write_text(f"{head}\nbibliography: {library.name}\nhandout:\n{tail}", encoding="utf-8")
    return brief
