"""What every wire format is: the :class:`Wire` base class, the registry by key, and shared reply helpers.

A wire format is how a gateway talks to a provider (OpenAI chat, Anthropic Messages, Bedrock Converse,
...). Its class knows everything the suite needs about it: the smallest request every provider of the
wire accepts, where such requests go (canonical paths) and how they carry a key, where the tools sit in
a request, and how a success reply is rendered (JSON or stream, with the quirks a provider is known
for). Adding a wire format is one module with one registered class, plus its templates as data.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, ClassVar, TypeVar

from ..core.cassettes import ReplyItem
from ..core.loopback import Response
from ..core.registry import Registry

#: One function a request offers a model: its name and its parameter schema.
ToolSpec = tuple[str, Mapping[str, Any]]
#: Prompt and completion tokens every reply reports unless the case asks for more (a compaction e2e run
#: reports a large prompt so that Codex's ``model_auto_compact_token_limit`` is crossed).
INPUT_TOKENS = 21
OUTPUT_TOKENS = 7


@dataclass(frozen=True)
class ReplyOptions:
    """How to render one reply: the endpoint's quirks and what the request asked for."""

    #: The endpoint's ``reply:`` quirks from provider.yaml.
    quirks: Mapping[str, Any]
    #: The request's model, echoed where the wire echoes it.
    model: str
    #: Stream or not (already decided: the body's flag, unless a quirk forces it).
    stream: bool
    #: The request asked for a usage chunk (``stream_options.include_usage``).
    include_usage: bool
    #: Makes tool-call ids unique per case.
    call_prefix: str
    #: The prompt tokens the reply reports (its usage says ``input_tokens + OUTPUT_TOKENS`` in total).
    input_tokens: int = INPUT_TOKENS
    #: The request being answered (the compact endpoint echoes its user messages).
    request: Mapping[str, Any] = field(default_factory=dict)

    @property
    def output_tokens(self) -> int:
        """The completion tokens every reply reports."""
        return OUTPUT_TOKENS

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.input_tokens + OUTPUT_TOKENS


@dataclass(frozen=True)
class Reply(Response):
    """What the mock sends, plus the items it put in (what the verdict expects to reach Codex)."""

    items: tuple[ReplyItem, ...] = ()


class Wire(ABC):
    """One wire format; subclasses are registered by :attr:`key` with :func:`register`."""

    #: The name provider.yaml uses in ``wire:`` (e.g. ``openai-chat``).
    key: ClassVar[str]
    #: Where requests of this wire go, relative to a provider's base URL (``{model}`` is filled in).
    canonical_paths: ClassVar[tuple[str, ...]] = ()
    #: Whether a model on this wire can answer with a free-form (custom) tool call itself.
    native_custom_tools: ClassVar[bool] = False

    def reply(
        self,
        quirks: Mapping[str, Any],
        items: Sequence[ReplyItem],
        *,
        model: str,
        stream: bool,
        include_usage: bool,
        call_prefix: str,
        input_tokens: int = INPUT_TOKENS,
        request: Mapping[str, Any] | None = None,
    ) -> Reply:
        """The success reply for ``items``; ``call_prefix`` makes tool-call ids unique per case.

        ``quirks["stream"]`` (``always``/``never``) overrides the body's ``stream`` flag for endpoints whose
        URL decides streaming (Gemini ``:streamGenerateContent``, Bedrock ``converse-stream``).
        """
        forced = quirks.get("stream")
        if forced in {"always", "never"}:
            stream = forced == "always"
        ask = ReplyOptions(quirks, model, stream, include_usage, call_prefix, input_tokens, request or {})
        return self.render(items, ask)

    @abstractmethod
    def render(self, items: Sequence[ReplyItem], ask: ReplyOptions) -> Reply:
        """Render the reply plan in this wire's format (``stream`` already decided)."""

    @abstractmethod
    def minimal_request(self, model: str, stream: bool = False) -> dict[str, Any]:
        """The smallest request every provider of this wire must accept (the catalogue test holds each to it)."""

    def tools(self, body: Mapping[str, Any]) -> Iterator[ToolSpec]:
        """The functions a request of this wire offers, as (name, parameter schema)."""
        return iter(())

    def auth_headers(self, key: str) -> dict[str, str]:
        """How this wire's providers take an API key."""
        return {"authorization": f"Bearer {key}"}

    def templates(self) -> tuple[str, str]:
        """The scaffold's starting points: the ``endpoints:`` block of provider.yaml and a starter schema."""
        folder = resources.files("codex_gateway_contracts") / "templates"
        endpoints = (folder / "endpoints" / f"{self.key}.yaml").read_text(encoding="utf-8")
        schema = (folder / "schemas" / f"{self.key}.schema.json").read_text(encoding="utf-8")
        return endpoints, schema


_REGISTRY: Registry[Wire] = Registry("wire format")
W = TypeVar("W", bound=type[Wire])


def register(cls: W) -> W:
    """Class decorator: make ``cls`` the wire of its ``key`` (a later registration of the key replaces it)."""
    _REGISTRY.add(cls.key, cls())
    return cls


def unregister(key: str) -> None:
    """Forget the wire registered as ``key`` (for self-tests that register a toy wire)."""
    _REGISTRY.remove(key)


def get(key: str) -> Wire:
    """The wire registered as ``key``; KeyError names the known ones."""
    return _REGISTRY.get(key)


def keys() -> tuple[str, ...]:
    """Every registered wire key, in registration order."""
    return _REGISTRY.names()


def offered_tools(body: Mapping[str, Any]) -> Iterator[ToolSpec]:
    """Every function a provider request offers, read in the tool shape of every registered wire.

    The mocks and the drop check do not trust a body to be in its endpoint's shape: a tool in any
    known shape counts as offered (a wrong shape is the schema's finding, not a dropped tool).
    """
    for wire in _REGISTRY.items():
        yield from wire.tools(body)


# -- helpers shared by the wire modules -----------------------------------------------------------------
def named(holders: Iterable[Any], schema_key: str) -> Iterator[ToolSpec]:
    """(name, schema) of every mapping with a string ``name``; the schema under ``schema_key`` or empty."""
    for holder in holders:
        if isinstance(holder, dict) and isinstance(holder.get("name"), str):
            schema = holder.get(schema_key)
            yield holder["name"], schema if isinstance(schema, dict) else {}


def listed(body: Mapping[str, Any], key: str = "tools") -> list[Any]:
    """``body[key]`` when it is a list, else nothing."""
    value = body.get(key)
    return value if isinstance(value, list) else []


def split(text: str) -> list[str]:
    """A text in two streamed pieces (one when it is a single character or empty)."""
    middle = max(1, len(text) // 2)
    return [text[:middle], text[middle:]] if len(text) > 1 else [text]


def arguments(item: ReplyItem) -> Any:
    """A tool call's arguments as a JSON value (an empty object when they are not JSON)."""
    try:
        return json.loads(item.arguments or "{}")
    except json.JSONDecodeError:
        return {}


def hello() -> list[dict[str, Any]]:
    """A minimal request's one user message, new on every call (callers change their copy)."""
    return [{"role": "user", "content": "Say hello."}]


def keepalive(quirks: Mapping[str, Any]) -> bytes:
    """An SSE comment line as the provider sends it while the model is busy (text: ``keepalive_text``)."""
    return f": {quirks.get('keepalive_text', 'keep-alive')}\n\n".encode()


def json_reply(document: Any, items: Sequence[ReplyItem]) -> Reply:
    """A 200 JSON reply."""
    return Reply(200, "application/json", json.dumps(document).encode(), tuple(items))
