"""The contract suite, as a checkout runs it: ``pytest tests/contracts``.

The tests live in the package (``codex_gateway_contracts/suite/``) so that an installed wheel carries
them (``pytest --pyargs codex_gateway_contracts``); importing them here collects the very same tests.
"""

from codex_gateway_contracts.suite.test_codex_gateway import test_codex_request_through_gateway
from codex_gateway_contracts.suite.test_hermetic import (
    test_gateway_config_and_environment_are_loopback_only,
    test_test_process_reaches_only_loopback,
)

__all__ = [
    "test_codex_request_through_gateway",
    "test_gateway_config_and_environment_are_loopback_only",
    "test_test_process_reaches_only_loopback",
]
