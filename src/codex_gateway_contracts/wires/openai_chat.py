"""OpenAI Chat Completions (``/chat/completions``), as most providers behind a gateway speak it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..core.cassettes import ReplyItem
from ..core.sse import encode
from .base import Reply, ReplyOptions, ToolSpec, Wire, hello, json_reply, keepalive, listed, named, register, split


def function_tools(body: Mapping[str, Any]) -> Iterator[ToolSpec]:
    """Chat nests each function under ``function`` (Ollama does the same), a free-form tool under ``custom``.

    Custom tools in Chat Completions: ``tools[].type: custom`` in the OpenAI API reference (chat completions,
    create), as ``schemas/providers/openai/chat.schema.json`` cites; they have a grammar, not parameters.
    """
    tools = [tool for tool in listed(body) if isinstance(tool, dict)]
    yield from named((tool.get("function") for tool in tools), "parameters")
    yield from named((tool.get("custom") for tool in tools if tool.get("type") == "custom"), "parameters")


def tool_call(identifier: str, item: ReplyItem) -> dict[str, Any]:
    """A ``tool_calls[]`` entry: a function call, or a call of a free-form tool the request offered as such.

    Custom tool calls in Chat Completions (``{"type": "custom", "custom": {"name", "input"}}``): the OpenAI API
    reference (chat completions, the message's ``tool_calls``); the mock's plan keeps a free-form call as one
    (no ``arguments``) only when the request offered ``tools[].type: custom``. Streamed, the input arrives in
    ``delta.tool_calls[].custom.input`` pieces (as llm-rosetta 0.13.0's chat converter documents and parses).
    """
    if item.kind == "custom_tool_call" and not item.arguments:
        return {"id": identifier, "type": "custom", "custom": {"name": item.name, "input": item.text}}
    return {"id": identifier, "type": "function", "function": {"name": item.name, "arguments": item.arguments}}


def call_id(call_prefix: str, n: int, style: str) -> str:
    """A tool-call id in the provider's format; ``alnum9`` is Mistral's nine alphanumerics."""
    if style == "alnum9":
        return hashlib.sha256(f"{call_prefix}_{n}".encode()).hexdigest()[:9]
    return f"{call_prefix}_{n}"


@register
class OpenAIChat(Wire):
    """Chat Completions, JSON or SSE chunks ending in ``[DONE]``, with the quirks of its many providers."""

    key = "openai-chat"
    canonical_paths = ("/chat/completions", "/v1/chat/completions", "/openai/v1/chat/completions")

    def minimal_request(self, model: str, stream: bool = False) -> dict[str, Any]:
        """Model, one user message, a token limit."""
        return {"model": model, "messages": hello(), "max_tokens": 16, "stream": stream}

    def tools(self, body: Mapping[str, Any]) -> Iterator[ToolSpec]:
        """``tools[].function``."""
        return function_tools(body)

    def render(self, items: Sequence[ReplyItem], ask: ReplyOptions) -> Reply:
        """A chat completion, or its chunks; usage, ids, reasoning and keep-alives as the provider's quirks say."""
        quirks, model, stream, include_usage, call_prefix = (
            ask.quirks,
            ask.model,
            ask.stream,
            ask.include_usage,
            ask.call_prefix,
        )
        usage = {
            "prompt_tokens": ask.input_tokens,
            "completion_tokens": ask.output_tokens,
            "total_tokens": ask.total_tokens,
        }
        reasoning_field = quirks.get("reasoning_field")
        text = "".join(i.text for i in items if i.kind == "text")
        reasoning = "".join(i.text for i in items if i.kind == "reasoning") if reasoning_field else ""
        if quirks.get("reasoning_in_content"):
            # MiniMax M2: the thinking travels inside the content, wrapped in <think> tags.
            thought = "".join(i.text for i in items if i.kind == "reasoning")
            text = f"<think>{thought}</think>{text}" if thought else text
        id_style = str(quirks.get("tool_call_id_style", "prefixed"))
        calls = [
            tool_call(call_id(call_prefix, n, id_style), i)
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
                "usage": usage,
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            }
            return json_reply(body, items)

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
        for part in split(reasoning) if reasoning else []:
            events.append(chunk({str(reasoning_field): part}))
        for part in split(text) if text else []:
            events.append(chunk({"content": part}))
        whole_calls = quirks.get("tool_call_chunks") == "whole"
        for n, call in enumerate(calls):
            if whole_calls:
                # Mistral, Zhipu: each tool call arrives complete in one delta, arguments included.
                events.append(chunk({"tool_calls": [{"index": n, **call}]}))
                continue
            kind = call["type"]
            field, value = (
                ("input", call[kind]["input"]) if kind == "custom" else ("arguments", call[kind]["arguments"])
            )
            opening = {"index": n, "id": call["id"], "type": kind}
            events.append(chunk({"tool_calls": [{**opening, kind: {"name": call[kind]["name"], field: ""}}]}))
            for part in split(value):
                events.append(chunk({"tool_calls": [{"index": n, kind: {field: part}}]}))
        if usage_mode == "with_finish":
            # Usage rides on the finishing choice chunk instead of a separate choices-[] chunk.
            events.append((None, {**chunk({}, finish)[1], "usage": usage}))
        else:
            events.append(chunk({}, finish))
        if send_usage:
            events.append((None, {**base, "object": "chat.completion.chunk", "choices": [], "usage": usage}))
        events.append((None, "[DONE]"))
        payload = encode(events)
        if quirks.get("keepalive_comments"):
            payload = keepalive(quirks) + payload
        return Reply(200, "text/event-stream", payload, tuple(items))
