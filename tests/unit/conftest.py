"""Fixtures of the unit tests: a user's proxy config with everything a rewrite must handle."""

from __future__ import annotations

from pathlib import Path

import pytest

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
