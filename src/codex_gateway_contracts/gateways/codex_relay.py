"""codex-relay (PyPI ``codex-relay``, a native binary) as an adapter: one process per chat route.

codex-relay translates Codex's Responses requests to Chat Completions for exactly one upstream
(``--upstream URL``, it calls ``{URL}/chat/completions``), so the pool runs one process per routable
route (``routes_per_process = 1``). The request's model goes through unchanged: Codex asks for the
provider's model. When the upstream fails it still answers HTTP 200, with ``response.failed`` in the
stream; the verdict reads that (the mock's own record of the refusal decides ``upstream_reject``).

At start-up it lists the upstream's models once (``GET {URL}/models``); readiness waits for that line in its
log as well as for its route to answer, so the listing never lands inside a case.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

from ..core.deployments import Deployment, GatewayPlan
from ..core.files import write_atomic
from ..errors import GatewayError
from .base import Gateway, minimal_environment, register
from .executables import executable_version, usable_executable
from .install import ensure_venv

MODELS_LOGGED = "upstream models"  # the log line of its start-up listing, whatever the upstream answered


@register
class CodexRelayGateway(Gateway):
    """``codex-relay --bind 127.0.0.1 --upstream <mock>``, one process per route."""

    name = "codex-relay"
    kind = "codex-relay"
    title = "codex-relay"
    config_name = "codex-relay.json"
    log_name = "codex-relay.log"
    routes_per_process = 1

    upstream_url = ""
    upstream_key = ""

    @classmethod
    def find(cls, explicit: str | None = None) -> str:
        """``explicit``, or the ``codex-relay`` binary of the pinned recipe's cached virtualenv."""
        if explicit:
            return usable_executable(explicit, cls.title)
        return str(ensure_venv(cls.name, "codex-relay") / "bin" / "codex-relay")

    def read_version(self) -> str:
        """``codex-relay --version`` (``codex-relay 0.5.8``)."""
        return executable_version(self.executable)

    def configure(self, plan: GatewayPlan, api_base_for: Callable[[Deployment], str]) -> None:
        """The one routable deployment of this process's part of the plan is its upstream."""
        usable = [d for d in plan.deployments if d.skipped is None and d.provider is not None]
        if len(usable) != 1:
            routes = ", ".join(d.route for d in usable) or "none"
            raise GatewayError(f"{self.label} serves exactly one route per process, was given: {routes}")
        deployment = usable[0]
        assert deployment.provider is not None
        self.upstream_url, model = self.upstream(deployment, api_base_for(deployment))
        self.upstream_key = f"mock-key-{deployment.provider.name}"
        self.name_route(deployment.route, model)
        record = {"route": deployment.route, "model": model, "upstream": self.upstream_url}
        write_atomic(self.config_file, json.dumps(record, indent=2) + "\n")

    def command(self) -> list[str]:
        """``codex-relay --bind 127.0.0.1 --port N --upstream URL`` (the key comes by environment)."""
        return [self.executable, "--bind", "127.0.0.1", "--port", str(self.port), "--upstream", self.upstream_url]

    def ready(self, client: httpx.Client) -> bool:
        """``/v1/responses`` exists (``GET`` is 405, nothing goes upstream) and the start-up listing is done."""
        if client.get(f"{self.base_url}/v1/responses").status_code != 405:
            return False
        return MODELS_LOGGED in self.log_file.read_text(encoding="utf-8", errors="replace")

    def environment(self) -> dict[str, str]:
        """PATH and locale, the mock's key, no colours; none of our ``CODEX_RELAY_*`` settings."""
        return {**minimal_environment(self.workdir), "CODEX_RELAY_API_KEY": self.upstream_key, "NO_COLOR": "1"}
