"""report.md: the deployments x cassettes matrix with the offending paths, then the most frequent fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .results import (
    MARKS,
    Document,
    cassette_ids,
    offending_fields,
    offending_paths,
    route_columns,
    summary_line,
    title,
)

CELL_PATHS = 6  # paths shown in a matrix cell before "+N more"
TOP_FIELDS = 20


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
    paths = offending_paths(case) if verdict not in ("pass", "skipped") else []
    if paths:
        shown = ", ".join(_code(p) for p in paths[:CELL_PATHS])
        cell += f": {shown}" + (f" +{len(paths) - CELL_PATHS}" if len(paths) > CELL_PATHS else "")
    return cell


def render_markdown(document: Document) -> str:
    """The matrix (cassettes down, deployments across), then the most frequent offending fields."""
    gateway = document.get("gateway", {})
    by_id = {case["id"]: case for case in document["cases"]}
    deployments = route_columns(document)
    lines = [
        f"# Codex gateway contracts: {title(document)}",
        "",
        f"Config: {_md(str(gateway.get('config', '?')))}. {summary_line(document)}.",
        "",
        "Verdicts are the true behaviour of this gateway; known failures listed in an expectations file",
        "still show here. Legend: " + " · ".join(f"{mark} {name}" for name, mark in MARKS.items()),
        "",
        "## Deployments \u00d7 cassettes",
        "",
        "| cassette | " + " | ".join(f"{_code(route)} ({_md(provider)})" for route, provider in deployments) + " |",
        "|---" * (len(deployments) + 1) + "|",
    ]
    for cassette in cassette_ids(document):
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
