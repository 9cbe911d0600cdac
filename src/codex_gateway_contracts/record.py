"""Record what the real Codex CLI sends into VCR.py cassettes (``codex-contracts-record``).

Codex is run for real (``codex exec``) against a loopback endpoint that speaks just enough of the
Responses API to finish a turn. Every request is scrubbed of secrets and run-to-run noise, so a diff in
a re-recorded cassette means Codex itself changed. ``--check`` re-records into a temp dir and compares
with the committed files: that is how "re-recording reproduces the cassettes exactly" is proven.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import difflib
import fcntl
import getpass
import http.server
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from vcr.request import Request
from vcr.serialize import deserialize, serialize
from vcr.serializers import yamlserializer

CASSETTE_URI = "http://127.0.0.1/v1/responses"
DEFAULT_OUT = Path("cassettes/codex")
DEFAULT_SCENARIOS = Path("cassettes/scenarios.yaml")
DEFAULT_TIMEOUT = 120.0
#: Fixed so the ``<cwd>`` Codex reports in its environment context is the same on every machine.
WORK_DIR = Path("/tmp/codex-contracts-work")
#: What the temporary HOME/CODEX_HOME paths are rewritten to in cassettes.
HOME_PLACEHOLDER = "/tmp/codex-contracts-home"
DATE_PLACEHOLDER = "2000-01-01"
TIMEZONE_PLACEHOLDER = "Etc/UTC"
TIMESTAMP_MS_PLACEHOLDER = 1_700_000_000_000
REPLY_KINDS = ("text", "reasoning", "function_call", "custom_tool_call")
DEFAULT_TEXT = "Hi! (recorded reply)"
DEFAULT_ARGUMENTS = '{"cmd": "echo hello-from-tool"}'
DEFAULT_PATCH = "*** Begin Patch\n*** Add File: hello.txt\n+hello from apply_patch\n*** End Patch\n"
DEFAULT_SUMMARY = "Thinking about how to answer."
_CREATED_AT = 1_700_000_000
_VERSION_RE = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")

# --- scrubbing rules ------------------------------------------------------------------------------

#: Header names that can carry a credential. Dropped outright: a placeholder would only look like one.
_SECRET_HEADER_RE = re.compile(r"key|token|secret|cookie|auth|passw|credential|signature", re.IGNORECASE)
#: Names matching ``_SECRET_HEADER_RE`` that are known to carry no secret (none so far).
_SAFE_HEADERS: frozenset[str] = frozenset()
#: Transport headers: they change with the port and with scrubbing, and every client recomputes them.
_TRANSPORT_HEADERS = frozenset({"content-length", "host", "connection"})
_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_TIMESTAMP_KEYS = frozenset({"turn_started_at_unix_ms"})
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


class RecordError(Exception):
    """A scenario could not be recorded; the message says what Codex or the endpoint did."""


# --- scenarios ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplySpec:
    """One scripted answer to one ``POST /v1/responses``."""

    kind: str
    text: str = DEFAULT_TEXT
    arguments: str = DEFAULT_ARGUMENTS
    patch: str = DEFAULT_PATCH
    summary: str = DEFAULT_SUMMARY


@dataclass(frozen=True)
class Scenario:
    """One Codex run (optionally followed by ``exec resume``), read from ``scenarios.yaml``."""

    name: str
    description: str
    model: str
    prompt: str
    replies: tuple[ReplySpec, ...]
    config: Mapping[str, Any] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    files: Mapping[str, str] = field(default_factory=dict)
    images: tuple[str, ...] = ()
    resume_prompt: str | None = None
    resume_replies: tuple[ReplySpec, ...] = ()

    @property
    def all_replies(self) -> tuple[ReplySpec, ...]:
        """Replies in the order Codex will ask for them, across both turns."""
        return self.replies + self.resume_replies


def _reply(raw: Any, where: str) -> ReplySpec:
    if isinstance(raw, str):
        raw = {"kind": raw}
    if not isinstance(raw, dict) or raw.get("kind") not in REPLY_KINDS:
        raise ValueError(f"{where}: a reply is one of {REPLY_KINDS} or a mapping with such a 'kind'")
    unknown = set(raw) - {"kind", "text", "arguments", "patch", "summary"}
    if unknown:
        raise ValueError(f"{where}: unknown reply keys {sorted(unknown)}")
    return ReplySpec(**{k: str(v) for k, v in raw.items()})


def load_scenarios(path: Path) -> list[Scenario]:
    """Parse and validate the scenario file; errors name the scenario so a typo is found quickly."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = data.get("scenarios") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: expected a top-level 'scenarios' list")
    allowed = {"name", "description", "model", "prompt", "replies", "config", "args", "files", "images", "resume"}
    scenarios: list[Scenario] = []
    for entry in entries:
        name = entry.get("name") if isinstance(entry, dict) else None
        where = f"{path}: scenario {name!r}"
        if not isinstance(entry, dict) or not isinstance(name, str) or not _NAME_RE.match(name):
            raise ValueError(f"{where}: needs a lower_snake_case 'name'")
        if unknown := set(entry) - allowed:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        missing = {"description", "model", "prompt", "replies"} - set(entry)
        if missing:
            raise ValueError(f"{where}: missing keys {sorted(missing)}")
        resume = entry.get("resume") or {}
        scenarios.append(
            Scenario(
                name=name,
                description=str(entry["description"]).strip(),
                model=str(entry["model"]),
                prompt=str(entry["prompt"]),
                replies=tuple(_reply(r, where) for r in entry["replies"]),
                config=dict(entry.get("config") or {}),
                args=tuple(str(a) for a in entry.get("args") or ()),
                files={str(k): str(v) for k, v in (entry.get("files") or {}).items()},
                images=tuple(str(i) for i in entry.get("images") or ()),
                resume_prompt=str(resume["prompt"]) if resume else None,
                resume_replies=tuple(_reply(r, where) for r in resume.get("replies", ())),
            )
        )
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: duplicate scenario names")
    return scenarios


def tiny_png(rgb: tuple[int, int, int] = (255, 0, 0), size: int = 8) -> bytes:
    """A valid ``size``x``size`` PNG, byte-identical on every machine (stored, uncompressed deflate)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 0)) + chunk(b"IEND", b"")


# --- scripted Responses API stream ---------------------------------------------------------------


class ReplyScript:
    """Builds the SSE answers; ids come from counters so a re-recording is byte-identical."""

    def __init__(self, model: str) -> None:
        self.model = model
        self._counters: dict[str, int] = {}

    def _id(self, prefix: str) -> str:
        self._counters[prefix] = self._counters.get(prefix, 0) + 1
        return f"{prefix}_{self._counters[prefix]:04d}"

    def sse(self, reply: ReplySpec) -> str:
        """The full event sequence of one streamed response (research doc section 6)."""
        events: list[dict[str, Any]] = []
        response = {
            "id": self._id("resp"),
            "object": "response",
            "created_at": _CREATED_AT,
            "status": "in_progress",
            "model": self.model,
            "output": [],
        }
        events.append({"type": "response.created", "response": response})
        events.append({"type": "response.in_progress", "response": response})
        output: list[dict[str, Any]] = []
        if reply.kind == "reasoning":
            output.append(self._reasoning(events, len(output), reply))
            output.append(self._message(events, len(output), reply.text))
        elif reply.kind == "text":
            output.append(self._message(events, len(output), reply.text))
        elif reply.kind == "function_call":
            output.append(self._function_call(events, len(output), reply.arguments))
        else:
            output.append(self._custom_tool_call(events, len(output), reply.patch))
        reasoning_tokens = 8 if reply.kind == "reasoning" else 0
        usage = {
            "input_tokens": 100,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 20,
            "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "total_tokens": 120,
        }
        done = {**response, "status": "completed", "output": output, "usage": usage}
        events.append({"type": "response.completed", "response": done})
        lines = []
        for number, event in enumerate(events):
            data = {"type": event["type"], "sequence_number": number, **event}
            lines.append(f"event: {event['type']}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n")
        return "".join(lines)

    @staticmethod
    def _halves(text: str) -> list[str]:
        middle = max(1, len(text) // 2)
        return [text[:middle], text[middle:]]

    def _message(self, events: list[dict[str, Any]], index: int, text: str) -> dict[str, Any]:
        item_id = self._id("msg")
        part = {"type": "output_text", "text": text, "annotations": []}
        at = {"item_id": item_id, "output_index": index, "content_index": 0}
        added = {"type": "message", "id": item_id, "status": "in_progress", "role": "assistant", "content": []}
        events.append({"type": "response.output_item.added", "output_index": index, "item": added})
        events.append({"type": "response.content_part.added", **at, "part": {**part, "text": ""}})
        events.extend({"type": "response.output_text.delta", **at, "delta": d} for d in self._halves(text))
        events.append({"type": "response.output_text.done", **at, "text": text})
        events.append({"type": "response.content_part.done", **at, "part": part})
        item = {**added, "status": "completed", "content": [part]}
        events.append({"type": "response.output_item.done", "output_index": index, "item": item})
        return item

    def _reasoning(self, events: list[dict[str, Any]], index: int, reply: ReplySpec) -> dict[str, Any]:
        item_id = self._id("rs")
        at = {"item_id": item_id, "output_index": index, "summary_index": 0}
        part = {"type": "summary_text", "text": reply.summary}
        # Opaque to Codex, which only sends it back: deterministic bytes in the Fernet-like shape.
        opaque = base64.urlsafe_b64encode(f"codex-gateway-contracts reasoning {item_id}".encode()).decode()
        events.append(
            {
                "type": "response.output_item.added",
                "output_index": index,
                "item": {"type": "reasoning", "id": item_id, "summary": []},
            }
        )
        events.append({"type": "response.reasoning_summary_part.added", **at, "part": {**part, "text": ""}})
        events.append({"type": "response.reasoning_summary_text.delta", **at, "delta": reply.summary})
        events.append({"type": "response.reasoning_summary_text.done", **at, "text": reply.summary})
        events.append({"type": "response.reasoning_summary_part.done", **at, "part": part})
        item = {"type": "reasoning", "id": item_id, "summary": [part], "encrypted_content": f"gAAAAB{opaque}"}
        events.append({"type": "response.output_item.done", "output_index": index, "item": item})
        return item

    def _function_call(self, events: list[dict[str, Any]], index: int, arguments: str) -> dict[str, Any]:
        item_id, call_id = self._id("fc"), self._id("call")
        added = {
            "type": "function_call",
            "id": item_id,
            "status": "in_progress",
            "name": "exec_command",
            "arguments": "",
            "call_id": call_id,
        }
        at = {"item_id": item_id, "output_index": index}
        events.append({"type": "response.output_item.added", "output_index": index, "item": added})
        events.append({"type": "response.function_call_arguments.delta", **at, "delta": arguments})
        events.append({"type": "response.function_call_arguments.done", **at, "arguments": arguments})
        item = {**added, "status": "completed", "arguments": arguments}
        events.append({"type": "response.output_item.done", "output_index": index, "item": item})
        return item

    def _custom_tool_call(self, events: list[dict[str, Any]], index: int, patch: str) -> dict[str, Any]:
        item_id, call_id = self._id("ctc"), self._id("call")
        added = {
            "type": "custom_tool_call",
            "id": item_id,
            "status": "in_progress",
            "call_id": call_id,
            "name": "apply_patch",
            "input": "",
        }
        at = {"item_id": item_id, "output_index": index}
        events.append({"type": "response.output_item.added", "output_index": index, "item": added})
        events.append({"type": "response.custom_tool_call_input.delta", **at, "delta": patch})
        events.append({"type": "response.custom_tool_call_input.done", **at, "input": patch})
        item = {**added, "status": "completed", "input": patch}
        events.append({"type": "response.output_item.done", "output_index": index, "item": item})
        return item


def response_item_types(sse_text: str) -> list[str]:
    """Types of the ``response.output_item.done`` items in a recorded stream: what the mock must answer."""
    types: list[str] = []
    for line in sse_text.splitlines():
        if line.startswith("data:"):
            event = json.loads(line[5:])
            if event.get("type") == "response.output_item.done":
                types.append(str(event["item"]["type"]))
    return types


# --- capture endpoint ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    """One raw request Codex sent, and the stream it was answered with."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    response: str


class CaptureServer:
    """Loopback Responses endpoint: answers each ``POST /v1/responses`` with the next scripted reply."""

    def __init__(self, model: str, replies: Sequence[ReplySpec]) -> None:
        self.exchanges: list[Exchange] = []
        self.errors: list[str] = []
        self._script = ReplyScript(model)
        self._replies = list(replies)
        self._lock = threading.Lock()
        capture = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                capture._handle(self)

            def do_GET(self) -> None:
                capture._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                """Keep Codex's console output readable; requests are recorded, not logged."""

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The free port the OS picked."""
        return int(self._httpd.server_address[1])

    def __enter__(self) -> CaptureServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _handle(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("content-length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = tuple((k, v) for k, v in handler.headers.items())
        with self._lock:
            problem = None
            if handler.command != "POST" or handler.path != "/v1/responses":
                problem = f"unexpected request {handler.command} {handler.path}"
            elif handler.headers.get("content-encoding"):
                problem = f"compressed body ({handler.headers['content-encoding']}) is not supported"
            elif not self._replies:
                problem = f"request {len(self.exchanges) + 1} has no scripted reply left"
            if problem:
                self.errors.append(problem)
                handler.send_error(500, problem)
                return
            sse = self._script.sse(self._replies.pop(0))
            self.exchanges.append(Exchange(handler.command, handler.path, headers, body, sse))
        payload = sse.encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    @property
    def unused_replies(self) -> int:
        """Scripted replies Codex never asked for (the scenario expects more requests than were sent)."""
        return len(self._replies)


# --- running Codex -------------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    raise ValueError(f"config value {value!r} is not a TOML scalar")


def render_config(scenario: Scenario, base_url: str) -> str:
    """The scenario's ``config.toml``; retries are off so a broken reply fails at once."""
    lines = [
        f"model = {_toml_value(scenario.model)}",
        'model_provider = "capture"',
        'approval_policy = "never"',
        'sandbox_mode = "danger-full-access"',
        *(f"{key} = {_toml_value(value)}" for key, value in scenario.config.items()),
        "",
        "[model_providers.capture]",
        'name = "Capture"',
        f"base_url = {_toml_value(base_url)}",
        'wire_api = "responses"',
        'env_key = "CAPTURE_API_KEY"',
        "stream_max_retries = 0",
        "request_max_retries = 0",
        "",
    ]
    return "\n".join(lines)


@contextlib.contextmanager
def _work_dir_lock() -> Iterator[None]:
    """The work dir has a fixed path, so two recorders must not share it at the same time."""
    with open(f"{WORK_DIR}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _codex_env(home: Path, api_key: str) -> dict[str, str]:
    """A pinned environment: nothing of the user's (keys, proxies, locale) reaches Codex."""
    path = ["/usr/local/bin", "/usr/bin", "/bin"]
    node = shutil.which("node")
    if node:  # only needed when --codex-bin is the npm JS launcher
        path.insert(0, str(Path(node).parent))
    return {
        "HOME": str(home),
        "CODEX_HOME": str(home / ".codex"),
        "PATH": ":".join(dict.fromkeys(path)),
        "SHELL": "/bin/bash",
        "TERM": "xterm",
        "LANG": "C.UTF-8",
        "TZ": TIMEZONE_PLACEHOLDER,
        "NO_PROXY": "127.0.0.1,localhost",
        "CAPTURE_API_KEY": api_key,
    }


def codex_env(home: Path, api_key: str) -> dict[str, str]:
    """Public wrapper of the pinned Codex environment (``HOME``, ``CODEX_HOME``; key in ``CAPTURE_API_KEY``)."""
    return _codex_env(home, api_key)


def default_cache_dir() -> Path:
    """Where Codex is npm-installed unless told otherwise: ``$CODEX_CONTRACTS_CACHE`` or the user cache."""
    env_cache = os.environ.get("CODEX_CONTRACTS_CACHE")
    return Path(env_cache).expanduser() if env_cache else Path.home() / ".cache" / "codex-gateway-contracts" / "codex"


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _run_codex(binary: Path, args: Sequence[str], env: Mapping[str, str], timeout: float) -> None:
    with subprocess.Popen(
        [str(binary), *args],
        cwd=WORK_DIR,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so a timeout can kill the shells Codex started too
    ) as proc:
        try:
            _, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            _, stderr = proc.communicate()
            raise RecordError(
                f"codex {' '.join(args[:2])} timed out after {timeout:.0f}s; stderr tail:\n{_tail(stderr)}"
            ) from None
    if proc.returncode != 0:
        raise RecordError(
            f"codex {' '.join(args[:2])} exited with code {proc.returncode}; stderr tail:\n{_tail(stderr)}"
        )


@dataclass(frozen=True)
class Capture:
    """The raw exchanges of one scenario run, and the run-specific strings to scrub from them."""

    exchanges: list[Exchange]
    replacements: list[tuple[str, str]]
    forbidden: list[str]


def capture_scenario(binary: Path, scenario: Scenario, timeout: float) -> Capture:
    """Run Codex for one scenario (both turns if it resumes) against a fresh capture endpoint."""
    api_key = f"capture-dummy-{secrets.token_hex(8)}"
    with _work_dir_lock(), tempfile.TemporaryDirectory(prefix="codex-contracts-home-") as home_dir:
        home = Path(home_dir)
        (home / ".codex").mkdir()
        shutil.rmtree(WORK_DIR, ignore_errors=True)
        WORK_DIR.mkdir(parents=True)
        for name, content in scenario.files.items():
            (WORK_DIR / name).write_text(content, encoding="utf-8")
        for name in scenario.images:
            (WORK_DIR / name).write_bytes(tiny_png())
        with CaptureServer(scenario.model, scenario.all_replies) as server:
            base_url = f"http://127.0.0.1:{server.port}/v1"
            (home / ".codex" / "config.toml").write_text(render_config(scenario, base_url), encoding="utf-8")
            env = _codex_env(home, api_key)
            try:
                _run_codex(binary, ["exec", "--skip-git-repo-check", *scenario.args, scenario.prompt], env, timeout)
                if scenario.resume_prompt is not None:
                    resume = ["exec", "resume", "--last", "--skip-git-repo-check", scenario.resume_prompt]
                    _run_codex(binary, resume, env, timeout)
            except RecordError as exc:
                if server.errors:
                    raise RecordError(f"{exc}\ncapture endpoint: {'; '.join(server.errors)}") from None
                raise
        shutil.rmtree(WORK_DIR, ignore_errors=True)
    if server.errors:
        raise RecordError(f"capture endpoint: {'; '.join(server.errors)}")
    if server.unused_replies:
        raise RecordError(
            f"Codex sent {len(server.exchanges)} request(s) but the scenario scripts "
            f"{len(scenario.all_replies)} replies: fix the scenario's replies"
        )
    replacements = [
        (home_dir, HOME_PLACEHOLDER),
        (os.path.realpath(home_dir), HOME_PLACEHOLDER),
        (f"127.0.0.1:{server.port}", "127.0.0.1"),
    ]
    return Capture(server.exchanges, replacements, [api_key, home_dir])


# --- scrubbing -----------------------------------------------------------------------------------

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
                if key in _TIMESTAMP_KEYS and isinstance(item, int) and not isinstance(item, bool):
                    out[key] = TIMESTAMP_MS_PLACEHOLDER
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


# --- cassettes -----------------------------------------------------------------------------------


def build_cassette(capture: Capture) -> str:
    """Scrub the exchanges and serialize them with VCR.py's own YAML serializer."""
    scrubber = Scrubber(capture.replacements)
    requests, responses = [], []
    for exchange in capture.exchanges:
        headers = scrubber.headers(exchange.headers)
        body = scrubber.body(exchange.body)
        requests.append(Request(exchange.method, CASSETTE_URI, body, headers))
        responses.append(
            {
                "status": {"code": 200, "message": "OK"},
                "headers": {"content-type": ["text/event-stream"]},
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


def write_atomic(path: Path, text: str) -> None:
    """Temp file + rename: a failed run never leaves a half-written cassette behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; cassettes are ordinary repo files
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


# --- installing Codex ----------------------------------------------------------------------------


def find_codex_binary(install_dir: Path) -> Path | None:
    """The native binary inside an npm install (its folder differs by version), else the npm launcher."""
    modules = install_dir / "node_modules"
    for vendor in sorted(modules.glob("@openai/codex-*/vendor")):
        for candidate in sorted(vendor.rglob("codex")):
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
    launcher = modules / ".bin" / "codex"
    return launcher if launcher.exists() else None


def codex_version(binary: Path) -> str:
    """The version the binary reports (``codex-cli 0.169.0`` → ``0.169.0``)."""
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=60, check=False)
    words = out.stdout.split()
    if out.returncode != 0 or not words:
        raise RecordError(f"{binary} --version failed ({out.returncode}): {_tail(out.stderr)}")
    return words[-1]


def ensure_codex(version: str, cache_root: Path) -> Path:
    """Install ``@openai/codex@<version>`` from npm once; later runs reuse the install."""
    target = cache_root / version
    binary = find_codex_binary(target)
    if binary and codex_version(binary) == version:
        return binary
    if shutil.which("npm") is None:
        raise RecordError("npm is needed to install Codex; or pass --codex-bin")
    cache_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=cache_root))
    print(f"installing @openai/codex@{version} into {target} ...", file=sys.stderr, flush=True)
    try:
        result = subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(staging),
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                f"@openai/codex@{version}",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if result.returncode != 0:
            raise RecordError(f"npm install @openai/codex@{version} failed:\n{_tail(result.stderr)}")
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    binary = find_codex_binary(target)
    if binary is None:
        raise RecordError(f"no codex binary found under {target}/node_modules")
    return binary


# --- check mode ----------------------------------------------------------------------------------


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


# --- command line --------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codex-contracts-record",
        description="Record real Codex CLI requests into VCR.py cassettes (one per Codex version and scenario).",
    )
    parser.add_argument(
        "--version",
        action="append",
        default=[],
        metavar="V",
        help="Codex version to record (repeatable; default: every version under --out)",
    )
    parser.add_argument(
        "--scenario", action="append", default=[], metavar="NAME", help="scenario to record (repeatable; default: all)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="cassette root (default: %(default)s)")
    parser.add_argument(
        "--scenarios", type=Path, default=DEFAULT_SCENARIOS, help="scenario file (default: %(default)s)"
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="where Codex is npm-installed (default: $CODEX_CONTRACTS_CACHE or ~/.cache/codex-gateway-contracts/codex)",
    )
    parser.add_argument("--codex-bin", type=Path, default=None, help="use this Codex binary instead of npm")
    parser.add_argument(
        "--check", action="store_true", help="record into a temp dir and fail if anything differs from --out"
    )
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per Codex run")
    return parser


def _versions(args: argparse.Namespace) -> list[str]:
    if args.version:
        versions: list[str] = list(dict.fromkeys(args.version))
    elif args.codex_bin:
        versions = [codex_version(args.codex_bin)]
    else:
        versions = sorted(p.name for p in args.out.glob("*") if p.is_dir() and _VERSION_RE.match(p.name))
    if not versions:
        raise RecordError("no --version given and none recorded under --out")
    if bad := [v for v in versions if not _VERSION_RE.match(v)]:
        raise RecordError(f"not a Codex version: {', '.join(bad)}")
    if args.codex_bin and len(versions) > 1:
        raise RecordError("--codex-bin is one binary: give at most one --version")
    return versions


def _binary(args: argparse.Namespace, version: str) -> Path:
    if args.codex_bin:
        binary: Path = args.codex_bin.resolve()
    else:
        env_cache = os.environ.get("CODEX_CONTRACTS_CACHE")
        default = Path.home() / ".cache" / "codex-gateway-contracts" / "codex"
        cache: Path = args.cache_dir or (Path(env_cache) if env_cache else default)
        binary = ensure_codex(version, cache.expanduser())
    reported = codex_version(binary)
    if reported != version:
        raise RecordError(f"{binary} reports version {reported}, not {version}")
    return binary


def main(argv: list[str] | None = None) -> int:
    """Record (or ``--check``) the selected scenarios for each selected Codex version."""
    args = _parser().parse_args(argv)
    try:
        scenarios = load_scenarios(args.scenarios)
        if unknown := set(args.scenario) - {s.name for s in scenarios}:
            raise RecordError(f"unknown scenario(s): {', '.join(sorted(unknown))}")
        selected = [s for s in scenarios if not args.scenario or s.name in args.scenario]
        versions = _versions(args)
        with tempfile.TemporaryDirectory(prefix="codex-contracts-check-") as check_dir:
            target_root = Path(check_dir) if args.check else args.out
            for version in versions:
                binary = _binary(args, version)
                for scenario in selected:
                    started = time.monotonic()
                    try:
                        capture = capture_scenario(binary, scenario, args.timeout)
                        text = build_cassette(capture)
                    except (RecordError, ValueError) as exc:  # ValueError: a body that is not JSON
                        raise RecordError(f"{version} {scenario.name}: {exc}") from None
                    write_atomic(target_root / version / f"{scenario.name}.yaml", text)
                    count = len(capture.exchanges)
                    print(
                        f"{version} {scenario.name}: {count} request{'s' * (count != 1)}, "
                        f"{sum(len(e.body) for e in capture.exchanges):,} body bytes as sent, "
                        f"{len(text.encode()):,} cassette bytes, {time.monotonic() - started:.1f}s",
                        flush=True,
                    )
            if args.check:
                return _compare(Path(check_dir), args.out, versions, selected, complete=not args.scenario)
    except (RecordError, ValueError, OSError) as exc:
        print(f"codex-contracts-record: error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ValueError) else 1
    return 0


def _compare(
    recorded: Path, committed: Path, versions: Sequence[str], scenarios: Sequence[Scenario], *, complete: bool
) -> int:
    problems = 0
    for version in versions:
        for scenario in scenarios:
            new = (recorded / version / f"{scenario.name}.yaml").read_text(encoding="utf-8")
            old_path = committed / version / f"{scenario.name}.yaml"
            if not old_path.exists():
                print(f"DIFF {old_path}: not committed")
                problems += 1
                continue
            old = old_path.read_text(encoding="utf-8")
            if old != new:
                problems += 1
                print(f"DIFF {old_path}:")
                for line in describe_difference(old, new):
                    print(f"  {line}")
        if complete:
            expected = {f"{s.name}.yaml" for s in scenarios}
            for stale in sorted((committed / version).glob("*.yaml")):
                if stale.name not in expected:
                    print(f"DIFF {stale}: committed but not a scenario any more")
                    problems += 1
    if problems:
        print(f"check failed: {problems} cassette(s) differ from a fresh recording")
        return 1
    print("check passed: a fresh recording reproduces the committed cassettes byte for byte")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
