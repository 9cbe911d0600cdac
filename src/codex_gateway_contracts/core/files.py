"""Small helpers every part uses the same way: atomic writes, file locks, tails of output, names, caches."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

#: Names of scenarios and provider folders: lower_snake_case, starting with a letter or digit.
SNAKE_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")


def write_atomic(path: Path, text: str) -> Path:
    """Temp file + rename: a reader, or a crashed run, never sees half a file. Returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600; these are ordinary files
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (created if needed) for the duration of the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def captured(command: list[str], timeout: float, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command to its end (or ``timeout``), its output captured as text; the caller reads the code."""
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd)


def tail(text: str, lines: int) -> str:
    """The last ``lines`` non-blank lines of a process's output, or ``(empty)``."""
    kept = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:]) or "(empty)"


def log_tail(path: Path, lines: int = 40) -> str:
    """The end of a log file under a header naming it, for error messages."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return f"--- last {min(lines, len(text))} lines of {path} ---\n" + "\n".join(text[-lines:])


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/codex-gateway-contracts`` (``~/.cache/...`` by default): installs of Codex and gateways."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "codex-gateway-contracts"
