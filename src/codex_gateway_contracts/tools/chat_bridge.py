"""A small, faithful Responses -> Chat Completions bridge: what the faulty gateway breaks on purpose.

It translates what Codex sends into a chat request (instructions and developer messages as system
messages, tool calls and outputs, images, functions, free-form tools as functions, namespaced MCP
functions under a flat ``<namespace>__<name>``) and folds the provider's chat stream back into Responses
output items, giving a flat name back its namespace, as Codex needs to dispatch the call.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..core.sse import iter_sse

Body = dict[str, Any]
Items = list[dict[str, Any]]


def flat_name(namespace: str, name: str) -> str:
    """The one function name a chat provider gets for a namespaced function."""
    return f"{namespace}__{name}"


def namespaced(body: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """``flat name -> (namespace, name)`` for every namespaced function of a Responses request."""
    return {
        flat_name(tool["name"], inner["name"]): (tool["name"], inner["name"])
        for tool in body.get("tools") or []
        if tool.get("type") == "namespace"
        for inner in tool.get("tools") or []
    }


def to_chat(body: Mapping[str, Any]) -> Body:
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
                content = [{"type": "text", "text": text}]
                content += [{"type": "image_url", "image_url": {"url": url}} for url in images]
            messages.append({"role": role, "content": content})
        elif kind in {"function_call", "custom_tool_call"}:
            arguments = item.get("arguments") or json.dumps({"input": item.get("input", "")})
            name = flat_name(item["namespace"], item["name"]) if item.get("namespace") else item["name"]
            call = {"id": item["call_id"], "type": "function", "function": {"name": name, "arguments": arguments}}
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
                name = flat_name(tool["name"], inner["name"])
                tools.append(
                    {"type": "function", "function": {"name": name, "parameters": inner.get("parameters", {})}}
                )
    return {
        "model": body["model"],
        "messages": messages,
        "tools": tools,
        "tool_choice": "auto",
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def chat_stream_to_items(text: str, aliases: Mapping[str, tuple[str, str]] | None = None) -> Items:
    """Fold a chat SSE stream into Responses output items; a flat name in ``aliases`` regains its namespace."""
    content, calls = "", dict[int, dict[str, str]]()
    for event in iter_sse(text):
        chunk = event.json()
        for choice in chunk.get("choices") or [] if isinstance(chunk, dict) else []:
            delta = choice.get("delta") or {}
            content += delta.get("content") or ""
            for call in delta.get("tool_calls") or []:
                entry = calls.setdefault(call.get("index", 0), {"name": "", "arguments": "", "id": ""})
                function = call.get("function") or {}
                entry["name"] += function.get("name") or ""
                entry["arguments"] += function.get("arguments") or ""
                entry["id"] = call.get("id") or entry["id"]
    items: Items = []
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
        item = {
            "type": "function_call",
            "id": f"fc_fg{index}",
            "status": "completed",
            "call_id": call["id"],
            "name": call["name"],
            "arguments": call["arguments"],
        }
        if aliases and call["name"] in aliases:
            item["namespace"], item["name"] = aliases[call["name"]]
        items.append(item)
    return items
