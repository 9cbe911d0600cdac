"""pytest plugin for bench.py: the pytest process's own CPU seconds, written where ``CGC_BENCH_RUSAGE`` says.

The bench sees its child's CPU only together with the gateway's (both are reaped children); the pytest
process reports its own share at exit, so the two can be told apart.
"""

from __future__ import annotations

import json
import os
import resource
from pathlib import Path

import pytest


def pytest_unconfigure(config: pytest.Config) -> None:
    """Write RUSAGE_SELF (user + system seconds), after the gateway and mocks have stopped."""
    target = os.environ.get("CGC_BENCH_RUSAGE")
    if target:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        Path(target).write_text(json.dumps({"cpu": usage.ru_utime + usage.ru_stime}), encoding="utf-8")
