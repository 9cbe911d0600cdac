"""Bad input ends loudly, named, and in bounded time: never a hang, never a pass.

Malformed cassettes and schemas stop collection with a usage error naming the file; a stale
expectations entry, a config LiteLLM refuses, a port in use, a gateway that dies and a provider that
hangs each end with an error naming the cause.
"""

from __future__ import annotations

import json
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from codex_gateway_contracts.core.cassettes import load
from codex_gateway_contracts.core.catalogue import Catalogue, load_catalogue
from codex_gateway_contracts.core.deployments import load_deployments
from codex_gateway_contracts.core.mocks import MockFleet
from codex_gateway_contracts.core.runner import Case, CaseRunner
from codex_gateway_contracts.core.verdict import Translations
from codex_gateway_contracts.data import SUITE
from codex_gateway_contracts.errors import GatewayError
from codex_gateway_contracts.gateways import base as gateway_base
from codex_gateway_contracts.gateways.litellm import LiteLLMGateway
from codex_gateway_contracts.tools.faults import FaultyGateway

from ..conftest import ROOT, litellm_binary

CONTRACT_TEST = (SUITE / "test_codex_gateway.py").read_text(encoding="utf-8")
TRANSLATIONS = Translations.load(ROOT / "schemas" / "translations.yaml")
CASSETTE = ROOT / "cassettes" / "codex" / "0.169.0" / "basic.yaml"
DATA = ("--contracts-schemas", str(ROOT / "schemas"), "--contracts-cassettes", str(ROOT / "cassettes" / "codex"))


def run_suite(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    test_file = pytester.makepyfile(test_contracts=CONTRACT_TEST)
    started = time.monotonic()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", str(test_file), *args, timeout=120)
    assert time.monotonic() - started < 120
    return result


def assert_named(result: pytest.RunResult, pattern: str) -> None:
    """The run fails with one error whose message is the cause, plainly, with no traceback."""
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert result.parseoutcomes() == {"errors": 1} or result.parseoutcomes() == {"error": 1}
    output = pytest.LineMatcher(result.outlines + result.errlines)
    output.fnmatch_lines([pattern])
    assert not any(line.startswith("Traceback") for line in result.outlines + result.errlines)


def cassette_dir(tmp: Path, name: str, text: str) -> Path:
    (tmp / "cassettes" / "0.169.0").mkdir(parents=True)
    (tmp / "cassettes" / "0.169.0" / name).write_text(text, encoding="utf-8")
    return tmp / "cassettes"


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("interactions: [\n  - request: {", "not a VCR.py cassette"),
        (CASSETTE.read_text(encoding="utf-8").replace('body: "{', 'body: "nope{', 1), "body is not JSON"),
        ("interactions: []\nversion: 1\n", "has no interactions"),
    ],
    ids=["yaml", "body", "empty"],
)
def test_malformed_cassette_is_a_usage_error_naming_it(pytester: pytest.Pytester, text: str, cause: str) -> None:
    cassettes = cassette_dir(pytester.path, "broken.yaml", text)
    result = run_suite(pytester, "--contracts-cassettes", str(cassettes), "--contracts-schemas", str(ROOT / "schemas"))
    assert_named(result, f"*broken.yaml*{cause}*")


def test_a_cassette_folder_that_is_not_a_version_is_an_error_naming_it(pytester: pytest.Pytester) -> None:
    cassettes = cassette_dir(pytester.path, "basic.yaml", CASSETTE.read_text(encoding="utf-8"))
    (cassettes / "broken").mkdir()
    (cassettes / "broken" / "x.yaml").write_text(CASSETTE.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_suite(pytester, "--contracts-cassettes", str(cassettes), "--contracts-schemas", str(ROOT / "schemas"))
    assert_named(result, f"*{cassettes / 'broken'}: not a Codex version folder (expected a version like 0.169.0*")


def test_invalid_schema_is_a_usage_error_naming_it(pytester: pytest.Pytester) -> None:
    schemas = pytester.path / "schemas"
    shutil.copytree(ROOT / "schemas", schemas)
    target = schemas / "providers" / "deepseek" / "chat.schema.json"
    schema = json.loads(target.read_text(encoding="utf-8"))
    schema["properties"]["model"]["type"] = 12
    target.write_text(json.dumps(schema), encoding="utf-8")
    result = run_suite(
        pytester, "--contracts-schemas", str(schemas), "--contracts-cassettes", str(ROOT / "cassettes" / "codex")
    )
    assert_named(result, "*deepseek/chat.schema.json*not a valid Draft 2020-12 schema*properties.model.type*")


def test_stale_expectations_entry_errors_every_case(pytester: pytest.Pytester) -> None:
    binary = litellm_binary()
    stale = pytester.path / "expectations.yaml"
    stale.write_text("expected:\n- {id: codex-9.9.9/nothing-here, verdict: leak, reason: gone}\n", encoding="utf-8")
    result = run_suite(
        pytester,
        *DATA,
        "--contracts-litellm-bin",
        binary,
        "--contracts-expectations",
        str(stale),
        "--contracts-route",
        "deepseek-chat",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    outcomes = result.parseoutcomes()
    assert outcomes.get("errors", 0) > 0 and not outcomes.get("passed")
    result.stdout.fnmatch_lines(["*entries match no case of this configuration: codex-9.9.9/nothing-here*"])


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(ROOT / "schemas" / "providers")


@pytest.fixture
def fleet(catalogue: Catalogue) -> Iterator[MockFleet]:
    fleet = MockFleet(catalogue)
    yield fleet
    fleet.close()


def proxy_for(fleet: MockFleet, catalogue: Catalogue, tmp_path: Path, extra: str = "") -> LiteLLMGateway:
    config = tmp_path / "proxy.yaml"
    config.write_text(
        "model_list:\n- model_name: deepseek-chat\n  litellm_params: {model: deepseek/deepseek-chat}\n" + extra,
        encoding="utf-8",
    )
    plan = load_deployments(catalogue, config)
    bases = {d.slug: fleet.register(d.slug, d.provider, d.route) for d in plan.deployments if d.provider}
    proxy = LiteLLMGateway(litellm_binary(), tmp_path, startup_timeout=90)
    proxy.configure(plan, lambda d: bases[d.slug])
    return proxy


def test_config_litellm_refuses_names_litellm_s_reason(fleet: MockFleet, catalogue: Catalogue, tmp_path: Path) -> None:
    proxy = proxy_for(fleet, catalogue, tmp_path, "router_settings: {routing_strategy: not-a-strategy}\n")
    started = time.monotonic()
    with pytest.raises(GatewayError, match=r"(?s)exited with code .*Invalid routing_strategy"):
        proxy.start()
    assert time.monotonic() - started < 90


def test_port_in_use_is_named(
    fleet: MockFleet, catalogue: Catalogue, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setattr(gateway_base, "free_port", lambda host="127.0.0.1": taken.getsockname()[1])
        proxy = proxy_for(fleet, catalogue, tmp_path)
        with pytest.raises(GatewayError, match=r"(?s)exited with code .*address already in use"):
            proxy.start()


def test_gateway_dying_mid_run_is_an_error_not_a_pass(fleet: MockFleet, catalogue: Catalogue, tmp_path: Path) -> None:
    proxy = proxy_for(fleet, catalogue, tmp_path)
    proxy.start()
    runner = CaseRunner(proxy, fleet, TRANSLATIONS, request_timeout=10)
    try:
        case = Case(load(CASSETTE), "deepseek-chat", catalogue.get("deepseek"))
        assert runner.run(case).verdict != "error"  # alive: judged normally
        proxy.stop()
        started = time.monotonic()
        result = runner.run(case)
        assert time.monotonic() - started < 15
    finally:
        runner.close()
        proxy.stop()
    assert result.verdict == "error"
    assert "the gateway process died" in result.findings[0].message


def test_hung_upstream_ends_in_bounded_time(fleet: MockFleet, catalogue: Catalogue) -> None:
    api_base = fleet.register("0-hung", catalogue.get("openai"), "hung")
    gateway = FaultyGateway({"hung": (api_base, "chat")})
    runner = CaseRunner(gateway, fleet, TRANSLATIONS, request_timeout=2, upstream_delay=6)
    started = time.monotonic()
    try:
        result = runner.run(Case(load(CASSETTE), "hung", catalogue.get("openai")))
    finally:
        runner.close()
        gateway.close()
    assert time.monotonic() - started < 10
    assert result.verdict == "error"
    assert "did not finish answering within 2 s" in result.findings[0].message


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--contracts-concurrency", "abc"], "*--contracts-concurrency takes a positive number, not 'abc'*"),
        (["--contracts-request-timeout", "0"], "*--contracts-request-timeout takes a positive number*"),
        (
            ["--litellm-config", str(ROOT / "examples" / "reported-bugs.yaml"), "--contracts-update-expectations"],
            "*--contracts-update-expectations with --litellm-config needs --contracts-expectations FILE*",
        ),
    ],
    ids=["concurrency", "timeout", "update-own-config"],
)
def test_bad_options_are_usage_errors(pytester: pytest.Pytester, args: list[str], message: str) -> None:
    result = run_suite(pytester, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_filter_matching_nothing_names_the_routes(pytester: pytest.Pytester) -> None:
    result = run_suite(
        pytester,
        *DATA,
        "--contracts-route",
        "nosuch",
    )
    assert_named(result, "*no deployment matches --contracts-provider/--contracts-route (routes: *deepseek-chat*")
