"""Success replies in each provider wire format, JSON or SSE, with the quirks a provider is known for.

The mock answers a valid request with the reply plan of the case (text, reasoning, tool calls), so the
gateway has to translate a realistic answer back into the Responses stream Codex reads.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import zlib
from collections.abc import Iterator, Mapping, Sequence
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
    """Render the reply plan in ``wire`` format; ``call_prefix`` makes tool-call ids unique per case.

    ``quirks["stream"]`` (``always``/``never``) overrides the body's ``stream`` flag for endpoints whose
    URL decides streaming (Gemini ``:streamGenerateContent``, Bedrock ``converse-stream``).
    """
    forced = quirks.get("stream")
    if forced in {"always", "never"}:
        stream = forced == "always"
    if wire == "openai-chat":
        return _chat(quirks, items, model, stream, include_usage, call_prefix)
    if wire == "openai-responses":
        reply = _responses(items, model, stream, call_prefix)
        if stream and quirks.get("keepalive_comments"):
            payload = _keepalive(quirks) + reply.payload
            return Reply(reply.status, reply.content_type, payload, reply.items)
        return reply
    if wire == "anthropic-messages":
        return _anthropic(items, model, stream, call_prefix)
    if wire == "gemini-generate":
        return _gemini(quirks, items, model, stream, call_prefix)
    if wire == "bedrock-converse":
        return _converse(quirks, items, stream, call_prefix)
    if wire == "bedrock-invoke":
        return _bedrock_invoke(quirks, items, model, stream, call_prefix)
    if wire in {"ollama-chat", "ollama-generate"}:
        return _ollama(wire, items, model, stream)
    raise ValueError(f"unknown wire format {wire!r}")


def _keepalive(quirks: Mapping[str, Any]) -> bytes:
    """An SSE comment line as the provider sends it while the model is busy (text: ``keepalive_text``)."""
    return f": {quirks.get('keepalive_text', 'keep-alive')}\n\n".encode()


def _call_id(call_prefix: str, n: int, style: str) -> str:
    """A tool-call id in the provider's format; ``alnum9`` is Mistral's nine alphanumerics."""
    if style == "alnum9":
        return hashlib.sha256(f"{call_prefix}_{n}".encode()).hexdigest()[:9]
    return f"{call_prefix}_{n}"


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
    if quirks.get("reasoning_in_content"):
        # MiniMax M2: the thinking travels inside the content, wrapped in <think> tags.
        thought = "".join(i.text for i in items if i.kind == "reasoning")
        text = f"<think>{thought}</think>{text}" if thought else text
    id_style = str(quirks.get("tool_call_id_style", "prefixed"))
    calls: list[dict[str, Any]] = [
        {
            "id": _call_id(call_prefix, n, id_style),
            "type": "function",
            "function": {"name": i.name, "arguments": i.arguments},
        }
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
    whole_calls = quirks.get("tool_call_chunks") == "whole"
    for n, call in enumerate(calls):
        args = call["function"]["arguments"]
        if whole_calls:
            # Mistral, Zhipu: each tool call arrives complete in one delta, arguments included.
            events.append(chunk({"tool_calls": [{"index": n, **call}]}))
            continue
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
    if usage_mode == "with_finish":
        # Usage rides on the finishing choice chunk instead of a separate choices-[] chunk.
        events.append((None, {**chunk({}, finish)[1], "usage": _USAGE}))
    else:
        events.append(chunk({}, finish))
    if send_usage:
        events.append((None, {**base, "object": "chat.completion.chunk", "choices": [], "usage": _USAGE}))
    events.append((None, "[DONE]"))
    payload = encode(events)
    if quirks.get("keepalive_comments"):
        payload = _keepalive(quirks) + payload
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
    message = _anthropic_message(items, model, call_prefix)
    if not stream:
        return Reply(200, "application/json", json.dumps(message).encode(), tuple(items))
    return Reply(200, "text/event-stream", encode(_anthropic_events(message)), tuple(items))


def _anthropic_message(items: Sequence[ReplyItem], model: str, call_prefix: str) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        if item.kind == "text":
            blocks.append({"type": "text", "text": item.text})
        elif item.kind == "reasoning":
            blocks.append({"type": "thinking", "thinking": item.text, "signature": f"sig_{call_prefix}"})
        elif item.kind in {"function_call", "custom_tool_call"}:
            blocks.append(
                {"type": "tool_use", "id": f"toolu_{call_prefix}_{n}", "name": item.name, "input": _args(item)}
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
        "usage": {"input_tokens": 21, "output_tokens": 7},
    }


def _args(item: ReplyItem) -> Any:
    try:
        return json.loads(item.arguments or "{}")
    except json.JSONDecodeError:
        return {}


def _anthropic_events(message: Mapping[str, Any]) -> list[tuple[str | None, Any]]:
    blocks: list[dict[str, Any]] = message["content"]
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
                "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": 7},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


# -- Gemini generateContent / streamGenerateContent?alt=sse -------------------------------------------
def _gemini(quirks: Mapping[str, Any], items: Sequence[ReplyItem], model: str, stream: bool, call_prefix: str) -> Reply:
    parts: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        if item.kind == "reasoning":
            parts.append({"text": item.text, "thought": True})
        elif item.kind == "text":
            parts.append({"text": item.text})
        else:
            call: dict[str, Any] = {"functionCall": {"name": item.name, "args": _args(item)}}
            if quirks.get("thought_signature"):
                call["thoughtSignature"] = base64.b64encode(f"{call_prefix}_{n}".encode()).decode()
            parts.append(call)
    usage = {"promptTokenCount": 21, "candidatesTokenCount": 7, "totalTokenCount": 28}

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
        return Reply(200, "application/json", json.dumps(response(parts, True)).encode(), tuple(items))
    pieces: list[dict[str, Any]] = []
    for part in parts:
        if "text" in part:
            pieces.extend({**part, "text": text} for text in _split(part["text"]))
        else:
            pieces.append(part)  # a functionCall is never split across chunks
    events: list[tuple[str | None, Any]] = [
        (None, response([piece], n == len(pieces) - 1)) for n, piece in enumerate(pieces)
    ] or [(None, response([], True))]
    return Reply(200, "text/event-stream", encode(events), tuple(items))


# -- AWS event stream (application/vnd.amazon.eventstream) --------------------------------------------
def eventstream_message(headers: Mapping[str, str], payload: bytes) -> bytes:
    """One binary event-stream message: prelude, CRC, string headers, payload, message CRC.

    Layout from the AWS event-stream encoding (total length, headers length, prelude CRC32, headers as
    name-length/name/type 7/value-length/value, payload, CRC32 of everything before it).
    """
    encoded = b"".join(
        struct.pack(">B", len(name)) + name.encode() + b"\x07" + struct.pack(">H", len(value)) + value.encode()
        for name, value in headers.items()
    )
    prelude = struct.pack(">II", 12 + len(encoded) + len(payload) + 4, len(encoded))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + encoded + payload
    return message + struct.pack(">I", zlib.crc32(message))


def decode_eventstream(data: bytes) -> Iterator[tuple[dict[str, str], bytes]]:
    """Split an event stream into (headers, payload), checking both CRCs; ValueError on corruption."""
    offset = 0
    while offset < len(data):
        if len(data) - offset < 16:
            raise ValueError(f"truncated event-stream message at byte {offset}")
        total, header_length, prelude_crc = struct.unpack_from(">III", data, offset)
        if zlib.crc32(data[offset : offset + 8]) != prelude_crc:
            raise ValueError(f"bad prelude CRC at byte {offset}")
        end = offset + total
        if zlib.crc32(data[offset : end - 4]) != struct.unpack_from(">I", data, end - 4)[0]:
            raise ValueError(f"bad message CRC at byte {offset}")
        cursor, headers = offset + 12, {}
        while cursor < offset + 12 + header_length:
            name_length = data[cursor]
            name = data[cursor + 1 : cursor + 1 + name_length].decode()
            cursor += 1 + name_length
            if data[cursor] != 7:
                raise ValueError(f"header {name!r} is not a string header")
            (value_length,) = struct.unpack_from(">H", data, cursor + 1)
            headers[name] = data[cursor + 3 : cursor + 3 + value_length].decode()
            cursor += 3 + value_length
        yield headers, data[cursor : end - 4]
        offset = end


def _aws_events(events: Sequence[tuple[str, Mapping[str, Any]]], padding: bool) -> bytes:
    out = b""
    for n, (kind, body) in enumerate(events):
        payload = dict(body)
        if padding:
            # Bedrock pads every event with a random-length "p" member (hides token lengths).
            payload["p"] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"[: 4 + (n * 7) % 30]
        headers = {":event-type": kind, ":content-type": "application/json", ":message-type": "event"}
        out += eventstream_message(headers, json.dumps(payload, separators=(",", ":")).encode())
    return out


# -- Bedrock Converse / ConverseStream ---------------------------------------------------------------
def _converse(quirks: Mapping[str, Any], items: Sequence[ReplyItem], stream: bool, call_prefix: str) -> Reply:
    blocks: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        if item.kind == "reasoning":
            text = {"text": item.text, "signature": f"sig_{call_prefix}"}
            blocks.append({"reasoningContent": {"reasoningText": text}})
        elif item.kind == "text":
            blocks.append({"text": item.text})
        else:
            use = {"toolUseId": f"tooluse_{call_prefix}_{n}", "name": item.name, "input": _args(item)}
            blocks.append({"toolUse": use})
    stop = "tool_use" if any("toolUse" in b for b in blocks) else "end_turn"
    usage = {"inputTokens": 21, "outputTokens": 7, "totalTokens": 28}
    if not stream:
        body = {
            "output": {"message": {"role": "assistant", "content": blocks}},
            "stopReason": stop,
            "usage": usage,
            "metrics": {"latencyMs": 120},
        }
        return Reply(200, "application/json", json.dumps(body).encode(), tuple(items))
    events: list[tuple[str, Mapping[str, Any]]] = [("messageStart", {"role": "assistant"})]
    for index, block in enumerate(blocks):
        deltas: list[dict[str, Any]]
        if "toolUse" in block:
            use = block["toolUse"]
            start = {"toolUse": {"toolUseId": use["toolUseId"], "name": use["name"]}}
            events.append(("contentBlockStart", {"contentBlockIndex": index, "start": start}))
            deltas = [{"toolUse": {"input": part}} for part in _split(json.dumps(use["input"]))]
        elif "reasoningContent" in block:
            reasoning = block["reasoningContent"]["reasoningText"]
            deltas = [{"reasoningContent": {"text": reasoning["text"]}}]
            deltas.append({"reasoningContent": {"signature": reasoning["signature"]}})
        else:
            deltas = [{"text": part} for part in _split(block["text"])]
        events.extend(("contentBlockDelta", {"contentBlockIndex": index, "delta": d}) for d in deltas)
        events.append(("contentBlockStop", {"contentBlockIndex": index}))
    events.append(("messageStop", {"stopReason": stop}))
    events.append(("metadata", {"usage": usage, "metrics": {"latencyMs": 120}}))
    payload = _aws_events(events, bool(quirks.get("padding")))
    return Reply(200, "application/vnd.amazon.eventstream", payload, tuple(items))


# -- Bedrock InvokeModel / InvokeModelWithResponseStream (Anthropic models) --------------------------
def _bedrock_invoke(
    quirks: Mapping[str, Any], items: Sequence[ReplyItem], model: str, stream: bool, call_prefix: str
) -> Reply:
    message = _anthropic_message(items, model, call_prefix)
    if not stream:
        return Reply(200, "application/json", json.dumps(message).encode(), tuple(items))
    chunks: list[tuple[str, Mapping[str, Any]]] = []
    for _, anthropic_event in _anthropic_events(message):
        event = dict(anthropic_event)
        if event.get("type") == "message_stop" and quirks.get("invocation_metrics"):
            event = {
                **event,
                "amazon-bedrock-invocationMetrics": {
                    "inputTokenCount": 21,
                    "outputTokenCount": 7,
                    "invocationLatency": 120,
                    "firstByteLatency": 40,
                },
            }
        chunks.append(("chunk", {"bytes": base64.b64encode(json.dumps(event).encode()).decode()}))
    payload = _aws_events(chunks, bool(quirks.get("padding")))
    return Reply(200, "application/vnd.amazon.eventstream", payload, tuple(items))


# -- Ollama /api/chat and /api/generate (NDJSON when streaming) --------------------------------------
def _ollama(wire: str, items: Sequence[ReplyItem], model: str, stream: bool) -> Reply:
    text = "".join(i.text for i in items if i.kind == "text")
    thinking = "".join(i.text for i in items if i.kind == "reasoning")
    # Ollama tool calls carry arguments as a JSON object and no id.
    calls = [
        {"function": {"name": i.name, "arguments": _args(i)}} for i in items if i.kind not in {"text", "reasoning"}
    ]
    base = {"model": model, "created_at": "2026-01-01T00:00:00.000000Z"}
    done = {
        "done": True,
        "done_reason": "stop",
        "total_duration": 120_000_000,
        "load_duration": 1_000_000,
        "prompt_eval_count": 21,
        "prompt_eval_duration": 10_000_000,
        "eval_count": 7,
        "eval_duration": 100_000_000,
    }

    def piece(content: str = "", think: str = "", tool_calls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        if wire == "ollama-generate":
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

    if not stream:
        final = {**base, **piece(text, thinking, calls), **done}
        if wire == "ollama-generate":
            final["context"] = [1, 2, 3]
        return Reply(200, "application/json", json.dumps(final).encode(), tuple(items))
    lines: list[dict[str, Any]] = [{**base, **piece(think=part), "done": False} for part in _split(thinking) if part]
    lines += [{**base, **piece(part), "done": False} for part in _split(text) if part]
    if calls:
        lines.append({**base, **piece(tool_calls=calls), "done": False})
    last = {**base, **piece(), **done}
    if wire == "ollama-generate":
        last["context"] = [1, 2, 3]
    lines.append(last)
    payload = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines).encode()
    return Reply(200, "application/x-ndjson", payload, tuple(items))
