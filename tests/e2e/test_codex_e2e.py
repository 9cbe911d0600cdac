"""The real Codex CLI through the gateway into the strict mocks: does Codex itself accept the answer?

Per Codex version x route x scenario: ``codex exec`` against ``<proxy>/v1`` with the route as model.
Passes when Codex exits 0, its final message carries the mock's nonce, a tool's output (shell or MCP)
reaches the provider on the next call, and in a compaction session Codex compacted and carried the
result on. Otherwise it fails naming Codex's error and each upstream answer, or is a strict xfail
listed in ``expectations/e2e-litellm-<version>.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from codex_gateway_contracts.codex.config import codex_env
from codex_gateway_contracts.codex.run import CodexRun, run_exec
from codex_gateway_contracts.core.cassettes import ReplyItem
from codex_gateway_contracts.core.catalogue import load_catalogue
from codex_gateway_contracts.core.deployments import load_deployments
from codex_gateway_contracts.core.mocks import UpstreamCall
from codex_gateway_contracts.e2e import (
    DEFAULT_TIMEOUT,
    E2ECase,
    E2EExpectation,
    cases,
    codex_config,
    codex_error,
    decide,
    failure_message,
    load_expectations,
    problems,
    recorded_versions,
    redact,
    reply_plans,
    script,
)
from codex_gateway_contracts.session import Contracts
from codex_gateway_contracts.tools.record.scenarios import Scenario


@pytest.mark.codex_e2e
def test_codex_exec_through_gateway(
    e2e_case: E2ECase,
    contracts: Contracts,
    codex_binary: Callable[[str], Path],
    e2e_scenarios: dict[str, Scenario],
    e2e_expectations: dict[str, E2EExpectation],
    e2e_record: Callable[[str, str, float, str], None],
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    binary = codex_binary(e2e_case.version)
    scenario = e2e_scenarios[e2e_case.scenario]
    config = codex_config(scenario, contracts.address(e2e_case.route))
    (tmp_path / "work").mkdir()
    planned = script(e2e_case)
    timeout = float(request.config.getoption("contracts_e2e_timeout", default=DEFAULT_TIMEOUT))
    # Contract cases of this route may still be running: the lease waits for them, then lends the mocks.
    with contracts.route_lease(e2e_case.route) as mocks:
        with mocks.expecting(planned.plan, e2e_case.nonce, later=planned.later, tokens=planned.tokens):
            env = codex_env(tmp_path / "home", contracts.api_key)
            run = run_exec(binary, tmp_path / "home", tmp_path / "work", config, env, scenario.prompt, timeout)
        calls = mocks.take()
    secrets = [contracts.api_key]
    found = [redact(problem, secrets) for problem in problems(e2e_case, run, calls)]
    message = redact(failure_message(e2e_case, run, calls, found), secrets) if found else None
    outcome, note = decide(message, e2e_expectations.get(e2e_case.id))
    e2e_record(e2e_case.id, outcome, run.seconds, "; ".join(found))
    if outcome == "xfail":
        pytest.xfail(note)
    if outcome == "fail":
        pytest.fail(note, pytrace=False)


# -- the judging itself, proven without Codex (these always run) ----------------------------------------

ROOT = Path(__file__).resolve().parents[2]
CASE = E2ECase("0.169.0", "tool_call", "kimi-k2.6")
MARKER = f"e2e-{CASE.nonce}"


def _call(body: dict[str, Any], status: int = 200, answer: Any = "text/event-stream, 1 bytes") -> UpstreamCall:
    return UpstreamCall(
        "moonshot",
        "5-kimi",
        "kimi-k2.6",
        "POST",
        "/chat/completions",
        "",
        {},
        body,
        "moonshot/chat",
        status=status,
        answer=answer,
    )


def _first_turn() -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": "run echo"}]}


def _second_turn(output: str) -> dict[str, Any]:
    replayed = {"id": "c1", "type": "function", "function": {"name": "exec_command", "arguments": f"echo {MARKER}"}}
    return {
        "messages": [
            {"role": "assistant", "tool_calls": [replayed]},
            {"role": "tool", "tool_call_id": "c1", "content": output},
        ]
    }


def _run(exit_code: int = 0, message: str = "", stderr: str = "") -> CodexRun:
    return CodexRun(exit_code, "", stderr, message, 1.0)


def test_tool_round_trip_passes_only_with_the_tool_output_upstream() -> None:
    done = _run(message=f"ok [{CASE.nonce}]")
    assert problems(CASE, done, [_call(_first_turn()), _call(_second_turn(f"Output:\n{MARKER}\n"))]) == []
    # The replayed call's arguments hold the marker too; only a tool result counts.
    lost = problems(CASE, done, [_call(_first_turn()), _call(_second_turn(""))])
    assert lost == [f"the second upstream call does not carry the tool output {MARKER!r}"]
    dropped = problems(CASE, done, [_call(_first_turn())])
    assert dropped == [
        "no tool round trip: 1 model call(s), 2 expected; the provider request offered no exec_command tool "
        "(dropped by the gateway)"
    ]
    called = _call(_first_turn())
    called.reply_items = reply_plans(CASE)[0]
    assert problems(CASE, done, [called]) == ["no tool round trip: 1 model call(s), 2 expected"]


def test_a_refusal_names_codex_error_and_the_provider_answer() -> None:
    envelope = {"error": {"message": "Unknown field: parallel_tool_calls", "type": "invalid_request_error"}}
    stderr = 'ERROR: {"error":{"message":"litellm.BadRequestError: Unknown field\\n\\nmore","code":"400"}}\n'
    found = problems(CASE, _run(1, stderr=stderr), [_call(_first_turn(), 400, envelope)])
    assert found == [
        "Codex exited 1: ERROR: 400 litellm.BadRequestError: Unknown field",
        "upstream: moonshot/chat answered 400 Unknown field: parallel_tool_calls",
    ]
    assert "lacks the mock's marker" in problems(CASE, _run(message="hi"), [_call(_first_turn())])[0]


def test_expectations_are_strict_both_ways() -> None:
    known = E2EExpectation(CASE.id, "answered 400 Unknown field", "reason", "issue")
    assert decide(None, None) == ("pass", "")
    assert decide("x: upstream: a answered 400 Unknown field: y", known)[0] == "xfail"
    assert decide(None, known)[0] == "fail"
    assert decide("x: Codex timed out after 120 s", known)[0] == "fail"
    assert decide("x: broke", None) == ("fail", "x: broke")


def test_shipped_expectations_name_cases_of_the_default_config() -> None:
    plan = load_deployments(load_catalogue(ROOT / "schemas" / "providers"), None)
    known = {case.id for case in cases(plan.routes, recorded_versions(ROOT / "cassettes" / "codex"))}
    for path in sorted((ROOT / "expectations").glob("e2e-*.yaml")):
        entries = load_expectations(path)
        assert entries and set(entries) <= known, path


COMPACT = E2ECase("0.171.0", "auto_compaction", "openai-gpt-5.5")
MCP = E2ECase("0.130.0", "mcp_tools", "deepseek-chat")


def _posted(reply: tuple[ReplyItem, ...], body: dict[str, Any]) -> UpstreamCall:
    made = _call(body)
    made.reply_items = reply
    return made


def test_a_compaction_session_must_compact_and_carry_the_compaction_on() -> None:
    done = _run(message=f"ok [{COMPACT.nonce}]")
    tool = _posted(script(COMPACT).plan, {"input": []})
    ran = {"input": [{"type": "function_call_output", "output": f"e2e-{COMPACT.nonce}"}]}
    compacted = _posted((ReplyItem("compaction", text="gAAAAB-blob"),), ran)
    carried = _posted(
        (ReplyItem("text", text="done"),), {"input": [{"type": "compaction", "encrypted_content": "gAAAAB-blob"}]}
    )
    assert problems(COMPACT, done, [tool, compacted, carried]) == []
    lost = _posted((ReplyItem("text", text="done"),), {"input": []})
    assert problems(COMPACT, done, [tool, compacted, lost]) == [
        "the call after the compaction does not carry the provider's compaction item ('gAAAAB-blob'...)"
    ]
    (never,) = problems(COMPACT, done, [tool, _posted((ReplyItem("text", text="done"),), ran)])
    assert never.startswith("Codex never compacted: 2 model calls, 3 expected (the first answer reported 5000")


def test_a_failed_compaction_is_named_by_codex_error_alone() -> None:
    error = "remote compaction v2 expected exactly one compaction output item, got 0 from 1 output items"
    stderr = f"ERROR: Error running remote compact task: Fatal error: {error}\n"
    tool = _posted(script(COMPACT).plan, {"input": []})
    assert problems(COMPACT, _run(1, stderr=stderr), [tool]) == [
        "Codex exited 1: ERROR: Error running remote compact task: Fatal error: remote compaction v2 expected "
        "exactly one compaction output item, got 0 from 1 output items"
    ]


def test_an_mcp_round_trip_needs_the_mcp_tool_output_upstream() -> None:
    done = _run(message=f"ok [{MCP.nonce}]")
    first = _posted(script(MCP).plan, _first_turn())
    answered = _posted(
        (), {"messages": [{"role": "tool", "tool_call_id": "c", "content": "Wall time: 0.1\\n2 + 3 = 5"}]}
    )
    assert problems(MCP, done, [first, answered]) == []
    silent = _posted(
        (), {"messages": [{"role": "tool", "tool_call_id": "c", "content": "unsupported call: mcp__calc__add"}]}
    )
    assert problems(MCP, done, [first, silent]) == [
        "the second upstream call does not carry the MCP tool output '2 + 3 = 5'"
    ]


def test_every_recorded_version_is_run_newest_first(tmp_path: Path) -> None:
    for version in ("0.130.0", "0.171.0", "0.169.0", "0.9.0"):
        (tmp_path / version).mkdir()
    assert recorded_versions(tmp_path) == ["0.171.0", "0.169.0", "0.130.0", "0.9.0"]
    assert {c.scenario for c in cases(["r"], ["0.171.0"])} >= {"auto_compaction", "auto_compaction_local", "mcp_tools"}


def test_codex_error_is_codex_own_error_line_even_when_the_gateway_message_spans_lines() -> None:
    stderr = (
        "2026-12-03T10:05:14Z ERROR codex_core::compact_remote: remote compaction failed compact_error=...\n"
        "ERROR: Error running remote compact task: unexpected status 404 Not Found: litellm.NotFoundError: x\n"
        "LiteLLM: model group 'r' failed with the error above. No fallback was attempted., url: http://h/v1/x\n"
        "tokens used\n"
    )
    assert codex_error(stderr) == (
        "ERROR: Error running remote compact task: unexpected status 404 Not Found: litellm.NotFoundError: x"
    )


def test_a_summarising_request_may_carry_the_tool_output_as_text() -> None:
    local = E2ECase("0.171.0", "auto_compaction_local", "bedrock-claude-sonnet-4.5")
    as_text = {"messages": [{"role": "user", "content": [{"text": f"the command printed e2e-{local.nonce}"}]}]}
    calls = [_posted(script(local).plan, {"input": []}), _posted((ReplyItem("text", text="SUMMARY"),), as_text)]
    assert not any("tool output" in p for p in problems(local, _run(message=f"ok [{local.nonce}]"), calls))
