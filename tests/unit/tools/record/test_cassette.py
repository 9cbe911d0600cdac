"""Cassettes from captures, and --check's difference by header name and body path."""

from __future__ import annotations

import json

from codex_gateway_contracts.tools.record.capture import Capture
from codex_gateway_contracts.tools.record.cassette import build_cassette, describe_difference
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
