"""Shared fixtures for the self-tests: a small synthetic catalogue, so machinery tests do not depend on data."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from codex_gateway_contracts import gateways
from codex_gateway_contracts.core.catalogue import Catalogue, load_catalogue
from codex_gateway_contracts.core.deployments import Deployment, GatewayPlan
from codex_gateway_contracts.errors import GatewayError
from codex_gateway_contracts.gateways.litellm import find_litellm

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
OPENAI_UNKNOWN = {
    "error": {
        "message": "Unknown parameter: '{path}'.",
        "type": "invalid_request_error",
        "param": "{path}",
        "code": "unknown_parameter",
    }
}
OPENAI_VALUE = {
    "error": {"message": "Invalid value at '{path}': {detail}", "type": "invalid_request_error", "param": "{path}"}
}

CHAT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["model", "messages"],
    "additionalProperties": False,
    "properties": {
        "model": {"type": "string"},
        "messages": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["role"],
                "properties": {
                    "role": {"enum": ["system", "user", "assistant", "tool"]},
                    "content": {"type": ["string", "array", "null"]},
                    "tool_calls": {"type": "array"},
                    "tool_call_id": {"type": "string"},
                },
            },
        },
        "tools": {"type": "array"},
        "tool_choice": {},
        "stream": {"type": "boolean"},
        "stream_options": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"include_usage": {"type": "boolean"}},
        },
    },
}
RESPONSES_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        key: {}
        for key in [
            "model",
            "input",
            "instructions",
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "reasoning",
            "store",
            "stream",
            "include",
            "prompt_cache_key",
            "text",
            "service_tier",
            "client_metadata",
        ]
    }
    | {
        "stream_options": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"include_obfuscation": {"type": "boolean"}},
        }
    },
}


def write_provider(root: Path, name: str, policy: str, wire: str, schema: dict[str, Any], path: str) -> None:
    """Write one provider folder the way contributors do: provider.yaml plus a schema."""
    folder = root / name
    folder.mkdir(parents=True)
    schema_file = "responses.schema.json" if wire == "openai-responses" else "chat.schema.json"
    (folder / schema_file).write_text(json.dumps(schema), encoding="utf-8")
    spec = {
        "name": name,
        "title": name,
        "litellm": {"prefix": name, "model": f"{name}-model", "route": f"{name}-route"},
        "unknown_fields": {"policy": policy, "confidence": "H", "verified": True, "evidence": "self-test"},
        "endpoints": {
            "main": {
                "path": path,
                "schema": schema_file,
                "wire": wire,
                "errors": {
                    "unknown_field": {"status": 400, "path_style": "brackets", "body": OPENAI_UNKNOWN},
                    "invalid_value": {"status": 400, "path_style": "brackets", "body": OPENAI_VALUE},
                },
                "reply": {"usage_chunk": "if_requested", "keepalive_comments": policy == "ignore"},
            }
        },
    }
    (folder / "provider.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalogue folder with a strict chat, a lenient chat and a strict Responses provider."""
    root = tmp_path_factory.mktemp("providers")
    write_provider(root, "strictchat", "reject", "openai-chat", CHAT_SCHEMA, r"/chat/completions$")
    write_provider(root, "lenientchat", "ignore", "openai-chat", CHAT_SCHEMA, r"/chat/completions$")
    write_provider(root, "strictresponses", "reject", "openai-responses", RESPONSES_SCHEMA, r"/responses$")
    return root


@pytest.fixture(scope="session")
def synthetic(synthetic_root: Path) -> Catalogue:
    """The synthetic catalogue, loaded."""
    return load_catalogue(synthetic_root)


class InertGateway(gateways.Gateway):
    """A stand-in adapter for self-tests: ``python -c pass``, ready at once, configured from nothing."""

    name = kind = title = "inert"
    uses_route_table = False

    @classmethod
    def find(cls, explicit: str | None = None) -> str:
        return explicit or sys.executable

    def read_version(self) -> str:
        return "1.0"

    def configure(self, plan: GatewayPlan, api_base_for: Callable[[Deployment], str]) -> None:
        """Nothing to write."""

    def command(self) -> list[str]:
        return [self.executable, "-c", "pass"]

    def ready(self, client: httpx.Client) -> bool:
        return True


def litellm_binary(variable: str | None = None) -> str:
    """A LiteLLM executable (from ``variable`` or beside this Python); skips without one unless CI requires it."""
    try:
        return find_litellm(os.environ.get(variable) if variable else None)
    except GatewayError as exc:
        if os.environ.get("CGC_REQUIRE_GATEWAYS") == "1":
            raise
        pytest.skip(f"{exc} (set {variable or 'PATH'} to run this)")


def isolated(tmp: Path) -> tuple[list[str], dict[str, str]]:
    """pytest options and environment that keep a user's contract options out of a self-test's sub-run.

    ``PYTEST_ADDOPTS`` (inherited through the environment) and the ``contracts_*`` ini keys of whatever
    config pytest would find are the two ways a user's settings reach a subprocess; an empty ini file and
    an environment without ``PYTEST_ADDOPTS`` close both. The rootdir stays the checkout (node ids).
    """
    ini = tmp / "selftest.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    ini.write_text("[pytest]\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    return ["-c", str(ini), "--rootdir", str(ROOT), "-p", "no:cacheprovider"], env


def suite_command(tmp: Path, *args: str) -> tuple[list[str], dict[str, str]]:
    """The contract suite as a user runs it (a subprocess), isolated from the user's own contract options."""
    options, env = isolated(tmp)
    command = [sys.executable, "-m", "pytest", str(ROOT / "tests" / "contracts"), "-q", *options, *args]
    return command, env


def gateway_binary(name: str) -> str:
    """A gateway's executable, installed from the suite's pinned recipe on first use; skips when that cannot be
    done here (no Node.js, no registry) unless CI requires it."""
    try:
        return gateways.get(name).find(None)
    except GatewayError as exc:
        if os.environ.get("CGC_REQUIRE_GATEWAYS") == "1":
            raise
        pytest.skip(f"{name} is not installable here: {exc}")


def run_contract_suite(
    tmp: Path, name: str, scenarios: list[tuple[str, str]], *args: str, output: list[str] | None = None
) -> dict[str, Any]:
    """Run the contract suite as a user would (a subprocess) on copies of some cassettes; return results.json.

    ``output``, when given, receives the run's terminal output.
    """
    cassettes = tmp / "cassettes"
    for version, scenario in scenarios:
        (cassettes / version).mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "cassettes" / "codex" / version / f"{scenario}.yaml", cassettes / version)
    command, env = suite_command(
        tmp,
        "--contracts-cassettes",
        str(cassettes),
        "--contracts-expectations",
        "none",
        "--contracts-report",
        str(tmp / name),
        *args,
    )
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=ROOT, env=env, check=False)
    if output is not None:
        output.append(done.stdout)
    report = tmp / name / "results.json"
    assert report.is_file(), f"no report; exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    results: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return results
