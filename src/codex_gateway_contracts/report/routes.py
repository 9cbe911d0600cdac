"""Per route: can Codex use it? The one derivation of the "Codex works?" answer every report shows.

A route's answer comes from all its cases (every cassette through it), read from results.json. Sessions
that compact remotely (``remote_compaction``: Codex's provider is named OpenAI or Azure, and a long
session asks the gateway for a compaction) are judged apart, as the route's *remote compaction*, because
a route can serve every ordinary turn and still fail every long session:

- ``breaks``: an ordinary case has a finding that breaks Codex (``core.verdict.breaks_codex``: a field
  the provider rejects, a drop, a reject, a broken reply, a reply no provider made, an error); the
  answer names the first one (most severe kind, then the one in most cases);
- ``no_compaction``: ordinary turns work, but a remote compaction breaks (Codex fails the turn, with no
  fallback): works only with a Codex provider that compacts locally (not named OpenAI or Azure);
- ``lost``: Codex works, but fields the provider silently ignores mean settings are lost;
- ``yes``: every case passed;
- ``unjudged``: every case was skipped (the catalogue does not know the provider).

A route whose run holds only remote-compaction sessions is answered from them as ordinary cases.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.verdict import SEVERITY, Effect, Verdict, breaks_codex
from .results import Document, field_pattern

YES, LOST, NO_COMPACTION, BREAKS, UNJUDGED = "yes", "lost", "no_compaction", "breaks", "unjudged"
#: How each answer reads, and its mark.
WORDS = {
    YES: "yes",
    LOST: "works, settings lost",
    NO_COMPACTION: "works, remote compaction breaks",
    BREAKS: "breaks",
    UNJUDGED: "not judged",
}
MARKS = {YES: "✅", LOST: "🟨", NO_COMPACTION: "🔶", BREAKS: "❌", UNJUDGED: "⏭️"}


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
    #: Remote compaction: ``yes`` or ``breaks`` (with :attr:`compaction_first`); None when no case compacts remotely.
    compaction: str | None = None
    compaction_first: Blocker | None = None

    @property
    def short(self) -> str:
        """The answer with its mark: ``❌ breaks``."""
        return f"{MARKS[self.answer]} {WORDS[self.answer]}"

    @property
    def text(self) -> str:
        """The answer, and what breaks: ``❌ breaks: parallel_tool_calls (leak, rejected; 12 cases)``."""
        if self.answer == BREAKS and self.first is not None:
            return f"{self.short}: {self.first}"
        if self.answer == NO_COMPACTION and self.compaction_first is not None:
            return f"{self.short}: {self.compaction_first}"
        return self.short

    @property
    def compaction_text(self) -> str:
        """``✅ works``, ``❌ breaks: <first blocker>``, or ``—`` when no case compacts remotely."""
        if self.compaction is None:
            return "—"
        if self.compaction == BREAKS and self.compaction_first is not None:
            return f"{MARKS[BREAKS]} breaks: {self.compaction_first}"
        return f"{MARKS[YES]} works"


def _fields(findings: Iterable[Mapping[str, Any]]) -> list[str]:
    return sorted({field_pattern(f["path"]) for f in findings if f.get("path")})


def codex_works(cases: Sequence[Mapping[str, Any]]) -> RouteStatus:
    """The answer for one route, from its cases (results.json dicts, all of the same route)."""
    first = cases[0]
    status = RouteStatus(first["route"], first["provider"], first["endpoint"], YES, cases=len(cases))
    findings = [f for case in cases for f in case.get("findings", [])]
    status.passed = sum(case["verdict"] == Verdict.PASS for case in cases)
    leaks = [f for f in findings if f["kind"] == Verdict.LEAK]
    breaking = [f for f in findings if _breaks(f)]
    status.rejected = _fields(f for f in breaking if f["kind"] in (Verdict.LEAK, Verdict.UPSTREAM_REJECT))
    status.ignored = _fields(f for f in leaks if not _breaks(f))
    status.drops = _fields(f for f in findings if f["kind"] == Verdict.DROP)
    status.unverified = _fields(f for f in leaks if f.get("effect") == Effect.UNVERIFIED)
    compacting = [case for case in cases if case.get("remote_compaction")]
    ordinary = [case for case in cases if not case.get("remote_compaction")] or compacting
    if compacting and ordinary is not compacting:
        judged = [case for case in compacting if case["verdict"] != Verdict.SKIPPED]
        if judged:
            status.compaction = BREAKS if _breaking(judged) else YES
            status.compaction_first = _first(judged) if status.compaction == BREAKS else None
    if all(case["verdict"] == Verdict.SKIPPED for case in ordinary):
        status.answer = UNJUDGED
    elif _breaking(ordinary):
        status.answer = BREAKS
        status.first = _first(ordinary)
    elif status.compaction == BREAKS:
        status.answer = NO_COMPACTION
    elif leaks:
        status.answer = LOST
    return status


def _breaks(finding: Mapping[str, Any]) -> bool:
    return breaks_codex(finding["kind"], finding.get("effect"), finding.get("policy"))


def _breaking(cases: Iterable[Mapping[str, Any]]) -> bool:
    return any(_breaks(f) for case in cases for f in case.get("findings", []))


def _first(cases: Sequence[Mapping[str, Any]]) -> Blocker:
    """The most severe breaking kind; among its fields the one in most cases, then by name."""
    counts: Counter[tuple[str, str, str | None]] = Counter()
    for case in cases:
        seen = {
            (f["kind"], field_pattern(f.get("path") or ""), f.get("effect"))
            for f in case.get("findings", [])
            if _breaks(f)
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
    works = counts[YES] + counts[LOST] + counts[NO_COMPACTION]
    line = f"Codex works on {works} of {len(statuses)} routes"
    notes = [f"{counts[LOST]} of them with settings lost"] if counts[LOST] else []
    if counts[NO_COMPACTION]:
        notes.append(f"{counts[NO_COMPACTION]} only without remote compaction")
    line += f" ({'; '.join(notes)})" if notes else ""
    if counts[BREAKS]:
        line += f"; breaks on {counts[BREAKS]}"
        line += (": " + ", ".join(s.route for s in statuses if s.answer == BREAKS)) if names else ""
    if counts[UNJUDGED]:
        line += f"; {counts[UNJUDGED]} not judged"
    compacting = [s for s in statuses if s.compaction is not None]
    if compacting:
        line += f"; remote compaction works on {sum(s.compaction == YES for s in compacting)} of {len(compacting)}"
    return line
