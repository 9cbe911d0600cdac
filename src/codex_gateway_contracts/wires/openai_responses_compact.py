"""OpenAI's compact endpoint (``POST /responses/compact``): a conversation in, a ``response.compaction`` out.

Codex 0.130.0 compacts a long session remotely through it when its provider is OpenAI or Azure
(openai/codex ``codex-rs/codex-api/src/endpoint/compact.rs``: JSON in, JSON out, only ``output`` is read).
The answer is openai-python's ``CompactedResponse`` (``types/responses/compacted_response.py``): ``id``,
``created_at``, ``object: "response.compaction"``, ``output`` ("a list of all user messages, followed by a
single compaction item", ``response_compaction_item.py``) and ``usage``. The endpoint never streams.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..core.cassettes import ReplyItem
from .base import Reply, ReplyOptions, json_reply, register
from .openai_responses import OpenAIResponses, compaction_item, completed, usage


def _user_messages(request: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """The request's user messages, as the compact endpoint echoes them (content parts kept, text normalised)."""
    items = request.get("input")
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or item.get("type", "message") != "message" or item.get("role") != "user":
            continue
        content = item.get("content")
        parts = [{"type": "input_text", "text": content}] if isinstance(content, str) else list(content or [])
        yield {"content": parts, "role": "user"}


@register
class OpenAIResponsesCompact(OpenAIResponses):
    """``/responses/compact``: a Responses request's input and tools in, the compacted window out, always JSON.

    Codex sends its tools along (``CompactionInput.tools``) in the Responses shape, read as the Responses
    wire reads them.
    """

    key = "openai-responses-compact"
    canonical_paths = ("/responses/compact", "/v1/responses/compact", "/openai/v1/responses/compact")

    def minimal_request(self, model: str, stream: bool = False) -> dict[str, Any]:
        """Model and a string input (``ResponseCompactParams``: only ``model`` is required)."""
        return {"model": model, "input": "Say hello."}

    def render(self, items: Sequence[ReplyItem], ask: ReplyOptions) -> Reply:
        """The user messages of the request, then exactly one compaction item, whatever the plan holds."""
        prefix = ask.call_prefix
        output: list[dict[str, Any]] = []
        echoed: list[ReplyItem] = []
        for n, message in enumerate(_user_messages(ask.request)):
            output.append(completed("message", f"msg_{prefix}_u{n}", **message))
            text = "".join(str(p.get("text", "")) for p in message["content"] if isinstance(p, dict))
            echoed.append(ReplyItem("user_message", text=text))
        compaction = compaction_item(f"cmp_{prefix}_0")
        output.append(compaction)
        document = {
            "id": f"resp_{prefix}",
            "object": "response.compaction",
            "created_at": 1_700_000_000,
            "output": output,
            "usage": usage(ask.input_tokens, ask.output_tokens),
        }
        return json_reply(document, [*echoed, ReplyItem("compaction", text=compaction["encrypted_content"])])
