"""Portkey, llm-rosetta and codex-relay started for real, installed from the pinned recipes on first use.

Each gateway: every process listens on loopback only and stops with its process group; routes it serves
reach the right provider endpoint, routes it cannot serve are skipped with its reason, and a refusal at
request time is a gateway_reject carrying its message. Then the whole default run of each gateway against
its committed expectations file, as ``pytest tests/contracts --contracts-gateway NAME`` runs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from codex_gateway_contracts import gateways
from codex_gateway_contracts.core import sockets
from codex_gateway_contracts.core.catalogue import load_catalogue
from codex_gateway_contracts.core.deployments import load_deployments
from codex_gateway_contracts.core.mocks import MockFleet
from codex_gateway_contracts.gateways import GatewayPool
from codex_gateway_contracts.gateways.install import npm_pin, pip_pin, recipe_dir

from ..conftest import ROOT, gateway_binary, run_contract_suite

NAMES = ["portkey", "llm-rosetta", "codex-relay"]
PINNED = {
    "portkey": npm_pin(recipe_dir("portkey"), "@portkey-ai/gateway"),
    "llm-rosetta": pip_pin(recipe_dir("llm-rosetta"), "llm-rosetta"),
    "codex-relay": pip_pin(recipe_dir("codex-relay"), "codex-relay"),
}
TOOL_CALL = [("0.169.0", "tool_call")]


def run_through(name: str, tmp: Path, *provider_names: str) -> dict[str, Any]:
    """The contract suite through one gateway on the tool_call cassette, for some providers only."""
    selection = [arg for provider in provider_names for arg in ("--contracts-provider", provider)]
    gateway = ["--contracts-gateway", name, "--contracts-gateway-bin", gateway_binary(name)]
    return run_contract_suite(tmp, name, TOOL_CALL, *gateway, *selection)


def cases_by_route(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {case["route"]: case for case in results["cases"]}


def messages(case: dict[str, Any]) -> str:
    return "\n".join(finding["message"] for finding in case["findings"])


@pytest.mark.skipif(not sockets.supported(), reason="reads the listening sockets from Linux's /proc")
@pytest.mark.parametrize("name", NAMES)
def test_every_process_listens_on_loopback_only_and_stops_with_its_group(name: str, tmp_path: Path) -> None:
    adapter = gateways.get(name)
    catalogue = load_catalogue(ROOT / "schemas" / "providers")
    plan = load_deployments(catalogue, None)
    routing = adapter.route_table(ROOT / "schemas", catalogue.providers)
    assert routing is not None
    routing.apply(plan, adapter.title)
    fleet = MockFleet(catalogue)
    bases = {d.slug: fleet.register(d.slug, d.provider, d.route) for d in plan.deployments if d.skipped is None}
    pool = GatewayPool(adapter, gateway_binary(name), tmp_path, plan, routing=routing)
    pool.configure(lambda d: bases[d.slug])
    pool.start()
    try:
        assert pool.alive() and pool.version == PINNED[name]
        assert len(pool.members) == (len(plan.routes) if name == "codex-relay" else 1)
        groups = {member.label: sockets.group_pids(member.pid or 0) for member in pool.members}
        for member in pool.members:
            listening = member.listeners()
            assert [listener.port for listener in listening if listener.port == member.port], (member.label, listening)
            assert all(listener.loopback for listener in listening), (member.label, listening)
    finally:
        pool.stop()
        fleet.close()
    assert not any(member.alive() for member in pool.members)
    time.sleep(0.2)
    for label, pids in groups.items():
        left = [pid for pid in pids if Path(f"/proc/{pid}/stat").is_file()]
        states = [Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] for pid in left]
        assert all(state == "Z" for state in states), (label, left)
    # Start-up calls (codex-relay lists each upstream's models) came before readiness, outside every case.
    assert fleet.strays() == []
    if name == "codex-relay":
        listings = [call for call in fleet.background() if call.path.endswith("/models")]
        assert len(listings) == len(pool.members)


def test_portkey_passes_responses_on_and_refuses_what_it_cannot_serve(tmp_path: Path) -> None:
    results = run_through("portkey", tmp_path, "openai", "azure", "deepseek", "minimax")
    assert results["gateway"]["kind"] == "portkey" and results["gateway"]["version"] == PINNED["portkey"]
    by_route = cases_by_route(results)
    assert (by_route["openai-gpt-5.5"]["verdict"], by_route["openai-gpt-5.5"]["endpoint"]) == (
        "pass",
        "openai/responses",
    )
    assert (by_route["azure-gpt-5.5"]["verdict"], by_route["azure-gpt-5.5"]["endpoint"]) == ("pass", "azure/responses")
    refused = by_route["deepseek-chat"]
    assert refused["verdict"] == "gateway_reject" and refused["endpoint"] == "(none)"
    assert "HTTP 500" in messages(refused) and "createModelResponse is not supported by deepseek" in messages(refused)
    assert by_route["openai-gpt-5.5-chat"]["verdict"] == "skipped"
    assert "no Responses-to-Chat-Completions bridge" in messages(by_route["openai-gpt-5.5-chat"])
    assert by_route["MiniMax-M2.5"]["verdict"] == "skipped" and "no provider id" in messages(by_route["MiniMax-M2.5"])


def test_llm_rosetta_translates_to_each_providers_own_api(tmp_path: Path) -> None:
    results = run_through("llm-rosetta", tmp_path, "deepseek", "anthropic", "gemini", "azure", "bedrock")
    assert results["gateway"]["version"] == PINNED["llm-rosetta"]
    by_route = cases_by_route(results)
    endpoints = {route: case["endpoint"] for route, case in by_route.items()}
    assert endpoints["deepseek-chat"] == "deepseek/chat" and endpoints["claude-sonnet-4-6"] == "anthropic/messages"
    assert endpoints["azure-gpt-5.5"] == "azure/responses" and endpoints["azure-gpt-5.5-chat"] == "azure/chat"
    assert endpoints["gemini-2.5-pro"] == "gemini/stream_generate"
    assert by_route["azure-gpt-5.5"]["verdict"] == "pass"
    # The text of Gemini's last chunk (the one with finishReason) never reaches Codex.
    assert by_route["gemini-2.5-pro"]["verdict"] == "bad_reply" and "never reached Codex" in messages(
        by_route["gemini-2.5-pro"]
    )
    bedrock = by_route["bedrock-claude-sonnet-4.5"]
    assert bedrock["verdict"] == "skipped" and "no provider type for Amazon Bedrock" in messages(bedrock)


def test_codex_relay_serves_each_chat_route_from_its_own_process(tmp_path: Path) -> None:
    results = run_through("codex-relay", tmp_path, "deepseek", "openai", "zai")
    assert results["gateway"]["version"] == PINNED["codex-relay"]
    by_route = cases_by_route(results)
    assert by_route["deepseek-chat"]["endpoint"] == "deepseek/chat"
    assert by_route["openai-gpt-5.5-chat"]["endpoint"] == "openai/chat"
    assert by_route["openai-gpt-5.5"]["verdict"] == "skipped"
    assert "calls only a Chat Completions upstream" in messages(by_route["openai-gpt-5.5"])
    # Codex's system prompt does not reach the provider: only the last developer message becomes the system message.
    assert {"drop"} <= {finding["kind"] for finding in by_route["deepseek-chat"]["findings"]}
    # Z.ai refuses the effort the relay passes on; the relay answers HTTP 200 + response.failed, and the verdict
    # still reads the provider's refusal.
    zai = {(finding["kind"], finding["path"]) for finding in by_route["glm-4.6"]["findings"]}
    assert ("upstream_reject", "reasoning_effort") in zai


@pytest.mark.parametrize("name", NAMES)
def test_the_default_run_matches_the_committed_expectations(name: str, tmp_path: Path) -> None:
    """What ``pytest tests/contracts --contracts-gateway NAME`` does on a fresh clone, hermetic tests included."""
    gateway_binary(name)  # installs (or skips) before the timed run
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(ROOT / "tests" / "contracts"),
        "-q",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(ROOT),
        "--contracts-gateway",
        name,
        "--contracts-report",
        str(tmp_path),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["gateway"]["kind"] == name and results["gateway"]["version"] == PINNED[name]
