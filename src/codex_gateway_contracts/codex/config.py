"""What Codex runs with: a pinned environment and a ``config.toml`` naming one Responses provider."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w

#: The time zone Codex runs in (and reports in its environment context).
TIMEZONE = "Etc/UTC"
#: The environment variable Codex reads its provider key from.
KEY_VARIABLE = "CAPTURE_API_KEY"


def render_config(
    model: str,
    base_url: str,
    settings: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    provider_name: str = "Capture",
) -> str:
    """``config.toml``: ``model`` at the provider ``base_url`` (…/v1), retries off so a broken reply fails at once.

    ``settings`` are Codex settings (``model_reasoning_effort``, tables such as ``[tools.web_search]`` or
    ``[mcp_servers.NAME]``); ``headers`` become the provider's ``http_headers`` (how a gateway that routes
    by header is addressed). ``provider_name`` is the provider's display name, which Codex also reads: a
    provider named ``OpenAI`` or ``Azure`` compacts remotely, any other name compacts with an ordinary
    summarising request (``codex-rs/model-provider-info/src/lib.rs``, ``supports_remote_compaction``).
    """
    provider: dict[str, Any] = {
        "name": provider_name,
        "base_url": base_url,
        "wire_api": "responses",
        "env_key": KEY_VARIABLE,
        "stream_max_retries": 0,
        "request_max_retries": 0,
    }
    if headers:
        provider["http_headers"] = dict(headers)
    document = {
        "model": model,
        "model_provider": "capture",
        "approval_policy": "never",
        "sandbox_mode": "danger-full-access",
        **(settings or {}),
        "model_providers": {"capture": provider},
    }
    return tomli_w.dumps(document)


def codex_env(home: Path, api_key: str) -> dict[str, str]:
    """A pinned environment: nothing of the user's (keys, proxies, locale) reaches Codex.

    ``HOME`` and ``CODEX_HOME`` (``home/.codex``) are fresh; the key is in ``CAPTURE_API_KEY``.
    """
    path = ["/usr/local/bin", "/usr/bin", "/bin"]
    node = shutil.which("node")
    if node:  # only needed when the binary is the npm JS launcher
        path.insert(0, str(Path(node).parent))
    return {
        "HOME": str(home),
        "CODEX_HOME": str(home / ".codex"),
        "PATH": ":".join(dict.fromkeys(path)),
        "SHELL": "/bin/bash",
        "TERM": "xterm",
        "LANG": "C.UTF-8",
        "TZ": TIMEZONE,
        "NO_PROXY": "127.0.0.1,localhost",
        KEY_VARIABLE: api_key,
    }
