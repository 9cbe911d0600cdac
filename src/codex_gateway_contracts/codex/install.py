"""Installing ``@openai/codex@<version>`` from npm into the user cache, and finding its native binary."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from ..core.files import captured, tail, user_cache_dir
from ..errors import CodexError


def default_cache_dir() -> Path:
    """Where Codex is npm-installed unless told otherwise: ``$CODEX_CONTRACTS_CACHE`` or the user cache's ``codex``."""
    env_cache = os.environ.get("CODEX_CONTRACTS_CACHE")
    return Path(env_cache).expanduser() if env_cache else user_cache_dir() / "codex"


def find_codex_binary(install_dir: Path) -> Path | None:
    """The native binary inside an npm install (its folder differs by version), else the npm launcher."""
    modules = install_dir / "node_modules"
    for vendor in sorted(modules.glob("@openai/codex-*/vendor")):
        for candidate in sorted(vendor.rglob("codex")):
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
    launcher = modules / ".bin" / "codex"
    return launcher if launcher.exists() else None


def codex_version(binary: Path) -> str:
    """The version the binary reports (``codex-cli 0.169.0`` → ``0.169.0``)."""
    out = captured([str(binary), "--version"], timeout=60)
    words = out.stdout.split()
    if out.returncode != 0 or not words:
        raise CodexError(f"{binary} --version failed ({out.returncode}): {tail(out.stderr, 25)}")
    return words[-1]


def ensure_codex(version: str, cache_root: Path | None = None) -> Path:
    """Install ``@openai/codex@<version>`` from npm once (into ``cache_root/<version>``); later runs reuse it."""
    target = (cache_root or default_cache_dir()) / version
    binary = find_codex_binary(target)
    if binary and codex_version(binary) == version:
        return binary
    if shutil.which("npm") is None:
        raise CodexError("npm is needed to install Codex; or pass --codex-bin")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=target.parent))
    print(f"installing @openai/codex@{version} into {target} ...", file=sys.stderr, flush=True)
    try:
        npm = ["npm", "install", "--prefix", str(staging), "--no-save", "--no-audit", "--no-fund", "--loglevel=error"]
        result = captured([*npm, f"@openai/codex@{version}"], timeout=900)
        if result.returncode != 0:
            raise CodexError(f"npm install @openai/codex@{version} failed:\n{tail(result.stderr, 25)}")
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    binary = find_codex_binary(target)
    if binary is None:
        raise CodexError(f"no codex binary found under {target}/node_modules")
    return binary
