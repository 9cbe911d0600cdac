"""Amazon Bedrock Converse / ConverseStream: content blocks, streamed as AWS event-stream messages."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..core.cassettes import ReplyItem
from .base import Reply, ReplyOptions, ToolSpec, Wire, arguments, json_reply, listed, named, register, split
from .eventstream import CONTENT_TYPE, json_events


@register
class BedrockConverse(Wire):
    """Converse: content blocks; streaming as event-stream messages (``messageStart`` ... ``metadata``)."""

    key = "bedrock-converse"
    canonical_paths = ("/model/{model}/converse-stream", "/model/{model}/converse")

    def minimal_request(self, model: str, stream: bool = False) -> dict[str, Any]:
        """One user message of one text block, a token limit (the URL names the model)."""
        return {
            "messages": [{"role": "user", "content": [{"text": "Say hello."}]}],
            "inferenceConfig": {"maxTokens": 16},
        }

    def tools(self, body: Mapping[str, Any]) -> Iterator[ToolSpec]:
        """``toolConfig.tools[].toolSpec``; the JSON Schema wrapped in ``inputSchema.json``."""
        config = body.get("toolConfig")
        specs = (
            [tool.get("toolSpec") for tool in listed(config) if isinstance(tool, dict)]
            if isinstance(config, dict)
            else []
        )
        for name, schema in named(specs, "inputSchema"):
            inner = schema.get("json")
            yield name, inner if isinstance(inner, dict) else schema

    def render(self, items: Sequence[ReplyItem], ask: ReplyOptions) -> Reply:
        """The output message, or its event stream (padded when quirked)."""
        quirks, stream, call_prefix = ask.quirks, ask.stream, ask.call_prefix
        blocks: list[dict[str, Any]] = []
        for n, item in enumerate(items):
            if item.kind == "reasoning":
                text = {"text": item.text, "signature": f"sig_{call_prefix}"}
                blocks.append({"reasoningContent": {"reasoningText": text}})
            elif item.kind == "text":
                blocks.append({"text": item.text})
            else:
                use = {"toolUseId": f"tooluse_{call_prefix}_{n}", "name": item.name, "input": arguments(item)}
                blocks.append({"toolUse": use})
        stop = "tool_use" if any("toolUse" in b for b in blocks) else "end_turn"
        usage = {"inputTokens": ask.input_tokens, "outputTokens": ask.output_tokens, "totalTokens": ask.total_tokens}
        if not stream:
            body = {
                "output": {"message": {"role": "assistant", "content": blocks}},
                "stopReason": stop,
                "usage": usage,
                "metrics": {"latencyMs": 120},
            }
            return json_reply(body, items)
        events: list[tuple[str, Mapping[str, Any]]] = [("messageStart", {"role": "assistant"})]
        for index, block in enumerate(blocks):
            deltas: list[dict[str, Any]]
            if "toolUse" in block:
                use = block["toolUse"]
                start = {"toolUse": {"toolUseId": use["toolUseId"], "name": use["name"]}}
                events.append(("contentBlockStart", {"contentBlockIndex": index, "start": start}))
                deltas = [{"toolUse": {"input": part}} for part in split(json.dumps(use["input"]))]
            elif "reasoningContent" in block:
                reasoning = block["reasoningContent"]["reasoningText"]
                deltas = [{"reasoningContent": {"text": reasoning["text"]}}]
                deltas.append({"reasoningContent": {"signature": reasoning["signature"]}})
            else:
                deltas = [{"text": part} for part in split(block["text"])]
            events.extend(("contentBlockDelta", {"contentBlockIndex": index, "delta": d}) for d in deltas)
            events.append(("contentBlockStop", {"contentBlockIndex": index}))
        events.append(("messageStop", {"stopReason": stop}))
        events.append(("metadata", {"usage": usage, "metrics": {"latencyMs": 120}}))
        return Reply(200, CONTENT_TYPE, json_events(events, bool(quirks.get("padding"))), tuple(items))
