"""Expectations are strict: a fixed case, a changed case and a stale entry all fail loudly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from codex_gateway_contracts.core.expectations import (
    Expectations,
    ExpectationsError,
    compare,
    known_releases,
    locate,
    rewrite,
)
from codex_gateway_contracts.core.releases import Release, nearest
from codex_gateway_contracts.core.verdict import CaseResult, Finding

FILE = """
gateway: litellm-proxy
version: 1.2.3
expected:
  - id: codex-0.169.0/basic-ds
    verdict: leak
    findings: ["leak:client_metadata"]
    reason: bridge forwards client_metadata
    issue: BerriAI/litellm#36268
"""


def result(verdict: str, *findings: tuple[str, str] | Finding) -> CaseResult:
    return CaseResult(
        "codex-0.169.0/basic-ds",
        "codex-0.169.0/basic",
        "p",
        "ds",
        "p/chat",
        True,
        verdict,
        [f if isinstance(f, Finding) else Finding(f[0], f[1], "m") for f in findings],
    )


def leak(path: str, effect: str, policy: str = "ignore") -> Finding:
    return Finding("leak", path, "m", "client", 0, effect, policy)


@pytest.fixture
def expectations(tmp_path: Path) -> Expectations:
    path = tmp_path / "litellm-1.2.3.yaml"
    path.write_text(FILE, encoding="utf-8")
    return Expectations.load(path)


def test_known_failure_is_xfail(expectations: Expectations) -> None:
    outcome, note = compare(result("leak", ("leak", "client_metadata")), expectations.get("codex-0.169.0/basic-ds"))
    assert outcome == "xfail" and "BerriAI/litellm#36268" in note


def test_fixed_case_must_be_removed(expectations: Expectations) -> None:
    outcome, note = compare(result("pass"), expectations.get("codex-0.169.0/basic-ds"))
    assert outcome == "fail" and "remove it from expectations" in note


def test_new_finding_on_a_known_case_fails(expectations: Expectations) -> None:
    r = result("leak", ("leak", "client_metadata"), ("leak", "stream_options.include_usage"))
    outcome, note = compare(r, expectations.get("codex-0.169.0/basic-ds"))
    assert outcome == "fail" and "new: leak:stream_options.include_usage" in note


def test_unlisted_failure_fails_and_unlisted_pass_passes() -> None:
    assert compare(result("drop", ("drop", "tools")), None)[0] == "fail"
    assert compare(result("pass"), None)[0] == "pass"


def test_stale_entries_are_found(expectations: Expectations) -> None:
    assert expectations.stale(["codex-0.169.0/basic-other"]) == ["codex-0.169.0/basic-ds"]
    assert expectations.stale(["codex-0.169.0/basic-ds"]) == []


@pytest.mark.parametrize(
    "text",
    [
        "expected: [{id: a}]\n",
        "expected: [{id: a, verdict: leak, reason: r}, {id: a, verdict: leak, reason: r}]\n",
        "[: x",
    ],
)
def test_malformed_files_are_named(tmp_path: Path, text: str) -> None:
    path = tmp_path / "e.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ExpectationsError, match=r"e\.yaml"):
        Expectations.load(path)


def test_rewrite_keeps_reasons_and_drops_passing_cases(expectations: Expectations, tmp_path: Path) -> None:
    other = CaseResult("codex-0.169.0/basic-x", "c", "p", "x", "e", True, "drop", [Finding("drop", "tools", "m")])
    target = tmp_path / "out.yaml"
    written = rewrite(
        target, [result("leak", ("leak", "client_metadata")), other, result("pass")], expectations, expectations.header
    )
    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert written == 2
    assert document["version"] == "1.2.3"
    by_id = {e["id"]: e for e in document["expected"]}
    assert by_id["codex-0.169.0/basic-ds"]["issue"] == "BerriAI/litellm#36268"
    assert by_id["codex-0.169.0/basic-x"]["findings"] == ["drop:tools"]
    assert by_id["codex-0.169.0/basic-x"]["reason"].startswith("TODO")


def test_rewrite_keeps_the_leading_comments_of_the_file(expectations: Expectations, tmp_path: Path) -> None:
    assert expectations.path is not None
    expectations.path.write_text("# Known failures of 1.2.3.\n# Each entry explained.\n" + FILE, encoding="utf-8")
    rewrite(expectations.path, [result("leak", ("leak", "client_metadata"))], expectations, expectations.header)
    text = expectations.path.read_text(encoding="utf-8")
    assert text.startswith("# Known failures of 1.2.3.\n# Each entry explained.\ngateway: litellm-proxy\n")


# -- which file judges a run ----------------------------------------------------------------------------
@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in ("litellm-1.83.14", "litellm-1.106.1", "litellm-1.108.7", "e2e-litellm-1.106.1", "litellm-notes"):
        (tmp_path / f"{name}.yaml").write_text("expected: []\n", encoding="utf-8")
    return tmp_path


def test_known_releases_are_the_gateway_s_files_in_version_order(folder: Path) -> None:
    assert known_releases(folder, "litellm") == ["1.83.14", "1.106.1", "1.108.7"]
    assert known_releases(folder, "portkey") == [] and known_releases(folder / "nowhere", "litellm") == []


def test_an_upstream_release_gets_its_own_file_and_a_fork_none(folder: Path) -> None:
    upstream = locate(folder, "litellm", Release("litellm", "1.106.1", "litellm"))
    assert (upstream.path, upstream.release) == (folder / "litellm-1.106.1.yaml", "1.106.1")
    # aiyou-litellm 1.105.0: its number is its own; never matched to an upstream file by accident
    fork = locate(folder, "litellm", Release("aiyou-litellm", "1.106.1", "litellm"))
    assert (fork.path, fork.release, fork.nearest) == (None, None, "1.106.1")
    newer = locate(folder, "litellm", Release("litellm", "1.107.0", "litellm"))
    assert (newer.path, newer.nearest) == (None, "1.106.1")  # equally far: the older one


def test_a_baseline_chooses_the_file_whatever_was_detected(folder: Path) -> None:
    fork = Release("aiyou-litellm", "1.105.0", "litellm")
    chosen = locate(folder, "litellm", fork, baseline="1.106.1")
    assert (chosen.path, chosen.release) == (folder / "litellm-1.106.1.yaml", "1.106.1")
    with pytest.raises(
        ExpectationsError, match=r"--contracts-baseline 1\.99\.0: no litellm-1\.99\.0\.yaml .*1\.83\.14, "
    ):
        locate(folder, "litellm", fork, baseline="1.99.0")


@pytest.mark.parametrize(
    ("version", "known", "expected"),
    [
        ("1.105.0", ["1.106.1", "1.108.7"], "1.106.1"),
        ("1.108.10", ["1.106.1", "1.108.7"], "1.108.7"),
        ("1.83.14", ["1.83.14", "1.106.1"], "1.83.14"),
        ("2.0.0", ["1.106.1", "1.108.7"], "1.108.7"),
        ("unknown", ["1.106.1", "1.108.7"], "1.108.7"),
        ("1.105.0", [], None),
    ],
)
def test_nearest_release(version: str, known: list[str], expected: str | None) -> None:
    assert nearest(version, known) == expected


# -- --contracts-fail-on rejected: tolerate what does not break Codex; the file stays strict ---------------
def test_an_unlisted_ignored_leak_is_tolerated_only_when_failing_on_rejected() -> None:
    ignored = result("leak", leak("service_tier", "ignored"))
    assert compare(ignored, None)[0] == "fail"
    outcome, note = compare(ignored, None, "rejected")
    assert outcome == "xfail" and "Codex works; settings lost: leak:service_tier (ignored)" in note
    assumed_strict = result("leak", leak("service_tier", "unverified", "reject"))
    assert compare(assumed_strict, None, "rejected")[0] == "fail"
    assert compare(result("leak", leak("service_tier", "unverified", "ignore")), None, "rejected")[0] == "xfail"
    for breaking in (leak("service_tier", "rejected", "reject"), Finding("drop", "tools", "m")):
        assert compare(result(breaking.kind.value, breaking), None, "rejected")[0] == "fail"


def test_a_known_case_with_a_new_ignored_leak_is_tolerated_when_failing_on_rejected(
    expectations: Expectations,
) -> None:
    entry = expectations.get("codex-0.169.0/basic-ds")
    grown = result("leak", ("leak", "client_metadata"), leak("service_tier", "ignored"))
    assert compare(grown, entry)[0] == "fail"
    outcome, note = compare(grown, entry, "rejected")
    assert outcome == "xfail" and note.startswith("known leak: bridge forwards client_metadata")
    broken = result("leak", ("leak", "client_metadata"), leak("service_tier", "rejected", "reject"))
    assert compare(broken, entry, "rejected")[0] == "fail"


def test_the_file_stays_strict_when_failing_on_rejected(expectations: Expectations) -> None:
    entry = expectations.get("codex-0.169.0/basic-ds")
    outcome, note = compare(result("pass"), entry, "rejected")
    assert outcome == "fail" and "remove it from expectations" in note
    shrunk = result("leak", leak("service_tier", "ignored"))  # client_metadata gone, an ignored leak new
    outcome, note = compare(shrunk, entry, "rejected")
    assert outcome == "fail" and "gone: leak:client_metadata" in note


def test_a_fork_s_file_starts_from_its_baseline_s_reasons(expectations: Expectations, tmp_path: Path) -> None:
    own = tmp_path / "fork.yaml"
    merged = Expectations.load(own).under(expectations)
    assert merged.path == own and merged.get("codex-0.169.0/basic-ds") is not None
    rewrite(own, [result("leak", ("leak", "client_metadata"))], merged, {"gateway": "litellm-proxy", "version": "9"})
    (entry,) = yaml.safe_load(own.read_text(encoding="utf-8"))["expected"]
    assert entry["reason"] == "bridge forwards client_metadata" and entry["issue"] == "BerriAI/litellm#36268"
