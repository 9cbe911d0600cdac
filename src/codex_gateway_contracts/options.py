"""The plugin's options: one table, typed, each default written once.

Every value option has a command-line flag and an ini key of its ``dest`` name (``[tool.pytest.ini_options]``,
e.g. ``contracts_report = "reports"``). Precedence: command line, then ini, then the default. Both are
converted by the same function, so ``--contracts-concurrency abc`` and ``contracts_concurrency = "abc"``
fail alike, as a usage error naming the option.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from . import gateways
from .data import DataFolders, data_folders
from .errors import ContractsError

NONE = "none"
#: What ``--contracts-fail-on`` accepts: every failure, or only what breaks Codex (see core/verdict.py).
FAIL_ON = ("any", "rejected")
RELEASE = re.compile(r"\d+(\.\d+)+([.-]?(post|rc|a|b|dev)\d*)?")
AUTO = "auto"


def _positive(kind: Callable[[str], float]) -> Callable[[str, str], Any]:
    def positive(flag: str, raw: str) -> Any:
        try:
            number = kind(raw)
        except ValueError:
            number = 0
        if number <= 0:
            raise argparse.ArgumentTypeError(f"{flag} takes a positive number, not {raw!r}")
        return number

    return positive


def _gateway(flag: str, raw: str) -> str:
    if raw not in gateways.names():
        raise argparse.ArgumentTypeError(f"{flag}: unknown gateway {raw!r}; one of {', '.join(gateways.names())}")
    return raw


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (1-based): the routes dealt to it, with all their cases."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def _shard(flag: str, raw: str) -> Shard:
    index, slash, count = raw.partition("/")
    if not (slash and index.strip().isdigit() and count.strip().isdigit()):
        raise argparse.ArgumentTypeError(f"{flag} takes K/N, shard K of N (e.g. 1/4), not {raw!r}")
    shard = Shard(int(index), int(count))
    if not 1 <= shard.index <= shard.count:
        raise argparse.ArgumentTypeError(f"{flag} K/N needs 1 <= K <= N, not {raw!r}")
    return shard


def _processes(flag: str, raw: str) -> int | None:
    """A positive count, or None for ``auto``."""
    if raw.strip().lower() == AUTO:
        return None
    count: int = _positive(int)(flag, raw)
    return count


def _path(flag: str, raw: str) -> Path:
    return Path(raw).expanduser()


def _path_or_none(flag: str, raw: str) -> Path | str:
    return NONE if raw == NONE else _path(flag, raw)


def _release(flag: str, raw: str) -> str:
    if not RELEASE.fullmatch(raw):
        raise argparse.ArgumentTypeError(f"{flag} takes a release version like 1.106.1, not {raw!r}")
    return raw


def _choice(*choices: str) -> Callable[[str, str], str]:
    def choice(flag: str, raw: str) -> str:
        if raw not in choices:
            raise argparse.ArgumentTypeError(f"{flag} takes one of {', '.join(choices)}, not {raw!r}")
        return raw

    return choice


@dataclass(frozen=True)
class Option:
    """One option: flag, dest (also its ini key when ``ini``), conversion, default and help."""

    flag: str
    dest: str
    help: str
    convert: Callable[[str, str], Any] | None = None
    default: Any = None
    ini: bool = True
    action: str = "store"
    metavar: str = "VALUE"

    @property
    def text(self) -> str:
        """The help, with the default when there is one."""
        if self.default is None:
            return self.help
        shown = f"{self.default:g}" if isinstance(self.default, (int, float)) else self.default
        return f"{self.help} (default {shown})."

    def parse(self, raw: str) -> Any:
        """A command-line or ini value, converted (argparse.ArgumentTypeError when it is not valid)."""
        return self.convert(self.flag, raw) if self.convert else raw


OPTIONS: tuple[Option, ...] = (
    Option(
        "--contracts-gateway",
        "contracts_gateway",
        f"The gateway under test: {', '.join(gateways.names())} (default {gateways.DEFAULT}). Gateways other "
        "than LiteLLM are installed into the user cache from the suite's pinned recipe on first use.",
        _gateway,
        metavar="NAME",
    ),
    Option(
        "--contracts-gateway-bin",
        "contracts_gateway_bin",
        "The gateway's executable instead of the default one (LiteLLM: litellm; Portkey: its "
        "build/start-server.js or install folder; llm-rosetta: llm-rosetta-gateway; codex-relay: codex-relay). "
        "Wins over --contracts-litellm-bin.",
        metavar="PATH",
    ),
    Option(
        "--litellm-config",
        "litellm_config",
        "Your LiteLLM proxy config (YAML). Default: one deployment per catalogue "
        "provider. Provider addresses and keys are rewritten to the mocks; everything else is kept. "
        "LiteLLM only.",
        _path,
    ),
    Option(
        "--contracts-litellm-bin",
        "contracts_litellm_bin",
        "The litellm executable to run (default: beside this Python, "
        "then PATH). Point it at another virtualenv to test another LiteLLM version or fork.",
    ),
    Option(
        "--contracts-report",
        "contracts_report",
        "Write DIR/results.json with the true verdict of every case.",
        _path,
    ),
    Option(
        "--contracts-cassettes",
        "contracts_cassettes",
        "Folder of Codex cassettes (default: the suite's cassettes/codex).",
        _path,
    ),
    Option(
        "--contracts-schemas",
        "contracts_schemas",
        "Folder of provider schemas (default: the suite's schemas).",
        _path,
    ),
    Option(
        "--contracts-expectations",
        "contracts_expectations",
        "Known-failures file (default, with the generated config: the suite's "
        "expectations/<gateway>-<version>.yaml). 'none' disables it.",
        _path_or_none,
    ),
    Option(
        "--contracts-baseline",
        "contracts_baseline",
        "Judge against the expectations of this upstream release (e.g. 1.106.1), whatever version the "
        "gateway reports: how a fork compares itself with the release it is based on.",
        _release,
        metavar="VERSION",
    ),
    Option(
        "--contracts-fail-on",
        "contracts_fail_on",
        "Which failures fail the run: 'any' (every leak, drop, reject, broken reply or error), or "
        "'rejected' (only what breaks Codex: a field the provider rejects, and every other verdict; "
        "a field the provider silently ignores is tolerated)",
        _choice(*FAIL_ON),
        default="any",
        metavar="{any,rejected}",
    ),
    Option(
        "--contracts-concurrency",
        "contracts_concurrency",
        "Routes replayed in parallel",
        _positive(int),
        default=8,
    ),
    Option(
        "--contracts-gateway-processes",
        "contracts_gateway_processes",
        "Gateway processes to run, the routes partitioned between them, so that the gateway "
        "can use more than one core; each upstream call still belongs to exactly one case. 'auto' (the "
        "default): min(CPU count, routes, one per 100 selected cases), and 1 in an xdist worker, which "
        "already runs a gateway of its own.",
        _processes,
        metavar="N|auto",
    ),
    Option(
        "--contracts-shard",
        "contracts_shard",
        "Run only shard K of N (e.g. 2/4): the selected routes in config order, dealt round-robin, "
        "so each shard's gateway serves whole routes. Merge the shards' reports with "
        "'python -m codex_gateway_contracts.report merge DIR... --out DIR'.",
        _shard,
        ini=False,
        metavar="K/N",
    ),
    Option(
        "--contracts-startup-timeout",
        "contracts_startup_timeout",
        "Seconds to wait for the gateway",
        _positive(float),
        default=120.0,
    ),
    Option(
        "--contracts-request-timeout",
        "contracts_request_timeout",
        "Seconds to wait for one answer",
        _positive(float),
        default=60.0,
    ),
    Option(
        "--contracts-provider",
        "contracts_provider",
        "Only deployments of this provider (repeatable).",
        ini=False,
        action="append",
        metavar="NAME",
    ),
    Option(
        "--contracts-route",
        "contracts_route",
        "Only this route / model_name (repeatable).",
        ini=False,
        action="append",
        metavar="MODEL_NAME",
    ),
    Option(
        "--contracts-update-expectations",
        "contracts_update_expectations",
        "Rewrite the expectations file from this run's failing cases.",
        ini=False,
        action="store_true",
    ),
)


def add_options(parser: pytest.Parser) -> None:
    """Register the ``codex-contracts`` option group and the ini keys."""
    group = parser.getgroup("codex-contracts", "Codex gateway contract tests")
    for option in OPTIONS:
        if option.action == "store_true":
            group.addoption(option.flag, dest=option.dest, action="store_true", help=option.text)
            continue
        group.addoption(
            option.flag,
            dest=option.dest,
            action=option.action,
            default=None,
            metavar=option.metavar,
            type=option.parse,
            help=option.text,
        )
        if option.ini:
            parser.addini(option.dest, option.text, default=None)


def value(config: pytest.Config, option: Option) -> Any:
    """Command line, then ini (converted like the command line), then the default."""
    given = config.getoption(option.dest, default=None)
    if given is not None or not option.ini:
        return option.default if given is None else given
    raw = config.getini(option.dest) or None
    if raw is None:
        return option.default
    try:
        return option.parse(str(raw))
    except argparse.ArgumentTypeError as exc:
        raise pytest.UsageError(f"{exc} (ini key {option.dest})") from None


@dataclass(frozen=True)
class Settings:
    """Every option of one run, typed and resolved (paths against the invocation directory)."""

    #: The suite's data folders (a checkout's, or the wheel's copy); never pytest's rootdir.
    data: DataFolders
    #: The adapter's registry name (``litellm``, ``portkey``, ``llm-rosetta``, ``codex-relay``).
    gateway: str
    litellm_config: Path | None
    #: The gateway executable the user named (``--contracts-gateway-bin``, else ``--contracts-litellm-bin``).
    gateway_bin: str | None
    report: Path | None
    cassettes: Path
    schemas: Path
    #: An explicit expectations file; ``None`` with ``expectations_off`` false means "the default one".
    expectations: Path | None
    expectations_off: bool
    #: ``--contracts-baseline``: the upstream release whose expectations apply.
    baseline: str | None
    fail_on: str
    concurrency: int
    #: Gateway processes asked for; None means auto (see :func:`gateway_processes`).
    gateway_processes: int | None
    shard: Shard | None
    startup_timeout: float
    request_timeout: float
    providers: frozenset[str]
    routes: frozenset[str]
    update_expectations: bool

    @classmethod
    def read(cls, config: pytest.Config) -> Settings:
        """Read and check the options; a combination that would fail late is a usage error now."""
        got = {option.dest: value(config, option) for option in OPTIONS}
        try:
            data = data_folders()
        except ContractsError as exc:
            raise pytest.UsageError(str(exc)) from None
        expectations = got["contracts_expectations"]
        gateway = got["contracts_gateway"] or gateways.DEFAULT
        if gateway != gateways.DEFAULT:
            for dest, flag, why in (
                (
                    "litellm_config",
                    "--litellm-config",
                    "is a LiteLLM proxy config; {g} is configured from the provider catalogue's gateways entries",
                ),
                (
                    "contracts_litellm_bin",
                    "--contracts-litellm-bin",
                    "names a LiteLLM executable; for {g} use --contracts-gateway-bin",
                ),
            ):
                if got[dest] is not None:
                    raise pytest.UsageError(f"{flag} {why.format(g=gateway)} (--contracts-gateway {gateway})")
        settings = cls(
            data=data,
            gateway=gateway,
            litellm_config=_resolved(got["litellm_config"]),
            gateway_bin=got["contracts_gateway_bin"] or got["contracts_litellm_bin"],
            report=_resolved(got["contracts_report"]),
            cassettes=_resolved(got["contracts_cassettes"]) or data.cassettes,
            schemas=_resolved(got["contracts_schemas"]) or data.schemas,
            expectations=_resolved(expectations) if isinstance(expectations, Path) else None,
            expectations_off=expectations == NONE,
            baseline=got["contracts_baseline"],
            fail_on=got["contracts_fail_on"],
            concurrency=got["contracts_concurrency"],
            gateway_processes=got["contracts_gateway_processes"],
            shard=got["contracts_shard"],
            startup_timeout=got["contracts_startup_timeout"],
            request_timeout=got["contracts_request_timeout"],
            providers=frozenset(got["contracts_provider"] or ()),
            routes=frozenset(got["contracts_route"] or ()),
            update_expectations=bool(got["contracts_update_expectations"]),
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse combinations that would fail late or write where they must not (pytest.UsageError)."""
        explicit = self.expectations is not None
        if self.update_expectations and self.shard is not None:
            # A shard's run holds some routes only: the rewritten file would lose every other route's entries.
            raise pytest.UsageError(
                "--contracts-update-expectations rewrites the whole file; run it without --contracts-shard"
            )
        if self.update_expectations and self.litellm_config and not explicit:
            # The default file describes the generated config; a run of your own config must not overwrite it.
            raise pytest.UsageError(
                "--contracts-update-expectations with --litellm-config needs --contracts-expectations FILE"
            )
        if self.update_expectations and self.data.packaged and not explicit:
            raise pytest.UsageError(
                "--contracts-update-expectations needs --contracts-expectations FILE: the suite's own "
                f"expectations are installed with the package ({self.data.expectations}), not yours to rewrite"
            )
        if self.baseline is None:
            return
        if self.expectations_off or (explicit and not self.update_expectations):
            raise pytest.UsageError(
                "--contracts-baseline chooses the expectations file; do not also give --contracts-expectations "
                "(except as the file --contracts-update-expectations writes)"
            )
        if self.update_expectations and not explicit:
            raise pytest.UsageError(
                "--contracts-update-expectations with --contracts-baseline writes your own file: add "
                "--contracts-expectations FILE (the baseline's reasons are carried over)"
            )
        if self.litellm_config is not None and not explicit:
            raise pytest.UsageError(
                "--contracts-baseline judges against the suite's expectations, which describe the generated "
                "config; with --litellm-config use --contracts-expectations FILE"
            )


#: Selected cases one extra gateway process must have to pay for its start-up (~5-6 CPU-s, README).
CASES_PER_PROCESS = 100


def gateway_processes(
    asked: int | None, routes: int, cases: int, *, worker: bool = False, cores: int | None = None
) -> int:
    """How many gateway processes a run starts: what was asked, else min(cores, routes, cases / 100).

    Never more than the routes (a process serves whole routes) and at least one. An xdist worker runs
    one process when not told otherwise: every worker already starts a gateway of its own.
    """
    if asked is None:
        asked = 1 if worker else min(cores or os.cpu_count() or 1, -(-cases // CASES_PER_PROCESS))
    return max(1, min(asked, routes))


def _resolved(path: Path | None) -> Path | None:
    return path.resolve() if path is not None else None
