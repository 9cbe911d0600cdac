"""How a gateway reaches each of the catalogue's default deployments: data, in the provider's own folder.

Each ``schemas/providers/<name>/provider.yaml`` has a ``gateways:`` section: per gateway besides LiteLLM and
per deployment (``main``, or a variant suffix such as ``chat``), what the adapter writes into the gateway's
config (a Portkey provider id, an llm-rosetta provider type, ...), or ``skip: <reason>`` when the gateway cannot
route it. ``schemas/gateways/<gateway>.yaml`` holds what is the same for every provider: ``defaults`` merged
into each entry, and ``reasons`` a ``skip`` may name by key. Adding a provider is adding its folder; a
deployment without an entry is skipped with a reason naming the file, so it can never count as passed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..core.catalogue import Provider
from ..core.deployments import Deployment, GatewayPlan
from ..errors import CatalogueError

MAIN = "main"
#: Keys every entry may have; everything else is the adapter's own (``options``).
COMMON_KEYS = frozenset({"skip", "path", "model", "note"})
_REASON_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class RouteEntry:
    """What a gateway needs for one deployment: the adapter's options, or why it cannot route it."""

    options: Mapping[str, Any] = field(default_factory=dict)
    #: The gateway's reason it cannot serve the deployment (the case is ``skipped`` with it).
    skip: str | None = None
    #: Appended to the mock's base URL (Azure's ``/openai/v1``).
    path: str = ""
    #: The model the provider gets (default: the catalogue's model).
    model: str | None = None
    #: What the data's author measured or expects (documentation only).
    note: str = ""


def variant_of(deployment: Deployment) -> str | None:
    """``main`` for a provider's default deployment, its suffix for a variant, None for any other route."""
    provider = deployment.provider
    if provider is None:
        return None
    if deployment.route == provider.route:
        return MAIN
    for variant in provider.variants:
        if deployment.route == f"{provider.route}-{variant['suffix']}":
            return str(variant["suffix"])
    return None


def deployment_keys(provider: Provider) -> list[str]:
    """The keys of a provider's ``gateways.<name>`` section: ``main`` and each variant suffix."""
    return [MAIN, *(str(v["suffix"]) for v in provider.variants)]


@dataclass(frozen=True)
class RouteTable:
    """One gateway's entries, by provider name and deployment variant."""

    gateway: str
    path: Path
    entries: Mapping[tuple[str, str], RouteEntry]
    #: Where each provider's entries come from (for messages).
    sources: Mapping[str, Path] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, gateway: str, providers: Iterable[Provider]) -> RouteTable:
        """Read the gateway's file (defaults, reasons) and every provider's ``gateways.<gateway>`` section."""
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise CatalogueError(f"{path}: cannot read the {gateway} route defaults ({exc})") from exc
        except yaml.YAMLError as exc:
            raise CatalogueError(f"{path}: not YAML: {exc}") from exc
        if not isinstance(raw, dict):
            raise CatalogueError(f"{path}: expected a mapping (defaults, reasons)")
        defaults, reasons = raw.get("defaults") or {}, raw.get("reasons") or {}
        entries: dict[tuple[str, str], RouteEntry] = {}
        sources: dict[str, Path] = {}
        for provider in providers:
            source = provider.folder / "provider.yaml"
            sources[provider.name] = source
            section = provider.gateways.get(gateway)
            if section is None:
                continue
            if not isinstance(section, dict):
                raise CatalogueError(f"{source}: gateways.{gateway} must map deployments ('main', variants)")
            for variant, spec in section.items():
                where = f"{source}: gateways.{gateway}.{variant}"
                if str(variant) not in deployment_keys(provider):
                    raise CatalogueError(f"{where}: no such deployment (one of {', '.join(deployment_keys(provider))})")
                entries[(provider.name, str(variant))] = _entry(where, defaults, reasons, spec)
        return cls(gateway, path, entries, sources)

    def entry(self, deployment: Deployment) -> RouteEntry:
        """The entry for a deployment (a ``skip`` entry when there is none)."""
        provider = deployment.provider
        variant = variant_of(deployment)
        if provider is None or variant is None:
            return RouteEntry(skip=f"{deployment.route} is not a default deployment of the provider catalogue")
        found = self.entries.get((provider.name, variant))
        if found is None:
            source = self.sources.get(provider.name, Path(provider.name))
            return RouteEntry(skip=f"{source} has no gateways.{self.gateway}.{variant} entry")
        return found

    def missing(self, providers: Iterable[Provider]) -> list[str]:
        """``provider.variant`` of every catalogue deployment without an entry for this gateway."""
        return [
            f"{provider.name}.{variant}"
            for provider in providers
            for variant in deployment_keys(provider)
            if (provider.name, variant) not in self.entries
        ]

    def apply(self, plan: GatewayPlan, title: str) -> None:
        """Mark each deployment the gateway cannot route as skipped, with the gateway's reason."""
        for deployment in plan.deployments:
            if deployment.skipped is None:
                reason = self.entry(deployment).skip
                if reason is not None:
                    deployment.skipped = f"{title} cannot route it: {reason}"


def _entry(where: str, defaults: Mapping[str, Any], reasons: Mapping[str, Any], spec: Any) -> RouteEntry:
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise CatalogueError(f"{where} must be a mapping (options, or skip: reason)")
    if "skip" in spec:
        reason = spec["skip"]
        if not isinstance(reason, str) or not reason.strip():
            raise CatalogueError(f"{where}.skip must say why the gateway cannot route it")
        if _REASON_KEY.match(reason):
            if reason not in reasons:
                raise CatalogueError(f"{where}.skip: no reason {reason!r} (known: {', '.join(reasons) or 'none'})")
            reason = str(reasons[reason])
        return RouteEntry(skip=" ".join(reason.split()), note=str(spec.get("note", "")))
    merged = {**defaults, **spec}
    return RouteEntry(
        options={k: v for k, v in merged.items() if k not in COMMON_KEYS},
        path=str(merged.get("path", "")),
        model=str(merged["model"]) if merged.get("model") else None,
        note=str(merged.get("note", "")),
    )
