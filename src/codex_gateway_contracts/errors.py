"""Every error the suite raises on purpose: one base, so callers catch ``ContractsError`` and nothing wider.

Each message names the file, option or process at fault and what is wrong with it; the plugin shows it as
one line without a traceback, the commands print it and exit non-zero.
"""

from __future__ import annotations


class ContractsError(Exception):
    """Base of the suite's own errors: bad input or a process that would not do its part."""


class CatalogueError(ContractsError):
    """A provider folder is incomplete or malformed; the message names the file and the problem."""


class CassetteError(ContractsError):
    """A cassette cannot be used; the message names the file and what is wrong."""


class GatewayError(ContractsError):
    """The gateway could not be configured or started; the message carries the cause and its log tail."""


class ExpectationsError(ContractsError):
    """The expectations file is malformed or does not fit the cases; the message names the entry."""


class E2EExpectationsError(ExpectationsError):
    """The e2e expectations file is malformed or lists a case that does not exist."""


class CodexError(ContractsError):
    """The Codex CLI could not be installed, found or asked its version."""


class RecordError(ContractsError):
    """A scenario could not be recorded; the message says what Codex or the endpoint did."""


class BisectError(ContractsError):
    """Bad input or a failure that makes the whole bisect meaningless; the message says what to fix."""


class InstallError(ContractsError):
    """pip could not install a release; the message is pip's one-line reason."""


class ExpectationsWarning(UserWarning):
    """No expectations file applies to the detected gateway release: every known failure counts."""
