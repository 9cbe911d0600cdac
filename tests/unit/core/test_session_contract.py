"""The session contract: compaction in both wire forms, state carried across turns, MCP calls Codex dispatches.

Requests are the recorded ones (``cassettes/codex/<version>/<scenario>.yaml``); only the gateway's side
(what reached the provider, what came back to Codex) is made up here, each time the way a broken gateway
would make it, so every rule is shown to fire and to stay quiet on a faithful gateway.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import pytest

from codex_gateway_contracts.core.cassettes import Cassette, Interaction, ReplyItem, load
from codex_gateway_contracts.core.mocks import UpstreamCall
from codex_gateway_contracts.core.session_contract import V2_ERROR, compaction_problems, dispatch_problems
from codex_gateway_contracts.core.verdict import Exchange, Translations, find_drops, judge_exchange, reply_problems

from ...conftest import ROOT

CODEX = ROOT / "cassettes" / "codex"
NONE = Translations({})


@cache
def cassette(version: str, scenario: str) -> Cassette:
    return load(CODEX / version / f"{scenario}.yaml")


def request(version: str, scenario: str, index: int) -> Interaction:
    return cassette(version, scenario).interactions[index]


def call(
    body: Any, wire: str = "openai-responses", status: int = 200, items: tuple[ReplyItem, ...] = ()
) -> UpstreamCall:
    endpoint = {"openai-responses": "openai/responses", "openai-chat": "openai/chat"}.get(wire, "openai/compact")
    made = UpstreamCall("openai", "0-r", "r", "POST", "/responses", "", {}, body, endpoint, wire, status=status)
    made.reply_items = items
    return made


COMPACTION = {"type": "compaction", "id": "cmp_1", "encrypted_content": "gAAAAB-opaque"}
TEXT = {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "a summary"}]}


# -- which requests are compactions -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("version", "forms"),
    [
        ("0.130.0", [None, "endpoint", None, "endpoint", None]),
        ("0.169.0", [None, "trigger", None, "trigger", None]),
        ("0.171.0", [None, "trigger", None, "trigger", None]),
    ],
)
def test_the_recorded_compaction_requests_are_recognised(version: str, forms: list[str | None]) -> None:
    recorded = cassette(version, "auto_compaction").interactions
    assert [i.compaction for i in recorded] == forms
    assert all(i.compaction is None for i in cassette(version, "auto_compaction_local").interactions)
    for interaction in recorded:
        expected = "/v1/responses/compact" if interaction.compaction == "endpoint" else "/v1/responses"
        assert interaction.path == expected
    compacted = [i for i in recorded if i.compaction]
    assert all(any(r.kind == "compaction" for r in i.reply) for i in compacted), "the mock is told to compact"


# -- the answer to a compaction must hold exactly one compaction item -----------------------------------------
def test_a_trigger_answered_without_a_compaction_item_quotes_codex_own_error() -> None:
    trigger = request("0.169.0", "auto_compaction", 1)
    (problem,) = compaction_problems(trigger, [TEXT])
    assert V2_ERROR.format(n=0, m=1) in problem and "Error running remote compact task" in problem
    assert compaction_problems(trigger, [{"type": "reasoning"}, COMPACTION]) == []
    assert V2_ERROR.format(n=2, m=2) in compaction_problems(trigger, [COMPACTION, COMPACTION])[0]
    assert compaction_problems(request("0.169.0", "auto_compaction", 0), [TEXT]) == []


def test_a_compact_answer_without_a_compaction_item_is_a_silent_loss_for_0_130() -> None:
    compact = request("0.130.0", "auto_compaction", 1)
    (problem,) = compaction_problems(compact, [TEXT])
    assert "POST /v1/responses/compact" in problem and "exits 0" in problem
    assert "silently loses its context" in problem


def compact_exchange(document: Any, content_type: str = "application/json") -> Exchange:
    compact = request("0.130.0", "auto_compaction", 1)
    provider = (ReplyItem("user_message", text="run echo hello-from-tool"), ReplyItem("compaction", text="gAAAAB-x"))
    sent = call(compact.body, "openai-responses-compact", items=provider)
    text = json.dumps(document)
    return Exchange(compact, compact.body, 200, content_type, error_body=text, document=document, calls=[sent])


def test_the_compact_answer_must_be_json_with_the_echoed_messages_and_the_item() -> None:
    user = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "run echo hello-from-tool"}]}
    item = {"type": "compaction", "id": "c", "encrypted_content": "gAAAAB-x"}
    assert reply_problems(compact_exchange({"output": [user, item]})) == []
    assert "as JSON" in reply_problems(compact_exchange(None, "text/event-stream"))[0]
    assert "cannot read it" in reply_problems(compact_exchange({"error": "x"}))[0]
    (lost,) = reply_problems(compact_exchange({"output": [item]}))
    assert "user_message 'run echo hello-from-tool'" in lost and "the user's prompt is lost" in lost
    problems = reply_problems(compact_exchange({"output": [user, {**item, "encrypted_content": "other"}]}))
    assert any("compaction (encrypted_content 'gAAAAB-x'" in p for p in problems), problems


# -- what must reach the provider ---------------------------------------------------------------------------
def test_a_dropped_compaction_trigger_is_a_drop_with_its_input_path() -> None:
    trigger = request("0.171.0", "auto_compaction", 1)
    body = copy.deepcopy(dict(trigger.body))
    assert find_drops(trigger.body, [body], responses_wire=True) == []
    body["input"] = body["input"][:-1]
    (finding,) = find_drops(trigger.body, [body], responses_wire=True)
    assert (finding.kind, finding.path) == ("drop", f"input[{len(body['input'])}]")
    assert "compaction_trigger did not reach the provider" in finding.message


@pytest.mark.parametrize("responses_wire", [True, False])
def test_the_carried_compaction_item_must_reach_every_provider(responses_wire: bool) -> None:
    # It is the history before the compaction: a bridge that cannot carry it to a chat model loses the context.
    follow_up = request("0.169.0", "auto_compaction", 2)
    index = next(n for n, i in enumerate(follow_up.body["input"]) if i.get("type") == "compaction")
    body = copy.deepcopy(dict(follow_up.body))
    assert find_drops(follow_up.body, [body], responses_wire=responses_wire) == []
    del body["input"][index]
    (finding,) = find_drops(follow_up.body, [body], responses_wire=responses_wire)
    assert finding.path == f"input[{index}].encrypted_content" and "compacted history" in finding.message


def test_encrypted_reasoning_must_reach_a_responses_provider_only() -> None:
    last = request("0.171.0", "long_session", 5)
    reasoning = [n for n, i in enumerate(last.body["input"]) if i.get("type") == "reasoning"]
    assert len(reasoning) == 5, "every earlier turn's reasoning comes back"
    body = copy.deepcopy(dict(last.body))
    for n in reasoning:
        body["input"][n].pop("encrypted_content")
    found = find_drops(last.body, [body], responses_wire=True)
    assert [f.path for f in found] == [f"input[{n}].encrypted_content" for n in reasoning]
    assert find_drops(last.body, [body], responses_wire=False) == []


def test_both_parallel_calls_and_both_outputs_must_reach_the_provider() -> None:
    follow_up = request("0.169.0", "long_session", 1)
    kinds = [i.get("type") for i in follow_up.body["input"]][-4:]
    assert kinds == ["function_call", "function_call", "function_call_output", "function_call_output"]
    for dropped in range(len(follow_up.body["input"]) - 4, len(follow_up.body["input"])):
        body = copy.deepcopy(dict(follow_up.body))
        del body["input"][dropped]
        assert [f.path for f in find_drops(follow_up.body, [body])][:1] in (
            [f"input[{dropped}]"],
            [f"input[{dropped}].output"],
        ), dropped


def test_mcp_tools_a_tool_search_loaded_must_reach_the_provider() -> None:
    follow_up = request("0.169.0", "mcp_tools", 1)
    index = next(n for n, i in enumerate(follow_up.body["input"]) if i.get("type") == "tool_search_output")
    assert find_drops(follow_up.body, [follow_up.body], responses_wire=True) == []
    chat = {"messages": [], "tools": [{"type": "function", "function": {"name": "mcp__calc__add"}}]}
    found = find_drops(follow_up.body, [chat])
    loaded = [f for f in found if f.path == f"input[{index}].tools"]
    assert loaded and "echo_text" in loaded[0].message and "add" not in loaded[0].message.split(": ")[-1].split(", ")


def test_namespaced_mcp_tools_must_reach_the_provider_like_any_tool() -> None:
    first = request("0.130.0", "mcp_tools", 0)
    kept = copy.deepcopy(dict(first.body))
    assert find_drops(first.body, [kept]) == []
    kept["tools"] = [t for t in kept["tools"] if t.get("type") != "namespace"]
    (finding,) = find_drops(first.body, [kept])
    assert finding.path == "tools" and "add, echo_text" in finding.message


# -- what Codex can dispatch ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("version", "namespace"), [("0.130.0", "mcp__calc__"), ("0.171.0", "mcp__calc")])
def test_a_flattened_mcp_call_is_one_codex_cannot_dispatch(version: str, namespace: str) -> None:
    codex = request(version, "mcp_tools", 1 if version == "0.130.0" else 2).body
    good = {"type": "function_call", "name": "add", "namespace": namespace, "arguments": "{}"}
    assert dispatch_problems(codex, [good, {"type": "function_call", "name": "exec_command"}]) == []
    flat = {"type": "function_call", "name": f"{namespace.rstrip('_')}__add", "arguments": "{}"}
    (problem,) = dispatch_problems(codex, [flat])
    assert f"unsupported call: {flat['name']}" in problem and f"namespace {namespace}" in problem
    assert "unsupported call: add" in dispatch_problems(codex, [{"type": "function_call", "name": "add"}])[0]


# -- refusals of a compaction request say what Codex does ------------------------------------------------------
def test_a_refused_compaction_request_says_once_that_codex_fails_the_turn() -> None:
    compact = request("0.130.0", "auto_compaction", 1)
    refused = Exchange(compact, compact.body, 500, "application/json", error_body='{"error": "not supported"}')
    (finding,) = judge_exchange(refused, NONE, 1)
    assert finding.kind == "gateway_reject"
    assert "remote compaction request (POST /v1/responses/compact)" in finding.message
    assert "no fallback" in finding.message
    turn = request("0.130.0", "auto_compaction", 0)
    plain = Exchange(turn, turn.body, 500, "application/json", error_body="{}")
    assert "compaction" not in judge_exchange(plain, NONE, 0)[0].message
