"""A realistic config with one deployment per provider family: every deployment reaches its own mock.

Runs the contract suite as a user would (a subprocess on ``examples/all-providers.yaml``, the tool_call
cassettes of both recorded Codex versions) and reads results.json. Every case must be judged: none
skipped, none ``error``; leaks, drops and rejections are findings, not failures of this test.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from codex_gateway_contracts.core.catalogue import load_catalogue

from ..conftest import ROOT, litellm_binary, run_contract_suite

CONFIG = ROOT / "examples" / "all-providers.yaml"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    binary = litellm_binary()
    scenarios = [("0.130.0", "tool_call"), ("0.169.0", "tool_call")]
    return run_contract_suite(
        tmp_path_factory.mktemp("all-providers"),
        "report",
        scenarios,
        "--litellm-config",
        str(CONFIG),
        "--contracts-litellm-bin",
        binary,
    )


def deployments() -> list[tuple[str, str]]:
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    return [(e["model_name"], e["litellm_params"]["model"]) for e in config["model_list"]]


def test_config_has_one_deployment_per_provider_family() -> None:
    catalogue = load_catalogue(ROOT / "schemas" / "providers")
    families = [catalogue.for_model(model) for _, model in deployments()]
    assert all(families), "every deployment belongs to a catalogue provider"
    assert sorted(p.name for p in families if p) == sorted(p.name for p in catalogue.providers)


def test_every_deployment_is_judged_at_its_own_mock(results: dict[str, Any]) -> None:
    catalogue = load_catalogue(ROOT / "schemas" / "providers")
    cases = results["cases"]
    assert {c["verdict"] for c in cases}.isdisjoint({"skipped", "error"}), results["summary"]
    for route, model in deployments():
        provider = catalogue.for_model(model)
        assert provider is not None
        mine = [c for c in cases if c["route"] == route]
        assert len(mine) == 2, f"{route}: one case per Codex version"
        for case in mine:
            assert case["provider"] == provider.name
            assert case["endpoint"] != "(none)", f"{route} never reached a mock"
            assert all(e.split("/")[0] == provider.name for e in case["endpoint"].split(", ")), case
