"""Scrubbing a recorded request: secrets dropped, per-run noise replaced by stable placeholders.

A diff in a re-recorded cassette must mean that Codex itself changed: so dates, time zones, UUIDs, timings,
temporary paths and the recording machine's OS are rewritten, and credential headers are dropped outright.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from ...codex.config import TIMEZONE
from ...errors import RecordError

#: What the temporary HOME/CODEX_HOME paths are rewritten to in cassettes.
HOME_PLACEHOLDER = "/tmp/codex-contracts-home"
DATE_PLACEHOLDER = "2000-01-01"
TIMEZONE_PLACEHOLDER = TIMEZONE
TIMESTAMP_MS_PLACEHOLDER = 1_700_000_000_000
#: Epoch seconds, as a float where Codex sends a float (the type is part of the body's shape).
TIMESTAMP_S_PLACEHOLDER = 1_700_000_000

#: Header names that can carry a credential. Dropped outright: a placeholder would only look like one.
_SECRET_HEADER_RE = re.compile(r"key|token|secret|cookie|auth|passw|credential|signature", re.IGNORECASE)
#: Names matching ``_SECRET_HEADER_RE`` that are known to carry no secret (none so far).
_SAFE_HEADERS: frozenset[str] = frozenset()
#: Transport headers: they change with the port and with scrubbing, and every client recomputes them.
_TRANSPORT_HEADERS = frozenset({"content-length", "host", "connection"})
_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_TIMESTAMP_KEYS = frozenset({"turn_started_at_unix_ms"})
#: Epoch-seconds keys inside the named object: ``input[*].internal_chat_message_metadata_passthrough
#: .create_time`` (a float; Codex 0.169.0+ sends it to a provider named OpenAI or Azure).
_SECONDS_KEYS = frozenset({("internal_chat_message_metadata_passthrough", "create_time")})
#: Objects whose key order Codex does not keep stable from run to run (a Rust HashMap): sorted.
_UNORDERED_OBJECTS = frozenset({("client_metadata",)})


def _zero_digits(match: re.Match[str]) -> str:
    return re.sub(r"\d+", lambda m: "0" * len(m.group()) if m.start() else "0", match.group())


#: Text rewrites applied to every string (header values, JSON strings, JSON embedded in strings).
_TEXT_RULES: tuple[tuple[re.Pattern[str], Any], ...] = (
    (re.compile(r"<current_date>[^<]*</current_date>"), f"<current_date>{DATE_PLACEHOLDER}</current_date>"),
    (re.compile(r"<timezone>[^<]*</timezone>"), f"<timezone>{TIMEZONE_PLACEHOLDER}</timezone>"),
    # exec_command output: a random chunk id and the measured wall time.
    (re.compile(r"Chunk ID: [0-9A-Za-z]+"), "Chunk ID: 000000"),
    (re.compile(r"Wall time: \d+(?:\.\d+)? seconds"), _zero_digits),
    # The turn start time when it sits in JSON text that could not be rewritten structurally.
    (
        re.compile(r'(\\*"turn_started_at_unix_ms\\*":)\d+'),
        lambda m: f"{m.group(1)}{TIMESTAMP_MS_PLACEHOLDER}",
    ),
)
#: ``codex_exec/0.169.0 (Debian 12.0.0; x86_64) xterm (...)``: the OS is the recording machine's.
_USER_AGENT_OS_RE = re.compile(r"^(\S+) \([^)]*\)")


Json = Any


def _dumps(value: Json) -> str:
    """The one serialization rule for request bodies and for JSON embedded in strings."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _shape(value: Json) -> Json:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return type(value).__name__


class Scrubber:
    """Rewrites secrets and per-run noise; one instance per cassette so placeholders are shared.

    UUIDs become ``00000000-0000-7000-8000-<n>`` numbered in order of first appearance, so the same
    thread id keeps the same placeholder in every header, body and request of the cassette.
    """

    def __init__(self, literals: Sequence[tuple[str, str]] = ()) -> None:
        self._uuids: dict[str, str] = {}
        self._literals = sorted((p for p in literals if p[0]), key=lambda pair: -len(pair[0]))

    def _uuid(self, match: re.Match[str]) -> str:
        key = match.group().lower()
        if key not in self._uuids:
            self._uuids[key] = f"00000000-0000-7000-8000-{len(self._uuids) + 1:012d}"
        return self._uuids[key]

    def text(self, value: str) -> str:
        """Scrub free text: literal paths, UUIDs, dates, tool timings."""
        for old, new in self._literals:
            value = value.replace(old, new)
        value = _UUID_RE.sub(self._uuid, value)
        for pattern, replacement in _TEXT_RULES:
            value = pattern.sub(replacement, value)
        return value

    def string(self, value: str) -> str:
        """Scrub a string; JSON objects inside strings are scrubbed structurally and re-serialized."""
        stripped = value.strip()
        if stripped.startswith("{") and stripped.endswith("}"):
            try:
                embedded = json.loads(value)
            except ValueError:
                embedded = None
            # Only rewrite JSON the one rule reproduces, so text like tool arguments keeps its bytes.
            if isinstance(embedded, dict) and _dumps(embedded) == value:
                return _dumps(self.json(embedded))
        return self.text(value)

    def json(self, value: Json, path: tuple[str, ...] = ()) -> Json:
        """Scrub a parsed JSON value, keeping Codex's key order except in ``_UNORDERED_OBJECTS``."""
        if isinstance(value, dict):
            out: dict[str, Json] = {}
            for key, item in value.items():
                number = isinstance(item, (int, float)) and not isinstance(item, bool)
                if key in _TIMESTAMP_KEYS and isinstance(item, int) and number:
                    out[key] = TIMESTAMP_MS_PLACEHOLDER
                elif (*path[-1:], key) in _SECONDS_KEYS and number:
                    out[key] = type(item)(TIMESTAMP_S_PLACEHOLDER)
                else:
                    out[key] = self.json(item, (*path, key))
            if path in _UNORDERED_OBJECTS:
                out = dict(sorted(out.items()))
            return out
        if isinstance(value, list):
            return [self.json(item, path) for item in value]
        if isinstance(value, str):
            return self.string(value)
        return value

    def headers(self, headers: Sequence[tuple[str, str]]) -> dict[str, str]:
        """Drop credentials and transport headers; scrub the values of the rest."""
        kept: dict[str, str] = {}
        for name, value in headers:
            lowered = name.lower()
            if lowered in _TRANSPORT_HEADERS:
                continue
            if _SECRET_HEADER_RE.search(lowered) and lowered not in _SAFE_HEADERS:
                continue
            if lowered == "user-agent":  # the OS part names the recording machine's distribution
                kept[name] = self.string(_USER_AGENT_OS_RE.sub(r"\1 (Linux; x86_64)", value))
            else:
                kept[name] = self.string(value)
        return kept

    def body(self, raw: bytes) -> str:
        """Scrub a JSON request body; it must keep its exact shape, or scrubbing broke it."""
        parsed = json.loads(raw)
        scrubbed = self.json(parsed)
        if _shape(scrubbed) != _shape(parsed):
            raise RecordError("scrubbing changed the shape of a request body")
        return _dumps(scrubbed)
