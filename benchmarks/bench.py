"""Benchmark: the contract suite against a plain loop sending the same requests through the same proxy.

    .venv/bin/python benchmarks/bench.py [--litellm-bin PATH] [--repeat N] [-- extra pytest args]

1. The suite: ``pytest tests/contracts`` with the default config (expectations off), timed end to end;
   cases come from its results.json.
2. The bare cost: the same LiteLLM version and the same hermetic config, the same provider mocks, and a
   plain sequential loop that POSTs every request of every case where Codex sent it and reads the answer,
   judging nothing; proxy start-up included, as in the suite.

Prints both wall times, the ratio suite/loop and cases per second. The goal (README, Performance):
ratio <= 1.0 at 300+ cases on 2 cores: the suite's own work must hide behind its concurrency.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from codex_gateway_contracts.core.cassettes import discover
from codex_gateway_contracts.core.catalogue import load_catalogue
from codex_gateway_contracts.core.deployments import load_deployments
from codex_gateway_contracts.core.mocks import MockFleet
from codex_gateway_contracts.gateways.litellm import LiteLLMGateway, find_litellm

ROOT = Path(__file__).resolve().parents[1]


def run_suite(binary: str, extra: list[str]) -> tuple[float, int]:
    """Wall time of the whole pytest run and the number of cases judged."""
    with tempfile.TemporaryDirectory() as report:
        command = [
            sys.executable,
            "-m",
            "pytest",
            str(ROOT / "tests" / "contracts" / "test_codex_gateway.py"),
            "-q",
            "-p",
            "no:cacheprovider",
            "--contracts-litellm-bin",
            binary,
            "--contracts-expectations",
            "none",
            "--contracts-report",
            report,
            *extra,
        ]
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=False)
        elapsed = time.perf_counter() - started
        cases = len(json.loads((Path(report) / "results.json").read_text(encoding="utf-8"))["cases"])
    return elapsed, cases


def run_loop(binary: str) -> tuple[float, float, int]:
    """Wall time of start-up plus a sequential loop over every request, the loop alone, and requests sent."""
    catalogue = load_catalogue(ROOT / "schemas" / "providers")
    plan = load_deployments(catalogue, None)
    cassettes = discover(ROOT / "cassettes" / "codex")
    started = time.perf_counter()
    fleet = MockFleet(catalogue)
    bases = {d.slug: fleet.register(d.slug, d.provider, d.route) for d in plan.deployments if d.provider}
    with tempfile.TemporaryDirectory() as workdir:
        proxy = LiteLLMGateway(binary, Path(workdir))
        proxy.configure(plan, lambda d: bases[d.slug])
        proxy.start()
        try:
            loop_started = time.perf_counter()
            sent = 0
            with httpx.Client(timeout=60, trust_env=False) as client:
                for cassette in cassettes:
                    for route in plan.routes:
                        for interaction in cassette.interactions:
                            body = json.dumps({**interaction.body, "model": route}).encode()
                            headers = {
                                **interaction.replay_headers(),
                                "authorization": f"Bearer {proxy.api_key}",
                                "content-type": "application/json",
                            }
                            client.post(f"{proxy.base_url}{interaction.path}", content=body, headers=headers).read()
                            sent += 1
            loop_only = time.perf_counter() - loop_started
        finally:
            proxy.stop()
            fleet.close()
    return time.perf_counter() - started, loop_only, sent


def main() -> int:
    """Run both, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--litellm-bin", default=None, help="litellm executable (default: beside this Python)")
    parser.add_argument("extra", nargs="*", help="extra pytest arguments for the suite run (after --)")
    args = parser.parse_args()
    binary = find_litellm(args.litellm_bin)
    suite, cases = run_suite(binary, args.extra)
    loop, loop_only, sent = run_loop(binary)
    print(f"suite: {cases} cases in {suite:.1f} s ({cases / suite:.1f} cases/s)")
    print(f"plain loop: {sent} requests in {loop:.1f} s with start-up, {loop_only:.1f} s without")
    print(f"ratio suite/loop: {suite / loop:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
