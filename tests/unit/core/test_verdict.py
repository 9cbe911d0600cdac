"""Verdict rules: leak origins, drops, what Codex needs from the stream, precedence."""

from __future__ import annotations

import json
from typing import Any

import pytest

from codex_gateway_contracts.core.cassettes import Interaction, ReplyItem
from codex_gateway_contracts.core.catalogue import Violation
from codex_gateway_contracts.core.mocks import UpstreamCall
from codex_gateway_contracts.core.sse import Event
from codex_gateway_contracts.core.verdict import (
    Exchange,
    Finding,
    Translations,
    breaks_codex,
    find_drops,
    judge_exchange,
    origin_of,
    reply_problems,
    verdict_of,
)

TRANSLATIONS = Translations({"reasoning_effort": ("reasoning.effort",), "messages": ("input",)})
CODEX: dict[str, Any] = {
    "model": "m",
    "instructions": "You are Codex, a coding agent.",
    "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "say hi"}]},
        {"type": "function_call", "name": "exec_command", "arguments": '{"cmd": "ls"}', "call_id": "c1"},
        {"type": "function_call_output", "call_id": "c1", "output": "hello-from-tool"},
    ],
    "tools": [
        {"type": "function", "name": "exec_command", "parameters": {}},
        {"type": "custom", "name": "apply_patch"},
        {"type": "web_search"},
    ],
    "reasoning": {"effort": "high"},
    "client_metadata": {"x-codex-installation-id": "u"},
    "stream": True,
}
FAITHFUL_CHAT: dict[str, Any] = {
    "model": "m",
    "messages": [
        {"role": "system", "content": "You are Codex, a coding agent."},
        {"role": "user", "content": "say hi"},
        {
            "role": "assistant",
            "tool_calls": [{"id": "c1", "function": {"name": "exec_command", "arguments": '{"cmd":"ls"}'}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "hello-from-tool"},
    ],
    "tools": [
        {"type": "function", "function": {"name": "exec_command"}},
        {"type": "function", "function": {"name": "apply_patch"}},
    ],
}


@pytest.mark.parametrize(
    ("path", "origin"),
    [
        (("client_metadata",), "client"),
        (("reasoning_effort",), "translated"),
        (("messages", 3, "tool_calls", 0, "index"), "translated"),
        (("stream_options", "include_usage"), "gateway"),
        (("x_injected",), "gateway"),
    ],
)
def test_origin(path: tuple[str | int, ...], origin: str) -> None:
    assert origin_of(path, CODEX, TRANSLATIONS) == origin


def test_translated_needs_its_source_to_be_present() -> None:
    without_reasoning = {k: v for k, v in CODEX.items() if k != "reasoning"}
    assert origin_of(("reasoning_effort",), without_reasoning, TRANSLATIONS) == "gateway"


def test_faithful_translation_drops_nothing() -> None:
    assert find_drops(CODEX, [FAITHFUL_CHAT]) == []


def paths(findings: list[Finding]) -> list[str]:
    return [f.path for f in findings]


def test_dropped_tools_are_named() -> None:
    (finding,) = find_drops(CODEX, [{**FAITHFUL_CHAT, "tools": FAITHFUL_CHAT["tools"][:1]}])
    assert finding.kind == "drop" and finding.path == "tools" and "apply_patch" in finding.message


def test_dropped_user_message_tool_output_and_system_prompt() -> None:
    messages = [{"role": "assistant", "tool_calls": FAITHFUL_CHAT["messages"][2]["tool_calls"]}]
    found = find_drops(CODEX, [{**FAITHFUL_CHAT, "messages": messages}])
    assert paths(found) == ["instructions", "input[0].content[0]", "input[2].output"]


def test_namespaced_tool_names_count_as_delivered() -> None:
    codex = {
        "input": [],
        "tools": [{"type": "namespace", "name": "ns", "tools": [{"type": "function", "name": "spawn"}]}],
    }
    assert find_drops(codex, [{"tools": [{"type": "function", "function": {"name": "ns__spawn"}}]}]) == []
    assert paths(find_drops(codex, [{"tools": []}])) == ["tools"]


def test_a_free_form_tool_sent_to_chat_as_a_custom_tool_counts_as_delivered() -> None:
    codex = {"input": [], "tools": [{"type": "custom", "name": "apply_patch", "format": {"type": "grammar"}}]}
    custom = {"type": "custom", "custom": {"name": "apply_patch", "format": {"type": "grammar"}}}
    assert find_drops(codex, [{"tools": [custom]}]) == []
    assert paths(find_drops(codex, [{"tools": [{**custom, "type": "function"}]}])) == ["tools"]


def test_tool_call_arguments_may_be_reserialised() -> None:
    anthropic_like = {**FAITHFUL_CHAT, "messages": [*FAITHFUL_CHAT["messages"][:2], {"input": {"cmd": "ls"}}]}
    anthropic_like["messages"].append({"content": [{"type": "tool_result", "content": "hello-from-tool"}]})
    assert find_drops(CODEX, [anthropic_like]) == []


def sse(*payloads: dict[str, Any]) -> list[Event]:
    return [Event(p["type"], json.dumps(p)) for p in payloads]


ITEM = {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "hi [n]"}]}
DONE = {"type": "response.output_item.done", "item": ITEM}
COMPLETED = {
    "type": "response.completed",
    "response": {"id": "resp_1", "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2}},
}


def exchange(events: list[Event], status: int = 200, content_type: str = "text/event-stream") -> Exchange:
    call = UpstreamCall("p", "d", "r", "POST", "/chat/completions", "", {}, {}, status=200)
    call.reply_items = (ReplyItem("text", text="hi [n]"),)
    return Exchange(Interaction(0, {}, {}, ()), {}, status, content_type, events, calls=[call])


def test_a_complete_stream_has_no_problem() -> None:
    assert reply_problems(exchange(sse(DONE, COMPLETED))) == []


@pytest.mark.parametrize(
    ("events", "needle"),
    [
        (sse(DONE), "no response.completed"),
        (sse(DONE, {"type": "response.completed", "response": {"usage": None}}), "no response.id"),
        (
            sse(
                DONE,
                {
                    "type": "response.completed",
                    "response": {"id": "r", "usage": {"input_tokens": 1, "output_tokens": 1}},
                },
            ),
            "total_tokens",
        ),
        (sse({"type": "response.completed", "response": {"id": "r", "output": [ITEM]}}), "never reached Codex"),
        (sse(DONE, {"type": "response.failed"}, COMPLETED), "response.failed"),
    ],
)
def test_stream_problems_codex_would_hit(events: list[Event], needle: str) -> None:
    problems = reply_problems(exchange(events))
    assert any(needle in p for p in problems), problems


def test_json_instead_of_sse_is_a_bad_reply() -> None:
    assert "not SSE" in reply_problems(exchange([], content_type="application/json"))[0]


def test_precedence() -> None:
    def finding(kind: str) -> Finding:
        return Finding(kind, "", "")

    assert verdict_of([]) == "pass"
    assert verdict_of([finding("bad_reply"), finding("leak"), finding("drop")]) == "leak"
    assert verdict_of([finding("no_upstream_call"), finding("gateway_reject")]) == "gateway_reject"
    assert verdict_of([finding("leak"), finding("error")]) == "error"


# -- effect: what a leaked field does to Codex -------------------------------------------------------------
def leaking_call(policy: str, verified: bool, status: int, *values: str) -> Exchange:
    """One chat call with a leaked ``client_metadata`` (and value violations) to a provider of ``policy``."""
    violations = [Violation("unknown", ("client_metadata",), "unknown field")]
    violations += [Violation("value", (path,), f"{path}: bad value") for path in values]
    call = UpstreamCall("p", "d", "r", "POST", "/chat/completions", "", {}, dict(FAITHFUL_CHAT), "p/chat")
    call.violations, call.status = violations, status
    call.unknown_policy, call.unknown_verified = policy, verified
    return Exchange(Interaction(0, {}, CODEX, ()), CODEX, status, "text/event-stream", calls=[call])


@pytest.mark.parametrize(
    ("policy", "verified", "status", "effect", "breaks", "said"),
    [
        ("reject", True, 400, "rejected", True, "rejected it with HTTP 400: Codex breaks"),
        ("ignore", True, 200, "ignored", False, "silently without effect (the setting is lost)"),
        ("reject", False, 400, "unverified", True, "(unverified: p's handling of unknown fields is assumed"),
        ("ignore", False, 200, "unverified", False, "(unverified: p's handling of unknown fields is assumed"),
    ],
)
def test_every_leak_says_what_it_does_to_codex(
    policy: str, verified: bool, status: int, effect: str, breaks: bool, said: str
) -> None:
    (leak, *_) = judge_exchange(leaking_call(policy, verified, status), TRANSLATIONS, 0)
    assert (leak.kind, leak.path, leak.effect, leak.policy) == ("leak", "client_metadata", effect, policy)
    assert leak.breaks_codex is breaks and said in leak.message
    assert leak.as_dict()["effect"] == effect and Finding.from_dict(leak.as_dict()) == leak


def test_a_lenient_provider_refusing_a_value_is_an_upstream_reject_beside_the_ignored_leak() -> None:
    # DeepSeek ignores unknown fields but refuses response_format.type json_schema: Codex gets HTTP 400, and
    # the case must not read "works, settings lost".
    findings = judge_exchange(leaking_call("ignore", True, 400, "response_format.type"), TRANSLATIONS, 0)
    kinds = {(f.kind.value, f.path, f.breaks_codex) for f in findings}
    assert ("leak", "client_metadata", False) in kinds and ("upstream_reject", "response_format.type", True) in kinds
    strict = judge_exchange(leaking_call("reject", True, 400, "response_format.type"), TRANSLATIONS, 0)
    assert [f.kind for f in strict] == ["leak"]  # a strict provider's 400 is the leak itself


@pytest.mark.parametrize(
    ("kind", "effect", "policy", "breaks"),
    [
        ("leak", "rejected", "reject", True),
        ("leak", "ignored", "ignore", False),
        ("leak", "unverified", "reject", True),
        ("leak", "unverified", "ignore", False),
        ("leak", None, None, True),  # a results.json from before effects: assume the worst
        ("drop", None, None, True),
        ("upstream_reject", None, None, True),
        ("gateway_reject", None, None, True),
        ("bad_reply", None, None, True),
        ("no_upstream_call", None, None, True),
        ("error", None, None, True),
        ("skipped", None, None, False),
    ],
)
def test_what_breaks_codex(kind: str, effect: str | None, policy: str | None, breaks: bool) -> None:
    assert breaks_codex(kind, effect, policy) is breaks


def test_a_200_stream_that_fails_without_a_provider_call_is_the_gateways_refusal() -> None:
    failed = {"type": "response.failed", "response": {"error": {"code": "400", "message": "upstream unreachable"}}}
    refused = exchange(sse({"type": "response.created", "response": {"id": "r"}}, failed))
    refused.calls = []
    (finding,) = judge_exchange(refused, Translations({}), 0)
    assert finding.kind == "gateway_reject" and "response.failed" in finding.message
    assert "upstream unreachable" in finding.message
    silent = exchange(sse(DONE, COMPLETED))
    silent.calls = []
    assert [f.kind for f in judge_exchange(silent, Translations({}), 0)] == ["no_upstream_call"]
    # With a provider call, the same event is a broken reply (the provider answered; the gateway failed).
    assert any("response.failed" in problem for problem in reply_problems(exchange(sse(DONE, COMPLETED, failed))))
