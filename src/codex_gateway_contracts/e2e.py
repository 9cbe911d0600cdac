"""The real client end to end: ``codex exec`` (npm) through the gateway into the strict provider mocks.

The contract suite replays recorded requests and judges the gateway's stream by rule; this proves the
rules are the right ones, by letting Codex itself accept or refuse what the gateway answers: exit code,
final message (the mock's nonce must come back), for a tool round trip (a shell command or an MCP tool)
the tool output must reach the provider on the next call, and in a compaction session Codex must really
compact and carry the compacted history on. A failure names Codex's error and what every upstream call got.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .codex.config import render_config
from .codex.run import CodexRun
from .core.cassettes import ReplyItem
from .core.expectations import read_expected
from .core.files import tail
from .core.mocks import UpstreamCall
from .core.runner import RouteAddress
from .core.verdict import Outcome
from .errors import E2EExpectationsError, ExpectationsError
from .tools.record.scenarios import Scenario

#: Scenarios of ``cassettes/scenarios.yaml`` run for real (their prompt and Codex settings; the mock's
#: answers are :func:`script`'s): a turn, a tool round trip, compaction in both forms, an MCP round trip.
SCENARIOS = ("basic", "tool_call", "auto_compaction", "auto_compaction_local", "mcp_tools")
DEFAULT_TIMEOUT = 120.0
ENV_FLAG = "CODEX_CONTRACTS_E2E"
#: Prompt tokens the first answer of a compaction session reports: above the scenario's
#: ``model_auto_compact_token_limit`` (1000), so Codex compacts before its next request.
COMPACTION_TOKENS = 5000
#: What the MCP server's ``add`` returns for 2 and 3 (``cassettes/mcp/calc_server.py``).
MCP_SUM = "2 + 3 = 5"


@dataclass(frozen=True)
class E2ECase:
    """One Codex version x scenario x gateway route."""

    version: str
    scenario: str
    route: str

    @property
    def id(self) -> str:
        """Same shape as the contract case ids: ``codex-<version>/<scenario>-<route>``."""
        return f"codex-{self.version}/{self.scenario}-{self.route}"

    @property
    def nonce(self) -> str:
        """Deterministic tag the mock puts in its text reply and in the tool command."""
        return "e2e" + hashlib.sha256(self.id.encode()).hexdigest()[:10]


def recorded_versions(cassettes: Path) -> list[str]:
    """The Codex versions with cassettes (``cassettes/codex/<version>/``), newest first.

    Adding a version to the end-to-end run is adding its recording.
    """
    folders = [p.name for p in cassettes.iterdir() if p.is_dir()] if cassettes.is_dir() else []
    return sorted(folders, key=lambda v: tuple(int(x) if x.isdigit() else x for x in v.split(".")), reverse=True)


def cases(routes: Sequence[str], versions: Sequence[str]) -> list[E2ECase]:
    """Every version x route x scenario, grouped by version so each binary is installed once."""
    return [E2ECase(v, s, r) for v in versions for r in routes for s in SCENARIOS]


def enabled(flag: bool, environ: Mapping[str, str] = os.environ) -> bool:
    """Opt-in: the command-line flag, or ``CODEX_CONTRACTS_E2E=1``."""
    return flag or environ.get(ENV_FLAG, "").strip() == "1"


@dataclass(frozen=True)
class Script:
    """What the provider mock answers in one scenario, and what a pass needs beyond Codex's exit code."""

    #: The first model call's answer, then the following ones'.
    plan: tuple[ReplyItem, ...]
    later: tuple[tuple[ReplyItem, ...], ...] = ()
    #: Prompt tokens reported by the successive answers (then the mock's default).
    tokens: tuple[int, ...] = ()
    #: Text the tool's result must carry into the call after the tool call ("" when no tool runs).
    tool_output: str = ""
    #: ``remote`` or ``local``: Codex must compact after the tool ran, and carry the result on.
    compaction: str = ""


def script(case: E2ECase) -> Script:
    """The mock's answers per scenario.

    A text; a shell command, then a text; the same with a large reported usage, so that Codex compacts in
    between (remotely: one compaction item; locally: a summary); an MCP tool call, then a text.
    """
    shell = ReplyItem("function_call", name="exec_command", arguments=json.dumps({"cmd": f"echo e2e-{case.nonce}"}))
    done = (ReplyItem("text", text="The command printed its marker."),)
    if case.scenario == "tool_call":
        return Script((shell,), (done,), tool_output=f"e2e-{case.nonce}")
    if case.scenario == "auto_compaction":
        compacted = (ReplyItem("compaction"),)
        return Script((shell,), (compacted, done), (COMPACTION_TOKENS,), f"e2e-{case.nonce}", "remote")
    if case.scenario == "auto_compaction_local":
        summary = (ReplyItem("text", text=f"SUMMARY: the user ran echo e2e-{case.nonce}."),)
        return Script((shell,), (summary, done), (COMPACTION_TOKENS,), f"e2e-{case.nonce}", "local")
    if case.scenario == "mcp_tools":
        # The namespace is the one the request offers (0.130.0: mcp__calc__, 0.169+: mcp__calc).
        add = ReplyItem("function_call", name="add", arguments=json.dumps({"a": 2, "b": 3}), namespace="mcp__calc")
        return Script((add,), ((ReplyItem("text", text="The calc tool answered."),),), tool_output=MCP_SUM)
    return Script((ReplyItem("text", text="Hello from the end-to-end mock."),))


def reply_plans(case: E2ECase) -> tuple[tuple[ReplyItem, ...], list[tuple[ReplyItem, ...]]]:
    """The mock's first answer and the following ones (:func:`script`)."""
    planned = script(case)
    return planned.plan, list(planned.later)


def codex_config(scenario: Scenario, address: RouteAddress) -> str:
    """``config.toml`` for a run through the gateway.

    The scenario's settings (compaction limit, MCP servers) and provider name (``OpenAI`` compacts
    remotely), the route's model and headers.
    """
    base_url = f"{address.base_url.rstrip('/')}/v1"
    return render_config(address.model, base_url, scenario.settings(), address.headers, scenario.provider_name)


# -- judging ------------------------------------------------------------------------------------------


#: Where a tool's result sits in each wire: chat ``role: tool``, Responses ``function_call_output``,
#: Anthropic ``tool_result`` blocks, Gemini ``functionResponse`` parts, Bedrock Converse ``toolResult``.
_RESULT_TYPES = frozenset({"tool_result", "function_call_output"})
_RESULT_KEYS = ("functionResponse", "function_response", "toolResult")


def _tool_outputs(node: Any) -> Iterator[str]:
    """Texts of the tool results in a provider request, whatever its wire."""
    if isinstance(node, list):
        for item in node:
            yield from _tool_outputs(item)
    elif isinstance(node, dict):
        kind = node.get("type")
        if node.get("role") == "tool" or (isinstance(kind, str) and kind in _RESULT_TYPES):
            yield json.dumps(node.get("content", node.get("output")), ensure_ascii=False)
            return
        for key in _RESULT_KEYS:
            if key in node:
                yield json.dumps(node[key], ensure_ascii=False)
        for key, value in node.items():
            if key not in _RESULT_KEYS:
                yield from _tool_outputs(value)


def model_calls(calls: Sequence[UpstreamCall]) -> list[UpstreamCall]:
    """Calls that asked the provider for a completion (not model listings)."""
    return [c for c in calls if c.method == "POST"]


def problems(case: E2ECase, run: CodexRun, calls: Sequence[UpstreamCall]) -> list[str]:
    """Why the case failed, most telling first; empty when Codex accepted everything."""
    found: list[str] = []
    planned = script(case)
    posts = model_calls(calls)
    rejected = [c for c in posts if not c.accepted]
    finished = not run.timed_out and run.exit_code == 0
    if run.timed_out:
        found.append(f"Codex timed out after {run.seconds:.0f} s")
    elif run.exit_code != 0:
        found.append(f"Codex exited {run.exit_code}: {codex_error(run.stderr)}")
    if rejected:
        found.append("upstream: " + "; ".join(describe_call(c, short=True) for c in rejected))
    if not posts:
        found.append("no upstream call reached the provider mock")
    if finished and f"[{case.nonce}]" not in run.final_text:
        found.append(f"Codex's final message lacks the mock's marker [{case.nonce}]: {_clip(run.final_text, 200)!r}")
    # A compaction session that failed has already said why; the tool may well have run.
    if planned.tool_output and not rejected and (finished or not planned.compaction):
        found.extend(_round_trip(planned, posts))
    if planned.compaction and finished and not rejected and len(posts) >= 2:
        found.extend(_compaction(planned, posts))
    return found


def _round_trip(planned: Script, posts: Sequence[UpstreamCall]) -> list[str]:
    """The tool ran and its output reached the provider on the next call."""
    tool = planned.plan[0]
    what = "MCP tool" if tool.namespace else "tool"
    if len(posts) < 2:
        offered = any(item.kind == "function_call" for item in posts[0].reply_items) if posts else False
        why = "" if offered else f"; the provider request offered no {tool.name} tool (dropped by the gateway)"
        return [f"no {what} round trip: {len(posts)} model call(s), 2 expected{why}"]
    # A compaction request may carry the history as text (a summarising request has no tools to pair results with).
    texts = [json.dumps(posts[1].body, ensure_ascii=False)] if planned.compaction else _tool_outputs(posts[1].body)
    if not any(planned.tool_output in text for text in texts):
        return [f"the second upstream call does not carry the {what} output {planned.tool_output!r}"]
    return []


def _compaction(planned: Script, posts: Sequence[UpstreamCall]) -> list[str]:
    """Codex compacted after the tool ran (one more model call) and the next call carries what it got."""
    if len(posts) < 3:
        return [
            f"Codex never compacted: {len(posts)} model calls, 3 expected (the first answer reported "
            f"{planned.tokens[0]} prompt tokens, above the scenario's model_auto_compact_token_limit: did the "
            "gateway pass the usage on?)"
        ]
    kept = [i.text for i in posts[1].reply_items if i.kind in {"compaction", "text"} and i.text]
    carried = json.dumps(posts[2].body, ensure_ascii=False)
    if kept and kept[0] not in carried:
        what = "compaction item" if planned.compaction == "remote" else "summary"
        return [f"the call after the compaction does not carry the provider's {what} ({kept[0][:40]!r}...)"]
    return []


def codex_error(stderr: str) -> str:
    """What Codex said went wrong: its last ``ERROR`` line, the gateway's JSON envelope reduced to its message."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    # Codex's own error lines start with ERROR:; a gateway's multi-line message continues on other lines.
    own = [line for line in lines if line.startswith("ERROR:")]
    errors = own or [line for line in lines if "error" in line.lower()]
    line = (errors or lines or ["(no stderr)"])[-1]
    start = line.find("{")
    if start >= 0:
        try:
            envelope = json.loads(line[start:])
        except json.JSONDecodeError:
            envelope = None
        error = envelope.get("error") if isinstance(envelope, dict) else None
        if isinstance(error, dict) and error.get("message"):
            code = f"{error['code']} " if error.get("code") else ""
            line = f"{line[:start]}{code}{str(error['message']).strip().splitlines()[0]}"
    return _clip(line, 300)


def describe_call(call: UpstreamCall, short: bool = False) -> str:
    """``moonshot/chat answered 400 Unknown field: parallel_tool_calls``: the provider's own words.

    The fields the mock found outside the provider's schema follow, since generic envelopes
    ("Invalid API parameter") do not name them, and a lenient provider answers 200 regardless.
    """
    where = call.endpoint or f"{call.provider} {call.method} {call.path}"
    answer = call.answer
    if isinstance(answer, dict):
        error = answer.get("error")
        message = error.get("message") if isinstance(error, dict) else None
        text = str(message) if message else json.dumps(answer, ensure_ascii=False)
    else:
        text = str(answer or "")
    out = f"{where} answered {call.status} {_clip(text, 160 if short else 400)}"
    if call.violations:
        shown = ", ".join(f"{v.kind} {v.dotted()}" for v in call.violations[:3])
        more = f" +{len(call.violations) - 3}" if len(call.violations) > 3 else ""
        out += f" [schema: {shown}{more}]"
    return out


def failure_message(case: E2ECase, run: CodexRun, calls: Sequence[UpstreamCall], found: Sequence[str]) -> str:
    """First line: route and named reason; then Codex's stderr tail and every upstream call."""
    lines = [f"{case.route}: {'; '.join(found)}", f"  case {case.id}, Codex {case.version}, {run.seconds:.1f} s"]
    code = "timed out" if run.timed_out else f"exit code {run.exit_code}"
    lines.append(f"  Codex {code}; stderr tail:")
    lines.extend(f"    {line}" for line in tail(run.stderr, 12).splitlines())
    if not calls:
        lines.append("  upstream: no call recorded")
    for number, call in enumerate(calls):
        lines.append(f"  upstream #{number}: {call.method} {call.path} -> {describe_call(call)}")
    return "\n".join(lines)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def redact(text: str, secrets: Sequence[str]) -> str:
    """Never let the gateway's master key into a report, whatever Codex echoes."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    return text


# -- known failures -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class E2EExpectation:
    """A known failure: the case fails, and its failure message contains ``failure``."""

    id: str
    failure: str
    reason: str
    issue: str = ""


def load_expectations(path: Path) -> dict[str, E2EExpectation]:
    """Read ``expectations/e2e-<gateway>-<version>.yaml``; a missing file means no known failures."""
    if not path.is_file():
        return {}
    try:
        raw = read_expected(path)
    except ExpectationsError as exc:
        raise E2EExpectationsError(str(exc)) from exc
    entries: dict[str, E2EExpectation] = {}
    for number, item in enumerate(raw.get("expected") or []):
        try:
            entry = E2EExpectation(
                str(item["id"]), str(item["failure"]), str(item["reason"]), str(item.get("issue") or "")
            )
        except (KeyError, TypeError) as exc:
            raise E2EExpectationsError(f"{path}: expected[{number}] needs id, failure and reason ({exc})") from exc
        if entry.id in entries:
            raise E2EExpectationsError(f"{path}: {entry.id} is listed twice")
        entries[entry.id] = entry
    return entries


def decide(message: str | None, expected: E2EExpectation | None) -> tuple[Outcome, str]:
    """``pass``, ``xfail`` or ``fail`` with a note; strict both ways, like the contract expectations."""
    if expected is None:
        return (Outcome.PASS, "") if message is None else (Outcome.FAIL, message)
    if message is None:
        return Outcome.FAIL, f"{expected.id} is listed as a known failure but now passes: remove it ({expected.reason})"
    if expected.failure not in message:
        return Outcome.FAIL, f"{expected.id} fails differently than listed (expected {expected.failure!r}):\n{message}"
    issue = f" ({expected.issue})" if expected.issue else ""
    return Outcome.XFAIL, f"known: {expected.reason}{issue}: {message.splitlines()[0]}"
