"""Tool calls, thinking and quirks in the wire formats added for the catalogue, read back byte by byte."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from codex_gateway_contracts import wires
from codex_gateway_contracts.core.cassettes import ReplyItem
from codex_gateway_contracts.core.sse import iter_sse
from codex_gateway_contracts.wires.eventstream import decode_eventstream, eventstream_message

from ..core.test_catalogue import decode_eventstream as independent_decode

PLAN = (
    ReplyItem("reasoning", text="Thinking it over."),
    ReplyItem("text", text="Running it."),
    ReplyItem("function_call", name="exec_command", arguments='{"cmd": "echo hi"}'),
)


def go(wire: str, body_stream: bool, **quirks: Any) -> Any:
    return wires.get(wire).reply(quirks, PLAN, model="m", stream=body_stream, include_usage=True, call_prefix="call_x")


def test_gemini_stream_sends_whole_function_calls_thoughts_and_stop() -> None:
    reply = go("gemini-generate", False, stream="always", thought_signature=True)
    events = [e.json() for e in iter_sse(reply.payload.decode())]
    parts = [p for e in events for p in e["candidates"][0]["content"]["parts"]]
    calls = [p for p in parts if "functionCall" in p]
    assert calls == [
        {
            "functionCall": {"name": "exec_command", "args": {"cmd": "echo hi"}},
            "thoughtSignature": calls[0]["thoughtSignature"],
        }
    ]
    assert "".join(p["text"] for p in parts if p.get("thought")) == "Thinking it over."
    assert events[-1]["candidates"][0]["finishReason"] == "STOP" and "usageMetadata" in events[-1]
    assert all("finishReason" not in e["candidates"][0] for e in events[:-1])
    assert "[DONE]" not in reply.payload.decode()


def test_gemini_never_quirk_answers_json_even_when_asked_to_stream() -> None:
    reply = go("gemini-generate", True, stream="never")
    assert reply.content_type == "application/json"
    assert json.loads(reply.payload)["candidates"][0]["content"]["role"] == "model"


def test_converse_stream_reassembles_the_tool_input_and_pads_events() -> None:
    reply = go("bedrock-converse", True, padding=True)
    events = [(h[":event-type"], json.loads(p)) for h, p in independent_decode(reply.payload)]
    kinds = [k for k, _ in events]
    assert kinds[0] == "messageStart" and kinds[-2:] == ["messageStop", "metadata"]
    assert all("p" in body for _, body in events)
    start = next(b for k, b in events if k == "contentBlockStart")
    assert start["start"]["toolUse"]["name"] == "exec_command"
    index = start["contentBlockIndex"]
    pieces = [
        b["delta"]["toolUse"]["input"]
        for k, b in events
        if k == "contentBlockDelta" and b["contentBlockIndex"] == index
    ]
    assert json.loads("".join(pieces)) == {"cmd": "echo hi"}
    assert next(b for k, b in events if k == "messageStop")["stopReason"] == "tool_use"


def test_invoke_stream_wraps_anthropic_events_and_adds_invocation_metrics() -> None:
    reply = go("bedrock-invoke", True, invocation_metrics=True)
    chunks = [json.loads(base64.b64decode(json.loads(p)["bytes"])) for h, p in independent_decode(reply.payload)]
    assert chunks[0]["type"] == "message_start"
    assert (
        chunks[-1]["type"] == "message_stop" and chunks[-1]["amazon-bedrock-invocationMetrics"]["outputTokenCount"] == 7
    )
    partial = "".join(c["delta"].get("partial_json", "") for c in chunks if c["type"] == "content_block_delta")
    assert json.loads(partial) == {"cmd": "echo hi"}


def test_event_stream_decoder_detects_corruption() -> None:
    message = eventstream_message({":event-type": "x"}, b'{"a":1}')
    assert list(decode_eventstream(message)) == [({":event-type": "x"}, b'{"a":1}')]
    broken = message[:-5] + bytes([message[-5] ^ 1]) + message[-4:]
    with pytest.raises(ValueError, match="CRC"):
        list(decode_eventstream(broken))


@pytest.mark.parametrize("wire", ["ollama-chat", "ollama-generate"])
def test_ollama_ndjson(wire: str) -> None:
    lines = [json.loads(line) for line in go(wire, True).payload.decode().splitlines()]
    assert lines[-1]["done"] is True and lines[-1]["done_reason"] == "stop" and lines[-1]["eval_count"] == 7
    if wire == "ollama-chat":
        calls = [c for line in lines for c in line["message"].get("tool_calls", [])]
        assert calls == [{"function": {"name": "exec_command", "arguments": {"cmd": "echo hi"}}}]
        assert "".join(line["message"].get("thinking", "") for line in lines) == "Thinking it over."
    else:
        assert "".join(line["response"] for line in lines) == "Running it."
        assert "context" in lines[-1]


def test_chat_quirks_mistral_ids_whole_calls_usage_on_finish() -> None:
    reply = go("openai-chat", True, tool_call_id_style="alnum9", tool_call_chunks="whole", usage_chunk="with_finish")
    chunks = [e.json() for e in iter_sse(reply.payload.decode()) if e.data != "[DONE]"]
    calls = [c for ch in chunks for choice in ch["choices"] for c in choice["delta"].get("tool_calls") or []]
    assert len(calls) == 1 and calls[0]["function"]["arguments"] == '{"cmd": "echo hi"}'
    assert len(calls[0]["id"]) == 9 and calls[0]["id"].isalnum()
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls" and chunks[-1]["usage"]["total_tokens"] == 28


def test_chat_quirk_minimax_thinks_inside_the_content() -> None:
    body = json.loads(go("openai-chat", False, reasoning_in_content=True).payload)
    assert body["choices"][0]["message"]["content"] == "<think>Thinking it over.</think>Running it."


def test_responses_keepalive_comment_only_when_the_provider_sends_one() -> None:
    assert go(
        "openai-responses", True, keepalive_comments=True, keepalive_text="OPENROUTER PROCESSING"
    ).payload.startswith(b": OPENROUTER PROCESSING\n\n")
    assert go("openai-responses", True).payload.startswith(b"event: response.created")


@pytest.mark.parametrize("wire", wires.keys())
@pytest.mark.parametrize("stream", [False, True])
def test_every_wire_reports_the_prompt_tokens_a_case_asks_for(wire: str, stream: bool) -> None:
    # A real Codex compacts when the reported usage crosses its model_auto_compact_token_limit.
    plan = (ReplyItem("text", text="hi"),)
    reply = wires.get(wire).reply(
        {}, plan, model="m", stream=stream, include_usage=True, call_prefix="p", input_tokens=4321
    )
    payload = reply.payload
    if wire == "bedrock-invoke" and stream:  # Anthropic events, base64 inside event-stream frames
        payload = b"".join(base64.b64decode(json.loads(p)["bytes"]) for _, p in decode_eventstream(payload))
    assert b"4321" in payload


def test_the_compact_endpoint_echoes_user_messages_then_exactly_one_compaction_item() -> None:
    request = {
        "model": "gpt-5.5",
        "input": [
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "rules"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "run echo"}]},
            {"type": "function_call", "name": "exec_command", "arguments": "{}", "call_id": "c"},
            {"role": "user", "content": "and then?"},
        ],
    }
    reply = wires.get("openai-responses-compact").reply(
        {},
        (ReplyItem("text", text="ignored"),),
        model="gpt-5.5",
        stream=True,
        include_usage=False,
        call_prefix="call_x",
        request=request,
    )
    document = json.loads(reply.payload)
    assert reply.content_type == "application/json" and document["object"] == "response.compaction"
    output = document["output"]
    assert [(i["type"], i.get("role")) for i in output] == [
        ("message", "user"),
        ("message", "user"),
        ("compaction", None),
    ]
    assert output[1]["content"] == [{"type": "input_text", "text": "and then?"}]
    assert [i.kind for i in reply.items] == ["user_message", "user_message", "compaction"]
    assert reply.items[-1].text == output[-1]["encrypted_content"]


def test_a_responses_stream_carries_compaction_tool_search_and_namespaced_calls() -> None:
    plan = (
        ReplyItem("compaction", text="recorded"),
        ReplyItem("tool_search_call", arguments='{"query": "calc"}'),
        ReplyItem("function_call", name="add", arguments="{}", namespace="mcp__calc"),
    )
    reply = wires.get("openai-responses").reply({}, plan, model="m", stream=True, include_usage=False, call_prefix="p")
    events = [e.json() for e in iter_sse(reply.payload.decode())]
    added = [e["item"] for e in events if e["type"] == "response.output_item.added"]
    done = [e["item"] for e in events if e["type"] == "response.output_item.done"]
    # The mocks stream OpenAI's style: the compaction item is announced without its encrypted_content, no status.
    assert added[0] == {k: v for k, v in done[0].items() if k != "encrypted_content"} and "status" not in done[0]
    assert done[1]["type"] == "tool_search_call" and done[1]["arguments"] == {"query": "calc"}
    assert (done[2]["name"], done[2]["namespace"]) == ("add", "mcp__calc")
    assert reply.items[0] == ReplyItem("compaction", text=done[0]["encrypted_content"]) != plan[0]
