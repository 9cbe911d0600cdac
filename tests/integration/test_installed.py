"""Usable outside this repository: the wheel carries the suite and its data, and runs from any directory.

Built once from this checkout (as ``pip install git+https://…`` would build it), installed into a fresh
virtualenv (``--no-deps``: its dependencies come from this environment through a path entry, which keeps
the test fast), then ``pytest --pyargs codex_gateway_contracts --litellm-config FILE`` runs from an empty
temporary directory against the bundled LiteLLM.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

from codex_gateway_contracts.core.cassettes import discover

from ..conftest import ROOT, isolated, litellm_binary

CONFIG = "model_list:\n- model_name: deepseek-chat\n  litellm_params: {model: deepseek/deepseek-chat}\n"


def run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout, check=False)


def install_wheel(tmp: Path) -> Path:
    """The project's wheel, built from the checkout (as pip builds a git URL), in a new virtualenv: its python."""
    wheel_dir = tmp / "dist"
    built = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheel_dir), str(ROOT)],
        tmp,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (wheel,) = wheel_dir.glob("codex_gateway_contracts-*.whl")
    assert run([sys.executable, "-m", "venv", "--without-pip", str(tmp / "venv")], tmp).returncode == 0
    python = tmp / "venv" / "bin" / "python"
    installed = run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)], tmp
    )
    assert installed.returncode == 0, installed.stdout[-2000:] + installed.stderr[-2000:]
    site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp).stdout.strip()
    # The dependencies (pytest, httpx, ...) from this environment, after the wheel's own package.
    (Path(site) / "zz-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return python


def test_the_installed_wheel_runs_the_suite_with_its_own_data_from_any_directory(tmp_path: Path) -> None:
    binary = litellm_binary()
    python = install_wheel(tmp_path)
    where = tmp_path / "anywhere"
    where.mkdir()
    (where / "proxy.yaml").write_text(CONFIG, encoding="utf-8")
    _, env = isolated(tmp_path / "isolation")
    command = [str(python), "-m", "pytest", "--pyargs", "codex_gateway_contracts", "--litellm-config", "proxy.yaml"]
    command += ["--contracts-litellm-bin", binary, "--contracts-report", "out", "-p", "no:cacheprovider"]
    done = run(command, where, timeout=600, env=env)
    output = done.stdout + done.stderr
    bundled = tmp_path / "venv" / "lib"
    assert f"codex-contracts: data from {bundled}" in output and "codex_gateway_contracts/bundled" in output, output[
        -3000:
    ]
    results = json.loads((where / "out" / "results.json").read_text(encoding="utf-8"))
    cassettes = {c.id for c in discover(ROOT / "cassettes" / "codex")}
    assert {case["cassette"] for case in results["cases"]} == cassettes
    assert {case["route"] for case in results["cases"]} == {"deepseek-chat"}
    assert {case["verdict"] for case in results["cases"]} <= {"pass", "leak", "drop", "upstream_reject"}
    assert done.returncode in (0, 1), output[-3000:]  # 1: the leaks DeepSeek gets; no expectations with your config
