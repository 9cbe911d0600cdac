"""The scaffold writes a provider that loads and runs at once, and stays incomplete until evidenced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from codex_gateway_contracts import wires
from codex_gateway_contracts.core.catalogue import load_catalogue, load_provider
from codex_gateway_contracts.core.mocks import MockFleet
from codex_gateway_contracts.tools.probe import UNKNOWN_PROBE
from codex_gateway_contracts.tools.scaffold import audit, main, scaffold

from ...conftest import ROOT
from ..core.test_catalogue import send


@pytest.mark.parametrize("wire", wires.keys())
def test_scaffold_loads_runs_and_fails_the_audit_until_evidenced(tmp_path: Path, wire: str) -> None:
    folder = scaffold(tmp_path, "newco", "newco", "newco-coder:7b", wire)
    provider = load_provider(folder)
    assert provider.litellm_prefix == "newco" and provider.litellm_model == "newco-coder:7b"
    assert {e.wire for e in provider.endpoints} == {wire}
    problems = audit(folder)
    assert problems and all("TODO" in p for p in problems), problems
    assert any("x-evidence" in p for p in problems) and any("unknown_fields.evidence" in p for p in problems)
    assert {p for p in problems if "gateways." in p} == {
        f"provider.yaml: gateways.{name}.main still says TODO" for name in ("portkey", "llm-rosetta", "codex-relay")
    }

    fleet = MockFleet(load_catalogue(tmp_path))
    try:
        for endpoint in provider.endpoints:
            answer, call = send(fleet, provider, endpoint, wires.get(wire).minimal_request(provider.litellm_model))
            assert call.violations == [] and answer.status_code == 200
            answer, call = send(fleet, provider, endpoint, {**wires.get(wire).minimal_request("m"), UNKNOWN_PROBE: 1})
            assert answer.status_code == 400 and UNKNOWN_PROBE in answer.text
    finally:
        fleet.close()

    _fill_todos(folder)
    assert audit(folder) == [], "only the TODO markers kept the scaffold incomplete"


def _fill_todos(folder: Path) -> None:
    for path in folder.iterdir():
        text = path.read_text(encoding="utf-8").replace("TODO", "https://example.invalid/docs")
        path.write_text(text, encoding="utf-8")


def test_scaffold_refuses_to_overwrite_a_provider(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "deepseek").mkdir()
    (tmp_path / "deepseek" / "provider.yaml").write_text("keep: me\n", encoding="utf-8")
    argv = ["deepseek", "--prefix", "deepseek", "--model", "m", "--wire", "openai-chat", "--root", str(tmp_path)]
    assert main(argv) == 1
    assert "never overwrites" in capsys.readouterr().err
    assert (tmp_path / "deepseek" / "provider.yaml").read_text(encoding="utf-8") == "keep: me\n"
    with pytest.raises(FileExistsError):
        scaffold(ROOT / "schemas" / "providers", "openai", "openai", "m", "openai-responses")


def test_command_line_creates_then_checks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["together_ai", "--prefix", "together_ai", "--model", "Qwen/Qwen3-Coder", "--wire", "openai-chat"]
    assert main([*argv, "--root", str(tmp_path)]) == 0
    spec = yaml.safe_load((tmp_path / "together_ai" / "provider.yaml").read_text(encoding="utf-8"))
    assert spec["litellm"] == {
        "prefix": "together_ai",
        "model": "Qwen/Qwen3-Coder",
        "route": "together_ai-Qwen3-Coder",
        "params": {},
    }
    assert json.loads((tmp_path / "together_ai" / "chat.schema.json").read_text(encoding="utf-8"))["properties"]
    assert "TODOs to fill in" in capsys.readouterr().out
    assert main(["together_ai", "--check", "--root", str(tmp_path)]) == 1
    assert "still says TODO" in capsys.readouterr().out
    assert main(["deepseek", "--check", "--root", str(ROOT / "schemas" / "providers")]) == 0


def test_bad_names_and_wires_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="lower-case"):
        scaffold(tmp_path, "New Co", "newco", "m", "openai-chat")
    with pytest.raises(ValueError, match="one of"):
        scaffold(tmp_path, "newco", "newco", "m", "grpc")
    assert not any(tmp_path.iterdir())


def test_console_script_is_declared() -> None:
    tomllib = pytest.importorskip("tomllib")
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["codex-contracts-new-provider"] == "codex_gateway_contracts.tools.scaffold:main"
    assert scripts["codex-contracts-probe"] == "codex_gateway_contracts.tools.probe:main"


def test_a_provider_without_an_entry_for_a_gateway_is_incomplete(tmp_path: Path) -> None:
    folder = tmp_path / "deepseek"
    folder.mkdir()
    for item in (ROOT / "schemas" / "providers" / "deepseek").iterdir():
        (folder / item.name).write_bytes(item.read_bytes())
    assert audit(folder) == []
    spec = yaml.safe_load((folder / "provider.yaml").read_text(encoding="utf-8"))
    del spec["gateways"]["codex-relay"]
    (folder / "provider.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    assert audit(folder) == ["provider.yaml: gateways.codex-relay.main is missing (docs/gateways.md)"]
