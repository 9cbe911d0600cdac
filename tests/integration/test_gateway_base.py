"""The shared process handling of gateway adapters, with a stand-in adapter (no LiteLLM needed).

What an adapter for another gateway gets from ``Gateway``: start on 127.0.0.1 at a free port with a
bounded readiness wait, the log tail in errors, ``alive()``, and ``stop()`` of the whole process group.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from codex_gateway_contracts import gateways
from codex_gateway_contracts.core.deployments import Deployment, GatewayPlan
from codex_gateway_contracts.errors import GatewayError

from ..conftest import InertGateway

# A "gateway" that logs a line, starts a child (to prove the group is stopped) and serves GET /.
SERVE = """
import http.server, subprocess, sys
print("stand-in starting", flush=True)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print(f"child {child.pid}", flush=True)
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()
"""


class StandIn(InertGateway):
    name = "stand-in"
    kind = "stand-in-proxy"
    title = "Stand-in"
    script = SERVE

    def configure(self, plan: GatewayPlan, api_base_for: Callable[[Deployment], str]) -> None:
        self.config_file.write_text("routes: []\n", encoding="utf-8")

    def command(self) -> list[str]:
        return [self.executable, "-c", self.script, str(self.port)]

    def ready(self, client: httpx.Client) -> bool:
        return client.get(f"{self.base_url}/").status_code == 200


class Broken(StandIn):
    name = "broken"
    script = "import sys; print('no config for me', flush=True); sys.exit(3)"


@pytest.fixture
def registered() -> Iterator[None]:
    gateways.register(StandIn)
    yield
    gateways.unregister(StandIn.name)


def test_an_adapter_is_found_by_name_started_addressed_and_stopped(registered: None, tmp_path: Path) -> None:
    adapter = gateways.get("stand-in")
    gateway = adapter(adapter.find(), tmp_path, startup_timeout=30)
    gateway.configure(GatewayPlan([], {}, "test"), lambda d: "")
    gateway.start()
    try:
        assert gateway.alive() and gateway.base_url.startswith("http://127.0.0.1:")
        address = gateway.address("some-route")
        assert (address.base_url, address.model, dict(address.headers)) == (gateway.base_url, "some-route", {})
        assert "stand-in starting" in gateway.log_tail()
        assert not {"HTTP_PROXY", "https_proxy"} & set(gateway.environment())
        child = int(re.search(r"child (\d+)", gateway.log_tail()).group(1))  # type: ignore[union-attr]
    finally:
        gateway.stop()
    assert not gateway.alive()
    time.sleep(0.2)
    # The whole process group was stopped: the child is gone, or a zombie waiting for init to reap it.
    stat = Path(f"/proc/{child}/stat")
    assert not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{gateway.base_url}/", timeout=2, trust_env=False)
    with pytest.raises(
        GatewayError, match="unknown gateway 'nope'; known: litellm, portkey, llm-rosetta, codex-relay, stand-in"
    ):
        gateways.get("nope")


def test_a_gateway_that_exits_is_named_with_its_log(tmp_path: Path) -> None:
    gateway = Broken(sys.executable, tmp_path, startup_timeout=30)
    started = time.monotonic()
    with pytest.raises(GatewayError, match=r"(?s)Stand-in exited with code 3 before it was ready.*no config for me"):
        gateway.start()
    assert time.monotonic() - started < 30


def test_a_pool_serves_each_route_from_exactly_one_process_and_names_the_one_that_died(tmp_path: Path) -> None:
    routes = ["r-a", "r-b", "r-c", "r-d", "r-e"]
    plan = GatewayPlan([Deployment(i, r, f"x/{r}", {}, None) for i, r in enumerate(routes)], {}, "test")
    pool = gateways.GatewayPool(StandIn, sys.executable, tmp_path, plan, processes=2, first=["r-e", "r-b"])
    assert [pool.routes_of(member) for member in pool.members] == [["r-e", "r-a", "r-d"], ["r-b", "r-c"]]
    pool.configure(lambda d: "")
    pool.start()
    try:
        first, second = (member.base_url for member in pool.members)
        assert first != second and {pool.address(r).base_url for r in ("r-e", "r-a", "r-d")} == {first}
        assert pool.address("r-c").base_url == second and pool.address("r-c").model == "r-c"
        assert pool.members[1].api_key == pool.api_key == pool.members[0].api_key  # one key for the runner
        pool.members[1].stop()
        assert not pool.alive()
        assert re.search(
            r"(?s)Stand-in #2 of 2 \(r-b, r-c\) \(exited\):\n.*stand-in-2/gateway.log.*stand-in starting",
            pool.log_tail(),
        )
        assert "#1 of 2" not in pool.log_tail()
    finally:
        pool.stop()
    assert not any(member.alive() for member in pool.members)
