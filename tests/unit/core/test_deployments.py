"""Deployments: the user's config read into routes and providers, or one generated from the catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_gateway_contracts.core.catalogue import Catalogue
from codex_gateway_contracts.core.deployments import default_config, load_deployments
from codex_gateway_contracts.errors import GatewayError


def test_unknown_provider_is_skipped_with_reason(synthetic: Catalogue, user_config: Path) -> None:
    plan = load_deployments(synthetic, user_config)
    skipped = [d for d in plan.deployments if d.skipped]
    assert [d.route for d in skipped] == ["bedrock-claude"]
    assert "'bedrock'" in (skipped[0].skipped or "") and "not in the catalogue" in (skipped[0].skipped or "")
    assert plan.routes == ["ds"]


def test_default_config_has_one_deployment_per_provider(synthetic: Catalogue) -> None:
    config = default_config(synthetic)
    assert [m["model_name"] for m in config["model_list"]] == [
        "lenientchat-route",
        "strictchat-route",
        "strictresponses-route",
    ]
    assert config["litellm_settings"] == {"drop_params": True}


@pytest.mark.parametrize("text", ["model_list: []\n", "just a string\n", "model_list: [{model_name: x}]\n", ": : :\n"])
def test_bad_configs_are_named(synthetic: Catalogue, tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GatewayError, match=r"bad\.yaml"):
        load_deployments(synthetic, path)
