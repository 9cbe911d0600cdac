"""The Portkey, llm-rosetta and codex-relay adapters without processes: configs, addresses, installs, pins."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from codex_gateway_contracts import gateways
from codex_gateway_contracts.core.catalogue import Catalogue, load_catalogue
from codex_gateway_contracts.core.deployments import Deployment, GatewayPlan, load_deployments
from codex_gateway_contracts.errors import GatewayError
from codex_gateway_contracts.gateways import GatewayPool
from codex_gateway_contracts.gateways.__main__ import main as install_ahead
from codex_gateway_contracts.gateways.install import install_dir, npm_pin, pip_pin, recipe_dir
from codex_gateway_contracts.gateways.portkey import bundle_of

from ...conftest import ROOT


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(ROOT / "schemas" / "providers")


def mock_base(deployment: Deployment) -> str:
    return f"http://127.0.0.1:9/d/{deployment.slug}"


def pool_for(name: str, tmp_path: Path, catalogue: Catalogue) -> tuple[GatewayPool, GatewayPlan]:
    adapter = gateways.get(name)
    routing = adapter.route_table(ROOT / "schemas", catalogue.providers)
    plan = load_deployments(catalogue, None)
    assert routing is not None
    routing.apply(plan, adapter.title)
    pool = GatewayPool(adapter, "/nonexistent/gateway", tmp_path, plan, routing=routing)
    pool.configure(mock_base)
    return pool, plan


def test_portkey_names_each_route_by_one_config_header_pointing_at_its_mock(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    pool, plan = pool_for("portkey", tmp_path, catalogue)
    (member,) = pool.members
    by_route = {d.route: d for d in plan.deployments}
    azure = json.loads(pool.address("azure-gpt-5.5").headers["x-portkey-config"])
    assert azure == {
        "provider": "azure-openai",
        "custom_host": f"{mock_base(by_route['azure-gpt-5.5'])}/openai",
        "api_key": "mock-key-azure",
        "api_version": "2025-04-01-preview",
    }
    deepseek = pool.address("deepseek-chat")
    assert deepseek.model == "deepseek-chat" and deepseek.base_url == member.base_url
    assert json.loads(deepseek.headers["x-portkey-config"])["provider"] == "deepseek"
    for route in plan.routes:  # never a route without a custom host: Portkey would call the real provider
        assert json.loads(pool.address(route).headers["x-portkey-config"])["custom_host"].startswith(
            "http://127.0.0.1:9/d/"
        )
    record = json.loads(member.config_file.read_text(encoding="utf-8"))
    assert set(record) == set(plan.routes) and "openai-gpt-5.5-chat" not in record
    env = member.environment()
    assert env["HOME"] == str(tmp_path) and "GATEWAY_ENTRY" in env
    assert not [key for key in env if key.startswith(("AWS_", "AZURE_", "OPENAI_", "TRUSTED_"))]


def test_portkey_never_takes_the_host_or_key_from_the_table(tmp_path: Path, catalogue: Catalogue) -> None:
    section = {"main": {"provider": "deepseek", "custom_host": "https://api.deepseek.com", "api_key": "sk-1"}}
    deepseek = dataclasses.replace(catalogue.get("deepseek"), gateways={"portkey": section})
    adapter = gateways.get("portkey")
    routing = adapter.route_table(ROOT / "schemas", [deepseek])
    assert routing is not None
    plan = load_deployments(Catalogue((deepseek,)), None)
    routing.apply(plan, adapter.title)
    pool = GatewayPool(adapter, "x", tmp_path, plan, routing=routing)
    pool.configure(mock_base)
    config = json.loads(pool.address("deepseek-chat").headers["x-portkey-config"])
    assert config["custom_host"].startswith("http://127.0.0.1:9/") and config["api_key"] == "mock-key-deepseek"


def test_llm_rosetta_config_leaves_it_nothing_to_find_on_its_own(tmp_path: Path, catalogue: Catalogue) -> None:
    pool, plan = pool_for("llm-rosetta", tmp_path, catalogue)
    (member,) = pool.members
    config = json.loads(member.config_file.read_text(encoding="utf-8"))
    assert set(config["models"]) == set(plan.routes)
    for provider in config["providers"].values():
        assert provider["base_url"].startswith("http://127.0.0.1:9/d/") and provider["api_key"].startswith("mock-key-")
    azure = config["providers"][config["models"]["azure-gpt-5.5"]["provider"]]
    assert azure["type"] == "openai_responses" and azure["base_url"].endswith("/openai/v1")
    assert config["models"]["deepseek-chat"]["upstream_model"] == "deepseek-chat"
    assert config["models"]["devstral-medium"]["upstream_model"] == "devstral-medium-latest"
    assert config["models"]["glm-4.6"]["capabilities"] == ["text", "vision", "reasoning"]
    server = config["server"]
    assert server["host"] == "127.0.0.1" and server["open_on_no_keys"] is True
    assert len(server["admin_password"]) >= 24 and server["data_dir"].startswith(str(tmp_path))
    assert config["debug"]["error_dumps"] is False
    command = member.command()
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert pool.address("glm-4.6").model == "glm-4.6"  # the route is the model


def test_codex_relay_runs_one_process_per_chat_route(tmp_path: Path, catalogue: Catalogue) -> None:
    pool, plan = pool_for("codex-relay", tmp_path, catalogue)
    assert len(pool.members) == len(plan.routes) == 12
    relay = pool.member_for("azure-gpt-5.5-chat")
    assert relay.config_file.parent != tmp_path
    command = relay.command()
    assert command[command.index("--bind") + 1] == "127.0.0.1"
    assert command[command.index("--upstream") + 1].endswith("/openai/v1")
    assert pool.address("azure-gpt-5.5-chat").model == "gpt-5.5"  # the relay passes the model on unchanged
    assert relay.environment()["CODEX_RELAY_API_KEY"] == "mock-key-azure"
    routing = gateways.get("codex-relay").route_table(ROOT / "schemas", catalogue.providers)
    two = gateways.get("codex-relay")("x", tmp_path, routing=routing)
    with pytest.raises(GatewayError, match="exactly one route per process"):
        two.configure(plan, mock_base)


def test_pins_are_exact_and_the_install_folder_follows_the_recipe(tmp_path: Path) -> None:
    assert npm_pin(recipe_dir("portkey"), "@portkey-ai/gateway") == "1.15.2"
    assert pip_pin(recipe_dir("llm-rosetta"), "llm-rosetta") == "0.13.0"
    assert pip_pin(recipe_dir("codex-relay"), "codex-relay") == "0.5.8"
    lock = json.loads((recipe_dir("portkey") / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/@hono/node-server"]["version"] == "1.13.8"
    assert lock["packages"]["node_modules/@hono/node-ws"]["version"] == "1.2.0"
    recipe = tmp_path / "r"
    recipe.mkdir()
    (recipe / "requirements.txt").write_text("x==1.0 --hash=sha256:00\n", encoding="utf-8")
    before = install_dir("x", "1.0", recipe, ("requirements.txt",))
    (recipe / "requirements.txt").write_text("x==1.0 --hash=sha256:01\n", encoding="utf-8")
    assert install_dir("x", "1.0", recipe, ("requirements.txt",)) != before
    (recipe / "requirements.txt").write_text("x>=1.0\n", encoding="utf-8")
    with pytest.raises(GatewayError, match="no exact pin"):
        pip_pin(recipe, "x")


def test_a_named_portkey_install_is_found_from_what_users_point_at(tmp_path: Path) -> None:
    package = tmp_path / "node_modules" / "@portkey-ai" / "gateway"
    (package / "build").mkdir(parents=True)
    (package / "package.json").write_text('{"version": "9.9.9"}', encoding="utf-8")
    bundle = package / "build" / "start-server.js"
    bundle.write_text("", encoding="utf-8")
    (tmp_path / "node_modules" / ".bin").mkdir()
    os.symlink(bundle, tmp_path / "node_modules" / ".bin" / "gateway")
    for given in (bundle, package, tmp_path, tmp_path / "node_modules" / ".bin" / "gateway"):
        assert bundle_of(given) == bundle.resolve()
    with pytest.raises(GatewayError, match="is not a Portkey gateway install"):
        bundle_of(tmp_path / "node_modules")
    assert gateways.get("portkey")(str(bundle), tmp_path).read_version() == "9.9.9"


def test_a_named_executable_must_be_one(tmp_path: Path) -> None:
    for name in ("llm-rosetta", "codex-relay"):
        with pytest.raises(GatewayError, match=r"--contracts-gateway-bin .*: not an executable file"):
            gateways.get(name).find(str(tmp_path / "nothing"))


def test_installing_ahead_names_an_unknown_gateway(capsys: pytest.CaptureFixture[str]) -> None:
    assert install_ahead(["kong"]) == 2
    assert "unknown gateway kong; one of litellm, portkey" in capsys.readouterr().err
