"""Known failures of a gateway version, kept as data and enforced strictly.

``expectations/<gateway>-<version>.yaml`` lists cases that are known to fail, each with the exact
findings it fails with, a reason and an upstream issue. A listed case that fails exactly so is an
expected failure; one that now passes, or fails differently, fails the run: the file must say the
truth about the gateway, so a fix is noticed and a new leak is never hidden behind an old one.

Which file judges a run is decided in one place, :func:`locate`: the file of the detected upstream
release, or of the ``--contracts-baseline`` release; a fork (another package name) gets none unless it
names its baseline. ``--contracts-fail-on rejected`` (see :func:`compare`) only tolerates findings that
do not break Codex; the file itself stays strict in both modes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ExpectationsError
from .files import write_atomic
from .releases import Release, nearest, parse
from .verdict import CaseResult, FailOn, Finding, Outcome, Verdict


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
        """Read a file; None, or a file still to be written (``--contracts-update-expectations``), is empty."""
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

    def under(self, base: Expectations) -> Expectations:
        """These entries over ``base``'s: a fork's own file, written starting from its baseline's reasons."""
        return Expectations(self.path, {**base.entries, **self.entries}, self.header)


# -- which file ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Lookup:
    """The expectations file that judges a run, and the release it describes (both None when none applies)."""

    path: Path | None
    release: str | None
    #: When none applies: the nearest release that has a file (what to pass as ``--contracts-baseline``).
    nearest: str | None = None


def expectations_file(folder: Path, gateway: str, version: str) -> Path:
    """``<folder>/<gateway>-<version>.yaml``."""
    return folder / f"{gateway}-{version}.yaml"


def known_releases(folder: Path, gateway: str) -> list[str]:
    """Releases of ``gateway`` that have an expectations file in ``folder``, oldest first."""
    prefix = f"{gateway}-"
    found = [p.stem[len(prefix) :] for p in folder.glob(f"{prefix}*.yaml")] if folder.is_dir() else []
    return sorted((v for v in found if parse(v) is not None), key=lambda v: (parse(v), v))


def locate(folder: Path, gateway: str, release: Release, baseline: str | None = None) -> Lookup:
    """The one rule for which expectations judge a run.

    ``baseline`` (``--contracts-baseline``) names the upstream release to compare with, whatever was
    detected; it must have a file. Otherwise the detected release's file, if the package is upstream's:
    a fork's version number is its own, so it is never matched against an upstream release by accident.
    When nothing applies, :attr:`Lookup.nearest` names the closest release that has a file.
    """
    known = known_releases(folder, gateway)
    if baseline is not None:
        path = expectations_file(folder, gateway, baseline)
        if not path.is_file():
            raise ExpectationsError(
                f"--contracts-baseline {baseline}: no {path.name} in {folder} "
                f"(releases with expectations: {', '.join(known) or 'none'})"
            )
        return Lookup(path, baseline)
    path = expectations_file(folder, gateway, release.version)
    if not release.fork and path.is_file():
        return Lookup(path, release.version)
    return Lookup(None, None, nearest(release.version, known))


# -- judging a case -----------------------------------------------------------------------------------
def compare(result: CaseResult, expected: Expectation | None, fail_on: str = FailOn.ANY) -> tuple[Outcome, str]:
    """Decide a case against its expectation: ``pass``, ``xfail`` or ``fail`` with a message.

    With ``fail_on`` ``rejected``, findings the expectation does not list fail the run only when they
    break Codex (:func:`~.verdict.breaks_codex`); the others are tolerated (an xfail saying so). What
    the file lists is judged strictly in both modes: a listed case that now passes, or lost a listed
    finding, still fails, so the file never claims a failure that no longer happens.
    """
    tolerate = fail_on == FailOn.REJECTED
    if expected is None:
        if result.verdict == Verdict.PASS:
            return Outcome.PASS, ""
        if tolerate and not any(f.breaks_codex for f in result.findings):
            return Outcome.XFAIL, f"tolerated by --contracts-fail-on rejected: Codex works; {_lost(result.findings)}"
        return Outcome.FAIL, ""
    if result.verdict == Verdict.PASS:
        return Outcome.FAIL, (
            f"{result.id} is listed as a known {expected.verdict} but now passes: remove it from "
            f"expectations ({expected.reason})"
        )
    actual = signature(result)
    note = f"known {expected.verdict}: {expected.reason}" + (f" ({expected.issue})" if expected.issue else "")
    if result.verdict == expected.verdict and actual == expected.findings:
        return Outcome.XFAIL, note
    new = sorted(actual - expected.findings)
    gone = sorted(expected.findings - actual)
    added = [f for f in result.findings if f"{f.kind}:{f.path}" in new]
    if tolerate and not gone and not any(f.breaks_codex for f in added):
        return Outcome.XFAIL, f"{note}; tolerated by --contracts-fail-on rejected: {_lost(added)}"
    change = "; ".join(
        filter(None, [f"new: {', '.join(new)}" if new else "", f"gone: {', '.join(gone)}" if gone else ""])
    )
    return Outcome.FAIL, (
        f"{result.id} differs from its expectation (expected {expected.verdict}, got {result.verdict}; "
        f"{change or 'same findings'}). Update expectations if this is intended."
    )


def _lost(findings: Iterable[Finding]) -> str:
    fields = sorted({f"{f.kind}:{f.path} ({f.effect or '?'})" for f in findings})
    return "settings lost: " + ", ".join(fields)


def rewrite(path: Path, results: Sequence[CaseResult], previous: Expectations, header: Mapping[str, Any]) -> int:
    """Write the file from a run: every failing case, keeping reasons, issues and leading comments already written."""
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
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    write_atomic(path, _leading_comments(path) + text)
    return len(entries)


def _leading_comments(path: Path) -> str:
    if not path.is_file():
        return ""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if not line.startswith("#"):
            break
        lines.append(line)
    return "".join(lines)
