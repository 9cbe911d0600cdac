"""The suite against a gateway that breaks on purpose: each fault must get its verdict, the faithful bridge none.

Uses real recorded cassettes (Codex 0.169.0 and 0.130.0 tool calls: two requests each, with a function
call answered and its output sent back) and the synthetic providers, over real HTTP on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from codex_gateway_contracts.cassettes import Cassette, load
from codex_gateway_contracts.catalogue import Catalogue
from codex_gateway_contracts.mocks import MockFleet
from codex_gateway_contracts.runner import Case, CaseRunner
from codex_gateway_contracts.verdict import CaseResult, Translations

from .conftest import ROOT
from .faulty_gateway import FaultyGateway

CASSETTES = [ROOT / "cassettes" / "codex" / version / "tool_call.yaml" for version in ("0.169.0", "0.130.0")]
TRANSLATIONS = Translations.load(ROOT / "schemas" / "translations.yaml")


@pytest.fixture(scope="module", params=CASSETTES, ids=lambda p: p.parent.name)
def cassette(request: pytest.FixtureRequest) -> Cassette:
    path: Path = request.param
    return load(path)


@pytest.fixture(scope="module")
def fleet(synthetic: Catalogue) -> Iterator[MockFleet]:
    fleet = MockFleet(synthetic)
    yield fleet
    fleet.close()


def run(fleet: MockFleet, synthetic: Catalogue, cassette: Cassette, provider: str, fault: str | None) -> CaseResult:
    mode = "passthrough" if provider == "strictresponses" else "chat"
    route = f"{provider}-{fault}"
    api_base = fleet.register(f"0-{route}", synthetic.get(provider), route)
    gateway = FaultyGateway({route: (api_base, mode)}, fault)
    runner = CaseRunner(gateway.base_url, "key", fleet, TRANSLATIONS, concurrency=1, request_timeout=30)
    try:
        return runner.run(Case(cassette, route, synthetic.get(provider)))
    finally:
        runner.close()
        gateway.close()


def kinds(result: CaseResult) -> set[tuple[str, str, str | None]]:
    return {(f.kind, f.path, f.origin) for f in result.findings}


@pytest.mark.parametrize("provider", ["lenientchat", "strictchat", "strictresponses"])
def test_faithful_bridge_passes(fleet: MockFleet, synthetic: Catalogue, cassette: Cassette, provider: str) -> None:
    result = run(fleet, synthetic, cassette, provider, None)
    assert result.verdict == "pass", result.findings
    assert [len(e.calls) for e in result.exchanges] == [1, 1]


def test_added_field_is_a_gateway_leak(fleet: MockFleet, synthetic: Catalogue, cassette: Cassette) -> None:
    result = run(fleet, synthetic, cassette, "lenientchat", "add_field")
    assert result.verdict == "leak"
    assert ("leak", "x_fault", "gateway") in kinds(result)


def test_added_field_rejected_by_a_strict_provider(fleet: MockFleet, synthetic: Catalogue, cassette: Cassette) -> None:
    result = run(fleet, synthetic, cassette, "strictchat", "add_field")
    assert result.verdict == "leak"
    assert result.exchanges[0].status == 400 and result.exchanges[0].calls[0].status == 400


def test_injected_stream_options_is_a_gateway_leak(fleet: MockFleet, synthetic: Catalogue, cassette: Cassette) -> None:
    result = run(fleet, synthetic, cassette, "strictresponses", "inject_stream_options")
    assert kinds(result) >= {("leak", "stream_options.include_usage", "gateway")}


def test_passed_through_codex_field_is_a_client_leak(
    fleet: MockFleet, synthetic: Catalogue, cassette: Cassette
) -> None:
    result = run(fleet, synthetic, cassette, "lenientchat", "pass_client_metadata")
    assert ("leak", "client_metadata", "client") in kinds(result)


def test_dropped_tools(fleet: MockFleet, synthetic: Catalogue, cassette: Cassette) -> None:
    result = run(fleet, synthetic, cassette, "lenientchat", "drop_tools")
    assert result.verdict == "drop"
    assert ("drop", "tools", None) in kinds(result)


def test_answer_without_upstream_call(fleet: MockFleet, synthetic: Catalogue, cassette: Cassette) -> None:
    result = run(fleet, synthetic, cassette, "lenientchat", "no_upstream")
    assert result.verdict == "no_upstream_call"


def test_gateway_refusal(fleet: MockFleet, synthetic: Catalogue, cassette: Cassette) -> None:
    result = run(fleet, synthetic, cassette, "lenientchat", "answer_400")
    assert result.verdict == "gateway_reject"
    assert "faulty gateway says no" in result.findings[0].message


def test_broken_stream(fleet: MockFleet, synthetic: Catalogue, cassette: Cassette) -> None:
    result = run(fleet, synthetic, cassette, "lenientchat", "break_sse")
    assert result.verdict == "bad_reply"
    assert "response.completed" in result.findings[0].message
