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
import yaml
from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from vcr.cassette import Cassette

from codex_gateway_contracts.core.cassettes import discover, version_key
from codex_gateway_contracts.errors import CassetteError
from codex_gateway_contracts.tools.record.cassette import CASSETTE_ORIGIN
from codex_gateway_contracts.tools.record.scenarios import ReplySpec, Scenario, load_scenarios
from codex_gateway_contracts.tools.record.script import COMPACT_PATH, JSON, RESPONSES_PATH, SSE, response_item_types

ROOT = Path(__file__).resolve().parents[3]
CASSETTES = ROOT / "cassettes"
CODEX = CASSETTES / "codex"
#: What each recorded Codex version sends, one file per version (outside ``codex/``, which holds cassettes only).
COVERAGE = CASSETTES / "coverage"
SCENARIOS = CASSETTES / "scenarios.yaml"
SCHEMAS = ROOT / "schemas" / "codex"
SCHEMA = SCHEMAS / "responses-request.schema.json"
#: Every recorded Codex version: a new folder is picked up by all tests here without editing them.
VERSIONS = sorted(p.name for p in CODEX.iterdir() if p.is_dir()) if CODEX.is_dir() else []
#: The vocabulary of a coverage file: one key per kind of thing a request can hold.
COVERAGE_KINDS = ("paths", "headers", "fields", "items", "item_fields", "content", "tools", "tool_fields", "values")
#: Content type of the answer recorded for each path Codex calls.
ANSWER_TYPES = {RESPONSES_PATH: SSE, COMPACT_PATH: JSON}

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
    endpoint: str = RESPONSES_PATH
    content_type: str = SSE

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
        answer = response["body"]["string"]
        out.append(
            Recorded(
                path=path,
                version=path.parent.name,
                scenario=path.stem,
                index=index,
                headers={str(k): str(v) for k, v in request.headers.items()},
                body=json.loads(body),
                response=answer.decode() if isinstance(answer, bytes) else answer,
                endpoint=request.uri.removeprefix(CASSETTE_ORIGIN),
                content_type=response["headers"]["content-type"][0],
            )
        )
    return tuple(out)


def schema_file(endpoint: str) -> Path:
    """The drift schema of one endpoint: ``/v1/responses/compact`` -> ``responses-compact-request.schema.json``."""
    return SCHEMAS / f"{endpoint.removeprefix('/v1/').replace('/', '-')}-request.schema.json"


@cache
def schema_registry() -> Registry[Any]:
    """Every Codex drift schema by its ``$id``, so one can use another's definitions without the network."""
    documents = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SCHEMAS.glob("*.schema.json"))]
    return Registry().with_resources((d["$id"], DRAFT202012.create_resource(d)) for d in documents)


@cache
def validator(endpoint: str = RESPONSES_PATH) -> Draft202012Validator:
    schema = json.loads(schema_file(endpoint).read_text(encoding="utf-8"))
    return Draft202012Validator(schema, registry=schema_registry())


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
        for error in sorted(
            validator(recorded.endpoint).iter_errors(recorded.body), key=lambda e: list(e.absolute_path)
        )
        for line in describe(error)
    ]


def _item_kind(item: dict[str, Any]) -> str:
    return f"message/{item['role']}" if item["type"] == "message" else str(item["type"])


def _values(body: dict[str, Any]) -> Iterator[str]:
    """Config-driven values and request shapes worth keeping, as ``name=value`` (or a bare name)."""
    reasoning, text = body.get("reasoning", {}), body.get("text") or {}
    if reasoning is None:
        yield "reasoning=null"
    else:
        yield from (f"reasoning.{key}={value}" for key, value in reasoning.items())
    yield from (f"text.verbosity={text[k]}" for k in ("verbosity",) if k in text)
    if "format" in text:
        yield f"text.format={text['format']['type']}"
    if "service_tier" in body:
        yield f"service_tier={body['service_tier']}"
    if body.get("include") == []:
        yield "include=[]"
    if body.get("parallel_tool_calls") is False:
        yield "parallel_tool_calls=false"
    if body.get("tools") == []:
        yield "tools=[]"  # the local compaction request
    for tool in body.get("tools") or []:
        if tool["type"] == "web_search":
            yield from (
                f"web_search.{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in tool.items() if k != "type"
            )
    items = body["input"]
    run = 0  # function calls in a row: two before their outputs is a parallel call
    for item in items:
        run = run + 1 if item["type"] == "function_call" else 0
        if run == 2:
            yield "parallel_function_calls"
        if item["type"] == "function_call" and "namespace" in item:
            yield f"function_call.namespace={item['namespace']}"
        if item["type"] == "function_call_output":
            yield f"function_call_output.output={'text' if isinstance(item['output'], str) else 'content'}"
        content = item.get("content")
        for part in content if isinstance(content, list) else []:
            if part["type"] == "input_image":
                yield f"detail={part.get('detail')}"


def coverage(version: str) -> dict[str, set[str]]:
    """What the cassettes of ``version`` send, together, in the vocabulary of a coverage file."""
    seen: dict[str, set[str]] = {kind: set() for kind in COVERAGE_KINDS}
    for path in sorted((CODEX / version).glob("*.yaml")):
        for rec in load(path):
            body = rec.body
            seen["paths"].add(rec.endpoint)
            seen["headers"].update(name.lower() for name in rec.headers)
            seen["fields"].update(body)
            for item in body["input"]:
                kind = _item_kind(item)
                seen["items"].add(kind)
                seen["item_fields"].update(f"{kind}.{key}" for key in item if key != "type")
                parts = item.get("content") if item["type"] == "message" else item.get("output")
                if isinstance(parts, list):  # message content, or a function output given as content parts
                    seen["content"].update(part["type"] for part in parts)
            for tool in body.get("tools") or []:
                seen["tools"].add(tool["type"])
                seen["tool_fields"].update(f"{tool['type']}.{key}" for key in tool if key != "type")
            seen["values"].update(_values(body))
    return seen


def coverage_file(version: str) -> Path:
    return COVERAGE / f"{version}.yaml"


def read_coverage(version: str) -> dict[str, set[str]]:
    """A version's coverage file; every key is a list of strings from ``COVERAGE_KINDS``."""
    data = yaml.safe_load(coverage_file(version).read_text(encoding="utf-8"))
    assert isinstance(data, dict) and set(data) <= set(COVERAGE_KINDS), (
        f"{coverage_file(version)}: keys {COVERAGE_KINDS}"
    )
    return {kind: {str(v) for v in data.get(kind) or ()} for kind in COVERAGE_KINDS}


def coverage_yaml(version: str) -> str:
    """What a coverage file for ``version`` would say today: printed when the file is missing."""
    seen = coverage(version)
    lines = [
        f"# What the cassettes of Codex {version} send, together: the paths, header names, body fields, input item",
        "# types and their fields, content part types, tool types and their fields, and config-driven values.",
        "# tests/unit/core/test_cassettes.py fails when the cassettes stop sending any of it.",
    ]
    for kind in COVERAGE_KINDS:
        lines.append(f"{kind}:")
        lines += [f"  - {json.dumps(value)}" for value in sorted(seen[kind])]
    return "\n".join(lines) + "\n"


def sse_events(text: str) -> list[dict[str, Any]]:
    return [json.loads(line[5:]) for line in text.splitlines() if line.startswith("data:")]


# --- the committed cassettes ---------------------------------------------------------------------


@pytest.mark.parametrize("schema", sorted(SCHEMAS.glob("*.schema.json")), ids=lambda p: p.name)
def test_drift_schemas_are_valid_draft_2020_12(schema: Path) -> None:
    document = json.loads(schema.read_text(encoding="utf-8"))
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(document)


def test_every_version_has_a_cassette_per_scenario() -> None:
    names = {s.name for s in load_scenarios(SCENARIOS)}
    for version in VERSIONS:
        found = {p.stem for p in (CODEX / version).glob("*.yaml")}
        assert found == names, f"Codex {version}: missing {sorted(names - found)}, stale {sorted(found - names)}"


@pytest.mark.parametrize("path", cassette_files(), ids=lambda p: f"codex-{p.parent.name}/{p.stem}")
def test_cassette_replays_with_vcrpy(path: Path) -> None:
    cassette = Cassette.load(path=str(path), record_mode="none")
    assert cassette.requests, f"{path}: no interactions"
    for request, response in zip(cassette.requests, cassette.responses, strict=True):
        endpoint = request.uri.removeprefix(CASSETTE_ORIGIN)
        assert request.method == "POST" and endpoint in ANSWER_TYPES, f"{request.method} {request.uri}"
        assert cassette.can_play_response_for(request)
        assert response["status"] == {"code": 200, "message": "OK"}
        assert response["headers"] == {"content-type": [ANSWER_TYPES[endpoint]]}


@pytest.mark.parametrize("path", cassette_files(), ids=lambda p: f"codex-{p.parent.name}/{p.stem}")
def test_request_bodies_match_the_drift_schema(path: Path) -> None:
    unknown = sorted({rec.endpoint for rec in load(path) if not schema_file(rec.endpoint).is_file()})
    assert not unknown, f"no drift schema for {unknown}: add {[str(schema_file(e)) for e in unknown]}"
    problems = [line for rec in load(path) for line in drift(rec)]
    assert not problems, "Codex sent something the drift schema does not know:\n" + "\n".join(problems)


def answered_types(rec: Recorded) -> list[str]:
    """The item types a request was answered with; a compact answer's echoed user messages checked and cut."""
    types = response_item_types(rec.response, rec.content_type)
    if rec.endpoint != COMPACT_PATH:
        return types
    users = [i for i in rec.body["input"] if i["type"] == "message" and i["role"] == "user"]
    assert types[: len(users)] == ["message"] * len(users), f"{rec.where}: the user messages are not echoed first"
    return types[len(users) :]


def expected_answers(scenario: Scenario, answered: list[list[str]]) -> list[tuple[ReplySpec, list[str]]]:
    """The scripted reply behind each request and the item types it should have been answered with.

    An ``mcp_tool_call`` reply answers two requests when Codex deferred the MCP tools: a
    ``tool_search_call`` first, then the call.
    """
    expected: list[tuple[ReplySpec, list[str]]] = []
    for reply in scenario.all_replies:
        if "mcp_tool_call" in reply.kinds and answered[len(expected) : len(expected) + 1] == [["tool_search_call"]]:
            expected.append((reply, ["tool_search_call"]))
        expected.append((reply, ["function_call" if kind == "mcp_tool_call" else kind for kind in reply.kinds]))
    return expected


@pytest.mark.parametrize("path", cassette_files(), ids=lambda p: f"codex-{p.parent.name}/{p.stem}")
def test_replies_follow_the_scenario(path: Path) -> None:
    """Each recorded reply is the one scenarios.yaml scripts, and an answer Codex accepts."""
    scenario = {s.name: s for s in load_scenarios(SCENARIOS)}[path.stem]
    recorded = load(path)
    answered = [answered_types(rec) for rec in recorded]
    expected = expected_answers(scenario, answered)
    assert answered == [types for _, types in expected]
    for rec, (reply, _) in zip(recorded, expected, strict=True):
        if rec.content_type == SSE:
            response = sse_events(rec.response)[-1]
            assert response["type"] == "response.completed"
            response = response["response"]
        else:
            response = json.loads(rec.response)
            assert response["object"] == "response.compaction"
        assert isinstance(response["id"], str)
        assert response["usage"]["total_tokens"] == reply.total_tokens


@pytest.mark.parametrize("version", VERSIONS)
def test_cassettes_cover_what_the_coverage_file_lists(version: str) -> None:
    """A version's coverage file says what its cassettes send together: deleting or losing any of it fails."""
    file = coverage_file(version)
    assert file.is_file(), (
        f"Codex {version} has no {file.relative_to(ROOT)}: check that its cassettes send what you expect, "
        f"then write the file. Its cassettes send today:\n{coverage_yaml(version)}"
    )
    want, seen = read_coverage(version), coverage(version)
    missing = {kind: sorted(want[kind] - seen[kind]) for kind in COVERAGE_KINDS if want[kind] - seen[kind]}
    assert not missing, f"Codex {version} cassettes no longer send what {file.relative_to(ROOT)} lists: {missing}"


def test_every_coverage_file_names_a_recorded_version() -> None:
    orphans = sorted(p.name for p in COVERAGE.glob("*") if p.suffix != ".yaml" or p.stem not in VERSIONS)
    assert not orphans, f"coverage files without cassettes under {CODEX.relative_to(ROOT)}: {orphans}"


def test_tool_round_trips_replay_the_call_and_its_output() -> None:
    """The follow-up requests carry what the gateway must translate: the call and its output, paired."""
    for version in VERSIONS:
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
    body["input"].append({"type": "item_reference", "id": "r"})
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


# -- the folder of a cassette names its Codex version ----------------------------------------------------
def cassette_tree(tmp: Path, *folders: str) -> Path:
    for folder in folders:
        (tmp / folder).mkdir(parents=True)
        (tmp / folder / "basic.yaml").write_bytes((CASSETTES / "codex" / "0.130.0" / "basic.yaml").read_bytes())
    return tmp


@pytest.mark.parametrize("folder", ["broken", "v0.130.0", "0.130", "0.130.0-", "0.130.0 copy"])
def test_a_folder_that_is_not_a_codex_version_is_named(tmp_path: Path, folder: str) -> None:
    root = cassette_tree(tmp_path, "0.130.0", folder)
    with pytest.raises(CassetteError, match=rf"{re.escape(str(root / folder))}: not a Codex version folder"):
        discover(root)
    alone = cassette_tree(tmp_path / "alone", folder)  # not even alone: it would be a Codex version called so
    with pytest.raises(CassetteError, match="not a Codex version folder"):
        discover(alone)


def test_pre_releases_sort_before_their_release(tmp_path: Path) -> None:
    root = cassette_tree(tmp_path, "0.130.0", "0.130.0-beta", "0.130.0-alpha.10", "0.130.0-alpha.9", "0.99.1")
    versions = [c.codex_version for c in discover(root)]
    assert versions == ["0.99.1", "0.130.0-alpha.9", "0.130.0-alpha.10", "0.130.0-beta", "0.130.0"]
    assert version_key("0.169.0") > version_key("0.130.0") > version_key("0.130.0-rc.1")
