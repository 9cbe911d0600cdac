"""Deployments: the routes a run judges and the provider behind each, read from a proxy config or generated.

``load_deployments`` reads the user's proxy config (LiteLLM's ``model_list`` format, the lingua franca of
gateway configs) or generates one deployment per provider endpoint of the catalogue, without starting
anything, so pytest can collect one case per deployment. Each gateway adapter then turns the plan into its
own config with every provider address pointed at its mock (:mod:`codex_gateway_contracts.gateways`).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import GatewayError
from .catalogue import Catalogue, Provider


@dataclass
class Deployment:
    """One ``model_list`` entry: the route Codex addresses and the provider behind it."""

    index: int
    route: str
    litellm_model: str
    params: dict[str, Any]
    provider: Provider | None
    skipped: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        """A path-safe, unique name for the deployment's mock prefix."""
        return f"{self.index}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', self.route)}"


@dataclass
class GatewayPlan:
    """Deployments plus the settings sections of the config they came from."""

    deployments: list[Deployment]
    settings: dict[str, Any]
    source: str
    notes: list[str] = field(default_factory=list)

    @property
    def routes(self) -> list[str]:
        """Routes with at least one usable deployment, in config order."""
        seen: list[str] = []
        for d in self.deployments:
            if d.skipped is None and d.route not in seen:
                seen.append(d.route)
        return seen


def default_config(catalogue: Catalogue) -> dict[str, Any]:
    """A proxy config with one deployment per provider endpoint the catalogue knows.

    ``drop_params: true`` is set because it is how LiteLLM is run in front of Codex in practice
    (without it, LiteLLM itself refuses Codex's ``reasoning`` for most chat providers).
    """
    model_list = []
    for provider in catalogue.providers:
        for route, params in provider_deployments(provider):
            model_list.append({"model_name": route, "litellm_params": params})
    return {"model_list": model_list, "litellm_settings": {"drop_params": True}}


def provider_deployments(provider: Provider) -> list[tuple[str, dict[str, Any]]]:
    """The default deployments of a provider: its main one plus any per-endpoint variants."""
    base = {
        "model": f"{provider.litellm_prefix}/{provider.litellm_model}",
        **provider.litellm_params,
        "api_key": f"os.environ/{provider.name.upper()}_API_KEY",
    }
    out = [(provider.route, base)]
    for variant in provider.variants:
        out.append((f"{provider.route}-{variant['suffix']}", {**base, **variant.get("params", {})}))
    return out


def load_deployments(catalogue: Catalogue, config_file: Path | None) -> GatewayPlan:
    """Read a proxy config (or the default one) into deployments, without touching the network."""
    if config_file is None:
        raw, source = default_config(catalogue), "generated from the provider catalogue"
    else:
        try:
            raw = yaml.safe_load(config_file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise GatewayError(f"cannot read LiteLLM config {config_file}: {exc}") from exc
        source = str(config_file)
    if not isinstance(raw, dict) or not isinstance(raw.get("model_list"), list) or not raw["model_list"]:
        raise GatewayError(f"LiteLLM config {source} has no model_list entries")
    deployments = []
    for index, entry in enumerate(raw["model_list"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("litellm_params"), dict):
            raise GatewayError(f"{source}: model_list[{index}] has no litellm_params mapping")
        params = copy.deepcopy(entry["litellm_params"])
        model = str(params.get("model", ""))
        route = str(entry.get("model_name") or model)
        provider = catalogue.for_model(model)
        deployment = Deployment(index, route, model, params, provider)
        if provider is None:
            prefix = model.split("/", 1)[0] if "/" in model else "(no prefix)"
            known = ", ".join(sorted(p.litellm_prefix for p in catalogue.providers))
            deployment.skipped = f"provider {prefix!r} of model {model!r} is not in the catalogue (known: {known})"
        deployments.append(deployment)
    settings = {key: copy.deepcopy(value) for key, value in raw.items() if key != "model_list"}
    return GatewayPlan(deployments, settings, source)
