"""report.html: one self-contained page, route first, then every case, filterable.

Top to bottom: can Codex use each route (the same answers as report.md), a heat map of every case
(routes down, Codex versions and scenarios across; hover for the findings), the most frequent offending
fields, and a table of every case with its findings, filterable by provider, verdict, effect and field.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

from .results import MARKS, Document, field_pattern, offending_fields, offending_paths, summary_line, title
from .routes import BREAKS, Blocker, RouteStatus, codex_works, route_statuses, route_summary
from .routes import MARKS as ANSWER_MARKS

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.2em 1.6em;color:#1d2329}
h1{font-size:1.45em;margin:.1em 0 .3em}h2{font-size:1.15em;margin:1.6em 0 .5em;padding-bottom:.2em;
border-bottom:1px solid #d8dde3}p.meta{color:#3d4853;margin:.25em 0}.muted{color:#8a949e}
table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #d8dde3;padding:4px 8px;vertical-align:top}
th{background:#f2f4f7;text-align:left;font-weight:600}code{font:12.5px ui-monospace,SFMono-Regular,Menlo,monospace}
.a-yes{background:#dcf5dc}.a-lost{background:#fff1b8}.a-no_compaction{background:#fddcb5}.a-breaks{background:#fbdada}.a-unjudged{background:#e8e8e8}
#routes{font-size:13.5px;width:100%;table-layout:fixed}#routes td code{overflow-wrap:anywhere}
#routes td.fields code{display:inline-block;margin:0 .6em .15em 0;font-size:12px}
td.answer{font-weight:600}td.answer small{display:block;font-weight:400}td.num{text-align:right;white-space:nowrap}
#heat{font-size:11px}#heat th.scenario{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;
padding:5px 1px;font-weight:500;font-size:11px}#heat th.version{text-align:center}#heat td{padding:1px;
text-align:center;cursor:default;min-width:1.25em}#heat th.route{white-space:nowrap;font-weight:500;background:#fff}
#heat td.gap,#heat th.gap{border:none;background:none;min-width:6px;padding:0}
.legend span{margin-right:1.1em;white-space:nowrap}.legend span[class]{padding:0 .4em}
.v-pass{background:#dcf5dc}.v-leak{background:#fbdada}.v-drop{background:#fde3c8}
.v-upstream_reject,.v-gateway_reject{background:#f6d3ea}.v-bad_reply,.v-no_upstream_call{background:#fff1b8}
.v-error{background:#ddd}.v-skipped{color:#8a949e;background:#f5f5f5}
#filters label{margin-right:1em}#cases{width:100%}#cases ul{margin:0;padding-left:1.2em}
#cases td{font-size:13px;overflow-wrap:anywhere}
"""
#: The route table's columns and their share of the page width (it fits a 1400-pixel window).
_ROUTE_COLUMNS = (
    ("route", 12),
    ("provider", 7),
    ("endpoint", 11),
    ("Codex works?", 13),
    ("remote compaction", 13),
    ("rejected fields", 17),
    ("ignored fields", 15),
    ("drops", 7),
    ("passing", 5),
)
_SCRIPT = """
const rows=[...document.querySelectorAll('#cases tbody tr')];
const pick=(id)=>document.getElementById(id);
const list=(r,k)=>JSON.parse(r.dataset[k]);
function fill(id,values){const s=pick(id);
[...new Set(values)].sort().forEach(v=>{const o=document.createElement('option');o.value=v;o.textContent=v;
s.appendChild(o);});}
fill('f-provider',rows.map(r=>r.dataset.provider));
fill('f-verdict',rows.map(r=>r.dataset.verdict));
fill('f-effect',rows.flatMap(r=>list(r,'effects')));
fill('f-field',rows.flatMap(r=>list(r,'fields')));
function apply(){const p=pick('f-provider').value,v=pick('f-verdict').value,e=pick('f-effect').value,
f=pick('f-field').value;let shown=0;
rows.forEach(r=>{const ok=(!p||r.dataset.provider===p)&&(!v||r.dataset.verdict===v)&&
(!e||list(r,'effects').includes(e))&&(!f||list(r,'fields').includes(f));r.hidden=!ok;if(ok)shown++;});
pick('shown').textContent=shown+' of '+rows.length+' cases';}
['f-provider','f-verdict','f-effect','f-field'].forEach(id=>pick(id).addEventListener('change',apply));apply();
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _breakable(text: str) -> str:
    """Escaped, with line-break opportunities after the dots, dashes, slashes and underscores of paths and names."""
    escaped = _e(text)
    for separator in (".", "-", "/", "_"):
        escaped = escaped.replace(separator, f"{separator}<wbr>")
    return escaped


def _codes(items: Sequence[str], unverified: Sequence[str] = ()) -> str:
    if not items:
        return '<span class="muted">—</span>'
    text = "".join(f"<code>{_breakable(item)}</code>" for item in items)
    return text + (' <span class="muted">(unverified)</span>' if set(items) & set(unverified) else "")


def _blocker(first: Blocker) -> str:
    label = f"<code>{_breakable(first.path)}</code> ({_e(first.label)})" if first.path else _e(first.label)
    return f"<small>{label}</small>"


def _route_row(status: RouteStatus) -> str:
    detail = _blocker(status.first) if status.answer == BREAKS and status.first is not None else ""
    compaction, compaction_class = _e(status.compaction_text), "muted"
    if status.compaction is not None:
        compaction_class = f"answer a-{status.compaction}"
        if status.compaction_first is not None:
            compaction = f"{_e(ANSWER_MARKS[BREAKS])} breaks{_blocker(status.compaction_first)}"
    return (
        f'<tr data-route="{_e(status.route)}" data-answer="{status.answer}">'
        f"<td><code>{_breakable(status.route)}</code></td><td>{_e(status.provider)}</td>"
        f"<td><code>{_breakable(status.endpoint)}</code></td>"
        f'<td class="answer a-{status.answer}">{_e(status.short)}{detail}</td>'
        f'<td class="{compaction_class}">{compaction}</td>'
        f'<td class="fields">{_codes(status.rejected, status.unverified)}</td>'
        f'<td class="fields">{_codes(status.ignored, status.unverified)}</td>'
        f'<td class="fields">{_codes(status.drops)}</td>'
        f'<td class="num">{status.passed} / {status.cases}</td></tr>'
    )


def _heat_map(document: Document, statuses: Sequence[RouteStatus]) -> list[str]:
    """Routes down; Codex versions, then scenarios, across; one coloured mark per case."""
    by_id = {case["id"]: case for case in document["cases"]}
    pairs = list(dict.fromkeys(tuple(case["cassette"].split("/", 1)) for case in document["cases"]))
    versions = list(dict.fromkeys(version for version, _ in pairs))
    columns = {v: sorted(s for version, s in pairs if version == v) for v in versions}
    out = ['<table id="heat"><thead><tr><th rowspan="2">route</th>']
    for version in versions:
        out.append(f'<th class="gap"></th><th class="version" colspan="{len(columns[version])}">{_e(version)}</th>')
    out.append("</tr><tr>")
    for version in versions:
        out.append('<th class="gap"></th>')
        out += [f'<th class="scenario">{_e(s)}</th>' for s in columns[version]]
    out.append("</tr></thead><tbody>")
    for status in statuses:
        out.append(f'<tr><th class="route">{_e(ANSWER_MARKS[status.answer])} <code>{_e(status.route)}</code></th>')
        for version in versions:
            out.append('<td class="gap"></td>')
            for scenario in columns[version]:
                case = by_id.get(f"{version}/{scenario}-{status.route}")
                out.append(_heat_cell(case))
        out.append("</tr>")
    out.append("</tbody></table>")
    return out


def _heat_cell(case: Mapping[str, Any] | None) -> str:
    """The verdict's mark on the colour of what it means for Codex (works, settings lost, breaks)."""
    if case is None:
        return '<td class="muted">·</td>'
    verdict, answer = case["verdict"], codex_works([case]).answer
    paths = offending_paths(case)
    tip = f"{case['id']}: {verdict}" + (f": {', '.join(paths[:12])}" if paths else "")
    return (
        f'<td class="a-{answer}" data-id="{_e(case["id"])}" data-verdict="{_e(verdict)}" data-answer="{answer}"'
        f' title="{_e(tip)}">{MARKS.get(verdict, "?")}</td>'
    )


def _case_row(case: Mapping[str, Any]) -> str:
    findings = case.get("findings", [])
    fields = sorted({field_pattern(f["path"]) for f in findings if f.get("path")})
    effects = sorted({f["effect"] for f in findings if f.get("effect")})
    items = "".join(
        f"<li>{_e(f['kind'])} <code>{_e(f['path'])}</code>"
        + "".join(f" [{_e(f[k])}]" for k in ("origin", "effect") if f.get(k))
        + f" (request #{_e(f.get('request', 0))}): {_e(f['message'])}</li>"
        for f in findings
    )
    return (
        f'<tr class="v-{_e(case["verdict"])}" data-id="{_e(case["id"])}" data-provider="{_e(case["provider"])}"'
        f' data-route="{_e(case["route"])}" data-verdict="{_e(case["verdict"])}"'
        f' data-fields="{_e(json.dumps(fields))}" data-effects="{_e(json.dumps(effects))}">'
        f"<td><code>{_e(case['id'])}</code></td><td>{_e(case['route'])}</td><td>{_e(case['provider'])}</td>"
        f"<td>{_e(case['endpoint'])}</td><td>{MARKS.get(case['verdict'], '?')} {_e(case['verdict'])}</td>"
        f"<td>{f'<ul>{items}</ul>' if items else ''}</td></tr>"
    )


def render_html(document: Document) -> str:
    """One self-contained page: routes, the heat map of cases, offending fields, every case (filterable)."""
    gateway = document.get("gateway", {})
    statuses = route_statuses(document)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Codex gateway contracts: {_e(title(document))}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Codex gateway contracts: {_e(title(document))}</h1>",
        f'<p class="meta"><b>{_e(route_summary(document, names=False))}.</b></p>',
        f'<p class="meta">Gateway kind <code>{_e(gateway.get("kind", "?"))}</code>, config '
        f"<code>{_e(gateway.get('config', '?'))}</code>. {_e(summary_line(document))}.</p>",
        "<h2>Can Codex use each route?</h2>",
        '<table id="routes"><colgroup>' + "".join(f'<col style="width:{w}%">' for _, w in _ROUTE_COLUMNS),
        "</colgroup><thead><tr>" + "".join(f"<th>{name}</th>" for name, _ in _ROUTE_COLUMNS) + "</tr></thead><tbody>",
        *(_route_row(status) for status in statuses),
        "</tbody></table>",
        '<p class="meta"><b>Codex works?</b> judges the ordinary turns; <b>remote compaction</b> the sessions '
        "where Codex (provider named OpenAI or Azure) asks the gateway to compact, which has no fallback: the turn "
        "fails. 🔶: ordinary turns work; long sessions need a Codex provider that compacts locally. "
        "<b>Rejected</b>: the provider refuses requests with the field, so Codex gets an error "
        "(rejected values too). <b>Ignored</b>: accepted and silently dropped; Codex works, the setting is lost. "
        "<b>Unverified</b>: the provider's handling of unknown fields is assumed, not observed. Verdicts are the "
        "true behaviour of this gateway; known failures listed in an expectations file still show.</p>",
        "<h2>Cases by route</h2>",
        '<p class="legend">Mark: the verdict. '
        + "".join(f"<span>{mark} {_e(name)}</span>" for name, mark in MARKS.items())
        + '<br>Colour: what it means for Codex. <span class="a-yes">works</span><span class="a-lost">works, '
        'settings lost</span><span class="a-breaks">breaks</span> (hover over a cell for its findings)</p>',
        *_heat_map(document, statuses),
        "<h2>Most frequent offending fields</h2>",
    ]
    fields = offending_fields(document)
    if fields:
        out.append('<table id="fields"><thead><tr><th>field</th><th>finding</th><th>origin</th><th>effect</th>')
        out.append("<th>cases</th><th>routes</th></tr></thead><tbody>")
        for entry in fields:
            out.append(
                f"<tr><td><code>{_e(entry.path)}</code></td><td>{_e(entry.kind)}</td><td>{_e(entry.origin)}</td>"
                f'<td>{_e(entry.effect)}</td><td class="num">{entry.cases}</td>'
                f"<td>{_e(', '.join(sorted(entry.routes)))}</td></tr>"
            )
        out.append("</tbody></table>")
    else:
        out.append("<p>None: every judged case passed.</p>")
    out += [
        "<h2>Cases</h2>",
        '<p id="filters"><label>provider <select id="f-provider"><option value="">all</option></select></label>',
        '<label>verdict <select id="f-verdict"><option value="">all</option></select></label>',
        '<label>effect <select id="f-effect"><option value="">all</option></select></label>',
        '<label>field <select id="f-field"><option value="">all</option></select></label>',
        '<span id="shown"></span></p>',
        '<table id="cases"><thead><tr><th>case</th><th>route</th><th>provider</th><th>endpoint</th>',
        "<th>verdict</th><th>findings</th></tr></thead><tbody>",
        *(_case_row(case) for case in document["cases"]),
        "</tbody></table>",
        f"<script>{_SCRIPT}</script>",
        "</body></html>",
    ]
    return "\n".join(out) + "\n"
