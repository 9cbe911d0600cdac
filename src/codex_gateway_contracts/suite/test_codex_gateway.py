"""The contract suite: every recorded Codex request, through the gateway, into every provider mock.

One test per cassette x route (``codex-<version>/<scenario>-<route>``). The plugin runs the cases
concurrently across routes; each test waits for its own case and turns the verdict into pass, a
strict xfail (a known failure listed in the expectations file) or a failure naming what broke.
"""

from codex_gateway_contracts.core.runner import Case
from codex_gateway_contracts.session import Contracts


def test_codex_request_through_gateway(contract_case: Case, contracts: Contracts) -> None:
    """One Codex request (or a cassette's sequence of them) through the gateway, judged."""
    contracts.check(contract_case)
