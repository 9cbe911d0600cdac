"""Reading cassettes for replay: each interaction's path, and the reply plan from a stream or a JSON answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from vcr.request import Request
from vcr.serialize import serialize
from vcr.serializers import yamlserializer

from codex_gateway_contracts.core.cassettes import ReplyItem, load
from codex_gateway_contracts.errors import CassetteError

BODY = json.dumps({"model": "gpt-5.5", "input": [{"role": "user", "content": "hi"}]})
COMPACTED = {
    "id": "resp_1",
    "object": "response.compaction",
    "output": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
        {"type": "compaction", "id": "cmp_1", "encrypted_content": "gAAAAB-x"},
    ],
}


def write(tmp_path: Path, uri: str, body: str, headers: dict[str, list[str]] | None) -> Path:
    response = {"status": {"code": 200, "message": "OK"}, "body": {"string": body}}
    if headers is not None:
        response["headers"] = headers
    text = serialize({"requests": [Request("POST", uri, BODY, {})], "responses": [response]}, yamlserializer)
    path = tmp_path / "0.130.0" / "case.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_json_answer_on_the_compact_path_is_read_from_its_output(tmp_path: Path) -> None:
    json_reply = {"content-type": ["application/json"]}
    path = write(tmp_path, "http://127.0.0.1/v1/responses/compact", json.dumps(COMPACTED), json_reply)
    (interaction,) = load(path).interactions
    assert interaction.path == "/v1/responses/compact" and interaction.compaction == "endpoint"
    assert interaction.reply == (ReplyItem("user_message", text="hi"), ReplyItem("compaction", text="gAAAAB-x"))


def test_a_cassette_without_content_types_is_read_as_streams(tmp_path: Path) -> None:
    item = {"type": "message", "content": [{"type": "output_text", "text": "hello"}]}
    sse = (
        f"event: response.output_item.done\ndata: {json.dumps({'type': 'response.output_item.done', 'item': item})}\n\n"
    )
    (interaction,) = load(write(tmp_path, "http://127.0.0.1/v1/responses", sse, None)).interactions
    assert interaction.path == "/v1/responses" and interaction.reply == (ReplyItem("text", text="hello"),)


def test_a_path_replay_does_not_know_is_refused_by_name(tmp_path: Path) -> None:
    path = write(tmp_path, "http://127.0.0.1/v1/chat/completions", "", None)
    with pytest.raises(CassetteError, match=r"interaction 0 was sent to /v1/chat/completions"):
        load(path)


def test_a_recorded_json_answer_that_is_not_json_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "http://127.0.0.1/v1/responses/compact", "{not json", {"content-type": ["application/json"]})
    with pytest.raises(CassetteError, match=r"interaction 0: the recorded JSON reply is not JSON"):
        load(path)
