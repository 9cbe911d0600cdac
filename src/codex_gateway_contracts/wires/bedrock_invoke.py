"""Amazon Bedrock InvokeModel / InvokeModelWithResponseStream with an Anthropic body."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..core.cassettes import ReplyItem
from . import anthropic_messages
from .base import Reply, ReplyOptions, Wire, hello, json_reply, register
from .eventstream import CONTENT_TYPE, json_events


@register
class BedrockInvoke(anthropic_messages.AnthropicMessages):
    """InvokeModel with an Anthropic body; streaming wraps each Anthropic event in a base64 ``chunk``."""

    key = "bedrock-invoke"
    canonical_paths = ("/model/{model}/invoke-with-response-stream", "/model/{model}/invoke")

    def minimal_request(self, model: str, stream: bool = False) -> dict[str, Any]:
        """Anthropic's body with Bedrock's ``anthropic_version`` (the URL names the model)."""
        return {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 16, "messages": hello()}

    def auth_headers(self, key: str) -> dict[str, str]:
        """A Bedrock API key, used as a bearer token."""
        return Wire.auth_headers(self, key)

    def render(self, items: Sequence[ReplyItem], ask: ReplyOptions) -> Reply:
        """Anthropic's message, or its events as event-stream chunks (with invocation metrics if quirked)."""
        quirks, stream = ask.quirks, ask.stream
        message = anthropic_messages.message(items, ask)
        if not stream:
            return json_reply(message, items)
        chunks: list[tuple[str, Mapping[str, Any]]] = []
        for _, anthropic_event in anthropic_messages.events(message):
            event = dict(anthropic_event)
            if event.get("type") == "message_stop" and quirks.get("invocation_metrics"):
                metrics = {
                    "inputTokenCount": ask.input_tokens,
                    "outputTokenCount": ask.output_tokens,
                    "invocationLatency": 120,
                    "firstByteLatency": 40,
                }
                event = {**event, "amazon-bedrock-invocationMetrics": metrics}
            chunks.append(("chunk", {"bytes": base64.b64encode(json.dumps(event).encode()).decode()}))
        return Reply(200, CONTENT_TYPE, json_events(chunks, bool(quirks.get("padding"))), tuple(items))
