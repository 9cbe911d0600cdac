"""Scrubbing: secrets and per-run noise out, the same placeholders on every run, the body's shape kept."""

from __future__ import annotations

import json

from codex_gateway_contracts.tools.record.scrub import (
    HOME_PLACEHOLDER,
    TIMESTAMP_MS_PLACEHOLDER,
    TIMESTAMP_S_PLACEHOLDER,
    Scrubber,
)


def _sample(
    ids: list[str], stamp: int, chunk: str, seconds: str, metadata_order: list[str]
) -> tuple[list[tuple[str, str]], bytes]:
    thread, turn, install, message = ids
    turn_meta = json.dumps(
        {"thread_id": thread, "turn_id": turn, "turn_started_at_unix_ms": stamp}, separators=(",", ":")
    )
    headers = [
        ("authorization", "Bearer dummy"),
        ("x-api-key", "k"),
        ("Cookie", "c=1"),
        ("content-length", "123"),
        ("host", "127.0.0.1:4242"),
        ("session_id", thread),
        ("x-codex-window-id", f"{thread}:0"),
        ("x-codex-turn-metadata", turn_meta),
        ("user-agent", "codex_exec/0.169.0 (Ubuntu 24.4.0; x86_64) xterm (codex_exec; 0.169.0)"),
    ]
    metadata = {"x-codex-installation-id": install, "thread_id": thread, "x-codex-turn-metadata": turn_meta}
    body = {
        "model": "gpt-5.5",
        "input": [
            {"type": "message", "id": f"msg_{message}", "role": "user", "content": [
                {"type": "input_text", "text": "<environment_context>\n  <current_date>2031-02-03</current_date>\n"
                 "  <timezone>Europe/Paris</timezone>\n</environment_context>"},
            ]},
            {"type": "function_call", "name": "exec_command", "arguments": '{"cmd": "echo hi"}', "call_id": "call_1"},
            {"type": "function_call_output", "id": f"fco_{message}", "call_id": "call_1",
             "output": f"Chunk ID: {chunk}\nWall time: {seconds} seconds\nOutput:\nhi\n"},
        ],
        "prompt_cache_key": thread,
        "client_metadata": {key: metadata[key] for key in metadata_order},
    }  # fmt: skip
    return headers, json.dumps(body, separators=(",", ":")).encode()


def test_scrubber_is_deterministic_across_runs() -> None:
    first = _sample(
        ["01a20161-6b2c-7cf2-94d4-8759592ccb12", "01a20161-6b4e-73c0-a8e2-417859692863",
         "d7d129e9-5e97-4dfa-9ee8-5642567caee0", "01a20161-6b6b-74a2-abc5-e84651f1cd2d"],
        1795319491410, "f01815", "0.1827", ["x-codex-installation-id", "thread_id", "x-codex-turn-metadata"],
    )  # fmt: skip
    second = _sample(
        ["0199aaaa-0000-7000-8000-aaaaaaaaaaaa", "0199bbbb-0000-7000-8000-bbbbbbbbbbbb",
         "12345678-1234-4234-9234-123456789abc", "0199cccc-0000-7000-8000-cccccccccccc"],
        1795319999999, "a1b2c3", "2.5003", ["x-codex-turn-metadata", "x-codex-installation-id", "thread_id"],
    )  # fmt: skip
    outputs = []
    for raw_headers, raw_body in (first, second):
        scrubber = Scrubber()
        outputs.append((scrubber.headers(raw_headers), scrubber.body(raw_body)))
    assert outputs[0] == outputs[1]
    headers, body = outputs[0]
    assert set(headers) == {"session_id", "x-codex-window-id", "x-codex-turn-metadata", "user-agent"}
    assert headers["session_id"] == "00000000-0000-7000-8000-000000000001"
    assert headers["x-codex-window-id"] == "00000000-0000-7000-8000-000000000001:0"
    assert headers["user-agent"].startswith("codex_exec/0.169.0 (Linux; x86_64) xterm")
    parsed = json.loads(body)
    assert parsed["input"][0]["id"] == "msg_00000000-0000-7000-8000-000000000003"
    assert "<current_date>2000-01-01</current_date>" in parsed["input"][0]["content"][0]["text"]
    assert "<timezone>Etc/UTC</timezone>" in parsed["input"][0]["content"][0]["text"]
    assert parsed["input"][1]["arguments"] == '{"cmd": "echo hi"}'  # JSON-in-string kept byte for byte
    assert parsed["input"][2]["output"].startswith("Chunk ID: 000000\nWall time: 0.0000 seconds\n")
    assert list(parsed["client_metadata"]) == sorted(parsed["client_metadata"])
    assert json.loads(parsed["client_metadata"]["x-codex-turn-metadata"])["turn_started_at_unix_ms"] == (
        TIMESTAMP_MS_PLACEHOLDER
    )
    assert body == json.dumps(parsed, ensure_ascii=False, separators=(",", ":"))


def test_scrubber_rewrites_run_paths_and_keeps_the_body_shape() -> None:
    scrubber = Scrubber([("/tmp/codex-contracts-home-x1y2", HOME_PLACEHOLDER)])
    raw = {"input": [{"text": "root `/tmp/codex-contracts-home-x1y2/.codex/skills`"}], "n": 1, "b": None}
    out = json.loads(scrubber.body(json.dumps(raw).encode()))
    assert out == {"input": [{"text": "root `/tmp/codex-contracts-home/.codex/skills`"}], "n": 1, "b": None}


def test_message_create_time_is_fixed_and_keeps_its_type() -> None:
    """0.169.0+ send a float epoch to a provider named OpenAI; nothing else called create_time is touched."""
    raw = {
        "input": [
            {
                "type": "message",
                "internal_chat_message_metadata_passthrough": {"turn_id": "t", "create_time": 1796283838.6589205},
            },
            {"type": "message", "internal_chat_message_metadata_passthrough": {"create_time": 1796283839}},
            {"type": "message", "create_time": 1796283838.5},
        ]
    }
    out = json.loads(Scrubber().body(json.dumps(raw).encode()))
    meta = [item.get("internal_chat_message_metadata_passthrough", {}).get("create_time") for item in out["input"]]
    assert meta[:2] == [TIMESTAMP_S_PLACEHOLDER, TIMESTAMP_S_PLACEHOLDER]
    assert [type(value) for value in meta[:2]] == [float, int]
    assert out["input"][2]["create_time"] == 1796283838.5
    assert '"create_time":1700000000.0' in Scrubber().body(json.dumps(raw).encode())
