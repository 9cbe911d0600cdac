"""The recorder's scripted Responses endpoint: each ``POST /v1/responses`` gets the scenario's next reply.

Replies stream through the shared :class:`~codex_gateway_contracts.wires.openai_responses.ResponsesStream`
in OpenAI's full event sequence; ids come from counters, so a re-recording is byte-identical.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ...core.loopback import LoopbackServer, Request, Response
from ...wires.openai_responses import OPENAI, ResponsesStream, completed, message_item
from .scenarios import ReplySpec

_CREATED_AT = 1_700_000_000


class ReplyScript:
    """Builds the SSE answers; ids come from counters so a re-recording is byte-identical."""

    def __init__(self, model: str) -> None:
        self.model = model
        self._counters: dict[str, int] = {}

    def _id(self, prefix: str) -> str:
        self._counters[prefix] = self._counters.get(prefix, 0) + 1
        return f"{prefix}_{self._counters[prefix]:04d}"

    def sse(self, reply: ReplySpec) -> str:
        """The full event sequence of one streamed response, as OpenAI streams it."""
        response = {
            "id": self._id("resp"),
            "object": "response",
            "created_at": _CREATED_AT,
            "status": "in_progress",
            "model": self.model,
            "output": [],
        }
        output: list[dict[str, Any]] = []
        if reply.kind == "reasoning":
            output.append(self._reasoning(reply.summary))
        if reply.kind in {"reasoning", "text"}:
            output.append(message_item(self._id("msg"), reply.text))
        elif reply.kind == "function_call":
            output.append(self._function_call(reply.arguments))
        elif reply.kind == "custom_tool_call":
            output.append(self._custom_tool_call(reply.patch))
        stream = ResponsesStream(OPENAI)
        stream.begin(response)
        for index, item in enumerate(output):
            stream.item(index, item)
        usage = {
            "input_tokens": 100,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 20,
            "output_tokens_details": {"reasoning_tokens": 8 if reply.kind == "reasoning" else 0},
            "total_tokens": 120,
        }
        stream.complete({**response, "status": "completed", "output": output, "usage": usage})
        return stream.payload().decode()

    def _reasoning(self, summary: str) -> dict[str, Any]:
        item_id = self._id("rs")
        # Opaque to Codex, which only sends it back: deterministic bytes in the Fernet-like shape.
        opaque = base64.urlsafe_b64encode(f"codex-gateway-contracts reasoning {item_id}".encode()).decode()
        part = {"type": "summary_text", "text": summary}
        return {"type": "reasoning", "id": item_id, "summary": [part], "encrypted_content": f"gAAAAB{opaque}"}

    def _function_call(self, arguments: str) -> dict[str, Any]:
        item_id, call_id = self._id("fc"), self._id("call")
        return completed("function_call", item_id, name="exec_command", arguments=arguments, call_id=call_id)

    def _custom_tool_call(self, patch: str) -> dict[str, Any]:
        item_id, call_id = self._id("ctc"), self._id("call")
        return completed("custom_tool_call", item_id, call_id=call_id, name="apply_patch", input=patch)


def response_item_types(sse_text: str) -> list[str]:
    """Types of the ``response.output_item.done`` items in a recorded stream: what the mock must answer."""
    types: list[str] = []
    for line in sse_text.splitlines():
        if line.startswith("data:"):
            event = json.loads(line[5:])
            if event.get("type") == "response.output_item.done":
                types.append(str(event["item"]["type"]))
    return types


@dataclass(frozen=True)
class Exchange(Request):
    """One raw request Codex sent, and the stream it was answered with."""

    response: str


class CaptureServer:
    """Loopback Responses endpoint: answers each ``POST /v1/responses`` with the next scripted reply."""

    def __init__(self, model: str, replies: Sequence[ReplySpec]) -> None:
        self.exchanges: list[Exchange] = []
        self.errors: list[str] = []
        self._script = ReplyScript(model)
        self._replies = list(replies)
        self._lock = threading.Lock()
        # HTTP/1.0, as the recorder has always answered Codex (a connection per request).
        self._server = LoopbackServer(self._handle, name="capture", protocol="HTTP/1.0")

    @property
    def port(self) -> int:
        """The free port the OS picked."""
        return self._server.port

    def __enter__(self) -> CaptureServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.close()

    def _handle(self, request: Request) -> Response:
        with self._lock:
            problem = None
            if request.method != "POST" or request.path != "/v1/responses":
                problem = f"unexpected request {request.method} {request.path}"
            elif request.header("content-encoding"):
                problem = f"compressed body ({request.header('content-encoding')}) is not supported"
            elif not self._replies:
                problem = f"request {len(self.exchanges) + 1} has no scripted reply left"
            if problem:
                self.errors.append(problem)
                return Response(500, "text/plain", problem.encode())
            sse = self._script.sse(self._replies.pop(0))
            self.exchanges.append(Exchange(request.method, request.path, request.headers, request.body, sse))
        return Response(200, "text/event-stream", sse.encode())

    @property
    def unused_replies(self) -> int:
        """Scripted replies Codex never asked for (the scenario expects more requests than were sent)."""
        return len(self._replies)
