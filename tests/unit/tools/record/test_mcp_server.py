"""The stdio MCP server the mcp_tools scenario starts: deterministic answers to what Codex asks."""

from __future__ import annotations

import importlib.util
import io
import json
from types import ModuleType

import pytest

from ...core.test_cassettes import CASSETTES

SCRIPT = CASSETTES / "mcp" / "calc_server.py"


def server() -> ModuleType:
    spec = importlib.util.spec_from_file_location("calc_server", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_session_codex_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """initialize, notifications/initialized, tools/list, tools/call: one JSON line in, one out (none for notes)."""
    lines = [
        {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18"}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 2, "b": 3}}},
        {"jsonrpc": "2.0", "id": 3, "method": "resources/list"},
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(json.dumps(line) + "\n\n" for line in lines)))
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    server().main()
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [a["id"] for a in answers] == [0, 1, 2, 3]
    assert answers[0]["result"]["protocolVersion"] == "2025-06-18"
    assert [t["name"] for t in answers[1]["result"]["tools"]] == ["add", "echo_text"]
    assert answers[2]["result"] == {"content": [{"type": "text", "text": "2 + 3 = 5"}], "isError": False}
    assert answers[3]["error"]["code"] == -32601
    first = out.getvalue()
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(json.dumps(line) + "\n" for line in lines)))
    monkeypatch.setattr("sys.stdout", out := io.StringIO())
    server().main()
    assert out.getvalue() == first, "the same session gets the same bytes"


def test_bad_tool_arguments_are_a_tool_error_not_a_crash() -> None:
    answer = server().handle({"id": 7, "method": "tools/call", "params": {"name": "add", "arguments": {"a": "x"}}})
    assert answer is not None and answer["result"]["isError"] is True
