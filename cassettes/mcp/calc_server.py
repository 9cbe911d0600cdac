"""A tiny stdio MCP server for the ``mcp_tools`` scenario: newline-delimited JSON-RPC 2.0, standard library only.

Codex starts it from ``[mcp_servers.calc]`` (``cassettes/scenarios.yaml``) and sends its tools to the
model. Two tools, ``add`` and ``echo_text``, in a fixed order; no process ids, times or random ids in any
answer, so a recording that lists and calls them is byte-stable. It answers ``initialize`` (echoing the
client's protocol version), ``tools/list``, ``tools/call`` and ``ping``; notifications get no answer.
"""

from __future__ import annotations

import json
import sys
from typing import Any

SERVER_INFO = {"name": "codex-gateway-contracts-calc", "version": "1.0.0"}
DEFAULT_PROTOCOL = "2025-06-18"
TOOLS: list[dict[str, Any]] = [
    {
        "name": "add",
        "description": "Add two integers and return the sum.",
        "inputSchema": {
            "type": "object",
            "properties": {
                "a": {"type": "integer", "description": "first addend"},
                "b": {"type": "integer", "description": "second addend"},
            },
            "required": ["a", "b"],
            "additionalProperties": False,
        },
    },
    {
        "name": "echo_text",
        "description": "Return the given text unchanged.",
        "inputSchema": {
            "type": "object",
            "properties": {"text": {"type": "string"}},
            "required": ["text"],
            "additionalProperties": False,
        },
    },
]


def call_tool(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """A ``tools/call`` result: the text content of the tool's answer."""
    if name == "add":
        a, b = int(arguments["a"]), int(arguments["b"])
        return {"content": [{"type": "text", "text": f"{a} + {b} = {a + b}"}], "isError": False}
    if name == "echo_text":
        return {"content": [{"type": "text", "text": str(arguments["text"])}], "isError": False}
    return {"content": [{"type": "text", "text": f"unknown tool {name}"}], "isError": True}


def handle(message: dict[str, Any]) -> dict[str, Any] | None:
    """The answer to one JSON-RPC message, or None for a notification."""
    method, ident = message.get("method"), message.get("id")
    if ident is None:
        return None
    params = message.get("params") or {}
    if method == "initialize":
        result: dict[str, Any] = {
            "protocolVersion": params.get("protocolVersion", DEFAULT_PROTOCOL),
            "capabilities": {"tools": {"listChanged": False}},
            "serverInfo": SERVER_INFO,
        }
    elif method == "tools/list":
        result = {"tools": TOOLS}
    elif method == "tools/call":
        try:
            result = call_tool(str(params.get("name")), params.get("arguments") or {})
        except (KeyError, TypeError, ValueError) as exc:
            result = {"content": [{"type": "text", "text": f"bad arguments: {exc}"}], "isError": True}
    elif method == "ping":
        result = {}
    else:
        return {"jsonrpc": "2.0", "id": ident, "error": {"code": -32601, "message": f"Method not found: {method}"}}
    return {"jsonrpc": "2.0", "id": ident, "result": result}


def main() -> None:
    """Serve stdin to stdout until the client closes stdin."""
    for line in sys.stdin:
        if not line.strip():
            continue
        answer = handle(json.loads(line))
        if answer is not None:
            sys.stdout.write(json.dumps(answer, separators=(",", ":")) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
