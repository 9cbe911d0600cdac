"""``python -m codex_gateway_contracts.gateways [NAME ...]``: install gateways from their pinned recipes now.

The suite installs a gateway on first use anyway; this does it ahead (a CI step of its own, a warm cache)
and prints each gateway's executable and version. Without names: every gateway with a recipe.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from ..errors import ContractsError
from . import get, names

#: Gateways the suite installs itself (LiteLLM comes with the package's ``litellm`` extra).
INSTALLABLE = ("portkey", "llm-rosetta", "codex-relay")


def main(argv: list[str] | None = None) -> int:
    """Install each named gateway (or all); exit 1 naming the first that cannot be installed."""
    wanted = list(sys.argv[1:] if argv is None else argv) or list(INSTALLABLE)
    unknown = [name for name in wanted if name not in names()]
    if unknown:
        print(f"unknown gateway {', '.join(unknown)}; one of {', '.join(names())}", file=sys.stderr)
        return 2
    for name in wanted:
        adapter = get(name)
        try:
            executable = adapter.find(None)
        except ContractsError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return 1
        with tempfile.TemporaryDirectory() as scratch:
            version = adapter(executable, Path(scratch)).version
        print(f"{name} {version}: {executable}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
