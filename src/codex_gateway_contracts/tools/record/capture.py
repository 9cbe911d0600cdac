"""Running the real Codex for one scenario against the scripted endpoint, and keeping what it sent."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ...codex.config import codex_env, render_config
from ...codex.run import CodexRun, run_codex
from ...core.files import locked, tail
from ...errors import RecordError
from .scenarios import Scenario, tiny_png
from .script import CaptureServer, Exchange
from .scrub import HOME_PLACEHOLDER

#: Fixed so the ``<cwd>`` Codex reports in its environment context is the same on every machine.
WORK_DIR = Path("/tmp/codex-contracts-work")


@dataclass(frozen=True)
class Capture:
    """The raw exchanges of one scenario run, and the run-specific strings to scrub from them."""

    exchanges: list[Exchange]
    replacements: list[tuple[str, str]]
    forbidden: list[str]


def _run(binary: Path, args: Sequence[str], env: dict[str, str], timeout: float) -> CodexRun:
    run = run_codex(binary, args, cwd=WORK_DIR, env=env, timeout=timeout)
    what = f"codex {' '.join(args[:2])}"
    if run.timed_out:
        raise RecordError(f"{what} timed out after {timeout:.0f}s; stderr tail:\n{tail(run.stderr, 25)}")
    if run.exit_code != 0:
        raise RecordError(f"{what} exited with code {run.exit_code}; stderr tail:\n{tail(run.stderr, 25)}")
    return run


def _turn_args(scenario: Scenario, index: int) -> list[str]:
    """``codex exec`` for the first turn, ``codex exec resume --last`` for every later one."""
    if index == 0:
        return ["exec", "--skip-git-repo-check", *scenario.args, scenario.prompt]
    return ["exec", "resume", "--last", "--skip-git-repo-check", scenario.turns[index].prompt]


def check_mcp_tools(scenario: Scenario, exchanges: Sequence[Exchange], stderr: str) -> None:
    """Codex goes on without an MCP server that fails or misses its start-up timeout, silently: refuse that."""
    first = exchanges[0].body.decode("utf-8", "replace") if exchanges else ""
    for server in scenario.mcp_servers:
        if f"mcp__{server.name}" not in first:
            raise RecordError(
                f"the tools of MCP server {server.name!r} ({server.script}) are not in Codex's first request: the "
                f"server failed or missed startup_timeout_sec ({server.startup_timeout_sec}s), and Codex went on "
                f"without it; stderr tail:\n{tail(stderr, 25)}"
            )


def capture_scenario(binary: Path, scenario: Scenario, timeout: float) -> Capture:
    """Run Codex for one scenario (every turn) against a fresh capture endpoint."""
    api_key = f"capture-dummy-{secrets.token_hex(8)}"
    # The work dir has a fixed path, so two recorders must not share it at the same time.
    with locked(Path(f"{WORK_DIR}.lock")), tempfile.TemporaryDirectory(prefix="codex-contracts-home-") as home_dir:
        home = Path(home_dir)
        (home / ".codex").mkdir()
        shutil.rmtree(WORK_DIR, ignore_errors=True)
        WORK_DIR.mkdir(parents=True)
        for name, content in scenario.files.items():
            (WORK_DIR / name).write_text(content, encoding="utf-8")
        for name in scenario.images:
            (WORK_DIR / name).write_bytes(tiny_png())
        with CaptureServer(scenario.model, scenario.all_replies) as server:
            base_url = f"http://127.0.0.1:{server.port}/v1"
            config = render_config(scenario.model, base_url, scenario.settings(), provider_name=scenario.provider_name)
            (home / ".codex" / "config.toml").write_text(config, encoding="utf-8")
            env = codex_env(home, api_key)
            stderr = ""
            try:
                for index in range(len(scenario.turns)):
                    stderr += _run(binary, _turn_args(scenario, index), env, timeout).stderr
            except RecordError as exc:
                if server.errors:
                    raise RecordError(f"{exc}\ncapture endpoint: {'; '.join(server.errors)}") from None
                raise
        shutil.rmtree(WORK_DIR, ignore_errors=True)
    if server.errors:
        raise RecordError(f"capture endpoint: {'; '.join(server.errors)}")
    check_mcp_tools(scenario, server.exchanges, stderr)
    if server.unused_replies:
        raise RecordError(
            f"Codex sent {len(server.exchanges)} request(s) and never asked for the last {server.unused_replies} "
            f"of the scenario's {len(scenario.all_replies)} replies: fix the scenario's replies"
        )
    replacements = [
        (home_dir, HOME_PLACEHOLDER),
        (os.path.realpath(home_dir), HOME_PLACEHOLDER),
        (f"127.0.0.1:{server.port}", "127.0.0.1"),
    ]
    return Capture(server.exchanges, replacements, [api_key, home_dir])
