"""Wire formats, one module each, registered by key (see :mod:`.base`).

Importing the package registers the built-in ones, in the order below (the order of ``keys()``).
Another module registers its own with ``@register`` on a :class:`Wire` subclass.
"""

# isort: off
from . import openai_chat, openai_responses, openai_responses_compact, anthropic_messages  # noqa: F401
from . import gemini_generate  # noqa: F401
from . import bedrock_converse, bedrock_invoke, ollama_chat, ollama_generate  # noqa: F401

# isort: on
from .base import Reply, ToolSpec, Wire, get, keys, offered_tools, register, unregister

__all__ = ["Reply", "ToolSpec", "Wire", "get", "keys", "offered_tools", "register", "unregister"]
