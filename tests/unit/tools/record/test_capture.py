"""What a finished Codex run must show before its requests become a cassette."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codex_gateway_contracts.errors import RecordError
from codex_gateway_contracts.tools.record.capture import check_mcp_tools
from codex_gateway_contracts.tools.record.scenarios import McpServer, Scenario, Turn, reply
from codex_gateway_contracts.tools.record.script import Exchange

SCENARIO = Scenario(
    "s", "d", (Turn("add", (reply("text"),)),), "gpt-5.5", mcp_servers=(McpServer("calc", Path("/x/calc.py"), 1),)
)


def exchange(body: dict[str, object]) -> Exchange:
    return Exchange("POST", "/v1/responses", (), json.dumps(body).encode(), "")


@pytest.mark.parametrize(
    "body",
    [
        {"tools": [{"type": "namespace", "name": "mcp__calc__", "tools": []}], "input": []},
        {
            "tools": [{"type": "tool_search"}],
            "input": [{"content": [{"text": "Deferred tool namespaces:\n- mcp__calc"}]}],
        },
    ],
    ids=["namespace-tool", "deferred-namespace"],
)
def test_mcp_tools_in_the_first_request_pass(body: dict[str, object]) -> None:
    check_mcp_tools(SCENARIO, [exchange(body)], "")


def test_a_server_codex_went_on_without_fails_the_recording() -> None:
    """Codex skips a server that misses startup_timeout_sec with exit code 0 and no warning."""
    body = {"tools": [{"type": "function", "name": "exec_command"}], "input": []}
    with pytest.raises(RecordError, match=r"MCP server 'calc' \(/x/calc.py\) are not in Codex's first request"):
        check_mcp_tools(SCENARIO, [exchange(body), exchange({"input": ["mcp__calc"]})], "stderr tail")
