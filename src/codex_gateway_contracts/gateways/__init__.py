"""Gateway adapters, one module each, registered by name (see :mod:`.base`); ``litellm`` is the default."""

from . import litellm  # noqa: F401  (registration)
from .base import Gateway, free_port, get, names, register, unregister

DEFAULT = "litellm"

__all__ = ["DEFAULT", "Gateway", "free_port", "get", "names", "register", "unregister"]
