"""results.json: the true verdict of every case, whatever the expectations say, and shared views of it.

``report.md``, ``report.html`` and ``junit.xml`` are rendered from the document and from nothing else, so
they cannot disagree with it (the report self-tests parse them back to check).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.files import write_atomic
from ..core.verdict import CaseResult, Verdict

Document = Mapping[str, Any]
MARKS = {
    Verdict.PASS.value: "✅",
    Verdict.LEAK.value: "🟥",
    Verdict.DROP.value: "🟧",
    Verdict.UPSTREAM_REJECT.value: "⛔",
    Verdict.GATEWAY_REJECT.value: "🚫",
    Verdict.BAD_REPLY.value: "⚠️",
    Verdict.NO_UPSTREAM_CALL.value: "⭕",
    Verdict.ERROR.value: "💥",
    Verdict.SKIPPED.value: "⏭️",
}


def results_document(gateway: Mapping[str, Any], results: Sequence[CaseResult]) -> dict[str, Any]:
    """The document, cases sorted by id so that two runs of the same gateway compare equal."""
    cases = [r.as_dict() for r in sorted(results, key=lambda r: r.id)]
    summary = Counter(case["verdict"] for case in cases)
    return {"gateway": dict(gateway), "summary": dict(sorted(summary.items())), "cases": cases}


def write_results(directory: Path, gateway: Mapping[str, Any], results: Sequence[CaseResult]) -> Path:
    """Write ``directory/results.json`` atomically and return its path."""
    return write_document(directory, results_document(gateway, results))


def write_document(directory: Path, document: Document) -> Path:
    """Write a results.json document to ``directory/results.json`` atomically and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    return write_atomic(directory / "results.json", json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def title(document: Document) -> str:
    """``<package> <version>`` of the run's gateway (``aiyou-litellm 1.105.0``; the kind for older runs)."""
    gateway = document.get("gateway", {})
    name = gateway.get("package") or gateway.get("kind", "gateway")
    baseline = f", judged against {gateway['baseline']}" if gateway.get("baseline") else ""
    return f"{name} {gateway.get('version', '?')}{baseline}"


def finding_line(finding: Mapping[str, Any]) -> str:
    """``leak service_tier [origin: client, effect: ignored] (request #0): message``: one finding, everywhere."""
    tags = [f"{name}: {finding[name]}" for name in ("origin", "effect") if finding.get(name)]
    path = f" {finding['path']}" if finding.get("path") else ""
    where = f" [{', '.join(tags)}]" if tags else ""
    return f"{finding['kind']}{path}{where} (request #{finding.get('request', 0)}): {finding['message']}"


def summary_line(document: Document) -> str:
    """``N cases: ✅ pass n, ...``."""
    summary = document.get("summary", {})
    counts = ", ".join(f"{MARKS.get(v, '')} {v} {n}" for v, n in summary.items())
    return f"{sum(summary.values())} cases: {counts}"


def offending_paths(case: Mapping[str, Any]) -> list[str]:
    """The distinct offending paths of a case, in finding order."""
    return list(dict.fromkeys(f["path"] for f in case.get("findings", []) if f.get("path")))


def route_columns(document: Document) -> list[tuple[str, str]]:
    """``(route, provider)`` in first-seen order."""
    seen: dict[str, str] = {}
    for case in document["cases"]:
        seen.setdefault(case["route"], case["provider"])
    return list(seen.items())


def cassette_ids(document: Document) -> list[str]:
    """Cassette ids in first-seen order."""
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
    effect: str
    cases: int = 0
    routes: set[str] = field(default_factory=set)


def offending_fields(document: Document) -> list[FieldCount]:
    """Findings with a path grouped by field, kind, origin and effect, most frequent first (cases counted once)."""
    counts: dict[tuple[str, str, str, str], FieldCount] = {}
    for case in document["cases"]:
        seen: set[tuple[str, str, str, str]] = set()
        for finding in case.get("findings", []):
            if not finding.get("path") or finding["kind"] == "skipped":
                continue
            group = (
                field_pattern(finding["path"]),
                finding["kind"],
                finding.get("origin") or "-",
                finding.get("effect") or "-",
            )
            if group in seen:
                continue
            seen.add(group)
            entry = counts.setdefault(group, FieldCount(*group))
            entry.cases += 1
            entry.routes.add(case["route"])
    return sorted(counts.values(), key=lambda c: (-c.cases, c.path, c.kind, c.origin, c.effect))
