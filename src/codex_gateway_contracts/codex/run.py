"""Running the Codex CLI bounded in time: on a timeout its whole process group (the shells it started) dies."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class CodexRun:
    """What one Codex run did."""

    exit_code: int | None
    stdout: str
    stderr: str
    last_message: str
    seconds: float
    timed_out: bool = False

    @property
    def final_text(self) -> str:
        """The final message: the ``--output-last-message`` file, else stdout."""
        return self.last_message or self.stdout


def run_codex(binary: Path, args: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout: float) -> CodexRun:
    """``binary args...`` in ``cwd`` with ``env`` and no stdin; killed with its process group after ``timeout``."""
    started = time.monotonic()
    timed_out = False
    with subprocess.Popen(
        [str(binary), *args],
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so a timeout can kill the shells Codex started too
    ) as proc:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
    code = None if timed_out else proc.returncode
    return CodexRun(code, stdout, stderr, "", time.monotonic() - started, timed_out)


def run_exec(
    binary: Path, home: Path, workdir: Path, config: str, env: Mapping[str, str], prompt: str, timeout: float
) -> CodexRun:
    """``codex exec --skip-git-repo-check <prompt>`` with ``config`` as its config.toml; keeps its final message."""
    (home / ".codex").mkdir(parents=True, exist_ok=True)
    (home / ".codex" / "config.toml").write_text(config, encoding="utf-8")
    last = home / "last-message.txt"
    args = ["exec", "--skip-git-repo-check", "--output-last-message", str(last), prompt]
    run = run_codex(binary, args, cwd=workdir, env=env, timeout=timeout)
    run.last_message = last.read_text(encoding="utf-8", errors="replace") if last.is_file() else ""
    return run
