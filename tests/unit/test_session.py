"""The session's two steps without a gateway: preparing the cases, and an xdist worker's hand-over."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from codex_gateway_contracts.core.expectations import Expectations
from codex_gateway_contracts.core.verdict import CaseResult, Finding, Verdict
from codex_gateway_contracts.errors import CassetteError, GatewayError
from codex_gateway_contracts.options import Settings
from codex_gateway_contracts.session import ContractsSession

from ..conftest import ROOT

SETTINGS = Settings(
    rootdir=ROOT,
    litellm_config=None,
    litellm_bin=None,
    report=None,
    cassettes=ROOT / "cassettes" / "codex",
    schemas=ROOT / "schemas",
    expectations=None,
    expectations_off=False,
    concurrency=8,
    startup_timeout=120.0,
    request_timeout=60.0,
    providers=frozenset(),
    routes=frozenset(),
    update_expectations=False,
)


def test_prepare_makes_one_case_per_cassette_and_route_and_filters_by_provider() -> None:
    everything = ContractsSession(SETTINGS).prepare()
    cassettes = len({case.cassette.id for case in everything.cases})
    assert len(everything.cases) == cassettes * len(everything.routes) == len(everything.all_case_ids)
    assert everything.cases[0].id == f"{everything.cases[0].cassette.id}-{everything.routes[0]}"
    deepseek = ContractsSession(dataclasses.replace(SETTINGS, providers=frozenset({"deepseek"}))).prepare()
    assert deepseek.routes == ["deepseek-chat"] and len(deepseek.cases) == cassettes
    assert deepseek.all_case_ids == everything.all_case_ids  # expectations speak of the whole configuration


def test_bad_data_is_one_named_error_every_time_it_is_asked(tmp_path: Path) -> None:
    session = ContractsSession(dataclasses.replace(SETTINGS, cassettes=tmp_path / "nowhere"))
    for _ in range(2):
        with pytest.raises(CassetteError, match="cassette folder not found"):
            session.prepare()
    nothing = ContractsSession(dataclasses.replace(SETTINGS, routes=frozenset({"nosuch"})))
    with pytest.raises(GatewayError, match="no deployment matches --contracts-provider/--contracts-route"):
        nothing.routes()


def test_a_worker_hands_its_results_to_the_controller(tmp_path: Path) -> None:
    worker = ContractsSession(SETTINGS, worker=True)
    finding = Finding(Verdict.LEAK, "client_metadata", "leaked", "client", 1)
    worker.results.append(CaseResult("c-r", "c", "p", "r", "p/chat", True, Verdict.LEAK, [finding]))
    worker.gateway_info = {"kind": "litellm-proxy", "version": "9.9.9", "config": "x"}
    known = tmp_path / "known.yaml"
    known.write_text("expected: []\n", encoding="utf-8")
    worker.expectations = Expectations.load(known)
    controller = ContractsSession(SETTINGS)
    controller.merge_worker(worker.worker_output())
    assert [r.as_dict() for r in controller.results] == [r.as_dict() for r in worker.results]
    assert controller.gateway_info == worker.gateway_info and controller.gateway_name == "litellm"
    assert controller.expectations is not None and controller.expectations.path == known
    assert controller.summary()[:2] == ["gateway: litellm-proxy 9.9.9 (x)", "verdicts: leak 1"]
