"""The Portkey AI gateway (npm ``@portkey-ai/gateway``) as an adapter: routing by one header per route.

Portkey has no config file: a request names its provider in headers. Each route gets one
``x-portkey-config`` header (the provider's Portkey id from its ``gateways.portkey`` entry, ``custom_host`` = the
route's mock, the mock's key), which is what a Codex ``[model_providers.x] http_headers`` entry would set.
A ``custom_host`` is always sent: without one Portkey calls the provider's real address.

Its CLI has no host option and listens on every interface, so it is never run: ``recipes/portkey/loopback.mjs``
loads the bundle with every ``listen()`` forced onto 127.0.0.1 (and exits if the bound address is not).
The install is the recipe's ``package.json`` + ``package-lock.json`` with ``npm ci``; the lock pins
``@hono/node-server`` 1.13.8 and ``@hono/node-ws`` 1.2.0 through npm ``overrides`` because with npm's
default resolution (``@hono/node-server`` 1.19.x) every streamed reply fails (HTTP 500, log
``TypeError: immutable``).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import httpx

from ..core.deployments import Deployment, GatewayPlan
from ..core.files import captured, write_atomic
from ..errors import GatewayError
from .base import Gateway, minimal_environment, register
from .install import ensure_npm, recipe_dir

PACKAGE = "@portkey-ai/gateway"
BUNDLE = Path("build") / "start-server.js"
LAUNCHER = recipe_dir("portkey") / "loopback.mjs"
MIN_NODE = 18
#: What the suite writes into every route's config itself (never taken from the route table).
_OWN_KEYS = ("custom_host", "api_key")


def bundle_of(path: Path) -> Path:
    """``build/start-server.js`` from what a user names: it, ``node_modules/.bin/gateway``, the package or a project."""
    path = path.expanduser().resolve()  # .bin/gateway is a symlink into the package
    candidates = [path, path / BUNDLE, path / "node_modules" / PACKAGE / BUNDLE]
    for candidate in candidates:
        manifest = candidate.parent.parent / "package.json"
        if candidate.is_file() and candidate.name == BUNDLE.name and manifest.is_file():
            return candidate
    raise GatewayError(
        f"{path} is not a Portkey gateway install: expected {BUNDLE} of {PACKAGE}, the package folder, "
        f"node_modules/.bin/gateway or a folder with node_modules/{PACKAGE}"
    )


def node_executable() -> str:
    """``node`` on PATH, at least version 18 (the launcher uses top-level await and node: imports)."""
    node = shutil.which("node")
    if node is None:
        raise GatewayError(f"the Portkey gateway runs on Node.js >= {MIN_NODE}: no node on PATH")
    done = captured([node, "--version"], timeout=30)
    match = re.match(r"v(\d+)", done.stdout.strip())
    if done.returncode != 0 or match is None or int(match.group(1)) < MIN_NODE:
        raise GatewayError(f"the Portkey gateway needs Node.js >= {MIN_NODE}; {node} is {done.stdout.strip() or '?'}")
    return node


@register
class PortkeyGateway(Gateway):
    """Portkey's open-source gateway on 127.0.0.1; each route is one ``x-portkey-config`` header."""

    name = "portkey"
    kind = "portkey"
    title = "Portkey gateway"
    config_name = "portkey-routes.json"
    log_name = "portkey.log"

    @classmethod
    def find(cls, explicit: str | None = None) -> str:
        """The gateway's ``build/start-server.js``: from ``explicit``, or the pinned recipe's cached install."""
        node_executable()
        if explicit:
            return str(bundle_of(Path(explicit)))
        return str(ensure_npm(cls.name, PACKAGE) / "node_modules" / PACKAGE / BUNDLE)

    def read_version(self) -> str:
        """``version`` of the package.json beside ``build/`` (its CLI is never run: it binds every interface)."""
        try:
            manifest = json.loads((Path(self.executable).parent.parent / "package.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return "unknown"
        return str(manifest.get("version") or "unknown")

    def configure(self, plan: GatewayPlan, api_base_for: Callable[[Deployment], str]) -> None:
        """One ``x-portkey-config`` per route (written to :attr:`config_file` for the record)."""
        record = {}
        for route in self.routed(plan, api_base_for, required="provider"):
            config = {key: value for key, value in route.entry.options.items() if key not in _OWN_KEYS}
            config.update(custom_host=route.base_url, api_key=route.key)
            header = json.dumps(config, separators=(",", ":"), sort_keys=True)
            self.name_route(route.deployment.route, route.model, {"x-portkey-config": header})
            record[route.deployment.route] = {"model": route.model, "x-portkey-config": config}
        write_atomic(self.config_file, json.dumps(record, indent=2) + "\n")

    def command(self) -> list[str]:
        """``node loopback.mjs --port=N --headless`` (the launcher loads the bundle on 127.0.0.1)."""
        return [node_executable(), str(LAUNCHER), f"--port={self.port}", "--headless"]

    def ready(self, client: httpx.Client) -> bool:
        """``GET /`` answers 200 ("AI Gateway says hey!")."""
        return client.get(f"{self.base_url}/").status_code == 200

    def environment(self) -> dict[str, str]:
        """PATH and locale only (Portkey reads provider credentials and trusted hosts from many variables)."""
        return {**minimal_environment(self.workdir), "GATEWAY_ENTRY": self.executable, "NODE_ENV": "production"}
