"""The recorder's scenarios (``cassettes/scenarios.yaml``).

Each says what Codex is asked, with which settings, over how many turns (``exec``, then any number of
``exec resume --last``), and the scripted reply to each request it will send.
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w
import yaml

from ...core.files import SNAKE_NAME

DEFAULT_TEXT = "Hi! (recorded reply)"
DEFAULT_ARGUMENTS = '{"cmd": "echo hello-from-tool"}'
DEFAULT_PATCH = "*** Begin Patch\n*** Add File: hello.txt\n+hello from apply_patch\n*** End Patch\n"
DEFAULT_SUMMARY = "Thinking about how to answer."
DEFAULT_TOTAL_TOKENS = 120
DEFAULT_PROVIDER_NAME = "Capture"
#: How long Codex waits for an MCP server to list its tools before it goes on without them (silently).
DEFAULT_MCP_STARTUP_TIMEOUT = 30

#: Output item kinds a reply can hold, and the keys each one reads.
ITEM_KEYS: dict[str, frozenset[str]] = {
    "message": frozenset({"text", "url", "title"}),
    "reasoning": frozenset({"summary"}),
    "function_call": frozenset({"arguments"}),
    "custom_tool_call": frozenset({"patch"}),
    "web_search_call": frozenset({"query"}),
    "compaction": frozenset(),
    "mcp_tool_call": frozenset({"server", "tool", "arguments"}),
}
#: A reply named by one word, and the output items it stands for.
REPLY_KINDS: dict[str, tuple[str, ...]] = {
    "text": ("message",),
    "reasoning": ("reasoning", "message"),
    "function_call": ("function_call",),
    "custom_tool_call": ("custom_tool_call",),
    "web_search": ("web_search_call", "message"),
    "compaction": ("compaction",),
    "mcp_tool_call": ("mcp_tool_call",),
}
#: Top-level config.toml keys the recorder writes itself; a scenario's ``config`` may not set them.
OWNED_CONFIG_KEYS = frozenset(
    {"model", "model_provider", "model_providers", "approval_policy", "sandbox_mode", "mcp_servers"}
)


@dataclass(frozen=True)
class ItemSpec:
    """One scripted output item; each kind reads the keys of ``ITEM_KEYS``."""

    kind: str
    text: str = DEFAULT_TEXT
    url: str = ""
    title: str = ""
    summary: str = DEFAULT_SUMMARY
    arguments: str = DEFAULT_ARGUMENTS
    patch: str = DEFAULT_PATCH
    query: str = "codex cli"
    server: str = ""
    tool: str = ""


@dataclass(frozen=True)
class ReplySpec:
    """One scripted answer: its output items and the ``usage.total_tokens`` it reports.

    A reply holding an ``mcp_tool_call`` may answer two requests: when Codex defers the MCP tools
    behind ``tool_search`` (0.169.0+ with gpt-5.5), the first answer is the ``tool_search_call``.
    """

    items: tuple[ItemSpec, ...]
    total_tokens: int = DEFAULT_TOTAL_TOKENS

    @property
    def kinds(self) -> tuple[str, ...]:
        """The item kinds, in order."""
        return tuple(item.kind for item in self.items)


def reply(kind: str, **values: str) -> ReplySpec:
    """The reply a one-word kind of ``REPLY_KINDS`` stands for (how tests build one)."""
    return ReplySpec(tuple(ItemSpec(k, **values) for k in REPLY_KINDS[kind]))


@dataclass(frozen=True)
class Turn:
    """One ``codex exec`` (the first turn) or ``codex exec resume --last`` (every later one)."""

    prompt: str
    replies: tuple[ReplySpec, ...]


@dataclass(frozen=True)
class McpServer:
    """A stdio MCP server Codex starts (``[mcp_servers.NAME]``): a Python script the repository ships."""

    name: str
    script: Path
    startup_timeout_sec: float = DEFAULT_MCP_STARTUP_TIMEOUT

    def table(self) -> dict[str, Any]:
        """The ``[mcp_servers.NAME]`` table: this Python, isolated (``-I``), running the script."""
        return {
            "command": sys.executable,
            "args": ["-I", str(self.script)],
            "startup_timeout_sec": self.startup_timeout_sec,
        }


@dataclass(frozen=True)
class Scenario:
    """One Codex session (``exec``, then any ``exec resume``), read from ``scenarios.yaml``."""

    name: str
    description: str
    #: ``codex exec`` first, then one ``codex exec resume --last`` per later turn.
    turns: tuple[Turn, ...]
    model: str
    config: Mapping[str, Any] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    files: Mapping[str, str] = field(default_factory=dict)
    images: tuple[str, ...] = ()
    provider_name: str = DEFAULT_PROVIDER_NAME
    mcp_servers: tuple[McpServer, ...] = ()

    @property
    def prompt(self) -> str:
        """The prompt of the first ``codex exec``."""
        return self.turns[0].prompt

    @property
    def all_replies(self) -> tuple[ReplySpec, ...]:
        """Replies in the order Codex will ask for them, across all turns."""
        return tuple(r for turn in self.turns for r in turn.replies)

    def settings(self) -> dict[str, Any]:
        """Codex settings for ``config.toml``: the scenario's ``config`` and its MCP servers."""
        settings = dict(self.config)
        if self.mcp_servers:
            settings["mcp_servers"] = {server.name: server.table() for server in self.mcp_servers}
        return settings


def _item(raw: Any, where: str, values: Mapping[str, Any] | None = None) -> ItemSpec:
    if isinstance(raw, str):
        raw = {"kind": raw}
    if not isinstance(raw, dict) or raw.get("kind") not in ITEM_KEYS:
        raise ValueError(f"{where}: an item is one of {sorted(ITEM_KEYS)} or a mapping with such a 'kind'")
    kind = raw["kind"]
    given = {**(values or {}), **{k: v for k, v in raw.items() if k != "kind"}}
    if unknown := set(raw) - {"kind"} - ITEM_KEYS[kind]:
        raise ValueError(f"{where}: a {kind} item has no keys {sorted(unknown)} (it reads {sorted(ITEM_KEYS[kind])})")
    spec = ItemSpec(kind, **{k: str(v) for k, v in given.items() if k in ITEM_KEYS[kind]})
    if kind == "mcp_tool_call" and not (spec.server and spec.tool):
        raise ValueError(f"{where}: an mcp_tool_call names its 'server' and 'tool'")
    return spec


def _total_tokens(raw: Mapping[str, Any], where: str) -> int:
    value = raw.get("total_tokens", DEFAULT_TOTAL_TOKENS)
    if not isinstance(value, int) or isinstance(value, bool) or value < 20:
        raise ValueError(f"{where}: total_tokens is an integer of at least 20 (the reply's output tokens)")
    return value


def _reply(raw: Any, where: str) -> ReplySpec:
    if isinstance(raw, str):
        raw = {"kind": raw}
    if not isinstance(raw, dict) or ("kind" in raw) == ("items" in raw):
        raise ValueError(f"{where}: a reply is one of {sorted(REPLY_KINDS)}, or a mapping with a 'kind' or 'items'")
    total = _total_tokens(raw, where)
    if "items" in raw:
        if unknown := set(raw) - {"items", "total_tokens"}:
            raise ValueError(f"{where}: unknown reply keys {sorted(unknown)}")
        if not isinstance(raw["items"], list) or not raw["items"]:
            raise ValueError(f"{where}: 'items' is a non-empty list")
        return ReplySpec(tuple(_item(i, where) for i in raw["items"]), total)
    kind = raw["kind"]
    if kind not in REPLY_KINDS:
        raise ValueError(f"{where}: a reply kind is one of {sorted(REPLY_KINDS)}")
    readable = set().union(*(ITEM_KEYS[k] for k in REPLY_KINDS[kind]))
    if unknown := set(raw) - {"kind", "total_tokens"} - readable:
        raise ValueError(f"{where}: unknown reply keys {sorted(unknown)} (a {kind} reply reads {sorted(readable)})")
    values = {k: v for k, v in raw.items() if k not in ("kind", "total_tokens")}
    return ReplySpec(tuple(_item(k, where, values) for k in REPLY_KINDS[kind]), total)


def _turn(raw: Any, where: str) -> Turn:
    if not isinstance(raw, dict) or set(raw) != {"prompt", "replies"}:
        raise ValueError(f"{where}: a resumed turn is a mapping with exactly 'prompt' and 'replies'")
    return _new_turn(raw, where)


def _new_turn(raw: Mapping[str, Any], where: str) -> Turn:
    replies = raw["replies"]
    if not isinstance(replies, list) or not replies:
        raise ValueError(f"{where}: 'replies' is a non-empty list")
    return Turn(str(raw["prompt"]), tuple(_reply(r, where) for r in replies))


def _mcp_servers(raw: Any, base: Path, where: str) -> tuple[McpServer, ...]:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: mcp_servers maps a server name to {{script, startup_timeout_sec?}}")
    servers = []
    for name, spec in raw.items():
        if not isinstance(spec, dict) or "script" not in spec or set(spec) - {"script", "startup_timeout_sec"}:
            raise ValueError(f"{where}: mcp_servers.{name} is {{script, startup_timeout_sec?}}")
        if not SNAKE_NAME.match(str(name)):
            raise ValueError(f"{where}: mcp server name {name!r} is not lower_snake_case")
        script = (base / str(spec["script"])).resolve()
        if not script.is_file():
            raise ValueError(f"{where}: mcp_servers.{name}.script {script} does not exist")
        timeout = spec.get("startup_timeout_sec", DEFAULT_MCP_STARTUP_TIMEOUT)
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
            raise ValueError(f"{where}: mcp_servers.{name}.startup_timeout_sec is a positive number of seconds")
        servers.append(McpServer(str(name), script, timeout))
    return tuple(servers)


def _config(raw: Any, where: str) -> dict[str, Any]:
    config = dict(raw or {})
    if owned := OWNED_CONFIG_KEYS & set(config):
        raise ValueError(f"{where}: config may not set {sorted(owned)} (the recorder writes them)")
    try:
        tomli_w.dumps(config)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: config cannot be written as TOML ({exc})") from None
    return config


_ALLOWED = frozenset(
    {"name", "description", "model", "prompt", "replies", "config", "args", "files", "images", "resume"}
    | {"provider_name", "mcp_servers"}
)


def _scenario(entry: Any, base: Path, where: str) -> Scenario:
    if unknown := set(entry) - _ALLOWED:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    if missing := {"description", "model", "prompt", "replies"} - set(entry):
        raise ValueError(f"{where}: missing keys {sorted(missing)}")
    resume = entry.get("resume") or []
    resumes = [resume] if isinstance(resume, dict) else resume
    if not isinstance(resumes, list):
        raise ValueError(f"{where}: 'resume' is one turn {{prompt, replies}} or a list of them")
    return Scenario(
        name=entry["name"],
        description=str(entry["description"]).strip(),
        turns=(_new_turn(entry, where), *(_turn(t, f"{where} resume {n + 1}") for n, t in enumerate(resumes))),
        model=str(entry["model"]),
        config=_config(entry.get("config"), where),
        args=tuple(str(a) for a in entry.get("args") or ()),
        files={str(k): str(v) for k, v in (entry.get("files") or {}).items()},
        images=tuple(str(i) for i in entry.get("images") or ()),
        provider_name=str(entry.get("provider_name", DEFAULT_PROVIDER_NAME)),
        mcp_servers=_mcp_servers(entry.get("mcp_servers") or {}, base, where),
    )


def load_scenarios(path: Path) -> list[Scenario]:
    """Parse and validate the scenario file; errors name the scenario so a typo is found quickly."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = data.get("scenarios") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: expected a top-level 'scenarios' list")
    scenarios: list[Scenario] = []
    for entry in entries:
        name = entry.get("name") if isinstance(entry, dict) else None
        where = f"{path}: scenario {name!r}"
        if not isinstance(entry, dict) or not isinstance(name, str) or not SNAKE_NAME.match(name):
            raise ValueError(f"{where}: needs a lower_snake_case 'name'")
        scenarios.append(_scenario(entry, path.parent, where))
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
