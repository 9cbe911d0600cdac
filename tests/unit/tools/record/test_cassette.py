"""Cassettes from captures, and --check's difference by header name and body path."""

from __future__ import annotations

import json

from codex_gateway_contracts.tools.record.capture import Capture
from codex_gateway_contracts.tools.record.cassette import build_cassette, describe_difference, load_cassette
from codex_gateway_contracts.tools.record.script import Exchange

from ...core.test_cassettes import CODEX, load


def test_check_diff_names_headers_and_body_paths() -> None:
    old = (CODEX / "0.169.0" / "basic.yaml").read_text(encoding="utf-8")
    rec = load(CODEX / "0.169.0" / "basic.yaml")[0]
    body = dict(rec.body, prompt_cache_retention="24h")
    capture = Capture(
        [Exchange("POST", "/v1/responses", tuple(rec.headers.items()), json.dumps(body).encode(), rec.response)],
        [],
        [],
    )
    lines = describe_difference(old, build_cassette(capture))
    assert lines == ['[0] body $.prompt_cache_retention: (absent) -> "24h"']


def test_cassette_keeps_each_request_s_path_status_and_content_type() -> None:
    body = json.dumps({"model": "m", "input": []}).encode()
    capture = Capture(
        [
            Exchange("POST", "/v1/responses/compact", (), body, '{"output":[]}', 200, "application/json"),
            Exchange("POST", "/v1/responses", (), body, "event: x\ndata: {}\n\n"),
        ],
        [],
        [],
    )
    requests, responses = load_cassette(build_cassette(capture))
    assert [r.uri for r in requests] == ["http://127.0.0.1/v1/responses/compact", "http://127.0.0.1/v1/responses"]
    assert [(r["status"], r["headers"]) for r in responses] == [
        ({"code": 200, "message": "OK"}, {"content-type": ["application/json"]}),
        ({"code": 200, "message": "OK"}, {"content-type": ["text/event-stream"]}),
    ]
    assert responses[0]["body"]["string"] == b'{"output":[]}'
    old = build_cassette(capture)
    moved = Capture([Exchange("POST", "/v1/responses", (), body, '{"output":[]}', 200, "application/json")], [], [])
    assert describe_difference(old, build_cassette(moved))[:2] == [
        "requests: 2 committed, 1 recorded",
        "[0] request: POST http://127.0.0.1/v1/responses/compact -> POST http://127.0.0.1/v1/responses",
    ]
