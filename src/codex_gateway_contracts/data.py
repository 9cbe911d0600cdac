"""Where the suite's data lives: the one resolver every part uses.

The cassettes, provider schemas and expectations stay in the repository's top-level folders
(``cassettes/``, ``schemas/``, ``expectations/``). In a checkout (an editable install, or running from
the source tree) they are read from there, so an edit counts at once. A wheel carries a copy inside the
package (``codex_gateway_contracts/bundled/``, written by ``hatch_build.py``), used when the code is not in
a checkout, e.g. after ``pip install git+https://…`` and ``pytest --pyargs codex_gateway_contracts``.

Nothing here depends on pytest's rootdir or on the current directory: pytest guesses its rootdir from
whatever command-line values exist on disk, which is not where the data is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import ContractsError

PACKAGE = Path(__file__).resolve().parent
#: The contract suite's test modules, shipped in the package (``pytest --pyargs codex_gateway_contracts``).
SUITE = PACKAGE / "suite"
#: The copy of the data folders inside an installed wheel.
PACKAGED = PACKAGE / "bundled"


@dataclass(frozen=True)
class DataFolders:
    """The data folders under one root: a checkout, or the copy inside the package."""

    root: Path
    #: True for the copy inside an installed wheel: read-only as far as the suite is concerned.
    packaged: bool = False

    @property
    def cassettes(self) -> Path:
        """Recorded Codex requests, one folder per Codex version."""
        return self.root / "cassettes" / "codex"

    @property
    def scenarios(self) -> Path:
        """The recorder's scenarios."""
        return self.root / "cassettes" / "scenarios.yaml"

    @property
    def probes(self) -> Path:
        """Answers of the real providers, recorded by ``codex-contracts-probe``."""
        return self.root / "cassettes" / "probes"

    @property
    def schemas(self) -> Path:
        """Provider schemas (``providers/``), Codex's drift schema and ``translations.yaml``."""
        return self.root / "schemas"

    @property
    def expectations(self) -> Path:
        """Known failures per gateway release."""
        return self.root / "expectations"


def _is_data_root(folder: Path) -> bool:
    return (folder / "schemas" / "providers").is_dir() and (folder / "cassettes" / "codex").is_dir()


@cache
def data_folders() -> DataFolders:
    """The checkout around the package if there is one, else the copy the wheel carries."""
    checkout = PACKAGE.parents[1]  # <checkout>/src/codex_gateway_contracts
    if (checkout / "pyproject.toml").is_file() and _is_data_root(checkout):
        return DataFolders(checkout)
    if _is_data_root(PACKAGED):
        return DataFolders(PACKAGED, packaged=True)
    raise ContractsError(
        f"the suite's data folders are missing: neither {checkout} (a checkout) nor {PACKAGED} "
        "(an installed wheel) holds schemas/providers and cassettes/codex; reinstall the package"
    )
