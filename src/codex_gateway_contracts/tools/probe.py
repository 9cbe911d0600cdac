"""Ask the real provider what the catalogue assumes (``codex-contracts-probe``).

With a real API key in the environment, ``codex-contracts-probe --provider NAME
--endpoint KEY`` sends the provider a minimal valid request, then the same request plus one field at a
time (each Codex-relevant field the endpoint's schema does not define, and ``zz_unknown_probe``), and
records every answer as a VCR.py cassette under ``cassettes/probes/<provider>/<endpoint>/<field>.yaml``
with credentials scrubbed. The record modes are VCR.py's: ``once`` (default) replays what is recorded
and records only what is missing, ``new_episodes``, ``all`` and ``none`` as documented by VCR.py. The
summary tells an unknown-field rejection from an acceptance and compares each with the catalogue's
assumption, so a schema can be checked, and its evidence upgraded to a recorded answer.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import vcr
import vcr.errors
import yaml

from .. import wires
from ..core.catalogue import Endpoint, Provider, load_catalogue
from ..data import data_folders
from ..errors import CatalogueError

UNKNOWN_PROBE = "zz_unknown_probe"
# Codex-relevant fields and an OpenAI-valid value each (what Codex or a gateway bridge may send).
CODEX_FIELDS: dict[str, Any] = {
    "client_metadata": {"x-codex-installation-id": "codex-contracts-probe"},
    "stream_options": {"include_usage": True},
    "parallel_tool_calls": True,
    "prompt_cache_key": "codex-contracts-probe",
    "reasoning_effort": "low",
    "reasoning": {"effort": "low"},
    "web_search_options": {},
    "service_tier": "auto",
    "store": False,
    "include": ["reasoning.encrypted_content"],
    "text": {"verbosity": "low"},
    "metadata": {"probe": "codex-contracts"},
    "user": "codex-contracts-probe",
    "max_completion_tokens": 16,
    "safety_identifier": "codex-contracts-probe",
    UNKNOWN_PROBE: 1,
}
SCRUBBED_HEADERS = ("authorization", "api-key", "x-api-key", "x-goog-api-key", "cookie", "proxy-authorization")


@dataclass(frozen=True)
class Outcome:
    """What the provider answered to one probe, and what the catalogue expected."""

    field: str
    status: int
    body: str
    known: bool
    expected: str

    @property
    def answer(self) -> str:
        """The provider's answer: accepted, rejected, rejected-naming-field or server-error."""
        if 200 <= self.status < 300:
            return "accepted"
        if 400 <= self.status < 500:
            return "rejected-naming-field" if self.field in self.body else "rejected"
        return "server-error"

    @property
    def agrees(self) -> bool:
        """The answer matches the catalogue (accepted for known fields, the policy for unknown ones)."""
        return (self.answer == "accepted") == (self.expected == "accepted")


def _expected(provider: Provider, known: bool) -> str:
    if known or provider.unknown_policy == "ignore":
        return "accepted"
    return "rejected"


def _known_fields(endpoint: Endpoint) -> set[str]:
    schema = json.loads(endpoint.schema_file.read_text(encoding="utf-8"))
    return set(schema.get("properties") or {})


def _recorder(directory: Path, record_mode: str) -> vcr.VCR:
    return vcr.VCR(
        cassette_library_dir=str(directory),
        record_mode=record_mode,
        filter_headers=list(SCRUBBED_HEADERS),
        filter_query_parameters=["key", "api-key"],
        match_on=["method", "scheme", "host", "port", "path", "query", "body"],
        before_record_response=_scrub_response,
        decode_compressed_response=True,
    )


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() in {"set-cookie", "authorization"}:
            headers.pop(name)
    return response


def probe(
    provider: Provider,
    endpoint: Endpoint,
    base_url: str,
    key: str,
    cassettes: Path,
    fields: Mapping[str, Any],
    model: str,
    record_mode: str = "once",
    timeout: float = 60.0,
) -> list[Outcome]:
    """Send the baseline and one request per field; every exchange goes through a VCR.py cassette."""
    wire = wires.get(endpoint.wire)
    path = provider.request_path(endpoint, model)
    url = base_url.rstrip("/") + path
    directory = cassettes / provider.name / endpoint.key
    recorder = _recorder(directory, record_mode)
    known = _known_fields(endpoint)
    headers = {"content-type": "application/json", **wire.auth_headers(key)}
    outcomes: list[Outcome] = []
    with httpx.Client(timeout=timeout, trust_env=False) as client:
        for name, value in [("baseline", None), *fields.items()]:
            body = wire.minimal_request(model)
            if name != "baseline":
                body[name] = value
            with recorder.use_cassette(f"{_slug(name)}.yaml"):
                response = client.post(url, content=json.dumps(body).encode(), headers=headers)
            is_known = name == "baseline" or name in known
            outcomes.append(Outcome(name, response.status_code, response.text, is_known, _expected(provider, is_known)))
    return outcomes


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name)


def default_fields(endpoint: Endpoint) -> dict[str, Any]:
    """Every Codex-relevant field the endpoint's schema does not define, plus ``zz_unknown_probe``."""
    known = _known_fields(endpoint)
    return {name: value for name, value in CODEX_FIELDS.items() if name not in known or name == UNKNOWN_PROBE}


def _field_arguments(values: Sequence[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for raw in values:
        name, sep, value = raw.partition("=")
        if sep:
            fields[name] = json.loads(value)
        elif name in CODEX_FIELDS:
            fields[name] = CODEX_FIELDS[name]
        else:
            raise ValueError(f"--field {name}: no default value; pass {name}=<json>")
    return fields


def summary(provider: Provider, endpoint: Endpoint, outcomes: Sequence[Outcome]) -> str:
    """One line per probe: the answer, what the catalogue assumes, and whether they agree."""
    lines = [
        f"{endpoint.name} (catalogue: unknown fields {provider.unknown_policy}"
        f"{'' if provider.unknown_verified else ', unverified'})"
    ]
    for outcome in outcomes:
        kind = "baseline" if outcome.field == "baseline" else ("known" if outcome.known else "unknown")
        verdict = "agrees" if outcome.agrees else "DIFFERS from the catalogue"
        detail = "" if outcome.answer == "accepted" else f"  {outcome.body[:160]!r}"
        lines.append(f"  {outcome.field:24s} {kind:8s} HTTP {outcome.status} {outcome.answer:22s} {verdict}{detail}")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codex-contracts-probe",
        description="Probe a real provider endpoint field by field and record the answers as VCR.py cassettes.",
    )
    parser.add_argument("--provider", required=True, help="catalogue provider name (schemas/providers/NAME)")
    parser.add_argument("--endpoint", required=True, help="endpoint key in its provider.yaml (e.g. chat)")
    parser.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="F[=JSON]",
        help="probe only this field (repeatable); default: every schema-unknown Codex field",
    )
    parser.add_argument("--api-key-env", help="environment variable holding the key (default NAME_API_KEY)")
    parser.add_argument("--base-url", help="where the provider is (default: probe.base_url in provider.yaml)")
    parser.add_argument("--model", help="model id (default: the catalogue's default model)")
    parser.add_argument("--record-mode", default="once", choices=["once", "new_episodes", "all", "none"])
    data = data_folders()
    parser.add_argument("--cassettes", type=Path, default=data.probes, help="cassette folder (default: %(default)s)")
    parser.add_argument("--schemas", type=Path, default=data.schemas, help="schemas folder (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Exit 0 when every answer agrees with the catalogue, 1 when one differs, 2 on a usage error."""
    args = _parser().parse_args(argv)
    try:
        provider = load_catalogue(args.schemas / "providers").get(args.provider)
        endpoint = next((e for e in provider.endpoints if e.key == args.endpoint), None)
        if endpoint is None:
            raise CatalogueError(
                f"{provider.name} has no endpoint {args.endpoint!r}; "
                f"known: {', '.join(e.key for e in provider.endpoints)}"
            )
        fields = _field_arguments(args.field) if args.field else default_fields(endpoint)
    except (CatalogueError, KeyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    variable = args.api_key_env or f"{provider.name.upper()}_API_KEY"
    key = os.environ.get(variable)
    if not key:
        print(f"error: set {variable} (or pass --api-key-env) to probe {provider.name}", file=sys.stderr)
        return 2
    base_url = args.base_url or str((provider_probe_settings(provider)).get("base_url") or "")
    if not base_url:
        print(f"error: pass --base-url (no probe.base_url in {provider.folder / 'provider.yaml'})", file=sys.stderr)
        return 2
    try:
        outcomes = probe(
            provider,
            endpoint,
            base_url,
            key,
            args.cassettes,
            fields,
            args.model or provider.litellm_model,
            args.record_mode,
            args.timeout,
        )
    except (httpx.HTTPError, CatalogueError, vcr.errors.CannotOverwriteExistingCassetteException) as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(summary(provider, endpoint, outcomes))
    print(f"cassettes: {(args.cassettes / provider.name / endpoint.key).resolve()}")
    if outcomes[0].answer != "accepted":
        print("the minimal request itself was refused: fix the key, model or base URL first", file=sys.stderr)
        return 2
    return 0 if all(o.agrees for o in outcomes) else 1


def provider_probe_settings(provider: Provider) -> dict[str, Any]:
    """The optional ``probe:`` section of provider.yaml (base_url of the real service)."""
    spec = yaml.safe_load((provider.folder / "provider.yaml").read_text(encoding="utf-8")) or {}
    settings = spec.get("probe") or {}
    return dict(settings) if isinstance(settings, dict) else {}


if __name__ == "__main__":
    sys.exit(main())
