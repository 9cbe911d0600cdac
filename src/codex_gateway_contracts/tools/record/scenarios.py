"""The recorder's scenarios (``cassettes/scenarios.yaml``).

Each says what Codex is asked, with which settings, and the scripted reply to each request it will send.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ...core.files import SNAKE_NAME

REPLY_KINDS = ("text", "reasoning", "function_call", "custom_tool_call")
DEFAULT_TEXT = "Hi! (recorded reply)"
DEFAULT_ARGUMENTS = '{"cmd": "echo hello-from-tool"}'
DEFAULT_PATCH = "*** Begin Patch\n*** Add File: hello.txt\n+hello from apply_patch\n*** End Patch\n"
DEFAULT_SUMMARY = "Thinking about how to answer."


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
        if not isinstance(entry, dict) or not isinstance(name, str) or not SNAKE_NAME.match(name):
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
