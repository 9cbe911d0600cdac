"""results.json: the true verdict of every case, whatever the expectations say about them."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .verdict import CaseResult


def results_document(gateway: Mapping[str, Any], results: Sequence[CaseResult]) -> dict[str, Any]:
    """The document, cases sorted by id so that two runs of the same gateway compare equal."""
    cases = [r.as_dict() for r in sorted(results, key=lambda r: r.id)]
    summary = Counter(case["verdict"] for case in cases)
    return {"gateway": dict(gateway), "summary": dict(sorted(summary.items())), "cases": cases}


def write_results(directory: Path, gateway: Mapping[str, Any], results: Sequence[CaseResult]) -> Path:
    """Write ``directory/results.json`` atomically and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "results.json"
    temporary = target.with_suffix(".json.tmp")
    temporary.write_text(
        json.dumps(results_document(gateway, results), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    temporary.replace(target)
    return target


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
