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
    "json") of `entries` entries, instead of from its own sources: list. Written into folder;
    returns the brief's path."""
    import json

    import yaml

    text = EXAMPLE.read_text(encoding="utf-8")
    head, _, rest = text.partition("\nsources:\n")
    _, _, tail = rest.partition("\nhandout:\n")
    seed = yaml.safe_load(text)["sources"]
    items = []
    for s in seed:
        authors = s.get("author") or []
        items.append({"id": s["id"], "type": "report", "title": s["title"],
                      "author": [{"literal": a} for a in ([authors] if isinstance(authors, str)
                                                          else authors)],
                      "publisher": s.get("publisher", ""), "issued": str(s.get("date", "")),
                      "URL": s.get("url", "")})
    for i in range(entries - len(items)):  # the rest of a working library, never cited
        items.append({"id": f"author{i}Policy{2000 + i % 25}", "type": "article-journal",
                      "title": f"Local policy and federal enforcement, study {i}",
                      "author": [{"family": f"Author{i}", "given": "Ana M."},
                                 {"family": "Example", "given": "Lee"}],
                      "publisher": "Journal of Policy Examples", "issued": str(2000 + i % 25),
                      "URL": f"https://doi.org/10.1000/example.{i}", "volume": str(i % 40),
                      "page": f"{i % 300}-{i % 300 + 20}"})
    library = folder / f"library.{kind}"
    if kind == "json":
        for item in items:
            item["author"] = item["author"] or []
            item["issued"] = {"date-parts": [[int(p) for p in item["issued"].split("-")]]} \
                if item["issued"] else {}
        library.write_text(json.dumps(items, ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        def names(item):
            return " and ".join("{" + a["literal"] + "}" if "literal" in a
                                else f"{a['family']}, {a['given']}" for a in item["author"])
        blocks = []
        for item in items:
            kind_ = "report" if item["type"] == "report" else "article"
            where = "institution" if kind_ == "report" else "journaltitle"
            fields = [("title", "{" + item["title"] + "}"), ("author", names(item)),
                      (where, item["publisher"]), ("date", item["issued"]),
                      ("url", item["URL"]), ("volume", item.get("volume")),
                      ("pages", item.get("page"))]
            blocks.append(f"@{kind_}{{{item['id']},\n" + ",\n".join(
                f"  {k} = {{{v}}}" for k, v in fields if v) + "\n}\n")
        library.write_text("\n".join(blocks), encoding="utf-8")
    brief = folder / f"with-{kind}.yaml"
    brief.write_text(f"{head}\nbibliography: {library.name}\nhandout:\n{tail}", encoding="utf-8")
    return brief
