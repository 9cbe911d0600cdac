"""The scenario file: validated with errors that name the problem, and pieces that are the same on every machine."""

from __future__ import annotations

import struct
import sys
import textwrap
import zlib
from pathlib import Path

import pytest

from codex_gateway_contracts.codex.config import render_config
from codex_gateway_contracts.tools.record.scenarios import DEFAULT_ARGUMENTS, load_scenarios, tiny_png


def test_tiny_png_is_a_valid_stable_png() -> None:
    png = tiny_png()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png == tiny_png()
    offset, kinds = 8, []
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind, data = png[offset + 4 : offset + 8], png[offset + 8 : offset + 8 + length]
        assert struct.unpack(">I", png[offset + 8 + length : offset + 12 + length])[0] == zlib.crc32(kind + data)
        kinds.append(kind)
        offset += 12 + length
    assert kinds == [b"IHDR", b"IDAT", b"IEND"]


def write(tmp_path: Path, entry: str) -> Path:
    path = tmp_path / "scenarios.yaml"
    path.write_text("scenarios:\n" + textwrap.indent(textwrap.dedent(entry), "  "), encoding="utf-8")
    return path


BASE = """\
- name: s
  description: d
  model: gpt-5.5
  prompt: hi
"""


def test_resume_is_one_turn_or_a_list_of_turns(tmp_path: Path) -> None:
    one = load_scenarios(write(tmp_path, BASE + "  replies: [text]\n  resume: {prompt: again, replies: [text]}\n"))[0]
    assert [t.prompt for t in one.turns] == ["hi", "again"]
    many = (
        BASE
        + "  replies: [text]\n  resume:\n    - {prompt: a, replies: [reasoning]}\n    - {prompt: b, replies: [text]}\n"
    )
    scenario = load_scenarios(write(tmp_path, many))[0]
    assert [t.prompt for t in scenario.turns] == ["hi", "a", "b"]
    assert [r.kinds for r in scenario.all_replies] == [("message",), ("reasoning", "message"), ("message",)]


def test_replies_hold_several_items_and_their_usage(tmp_path: Path) -> None:
    entry = BASE + (
        "  replies:\n"
        '    - {items: [reasoning, {kind: function_call, arguments: \'{"cmd": "echo one"}\'}, function_call],'
        " total_tokens: 5000}\n"
        "    - {kind: reasoning, summary: s, text: t}\n"
    )
    first, second = load_scenarios(write(tmp_path, entry))[0].all_replies
    assert first.kinds == ("reasoning", "function_call", "function_call") and first.total_tokens == 5000
    assert first.items[1].arguments == '{"cmd": "echo one"}' and first.items[2].arguments == DEFAULT_ARGUMENTS
    assert (second.items[0].summary, second.items[1].text) == ("s", "t")


@pytest.mark.parametrize(
    ("replies", "error"),
    [
        ("[telepathy]", "a reply kind is one of"),
        ("[{kind: text, patch: x}]", r"unknown reply keys \['patch'\]"),
        ("[{items: [{kind: message, summary: x}]}]", r"a message item has no keys \['summary'\]"),
        ("[{kind: text, total_tokens: 5}]", "total_tokens is an integer of at least 20"),
        ("[{kind: mcp_tool_call, tool: add}]", "names its 'server' and 'tool'"),
        ("[]", "'replies' is a non-empty list"),
    ],
)
def test_bad_replies_are_named(tmp_path: Path, replies: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        load_scenarios(write(tmp_path, BASE + f"  replies: {replies}\n"))


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ("  config: {model_provider: x}\n", r"config may not set \['model_provider'\]"),
        ("  config: {x: null}\n", "cannot be written as TOML"),
        ("  mcp_servers: {calc: {script: missing.py}}\n", "does not exist"),
        ("  mcp_servers: {calc: {script: s.py, env: {}}}\n", r"is \{script, startup_timeout_sec\?\}"),
        ("  resume: [{prompt: a}]\n", "exactly 'prompt' and 'replies'"),
    ],
)
def test_bad_settings_are_named(tmp_path: Path, extra: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        load_scenarios(write(tmp_path, BASE + "  replies: [text]\n" + extra))


def test_mcp_servers_and_nested_config_become_config_tables(tmp_path: Path) -> None:
    (tmp_path / "mcp").mkdir()
    (tmp_path / "mcp" / "calc.py").write_text("", encoding="utf-8")
    entry = BASE + (
        "  replies: [text]\n  provider_name: OpenAI\n"
        "  config: {tools: {web_search: {context_size: high}}}\n"
        "  mcp_servers: {calc: {script: mcp/calc.py, startup_timeout_sec: 5}}\n"
    )
    scenario = load_scenarios(write(tmp_path, entry))[0]
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads(
        render_config(
            scenario.model, "http://127.0.0.1:1/v1", scenario.settings(), provider_name=scenario.provider_name
        )
    )
    assert config["model_providers"]["capture"]["name"] == "OpenAI"
    assert config["tools"] == {"web_search": {"context_size": "high"}}
    server = config["mcp_servers"]["calc"]
    assert server == {
        "command": sys.executable,
        "args": ["-I", str(tmp_path / "mcp" / "calc.py")],
        "startup_timeout_sec": 5,
    }
