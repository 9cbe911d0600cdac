"""Success replies in each provider wire format, JSON or SSE, with the quirks a provider is known for.

The mock answers a valid request with the reply plan of the case (text, reasoning, tool calls), so the
gateway has to translate a realistic answer back into the Responses stream Codex reads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .cassettes import ReplyItem
from .sse import encode

_USAGE = {"prompt_tokens": 21, "completion_tokens": 7, "total_tokens": 28}


@dataclass(frozen=True)
class Reply:
    """What the mock sends: status, content type and bytes, plus the items it put in (for the verdict)."""

    status: int
    content_type: str
    payload: bytes
    items: tuple[ReplyItem, ...]


def render(
    wire: str,
    quirks: Mapping[str, Any],
    items: Sequence[ReplyItem],
    *,
    model: str,
    stream: bool,
    include_usage: bool,
    call_prefix: str,
) -> Reply:
    """Render the reply plan in ``wire`` format; ``call_prefix`` makes tool-call ids unique per case."""
    if wire == "openai-chat":
        return _chat(quirks, items, model, stream, include_usage, call_prefix)
    if wire == "openai-responses":
        return _responses(items, model, stream, call_prefix)
    if wire == "anthropic-messages":
        return _anthropic(items, model, stream, call_prefix)
    raise ValueError(f"unknown wire format {wire!r}")


def _split(text: str) -> list[str]:
    middle = max(1, len(text) // 2)
    return [text[:middle], text[middle:]] if len(text) > 1 else [text]


def _chat(
    quirks: Mapping[str, Any],
    items: Sequence[ReplyItem],
    model: str,
    stream: bool,
    include_usage: bool,
    call_prefix: str,
) -> Reply:
    reasoning_field = quirks.get("reasoning_field")
    text = "".join(i.text for i in items if i.kind == "text")
    reasoning = "".join(i.text for i in items if i.kind == "reasoning") if reasoning_field else ""
    calls: list[dict[str, Any]] = [
        {"id": f"{call_prefix}_{n}", "type": "function", "function": {"name": i.name, "arguments": i.arguments}}
        for n, i in enumerate(x for x in items if x.kind in {"function_call", "custom_tool_call"})
    ]
    finish = "tool_calls" if calls else "stop"
    usage_mode = quirks.get("usage_chunk", "if_requested")
    send_usage = usage_mode == "always" or (usage_mode == "if_requested" and include_usage)
    base = {"id": f"chatcmpl-{call_prefix}", "created": 1_700_000_000, "model": model}
    if not stream:
        message: dict[str, Any] = {"role": "assistant", "content": text or None}
        if reasoning:
            message[str(reasoning_field)] = reasoning
        if calls:
            message["tool_calls"] = calls
        body = {
            **base,
            "object": "chat.completion",
            "usage": _USAGE,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        }
        return Reply(200, "application/json", json.dumps(body).encode(), tuple(items))

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> tuple[None, dict[str, Any]]:
        return None, {
            **base,
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }

    events: list[tuple[str | None, Any]] = []
    if quirks.get("prompt_filter_first_chunk"):
        events.append(
            (
                None,
                {
                    "id": "",
                    "object": "",
                    "created": 0,
                    "model": "",
                    "choices": [],
                    "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}],
                },
            )
        )
    events.append(chunk({"role": "assistant", "content": ""}))
    for part in _split(reasoning) if reasoning else []:
        events.append(chunk({str(reasoning_field): part}))
    for part in _split(text) if text else []:
        events.append(chunk({"content": part}))
    for n, call in enumerate(calls):
        args = call["function"]["arguments"]
        events.append(
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": n,
                            "id": call["id"],
                            "type": "function",
                            "function": {"name": call["function"]["name"], "arguments": ""},
                        }
                    ]
                }
            )
        )
        for part in _split(args):
            events.append(chunk({"tool_calls": [{"index": n, "function": {"arguments": part}}]}))
    events.append(chunk({}, finish))
    if send_usage:
        events.append((None, {**base, "object": "chat.completion.chunk", "choices": [], "usage": _USAGE}))
    events.append((None, "[DONE]"))
    payload = encode(events)
    if quirks.get("keepalive_comments"):
        payload = b": keep-alive\n\n" + payload
    return Reply(200, "text/event-stream", payload, tuple(items))


def _responses(items: Sequence[ReplyItem], model: str, stream: bool, call_prefix: str) -> Reply:
    output: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        if item.kind == "text":
            output.append(
                {
                    "type": "message",
                    "id": f"msg_{call_prefix}_{n}",
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": item.text, "annotations": []}],
                }
            )
        elif item.kind == "reasoning":
            output.append(
                {
                    "type": "reasoning",
                    "id": f"rs_{call_prefix}_{n}",
                    "summary": [{"type": "summary_text", "text": item.text}],
                }
            )
        elif item.kind == "function_call":
            output.append(
                {
                    "type": "function_call",
                    "id": f"fc_{call_prefix}_{n}",
                    "status": "completed",
                    "call_id": f"{call_prefix}_{n}",
                    "name": item.name,
                    "arguments": item.arguments,
                }
            )
        else:
            output.append(
                {
                    "type": "custom_tool_call",
                    "id": f"ctc_{call_prefix}_{n}",
                    "status": "completed",
                    "call_id": f"{call_prefix}_{n}",
                    "name": item.name,
                    "input": item.text,
                }
            )
    usage = {
        "input_tokens": 21,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 7,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 28,
    }
    response = {
        "id": f"resp_{call_prefix}",
        "object": "response",
        "created_at": 1_700_000_000,
        "status": "completed",
        "model": model,
        "output": output,
        "usage": usage,
    }
    if not stream:
        return Reply(200, "application/json", json.dumps(response).encode(), tuple(items))
    seq = iter(range(10_000))
    events: list[tuple[str | None, Any]] = []

    def emit(kind: str, **fields: Any) -> None:
        events.append((kind, {"type": kind, "sequence_number": next(seq), **fields}))

    emit("response.created", response={**response, "status": "in_progress", "output": [], "usage": None})
    emit("response.in_progress", response={**response, "status": "in_progress", "output": [], "usage": None})
    for n, entry in enumerate(output):
        emit("response.output_item.added", output_index=n, item={**entry, "status": "in_progress"})
        if entry["type"] == "message":
            text = entry["content"][0]["text"]
            for part in _split(text):
                emit("response.output_text.delta", item_id=entry["id"], output_index=n, content_index=0, delta=part)
            emit("response.output_text.done", item_id=entry["id"], output_index=n, content_index=0, text=text)
        elif entry["type"] == "function_call":
            emit(
                "response.function_call_arguments.done",
                item_id=entry["id"],
                output_index=n,
                arguments=entry["arguments"],
            )
        emit("response.output_item.done", output_index=n, item=entry)
    emit("response.completed", response=response)
    return Reply(200, "text/event-stream", encode(events), tuple(items))


def _anthropic(items: Sequence[ReplyItem], model: str, stream: bool, call_prefix: str) -> Reply:
    blocks: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        if item.kind == "text":
            blocks.append({"type": "text", "text": item.text})
        elif item.kind == "reasoning":
            blocks.append({"type": "thinking", "thinking": item.text, "signature": f"sig_{call_prefix}"})
        elif item.kind in {"function_call", "custom_tool_call"}:
            try:
                arguments = json.loads(item.arguments or "{}")
            except json.JSONDecodeError:
                arguments = {}
            blocks.append({"type": "tool_use", "id": f"toolu_{call_prefix}_{n}", "name": item.name, "input": arguments})
    stop = "tool_use" if any(b["type"] == "tool_use" for b in blocks) else "end_turn"
    message = {
        "id": f"msg_{call_prefix}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": blocks,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 21, "output_tokens": 7},
    }
    if not stream:
        return Reply(200, "application/json", json.dumps(message).encode(), tuple(items))
    events: list[tuple[str | None, Any]] = [
        (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    **message,
                    "content": [],
                    "stop_reason": None,
                    "usage": {"input_tokens": 21, "output_tokens": 1},
                },
            },
        ),
        ("ping", {"type": "ping"}),
    ]
    for n, block in enumerate(blocks):
        start: dict[str, Any]
        deltas: list[dict[str, Any]]
        if block["type"] == "text":
            start, deltas = (
                {"type": "text", "text": ""},
                [{"type": "text_delta", "text": p} for p in _split(block["text"])],
            )
        elif block["type"] == "thinking":
            start = {"type": "thinking", "thinking": ""}
            deltas = [
                {"type": "thinking_delta", "thinking": block["thinking"]},
                {"type": "signature_delta", "signature": block["signature"]},
            ]
        else:
            start = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in _split(json.dumps(block["input"]))]
        events.append(("content_block_start", {"type": "content_block_start", "index": n, "content_block": start}))
        events.extend(("content_block_delta", {"type": "content_block_delta", "index": n, "delta": d}) for d in deltas)
        events.append(("content_block_stop", {"type": "content_block_stop", "index": n}))
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": 7},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return Reply(200, "text/event-stream", encode(events), tuple(items))
