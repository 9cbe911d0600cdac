"""Contract tests proving an LLM gateway lets the OpenAI Codex CLI work against every provider behind it.

The package is a pytest plugin (entry point ``codex_contracts``); the modules are named for what they are:
``catalogue`` (provider data), ``cassettes`` (recorded Codex requests), ``gateway`` (the proxy process),
``mocks`` (strict provider servers), ``verdict`` (judging one case), ``runner`` (running cases),
``expectations`` (known failures), ``report`` (results.json) and ``record`` (the cassette recorder).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("codex-gateway-contracts")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["__version__"]
