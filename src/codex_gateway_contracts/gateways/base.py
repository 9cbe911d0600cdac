"""The gateway adapter interface: one subclass of :class:`Gateway` per gateway, registered by name.

An adapter knows its gateway: where its executable is, its version, how to write its config for the
run's deployments (every provider address pointed at a mock), how to start it and tell that it is ready,
and how a Codex request names a route (:meth:`Gateway.address`). The process handling is shared here:
the gateway runs on 127.0.0.1 on a free port in its own session with a random key, no HTTP proxy
settings and a log file; readiness is waited for, bounded; ``stop()`` ends the whole process group.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import ClassVar, TypeVar

import httpx

from ..core.deployments import Deployment, GatewayPlan
from ..core.files import log_tail
from ..core.registry import Registry
from ..core.releases import Release
from ..core.runner import RouteAddress
from ..errors import GatewayError

PROXY_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS considers free right now on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


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

    def __init__(self, executable: str, workdir: Path, *, startup_timeout: float = 120.0) -> None:
        self.executable = executable
        self.workdir = workdir
        self.config_file = workdir / self.config_name
        self.log_file = workdir / self.log_name
        self.startup_timeout = startup_timeout
        self.api_key = "sk-cgc-" + secrets.token_hex(24)
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

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
        """How a Codex request reaches ``route``: by default the route is the request's model."""
        return RouteAddress(self.base_url, route)

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
        """Start the gateway and wait, bounded, until it answers its readiness probe."""
        self.port = free_port()
        command = self.command()
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
                        f"{self.title} exited with code {self._process.returncode} before it was ready.\n"
                        f"command: {' '.join(command)}\n{self.log_tail()}"
                    )
                try:
                    if self.ready(client):
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.25)
        self.stop()
        raise GatewayError(f"{self.title} did not become ready within {self.startup_timeout:.0f} s.\n{self.log_tail()}")

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
