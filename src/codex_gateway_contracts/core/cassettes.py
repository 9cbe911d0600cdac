"""Recorded Codex CLI requests, read from VCR.py cassettes.

A cassette is ``cassettes/codex/<codex-version>/<scenario>.yaml``; each interaction is one request the
real Codex binary sent (to the path it sent it to: ``/v1/responses``, or ``/v1/responses/compact`` for
Codex 0.130.0's remote compaction), and the reply the recording endpoint gave it. The reply matters at
replay time: it tells the provider mock what kind of answer to give (text, a function call, a compaction
item, ...), so that the gateway's translation back to Codex is exercised with the shape Codex actually saw.
A streamed reply (``text/event-stream``) is read from its ``response.output_item.done`` events, a JSON
reply (the compact endpoint's ``response.compaction`` object) from its ``output``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from vcr.serialize import deserialize
from vcr.serializers import yamlserializer

from ..errors import CassetteError
from .sse import iter_sse

#: A Codex release as npm names it: ``0.169.0``, or a pre-release such as ``0.170.0-alpha.1``.
CODEX_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*))?")
# Headers never replayed: transport-level, or the secret the gateway replaces with its own key.
_NOT_REPLAYED = frozenset({"authorization", "content-length", "host", "connection", "accept-encoding", "cookie"})


#: Where Codex sends a turn, and where Codex 0.130.0 sends a remote compaction (JSON in, JSON out).
RESPONSES_PATH = "/v1/responses"
COMPACT_PATH = "/v1/responses/compact"
#: The input item Codex 0.169+ ends a remote compaction request with (openai-python ``CompactionTrigger``).
COMPACTION_TRIGGER = "compaction_trigger"

ReplyKind = Literal[
    "text", "reasoning", "function_call", "custom_tool_call", "compaction", "tool_search_call", "user_message"
]


@dataclass(frozen=True)
class ReplyItem:
    """One output item the provider mock should answer with.

    ``text`` is a message's text, a reasoning summary, a custom tool's input or a compaction item's
    encrypted content; ``arguments`` a call's JSON arguments; ``namespace`` the namespace of a namespaced
    (MCP) function. ``user_message`` is a user message the compact endpoint echoes before its compaction item.
    """

    kind: ReplyKind
    text: str = ""
    name: str = ""
    arguments: str = ""
    namespace: str = ""


@dataclass(frozen=True)
class Interaction:
    """One recorded Codex request and the reply plan derived from what it was answered."""

    index: int
    headers: Mapping[str, str]
    body: Mapping[str, Any]
    reply: tuple[ReplyItem, ...]
    #: The path Codex sent it to (``/v1/responses`` or ``/v1/responses/compact``).
    path: str = RESPONSES_PATH

    def replay_headers(self) -> dict[str, str]:
        """Codex's own headers (session ids, originator, ...) minus transport and credentials."""
        return {k: v for k, v in self.headers.items() if k.lower() not in _NOT_REPLAYED}

    @property
    def compaction(self) -> Literal["endpoint", "trigger"] | None:
        """How this request asks for a remote compaction, if it does.

        ``endpoint``: Codex 0.130.0's ``POST /v1/responses/compact`` (JSON reply). ``trigger``: Codex
        0.169+ end a streamed ``/v1/responses`` request with a ``compaction_trigger`` input item. Either
        way Codex needs exactly one ``compaction`` item back (codex-rs ``compact_remote_v2.rs``).
        """
        if self.path.rstrip("/").endswith("/responses/compact"):
            return "endpoint"
        items = self.body.get("input")
        last = items[-1] if isinstance(items, list) and items else None
        return "trigger" if isinstance(last, dict) and last.get("type") == COMPACTION_TRIGGER else None

    @property
    def streams(self) -> bool:
        """Codex reads the answer as server-sent events (every request but the compact endpoint's)."""
        return self.body.get("stream") is True


@dataclass(frozen=True)
class Cassette:
    """All requests of one recorded Codex scenario."""

    path: Path
    codex_version: str
    scenario: str
    interactions: tuple[Interaction, ...] = field(repr=False)

    @property
    def id(self) -> str:
        """``codex-<version>/<scenario>``: stable, readable, and the prefix of every case id."""
        return f"codex-{self.codex_version}/{self.scenario}"

    @property
    def compacts_remotely(self) -> bool:
        """Some request of the session asks for a remote compaction (see :attr:`Interaction.compaction`).

        Reports answer "can Codex compact on this route?" apart from "does Codex work?" with it: a route
        can serve every ordinary turn and still fail every long session.
        """
        return any(interaction.compaction for interaction in self.interactions)


def discover(root: Path) -> list[Cassette]:
    """Every cassette under ``root/<version>/*.yaml``, sorted by version then scenario.

    A folder holding cassettes must be named for the Codex version that sent them (what the recorder
    writes); any other name is a :class:`CassetteError` naming the folder, not a cassette of a version
    called ``broken``.
    """
    if not root.is_dir():
        raise CassetteError(f"cassette folder not found: {root}")
    files = list(root.glob("*/*.yaml"))
    if bad := sorted({p.parent for p in files if not CODEX_VERSION.fullmatch(p.parent.name)}):
        raise CassetteError(
            f"{bad[0]}: not a Codex version folder (expected a version like 0.169.0 or 0.170.0-alpha.1; "
            "cassettes live in cassettes/codex/<version>/<scenario>.yaml)"
        )
    files.sort(key=lambda p: (version_key(p.parent.name), p.stem))
    return [load(path) for path in files]


def version_key(version: str) -> tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]:
    """Semantic-version order (npm's, which Codex releases follow): ``0.170.0-alpha.2 < 0.170.0 < 0.171.0``.

    ``version`` must match :data:`CODEX_VERSION`.
    """
    match = CODEX_VERSION.fullmatch(version)
    if match is None:
        raise CassetteError(f"not a Codex version: {version!r}")
    major, minor, patch, pre = match.groups()
    identifiers = tuple((0, int(x), "") if x.isdigit() else (1, 0, x) for x in pre.split(".")) if pre else ()
    return int(major), int(minor), int(patch), 0 if pre else 1, identifiers


def load(path: Path) -> Cassette:
    """Load one cassette with VCR.py's own deserializer; malformed YAML or bodies fail with the path."""
    try:
        loaded = deserialize(path.read_text(encoding="utf-8"), yamlserializer)
    except Exception as exc:  # vcrpy raises ValueError, yaml errors, KeyError on missing keys
        raise CassetteError(f"{path}: not a VCR.py cassette ({type(exc).__name__}: {exc})") from exc
    requests, responses = loaded[0], loaded[1]
    if not requests:
        raise CassetteError(f"{path}: cassette has no interactions")
    interactions = []
    for index, (request, response) in enumerate(zip(requests, responses, strict=True)):
        raw = request.body.decode("utf-8") if isinstance(request.body, bytes) else (request.body or "")
        try:
            body = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise CassetteError(f"{path}: interaction {index} body is not JSON ({exc})") from exc
        if not isinstance(body, dict) or "input" not in body:
            raise CassetteError(f"{path}: interaction {index} is not a Responses API request (no 'input')")
        headers = {str(k): _first(v) for k, v in request.headers.items()}
        route = urlsplit(str(request.uri)).path or RESPONSES_PATH
        if route.rstrip("/") not in {RESPONSES_PATH, COMPACT_PATH}:
            raise CassetteError(
                f"{path}: interaction {index} was sent to {route}; replay knows {RESPONSES_PATH} and {COMPACT_PATH}"
            )
        plan = _plan_of(response, f"{path}: interaction {index}")
        interactions.append(Interaction(index, headers, body, plan, route.rstrip("/")))
    return Cassette(path, path.parent.name, path.stem, tuple(interactions))


def _first(value: Any) -> str:
    return str(value[0]) if isinstance(value, list) and value else str(value)


def _response_text(response: Mapping[str, Any]) -> str:
    body = response.get("body", {}) if isinstance(response, Mapping) else {}
    data = body.get("string", b"") if isinstance(body, Mapping) else b""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)


def _content_type(response: Mapping[str, Any]) -> str:
    headers = response.get("headers") if isinstance(response, Mapping) else None
    for name, value in (headers or {}).items() if isinstance(headers, Mapping) else ():
        if str(name).lower() == "content-type":
            return _first(value).lower()
    return "text/event-stream"  # what the recorder answered before it kept content types


def _plan_of(response: Mapping[str, Any], where: str) -> tuple[ReplyItem, ...]:
    text = _response_text(response)
    if "application/json" not in _content_type(response):
        return tuple(reply_plan(text))
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CassetteError(f"{where}: the recorded JSON reply is not JSON ({exc})") from exc
    output = document.get("output") if isinstance(document, dict) else None
    return tuple(_plan([item for item in output or [] if isinstance(item, dict)]))


def reply_plan(sse_text: str) -> Iterator[ReplyItem]:
    """The output items of a recorded Responses stream, as the mock should reproduce them."""
    items = []
    for event in iter_sse(sse_text):
        data = event.json()
        if isinstance(data, dict) and data.get("type") == "response.output_item.done":
            item = data.get("item")
            items.append(item if isinstance(item, dict) else {})
    return _plan(items)


def _plan(items: list[dict[str, Any]]) -> Iterator[ReplyItem]:
    """Reply items for recorded output items; a plan without an answer (text, call, compaction) gets a text."""
    found = False
    for item in items:
        reply = _reply_item(item)
        if reply is None:
            continue
        found = found or reply.kind not in {"reasoning", "user_message"}
        yield reply
    if not found:
        yield ReplyItem("text", text="Done.")


def _reply_item(item: Mapping[str, Any]) -> ReplyItem | None:
    kind = item.get("type")
    if kind == "message":
        text = "".join(part.get("text", "") for part in item.get("content") or [] if isinstance(part, dict))
        # The compact endpoint echoes the user's messages before its compaction item.
        return ReplyItem("user_message" if item.get("role") == "user" else "text", text=text)
    if kind == "reasoning":
        summary = " ".join(part.get("text", "") for part in item.get("summary") or [] if isinstance(part, dict))
        return ReplyItem("reasoning", text=summary)
    if kind == "function_call":
        name, arguments = str(item.get("name", "")), str(item.get("arguments", "{}"))
        return ReplyItem("function_call", name=name, arguments=arguments, namespace=str(item.get("namespace") or ""))
    if kind == "custom_tool_call":
        return ReplyItem("custom_tool_call", name=str(item.get("name", "")), text=str(item.get("input", "")))
    if kind == "compaction":
        return ReplyItem("compaction", text=str(item.get("encrypted_content", "")))
    if kind == "tool_search_call":
        return ReplyItem("tool_search_call", arguments=json.dumps(item.get("arguments") or {}))
    return None
