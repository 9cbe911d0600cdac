"""Config handling: the user's deployments are kept, only what would reach a provider is rewritten."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from codex_gateway_contracts.catalogue import Catalogue
from codex_gateway_contracts.gateway import GatewayError, default_config, hermetic_config, load_deployments

USER_CONFIG = """
model_list:
  - model_name: ds
    litellm_params:
      model: lenientchat/deepseek-chat
      api_base: https://api.deepseek.com/beta
      api_key: os.environ/DEEPSEEK_API_KEY
      extra_body: {x_injected: 1}
      additional_drop_params: [client_metadata]
      api_version: os.environ/CGC_UNSET_VERSION
      aws_bedrock_runtime_endpoint: https://bedrock-runtime.us-east-1.amazonaws.com
      aws_role_name: arn:aws:iam::123456789012:role/codex
  - model_name: ds
    litellm_params: {model: lenientchat/deepseek-reasoner, api_key: sk-not-a-real-key-but-dropped}
  - model_name: bedrock-claude
    litellm_params: {model: bedrock/anthropic.claude-3, aws_region_name: us-east-1}
litellm_settings:
  drop_params: true
  success_callback: [langfuse]
general_settings:
  always_include_stream_usage: true
  master_key: sk-user-master-key
  database_url: postgresql://db.internal/litellm
router_settings:
  routing_strategy: simple-shuffle
"""


@pytest.fixture
def user_config(tmp_path: Path) -> Path:
    path = tmp_path / "proxy.yaml"
    path.write_text(USER_CONFIG, encoding="utf-8")
    return path


def test_unknown_provider_is_skipped_with_reason(synthetic: Catalogue, user_config: Path) -> None:
    plan = load_deployments(synthetic, user_config)
    skipped = [d for d in plan.deployments if d.skipped]
    assert [d.route for d in skipped] == ["bedrock-claude"]
    assert "'bedrock'" in (skipped[0].skipped or "") and "not in the catalogue" in (skipped[0].skipped or "")
    assert plan.routes == ["ds"]


def test_rewrite_points_every_deployment_at_its_mock_and_keeps_the_rest(
    synthetic: Catalogue, user_config: Path
) -> None:
    plan = load_deployments(synthetic, user_config)
    config = hermetic_config(plan, lambda d: f"http://127.0.0.1:9/d/{d.slug}")
    first, second = config["model_list"]
    assert first["litellm_params"]["api_base"] == "http://127.0.0.1:9/d/0-ds"
    assert second["litellm_params"]["api_base"] == "http://127.0.0.1:9/d/1-ds"
    assert first["litellm_params"]["api_key"] == second["litellm_params"]["api_key"] == "mock-key-lenientchat"
    assert first["litellm_params"]["extra_body"] == {"x_injected": 1}
    assert first["litellm_params"]["additional_drop_params"] == ["client_metadata"]
    assert "api_version" not in first["litellm_params"]  # unset env reference without a catalogue default
    assert config["litellm_settings"] == {"drop_params": True}
    assert config["general_settings"] == {"always_include_stream_usage": True}
    assert config["router_settings"] == {"routing_strategy": "simple-shuffle"}
    assert all(d.route != "bedrock-claude" for d in plan.deployments if d.skipped is None)
    text = yaml.safe_dump(config)
    assert "deepseek.com" not in text and "db.internal" not in text and "sk-" not in text
    assert "amazonaws" not in text and "arn:aws" not in text
    assert any("success_callback" in note for note in plan.notes)


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
