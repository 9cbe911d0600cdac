"""Google Gemini ``generateContent`` and ``streamGenerateContent?alt=sse``."""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..core.cassettes import ReplyItem
from ..core.sse import encode
from .base import Reply, ReplyOptions, ToolSpec, Wire, arguments, json_reply, listed, named, register, split


@register
class GeminiGenerate(Wire):
    """Candidates of parts; streaming sends one candidate chunk per piece, the last with STOP and usage."""

    key = "gemini-generate"
    canonical_paths = ("/models/{model}:streamGenerateContent?alt=sse", "/models/{model}:generateContent")

    def minimal_request(self, model: str, stream: bool = False) -> dict[str, Any]:
        """One user turn (the URL names the model and decides streaming)."""
        return {"contents": [{"role": "user", "parts": [{"text": "Say hello."}]}]}

    def tools(self, body: Mapping[str, Any]) -> Iterator[ToolSpec]:
        """``tools[].functionDeclarations`` (or the snake-case spelling its JSON parser also accepts)."""
        for tool in listed(body):
            if isinstance(tool, dict):
                for key in ("functionDeclarations", "function_declarations"):
                    yield from named(listed(tool, key), "parameters")

    def auth_headers(self, key: str) -> dict[str, str]:
        """``x-goog-api-key``."""
        return {"x-goog-api-key": key}

    def render(self, items: Sequence[ReplyItem], ask: ReplyOptions) -> Reply:
        """A response of parts (thoughts flagged, function calls with a thought signature if quirked)."""
        quirks, model, stream, call_prefix = ask.quirks, ask.model, ask.stream, ask.call_prefix
        parts: list[dict[str, Any]] = []
        for n, item in enumerate(items):
            if item.kind == "reasoning":
                parts.append({"text": item.text, "thought": True})
            elif item.kind == "text":
                parts.append({"text": item.text})
            else:
                call: dict[str, Any] = {"functionCall": {"name": item.name, "args": arguments(item)}}
                if quirks.get("thought_signature"):
                    call["thoughtSignature"] = base64.b64encode(f"{call_prefix}_{n}".encode()).decode()
                parts.append(call)
        usage = {
            "promptTokenCount": ask.input_tokens,
            "candidatesTokenCount": ask.output_tokens,
            "totalTokenCount": ask.total_tokens,
        }

        def response(chunk_parts: list[dict[str, Any]], last: bool) -> dict[str, Any]:
            candidate: dict[str, Any] = {"content": {"role": "model", "parts": chunk_parts}, "index": 0}
            if last:
                # Gemini has no tool-call finish reason: a turn that calls functions still ends with STOP.
                candidate["finishReason"] = "STOP"
            body: dict[str, Any] = {"candidates": [candidate], "modelVersion": model or "gemini"}
            if last:
                body["usageMetadata"] = usage
            body["responseId"] = f"gemini_{call_prefix}"
            return body

        if not stream:
            return json_reply(response(parts, True), items)
        pieces: list[dict[str, Any]] = []
        for part in parts:
            if "text" in part:
                pieces.extend({**part, "text": text} for text in split(part["text"]))
            else:
                pieces.append(part)  # a functionCall is never split across chunks
        events: list[tuple[str | None, Any]] = [
            (None, response([piece], n == len(pieces) - 1)) for n, piece in enumerate(pieces)
        ] or [(None, response([], True))]
        return Reply(200, "text/event-stream", encode(events), tuple(items))
