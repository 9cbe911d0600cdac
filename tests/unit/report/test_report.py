"""The reports say what results.json says: each is parsed back and compared case by case.

The fixtures under tests/data are trimmed results.json files of real runs (LiteLLM 1.106.1 with the
generated config: 24 cases of the first cassettes, and the sessions of Codex 0.171.0 on 8 routes, among them
remote compaction; 1.83.14 and 1.106.1 with examples/reported-bugs.yaml).
"""

from __future__ import annotations

import copy
import html
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from codex_gateway_contracts import report
from codex_gateway_contracts.core.verdict import CaseResult, Finding

from ...conftest import ROOT

DATA = ROOT / "tests" / "data"
FIXTURES = [
    "results-1.106.1-default.json",
    "results-1.83.14-reported-bugs.json",
    "results-1.106.1-reported-bugs.json",
    "results-1.106.1-sessions.json",
]


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return document


def with_odd_cases(document: dict[str, Any]) -> dict[str, Any]:
    """The real document plus an error, a skipped case and a path with Markdown/HTML metacharacters."""
    doc = copy.deepcopy(document)
    first = doc["cases"][0]
    doc["cases"][1] = {**doc["cases"][1], "verdict": "error", "findings": [_finding("error", "", "timed out")]}
    doc["cases"][2] = {**doc["cases"][2], "verdict": "skipped", "findings": [_finding("skipped", "", "no provider")]}
    doc["cases"][0] = {
        **first,
        "verdict": "drop",
        "findings": [_finding("drop", "tools[1].a|b<script>", "dropped & <gone>")],
    }
    for index, case in enumerate(doc["cases"]):  # a route whose provider the catalogue does not know
        if case["route"] == "claude-sonnet-4-6":
            doc["cases"][index] = {**case, "verdict": "skipped", "findings": [_finding("skipped", "", "unknown")]}
    doc["summary"] = dict(sorted(Counter(c["verdict"] for c in doc["cases"]).items()))
    return doc


def _finding(kind: str, path: str, message: str) -> dict[str, Any]:
    return {"kind": kind, "path": path, "origin": None, "message": message, "request": 0}


def expected_verdicts(document: dict[str, Any]) -> dict[str, str]:
    return {case["id"]: case["verdict"] for case in document["cases"]}


# -- parsers ---------------------------------------------------------------------------------------
def split_row(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip())
    return [cell.strip() for cell in cells[1:-1]]


def first_code(cell: str) -> str:
    match = re.search(r"`([^`]*)`", cell)
    assert match, cell
    return match.group(1).replace("\\|", "|")


def codes(cell: str) -> list[str]:
    return [code.replace("\\|", "|") for code in re.findall(r"`([^`]*)`", cell)]


def tables(text: str) -> list[list[str]]:
    """Every Markdown table of a document, as its lines."""
    found: list[list[str]] = []
    current: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            found.append(current)
            current = []
    return found


def markdown_routes(text: str) -> dict[str, list[str]]:
    """The route table (the first table of report.md): route -> its cells."""
    header, _rule, *rows = tables(text)[0]
    assert split_row(header)[:4] == ["route", "provider", "endpoint", "Codex works?"]
    return {first_code(cells[0]): cells for cells in map(split_row, rows)}


def markdown_verdicts(text: str) -> dict[str, str]:
    """Every case of the per-route tables (scenarios down, Codex versions across)."""
    verdicts = {}
    for block in re.findall(r"<details><summary><code>(.*?)</code>.*?</summary>(.*?)</details>", text, re.S):
        route = html.unescape(block[0])
        for table in tables(block[1]):
            header = split_row(table[0])
            assert header[0] == "scenario"
            versions = [first_code(cell) for cell in header[1:]]
            for line in table[2:]:
                cells = split_row(line)
                assert len(cells) == len(header), line
                scenario = first_code(cells[0])
                for version, cell in zip(versions, cells[1:], strict=True):
                    if cell == "—":
                        continue
                    mark, word = cell.split(" ", 2)[:2]
                    assert report.MARKS[word.rstrip(":")] == mark
                    verdicts[f"{version}/{scenario}-{route}"] = word.rstrip(":")
    return verdicts


class CaseRows(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self.cells: dict[str, dict[str, str]] = {}
        self.routes: dict[str, dict[str, str]] = {}
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "tr" and "data-id" in values:
            self.rows[values["data-id"]] = values
        if tag == "td" and "data-id" in values:
            self.cells[values["data-id"]] = values
        if tag == "tr" and "data-answer" in values:
            self.routes[values["data-route"]] = values
        for name in ("src", "href"):
            if name in values:
                self.external.append(values[name])
        if tag == "link":
            self.external.append(str(values))


def html_rows(text: str) -> CaseRows:
    parser = CaseRows()
    parser.feed(text)
    return parser


def junit_verdicts(text: str) -> dict[str, tuple[str, str]]:
    root = ET.fromstring(text)
    out = {}
    for case in root.iter("testcase"):
        children = list(case)
        if not children:
            out[case.attrib["name"]] = ("pass", "")
        else:
            (child,) = children
            verdict = {"error": "error", "skipped": "skipped"}.get(child.tag, child.attrib["type"])
            if child.tag != "failure":
                assert child.attrib["type"] == verdict
            out[case.attrib["name"]] = (verdict, child.attrib["message"])
    return out


# -- what the route table must say, computed here from the documented rule, not by report/routes.py ----
def breaks(finding: dict[str, Any]) -> bool:
    if finding["kind"] == "leak":
        effect = finding.get("effect")
        return effect not in ("ignored", "unverified") or (effect == "unverified" and finding["policy"] == "reject")
    return finding["kind"] not in ("pass", "skipped")


def expected_routes(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    routes: dict[str, list[dict[str, Any]]] = {}
    for case in document["cases"]:
        routes.setdefault(case["route"], []).append(case)
    out = {}
    for route, cases in routes.items():
        findings = [f for c in cases for f in c["findings"]]
        leaks = [f for f in findings if f["kind"] == "leak"]
        rejected = [f for f in findings if breaks(f) and f["kind"] in ("leak", "upstream_reject")]
        remote = [c for c in cases if c.get("remote_compaction")]
        ordinary = [c for c in cases if not c.get("remote_compaction")] or remote
        judged_remote = [c for c in remote if c["verdict"] != "skipped"] if ordinary is not remote else []
        compaction = None
        if judged_remote:
            compaction = "breaks" if any(breaks(f) for c in judged_remote for f in c["findings"]) else "yes"
        if all(c["verdict"] == "skipped" for c in ordinary):
            answer = "unjudged"
        elif any(breaks(f) for c in ordinary for f in c["findings"]):
            answer = "breaks"
        elif compaction == "breaks":
            answer = "no_compaction"
        else:
            answer = "lost" if leaks else "yes"
        out[route] = {
            "answer": answer,
            "compaction": compaction,
            "rejected": sorted({report.field_pattern(f["path"]) for f in rejected if f["path"]}),
            "ignored": sorted({report.field_pattern(f["path"]) for f in leaks if not breaks(f)}),
            "drops": sorted({report.field_pattern(f["path"]) for f in findings if f["kind"] == "drop"}),
            "passing": f"{sum(c['verdict'] == 'pass' for c in cases)}/{len(cases)}",
        }
    return out


WORDS = {
    "yes": "✅ yes",
    "lost": "🟨 works, settings lost",
    "no_compaction": "🔶 works, remote compaction breaks",
    "breaks": "❌ breaks",
    "unjudged": "⏭️ not judged",
}
COMPACTION = {None: "—", "yes": "✅ works", "breaks": "❌ breaks"}


def shown(cell: str, expected: list[str]) -> None:
    """A list cell shows the first fields of the expected list and counts the rest."""
    if not expected:
        assert cell == "—"
        return
    assert codes(cell) == expected[: len(codes(cell))]
    more = re.search(r"\+(\d+) more", cell)
    assert len(codes(cell)) + (int(more.group(1)) if more else 0) == len(expected)


# -- the reports agree with results.json ------------------------------------------------------------
@pytest.fixture(params=[*FIXTURES, "odd"])
def document(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "odd":
        return with_odd_cases(load(FIXTURES[0]))
    return load(request.param)


def test_markdown_matrix_has_every_verdict(document: dict[str, Any]) -> None:
    assert markdown_verdicts(report.render_markdown(document)) == expected_verdicts(document)


def test_route_table_comes_first_and_says_what_results_json_says(document: dict[str, Any]) -> None:
    text = report.render_markdown(document)
    assert text.splitlines()[2].startswith("| route | provider | endpoint | Codex works? |")  # right after the title
    rows = markdown_routes(text)
    expected = expected_routes(document)
    assert set(rows) == set(expected)
    for route, want in expected.items():
        _, _, _, works, compaction, rejected, ignored, drops, passing = rows[route]
        assert works.startswith(WORDS[want["answer"]]), (route, works)
        assert compaction.startswith(COMPACTION[want["compaction"]]), (route, compaction)
        if want["answer"] == "breaks":  # names one of the breaking fields
            blocker = codes(works)
            assert not blocker or blocker[0] in want["rejected"] + want["drops"], (route, works)
        shown(rejected, want["rejected"])
        shown(ignored, want["ignored"])
        shown(drops, want["drops"])
        assert passing == want["passing"]


def test_no_markdown_table_is_wider_than_ten_columns(document: dict[str, Any]) -> None:
    text = report.render_markdown(document)
    widths = [len(split_row(table[0])) for table in tables(text)]
    assert widths and max(widths) <= 10


def test_html_rows_carry_every_verdict_and_field(document: dict[str, Any]) -> None:
    parsed = html_rows(report.render_html(document))
    rows = parsed.rows
    assert {cid: row["data-verdict"] for cid, row in rows.items()} == expected_verdicts(document)
    assert {cid: cell["data-verdict"] for cid, cell in parsed.cells.items()} == expected_verdicts(document)
    assert {route: row["data-answer"] for route, row in parsed.routes.items()} == {
        route: want["answer"] for route, want in expected_routes(document).items()
    }
    for case in document["cases"]:
        single = {"cases": [case]}  # a case's colour in the heat map: the route rule applied to it alone
        assert parsed.cells[case["id"]]["data-answer"] == expected_routes(single)[case["route"]]["answer"]
        row = rows[case["id"]]
        assert row["data-provider"] == case["provider"]
        fields = {report.field_pattern(f["path"]) for f in case["findings"] if f["path"]}
        assert set(json.loads(row["data-fields"])) == fields
        assert set(json.loads(row["data-effects"])) == {f["effect"] for f in case["findings"] if f.get("effect")}


def test_junit_has_one_testcase_per_case_with_verdict_and_findings(document: dict[str, Any]) -> None:
    parsed = junit_verdicts(report.render_junit(document))
    assert {cid: verdict for cid, (verdict, _) in parsed.items()} == expected_verdicts(document)
    for case in document["cases"]:
        verdict, message = parsed[case["id"]]
        if verdict != "pass":
            assert message.startswith(f"{verdict.upper()}: {case['id']}")
            for finding in case["findings"]:
                if finding["path"]:
                    assert f"{finding['kind']}:{finding['path']}" in message
                if finding.get("effect"):
                    assert f"{finding['kind']}:{finding['path']} ({finding['origin']}, {finding['effect']})" in message
    suite = ET.fromstring(report.render_junit(document)).find("testsuite")
    assert suite is not None and int(suite.attrib["tests"]) == len(document["cases"])


def test_every_leak_of_a_real_run_carries_its_effect() -> None:
    for name in FIXTURES:
        leaks = [f for c in load(name)["cases"] for f in c["findings"] if f["kind"] == "leak"]
        assert leaks and all(f["effect"] in ("rejected", "ignored", "unverified") for f in leaks), name
        assert all(f["policy"] in ("reject", "ignore") for f in leaks), name


def test_html_is_self_contained_and_escaped() -> None:
    text = report.render_html(with_odd_cases(load(FIXTURES[0])))
    parsed = html_rows(text)
    assert parsed.external == []
    assert text.count("<script") == 1  # our own inline filter script, nothing injected from a path
    assert "tools[1].a|b&lt;script&gt;" in text
    assert 'id="f-provider"' in text and 'id="f-verdict"' in text and 'id="f-field"' in text
    assert 'id="f-effect"' in text


def test_offending_fields_count_cases_once_and_group_positions() -> None:
    fields = {(f.path, f.kind, f.origin, f.effect): f for f in report.offending_fields(load(FIXTURES[0]))}
    ignored = fields[("prompt_cache_key", "leak", "client", "ignored")]
    assert ignored.cases == 3 and ignored.routes == {"deepseek-chat"}
    assumed = fields[("prompt_cache_key", "leak", "client", "unverified")]
    assert assumed.cases == 3 and assumed.routes == {"qwen3-coder-plus"}
    index = fields[("messages[].tool_calls[].index", "leak", "translated", "rejected")]
    assert index.cases == 2
    first = report.offending_fields(load(FIXTURES[0]))[0]
    assert first.cases == max(f.cases for f in fields.values())
    markdown = report.render_markdown(load(FIXTURES[0]))
    section = markdown.split("## Most frequent offending fields", 1)[1]
    assert "| `prompt_cache_key` | leak | client | ignored | 3 |" in section


def test_write_reports_renders_from_the_written_results(tmp_path: Path) -> None:
    results = [
        CaseResult("codex-0.1.0/basic-r1", "codex-0.1.0/basic", "p1", "r1", "p1/chat", True, "pass"),
        CaseResult(
            "codex-0.1.0/basic-r2",
            "codex-0.1.0/basic",
            "p2",
            "r2",
            "p2/chat",
            True,
            "leak",
            [Finding("leak", "client_metadata", "leaked", "client")],
        ),
    ]
    gateway = {"kind": "litellm-proxy", "version": "9.9.9", "config": "x.yaml"}
    written = report.write_reports(tmp_path, gateway, results)
    assert sorted(p.name for p in written) == ["junit.xml", "report.html", "report.md", "results.json"]
    document = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert document == report.results_document(gateway, results)
    assert markdown_verdicts((tmp_path / "report.md").read_text(encoding="utf-8")) == {
        "codex-0.1.0/basic-r1": "pass",
        "codex-0.1.0/basic-r2": "leak",
    }
    assert "🟥 leak: `client_metadata`" in (tmp_path / "report.md").read_text(encoding="utf-8")
    assert not list(tmp_path.glob("*.tmp"))


def test_command_rerenders_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report.main([str(DATA / FIXTURES[1]), "--out", str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["junit.xml", "report.html", "report.md"]
    assert "report.md" in capsys.readouterr().out


def test_command_rejects_what_is_not_results_json(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(SystemExit, match=r"not a results\.json"):
        report.main([str(bad)])


# -- diff ----------------------------------------------------------------------------------------------
def test_diff_of_the_reported_bugs_between_releases(capsys: pytest.CaptureFixture[str]) -> None:
    old, new = load(FIXTURES[1]), load(FIXTURES[2])
    diff = report.diff_documents(old, new)
    by_id = {c.id: c for c in diff.changes}
    azure = by_id["codex-0.169.0/basic-azure-gpt-5.5"]
    assert (azure.old, azure.new, azure.gone, azure.added) == (
        "leak",
        "pass",
        ("leak:stream_options.include_usage",),
        (),
    )
    assert not azure.worse
    deepseek = by_id["codex-0.169.0/basic-deepseek-chat"]
    assert "leak:client_metadata" in deepseek.gone and deepseek.added == ("leak:prompt_cache_key",)
    assert deepseek.worse  # a new leak, even though the verdict stays 'leak'
    assert not by_id["codex-0.169.0/basic-kimi-k2"].worse  # fewer findings only
    code = report.main(["diff", str(DATA / FIXTURES[1]), str(DATA / FIXTURES[2])])
    out = capsys.readouterr().out
    assert code == 1
    assert "worse (4):" in out and "better (2):" in out
    assert "      new:  leak:prompt_cache_key (ignored)" in out  # each new finding with its effect
    assert "  deepseek-chat: ❌ breaks: tools[] (upstream_reject; 2 cases) -> 🟨 works, settings lost" in out
    assert "  azure-gpt-5.5: ❌ breaks: stream_options.include_usage (leak, rejected; 2 cases) -> ✅ yes" in out
    assert out.splitlines()[-1] == "4 worse, 2 better, 2 changed otherwise, 0 unchanged"


def test_diff_of_identical_runs_is_clean_and_reports_missing_cases(capsys: pytest.CaptureFixture[str]) -> None:
    old = load(FIXTURES[0])
    new = copy.deepcopy(old)
    dropped = new["cases"].pop()
    diff = report.diff_documents(old, new)
    assert diff.changes == [] and diff.only_old == [dropped["id"]] and diff.unchanged == len(new["cases"])
    assert report.main(["diff", str(DATA / FIXTURES[0]), str(DATA / FIXTURES[0])]) == 0
    assert "0 worse, 0 better, 0 changed otherwise" in capsys.readouterr().out


def test_diff_flags_a_new_failure_as_worse() -> None:
    old = load(FIXTURES[0])
    new = copy.deepcopy(old)
    passing = next(c for c in new["cases"] if c["verdict"] == "pass")
    passing["verdict"] = "gateway_reject"
    (change,) = report.diff_documents(old, new).changes
    assert change.worse and change.id == passing["id"]
