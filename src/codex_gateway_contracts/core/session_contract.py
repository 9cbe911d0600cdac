"""What a whole Codex session needs from a gateway beyond one turn: compaction, MCP calls, carried state.

The rules come from what the real binaries do (Codex 0.130.0, 0.169.0, 0.171.0, checked end to end by
``tests/e2e``) and from openai/codex's source:

- **Remote compaction.** A provider Codex treats as OpenAI or Azure compacts remotely: Codex 0.130.0 posts
  the conversation to ``/v1/responses/compact`` and reads ``output`` from the JSON answer
  (``codex-rs/codex-api/src/endpoint/compact.rs``); 0.169+ end a streamed ``/v1/responses`` request with a
  ``compaction_trigger`` item and count the ``compaction`` items among ``response.output_item.done``
  (``codex-rs/core/src/compact_remote_v2.rs``: anything but exactly one is fatal). There is no fallback to
  a local summary: a failed compaction fails the turn.
- **Carried state.** The compaction item, and each reasoning item's ``encrypted_content``, come back in the
  next request's input. The compaction item is the history itself: every provider must get it. Encrypted
  reasoning only a Responses-wire provider can use (a chat provider cannot take it: not a drop).
- **MCP tools** are namespaced (``{"type": "namespace", "name": "mcp__calc__", "tools": [...]}``, loaded by
  a tool search in 0.169+). Codex dispatches a call only by the name (and namespace) it offered; a flattened
  ``mcp__calc__add`` comes back as ``unsupported call: mcp__calc__add`` and the tool never runs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .cassettes import Interaction

if TYPE_CHECKING:
    from .mocks import UpstreamCall

#: Wires that carry Responses input items (encrypted reasoning, compaction items) as they are.
RESPONSES_WIRES = frozenset({"openai-responses", "openai-responses-compact"})
#: Codex 0.169+'s error when a compaction answer does not hold exactly one compaction item (compact_remote_v2.rs).
V2_ERROR = "remote compaction v2 expected exactly one compaction output item, got {n} from {m} output items"


def carries_responses_items(calls: Sequence[UpstreamCall]) -> bool:
    """Some upstream call went to a provider endpoint that takes Responses input items."""
    return any(call.wire in RESPONSES_WIRES for call in calls)


def carried_state(index: int, item: Mapping[str, Any], responses_wire: bool) -> Iterator[tuple[str, str, str]]:
    """``(path, needle, what)`` for the session state an input item carries back to the provider.

    The compaction item is the conversation before the compaction: every provider must get it (a bridge
    that cannot carry it to a chat provider loses the session's context). A reasoning item's
    ``encrypted_content`` only a Responses provider can use; a chat provider never gets it.
    """
    secret = item.get("encrypted_content")
    if not isinstance(secret, str) or not secret:
        return
    if item.get("type") == "compaction":
        what = "the compaction item (the compacted history; without it the session continues without its context)"
        yield f"input[{index}].encrypted_content", secret, what
    elif item.get("type") == "reasoning" and responses_wire:
        what = "a reasoning item's encrypted_content (the model's reasoning carried across turns)"
        yield f"input[{index}].encrypted_content", secret, what


# -- what must reach Codex -------------------------------------------------------------------------------
def compaction_problems(interaction: Interaction, items: Sequence[Mapping[str, Any]]) -> list[str]:
    """A compaction request's answer (its output items, as Codex reads them) must hold one compaction item."""
    form = interaction.compaction
    if form is None:
        return []
    n = sum(1 for item in items if item.get("type") == "compaction")
    m = len(items)
    if n == 1:
        return []
    if form == "trigger":
        return [
            f"Codex asked for a compaction (compaction_trigger) and the answer holds {n} compaction item(s) in "
            f"{m} output item(s): Codex 0.169+ fails the turn with 'Error running remote compact task: Fatal "
            f"error: {V2_ERROR.format(n=n, m=m)}'"
        ]
    effect = (
        "Codex 0.130.0 does not check: it exits 0 and replaces the session's history with that output, so the "
        "session silently loses its context"
        if n == 0
        else f"Codex 0.130.0 does not check: it carries all {n} into the next request"
    )
    return [
        f"Codex asked for a compaction (POST /v1/responses/compact) and the answer holds {n} compaction item(s) "
        f"in {m} output item(s): {effect}"
    ]


def compact_document_items(document: Any) -> tuple[list[Mapping[str, Any]], str | None]:
    """The compact endpoint answer's ``output`` items, or why Codex 0.130.0 cannot read it."""
    output = document.get("output") if isinstance(document, dict) else None
    if not isinstance(output, list):
        return [], "the answer is not a response.compaction object with an output list: Codex 0.130.0 cannot read it"
    return [item for item in output if isinstance(item, dict)], None


def dispatch_problems(codex: Mapping[str, Any], items: Sequence[Mapping[str, Any]]) -> list[str]:
    """Function calls reaching Codex that name no tool Codex offered (Codex answers ``unsupported call``)."""
    plain, spaced = _codex_tools(codex)
    problems = []
    for item in items:
        if item.get("type") != "function_call":
            continue
        name, namespace = str(item.get("name") or ""), str(item.get("namespace") or "")
        if (namespace and name in spaced.get(namespace, ())) or (not namespace and name in plain):
            continue
        shown = f"{namespace}{name}" if namespace else name
        hint = next(
            (
                f" (Codex offered it as function {inner} of namespace {ns}: the gateway flattened the namespace)"
                for ns, inners in spaced.items()
                for inner in inners
                if name == f"{ns}{inner}" or (name.endswith(inner) and name.startswith(ns.rstrip("_")))
            ),
            "",
        )
        problems.append(
            f"Codex got a call of {shown}, which is not a tool it offered{hint}: Codex answers "
            f"'unsupported call: {shown}' and the tool never runs"
        )
    return problems


def _codex_tools(codex: Mapping[str, Any]) -> tuple[set[str], dict[str, set[str]]]:
    """Names Codex dispatches: top-level functions and custom tools, and each namespace's functions."""
    tools = list(codex.get("tools") or [])
    for item in codex.get("input") or []:
        if isinstance(item, dict) and item.get("type") == "tool_search_output":
            tools.extend(item.get("tools") or [])
    plain: set[str] = set()
    spaced: dict[str, set[str]] = {}
    for tool in tools:
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            continue
        if tool.get("type") == "namespace":
            inner = {str(t.get("name")) for t in tool.get("tools") or [] if isinstance(t, dict)}
            spaced.setdefault(tool["name"], set()).update(inner)
        else:
            plain.add(tool["name"])
    return plain, spaced


def rejection_effect(interaction: Interaction, status: int) -> str:
    """What Codex does when its compaction request is refused (appended to the first refusal's finding)."""
    if interaction.compaction is None:
        return ""
    asked = "POST /v1/responses/compact" if interaction.compaction == "endpoint" else "compaction_trigger"
    return (
        f"; this was Codex's remote compaction request ({asked}), answered HTTP {status}: Codex fails the turn "
        "with 'Error running remote compact task: ...' and has no fallback to a local summary"
    )


def describe_items(items: Sequence[Mapping[str, Any]]) -> str:
    """``message, function_call exec_command, compaction``: what Codex got."""
    names = [f"{i.get('type')} {i.get('namespace') or ''}{i.get('name', '')}".strip() for i in items]
    return ", ".join(names) or "no output items"
