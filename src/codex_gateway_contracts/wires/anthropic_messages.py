"""Anthropic Messages (``/v1/messages``): a message of content blocks, or its named SSE events."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

from ..core.cassettes import ReplyItem
from ..core.sse import encode
from .base import Reply, ReplyOptions, ToolSpec, Wire, arguments, hello, json_reply, listed, named, register, split


def message(items: Sequence[ReplyItem], ask: ReplyOptions) -> dict[str, Any]:
    """The whole message: text, thinking (signed) and tool_use blocks."""
    model, call_prefix = ask.model, ask.call_prefix
    blocks: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        if item.kind == "text":
            blocks.append({"type": "text", "text": item.text})
        elif item.kind == "reasoning":
            blocks.append({"type": "thinking", "thinking": item.text, "signature": f"sig_{call_prefix}"})
        elif item.kind in {"function_call", "custom_tool_call"}:
            blocks.append(
                {"type": "tool_use", "id": f"toolu_{call_prefix}_{n}", "name": item.name, "input": arguments(item)}
            )
    stop = "tool_use" if any(b["type"] == "tool_use" for b in blocks) else "end_turn"
    return {
        "id": f"msg_{call_prefix}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": blocks,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": ask.input_tokens, "output_tokens": ask.output_tokens},
    }


def events(message: Mapping[str, Any]) -> list[tuple[str | None, Any]]:
    """The message as Anthropic streams it: start, ping, each block with its deltas, delta, stop."""
    blocks: list[dict[str, Any]] = message["content"]
    start_usage = {"input_tokens": message["usage"]["input_tokens"], "output_tokens": 1}
    start_message = {**message, "content": [], "stop_reason": None, "usage": start_usage}
    out: list[tuple[str | None, Any]] = [
        ("message_start", {"type": "message_start", "message": start_message}),
        ("ping", {"type": "ping"}),
    ]
    for n, block in enumerate(blocks):
        start: dict[str, Any]
        deltas: list[dict[str, Any]]
        if block["type"] == "text":
            start = {"type": "text", "text": ""}
            deltas = [{"type": "text_delta", "text": p} for p in split(block["text"])]
        elif block["type"] == "thinking":
            start = {"type": "thinking", "thinking": ""}
            deltas = [
                {"type": "thinking_delta", "thinking": block["thinking"]},
                {"type": "signature_delta", "signature": block["signature"]},
            ]
        else:
            start = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in split(json.dumps(block["input"]))]
        out.append(("content_block_start", {"type": "content_block_start", "index": n, "content_block": start}))
        out.extend(("content_block_delta", {"type": "content_block_delta", "index": n, "delta": d}) for d in deltas)
        out.append(("content_block_stop", {"type": "content_block_stop", "index": n}))
    stop = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    usage = {"output_tokens": message["usage"]["output_tokens"]}
    out.append(("message_delta", {"type": "message_delta", "delta": stop, "usage": usage}))
    out.append(("message_stop", {"type": "message_stop"}))
    return out


@register
class AnthropicMessages(Wire):
    """Messages API; a key goes in ``x-api-key`` with an ``anthropic-version``."""

    key = "anthropic-messages"
    canonical_paths: ClassVar[tuple[str, ...]] = ("/v1/messages",)

    def minimal_request(self, model: str, stream: bool = False) -> dict[str, Any]:
        """Model, a token limit, one user message."""
        return {"model": model, "max_tokens": 16, "messages": hello(), "stream": stream}

    def tools(self, body: Mapping[str, Any]) -> Iterator[ToolSpec]:
        """Flat ``tools[]`` with ``input_schema``."""
        return named(listed(body), "input_schema")

    def auth_headers(self, key: str) -> dict[str, str]:
        """``x-api-key`` and the API version."""
        return {"x-api-key": key, "anthropic-version": "2023-06-01"}

    def render(self, items: Sequence[ReplyItem], ask: ReplyOptions) -> Reply:
        """The message, or its event stream."""
        stream = ask.stream
        whole = message(items, ask)
        if not stream:
            return json_reply(whole, items)
        return Reply(200, "text/event-stream", encode(events(whole)), tuple(items))
