"""The two reported bugs, reproduced through real LiteLLM proxies, and gone in the fixed release.

Runs the contract suite as a user would (a subprocess, a proxy config, a LiteLLM binary) and reads its
results.json. LiteLLM 1.83.14 (``CGC_LITELLM_OLD``) must show both reports; 1.106.1 (``CGC_LITELLM_FIXED``)
must show neither. The same run checks that per-deployment ``extra_body`` and ``additional_drop_params``
change the verdicts the way the config says. ``make test`` installs both releases and sets the
variables; elsewhere these tests skip, unless ``CGC_REQUIRE_GATEWAYS=1`` makes a missing one an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from codex_gateway_contracts.gateways.litellm import litellm_version

from ..conftest import ROOT, litellm_binary, run_contract_suite


def run_suite(binary: str, tmp_path: Path) -> dict[str, Any]:
    """The suite on the tool_call cassettes of both Codex versions, with both example configs merged."""
    merged: dict[str, Any] = {"model_list": []}
    for name in ("reported-bugs.yaml", "deployment-params.yaml"):
        config = yaml.safe_load((ROOT / "examples" / name).read_text(encoding="utf-8"))
        merged["model_list"] += config.pop("model_list")
        for section, values in config.items():
            merged.setdefault(section, {}).update(values)
    config_file = tmp_path / "proxy.yaml"
    config_file.write_text(yaml.safe_dump(merged), encoding="utf-8")
    scenarios = [("0.130.0", "tool_call"), ("0.169.0", "tool_call")]
    return run_contract_suite(
        tmp_path, "report", scenarios, "--litellm-config", str(config_file), "--contracts-litellm-bin", binary
    )


def findings(results: dict[str, Any], route: str) -> set[tuple[str, str, str | None]]:
    cases = [c for c in results["cases"] if c["route"] == route]
    assert len(cases) == 2, f"expected one case per Codex version for {route}"
    return {(f["kind"], f["path"], f["origin"]) for c in cases for f in c["findings"]}


def all_paths(results: dict[str, Any]) -> set[str]:
    return {f["path"] for c in results["cases"] for f in c["findings"]}


@pytest.fixture(scope="module")
def old(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    binary = litellm_binary("CGC_LITELLM_OLD")
    assert litellm_version(binary) == "1.83.14", "CGC_LITELLM_OLD must point at LiteLLM 1.83.14"
    return run_suite(binary, tmp_path_factory.mktemp("old"))


@pytest.fixture(scope="module")
def fixed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    binary = litellm_binary("CGC_LITELLM_FIXED")
    assert litellm_version(binary) == "1.106.1", "CGC_LITELLM_FIXED must point at LiteLLM 1.106.1"
    return run_suite(binary, tmp_path_factory.mktemp("fixed"))


def test_old_release_injects_stream_options_into_azure(old: dict[str, Any]) -> None:
    assert old["gateway"]["version"] == "1.83.14"
    assert ("leak", "stream_options.include_usage", "gateway") in findings(old, "azure-gpt-5.5")


@pytest.mark.parametrize("route", ["deepseek-chat", "qwen-plus", "kimi-k2"])
def test_old_release_leaks_client_metadata_through_the_bridge(old: dict[str, Any], route: str) -> None:
    assert ("leak", "client_metadata", "client") in findings(old, route)


def test_fixed_release_shows_neither(fixed: dict[str, Any]) -> None:
    assert fixed["gateway"]["version"] == "1.106.1"
    assert "stream_options.include_usage" not in all_paths(fixed)
    assert "client_metadata" not in all_paths(fixed)


@pytest.mark.parametrize("release", ["old", "fixed"])
def test_extra_body_is_a_gateway_leak(release: str, request: pytest.FixtureRequest) -> None:
    results = request.getfixturevalue(release)
    assert ("leak", "x_injected", "gateway") in findings(results, "deepseek-extra-body")


def test_additional_drop_params_removes_the_leak(old: dict[str, Any]) -> None:
    assert ("leak", "client_metadata", "client") in findings(old, "deepseek-plain")
    assert not any(path == "client_metadata" for _, path, _ in findings(old, "deepseek-drop-client-metadata"))


@pytest.mark.parametrize("release", ["old", "fixed"])
def test_dropping_tools_is_a_drop(release: str, request: pytest.FixtureRequest) -> None:
    results = request.getfixturevalue(release)
    assert ("drop", "tools", None) in findings(results, "deepseek-drop-tools")
    assert ("drop", "tools", None) not in findings(results, "deepseek-plain")
