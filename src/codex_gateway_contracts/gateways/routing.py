"""How a gateway reaches each of the catalogue's default deployments: data, one file per gateway.

``schemas/gateways/<gateway>.yaml`` maps every catalogue provider and deployment (``main``, or a variant
suffix such as ``chat``) to what the adapter writes into the gateway's own config (a Portkey provider id,
an llm-rosetta provider type, ...), or to ``skip: <the gateway's reason>`` when the gateway cannot route it.
Adding a provider or a gateway release is editing data, never the adapter; a deployment the file does not
list is skipped with a reason naming the file, so it can never count as passed.
"""

from __future__ import annotations

from collections.abc import Mapping
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


@dataclass(frozen=True)
class RouteTable:
    """One gateway's entries, by provider name and deployment variant."""

    gateway: str
    path: Path
    entries: Mapping[tuple[str, str], RouteEntry]
    header: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path, gateway: str) -> RouteTable:
        """Read ``path``; a malformed file is a CatalogueError naming the entry."""
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CatalogueError(f"{path}: cannot read the {gateway} route table ({exc})") from exc
        except yaml.YAMLError as exc:
            raise CatalogueError(f"{path}: not YAML: {exc}") from exc
        if not isinstance(raw, dict) or not isinstance(raw.get("providers"), dict):
            raise CatalogueError(f"{path}: expected a mapping with a 'providers' mapping")
        defaults = raw.get("defaults") or {}
        entries: dict[tuple[str, str], RouteEntry] = {}
        for provider, variants in raw["providers"].items():
            if not isinstance(variants, dict):
                raise CatalogueError(f"{path}: providers.{provider} must map deployments ('main', variants)")
            for variant, spec in variants.items():
                entries[(str(provider), str(variant))] = _entry(path, f"{provider}.{variant}", defaults, spec)
        header = {k: v for k, v in raw.items() if k not in {"providers", "defaults"}}
        return cls(gateway, path, entries, header)

    def entry(self, deployment: Deployment) -> RouteEntry:
        """The entry for a deployment (a ``skip`` entry when the table does not list it)."""
        provider = deployment.provider
        variant = variant_of(deployment)
        if provider is None or variant is None:
            return RouteEntry(skip=f"{deployment.route} is not a default deployment of the provider catalogue")
        found = self.entries.get((provider.name, variant))
        if found is None:
            return RouteEntry(skip=f"{self.path.name} has no entry for {provider.name}.{variant}")
        return found

    def missing(self, providers: tuple[Provider, ...]) -> list[str]:
        """``provider.variant`` of every catalogue deployment the table does not list."""
        wanted = [(p.name, MAIN) for p in providers]
        wanted += [(p.name, str(v["suffix"])) for p in providers for v in p.variants]
        return [f"{name}.{variant}" for name, variant in wanted if (name, variant) not in self.entries]

    def apply(self, plan: GatewayPlan, title: str) -> None:
        """Mark each deployment the gateway cannot route as skipped, with the gateway's reason."""
        for deployment in plan.deployments:
            if deployment.skipped is None:
                reason = self.entry(deployment).skip
                if reason is not None:
                    deployment.skipped = f"{title} cannot route it: {reason}"


def _entry(path: Path, where: str, defaults: Mapping[str, Any], spec: Any) -> RouteEntry:
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise CatalogueError(f"{path}: providers.{where} must be a mapping (options, or skip: reason)")
    if "skip" in spec:
        reason = spec["skip"]
        if not isinstance(reason, str) or not reason.strip():
            raise CatalogueError(f"{path}: providers.{where}.skip must say why the gateway cannot route it")
        return RouteEntry(skip=reason.strip(), note=str(spec.get("note", "")))
    merged = {**defaults, **spec}
    return RouteEntry(
        options={k: v for k, v in merged.items() if k not in COMMON_KEYS},
        path=str(merged.get("path", "")),
        model=str(merged["model"]) if merged.get("model") else None,
        note=str(merged.get("note", "")),
    )
