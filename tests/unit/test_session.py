"""The session's two steps without a gateway: preparing the cases, and an xdist worker's hand-over."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from codex_gateway_contracts.core.expectations import Expectations
from codex_gateway_contracts.core.releases import Release
from codex_gateway_contracts.core.verdict import CaseResult, Finding, Verdict
from codex_gateway_contracts.data import DataFolders
from codex_gateway_contracts.errors import CassetteError, ExpectationsError, ExpectationsWarning, GatewayError
from codex_gateway_contracts.options import Settings, Shard
from codex_gateway_contracts.session import ContractsSession

from ..conftest import ROOT

SETTINGS = Settings(
    data=DataFolders(ROOT),
    gateway="litellm",
    litellm_config=None,
    gateway_bin=None,
    report=None,
    cassettes=ROOT / "cassettes" / "codex",
    schemas=ROOT / "schemas",
    expectations=None,
    expectations_off=False,
    baseline=None,
    fail_on="any",
    concurrency=8,
    gateway_processes=None,
    shard=None,
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


def test_shards_deal_whole_routes_and_together_hold_every_case_once() -> None:
    everything = ContractsSession(SETTINGS).prepare()
    parts = [ContractsSession(dataclasses.replace(SETTINGS, shard=Shard(k, 3))).prepare() for k in (1, 2, 3)]
    ids = [case.id for part in parts for case in part.cases]
    assert sorted(ids) == sorted(case.id for case in everything.cases) and len(set(ids)) == len(ids)
    routes = [{case.route for case in part.cases} for part in parts]
    assert not (routes[0] & routes[1]) and not (routes[1] & routes[2]) and not (routes[0] & routes[2])
    every_route = list(dict.fromkeys(case.route for case in everything.cases))
    assert routes[1] == set(every_route[1::3])  # round-robin over the selected routes in config order
    assert all(part.all_case_ids == everything.all_case_ids for part in parts)  # expectations stay whole
    again = ContractsSession(dataclasses.replace(SETTINGS, shard=Shard(2, 3))).prepare()
    assert [case.id for case in again.cases] == [case.id for case in parts[1].cases]  # deterministic


def test_more_shards_than_selected_routes_is_a_named_error() -> None:
    two = dataclasses.replace(SETTINGS, providers=frozenset({"deepseek", "anthropic"}), shard=Shard(3, 3))
    with pytest.raises(GatewayError, match=r"--contracts-shard 3/3: the run selects only 2 routes"):
        ContractsSession(two).prepare()


def test_a_worker_hands_its_results_to_the_controller(tmp_path: Path) -> None:
    worker = ContractsSession(SETTINGS, worker=True)
    finding = Finding(Verdict.LEAK, "client_metadata", "leaked", "client", 1)
    worker.results.append(CaseResult("c-r", "c", "p", "r", "p/chat", True, Verdict.LEAK, [finding]))
    worker.gateway_info = {"kind": "litellm-proxy", "package": "litellm", "version": "9.9.9", "config": "x"}
    worker.notice = "no expectations for litellm 9.9.9"
    known = tmp_path / "known.yaml"
    known.write_text("expected: []\n", encoding="utf-8")
    worker.expectations = Expectations.load(known)
    controller = ContractsSession(SETTINGS)
    controller.merge_worker(worker.worker_output())
    assert [r.as_dict() for r in controller.results] == [r.as_dict() for r in worker.results]
    assert controller.gateway_info == worker.gateway_info and controller.gateway_name == "litellm"
    assert controller.expectations is not None and controller.expectations.path == known
    assert controller.summary()[:2] == ["gateway: litellm 9.9.9 (litellm-proxy; config: x)", "verdicts: leak 1"]
    assert controller.notice == worker.notice  # said once, by the controller


@dataclasses.dataclass
class Installed:
    """What the session asks a gateway about its release (a stand-in: no process, no executable)."""

    release: Release
    title: str = "LiteLLM"

    @property
    def version(self) -> str:
        return self.release.version


UPSTREAM = Installed(Release("litellm", "1.106.1", "litellm"))
FORK = Installed(Release("aiyou-litellm", "1.105.0", "litellm"))


def expectations_for(installed: Installed, **changes: object) -> tuple[ContractsSession, Expectations]:
    session = ContractsSession(dataclasses.replace(SETTINGS, **changes))  # type: ignore[arg-type]
    return session, session._load_expectations(installed)  # type: ignore[arg-type]


def test_an_upstream_release_is_judged_by_its_own_file_quietly() -> None:
    session, expectations = expectations_for(UPSTREAM)
    assert expectations.path == ROOT / "expectations" / "litellm-1.106.1.yaml" and expectations.entries
    assert session.notice == ""


def test_a_fork_without_a_baseline_is_told_once_loudly_which_release_to_compare_with() -> None:
    with pytest.warns(ExpectationsWarning) as caught:
        session, expectations = expectations_for(FORK)
    assert len(caught) == 1 and expectations.path is None and not expectations.entries
    assert session.notice.startswith("aiyou-litellm 1.105.0 is a fork of litellm: no expectations file applies")
    assert "--contracts-baseline VERSION (nearest with expectations: 1.106.1)" in session.notice
    session.results.append(CaseResult("c-r", "c", "p", "r", "p/chat", True, Verdict.PASS))
    session.gateway_info = {"kind": "litellm-proxy", "package": "aiyou-litellm", "version": "1.105.0", "config": "x"}
    lines = session.summary()
    assert lines[0] == "gateway: aiyou-litellm 1.105.0 (litellm-proxy; config: x)"
    assert f"WARNING: {session.notice}" in lines


def test_a_fork_with_a_baseline_is_judged_by_the_baseline_s_file() -> None:
    session, expectations = expectations_for(FORK, baseline="1.106.1")
    assert expectations.path == ROOT / "expectations" / "litellm-1.106.1.yaml" and session.notice == ""
    with pytest.raises(ExpectationsError, match=r"--contracts-baseline 1\.0\.0: no litellm-1\.0\.0\.yaml"):
        expectations_for(FORK, baseline="1.0.0")


def test_a_named_file_must_exist_unless_it_is_being_written(tmp_path: Path) -> None:
    with pytest.raises(ExpectationsError, match=r"--contracts-expectations: no such file: .*mine\.yaml"):
        expectations_for(UPSTREAM, expectations=tmp_path / "mine.yaml")
    _, written = expectations_for(UPSTREAM, expectations=tmp_path / "mine.yaml", update_expectations=True)
    assert written.path == tmp_path / "mine.yaml" and not written.entries
    with pytest.raises(ExpectationsError, match=r"aiyou-litellm 1\.105\.0 is not an upstream release"):
        expectations_for(FORK, update_expectations=True)


def test_another_gateway_skips_what_its_route_table_cannot_route() -> None:
    prepared = ContractsSession(dataclasses.replace(SETTINGS, gateway="codex-relay")).prepare()
    skipped = {case.route: case.skipped for case in prepared.cases}
    assert skipped["deepseek-chat"] is None and prepared.routing is not None
    assert str(skipped["claude-sonnet-4-6"]).startswith("codex-relay cannot route it: codex-relay calls only")
    assert len(prepared.routes) == 12  # the chat routes
    assert prepared.all_case_ids == ContractsSession(SETTINGS).prepare().all_case_ids
