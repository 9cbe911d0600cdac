"""The cost model: a run's estimate from the repository's data, and shards that keep a job in its budget."""

from __future__ import annotations

import json

import pytest

from codex_gateway_contracts.tools import cost

from ...conftest import ROOT


def test_the_default_run_is_counted_from_the_data() -> None:
    estimate = cost.estimate(ROOT, cores=2, budget_s=3600)
    assert estimate.cases % 24 == 0 and estimate.requests > estimate.cases  # sessions send several requests
    assert (estimate.processes, estimate.shards) == (2, 1)
    assert estimate.seconds == pytest.approx(cost.run_seconds(estimate.requests, 2, 2), abs=0.05)


def test_a_tighter_budget_means_more_shards_each_within_it() -> None:
    loose, tight = cost.estimate(ROOT, 2, 3600), cost.estimate(ROOT, 2, cost.SETUP_S + 40)
    assert loose.shards == 1 < tight.shards

    def job(shards: int) -> float:
        return cost.SETUP_S + cost.run_seconds(-(-tight.requests // shards), 2, tight.processes)

    assert job(tight.shards) <= cost.SETUP_S + 40 < job(tight.shards - 1)  # the fewest shards that fit


def test_more_cores_only_help_with_more_processes() -> None:
    assert cost.run_seconds(1000, 4, 1) == cost.run_seconds(1000, 8, 1)  # one process is one core
    assert cost.run_seconds(1000, 4, 4) < cost.run_seconds(1000, 4, 2) < cost.run_seconds(1000, 4, 1)


def test_the_command_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert cost.main(["--root", str(ROOT), "--cores", "2", "--budget-minutes", "10"]) == 0
    assert json.loads(capsys.readouterr().out)["shards"] >= 1
