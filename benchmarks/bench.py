"""Benchmark: the contract suite against the plain sequential loop and against the gateway's own ceiling.

    .venv/bin/python benchmarks/bench.py [--litellm-bin PATH] [--processes N|auto] [--concurrency N] [-- pytest args]

Printed in one run, with the date and /proc/loadavg before and after (the machine is shared: a loaded
machine makes every figure slower, so compare runs made back to back on a quiet one):

1. **suite**: ``pytest tests/contracts/test_codex_gateway.py`` with the default config (expectations off),
   timed end to end (collection and gateway start-up included); cases from its results.json; CPU seconds of
   the pytest process (runner, mocks, judging) and of its children (the gateway processes).
2. **loop**: today's anchor. One LiteLLM process, the same hermetic config and strict mocks, and a
   sequential loop POSTing every request of every case to /v1/responses, judging nothing; start-up included.
3. **ceiling**: what the gateway alone can do. The same requests through the same gateway configuration
   (the same number of processes, the routes split alike) at the same concurrency (one worker per route,
   N routes at a time), judging nothing, and the cheapest upstream: mocks that skip schema validation and
   answer every call with one short text, so the gateway takes its plain success path; start-up included.

Ratios suite/loop and suite/ceiling (goals on a 2-core machine, issue #13: <= 0.6 and <= 1.15), cases/s.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from codex_gateway_contracts.core.cassettes import Cassette, discover
from codex_gateway_contracts.core.catalogue import Catalogue, load_catalogue
from codex_gateway_contracts.core.deployments import GatewayPlan, load_deployments
from codex_gateway_contracts.core.mocks import MockFleet
from codex_gateway_contracts.gateways import GatewayPool
from codex_gateway_contracts.gateways.litellm import LiteLLMGateway, find_litellm
from codex_gateway_contracts.options import gateway_processes

ROOT = Path(__file__).resolve().parents[1]
#: Written by the pytest process at exit: its own CPU seconds (RUSAGE_SELF), set by ``rusage_plugin``.
RUSAGE_ENV = "CGC_BENCH_RUSAGE"


@dataclass
class Timing:
    """Wall seconds, and CPU seconds of this process and of reaped children over one measured block."""

    wall: float = 0.0
    own_cpu: float = 0.0
    children_cpu: float = 0.0


@contextmanager
def measured() -> Iterator[Timing]:
    """Time the block: wall, this process's CPU, and CPU of the children it reaped meanwhile."""
    timing = Timing()
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    try:
        yield timing
    finally:
        timing.wall = time.perf_counter() - started
        own_after, children_after = (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        timing.own_cpu = cpu(own_after) - cpu(own)
        timing.children_cpu = cpu(children_after) - cpu(children)


def cpu(usage: resource.struct_rusage) -> float:
    """User + system seconds."""
    return usage.ru_utime + usage.ru_stime


def loadavg() -> str:
    """The 1-, 5- and 15-minute load averages."""
    return " ".join(Path("/proc/loadavg").read_text(encoding="utf-8").split()[:3])


def run_suite(binary: str, processes: str, concurrency: int, extra: list[str]) -> tuple[Timing, float, int]:
    """The whole pytest run; its pytest-process CPU; cases judged. The gateway's CPU is children minus that."""
    with tempfile.TemporaryDirectory() as report:
        rusage = Path(report) / "rusage.json"
        suite = str(ROOT / "tests" / "contracts" / "test_codex_gateway.py")
        command = [sys.executable, "-m", "pytest", suite, "-q", "-p", "no:cacheprovider", "-p", "rusage_plugin"]
        command += ["--contracts-litellm-bin", binary, "--contracts-expectations", "none"]
        command += ["--contracts-gateway-processes", processes, "--contracts-concurrency", str(concurrency)]
        command += ["--contracts-report", report, *extra]
        env = {**os.environ, RUSAGE_ENV: str(rusage), "PYTHONPATH": str(Path(__file__).parent)}
        with measured() as timing:
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, env=env)
        results = Path(report) / "results.json"
        if not results.is_file():
            raise SystemExit(f"the suite wrote no results.json (exit {done.returncode}):\n{done.stdout[-3000:]}")
        cases = len(json.loads(results.read_text(encoding="utf-8"))["cases"])
        suite_cpu = float(json.loads(rusage.read_text(encoding="utf-8"))["cpu"])
    return timing, suite_cpu, cases


def requests_of(cassettes: list[Cassette], route: str, api_key: str) -> Iterator[tuple[str, bytes, dict[str, str]]]:
    """Every request of every cassette for ``route``, as the suite sends them (path, body and headers)."""
    for cassette in cassettes:
        for interaction in cassette.interactions:
            body = json.dumps({**interaction.body, "model": route}, ensure_ascii=False).encode()
            headers = {
                **interaction.replay_headers(),
                "authorization": f"Bearer {api_key}",
                "content-type": "application/json",
            }
            yield interaction.path, body, headers


def send_all(client: httpx.Client, base_url: str, requests: Iterator[tuple[str, bytes, dict[str, str]]]) -> int:
    """POST each request where Codex sent it and read the whole answer; how many were sent.

    A request whose keep-alive connection the gateway had just closed is sent again on a new one, once
    (uvicorn drops idle connections after 5 s), as the suite's runner does.
    """
    sent = 0
    for path, body, headers in requests:
        for attempt in (1, 2):
            try:
                with client.stream("POST", f"{base_url}{path}", content=body, headers=headers) as answer:
                    answer.read()
                break
            except httpx.RemoteProtocolError:
                if attempt == 2:
                    raise
        sent += 1
    return sent


def run_loop(binary: str, catalogue: Catalogue, plan: GatewayPlan, cassettes: list[Cassette]) -> tuple[Timing, int]:
    """Today's anchor: one gateway process, strict mocks, every request one after another."""
    with measured() as timing, tempfile.TemporaryDirectory() as workdir:
        fleet = MockFleet(catalogue)
        bases = {d.slug: fleet.register(d.slug, d.provider, d.route) for d in plan.deployments if d.provider}
        proxy = LiteLLMGateway(binary, Path(workdir))
        proxy.configure(plan, lambda d: bases[d.slug])
        proxy.start()
        try:
            with httpx.Client(timeout=60, trust_env=False) as client:
                sent = sum(
                    send_all(client, proxy.base_url, requests_of(cassettes, r, proxy.api_key)) for r in plan.routes
                )
        finally:
            proxy.stop()
            fleet.close()
    return timing, sent


def cheapest(catalogue: Catalogue) -> Catalogue:
    """The catalogue with schema validation switched off: mocks then answer every call at once, with text."""
    skip: Callable[[Any], list[Any]] = lambda body: []  # noqa: E731
    for provider in catalogue.providers:
        for endpoint in provider.endpoints:
            object.__setattr__(endpoint, "violations", skip)  # frozen dataclass; this copy is the bench's own
    return catalogue


def run_ceiling(
    binary: str, plan: GatewayPlan, cassettes: list[Cassette], processes: int, concurrency: int
) -> tuple[Timing, float, int]:
    """The same requests through the same gateway processes at the same concurrency; cheap mocks; no judging."""
    catalogue = cheapest(load_catalogue(ROOT / "schemas" / "providers"))
    with measured() as timing, tempfile.TemporaryDirectory() as workdir:
        fleet = MockFleet(catalogue)
        bases = {d.slug: fleet.register(d.slug, d.provider, d.route) for d in plan.deployments if d.provider}
        pool = GatewayPool(LiteLLMGateway, binary, Path(workdir), plan, processes=processes, first=plan.routes)
        pool.configure(lambda d: bases[d.slug])
        pool.start()
        try:
            requests_started = time.perf_counter()
            limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
            with (
                httpx.Client(timeout=60, trust_env=False, limits=limits) as client,
                ThreadPoolExecutor(concurrency) as workers,
            ):
                counts = workers.map(
                    lambda r: send_all(client, pool.address(r).base_url, requests_of(cassettes, r, pool.api_key)),
                    plan.routes,
                )
                sent = sum(counts)
            requests_only = time.perf_counter() - requests_started
        finally:
            pool.stop()
            fleet.close()
    return timing, requests_only, sent


def main() -> int:
    """Run the three, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--litellm-bin", default=None, help="litellm executable (default: beside this Python)")
    parser.add_argument("--processes", default="auto", help="gateway processes for suite and ceiling (default auto)")
    parser.add_argument("--concurrency", type=int, default=8, help="routes in flight, suite and ceiling (default 8)")
    parser.add_argument("--skip-loop", action="store_true", help="leave out the sequential loop (it is the slowest)")
    parser.add_argument("extra", nargs="*", help="extra pytest arguments for the suite run (after --)")
    args = parser.parse_args()
    binary = find_litellm(args.litellm_bin)
    catalogue = load_catalogue(ROOT / "schemas" / "providers")
    plan = load_deployments(catalogue, None)
    cassettes = discover(ROOT / "cassettes" / "codex")
    cases = len(cassettes) * len(plan.routes)
    asked = None if args.processes == "auto" else int(args.processes)
    processes = gateway_processes(asked, len(plan.routes), cases)

    print(f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M:%S} UTC, {os.cpu_count()} CPUs")
    print(f"load before: {loadavg()}")
    print(f"gateway: {processes} process(es), concurrency {args.concurrency}, {len(plan.routes)} routes")
    suite, suite_cpu, judged = run_suite(binary, str(processes), args.concurrency, args.extra)
    print(
        f"suite: {judged} cases in {suite.wall:.1f} s ({judged / suite.wall:.1f} cases/s); "
        f"CPU s: gateway {suite.children_cpu - suite_cpu:.1f}, suite process {suite_cpu:.1f}",
        flush=True,
    )
    ceiling, ceiling_requests, ceiling_sent = run_ceiling(binary, plan, cassettes, processes, args.concurrency)
    print(
        f"ceiling: {ceiling_sent} requests in {ceiling.wall:.1f} s with start-up, {ceiling_requests:.1f} s without "
        f"({judged / ceiling.wall:.1f} cases/s); "
        f"CPU s: gateway {ceiling.children_cpu:.1f}, client+mocks {ceiling.own_cpu:.1f}"
    )
    if not args.skip_loop:
        loop, sent = run_loop(binary, catalogue, plan, cassettes)
        print(
            f"plain loop: {sent} requests in {loop.wall:.1f} s with start-up ({judged / loop.wall:.1f} cases/s); "
            f"CPU s: gateway {loop.children_cpu:.1f}, client+mocks {loop.own_cpu:.1f}"
        )
        print(f"ratio suite/loop: {suite.wall / loop.wall:.2f} (goal <= 0.6)")
    print(f"ratio suite/ceiling: {suite.wall / ceiling.wall:.2f} (goal <= 1.15)")
    print(f"load after: {loadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
