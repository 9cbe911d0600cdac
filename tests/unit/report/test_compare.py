"""``report compare``: the Markdown and HTML tables say, cell by cell, what route_statuses says of each run."""

from __future__ import annotations

import copy
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from codex_gateway_contracts import report
from codex_gateway_contracts.report.compare import refusal_text
from codex_gateway_contracts.report.routes import BREAKS, MARKS, UNJUDGED, route_statuses

from .test_report import DATA, FIXTURES, load, split_row


def portkey_like(document: dict[str, Any]) -> dict[str, Any]:
    """Another gateway's run of the same routes: one route refused, one skipped, one missing."""
    doc = copy.deepcopy(document)
    doc["gateway"] = {"kind": "portkey", "version": "1.15.2", "config": "generated"}
    routes = list(dict.fromkeys(case["route"] for case in doc["cases"]))
    refused, skipped, missing = routes[0], routes[1], routes[2]
    cases = []
    for original in doc["cases"]:
        case = dict(original)
        if case["route"] == missing:
            continue
        if case["route"] == refused:
            message = 'HTTP 500 without calling the provider: {"status":"failure","message":"not supported | here"}'
            case.update(verdict="gateway_reject", endpoint="(none)")
            case["findings"] = [
                {"kind": "gateway_reject", "path": "", "origin": None, "message": message, "request": 0}
            ]
        elif case["route"] == skipped:
            reason = "Portkey gateway cannot route it: <no bridge>"
            case.update(verdict="skipped", endpoint="(none)")
            case["findings"] = [{"kind": "skipped", "path": "", "origin": None, "message": reason, "request": 0}]
        cases.append(case)
    doc["cases"] = cases
    return doc


class Cells(HTMLParser):
    """The compare table's body: per row, the route and each cell's class."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self.rows[-1].append(dict(attrs).get("class") or "none")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False


def test_every_cell_is_its_runs_route_verdict_in_markdown_and_html() -> None:
    litellm = load(FIXTURES[0])
    other = portkey_like(litellm)
    table = report.comparison([("a/results.json", litellm), ("b/results.json", other)])
    expected = [
        {s.route: s for s in route_statuses(litellm)},
        {s.route: s for s in route_statuses(other)},
    ]
    routes = [route for route, _ in table.rows]
    assert routes == list(expected[0])  # the union, in first-seen order

    markdown = report.render_compare_markdown(table)
    lines = markdown.splitlines()
    header = next(line for line in lines if line.startswith("| route"))
    assert split_row(header)[1:] == ["litellm 1.106.1", "portkey 1.15.2"]
    body = [split_row(line) for line in lines if line.startswith("| `")]
    assert len(body) == len(routes)
    for row, route in zip(body, routes, strict=True):
        for cell, verdicts in zip(row[1:], expected, strict=True):
            verdict = verdicts.get(route)
            if verdict is None:
                assert cell == "—"
                continue
            assert cell.startswith(f"{MARKS[verdict.answer]} "), (route, cell)
            if verdict.answer == BREAKS:
                assert verdict.first is not None
                assert f"breaks, {verdict.passed}/{verdict.cases} pass" in cell
                assert (verdict.first.path or "gateway refuses") in cell.replace("`", "")
            if verdict.answer == UNJUDGED:
                assert cell.endswith("[1]")
    assert "not supported \\| here" in markdown  # a pipe in a gateway's words does not split the row
    assert "1. Portkey gateway cannot route it: <no bridge>" in markdown

    page = report.render_compare_html(table)
    parser = Cells()
    parser.feed(page)
    assert len(parser.rows) == len(routes)
    for classes, route in zip(parser.rows, routes, strict=True):
        for css, verdicts in zip(classes, expected, strict=True):
            verdict = verdicts.get(route)
            assert css == (f"w-{verdict.answer}" if verdict else "none"), route
    assert "<no bridge>" not in page and "&lt;no bridge&gt;" in page


def test_two_runs_of_one_version_are_told_apart_and_the_cli_writes_both_files(tmp_path: Path) -> None:
    a, b = DATA / FIXTURES[1], DATA / FIXTURES[2]
    twice = report.comparison([(str(b), load(FIXTURES[2])), (str(DATA / FIXTURES[0]), load(FIXTURES[0]))])
    assert [c.label for c in twice.columns] == [
        f"litellm 1.106.1 ({b})",
        f"litellm 1.106.1 ({DATA / FIXTURES[0]})",
    ]
    assert report.main(["compare", str(a), str(b), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "compare.md").read_text(encoding="utf-8").startswith("# Does Codex work through each gateway?")
    assert '<table id="compare">' in (tmp_path / "compare.html").read_text(encoding="utf-8")


def test_compare_to_stdout_and_a_bad_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report.main(["compare", str(DATA / FIXTURES[0])]) == 0
    assert "| route (provider) | litellm 1.106.1 |" in capsys.readouterr().out
    broken = tmp_path / "results.json"
    broken.write_text(json.dumps({"gateway": {}}), encoding="utf-8")
    with pytest.raises(SystemExit, match=r"is not a results\.json"):
        report.main(["compare", str(broken)])


def test_a_refusal_reads_in_the_gateways_own_words() -> None:
    said = 'answered HTTP 400 without calling the provider: {"error": {"message": "bad input"}}'
    assert refusal_text(said) == "bad input"
    assert refusal_text("answered HTTP 502 without calling the provider: plain words") == "plain words"
    compact = 'HTTP 405 without calling the provider: {"status": "failure", "message": "no"}; this was Codex\'s remote'
    assert refusal_text(compact) == "no"  # the gateway's words, not the session contract's note on the request
    assert len(refusal_text("without calling the provider: " + "x" * 500)) == 64
