"""The plugin's options: one table, typed, each default written once.

Every value option has a command-line flag and an ini key of its ``dest`` name (``[tool.pytest.ini_options]``,
e.g. ``contracts_report = "reports"``). Precedence: command line, then ini, then the default. Both are
converted by the same function, so ``--contracts-concurrency abc`` and ``contracts_concurrency = "abc"``
fail alike, as a usage error naming the option.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

NONE = "none"


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


def _path(flag: str, raw: str) -> Path:
    return Path(raw).expanduser()


def _path_or_none(flag: str, raw: str) -> Path | str:
    return NONE if raw == NONE else _path(flag, raw)


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
        return f"{self.help} (default {self.default:g})." if self.default is not None else self.help

    def parse(self, raw: str) -> Any:
        """A command-line or ini value, converted (argparse.ArgumentTypeError when it is not valid)."""
        return self.convert(self.flag, raw) if self.convert else raw


OPTIONS: tuple[Option, ...] = (
    Option(
        "--litellm-config",
        "litellm_config",
        "Your LiteLLM proxy config (YAML). Default: one deployment per catalogue "
        "provider. Provider addresses and keys are rewritten to the mocks; everything else is kept.",
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
        "Folder of Codex cassettes (default: <rootdir>/cassettes/codex).",
        _path,
    ),
    Option(
        "--contracts-schemas",
        "contracts_schemas",
        "Folder of provider schemas (default: <rootdir>/schemas).",
        _path,
    ),
    Option(
        "--contracts-expectations",
        "contracts_expectations",
        "Known-failures file (default, with the generated config: "
        "<rootdir>/expectations/litellm-<version>.yaml). 'none' disables it.",
        _path_or_none,
    ),
    Option(
        "--contracts-concurrency",
        "contracts_concurrency",
        "Routes replayed in parallel",
        _positive(int),
        default=8,
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

    rootdir: Path
    litellm_config: Path | None
    litellm_bin: str | None
    report: Path | None
    cassettes: Path
    schemas: Path
    #: An explicit expectations file; ``None`` with ``expectations_off`` false means "the default one".
    expectations: Path | None
    expectations_off: bool
    concurrency: int
    startup_timeout: float
    request_timeout: float
    providers: frozenset[str]
    routes: frozenset[str]
    update_expectations: bool

    @classmethod
    def read(cls, config: pytest.Config) -> Settings:
        """Read and check the options; a combination that would fail late is a usage error now."""
        got = {option.dest: value(config, option) for option in OPTIONS}
        rootdir = Path(config.rootpath)
        expectations = got["contracts_expectations"]
        settings = cls(
            rootdir=rootdir,
            litellm_config=_resolved(got["litellm_config"]),
            litellm_bin=got["contracts_litellm_bin"],
            report=_resolved(got["contracts_report"]),
            cassettes=_resolved(got["contracts_cassettes"]) or rootdir / "cassettes" / "codex",
            schemas=_resolved(got["contracts_schemas"]) or rootdir / "schemas",
            expectations=_resolved(expectations) if isinstance(expectations, Path) else None,
            expectations_off=expectations == NONE,
            concurrency=got["contracts_concurrency"],
            startup_timeout=got["contracts_startup_timeout"],
            request_timeout=got["contracts_request_timeout"],
            providers=frozenset(got["contracts_provider"] or ()),
            routes=frozenset(got["contracts_route"] or ()),
            update_expectations=bool(got["contracts_update_expectations"]),
        )
        if settings.update_expectations and settings.litellm_config and not (expectations or None):
            # The default file describes the generated config; a run of your own config must not overwrite it.
            raise pytest.UsageError(
                "--contracts-update-expectations with --litellm-config needs --contracts-expectations FILE"
            )
        return settings


def _resolved(path: Path | None) -> Path | None:
    return path.resolve() if path is not None else None
