"""The gateway under test: a LiteLLM proxy run as a real process, once per test session.

Two halves. ``load_deployments`` reads the user's proxy config (or generates one from the catalogue)
without starting anything, so pytest can collect one case per deployment. ``LiteLLMProxy`` writes the
hermetic copy of that config (every provider call pointed at its mock, nothing else reachable) and
runs ``litellm --host 127.0.0.1`` with a random master key until the session ends.
"""

from __future__ import annotations

import copy
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from .catalogue import Catalogue, Provider

ENV_REF = "os.environ/"
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
_PROXY_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


class GatewayError(Exception):
    """The gateway could not be configured or started; the message carries the cause and its log tail."""


@dataclass
class Deployment:
    """One ``model_list`` entry: the route Codex addresses and the provider behind it."""

    index: int
    route: str
    litellm_model: str
    params: dict[str, Any]
    provider: Provider | None
    skipped: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        """A path-safe, unique name for the deployment's mock prefix."""
        return f"{self.index}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', self.route)}"


@dataclass
class GatewayPlan:
    """Deployments plus the settings sections of the config they came from."""

    deployments: list[Deployment]
    settings: dict[str, Any]
    source: str
    notes: list[str] = field(default_factory=list)

    @property
    def routes(self) -> list[str]:
        """Routes with at least one usable deployment, in config order."""
        seen: list[str] = []
        for d in self.deployments:
            if d.skipped is None and d.route not in seen:
                seen.append(d.route)
        return seen


def default_config(catalogue: Catalogue) -> dict[str, Any]:
    """A proxy config with one deployment per provider endpoint the catalogue knows.

    ``drop_params: true`` is set because it is how LiteLLM is run in front of Codex in practice
    (without it, LiteLLM itself refuses Codex's ``reasoning`` for most chat providers).
    """
    model_list = []
    for provider in catalogue.providers:
        for route, params in provider_deployments(provider):
            model_list.append({"model_name": route, "litellm_params": params})
    return {"model_list": model_list, "litellm_settings": {"drop_params": True}}


def provider_deployments(provider: Provider) -> list[tuple[str, dict[str, Any]]]:
    """The default deployments of a provider: its main one plus any per-endpoint variants."""
    base = {
        "model": f"{provider.litellm_prefix}/{provider.litellm_model}",
        **provider.litellm_params,
        "api_key": f"os.environ/{provider.name.upper()}_API_KEY",
    }
    out = [(provider.route, base)]
    for variant in provider.variants:
        out.append((f"{provider.route}-{variant['suffix']}", {**base, **variant.get("params", {})}))
    return out


def load_deployments(catalogue: Catalogue, config_file: Path | None) -> GatewayPlan:
    """Read a proxy config (or the default one) into deployments, without touching the network."""
    if config_file is None:
        raw, source = default_config(catalogue), "generated from the provider catalogue"
    else:
        try:
            raw = yaml.safe_load(config_file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise GatewayError(f"cannot read LiteLLM config {config_file}: {exc}") from exc
        source = str(config_file)
    if not isinstance(raw, dict) or not isinstance(raw.get("model_list"), list) or not raw["model_list"]:
        raise GatewayError(f"LiteLLM config {source} has no model_list entries")
    deployments = []
    for index, entry in enumerate(raw["model_list"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("litellm_params"), dict):
            raise GatewayError(f"{source}: model_list[{index}] has no litellm_params mapping")
        params = copy.deepcopy(entry["litellm_params"])
        model = str(params.get("model", ""))
        route = str(entry.get("model_name") or model)
        provider = catalogue.for_model(model)
        deployment = Deployment(index, route, model, params, provider)
        if provider is None:
            prefix = model.split("/", 1)[0] if "/" in model else "(no prefix)"
            known = ", ".join(sorted(p.litellm_prefix for p in catalogue.providers))
            deployment.skipped = f"provider {prefix!r} of model {model!r} is not in the catalogue (known: {known})"
        deployments.append(deployment)
    settings = {key: copy.deepcopy(value) for key, value in raw.items() if key != "model_list"}
    return GatewayPlan(deployments, settings, source)


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


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS considers free right now on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def find_litellm(explicit: str | None = None) -> str:
    """The ``litellm`` executable: the given one, the one beside this Python, or the one on PATH."""
    candidates = [explicit] if explicit else [str(Path(sys.executable).with_name("litellm")), shutil.which("litellm")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    where = explicit or "beside this Python or on PATH"
    raise GatewayError(
        f"no litellm executable found ({where}); install the extra: pip install "
        f"'codex-gateway-contracts[litellm]', or pass --contracts-litellm-bin"
    )


def litellm_version(binary: str) -> str:
    """The LiteLLM version behind an executable, read from its interpreter's package metadata."""
    try:
        first = Path(binary).read_text(encoding="utf-8", errors="replace").splitlines()[0]
    except (OSError, IndexError):
        return "unknown"
    python = first[2:].strip().split()[0] if first.startswith("#!") else ""
    if not python:
        return "unknown"
    try:
        out = subprocess.run(
            [python, "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


class LiteLLMProxy:
    """A LiteLLM proxy process on 127.0.0.1; stopped with its whole process group."""

    kind = "litellm-proxy"

    def __init__(self, binary: str, config: Mapping[str, Any], workdir: Path, startup_timeout: float = 120.0) -> None:
        self.binary = binary
        self.workdir = workdir
        self.config_file = workdir / "litellm-config.yaml"
        self.log_file = workdir / "litellm.log"
        self.startup_timeout = startup_timeout
        self.master_key = "sk-cgc-" + secrets.token_hex(24)
        self.port = 0
        self.version = litellm_version(binary)
        self._process: subprocess.Popen[bytes] | None = None
        self.config_file.write_text(yaml.safe_dump(dict(config), sort_keys=False), encoding="utf-8")

    @property
    def base_url(self) -> str:
        """Where Codex would point its ``base_url``."""
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        """The proxy's environment: local cost map, our key, no HTTP proxies, loopback exempt."""
        env = {k: v for k, v in os.environ.items() if k not in _PROXY_ENV}
        env.update(
            LITELLM_LOCAL_MODEL_COST_MAP="True",
            LITELLM_MASTER_KEY=self.master_key,
            NO_PROXY="127.0.0.1,localhost",
            no_proxy="127.0.0.1,localhost",
            LITELLM_TELEMETRY="False",
            PYTHONUNBUFFERED="1",
        )
        return env

    def start(self) -> None:
        """Start the proxy and wait, bounded, until it answers its liveliness probe."""
        self.port = free_port()
        command = [self.binary, "--config", str(self.config_file), "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log_file.open("wb") as log:
            self._process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.environment(),
                cwd=self.workdir,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.startup_timeout
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise GatewayError(
                        f"LiteLLM exited with code {self._process.returncode} before it was ready.\n"
                        f"command: {' '.join(command)}\n{self.log_tail()}"
                    )
                try:
                    if client.get(f"{self.base_url}/health/liveliness").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.25)
        self.stop()
        raise GatewayError(f"LiteLLM did not become ready within {self.startup_timeout:.0f} s.\n{self.log_tail()}")

    def alive(self) -> bool:
        """The process is still running."""
        return self._process is not None and self._process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        """The end of the proxy's log, for error messages."""
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return f"--- last {min(lines, len(text))} lines of {self.log_file} ---\n" + "\n".join(text[-lines:])

    def stop(self) -> None:
        """Terminate the process group; kill it if it does not stop within 10 s."""
        if self._process is None or self._process.poll() is not None:
            return
        try:
            os.killpg(self._process.pid, signal.SIGTERM)
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=10)
        except ProcessLookupError:
            pass
