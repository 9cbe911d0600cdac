"""A deliberately faulty gateway: a tiny Responses -> Chat Completions bridge with one fault switched on.

It exists to prove the suite catches what it claims. Without a fault it is a faithful bridge, and the
suite must pass it; with each fault the suite must give a specific verdict.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from codex_gateway_contracts.sse import encode, iter_sse

FAULTS = (
    "add_field",
    "inject_stream_options",
    "pass_client_metadata",
    "drop_tools",
    "no_upstream",
    "answer_400",
    "break_sse",
)


def to_chat(body: Mapping[str, Any], model: str) -> dict[str, Any]:
    """A faithful Responses -> Chat Completions translation of what Codex sends."""
    messages: list[dict[str, Any]] = []
    if isinstance(body.get("instructions"), str):
        messages.append({"role": "system", "content": body["instructions"]})
    for item in body.get("input") or []:
        kind = item.get("type", "message")
        if kind == "message":
            role = "system" if item.get("role") == "developer" else item.get("role", "user")
            parts = item.get("content") or []
            text = "\n".join(p.get("text", "") for p in parts if isinstance(p, dict) and "text" in p)
            images = [p["image_url"] for p in parts if isinstance(p, dict) and p.get("type") == "input_image"]
            content: Any = text
            if images:
                content = [{"type": "text", "text": text}] + [
                    {"type": "image_url", "image_url": {"url": u}} for u in images
                ]
            messages.append({"role": role, "content": content})
        elif kind in {"function_call", "custom_tool_call"}:
            arguments = item.get("arguments") or json.dumps({"input": item.get("input", "")})
            call = {
                "id": item["call_id"],
                "type": "function",
                "function": {"name": item["name"], "arguments": arguments},
            }
            messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind in {"function_call_output", "custom_tool_call_output"}:
            messages.append({"role": "tool", "tool_call_id": item["call_id"], "content": item.get("output", "")})
    tools: list[dict[str, Any]] = []
    for tool in body.get("tools") or []:
        if tool.get("type") == "function":
            tools.append(
                {"type": "function", "function": {"name": tool["name"], "parameters": tool.get("parameters", {})}}
            )
        elif tool.get("type") == "custom":
            schema = {"type": "object", "properties": {"input": {"type": "string"}}, "required": ["input"]}
            tools.append({"type": "function", "function": {"name": tool["name"], "parameters": schema}})
        elif tool.get("type") == "namespace":
            for inner in tool.get("tools") or []:
                name = f"{tool['name']}__{inner['name']}"
                tools.append(
                    {"type": "function", "function": {"name": name, "parameters": inner.get("parameters", {})}}
                )
    return {
        "model": model,
        "messages": messages,
        "tools": tools,
        "tool_choice": "auto",
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def chat_stream_to_items(text: str) -> list[dict[str, Any]]:
    """Fold a chat SSE stream into Responses output items."""
    content, calls = "", {}
    for event in iter_sse(text):
        chunk = event.json()
        if not isinstance(chunk, dict):
            continue
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            content += delta.get("content") or ""
            for call in delta.get("tool_calls") or []:
                entry = calls.setdefault(call.get("index", 0), {"name": "", "arguments": "", "id": ""})
                function = call.get("function") or {}
                entry["name"] += function.get("name") or ""
                entry["arguments"] += function.get("arguments") or ""
                entry["id"] = call.get("id") or entry["id"]
    items: list[dict[str, Any]] = []
    if content:
        items.append(
            {
                "type": "message",
                "id": "msg_fg",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": content, "annotations": []}],
            }
        )
    for index in sorted(calls):
        call = calls[index]
        items.append(
            {
                "type": "function_call",
                "id": f"fc_fg{index}",
                "status": "completed",
                "call_id": call["id"],
                "name": call["name"],
                "arguments": call["arguments"],
            }
        )
    return items


class FaultyGateway:
    """Serves ``POST /v1/responses`` for routes mapped to ``(api_base, mode)``; mode is chat or passthrough."""

    def __init__(self, routes: Mapping[str, tuple[str, str]], fault: str | None = None) -> None:
        self.routes = dict(routes)
        self.fault = fault
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def respond(self, body: dict[str, Any]) -> tuple[int, str, bytes]:
        if self.fault == "answer_400":
            return 400, "application/json", b'{"error": {"message": "faulty gateway says no"}}'
        if self.fault == "no_upstream":
            return self._stream(
                [
                    {
                        "type": "message",
                        "id": "m",
                        "role": "assistant",
                        "content": [{"type": "output_text", "text": "made up"}],
                    }
                ]
            )
        api_base, mode = self.routes[body["model"]]
        if mode == "passthrough":
            upstream: dict[str, Any] = {key: value for key, value in body.items() if key != "client_metadata"}
            url = f"{api_base}/v1/responses"
        else:
            upstream = to_chat(body, body["model"])
            url = f"{api_base}/chat/completions"
        if self.fault == "add_field":
            upstream["x_fault"] = 1
        if self.fault == "inject_stream_options":
            upstream["stream_options"] = {"include_usage": True}
        if self.fault == "pass_client_metadata":
            upstream["client_metadata"] = body.get("client_metadata", {})
        if self.fault == "drop_tools":
            upstream.pop("tools", None)
        reply = httpx.post(url, json=upstream, timeout=30, trust_env=False)
        if reply.status_code != 200:
            return reply.status_code, "application/json", json.dumps({"error": {"message": reply.text}}).encode()
        if mode == "passthrough":
            return 200, "text/event-stream", reply.content
        return self._stream(chat_stream_to_items(reply.text))

    def _stream(self, items: list[dict[str, Any]]) -> tuple[int, str, bytes]:
        events: list[tuple[str | None, Any]] = [
            ("response.created", {"type": "response.created", "response": {"id": "r"}})
        ]
        events += [
            ("response.output_item.done", {"type": "response.output_item.done", "output_index": n, "item": item})
            for n, item in enumerate(items)
        ]
        if self.fault != "break_sse":
            usage = {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2}
            events.append(
                (
                    "response.completed",
                    {"type": "response.completed", "response": {"id": "resp_fg", "output": items, "usage": usage}},
                )
            )
        return 200, "text/event-stream", encode(events)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
                status, content_type, payload = gateway.respond(body)
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
