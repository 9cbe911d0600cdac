"""Known failures of a gateway version, kept as data and enforced strictly.

``expectations/<gateway>-<version>.yaml`` lists cases that are known to fail, each with the exact
findings it fails with, a reason and an upstream issue. A listed case that fails exactly so is an
expected failure; one that now passes, or fails differently, fails the run: the file must say the
truth about the gateway, so a fix is noticed and a new leak is never hidden behind an old one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ExpectationsError
from .files import write_atomic
from .verdict import CaseResult, Outcome, Verdict


@dataclass(frozen=True)
class Expectation:
    """One known failure."""

    id: str
    verdict: str
    findings: frozenset[str]
    reason: str
    issue: str = ""


def read_expected(path: Path) -> dict[str, Any]:
    """The raw document of an expectations file (``expected`` entries plus a header); shared with e2e."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ExpectationsError(f"{path}: not YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("expected") or [], list):
        raise ExpectationsError(f"{path}: expected a mapping with an 'expected' list")
    return raw


def signature(result: CaseResult) -> frozenset[str]:
    """The findings of a case as ``kind:path`` strings: what an expectation pins down."""
    return frozenset(f"{f.kind}:{f.path}" for f in result.findings)


@dataclass
class Expectations:
    """The loaded file, looked up by case id."""

    path: Path | None
    entries: dict[str, Expectation] = field(default_factory=dict)
    header: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None) -> Expectations:
        """Read a file; None or a missing default file gives an empty set."""
        if path is None or not path.is_file():
            return cls(path)
        raw = read_expected(path)
        entries: dict[str, Expectation] = {}
        for number, item in enumerate(raw.get("expected") or []):
            try:
                entry = Expectation(
                    str(item["id"]),
                    str(item["verdict"]),
                    frozenset(item.get("findings") or []),
                    str(item["reason"]),
                    str(item.get("issue") or ""),
                )
            except (KeyError, TypeError) as exc:
                raise ExpectationsError(f"{path}: expected[{number}] needs id, verdict and reason ({exc})") from exc
            if entry.id in entries:
                raise ExpectationsError(f"{path}: {entry.id} is listed twice")
            entries[entry.id] = entry
        header = {k: v for k, v in raw.items() if k != "expected"}
        return cls(path, entries, header)

    def get(self, case_id: str) -> Expectation | None:
        """The entry for a case, if any."""
        return self.entries.get(case_id)

    def stale(self, known_ids: Iterable[str]) -> list[str]:
        """Entries that name no case of this run's configuration."""
        known = set(known_ids)
        return sorted(case_id for case_id in self.entries if case_id not in known)


def compare(result: CaseResult, expected: Expectation | None) -> tuple[Outcome, str]:
    """Decide a case against its expectation: ``pass``, ``xfail`` or ``fail`` with a message."""
    if expected is None:
        return (Outcome.PASS, "") if result.verdict == Verdict.PASS else (Outcome.FAIL, "")
    if result.verdict == Verdict.PASS:
        return Outcome.FAIL, (
            f"{result.id} is listed as a known {expected.verdict} but now passes: remove it from "
            f"expectations ({expected.reason})"
        )
    actual = signature(result)
    if result.verdict == expected.verdict and actual == expected.findings:
        note = f"known {expected.verdict}: {expected.reason}" + (f" ({expected.issue})" if expected.issue else "")
        return Outcome.XFAIL, note
    new = sorted(actual - expected.findings)
    gone = sorted(expected.findings - actual)
    change = "; ".join(
        filter(None, [f"new: {', '.join(new)}" if new else "", f"gone: {', '.join(gone)}" if gone else ""])
    )
    return Outcome.FAIL, (
        f"{result.id} differs from its expectation (expected {expected.verdict}, got {result.verdict}; "
        f"{change or 'same findings'}). Update expectations if this is intended."
    )


def rewrite(path: Path, results: Sequence[CaseResult], previous: Expectations, header: Mapping[str, Any]) -> int:
    """Write the file from a run: every failing case, keeping reasons and issues already written."""
    entries = []
    for result in sorted(results, key=lambda r: r.id):
        if result.verdict in {Verdict.PASS, Verdict.SKIPPED}:
            continue
        old = previous.get(result.id)
        entries.append(
            {
                "id": result.id,
                "verdict": result.verdict.value,
                "findings": sorted(signature(result)),
                "reason": old.reason if old else "TODO: explain why this fails and where it is tracked",
                "issue": old.issue if old else "",
            }
        )
    document = {**header, "expected": entries}
    write_atomic(path, yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120))
    return len(entries)
