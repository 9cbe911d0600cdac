"""Recorded Codex CLI requests, read from VCR.py cassettes.

A cassette is ``cassettes/codex/<codex-version>/<scenario>.yaml``; each interaction is one request the
real Codex binary sent, and the reply the recording endpoint gave it. The reply matters at replay time:
it tells the provider mock what kind of answer to give (text, a function call, ...), so that the
gateway's translation back to Codex is exercised with the shape Codex actually saw.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from vcr.serialize import deserialize
from vcr.serializers import yamlserializer

from ..errors import CassetteError
from .sse import iter_sse

# Headers never replayed: transport-level, or the secret the gateway replaces with its own key.
_NOT_REPLAYED = frozenset({"authorization", "content-length", "host", "connection", "accept-encoding", "cookie"})


@dataclass(frozen=True)
class ReplyItem:
    """One output item the provider mock should answer with."""

    kind: Literal["text", "reasoning", "function_call", "custom_tool_call"]
    text: str = ""
    name: str = ""
    arguments: str = ""


@dataclass(frozen=True)
class Interaction:
    """One recorded Codex request and the reply plan derived from what it was answered."""

    index: int
    headers: Mapping[str, str]
    body: Mapping[str, Any]
    reply: tuple[ReplyItem, ...]

    def replay_headers(self) -> dict[str, str]:
        """Codex's own headers (session ids, originator, ...) minus transport and credentials."""
        return {k: v for k, v in self.headers.items() if k.lower() not in _NOT_REPLAYED}


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


def discover(root: Path) -> list[Cassette]:
    """Every cassette under ``root/<version>/*.yaml``, sorted by version then scenario."""
    if not root.is_dir():
        raise CassetteError(f"cassette folder not found: {root}")
    files = sorted(root.glob("*/*.yaml"), key=lambda p: (_version_key(p.parent.name), p.stem))
    return [load(path) for path in files]


def _version_key(version: str) -> tuple[int | str, ...]:
    return tuple(int(part) if part.isdigit() else part for part in version.split("."))


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
        interactions.append(Interaction(index, headers, body, tuple(reply_plan(_response_text(response)))))
    return Cassette(path, path.parent.name, path.stem, tuple(interactions))


def _first(value: Any) -> str:
    return str(value[0]) if isinstance(value, list) and value else str(value)


def _response_text(response: Mapping[str, Any]) -> str:
    body = response.get("body", {}) if isinstance(response, Mapping) else {}
    data = body.get("string", b"") if isinstance(body, Mapping) else b""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)


def reply_plan(sse_text: str) -> Iterator[ReplyItem]:
    """The output items of a recorded Responses stream, as the mock should reproduce them."""
    found = False
    for event in iter_sse(sse_text):
        data = event.json()
        if not isinstance(data, dict) or data.get("type") != "response.output_item.done":
            continue
        item = data.get("item") or {}
        kind = item.get("type")
        if kind == "message":
            text = "".join(part.get("text", "") for part in item.get("content") or [] if isinstance(part, dict))
            found = True
            yield ReplyItem("text", text=text)
        elif kind == "reasoning":
            summary = " ".join(part.get("text", "") for part in item.get("summary") or [] if isinstance(part, dict))
            yield ReplyItem("reasoning", text=summary)
        elif kind == "function_call":
            found = True
            yield ReplyItem("function_call", name=item.get("name", ""), arguments=item.get("arguments", "{}"))
        elif kind == "custom_tool_call":
            found = True
            yield ReplyItem("custom_tool_call", name=item.get("name", ""), text=item.get("input", ""))
    if not found:
        yield ReplyItem("text", text="Done.")
