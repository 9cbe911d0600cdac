"""The route answer keeps remote compaction apart: a route that serves every turn but cannot compact is no "yes"."""

from __future__ import annotations

import json
from typing import Any

from codex_gateway_contracts.report import codex_works, route_statuses, route_summary, routes

from ...conftest import ROOT


def case(scenario: str, verdict: str = "pass", *findings: dict[str, Any], remote: bool = False) -> dict[str, Any]:
    return {
        "id": f"codex-0.171.0/{scenario}-r",
        "cassette": f"codex-0.171.0/{scenario}",
        "provider": "p",
        "route": "r",
        "endpoint": "p/chat",
        "verdict": verdict,
        "findings": list(findings),
        "remote_compaction": remote,
    }


TRIGGER_DROPPED = {"kind": "drop", "path": "input[6]", "origin": None, "message": "compaction_trigger", "request": 1}
NO_ITEM = {"kind": "bad_reply", "path": "", "origin": None, "message": "0 compaction item(s)", "request": 1}
IGNORED = {"kind": "leak", "path": "prompt_cache_key", "message": "m", "effect": "ignored", "policy": "ignore"}
REJECTED = {"kind": "leak", "path": "tool_choice", "message": "m", "effect": "rejected", "policy": "reject"}


def test_a_route_that_cannot_compact_remotely_is_not_a_plain_yes() -> None:
    status = codex_works(
        [
            case("basic"),
            case("auto_compaction_local"),
            case("auto_compaction", "drop", TRIGGER_DROPPED, NO_ITEM, remote=True),
        ]
    )
    assert status.answer == routes.NO_COMPACTION
    assert status.short == "🔶 works, remote compaction breaks"
    assert status.compaction == routes.BREAKS
    assert status.compaction_first is not None and status.compaction_first.kind == "drop"  # the most severe first
    assert status.compaction_text == "❌ breaks: input[] (drop; 1 case)"
    assert status.drops == ["input[]"] and status.passed == 2


def test_an_ordinary_break_comes_first_and_compaction_is_still_answered() -> None:
    status = codex_works([case("basic", "leak", REJECTED), case("auto_compaction", remote=True)])
    assert status.answer == routes.BREAKS and status.first is not None and status.first.path == "tool_choice"
    assert status.compaction == routes.YES and status.compaction_text == "✅ works"


def test_lost_settings_and_working_compaction() -> None:
    status = codex_works([case("basic", "leak", IGNORED), case("auto_compaction", remote=True)])
    assert status.answer == routes.LOST and status.compaction == routes.YES


def test_without_compaction_sessions_there_is_no_compaction_answer() -> None:
    status = codex_works([case("basic")])
    assert status.answer == routes.YES and status.compaction is None and status.compaction_text == "—"


def test_a_run_of_only_compaction_sessions_answers_from_them() -> None:
    status = codex_works([case("auto_compaction", "drop", TRIGGER_DROPPED, remote=True)])
    assert status.answer == routes.BREAKS and status.compaction is None


def test_the_summary_counts_routes_that_work_only_without_remote_compaction() -> None:
    document = {
        "cases": [
            case("basic"),
            case("auto_compaction", "bad_reply", NO_ITEM, remote=True),
            {**case("basic"), "route": "s", "id": "codex-0.171.0/basic-s"},
            {**case("auto_compaction", remote=True), "route": "s", "id": "codex-0.171.0/auto_compaction-s"},
        ]
    }
    assert route_summary(document) == (
        "Codex works on 2 of 2 routes (1 only without remote compaction); remote compaction works on 1 of 2"
    )


def test_a_real_run_tells_the_routes_apart() -> None:
    """LiteLLM 1.106.1, Codex 0.171.0's sessions: OpenRouter's Responses route serves every ordinary turn but
    refuses the compaction_trigger; OpenAI's compacts; Anthropic loses the MCP tools a tool search loaded."""
    document = json.loads((ROOT / "tests" / "data" / "results-1.106.1-sessions.json").read_text("utf-8"))
    answers = {s.route: (s.answer, s.compaction) for s in route_statuses(document)}
    assert answers["openai-gpt-5.5"] == (routes.YES, routes.YES)
    assert answers["openrouter-claude-sonnet-4.5"] == (routes.NO_COMPACTION, routes.BREAKS)
    assert answers["claude-sonnet-4-6"] == (routes.BREAKS, routes.BREAKS)
