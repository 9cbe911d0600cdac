"""The pytest plugin (entry point ``codex_contracts``): hooks and fixtures only.

Options are in :mod:`.options`, the session's state in :mod:`.session`. Nothing starts unless a collected
test asks for the ``contracts`` fixture (through ``contract_case``), so the plugin costs nothing in other
suites.

``pytest --litellm-config FILE --contracts-report DIR``, with contract options and no test path, runs
exactly the contract suite (the package's ``suite/``) wherever it is typed. pytest decides its rootdir
before any plugin loads, from the command-line values that exist on disk (``FILE``, ``DIR``), so it may
be ``/`` or ``/tmp``; nothing here depends on it: the data folders come from :mod:`.data`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_recording import network

from .core.runner import Case
from .data import SUITE
from .errors import ContractsError
from .options import OPTIONS, Settings, add_options
from .session import ALLOWED_HOSTS, WORKER_KEY, Contracts, ContractsSession

SESSION = pytest.StashKey[ContractsSession]()


def contracts_session(config: pytest.Config) -> ContractsSession:
    """The session's state, for companion suites (the real-Codex end-to-end tests) at collection time."""
    return config.stash[SESSION]


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``codex-contracts`` option group; every value option also has an ini key of its dest name."""
    add_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """Contract options without a test path: collect the contract suite, not the project's ``testpaths``.

    At this point pytest has parsed the command line again with the plugin's options known, so
    ``file_or_dir`` holds the real test paths (the first parse took option values for paths).
    """
    namespace = early_config.known_args_namespace
    if namespace.file_or_dir or getattr(namespace, "help", False) or getattr(namespace, "version", False):
        return
    if any(getattr(namespace, option.dest, None) not in (None, False) for option in OPTIONS):
        args.append(str(SUITE))


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Where the data comes from; and why pytest's rootdir may look odd (it is not used)."""
    session = config.stash.get(SESSION, None)
    if session is None:
        return []
    lines = [f"codex-contracts: data from {session.settings.data.root}"]
    invocation = config.invocation_params.dir
    if config.rootpath != invocation and config.rootpath not in invocation.parents:
        lines.append(
            f"codex-contracts: pytest chose rootdir {config.rootpath} from option values that exist on disk; "
            "the suite does not use it (write --litellm-config=FILE, or add --rootdir ., to keep it here)"
        )
    return lines


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker and the session's state (reading and checking the options)."""
    config.addinivalue_line("markers", "contracts: a Codex request replayed through the gateway into provider mocks")
    config.stash[SESSION] = ContractsSession(Settings.read(config), worker=hasattr(config, "workerinput"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per cassette x route, with ids like ``codex-0.169.0/tool_call-deepseek-chat``."""
    if "contract_case" in metafunc.fixturenames:
        try:
            cases = metafunc.config.stash[SESSION].prepare().cases
        except ContractsError:
            metafunc.parametrize("contract_case", [None], ids=["data-error"])
        else:
            metafunc.parametrize("contract_case", cases, ids=[case.id for case in cases])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Remember which cases were selected, so the session queues exactly those, in collection order."""
    session = config.stash[SESSION]
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "contract_case" in callspec.params:
            item.add_marker(pytest.mark.contracts)
            session.selected.append(callspec.params["contract_case"])


@pytest.fixture(scope="session")
def contracts(request: pytest.FixtureRequest) -> Iterator[Contracts]:
    """The started gateway and mocks; the test process may reach 127.0.0.1 only meanwhile."""
    session = request.config.stash[SESSION]
    try:
        session.prepare()
    except ContractsError as exc:
        # Bad data is the user's to fix: one error carrying the cause, no traceback.
        pytest.fail(f"codex-contracts: {exc}", pytrace=False)
    network.block(allowed_hosts=ALLOWED_HOSTS)
    with tempfile.TemporaryDirectory(prefix="codex-contracts-") as workdir:
        try:
            yield session.start(Path(workdir))
        finally:
            session.stop()
            network.unblock()


@pytest.fixture
def contract_case(request: pytest.FixtureRequest) -> Case:
    """The case this test judges (parametrized by the plugin)."""
    case: Case = request.param
    return case


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write results.json and, when asked, rewrite the expectations file (xdist: on the controller)."""
    state = session.config.stash.get(SESSION, None)
    if state is None:
        return
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker hands its results to the controller
        workeroutput[WORKER_KEY] = state.worker_output()
    else:
        state.finish()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the xdist controller, merge a finished worker's results."""
    output = getattr(node, "workeroutput", {}).get(WORKER_KEY)
    if output:
        node.config.stash[SESSION].merge_worker(output)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Verdict counts, where the report went, and what the suite changed in the user's config."""
    state = config.stash.get(SESSION, None)
    lines = state.summary() if state is not None else []
    if lines:
        terminalreporter.section("codex gateway contracts")
        for line in lines:
            terminalreporter.write_line(line)
