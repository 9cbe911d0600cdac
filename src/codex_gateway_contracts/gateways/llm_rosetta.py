"""llm-rosetta's gateway (PyPI ``llm-rosetta``, command ``llm-rosetta-gateway``) as an adapter.

It translates Codex's Responses requests through its own intermediate representation to chat, Anthropic
Messages, Gemini or Responses upstreams, per provider ``type`` (its ``gateways.llm-rosetta`` entry). The
config written here leaves it nothing to find on its own: every provider gets a ``base_url`` (its mock)
and an ``api_key`` (without them it would use the provider's real address and read ``<NAME>_API_KEY`` from
the environment, which it also does not get); ``open_on_no_keys`` because keys exist only in its admin
database; a random admin password, because without one the admin API (config editing, upstream
connectivity tests) is open; its SQLite files and error dumps stay in the work folder.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable

import httpx

from ..core.deployments import Deployment, GatewayPlan
from ..core.files import write_atomic
from .base import minimal_environment, register
from .executables import PipInstalled


@register
class LLMRosettaGateway(PipInstalled):
    """``llm-rosetta-gateway --config FILE --host 127.0.0.1``; the route is the request's model."""

    name = "llm-rosetta"
    kind = "llm-rosetta"
    title = "llm-rosetta"
    config_name = "llm-rosetta.jsonc"
    log_name = "llm-rosetta.log"
    distribution = "llm-rosetta"
    command_name = "llm-rosetta-gateway"  # --version prints "llm-rosetta-gateway 0.13.0"

    def configure(self, plan: GatewayPlan, api_base_for: Callable[[Deployment], str]) -> None:
        """One provider per deployment (type from the route table), one model per route."""
        providers: dict[str, dict[str, object]] = {}
        models: dict[str, dict[str, object]] = {}
        for route in self.routed(plan, api_base_for, required="type"):
            key = f"p-{route.deployment.slug}"
            providers[key] = {
                "type": str(route.entry.options["type"]),
                "base_url": route.base_url,
                "api_key": route.key,
            }
            models[route.deployment.route] = {
                "provider": key,
                "upstream_model": route.model,
                "capabilities": list(route.entry.options.get("capabilities") or ["text"]),
            }
        config = {
            "providers": providers,
            "models": models,
            "server": {
                "host": "127.0.0.1",
                "open_on_no_keys": True,
                "admin_password": secrets.token_urlsafe(24),
                "data_dir": str(self.workdir / "data"),
            },
            "debug": {"error_dumps": False, "log_bodies": False},
        }
        write_atomic(self.config_file, json.dumps(config, indent=2) + "\n")

    def command(self) -> list[str]:
        """``llm-rosetta-gateway --config FILE --host 127.0.0.1 --port N --no-banner``."""
        return [
            self.executable,
            "--config",
            str(self.config_file),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--no-banner",
        ]

    def ready(self, client: httpx.Client) -> bool:
        """``GET /health`` answers 200 (its one public health path)."""
        return client.get(f"{self.base_url}/health").status_code == 200

    def environment(self) -> dict[str, str]:
        """PATH and locale only: no ``*_API_KEY`` it could fall back to; text logs."""
        return {**minimal_environment(self.workdir), "LLM_ROSETTA_LOG_FORMAT": "text", "PYTHONUNBUFFERED": "1"}
