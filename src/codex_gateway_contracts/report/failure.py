"""The failure message of one case: what a fork maintainer reads in the pytest output."""

from __future__ import annotations

import json

from ..core.verdict import CaseResult
from .results import finding_line


def failure_message(result: CaseResult) -> str:
    """One screen a fork maintainer can act on: who, where, what leaked from where, what each side saw."""
    lines = [
        f"{result.verdict.upper()}: {result.id}",
        f"  route {result.route} -> provider {result.provider}, endpoint {result.endpoint}",
    ]
    lines += [f"  - {finding_line(finding.as_dict())}" for finding in result.findings]
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
