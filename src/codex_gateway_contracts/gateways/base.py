"""The gateway adapter interface: one subclass of :class:`Gateway` per gateway, registered by name.

An adapter knows its gateway: where its executable is (or how to install it), its version, how to write
its config for the deployments it serves (every provider address pointed at a mock), how to start it and
tell that it is ready, and how a Codex request names a route (:meth:`Gateway.address`). The process
handling is shared here: one instance is one process on 127.0.0.1 on a free port in its own session with
a random key, no HTTP proxy settings and a log file; readiness is waited for, bounded; the sockets the
process group listens on are checked to be loopback only; ``stop()`` ends the whole process group.
Several instances serving disjoint sets of routes make a :class:`~.pool.GatewayPool`.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import ClassVar, TypeVar

import httpx

from ..core import sockets
from ..core.catalogue import Provider
from ..core.deployments import Deployment, GatewayPlan
from ..core.files import log_tail
from ..core.registry import Registry
from ..core.releases import Release
from ..core.runner import RouteAddress
from ..errors import GatewayError
from .routing import RouteEntry, RouteTable

PROXY_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
LOOPBACK_ONLY = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
#: What a gateway started with :func:`minimal_environment` still gets from ours.
_KEPT_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ")


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS considers free right now on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Routed:
    """A deployment a route-table gateway serves: its entry, and where and as which model it calls the provider."""

    deployment: Deployment
    provider: Provider
    entry: RouteEntry
    #: The deployment's mock plus the entry's path.
    base_url: str
    model: str

    @property
    def key(self) -> str:
        """The dummy key the provider's mock gets."""
        return f"mock-key-{self.provider.name}"


def minimal_environment(home: Path) -> dict[str, str]:
    """PATH and locale only, HOME in the work folder: no provider keys, proxies or gateway settings leak in.

    Gateways read credentials and endpoints from many variables (``AWS_*``, ``*_API_KEY``,
    ``TRUSTED_CUSTOM_HOSTS``, ``CODEX_RELAY_*``); an adapter that does not need ours starts from this.
    """
    env = {key: os.environ[key] for key in _KEPT_ENV if key in os.environ}
    env.update(LOOPBACK_ONLY, HOME=str(home), TMPDIR=str(home))
    return env


class Gateway(ABC):
    """A gateway process under test, on 127.0.0.1, stopped with its whole process group."""

    #: Registry name, and the prefix of its expectations files (``expectations/<name>-<version>.yaml``).
    name: ClassVar[str]
    #: The upstream package name (PyPI, npm, ...); a release installed under another name is a fork.
    package: ClassVar[str] = ""
    #: ``gateway.kind`` in results.json.
    kind: ClassVar[str]
    #: How messages name it.
    title: ClassVar[str]
    #: File names in the work folder.
    config_name: ClassVar[str] = "gateway-config.yaml"
    log_name: ClassVar[str] = "gateway.log"
    #: The most routes one process serves (None: any number). A pool starts as many processes as needed.
    routes_per_process: ClassVar[int | None] = None
    #: Configured from the providers' ``gateways.<name>`` entries (False: from the deployments' own parameters).
    uses_route_table: ClassVar[bool] = True

    def __init__(
        self,
        executable: str,
        workdir: Path,
        *,
        startup_timeout: float = 120.0,
        routing: RouteTable | None = None,
        label: str | None = None,
    ) -> None:
        self.executable = executable
        self.workdir = workdir
        self.config_file = workdir / self.config_name
        self.log_file = workdir / self.log_name
        self.startup_timeout = startup_timeout
        self.routing = routing
        #: How messages name this process (a pool numbers its members and names their routes).
        self.label = label or self.title
        self.api_key = "sk-cgc-" + secrets.token_hex(24)
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._named: dict[str, tuple[str, dict[str, str]]] = {}

    @classmethod
    def route_table(cls, schemas: Path, providers: Iterable[Provider]) -> RouteTable | None:
        """The gateway's routing data, or None when it uses none (from its deployments' own parameters).

        The data: each provider's ``gateways.<name>`` section, and ``<schemas>/gateways/<name>.yaml``.
        """
        if not cls.uses_route_table:
            return None
        return RouteTable.load(schemas / "gateways" / f"{cls.name}.yaml", cls.name, providers)

    # -- what each adapter says ----------------------------------------------------------------------
    @classmethod
    @abstractmethod
    def find(cls, explicit: str | None = None) -> str:
        """The executable to run: ``explicit`` if given (GatewayError if unusable), else the default one."""

    @abstractmethod
    def read_version(self) -> str:
        """The gateway's version (``unknown`` when it cannot be told)."""

    def read_release(self) -> Release:
        """The installed package and its version; adapters whose forks publish under other names override it."""
        upstream = self.package or self.name
        return Release(upstream, self.read_version(), upstream)

    @abstractmethod
    def configure(self, plan: GatewayPlan, api_base_for: Callable[[Deployment], str]) -> None:
        """Write :attr:`config_file` for the plan's usable deployments, each provider call to ``api_base_for``."""

    @abstractmethod
    def command(self) -> list[str]:
        """The command line that serves :attr:`config_file` on 127.0.0.1::attr:`port`."""

    @abstractmethod
    def ready(self, client: httpx.Client) -> bool:
        """One readiness probe (``client`` has a short timeout and no proxies)."""

    def environment(self) -> dict[str, str]:
        """The process environment: this one without HTTP proxies, loopback exempt from any proxy."""
        env = {k: v for k, v in os.environ.items() if k not in PROXY_ENV}
        env.update(NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
        return env

    def address(self, route: str) -> RouteAddress:
        """How a Codex request reaches ``route``: what :meth:`name_route` said, else the route is the model."""
        model, headers = self._named.get(route, (route, {}))
        return RouteAddress(self.base_url, model, dict(headers))

    def name_route(self, route: str, model: str, headers: dict[str, str] | None = None) -> None:
        """Requests for ``route`` carry ``model`` and ``headers`` (called from :meth:`configure`)."""
        self._named[route] = (model, dict(headers or {}))

    # -- helpers for adapters configured from a route table ------------------------------------------
    def routed(
        self, plan: GatewayPlan, api_base_for: Callable[[Deployment], str], required: str | None = None
    ) -> list[Routed]:
        """The plan's routable deployments with their route-table entry and upstream (their mock).

        ``required`` names the option every entry must give (Portkey's ``provider``, llm-rosetta's ``type``).
        """
        if self.routing is None:
            raise GatewayError(f"{self.title} is configured from a route table, but none was given")
        found = []
        for deployment in plan.deployments:
            if deployment.skipped is not None or deployment.provider is None:
                continue
            entry = self.routing.entry(deployment)
            if entry.skip is not None:
                raise GatewayError(f"{self.title} cannot route {deployment.route}: {entry.skip}")
            if required is not None and required not in entry.options:
                raise GatewayError(f"{self.routing.path}: no '{required}' for {deployment.route}")
            base_url = api_base_for(deployment).rstrip("/") + entry.path
            model = entry.model or deployment.provider.litellm_model
            found.append(Routed(deployment, deployment.provider, entry, base_url, model))
        return found

    # -- shared process handling --------------------------------------------------------------------
    @cached_property
    def release(self) -> Release:
        """The installed release (package and version), read once."""
        return self.read_release()

    @property
    def version(self) -> str:
        """The installed version."""
        return self.release.version

    @property
    def base_url(self) -> str:
        """Where Codex would point its ``base_url`` (without ``/v1``)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the gateway, wait (bounded) until it is ready, and check it listens on loopback only."""
        self.launch()
        try:
            self.wait_ready(time.monotonic() + self.startup_timeout)
            self.check_loopback()
        except GatewayError:
            self.stop()
            raise

    def launch(self) -> None:
        """Start the process on a free port, without waiting (a pool launches all before waiting for any)."""
        self.port = free_port()
        with self.log_file.open("wb") as log:
            self._process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.environment(),
                cwd=self.workdir,
                start_new_session=True,
            )

    def wait_ready(self, deadline: float) -> None:
        """Poll the readiness probe until ``deadline`` (``time.monotonic()``); GatewayError with the log if not."""
        process = self._process
        if process is None:
            raise GatewayError(f"{self.label} was not launched")
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    command = process.args if isinstance(process.args, list) else [str(process.args)]
                    raise GatewayError(
                        f"{self.label} exited with code {process.returncode} before it was ready.\n"
                        f"command: {' '.join(map(str, command))}\n{self.log_tail()}"
                    )
                try:
                    if self.ready(client):
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.25)
        raise GatewayError(f"{self.label} did not become ready within {self.startup_timeout:.0f} s.\n{self.log_tail()}")

    def listeners(self) -> list[sockets.Listener]:
        """The TCP sockets the gateway's process group listens on (empty when it is not running)."""
        return sockets.listeners(self._process.pid) if self.alive() and self._process is not None else []

    def check_loopback(self) -> None:
        """GatewayError when the process group listens on anything but loopback (Linux; elsewhere no check)."""
        if not sockets.supported():
            return
        exposed = [listener for listener in self.listeners() if not listener.loopback]
        if exposed:
            raise GatewayError(
                f"{self.label} listens on {', '.join(map(str, exposed))}: the suite runs gateways on 127.0.0.1 "
                f"only, so it was stopped"
            )

    @property
    def pid(self) -> int | None:
        """The process id (also the id of its process group), once launched."""
        return self._process.pid if self._process is not None else None

    def alive(self) -> bool:
        """The process is still running."""
        return self._process is not None and self._process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        """The end of the gateway's log, for error messages."""
        return log_tail(self.log_file, lines)

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


_REGISTRY: Registry[type[Gateway]] = Registry("gateway", GatewayError)
G = TypeVar("G", bound=type[Gateway])


def register(cls: G) -> G:
    """Class decorator: make ``cls`` the adapter called ``cls.name``."""
    _REGISTRY.add(cls.name, cls)
    return cls


def unregister(name: str) -> None:
    """Forget the adapter called ``name`` (for self-tests that register a stand-in)."""
    _REGISTRY.remove(name)


def get(name: str) -> type[Gateway]:
    """The adapter called ``name``; GatewayError names the known ones."""
    return _REGISTRY.get(name)


def names() -> tuple[str, ...]:
    """Every registered adapter name."""
    return _REGISTRY.names()
