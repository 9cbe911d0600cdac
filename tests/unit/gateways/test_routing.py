"""Route tables: each provider's ``gateways:`` section, complete, strict, and applied as skips."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from codex_gateway_contracts import gateways
from codex_gateway_contracts.core.catalogue import Catalogue, Provider, load_catalogue
from codex_gateway_contracts.core.deployments import load_deployments
from codex_gateway_contracts.errors import CatalogueError
from codex_gateway_contracts.gateways import RouteTable
from codex_gateway_contracts.gateways.routing import variant_of

from ...conftest import ROOT

TABLED = [name for name in gateways.names() if gateways.get(name).uses_route_table]
REQUIRED = {"portkey": "provider", "llm-rosetta": "type", "codex-relay": None}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(ROOT / "schemas" / "providers")


def table_of(tmp_path: Path, providers: list[Provider], text: str = "reasons: {nope: the reason}\n") -> RouteTable:
    path = tmp_path / "g.yaml"
    path.write_text(text, encoding="utf-8")
    return RouteTable.load(path, "g", providers)


def with_section(provider: Provider, section: Any) -> Provider:
    return dataclasses.replace(provider, gateways={"g": section})


@pytest.mark.parametrize("name", TABLED)
def test_every_catalogue_deployment_has_an_entry_for_every_gateway(name: str, catalogue: Catalogue) -> None:
    table = gateways.get(name).route_table(ROOT / "schemas", catalogue.providers)
    assert table is not None and table.gateway == name
    assert table.missing(catalogue.providers) == [], "add the provider's gateways section (docs/gateways.md)"
    required = REQUIRED[name]
    for key, entry in table.entries.items():
        assert entry.skip or required is None or required in entry.options, f"{key} lacks {required}"
        assert entry.skip is None or " " in entry.skip  # a reason key was resolved to its sentence


def test_the_three_gateways_have_tables_and_litellm_none(catalogue: Catalogue) -> None:
    assert TABLED == ["portkey", "llm-rosetta", "codex-relay"]
    assert gateways.get("litellm").route_table(ROOT / "schemas", catalogue.providers) is None


def test_variants_are_read_from_the_route(catalogue: Catalogue) -> None:
    by_route = {d.route: d for d in load_deployments(catalogue, None).deployments}
    assert variant_of(by_route["openai-gpt-5.5"]) == "main"
    assert variant_of(by_route["openai-gpt-5.5-chat"]) == "chat"
    assert variant_of(by_route["bedrock-claude-sonnet-4.5-invoke"]) == "invoke"


def test_apply_skips_with_the_gateways_reason_and_leaves_routable_ones(catalogue: Catalogue) -> None:
    plan = load_deployments(catalogue, None)
    table = gateways.get("codex-relay").route_table(ROOT / "schemas", catalogue.providers)
    assert table is not None
    table.apply(plan, "codex-relay")
    skipped = {d.route: d.skipped for d in plan.deployments}
    assert skipped["deepseek-chat"] is None and skipped["openai-gpt-5.5-chat"] is None
    assert skipped["openai-gpt-5.5"] == (
        "codex-relay cannot route it: codex-relay calls only a Chat Completions upstream "
        "({upstream}/chat/completions); this deployment is served by another API"
    )


def test_a_deployment_without_an_entry_is_skipped_naming_the_file(tmp_path: Path, catalogue: Catalogue) -> None:
    deepseek = with_section(catalogue.get("deepseek"), {"main": {"type": "x"}})
    table = table_of(tmp_path, [deepseek, catalogue.get("zai")])
    plan = load_deployments(Catalogue((deepseek, catalogue.get("zai"))), None)
    table.apply(plan, "G")
    by_route = {d.route: d for d in plan.deployments}
    assert by_route["deepseek-chat"].skipped is None
    zai = ROOT / "schemas" / "providers" / "zai" / "provider.yaml"
    assert by_route["glm-4.6"].skipped == f"G cannot route it: {zai} has no gateways.g.main entry"
    assert table.entry(by_route["deepseek-chat"]).options == {"type": "x"}
    assert table.missing([deepseek, catalogue.get("zai")]) == ["zai.main"]


def test_defaults_merge_reasons_resolve_and_common_keys_are_split_off(tmp_path: Path, catalogue: Catalogue) -> None:
    azure = with_section(
        catalogue.get("azure"),
        {"main": {"type": "r", "path": "/openai/v1", "model": "m2", "note": "measured"}, "chat": {"skip": "nope"}},
    )
    table = table_of(tmp_path, [azure], "defaults: {capabilities: [text]}\nreasons: {nope: the   reason}\n")
    main, chat = table.entries[("azure", "main")], table.entries[("azure", "chat")]
    assert main.options == {"capabilities": ["text"], "type": "r"}
    assert (main.path, main.model, main.note, main.skip) == ("/openai/v1", "m2", "measured", None)
    assert chat.skip == "the reason"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (["main"], "gateways.g must map deployments"),
        ({"main": ["x"]}, "gateways.g.main must be a mapping"),
        ({"main": {"skip": ""}}, r"gateways.g.main.skip must say why"),
        ({"main": {"skip": "unknown_key"}}, "no reason 'unknown_key' \\(known: nope\\)"),
        ({"responses": {}}, "gateways.g.responses: no such deployment \\(one of main\\)"),
    ],
)
def test_a_malformed_entry_is_named_with_its_file(
    tmp_path: Path, catalogue: Catalogue, section: Any, message: str
) -> None:
    with pytest.raises(CatalogueError, match=message):
        table_of(tmp_path, [with_section(catalogue.get("deepseek"), section)])


def test_a_missing_or_broken_gateway_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read the g route defaults"):
        RouteTable.load(tmp_path / "missing.yaml", "g", [])
    with pytest.raises(CatalogueError, match="not YAML"):
        table_of(tmp_path, [], "reasons: {nope: [\n")
