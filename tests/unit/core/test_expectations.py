"""Expectations are strict: a fixed case, a changed case and a stale entry all fail loudly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from codex_gateway_contracts.core.expectations import Expectations, ExpectationsError, compare, rewrite
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


def result(verdict: str, *findings: tuple[str, str]) -> CaseResult:
    return CaseResult(
        "codex-0.169.0/basic-ds",
        "codex-0.169.0/basic",
        "p",
        "ds",
        "p/chat",
        True,
        verdict,
        [Finding(kind, path, "m") for kind, path in findings],
    )


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
