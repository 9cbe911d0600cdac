"""Two runs of the same gateway give the same results.json: order, ids, findings, messages.

Also with pytest-xdist, whose workers each start their own gateway and mocks: the merged report must
equal the single-process one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from codex_gateway_contracts.gateway import GatewayError, find_litellm

from .conftest import ROOT


def litellm() -> str:
    try:
        return find_litellm()
    except GatewayError as exc:
        if os.environ.get("CGC_REQUIRE_GATEWAYS") == "1":
            raise
        pytest.skip(str(exc))


def run(tmp: Path, name: str, *extra: str) -> dict[str, Any]:
    cassettes = tmp / "cassettes"
    if not cassettes.exists():
        for version, scenario in (("0.169.0", "tool_call"), ("0.130.0", "tool_call"), ("0.169.0", "image_input")):
            (cassettes / version).mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / "cassettes" / "codex" / version / f"{scenario}.yaml", cassettes / version)
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(ROOT / "tests" / "contracts" / "test_codex_gateway.py"),
        "-q",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(ROOT),
        "--contracts-litellm-bin",
        litellm(),
        "--contracts-cassettes",
        str(cassettes),
        "--contracts-expectations",
        "none",
        "--contracts-provider",
        "openai",
        "--contracts-provider",
        "deepseek",
        "--contracts-provider",
        "anthropic",
        "--contracts-report",
        str(tmp / name),
        *extra,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT, check=False)
    report = tmp / name / "results.json"
    assert report.is_file(), done.stdout[-2000:] + done.stderr[-2000:]
    results: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return results


def test_two_runs_and_an_xdist_run_give_identical_results(tmp_path: Path) -> None:
    first = run(tmp_path, "first")
    second = run(tmp_path, "second")
    assert first == second
    assert len(first["cases"]) == 12 and {c["verdict"] for c in first["cases"]} >= {"pass", "leak"}
    assert run(tmp_path, "xdist", "-n", "2") == first
