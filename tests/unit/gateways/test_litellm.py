"""The LiteLLM adapter's config: the user's deployments are kept, only what would reach a provider is rewritten."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from codex_gateway_contracts.core.catalogue import Catalogue
from codex_gateway_contracts.core.deployments import load_deployments
from codex_gateway_contracts.gateways.litellm import LiteLLMGateway, hermetic_config


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


def test_a_users_num_workers_does_not_reach_the_proxy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUM_WORKERS", "4")
    assert LiteLLMGateway("litellm", tmp_path).environment()["NUM_WORKERS"] == "1"
