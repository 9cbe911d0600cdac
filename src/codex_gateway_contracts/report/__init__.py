"""Reports of a run: ``results.json`` and what is rendered from it (Markdown, HTML, JUnit), and the diff of two.

``python -m codex_gateway_contracts.report results.json --out DIR`` re-renders the reports of a saved run;
``... report diff old.json new.json`` lists the cases whose verdict changed (exit 1 when a case got worse);
``... report compare a.json b.json ...`` tabulates, per route and run, whether Codex works (:mod:`.routes`).
``... report merge DIR... --out DIR`` joins the results of ``--contracts-shard`` runs into one.
"""

from __future__ import annotations

from .cli import load_document, main
from .compare import Comparison, comparison, render_compare_html, render_compare_markdown
from .diff import Change, Diff, diff_documents, render_diff
from .failure import failure_message
from .html import render_html
from .junit import render_junit
from .markdown import render_markdown
from .merge import MergeError, merge_documents
from .results import (
    MARKS,
    Document,
    FieldCount,
    field_pattern,
    finding_line,
    offending_fields,
    results_document,
    title,
    write_results,
)
from .routes import RouteStatus, codex_works, route_statuses, route_summary
from .write import render_reports, write_reports

__all__ = [
    "MARKS",
    "Change",
    "Comparison",
    "Diff",
    "Document",
    "FieldCount",
    "MergeError",
    "RouteStatus",
    "codex_works",
    "comparison",
    "diff_documents",
    "failure_message",
    "field_pattern",
    "finding_line",
    "load_document",
    "main",
    "merge_documents",
    "offending_fields",
    "render_compare_html",
    "render_compare_markdown",
    "render_diff",
    "render_html",
    "render_junit",
    "render_markdown",
    "render_reports",
    "results_document",
    "route_statuses",
    "route_summary",
    "title",
    "write_reports",
    "write_results",
]
