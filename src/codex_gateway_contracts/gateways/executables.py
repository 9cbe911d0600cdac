"""Executables a user names for a gateway, the version an executable reports, and pip-installed gateways."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from ..core.files import captured
from ..errors import GatewayError
from .base import Gateway
from .install import ensure_venv


def usable_executable(path: str, title: str) -> str:
    """``path`` as an absolute path when it is an executable file; GatewayError naming the option otherwise."""
    candidate = Path(path).expanduser()
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate.absolute())
    raise GatewayError(f"--contracts-gateway-bin {path}: not an executable file (the {title} executable)")


def executable_version(executable: str) -> str:
    """The last word ``EXECUTABLE --version`` prints (``codex-relay 0.5.8`` -> ``0.5.8``), or ``unknown``."""
    try:
        done = captured([executable, "--version"], timeout=60)
    except OSError:
        return "unknown"
    words = done.stdout.split()
    return words[-1] if done.returncode == 0 and words else "unknown"


class PipInstalled(Gateway):
    """A gateway shipped on PyPI with a console command: the recipe's virtualenv, or the executable named."""

    #: The distribution the recipe pins, and the command it installs.
    distribution: ClassVar[str]
    command_name: ClassVar[str]

    @classmethod
    def find(cls, explicit: str | None = None) -> str:
        """``explicit``, or the command in the pinned recipe's cached virtualenv (installed on first use)."""
        if explicit:
            return usable_executable(explicit, cls.title)
        return str(ensure_venv(cls.name, cls.distribution) / "bin" / cls.command_name)

    def read_version(self) -> str:
        """The last word of ``<command> --version``."""
        return executable_version(self.executable)
