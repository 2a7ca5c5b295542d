"""The ``chime-speaker-search`` command line: start, get and wait for tasks from scripts.

It feels like ``aws chime-sdk-voice`` (same JSON on stdout, so ``jq`` pipelines keep
working) but validates before sending, retries, makes starts idempotent, waits
properly, and reports the outcome as an exit code. Progress and errors go to
stderr; stdout carries only the result. Standard library only (argparse).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import ipaddress
import json
import logging
import os
import shlex
import shutil
import signal
import sys
import threading
import time
import traceback
import uuid
from typing import TYPE_CHECKING, Any, TextIO

from ._client import SpeakerSearchClient
from ._retry import RetryPolicy
from ._wait import PollPolicy
from .errors import (
    InvalidParameterError,
    MalformedResponseError,
    ServiceError,
    SpeakerSearchError,
    TaskFailedError,
    TransportError,
    WaitTimeoutError,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from datetime import datetime

    import boto3
    from typing_extensions import Self

    from ._models import SpeakerSearchTask
    from .testing import DemoSeed, LocalSpeakerSearchService

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_SERVICE_ERROR",
    "EXIT_TIMEOUT",
    "EXIT_TRANSPORT_ERROR",
    "EXIT_USAGE",
    "main",
]

PROG = "chime-speaker-search"

EXIT_OK = 0
"""The task SUCCEEDED or PARTIAL_SUCCESS, or the command did what it was asked."""
EXIT_FAILED = 1
"""The task waited on ended FAILED or STOPPED."""
EXIT_USAGE = 2
"""Bad command line, invalid parameter (nothing was sent), or bad AWS configuration."""
EXIT_TIMEOUT = 3
"""The wait's --timeout ran out before the task finished."""
EXIT_SERVICE_ERROR = 4
"""The service answered with an error (after retries) or an unreadable response."""
EXIT_TRANSPORT_ERROR = 5
"""The service could not be reached (after retries)."""
EXIT_INTERNAL = 70
"""An unexpected error: a bug (run with --debug and report the traceback)."""
EXIT_INTERRUPTED = 130
"""Interrupted (Ctrl-C)."""

_EPILOG = f"""\
exit codes:
  {EXIT_OK}    the task SUCCEEDED or PARTIAL_SUCCESS (wait, start --wait), or the command
       did what it was asked (start, get, emulator, demo)
  {EXIT_FAILED}    the task ended FAILED or STOPPED (its JSON is still printed)
  {EXIT_USAGE}    usage error, invalid parameter (nothing sent), or AWS configuration error
  {EXIT_TIMEOUT}    the wait timed out (the task may still finish: run `wait` again)
  {EXIT_SERVICE_ERROR}    the service returned an error, after retries
  {EXIT_TRANSPORT_ERROR}    the service could not be reached, after retries
  {EXIT_INTERNAL}   internal error (a bug: please report it with the --debug output)
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C); a wait prints the command that resumes it

stdout carries only the result: JSON shaped like `aws chime-sdk-voice` output
({{"SpeakerSearchTask": {{...}}}}), or a table. Progress, logs and errors go to stderr.

examples:
  {PROG} demo
  {PROG} --region us-east-1 start --voice-connector-id VC --transaction-id TX \\
      --voice-profile-domain-id DOMAIN --wait --timeout 120
  {PROG} get --voice-connector-id VC --speaker-search-task-id TASK | jq .SpeakerSearchTask
"""

_DEFAULT_TIMEOUT = 300.0
_DEFAULT_POLL = PollPolicy()
_LIVE_REFRESH = 0.1  # seconds between redraws of the live status line
_SPINNER = "|/-\\"
_DEMO_TIME_SCALE = 10.0  # the demo's 21 emulated seconds pass in about 2 real ones
_DEMO_POLL = PollPolicy(min_delay=0.2, max_delay=0.5)
_DEMO_TIMEOUT = 60.0
_EMULATOR_PORT = 4566
# What aws_cli_examples() puts before its commands: signed requests, no real keys.
_DUMMY_CREDENTIALS = "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing"

logger = logging.getLogger("chime_speaker_search.cli")


class _UsageError(Exception):
    """A problem with the command line found after parsing (exit 2)."""


# --- argument parsing -------------------------------------------------------------------


def _seconds(text: str, *, zero_allowed: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    in_range = value >= 0 if zero_allowed else value > 0  # False for NaN too
    if not in_range or value == float("inf"):
        rule = "zero or more" if zero_allowed else "a positive number"
        raise argparse.ArgumentTypeError(f"must be {rule}, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    return _seconds(text, zero_allowed=False)


def _non_negative_float(text: str) -> float:
    return _seconds(text, zero_allowed=True)


def _attempts(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:  # noqa: PLR2004 (the largest TCP port)
        raise argparse.ArgumentTypeError(f"must be 0-65535 (0 picks a free port), got {text!r}")
    return value


def _global_options(*, suppress: bool) -> argparse.ArgumentParser:
    """The global options, accepted before and after the command.

    The copy given to each command defaults to SUPPRESS, so it only overrides what
    was said before the command when the option is repeated after it.
    """

    def default(*, value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    parser = argparse.ArgumentParser(add_help=False)
    group = parser.add_argument_group("global options")
    group.add_argument(
        "--region", default=default(value=None), help="AWS region (default: the AWS config chain)"
    )
    group.add_argument(
        "--profile", default=default(value=None), help="AWS profile from the shared config files"
    )
    group.add_argument(
        "--endpoint-url",
        default=default(value=None),
        help="service endpoint, e.g. the emulator's URL",
    )
    group.add_argument(
        "--max-attempts",
        type=_attempts,
        default=default(value=RetryPolicy().max_attempts),
        metavar="N",
        help="requests per call at most, retries included (default: %(default)s)"
        if not suppress
        else "requests per call at most, retries included",
    )
    group.add_argument(
        "--output",
        choices=("json", "table"),
        default=default(value=None),
        help="result format (default: table on a terminal, json when piped)",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default(value=0),
        help="log retries, polls and the generated token to stderr (-vv: more)",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=default(value=False),
        help="show tracebacks for errors",
    )
    return parser


def _wait_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("waiting")
    group.add_argument(
        "--timeout",
        type=_non_negative_float,
        metavar="SECONDS",
        help=f"give up waiting after this long (default: {_DEFAULT_TIMEOUT:g})",
    )
    group.add_argument(
        "--poll-min",
        type=_positive_float,
        metavar="SECONDS",
        help=f"shortest time between polls (default: {_DEFAULT_POLL.min_delay:g})",
    )
    group.add_argument(
        "--poll-max",
        type=_positive_float,
        metavar="SECONDS",
        help=f"longest time between polls (default: {_DEFAULT_POLL.max_delay:g})",
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (exposed for documentation tools and tests).

    Returns:
        The parser of the ``chime-speaker-search`` command.
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Start, inspect and wait for Amazon Chime SDK Voice speaker search tasks.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_global_options(suppress=False)],
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = [_global_options(suppress=True)]

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=_EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=common,
        )

    start = add("start", "Start a speaker search task (and optionally wait for it).")
    start.add_argument("--voice-connector-id", required=True, metavar="ID")
    start.add_argument("--transaction-id", required=True, metavar="ID")
    start.add_argument("--voice-profile-domain-id", required=True, metavar="ID")
    start.add_argument(
        "--call-leg", choices=("Caller", "Callee"), help="the leg to analyse (default: Caller)"
    )
    start.add_argument(
        "--client-request-token",
        metavar="TOKEN",
        help="idempotency token (default: a fresh one, printed with -v so a retry can reuse it)",
    )
    start.add_argument(
        "--wait", action="store_true", help="wait for the task to finish, then print it"
    )
    _wait_options(start)

    get = add("get", "Print a speaker search task's current status and results.")
    get.add_argument("--voice-connector-id", required=True, metavar="ID")
    get.add_argument("--speaker-search-task-id", required=True, metavar="ID")

    wait = add("wait", "Wait for a speaker search task to finish, then print it.")
    wait.add_argument("--voice-connector-id", required=True, metavar="ID")
    wait.add_argument("--speaker-search-task-id", required=True, metavar="ID")
    _wait_options(wait)

    emulator = add(
        "emulator",
        "Serve the local emulator, seeded with demo data, until Ctrl-C.",
    )
    emulator.add_argument("--host", default="127.0.0.1", help="address (default: %(default)s)")
    emulator.add_argument(
        "--port",
        type=_port,
        default=_EMULATOR_PORT,
        help="port, 0 for a free one (default: %(default)s)",
    )
    emulator.add_argument(
        "--time-scale",
        type=_positive_float,
        default=1.0,
        metavar="FACTOR",
        help="emulated seconds per real second (default: %(default)s)",
    )

    demo = add(
        "demo",
        "Run start_and_wait on the embedded emulator and print the typed result.",
    )
    demo.add_argument(
        "--time-scale",
        type=_positive_float,
        default=_DEMO_TIME_SCALE,
        metavar="FACTOR",
        help="emulated seconds per real second (default: %(default)s)",
    )
    return parser


# --- the console: results on stdout, progress on stderr ----------------------------------


def _isatty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)  # file-like objects may lack it
    return bool(isatty()) if isatty is not None else False


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _Console:
    """Writes to stderr, keeping an optional live status line at the bottom.

    Every write holds one lock, so log lines, status lines and the redraw thread
    never interleave mid-line.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = _isatty(stream)
        self._lock = threading.Lock()
        self._status: str | None = None

    def line(self, text: str) -> None:
        """Write one line above the live status line."""
        with self._lock:
            if self._status is not None:
                self.stream.write("\r\x1b[K")
            self.stream.write(text + "\n")
            if self._status is not None:
                self.stream.write(self._status)
            self.stream.flush()

    def status(self, text: str | None) -> None:
        """Replace the live status line (``None`` removes it)."""
        if text is not None:
            # A line that wraps could not be erased with \r: keep it within the width.
            text = text[: shutil.get_terminal_size().columns - 1]
        with self._lock:
            if self._status is not None or text is not None:
                self.stream.write("\r\x1b[K" + (text or ""))
                self.stream.flush()
            self._status = text


class _ConsoleHandler(logging.Handler):
    def __init__(self, console: _Console) -> None:
        super().__init__()
        self._console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._console.line(f"{record.levelname.lower()}: {_one_line(record.getMessage())}")
        except Exception:  # noqa: BLE001  # pragma: no cover (logging must never break the command)
            self.handleError(record)


@contextlib.contextmanager
def _logging_to(console: _Console, verbosity: int) -> Iterator[None]:
    """Send the library's log records to stderr at INFO (-v) or DEBUG (-vv)."""
    if verbosity <= 0:
        yield
        return
    library = logging.getLogger("chime_speaker_search")
    handler = _ConsoleHandler(console)
    old_level = library.level
    library.addHandler(handler)
    library.setLevel(logging.INFO if verbosity == 1 else logging.DEBUG)
    try:
        yield
    finally:
        library.removeHandler(handler)
        library.setLevel(old_level)


class _Progress:
    """Reports a wait: one line per status change, or a live line on a terminal."""

    def __init__(self, console: _Console) -> None:
        self._console = console
        self._started = time.monotonic()
        self._polls = 0
        self._task: SpeakerSearchTask | None = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def poll(self, task: SpeakerSearchTask) -> None:
        """``on_poll`` for the client: a poll answered (failed polls are logged by the client)."""
        self._polls += 1
        logger.info("Poll %d: %s", self._polls, task.speaker_search_task_status.value)

    def _describe(self) -> str:
        task = self._task
        status = task.speaker_search_task_status.value if task else "waiting"
        task_id = task.speaker_search_task_id if task else "(starting)"
        polls = f"{self._polls} poll" + ("" if self._polls == 1 else "s")
        return f"task {task_id}: {status} after {time.monotonic() - self._started:.1f}s, {polls}"

    def update(self, task: SpeakerSearchTask) -> None:
        """``on_update`` for the client: a new status was observed."""
        self._task = task
        if not self._console.live:
            self._console.line(self._describe())

    def __enter__(self) -> Self:
        if self._console.live:
            self._ticker = threading.Thread(target=self._tick, name="cli-status", daemon=True)
            self._ticker.start()
        return self

    def _tick(self) -> None:
        frame = 0
        while not self._stop.wait(_LIVE_REFRESH if frame else 0):
            self._console.status(f"{_SPINNER[frame % len(_SPINNER)]} {self._describe()}")
            frame += 1

    def __exit__(self, *_: object) -> None:
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join()
            self._console.status(None)
            if self._task is not None:
                self._console.line(self._describe())


# --- rendering results -------------------------------------------------------------------


def _json(task: SpeakerSearchTask) -> str:
    # indent=4 and ensure_ascii=False are what the AWS CLI uses, so the two print
    # byte-identical JSON for the same task.
    return json.dumps({"SpeakerSearchTask": task.to_dict()}, indent=4, ensure_ascii=False)


def _when(value: datetime | None) -> str:
    if value is None:
        return "-"
    return value.isoformat(sep=" ", timespec="seconds")


def _table(task: SpeakerSearchTask) -> str:
    details = task.call_details
    leg = None
    if details is not None and details.is_caller is not None:
        leg = "Caller" if details.is_caller else "Callee"
    search = task.speaker_search_details
    rows: list[tuple[str, str | None]] = [
        ("Task", task.speaker_search_task_id),
        ("Status", task.speaker_search_task_status.value),
        ("Message", task.status_message),
        ("Voice connector", details.voice_connector_id if details else None),
        ("Transaction", details.transaction_id if details else None),
        ("Call leg", leg),
        ("Created", _when(task.created_timestamp)),
        ("Started", _when(task.started_timestamp)),
        ("Updated", _when(task.updated_timestamp)),
        (
            "Voiceprint",
            search.voiceprint_generation_status.value
            if search and search.voiceprint_generation_status
            else None,
        ),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"{name:<{width}}  {value}" for name, value in rows if value is not None]
    results = sorted(task.results, key=lambda r: r.confidence_score, reverse=True)
    lines.append("")
    if not results:
        lines.append("Results: none yet" if not task.is_terminal else "Results: none")
        return "\n".join(lines)
    best = task.best_match()
    lines.append(f"Results ({len(results)}, best first; * = best match)")
    lines.append("     Score  Voice profile")
    for result in results:
        mark = "*" if result is best else " "
        lines.append(f"  {mark} {result.confidence_score:6.4f}  {result.voice_profile_id}")
    return "\n".join(lines)


# --- running commands --------------------------------------------------------------------


class _Run:
    """One invocation: parsed options, streams, and the client when needed."""

    def __init__(self, args: argparse.Namespace, stdout: TextIO, console: _Console) -> None:
        self.args = args
        self.stdout = stdout
        self.console = console
        self.output: str = args.output or ("table" if _isatty(stdout) else "json")
        self.resume: list[str] | None = None  # the command that resumes an interrupted wait
        self.interrupted_hint: str | None = None

    def error(self, text: str) -> None:
        self.console.line(f"error: {_one_line(text)}")

    def print_task(self, task: SpeakerSearchTask) -> None:
        try:
            self.stdout.write((_json(task) if self.output == "json" else _table(task)) + "\n")
            self.stdout.flush()
        except BrokenPipeError:
            # The reader stopped reading (`| head`): not a failure of the command, whose
            # exit code still tells the task's outcome. Point stdout at devnull so the
            # interpreter's last flush does not complain either.
            with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, self.stdout.fileno())

    def client(self) -> SpeakerSearchClient:
        session: boto3.Session | None = None
        if self.args.profile is not None:
            import boto3  # noqa: PLC0415 (only a profile needs boto3's session)

            session = boto3.Session(profile_name=self.args.profile)
        return SpeakerSearchClient(
            region_name=self.args.region,
            endpoint_url=self.args.endpoint_url,
            session=session,
            retry=RetryPolicy(max_attempts=self.args.max_attempts),
        )

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

    def wait_command(self, voice_connector_id: str, task_id: str) -> str:
        return shlex.join(
            [
                PROG,
                *self.connection_options(),
                "wait",
                "--voice-connector-id",
                voice_connector_id,
                "--speaker-search-task-id",
                task_id,
            ]
        )

    def poll_policy(self) -> tuple[float, PollPolicy]:
        args = self.args
        low = args.poll_min if args.poll_min is not None else _DEFAULT_POLL.min_delay
        high = args.poll_max if args.poll_max is not None else max(_DEFAULT_POLL.max_delay, low)
        if args.poll_min is None and high < low:
            low = high
        if high < low:
            raise _UsageError(f"--poll-max ({high:g}) must be at least --poll-min ({low:g})")
        timeout = args.timeout if args.timeout is not None else _DEFAULT_TIMEOUT
        return timeout, PollPolicy(min_delay=low, max_delay=high)

    def finish_wait(self, task: SpeakerSearchTask) -> int:
        """Print a terminal task and turn its status into the exit code."""
        self.print_task(task)
        if task.speaker_search_task_status.is_success:
            return EXIT_OK
        reason = f": {task.status_message}" if task.status_message else ""
        self.error(
            f"speaker search task {task.speaker_search_task_id} ended "
            f"{task.speaker_search_task_status.value}{reason}"
        )
        return EXIT_FAILED

    def timed_out(self, error: WaitTimeoutError, voice_connector_id: str, task_id: str) -> int:
        if error.task is None and isinstance(error.__cause__, TransportError):
            # Not one poll got through: the service is unreachable, not the task slow.
            self.error(f"{error.__cause__} (gave up after {error.elapsed:.1f}s, --timeout)")
            return EXIT_TRANSPORT_ERROR
        status = error.task.speaker_search_task_status.value if error.task else "unknown"
        self.error(
            f"speaker search task {task_id} was still {status} after {error.elapsed:.1f}s "
            "(--timeout); it may still finish"
        )
        self.console.line(f"keep waiting with: {self.wait_command(voice_connector_id, task_id)}")
        return EXIT_TIMEOUT


def _cmd_start(run: _Run) -> int:
    args = run.args
    # Made here rather than in the library so it can be shown: a script that dies after
    # sending can re-run the start with it and get the same task back.
    token = args.client_request_token or str(uuid.uuid4())
    start_kwargs: dict[str, Any] = {
        "voice_connector_id": args.voice_connector_id,
        "transaction_id": args.transaction_id,
        "voice_profile_domain_id": args.voice_profile_domain_id,
        "call_leg": args.call_leg,
        "client_request_token": token,
    }
    run.interrupted_hint = (
        "the start may or may not have reached the service; re-run the same start with "
        f"--client-request-token {token} to get the same task without making a second one"
    )
    if args.client_request_token is None:
        logger.info(
            "ClientRequestToken %s (re-run with --client-request-token %s to get the same task)",
            token,
            token,
        )
    if not args.wait:
        if any(v is not None for v in (args.timeout, args.poll_min, args.poll_max)):
            raise _UsageError("--timeout, --poll-min and --poll-max need --wait")
        with run.client() as client:
            task = client.start_speaker_search_task(**start_kwargs)
        run.print_task(task)
        return EXIT_OK
    timeout, poll = run.poll_policy()
    with run.client() as client, _Progress(run.console) as progress:

        def on_update(task: SpeakerSearchTask) -> None:
            run.resume = [args.voice_connector_id, task.speaker_search_task_id]
            progress.update(task)

        try:
            task = client.start_and_wait(
                **start_kwargs,
                timeout=timeout,
                poll=poll,
                on_update=on_update,
                on_poll=progress.poll,
                raise_on_failure=False,
            )
        except WaitTimeoutError as error:
            task_id = error.task.speaker_search_task_id if error.task else "?"
            return run.timed_out(error, args.voice_connector_id, task_id)
    return run.finish_wait(task)


def _cmd_get(run: _Run) -> int:
    with run.client() as client:
        task = client.get_speaker_search_task(
            voice_connector_id=run.args.voice_connector_id,
            speaker_search_task_id=run.args.speaker_search_task_id,
        )
    run.print_task(task)
    return EXIT_OK


def _cmd_wait(run: _Run) -> int:
    args = run.args
    timeout, poll = run.poll_policy()
    run.resume = [args.voice_connector_id, args.speaker_search_task_id]
    with run.client() as client, _Progress(run.console) as progress:
        try:
            task = client.wait(
                voice_connector_id=args.voice_connector_id,
                speaker_search_task_id=args.speaker_search_task_id,
                timeout=timeout,
                poll=poll,
                on_update=progress.update,
                on_poll=progress.poll,
                raise_on_failure=False,
            )
        except WaitTimeoutError as error:
            return run.timed_out(error, args.voice_connector_id, args.speaker_search_task_id)
    return run.finish_wait(task)


def _no_service_options(run: _Run) -> None:
    given = [
        flag
        for flag, value in (
            ("--region", run.args.region),
            ("--profile", run.args.profile),
            ("--endpoint-url", run.args.endpoint_url),
        )
        if value is not None
    ]
    if given:
        raise _UsageError(
            f"{run.args.command} runs its own local emulator; {', '.join(given)} does not apply"
        )


def _start_emulator(
    *, host: str = "127.0.0.1", port: int = 0, time_scale: float
) -> tuple[LocalSpeakerSearchService, DemoSeed]:
    from .testing import LocalSpeakerSearchService, seed_demo  # noqa: PLC0415 (only these commands need it)

    service = LocalSpeakerSearchService(host=host, port=port, time_scale=time_scale)
    seed = seed_demo(service)
    try:
        service.start()
    except OSError as error:
        raise _UsageError(
            f"cannot listen on {host}:{port}: {error.strerror or error}; choose another --port"
        ) from error
    return service, seed


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _cmd_emulator(run: _Run) -> int:
    from .testing import aws_cli_examples  # noqa: PLC0415

    _no_service_options(run)
    args = run.args
    service, seed = _start_emulator(host=args.host, port=args.port, time_scale=args.time_scale)
    try:
        if not _is_loopback(args.host):
            run.console.line(
                f"warning: listening on {args.host}: anyone who can reach it can use the "
                "emulator (it accepts any signed request)"
            )
        url, region = service.endpoint_url, service.region_name
        ours = shlex.join(
            [
                PROG,
                "--endpoint-url",
                url,
                "--region",
                region,
                "start",
                "--voice-connector-id",
                seed.voice_connector_id,
                "--transaction-id",
                seed.succeeding_transaction_id,
                "--voice-profile-domain-id",
                seed.voice_profile_domain_id,
                "--wait",
            ]
        )
        ids = [
            ("Voice connector", seed.voice_connector_id),
            ("Voice profile domain", seed.voice_profile_domain_id),
            *((f"Voice profile ({name})", id_) for name, id_ in seed.voice_profile_ids.items()),
            ("Call ending SUCCEEDED", seed.succeeding_transaction_id),
            ("Call ending PARTIAL_SUCCESS", seed.partial_success_transaction_id),
            ("Call ending FAILED", seed.failing_transaction_id),
        ]
        width = max(len(label) for label, _ in ids) + 1
        lines = [
            (
                f"Local speaker search emulator at {url} (region {region}, "
                f"time x{args.time_scale:g}). Ctrl-C stops it."
            ),
            "",
            *(f"{label + ':':<{width}} {id_}" for label, id_ in ids),
            "",
            "With this command (dummy credentials):",
            f"  {_DUMMY_CREDENTIALS} {ours}",
            "",
            "With the AWS CLI (dummy credentials):",
            *(f"  {example}" for example in aws_cli_examples(service, seed)),
        ]
        run.stdout.write("\n".join(lines) + "\n")
        run.stdout.flush()
        with _sigterm_interrupts():
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                run.console.line("Stopped the emulator.")
    finally:
        service.stop()
    return EXIT_OK


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C (a clean stop, exit 0) while serving."""
    if threading.current_thread() is not threading.main_thread():  # pragma: no cover
        yield  # only the main thread may install signal handlers
        return

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _cmd_demo(run: _Run) -> int:
    from .testing._session import offline_session  # noqa: PLC0415 (only the demo needs it)

    _no_service_options(run)
    service, seed = _start_emulator(time_scale=run.args.time_scale)
    out = run.stdout
    try:
        run.console.line(
            f"Started the local emulator at {service.endpoint_url} "
            f"(time x{run.args.time_scale:g}); Alice is on a call."
        )
        client = SpeakerSearchClient(
            region_name=service.region_name,
            endpoint_url=service.endpoint_url,
            # Signed with dummy credentials; the user's AWS set-up is never read.
            session=offline_session("demo-access-key", "demo-secret-key"),
            retry=RetryPolicy(max_attempts=run.args.max_attempts),
        )
        with client, _Progress(run.console) as progress:
            task = client.start_and_wait(
                voice_connector_id=seed.voice_connector_id,
                transaction_id=seed.succeeding_transaction_id,
                voice_profile_domain_id=seed.voice_profile_domain_id,
                timeout=_DEMO_TIMEOUT,
                poll=_DEMO_POLL,
                on_update=progress.update,
                on_poll=progress.poll,
            )
    finally:
        service.stop()
    if run.args.output == "json":
        run.print_task(task)
        return EXIT_OK
    best = task.best_match(min_confidence=0.85)
    lines = [
        f"Status:     {task.speaker_search_task_status.value}",
        "Best match: "
        + (
            f"{seed.speaker_of(best.voice_profile_id)} ({best.voice_profile_id}), "
            f"confidence {best.confidence_score:.4f}"
            if best
            else "none at or above 0.85"
        ),
        "All scores:",
        *(
            f"  {r.confidence_score:.4f}  {seed.speaker_of(r.voice_profile_id) or '?':<6}"
            f"  {r.voice_profile_id}"
            for r in sorted(task.results, key=lambda r: r.confidence_score, reverse=True)
        ),
    ]
    out.write("\n".join(lines) + "\n")
    out.flush()
    return EXIT_OK


_COMMANDS: dict[str, Callable[[_Run], int]] = {
    "start": _cmd_start,
    "get": _cmd_get,
    "wait": _cmd_wait,
    "emulator": _cmd_emulator,
    "demo": _cmd_demo,
}


# --- errors to exit codes ----------------------------------------------------------------


def _configuration_error_types() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import (  # noqa: PLC0415
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
        ProfileNotFound,
    )

    return (NoCredentialsError, NoRegionError, PartialCredentialsError, ProfileNotFound)


def _exit_code_for(error: BaseException) -> tuple[int, str]:
    """The exit code for an error, and the line to print for it."""
    codes: tuple[tuple[tuple[type[BaseException], ...], int], ...] = (
        ((InvalidParameterError, _UsageError), EXIT_USAGE),
        ((ServiceError, MalformedResponseError), EXIT_SERVICE_ERROR),
        ((TransportError,), EXIT_TRANSPORT_ERROR),
        ((TaskFailedError,), EXIT_FAILED),
        ((WaitTimeoutError,), EXIT_TIMEOUT),
        ((SpeakerSearchError,), EXIT_SERVICE_ERROR),
        (_configuration_error_types(), EXIT_USAGE),
    )
    for types, code in codes:
        if isinstance(error, types):
            text = str(error)
            if type(error).__name__ == "NoRegionError":
                text += " (pass --region or set AWS_DEFAULT_REGION)"
            return code, text
    return EXIT_INTERNAL, f"unexpected {type(error).__name__}: {error} (run with --debug)"


def _parse(argv: Sequence[str], stdout: TextIO, stderr: TextIO) -> argparse.Namespace | int:
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            return parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, or a usage error (already printed)
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the ``chime-speaker-search`` command.

    Args:
        argv: The arguments, without the program name (default: ``sys.argv[1:]``).
        stdout: Where results go (default: ``sys.stdout``).
        stderr: Where progress, logs and errors go (default: ``sys.stderr``).

    Returns:
        The exit code (see ``chime-speaker-search --help``).
    """
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    parsed = _parse(list(sys.argv[1:] if argv is None else argv), out, err)
    if isinstance(parsed, int):
        return parsed
    console = _Console(err)
    run = _Run(parsed, out, console)
    with _logging_to(console, parsed.verbose):
        try:
            return _COMMANDS[parsed.command](run)
        except KeyboardInterrupt:
            console.status(None)
            if run.resume is not None:
                console.line(
                    f"interrupted: speaker search task {run.resume[1]} is still running; "
                    "resume waiting with:"
                )
                console.line(f"  {run.wait_command(*run.resume)}")
            elif run.interrupted_hint is not None:
                console.line(f"interrupted: {run.interrupted_hint}")
            else:
                console.line("interrupted")
            return EXIT_INTERRUPTED
        except Exception as error:  # noqa: BLE001 (every error becomes one line and an exit code)
            code, text = _exit_code_for(error)
            if parsed.debug:
                traceback.print_exception(type(error), error, error.__traceback__, file=err)
            console.line(f"error: {_one_line(text)}")
            return code
