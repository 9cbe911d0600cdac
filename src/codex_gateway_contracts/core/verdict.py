"""Judging one case: what the gateway made of a Codex request, upstream and back.

Inputs are facts only: the Codex request, every call the provider mock recorded for the case, and the
status and SSE stream the gateway gave Codex. The verdict is the most important finding:
leak > drop > upstream_reject > gateway_reject > bad_reply > no_upstream_call > pass
(``error`` and ``skipped`` are for cases that could not be judged, and never count as passed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from .. import wires
from .cassettes import COMPACTION_TRIGGER, Interaction, ReplyItem
from .catalogue import format_path
from .mocks import UpstreamCall
from .session_contract import (
    carried_state,
    carries_responses_items,
    compact_document_items,
    compaction_problems,
    describe_items,
    dispatch_problems,
    rejection_effect,
)
from .sse import Event


class _Word(str, Enum):
    """A str Enum that prints, formats and serializes as its value (on every Python the package supports)."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class Verdict(_Word):
    """A case's verdict, and the kind of a finding (most severe first; ``pass`` has no finding)."""

    ERROR = "error"
    LEAK = "leak"
    DROP = "drop"
    UPSTREAM_REJECT = "upstream_reject"
    GATEWAY_REJECT = "gateway_reject"
    BAD_REPLY = "bad_reply"
    NO_UPSTREAM_CALL = "no_upstream_call"
    PASS = "pass"
    SKIPPED = "skipped"


class Outcome(_Word):
    """What a verdict means for the pytest run, given the expectations."""

    PASS = "pass"
    XFAIL = "xfail"
    FAIL = "fail"


class Effect(_Word):
    """What a leaked field does to Codex, as far as the provider's catalogue entry knows."""

    #: The provider refuses requests with fields it does not define (verified): Codex gets an error.
    REJECTED = "rejected"
    #: The provider accepts and silently drops them (verified): Codex works, the setting is lost.
    IGNORED = "ignored"
    #: The provider's handling of unknown fields is assumed, not observed (``verified: false``).
    UNVERIFIED = "unverified"


class FailOn(_Word):
    """``--contracts-fail-on``: which failures fail the run."""

    ANY = "any"
    REJECTED = "rejected"


def breaks_codex(kind: str, effect: str | None = None, policy: str | None = None) -> bool:
    """Whether a finding stops Codex (or its agent) from doing the turn: the one rule for gates and reports.

    - ``leak``: when the provider rejects the field (``rejected``); an ``unverified`` provider by the
      catalogue's assumed policy (``reject``: the mock refused, as the provider is assumed to; ``ignore``:
      accepted). A leak the provider ``ignored`` does not: Codex works, the setting is lost. A leak with
      no effect recorded (a results.json older than the field) counts as breaking.
    - ``drop``: always: the provider never saw the tools, system prompt, conversation, image or tool
      output Codex sent, so the agent answers without them.
    - ``upstream_reject``, ``gateway_reject``, ``bad_reply``: Codex gets an error or a stream it cannot use.
    - ``no_upstream_call``: Codex got an answer no provider produced.
    - ``error``: the case could not be judged; it never counts as passed.
    """
    if kind == Verdict.LEAK:
        if effect == Effect.IGNORED:
            return False
        if effect == Effect.UNVERIFIED:
            return policy != "ignore"
        return True
    return kind not in (Verdict.PASS, Verdict.SKIPPED)


#: Rank of each finding kind; the verdict is the most severe finding's kind.
SEVERITY = {kind: rank for rank, kind in enumerate(list(Verdict)[:7])}
#: Stream events that end a turn in failure (Codex shows their error).
FAILURE_EVENTS = frozenset({"response.failed", "error", "response.error"})
_NEEDLE = 160  # characters of a text that must arrive; long enough to be unique, short enough to survive wrapping


@dataclass(frozen=True)
class Finding:
    """One thing wrong with a case.

    Leaks carry ``origin`` (client, translated, gateway), ``effect`` (:class:`Effect`) and ``policy`` (the
    provider's unknown-field policy the mock applied: ``reject`` or ``ignore``).
    """

    kind: Verdict
    path: str
    message: str
    origin: str | None = None
    request: int = 0
    effect: Effect | None = None
    policy: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", Verdict(self.kind))  # a plain "leak" is accepted too
        if self.effect is not None:
            object.__setattr__(self, "effect", Effect(self.effect))

    @property
    def breaks_codex(self) -> bool:
        """See :func:`breaks_codex`."""
        return breaks_codex(self.kind, self.effect, self.policy)

    def as_dict(self) -> dict[str, Any]:
        """The results.json shape (``effect`` and ``policy`` only on leaks)."""
        shape: dict[str, Any] = {
            "kind": self.kind.value,
            "path": self.path,
            "origin": self.origin,
            "message": self.message,
            "request": self.request,
        }
        if self.effect is not None:
            shape["effect"] = self.effect.value
            shape["policy"] = self.policy
        return shape

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Back from the results.json shape."""
        return cls(
            Verdict(data["kind"]),
            data["path"],
            data["message"],
            data.get("origin"),
            data.get("request", 0),
            data.get("effect"),
            data.get("policy"),
        )


@dataclass
class Exchange:
    """One Codex request replayed through the gateway, and everything observed about it."""

    interaction: Interaction
    sent_body: Mapping[str, Any]
    status: int = 0
    content_type: str = ""
    events: list[Event] = field(default_factory=list)
    #: The answer's text when it is not a stream (an error, or the compact endpoint's JSON).
    error_body: str = ""
    #: A 200 JSON answer, parsed (what Codex 0.130.0 reads its compaction from).
    document: Any = None
    transport_error: str | None = None
    calls: list[UpstreamCall] = field(default_factory=list)


@dataclass(frozen=True)
class Translations:
    """Which Codex request fields a provider-side field may be derived from (data: translations.yaml)."""

    sources: Mapping[str, tuple[str, ...]]

    @classmethod
    def load(cls, path: Path) -> Translations:
        """Read ``upstream_key: [codex.path, ...]``; a missing file means nothing counts as translated."""
        if not path.is_file():
            return cls({})
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls({str(k): tuple(str(s) for s in (v or [])) for k, v in raw.get("fields", {}).items()})


def origin_of(path: Sequence[str | int], codex: Mapping[str, Any], translations: Translations) -> str:
    """Where a leaked field came from.

    ``client``: the same path exists in what Codex sent (passed through). ``gateway``: a key added to
    an object Codex sent (``input[0].x`` on a passthrough), or nothing in the Codex request explains it.
    ``translated``: the top-level field is a known translation of a Codex field that is present, or sits
    inside one (``messages[3].x`` came from ``input``).
    """
    if _resolve(codex, path) is not _MISSING:
        return "client"
    if len(path) > 1 and isinstance(_resolve(codex, path[:-1]), dict):
        return "gateway"  # a key added to an object Codex sent as-is (a passthrough that grew a field)
    top = str(path[0]) if path else ""
    for source in translations.sources.get(top, ()):
        if _resolve(codex, source.split(".")) is not _MISSING:
            return "translated"
    if len(path) > 1 and top in codex:
        return "translated"
    return "gateway"


_MISSING = object()


def _resolve(node: Any, path: Iterable[str | int]) -> Any:
    for part in path:
        if isinstance(node, dict) and str(part) in node:
            node = node[str(part)]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return _MISSING
    return node


# -- drops ------------------------------------------------------------------------------------------
def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
        if node[:1] in "{[":
            yield from _strings(_json_or_none(node))
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _objects(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)
    elif isinstance(node, str) and node[:1] == "{":
        yield from _objects(_json_or_none(node))


def _json_or_none(text: str) -> Any:
    # Tool arguments and outputs often carry JSON inside a string; search inside it as well.
    try:
        return json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return None


def _norm(text: str) -> str:
    return " ".join(text.split())


def codex_tool_names(body: Mapping[str, Any]) -> list[str]:
    """Names of the tools Codex offered that a model can call (functions, free-form, namespaced)."""
    names: list[str] = []
    for tool in _listed(body.get("tools")):
        if not isinstance(tool, dict):
            continue
        if tool.get("type") in {"function", "custom"} and tool.get("name"):
            names.append(str(tool["name"]))
        elif tool.get("type") == "namespace":
            names.extend(str(t["name"]) for t in tool.get("tools") or [] if isinstance(t, dict) and t.get("name"))
    return names


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def find_drops(
    codex: Mapping[str, Any], upstream: Sequence[Any], request: int = 0, responses_wire: bool = False
) -> list[Finding]:
    """What Codex sent that must reach the provider but is absent from every upstream body.

    ``responses_wire``: a provider endpoint that takes Responses input items was called, so the session
    state only such a provider can use (encrypted reasoning) must reach it too.
    """
    bodies = [b for b in upstream if isinstance(b, dict)]
    haystack = _norm("\n".join(s for b in bodies for s in _strings(b)))
    objects = [o for b in bodies for o in _objects(b)]
    offered: set[str] = set()
    for body in bodies:
        offered |= {name for name, _ in wires.offered_tools(body)}
    findings: list[Finding] = []

    def missing(names: list[str]) -> str:
        return ", ".join(name for name in names if name not in offered and not _aliased(name, offered))

    def drop(path: str, message: str) -> None:
        findings.append(Finding(Verdict.DROP, path, message, request=request))

    if lost := missing(codex_tool_names(codex)):
        drop("tools", f"tools Codex offered did not reach the provider: {lost}")
    if isinstance(codex.get("instructions"), str) and _norm(codex["instructions"])[:_NEEDLE] not in haystack:
        drop("instructions", "the system prompt (instructions) did not reach the provider")
    triggered = any(isinstance(o, dict) and o.get("type") == COMPACTION_TRIGGER for o in objects)
    for index, item in enumerate(_listed(codex.get("input"))):
        if not isinstance(item, dict):
            continue
        for path, needle, what in _required_parts(index, item):
            if needle and not _present(needle, haystack, objects):
                drop(path, f"{what} did not reach the provider: {needle[:60]!r}")
        kind = item.get("type")
        if kind == "tool_search_output" and (lost := missing(codex_tool_names({"tools": item.get("tools")}))):
            drop(
                f"input[{index}].tools",
                f"the tools a tool search loaded (MCP tools) did not reach the provider: {lost}",
            )
        if kind == COMPACTION_TRIGGER and not triggered:
            drop(
                f"input[{index}]",
                "the compaction_trigger did not reach the provider: Codex asked for a compaction and the provider "
                "was asked for an ordinary answer",
            )
        for path, needle, what in carried_state(index, item, responses_wire):
            if needle not in haystack:
                drop(path, f"{what} did not reach the provider")
    return findings


def _aliased(name: str, offered: set[str]) -> bool:
    # A gateway may prefix namespaced tools ("multi_agent_v1.spawn_agent", "multi_agent_v1__spawn_agent").
    return any(
        candidate.endswith(name) and candidate[: -len(name)][-1:] in {".", "_", "-", ":"}
        for candidate in offered
        if len(candidate) > len(name)
    )


def _required_parts(index: int, item: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    kind = item.get("type", "message")
    if kind == "message":
        role = item.get("role", "user")
        what = {
            "developer": "the system prompt / developer context",
            "user": "the conversation (user message)",
            "assistant": "the conversation (assistant message)",
        }.get(role, f"a {role} message")
        content = item.get("content")
        if isinstance(content, str):
            yield f"input[{index}]", _norm(content)[:_NEEDLE], what
            return
        for part_index, part in enumerate(content or []):
            if not isinstance(part, dict):
                continue
            path = f"input[{index}].content[{part_index}]"
            if isinstance(part.get("text"), str):
                yield path, _norm(part["text"])[:_NEEDLE], what
            elif isinstance(part.get("image_url"), str):
                # A data URL may be split into media type and base64 data (Anthropic): look for the data.
                url: str = part["image_url"]
                yield (
                    path,
                    (url.split(",", 1)[1] if url.startswith("data:") else url)[:_NEEDLE],
                    "an image Codex attached",
                )
    elif kind in {"function_call_output", "custom_tool_call_output"}:
        output = item.get("output")
        if isinstance(output, list):  # Codex 0.169+ send an MCP tool's result as content parts
            for part in output:
                if isinstance(part, dict) and isinstance(part.get("text"), str) and part["text"].strip():
                    yield f"input[{index}].output", _norm(part["text"])[:_NEEDLE], "a tool output"
            return
        text = output if isinstance(output, str) else json.dumps(output)
        yield f"input[{index}].output", _norm(text)[:_NEEDLE], "a tool output"
    elif kind in {"function_call", "custom_tool_call"}:
        yield f"input[{index}]", str(item.get("arguments") or item.get("input") or ""), "a tool call Codex replayed"


def _present(needle: str, haystack: str, objects: Sequence[Any]) -> bool:
    if _norm(needle) in haystack:
        return True
    try:
        parsed = json.loads(needle)
    except (json.JSONDecodeError, ValueError):
        return False
    return isinstance(parsed, dict) and any(obj == parsed for obj in objects)


# -- the reply Codex got ----------------------------------------------------------------------------
def reply_problems(exchange: Exchange) -> list[str]:
    """What breaks Codex in the gateway's answer.

    The rules are what Codex 0.130.0, 0.169.0 and 0.171.0 need to finish a turn (the ``process_sse`` loop
    of openai/codex ``codex-rs/codex-api/src/sse/responses.rs``; checked end to end by ``tests/e2e``), and
    what a session needs beyond the turn (:mod:`.session_contract`: compaction, tool calls Codex dispatches).
    """
    if exchange.status != 200:
        return [f"gateway answered HTTP {exchange.status} although the provider accepted: {exchange.error_body[:300]}"]
    interaction = exchange.interaction
    if interaction.compaction == "endpoint":
        if "json" not in exchange.content_type:
            ct = exchange.content_type or "no content type"
            return [f"Codex 0.130.0 reads the compact endpoint's answer as JSON, but the gateway answered {ct}"]
        items, unreadable = compact_document_items(exchange.document)
        if unreadable:
            return [unreadable]
        where = "is missing from the compacted output Codex got"
        return compaction_problems(interaction, items) + _missing(exchange.calls, items, where)
    if "text/event-stream" not in exchange.content_type:
        return [f"Codex streams, but the gateway answered {exchange.content_type or 'no content type'}, not SSE"]
    payloads = [e.json() for e in exchange.events]
    done_items = [
        p["item"]
        for p in payloads
        if isinstance(p, dict) and p.get("type") == "response.output_item.done" and isinstance(p.get("item"), dict)
    ]
    problems = [f"the stream carries {failure}" for failure in stream_failures(exchange)]
    completed = [p for p in payloads if isinstance(p, dict) and p.get("type") == "response.completed"]
    if not completed:
        problems.append("no response.completed event: Codex reports 'stream closed before response.completed'")
    else:
        response = completed[-1].get("response")
        if not isinstance(response, dict) or not isinstance(response.get("id"), str):
            problems.append("response.completed has no response.id: Codex fails with \"missing field 'id'\"")
        elif isinstance(response.get("usage"), dict):
            usage = response["usage"]
            missing = [
                k for k in ("input_tokens", "output_tokens", "total_tokens") if not isinstance(usage.get(k), int)
            ]
            if missing:
                problems.append(f"response.completed usage lacks {', '.join(missing)}: Codex fails to parse it")
    problems += compaction_problems(interaction, done_items)
    problems += dispatch_problems(exchange.sent_body, done_items)
    return problems + _missing(exchange.calls, done_items, "never reached Codex as a response.output_item.done")


def _missing(calls: Sequence[UpstreamCall], items: Sequence[Mapping[str, Any]], where: str) -> list[str]:
    """The provider's answer (its last accepted call's items) must arrive: each item not found, named."""
    problems = []
    for expected in _expected_items(calls):
        if not any(_matches(expected, item) for item in items):
            effect = (
                ": Codex 0.130.0 rebuilds the next request from that output, so the user's prompt is lost"
                if expected.kind == "user_message"
                else ""
            )
            problems.append(
                f"the provider's {expected.kind} {_describe(expected)} {where} (Codex got: {describe_items(items)})"
                f"{effect}"
            )
    return problems


def stream_failures(exchange: Exchange) -> list[str]:
    """Error events in a 200 stream (``response.failed``, ``error``): how some gateways report a failure."""
    return [
        f"{p.get('type')}: {json.dumps(p)[:300]}"
        for p in (e.json() for e in exchange.events)
        if isinstance(p, dict) and p.get("type") in FAILURE_EVENTS
    ]


def _expected_items(calls: Sequence[UpstreamCall]) -> list[ReplyItem]:
    accepted = [c for c in calls if c.accepted]
    return [i for i in accepted[-1].reply_items if i.kind != "reasoning"] if accepted else []


def _describe(item: ReplyItem) -> str:
    if item.kind in {"text", "user_message"}:
        return repr(item.text[:60])
    if item.kind == "compaction":
        return f"(encrypted_content {item.text[:24]!r}...)"
    if item.kind == "tool_search_call":
        return f"({item.arguments[:60]!r})"
    detail = item.arguments if item.kind == "function_call" else item.text
    return f"{item.namespace}{item.name}({detail[:60]!r})"


def _texts(item: Mapping[str, Any]) -> list[str]:
    return [str(p.get("text", "")) for p in item.get("content") or [] if isinstance(p, dict)]


def _same_tool(called: str, item: Mapping[str, Any]) -> bool:
    """The item names the tool the provider called, or the namespaced tool a gateway mapped its flat name to.

    A bridge offers a chat provider ``mcp__calc____add`` and gives Codex ``add`` in namespace ``mcp__calc__``.
    """
    name, namespace = str(item.get("name") or ""), str(item.get("namespace") or "")
    if name == called:
        return True
    stem = namespace.rstrip("_")
    return bool(stem) and called.startswith(stem) and called.endswith(name) and len(called) > len(name)


def _matches(expected: ReplyItem, item: Mapping[str, Any]) -> bool:
    kind = item.get("type")
    if expected.kind in {"text", "user_message"}:
        role = "user" if expected.kind == "user_message" else "assistant"
        if kind != "message" or item.get("role", "assistant") != role:
            return False
        return any(_norm(expected.text) in _norm(t) for t in _texts(item))
    if expected.kind == "compaction":
        return kind == "compaction" and item.get("encrypted_content") == expected.text
    if expected.kind == "tool_search_call":
        return kind == "tool_search_call"
    if kind not in {"function_call", "custom_tool_call"} or not _same_tool(expected.name, item):
        return False
    if expected.kind == "custom_tool_call":
        return kind == "custom_tool_call" and item.get("input") == expected.text
    try:
        return bool(json.loads(item.get("arguments") or "null") == json.loads(expected.arguments or "null"))
    except (json.JSONDecodeError, TypeError):
        return item.get("arguments") == expected.arguments


# -- the verdict ------------------------------------------------------------------------------------
@dataclass
class CaseResult:
    """The judged case, as results.json and the failure message show it."""

    id: str
    cassette: str
    provider: str
    route: str
    endpoint: str
    stream: bool
    verdict: Verdict
    findings: list[Finding] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    #: The cassette asks for a remote compaction (``Cassette.compacts_remotely``).
    remote_compaction: bool = False

    def __post_init__(self) -> None:
        self.verdict = Verdict(self.verdict)  # a plain "leak" is accepted too

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CaseResult:
        """Back from the results.json shape (exchanges are not kept there): how xdist workers report."""
        findings = [Finding.from_dict(f) for f in data.get("findings", [])]
        return cls(
            data["id"],
            data["cassette"],
            data["provider"],
            data["route"],
            data["endpoint"],
            bool(data["stream"]),
            Verdict(data["verdict"]),
            findings,
            remote_compaction=bool(data.get("remote_compaction", False)),
        )

    def as_dict(self) -> dict[str, Any]:
        """The results.json shape."""
        return {
            "id": self.id,
            "cassette": self.cassette,
            "provider": self.provider,
            "route": self.route,
            "endpoint": self.endpoint,
            "stream": self.stream,
            "verdict": self.verdict.value,
            "findings": [f.as_dict() for f in self.findings],
            "remote_compaction": self.remote_compaction,
        }


def judge_exchange(exchange: Exchange, translations: Translations, request: int) -> list[Finding]:
    """Findings for one replayed request."""
    if exchange.transport_error:
        return [Finding(Verdict.ERROR, "", exchange.transport_error, request=request)]
    findings: list[Finding] = []
    seen: set[str] = set()
    # What Codex does when its refused request was a remote compaction: said once, on the first refusal.
    effects = [rejection_effect(exchange.interaction, exchange.status)]

    def refused() -> str:
        return effects.pop() if effects else ""

    for call in exchange.calls:
        unknown = [v for v in call.violations if v.kind == "unknown"]
        # A lenient provider refuses only for a value: its unknown fields are leaks, not the reason.
        strict_refusal = not call.accepted and call.unknown_policy == "reject"
        for violation in unknown:
            path = format_path(violation.path)
            if path in seen:
                continue
            seen.add(path)
            origin = origin_of(violation.path, exchange.sent_body, translations)
            refusal = refused() if strict_refusal else ""
            findings.append(
                Finding(
                    Verdict.LEAK,
                    path,
                    f"{path} reached {call.endpoint} ({origin}); {_leak_effect(call)}{refusal}",
                    origin=origin,
                    request=request,
                    effect=leak_effect(call.unknown_policy, call.unknown_verified),
                    policy=call.unknown_policy,
                )
            )
        if call.endpoint is None:
            findings.append(
                Finding(
                    Verdict.UPSTREAM_REJECT,
                    call.path,
                    f"the gateway called {call.method} {call.path}, which "
                    f"{call.provider} does not serve (HTTP {call.status}){refused()}",
                    request=request,
                )
            )
        elif not call.accepted and not (unknown and strict_refusal):
            # Refused, and not for its unknown fields: a value rule (or a provider that ignores unknown fields).
            values = [v for v in call.violations if v.kind == "value"]
            reason = "; ".join(f"{format_path(v.path) or '<body>'}: {v.message[:160]}" for v in values) or "refused"
            where = format_path(values[0].path) if values else ""
            findings.append(
                Finding(
                    Verdict.UPSTREAM_REJECT,
                    where,
                    f"{call.endpoint} refused a value: {reason}{refused()}",
                    request=request,
                )
            )
    if exchange.calls:
        bodies = [c.body for c in exchange.calls]
        findings.extend(find_drops(exchange.sent_body, bodies, request, carries_responses_items(exchange.calls)))
        if all(c.accepted for c in exchange.calls):
            findings.extend(Finding(Verdict.BAD_REPLY, "", p, request=request) for p in reply_problems(exchange))
    elif exchange.status != 200:
        findings.append(
            Finding(
                Verdict.GATEWAY_REJECT,
                "",
                f"the gateway answered HTTP {exchange.status} without calling "
                f"the provider: {exchange.error_body[:400]}{refused()}",
                request=request,
            )
        )
    elif failures := stream_failures(exchange):
        # codex-relay, for one, reports every failure as HTTP 200 with response.failed in the stream.
        findings.append(
            Finding(
                Verdict.GATEWAY_REJECT,
                "",
                f"the gateway answered HTTP 200 with {failures[0]} without calling the provider",
                request=request,
            )
        )
    else:
        findings.append(
            Finding(
                Verdict.NO_UPSTREAM_CALL,
                "",
                "the gateway answered 200 without calling the provider: whatever Codex got, no provider produced it",
                request=request,
            )
        )
    return findings


def leak_effect(policy: str, verified: bool) -> Effect:
    """A leak's :class:`Effect` from the provider's unknown-field policy and whether it was observed."""
    if not verified:
        return Effect.UNVERIFIED
    return Effect.REJECTED if policy == "reject" else Effect.IGNORED


def _leak_effect(call: UpstreamCall) -> str:
    """What the provider did with a leaked field, in words (the finding's message)."""
    if not call.accepted and call.unknown_policy == "reject":
        text = f"{call.provider} rejected it with HTTP {call.status}: Codex breaks"
    elif call.accepted:
        text = f"{call.provider} ignores unknown fields: accepted, but silently without effect (the setting is lost)"
    else:  # refused for a value (an upstream_reject beside this leak); the field itself would have been dropped
        text = f"{call.provider} ignores unknown fields: silently without effect"
    if not call.unknown_verified:
        text += f" (unverified: {call.provider}'s handling of unknown fields is assumed, not observed)"
    return text


def verdict_of(findings: Sequence[Finding]) -> Verdict:
    """The most severe finding's kind, or pass."""
    if not findings:
        return Verdict.PASS
    return min((f.kind for f in findings), key=lambda kind: SEVERITY.get(kind, len(SEVERITY)))
