"""LiteLLM's proxy (and its forks) as a gateway adapter: ``litellm --config ... --host 127.0.0.1``.

The run's deployments keep every ``litellm_params`` entry of the user's config (``extra_body``,
``additional_drop_params``, ...) and its ``litellm_settings``, ``general_settings`` and ``router_settings``;
only what decides where or with which credentials a provider is called is rewritten to the mocks, and
settings that would reach the network (callbacks, caches, database, alerting) are removed and noted.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml

from ..core.deployments import Deployment, GatewayPlan
from ..core.releases import UNKNOWN, Release
from ..errors import GatewayError
from .base import Gateway, register

ENV_REF = "os.environ/"
UPSTREAM = "litellm"
# litellm_params that decide where, or with which credentials, a provider is called.
_ENDPOINT_PARAMS = (
    "api_base",
    "base_url",
    "azure_endpoint",
    "api_key",
    "organization",
    "azure_ad_token",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "vertex_credentials",
    # Bedrock: an explicit runtime endpoint wins over api_base, and role/profile/web-identity settings
    # make LiteLLM call STS; none of them may survive or the call would leave the machine.
    "aws_bedrock_runtime_endpoint",
    "aws_role_name",
    "aws_session_name",
    "aws_profile_name",
    "aws_web_identity_token",
    "aws_sts_endpoint",
)
# Settings that would make the proxy talk to something other than the mocks (logging, caches, DB, alerts).
_NETWORK_SETTINGS = {
    "litellm_settings": (
        "callbacks",
        "success_callback",
        "failure_callback",
        "service_callback",
        "cache",
        "cache_params",
        "input_callback",
        "turn_off_message_logging_callbacks",
    ),
    "general_settings": (
        "database_url",
        "alerting",
        "alerting_args",
        "master_key",
        "custom_auth",
        "store_model_in_db",
        "health_check_interval",
        "background_health_checks",
    ),
    "router_settings": ("redis_host", "redis_port", "redis_password", "redis_url"),
}


def hermetic_config(plan: GatewayPlan, api_base_for: Callable[[Deployment], str]) -> dict[str, Any]:
    """The config handed to the gateway: provider calls go to the mocks, nothing else leaves the host."""
    model_list = []
    for deployment in plan.deployments:
        if deployment.skipped is not None or deployment.provider is None:
            continue
        params = _rewrite_params(deployment, api_base_for(deployment))
        model_list.append({"model_name": deployment.route, "litellm_params": params})
    config: dict[str, Any] = {"model_list": model_list}
    for section, value in plan.settings.items():
        if not isinstance(value, dict):
            config[section] = value
            continue
        kept = dict(value)
        for key in _NETWORK_SETTINGS.get(section, ()):
            if key in kept:
                kept.pop(key)
                if key != "master_key":
                    plan.notes.append(f"{section}.{key} removed: the suite keeps the gateway off the network")
        config[section] = kept
    return config


def _rewrite_params(deployment: Deployment, api_base: str) -> dict[str, Any]:
    assert deployment.provider is not None
    params = copy.deepcopy(deployment.params)
    for key in _ENDPOINT_PARAMS:
        params.pop(key, None)
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith(ENV_REF):
            name = value[len(ENV_REF) :]
            if name in os.environ:
                continue  # LiteLLM resolves it itself; it is not an address or a credential
            default = deployment.provider.litellm_params.get(key)
            if default is not None:
                params[key] = default
                deployment.notes.append(f"{key}: {value} is unset; used the catalogue default {default!r}")
            else:
                params.pop(key)
                deployment.notes.append(f"{key}: {value} is unset; removed")
    params["api_base"] = api_base
    params["api_key"] = f"mock-key-{deployment.provider.name}"
    return params


def find_litellm(explicit: str | None = None) -> str:
    """The ``litellm`` executable: the given one, the one beside this Python, or the one on PATH."""
    candidates = [explicit] if explicit else [str(Path(sys.executable).with_name("litellm")), shutil.which("litellm")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)  # the gateway runs in its own work folder
    where = explicit or "beside this Python or on PATH"
    raise GatewayError(
        f"no litellm executable found ({where}); install the extra: pip install "
        f"'codex-gateway-contracts[litellm]', or pass --contracts-litellm-bin"
    )


# Run in the gateway's own interpreter: which installed distribution provides the ``litellm`` module
# (a fork publishes it under its own name, e.g. aiyou-litellm), and its version. Several distributions may
# claim the module (a fork installed over upstream): the one whose recorded hash of litellm/__init__.py
# matches the file on disk is the one that wrote it. An editable install may record no module at all; the
# distribution of the ``litellm`` console script is the next best answer.
_RELEASE_PROBE = """
import base64, hashlib, importlib.metadata as m, json
names = list(dict.fromkeys(m.packages_distributions().get("litellm") or []))
if not names:
    names = [ep.dist.name for ep in m.entry_points(group="console_scripts", name="litellm") if ep.dist]
def owns(name):
    for f in m.files(name) or []:
        if str(f).replace("\\\\", "/") == "litellm/__init__.py" and f.hash:
            digest = hashlib.new(f.hash.mode, f.locate().read_bytes()).digest()
            return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == f.hash.value
    return False
if len(names) > 1:
    names.sort(key=lambda name: not owns(name))
print(json.dumps([[n, m.version(n)] for n in names[:1]]))
"""


def litellm_release(binary: str) -> Release:
    """The distribution behind a ``litellm`` executable and its version, read in the executable's interpreter.

    ``unknown`` when the interpreter cannot be run or names no distribution.
    """
    unknown = Release(UPSTREAM, UNKNOWN, UPSTREAM)
    try:
        first = Path(binary).read_text(encoding="utf-8", errors="replace").splitlines()[0]
    except (OSError, IndexError):
        return unknown
    python = first[2:].strip().split()[0] if first.startswith("#!") else ""
    if not python:
        return unknown
    try:
        out = subprocess.run([python, "-c", _RELEASE_PROBE], capture_output=True, text=True, timeout=60, check=True)
        found = json.loads(out.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return unknown
    if not found:
        return unknown
    (name, version), *_ = found
    return Release(str(name), str(version), UPSTREAM)


def litellm_version(binary: str) -> str:
    """The LiteLLM version behind an executable (see :func:`litellm_release`)."""
    return litellm_release(binary).version


@register
class LiteLLMGateway(Gateway):
    """A LiteLLM proxy process; the route is the request's model, the key its master key."""

    name = "litellm"
    package = UPSTREAM
    kind = "litellm-proxy"
    title = "LiteLLM"
    config_name = "litellm-config.yaml"
    log_name = "litellm.log"
    uses_route_table = False  # each deployment's litellm_params say how LiteLLM reaches it

    @classmethod
    def find(cls, explicit: str | None = None) -> str:
        """``explicit``, the ``litellm`` beside this Python, or the one on PATH."""
        return find_litellm(explicit)

    def read_version(self) -> str:
        """The version of the distribution that provides ``litellm`` in the executable's interpreter."""
        return self.release.version

    def read_release(self) -> Release:
        """The distribution that provides ``litellm`` (``aiyou-litellm`` for that fork) and its version."""
        return litellm_release(self.executable)

    def configure(self, plan: GatewayPlan, api_base_for: Callable[[Deployment], str]) -> None:
        """The hermetic copy of the plan's config (see :func:`hermetic_config`)."""
        config = hermetic_config(plan, api_base_for)
        self.config_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")

    def command(self) -> list[str]:
        """``litellm --config FILE --host 127.0.0.1 --port N``."""
        return [self.executable, "--config", str(self.config_file), "--host", "127.0.0.1", "--port", str(self.port)]

    def ready(self, client: httpx.Client) -> bool:
        """``/health/liveliness`` answers 200."""
        return client.get(f"{self.base_url}/health/liveliness").status_code == 200

    def environment(self) -> dict[str, str]:
        """Local cost map, our master key, no telemetry, unbuffered output, one uvicorn worker.

        ``litellm --num_workers`` also reads ``NUM_WORKERS`` from the environment: a user's export would
        turn the proxy into a uvicorn supervisor whose late workers list models inside the first cases.
        The suite scales with whole processes instead (``--contracts-gateway-processes``).
        """
        return {
            **super().environment(),
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LITELLM_MASTER_KEY": self.api_key,
            "LITELLM_TELEMETRY": "False",
            "NUM_WORKERS": "1",
            "PYTHONUNBUFFERED": "1",
        }
