"""The cost model of a run, and how many shards keep each CI job under a time budget.

A run's wall time is about a fixed part (gateway start-up) plus its requests times the CPU each costs,
spread over the cores the run can use: the gateway's share over its processes (one process is bound to
one core), the gateway's and the suite's together over the machine's cores, of which a run keeps only a
share busy (``CORE_SHARE``: the processes wait on each other and on the mocks)::

    seconds ~ STARTUP_S + requests * max(GATEWAY_CPU_S / processes,
                                         (GATEWAY_CPU_S + SUITE_CPU_S) / (cores * CORE_SHARE))

The constants are what ``benchmarks/bench.py`` printed on the 2-core machine (README, Performance).
``python -m codex_gateway_contracts.tools.cost --budget-minutes 10`` prints the default run's figures and
the shards the nightly workflow runs it as.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from ..core.cassettes import discover
from ..core.catalogue import load_catalogue
from ..core.deployments import load_deployments
from ..options import gateway_processes

#: Gateway CPU seconds per request, and the suite process's (mocks, runner, judging): bench.py, README.
GATEWAY_CPU_S = 0.047
SUITE_CPU_S = 0.011
#: Gateway start-up, seconds (bench.py's ceiling with and without it).
STARTUP_S = 6.8
#: The share of the cores a run keeps busy once the gateway has more than one process (bench.py's suite).
CORE_SHARE = 0.79
#: A CI job's installs and checkouts before the suite starts, seconds: an assumption (not measured here).
SETUP_S = 180.0


@dataclass(frozen=True)
class Estimate:
    """What a run costs, by the model, and the shards that keep each job within the budget."""

    cases: int
    requests: int
    cores: int
    processes: int
    seconds: float
    shards: int


def run_seconds(requests: int, cores: int, processes: int) -> float:
    """The model's wall seconds for ``requests`` on ``cores`` with ``processes`` gateway processes."""
    per_request = max(GATEWAY_CPU_S / processes, (GATEWAY_CPU_S + SUITE_CPU_S) / (cores * CORE_SHARE))
    return STARTUP_S + requests * per_request


def estimate(root: Path, cores: int, budget_s: float) -> Estimate:
    """The default run of the repository at ``root`` (generated config, every cassette) on ``cores``."""
    catalogue = load_catalogue(root / "schemas" / "providers")
    plan = load_deployments(catalogue, None)
    cassettes = discover(root / "cassettes" / "codex")
    routes = len(plan.routes)
    cases = len(cassettes) * routes
    requests = sum(len(cassette.interactions) for cassette in cassettes) * routes
    processes = gateway_processes(None, routes, cases, cores=cores)
    seconds = run_seconds(requests, cores, processes)
    # A shard has its own fixed part and set-up; the requests divide among the shards.
    shards = 1
    while shards < routes and SETUP_S + run_seconds(math.ceil(requests / shards), cores, processes) > budget_s:
        shards += 1
    return Estimate(cases, requests, cores, processes, round(seconds, 1), shards)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the estimate as JSON (the nightly workflow reads ``shards``)."""
    parser = argparse.ArgumentParser(prog="python -m codex_gateway_contracts.tools.cost", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the suite's checkout (default: here)")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1, help="cores of the job's machine")
    parser.add_argument("--budget-minutes", type=float, default=10.0, help="the most one job may take")
    options = parser.parse_args(argv)
    print(json.dumps(asdict(estimate(options.root, options.cores, options.budget_minutes * 60))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
