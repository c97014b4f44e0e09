"""Every hostile or broken brief and theme in tests/hostile/ ends the way expected.yaml says:
exit 2 with its file:line:col message (or, for text that must print literally, a clean build),
within 10 s, in under 500 MB, reading nothing outside the brief's and theme's folders, touching
no network address, and leaving earlier outputs untouched."""
import json
import resource
import subprocess
import sys

import pytest
import yaml

from .conftest import ROOT, pdf_pages

EXPECTED = yaml.safe_load((ROOT / "tests" / "hostile" / "expected.yaml").read_text("utf-8"))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile") / "report.json"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run([sys.executable, "-m", "tests.hostile_harness", str(out)], cwd=ROOT,
                   check=True, timeout=600)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    results = {r["case"]: r for r in json.loads(out.read_text())}
    return results, max(peak_kb, before)


def it_has_at_least_forty_cases_each_with_an_expectation(report):
    results, _ = report
    assert len(results) >= 40
    assert sorted(results) == sorted(EXPECTED)


def it_stays_under_500_mb_for_the_whole_corpus(report):
    _, peak_kb = report
    assert peak_kb < 500 * 1024


@pytest.mark.parametrize("case", sorted(EXPECTED))
def it_handles_the_case(report, case):
    results, _ = report
    r = results[case]
    code, text = EXPECTED[case]
    assert r["exit"] == code, r["stderr"]
    assert "Traceback" not in r["stderr"]
    assert r["seconds"] < 10
    assert r["outside"] == [], "read outside the brief's and theme's folders"
    assert r["network"] == [], "touched the network"
    assert r["earlier_kept"], "an earlier output was changed"
    if code == 2:
        assert r["stderr"].splitlines()[0] == text
        assert len(r["files"]) == 1, f"a failed build left files: {r['files']}"
    else:
        memo = " ".join(" ".join(pdf_pages(r["memo"])).split())
        assert text in memo
