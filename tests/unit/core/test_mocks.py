"""The strict mocks: real HTTP, schema verdicts, provider envelopes, wire formats, per-route attribution."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import httpx
import pytest

from codex_gateway_contracts.core.cassettes import ReplyItem
from codex_gateway_contracts.core.catalogue import Catalogue
from codex_gateway_contracts.core.mocks import MockFleet
from codex_gateway_contracts.core.sse import iter_sse

CHAT = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": False}


@pytest.fixture
def fleet(synthetic: Catalogue) -> Iterator[MockFleet]:
    fleet = MockFleet(synthetic)
    yield fleet
    fleet.close()


def post(url: str, body: object) -> httpx.Response:
    return httpx.post(url, json=body, timeout=10, trust_env=False)


def test_strict_provider_rejects_unknown_field_with_its_envelope(fleet: MockFleet, synthetic: Catalogue) -> None:
    base = fleet.register("0-a", synthetic.get("strictchat"), "a")
    with fleet.expecting("a", (ReplyItem("text", text="ok"),), "n1"):
        response = post(f"{base}/chat/completions", {**CHAT, "stream_options": {"include_usage": True, "x": 1}})
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "message": "Unknown parameter: 'stream_options.x'.",
            "type": "invalid_request_error",
            "param": "stream_options.x",
            "code": "unknown_parameter",
        }
    }
    (call,) = fleet.take("a")
    assert [(v.kind, v.path) for v in call.violations] == [("unknown", ("stream_options", "x"))]
    assert call.status == 400 and not call.accepted


def test_nested_unknown_field_path_uses_brackets(fleet: MockFleet, synthetic: Catalogue) -> None:
    base = fleet.register("0-a", synthetic.get("strictchat"), "a")
    body = {**CHAT, "messages": [{"role": "user", "content": "hi"}, {"role": "user", "content": "x", "name": "n"}]}
    with fleet.expecting("a", (), "n"):
        response = post(f"{base}/v1/chat/completions", body)
    assert response.json()["error"]["param"] == "messages[1].name"


def test_lenient_provider_answers_but_the_violation_is_recorded(fleet: MockFleet, synthetic: Catalogue) -> None:
    base = fleet.register("0-b", synthetic.get("lenientchat"), "b")
    with fleet.expecting("b", (ReplyItem("text", text="hello"),), "n2"):
        response = post(f"{base}/chat/completions", {**CHAT, "client_metadata": {"k": "v"}})
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "hello [n2]"
    (call,) = fleet.take("b")
    assert [(v.kind, v.path) for v in call.violations] == [("unknown", ("client_metadata",))]
    assert call.accepted


def test_value_error_gets_the_value_envelope_even_on_a_lenient_provider(fleet: MockFleet, synthetic: Catalogue) -> None:
    base = fleet.register("0-b", synthetic.get("lenientchat"), "b")
    with fleet.expecting("b", (), "n"):
        response = post(f"{base}/chat/completions", {**CHAT, "messages": [{"role": "developer", "content": "x"}]})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "messages[0].role"
    (call,) = fleet.take("b")
    assert call.violations[0].kind == "value"


def test_unknown_endpoint_is_a_404_and_recorded(fleet: MockFleet, synthetic: Catalogue) -> None:
    base = fleet.register("0-a", synthetic.get("strictchat"), "a")
    with fleet.expecting("a", (), "n"):
        assert post(f"{base}/v1/embeddings", {"input": "x"}).status_code == 404
    (call,) = fleet.take("a")
    assert call.endpoint is None and call.path == "/v1/embeddings"


def test_secrets_are_not_recorded(fleet: MockFleet, synthetic: Catalogue) -> None:
    base = fleet.register("0-b", synthetic.get("lenientchat"), "b")
    with fleet.expecting("b", (), "n"):
        httpx.post(f"{base}/chat/completions", json=CHAT, headers={"Authorization": "Bearer s3cret", "api-key": "k"})
    (call,) = fleet.take("b")
    assert "authorization" not in call.headers and "api-key" not in call.headers


def test_chat_stream_reply_with_tool_call_and_usage_only_when_requested(fleet: MockFleet, synthetic: Catalogue) -> None:
    base = fleet.register("0-b", synthetic.get("lenientchat"), "b")
    plan = (ReplyItem("function_call", name="exec_command", arguments='{"cmd": "ls"}'),)
    body = {**CHAT, "stream": True, "tools": [{"type": "function", "function": {"name": "exec_command"}}]}
    for include_usage in (False, True):
        with fleet.expecting("b", plan, "n3"):
            text = post(f"{base}/chat/completions", {**body, "stream_options": {"include_usage": include_usage}}).text
        fleet.take("b")
        assert text.startswith(": keep-alive")  # the lenient synthetic provider carries DeepSeek's quirk
        chunks = [e.json() for e in iter_sse(text)]
        assert chunks[-1] is None  # [DONE]
        arguments = "".join(
            c["choices"][0]["delta"].get("tool_calls", [{}])[0].get("function", {}).get("arguments", "")
            for c in chunks[:-1]
            if c["choices"]
        )
        assert json.loads(arguments) == {"cmd": "ls"}
        assert any(not c["choices"] and "usage" in c for c in chunks[:-1]) is include_usage


@pytest.mark.parametrize("stream", [False, True])
def test_a_free_form_tool_offered_as_chat_custom_tool_is_called_as_one(
    fleet: MockFleet, synthetic: Catalogue, stream: bool
) -> None:
    base = fleet.register("0-b", synthetic.get("lenientchat"), "b")
    patch = "*** Begin Patch\n*** End Patch"
    plan = (ReplyItem("custom_tool_call", name="apply_patch", text=patch),)
    offered = {"type": "custom", "custom": {"name": "apply_patch", "format": {"type": "text"}}}
    as_function = {"type": "function", "function": {"name": "apply_patch", "parameters": {"type": "object"}}}
    for tool, expected in ((offered, {"name": "apply_patch", "input": patch}), (as_function, None)):
        with fleet.expecting("b", plan, "n5"):
            text = post(f"{base}/chat/completions", {**CHAT, "stream": stream, "tools": [tool]}).text
        fleet.take("b")
        if stream:
            deltas = [c["choices"][0]["delta"] for c in (e.json() for e in iter_sse(text)) if c and c["choices"]]
            calls = [call for delta in deltas for call in delta.get("tool_calls", [])]
        else:
            calls = json.loads(text)["choices"][0]["message"]["tool_calls"]
        if expected is None:  # the gateway made it a function: the model calls that function
            assert calls[0]["type"] == "function" and all("custom" not in call for call in calls)
            continue
        assert calls[0]["type"] == "custom" and calls[0]["custom"]["name"] == "apply_patch"
        assert "".join(call["custom"]["input"] for call in calls) == expected["input"]
        assert all("function" not in call for call in calls)


def test_tool_not_offered_is_answered_as_text(fleet: MockFleet, synthetic: Catalogue) -> None:
    base = fleet.register("0-b", synthetic.get("lenientchat"), "b")
    plan = (ReplyItem("function_call", name="exec_command", arguments="{}"),)
    with fleet.expecting("b", plan, "n4"):
        reply = post(f"{base}/chat/completions", CHAT).json()
    assert "tool_calls" not in reply["choices"][0]["message"]
    (call,) = fleet.take("b")
    assert call.reply_items[0].kind == "text"


def test_responses_stream_ends_with_completed_carrying_an_id(fleet: MockFleet, synthetic: Catalogue) -> None:
    base = fleet.register("0-c", synthetic.get("strictresponses"), "c")
    with fleet.expecting("c", (ReplyItem("text", text="hi"),), "n5"):
        text = post(f"{base}/v1/responses", {"model": "m", "input": [], "stream": True}).text
    events = [e.json() for e in iter_sse(text)]
    assert events[-1]["type"] == "response.completed" and events[-1]["response"]["id"]
    done = [e["item"] for e in events if e["type"] == "response.output_item.done"]
    assert done[0]["content"][0]["text"] == "hi [n5]"


def test_responses_stream_carries_openais_deltas_for_every_item(fleet: MockFleet, synthetic: Catalogue) -> None:
    # A translating gateway (llm-rosetta) reads tool arguments from the deltas only, as from a real provider.
    base = fleet.register("0-c", synthetic.get("strictresponses"), "c")
    plan = (ReplyItem("text", text="hi"), ReplyItem("function_call", name="f", arguments='{"a": 1}'))
    body = {"model": "m", "input": [], "stream": True, "tools": [{"type": "function", "name": "f"}]}
    with fleet.expecting("c", plan, "n6"):
        events = [e.json() for e in iter_sse(post(f"{base}/v1/responses", body).text)]
    added = [e["item"] for e in events if e["type"] == "response.output_item.added"]
    assert added[1]["type"] == "function_call" and added[1]["arguments"] == ""
    deltas = [e["delta"] for e in events if e["type"] == "response.function_call_arguments.delta"]
    assert json.loads("".join(deltas)) == {"a": 1}
    assert "".join(e["delta"] for e in events if e["type"] == "response.output_text.delta") == "hi [n6]"


def test_calls_are_attributed_to_their_route_under_concurrency(fleet: MockFleet, synthetic: Catalogue) -> None:
    bases = {r: fleet.register(f"0-{r}", synthetic.get("lenientchat"), r) for r in ("r1", "r2", "r3")}
    seen: dict[str, list[str]] = {}

    def case(route: str) -> None:
        with fleet.expecting(route, (ReplyItem("text", text=route),), route):
            for _ in range(5):
                post(f"{bases[route]}/chat/completions", {**CHAT, "model": route})
        seen[route] = [c.body["model"] for c in fleet.take(route)]

    threads = [threading.Thread(target=case, args=(r,)) for r in bases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {r: [r] * 5 for r in bases}
    assert fleet.strays() == []


def test_calls_outside_any_case_are_strays(fleet: MockFleet, synthetic: Catalogue) -> None:
    base = fleet.register("0-a", synthetic.get("strictchat"), "a")
    post(f"{base}/chat/completions", CHAT)
    assert fleet.take("a") == []
    assert [c.route for c in fleet.strays()] == ["a"]


def test_a_route_cannot_run_two_cases_at_once(fleet: MockFleet, synthetic: Catalogue) -> None:
    fleet.register("0-a", synthetic.get("strictchat"), "a")
    with (
        fleet.expecting("a", (), "n"),
        pytest.raises(RuntimeError, match="already has a case"),
        fleet.expecting("a", (), "m"),
    ):
        pass


def test_later_plans_answer_the_following_calls(fleet: MockFleet, synthetic: Catalogue) -> None:
    base = fleet.register("0-b", synthetic.get("lenientchat"), "b")
    first, second = (ReplyItem("text", text="one"),), (ReplyItem("text", text="two"),)
    with fleet.expecting("b", first, "n", later=[second]):
        answers = [post(f"{base}/chat/completions", CHAT).json()["choices"][0]["message"]["content"] for _ in range(3)]
    assert answers == ["one [n]", "two [n]", "two [n]"]


# -- whole sessions: compaction, MCP namespaces, tool search, reported usage --------------------------------
TRIGGER = {"type": "compaction_trigger"}
USER = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "run echo"}]}


def responses_items(text: str) -> list[dict[str, object]]:
    return [e["item"] for e in (ev.json() for ev in iter_sse(text)) if e["type"] == "response.output_item.done"]


def test_a_compaction_is_the_answer_only_to_a_request_that_asks_for_one(fleet: MockFleet, synthetic: Catalogue) -> None:
    base = fleet.register("0-c", synthetic.get("strictresponses"), "c")
    plan = (ReplyItem("compaction", text="recorded"),)
    with fleet.expecting("c", plan, "n6", later=[plan]):
        asked = post(f"{base}/v1/responses", {"model": "m", "input": [USER, TRIGGER], "stream": True}).text
        lost = post(f"{base}/v1/responses", {"model": "m", "input": [USER], "stream": True}).text
    (compaction,) = responses_items(asked)
    assert compaction["type"] == "compaction" and compaction["encrypted_content"].startswith("gAAAAB")
    first, _ = fleet.take("c")
    # What the verdict expects back is what this reply carried, not the recorded content.
    assert first.reply_items == (ReplyItem("compaction", text=compaction["encrypted_content"]),)
    (text,) = responses_items(lost)
    assert text["type"] == "message" and "no compaction_trigger reached the model" in json.dumps(text)


def test_a_chat_model_asked_to_compact_answers_in_text(fleet: MockFleet, synthetic: Catalogue) -> None:
    base = fleet.register("0-b", synthetic.get("lenientchat"), "b")
    with fleet.expecting("b", (ReplyItem("compaction", text="x"),), "n7"):
        reply = post(f"{base}/chat/completions", CHAT).json()
    assert reply["choices"][0]["message"]["content"] == "(no compaction_trigger reached the model) [n7]"


NAMESPACE = {
    "type": "namespace",
    "name": "mcp__calc__",
    "description": "calc",
    "tools": [{"type": "function", "name": "add", "parameters": {"type": "object"}}],
}


def test_an_mcp_call_goes_to_the_namespace_or_flat_name_the_request_offers(
    fleet: MockFleet, synthetic: Catalogue
) -> None:
    responses = fleet.register("0-c", synthetic.get("strictresponses"), "c")
    chat = fleet.register("0-b", synthetic.get("lenientchat"), "b")
    # Recorded with Codex 0.169's spelling; the request here offers 0.130's: the model calls what is offered.
    plan = (ReplyItem("function_call", name="add", arguments='{"a": 2, "b": 3}', namespace="mcp__calc"),)
    with fleet.expecting("c", plan, "n8"):
        text = post(f"{responses}/v1/responses", {"model": "m", "input": [], "tools": [NAMESPACE], "stream": True})
    (called,) = responses_items(text.text)
    assert (called["name"], called["namespace"]) == ("add", "mcp__calc__")
    flat = {**CHAT, "tools": [{"type": "function", "function": {"name": "mcp__calc____add"}}]}
    with fleet.expecting("b", plan, "n8"):
        message = post(f"{chat}/chat/completions", flat).json()["choices"][0]["message"]
        unoffered = post(f"{chat}/chat/completions", CHAT).json()["choices"][0]["message"]
    assert message["tool_calls"][0]["function"]["name"] == "mcp__calc____add"
    assert unoffered["content"] == "(tool add (namespace mcp__calc) not offered) [n8]"


def test_a_tool_search_is_made_only_where_the_request_offers_it(fleet: MockFleet, synthetic: Catalogue) -> None:
    base = fleet.register("0-c", synthetic.get("strictresponses"), "c")
    plan = (ReplyItem("tool_search_call", arguments='{"query": "calc add"}'),)
    search = {"type": "tool_search", "execution": "client"}
    with fleet.expecting("c", plan, "n9", later=[plan]):
        offered = post(f"{base}/v1/responses", {"model": "m", "input": [], "tools": [search], "stream": True})
        missing = post(f"{base}/v1/responses", {"model": "m", "input": [], "stream": True})
    (call,) = responses_items(offered.text)
    assert call["type"] == "tool_search_call" and call["arguments"] == {"query": "calc add"}
    assert call["execution"] == "client"
    assert "(tool tool_search not offered)" in json.dumps(responses_items(missing.text))


def test_each_answer_reports_the_prompt_tokens_the_case_asks_for(fleet: MockFleet, synthetic: Catalogue) -> None:
    base = fleet.register("0-b", synthetic.get("lenientchat"), "b")
    with fleet.expecting("b", (ReplyItem("text", text="x"),), "t", tokens=[5000]):
        usages = [post(f"{base}/chat/completions", CHAT).json()["usage"] for _ in range(2)]
    assert [u["prompt_tokens"] for u in usages] == [5000, 21]
    assert usages[0]["total_tokens"] == 5007
