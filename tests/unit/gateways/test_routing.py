"""Route tables: each gateway's map of the catalogue's deployments, complete, strict and applied as skips."""

from __future__ import annotations

from pathlib import Path

import pytest

from codex_gateway_contracts import gateways
from codex_gateway_contracts.core.catalogue import Catalogue, load_catalogue
from codex_gateway_contracts.core.deployments import load_deployments
from codex_gateway_contracts.errors import CatalogueError
from codex_gateway_contracts.gateways import RouteTable
from codex_gateway_contracts.gateways.routing import variant_of

from ...conftest import ROOT

TABLED = [name for name in gateways.names() if gateways.get(name).uses_route_table]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(ROOT / "schemas" / "providers")


@pytest.mark.parametrize("name", TABLED)
def test_every_shipped_table_covers_every_catalogue_deployment(name: str, catalogue: Catalogue) -> None:
    table = gateways.get(name).route_table(ROOT / "schemas")
    assert table is not None and table.gateway == name
    assert table.missing(catalogue.providers) == []
    extra = {key for key in table.entries if key[0] not in {p.name for p in catalogue.providers}}
    assert not extra, f"{table.path} lists providers the catalogue does not have: {extra}"
    required = {"portkey": "provider", "llm-rosetta": "type", "codex-relay": None}[name]
    for key, entry in table.entries.items():
        assert entry.skip or required is None or required in entry.options, f"{table.path}: {key} lacks {required}"


def test_the_three_gateways_are_registered_with_tables_and_litellm_without() -> None:
    assert TABLED == ["portkey", "llm-rosetta", "codex-relay"]
    assert gateways.get("litellm").route_table(ROOT / "schemas") is None


def test_variants_are_read_from_the_route(catalogue: Catalogue) -> None:
    plan = load_deployments(catalogue, None)
    by_route = {d.route: d for d in plan.deployments}
    assert variant_of(by_route["openai-gpt-5.5"]) == "main"
    assert variant_of(by_route["openai-gpt-5.5-chat"]) == "chat"
    assert variant_of(by_route["bedrock-claude-sonnet-4.5-invoke"]) == "invoke"


def test_apply_skips_with_the_gateways_reason_and_leaves_routable_ones(catalogue: Catalogue) -> None:
    plan = load_deployments(catalogue, None)
    table = gateways.get("codex-relay").route_table(ROOT / "schemas")
    assert table is not None
    table.apply(plan, "codex-relay")
    skipped = {d.route: d.skipped for d in plan.deployments}
    assert skipped["deepseek-chat"] is None and skipped["openai-gpt-5.5-chat"] is None
    assert skipped["openai-gpt-5.5"] == (
        "codex-relay cannot route it: codex-relay calls only a Chat Completions upstream "
        "({upstream}/chat/completions); this deployment is served by another API"
    )


def test_a_deployment_the_table_does_not_list_is_skipped_naming_the_file(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "g.yaml"
    path.write_text("providers:\n  deepseek:\n    main: {type: x}\n", encoding="utf-8")
    table = RouteTable.load(path, "g")
    plan = load_deployments(catalogue, None)
    table.apply(plan, "G")
    by_route = {d.route: d for d in plan.deployments}
    assert by_route["deepseek-chat"].skipped is None
    assert by_route["glm-4.6"].skipped == "G cannot route it: g.yaml has no entry for zai.main"
    assert table.entry(by_route["deepseek-chat"]).options == {"type": "x"}


def test_defaults_merge_into_entries_and_common_keys_are_split_off(tmp_path: Path) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(
        "defaults: {capabilities: [text]}\n"
        "providers:\n  azure:\n    main: {type: r, path: /openai/v1, model: m2, note: measured}\n",
        encoding="utf-8",
    )
    entry = RouteTable.load(path, "g").entries[("azure", "main")]
    assert entry.options == {"capabilities": ["text"], "type": "r"}
    assert (entry.path, entry.model, entry.note, entry.skip) == ("/openai/v1", "m2", "measured", None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a list\n", "expected a mapping with a 'providers' mapping"),
        ("providers: {deepseek: [main]}\n", "providers.deepseek must map deployments"),
        ("providers: {deepseek: {main: [x]}}\n", "providers.deepseek.main must be a mapping"),
        ("providers: {deepseek: {main: {skip: ''}}}\n", "providers.deepseek.main.skip must say why"),
        ("providers: {deepseek: {main: {skip: [\n", "not YAML"),
    ],
)
def test_a_malformed_table_names_the_entry(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "g.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match=message):
        RouteTable.load(path, "g")
    with pytest.raises(CatalogueError, match="cannot read the g route table"):
        RouteTable.load(tmp_path / "missing.yaml", "g")
