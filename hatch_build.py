"""Build hook: a wheel carries the repository's data folders inside the package.

``cassettes/``, ``schemas/`` and ``expectations/`` stay at the top of the repository (contributors add files
there); a standard wheel gets a copy under ``codex_gateway_contracts/bundled/`` so that an installed package
(``pip install git+https://...``) runs the suite anywhere. Editable installs get no copy: they read the
checkout (``codex_gateway_contracts.data``), and a stale copy beside them would only mislead.
"""

from __future__ import annotations

from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

DATA_FOLDERS = ("cassettes", "schemas", "expectations")


class PackageData(BuildHookInterface):  # type: ignore[misc]
    """Force-include the data folders into standard wheels only."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Map each data folder to ``codex_gateway_contracts/bundled/<folder>`` in the wheel."""
        if version == "standard":
            build_data["force_include"].update(
                {name: f"codex_gateway_contracts/bundled/{name}" for name in DATA_FOLDERS}
            )
