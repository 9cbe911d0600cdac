"""Re-recording with the real Codex reproduces the committed cassettes byte for byte (opt-in: it runs Codex)."""

from __future__ import annotations

import os

import pytest

from codex_gateway_contracts.tools.record.cli import main

from ..conftest import ROOT

CODEX = ROOT / "cassettes" / "codex"
SCENARIOS = ROOT / "cassettes" / "scenarios.yaml"


@pytest.mark.record
@pytest.mark.skipif(os.environ.get("CODEX_CONTRACTS_RECORD") != "1", reason="set CODEX_CONTRACTS_RECORD=1 (runs Codex)")
def test_re_recording_reproduces_the_committed_cassettes(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--version", "0.169.0", "--check", "--out", str(CODEX), "--scenarios", str(SCENARIOS)])
    assert code == 0, capsys.readouterr().out
