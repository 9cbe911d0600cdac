"""The provider catalogue: what each provider endpoint accepts, how it refuses, how it answers.

Everything here is read from ``schemas/providers/<name>/`` so that adding a provider is adding files.
A schema violation is split in two kinds because they lead to different verdicts: a field the
provider does not define (``unknown``: a leak) and a known field with a value the provider refuses
(``value``: an upstream rejection).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import yaml
from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import SchemaError

from .. import wires
from ..errors import CatalogueError

UNKNOWN_VALIDATORS = frozenset({"additionalProperties", "unevaluatedProperties"})


@dataclass(frozen=True)
class Violation:
    """One reason a body breaks an endpoint schema, with the JSON path as the provider would print it."""

    kind: Literal["unknown", "value"]
    path: tuple[str | int, ...]
    message: str

    def dotted(self, style: str = "brackets") -> str:
        """Render the path ``input[4].action`` (brackets, OpenAI) or ``input.4.action`` (dots, Anthropic)."""
        return format_path(self.path, style)


def format_path(path: Iterable[str | int], style: str = "brackets") -> str:
    """Format a JSON path the way a provider's error message does."""
    out = ""
    for part in path:
        if isinstance(part, int) and style == "brackets":
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@dataclass(frozen=True)
class ErrorTemplate:
    """How a provider answers a violation: status and an envelope with ``{path}``/``{detail}`` holes.

    The envelope is JSON, or a plain text (a ``str`` body, sent as ``content_type``) for the providers
    whose web server answers an unknown path in text (Ollama's ``404 page not found``).
    """

    status: int
    body: Any
    path_style: str = "brackets"
    content_type: str = "application/json"

    def render(self, path: str, detail: str) -> Any:
        """Fill the holes; everything else in the envelope is kept verbatim."""
        return self.fill({"{path}": path, "{detail}": detail})

    def fill(self, holes: Mapping[str, str]) -> Any:
        """The envelope with each hole (``{path}``, ``{method}``, ...) replaced."""
        return _fill(self.body, holes)


#: A provider folder without ``not_found``: OpenAI's answer to a path it does not serve (H:
#: swordintent/chatgpt-web-api#11, verbatim ``{"error": {"message": "Invalid URL (POST /v1/chat/completions)",
#: "type": "invalid_request_error", "param": null, "code": null}}``), what most OpenAI-compatible servers copy.
DEFAULT_NOT_FOUND = ErrorTemplate(
    404,
    {
        "error": {
            "message": "Invalid URL ({method} {path})",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    },
)


def _fill(node: Any, holes: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        for hole, value in holes.items():
            node = node.replace(hole, value)
        return node
    if isinstance(node, list):
        return [_fill(item, holes) for item in node]
    if isinstance(node, dict):
        return {key: _fill(value, holes) for key, value in node.items()}
    return node


@dataclass(frozen=True)
class Endpoint:
    """One API a gateway may call for a provider, with its schema, refusals and reply quirks."""

    provider: str
    key: str
    path_pattern: re.Pattern[str]
    schema_file: Path
    validator: Draft202012Validator
    wire: str
    unknown_field_error: ErrorTemplate | None
    invalid_value_error: ErrorTemplate
    reply: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """``provider/endpoint``, the name used in reports."""
        return f"{self.provider}/{self.key}"

    def violations(self, body: Any) -> list[Violation]:
        """All schema violations, unknown fields expanded to one per offending property."""
        found: list[Violation] = []
        for error in sorted(self.validator.iter_errors(body), key=_error_order):
            found.extend(_classify(error))
        return _dedupe(found)


def _error_order(error: ValidationError) -> tuple[str, ...]:
    return tuple(str(part) for part in error.absolute_path)


def _classify(error: ValidationError) -> Iterator[Violation]:
    # Combinators (if/then, anyOf, oneOf) hide the precise reason in their context; surface it.
    if error.validator in {"anyOf", "oneOf"} and error.context:
        best = _best_branch(error.context)
        for sub in best:
            yield from _classify(sub)
        return
    base = tuple(error.absolute_path)
    if error.validator in UNKNOWN_VALIDATORS:
        instance = error.instance if isinstance(error.instance, dict) else {}
        allowed = _allowed_keys(error.schema)
        extras = [key for key in instance if key not in allowed] or ["?"]
        for key in extras:
            yield Violation("unknown", (*base, key), f"{format_path((*base, key))} is not a known field")
        return
    yield Violation("value", base, error.message)


def _best_branch(context: list[ValidationError]) -> list[ValidationError]:
    # Group the errors by branch and keep the branch that got furthest (fewest, deepest errors).
    branches: dict[int, list[ValidationError]] = {}
    for sub in context:
        index = sub.schema_path[0] if sub.schema_path else 0
        branches.setdefault(int(index) if isinstance(index, int) else 0, []).append(sub)
    return min(branches.values(), key=lambda errs: (len(errs), -max(len(e.absolute_path) for e in errs)))


def _allowed_keys(schema: Any) -> set[str]:
    if not isinstance(schema, dict):
        return set()
    keys = set(schema.get("properties", {}))
    for branch_key in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(branch_key, []):
            keys |= _allowed_keys(branch)
    for branch_key in ("then", "else"):
        keys |= _allowed_keys(schema.get(branch_key))
    return keys


def _dedupe(items: list[Violation]) -> list[Violation]:
    seen: set[tuple[str, tuple[str | int, ...]]] = set()
    out = []
    for item in items:
        if (item.kind, item.path) not in seen:
            seen.add((item.kind, item.path))
            out.append(item)
    return out


@dataclass(frozen=True)
class Provider:
    """A provider family: its LiteLLM prefix, default model, unknown-field policy and endpoints."""

    name: str
    title: str
    folder: Path
    litellm_prefix: str
    litellm_model: str
    litellm_params: Mapping[str, Any]
    route: str
    variants: tuple[Mapping[str, Any], ...]
    unknown_policy: Literal["reject", "ignore"]
    unknown_verified: bool
    endpoints: tuple[Endpoint, ...]
    #: How the provider answers a path none of its endpoints serves (holes ``{method}``, ``{path}``).
    not_found: ErrorTemplate = DEFAULT_NOT_FOUND
    #: How each gateway besides LiteLLM reaches its deployments (``gateways:``; read by ``gateways/routing.py``).
    gateways: Mapping[str, Any] = field(default_factory=dict)

    def endpoint_for(self, path: str) -> Endpoint | None:
        """The endpoint a request path (without the mock's routing prefix) is addressed to."""
        bare = path.split("?", 1)[0]
        for endpoint in self.endpoints:
            if endpoint.path_pattern.search(bare):
                return endpoint
        return None

    def request_path(self, endpoint: Endpoint, model: str) -> str:
        """A concrete path the endpoint's pattern matches, from its wire's canonical paths."""
        for candidate in wires.get(endpoint.wire).canonical_paths:
            path = candidate.format(model=quote(model, safe=""))
            if self.endpoint_for(path) is endpoint:
                return path
        raise CatalogueError(
            f"{endpoint.name}: no canonical {endpoint.wire} path matches {endpoint.path_pattern.pattern!r}"
        )


@dataclass(frozen=True)
class Catalogue:
    """All providers known to the suite, looked up by LiteLLM model prefix."""

    providers: tuple[Provider, ...]

    def get(self, name: str) -> Provider:
        """The provider called ``name``; KeyError names the known ones."""
        for provider in self.providers:
            if provider.name == name:
                return provider
        raise KeyError(f"unknown provider {name!r}; known: {', '.join(p.name for p in self.providers)}")

    def for_model(self, litellm_model: str) -> Provider | None:
        """The provider LiteLLM would call for ``prefix/model``; None when the suite does not know it."""
        prefix = litellm_model.split("/", 1)[0] if "/" in litellm_model else ""
        for provider in self.providers:
            if provider.litellm_prefix == prefix:
                return provider
        return None


def load_catalogue(root: Path) -> Catalogue:
    """Load every ``<root>/*/provider.yaml``; a broken folder fails loudly with its path."""
    if not root.is_dir():
        raise CatalogueError(f"provider catalogue folder not found: {root}")
    providers = [load_provider(folder) for folder in sorted(root.iterdir()) if (folder / "provider.yaml").is_file()]
    if not providers:
        raise CatalogueError(f"no provider.yaml under {root}")
    return Catalogue(tuple(providers))


def load_provider(folder: Path) -> Provider:
    """Load one provider folder and compile its schemas."""
    spec_file = folder / "provider.yaml"
    try:
        spec = yaml.safe_load(spec_file.read_text(encoding="utf-8"))
        litellm = spec["litellm"]
        unknown = spec["unknown_fields"]
        endpoints = tuple(
            _load_endpoint(folder, spec["name"], key, raw, unknown["policy"]) for key, raw in spec["endpoints"].items()
        )
        return Provider(
            name=spec["name"],
            title=spec.get("title", spec["name"]),
            folder=folder,
            litellm_prefix=litellm["prefix"],
            litellm_model=litellm["model"],
            litellm_params=dict(litellm.get("params") or {}),
            route=str(litellm.get("route") or f"{spec['name']}-{str(litellm['model']).rsplit('/', 1)[-1]}"),
            variants=tuple(litellm.get("variants") or ()),
            unknown_policy=unknown["policy"],
            unknown_verified=bool(unknown.get("verified", False)),
            endpoints=endpoints,
            not_found=_template(spec.get("not_found")) or DEFAULT_NOT_FOUND,
            gateways=dict(spec.get("gateways") or {}),
        )
    except CatalogueError:
        raise
    except (KeyError, TypeError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{spec_file}: malformed provider spec ({type(exc).__name__}: {exc})") from exc


def _load_endpoint(folder: Path, provider: str, key: str, raw: Mapping[str, Any], policy: str) -> Endpoint:
    schema_file = folder / raw["schema"]
    try:
        schema = json.loads(schema_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CatalogueError(f"{schema_file}: cannot read schema ({exc})") from exc
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = format_path(exc.absolute_path) or "<root>"
        raise CatalogueError(f"{schema_file}: not a valid Draft 2020-12 schema at {where}: {exc.message}") from exc
    wire = raw.get("wire")
    known = wires.keys()
    if wire not in known:
        raise CatalogueError(f"{folder / 'provider.yaml'}: endpoint {key!r} has wire {wire!r}; one of {known}")
    errors = raw.get("errors") or {}
    unknown_error = _template(errors.get("unknown_field")) if policy == "reject" else None
    if policy == "reject" and unknown_error is None:
        raise CatalogueError(f"{folder / 'provider.yaml'}: endpoint {key!r} rejects unknown fields but has no envelope")
    value_error = _template(errors.get("invalid_value"))
    if value_error is None:
        raise CatalogueError(f"{folder / 'provider.yaml'}: endpoint {key!r} lacks errors.invalid_value")
    return Endpoint(
        provider=provider,
        key=key,
        path_pattern=re.compile(raw["path"]),
        schema_file=schema_file,
        validator=Draft202012Validator(schema),
        wire=wire,
        unknown_field_error=unknown_error,
        invalid_value_error=value_error,
        reply=dict(raw.get("reply") or {}),
    )


def _template(raw: Mapping[str, Any] | None) -> ErrorTemplate | None:
    if not raw:
        return None
    return ErrorTemplate(
        status=int(raw["status"]),
        body=raw["body"],
        path_style=str(raw.get("path_style", "brackets")),
        content_type=str(raw.get("content_type", "application/json")),
    )
