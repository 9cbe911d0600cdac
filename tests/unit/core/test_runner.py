"""The runner: cases of one route never overlap, however they were scheduled."""

from __future__ import annotations

import socket
import threading
from types import SimpleNamespace
from typing import cast

from codex_gateway_contracts.core.cassettes import Interaction, load
from codex_gateway_contracts.core.catalogue import load_catalogue
from codex_gateway_contracts.core.mocks import MockFleet
from codex_gateway_contracts.core.runner import Case, CaseRunner, RouteAddress
from codex_gateway_contracts.core.verdict import Exchange, Translations
from codex_gateway_contracts.tools.faults import FaultyGateway

from ...conftest import ROOT


def test_cases_scheduled_on_demand_take_turns_on_their_route() -> None:
    catalogue = load_catalogue(ROOT / "schemas" / "providers")
    fleet = MockFleet(catalogue)
    api_base = fleet.register("0-r", catalogue.get("openai"), "r")
    gateway = FaultyGateway({"r": (api_base, "chat")})
    translations = Translations.load(ROOT / "schemas" / "translations.yaml")
    runner = CaseRunner(gateway, fleet, translations, concurrency=4, upstream_delay=0.3)
    cassettes = [load(ROOT / "cassettes" / "codex" / v / "basic.yaml") for v in ("0.130.0", "0.169.0")]
    cases = [Case(c, "r", catalogue.get("openai")) for c in cassettes]
    try:
        for case in cases:  # two separate queues for one route, as an xdist worker makes them
            runner.schedule([case])
        results = [runner.result(case, timeout=60) for case in cases]
    finally:
        runner.close()
        gateway.close()
        fleet.close()
    assert [r.verdict for r in results] == ["pass", "pass"]
    assert [len(e.calls) for r in results for e in r.exchanges] == [1, 1]
    assert fleet.strays() == []


def test_each_request_goes_where_codex_sent_it_and_a_compact_answer_is_read_as_json() -> None:
    catalogue = load_catalogue(ROOT / "schemas" / "providers")
    fleet = MockFleet(catalogue)
    api_base = fleet.register("0-r", catalogue.get("openai"), "r")
    gateway = FaultyGateway({"r": (api_base, "passthrough")})
    runner = CaseRunner(gateway, fleet, Translations.load(ROOT / "schemas" / "translations.yaml"), concurrency=1)
    cassette = load(ROOT / "cassettes" / "codex" / "0.130.0" / "auto_compaction.yaml")
    try:
        result = runner.run(Case(cassette, "r", catalogue.get("openai")))
    finally:
        runner.close()
        gateway.close()
        fleet.close()
    assert result.verdict == "pass", result.findings
    paths = [(e.interaction.path, e.calls[0].endpoint) for e in result.exchanges]
    assert paths[1] == ("/v1/responses/compact", "openai/compact") and paths[0] == ("/v1/responses", "openai/responses")
    compacted = result.exchanges[1]
    assert compacted.content_type == "application/json" and compacted.events == []
    assert compacted.document["object"] == "response.compaction"
    assert [i["type"] for i in compacted.document["output"]][-1] == "compaction"


class _OnceDroppingServer:
    """Loopback HTTP server that closes its first connection unanswered, then answers 200 JSON."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self.connections += 1
                conn.recv(65536)
                if self.connections > 1:
                    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}")


class _Target:
    api_key = "k"

    def address(self, route: str) -> RouteAddress:
        raise AssertionError(route)

    def alive(self) -> bool:
        return True


def test_a_connection_dropped_before_any_answer_is_sent_once_more() -> None:
    server = _OnceDroppingServer()
    runner = CaseRunner(_Target(), cast(MockFleet, None), cast(Translations, None), concurrency=1)
    exchange = Exchange(cast(Interaction, SimpleNamespace(path="/v1/responses")), {"model": "m"})
    try:
        runner._send(exchange, RouteAddress(f"http://127.0.0.1:{server.sock.getsockname()[1]}", "m"), {})
    finally:
        runner.close()
        server.sock.close()
    assert exchange.transport_error is None
    assert (exchange.status, server.connections) == (200, 2)
