"""Several processes of one gateway, the run's routes partitioned between them: what a session starts.

A :class:`GatewayPool` owns one adapter instance (one process) per part of the plan: every route is served
by exactly one process, ``address(route)`` points at it, and ``start``/``stop``/``alive``/``log_tail`` cover
them all. One part is the usual case (LiteLLM serves every route in one process); an adapter whose process
serves a limited number of routes (codex-relay: one upstream each) gets as many as it needs, and more
processes than that can be asked for (``--contracts-gateway-processes``) to use more cores: one LiteLLM
process is bound to about one core.

Attribution of upstream calls is unchanged by the split: each deployment keeps its own mock prefix
(``/d/<slug>``) and the runner still serialises the cases of a route, whichever process serves it.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path

from ..core import sockets
from ..core.deployments import Deployment, GatewayPlan
from ..core.releases import Release
from ..core.runner import RouteAddress
from ..errors import GatewayError
from .base import Gateway
from .routing import RouteTable


def partition(routes: Sequence[str], parts: int) -> list[list[str]]:
    """``routes`` dealt round-robin into ``min(parts, len(routes))`` groups, each in the routes' order.

    Deterministic, so two runs (or two machines sharding a run) split alike; round-robin keeps the groups'
    sizes within one of each other.
    """
    count = max(1, min(parts, len(routes)))
    return [list(routes[index::count]) for index in range(count)]


def subplan(plan: GatewayPlan, routes: Sequence[str]) -> GatewayPlan:
    """The plan's deployments of ``routes`` only, with the same settings; notes still go to the plan's list."""
    wanted = set(routes)
    return replace(plan, deployments=[d for d in plan.deployments if d.route in wanted], notes=plan.notes)


class GatewayPool:
    """One gateway adapter's processes, each serving a disjoint subset of the plan's routes."""

    def __init__(
        self,
        adapter: type[Gateway],
        executable: str,
        workdir: Path,
        plan: GatewayPlan,
        *,
        processes: int = 1,
        startup_timeout: float = 120.0,
        routing: RouteTable | None = None,
        first: Sequence[str] = (),
    ) -> None:
        self.adapter = adapter
        #: The adapter's registry name (``expectations/<name>-<version>.yaml``), results.json kind, message name.
        self.name, self.kind, self.title = adapter.name, adapter.kind, adapter.title
        self.startup_timeout = startup_timeout
        self.api_key = "sk-cgc-" + secrets.token_hex(24)
        # The routes the run selected are dealt first, so they spread evenly however many the config has.
        routes = [r for r in first if r in plan.routes] + [r for r in plan.routes if r not in first]
        per = adapter.routes_per_process
        parts = max(processes, math.ceil(len(routes) / per) if per else 1)
        groups = partition(routes, parts) if routes or per is None else []
        self.members: list[Gateway] = []
        self._plans: list[GatewayPlan] = []
        self._by_route: dict[str, Gateway] = {}

        def make(folder: Path, label: str | None) -> Gateway:
            return adapter(executable, folder, startup_timeout=startup_timeout, routing=routing, label=label)

        for number, group in enumerate(groups, start=1):
            if len(groups) == 1:
                member, member_plan = make(workdir, None), plan
            else:
                folder = workdir / f"{adapter.name}-{number}"
                folder.mkdir(parents=True, exist_ok=True)
                shown = ", ".join(group[:3]) + (f" +{len(group) - 3}" if len(group) > 3 else "")
                member, member_plan = make(folder, f"{adapter.title} #{number} of {len(groups)} ({shown})"), None
            member.api_key = self.api_key
            self.members.append(member)
            self._plans.append(member_plan or subplan(plan, group))
            self._by_route.update(dict.fromkeys(group, member))
        # The version is the executable's: any instance can read it, a started one or not.
        self._versioned = self.members[0] if self.members else make(workdir, None)

    # -- what the session and the runner use --------------------------------------------------------
    @cached_property
    def release(self) -> Release:
        """The installed release, package and version (every process runs the same executable), read once."""
        return self._versioned.release

    @property
    def version(self) -> str:
        """The gateway's version (the release's)."""
        release: Release = self.release
        return release.version

    @property
    def base_url(self) -> str:
        """The first process's root URL; a route's own is ``address(route).base_url``."""
        if not self.members:
            raise GatewayError(f"no {self.title} process runs: no route of this run is one it can serve")
        return self.members[0].base_url

    def configure(self, api_base_for: Callable[[Deployment], str]) -> None:
        """Write each process's config for its part of the plan."""
        for member, plan in zip(self.members, self._plans, strict=True):
            member.configure(plan, api_base_for)

    def member_for(self, route: str) -> Gateway:
        """The process that serves ``route``."""
        member = self._by_route.get(route)
        if member is None:
            if not self.members:
                raise GatewayError(f"no {self.title} process serves route {route!r}")
            return self.members[0]  # a route no process was configured for: the gateway's own answer
        return member

    def routes_of(self, member: Gateway) -> list[str]:
        """The routes one process serves."""
        return [route for route, owner in self._by_route.items() if owner is member]

    def address(self, route: str) -> RouteAddress:
        """Where and how a Codex request for ``route`` goes: the serving process's address."""
        return self.member_for(route).address(route)

    def start(self) -> None:
        """Launch every process, then wait for each (one shared, bounded deadline) and check its sockets."""
        deadline = time.monotonic() + self.startup_timeout
        try:
            for member in self.members:
                member.launch()
            for member in self.members:
                member.wait_ready(deadline)
                member.check_loopback()
        except GatewayError:
            self.stop()
            raise

    def alive(self) -> bool:
        """Every process still runs."""
        return all(member.alive() for member in self.members)

    def listeners(self) -> list[sockets.Listener]:
        """The listening sockets of every process group."""
        return [listener for member in self.members for listener in member.listeners()]

    def log_tail(self, lines: int = 40) -> str:
        """The log of the process that died (of each, when several did), else of every process."""
        if len(self.members) == 1:
            return self.members[0].log_tail(lines)
        dead = [member for member in self.members if not member.alive()]
        chosen = dead or self.members
        share = max(5, lines // max(1, len(chosen)))
        return "\n".join(
            f"{member.label}{' (exited)' if not member.alive() else ''}:\n{member.log_tail(share)}" for member in chosen
        )

    def stop(self) -> None:
        """Stop every process group."""
        for member in self.members:
            member.stop()

    def __repr__(self) -> str:
        return f"GatewayPool({self.adapter.name}, {len(self.members)} processes)"
