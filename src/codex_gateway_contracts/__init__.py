"""Contract tests proving an LLM gateway lets the OpenAI Codex CLI work against every provider behind it.

The package is a pytest plugin (entry point ``codex_contracts``). Where things are::

    plugin.py     pytest hooks and fixtures only
    options.py    the plugin's options: one typed table, command line > ini > default
    session.py    one pytest session's state; ``Contracts``, the ``contracts`` fixture's API
    errors.py     ContractsError and the errors derived from it
    core/         what a contract case is made of: cassettes, catalogue (provider data), deployments,
                  mocks (strict provider servers), runner, verdict, expectations, sse, loopback, files
    wires/        one module per wire format (OpenAI chat, Responses, Anthropic, Gemini, Bedrock, Ollama),
                  registered by key: request shape, paths, auth, tools, success replies
    gateways/     the gateway adapter interface and its adapters (LiteLLM)
    report/       results.json and what is rendered from it; ``python -m codex_gateway_contracts.report``
    codex/        the real Codex CLI: npm install, pinned environment and config.toml, ``codex exec``
    e2e.py        judging real Codex runs through the gateway (tests/e2e)
    tools/        commands: record (cassettes), probe and scaffold (providers), faults, bisect
    templates/    the scaffold's starting points per wire format
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("codex-gateway-contracts")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["__version__"]
