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
