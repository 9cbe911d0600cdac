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
from .base import minimal_environment, register
from .executables import PipInstalled

MODELS_LOGGED = "upstream models"  # the log line of its start-up listing, whatever the upstream answered


@register
class CodexRelayGateway(PipInstalled):
    """``codex-relay --bind 127.0.0.1 --upstream <mock>``, one process per route."""

    name = "codex-relay"
    kind = "codex-relay"
    title = "codex-relay"
    config_name = "codex-relay.json"
    log_name = "codex-relay.log"
    routes_per_process = 1
    distribution = "codex-relay"
    command_name = "codex-relay"  # the native binary; --version prints "codex-relay 0.5.8"

    upstream_url = ""
    upstream_key = ""

    def configure(self, plan: GatewayPlan, api_base_for: Callable[[Deployment], str]) -> None:
        """The one routable deployment of this process's part of the plan is its upstream."""
        routes = self.routed(plan, api_base_for)
        if len(routes) != 1:
            names = ", ".join(route.deployment.route for route in routes) or "none"
            raise GatewayError(f"{self.label} serves exactly one route per process, was given: {names}")
        (route,) = routes
        self.upstream_url, self.upstream_key = route.base_url, route.key
        self.name_route(route.deployment.route, route.model)
        record = {"route": route.deployment.route, "model": route.model, "upstream": self.upstream_url}
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
