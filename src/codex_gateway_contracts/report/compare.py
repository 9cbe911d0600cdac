"""``report compare``: routes x gateways, "Codex works?" in every cell with what breaks it.

One column per results.json (a gateway, a version, a config), one row per route any of them has. Each cell
is the route's :class:`~.routes.RouteStatus` in that run, from :func:`~.routes.route_statuses`, the one
derivation of a route's answer every report uses; this module only lays the answers out. The skip reasons,
long and repeated down a column, become numbered notes under the table.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.verdict import Verdict
from .results import Document, title
from .routes import BREAKS, LOST, MARKS, NO_COMPACTION, UNJUDGED, WORDS, YES, RouteStatus, route_statuses

SHOWN = 3  # fields in a cell before "+N"
_SHORT = 64  # characters of a gateway's refusal kept in a cell

INTRO = (
    "Same recorded Codex requests, same routes, same strict provider mocks for every gateway. "
    f"A cell says whether Codex works on the route through that gateway: {MARKS[YES]} {WORDS[YES]} · "
    f"{MARKS[LOST]} {WORDS[LOST]} (fields the provider accepts and ignores) · "
    f"{MARKS[NO_COMPACTION]} {WORDS[NO_COMPACTION]} (ordinary turns work; Codex's remote compaction, as for an "
    "OpenAI or Azure provider, fails) · "
    f"{MARKS[BREAKS]} {WORDS[BREAKS]}, with how many cassettes pass and what breaks it first (a field the "
    "provider rejects, content dropped, a refusal, a broken stream), then the other rejected fields · "
    f"{MARKS[UNJUDGED]} {WORDS[UNJUDGED]}: the gateway cannot route it (the reason is a note)."
)


@dataclass
class Column:
    """One run: its label, where it came from, its answer per route, and why unjudged routes were not judged."""

    label: str
    source: str
    config: str
    cases: int
    statuses: dict[str, RouteStatus]
    reasons: dict[str, str] = field(default_factory=dict)
    refusals: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def note(self, reason: str) -> int:
        """The number of a skip reason's note (1-based, per column)."""
        if reason not in self.notes:
            self.notes.append(reason)
        return self.notes.index(reason) + 1


@dataclass(frozen=True)
class Comparison:
    """The table: columns (runs) and rows (routes, with the provider behind each)."""

    columns: list[Column]
    rows: list[tuple[str, str]]


def refusal_text(message: str) -> str:
    """The gateway's own words from a gateway_reject message (its JSON ``message`` when it sent one)."""
    body = message.split("without calling the provider", 1)[-1].lstrip(": ")
    body = body.split("; this was Codex's", 1)[0]  # what the session contract adds about the request
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        inner = parsed.get("error")
        body = str((inner if isinstance(inner, dict) else parsed).get("message") or body)
    return body if len(body) <= _SHORT else body[: _SHORT - 1] + "…"


def _first_message(cases: Sequence[Mapping[str, Any]], kind: str) -> str:
    return next((str(f["message"]) for c in cases for f in c.get("findings", []) if f["kind"] == kind), "")


def comparison(documents: Sequence[tuple[str, Document]]) -> Comparison:
    """Columns in the given order; rows are every route in first-seen order."""
    labels = [title(document) for _, document in documents]
    columns: list[Column] = []
    rows: dict[str, str] = {}
    for (source, document), name in zip(documents, labels, strict=True):
        # Two runs of one gateway version: tell them apart by file.
        label = f"{name} ({source})" if labels.count(name) > 1 else name
        by_route: dict[str, list[Mapping[str, Any]]] = {}
        for case in document["cases"]:
            by_route.setdefault(case["route"], []).append(case)
            if rows.get(case["route"], "?") == "?":
                rows[case["route"]] = case["provider"]
        config = str(document.get("gateway", {}).get("config", "?"))
        column = Column(label, source, config, len(document["cases"]), {s.route: s for s in route_statuses(document)})
        for route, cases in by_route.items():
            column.reasons[route] = _first_message(cases, Verdict.SKIPPED)
            column.refusals[route] = refusal_text(_first_message(cases, Verdict.GATEWAY_REJECT))
        columns.append(column)
    return Comparison(columns, list(rows.items()))


def headline(status: RouteStatus) -> str:
    """``breaks, 3/51 pass``, ``yes, 51/51``, ``works, settings lost``, ``not judged``."""
    if status.answer == BREAKS:
        return f"{WORDS[BREAKS]}, {status.passed}/{status.cases} pass"
    if status.answer == YES:
        return f"{WORDS[YES]}, {status.passed}/{status.cases}"
    return WORDS[status.answer]


def labels(column: Column, status: RouteStatus) -> tuple[str, ...]:
    """What the cell lists: what breaks first, then the gateway's refusal, the other rejected fields and drops.

    A refusal reads in the gateway's own words; a route where Codex works with settings lost lists the fields
    the provider ignores.
    """
    if status.answer == BREAKS and status.first is not None:
        first, refusal = status.first, column.refusals.get(status.route, "")
        items = [f"gateway refuses: {refusal} ({first.label})" if first.kind == Verdict.GATEWAY_REJECT else str(first)]
        if refusal and first.kind != Verdict.GATEWAY_REJECT:
            items.append(f"gateway refuses: {refusal}")
        items += [path for path in status.rejected if path != first.path]
        items += [f"{path} (dropped)" for path in status.drops if path != first.path]
        return tuple(items)
    if status.answer == NO_COMPACTION and status.compaction_first is not None:
        return (f"remote compaction: {status.compaction_first}",)
    return tuple(status.ignored) if status.answer == LOST else ()


def _shown(items: Sequence[str]) -> tuple[Sequence[str], int]:
    return items[:SHOWN], max(0, len(items) - SHOWN)


def _summary(column: Column) -> str:
    counts: dict[str, int] = {}
    for status in column.statuses.values():
        counts[status.answer] = counts.get(status.answer, 0) + 1
    order = (YES, LOST, NO_COMPACTION, BREAKS, UNJUDGED)
    return " · ".join(f"{MARKS[answer]} {counts[answer]}" for answer in order if answer in counts)


# -- Markdown ----------------------------------------------------------------------------------------------
def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_label(label: str) -> str:
    # A field as code (with its "(leak, rejected; n cases)" after it); a refusal's words as plain text.
    name, paren, rest = label.partition(" (")
    return _md(label) if " " in name or not name else f"`{_md(name)}`" + (f" ({_md(rest)}" if paren else "")


def markdown_cell(column: Column, status: RouteStatus | None) -> str:
    """One cell: mark, headline, then what breaks (or is lost), or the note of a skip reason."""
    if status is None:
        return "—"
    cell = f"{MARKS[status.answer]} {headline(status)}"
    if status.answer == UNJUDGED:
        return f"{cell} [{column.note(column.reasons.get(status.route, ''))}]"
    shown, more = _shown(labels(column, status))
    if shown:
        cell += ": " + ", ".join(_md_label(label) for label in shown) + (f" +{more}" if more else "")
    return cell


def render_compare_markdown(table: Comparison) -> str:
    """The comparison as Markdown: the table, then the runs and the numbered skip reasons."""
    columns = table.columns
    lines = [
        "# Does Codex work through each gateway?",
        "",
        INTRO,
        "",
        "| route (provider) | " + " | ".join(_md(column.label) for column in columns) + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    for route, provider in table.rows:
        cells = [markdown_cell(column, column.statuses.get(route)) for column in columns]
        lines.append(f"| `{_md(route)}` ({_md(provider)}) | " + " | ".join(cells) + " |")
    lines.append("| **routes** | " + " | ".join(_summary(column) for column in columns) + " |")
    lines += ["", "## Runs", ""]
    for column in columns:
        lines.append(
            f"- **{_md(column.label)}**: `{_md(column.source)}`, {column.cases} cases, config: {_md(column.config)}"
        )
    for column in columns:
        if column.notes:
            lines += ["", f"### Not routed: {_md(column.label)}", ""]
            lines += [f"{number}. {_md(reason)}" for number, reason in enumerate(column.notes, start=1)]
    return "\n".join(lines) + "\n"


# -- HTML --------------------------------------------------------------------------------------------------
_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;max-width:1500px}
p.intro{max-width:72em;color:#444;margin-top:0}
table{border-collapse:collapse;margin:.5em 0;table-layout:fixed;width:100%}
td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left;overflow-wrap:anywhere}
thead th{background:#f3f3f3}th.route{width:13em;background:#fafafa;font-weight:400}
thead .sum{display:block;font-weight:400;font-size:12px;color:#555;margin-top:2px}
code{font-size:12px}.route code{font-weight:600}.provider{color:#666;font-size:12px}
.w-yes{background:#e3f4e3}.w-lost{background:#fff4c2}.w-no_compaction{background:#ffe3c2}.w-breaks{background:#fbdcdc}
.w-unjudged{background:#f6f6f6;color:#777}
.head{font-weight:600}
ul{margin:.1em 0 0;padding-left:1.1em}li{font-size:12px;margin:0}li.why{list-style:none;margin-left:-1.1em}
.why{font-size:12px;color:#666}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def html_cell(column: Column, status: RouteStatus | None) -> str:
    """One cell: the answer, then what breaks it (or is lost), or the gateway's reason for not routing it."""
    if status is None:
        return "<td>—</td>"
    out = [
        f'<td class="w-{_e(status.answer)}" title="{_e(status.endpoint)}">',
        f'<div class="head">{MARKS[status.answer]} {_e(headline(status))}</div>',
    ]
    shown, more = _shown(labels(column, status))
    if shown:
        items = "".join(_html_label(label) for label in shown)
        out.append(f"<ul>{items}{f'<li>+{more} more</li>' if more else ''}</ul>")
    if status.answer == UNJUDGED:
        reason = column.reasons.get(status.route, "")
        out.append(f'<div class="why" title="{_e(reason)}">{_e(short_reason(reason))}</div>')
    out.append("</td>")
    return "".join(out)


def _html_label(label: str) -> str:
    name, paren, rest = label.partition(" (")
    if " " in name or not name:  # a refusal in the gateway's words, or a kind of failure
        return f'<li class="why">{_e(label)}</li>'
    return f"<li><code>{_e(name)}</code>{_e(f' ({rest}') if paren else ''}</li>"


def short_reason(reason: str) -> str:
    """A skip reason's first clause, without the "<gateway> cannot route it:" its column already says."""
    text = reason.split(": ", 1)[-1] if " cannot route it: " in reason else reason
    clause = re.split(r" \(|; |, so ", text, maxsplit=1)[0]
    return clause if len(clause) <= 80 else clause[:79] + "…"


def render_compare_html(table: Comparison) -> str:
    """The comparison as one self-contained page."""
    columns = table.columns
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Does Codex work through each gateway?</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Does Codex work through each gateway?</h1>",
        f'<p class="intro">{_e(INTRO)}</p>',
        '<table id="compare"><thead><tr><th class="route">route (provider)</th>',
    ]
    out += [f'<th>{_e(column.label)}<span class="sum">{_e(_summary(column))}</span></th>' for column in columns]
    out.append("</tr></thead><tbody>")
    for route, provider in table.rows:
        out.append(
            f'<tr><th class="route"><code>{_e(route)}</code><br><span class="provider">{_e(provider)}</span></th>'
        )
        out += [html_cell(column, column.statuses.get(route)) for column in columns]
        out.append("</tr>")
    out += ["</tbody></table>", "<h2>Runs</h2>", "<ul>"]
    out += [
        f"<li><b>{_e(c.label)}</b>: <code>{_e(c.source)}</code>, {c.cases} cases, config: {_e(c.config)}</li>"
        for c in columns
    ]
    out += ["</ul>", "</body></html>"]
    return "\n".join(out) + "\n"
