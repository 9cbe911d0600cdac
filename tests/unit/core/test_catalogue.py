"""The provider catalogue is complete and every provider mock behaves like its provider.

Data-driven: every folder under schemas/providers is audited and its mock exercised over real HTTP
(``MockFleet``), so a new provider folder is tested without editing this file. The wire-format parsers
here are written independently of ``wires/`` on purpose: they check the bytes a gateway receives.
"""

from __future__ import annotations

import base64
import copy
import json
import shutil
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from codex_gateway_contracts import wires
from codex_gateway_contracts.core.cassettes import ReplyItem
from codex_gateway_contracts.core.catalogue import Endpoint, Provider, load_catalogue
from codex_gateway_contracts.core.deployments import default_config
from codex_gateway_contracts.core.mocks import MockFleet
from codex_gateway_contracts.core.sse import iter_sse
from codex_gateway_contracts.tools.probe import UNKNOWN_PROBE
from codex_gateway_contracts.tools.scaffold import audit

from ...conftest import ROOT

PROVIDERS_ROOT = ROOT / "schemas" / "providers"
CATALOGUE = load_catalogue(PROVIDERS_ROOT)
FOLDERS = sorted(p for p in PROVIDERS_ROOT.iterdir() if p.is_dir())
ENDPOINTS = [(p, e) for p in CATALOGUE.providers for e in p.endpoints]
PLAN = (ReplyItem("text", text="Hello from the catalogue test."),)


def _forced_stream(endpoint: Endpoint) -> bool | None:
    mode = endpoint.reply.get("stream")
    return {"always": True, "never": False}.get(str(mode)) if mode else None


def _reply_cases() -> Iterator[Any]:
    for provider, endpoint in ENDPOINTS:
        forced = _forced_stream(endpoint)
        for stream in [forced] if forced is not None else [True, False]:
            yield pytest.param(provider, endpoint, stream, id=f"{endpoint.name}-{'stream' if stream else 'json'}")


@pytest.fixture
def fleet() -> Iterator[MockFleet]:
    fleet = MockFleet(CATALOGUE)
    yield fleet
    fleet.close()


def send(fleet: MockFleet, provider: Provider, endpoint: Endpoint, body: dict[str, Any]) -> tuple[httpx.Response, Any]:
    """POST ``body`` to the endpoint's mock at the path the wire uses; returns the answer and the call."""
    route = f"catalogue-{provider.name}"
    base = fleet.register(f"0-{route}", provider, route)
    path = provider.request_path(endpoint, provider.litellm_model)
    with fleet.expecting(route, PLAN, "cat1"):
        response = httpx.post(base + path, content=json.dumps(body).encode(), timeout=10, trust_env=False)
    (call,) = fleet.take(route)
    return response, call


# -- completeness -----------------------------------------------------------------------------------
@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_provider_folder_is_complete(folder: Path) -> None:
    problems = audit(folder)
    assert not problems, f"{folder.name} is incomplete:\n  " + "\n  ".join(problems)


def test_every_folder_is_in_the_catalogue_and_the_default_config() -> None:
    assert [p.name for p in CATALOGUE.providers] == [f.name for f in FOLDERS]
    prefixes = [p.litellm_prefix for p in CATALOGUE.providers]
    assert len(prefixes) == len(set(prefixes)), "two providers claim the same LiteLLM prefix"
    routes = {entry["model_name"] for entry in default_config(CATALOGUE)["model_list"]}
    for provider in CATALOGUE.providers:
        assert provider.route in routes, f"{provider.name} has no default deployment"
        assert {e.wire for e in provider.endpoints} <= set(wires.keys())


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A copy of a complete strict provider, to break one thing at a time."""
    folder = tmp_path / "mistral"
    shutil.copytree(PROVIDERS_ROOT / "mistral", folder)
    assert audit(folder) == []
    return folder


def _edit_spec(folder: Path, edit: Any) -> None:
    spec = yaml.safe_load((folder / "provider.yaml").read_text(encoding="utf-8"))
    edit(spec)
    (folder / "provider.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")


def test_audit_requires_the_unknown_field_envelope_of_a_strict_provider(broken: Path) -> None:
    _edit_spec(broken, lambda s: s["endpoints"]["chat"]["errors"].pop("unknown_field"))
    assert any("rejects unknown fields but has no envelope" in p for p in audit(broken))


def test_audit_requires_the_value_envelope(broken: Path) -> None:
    _edit_spec(broken, lambda s: s["endpoints"]["chat"]["errors"].pop("invalid_value"))
    assert any("invalid_value" in p for p in audit(broken))


def test_audit_requires_reply_quirks_with_evidence(broken: Path) -> None:
    _edit_spec(broken, lambda s: s["endpoints"]["chat"]["reply"].pop("evidence"))
    assert audit(broken) == ["provider.yaml: endpoints.chat.reply.evidence is missing"]
    _edit_spec(broken, lambda s: s["endpoints"]["chat"].pop("reply"))
    assert any("endpoints.chat.reply is missing" in p for p in audit(broken))


def test_audit_requires_the_answer_to_an_unknown_path(broken: Path) -> None:
    _edit_spec(broken, lambda s: s["not_found"].pop("evidence"))
    assert audit(broken) == ["provider.yaml: not_found.evidence is missing"]
    _edit_spec(broken, lambda s: s.pop("not_found"))
    assert any("not_found needs a status and a body" in p for p in audit(broken))


def test_audit_refuses_todo_evidence(broken: Path) -> None:
    _edit_spec(broken, lambda s: s["unknown_fields"].update(evidence="TODO: find out"))
    assert audit(broken) == ["provider.yaml: unknown_fields.evidence still says TODO"]


def test_audit_finds_a_schema_property_without_evidence(broken: Path) -> None:
    schema_file = broken / "chat.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    del schema["properties"]["messages"]["items"]["allOf"][0]["then"]["properties"]["content"]["x-evidence"]
    schema["properties"]["stop"]["x-evidence"]["confidence"] = "high"
    schema_file.write_text(json.dumps(schema), encoding="utf-8")
    problems = audit(broken)
    assert "chat.schema.json: .properties.stop: x-evidence confidence must be H, M or L" in problems
    assert any(p.endswith(".then.properties.content: no x-evidence") for p in problems), problems


def test_audit_reports_an_invalid_schema(broken: Path) -> None:
    schema_file = broken / "chat.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    schema["properties"]["stop"]["type"] = "text"
    schema_file.write_text(json.dumps(schema), encoding="utf-8")
    assert any("not a valid Draft 2020-12 schema" in p for p in audit(broken))


# -- each mock, over real HTTP ----------------------------------------------------------------------
@pytest.mark.parametrize(("provider", "endpoint"), ENDPOINTS, ids=[e.name for _, e in ENDPOINTS])
def test_mock_refuses_an_unknown_field_with_its_own_envelope(
    fleet: MockFleet, provider: Provider, endpoint: Endpoint
) -> None:
    body = {**wires.get(endpoint.wire).minimal_request(provider.litellm_model), UNKNOWN_PROBE: 1}
    response, call = send(fleet, provider, endpoint, body)
    assert [(v.kind, v.path) for v in call.violations] == [("unknown", (UNKNOWN_PROBE,))]
    if provider.unknown_policy == "ignore":
        assert response.status_code == 200, "an ignoring provider accepts the field (and the suite reports it)"
        assert call.accepted
        return
    template = endpoint.unknown_field_error
    assert template is not None
    assert response.status_code == template.status
    assert response.json() == template.render(UNKNOWN_PROBE, call.violations[0].message)
    if "{path}" in json.dumps(template.body):
        assert UNKNOWN_PROBE in response.text, "the envelope names the refused field"


@pytest.mark.parametrize(("provider", "endpoint"), ENDPOINTS, ids=[e.name for _, e in ENDPOINTS])
def test_mock_refuses_a_wrong_type_with_its_value_envelope(
    fleet: MockFleet, provider: Provider, endpoint: Endpoint
) -> None:
    body = wires.get(endpoint.wire).minimal_request(provider.litellm_model)
    schema = json.loads(endpoint.schema_file.read_text(encoding="utf-8"))
    key = next(k for k in schema["required"] if not {"integer", "number"} & set(_types(schema["properties"][k])))
    body[key] = 12345
    response, call = send(fleet, provider, endpoint, body)
    values = [v for v in call.violations if v.kind == "value"]
    assert values and values[0].path == (key,)
    template = endpoint.invalid_value_error
    assert response.status_code == template.status >= 400
    assert response.json() == template.render(values[0].dotted(template.path_style), values[0].message)


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


@pytest.mark.parametrize(("provider", "endpoint", "stream"), list(_reply_cases()))
def test_mock_answers_a_minimal_request_in_its_wire_format(
    fleet: MockFleet, provider: Provider, endpoint: Endpoint, stream: bool
) -> None:
    body = wires.get(endpoint.wire).minimal_request(provider.litellm_model, stream=stream)
    response, call = send(fleet, provider, endpoint, body)
    assert call.violations == [], f"the minimal {endpoint.wire} request breaks {endpoint.name}: {call.violations}"
    assert response.status_code == 200
    if endpoint.wire == "openai-responses-compact":
        # Whatever the plan says, a compact endpoint answers with the user's messages and one compaction item.
        data = response.json()
        assert response.headers["content-type"] == "application/json" and data["object"] == "response.compaction"
        assert [(i["type"], i.get("role")) for i in data["output"]] == [("message", "user"), ("compaction", None)]
        assert data["output"][0]["content"] == [{"type": "input_text", "text": "Say hello."}]
        assert data["output"][1]["encrypted_content"] and data["usage"]["total_tokens"] > 0
        return
    text = reply_text(endpoint.wire, response.headers["content-type"], response.content, stream)
    assert "Hello from the catalogue test. [cat1]" in text


@pytest.mark.parametrize("provider", CATALOGUE.providers, ids=[p.name for p in CATALOGUE.providers])
def test_a_path_no_endpoint_serves_gets_the_providers_own_not_found(fleet: MockFleet, provider: Provider) -> None:
    route = f"catalogue-{provider.name}"
    base = fleet.register(f"0-{route}", provider, route)
    with fleet.expecting(route, PLAN, "cat1"):
        response = httpx.post(f"{base}/zz/unknown", content=b"{}", timeout=10, trust_env=False)
    (call,) = fleet.take(route)
    template = provider.not_found
    assert response.status_code == template.status == call.status and call.endpoint is None
    assert response.headers["content-type"] == template.content_type
    expected = template.fill({"{method}": "POST", "{path}": "/zz/unknown"})
    assert (response.text if isinstance(expected, str) else response.json()) == expected


def test_compact_schemas_take_their_items_from_the_providers_responses_schema() -> None:
    for provider in CATALOGUE.providers:
        for endpoint in provider.endpoints:
            if endpoint.wire == "openai-responses-compact":
                compact = json.loads(endpoint.schema_file.read_text(encoding="utf-8"))
                responses = json.loads((endpoint.schema_file.parent / "responses.schema.json").read_text("utf-8"))
                assert compact["$defs"] == responses["$defs"], f"{endpoint.name}: regenerate its $defs"


# -- independent wire parsers -----------------------------------------------------------------------
def reply_text(wire: str, content_type: str, payload: bytes, stream: bool) -> str:
    """The assistant text a client of ``wire`` reads from the reply bytes."""
    if wire == "bedrock-converse" and stream:
        assert content_type == "application/vnd.amazon.eventstream"
        events = list(decode_eventstream(payload))
        assert events[0][0][":event-type"] == "messageStart"
        assert all(h[":message-type"] == "event" for h, _ in events)
        deltas = [json.loads(p)["delta"] for h, p in events if h[":event-type"] == "contentBlockDelta"]
        return "".join(d.get("text", "") for d in deltas)
    if wire == "bedrock-invoke" and stream:
        assert content_type == "application/vnd.amazon.eventstream"
        chunks = [json.loads(base64.b64decode(json.loads(p)["bytes"])) for h, p in decode_eventstream(payload)]
        assert chunks[-1]["type"] == "message_stop"
        return "".join(c["delta"].get("text", "") for c in chunks if c["type"] == "content_block_delta")
    if wire.startswith("ollama") and stream:
        assert content_type == "application/x-ndjson"
        lines = [json.loads(line) for line in payload.decode().splitlines()]
        assert [line["done"] for line in lines] == [False] * (len(lines) - 1) + [True]
        return "".join(line.get("response") or (line.get("message") or {}).get("content", "") for line in lines)
    if stream:
        assert content_type.startswith("text/event-stream")
        return "".join(_sse_text(wire, event.json()) for event in iter_sse(payload.decode()))
    assert content_type == "application/json"
    return _json_text(wire, json.loads(payload))


def _sse_text(wire: str, data: Any) -> str:
    if not isinstance(data, dict):
        return ""
    if wire == "openai-chat":
        return "".join((c.get("delta") or {}).get("content") or "" for c in data.get("choices") or [])
    if wire == "openai-responses":
        return str(data.get("delta", "")) if data.get("type") == "response.output_text.delta" else ""
    if wire == "anthropic-messages":
        return str((data.get("delta") or {}).get("text", "")) if data.get("type") == "content_block_delta" else ""
    if wire == "gemini-generate":
        return _gemini_text(data)
    raise AssertionError(f"no SSE parser for {wire}")


def _json_text(wire: str, data: dict[str, Any]) -> str:
    if wire == "openai-chat":
        return str(data["choices"][0]["message"]["content"])
    if wire == "openai-responses":
        return "".join(p["text"] for item in data["output"] for p in item.get("content") or [])
    if wire in {"anthropic-messages", "bedrock-invoke"}:
        return "".join(b.get("text", "") for b in data["content"])
    if wire == "gemini-generate":
        return _gemini_text(data)
    if wire == "bedrock-converse":
        return "".join(b.get("text", "") for b in data["output"]["message"]["content"])
    if wire == "ollama-chat":
        return str(data["message"]["content"])
    if wire == "ollama-generate":
        return str(data["response"])
    raise AssertionError(f"no JSON parser for {wire}")


def _gemini_text(data: dict[str, Any]) -> str:
    parts = [p for c in data.get("candidates") or [] for p in (c.get("content") or {}).get("parts") or []]
    return "".join(p.get("text", "") for p in parts if not p.get("thought"))


def decode_eventstream(data: bytes) -> Iterator[tuple[dict[str, str], bytes]]:
    """AWS event-stream messages, both CRCs checked (a test-side decoder, independent of wires/eventstream.py)."""
    offset = 0
    while offset < len(data):
        total, header_length = struct.unpack_from(">II", data, offset)
        assert zlib.crc32(data[offset : offset + 8]) == struct.unpack_from(">I", data, offset + 8)[0]
        assert zlib.crc32(data[offset : offset + total - 4]) == struct.unpack_from(">I", data, offset + total - 4)[0]
        headers, cursor = {}, offset + 12
        while cursor < offset + 12 + header_length:
            size = data[cursor]
            name = data[cursor + 1 : cursor + 1 + size].decode()
            assert data[cursor + 1 + size] == 7, "string header"
            (length,) = struct.unpack_from(">H", data, cursor + 2 + size)
            headers[name] = data[cursor + 4 + size : cursor + 4 + size + length].decode()
            cursor += 4 + size + length
        yield headers, data[cursor : offset + total - 4]
        offset += total


def test_event_stream_bytes_are_what_botocore_decodes(fleet: MockFleet) -> None:
    eventstream = pytest.importorskip("botocore.eventstream")
    provider = CATALOGUE.get("bedrock")
    endpoint = next(e for e in provider.endpoints if e.key == "converse_stream")
    response, _ = send(fleet, provider, endpoint, wires.get(endpoint.wire).minimal_request(provider.litellm_model))
    buffer = eventstream.EventStreamBuffer()
    buffer.add_data(response.content)
    kinds = [message.headers[":event-type"] for message in buffer]
    assert kinds[0] == "messageStart" and kinds[-2:] == ["messageStop", "metadata"]


# -- value and model rules that decide verdicts (each cites its evidence in the schema) ------------
def _chat(provider: str, **extra: Any) -> tuple[Provider, Endpoint, dict[str, Any]]:
    p = CATALOGUE.get(provider)
    endpoint = next(e for e in p.endpoints if e.key == "chat")
    return p, endpoint, {**wires.get(endpoint.wire).minimal_request(p.litellm_model), **extra}


def _two_systems(body: dict[str, Any]) -> None:
    body["messages"] = [{"role": "system", "content": "a"}, {"role": "system", "content": "b"}, *body["messages"]]


RULES = [
    ("minimax: one system message, first", "minimax", {}, _two_systems, "messages[1].role"),
    ("zai: tool_choice auto only", "zai", {"tool_choice": "required"}, None, "tool_choice"),
    ("zai: reasoning_effort is GLM-5 only", "zai", {"reasoning_effort": "high"}, None, "reasoning_effort"),
    (
        "mistral: nine-character tool-call ids",
        "mistral",
        {},
        lambda b: b["messages"].append({"role": "tool", "content": "ok", "tool_call_id": "call_0001"}),
        "messages[1].tool_call_id",
    ),
    (
        "xai: no reasoning effort on grok-4-1-fast",
        "xai",
        {"model": "grok-4-1-fast-reasoning", "reasoning_effort": "low"},
        None,
        "reasoning_effort",
    ),
    (
        "volcengine: max_tokens excludes max_completion_tokens",
        "volcengine",
        {"max_completion_tokens": 9},
        None,
        "max_tokens",
    ),
    (
        "ollama_chat: content is a string",
        "ollama_chat",
        {},
        lambda b: b["messages"][0].update(content=[{"type": "text"}]),
        "messages[0].content",
    ),
]


@pytest.mark.parametrize(("name", "provider", "extra", "mutate", "path"), RULES, ids=[r[0] for r in RULES])
def test_value_rule_is_refused_with_the_value_envelope(
    fleet: MockFleet, name: str, provider: str, extra: dict[str, Any], mutate: Any, path: str
) -> None:
    p, endpoint, body = _chat(provider, **copy.deepcopy(extra))
    if mutate is not None:
        mutate(body)
    response, call = send(fleet, p, endpoint, body)
    values = [v for v in call.violations if v.kind == "value"]
    assert [v.dotted() for v in values] == [path], call.violations
    assert response.status_code == endpoint.invalid_value_error.status


def test_the_rules_do_not_fire_on_what_the_provider_allows(fleet: MockFleet) -> None:
    p, endpoint, body = _chat("xai", model="grok-4.3", reasoning_effort="low")
    assert send(fleet, p, endpoint, body)[1].violations == []
    p, endpoint, body = _chat("zai", model="glm-5.2", reasoning_effort="high", tool_choice="auto")
    assert send(fleet, p, endpoint, body)[1].violations == []
    p, endpoint, body = _chat("mistral")
    body["messages"].append({"role": "tool", "content": "ok", "tool_call_id": "a1B2c3D4e"})
    assert send(fleet, p, endpoint, body)[1].violations == []


def test_every_provider_has_a_row_in_the_docs() -> None:
    table = (ROOT / "docs" / "providers.md").read_text(encoding="utf-8")
    missing = [p.name for p in CATALOGUE.providers if f"| {p.name} | `{p.litellm_prefix}/` |" not in table]
    assert not missing, f"add a row to docs/providers.md for: {', '.join(missing)}"
