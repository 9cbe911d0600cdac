"""The OpenAI Responses API (``/responses``): what Codex speaks, and what passthrough providers serve.

:class:`ResponsesStream` is the one builder of a streamed Responses answer. The provider mocks, the
recorder's scripted endpoint and the mutation harness's faulty gateway all stream through it; a
:class:`StreamStyle` says how much of OpenAI's event sequence a stream carries. The provider mocks and the
recorder send OpenAI's full sequence: a gateway that translates the stream (llm-rosetta) builds tool-call
arguments from the ``*.delta`` events only, so a leaner stream than a real provider's would break it where
the provider would not. The faulty gateway answers Codex with the lean sequence, which Codex accepts.
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.cassettes import ReplyItem
from ..core.sse import encode
from .base import Reply, ReplyOptions, ToolSpec, Wire, json_reply, keepalive, listed, named, register, split


@dataclass(frozen=True)
class StreamStyle:
    """Which of OpenAI's events a stream carries around each output item."""

    #: ``content_part.*``, ``reasoning_summary_*`` and the argument/input ``*.delta`` events, as OpenAI sends.
    detailed: bool
    #: ``output_item.added`` carries the item emptied (OpenAI), or already complete.
    empty_added: bool
    #: Text deltas are always two halves, or one piece for a text of at most one character.
    halves: bool


#: What OpenAI streams; the recorder answered Codex so, and the cassettes keep it.
OPENAI = StreamStyle(detailed=True, empty_added=True, halves=True)
#: The lean sequence Codex accepts (the faulty gateway sends it): text deltas, function arguments, item done.
LEAN = StreamStyle(detailed=False, empty_added=False, halves=False)


def halves(text: str) -> list[str]:
    """A text in two streamed pieces, the second empty for a text of one character."""
    middle = max(1, len(text) // 2)
    return [text[:middle], text[middle:]]


def _emptied(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item as ``output_item.added`` announces it before its content streams."""
    empties: dict[str, dict[str, Any]] = {
        "message": {"content": []},
        "reasoning": {"summary": []},
        "function_call": {"arguments": ""},
        "custom_tool_call": {"input": ""},
    }
    empty = empties.get(str(item.get("type")), {})
    out = {key: value for key, value in item.items() if key != "encrypted_content"}
    if "status" in out:
        out["status"] = "in_progress"
    return {**out, **empty}


@dataclass
class ResponsesStream:
    """Server-sent events of one streamed response, numbered from 0, built item by item."""

    style: StreamStyle = LEAN
    events: list[tuple[str | None, Any]] = field(default_factory=list)
    _numbers: Iterator[int] = field(default_factory=itertools.count)

    def emit(self, kind: str, **fields: Any) -> None:
        """One event: ``type`` and ``sequence_number`` first, then ``fields``."""
        self.events.append((kind, {"type": kind, "sequence_number": next(self._numbers), **fields}))

    def begin(self, response: Mapping[str, Any]) -> None:
        """``response.created`` and ``response.in_progress`` with the in-progress response."""
        self.emit("response.created", response=response)
        self.emit("response.in_progress", response=response)

    def item(self, index: int, item: Mapping[str, Any]) -> None:
        """Stream one finished output item: added, its partial events, done."""
        style, kind, item_id = self.style, item.get("type"), item.get("id")
        added = _emptied(item) if style.empty_added else {**item, "status": "in_progress"}
        if kind == "compaction":
            # No status and no partial events; OpenAI's style announces it without its encrypted_content,
            # as the recorded cassettes hold it (record --check compares them byte for byte).
            added = _emptied(item) if style.empty_added else dict(item)
        self.emit("response.output_item.added", output_index=index, item=added)
        if kind == "message":
            part = item["content"][0]
            text = part["text"]
            at = {"item_id": item_id, "output_index": index, "content_index": 0}
            if style.detailed:
                self.emit("response.content_part.added", **at, part={**part, "text": ""})
            for piece in halves(text) if style.halves else split(text):
                self.emit("response.output_text.delta", **at, delta=piece)
            self.emit("response.output_text.done", **at, text=text)
            if style.detailed:
                self.emit("response.content_part.done", **at, part=part)
        elif kind == "reasoning" and style.detailed:
            part = item["summary"][0]
            at = {"item_id": item_id, "output_index": index, "summary_index": 0}
            self.emit("response.reasoning_summary_part.added", **at, part={**part, "text": ""})
            self.emit("response.reasoning_summary_text.delta", **at, delta=part["text"])
            self.emit("response.reasoning_summary_text.done", **at, text=part["text"])
            self.emit("response.reasoning_summary_part.done", **at, part=part)
        elif kind == "function_call":
            if style.detailed:
                self.emit(
                    "response.function_call_arguments.delta",
                    item_id=item_id,
                    output_index=index,
                    delta=item["arguments"],
                )
            self.emit(
                "response.function_call_arguments.done",
                item_id=item_id,
                output_index=index,
                arguments=item["arguments"],
            )
        elif kind == "custom_tool_call" and style.detailed:
            self.emit("response.custom_tool_call_input.delta", item_id=item_id, output_index=index, delta=item["input"])
            self.emit("response.custom_tool_call_input.done", item_id=item_id, output_index=index, input=item["input"])
        self.done(index, item)

    def done(self, index: int, item: Mapping[str, Any]) -> None:
        """``response.output_item.done``: what Codex takes the item from."""
        self.emit("response.output_item.done", output_index=index, item=item)

    def complete(self, response: Mapping[str, Any]) -> None:
        """``response.completed`` with the finished response."""
        self.emit("response.completed", response=response)

    def payload(self) -> bytes:
        """The SSE bytes (``event:`` and compact JSON ``data:`` per event)."""
        return encode(self.events)


def completed(kind: str, item_id: str, **fields: Any) -> dict[str, Any]:
    """A completed output item: ``type``, ``id``, ``status`` first, then ``fields`` in the order given."""
    return {"type": kind, "id": item_id, "status": "completed", **fields}


def message_item(item_id: str, text: str) -> dict[str, Any]:
    """A completed assistant message with one ``output_text`` part."""
    part = {"type": "output_text", "text": text, "annotations": []}
    return completed("message", item_id, role="assistant", content=[part])


def compaction_item(item_id: str) -> dict[str, Any]:
    """A compaction output item: ``type``, ``id``, ``encrypted_content``.

    openai-python ``response_compaction_item.py``. The content is opaque to Codex, which only sends it
    back in the next request, so stable bytes that name the item do.
    """
    opaque = base64.urlsafe_b64encode(f"codex-gateway-contracts compaction {item_id}".encode()).decode()
    return {"type": "compaction", "id": item_id, "encrypted_content": f"gAAAAB{opaque}"}


def output_items(items: Sequence[ReplyItem], call_prefix: str) -> list[dict[str, Any]]:
    """The Responses output items of a reply plan; ids and call ids are unique per case and position."""
    output: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        at = f"{call_prefix}_{n}"
        if item.kind == "text":
            output.append(message_item(f"msg_{at}", item.text))
        elif item.kind == "reasoning":
            summary = [{"type": "summary_text", "text": item.text}]
            output.append({"type": "reasoning", "id": f"rs_{at}", "summary": summary})
        elif item.kind == "function_call":
            named_call: dict[str, Any] = {"call_id": at, "name": item.name}
            if item.namespace:
                named_call["namespace"] = item.namespace  # openai-python response_function_tool_call.py
            output.append(completed("function_call", f"fc_{at}", **named_call, arguments=item.arguments))
        elif item.kind == "custom_tool_call":
            call = {"call_id": at, "name": item.name, "input": item.text}
            output.append(completed("custom_tool_call", f"ctc_{at}", **call))
        elif item.kind == "compaction":
            output.append(compaction_item(f"cmp_{at}"))
        elif item.kind == "tool_search_call":
            # openai-python response_tool_search_call.py; Codex runs the search itself ("execution": "client").
            search = {"call_id": at, "execution": "client", "arguments": json.loads(item.arguments or "{}")}
            output.append(completed("tool_search_call", f"tsc_{at}", **search))
    return output


def usage(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    """A Responses ``usage`` object (openai-python ``response_usage.py``)."""
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    }


def _responses_tools(tools: list[Any]) -> Iterator[ToolSpec]:
    for tool in tools:
        yield from named([tool], "parameters")
        if isinstance(tool, dict):
            yield from _responses_tools(listed(tool))  # a namespace holds its functions under ``tools``


def loaded_tools(body: Mapping[str, Any]) -> list[Any]:
    """The request's tools plus those a tool search loaded (``tool_search_output.tools`` in its input).

    Codex 0.169+ defer MCP tools for models that search for tools: they reach the model through a
    ``tool_search_output`` item (openai-python ``response_tool_search_output_item.py``), not ``tools``.
    """
    loaded = [
        tool
        for item in listed(body, "input")
        if isinstance(item, dict) and item.get("type") == "tool_search_output"
        for tool in listed(item)
    ]
    return listed(body) + loaded


def namespaces(body: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """Each namespace tool a Responses request offers (openai-python ``namespace_tool.py``) with its functions."""
    return [
        (str(tool["name"]), [name for name, _ in named(listed(tool), "parameters")])
        for tool in loaded_tools(body)
        if isinstance(tool, dict) and tool.get("type") == "namespace" and isinstance(tool.get("name"), str)
    ]


@register
class OpenAIResponses(Wire):
    """Responses: one JSON response, or the event stream Codex reads."""

    key = "openai-responses"
    canonical_paths = ("/responses", "/v1/responses", "/openai/v1/responses")
    native_custom_tools = True

    def minimal_request(self, model: str, stream: bool = False) -> dict[str, Any]:
        """Model, a string input, a token limit."""
        return {"model": model, "input": "Say hello.", "max_output_tokens": 16, "stream": stream}

    def tools(self, body: Mapping[str, Any]) -> Iterator[ToolSpec]:
        """Flat ``tools[]`` with ``parameters``, a namespace's functions nested under its ``tools``.

        Tools a tool search loaded into the input count too.
        """
        return _responses_tools(loaded_tools(body))

    def render(self, items: Sequence[ReplyItem], ask: ReplyOptions) -> Reply:
        """A response object, or its lean event stream (after the provider's keep-alive comment, if any)."""
        quirks, model, stream, call_prefix = ask.quirks, ask.model, ask.stream, ask.call_prefix
        output = output_items(items, call_prefix)
        response = {
            "id": f"resp_{call_prefix}",
            "object": "response",
            "created_at": 1_700_000_000,
            "status": "completed",
            "model": model,
            "output": output,
            "usage": usage(ask.input_tokens, ask.output_tokens),
        }
        # A compaction item must reach Codex with the content this reply gave it (the next request carries it back).
        answered = tuple(
            ReplyItem("compaction", text=entry["encrypted_content"]) if item.kind == "compaction" else item
            for item, entry in zip(items, output, strict=True)
        )
        if not stream:
            return json_reply(response, answered)
        events = ResponsesStream(OPENAI)
        events.begin({**response, "status": "in_progress", "output": [], "usage": None})
        for n, entry in enumerate(output):
            events.item(n, entry)
        events.complete(response)
        payload = events.payload()
        if quirks.get("keepalive_comments"):
            payload = keepalive(quirks) + payload
        return Reply(200, "text/event-stream", payload, answered)
