"""The whole-session cassettes hold what they were recorded for, in every recorded Codex version.

Compaction (remote and local), an MCP tool round trip, configured web search and a long multi-turn
session: each test states the contract a gateway must keep, on what the real binary sent.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from codex_gateway_contracts.tools.record.script import COMPACT_PATH, JSON

from .test_cassettes import CODEX, VERSIONS, Recorded, load, sse_events


def cassette(version: str, scenario: str) -> tuple[Recorded, ...]:
    return load(CODEX / version / f"{scenario}.yaml")


def output_items(rec: Recorded) -> list[dict[str, Any]]:
    """What the request was answered with: a JSON output list or the streamed ``output_item.done`` items."""
    if rec.content_type == JSON:
        return list(json.loads(rec.response)["output"])
    return [e["item"] for e in sse_events(rec.response) if e["type"] == "response.output_item.done"]


def user_texts(rec: Recorded) -> list[str]:
    return [
        part["text"]
        for item in rec.body["input"]
        if item["type"] == "message" and item["role"] == "user"
        for part in item["content"]
        if part["type"] == "input_text"
    ]


def is_remote_compaction(rec: Recorded) -> bool:
    return rec.endpoint == COMPACT_PATH or rec.body["input"][-1]["type"] == "compaction_trigger"


@pytest.mark.parametrize("version", VERSIONS)
def test_remote_compaction_is_recorded_and_its_item_carried_back(version: str) -> None:
    recorded = cassette(version, "auto_compaction")
    compactions = [rec.index for rec in recorded if is_remote_compaction(rec)]
    assert compactions == [1, 3], f"{version}: compaction requests at {compactions} (mid-turn, then pre-turn)"
    for index in compactions:
        answered = [i for i in output_items(recorded[index]) if i["type"] == "compaction"]
        assert len(answered) == 1, f"{version} request {index}: answered with exactly one compaction item"
        following = recorded[index + 1]
        carried = [i for i in following.body["input"] if i["type"] == "compaction"]
        assert answered[0]["encrypted_content"] in {i["encrypted_content"] for i in carried}, (
            f"{version} request {index + 1} does not carry the compaction item back"
        )
        assert "run echo hello-from-tool" in user_texts(following), f"{version}: the user's prompt was lost"
        assert not any(i["type"] in ("function_call", "function_call_output") for i in following.body["input"])


@pytest.mark.parametrize("version", VERSIONS)
def test_local_compaction_summarises_with_an_ordinary_request(version: str) -> None:
    recorded = cassette(version, "auto_compaction_local")
    summaries = [rec.index for rec in recorded if rec.body["tools"] == []]
    assert summaries == [1, 3], f"{version}: summarising requests at {summaries}"
    assert not any(is_remote_compaction(rec) for rec in recorded)
    for index in summaries:
        asked = user_texts(recorded[index])[-1]
        assert "CONTEXT CHECKPOINT COMPACTION" in asked, f"{version} request {index}: {asked[:80]!r}"
        assert recorded[index].body["parallel_tool_calls"] is False
        summary = output_items(recorded[index])[0]["content"][0]["text"]
        assert any(summary in text for text in user_texts(recorded[index + 1])), (
            f"{version} request {index + 1} does not carry the summary"
        )


def namespaces(body: dict[str, Any]) -> dict[str, list[str]]:
    """Namespace tools offered in ``tools`` or loaded by a ``tool_search_output``, with their tool names."""
    offered = list(body["tools"])
    offered += [t for i in body["input"] if i["type"] == "tool_search_output" for t in i["tools"]]
    return {t["name"]: [f["name"] for f in t["tools"]] for t in offered if t["type"] == "namespace"}


@pytest.mark.parametrize("version", VERSIONS)
def test_mcp_tool_round_trip(version: str) -> None:
    last = cassette(version, "mcp_tools")[-1]
    calc = {name: tools for name, tools in namespaces(last.body).items() if name.rstrip("_") == "mcp__calc"}
    assert list(calc.values()) == [["add", "echo_text"]], (
        f"{version}: the MCP server's tools did not reach Codex's request"
    )
    calls = [i for i in last.body["input"] if i["type"] == "function_call"]
    assert [(c["name"], c.get("namespace")) for c in calls] == [("add", next(iter(calc)))]
    outputs = [i for i in last.body["input"] if i["type"] == "function_call_output"]
    assert [o["call_id"] for o in outputs] == [calls[0]["call_id"]]
    assert "2 + 3 = 5" in json.dumps(outputs[0]["output"]), "the MCP server's answer is not in the tool output"


@pytest.mark.parametrize("version", VERSIONS)
def test_configured_web_search_reaches_every_request(version: str) -> None:
    recorded = cassette(version, "web_search")
    for rec in recorded:
        (tool,) = [t for t in rec.body["tools"] if t["type"] == "web_search"]
        assert tool["filters"] == {"allowed_domains": ["example.com"]} and tool["search_context_size"] == "high"
    replayed = [i for i in recorded[-1].body["input"] if i["type"] == "web_search_call"]
    assert [i["action"] for i in replayed] == [{"type": "search", "query": "codex cli"}]


@pytest.mark.parametrize("version", VERSIONS)
def test_long_session_carries_reasoning_and_parallel_calls(version: str) -> None:
    recorded = cassette(version, "long_session")
    last = recorded[-1].body["input"]
    prompts = ["run echo one and echo two", "say hi", "run echo three", "bye"]
    assert [t for t in user_texts(recorded[-1]) if t in prompts] == prompts, "four turns, in order"
    kinds = [i["type"] for i in recorded[1].body["input"]]
    tail = kinds[kinds.index("function_call") :]
    assert tail == ["function_call", "function_call", "function_call_output", "function_call_output"]
    calls = [i for i in recorded[1].body["input"] if i["type"].startswith("function_call")]
    assert [c["call_id"] for c in calls[:2]] == [c["call_id"] for c in calls[2:]], "outputs in call order"
    answered = [i["encrypted_content"] for rec in recorded[:-1] for i in output_items(rec) if i["type"] == "reasoning"]
    carried = [i["encrypted_content"] for i in last if i["type"] == "reasoning"]
    assert len(answered) == 5 and carried == answered, "every earlier reasoning item comes back, in order"
