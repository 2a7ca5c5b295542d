"""How a run ends: exit codes, the errors that choose them, and signals that interrupt."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from typing import TYPE_CHECKING, Final

from chime_speaker_search.errors import (
    InvalidParameterError,
    MalformedResponseError,
    OutcomeUnknownError,
    ServiceError,
    SpeakerSearchError,
    TaskFailedError,
    TransportError,
    WaitTimeoutError,
)

from ._startup import EXIT_INTERRUPTED

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = [
    "EXIT_CODES",
    "EXIT_FAILED",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_OUTCOME_UNKNOWN",
    "EXIT_OUTPUT",
    "EXIT_SERVICE_ERROR",
    "EXIT_TIMEOUT",
    "EXIT_TRANSPORT_ERROR",
    "EXIT_USAGE",
    "ConfigurationError",
    "OutputError",
    "SignalInterrupt",
    "UsageError",
    "describe",
    "exit_code_for",
    "signals_interrupt",
]

EXIT_OK: Final = 0
"""The task SUCCEEDED or PARTIAL_SUCCESS, or the command did what it was asked."""
EXIT_FAILED: Final = 1
"""The task waited on ended FAILED or STOPPED."""
EXIT_USAGE: Final = 2
"""Bad command line, invalid parameter (nothing was sent), or bad AWS configuration."""
EXIT_TIMEOUT: Final = 3
"""The wait's --timeout ran out before the task finished."""
EXIT_SERVICE_ERROR: Final = 4
"""The service answered with an error (after retries) or an unreadable response."""
EXIT_TRANSPORT_ERROR: Final = 5
"""The service could not be reached (after retries)."""
EXIT_OUTCOME_UNKNOWN: Final = 6
"""A voice profile create, update or delete may or may not have happened: check first."""
EXIT_INTERNAL: Final = 70
"""An unexpected error: a bug (sysexits' EX_SOFTWARE)."""
EXIT_OUTPUT: Final = 74
"""The result could not be written to stdout (sysexits' EX_IOERR)."""
# EXIT_INTERRUPTED (130) comes from _startup; SIGTERM and SIGHUP give 128 + the signal.

EXIT_CODES: Final = (
    (
        str(EXIT_OK),
        (
            "the task SUCCEEDED or PARTIAL_SUCCESS (wait, start --wait), or the command did "
            "what it was asked (start, get, stop, profiles, domains, emulator, demo)"
        ),
    ),
    (str(EXIT_FAILED), "the task ended FAILED or STOPPED (its result is still printed)"),
    (str(EXIT_USAGE), "usage error, invalid parameter (nothing sent), or AWS configuration error"),
    (str(EXIT_TIMEOUT), "the wait timed out (the task may still finish: run `wait` again)"),
    (str(EXIT_SERVICE_ERROR), "the service returned an error, after retries"),
    (str(EXIT_TRANSPORT_ERROR), "the service could not be reached, after retries"),
    (
        str(EXIT_OUTCOME_UNKNOWN),
        (
            "a voice profile create, update or delete lost its answer and may have happened: "
            "check (e.g. profiles list) before running it again"
        ),
    ),
    (str(EXIT_INTERNAL), "internal error (a bug: please report it with the --debug output)"),
    (
        str(EXIT_OUTPUT),
        ("the result could not be written to stdout (a started task's id and token are on stderr)"),
    ),
    (
        str(EXIT_INTERRUPTED),
        (
            "interrupted (Ctrl-C); a wait prints the command that resumes it, a start the "
            "token that retries it safely"
        ),
    ),
    ("143", "ended by SIGTERM, as by Ctrl-C (128 + 15)"),
    ("129", "ended by SIGHUP (the terminal went away), as by Ctrl-C (128 + 1)"),
)
"""Each exit code (or codes) and what it means, as ``--help`` and the docs list them."""


class UsageError(Exception):
    """A problem with the command line found after parsing (exit 2)."""


class ConfigurationError(UsageError):
    """The AWS configuration (flags, environment, config files) cannot make a client."""


class OutputError(Exception):
    """The result could not be written to stdout (exit 74)."""


class SignalInterrupt(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: handled like Ctrl-C, exiting 128 + the signal.

    A ``KeyboardInterrupt`` so that everything that stops cleanly on Ctrl-C (a wait,
    the emulator) stops the same way on these.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """128 + the signal's number, what a shell reports for a process it ended."""
        return 128 + self.signum


# Signals that ask a command to end. SIGHUP: the terminal went away (ssh dropped).
_ENDING_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextlib.contextmanager
def signals_interrupt() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`SignalInterrupt` while the command runs."""
    if threading.current_thread() is not threading.main_thread():  # pragma: no cover
        yield  # only the main thread may install signal handlers
        return

    def interrupt(signum: int, _frame: object) -> None:
        raise SignalInterrupt(signum)

    previous = {signum: signal.signal(signum, interrupt) for signum in _ENDING_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _configuration_error_types() -> tuple[type[BaseException], ...]:
    # Only botocore raises these: if it was never imported, none can have happened.
    exceptions = sys.modules.get("botocore.exceptions")
    if exceptions is None:
        return ()
    return (
        exceptions.ConfigParseError,
        exceptions.CredentialRetrievalError,
        exceptions.InvalidConfigError,
        exceptions.InvalidRegionError,
        exceptions.NoCredentialsError,
        exceptions.NoRegionError,
        exceptions.PartialCredentialsError,
        exceptions.ProfileNotFound,
    )


def describe(error: BaseException) -> str:
    """The error's message, with what to do for the configuration errors that lack it."""
    text = str(error)
    if type(error).__name__ == "NoRegionError":
        text += " (pass --region or set AWS_DEFAULT_REGION)"
    return text


def exit_code_for(error: BaseException) -> tuple[int, str]:
    """The exit code for an error, and the line to print for it."""
    codes: tuple[tuple[tuple[type[BaseException], ...], int], ...] = (
        ((InvalidParameterError, UsageError), EXIT_USAGE),
        ((OutputError,), EXIT_OUTPUT),
        ((ServiceError, MalformedResponseError), EXIT_SERVICE_ERROR),
        ((OutcomeUnknownError,), EXIT_OUTCOME_UNKNOWN),
        ((TransportError,), EXIT_TRANSPORT_ERROR),
        ((TaskFailedError,), EXIT_FAILED),
        ((WaitTimeoutError,), EXIT_TIMEOUT),
        ((SpeakerSearchError,), EXIT_SERVICE_ERROR),
        (_configuration_error_types(), EXIT_USAGE),
    )
    for types, code in codes:
        if isinstance(error, types):
            return code, describe(error)
    return EXIT_INTERNAL, f"unexpected {type(error).__name__}: {error} (run with --debug)"
