"""Running cases: replay each cassette's requests through the gateway, concurrently across routes.

A case is one cassette replayed against one route. Cases of the same route run one after another
(that is what makes the mocks' per-route recordings belong to exactly one case); different routes run
in parallel, which hides the suite's own overhead behind the gateway's latency.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from .cassettes import Cassette
from .catalogue import Provider
from .mocks import MockFleet
from .sse import iter_sse
from .verdict import CaseResult, Exchange, Finding, Translations, judge_exchange, verdict_of


@dataclass(frozen=True)
class RouteAddress:
    """How a Codex request reaches one route through a gateway."""

    #: The gateway's root URL; Codex's ``base_url`` is this plus ``/v1``.
    base_url: str
    #: The request's ``model``.
    model: str
    #: Extra request headers (what a Codex provider's ``http_headers`` would set).
    headers: Mapping[str, str] = field(default_factory=dict)


class Target(Protocol):
    """What the runner sends cases to: a started gateway (or a stand-in such as the faulty gateway)."""

    api_key: str

    def address(self, route: str) -> RouteAddress:
        """Where and how requests for ``route`` go."""

    def alive(self) -> bool:
        """Whether the gateway process still runs."""


@dataclass(frozen=True)
class Case:
    """One cassette against one route (a gateway ``model_name``)."""

    cassette: Cassette
    route: str
    provider: Provider | None
    skipped: str | None = None

    def __repr__(self) -> str:
        # pytest renders fixture values in failure reports; a cassette is tens of kilobytes.
        return f"Case({self.id!r})"

    @property
    def id(self) -> str:
        """``codex-<version>/<scenario>-<route>``."""
        return f"{self.cassette.id}-{self.route}"

    def nonce(self, index: int) -> str:
        """A short deterministic tag the mock puts in its reply, to prove that reply reached Codex."""
        return "cgc" + hashlib.sha256(f"{self.id}#{index}".encode()).hexdigest()[:10]


class CaseRunner:
    """Sends cases to a gateway (each request to the path Codex used) and judges them; one worker per route."""

    def __init__(
        self,
        target: Target,
        fleet: MockFleet,
        translations: Translations,
        concurrency: int = 8,
        request_timeout: float = 60.0,
        upstream_delay: float = 0.0,
    ) -> None:
        self.target = target
        self.fleet = fleet
        self.translations = translations
        self.request_timeout = request_timeout
        self.upstream_delay = upstream_delay
        self._pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="case")
        self._futures: dict[str, Future[CaseResult]] = {}
        self._lock = threading.Lock()
        self._route_locks: dict[str, threading.Lock] = {}
        self._client = httpx.Client(
            timeout=httpx.Timeout(request_timeout, connect=5.0),
            trust_env=False,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )

    def schedule(self, cases: Iterable[Case]) -> None:
        """Queue cases (idempotent); each route's cases run in the given order on one worker."""
        by_route: dict[str, list[tuple[Case, Future[CaseResult]]]] = {}
        with self._lock:
            for case in cases:
                if case.id in self._futures or case.skipped is not None:
                    continue
                future: Future[CaseResult] = Future()
                self._futures[case.id] = future
                by_route.setdefault(case.route, []).append((case, future))
        for queue in by_route.values():
            self._pool.submit(self._run_queue, queue)

    def result(self, case: Case, timeout: float | None = None) -> CaseResult:
        """The judged case, scheduling it first if nobody has."""
        self.schedule([case])
        return self._futures[case.id].result(timeout=timeout)

    @contextlib.contextmanager
    def holding(self, route: str) -> Iterator[None]:
        """No case of ``route`` runs while the block does (the route's mocks are someone else's)."""
        with self._route_lock(route):
            yield

    def _route_lock(self, route: str) -> threading.Lock:
        with self._lock:
            return self._route_locks.setdefault(route, threading.Lock())

    def close(self) -> None:
        """Stop the workers and the HTTP client."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._client.close()

    def _run_queue(self, queue: list[tuple[Case, Future[CaseResult]]]) -> None:
        for case, future in queue:
            if not future.set_running_or_notify_cancel():
                continue
            # Cases scheduled on demand make several queues for one route: they take turns.
            with self._route_lock(case.route):
                try:
                    future.set_result(self.run(case))
                except BaseException as exc:  # surfaced in the test that asks for this case
                    future.set_exception(exc)

    def run(self, case: Case) -> CaseResult:
        """Replay every request of the cassette in order and judge the whole case.

        Each request goes where Codex sent it: a turn to ``/v1/responses`` (streamed), Codex 0.130.0's
        remote compaction to ``/v1/responses/compact`` (JSON in and out).
        """
        exchanges: list[Exchange] = []
        findings: list[Finding] = []
        address = self.target.address(case.route)
        for interaction in case.cassette.interactions:
            body = {**interaction.body, "model": address.model}
            exchange = Exchange(interaction, body)
            with self.fleet.expecting(
                case.route, interaction.reply, case.nonce(interaction.index), delay=self.upstream_delay
            ):
                self._send(exchange, address, {**interaction.replay_headers(), **address.headers})
            exchange.calls = self.fleet.take(case.route)
            exchanges.append(exchange)
            findings.extend(judge_exchange(exchange, self.translations, interaction.index))
        endpoints = sorted({c.endpoint for e in exchanges for c in e.calls if c.endpoint})
        provider = case.provider.name if case.provider else "?"
        return CaseResult(
            id=case.id,
            cassette=case.cassette.id,
            provider=provider,
            route=case.route,
            endpoint=", ".join(endpoints) or "(none)",
            stream=bool(case.cassette.interactions[0].body.get("stream", False)),
            verdict=verdict_of(findings),
            findings=findings,
            exchanges=exchanges,
            remote_compaction=case.cassette.compacts_remotely,
        )

    def _send(self, exchange: Exchange, address: RouteAddress, codex_headers: Mapping[str, str]) -> None:
        headers = {
            **codex_headers,
            "authorization": f"Bearer {self.target.api_key}",
            "content-type": "application/json",
        }
        payload = json.dumps(exchange.sent_body, ensure_ascii=False).encode("utf-8")
        url = f"{address.base_url.rstrip('/')}{exchange.interaction.path}"
        for attempt in (1, 2):
            try:
                self._post(exchange, url, payload, headers)
            except httpx.TimeoutException:
                exchange.transport_error = (
                    f"the gateway did not finish answering within {self.request_timeout:.0f} s "
                    "(hung upstream or gateway?)"
                )
            except httpx.HTTPError as exc:
                dead = not self.target.alive()
                # A kept-alive connection the gateway closed just as the request went out: it never saw the
                # request, so no upstream call happened; send it once more, as clients do for this race.
                if attempt == 1 and not dead and _dropped_unanswered(exc, exchange):
                    continue
                cause = "the gateway process died" if dead else "the connection to the gateway failed"
                exchange.transport_error = f"{cause}: {type(exc).__name__}: {exc}"
            return

    def _post(self, exchange: Exchange, url: str, payload: bytes, headers: Mapping[str, str]) -> None:
        with self._client.stream("POST", url, content=payload, headers=headers) as r:
            exchange.status = r.status_code
            exchange.content_type = r.headers.get("content-type", "")
            if r.status_code == 200 and "text/event-stream" in exchange.content_type:
                exchange.events = list(iter_sse(r.iter_lines()))
            else:
                exchange.error_body = r.read().decode("utf-8", "replace")
                if r.status_code == 200 and "json" in exchange.content_type:
                    exchange.document = _json_or_none(exchange.error_body)


def _dropped_unanswered(exc: httpx.HTTPError, exchange: Exchange) -> bool:
    """The server closed the connection before sending any status line."""
    return isinstance(exc, httpx.RemoteProtocolError) and exchange.status == 0


def _json_or_none(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None
