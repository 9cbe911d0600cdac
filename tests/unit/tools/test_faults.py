"""The mutation harness: every fault killed with the right verdict, the faithful bridge passed.

Runs over real HTTP on 127.0.0.1 with the repository's provider mocks (OpenAI chat and Responses,
DeepSeek) and real recorded Codex cassettes, as `python -m codex_gateway_contracts.tools.faults` does.
"""

from __future__ import annotations

import pytest

from codex_gateway_contracts.core.catalogue import Catalogue, load_catalogue
from codex_gateway_contracts.core.verdict import CaseResult, Finding, Translations
from codex_gateway_contracts.tools.faults import FAULTS, Fault, Outcome, main, run_fault

from ...conftest import ROOT

CASSETTES = ROOT / "cassettes" / "codex"
TRANSLATIONS = Translations.load(ROOT / "schemas" / "translations.yaml")


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(ROOT / "schemas" / "providers")


def test_there_are_at_least_twenty_distinct_faults() -> None:
    assert len({f.name for f in FAULTS}) == len(FAULTS) >= 20
    assert {f.verdict for f in FAULTS} == {
        "leak",
        "drop",
        "upstream_reject",
        "gateway_reject",
        "bad_reply",
        "no_upstream_call",
    }


TURNS = ["0.169.0/tool_call", "0.130.0/tool_call", "0.169.0/image_input"]
#: Whole sessions a faithful gateway carries: a passthrough all of them (compaction in both forms, MCP
#: tools behind a tool search, encrypted reasoning); a chat bridge the ones a chat provider can serve.
SESSIONS = [
    ("passthrough", "0.130.0/auto_compaction"),
    ("passthrough", "0.169.0/auto_compaction"),
    ("passthrough", "0.171.0/auto_compaction"),
    ("passthrough", "0.169.0/mcp_tools"),
    ("passthrough", "0.171.0/long_session"),
    ("chat", "0.130.0/mcp_tools"),
    ("chat", "0.169.0/long_session"),
    ("chat", "0.171.0/auto_compaction_local"),
]


@pytest.mark.parametrize(("mode", "cassette"), [(m, c) for m in ("chat", "passthrough") for c in TURNS] + SESSIONS)
def test_faithful_bridge_passes(catalogue: Catalogue, mode: str, cassette: str) -> None:
    outcome = run_fault(None, catalogue, CASSETTES, TRANSLATIONS, mode=mode, cassette=cassette)
    assert outcome.result.verdict == "pass", outcome.result.findings
    assert all(len(e.calls) == 1 for e in outcome.result.exchanges)


def test_a_chat_bridge_cannot_compact_and_the_suite_says_so(catalogue: Catalogue) -> None:
    # The faithful bridge refuses 0.130's compact endpoint itself; 0.169's trigger cannot reach a chat model.
    refused = run_fault(None, catalogue, CASSETTES, TRANSLATIONS, mode="chat", cassette="0.130.0/auto_compaction")
    by_request = {f.request: f for f in refused.result.findings}
    assert by_request[1].kind == "gateway_reject"
    assert "remote compaction request (POST /v1/responses/compact)" in by_request[1].message
    # The next request carries the compacted history Codex got elsewhere: a chat bridge cannot pass it on.
    assert by_request[2].kind == "drop" and by_request[2].path.endswith(".encrypted_content")
    lost = run_fault(None, catalogue, CASSETTES, TRANSLATIONS, mode="chat", cassette="0.169.0/auto_compaction")
    kinds = {(f.kind, f.request) for f in lost.result.findings}
    assert {("drop", 1), ("bad_reply", 1), ("drop", 3), ("bad_reply", 3)} <= kinds, lost.result.findings


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_fault_is_killed_with_its_verdict(catalogue: Catalogue, fault: Fault) -> None:
    outcome = run_fault(fault, catalogue, CASSETTES, TRANSLATIONS)
    assert outcome.killed, (fault.verdict, fault.finding, outcome.result.verdict, outcome.result.findings)


def test_a_wrong_verdict_or_finding_is_not_a_kill() -> None:
    fault = FAULTS[0]  # add_top_level_field: leak x_fault

    def result(verdict: str, path: str) -> CaseResult:
        return CaseResult("i", "c", "p", "r", "e", True, verdict, [Finding(verdict, path, "m")])

    assert Outcome(fault, result("leak", "x_fault")).killed
    assert not Outcome(fault, result("leak", "y_fault")).killed
    assert not Outcome(fault, result("drop", "x_fault")).killed
    assert not Outcome(None, result("leak", "x_fault")).killed


def test_command_prints_the_kill_score(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(ROOT), "--fault", "drop_tools", "--fault", "no_completed"]) == 0
    out = capsys.readouterr().out
    assert "kill score: 2/2 (100%)" in out and "drop_tools" in out and "control: faithful chat" in out
