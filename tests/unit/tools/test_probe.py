"""The live probe, run against the mocks: cassettes written and scrubbed, rejections told from acceptances."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from vcr.serialize import deserialize
from vcr.serializers import yamlserializer

from codex_gateway_contracts.core.catalogue import load_catalogue
from codex_gateway_contracts.core.mocks import MockFleet
from codex_gateway_contracts.tools.probe import UNKNOWN_PROBE, default_fields, main

from ...conftest import ROOT

SECRET = "sk-probe-secret-0123456789"
CATALOGUE = load_catalogue(ROOT / "schemas" / "providers")


@pytest.fixture
def fleet() -> Iterator[MockFleet]:
    fleet = MockFleet(CATALOGUE)
    yield fleet
    fleet.close()


def run(base_url: str, cassettes: Path, provider: str, *extra: str) -> int:
    argv = ["--provider", provider, "--endpoint", "chat", "--base-url", base_url, "--cassettes", str(cassettes)]
    return main([*argv, "--schemas", str(ROOT / "schemas"), "--api-key-env", "PROBE_TEST_KEY", *extra])


def lines(output: str) -> dict[str, str]:
    return {line.split()[0]: line for line in output.splitlines() if line.startswith("  ")}


def test_probe_records_scrubbed_cassettes_and_tells_rejection_from_acceptance(
    fleet: MockFleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PROBE_TEST_KEY", SECRET)
    base = fleet.register("0-probe", CATALOGUE.get("mistral"), "probe")
    fields = ["--field", UNKNOWN_PROBE, "--field", "temperature=0.5", "--field", "client_metadata"]
    assert run(base, tmp_path, "mistral", *fields) == 0
    out = lines(capsys.readouterr().out)
    assert "HTTP 200 accepted" in out["baseline"] and "agrees" in out["baseline"]
    assert "known" in out["temperature"] and "HTTP 200 accepted" in out["temperature"]
    assert "unknown" in out[UNKNOWN_PROBE] and "HTTP 422 rejected-naming-field" in out[UNKNOWN_PROBE]
    assert "rejected-naming-field" in out["client_metadata"] and "agrees" in out["client_metadata"]

    folder = tmp_path / "mistral" / "chat"
    assert sorted(p.name for p in folder.iterdir()) == [
        "baseline.yaml",
        "client_metadata.yaml",
        "temperature.yaml",
        f"{UNKNOWN_PROBE}.yaml",
    ]
    for cassette in folder.iterdir():
        text = cassette.read_text(encoding="utf-8")
        assert SECRET not in text
        requests, _ = deserialize(text, yamlserializer)
        assert len(requests) == 1 and "authorization" not in {h.lower() for h in requests[0].headers}
    _, rejected = deserialize((folder / f"{UNKNOWN_PROBE}.yaml").read_text(encoding="utf-8"), yamlserializer)
    assert rejected[0]["status"]["code"] == 422 and b"extra_forbidden" in rejected[0]["body"]["string"]


def test_recorded_probes_replay_without_the_service(
    fleet: MockFleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PROBE_TEST_KEY", SECRET)
    base = fleet.register("0-probe", CATALOGUE.get("zai"), "probe")
    assert run(base, tmp_path, "zai", "--field", UNKNOWN_PROBE) == 0
    first = capsys.readouterr().out
    fleet.close()  # the provider is gone: only the cassettes can answer now
    assert run(base, tmp_path, "zai", "--field", UNKNOWN_PROBE, "--record-mode", "none") == 0
    assert lines(capsys.readouterr().out) == lines(first)
    assert run(base, tmp_path, "zai", "--field", "prompt_cache_key", "--record-mode", "none") == 2
    assert "CannotOverwriteExistingCassetteException" in capsys.readouterr().err


def test_a_provider_that_answers_unlike_its_catalogue_entry_is_flagged(
    fleet: MockFleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PROBE_TEST_KEY", SECRET)
    # The catalogue says Mistral refuses unknown fields; this "Mistral" ignores them like vLLM does.
    base = fleet.register("0-lenient", CATALOGUE.get("hosted_vllm"), "lenient")
    assert run(base, tmp_path, "mistral", "--field", UNKNOWN_PROBE) == 1
    out = lines(capsys.readouterr().out)
    assert "HTTP 200 accepted" in out[UNKNOWN_PROBE] and "DIFFERS from the catalogue" in out[UNKNOWN_PROBE]


def test_default_fields_are_the_schema_unknown_codex_fields() -> None:
    mistral = next(e for e in CATALOGUE.get("mistral").endpoints if e.key == "chat")
    fields = default_fields(mistral)
    assert UNKNOWN_PROBE in fields and "client_metadata" in fields and "prompt_cache_key" in fields
    assert "parallel_tool_calls" not in fields, "Mistral documents parallel_tool_calls: not a probe"


def test_missing_key_or_endpoint_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("http://127.0.0.1:9", tmp_path, "mistral") == 2
    assert "PROBE_TEST_KEY" in capsys.readouterr().err
    assert main(["--provider", "mistral", "--endpoint", "nope", "--schemas", str(ROOT / "schemas")]) == 2
    assert "known: chat" in capsys.readouterr().err
