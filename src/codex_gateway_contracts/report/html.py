"""report.html: one self-contained page, filterable by provider, verdict and field."""

from __future__ import annotations

import html
import json
from typing import Any

from .results import (
    MARKS,
    Document,
    cassette_ids,
    field_pattern,
    offending_fields,
    offending_paths,
    route_columns,
    summary_line,
    title,
)

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
    deployments = route_columns(document)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Codex gateway contracts: {_e(title(document))}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Codex gateway contracts: {_e(title(document))}</h1>",
        f"<p>Config: <code>{_e(gateway.get('config', '?'))}</code>. {_e(summary_line(document))}.</p>",
        "<h2>Deployments \u00d7 cassettes</h2>",
        '<table id="matrix"><thead><tr><th>cassette</th>',
    ]
    out += [f"<th><code>{_e(route)}</code><br>{_e(provider)}</th>" for route, provider in deployments]
    out.append("</tr></thead><tbody>")
    for cassette in cassette_ids(document):
        out.append(f"<tr><th><code>{_e(cassette)}</code></th>")
        for route, _ in deployments:
            case = by_id.get(f"{cassette}-{route}")
            if case is None:
                out.append("<td>—</td>")
                continue
            paths = offending_paths(case)
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
        fields_of_case = sorted({field_pattern(p) for p in offending_paths(case)})
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
