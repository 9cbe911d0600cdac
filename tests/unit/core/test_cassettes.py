"""The recorded Codex cassettes: loadable by VCR.py, free of secrets, inside the Codex drift schema.

A failure in the drift test means a recording holds something the schema does not know: a new field,
input item type or tool type that Codex started sending. The message names the cassette, the Codex
version and the JSON path, which is where to look in the gateway.
"""

from __future__ import annotations

import getpass
import json
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match
from vcr.cassette import Cassette

from codex_gateway_contracts.tools.record.cassette import CASSETTE_ORIGIN
from codex_gateway_contracts.tools.record.scenarios import load_scenarios
from codex_gateway_contracts.tools.record.script import RESPONSES_PATH, response_item_types

ROOT = Path(__file__).resolve().parents[3]
CASSETTES = ROOT / "cassettes"
CODEX = CASSETTES / "codex"
SCENARIOS = CASSETTES / "scenarios.yaml"
SCHEMA = ROOT / "schemas" / "codex" / "responses-request.schema.json"
#: Every recorded Codex version: a new folder is picked up by all tests here without editing them.
VERSIONS = sorted(p.name for p in CODEX.iterdir() if p.is_dir()) if CODEX.is_dir() else []

# What each recorded Codex version sends (read from its cassettes when it was recorded; the drift schema's
# $comments say which version sends what). The cassettes of a version must cover all of it together, so
# deleting a cassette cannot go unnoticed.
_COMMON_FIELDS = {
    "model", "stream", "service_tier", "input", "tools", "tool_choice", "parallel_tool_calls",
    "reasoning", "store", "include", "prompt_cache_key", "text", "client_metadata",
}  # fmt: skip
_ITEM_TYPES = {
    "message/developer", "message/user", "message/assistant", "reasoning", "function_call",
    "function_call_output", "custom_tool_call", "custom_tool_call_output",
}  # fmt: skip
_CONTENT_TYPES = {"input_text", "input_image", "output_text"}
_COMMON_VALUES = {
    "reasoning.effort=high", "reasoning.summary=detailed", "text.verbosity=high", "text.format=json_schema",
    "service_tier=priority", "service_tier=flex",
}  # fmt: skip
EXPECTED_COVERAGE: dict[str, dict[str, set[str]]] = {
    "0.130.0": {
        "field": _COMMON_FIELDS | {"instructions"},
        "item": _ITEM_TYPES,
        "content": _CONTENT_TYPES,
        "tool": {"function", "custom", "web_search"},
        "value": _COMMON_VALUES | {"reasoning=null", "include=[]", "parallel_tool_calls=false", "detail=high"},
    },
    "0.169.0": {
        "field": _COMMON_FIELDS,
        "item": _ITEM_TYPES,
        "content": _CONTENT_TYPES,
        "tool": {"function", "custom", "web_search", "tool_search", "namespace"},
        "value": _COMMON_VALUES | {"reasoning.summary=auto", "detail=original"},
    },
}

_SECRET_PATTERNS = {
    "OpenAI-style key": re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"),
    "Bearer token": re.compile(r"\bBearer\s+[A-Za-z0-9._~+/=-]{8,}"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "recorder dummy key": re.compile(r"capture-dummy-"),
    "recorder temp home": re.compile(r"codex-contracts-home-[A-Za-z0-9_]"),
    "home directory": re.compile(r"/(?:home|Users)/[^/\s\"'\\]+/"),
}
_SECRET_HEADERS = re.compile(r"authorization|api-key|x-api-key|cookie|key|token|secret|auth", re.IGNORECASE)


@dataclass(frozen=True)
class Recorded:
    """One recorded request, with what a failure message needs to point at it."""

    path: Path
    version: str
    scenario: str
    index: int
    headers: dict[str, str]
    body: dict[str, Any]
    response: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)} (Codex {self.version}) request {self.index}"


def cassette_files() -> list[Path]:
    return sorted(CODEX.glob("*/*.yaml"))


@cache
def load(path: Path) -> tuple[Recorded, ...]:
    """Load through VCR.py's own Cassette class, as pytest-recording would."""
    cassette = Cassette.load(path=str(path), record_mode="none")
    out = []
    for index, (request, response) in enumerate(zip(cassette.requests, cassette.responses, strict=True)):
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        sse = response["body"]["string"]
        out.append(
            Recorded(
                path=path,
                version=path.parent.name,
                scenario=path.stem,
                index=index,
                headers={str(k): str(v) for k, v in request.headers.items()},
                body=json.loads(body),
                response=sse.decode() if isinstance(sse, bytes) else sse,
            )
        )
    return tuple(out)


@cache
def validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def json_path(parts: Iterator[Any] | list[Any]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def describe(error: ValidationError) -> list[str]:
    """One line per problem; an unexpected property gets its own path, not just its parent's."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        return describe(best_match(error.context))
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        schema = error.schema if isinstance(error.schema, dict) else {}
        known = set(schema.get("properties", {}))
        return [
            f"{json_path([*error.absolute_path, key])}: unexpected field" for key in error.instance if key not in known
        ]
    return [f"{json_path(list(error.absolute_path))}: {error.message}"]


def drift(recorded: Recorded) -> list[str]:
    """Schema violations of one recorded body, each prefixed with cassette, version and request."""
    return [
        f"{recorded.where}: {line}"
        for error in sorted(validator().iter_errors(recorded.body), key=lambda e: list(e.absolute_path))
        for line in describe(error)
    ]


def coverage(version: str) -> dict[str, set[str]]:
    """What the cassettes of ``version`` exercise, in the vocabulary of ``EXPECTED_COVERAGE``."""
    seen: dict[str, set[str]] = {"field": set(), "item": set(), "content": set(), "tool": set(), "value": set()}
    for path in sorted((CODEX / version).glob("*.yaml")):
        for rec in load(path):
            body = rec.body
            seen["field"].update(body)
            for item in body["input"]:
                kind = item["type"]
                seen["item"].add(f"message/{item['role']}" if kind == "message" else kind)
                for part in item.get("content") or []:
                    seen["content"].add(part["type"])
                    if part["type"] == "input_image":
                        seen["value"].add(f"detail={part.get('detail')}")
            seen["tool"].update(tool["type"] for tool in body["tools"])
            reasoning, text = body.get("reasoning"), body.get("text") or {}
            if reasoning is None:
                seen["value"].add("reasoning=null")
            else:
                seen["value"].update(f"reasoning.{key}={value}" for key, value in reasoning.items())
            seen["value"].update(f"text.verbosity={text[k]}" for k in ("verbosity",) if k in text)
            if "format" in text:
                seen["value"].add(f"text.format={text['format']['type']}")
            if "service_tier" in body:
                seen["value"].add(f"service_tier={body['service_tier']}")
            if body["include"] == []:
                seen["value"].add("include=[]")
            if body["parallel_tool_calls"] is False:
                seen["value"].add("parallel_tool_calls=false")
    return seen


def sse_events(text: str) -> list[dict[str, Any]]:
    return [json.loads(line[5:]) for line in text.splitlines() if line.startswith("data:")]


# --- the committed cassettes ---------------------------------------------------------------------


def test_drift_schema_is_valid_draft_2020_12() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_every_version_has_a_cassette_per_scenario() -> None:
    names = {s.name for s in load_scenarios(SCENARIOS)}
    for version in VERSIONS:
        found = {p.stem for p in (CODEX / version).glob("*.yaml")}
        assert found == names, f"Codex {version}: missing {sorted(names - found)}, stale {sorted(found - names)}"
    assert set(EXPECTED_COVERAGE) <= set(VERSIONS), "a recorded Codex version disappeared"


@pytest.mark.parametrize("path", cassette_files(), ids=lambda p: f"codex-{p.parent.name}/{p.stem}")
def test_cassette_replays_with_vcrpy(path: Path) -> None:
    cassette = Cassette.load(path=str(path), record_mode="none")
    assert cassette.requests, f"{path}: no interactions"
    for request, response in zip(cassette.requests, cassette.responses, strict=True):
        assert (request.method, request.uri) == ("POST", f"{CASSETTE_ORIGIN}{RESPONSES_PATH}")
        assert cassette.can_play_response_for(request)
        assert response["status"] == {"code": 200, "message": "OK"}
        assert response["headers"] == {"content-type": ["text/event-stream"]}


@pytest.mark.parametrize("path", cassette_files(), ids=lambda p: f"codex-{p.parent.name}/{p.stem}")
def test_request_bodies_match_the_drift_schema(path: Path) -> None:
    problems = [line for rec in load(path) for line in drift(rec)]
    assert not problems, "Codex sent something the drift schema does not know:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", cassette_files(), ids=lambda p: f"codex-{p.parent.name}/{p.stem}")
def test_replies_follow_the_scenario(path: Path) -> None:
    """Each recorded reply is the one scenarios.yaml scripts, and a stream Codex accepts (see reply_problems)."""
    scenario = {s.name: s for s in load_scenarios(SCENARIOS)}[path.stem]
    recorded = load(path)
    assert [response_item_types(r.response) for r in recorded] == [list(reply.kinds) for reply in scenario.all_replies]
    for rec in recorded:
        completed = sse_events(rec.response)[-1]
        assert completed["type"] == "response.completed"
        assert isinstance(completed["response"]["id"], str)
        assert isinstance(completed["response"]["usage"]["total_tokens"], int)


@pytest.mark.parametrize("version", VERSIONS)
def test_cassettes_cover_the_recorded_request_shapes(version: str) -> None:
    assert version in EXPECTED_COVERAGE, f"Codex {version}: write down what it sends in EXPECTED_COVERAGE"
    seen = coverage(version)
    missing = {
        kind: sorted(want - seen[kind]) for kind, want in EXPECTED_COVERAGE[version].items() if want - seen[kind]
    }
    assert not missing, f"Codex {version} cassettes no longer cover: {missing}"


def test_tool_round_trips_replay_the_call_and_its_output() -> None:
    """The follow-up requests carry what the gateway must translate: the call and its output, paired."""
    for version in EXPECTED_COVERAGE:
        for scenario, call, output in (
            ("tool_call", "function_call", "function_call_output"),
            ("apply_patch", "custom_tool_call", "custom_tool_call_output"),
            ("tool_call_deepseek", "function_call", "function_call_output"),
        ):
            items = load(CODEX / version / f"{scenario}.yaml")[1].body["input"]
            calls = [i for i in items if i["type"] == call]
            outputs = [i for i in items if i["type"] == output]
            assert len(calls) == len(outputs) == 1, f"{version} {scenario}"
            assert calls[0]["call_id"] == outputs[0]["call_id"]
        resumed = load(CODEX / version / "resume_second_turn.yaml")[1].body["input"]
        reasoning = [i for i in resumed if i["type"] == "reasoning"]
        assert reasoning and reasoning[0]["encrypted_content"] and reasoning[0]["content"] is None


def test_no_secrets_or_machine_names_under_cassettes() -> None:
    files = [p for p in sorted(CASSETTES.rglob("*")) if p.is_file()]
    assert files
    patterns = dict(_SECRET_PATTERNS)
    home = str(Path.home())
    if home not in ("", "/"):
        patterns["real home directory"] = re.compile(re.escape(home) + "/")
    patterns["user name in a path"] = re.compile(rf"/(?:home|Users)/{re.escape(getpass.getuser())}\b")
    host = socket.gethostname()
    if len(host) >= 4:  # shorter names ("vm") match ordinary words
        patterns["host name"] = re.compile(rf"\b{re.escape(host)}\b")
    hits = []
    for path in files:
        texts = [path.read_text(encoding="utf-8")]
        if path.suffix == ".yaml" and path.parent.parent == CODEX:
            # YAML folds long strings at spaces, which can split "Bearer <token>": scan the values too.
            for rec in load(path):
                texts += [json.dumps(rec.body, ensure_ascii=False), *rec.headers.values(), rec.response]
        for name, pattern in patterns.items():
            if any(pattern.search(text) for text in texts):
                hits.append(f"{path.relative_to(ROOT)}: {name}")
    assert not hits, "\n".join(hits)


def test_no_credential_headers_in_cassettes() -> None:
    hits = [
        f"{rec.where}: header {name}"
        for path in cassette_files()
        for rec in load(path)
        for name in rec.headers
        if _SECRET_HEADERS.search(name) or name.lower() in {"content-length", "host"}
    ]
    assert not hits, "\n".join(hits)


# --- drift reporting -----------------------------------------------------------------------------


def test_drift_names_the_cassette_version_and_path() -> None:
    rec = load(CODEX / "0.169.0" / "tool_call.yaml")[1]
    body = json.loads(json.dumps(rec.body))
    body["prompt_cache_retention"] = "24h"
    body["tools"].append({"type": "mcp", "server_label": "x"})
    body["input"].append({"type": "tool_search_call", "call_id": "c"})
    body["input"][0]["phase"] = "final"
    body["input"][3]["content"].append({"type": "input_file", "file_id": "f"})
    body["reasoning"]["context"] = "all"
    drifted = Recorded(rec.path, rec.version, rec.scenario, rec.index, rec.headers, body, rec.response)
    lines = drift(drifted)
    where = "cassettes/codex/0.169.0/tool_call.yaml (Codex 0.169.0) request 1: "
    assert all(line.startswith(where) for line in lines), lines
    paths = {line[len(where) :].split(":")[0] for line in lines}
    assert paths == {
        "$.prompt_cache_retention",
        f"$.tools[{len(body['tools']) - 1}].type",
        f"$.input[{len(body['input']) - 1}].type",
        "$.input[0].phase",
        f"$.input[3].content[{len(body['input'][3]['content']) - 1}].type",
        "$.reasoning.context",
    }


def test_drift_schema_keeps_tool_parameters_open() -> None:
    rec = load(CODEX / "0.169.0" / "basic.yaml")[0]
    body = json.loads(json.dumps(rec.body))
    body["tools"][0]["parameters"]["properties"]["anything"] = {"anyOf": [{"type": "string"}], "x-vendor": 1}
    assert not list(validator().iter_errors(body))
