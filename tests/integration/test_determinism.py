"""Two runs of the same gateway give the same results.json: order, ids, findings, messages.

Also when the run is spread out: over several gateway processes (the routes partitioned between them),
over pytest-xdist workers (each starts its own gateway and mocks), and over shards (``--contracts-shard``)
merged with ``report merge``. Each must equal the single-process run.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from codex_gateway_contracts import report

from ..conftest import litellm_binary, run_contract_suite

SCENARIOS = [("0.169.0", "tool_call"), ("0.130.0", "tool_call"), ("0.169.0", "image_input")]
PROVIDERS = ["--contracts-provider", "openai", "--contracts-provider", "deepseek", "--contracts-provider", "anthropic"]


def run(tmp: Path, name: str, *extra: str, output: list[str] | None = None) -> dict[str, Any]:
    return run_contract_suite(
        tmp / name, name, SCENARIOS, "--contracts-litellm-bin", litellm_binary(), *PROVIDERS, *extra, output=output
    )


def test_one_process_xdist_and_merged_shards_on_several_processes_give_identical_results(tmp_path: Path) -> None:
    first = run(tmp_path, "first", "--contracts-gateway-processes", "1")
    assert len(first["cases"]) == 12 and {c["verdict"] for c in first["cases"]} >= {"pass", "leak"}
    assert run(tmp_path, "xdist", "-n", "2") == first
    outputs: list[list[str]] = [[], []]

    def shard(k: int) -> dict[str, Any]:
        return run(
            tmp_path,
            f"shard-{k}",
            "--contracts-shard",
            f"{k}/2",
            "--contracts-gateway-processes",
            "2",
            output=outputs[k - 1],
        )

    with ThreadPoolExecutor(2) as pool:  # shards run side by side, as CI jobs would
        parts = list(pool.map(shard, (1, 2)))
    routes = [{case["route"] for case in part["cases"]} for part in parts]
    assert len(routes[0]) == len(routes[1]) == 2 and not routes[0] & routes[1]  # whole routes, 2 of 4 each
    assert all(", 2 processes" in out[0] for out in outputs)  # each shard's 2 routes on 2 gateway processes
    shards = [str(tmp_path / f"shard-{k}" / f"shard-{k}") for k in (1, 2)]  # run() writes its report there
    assert report.main(["merge", *shards, "--out", str(tmp_path / "m")]) == 0
    assert report.load_document(tmp_path / "m" / "results.json") == first
