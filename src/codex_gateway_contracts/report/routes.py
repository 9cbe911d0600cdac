"""Per route: can Codex use it? The one derivation of the "Codex works?" answer every report shows.

A route's answer comes from all its cases (every cassette through it), read from results.json:

- ``breaks``: some case has a finding that breaks Codex (``core.verdict.breaks_codex``: a field the
  provider rejects, a drop, a reject, a broken reply, a reply no provider made, an error); the answer
  names the first one (most severe kind, then the one in most cases);
- ``lost``: Codex works, but fields the provider silently ignores mean settings are lost;
- ``yes``: every case passed;
- ``unjudged``: every case was skipped (the catalogue does not know the provider).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.verdict import SEVERITY, Effect, Verdict, breaks_codex
from .results import Document, field_pattern

YES, LOST, BREAKS, UNJUDGED = "yes", "lost", "breaks", "unjudged"
#: How each answer reads, and its mark.
WORDS = {YES: "yes", LOST: "works, settings lost", BREAKS: "breaks", UNJUDGED: "not judged"}
MARKS = {YES: "✅", LOST: "🟨", BREAKS: "❌", UNJUDGED: "⏭️"}


@dataclass(frozen=True)
class Blocker:
    """What breaks Codex on a route: a finding kind and field (pattern), in how many cases."""

    kind: str
    path: str
    effect: str | None
    cases: int

    @property
    def label(self) -> str:
        """``leak, rejected; 3 cases``."""
        effect = f", {self.effect}" if self.effect else ""
        return f"{self.kind}{effect}; {self.cases} case{'s' if self.cases != 1 else ''}"

    def __str__(self) -> str:
        return f"{self.path} ({self.label})" if self.path else self.label


@dataclass
class RouteStatus:
    """One route's answer and what it rests on (field patterns: ``tools[].function.strict``)."""

    route: str
    provider: str
    endpoint: str
    answer: str
    first: Blocker | None = None
    #: Leaked fields that break Codex (the provider rejects them), and rejected values (``upstream_reject``).
    rejected: list[str] = field(default_factory=list)
    #: Leaked fields the provider accepts and drops: Codex works, the setting is lost.
    ignored: list[str] = field(default_factory=list)
    #: Parts of Codex's request that never reached the provider.
    drops: list[str] = field(default_factory=list)
    #: Leaked fields whose effect is assumed: the provider's handling of unknown fields was not observed.
    unverified: list[str] = field(default_factory=list)
    passed: int = 0
    cases: int = 0

    @property
    def short(self) -> str:
        """The answer with its mark: ``❌ breaks``."""
        return f"{MARKS[self.answer]} {WORDS[self.answer]}"

    @property
    def text(self) -> str:
        """The answer, and what breaks: ``❌ breaks: leak parallel_tool_calls (12 cases, rejected)``."""
        return f"{self.short}: {self.first}" if self.answer == BREAKS and self.first is not None else self.short


def _fields(findings: Iterable[Mapping[str, Any]]) -> list[str]:
    return sorted({field_pattern(f["path"]) for f in findings if f.get("path")})


def codex_works(cases: Sequence[Mapping[str, Any]]) -> RouteStatus:
    """The answer for one route, from its cases (results.json dicts, all of the same route)."""
    first = cases[0]
    status = RouteStatus(first["route"], first["provider"], first["endpoint"], YES, cases=len(cases))
    findings = [f for case in cases for f in case.get("findings", [])]
    judged = [case for case in cases if case["verdict"] != Verdict.SKIPPED]
    status.passed = sum(case["verdict"] == Verdict.PASS for case in cases)
    leaks = [f for f in findings if f["kind"] == Verdict.LEAK]
    breaking = [f for f in findings if breaks_codex(f["kind"], f.get("effect"), f.get("policy"))]
    status.rejected = _fields(f for f in breaking if f["kind"] in (Verdict.LEAK, Verdict.UPSTREAM_REJECT))
    status.ignored = _fields(f for f in leaks if not breaks_codex(f["kind"], f.get("effect"), f.get("policy")))
    status.drops = _fields(f for f in findings if f["kind"] == Verdict.DROP)
    status.unverified = _fields(f for f in leaks if f.get("effect") == Effect.UNVERIFIED)
    if not judged:
        status.answer = UNJUDGED
    elif breaking:
        status.answer = BREAKS
        status.first = _first(cases)
    elif leaks:
        status.answer = LOST
    return status


def _first(cases: Sequence[Mapping[str, Any]]) -> Blocker:
    """The most severe breaking kind; among its fields the one in most cases, then by name."""
    counts: Counter[tuple[str, str, str | None]] = Counter()
    for case in cases:
        seen = {
            (f["kind"], field_pattern(f.get("path") or ""), f.get("effect"))
            for f in case.get("findings", [])
            if breaks_codex(f["kind"], f.get("effect"), f.get("policy"))
        }
        counts.update(seen)
    (kind, path, effect), number = min(
        counts.items(), key=lambda item: (SEVERITY.get(Verdict(item[0][0]), 99), -item[1], item[0][1])
    )
    return Blocker(kind, path, effect, number)


def route_statuses(document: Document) -> list[RouteStatus]:
    """Every route of a run, by name (case-insensitive)."""
    by_route: dict[str, list[Mapping[str, Any]]] = {}
    for case in document["cases"]:
        by_route.setdefault(case["route"], []).append(case)
    return [codex_works(by_route[route]) for route in sorted(by_route, key=lambda r: (r.lower(), r))]


def route_summary(document: Document, *, names: bool = True) -> str:
    """One line: ``Codex works on 9 of 24 routes (3 of them with settings lost); breaks on 15: a, b, ...``."""
    statuses = route_statuses(document)
    counts = Counter(s.answer for s in statuses)
    works = counts[YES] + counts[LOST]
    line = f"Codex works on {works} of {len(statuses)} routes"
    if counts[LOST]:
        line += f" ({counts[LOST]} of them with settings lost)"
    if counts[BREAKS]:
        line += f"; breaks on {counts[BREAKS]}"
        line += (": " + ", ".join(s.route for s in statuses if s.answer == BREAKS)) if names else ""
    if counts[UNJUDGED]:
        line += f"; {counts[UNJUDGED]} not judged"
    return line
