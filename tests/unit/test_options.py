"""Options: one table, command line > ini > default, ini values converted and checked like the flags."""

from __future__ import annotations

import pytest

from codex_gateway_contracts.options import OPTIONS, Settings


def test_command_line_beats_ini_beats_default(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ncontracts_concurrency = 3\ncontracts_request_timeout = 7.5\n")
    settings = Settings.read(pytester.parseconfigure("--contracts-concurrency", "5"))
    assert (settings.concurrency, settings.request_timeout, settings.startup_timeout) == (5, 7.5, 120.0)
    assert settings.cassettes == pytester.path / "cassettes" / "codex"
    assert settings.schemas == pytester.path / "schemas"


def test_an_ini_value_is_refused_like_the_flag(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ncontracts_startup_timeout = -1\n")
    with pytest.raises(pytest.UsageError, match="--contracts-startup-timeout takes a positive number, not '-1'"):
        pytester.parseconfigure()


def test_paths_resolve_against_the_invocation_directory(pytester: pytest.Pytester) -> None:
    settings = Settings.read(pytester.parseconfigure("--contracts-expectations", "none", "--contracts-report", "out"))
    assert settings.expectations_off and settings.expectations is None
    assert settings.report == (pytester.path / "out").resolve()
    settings = Settings.read(pytester.parseconfigure("--contracts-expectations", "known.yaml"))
    assert not settings.expectations_off and settings.expectations == (pytester.path / "known.yaml").resolve()


def test_each_default_is_written_once_and_shown_in_the_help() -> None:
    texts = {option.flag: option.text for option in OPTIONS}
    assert texts["--contracts-concurrency"] == "Routes replayed in parallel (default 8)."
    assert texts["--contracts-startup-timeout"].endswith("(default 120).")
    assert len({option.dest for option in OPTIONS}) == len(OPTIONS)
