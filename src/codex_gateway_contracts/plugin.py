"""The pytest plugin: options, case generation, the session-wide gateway and mocks, and the report.

Settings are read command line first, then the ini file (``[tool.pytest.ini_options]`` keys of the
same name without dashes, e.g. ``contracts_report``), then the defaults. Nothing starts unless a
collected test asks for the ``contract_case`` fixture, so the plugin costs nothing in other suites.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytest_recording import network

from .cassettes import Cassette, CassetteError, discover
from .catalogue import Catalogue, CatalogueError, load_catalogue
from .expectations import Expectations, ExpectationsError, compare, rewrite
from .gateway import (
    GatewayError,
    GatewayPlan,
    LiteLLMProxy,
    find_litellm,
    hermetic_config,
    load_deployments,
)
from .mocks import MockFleet
from .report import failure_message, write_reports
from .runner import Case, CaseRunner
from .verdict import CaseResult, Finding, Translations

ALLOWED_HOSTS = [r"^127\.0\.0\.1$", r"^localhost$", r"^::1$"]
_OPTIONS: dict[str, tuple[str, str]] = {
    # dest: (flag, help)
    "litellm_config": (
        "--litellm-config",
        "Your LiteLLM proxy config (YAML). Default: one deployment per catalogue "
        "provider. Provider addresses and keys are rewritten to the mocks; everything else is kept.",
    ),
    "contracts_litellm_bin": (
        "--contracts-litellm-bin",
        "The litellm executable to run (default: beside this Python, "
        "then PATH). Point it at another virtualenv to test another LiteLLM version or fork.",
    ),
    "contracts_report": ("--contracts-report", "Write DIR/results.json with the true verdict of every case."),
    "contracts_cassettes": ("--contracts-cassettes", "Folder of Codex cassettes (default: <rootdir>/cassettes/codex)."),
    "contracts_schemas": ("--contracts-schemas", "Folder of provider schemas (default: <rootdir>/schemas)."),
    "contracts_expectations": (
        "--contracts-expectations",
        "Known-failures file (default, with the generated config: "
        "<rootdir>/expectations/litellm-<version>.yaml). 'none' disables it.",
    ),
    "contracts_concurrency": ("--contracts-concurrency", "Routes replayed in parallel (default 8)."),
    "contracts_startup_timeout": ("--contracts-startup-timeout", "Seconds to wait for the gateway (default 120)."),
    "contracts_request_timeout": ("--contracts-request-timeout", "Seconds to wait for one answer (default 60)."),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ``codex-contracts`` option group; every flag also has an ini key of its dest name."""
    group = parser.getgroup("codex-contracts", "Codex gateway contract tests")
    for dest, (flag, text) in _OPTIONS.items():
        group.addoption(flag, dest=dest, default=None, metavar="VALUE", help=text)
        parser.addini(dest, text, default=None)
    group.addoption(
        "--contracts-provider",
        dest="contracts_provider",
        action="append",
        default=None,
        metavar="NAME",
        help="Only deployments of this provider (repeatable).",
    )
    group.addoption(
        "--contracts-route",
        dest="contracts_route",
        action="append",
        default=None,
        metavar="MODEL_NAME",
        help="Only this route / model_name (repeatable).",
    )
    group.addoption(
        "--contracts-update-expectations",
        dest="contracts_update_expectations",
        action="store_true",
        help="Rewrite the expectations file from this run's failing cases.",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker and the per-session state."""
    config.addinivalue_line("markers", "contracts: a Codex request replayed through the gateway into provider mocks")
    config.addinivalue_line(
        "markers", "record: re-records cassettes with the real Codex CLI (CODEX_CONTRACTS_RECORD=1)"
    )
    config.stash[_STATE] = ContractsState(config)
    if (
        config.getoption("contracts_update_expectations")
        and _setting(config, "litellm_config")
        and not _setting(config, "contracts_expectations")
    ):
        # The default file describes the generated config; a run of your own config must not overwrite it.
        raise pytest.UsageError(
            "--contracts-update-expectations with --litellm-config needs --contracts-expectations FILE"
        )
    for dest in ("contracts_concurrency", "contracts_startup_timeout", "contracts_request_timeout"):
        value = _setting(config, dest)
        try:
            if value is not None and float(value) <= 0:
                raise ValueError(value)
        except ValueError:
            raise pytest.UsageError(f"{_OPTIONS[dest][0]} takes a positive number, not {value!r}") from None


def _setting(config: pytest.Config, dest: str, default: str | None = None) -> str | None:
    value = config.getoption(dest, default=None)
    if value is None:
        value = config.getini(dest) or None
    return str(value) if value is not None else default


@dataclass(repr=False)
class ContractsState:
    """Everything the contract cases of one pytest session share."""

    def __repr__(self) -> str:
        # pytest renders fixture values in reports; the state holds every result of the session.
        return f"ContractsState({len(self.results)} results)"

    config: pytest.Config
    results: list[CaseResult] = field(default_factory=list)
    selected: list[Case] = field(default_factory=list)
    _cases: list[Case] | None = None
    data_error: str | None = None
    all_case_ids: set[str] = field(default_factory=set)
    catalogue: Catalogue | None = None
    plan: GatewayPlan | None = None
    gateway_info: dict[str, Any] = field(default_factory=dict)
    expectations: Expectations | None = None
    runner: CaseRunner | None = None
    fleet: MockFleet | None = None
    proxy: LiteLLMProxy | None = None

    @property
    def rootdir(self) -> Path:
        """Where data folders are looked up by default."""
        return Path(self.config.rootpath)

    def path_setting(self, dest: str, default: Path) -> Path:
        """A folder or file setting, relative to the invocation directory."""
        value = _setting(self.config, dest)
        return Path(value).expanduser().resolve() if value else default

    def cases(self) -> list[Case]:
        """Every cassette x route of the configuration, filtered by --contracts-provider/--contracts-route."""
        if self._cases is None:
            try:
                self.catalogue = load_catalogue(
                    self.path_setting("contracts_schemas", self.rootdir / "schemas") / "providers"
                )
                cassettes = discover(self.path_setting("contracts_cassettes", self.rootdir / "cassettes" / "codex"))
                config_file = _setting(self.config, "litellm_config")
                self.plan = load_deployments(self.catalogue, Path(config_file).resolve() if config_file else None)
                self._cases = self._build_cases(cassettes, self.plan)
            except (CatalogueError, CassetteError, GatewayError) as exc:
                # Bad data is the user's to fix: one error carrying the cause, no traceback (see ``contracts``).
                self.data_error = f"codex-contracts: {exc}"
                self._cases = []
                return self._cases
            # Expectations speak of the whole configuration, not of what a filter selected.
            self.all_case_ids = {f"{c.id}-{d.route}" for c in cassettes for d in self.plan.deployments}
        return self._cases

    def _build_cases(self, cassettes: list[Cassette], plan: GatewayPlan) -> list[Case]:
        providers = set(self.config.getoption("contracts_provider") or [])
        routes = set(self.config.getoption("contracts_route") or [])
        chosen: dict[str, tuple[Any, str | None]] = {}
        for deployment in plan.deployments:
            provider_name = deployment.provider.name if deployment.provider else None
            if providers and provider_name not in providers:
                continue
            if routes and deployment.route not in routes:
                continue
            if deployment.route not in chosen or chosen[deployment.route][1] is not None:
                chosen[deployment.route] = (deployment.provider, deployment.skipped)
        if not chosen:
            known = ", ".join(sorted({d.route for d in plan.deployments}))
            raise GatewayError(f"no deployment matches --contracts-provider/--contracts-route (routes: {known})")
        return [
            Case(cassette, route, provider, skipped)
            for cassette in cassettes
            for route, (provider, skipped) in chosen.items()
        ]

    # -- session ------------------------------------------------------------------------------
    def start(self, workdir: Path) -> None:
        """Start the mocks and the gateway, load expectations, and queue every selected case."""
        self.cases()
        assert self.catalogue is not None and self.plan is not None
        self.fleet = MockFleet(self.catalogue)
        api_bases = {
            d.slug: self.fleet.register(d.slug, d.provider, d.route)
            for d in self.plan.deployments
            if d.provider is not None and d.skipped is None
        }
        config = hermetic_config(self.plan, lambda d: api_bases[d.slug])
        binary = find_litellm(_setting(self.config, "contracts_litellm_bin"))
        startup = float(_setting(self.config, "contracts_startup_timeout", "120") or 120)
        self.proxy = LiteLLMProxy(binary, config, workdir, startup_timeout=startup)
        self.gateway_info = {"kind": self.proxy.kind, "version": self.proxy.version, "config": self.plan.source}
        self.expectations = self._load_expectations(self.proxy.version)
        stale = self.expectations.stale(self.all_case_ids)
        if stale and not self.config.getoption("contracts_update_expectations"):
            raise ExpectationsError(
                f"{self.expectations.path}: entries match no case of this configuration: "
                f"{', '.join(stale[:10])}{' ...' if len(stale) > 10 else ''}"
            )
        self.proxy.start()
        self.runner = CaseRunner(
            self.proxy.base_url,
            self.proxy.master_key,
            self.fleet,
            Translations.load(self.path_setting("contracts_schemas", self.rootdir / "schemas") / "translations.yaml"),
            concurrency=int(_setting(self.config, "contracts_concurrency", "8") or 8),
            request_timeout=float(_setting(self.config, "contracts_request_timeout", "60") or 60),
            alive=self.proxy.alive,
        )
        if not hasattr(self.config, "workerinput"):
            # An xdist worker collects every case but runs only those the controller sends it: it runs
            # each case when its test asks, instead of prefetching work another worker will do too.
            self.runner.schedule(self.selected)

    def _load_expectations(self, version: str) -> Expectations:
        value = _setting(self.config, "contracts_expectations")
        if value == "none":
            return Expectations(None)
        if value:
            return Expectations.load(Path(value).resolve())
        if _setting(self.config, "litellm_config"):
            return Expectations(None)
        return Expectations.load(self.rootdir / "expectations" / f"litellm-{version}.yaml")

    def stop(self) -> None:
        """Stop the runner, gateway and mocks, in that order."""
        if self.runner is not None:
            self.runner.close()
        if self.proxy is not None:
            self.proxy.stop()
        if self.fleet is not None:
            self.fleet.close()

    def check(self, case: Case) -> None:
        """Run (or collect) a case and turn its verdict into the test outcome."""
        if case.skipped is not None:
            self.results.append(
                CaseResult(
                    case.id,
                    case.cassette.id,
                    "?",
                    case.route,
                    "(none)",
                    True,
                    "skipped",
                    [Finding("skipped", "", case.skipped)],
                )
            )
            pytest.skip(case.skipped)
        assert self.runner is not None and self.expectations is not None
        network.block(allowed_hosts=ALLOWED_HOSTS)  # re-arm: another plugin may have unblocked between tests
        result = self.runner.result(case)
        self.results.append(result)
        outcome, note = compare(result, self.expectations.get(case.id))
        if outcome == "xfail":
            pytest.xfail(note)
        if outcome == "fail":
            message = failure_message(result)
            if result.verdict == "error" and self.proxy is not None and not self.proxy.alive():
                message += "\n" + self.proxy.log_tail()
            pytest.fail(f"{note}\n{message}" if note else message, pytrace=False)


_STATE = pytest.StashKey[ContractsState]()


def contracts_state(config: pytest.Config) -> ContractsState:
    """The session's shared state, for companion suites (the real-Codex end-to-end tests) that reuse it."""
    return config.stash[_STATE]


_WORKER_KEY = "codex_contracts_results"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per cassette x route, with ids like ``codex-0.169.0/tool_call-deepseek-chat``."""
    if "contract_case" in metafunc.fixturenames:
        state = metafunc.config.stash[_STATE]
        cases = state.cases()
        if state.data_error:
            metafunc.parametrize("contract_case", [None], ids=["data-error"])
        else:
            metafunc.parametrize("contract_case", cases, ids=[case.id for case in cases])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Remember which cases were selected, so the session queues exactly those, in collection order."""
    state = config.stash[_STATE]
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "contract_case" in callspec.params:
            item.add_marker(pytest.mark.contracts)
            state.selected.append(callspec.params["contract_case"])


@pytest.fixture(scope="session")
def contracts(request: pytest.FixtureRequest) -> Iterator[ContractsState]:
    """The started gateway, mocks and runner; the test process may reach 127.0.0.1 only meanwhile."""
    state = request.config.stash[_STATE]
    state.cases()
    if state.data_error:
        pytest.fail(state.data_error, pytrace=False)
    network.block(allowed_hosts=ALLOWED_HOSTS)
    with tempfile.TemporaryDirectory(prefix="codex-contracts-") as workdir:
        try:
            state.start(Path(workdir))
            yield state
        finally:
            state.stop()
            network.unblock()


@pytest.fixture
def contract_case(request: pytest.FixtureRequest) -> Case:
    """The case this test judges (parametrized by the plugin)."""
    case: Case = request.param
    return case


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write results.json and, when asked, rewrite the expectations file (xdist: on the controller)."""
    state = session.config.stash.get(_STATE, None)
    if state is None:
        return
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker hands its results to the controller
        expectations = state.expectations.path if state.expectations is not None else None
        workeroutput[_WORKER_KEY] = json.dumps(
            {
                "gateway": state.gateway_info,
                "expectations": str(expectations) if expectations else "",
                "results": [result.as_dict() for result in state.results],
            }
        )
        return
    if not state.results:
        return
    report_dir = _setting(session.config, "contracts_report")
    if report_dir:
        write_reports(Path(report_dir).resolve(), state.gateway_info, state.results)
    if session.config.getoption("contracts_update_expectations") and state.expectations is not None:
        target = state.expectations.path or (
            state.rootdir / "expectations" / f"litellm-{state.gateway_info.get('version', 'unknown')}.yaml"
        )
        header = state.expectations.header or {
            "gateway": state.gateway_info.get("kind"),
            "version": state.gateway_info.get("version"),
        }
        rewrite(target, state.results, state.expectations, header)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the xdist controller, merge a finished worker's results (each worker runs its own gateway and mocks)."""
    output = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if not output:
        return
    data = json.loads(output)
    state = node.config.stash[_STATE]
    state.results.extend(CaseResult.from_dict(item) for item in data["results"])
    state.gateway_info = state.gateway_info or data["gateway"]
    if state.expectations is None:
        state.expectations = (
            Expectations.load(Path(data["expectations"])) if data["expectations"] else Expectations(None)
        )


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Verdict counts, where the report went, and what the suite changed in the user's config."""
    state = config.stash.get(_STATE, None)
    if state is None or not state.results:
        return
    counts: dict[str, int] = {}
    for result in state.results:
        counts[result.verdict] = counts.get(result.verdict, 0) + 1
    terminalreporter.section("codex gateway contracts")
    gateway = state.gateway_info
    terminalreporter.write_line(f"gateway: {gateway.get('kind')} {gateway.get('version')} ({gateway.get('config')})")
    terminalreporter.write_line("verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if state.plan is not None:
        for note in sorted(set(state.plan.notes)):
            terminalreporter.write_line(f"config: {note}")
    background = state.fleet.background() if state.fleet is not None else []
    if background:
        calls = sorted({f"{call.method} {call.path}" for call in background})
        terminalreporter.write_line(f"gateway background calls (outside cases): {len(background)}: {', '.join(calls)}")
    strays = state.fleet.strays() if state.fleet is not None else []
    if strays:
        terminalreporter.write_line(f"warning: {len(strays)} upstream calls arrived outside any case:")
        for call in strays[:5]:
            terminalreporter.write_line(f"  {call.method} {call.path} for route {call.route or '?'} -> {call.status}")
    report_dir = _setting(config, "contracts_report")
    if report_dir:
        terminalreporter.write_line(f"report: {Path(report_dir).resolve() / 'results.json'}")
