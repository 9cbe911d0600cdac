"""Add a provider in one command, and tell what a provider folder still lacks (``codex-contracts-new-provider``).

``codex-contracts-new-provider NAME --prefix P --model M --wire W`` writes
``schemas/providers/NAME/`` from the templates of that wire format: a provider.yaml and a starter schema
whose every piece of evidence reads ``TODO``. The folder loads and runs at once (the mock accepts a
minimal request), but ``audit`` (and so tests/test_catalogue.py) reports it incomplete until every TODO
is replaced by a source and a confidence. ``--check NAME`` prints what is left.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import yaml

from .. import gateways, wires
from ..core.catalogue import Provider, load_provider
from ..core.files import SNAKE_NAME
from ..data import data_folders
from ..errors import CatalogueError
from ..gateways.routing import deployment_keys

CONFIDENCES = frozenset({"H", "M", "L"})
TODO = "TODO"


def audit(folder: Path) -> list[str]:
    """Everything that keeps ``folder`` from being a complete, evidenced provider; empty when complete.

    Complete means: provider.yaml loads (schemas valid, wires known, envelopes present); the unknown-field
    policy, the answer to an unknown path (``not_found``), both error envelopes (``unknown_field`` required
    when the policy is reject) and the reply quirks of every endpoint carry evidence; every schema property
    carries ``x-evidence`` with a source and a confidence; every deployment has an entry for every gateway
    configured from the catalogue; and no evidence or entry still says TODO.
    """
    spec_file = folder / "provider.yaml"
    if not spec_file.is_file():
        return [f"{folder}: no provider.yaml"]
    try:
        spec = yaml.safe_load(spec_file.read_text(encoding="utf-8"))
        provider = load_provider(folder)
    except (CatalogueError, yaml.YAMLError) as exc:
        return [str(exc)]
    problems: list[str] = []
    where = spec_file.name
    if spec.get("name") != folder.name:
        problems.append(f"{where}: name {spec.get('name')!r} differs from the folder name {folder.name!r}")
    unknown = spec.get("unknown_fields") or {}
    if unknown.get("policy") not in {"reject", "ignore"}:
        problems.append(f"{where}: unknown_fields.policy must be reject or ignore")
    if str(unknown.get("confidence")) not in CONFIDENCES:
        problems.append(f"{where}: unknown_fields.confidence must be H, M or L")
    if not isinstance(unknown.get("verified"), bool):
        problems.append(f"{where}: unknown_fields.verified must be true or false (false marks reports unverified)")
    problems.extend(_text_evidence(unknown.get("evidence"), f"{where}: unknown_fields.evidence"))
    not_found = spec.get("not_found")
    if not isinstance(not_found, dict) or not isinstance(not_found.get("status"), int) or "body" not in not_found:
        problems.append(
            f"{where}: not_found needs a status and a body (the answer to a path the provider does not serve)"
        )
    else:
        problems.extend(_text_evidence(not_found.get("evidence"), f"{where}: not_found.evidence"))
    for key, raw in (spec.get("endpoints") or {}).items():
        at = f"{where}: endpoints.{key}"
        errors = raw.get("errors") or {}
        for kind in ("unknown_field", "invalid_value"):
            envelope = errors.get(kind)
            if envelope is None:
                if kind == "invalid_value" or unknown.get("policy") == "reject":
                    problems.append(f"{at}.errors.{kind} is missing")
                continue
            if not isinstance(envelope.get("status"), int) or envelope.get("body") is None:
                problems.append(f"{at}.errors.{kind} needs a status and a body")
            problems.extend(_text_evidence(envelope.get("evidence"), f"{at}.errors.{kind}.evidence"))
        reply = raw.get("reply")
        if not isinstance(reply, dict):
            problems.append(f"{at}.reply is missing (the success reply quirks, with evidence)")
        else:
            problems.extend(_text_evidence(reply.get("evidence"), f"{at}.reply.evidence"))
    problems.extend(gateway_problems(provider, where))
    for schema_file in sorted({endpoint.schema_file for endpoint in provider.endpoints}):
        schema = json.loads(schema_file.read_text(encoding="utf-8"))
        problems.extend(f"{schema_file.name}: {problem}" for problem in schema_evidence_problems(schema))
    return problems


def gateway_problems(provider: Provider, where: str) -> list[str]:
    """Deployments without an entry (or with a TODO one) for a gateway configured from the catalogue."""
    problems = []
    variants = deployment_keys(provider)
    for name in gateways.names():
        if not gateways.get(name).uses_route_table:
            continue
        section = provider.gateways.get(name) or {}
        for variant in variants:
            entry = section.get(variant) if isinstance(section, dict) else None
            if entry is None:
                problems.append(f"{where}: gateways.{name}.{variant} is missing (docs/gateways.md)")
            elif TODO in json.dumps(entry):
                problems.append(f"{where}: gateways.{name}.{variant} still says TODO")
    return problems


def _text_evidence(value: Any, where: str) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        return [f"{where} is missing"]
    if TODO in value:
        return [f"{where} still says TODO"]
    return []


def schema_evidence_problems(schema: Mapping[str, Any]) -> list[str]:
    """JSON paths (in the schema) of the root and of every property lacking proper ``x-evidence``."""
    problems = [f"<root>: {p}" for p in _evidence_problem(schema.get("x-evidence"))]
    for path, prop in _properties(schema, ""):
        evidence = prop.get("x-evidence") if isinstance(prop, Mapping) else None
        problems.extend(f"{path}: {p}" for p in _evidence_problem(evidence))
    return problems


def _evidence_problem(evidence: Any) -> list[str]:
    if not isinstance(evidence, Mapping):
        return ["no x-evidence"]
    problems = []
    source = evidence.get("source")
    if not isinstance(source, str) or not source.strip():
        problems.append("x-evidence has no source")
    elif TODO in source:
        problems.append("x-evidence source still says TODO")
    if evidence.get("confidence") not in CONFIDENCES:
        problems.append("x-evidence confidence must be H, M or L")
    return problems


def _properties(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "x-evidence":
                continue
            if key == "properties" and isinstance(value, Mapping):
                for name, prop in value.items():
                    yield f"{path}.properties.{name}", prop
                    yield from _properties(prop, f"{path}.properties.{name}")
            else:
                yield from _properties(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _properties(value, f"{path}[{index}]")


def _template(*parts: str) -> str:
    return resources.files("codex_gateway_contracts").joinpath("templates", *parts).read_text(encoding="utf-8")


def scaffold(root: Path, name: str, prefix: str, model: str, wire: str, route: str | None = None) -> Path:
    """Write ``root/name`` from the templates of ``wire``; refuses to touch an existing folder."""
    if not SNAKE_NAME.match(name):
        raise ValueError(f"provider name {name!r}: use lower-case letters, digits and underscores")
    known = wires.keys()
    if wire not in known:
        raise ValueError(f"wire {wire!r}: one of {', '.join(known)}")
    folder = root / name
    if folder.exists():
        raise FileExistsError(f"{folder} already exists; the scaffold never overwrites a provider")
    endpoints, schema = wires.get(wire).templates()
    endpoints = endpoints.rstrip("\n")
    spec = Template(_template("provider.yaml")).substitute(
        name=name,
        title=name,
        prefix=prefix,
        model=json.dumps(model),
        route=json.dumps(route or f"{name}-{model.rsplit('/', 1)[-1]}"),
        endpoints=endpoints,
    )
    schema_names = sorted(set(re.findall(r"^\s+schema: (\S+)$", endpoints, flags=re.MULTILINE)))
    folder.mkdir(parents=True)
    (folder / "provider.yaml").write_text(spec, encoding="utf-8")
    for schema_name in schema_names:
        (folder / schema_name).write_text(schema, encoding="utf-8")
    return folder


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codex-contracts-new-provider",
        description="Create schemas/providers/NAME from templates, or list what a provider folder still lacks.",
    )
    parser.add_argument("name", help="provider folder name (lower-case, e.g. together_ai)")
    parser.add_argument("--prefix", help="LiteLLM model prefix (the part before the first '/')")
    parser.add_argument("--model", help="default model id, as LiteLLM writes it after the prefix")
    parser.add_argument("--wire", choices=wires.keys(), help="wire format LiteLLM speaks to this provider")
    parser.add_argument("--route", help="model_name of the default deployment (default NAME-MODEL)")
    parser.add_argument(
        "--root",
        type=Path,
        default=data_folders().schemas / "providers",
        help="catalogue folder (default: %(default)s)",
    )
    parser.add_argument("--check", action="store_true", help="only audit an existing folder")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Scaffold (exit 0) or audit (exit 0 when complete, 1 when something is missing)."""
    args = _parser().parse_args(argv)
    if args.check:
        problems = audit(args.root / args.name)
        for problem in problems:
            print(problem)
        print(f"{args.name}: {'complete' if not problems else f'{len(problems)} things left'}")
        return 1 if problems else 0
    if not (args.prefix and args.model and args.wire):
        print("error: --prefix, --model and --wire are required to scaffold", file=sys.stderr)
        return 2
    try:
        folder = scaffold(args.root, args.name, args.prefix, args.model, args.wire, args.route)
    except (FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    left = audit(folder)
    print(f"created {folder} ({len(left)} TODOs to fill in; `--check {args.name}` lists them)")
    print("next: write the schema and evidence, then `pytest tests/test_catalogue.py` (see docs/providers.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
