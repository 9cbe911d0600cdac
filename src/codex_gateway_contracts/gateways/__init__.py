"""Gateway adapters, one module each, registered by name (see :mod:`.base`); ``litellm`` is the default.

A session runs an adapter's processes as a :class:`~.pool.GatewayPool` (the routes partitioned between
them); how each non-LiteLLM gateway reaches the catalogue's deployments is data, each provider's ``gateways:``
section (:mod:`.routing`); pinned installs are recipes under ``recipes/<name>/`` (:mod:`.install`).
"""

# isort: off
from . import litellm, portkey, llm_rosetta, codex_relay  # noqa: F401  (registration, in this order)

# isort: on
from .base import Gateway, free_port, get, names, register, unregister
from .pool import GatewayPool, partition, subplan
from .routing import RouteEntry, RouteTable

DEFAULT = "litellm"

__all__ = [
    "DEFAULT",
    "Gateway",
    "GatewayPool",
    "RouteEntry",
    "RouteTable",
    "free_port",
    "get",
    "names",
    "partition",
    "register",
    "subplan",
    "unregister",
]
