"""Cassettes from captures, and the difference between two of them.

A capture is scrubbed, serialized with VCR.py's own YAML serializer and checked for leaks; ``--check``
compares a fresh recording with the committed cassette by header name and JSON path.
"""

from __future__ import annotations

import difflib
import getpass
import json
import re
import socket
from collections.abc import Sequence
from http import HTTPStatus
from pathlib import Path
from typing import Any

from vcr.request import Request
from vcr.serialize import deserialize, serialize
from vcr.serializers import yamlserializer

from ...errors import RecordError
from .capture import Capture
from .scrub import Json, Scrubber

#: Where every recorded request is said to go: the recording port is dropped, the path is kept.
CASSETTE_ORIGIN = "http://127.0.0.1"


def build_cassette(capture: Capture) -> str:
    """Scrub the exchanges and serialize them with VCR.py's own YAML serializer.

    Each interaction keeps the request's real path (``/v1/responses``, ``/v1/responses/compact``) and the
    status, content type and body it was answered with.
    """
    scrubber = Scrubber(capture.replacements)
    requests, responses = [], []
    for exchange in capture.exchanges:
        headers = scrubber.headers(exchange.headers)
        body = scrubber.body(exchange.body)
        requests.append(Request(exchange.method, f"{CASSETTE_ORIGIN}{exchange.path}", body, headers))
        responses.append(
            {
                "status": {"code": exchange.status, "message": HTTPStatus(exchange.status).phrase},
                "headers": {"content-type": [exchange.content_type]},
                "body": {"string": exchange.response},
            }
        )
    text = str(serialize({"requests": requests, "responses": responses}, yamlserializer))
    _check_no_leaks(text, capture.forbidden)
    return text


def _check_no_leaks(text: str, literals: Sequence[str]) -> None:
    """Refuse to write a cassette that still names the machine, the user or the dummy key."""
    needles = {literal: "a recording-time path or key" for literal in literals if literal}
    home = str(Path.home())
    if home not in ("/", ""):
        needles[f"{home}/"] = "the real home directory"
    needles[f"/home/{getpass.getuser()}/"] = "the user name"
    host = socket.gethostname()
    found = [what for needle, what in needles.items() if needle in text]
    if len(host) >= 4 and re.search(rf"\b{re.escape(host)}\b", text):
        found.append("the host name")
    if found:
        raise RecordError(f"scrubbing left {', '.join(sorted(set(found)))} in the cassette")


def load_cassette(text: str) -> tuple[list[Any], list[Any]]:
    """Requests and responses of a cassette, read back with VCR.py."""
    loaded = deserialize(text, yamlserializer)
    return list(loaded[0]), list(loaded[1])


def _flatten(value: Json, prefix: str = "$") -> dict[str, str]:
    if isinstance(value, dict):
        out: dict[str, str] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}"))
        return out or {prefix: "{}"}
    if isinstance(value, list):
        out = {}
        for index, item in enumerate(value):
            out.update(_flatten(item, f"{prefix}[{index}]"))
        return out or {prefix: "[]"}
    text = json.dumps(value, ensure_ascii=False)
    return {prefix: text if len(text) <= 80 else f"{text[:77]}..."}


def describe_difference(old: str, new: str, limit: int = 30) -> list[str]:
    """What changed between two cassettes, as header names and body JSON paths (not YAML lines)."""
    try:
        old_requests, old_responses = load_cassette(old)
        new_requests, new_responses = load_cassette(new)
    except Exception:  # an unreadable committed cassette: fall back to a text diff
        return list(difflib.unified_diff(old.splitlines(), new.splitlines(), "committed", "recorded", lineterm=""))[
            :limit
        ]
    lines: list[str] = []
    if len(old_requests) != len(new_requests):
        lines.append(f"requests: {len(old_requests)} committed, {len(new_requests)} recorded")
    for index, (before, after) in enumerate(zip(old_requests, new_requests, strict=False)):
        if (before.method, before.uri) != (after.method, after.uri):
            lines.append(f"[{index}] request: {before.method} {before.uri} -> {after.method} {after.uri}")
        old_headers, new_headers = dict(before.headers), dict(after.headers)
        for name in sorted(set(old_headers) | set(new_headers)):
            if old_headers.get(name) != new_headers.get(name):
                lines.append(f"[{index}] header {name}: {old_headers.get(name)!r} -> {new_headers.get(name)!r}")
        old_body = _flatten(json.loads(before.body or b"null"))
        new_body = _flatten(json.loads(after.body or b"null"))
        for path in sorted(set(old_body) | set(new_body)):
            if old_body.get(path) != new_body.get(path):
                lines.append(
                    f"[{index}] body {path}: {old_body.get(path, '(absent)')} -> {new_body.get(path, '(absent)')}"
                )
        if index < len(old_responses) and index < len(new_responses) and old_responses[index] != new_responses[index]:
            lines.append(f"[{index}] recorded reply differs")
    if not lines:
        lines.append("same content, different bytes (YAML/PyYAML formatting)")
    return lines[:limit] + ([f"... {len(lines) - limit} more"] if len(lines) > limit else [])
