"""Ollama's native ``/api/chat`` (and the reply renderer it shares with ``/api/generate``): JSON, or NDJSON."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

from ..core.cassettes import ReplyItem
from .base import Reply, ReplyOptions, ToolSpec, Wire, arguments, hello, json_reply, register, split
from .openai_chat import function_tools


class Ollama(Wire):
    """Both endpoints: the final line carries ``done`` and the timings; generate answers in ``response``."""

    generate: ClassVar[bool] = False

    def _piece(
        self, content: str = "", think: str = "", tool_calls: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        if self.generate:
            out: dict[str, Any] = {"response": content}
            if think:
                out["thinking"] = think
            return out
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if think:
            message["thinking"] = think
        if tool_calls:
            message["tool_calls"] = tool_calls
        return {"message": message}

    def render(self, items: Sequence[ReplyItem], ask: ReplyOptions) -> Reply:
        """One final object, or thinking and text pieces, the tool calls, then the final line."""
        model, stream = ask.model, ask.stream
        text = "".join(i.text for i in items if i.kind == "text")
        thinking = "".join(i.text for i in items if i.kind == "reasoning")
        # Ollama tool calls carry arguments as a JSON object and no id.
        calls = [
            {"function": {"name": i.name, "arguments": arguments(i)}}
            for i in items
            if i.kind not in {"text", "reasoning"}
        ]
        base = {"model": model, "created_at": "2026-01-01T00:00:00.000000Z"}
        done = {
            "done": True,
            "done_reason": "stop",
            "total_duration": 120_000_000,
            "load_duration": 1_000_000,
            "prompt_eval_count": ask.input_tokens,
            "prompt_eval_duration": 10_000_000,
            "eval_count": ask.output_tokens,
            "eval_duration": 100_000_000,
        }
        context = {"context": [1, 2, 3]} if self.generate else {}
        if not stream:
            return json_reply({**base, **self._piece(text, thinking, calls), **done, **context}, items)
        lines = [{**base, **self._piece(think=part), "done": False} for part in split(thinking) if part]
        lines += [{**base, **self._piece(part), "done": False} for part in split(text) if part]
        if calls:
            lines.append({**base, **self._piece(tool_calls=calls), "done": False})
        lines.append({**base, **self._piece(), **done, **context})
        payload = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines).encode()
        return Reply(200, "application/x-ndjson", payload, tuple(items))


@register
class OllamaChat(Ollama):
    """``/api/chat``: messages in, a message out; tools as chat's ``tools[].function``."""

    key = "ollama-chat"
    canonical_paths = ("/api/chat",)

    def minimal_request(self, model: str, stream: bool = False) -> dict[str, Any]:
        """Model and one user message."""
        return {"model": model, "messages": hello(), "stream": stream}

    def tools(self, body: Mapping[str, Any]) -> Iterator[ToolSpec]:
        """``tools[].function``."""
        return function_tools(body)
