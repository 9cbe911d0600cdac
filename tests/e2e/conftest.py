"""Opt-in end-to-end runs of the real Codex CLI: the option, the marker, the parametrization, the fixtures.

Kept out of the plugin on purpose: it needs npm and minutes, so it is never part of a default run.
Enable with ``--contracts-e2e`` (when pytest is pointed at ``tests/e2e``) or ``CODEX_CONTRACTS_E2E=1``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from codex_gateway_contracts.codex.install import ensure_codex
from codex_gateway_contracts.e2e import (
    DEFAULT_TIMEOUT,
    E2EExpectation,
    cases,
    enabled,
    load_expectations,
    recorded_versions,
)
from codex_gateway_contracts.errors import CodexError, E2EExpectationsError
from codex_gateway_contracts.plugin import contracts_session
from codex_gateway_contracts.session import Contracts
from codex_gateway_contracts.tools.record.scenarios import Scenario, load_scenarios

#: (case id, outcome, seconds, first line of the reason) per e2e test, for the terminal summary.
E2E_RESULTS = pytest.StashKey[list[tuple[str, str, float, str]]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--contracts-e2e`` and the per-run timeout; only known when pytest loads this conftest at start."""
    group = parser.getgroup("codex-contracts", "Codex gateway contract tests")
    group.addoption(
        "--contracts-e2e",
        dest="contracts_e2e",
        action="store_true",
        default=False,
        help="Run the real Codex CLI (npm) through the gateway (marker codex_e2e; or CODEX_CONTRACTS_E2E=1).",
    )
    group.addoption(
        "--contracts-e2e-timeout",
        dest="contracts_e2e_timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help="Seconds one codex exec may take (default 120).",
    )
    group.addoption(
        "--contracts-e2e-expectations",
        dest="contracts_e2e_expectations",
        default=None,
        metavar="FILE|none",
        help="Known end-to-end failures (default, with the generated config: "
        "the suite's expectations/e2e-litellm-<version>.yaml). 'none' shows every failure as a failure.",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker."""
    config.addinivalue_line(
        "markers", "codex_e2e: runs the real codex exec through the gateway (--contracts-e2e or CODEX_CONTRACTS_E2E=1)"
    )
    config.stash[E2E_RESULTS] = []


def _enabled(config: pytest.Config) -> bool:
    return enabled(bool(config.getoption("contracts_e2e", default=False)))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per Codex version (each recorded one) x route of the session's gateway x scenario."""
    if "e2e_case" in metafunc.fixturenames:
        session = contracts_session(metafunc.config)
        selected = cases(session.routes(), recorded_versions(session.settings.cassettes))
        metafunc.parametrize("e2e_case", selected, ids=[case.id for case in selected])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the marker unless opted in: it installs Codex from npm and takes minutes."""
    if _enabled(config):
        return
    skip = pytest.mark.skip(reason="end-to-end Codex runs are opt-in: --contracts-e2e or CODEX_CONTRACTS_E2E=1")
    for item in items:
        if item.get_closest_marker("codex_e2e") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def codex_binary() -> Callable[[str], Path]:
    """The native Codex binary of a version, npm-installed into the cache once."""
    found: dict[str, Path] = {}

    def get(version: str) -> Path:
        if version not in found:
            try:
                found[version] = ensure_codex(version)
            except CodexError as exc:
                pytest.fail(f"cannot install Codex {version}: {exc}", pytrace=False)
        return found[version]

    return get


@pytest.fixture(scope="session")
def e2e_scenarios(contracts: Contracts) -> dict[str, Scenario]:
    """The recorder's scenarios (prompt, config), by name."""
    return {s.name: s for s in load_scenarios(contracts.settings.data.scenarios)}


@pytest.fixture(scope="session")
def e2e_expectations(request: pytest.FixtureRequest, contracts: Contracts) -> dict[str, E2EExpectation]:
    """Known failures of this gateway version with the default config (none with the user's own config)."""
    choice = request.config.getoption("contracts_e2e_expectations", default=None)
    if choice == "none":
        return {}
    if choice:
        path = Path(choice).resolve()
        if not path.is_file():
            raise E2EExpectationsError(f"--contracts-e2e-expectations: no such file: {path}")
    elif contracts.settings.litellm_config is not None:
        return {}
    else:
        gateway = contracts.gateway
        if gateway.release.fork and contracts.settings.baseline is None:
            return {}  # a fork's version is its own: no upstream file applies (the contract summary says so)
        version = contracts.settings.baseline or gateway.version
        path = contracts.settings.data.expectations / f"e2e-{gateway.name}-{version}.yaml"
    entries = load_expectations(path)
    known = {case.id for case in cases(contracts.routes, recorded_versions(contracts.settings.cassettes))}
    if stale := sorted(set(entries) - known):
        raise E2EExpectationsError(f"{path}: entries match no end-to-end case: {', '.join(stale)}")
    return entries


@pytest.fixture
def e2e_record(request: pytest.FixtureRequest) -> Callable[[str, str, float, str], None]:
    """Remember a case's outcome and Codex's run time for the summary table."""

    def remember(case_id: str, outcome: str, seconds: float, reason: str) -> None:
        request.config.stash[E2E_RESULTS].append((case_id, outcome, seconds, reason))

    return remember


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """One line per end-to-end case: outcome, Codex's wall time, the named reason."""
    results = config.stash.get(E2E_RESULTS, [])
    if not results:
        return
    terminalreporter.section("codex end to end")
    for case_id, outcome, seconds, reason in sorted(results):
        terminalreporter.write_line(f"{outcome:5} {seconds:6.1f}s  {case_id}" + (f"  {reason}" if reason else ""))
    total = sum(seconds for _, _, seconds, _ in results)
    terminalreporter.write_line(f"{len(results)} runs, {total:.0f} s of Codex time")
