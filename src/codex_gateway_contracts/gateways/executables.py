"""Executables a user names for a gateway, and the version an executable reports."""

from __future__ import annotations

import os
from pathlib import Path

from ..core.files import captured
from ..errors import GatewayError


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
