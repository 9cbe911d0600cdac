"""Reports of a run: results.json holds the true verdict of every case, whatever the expectations say.

``report.md``, ``report.html`` and ``junit.xml`` are rendered from results.json's document and from
nothing else, so they cannot disagree with it (``tests/test_report.py`` parses them back to check).
The module is also a command: ``python -m codex_gateway_contracts.report results.json --out DIR``
re-renders the reports of a saved run, and ``... report diff old.json new.json`` lists the cases whose
verdict changed between two runs (exit 1 when a case got worse).
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .verdict import CaseResult

Document = Mapping[str, Any]
MARKS = {
    "pass": "✅",
    "leak": "🟥",
    "drop": "🟧",
    "upstream_reject": "⛔",
    "gateway_reject": "🚫",
    "bad_reply": "⚠️",
    "no_upstream_call": "⭕",
    "error": "💥",
    "skipped": "⏭️",
}
CELL_PATHS = 6  # paths shown in a matrix cell before "+N more"
TOP_FIELDS = 20


# -- results.json ---------------------------------------------------------------------------------
def results_document(gateway: Mapping[str, Any], results: Sequence[CaseResult]) -> dict[str, Any]:
    """The document, cases sorted by id so that two runs of the same gateway compare equal."""
    cases = [r.as_dict() for r in sorted(results, key=lambda r: r.id)]
    summary = Counter(case["verdict"] for case in cases)
    return {"gateway": dict(gateway), "summary": dict(sorted(summary.items())), "cases": cases}


def _write(target: Path, text: str) -> Path:
    """Write atomically: a reader (or a crashed run) never sees half a report."""
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(target)
    return target


def write_results(directory: Path, gateway: Mapping[str, Any], results: Sequence[CaseResult]) -> Path:
    """Write ``directory/results.json`` atomically and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    document = results_document(gateway, results)
    return _write(directory / "results.json", json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def write_reports(directory: Path, gateway: Mapping[str, Any], results: Sequence[CaseResult]) -> list[Path]:
    """results.json, then every report rendered from the document read back from it."""
    target = write_results(directory, gateway, results)
    return [target, *render_reports(json.loads(target.read_text(encoding="utf-8")), directory)]


def render_reports(document: Document, directory: Path) -> list[Path]:
    """``report.md``, ``report.html`` and ``junit.xml`` of one results.json document."""
    directory.mkdir(parents=True, exist_ok=True)
    return [
        _write(directory / "report.md", render_markdown(document)),
        _write(directory / "report.html", render_html(document)),
        _write(directory / "junit.xml", render_junit(document)),
    ]


def failure_message(result: CaseResult) -> str:
    """One screen a fork maintainer can act on: who, where, what leaked from where, what each side saw."""
    lines = [
        f"{result.verdict.upper()}: {result.id}",
        f"  route {result.route} -> provider {result.provider}, endpoint {result.endpoint}",
    ]
    for finding in result.findings:
        origin = f" [origin: {finding.origin}]" if finding.origin else ""
        path = f" {finding.path}" if finding.path else ""
        lines.append(f"  - {finding.kind}{path}{origin} (request #{finding.request}): {finding.message}")
    for exchange in result.exchanges:
        number = exchange.interaction.index
        for call in exchange.calls:
            answer = call.answer if isinstance(call.answer, str) else json.dumps(call.answer)[:400]
            lines.append(
                f"  request #{number}: {call.method} {call.path} -> {call.provider} answered {call.status}: {answer}"
            )
        got = exchange.transport_error or (
            f"HTTP {exchange.status} {exchange.error_body[:300]}"
            if exchange.error_body
            else f"HTTP {exchange.status}, {len(exchange.events)} SSE events"
        )
        lines.append(f"  request #{number}: Codex got {got}")
    return "\n".join(lines)


# -- shared views of a document -------------------------------------------------------------------
def _title(document: Document) -> str:
    gateway = document.get("gateway", {})
    return f"{gateway.get('kind', 'gateway')} {gateway.get('version', '?')}"


def _summary_line(document: Document) -> str:
    summary = document.get("summary", {})
    counts = ", ".join(f"{MARKS.get(v, '')} {v} {n}" for v, n in summary.items())
    return f"{sum(summary.values())} cases: {counts}"


def _paths(case: Mapping[str, Any]) -> list[str]:
    """The distinct offending paths of a case, in finding order."""
    return list(dict.fromkeys(f["path"] for f in case.get("findings", []) if f.get("path")))


def _deployments(document: Document) -> list[tuple[str, str]]:
    """``(route, provider)`` in first-seen order."""
    seen: dict[str, str] = {}
    for case in document["cases"]:
        seen.setdefault(case["route"], case["provider"])
    return list(seen.items())


def _cassettes(document: Document) -> list[str]:
    return list(dict.fromkeys(case["cassette"] for case in document["cases"]))


def field_pattern(path: str) -> str:
    """``messages[4].tool_calls[0].index`` -> ``messages[].tool_calls[].index``: one field, any position."""
    return re.sub(r"\[\d+\]", "[]", path)


@dataclass
class FieldCount:
    """How often one offending field showed up, and where."""

    path: str
    kind: str
    origin: str
    cases: int = 0
    routes: set[str] = field(default_factory=set)


def offending_fields(document: Document) -> list[FieldCount]:
    """Findings with a path grouped by field, kind and origin, most frequent first (cases counted once)."""
    counts: dict[tuple[str, str, str], FieldCount] = {}
    for case in document["cases"]:
        seen: set[tuple[str, str, str]] = set()
        for finding in case.get("findings", []):
            if not finding.get("path") or finding["kind"] == "skipped":
                continue
            group = (field_pattern(finding["path"]), finding["kind"], finding.get("origin") or "-")
            if group in seen:
                continue
            seen.add(group)
            entry = counts.setdefault(group, FieldCount(*group))
            entry.cases += 1
            entry.routes.add(case["route"])
    return sorted(counts.values(), key=lambda c: (-c.cases, c.path, c.kind, c.origin))


# -- Markdown -------------------------------------------------------------------------------------
def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{_md(text)}`"


def markdown_cell(case: Mapping[str, Any] | None) -> str:
    """``🟥 leak: `a`, `b` +2`` - the mark, the verdict word, then the first offending paths."""
    if case is None:
        return "—"
    verdict = case["verdict"]
    cell = f"{MARKS.get(verdict, '?')} {verdict}"
    paths = _paths(case) if verdict not in ("pass", "skipped") else []
    if paths:
        shown = ", ".join(_code(p) for p in paths[:CELL_PATHS])
        cell += f": {shown}" + (f" +{len(paths) - CELL_PATHS}" if len(paths) > CELL_PATHS else "")
    return cell


def render_markdown(document: Document) -> str:
    """The matrix (cassettes down, deployments across), then the most frequent offending fields."""
    gateway = document.get("gateway", {})
    by_id = {case["id"]: case for case in document["cases"]}
    deployments = _deployments(document)
    lines = [
        f"# Codex gateway contracts: {_title(document)}",
        "",
        f"Config: {_md(str(gateway.get('config', '?')))}. {_summary_line(document)}.",
        "",
        "Verdicts are the true behaviour of this gateway; known failures listed in an expectations file",
        "still show here. Legend: " + " · ".join(f"{mark} {name}" for name, mark in MARKS.items()),
        "",
        "## Deployments \u00d7 cassettes",
        "",
        "| cassette | " + " | ".join(f"{_code(route)} ({_md(provider)})" for route, provider in deployments) + " |",
        "|---" * (len(deployments) + 1) + "|",
    ]
    for cassette in _cassettes(document):
        cells = [markdown_cell(by_id.get(f"{cassette}-{route}")) for route, _ in deployments]
        lines.append(f"| {_code(cassette)} | " + " | ".join(cells) + " |")
    fields = offending_fields(document)
    lines += ["", "## Most frequent offending fields", ""]
    if not fields:
        lines.append("None: every judged case passed.")
    else:
        lines += ["| field | finding | origin | cases | deployments |", "|---|---|---|---|---|"]
        for entry in fields[:TOP_FIELDS]:
            routes = ", ".join(_code(r) for r in sorted(entry.routes))
            lines.append(f"| {_code(entry.path)} | {entry.kind} | {entry.origin} | {entry.cases} | {routes} |")
        if len(fields) > TOP_FIELDS:
            lines.append(f"\n{len(fields) - TOP_FIELDS} more fields in report.html.")
    return "\n".join(lines) + "\n"


# -- HTML -----------------------------------------------------------------------------------------
_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top}
th{background:#f3f3f3;text-align:left}code{font-size:12px}
.v-pass{background:#e6f6e6}.v-leak{background:#fde2e2}.v-drop{background:#fdebd0}
.v-upstream_reject,.v-gateway_reject{background:#f9d6ec}.v-bad_reply,.v-no_upstream_call{background:#fff4c2}
.v-error{background:#ddd}.v-skipped{color:#888}
#filters label{margin-right:1em}ul{margin:0;padding-left:1.2em}
"""
_SCRIPT = """
const rows=[...document.querySelectorAll('#cases tbody tr')];
const pick=(id)=>document.getElementById(id);
function fill(id,values){const s=pick(id);
[...new Set(values)].sort().forEach(v=>{const o=document.createElement('option');o.value=v;o.textContent=v;
s.appendChild(o);});}
fill('f-provider',rows.map(r=>r.dataset.provider));
fill('f-verdict',rows.map(r=>r.dataset.verdict));
fill('f-field',rows.flatMap(r=>JSON.parse(r.dataset.fields)));
function apply(){const p=pick('f-provider').value,v=pick('f-verdict').value,f=pick('f-field').value;let shown=0;
rows.forEach(r=>{const ok=(!p||r.dataset.provider===p)&&(!v||r.dataset.verdict===v)&&
(!f||JSON.parse(r.dataset.fields).includes(f));r.hidden=!ok;if(ok)shown++;});
pick('shown').textContent=shown+' of '+rows.length+' cases';}
['f-provider','f-verdict','f-field'].forEach(id=>pick(id).addEventListener('change',apply));apply();
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def render_html(document: Document) -> str:
    """One self-contained page: summary, matrix, offending fields and a filterable table of every case."""
    gateway = document.get("gateway", {})
    by_id = {case["id"]: case for case in document["cases"]}
    deployments = _deployments(document)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Codex gateway contracts: {_e(_title(document))}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Codex gateway contracts: {_e(_title(document))}</h1>",
        f"<p>Config: <code>{_e(gateway.get('config', '?'))}</code>. {_e(_summary_line(document))}.</p>",
        "<h2>Deployments \u00d7 cassettes</h2>",
        '<table id="matrix"><thead><tr><th>cassette</th>',
    ]
    out += [f"<th><code>{_e(route)}</code><br>{_e(provider)}</th>" for route, provider in deployments]
    out.append("</tr></thead><tbody>")
    for cassette in _cassettes(document):
        out.append(f"<tr><th><code>{_e(cassette)}</code></th>")
        for route, _ in deployments:
            case = by_id.get(f"{cassette}-{route}")
            if case is None:
                out.append("<td>—</td>")
                continue
            paths = _paths(case)
            out.append(
                f'<td class="v-{_e(case["verdict"])}" title="{_e(", ".join(paths))}">'
                f"{MARKS.get(case['verdict'], '?')} {_e(case['verdict'])}</td>"
            )
        out.append("</tr>")
    out += ["</tbody></table>", "<h2>Most frequent offending fields</h2>"]
    fields = offending_fields(document)
    if fields:
        out.append("<table><thead><tr><th>field</th><th>finding</th><th>origin</th><th>cases</th>")
        out.append("<th>deployments</th></tr></thead><tbody>")
        for entry in fields:
            out.append(
                f"<tr><td><code>{_e(entry.path)}</code></td><td>{_e(entry.kind)}</td><td>{_e(entry.origin)}</td>"
                f"<td>{entry.cases}</td><td>{_e(', '.join(sorted(entry.routes)))}</td></tr>"
            )
        out.append("</tbody></table>")
    else:
        out.append("<p>None: every judged case passed.</p>")
    out += [
        "<h2>Cases</h2>",
        '<p id="filters"><label>provider <select id="f-provider"><option value="">all</option></select></label>',
        '<label>verdict <select id="f-verdict"><option value="">all</option></select></label>',
        '<label>field <select id="f-field"><option value="">all</option></select></label>',
        '<span id="shown"></span></p>',
        '<table id="cases"><thead><tr><th>case</th><th>route</th><th>provider</th><th>endpoint</th>',
        "<th>verdict</th><th>findings</th></tr></thead><tbody>",
    ]
    for case in document["cases"]:
        fields_of_case = sorted({field_pattern(p) for p in _paths(case)})
        findings = "".join(
            f"<li>{_e(f['kind'])} <code>{_e(f['path'])}</code>"
            + (f" [{_e(f['origin'])}]" if f.get("origin") else "")
            + f" (request #{_e(f.get('request', 0))}): {_e(f['message'])}</li>"
            for f in case.get("findings", [])
        )
        out.append(
            f'<tr class="v-{_e(case["verdict"])}" data-id="{_e(case["id"])}" data-provider="{_e(case["provider"])}"'
            f' data-route="{_e(case["route"])}" data-verdict="{_e(case["verdict"])}"'
            f' data-fields="{_e(json.dumps(fields_of_case))}">'
            f"<td><code>{_e(case['id'])}</code></td><td>{_e(case['route'])}</td><td>{_e(case['provider'])}</td>"
            f"<td>{_e(case['endpoint'])}</td><td>{MARKS.get(case['verdict'], '?')} {_e(case['verdict'])}</td>"
            f"<td>{f'<ul>{findings}</ul>' if findings else ''}</td></tr>"
        )
    out += ["</tbody></table>", f"<script>{_SCRIPT}</script>", "</body></html>"]
    return "\n".join(out) + "\n"


# -- JUnit XML ------------------------------------------------------------------------------------
def _finding_line(finding: Mapping[str, Any]) -> str:
    origin = f" [origin: {finding['origin']}]" if finding.get("origin") else ""
    path = f" {finding['path']}" if finding.get("path") else ""
    return f"{finding['kind']}{path}{origin} (request #{finding.get('request', 0)}): {finding['message']}"


def render_junit(document: Document) -> str:
    """One ``testcase`` per case; a failure's ``type`` is the verdict and its message names the findings."""
    cases = document["cases"]
    summary = Counter(case["verdict"] for case in cases)
    failures = sum(n for v, n in summary.items() if v not in ("pass", "error", "skipped"))
    suite = ET.Element(
        "testsuite",
        name=f"codex-gateway-contracts ({_title(document)})",
        tests=str(len(cases)),
        failures=str(failures),
        errors=str(summary.get("error", 0)),
        skipped=str(summary.get("skipped", 0)),
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in document.get("gateway", {}).items():
        ET.SubElement(properties, "property", name=f"gateway.{name}", value=str(value))
    for case in cases:
        element = ET.SubElement(suite, "testcase", classname=case["cassette"], name=case["id"])
        verdict = case["verdict"]
        if verdict == "pass":
            continue
        details = "\n".join(_finding_line(f) for f in case.get("findings", []))
        summary_text = "; ".join(
            f"{f['kind']}:{f['path']}" + (f" ({f['origin']})" if f.get("origin") else "")
            for f in case.get("findings", [])
            if f.get("path")
        )
        message = f"{verdict.upper()}: {case['id']} via {case['route']} -> {case['endpoint']}"
        message += f": {summary_text}" if summary_text else ""
        tag = {"error": "error", "skipped": "skipped"}.get(verdict, "failure")
        child = ET.SubElement(element, tag, message=message, type=verdict)
        child.text = details
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# -- diff of two runs -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """One case whose verdict or findings differ between two runs."""

    id: str
    old: str
    new: str
    gone: tuple[str, ...]
    added: tuple[str, ...]

    @property
    def worse(self) -> bool:
        """A new failure or a new finding: what should stop an upgrade."""
        return (self.old == "pass" and self.new != "pass") or (self.new != "pass" and bool(self.added))


@dataclass
class Diff:
    """Every difference between an old and a new results.json."""

    changes: list[Change] = field(default_factory=list)
    only_old: list[str] = field(default_factory=list)
    only_new: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def worse(self) -> list[Change]:
        """Cases that got worse."""
        return [c for c in self.changes if c.worse]


def _signature(case: Mapping[str, Any]) -> set[str]:
    return {f"{f['kind']}:{f['path']}" for f in case.get("findings", [])}


def diff_documents(old: Document, new: Document) -> Diff:
    """Compare two runs case by case (by id)."""
    before = {case["id"]: case for case in old["cases"]}
    after = {case["id"]: case for case in new["cases"]}
    diff = Diff(only_old=sorted(set(before) - set(after)), only_new=sorted(set(after) - set(before)))
    for cid in sorted(set(before) & set(after)):
        a, b = before[cid], after[cid]
        sa, sb = _signature(a), _signature(b)
        if a["verdict"] == b["verdict"] and sa == sb:
            diff.unchanged += 1
            continue
        diff.changes.append(Change(cid, a["verdict"], b["verdict"], tuple(sorted(sa - sb)), tuple(sorted(sb - sa))))
    return diff


def render_diff(old: Document, new: Document, diff: Diff) -> str:
    """Readable text: what got worse, what got better, what merely changed."""
    lines = [f"old: {_title(old)} ({old['gateway'].get('config', '?')})"]
    lines.append(f"new: {_title(new)} ({new['gateway'].get('config', '?')})")
    worse = diff.worse
    better = [c for c in diff.changes if c.old != "pass" and c.new == "pass"]
    other = [c for c in diff.changes if c not in worse and c not in better]
    for title, group in (("worse", worse), ("better", better), ("changed", other)):
        if not group:
            continue
        lines.append(f"{title} ({len(group)}):")
        for change in group:
            lines.append(f"  {change.id}: {change.old} -> {change.new}")
            if change.gone:
                lines.append(f"      gone: {', '.join(change.gone)}")
            if change.added:
                lines.append(f"      new:  {', '.join(change.added)}")
    if diff.only_old:
        lines.append(f"only in old ({len(diff.only_old)}): {', '.join(diff.only_old)}")
    if diff.only_new:
        lines.append(f"only in new ({len(diff.only_new)}): {', '.join(diff.only_new)}")
    lines.append(
        f"{len(worse)} worse, {len(better)} better, {len(other)} changed otherwise, {diff.unchanged} unchanged"
    )
    return "\n".join(lines) + "\n"


# -- command line ---------------------------------------------------------------------------------
def load_document(path: Path) -> dict[str, Any]:
    """Read a results.json, failing with a sentence rather than a traceback."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"cannot read {path}: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("cases"), list):
        raise SystemExit(f"{path} is not a results.json (no 'cases' list)")
    return document


def main(argv: Sequence[str] | None = None) -> int:
    """``report RESULTS --out DIR`` renders; ``report diff OLD NEW`` compares (exit 1 if a case got worse)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["diff"]:
        parser = argparse.ArgumentParser(prog="python -m codex_gateway_contracts.report diff")
        parser.add_argument("old", type=Path, help="results.json of the current gateway")
        parser.add_argument("new", type=Path, help="results.json of the candidate")
        options = parser.parse_args(args[1:])
        old, new = load_document(options.old), load_document(options.new)
        diff = diff_documents(old, new)
        sys.stdout.write(render_diff(old, new, diff))
        return 1 if diff.worse else 0
    parser = argparse.ArgumentParser(
        prog="python -m codex_gateway_contracts.report",
        description="Render report.md, report.html and junit.xml from a results.json (or compare two: 'diff OLD NEW').",
    )
    parser.add_argument("results", type=Path, help="a results.json written by --contracts-report")
    parser.add_argument("--out", type=Path, help="folder for the reports (default: beside results.json)")
    options = parser.parse_args(args)
    document = load_document(options.results)
    for path in render_reports(document, options.out or options.results.parent):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
