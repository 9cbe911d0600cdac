"""``codex-contracts-record``: record what the real Codex CLI sends into VCR.py cassettes.

Codex is run for real (``codex exec``) against a loopback endpoint that speaks just enough of the
Responses API to finish a turn. Every request is scrubbed of secrets and run-to-run noise, so a diff in
a re-recorded cassette means Codex itself changed. ``--check`` re-records into a temp dir and compares
with the committed files: that is how "re-recording reproduces the cassettes exactly" is proven.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from ...codex.install import codex_version, default_cache_dir, ensure_codex
from ...core.cassettes import CODEX_VERSION
from ...core.files import write_atomic
from ...data import data_folders
from ...errors import ContractsError, RecordError
from .capture import capture_scenario
from .cassette import build_cassette, describe_difference
from .scenarios import Scenario, load_scenarios

DEFAULT_TIMEOUT = 120.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codex-contracts-record",
        description="Record real Codex CLI requests into VCR.py cassettes (one per Codex version and scenario).",
    )
    parser.add_argument(
        "--version",
        action="append",
        default=[],
        metavar="V",
        help="Codex version to record (repeatable; default: every version under --out)",
    )
    parser.add_argument(
        "--scenario", action="append", default=[], metavar="NAME", help="scenario to record (repeatable; default: all)"
    )
    data = data_folders()
    parser.add_argument("--out", type=Path, default=data.cassettes, help="cassette root (default: %(default)s)")
    parser.add_argument("--scenarios", type=Path, default=data.scenarios, help="scenario file (default: %(default)s)")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="where Codex is npm-installed (default: $CODEX_CONTRACTS_CACHE, else $XDG_CACHE_HOME or ~/.cache, "
        "then codex-gateway-contracts/codex)",
    )
    parser.add_argument("--codex-bin", type=Path, default=None, help="use this Codex binary instead of npm")
    parser.add_argument(
        "--check", action="store_true", help="record into a temp dir and fail if anything differs from --out"
    )
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per Codex run")
    return parser


def _versions(args: argparse.Namespace) -> list[str]:
    if args.version:
        versions: list[str] = list(dict.fromkeys(args.version))
    elif args.codex_bin:
        versions = [codex_version(args.codex_bin)]
    else:
        versions = sorted(p.name for p in args.out.glob("*") if p.is_dir() and CODEX_VERSION.fullmatch(p.name))
    if not versions:
        raise RecordError("no --version given and none recorded under --out")
    if bad := [v for v in versions if not CODEX_VERSION.fullmatch(v)]:
        raise RecordError(f"not a Codex version: {', '.join(bad)}")
    if args.codex_bin and len(versions) > 1:
        raise RecordError("--codex-bin is one binary: give at most one --version")
    return versions


def _binary(args: argparse.Namespace, version: str) -> Path:
    if args.codex_bin:
        binary: Path = args.codex_bin.resolve()
    else:
        cache: Path = args.cache_dir.expanduser() if args.cache_dir else default_cache_dir()
        binary = ensure_codex(version, cache)
    reported = codex_version(binary)
    if reported != version:
        raise RecordError(f"{binary} reports version {reported}, not {version}")
    return binary


def main(argv: list[str] | None = None) -> int:
    """Record (or ``--check``) the selected scenarios for each selected Codex version."""
    args = _parser().parse_args(argv)
    try:
        scenarios = load_scenarios(args.scenarios)
        if unknown := set(args.scenario) - {s.name for s in scenarios}:
            raise RecordError(f"unknown scenario(s): {', '.join(sorted(unknown))}")
        selected = [s for s in scenarios if not args.scenario or s.name in args.scenario]
        versions = _versions(args)
        with tempfile.TemporaryDirectory(prefix="codex-contracts-check-") as check_dir:
            target_root = Path(check_dir) if args.check else args.out
            for version in versions:
                binary = _binary(args, version)
                for scenario in selected:
                    started = time.monotonic()
                    try:
                        capture = capture_scenario(binary, scenario, args.timeout)
                        text = build_cassette(capture)
                    except (RecordError, ValueError) as exc:  # ValueError: a body that is not JSON
                        raise RecordError(f"{version} {scenario.name}: {exc}") from None
                    write_atomic(target_root / version / f"{scenario.name}.yaml", text)
                    count = len(capture.exchanges)
                    print(
                        f"{version} {scenario.name}: {count} request{'s' * (count != 1)}, "
                        f"{sum(len(e.body) for e in capture.exchanges):,} body bytes as sent, "
                        f"{len(text.encode()):,} cassette bytes, {time.monotonic() - started:.1f}s",
                        flush=True,
                    )
            if args.check:
                return _compare(Path(check_dir), args.out, versions, selected, complete=not args.scenario)
    except (ContractsError, ValueError, OSError) as exc:
        print(f"codex-contracts-record: error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ValueError) else 1
    return 0


def _compare(
    recorded: Path, committed: Path, versions: Sequence[str], scenarios: Sequence[Scenario], *, complete: bool
) -> int:
    problems = 0
    for version in versions:
        for scenario in scenarios:
            new = (recorded / version / f"{scenario.name}.yaml").read_text(encoding="utf-8")
            old_path = committed / version / f"{scenario.name}.yaml"
            if not old_path.exists():
                print(f"DIFF {old_path}: not committed")
                problems += 1
                continue
            old = old_path.read_text(encoding="utf-8")
            if old != new:
                problems += 1
                print(f"DIFF {old_path}:")
                for line in describe_difference(old, new):
                    print(f"  {line}")
        if complete:
            expected = {f"{s.name}.yaml" for s in scenarios}
            for stale in sorted((committed / version).glob("*.yaml")):
                if stale.name not in expected:
                    print(f"DIFF {stale}: committed but not a scenario any more")
                    problems += 1
    if problems:
        print(f"check failed: {problems} cassette(s) differ from a fresh recording")
        return 1
    print("check passed: a fresh recording reproduces the committed cassettes byte for byte")
    return 0
