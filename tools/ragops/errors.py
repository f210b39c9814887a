"""The one error hierarchy of ragops and the exit codes it maps to.

The core raises these; only the CLI turns them into messages and exit codes (see ``ragops.cli.main``).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INVALID = 1  # validation error or failed quality gate
EXIT_USAGE = 2  # bad command line or missing input file
EXIT_INFRA = 3  # a server, model or remote that should be reachable is not
EXIT_INCONCLUSIVE = 4  # a canary analysis that cannot decide yet (not an error: not enough traffic)


class RagopsError(Exception):
    """Base of every error ragops reports to a user: a message that says what went wrong and how to fix it."""

    exit_code = EXIT_INVALID

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(RagopsError):
    """Input (a config, a test set, a corpus) is invalid."""

    exit_code = EXIT_INVALID


class UsageError(RagopsError):
    """The command was called wrongly: unknown option, missing path, wrong kind of file."""

    exit_code = EXIT_USAGE


class InfrastructureError(RagopsError):
    """Something outside ragops is unreachable or missing: a model, an HTTP endpoint, a DVC remote."""

    exit_code = EXIT_INFRA


class GateFailed(ValidationFailed):
    """A quality gate failed: the input is valid, it is just not good enough to promote."""
