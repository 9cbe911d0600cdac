"""The state of one pytest session of contract cases, and the ``contracts`` fixture's API.

:class:`ContractsSession` lives for the whole pytest run (one per xdist worker, one on the controller).
It moves through two typed steps: :meth:`~ContractsSession.prepare` reads the data (catalogue, cassettes,
deployments) into a :class:`Prepared` without starting anything, so pytest can collect one test per case;
:meth:`~ContractsSession.start` starts the mocks and the gateway and returns :class:`Contracts`, which is
what the ``contracts`` fixture gives a test: the gateway's address and key, ``route_lease(route)`` to use a
route's mocks, and ``check(case)`` to judge a case. Results are kept here and written when the run ends.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_recording import network

from . import gateways
from .core.cassettes import Cassette, ReplyItem, discover
from .core.catalogue import Catalogue, Provider, load_catalogue
from .core.deployments import GatewayPlan, load_deployments
from .core.expectations import Expectations, compare, expectations_file, locate, rewrite
from .core.mocks import MockFleet, UpstreamCall
from .core.runner import Case, CaseRunner, RouteAddress
from .core.verdict import CaseResult, FailOn, Finding, Outcome, Translations, Verdict
from .errors import ContractsError, ExpectationsError, ExpectationsWarning, GatewayError
from .gateways import GatewayPool, RouteTable, partition
from .options import Settings, gateway_processes
from .report import failure_message, route_summary, title, write_reports

ALLOWED_HOSTS = [r"^127\.0\.0\.1$", r"^localhost$", r"^::1$"]
#: Where an xdist worker leaves its results for the controller (``workeroutput``).
WORKER_KEY = "codex_contracts_results"


@dataclass(frozen=True)
class Prepared:
    """The run's data, read and checked, before anything starts."""

    catalogue: Catalogue
    plan: GatewayPlan
    #: How the gateway reaches each deployment (None: from the deployments' own parameters, LiteLLM).
    routing: RouteTable | None
    #: Every cassette x selected route, in collection order.
    cases: tuple[Case, ...]
    #: Every case id of the configuration, filters ignored (what expectations speak of).
    all_case_ids: frozenset[str]

    @property
    def routes(self) -> list[str]:
        """Selected routes with a usable deployment, in order."""
        return list(dict.fromkeys(case.route for case in self.cases if case.skipped is None))


@dataclass(frozen=True)
class RouteMocks:
    """One route's provider mocks, lent to a caller by :meth:`Contracts.route_lease`."""

    fleet: MockFleet
    route: str

    def expecting(
        self,
        plan: Sequence[ReplyItem],
        nonce: str,
        *,
        later: Sequence[Sequence[ReplyItem]] = (),
        tokens: Sequence[int] = (),
    ) -> AbstractContextManager[None]:
        """While the block runs, the route's mocks answer with ``plan`` (then ``later``) and record the calls.

        ``tokens``: the prompt tokens the successive answers report (a large one makes Codex compact).
        """
        return self.fleet.expecting(self.route, plan, nonce, later=later, tokens=tokens)

    def take(self) -> list[UpstreamCall]:
        """The calls recorded for the route since the last ``take``."""
        return self.fleet.take(self.route)


class Contracts:
    """The started session: what the ``contracts`` fixture gives a test."""

    def __init__(
        self,
        session: ContractsSession,
        prepared: Prepared,
        gateway: GatewayPool,
        fleet: MockFleet,
        runner: CaseRunner,
        expectations: Expectations,
    ) -> None:
        self.settings = session.settings
        self.gateway = gateway
        self.expectations = expectations
        self._session = session
        self._prepared = prepared
        self._fleet = fleet
        self._runner = runner

    def __repr__(self) -> str:
        # pytest renders fixture values in reports; keep it to one line.
        return f"Contracts({self.gateway.kind} {self.gateway.version}, {len(self._session.results)} results)"

    @property
    def base_url(self) -> str:
        """The (first) gateway process's root URL; a route's own is ``address(route).base_url``."""
        return self.gateway.base_url

    @property
    def api_key(self) -> str:
        """The key the gateway accepts."""
        return self.gateway.api_key

    @property
    def routes(self) -> list[str]:
        """Routes of the whole configuration with a usable deployment, filters ignored."""
        return self._prepared.plan.routes

    def address(self, route: str) -> RouteAddress:
        """Where and how a Codex request for ``route`` goes (URL, model, extra headers)."""
        return self.gateway.address(route)

    @contextlib.contextmanager
    def route_lease(self, route: str) -> Iterator[RouteMocks]:
        """Wait for the route's selected contract cases, then lend its mocks; no case of the route runs meanwhile."""
        for case in self._session.selected:
            if case.route == route and case.skipped is None:
                with contextlib.suppress(Exception):  # its own test reports it
                    self._runner.result(case)
        with self._runner.holding(route):
            yield RouteMocks(self._fleet, route)

    def check(self, case: Case) -> None:
        """Run (or collect) a case and turn its verdict into the test outcome."""
        results = self._session.results
        if case.skipped is not None:
            finding = Finding(Verdict.SKIPPED, "", case.skipped)
            provider = case.provider.name if case.provider else "?"
            results.append(
                CaseResult(
                    case.id,
                    case.cassette.id,
                    provider,
                    case.route,
                    "(none)",
                    True,
                    Verdict.SKIPPED,
                    [finding],
                    remote_compaction=case.cassette.compacts_remotely,
                )
            )
            pytest.skip(case.skipped)
        network.block(allowed_hosts=ALLOWED_HOSTS)  # re-arm: another plugin may have unblocked between tests
        result = self._runner.result(case)
        results.append(result)
        outcome, note = compare(result, self.expectations.get(case.id), self.settings.fail_on)
        if outcome == Outcome.XFAIL:
            pytest.xfail(note)
        if outcome == Outcome.FAIL:
            message = failure_message(result)
            if result.verdict == Verdict.ERROR and not self.gateway.alive():
                message += "\n" + self.gateway.log_tail()
            pytest.fail(f"{note}\n{message}" if note else message, pytrace=False)

    def calls_outside_cases(self) -> tuple[list[UpstreamCall], list[UpstreamCall]]:
        """Read-only calls the gateway made on its own, and calls that arrived while no case of their route ran."""
        return self._fleet.background(), self._fleet.strays()

    def close(self) -> None:
        """Stop the runner, gateway and mocks, in that order."""
        self._runner.close()
        self.gateway.stop()
        self._fleet.close()


class ContractsSession:
    """Everything the contract cases of one pytest session share."""

    def __init__(self, settings: Settings, *, worker: bool = False) -> None:
        self.settings = settings
        #: An xdist worker runs each case when its test asks, instead of prefetching every case.
        self.worker = worker
        self.results: list[CaseResult] = []
        #: The cases pytest selected, in collection order (what the session queues when it starts).
        self.selected: list[Case] = []
        #: ``gateway`` of results.json: kind, version and config; known once started (or merged).
        self.gateway_info: dict[str, Any] = {}
        self.gateway_name = settings.gateway
        #: How many gateway processes served the run (the terminal summary says so when more than one).
        self.gateway_processes = 1
        self.expectations: Expectations | None = None
        #: Said once, loudly, when no expectations file applies to the detected release.
        self.notice = ""
        self.notes: list[str] = []
        #: Calls the gateway made outside any case: read-only ones (start-up listings) and strays.
        self.background: list[UpstreamCall] = []
        self.strays: list[UpstreamCall] = []
        self._prepared: Prepared | ContractsError | None = None
        self._started: Contracts | None = None

    def __repr__(self) -> str:
        return f"ContractsSession({len(self.results)} results)"

    # -- collection -----------------------------------------------------------------------------------
    def prepare(self) -> Prepared:
        """Read the data once; bad data is the user's to fix: a ContractsError naming it (also on later calls)."""
        if self._prepared is None:
            try:
                self._prepared = self._read()
            except ContractsError as exc:
                self._prepared = exc
        if isinstance(self._prepared, ContractsError):
            raise self._prepared
        return self._prepared

    def routes(self) -> list[str]:
        """The selected routes with a usable deployment (for companion suites that parametrize by route)."""
        return self.prepare().routes

    def _read(self) -> Prepared:
        settings = self.settings
        catalogue = load_catalogue(settings.schemas / "providers")
        cassettes = discover(settings.cassettes)
        plan = load_deployments(catalogue, settings.litellm_config)
        adapter = gateways.get(self.gateway_name)
        routing = adapter.route_table(settings.schemas, catalogue.providers)
        if routing is not None:
            routing.apply(plan, adapter.title)
        cases = self._cases(cassettes, plan)
        all_ids = frozenset(f"{c.id}-{d.route}" for c in cassettes for d in plan.deployments)
        return Prepared(catalogue, plan, routing, cases, all_ids)

    def _cases(self, cassettes: list[Cassette], plan: GatewayPlan) -> tuple[Case, ...]:
        providers, routes = self.settings.providers, self.settings.routes
        chosen: dict[str, tuple[Provider | None, str | None]] = {}
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
        shard = self.settings.shard
        if shard is not None:
            if shard.count > len(chosen):
                raise GatewayError(
                    f"--contracts-shard {shard}: the run selects only {len(chosen)} routes, so shard "
                    f"{shard.count} would have none; use at most {len(chosen)} shards"
                )
            mine = set(partition(list(chosen), shard.count)[shard.index - 1])
            chosen = {route: chosen[route] for route in chosen if route in mine}
        return tuple(
            Case(cassette, route, provider, skipped)
            for cassette in cassettes
            for route, (provider, skipped) in chosen.items()
        )

    # -- the started session --------------------------------------------------------------------------
    def start(self, workdir: Path) -> Contracts:
        """Start the mocks and the gateway's processes, load expectations, and queue every selected case."""
        prepared = self.prepare()
        settings = self.settings
        with contextlib.ExitStack() as undo:
            fleet = MockFleet(prepared.catalogue)
            undo.callback(fleet.close)
            api_bases = {
                d.slug: fleet.register(d.slug, d.provider, d.route)
                for d in prepared.plan.deployments
                if d.provider is not None and d.skipped is None
            }
            adapter = gateways.get(self.gateway_name)
            selected = [case for case in self.selected if case.skipped is None]
            # Without contract cases (companion suites only), the processes serve the selected routes.
            routes = list(dict.fromkeys(case.route for case in selected)) or prepared.routes
            gateway = GatewayPool(
                adapter,
                adapter.find(settings.gateway_bin),
                workdir,
                prepared.plan,
                processes=gateway_processes(settings.gateway_processes, len(routes), len(selected), worker=self.worker),
                startup_timeout=settings.startup_timeout,
                routing=prepared.routing,
                first=routes,
            )
            gateway.configure(lambda d: api_bases[d.slug])
            self.gateway_processes = len(gateway.members)
            self.notes = prepared.plan.notes
            release = gateway.release
            self.gateway_info = {
                "kind": gateway.kind,
                "package": release.package,
                "version": release.version,
                "config": prepared.plan.source,
            }
            if settings.baseline is not None:
                self.gateway_info["baseline"] = settings.baseline
            expectations = self._load_expectations(gateway)
            self.expectations = expectations
            stale = expectations.stale(prepared.all_case_ids)
            if stale and not settings.update_expectations:
                raise ExpectationsError(
                    f"{expectations.path}: entries match no case of this configuration: "
                    f"{', '.join(stale[:10])}{' ...' if len(stale) > 10 else ''}"
                )
            undo.callback(gateway.stop)
            gateway.start()
            translations = Translations.load(settings.schemas / "translations.yaml")
            runner = CaseRunner(
                gateway,
                fleet,
                translations,
                concurrency=settings.concurrency,
                request_timeout=settings.request_timeout,
            )
            undo.pop_all()
        self._started = Contracts(self, prepared, gateway, fleet, runner, expectations)
        if not self.worker:
            runner.schedule(self.selected)
        return self._started

    def _load_expectations(self, gateway: GatewayPool) -> Expectations:
        """The file that judges this run (see ``core.expectations.locate``), or none, said loudly."""
        settings = self.settings
        if settings.expectations_off:
            return Expectations(None)
        own = settings.expectations
        if own is not None and not own.is_file() and not settings.update_expectations:
            raise ExpectationsError(f"--contracts-expectations: no such file: {own}")
        if settings.baseline is None and (own is not None or settings.litellm_config is not None):
            return Expectations.load(own)  # your file, or with your own config none unless you name one
        lookup = locate(settings.data.expectations, self.gateway_name, gateway.release, settings.baseline)
        found = Expectations.load(lookup.path)
        if own is not None:  # --contracts-update-expectations writes your file, starting from the baseline's
            return Expectations.load(own).under(found)
        if lookup.path is None:
            if settings.update_expectations:
                if gateway.release.fork:
                    raise ExpectationsError(
                        f"{gateway.release} is not an upstream release: write your own file with "
                        "--contracts-expectations FILE (add --contracts-baseline VERSION to start from its reasons)"
                    )
                return Expectations(expectations_file(settings.data.expectations, self.gateway_name, gateway.version))
            self.notice = self._no_expectations(gateway, lookup.nearest)
            warnings.warn(ExpectationsWarning(self.notice), stacklevel=2)
        return found

    def _no_expectations(self, gateway: GatewayPool, nearest: str | None) -> str:
        release = gateway.release
        what = f"{release} is a fork of {release.upstream}" if release.fork else f"no expectations for {release}"
        advice = (
            f"compare it with the release it is based on: --contracts-baseline VERSION (nearest with "
            f"expectations: {nearest})"
            if nearest
            else "the suite has no expectations for this gateway"
        )
        return (
            f"{what}: no expectations file applies, so every known failure of {gateway.title} counts as a "
            f"failure; {advice}, or write your own file (--contracts-expectations FILE "
            "--contracts-update-expectations)"
        )

    def stop(self) -> None:
        """Stop whatever :meth:`start` started, keeping what the summary reports."""
        if self._started is not None:
            self.background, self.strays = self._started.calls_outside_cases()
            self._started.close()
            self._started = None

    # -- the end of the run ---------------------------------------------------------------------------
    def worker_output(self) -> str:
        """An xdist worker's results, for the controller (each worker runs its own gateway and mocks)."""
        path = self.expectations.path if self.expectations is not None else None
        return json.dumps(
            {
                "gateway": self.gateway_info,
                "gateway_name": self.gateway_name,
                "expectations": str(path) if path else "",
                "notice": self.notice,
                "results": [result.as_dict() for result in self.results],
            }
        )

    def merge_worker(self, output: str) -> None:
        """On the xdist controller: take a finished worker's results."""
        data = json.loads(output)
        self.results.extend(CaseResult.from_dict(item) for item in data["results"])
        self.gateway_info = self.gateway_info or data["gateway"]
        self.gateway_name = data.get("gateway_name", self.gateway_name)
        self.notice = self.notice or data.get("notice", "")
        if self.expectations is None:
            path = data["expectations"]
            self.expectations = Expectations.load(Path(path)) if path else Expectations(None)

    def finish(self) -> None:
        """Write results.json and the reports, and, when asked, rewrite the expectations file."""
        if not self.results:
            return
        if self.settings.report is not None:
            write_reports(self.settings.report, self.gateway_info, self.results)
        if self.settings.update_expectations and self.expectations is not None and self.expectations.path:
            info = self.gateway_info
            header = self.expectations.header or {
                "gateway": info.get("kind"),
                **{key: info[key] for key in ("package", "version", "baseline") if key in info},
            }
            rewrite(self.expectations.path, self.results, self.expectations, header)

    def summary(self) -> list[str]:
        """The terminal summary: verdict counts, config notes, calls outside cases, where the report went."""
        if not self.results:
            return []
        counts: dict[str, int] = {}
        for result in self.results:
            counts[result.verdict.value] = counts.get(result.verdict.value, 0) + 1
        gateway = self.gateway_info
        document = {"gateway": gateway, "cases": [r.as_dict() for r in self.results]}
        processes = f", {self.gateway_processes} processes" if self.gateway_processes > 1 else ""
        lines = [
            f"gateway: {title(document)} ({gateway.get('kind')}; config: {gateway.get('config')}){processes}",
            "verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
            route_summary(document),
        ]
        path = self.expectations.path if self.expectations is not None else None
        if path is not None:
            baseline = f" (baseline {gateway['baseline']})" if gateway.get("baseline") else ""
            lines.append(f"expectations: {path}{baseline}")
        if self.settings.fail_on == FailOn.REJECTED:
            lines.append("fail on: rejected (only findings that break Codex fail the run; the others are xfails)")
        if self.notice:
            lines.append(f"WARNING: {self.notice}")
        lines += [f"config: {note}" for note in sorted(set(self.notes))]
        if self.background:
            calls = sorted({f"{call.method} {call.path}" for call in self.background})
            lines.append(f"gateway background calls (outside cases): {len(self.background)}: {', '.join(calls)}")
        if self.strays:
            lines.append(f"warning: {len(self.strays)} upstream calls arrived outside any case:")
            lines += [f"  {c.method} {c.path} for route {c.route or '?'} -> {c.status}" for c in self.strays[:5]]
        if self.settings.report is not None:
            lines.append(f"report: {self.settings.report / 'results.json'}")
        return lines
