"""Ollama's native ``/api/generate``: a prompt in, a ``response`` out (NDJSON lines when streaming)."""

from __future__ import annotations

from typing import Any

from .base import register
from .ollama_chat import Ollama


@register
class OllamaGenerate(Ollama):
    """``/api/generate``: a prompt in, a ``response`` out (and a ``context`` on the last line)."""

    key = "ollama-generate"
    canonical_paths = ("/api/generate",)
    generate = True

    def minimal_request(self, model: str, stream: bool = False) -> dict[str, Any]:
        """Model and a prompt."""
        return {"model": model, "prompt": "Say hello.", "stream": stream}
