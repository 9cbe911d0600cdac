"""The scripted endpoint answers what Codex needs, the way OpenAI does, byte-identical on every recording."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from codex_gateway_contracts.errors import RecordError
from codex_gateway_contracts.tools.record.scenarios import ItemSpec, ReplySpec, reply
from codex_gateway_contracts.tools.record.script import (
    COMPACT_PATH,
    JSON,
    RESPONSES_PATH,
    SSE,
    CaptureServer,
    ReplyScript,
    response_item_types,
)

CASSETTES = Path(__file__).resolve().parents[4] / "cassettes" / "codex"


def sse_events(text: str) -> list[dict[str, Any]]:
    return [json.loads(line[5:]) for line in text.splitlines() if line.startswith("data:")]


def user(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def calc_namespace(name: str) -> dict[str, Any]:
    return {"type": "namespace", "name": name, "description": "", "tools": [{"type": "function", "name": "add"}]}


MCP_ADD = ReplySpec((ItemSpec("mcp_tool_call", server="calc", tool="add", arguments='{"a":2,"b":3}'),))


@pytest.mark.parametrize("kind", ["text", "reasoning", "function_call", "custom_tool_call", "web_search"])
def test_reply_script_streams_what_codex_needs(kind: str) -> None:
    events = sse_events(ReplyScript("gpt-5.5").sse(reply(kind)))
    types = [e["type"] for e in events]
    assert types[:2] == ["response.created", "response.in_progress"]
    assert types[-1] == "response.completed"
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    done = [e["item"] for e in events if e["type"] == "response.output_item.done"]
    assert events[-1]["response"]["output"] == done
    assert events[-1]["response"]["usage"]["total_tokens"] == 120
    # ids are counters, so a second recording of the same scenario is byte-identical
    assert ReplyScript("m").sse(reply(kind)) == ReplyScript("m").sse(reply(kind))


def test_usage_is_set_per_reply() -> None:
    events = sse_events(ReplyScript("m").sse(ReplySpec((ItemSpec("message"),), total_tokens=5000)))
    usage = events[-1]["response"]["usage"]
    assert (usage["input_tokens"], usage["output_tokens"], usage["total_tokens"]) == (4980, 20, 5000)


def test_the_compact_endpoint_gets_openai_s_compacted_response() -> None:
    body = {"input": [{"type": "message", "role": "developer", "content": []}, user("env"), user("run it")]}
    answer = ReplyScript("m").answer(reply("compaction"), COMPACT_PATH, body)
    assert (answer.status, answer.content_type, answer.done) == (200, JSON, True)
    document = json.loads(answer.text)
    assert document["object"] == "response.compaction" and document["id"] == "resp_0001"
    # "a list of all user messages, followed by a single compaction item" (openai-python CompactedResponse)
    assert [(i["type"], i.get("role")) for i in document["output"]] == [
        ("message", "user"),
        ("message", "user"),
        ("compaction", None),
    ]
    assert [i["content"] for i in document["output"][:2]] == [body["input"][1]["content"], body["input"][2]["content"]]
    compaction = document["output"][-1]
    assert set(compaction) == {"type", "id", "encrypted_content"} and compaction["encrypted_content"].startswith(
        "gAAAAB"
    )
    assert response_item_types(answer.text, JSON) == ["message", "message", "compaction"]


def test_a_compaction_trigger_gets_one_streamed_compaction_item() -> None:
    body = {"input": [user("run it"), {"type": "compaction_trigger"}]}
    answer = ReplyScript("m").answer(reply("compaction"), RESPONSES_PATH, body)
    assert answer.content_type == SSE and response_item_types(answer.text) == ["compaction"]


def test_compaction_replies_refuse_a_request_that_is_not_a_compaction() -> None:
    with pytest.raises(RecordError, match="this one ends with 'message'"):
        ReplyScript("m").answer(reply("compaction"), RESPONSES_PATH, {"input": [user("hi")]})
    with pytest.raises(RecordError, match="takes a compaction reply"):
        ReplyScript("m").answer(reply("text"), COMPACT_PATH, {"input": [user("hi")]})


@pytest.mark.parametrize("namespace", ["mcp__calc__", "mcp__calc"])
def test_an_mcp_call_uses_the_namespace_the_request_offers(namespace: str) -> None:
    body = {"input": [user("add")], "tools": [calc_namespace(namespace)]}
    answer = ReplyScript("m").answer(MCP_ADD, RESPONSES_PATH, body)
    (call,) = [e["item"] for e in sse_events(answer.text) if e["type"] == "response.output_item.done"]
    assert answer.done and (call["name"], call["namespace"], call["arguments"]) == ("add", namespace, '{"a":2,"b":3}')


def test_deferred_mcp_tools_are_searched_for_first() -> None:
    script = ReplyScript("m")
    deferred = {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "- mcp__calc"}]}
    body: dict[str, Any] = {"input": [deferred, user("add")], "tools": [{"type": "tool_search"}]}
    first = script.answer(MCP_ADD, RESPONSES_PATH, body)
    (search,) = [e["item"] for e in sse_events(first.text) if e["type"] == "response.output_item.done"]
    assert not first.done and search["type"] == "tool_search_call" and search["arguments"] == {"query": "calc add"}
    found = {"type": "tool_search_output", "call_id": search["call_id"], "tools": [calc_namespace("mcp__calc")]}
    second = script.answer(MCP_ADD, RESPONSES_PATH, {**body, "input": [*body["input"], search, found]})
    assert second.done and response_item_types(second.text) == ["function_call"]
    assert '"namespace":"mcp__calc"' in second.text


@pytest.mark.parametrize(
    "body",
    [
        {"input": [user("add")], "tools": [{"type": "function", "name": "exec_command"}]},
        {"input": [user("add")], "tools": [{"type": "tool_search"}]},
    ],
    ids=["no-namespace", "no-deferred-namespace"],
)
def test_an_mcp_call_fails_loudly_when_the_tools_are_missing(body: dict[str, Any]) -> None:
    with pytest.raises(RecordError, match="tools of MCP server 'calc' did not reach the request"):
        ReplyScript("m").answer(MCP_ADD, RESPONSES_PATH, body)


def test_capture_server_keeps_path_status_and_content_type() -> None:
    with CaptureServer("m", [reply("compaction"), reply("text")]) as server, httpx.Client() as client:
        base = f"http://127.0.0.1:{server.port}"
        compact = client.post(f"{base}{COMPACT_PATH}", json={"input": [user("hi")]})
        wrong = client.post(f"{base}/v1/chat/completions", json={"messages": []})
        text = client.post(f"{base}{RESPONSES_PATH}", json={"input": [user("hi")]})
        extra = client.post(f"{base}{RESPONSES_PATH}", json={"input": [user("hi")]})
    assert (compact.status_code, compact.headers["content-type"]) == (200, JSON)
    assert (text.status_code, text.headers["content-type"]) == (200, SSE)
    assert wrong.status_code == extra.status_code == 500
    assert [(e.path, e.status, e.content_type) for e in server.exchanges] == [
        (COMPACT_PATH, 200, JSON),
        (RESPONSES_PATH, 200, SSE),
    ]
    assert server.errors == [
        "unexpected request POST /v1/chat/completions",
        "request 3 (/v1/responses) has no scripted reply left",
    ]
    assert server.unused_replies == 0


def test_a_streamed_compaction_item_is_announced_as_the_cassettes_hold_it() -> None:
    """The recorder answers a compaction_trigger exactly as the committed cassettes recorded it.

    `codex-contracts-record --check` needs the real binary; this holds the same line without it: OpenAI's
    style announces the compaction item without its encrypted_content, which arrives with output_item.done.
    """
    cassette = yaml.safe_load((CASSETTES / "0.171.0" / "auto_compaction.yaml").read_text(encoding="utf-8"))
    compactions = [
        interaction
        for interaction in cassette["interactions"]
        if "compaction_trigger" in interaction["request"]["body"]
    ]
    recorded = compactions[0]
    body = json.loads(recorded["request"]["body"])
    answer = ReplyScript("m").answer(reply("compaction"), RESPONSES_PATH, body)

    def item_events(text: str) -> list[dict[str, Any]]:
        return [event for event in sse_events(text) if event["type"].startswith("response.output_item.")]

    assert item_events(answer.text) == item_events(recorded["response"]["body"]["string"])
    assert "encrypted_content" not in item_events(answer.text)[0]["item"]
