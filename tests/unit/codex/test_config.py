"""The config.toml Codex runs with."""

from __future__ import annotations

from codex_gateway_contracts.codex.config import render_config
from codex_gateway_contracts.tools.record.scenarios import load_scenarios

from ..core.test_cassettes import SCENARIOS


def test_config_turns_retries_off_and_quotes_values() -> None:
    scenario = next(s for s in load_scenarios(SCENARIOS) if s.name == "reasoning_high_summary")
    config = render_config(scenario.model, "http://127.0.0.1:1234/v1", scenario.config)
    for line in (
        'model = "gpt-5.5"', 'model_reasoning_effort = "high"', 'model_reasoning_summary = "detailed"',
        'base_url = "http://127.0.0.1:1234/v1"', 'wire_api = "responses"', "stream_max_retries = 0",
        "request_max_retries = 0",
    ):  # fmt: skip
        assert line in config.splitlines()


def test_headers_become_the_provider_s_http_headers() -> None:
    config = render_config("route", "http://127.0.0.1:9/v1", headers={"x-portkey-provider": "openai"})
    assert "[model_providers.capture.http_headers]" in config and 'x-portkey-provider = "openai"' in config
