"""The scripted endpoint streams what Codex needs, byte-identical on every recording."""

from __future__ import annotations

import json
from typing import Any

from codex_gateway_contracts.tools.record.scenarios import REPLY_KINDS, ReplySpec
from codex_gateway_contracts.tools.record.script import ReplyScript


def sse_events(text: str) -> list[dict[str, Any]]:
    return [json.loads(line[5:]) for line in text.splitlines() if line.startswith("data:")]


def test_reply_script_streams_what_codex_needs() -> None:
    script = ReplyScript("gpt-5.5")
    for kind in REPLY_KINDS:
        events = sse_events(script.sse(ReplySpec(kind)))
        types = [e["type"] for e in events]
        assert types[:2] == ["response.created", "response.in_progress"]
        assert types[-1] == "response.completed"
        assert [e["sequence_number"] for e in events] == list(range(len(events)))
        done = [e["item"] for e in events if e["type"] == "response.output_item.done"]
        assert events[-1]["response"]["output"] == done
        assert events[-1]["response"]["usage"]["total_tokens"] == 120
    # ids are counters, so a second recording of the same scenario is byte-identical
    assert ReplyScript("m").sse(ReplySpec("text")) == ReplyScript("m").sse(ReplySpec("text"))
