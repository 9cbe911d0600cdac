"""Two runs of the same gateway give the same results.json: order, ids, findings, messages.

Also with pytest-xdist, whose workers each start their own gateway and mocks: the merged report must
equal the single-process one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..conftest import litellm_binary, run_contract_suite

SCENARIOS = [("0.169.0", "tool_call"), ("0.130.0", "tool_call"), ("0.169.0", "image_input")]
PROVIDERS = ["--contracts-provider", "openai", "--contracts-provider", "deepseek", "--contracts-provider", "anthropic"]


def run(tmp: Path, name: str, *extra: str) -> dict[str, Any]:
    return run_contract_suite(
        tmp / name, name, SCENARIOS, "--contracts-litellm-bin", litellm_binary(), *PROVIDERS, *extra
    )


def test_two_runs_and_an_xdist_run_give_identical_results(tmp_path: Path) -> None:
    first = run(tmp_path, "first")
    second = run(tmp_path, "second")
    assert first == second
    assert len(first["cases"]) == 12 and {c["verdict"] for c in first["cases"]} >= {"pass", "leak"}
    assert run(tmp_path, "xdist", "-n", "2") == first
