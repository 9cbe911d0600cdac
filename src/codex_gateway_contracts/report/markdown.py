"""report.md, route first: can Codex use each route, then each route's cases, then the offending fields.

Written for a CI job summary: no table is wider than ten columns. The per-case matrix is one small table
per route (scenarios down, Codex versions across), each folded in a ``<details>`` block under the
route's answer.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from .results import MARKS, Document, offending_fields, offending_paths, summary_line, title
from .routes import BREAKS, Blocker, RouteStatus, route_statuses, route_summary
from .routes import MARKS as MARKS_ANSWER

CELL_PATHS = 4  # paths shown in a matrix cell before "+N"
LIST_FIELDS = 6  # fields shown in a route-table cell before "+N more"
TOP_FIELDS = 20
#: Codex versions per matrix table (with the scenario column: at most ten columns).
VERSION_COLUMNS = 9


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{_md(text)}`"


def _codes(items: Sequence[str], limit: int = LIST_FIELDS, unverified: Sequence[str] = ()) -> str:
    """```a`, `b` +3 more``; ``(unverified)`` when a listed field's effect is assumed."""
    if not items:
        return "—"
    shown = ", ".join(_code(item) for item in items[:limit])
    more = f" +{len(items) - limit} more" if len(items) > limit else ""
    return shown + more + (" (unverified)" if set(items) & set(unverified) else "")


def markdown_cell(case: Mapping[str, Any] | None) -> str:
    """``🟥 leak: `a`, `b` +2`` - the mark, the verdict word, then the first offending paths."""
    if case is None:
        return "—"
    verdict = case["verdict"]
    cell = f"{MARKS.get(verdict, '?')} {verdict}"
    paths = offending_paths(case) if verdict not in ("pass", "skipped") else []
    if paths:
        shown = ", ".join(_code(p) for p in paths[:CELL_PATHS])
        cell += f": {shown}" + (f" +{len(paths) - CELL_PATHS}" if len(paths) > CELL_PATHS else "")
    return cell


def _blocker(first: Blocker) -> str:
    return f"{_code(first.path)} ({first.label})" if first.path else first.label


def _compaction(status: RouteStatus) -> str:
    if status.compaction == BREAKS and status.compaction_first is not None:
        return f"{MARKS_ANSWER[BREAKS]} breaks: {_blocker(status.compaction_first)}"
    return _md(status.compaction_text)


def route_row(status: RouteStatus) -> str:
    """One row of the route table (9 columns)."""
    cells = [
        _code(status.route),
        _md(status.provider),
        _code(status.endpoint),
        _md(status.short) + (f": {_blocker(status.first)}" if status.answer == BREAKS and status.first else ""),
        _compaction(status),
        _codes(status.rejected, unverified=status.unverified),
        _codes(status.ignored, unverified=status.unverified),
        _codes(status.drops),
        f"{status.passed}/{status.cases}",
    ]
    return "| " + " | ".join(cells) + " |"


def _route_matrix(status: RouteStatus, cases: Sequence[Mapping[str, Any]]) -> list[str]:
    """Scenarios down, Codex versions across (split into several tables past nine versions)."""
    by_key = {(c["cassette"].split("/", 1)[0], c["cassette"].split("/", 1)[1]): c for c in cases}
    versions = list(dict.fromkeys(v for v, _ in by_key))
    scenarios = sorted({s for _, s in by_key})
    summary = f"<code>{html.escape(status.route)}</code>: {html.escape(status.text)}"
    lines = [f"<details><summary>{summary}</summary>", ""]
    for start in range(0, len(versions), VERSION_COLUMNS):
        chunk = versions[start : start + VERSION_COLUMNS]
        lines += [
            "| scenario | " + " | ".join(_code(v) for v in chunk) + " |",
            "|---" * (len(chunk) + 1) + "|",
        ]
        lines += [
            f"| {_code(s)} | " + " | ".join(markdown_cell(by_key.get((v, s))) for v in chunk) + " |" for s in scenarios
        ]
        lines.append("")
    lines += ["</details>", ""]
    return lines


def render_markdown(document: Document) -> str:
    """Routes first (can Codex use each?), then each route's cases, then the most frequent offending fields."""
    gateway = document.get("gateway", {})
    statuses = route_statuses(document)
    lines = [
        f"# Codex gateway contracts: {title(document)}",
        "",
        "| route | provider | endpoint | Codex works? | remote compaction | rejected fields | ignored fields | drops "
        "| cases passing |",
        "|---|---|---|---|---|---|---|---|---|",
        *(route_row(status) for status in statuses),
        "",
        f"{route_summary(document)}. Config: {_md(str(gateway.get('config', '?')))}. {summary_line(document)}.",
        "",
        "*Codex works?* judges the ordinary turns; *remote compaction* the sessions where Codex (provider named "
        "OpenAI or Azure) asks the gateway to compact, which has no fallback: the turn fails. 🔶 = ordinary turns "
        "work, long sessions need a Codex provider that compacts locally. "
        "*Rejected*: the provider refuses requests with the field, so Codex gets an error (rejected values are "
        "listed too). *Ignored*: accepted and silently dropped; Codex works, the setting is lost. *Unverified*: "
        "the provider's handling of unknown fields is assumed, not observed. Verdicts are the true behaviour of "
        "this gateway; known failures listed in an expectations file still show. Legend: "
        + " · ".join(f"{mark} {name}" for name, mark in MARKS.items()),
        "",
        "## Cases by route",
        "",
    ]
    by_route: dict[str, list[Mapping[str, Any]]] = {}
    for case in document["cases"]:
        by_route.setdefault(case["route"], []).append(case)
    for status in statuses:
        lines += _route_matrix(status, by_route[status.route])
    fields = offending_fields(document)
    lines += ["## Most frequent offending fields", ""]
    if not fields:
        lines.append("None: every judged case passed.")
    else:
        lines += ["| field | finding | origin | effect | cases | routes |", "|---|---|---|---|---|---|"]
        for entry in fields[:TOP_FIELDS]:
            routes = _codes(sorted(entry.routes), limit=8)
            lines.append(
                f"| {_code(entry.path)} | {entry.kind} | {entry.origin} | {entry.effect} | {entry.cases} | {routes} |"
            )
        if len(fields) > TOP_FIELDS:
            lines.append(f"\n{len(fields) - TOP_FIELDS} more fields in report.html.")
    return "\n".join(lines) + "\n"
