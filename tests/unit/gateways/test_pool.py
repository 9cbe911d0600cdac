"""The gateway pool without processes: the routes partitioned, each route addressed at its one process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from codex_gateway_contracts.core.catalogue import load_catalogue
from codex_gateway_contracts.core.deployments import Deployment, GatewayPlan, load_deployments
from codex_gateway_contracts.errors import GatewayError
from codex_gateway_contracts.gateways import GatewayPool, partition, subplan

from ...conftest import ROOT, InertGateway


class Recorder(InertGateway):
    """An adapter that only remembers what it was configured with."""

    name = kind = "recorder"
    title = "Recorder"

    def configure(self, plan: GatewayPlan, api_base_for: Callable[[Deployment], str]) -> None:
        self.served = [d.route for d in plan.deployments if d.skipped is None]
        for route in self.served:
            self.name_route(route, f"model-of-{route}", {"x-route": route})


class OnePerRoute(Recorder):
    routes_per_process = 1


@pytest.fixture(scope="module")
def plan() -> GatewayPlan:
    return load_deployments(load_catalogue(ROOT / "schemas" / "providers"), None)


def test_partition_deals_routes_round_robin_deterministically() -> None:
    routes = [f"r{n}" for n in range(7)]
    assert partition(routes, 3) == [["r0", "r3", "r6"], ["r1", "r4"], ["r2", "r5"]]
    assert partition(routes, 3) == partition(list(routes), 3)
    assert partition(routes, 1) == [routes]
    assert partition(routes[:2], 5) == [["r0"], ["r1"]]  # never an empty part
    assert partition([], 4) == [[]]
    for parts in range(1, 9):
        groups = partition(routes, parts)
        assert sorted(r for g in groups for r in g) == sorted(routes)
        assert max(map(len, groups)) - min(map(len, groups)) <= 1


def test_subplan_keeps_settings_and_shares_notes(plan: GatewayPlan) -> None:
    part = subplan(plan, ["deepseek-chat", "glm-4.6"])
    assert [d.route for d in part.deployments] == ["deepseek-chat", "glm-4.6"]
    assert part.settings == plan.settings and part.source == plan.source
    part.notes.append("seen by the whole run")
    assert plan.notes[-1] == "seen by the whole run"
    plan.notes.pop()


def test_one_process_serves_the_whole_plan_in_the_work_folder(plan: GatewayPlan, tmp_path: Path) -> None:
    pool = GatewayPool(Recorder, "recorder", tmp_path, plan)
    (member,) = pool.members
    pool.configure(lambda d: "")
    assert member.workdir == tmp_path and member.label == "Recorder"
    assert member.served == plan.routes  # type: ignore[attr-defined]
    assert pool.address("glm-4.6").model == "model-of-glm-4.6"
    assert (pool.name, pool.kind, pool.version) == ("recorder", "recorder", "1.0")


def test_processes_split_the_routes_and_each_route_goes_to_its_process(plan: GatewayPlan, tmp_path: Path) -> None:
    pool = GatewayPool(Recorder, "recorder", tmp_path, plan, processes=3)
    pool.configure(lambda d: "")
    assert len(pool.members) == 3
    served = [member.served for member in pool.members]  # type: ignore[attr-defined]
    assert served == partition(plan.routes, 3)
    assert len({member.workdir for member in pool.members}) == 3
    assert len({member.api_key for member in pool.members}) == 1 and pool.members[0].api_key == pool.api_key
    for member in pool.members:
        member.port = 40000 + pool.members.index(member)
        for route in pool.routes_of(member):
            address = pool.address(route)
            assert address.base_url == member.base_url and address.headers == {"x-route": route}
    assert "Recorder #2 of 3" in pool.members[1].label


def test_an_adapter_with_one_route_per_process_gets_one_process_per_route(plan: GatewayPlan, tmp_path: Path) -> None:
    pool = GatewayPool(OnePerRoute, "recorder", tmp_path, plan)
    pool.configure(lambda d: "")
    assert len(pool.members) == len(plan.routes)
    assert [member.served for member in pool.members] == [[route] for route in plan.routes]  # type: ignore[attr-defined]


def test_with_no_routable_route_there_is_no_process_to_address(plan: GatewayPlan, tmp_path: Path) -> None:
    nothing = subplan(plan, [])
    pool = GatewayPool(OnePerRoute, "recorder", tmp_path, nothing)
    assert pool.members == [] and pool.version == "1.0" and pool.alive()
    pool.start()
    pool.stop()
    with pytest.raises(GatewayError, match="no Recorder process"):
        pool.address("deepseek-chat")
