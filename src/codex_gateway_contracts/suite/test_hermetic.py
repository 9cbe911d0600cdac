"""Replay is hermetic.

While the contract session runs, only 127.0.0.1 can be reached from here, and everything handed to the
gateway points at loopback.
"""

import re
import socket

import pytest
import yaml

from codex_gateway_contracts.session import Contracts


def test_test_process_reaches_only_loopback(contracts: Contracts) -> None:
    """While cases run, this process can reach 127.0.0.1 and nothing else."""
    # pytest-recording's guard refuses before any name resolution or packet: .invalid never resolves anyway.
    with socket.socket() as sock, pytest.raises(RuntimeError, match="Network is disabled"):
        sock.connect(("codex-contracts.invalid", 443))
    with socket.create_connection(("127.0.0.1", contracts.gateway.port), timeout=5):
        pass


def test_gateway_config_and_environment_are_loopback_only(contracts: Contracts) -> None:
    """Every address in the gateway's config is a mock on 127.0.0.1; no proxy, our key, a local cost map."""
    text = contracts.gateway.config_file.read_text(encoding="utf-8")
    urls = re.findall(r"[a-z][a-z0-9+.-]*://[^\s'\"]+", text)
    assert urls and all(url.startswith("http://127.0.0.1:") for url in urls), urls
    assert "os.environ/" not in text
    config = yaml.safe_load(text)
    assert all(m["litellm_params"]["api_key"].startswith("mock-key-") for m in config["model_list"])
    env = contracts.gateway.environment()
    assert env["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
    assert not {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"} & set(env)
    assert env["LITELLM_MASTER_KEY"] == contracts.api_key and len(contracts.api_key) > 40
