"""Installing a gateway once into the user cache from a pinned recipe shipped with the package.

A recipe is data under ``gateways/recipes/<gateway>/``: an npm ``package.json`` with its
``package-lock.json`` (installed with ``npm ci``), or a pip ``requirements.txt`` with exact versions and
hashes (installed into a virtualenv of its own with ``--require-hashes``). The install folder is named after
the pinned version and a hash of the recipe, so changing a pin installs afresh and never mixes with an older
install; a lock makes concurrent runs (xdist workers, parallel CI jobs) install once, and a marker file
written last tells a finished install from an interrupted one (which is removed and redone).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ..core.files import captured, locked, tail, user_cache_dir
from ..errors import GatewayError

RECIPES = Path(__file__).resolve().parent / "recipes"
_DONE = ".cgc-installed"
_PIN = re.compile(r"^\s*([A-Za-z0-9_.-]+)==([^\s;\\]+)")


def recipe_dir(gateway: str) -> Path:
    """The recipe folder of a gateway (package data)."""
    return RECIPES / gateway


def cache_root() -> Path:
    """``<user cache>/gateways``: one folder per gateway, one per pinned recipe."""
    return user_cache_dir() / "gateways"


def npm_pin(recipe: Path, package: str) -> str:
    """The exact version ``package.json`` pins for ``package``."""
    spec = json.loads((recipe / "package.json").read_text(encoding="utf-8"))
    version = str(spec.get("dependencies", {}).get(package, ""))
    if not re.fullmatch(r"\d+(\.\d+)*", version):
        raise GatewayError(f"{recipe / 'package.json'}: {package} must be pinned to an exact version, not {version!r}")
    return version


def pip_pin(recipe: Path, distribution: str) -> str:
    """The exact version ``requirements.txt`` pins for ``distribution``."""
    for line in (recipe / "requirements.txt").read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match and match.group(1).lower().replace("_", "-") == distribution.lower():
            return match.group(2)
    raise GatewayError(f"{recipe / 'requirements.txt'}: no exact pin ({distribution}==X) for {distribution}")


def install_dir(gateway: str, version: str, recipe: Path, files: tuple[str, ...]) -> Path:
    """``<cache>/<gateway>/<version>-<hash of the recipe files>``."""
    digest = hashlib.sha256()
    for name in files:
        digest.update(name.encode() + b"\0" + (recipe / name).read_bytes())
    return cache_root() / gateway / f"{version}-{digest.hexdigest()[:12]}"


def ensure(target: Path, what: str, build: Callable[[Path], None]) -> Path:
    """Install into ``target`` once, under a lock; ``build(target)`` runs in place (venvs cannot move)."""
    if (target / _DONE).is_file():
        return target
    with locked(target.with_name(target.name + ".lock")):
        if (target / _DONE).is_file():
            return target
        shutil.rmtree(target, ignore_errors=True)  # an interrupted install
        target.mkdir(parents=True)
        print(f"codex-contracts: installing {what} into {target} ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        try:
            build(target)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        (target / _DONE).write_text(f"{what}\n", encoding="utf-8")
        print(f"codex-contracts: installed {what} in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)
    return target


def _run(command: list[str], what: str, cwd: Path | None = None) -> None:
    done = captured(command, timeout=900, cwd=cwd)
    if done.returncode != 0:
        reason = tail(done.stderr + "\n" + done.stdout, 25)
        raise GatewayError(f"installing {what} failed ({' '.join(command[:3])} ...):\n{reason}")


def ensure_npm(gateway: str, package: str) -> Path:
    """``npm ci`` of the gateway's recipe (package.json + package-lock.json); returns the install folder."""
    recipe = recipe_dir(gateway)
    version = npm_pin(recipe, package)
    if shutil.which("npm") is None:
        raise GatewayError(
            f"npm is needed to install {package}@{version} (install Node.js), or pass --contracts-gateway-bin"
        )

    def build(folder: Path) -> None:
        for name in ("package.json", "package-lock.json"):
            shutil.copy(recipe / name, folder / name)
        # --ignore-scripts: nothing of the dependency tree runs at install time.
        npm = ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
        _run(npm, f"{package}@{version}", folder)

    target = install_dir(gateway, version, recipe, ("package.json", "package-lock.json"))
    return ensure(target, f"{package}@{version} (npm ci)", build)


def ensure_venv(gateway: str, distribution: str) -> Path:
    """A virtualenv with the recipe's requirements (exact versions, hashes); returns the venv folder."""
    recipe = recipe_dir(gateway)
    version = pip_pin(recipe, distribution)

    def build(folder: Path) -> None:
        what = f"{distribution}=={version}"
        _run([sys.executable, "-m", "venv", str(folder)], what)
        pip = [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        _run([*pip, "--require-hashes", "--no-deps", "-r", str(recipe / "requirements.txt")], what)

    target = install_dir(gateway, version, recipe, ("requirements.txt",))
    return ensure(target, f"{distribution}=={version} (pip, hashes pinned)", build)
