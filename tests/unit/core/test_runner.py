"""The runner: cases of one route never overlap, however they were scheduled."""

from __future__ import annotations

from codex_gateway_contracts.core.cassettes import load
from codex_gateway_contracts.core.catalogue import load_catalogue
from codex_gateway_contracts.core.mocks import MockFleet
from codex_gateway_contracts.core.runner import Case, CaseRunner
from codex_gateway_contracts.core.verdict import Translations
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
