"""Mutation harness: a gateway that breaks on purpose, to measure what the suite catches.

``FaultyGateway`` is a small, faithful Responses -> Chat Completions bridge (:mod:`.chat_bridge`), or a
Responses passthrough (``/v1/responses`` and the compact endpoint), with one fault switched on. Each
``Fault`` names the verdict and finding the suite must give; ``codex-contracts-faults`` runs them all
against the real provider mocks and prints the kill score. A suite that lets any of them pass is not protecting anyone.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ..core.cassettes import load
from ..core.catalogue import Catalogue, load_catalogue
from ..core.loopback import LoopbackServer, Request, Response
from ..core.mocks import MockFleet
from ..core.runner import Case, CaseRunner, RouteAddress
from ..core.sse import iter_sse
from ..core.verdict import CaseResult, Translations, Verdict
from ..data import DataFolders, data_folders
from ..wires.openai_responses import ResponsesStream
from .chat_bridge import Body, Items, chat_stream_to_items, flat_name, namespaced, to_chat


@dataclass(frozen=True)
class Fault:
    """A way to break a gateway, and the verdict and finding (``kind:regex`` on path and message) it earns."""

    name: str
    description: str
    verdict: str
    finding: str
    mode: str = "chat"  # chat | passthrough
    provider: str = "openai"
    cassette: str = "0.169.0/tool_call"
    upstream: Callable[[Body, Mapping[str, Any]], None] | None = None
    items: Callable[[Items], None] | None = None
    short_circuit: str | None = None  # no_upstream | answer_400
    reply: str | None = None  # answer_500 | json | no_completed | completed_without_id | usage_without_total | ...


def _messages(role: str) -> Callable[[Body, Mapping[str, Any]], None]:
    def drop(up: Body, _: Mapping[str, Any]) -> None:
        up["messages"] = [m for m in up["messages"] if m.get("role") != role]

    return drop


def _set(key: str, value: Callable[[Body, Mapping[str, Any]], Any]) -> Callable[[Body, Mapping[str, Any]], None]:
    def apply(up: Body, codex: Mapping[str, Any]) -> None:
        up[key] = value(up, codex)

    return apply


def _truncate_user(up: Body, _: Mapping[str, Any]) -> None:
    for message in up["messages"]:
        if message["role"] == "user" and isinstance(message["content"], str):
            message["content"] = message["content"][:3]


def _strip_images(up: Body, _: Mapping[str, Any]) -> None:
    for message in up["messages"]:
        if isinstance(message["content"], list):
            message["content"] = [p for p in message["content"] if p.get("type") != "image_url"]


def _rename(up: Body, _: Mapping[str, Any]) -> None:
    up["toolChoice"] = up.pop("tool_choice")


def _nested(up: Body, _: Mapping[str, Any]) -> None:
    up["messages"][0]["x_fault"] = 1


def _passthrough_nested(up: Body, _: Mapping[str, Any]) -> None:
    up["input"][0]["x_fault"] = 1


def _only_system(up: Body, _: Mapping[str, Any]) -> None:
    up["messages"] = [m for m in up["messages"] if m["role"] == "system"]


def _drop_last_tool(up: Body, _: Mapping[str, Any]) -> None:
    up["tools"] = up["tools"][:-1]


def _no_tool_calls(items: Items) -> None:
    items[:] = [i for i in items if i["type"] != "function_call"]


def _alter_text(items: Items) -> None:
    for item in items:
        if item["type"] == "message":
            item["content"][0]["text"] = "something the provider never said"


def _pop(key: str) -> Callable[[Body, Mapping[str, Any]], None]:
    def apply(up: Body, _: Mapping[str, Any]) -> None:
        up.pop(key, None)

    return apply


def _input_without(kind: str) -> Callable[[Body, Mapping[str, Any]], None]:
    def drop(up: Body, _: Mapping[str, Any]) -> None:
        up["input"] = [i for i in up.get("input") or [] if not (isinstance(i, dict) and i.get("type") == kind)]

    return drop


def _strip_reasoning(up: Body, _: Mapping[str, Any]) -> None:
    for item in up.get("input") or []:
        if isinstance(item, dict) and item.get("type") == "reasoning":
            item.pop("encrypted_content", None)


def _unload_searched_tools(up: Body, _: Mapping[str, Any]) -> None:
    for item in up.get("input") or []:
        if isinstance(item, dict) and item.get("type") == "tool_search_output":
            item["tools"] = []


def _drop_second_call(up: Body, _: Mapping[str, Any]) -> None:
    calls = [n for n, m in enumerate(up["messages"]) if m.get("tool_calls")]
    if len(calls) > 1:
        del up["messages"][calls[1]]


def _drop_namespaces(up: Body, codex: Mapping[str, Any]) -> None:
    flat = set(namespaced(codex))
    up["tools"] = [t for t in up["tools"] if t["function"]["name"] not in flat]


def _no_compaction(items: Items) -> None:
    items[:] = [i for i in items if i.get("type") != "compaction"]


def _flat_calls(items: Items) -> None:
    for item in items:
        if item.get("namespace"):
            item["name"] = flat_name(item.pop("namespace"), item["name"])


FAULTS: tuple[Fault, ...] = (
    Fault(
        "add_top_level_field",
        "adds an unknown top-level field",
        "leak",
        "leak:x_fault",
        upstream=_set("x_fault", lambda up, c: 1),
    ),
    Fault(
        "add_nested_field",
        "adds an unknown field inside a message",
        "leak",
        r"leak:messages\[0\]\.x_fault",
        upstream=_nested,
    ),
    Fault("rename_field", "renames tool_choice to toolChoice", "leak", "leak:toolChoice", upstream=_rename),
    Fault(
        "responses_field_to_chat",
        "passes the Responses-only reasoning object to a chat provider",
        "leak",
        "leak:^reasoning ",
        upstream=_set("reasoning", lambda up, c: c["reasoning"]),
    ),
    Fault(
        "pass_client_metadata",
        "passes Codex's client_metadata through",
        "leak",
        "leak:client_metadata",
        upstream=_set("client_metadata", lambda up, c: c["client_metadata"]),
    ),
    Fault(
        "pass_include",
        "passes Codex's include list to a chat provider",
        "leak",
        "leak:include",
        upstream=_set("include", lambda up, c: c["include"]),
    ),
    Fault(
        "leak_to_lenient_provider",
        "adds a field a lenient provider silently ignores",
        "leak",
        "leak:x_fault",
        provider="deepseek",
        upstream=_set("x_fault", lambda up, c: 1),
    ),
    Fault(
        "inject_stream_options",
        "injects stream_options.include_usage into a Responses passthrough",
        "leak",
        r"leak:stream_options\.include_usage",
        mode="passthrough",
        upstream=_set("stream_options", lambda up, c: {"include_usage": True}),
    ),
    Fault(
        "passthrough_nested_field",
        "adds a field to a Codex input item on passthrough",
        "leak",
        r"leak:input\[0\]\.x_fault",
        mode="passthrough",
        upstream=_passthrough_nested,
    ),
    Fault(
        "bad_value",
        "sends a tool_choice value the provider does not define",
        "upstream_reject",
        "upstream_reject:tool_choice",
        upstream=_set("tool_choice", lambda up, c: "sometimes"),
    ),
    Fault(
        "developer_role",
        "keeps Codex's developer role for a provider that refuses it",
        "upstream_reject",
        r"upstream_reject:messages\[\d+\]\.role",
        provider="deepseek",
        upstream=lambda up, c: up.__setitem__(
            "messages", [{**m, "role": "developer"} if m["role"] == "system" else m for m in up["messages"]]
        ),
    ),
    Fault(
        "wrong_endpoint",
        "calls an endpoint the provider does not serve",
        "upstream_reject",
        "upstream_reject:/v1/completions",
        reply="wrong_endpoint",
    ),
    Fault("drop_tools", "drops every tool", "drop", "drop:tools", upstream=_pop("tools")),
    Fault("drop_one_tool", "drops the last tool", "drop", "drop:tools", upstream=_drop_last_tool),
    Fault(
        "drop_tool_outputs",
        "drops the tool outputs Codex sent back",
        "drop",
        r"drop:input\[\d+\]\.output",
        upstream=_messages("tool"),
    ),
    Fault("drop_system_prompt", "drops the system prompt", "drop", r"drop:input\[0\]", upstream=_messages("system")),
    Fault(
        "drop_system_prompt_0130",
        "drops Codex 0.130's instructions",
        "drop",
        "drop:instructions",
        cassette="0.130.0/tool_call",
        upstream=_messages("system"),
    ),
    Fault(
        "drop_conversation",
        "sends only the system prompt",
        "drop",
        r"drop:input\[\d+\]\.content",
        upstream=_only_system,
    ),
    Fault(
        "truncate_user_message",
        "truncates the user's messages",
        "drop",
        r"drop:input\[\d+\]\.content",
        upstream=_truncate_user,
    ),
    Fault(
        "drop_image",
        "drops the image Codex attached",
        "drop",
        r"drop:input\[\d+\]\.content\[1\]",
        cassette="0.169.0/image_input",
        upstream=_strip_images,
    ),
    Fault(
        "no_upstream_call",
        "answers 200 without calling the provider",
        "no_upstream_call",
        "no_upstream_call:without calling the provider",
        short_circuit="no_upstream",
    ),
    Fault(
        "answer_400",
        "refuses the request itself",
        "gateway_reject",
        "gateway_reject:faulty gateway says no",
        short_circuit="answer_400",
    ),
    Fault(
        "answer_500_after_upstream",
        "calls the provider, then answers 500",
        "bad_reply",
        "bad_reply:HTTP 500",
        reply="answer_500",
    ),
    Fault("json_not_sse", "answers a streaming request with JSON", "bad_reply", "bad_reply:not SSE", reply="json"),
    Fault(
        "no_completed",
        "ends the stream without response.completed",
        "bad_reply",
        "bad_reply:no response.completed",
        reply="no_completed",
    ),
    Fault(
        "completed_without_id",
        "sends response.completed without an id",
        "bad_reply",
        "bad_reply:no response.id",
        reply="completed_without_id",
    ),
    Fault(
        "usage_without_total",
        "sends usage without total_tokens",
        "bad_reply",
        "bad_reply:total_tokens",
        reply="usage_without_total",
    ),
    Fault(
        "items_only_in_completed",
        "puts the items only in response.completed.output",
        "bad_reply",
        "bad_reply:never reached Codex",
        reply="items_only_in_completed",
    ),
    Fault(
        "lose_tool_call",
        "does not translate the provider's tool call back",
        "bad_reply",
        "bad_reply:function_call exec_command.*never reached Codex",
        items=_no_tool_calls,
    ),
    Fault(
        "alter_text",
        "replaces the provider's text",
        "bad_reply",
        "bad_reply:text .*never reached Codex",
        items=_alter_text,
    ),
    # -- the session contract: compaction, carried state, MCP tools ------------------------------------------
    Fault(
        "drop_compaction_trigger",
        "drops Codex 0.169's compaction_trigger item on passthrough",
        "drop",
        r"drop:input\[\d+\] the compaction_trigger did not reach",
        mode="passthrough",
        cassette="0.169.0/auto_compaction",
        upstream=_input_without("compaction_trigger"),
    ),
    Fault(
        "answer_without_compaction_item",
        "answers Codex's compaction request without the provider's compaction item",
        "bad_reply",
        "bad_reply:expected exactly one compaction output item, got 0",
        mode="passthrough",
        cassette="0.171.0/auto_compaction",
        items=_no_compaction,
    ),
    Fault(
        "compact_without_compaction_item",
        "answers Codex 0.130's POST /v1/responses/compact without the compaction item",
        "bad_reply",
        "bad_reply:silently loses its context",
        mode="passthrough",
        cassette="0.130.0/auto_compaction",
        items=_no_compaction,
    ),
    Fault(
        "forward_compact_unserved",
        "forwards /v1/responses/compact to a Responses provider without a compact endpoint",
        "upstream_reject",
        "upstream_reject:/responses/compact .*does not serve",
        mode="passthrough",
        provider="openrouter",
        cassette="0.130.0/auto_compaction",
    ),
    Fault(
        "drop_compaction_item",
        "drops the compaction item Codex carries back in the next request",
        "drop",
        r"drop:input\[\d+\]\.encrypted_content the compaction item",
        mode="passthrough",
        cassette="0.169.0/auto_compaction",
        upstream=_input_without("compaction"),
    ),
    Fault(
        "drop_reasoning_content",
        "strips the encrypted reasoning Codex carries across turns",
        "drop",
        r"drop:input\[\d+\]\.encrypted_content a reasoning item",
        mode="passthrough",
        cassette="0.171.0/long_session",
        upstream=_strip_reasoning,
    ),
    Fault(
        "drop_parallel_call",
        "keeps only the first of two parallel tool calls Codex replays",
        "drop",
        r"drop:input\[\d+\] a tool call Codex replayed .*echo two",
        cassette="0.169.0/long_session",
        upstream=_drop_second_call,
    ),
    Fault(
        "drop_mcp_tools",
        "drops Codex's namespaced MCP tools",
        "drop",
        "drop:tools .*add",
        cassette="0.130.0/mcp_tools",
        upstream=_drop_namespaces,
    ),
    Fault(
        "flatten_namespace",
        "gives Codex the provider's flat MCP call name instead of the namespaced call",
        "bad_reply",
        "bad_reply:unsupported call: mcp__calc",
        cassette="0.130.0/mcp_tools",
        items=_flat_calls,
    ),
    Fault(
        "drop_tool_search_tools",
        "empties the tools a tool search loaded (Codex 0.169's deferred MCP tools)",
        "drop",
        r"drop:input\[\d+\]\.tools .*add",
        mode="passthrough",
        cassette="0.169.0/mcp_tools",
        upstream=_unload_searched_tools,
    ),
)


class FaultyGateway:
    """Serves ``POST /v1/responses`` on 127.0.0.1 for routes mapped to ``(api_base, mode)``; a runner target."""

    api_key = "key"

    def __init__(self, routes: Mapping[str, tuple[str, str]], fault: Fault | None = None) -> None:
        self.routes = dict(routes)
        self.fault = fault
        self.server = LoopbackServer(self._serve, name="faulty-gateway")

    @property
    def base_url(self) -> str:
        """Where a client points its Responses base URL."""
        return self.server.base_url

    def address(self, route: str) -> RouteAddress:
        """The route is the request's model, as with LiteLLM."""
        return RouteAddress(self.base_url, route)

    def alive(self) -> bool:
        """It runs in this process."""
        return True

    def close(self) -> None:
        """Stop serving."""
        self.server.close()

    def _serve(self, request: Request) -> Response:
        status, content_type, payload = self.respond(json.loads(request.body), request.path)
        return Response(status, content_type, payload)

    def respond(self, body: Body, path: str = "/v1/responses") -> tuple[int, str, bytes]:
        """Bridge one Codex request, applying the fault."""
        fault = self.fault
        if fault and fault.short_circuit == "answer_400":
            return 400, "application/json", b'{"error": {"message": "faulty gateway says no"}}'
        if fault and fault.short_circuit == "no_upstream":
            item = {
                "type": "message",
                "id": "m",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "x"}],
            }
            return self._stream([item], None)
        api_base, mode = self.routes[body["model"]]
        if path.rstrip("/").endswith("/responses/compact"):
            return self._compact(body, api_base, mode)
        upstream: Body = copy.deepcopy(dict(body)) if mode == "passthrough" else to_chat(body)
        if mode == "passthrough":
            upstream.pop("client_metadata", None)
        if fault and fault.upstream:
            fault.upstream(upstream, body)
        path = "/v1/responses" if mode == "passthrough" else "/chat/completions"
        if fault and fault.reply == "wrong_endpoint":
            path = "/v1/completions"
        reply = httpx.post(f"{api_base}{path}", json=upstream, timeout=30, trust_env=False)
        if reply.status_code != 200:
            return reply.status_code, "application/json", json.dumps({"error": {"message": reply.text}}).encode()
        if mode == "passthrough" and not fault:
            return 200, "text/event-stream", reply.content
        items = (
            [
                e["item"]
                for e in (ev.json() for ev in iter_sse(reply.text))
                if e and e.get("type") == "response.output_item.done"
            ]
            if mode == "passthrough"
            else chat_stream_to_items(reply.text, namespaced(body))
        )
        if fault and fault.items:
            fault.items(items)
        return self._stream(items, fault.reply if fault else None)

    def _compact(self, body: Body, api_base: str, mode: str) -> tuple[int, str, bytes]:
        """Codex 0.130's compact endpoint: passed through as JSON; a chat bridge refuses it itself."""
        fault = self.fault
        if mode == "chat":
            return 400, "application/json", b'{"error": {"message": "compaction is not supported for a chat provider"}}'
        upstream = {k: v for k, v in copy.deepcopy(body).items() if k != "client_metadata"}
        if fault and fault.upstream and mode == "passthrough":
            fault.upstream(upstream, body)
        reply = httpx.post(f"{api_base}/responses/compact", json=upstream, timeout=30, trust_env=False)
        if reply.status_code != 200:
            return reply.status_code, "application/json", json.dumps({"error": {"message": reply.text}}).encode()
        document = reply.json()
        if fault and fault.items:
            fault.items(document["output"])
        return 200, "application/json", json.dumps(document).encode()

    @staticmethod
    def _stream(items: Items, reply: str | None) -> tuple[int, str, bytes]:
        usage: dict[str, int] = {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2}
        if reply == "usage_without_total":
            usage.pop("total_tokens")
        response: dict[str, Any] = {"id": "resp_fg", "output": items, "usage": usage}
        if reply == "completed_without_id":
            response.pop("id")
        if reply == "answer_500":
            return 500, "application/json", b'{"error": {"message": "internal error"}}'
        if reply == "json":
            return 200, "application/json", json.dumps(response).encode()
        stream = ResponsesStream()
        stream.emit("response.created", response={"id": "r"})
        if reply != "items_only_in_completed":
            for n, item in enumerate(items):
                stream.done(n, item)
        if reply != "no_completed":
            stream.complete(response)
        return 200, "text/event-stream", stream.payload()


@dataclass(frozen=True)
class Outcome:
    """What the suite said about one fault."""

    fault: Fault | None
    result: CaseResult

    @property
    def killed(self) -> bool:
        """The suite gave the expected verdict and named the expected finding."""
        if self.fault is None:
            return self.result.verdict == Verdict.PASS
        kind, _, pattern = self.fault.finding.partition(":")
        # The pattern is searched in the finding's path and message (reply problems have no path).
        return self.result.verdict == self.fault.verdict and any(
            f.kind == kind and re.search(pattern, f"{f.path} {f.message}") for f in self.result.findings
        )


def run_fault(
    fault: Fault | None,
    catalogue: Catalogue,
    cassettes: Path,
    translations: Translations,
    mode: str = "chat",
    provider: str = "openai",
    cassette: str = "0.169.0/tool_call",
) -> Outcome:
    """Run one fault (or, with None, the faithful bridge) through the real mocks and judge it."""
    if fault is not None:
        mode, provider, cassette = fault.mode, fault.provider, fault.cassette
    fleet = MockFleet(catalogue)
    route = f"{provider}-{fault.name if fault else 'faithful'}"
    api_base = fleet.register(f"0-{route}", catalogue.get(provider), route)
    gateway = FaultyGateway({route: (api_base, mode)}, fault)
    runner = CaseRunner(gateway, fleet, translations, concurrency=1, request_timeout=30)
    try:
        case = Case(load(cassettes / f"{cassette}.yaml"), route, catalogue.get(provider))
        return Outcome(fault, runner.run(case))
    finally:
        runner.close()
        gateway.close()
        fleet.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Print each fault's verdict and the kill score; exit 1 unless every fault is killed."""
    parser = argparse.ArgumentParser(prog="codex-contracts-faults", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root", type=Path, default=data_folders().root, help="data root: schemas/, cassettes/ (default: %(default)s)"
    )
    parser.add_argument("--fault", action="append", help="run only this fault (repeatable)")
    args = parser.parse_args(argv)
    data = DataFolders(args.root)
    catalogue = load_catalogue(data.schemas / "providers")
    translations = Translations.load(data.schemas / "translations.yaml")
    cassettes = data.cassettes
    chosen = [f for f in FAULTS if not args.fault or f.name in args.fault]
    killed = 0
    for mode in ("chat", "passthrough"):
        control = run_fault(None, catalogue, cassettes, translations, mode=mode)
        print(
            f"{'control: faithful ' + mode:34} expected pass            got {control.result.verdict:16} "
            f"{'ok' if control.killed else 'BROKEN'}"
        )
        if not control.killed:
            print("the faithful bridge does not pass; fault verdicts would mean nothing", file=sys.stderr)
            return 2
    for fault in chosen:
        outcome = run_fault(fault, catalogue, cassettes, translations)
        killed += outcome.killed
        paths = ", ".join(sorted({f"{f.kind}:{f.path}" for f in outcome.result.findings}))[:90]
        print(
            f"{fault.name:34} expected {fault.verdict:16} got {outcome.result.verdict:16} "
            f"{'killed' if outcome.killed else 'SURVIVED'}  {paths}"
        )
    print(f"kill score: {killed}/{len(chosen)} ({100 * killed // max(1, len(chosen))}%)")
    return 0 if killed == len(chosen) else 1


if __name__ == "__main__":
    raise SystemExit(main())
