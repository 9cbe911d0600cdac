"""Replay is hermetic.

While the contract session runs, only 127.0.0.1 can be reached from here, every gateway process listens on
loopback only, and everything handed to the gateway points at loopback.

These run with whichever gateway the session runs (``--contracts-gateway``).
"""

import json
import re
import socket

import pytest
import yaml

from codex_gateway_contracts.core import sockets
from codex_gateway_contracts.session import Contracts

PROXIES = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"}


def test_test_process_reaches_only_loopback(contracts: Contracts) -> None:
    """While cases run, this process can reach 127.0.0.1 and nothing else."""
    # pytest-recording's guard refuses before any name resolution or packet: .invalid never resolves anyway.
    with socket.socket() as sock, pytest.raises(RuntimeError, match="Network is disabled"):
        sock.connect(("codex-contracts.invalid", 443))
    for member in contracts.gateway.members:
        with socket.create_connection(("127.0.0.1", member.port), timeout=5):
            pass


@pytest.mark.skipif(not sockets.supported(), reason="reads the listening sockets from Linux's /proc")
def test_every_gateway_process_listens_on_loopback_only(contracts: Contracts) -> None:
    """Every process of the gateway listens on its port, and on loopback only (read from /proc)."""
    for member in contracts.gateway.members:
        listening = member.listeners()
        assert any(listener.port == member.port for listener in listening), (member.label, listening)
        assert all(listener.loopback for listener in listening), (member.label, listening)


def test_gateway_config_and_environment_are_loopback_only(contracts: Contracts) -> None:
    """Every address in each gateway process's config is a mock on 127.0.0.1; no proxy, mock keys only."""
    for member in contracts.gateway.members:
        text = member.config_file.read_text(encoding="utf-8")
        urls = re.findall(r"[a-z][a-z0-9+.-]*://[^\s'\"]+", text)
        assert urls and all(url.startswith("http://127.0.0.1:") for url in urls), urls
        assert "os.environ/" not in text
        env = member.environment()
        assert not PROXIES & set(env)
        if contracts.gateway.name == "litellm":
            config = yaml.safe_load(text)
            assert all(m["litellm_params"]["api_key"].startswith("mock-key-") for m in config["model_list"])
            assert env["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
            assert env["LITELLM_MASTER_KEY"] == contracts.api_key and len(contracts.api_key) > 40
        else:
            # Nothing of this process's environment reaches the gateway but PATH, locale and its own settings.
            assert not [key for key in env if key.endswith(("_API_KEY", "_TOKEN")) and key != "CODEX_RELAY_API_KEY"]
            assert env["HOME"] == str(member.workdir)
            keys = [*re.findall(r"\"api_key\": \"([^\"]*)\"", text), env.get("CODEX_RELAY_API_KEY", "mock-key-")]
            assert all(key.startswith("mock-key-") for key in keys), keys
    if contracts.gateway.name == "portkey":
        for route in contracts.routes:
            config = json.loads(contracts.address(route).headers["x-portkey-config"])
            assert config["custom_host"].startswith("http://127.0.0.1:"), (route, config)
