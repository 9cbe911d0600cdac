"""The recorder's scripted Responses endpoint: each request Codex sends gets the scenario's next reply.

``POST /v1/responses`` is answered with a stream through the shared
:class:`~codex_gateway_contracts.wires.openai_responses.ResponsesStream` in OpenAI's full event sequence;
``POST /v1/responses/compact`` (Codex 0.130.0's remote compaction) with OpenAI's JSON ``CompactedResponse``.
Ids come from one counter per prefix, so a re-recording is byte-identical.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ...core.loopback import LoopbackServer, Request, Response
from ...errors import RecordError
from ...wires.openai_responses import OPENAI, ResponsesStream, completed, message_item
from .scenarios import ItemSpec, ReplySpec

_CREATED_AT = 1_700_000_000
_OUTPUT_TOKENS = 20
RESPONSES_PATH = "/v1/responses"
#: OpenAI's compaction endpoint, which Codex 0.130.0 calls for a provider it treats as OpenAI.
COMPACT_PATH = "/v1/responses/compact"
SSE = "text/event-stream"
JSON = "application/json"


@dataclass(frozen=True)
class Answer:
    """What the endpoint answers one request with; ``done`` is false when the reply answers the next one too."""

    status: int
    content_type: str
    text: str
    done: bool = True


def _opaque(tag: str) -> str:
    """Encrypted content is opaque to Codex, which only sends it back: fixed bytes in the Fernet-like shape."""
    return "gAAAAB" + base64.urlsafe_b64encode(f"codex-gateway-contracts {tag}".encode()).decode()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _is_compaction_request(body: Mapping[str, Any]) -> bool:
    """Remote compaction on ``/v1/responses`` (Codex 0.169.0+): the last input item is the trigger."""
    items = body.get("input") or []
    return bool(items) and isinstance(items[-1], dict) and items[-1].get("type") == "compaction_trigger"


def _namespaces(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Namespace tools the request offers: in ``tools``, or loaded by an earlier ``tool_search_output``."""
    found = [t for t in body.get("tools") or [] if isinstance(t, dict) and t.get("type") == "namespace"]
    for item in body.get("input") or []:
        if isinstance(item, dict) and item.get("type") == "tool_search_output":
            found += [t for t in item.get("tools") or [] if isinstance(t, dict) and t.get("type") == "namespace"]
    return found


def mcp_namespace(body: Mapping[str, Any], server: str, tool: str) -> str | None:
    """The namespace Codex put the MCP server's tool in (``mcp__calc__`` in 0.130.0, ``mcp__calc`` since 0.169.0)."""
    for namespace in _namespaces(body):
        name = str(namespace.get("name", ""))
        tools = namespace.get("tools") or []
        if name.rstrip("_") == f"mcp__{server}" and any(t.get("name") == tool for t in tools if isinstance(t, dict)):
            return name
    return None


class ReplyScript:
    """Builds the answers; ids come from counters so a re-recording is byte-identical."""

    def __init__(self, model: str) -> None:
        self.model = model
        self._counters: dict[str, int] = {}

    def _id(self, prefix: str) -> str:
        self._counters[prefix] = self._counters.get(prefix, 0) + 1
        return f"{prefix}_{self._counters[prefix]:04d}"

    def answer(self, reply: ReplySpec, path: str, body: Mapping[str, Any]) -> Answer:
        """The answer to one request: JSON on the compact endpoint, else one streamed response."""
        if path == COMPACT_PATH:
            if reply.kinds != ("compaction",):
                scripted = list(reply.kinds)
                raise RecordError(f"POST {COMPACT_PATH} takes a compaction reply; the scenario scripts {scripted}")
            return Answer(200, JSON, self.compacted(reply, body))
        if "compaction" in reply.kinds and not _is_compaction_request(body):
            last = (body.get("input") or [{}])[-1]
            raise RecordError(
                f"a compaction reply answers a compaction request, whose input ends with compaction_trigger; "
                f"this one ends with {last.get('type') if isinstance(last, dict) else last!r}"
            )
        for item in reply.items:
            if item.kind == "mcp_tool_call" and mcp_namespace(body, item.server, item.tool) is None:
                return Answer(200, SSE, self._stream([self._tool_search_call(item, body)], reply), done=False)
        return Answer(200, SSE, self._stream([self._item(item, body) for item in reply.items], reply))

    def sse(self, reply: ReplySpec, body: Mapping[str, Any] | None = None) -> str:
        """The full event sequence of one streamed response to ``body``, as OpenAI streams it."""
        return self.answer(reply, RESPONSES_PATH, body or {"input": []}).text

    def _usage(self, reply: ReplySpec) -> dict[str, Any]:
        return {
            "input_tokens": reply.total_tokens - _OUTPUT_TOKENS,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": _OUTPUT_TOKENS,
            "output_tokens_details": {"reasoning_tokens": 8 if "reasoning" in reply.kinds else 0},
            "total_tokens": reply.total_tokens,
        }

    def _stream(self, output: Sequence[Mapping[str, Any]], reply: ReplySpec) -> str:
        response = {
            "id": self._id("resp"),
            "object": "response",
            "created_at": _CREATED_AT,
            "status": "in_progress",
            "model": self.model,
            "output": [],
        }
        stream = ResponsesStream(OPENAI)
        stream.begin(response)
        for index, item in enumerate(output):
            stream.item(index, item)
        stream.complete({**response, "status": "completed", "output": list(output), "usage": self._usage(reply)})
        return stream.payload().decode()

    def compacted(self, reply: ReplySpec, body: Mapping[str, Any]) -> str:
        """OpenAI's ``CompactedResponse``: every user message of the input, then one compaction item.

        Codex 0.130.0 replaces its history with ``output``: without the user messages echoed, the
        user's prompt is gone from the next request.
        """
        response_id = self._id("resp")
        users = [
            completed("message", self._id("msg"), role="user", content=item.get("content"))
            for item in body.get("input") or []
            if isinstance(item, dict) and item.get("type") == "message" and item.get("role") == "user"
        ]
        output = [*users, self._compaction()]
        document = {
            "id": response_id,
            "object": "response.compaction",
            "created_at": _CREATED_AT,
            "output": output,
            "usage": self._usage(reply),
        }
        return _dumps(document)

    def _item(self, spec: ItemSpec, body: Mapping[str, Any]) -> dict[str, Any]:
        kind = spec.kind
        if kind == "message":
            return self._message(spec)
        if kind == "reasoning":
            return self._reasoning(spec.summary)
        if kind == "function_call":
            item_id, call_id = self._id("fc"), self._id("call")
            return completed("function_call", item_id, name="exec_command", arguments=spec.arguments, call_id=call_id)
        if kind == "custom_tool_call":
            item_id, call_id = self._id("ctc"), self._id("call")
            return completed("custom_tool_call", item_id, call_id=call_id, name="apply_patch", input=spec.patch)
        if kind == "web_search_call":
            return completed("web_search_call", self._id("ws"), action={"type": "search", "query": spec.query})
        if kind == "compaction":
            return self._compaction()
        namespace = mcp_namespace(body, spec.server, spec.tool)
        item_id, call_id = self._id("fc"), self._id("call")
        return completed(
            "function_call", item_id, name=spec.tool, namespace=namespace, arguments=spec.arguments, call_id=call_id
        )

    def _message(self, spec: ItemSpec) -> dict[str, Any]:
        item = message_item(self._id("msg"), spec.text)
        if spec.url:  # a web search answer cites its source over the whole text
            citation = {"type": "url_citation", "start_index": 0, "end_index": len(spec.text), "url": spec.url}
            item["content"][0]["annotations"] = [{**citation, "title": spec.title or spec.url}]
        return item

    def _reasoning(self, summary: str) -> dict[str, Any]:
        item_id = self._id("rs")
        part = {"type": "summary_text", "text": summary}
        opaque = _opaque(f"reasoning {item_id}")
        return {"type": "reasoning", "id": item_id, "summary": [part], "encrypted_content": opaque}

    def _compaction(self) -> dict[str, Any]:
        """``ResponseCompactionItem``: ``type``, ``id`` and the opaque ``encrypted_content`` Codex sends back."""
        item_id = self._id("cmp")
        return {"type": "compaction", "id": item_id, "encrypted_content": _opaque(f"compaction {item_id}")}

    def _tool_search_call(self, spec: ItemSpec, body: Mapping[str, Any]) -> dict[str, Any]:
        """Codex deferred the MCP tools behind ``tool_search``: search for them first (a client-run call)."""
        tools = body.get("tools") or []
        searchable = any(isinstance(t, dict) and t.get("type") == "tool_search" for t in tools)
        searched = any(isinstance(i, dict) and i.get("type") == "tool_search_output" for i in body.get("input") or [])
        mentioned = f"mcp__{spec.server}" in _dumps(body.get("input") or [])
        if not searchable or searched or not mentioned:
            raise RecordError(
                f"the tools of MCP server {spec.server!r} did not reach the request: no namespace "
                f"mcp__{spec.server} with {spec.tool!r} in tools{' or the tool_search answer' if searched else ''}"
                f"{'' if mentioned else ', and no deferred namespace named in the input'}. Codex goes on without "
                "an MCP server that fails or misses its startup_timeout_sec, silently"
            )
        item_id, call_id = self._id("tsc"), self._id("call")
        arguments = {"query": f"{spec.server} {spec.tool}"}
        return completed("tool_search_call", item_id, call_id=call_id, execution="client", arguments=arguments)


def response_item_types(text: str, content_type: str = SSE) -> list[str]:
    """Types of the output items of a recorded answer: the ``output_item.done`` events, or a JSON ``output``."""
    if content_type.startswith(JSON):
        return [str(item["type"]) for item in json.loads(text)["output"]]
    types: list[str] = []
    for line in text.splitlines():
        if line.startswith("data:"):
            event = json.loads(line[5:])
            if event.get("type") == "response.output_item.done":
                types.append(str(event["item"]["type"]))
    return types


@dataclass(frozen=True)
class Exchange(Request):
    """One raw request Codex sent, and what it was answered."""

    response: str
    status: int = 200
    content_type: str = SSE


class CaptureServer:
    """Loopback Responses endpoint: answers each request with the scenario's next scripted reply."""

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
            try:
                answer = self._answer(request)
            except RecordError as exc:
                self.errors.append(str(exc))
                return Response(500, "text/plain", str(exc).encode())
            self.exchanges.append(
                Exchange(
                    request.method,
                    request.path,
                    request.headers,
                    request.body,
                    answer.text,
                    answer.status,
                    answer.content_type,
                )
            )
        return Response(answer.status, answer.content_type, answer.text.encode())

    def _answer(self, request: Request) -> Answer:
        number = len(self.exchanges) + 1
        if request.method != "POST" or request.path not in (RESPONSES_PATH, COMPACT_PATH):
            raise RecordError(f"unexpected request {request.method} {request.path}")
        if request.header("content-encoding"):
            raise RecordError(f"compressed body ({request.header('content-encoding')}) is not supported")
        if not self._replies:
            raise RecordError(f"request {number} ({request.path}) has no scripted reply left")
        try:
            body = json.loads(request.body)
            if not isinstance(body, dict):
                raise RecordError("the body is not a JSON object")
            answer = self._script.answer(self._replies[0], request.path, body)
        except (ValueError, RecordError) as exc:
            raise RecordError(f"request {number} ({request.path}): {exc}") from None
        if answer.done:
            self._replies.pop(0)
        return answer

    @property
    def unused_replies(self) -> int:
        """Scripted replies Codex never asked for (the scenario expects more requests than were sent)."""
        return len(self._replies)
