"""Options: one table, command line > ini > default, ini values converted and checked like the flags."""

from __future__ import annotations

import pytest

from codex_gateway_contracts.data import data_folders
from codex_gateway_contracts.options import OPTIONS, Settings, Shard, gateway_processes

from ..conftest import ROOT


def test_command_line_beats_ini_beats_default(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ncontracts_concurrency = 3\ncontracts_request_timeout = 7.5\n")
    settings = Settings.read(pytester.parseconfigure("--contracts-concurrency", "5"))
    assert (settings.concurrency, settings.request_timeout, settings.startup_timeout) == (5, 7.5, 120.0)
    # the data comes from the package's checkout (or the wheel's copy), never from pytest's rootdir
    assert settings.data == data_folders() and settings.data.root == ROOT
    assert settings.cassettes == ROOT / "cassettes" / "codex" and settings.schemas == ROOT / "schemas"
    assert (settings.baseline, settings.fail_on) == (None, "any")


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


def test_baseline_and_fail_on_are_read_and_checked(pytester: pytest.Pytester) -> None:
    settings = Settings.read(
        pytester.parseconfigure("--contracts-baseline", "1.106.1", "--contracts-fail-on", "rejected")
    )
    assert (settings.baseline, settings.fail_on) == ("1.106.1", "rejected")
    with pytest.raises(pytest.UsageError, match="--contracts-fail-on takes one of any, rejected, not 'some'"):
        pytester.parseconfigure("--contracts-fail-on", "some")
    with pytest.raises(pytest.UsageError, match=r"--contracts-baseline takes a release version like 1\.106\.1"):
        pytester.parseconfigure("--contracts-baseline", "latest")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--contracts-expectations", "none"], "chooses the expectations file"),
        (["--contracts-expectations", "mine.yaml"], "chooses the expectations file"),
        (["--contracts-update-expectations"], "writes your own file: add --contracts-expectations FILE"),
        (["--litellm-config", "proxy.yaml"], "with --litellm-config use --contracts-expectations FILE"),
    ],
)
def test_a_baseline_refuses_what_would_judge_or_write_the_wrong_file(
    pytester: pytest.Pytester, args: list[str], message: str
) -> None:
    with pytest.raises(pytest.UsageError, match=message):
        Settings.read(pytester.parseconfigure("--contracts-baseline", "1.106.1", *args))


def test_a_fork_writes_its_own_file_from_its_baseline(pytester: pytest.Pytester) -> None:
    config = pytester.parseconfigure(
        "--contracts-baseline", "1.106.1", "--contracts-expectations", "mine.yaml", "--contracts-update-expectations"
    )
    settings = Settings.read(config)
    assert settings.baseline == "1.106.1" and settings.expectations == (pytester.path / "mine.yaml").resolve()


def test_the_gateway_is_chosen_by_name_and_its_executable_by_either_flag(pytester: pytest.Pytester) -> None:
    assert Settings.read(pytester.parseconfigure()).gateway == "litellm"
    settings = Settings.read(pytester.parseconfigure("--contracts-gateway", "portkey", "--contracts-gateway-bin", "b"))
    assert (settings.gateway, settings.gateway_bin) == ("portkey", "b")
    # --contracts-gateway-bin wins over the older LiteLLM-only flag.
    both = pytester.parseconfigure("--contracts-litellm-bin", "old", "--contracts-gateway-bin", "new")
    assert Settings.read(both).gateway_bin == "new"
    assert Settings.read(pytester.parseconfigure("--contracts-litellm-bin", "old")).gateway_bin == "old"
    with pytest.raises(pytest.UsageError, match="unknown gateway 'kong'; one of litellm, portkey, llm-rosetta"):
        pytester.parseconfigure("--contracts-gateway", "kong")


@pytest.mark.parametrize(
    ("flag", "why"),
    [
        ("--litellm-config", "--litellm-config is a LiteLLM proxy config; codex-relay is configured from the provider"),
        ("--contracts-litellm-bin", "--contracts-litellm-bin names a LiteLLM executable; for codex-relay use"),
    ],
)
def test_litellm_only_options_with_another_gateway_are_a_usage_error(
    pytester: pytest.Pytester, flag: str, why: str
) -> None:
    with pytest.raises(pytest.UsageError, match=why):
        Settings.read(pytester.parseconfigure("--contracts-gateway", "codex-relay", flag, "x.yaml"))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("0/2", "K/N needs 1 <= K <= N, not '0/2'"),
        ("3/2", "K/N needs 1 <= K <= N, not '3/2'"),
        ("x", "takes K/N, shard K of N \\(e.g. 1/4\\), not 'x'"),
        ("1/", "takes K/N"),
        ("-1/2", "takes K/N"),
    ],
)
def test_a_bad_shard_is_a_usage_error_naming_it(pytester: pytest.Pytester, raw: str, message: str) -> None:
    with pytest.raises(pytest.UsageError, match=f"--contracts-shard {message}"):
        pytester.parseconfigure(f"--contracts-shard={raw}")


def test_shard_and_gateway_processes_are_typed(pytester: pytest.Pytester) -> None:
    settings = Settings.read(pytester.parseconfigure("--contracts-shard", "2/4", "--contracts-gateway-processes", "3"))
    assert (settings.shard, settings.gateway_processes) == (Shard(2, 4), 3)
    assert str(settings.shard) == "2/4"
    pytester.makeini("[pytest]\ncontracts_gateway_processes = auto\n")
    assert Settings.read(pytester.parseconfigure()).gateway_processes is None
    with pytest.raises(pytest.UsageError, match="--contracts-gateway-processes takes a positive number, not '0'"):
        pytester.parseconfigure("--contracts-gateway-processes", "0")


def test_auto_processes_follow_cores_routes_and_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    assert gateway_processes(None, routes=24, cases=576) == 4  # the cores
    assert gateway_processes(None, routes=3, cases=576) == 3  # never more than the routes
    assert gateway_processes(None, routes=24, cases=150) == 2  # one per 100 cases: a start-up must pay off
    assert gateway_processes(None, routes=3, cases=12) == 1
    assert gateway_processes(None, routes=24, cases=576, worker=True) == 1  # xdist: a gateway per worker
    assert gateway_processes(6, routes=24, cases=12, worker=True) == 6  # what was asked wins
    assert gateway_processes(6, routes=2, cases=12) == 2
    assert gateway_processes(None, routes=0, cases=0) == 1


def test_a_shard_cannot_rewrite_the_expectations_of_routes_it_did_not_run(pytester: pytest.Pytester) -> None:
    with pytest.raises(pytest.UsageError, match="rewrites the whole file; run it without --contracts-shard"):
        Settings.read(pytester.parseconfigure("--contracts-shard", "1/2", "--contracts-update-expectations"))
