"""One invocation: its options and streams, the client it makes, how it prints."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shlex
import warnings
from typing import TYPE_CHECKING, Any, TextIO

from chime_speaker_search._client import SpeakerSearchClient
from chime_speaker_search._retry import RetryPolicy
from chime_speaker_search._transport import check_endpoint_url as check_client_endpoint_url
from chime_speaker_search._wait import PollPolicy
from chime_speaker_search.errors import InvalidParameterError, SpeakerSearchError

from ._console import isatty
from ._exit import ConfigurationError, OutputError, UsageError, describe
from ._parser import DEFAULT_POLL, DEFAULT_TIMEOUT, PROG
from ._render import render, render_task

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    import boto3

    from chime_speaker_search._models import SpeakerSearchTask

    from ._console import Console

__all__ = ["Invocation", "check_endpoint_url"]


def check_endpoint_url(url: str, *, source: str) -> None:
    """Reject an endpoint no request could go to, naming where it came from.

    The client checks the ``endpoint_url`` it is given; an endpoint from
    ``AWS_ENDPOINT_URL`` or a config file it does not, and a request to, say, an
    ``ftp://`` one would fail as a connection error, retried as if the network were down.

    Raises:
        ConfigurationError: The URL is not an http(s) URL with a host and a valid port.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the client itself warns about plain http
            check_client_endpoint_url(url)
    except InvalidParameterError as error:
        (violation,) = error.violations
        raise ConfigurationError(f"{source} {violation.constraint}, got {url!r}") from None


class _ClosedStream(io.StringIO):
    """What a closed stdout (``>&-``) becomes: writing to it fails like a closed fd."""

    def write(self, _text: str) -> int:
        raise OSError(errno.EBADF, "stdout is closed")


class Invocation:
    """One run of the command: parsed options, streams, and the client when needed."""

    def __init__(self, args: argparse.Namespace, stdout: TextIO | None, console: Console) -> None:
        self.args = args
        self.stdout: TextIO = stdout if stdout is not None else _ClosedStream()
        self.console = console
        self.output: str = args.output or (
            "table" if isatty(self.stdout) and args.query is None else "json"
        )
        self.resume: list[str] | None = None  # the command that resumes an interrupted wait
        self.interrupted_hint: str | None = None

    # --- output ----------------------------------------------------------------------

    def write(self, text: str, *, context: str | None = None) -> None:
        """Write the result to stdout.

        A reader that stopped reading (``| head``) is not a failure: the exit code
        still tells the outcome. Any other failure (``>&-``, ``>/dev/full``) is.

        Raises:
            OutputError: stdout could not take it; ``context`` says what is lost.
        """
        try:
            self.stdout.write(text)
            self.stdout.flush()
        except BrokenPipeError:
            self._discard_stdout()
        except (OSError, ValueError) as error:
            self._discard_stdout()
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            suffix = f"; {context}" if context else ""
            raise OutputError(f"could not write the result to stdout ({reason}){suffix}") from None

    def _discard_stdout(self) -> None:
        # Point stdout at devnull, so the interpreter's final flush of what is still
        # buffered does not fail again (and turn the exit code into 120).
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stdout.fileno())
            os.close(devnull)

    def print_task(self, task: SpeakerSearchTask, *, context: str | None = None) -> None:
        """Write a task in the chosen output format."""
        self.write(render_task(task, self.output, self.args.query), context=context)

    def print_result(
        self, data: dict[str, Any], table: Callable[[], str], *, context: str | None = None
    ) -> None:
        """Write a response's JSON ``data`` in the chosen output format (``table`` draws it)."""
        self.write(render(data, self.output, self.args.query, table), context=context)

    # --- the service -----------------------------------------------------------------

    def client(self) -> SpeakerSearchClient:
        """A client for the options given.

        Raises:
            ConfigurationError: The flags, environment or AWS config files cannot make
                a client (a bad endpoint or region, an unparsable config file, a
                profile that does not exist).
        """
        args = self.args
        if args.endpoint_url is not None:
            check_endpoint_url(args.endpoint_url, source="--endpoint-url")
        try:
            session: boto3.Session | None = None
            if args.profile is not None:
                import boto3  # noqa: PLC0415 (only a profile needs boto3's session)

                session = boto3.Session(profile_name=args.profile)
            client = SpeakerSearchClient(
                region_name=args.region,
                endpoint_url=args.endpoint_url,
                session=session,
                retry=RetryPolicy(max_attempts=args.max_attempts),
            )
        except SpeakerSearchError:
            raise
        except Exception as error:
            if not _is_configuration_error(error):
                raise
            raise ConfigurationError(describe(error)) from error
        try:
            # An endpoint can also come from AWS_ENDPOINT_URL or a config file.
            check_endpoint_url(client.endpoint_url, source="the endpoint URL (AWS configuration)")
        except ConfigurationError:
            client.close()
            raise
        return client

    def connection_options(self) -> list[str]:
        """The global options a follow-up command needs to reach the same service."""
        argv: list[str] = []
        for flag, value in (
            ("--region", self.args.region),
            ("--profile", self.args.profile),
            ("--endpoint-url", self.args.endpoint_url),
        ):
            if value is not None:
                argv += [flag, value]
        return argv

    def command(self, *argv: str) -> str:
        """The shell command that runs ``argv`` against the same service."""
        return shlex.join([PROG, *self.connection_options(), *argv])

    def task_command(self, command: str, voice_connector_id: str, task_id: str) -> str:
        """The shell command that runs ``command`` (get, wait) on a task."""
        return shlex.join(
            [
                PROG,
                *self.connection_options(),
                command,
                "--voice-connector-id",
                voice_connector_id,
                "--speaker-search-task-id",
                task_id,
            ]
        )

    def poll_policy(self) -> tuple[float, PollPolicy]:
        """The wait's timeout and poll policy from --timeout, --poll-min, --poll-max."""
        args = self.args
        low = args.poll_min if args.poll_min is not None else DEFAULT_POLL.min_delay
        high = args.poll_max if args.poll_max is not None else max(DEFAULT_POLL.max_delay, low)
        if args.poll_min is None and high < low:
            low = high
        if high < low:
            raise UsageError(f"--poll-max ({high:g}) must be at least --poll-min ({low:g})")
        timeout = args.timeout if args.timeout is not None else DEFAULT_TIMEOUT
        return timeout, PollPolicy(min_delay=low, max_delay=high)


def _is_configuration_error(error: Exception) -> bool:
    """Whether making a client failed because of what it was configured with.

    Before any request, botocore fails only on its inputs: the region, the endpoint,
    the profile and config files (``BotoCoreError``\\ s, and ``ValueError``\\ s for
    some endpoints).
    """
    from botocore.exceptions import BotoCoreError  # noqa: PLC0415 (imported by the client)

    return isinstance(error, (BotoCoreError, ValueError))
