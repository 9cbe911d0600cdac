"""Strict provider mocks: real HTTP servers on 127.0.0.1, one per provider.

Each server validates what the gateway sends against the endpoint's schema, records it, and answers
as the provider would: its own error envelope on a violation, its own JSON/SSE format on success.
Requests are attributed to a case through the deployment prefix of the path (``/d/<slug>/...``) that
the gateway config points each deployment at; the runner keeps one case in flight per route, so what
arrives under a route's deployments while its case runs belongs to that case, even with many cases
running at once. Anything arriving for a route with no case in flight is kept as a stray.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .. import wires
from ..wires import Reply
from ..wires.base import INPUT_TOKENS, listed
from ..wires.openai_responses import namespaces
from .cassettes import COMPACTION_TRIGGER, ReplyItem
from .catalogue import DEFAULT_NOT_FOUND, Catalogue, Endpoint, ErrorTemplate, Provider, Violation
from .loopback import LoopbackServer, Request

SECRET_HEADERS = frozenset({"authorization", "api-key", "x-api-key", "cookie", "proxy-authorization", "x-goog-api-key"})
DEFAULT_PLAN = (ReplyItem("text", text="Hello from the mock."),)


@dataclass
class UpstreamCall:
    """One request the gateway made to a provider mock, and what the mock answered."""

    provider: str
    deployment: str
    route: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    endpoint: str | None = None
    wire: str | None = None
    violations: list[Violation] = field(default_factory=list)
    status: int = 0
    answer: Any = None
    reply_items: tuple[ReplyItem, ...] = ()
    unknown_policy: str = "reject"
    unknown_verified: bool = True

    @property
    def accepted(self) -> bool:
        """The mock answered with a success."""
        return 200 <= self.status < 300


@dataclass
class _RouteState:
    plan: tuple[ReplyItem, ...] = DEFAULT_PLAN
    later: list[tuple[ReplyItem, ...]] = field(default_factory=list)
    nonce: str = "mock"
    active: bool = False
    calls: list[UpstreamCall] = field(default_factory=list)
    delay: float = 0.0
    tokens: list[int] = field(default_factory=list)


class MockFleet:
    """One strict mock server per provider, with per-route expectations and recordings."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._servers: dict[str, LoopbackServer] = {}
        self._deployments: dict[str, tuple[Provider, str]] = {}
        self._routes: dict[str, _RouteState] = {}
        self._strays: list[UpstreamCall] = []
        self._background: list[UpstreamCall] = []
        self._lock = threading.Lock()

    # -- set-up ---------------------------------------------------------------------------------
    def register(self, slug: str, provider: Provider, route: str) -> str:
        """Serve deployment ``slug`` of ``route`` as ``provider``; returns the api_base to hand the gateway."""
        server = self._server_for(provider)
        with self._lock:
            self._deployments[slug] = (provider, route)
            self._routes.setdefault(route, _RouteState())
        return f"{server.base_url}/d/{slug}"

    def _server_for(self, provider: Provider) -> LoopbackServer:
        with self._lock:
            if provider.name not in self._servers:
                self._servers[provider.name] = LoopbackServer(
                    self._serve, name=f"mock-{provider.name}", server_version="codex-contracts-mock"
                )
            return self._servers[provider.name]

    def _serve(self, request: Request) -> Reply:
        reply, _ = self.handle(request.method, request.path, dict(request.headers), request.body)
        return reply

    def close(self) -> None:
        """Stop every server."""
        for server in self._servers.values():
            server.close()
        self._servers.clear()

    # -- per case -------------------------------------------------------------------------------
    @contextmanager
    def expecting(
        self,
        route: str,
        plan: Sequence[ReplyItem],
        nonce: str,
        delay: float = 0.0,
        later: Sequence[Sequence[ReplyItem]] = (),
        tokens: Sequence[int] = (),
    ) -> Iterator[None]:
        """While the block runs, calls under ``route`` are this case's and are answered with ``plan``.

        ``later`` holds the plans for the following model calls of a multi-turn client run (a real
        Codex answering a tool call sends a second request); each successful answer moves to the next.
        ``tokens`` are the prompt tokens the successive answers report (then the default): a large
        number makes a real Codex with a small ``model_auto_compact_token_limit`` compact its context.
        """
        with self._lock:
            state = self._routes.setdefault(route, _RouteState())
            if state.active:
                raise RuntimeError(f"route {route!r} already has a case in flight; the runner must serialise it")
            state.plan, state.nonce, state.active, state.calls, state.delay = tuple(plan), nonce, True, [], delay
            state.later, state.tokens = [tuple(p) for p in later], list(tokens)
        try:
            yield
        finally:
            with self._lock:
                state.active = False

    def take(self, route: str) -> list[UpstreamCall]:
        """The calls recorded for ``route`` since its case began; clears them."""
        with self._lock:
            state = self._routes.setdefault(route, _RouteState())
            calls, state.calls = state.calls, []
            return calls

    def background(self) -> list[UpstreamCall]:
        """Read-only calls the gateway made on its own, outside any case (model listings at start-up)."""
        with self._lock:
            return list(self._background)

    def strays(self) -> list[UpstreamCall]:
        """Calls that arrived while no case of their route was in flight (or for no known deployment)."""
        with self._lock:
            return list(self._strays)

    # -- request handling -----------------------------------------------------------------------
    def handle(
        self, method: str, raw_path: str, headers: Mapping[str, str], raw_body: bytes
    ) -> tuple[Reply, UpstreamCall]:
        """Validate, record and answer one request; called from the server threads."""
        url = urlsplit(raw_path)
        parts = url.path.split("/", 3)
        slug = parts[2] if len(parts) > 2 and parts[1] == "d" else ""
        rest = "/" + (parts[3] if len(parts) > 3 else "")
        with self._lock:
            provider, route = self._deployments.get(slug, (None, ""))
            state = self._routes.get(route) if provider else None
            plan, nonce = (state.plan, state.nonce) if state else (DEFAULT_PLAN, "stray")
            tokens = state.tokens[0] if state and state.active and state.tokens else INPUT_TOKENS
        try:
            body: Any = json.loads(raw_body) if raw_body else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = raw_body.decode("utf-8", "replace")
        call = UpstreamCall(
            provider=provider.name if provider else "?",
            deployment=slug,
            route=route,
            method=method,
            path=rest,
            query=url.query,
            headers={k.lower(): v for k, v in headers.items() if k.lower() not in SECRET_HEADERS},
            body=body,
        )
        reply = self._answer(provider, call, plan, nonce, tokens)
        with self._lock:
            if state is not None and state.active:
                state.calls.append(call)
                if call.accepted and call.method == "POST":
                    if state.later:
                        state.plan = state.later.pop(0)
                    if state.tokens:
                        state.tokens.pop(0)
                delay = state.delay
            else:
                (self._background if call.method == "GET" else self._strays).append(call)
                delay = 0.0
        if delay:
            time.sleep(delay)
        return reply, call

    def _answer(
        self, provider: Provider | None, call: UpstreamCall, plan: Sequence[ReplyItem], nonce: str, tokens: int
    ) -> Reply:
        if provider is None:
            return self._not_found(call, DEFAULT_NOT_FOUND)
        call.unknown_policy, call.unknown_verified = provider.unknown_policy, provider.unknown_verified
        if call.method == "GET" and call.path.rstrip("/").endswith("/models"):
            # Gateways list models at start-up (LiteLLM does for OpenAI deployments): answer like the API.
            listing = {
                "object": "list",
                "data": [{"id": provider.litellm_model, "object": "model", "owned_by": "mock"}],
            }
            call.status, call.answer = 200, listing
            return Reply(200, "application/json", json.dumps(listing).encode(), ())
        endpoint = provider.endpoint_for(call.path)
        if endpoint is None:
            return self._not_found(call, provider.not_found)
        call.endpoint, call.wire = endpoint.name, endpoint.wire
        if not isinstance(call.body, dict):
            template = endpoint.invalid_value_error
            return self._error(call, template.status, template.render("", "request body is not a JSON object"))
        call.violations = endpoint.violations(call.body)
        unknown = [v for v in call.violations if v.kind == "unknown"]
        values = [v for v in call.violations if v.kind == "value"]
        if unknown and endpoint.unknown_field_error is not None:
            template = endpoint.unknown_field_error
            return self._error(
                call, template.status, template.render(unknown[0].dotted(template.path_style), unknown[0].message)
            )
        if values:
            template = endpoint.invalid_value_error
            return self._error(
                call, template.status, template.render(values[0].dotted(template.path_style), values[0].message)
            )
        stream = call.body.get("stream") is True
        options = call.body.get("stream_options")
        include_usage = isinstance(options, dict) and options.get("include_usage") is True
        items = adapt_plan(plan, endpoint, call.body, nonce)
        reply = wires.get(endpoint.wire).reply(
            endpoint.reply,
            items,
            model=str(call.body.get("model", "")),
            stream=stream,
            include_usage=include_usage,
            call_prefix=f"call_{nonce}",
            input_tokens=tokens,
            request=call.body,
        )
        call.status, call.reply_items = reply.status, reply.items
        call.answer = f"{reply.content_type}, {len(reply.payload)} bytes"
        return reply

    @classmethod
    def _not_found(cls, call: UpstreamCall, template: ErrorTemplate) -> Reply:
        envelope = template.fill({"{method}": call.method, "{path}": call.path})
        return cls._error(call, template.status, envelope, template.content_type)

    @staticmethod
    def _error(call: UpstreamCall, status: int, envelope: Any, content_type: str = "application/json") -> Reply:
        call.status, call.answer = status, envelope
        payload = envelope.encode() if isinstance(envelope, str) else json.dumps(envelope).encode()
        return Reply(status, content_type, payload, ())


def adapt_plan(
    plan: Sequence[ReplyItem], endpoint: Endpoint, body: Mapping[str, Any], nonce: str
) -> tuple[ReplyItem, ...]:
    """Answer as a model could: tag texts with the case nonce, call only tools the request offers.

    A compaction item is an answer only to a request that asks for one (its last input item is
    ``compaction_trigger``, or it went to a compact endpoint, whose wire always compacts); a model that
    got no trigger answers in text. A namespaced (MCP) call goes to the namespace the request offers the
    function in, or to the flat name a gateway offered it under; a tool search only where it is offered.
    """
    offered = {name for name, _ in wires.offered_tools(body)}
    out: list[ReplyItem] = []
    for item in plan:
        if item.kind == "text":
            out.append(ReplyItem("text", text=f"{item.text} [{nonce}]".strip()))
        elif item.kind == "reasoning":
            out.append(item)
        elif item.kind == "user_message":
            continue  # echoed input, not a model's answer (the compact wire echoes from the request)
        elif item.kind == "compaction":
            if endpoint.wire == "openai-responses-compact" or asks_compaction(body):
                out.append(item)
            else:
                out.append(ReplyItem("text", text=f"(no compaction_trigger reached the model) [{nonce}]"))
        elif item.kind == "tool_search_call":
            out.append(_tool_search(item, body, offered, nonce))
        elif item.kind == "function_call" and item.namespace:
            out.append(_namespaced(item, body, offered, nonce))
        elif item.name not in offered:
            out.append(ReplyItem("text", text=f"(tool {item.name} not offered) [{nonce}]"))
        elif item.kind == "custom_tool_call" and item.name in _chat_custom_tools(body):
            out.append(ReplyItem(item.kind, name=item.name, text=item.text))  # called as the free-form tool it is
        elif item.kind == "custom_tool_call" and not wires.get(endpoint.wire).native_custom_tools:
            # A chat model can only call the function the gateway turned the free-form tool into.
            # Codex still needs it back as a custom_tool_call, which the verdict checks.
            argument = _first_string_parameter(body, item.name) or "input"
            out.append(
                ReplyItem(item.kind, name=item.name, text=item.text, arguments=json.dumps({argument: item.text}))
            )
        else:
            out.append(item)
    if not any(i.kind in {"text", "function_call", "custom_tool_call", "compaction", "tool_search_call"} for i in out):
        out.append(ReplyItem("text", text=f"Done. [{nonce}]"))
    return tuple(out)


def asks_compaction(body: Mapping[str, Any]) -> bool:
    """The request's last input item is a ``compaction_trigger``.

    openai-python ``response_input_item.py`` ``CompactionTrigger``: "Compacts the current context. Must be
    the final input item."
    """
    items = body.get("input")
    last = items[-1] if isinstance(items, list) and items else None
    return isinstance(last, dict) and last.get("type") == COMPACTION_TRIGGER


def _not_offered(name: str, nonce: str) -> ReplyItem:
    return ReplyItem("text", text=f"(tool {name} not offered) [{nonce}]")


def _tool_search(item: ReplyItem, body: Mapping[str, Any], offered: set[str], nonce: str) -> ReplyItem:
    if any(isinstance(t, dict) and t.get("type") == "tool_search" for t in body.get("tools") or []):
        return item
    if "tool_search" in offered:  # a bridge offered Codex's client-side tool search as a function
        return ReplyItem("function_call", name="tool_search", arguments=item.arguments)
    return _not_offered("tool_search", nonce)


def _namespaced(item: ReplyItem, body: Mapping[str, Any], offered: set[str], nonce: str) -> ReplyItem:
    holders = [ns for ns, names in namespaces(body) if item.name in names]
    if holders:
        # Codex 0.130.0 spells the namespace "mcp__calc__", 0.169+ "mcp__calc": take the one the request offers.
        chosen = item.namespace if item.namespace in holders else holders[0]
        return ReplyItem("function_call", name=item.name, arguments=item.arguments, namespace=chosen)
    stem = item.namespace.rstrip("_")
    flat = sorted(n for n in offered if n.startswith(stem) and n.endswith(item.name) and len(n) > len(item.name))
    if flat:  # a gateway flattened the namespace into one function name: the model calls that name
        return ReplyItem("function_call", name=flat[0], arguments=item.arguments)
    return _not_offered(f"{item.name} (namespace {item.namespace})", nonce)


def _chat_custom_tools(body: Mapping[str, Any]) -> set[str]:
    """Names of free-form tools a chat request offers as such (``tools[].type: custom``)."""
    return {
        str(tool["custom"]["name"])
        for tool in listed(body)
        if isinstance(tool, dict)
        and tool.get("type") == "custom"
        and isinstance(tool.get("custom"), dict)
        and "name" in tool["custom"]
    }


def _first_string_parameter(body: Mapping[str, Any], name: str) -> str | None:
    for tool_name, schema in wires.offered_tools(body):
        if tool_name != name:
            continue
        properties = schema.get("properties") or {}
        for key in list(schema.get("required") or []) + list(properties):
            if isinstance(properties.get(key), dict) and str(properties[key].get("type", "")).lower() == "string":
                return str(key)
    return None
