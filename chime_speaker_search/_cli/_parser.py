"""The command line's options: which command takes which, their checks, their help."""

from __future__ import annotations

import argparse
import importlib
import math
import sys
import textwrap
from typing import TYPE_CHECKING, Any, Final, Protocol

from chime_speaker_search._retry import RetryPolicy
from chime_speaker_search._wait import PollPolicy

from ._exit import EXIT_CODES, UsageError
from ._startup import PROG

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "DEFAULT_POLL",
    "DEFAULT_TIMEOUT",
    "DEMO_TIME_SCALE",
    "EMULATOR_PORT",
    "PROG",
    "Query",
    "build_parser",
    "command_key",
    "parse",
]

DEFAULT_TIMEOUT: Final = 300.0
DEFAULT_POLL: Final = PollPolicy()
DEMO_TIME_SCALE: Final = 20.0  # the demo's 21 emulated seconds pass in about 1 real one
# Not 4566 (LocalStack's edge port, and 4510-4559 its service ports), 5000 (moto server),
# 8000 (DynamoDB Local), 9324 (ElasticMQ), 9000 (MinIO), 3000-3003 (SAM CLI,
# serverless-offline) or 4567-4599 (LocalStack's old per-service ports, kinesalite,
# dynalite): someone testing against those can run this emulator beside them. Below
# 32768, so it is not in Linux's range of ephemeral ports either.
EMULATOR_PORT: Final = 7343
_HELP_WIDTH: Final = 88  # argparse's own text wraps near 80; the table may run a little over

# Which options each command takes. Options given before the command must apply to it
# too: `--endpoint-url X demo` is a mistake, reported, not silently ignored.
_SERVICE = ("region", "profile", "endpoint_url", "max_attempts")
_OUTPUT = ("output", "query")
_GENERAL = ("verbose", "debug")
_APPLIES: Final = {
    "start": (*_SERVICE, *_OUTPUT, *_GENERAL),
    "get": (*_SERVICE, *_OUTPUT, *_GENERAL),
    "wait": (*_SERVICE, *_OUTPUT, *_GENERAL),
    "stop": (*_SERVICE, *_GENERAL),
    "profiles create": (*_SERVICE, *_OUTPUT, *_GENERAL),
    "profiles update": (*_SERVICE, *_OUTPUT, *_GENERAL),
    "profiles get": (*_SERVICE, *_OUTPUT, *_GENERAL),
    "profiles delete": (*_SERVICE, *_GENERAL),
    "profiles list": (*_SERVICE, *_OUTPUT, *_GENERAL),
    "domains get": (*_SERVICE, *_OUTPUT, *_GENERAL),
    "domains list": (*_SERVICE, *_OUTPUT, *_GENERAL),
    "emulator": _GENERAL,
    "demo": (*_OUTPUT, *_GENERAL),
}
_DEFAULTS: Final[dict[str, Any]] = {
    "region": None,
    "profile": None,
    "endpoint_url": None,
    "max_attempts": RetryPolicy().max_attempts,
    "output": None,
    "query": None,
    "verbose": 0,
    "debug": False,
}


# --- values ------------------------------------------------------------------------------


def _seconds(text: str, *, zero_allowed: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    in_range = value >= 0 if zero_allowed else value > 0  # False for NaN too
    if not in_range or math.isinf(value):
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


def _page_size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= 100:  # noqa: PLR2004 (the service's MaxResults range)
        raise argparse.ArgumentTypeError(f"must be 1-100, got {text!r}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:  # noqa: PLR2004 (the largest TCP port)
        raise argparse.ArgumentTypeError(f"must be 0-65535 (0 picks a free port), got {text!r}")
    return value


class Query(Protocol):
    """A compiled ``--query``: a JMESPath expression."""

    def search(self, value: Any) -> Any:  # noqa: ANN401 (JSON in, JSON out)
        """Apply the expression to ``value``."""
        ...


def _query(text: str) -> Query:
    # jmespath comes with botocore (a runtime dependency), as it does for the AWS CLI's
    # --query. It ships no type hints, and its stubs are not a dependency: imported by
    # name, it is typed through the Query protocol instead.
    jmespath = importlib.import_module("jmespath")
    try:
        query: Query = jmespath.compile(text)
    except jmespath.exceptions.JMESPathError as error:
        reason = " ".join(str(error).split())
        raise argparse.ArgumentTypeError(f"not a JMESPath expression ({reason})") from None
    return query


class _VersionAction(argparse.Action):
    """``--version``, read only when asked (importlib.metadata is slow to import)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **_: object) -> None:
        super().__init__(
            option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="print the version"
        )

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        import chime_speaker_search  # noqa: PLC0415

        sys.stdout.write(f"{PROG} {chime_speaker_search.__version__}\n")  # as argparse's does
        parser.exit()


# --- option groups -----------------------------------------------------------------------
# Every option's default is SUPPRESS, so the namespace holds only what was given (before
# or after the command); `parse` checks that against _APPLIES, then fills in _DEFAULTS.


def _service_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("service options")
    group.add_argument("--region", help="AWS region (default: the AWS config chain)")
    group.add_argument("--profile", help="AWS profile from the shared config files")
    group.add_argument(
        "--endpoint-url",
        metavar="URL",
        help="service endpoint (http or https), e.g. the emulator's",
    )
    group.add_argument(
        "--max-attempts",
        type=_attempts,
        metavar="N",
        help=f"requests per call at most, retries included (default: {_DEFAULTS['max_attempts']})",
    )


def _output_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("output options")
    group.add_argument(
        "--output",
        choices=("json", "text", "table"),
        help="result format, as the AWS CLI's (default: table on a terminal, json when piped "
        "or with --query)",
    )
    group.add_argument(
        "--query",
        type=_query,
        metavar="JMESPATH",
        help="print only this part of the result, e.g. SpeakerSearchTask.SpeakerSearchTaskId "
        "(with --output json or text)",
    )


def _general_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("general options")
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        help="log retries and polls to stderr (-vv: more)",
    )
    group.add_argument("--debug", action="store_true", help="show tracebacks for errors")


def _wait_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("waiting")
    group.add_argument(
        "--timeout",
        type=_non_negative_float,
        default=None,
        metavar="SECONDS",
        help=f"give up waiting after this long (default: {DEFAULT_TIMEOUT:g})",
    )
    group.add_argument(
        "--poll-min",
        type=_positive_float,
        default=None,
        metavar="SECONDS",
        help=f"shortest time between polls (default: {DEFAULT_POLL.min_delay:g})",
    )
    group.add_argument(
        "--poll-max",
        type=_positive_float,
        default=None,
        metavar="SECONDS",
        help=f"longest time between polls (default: {DEFAULT_POLL.max_delay:g})",
    )


def _task_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("the task")
    group.add_argument("--voice-connector-id", required=True, metavar="ID")
    group.add_argument("--speaker-search-task-id", required=True, metavar="ID")


def _epilog() -> str:
    width = max(len(code) for code, _ in EXIT_CODES)
    codes = "\n".join(
        textwrap.fill(
            meaning,
            width=_HELP_WIDTH,
            initial_indent=f"  {code:<{width}}  ",
            subsequent_indent=" " * (width + 4),
        )
        for code, meaning in EXIT_CODES
    )
    return f"""\
exit codes:
{codes}

stdout carries only the result: JSON shaped like `aws chime-sdk-voice` output
({{"SpeakerSearchTask": {{...}}}}), its text form, or a table. Progress, logs and errors
go to stderr. A start prints its ClientRequestToken to stderr before sending.

examples:
  {PROG} demo
  {PROG} --region us-east-1 start --voice-connector-id VC --transaction-id TX \\
      --voice-profile-domain-id DOMAIN --wait --timeout 120
  {PROG} get --voice-connector-id VC --speaker-search-task-id TASK \\
      --query SpeakerSearchTask.SpeakerSearchTaskStatus --output text
  {PROG} profiles list --voice-profile-domain-id DOMAIN --output table
"""


_SEE_EXIT_CODES = f"Exit codes: see `{PROG} --help`."


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (exposed for documentation tools and tests).

    Returns:
        The parser of the ``chime-speaker-search`` command.
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=textwrap.fill(
            "Start, inspect, wait for and stop Amazon Chime SDK Voice speaker search tasks, "
            "and enrol callers as voice profiles. The options below may also follow the "
            "command.",
            width=_HELP_WIDTH,
        ),
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        argument_default=argparse.SUPPRESS,
    )
    parser.add_argument("--version", action=_VersionAction)
    _service_options(parser)
    _output_options(parser)
    _general_options(parser)
    commands: _Commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return _add_command(commands, name, help_text)

    start = add("start", "Start a speaker search task (and optionally wait for it).")
    group = start.add_argument_group("the task")
    group.add_argument("--voice-connector-id", required=True, metavar="ID")
    group.add_argument("--transaction-id", required=True, metavar="ID")
    group.add_argument("--voice-profile-domain-id", required=True, metavar="ID")
    group.add_argument(
        "--call-leg",
        choices=("Caller", "Callee"),
        default=None,
        help="the leg to analyse (default: Caller)",
    )
    group.add_argument(
        "--client-request-token",
        metavar="TOKEN",
        default=None,
        help="idempotency token (default: a fresh one, printed to stderr before the start is "
        "sent, so a retry can reuse it)",
    )
    start.add_argument(
        "--wait",
        action="store_true",
        default=False,
        help="wait for the task to finish, then print it",
    )
    _wait_options(start)
    group = start.add_argument_group("enrolment (only with the caller's consent)")
    group.add_argument(
        "--enrol",
        action="store_true",
        default=False,
        help="with --wait: when the task made a voiceprint, enrol the caller (a new voice "
        "profile; or refresh --voice-profile-id) and print the profile too",
    )
    group.add_argument(
        "--voice-profile-id",
        metavar="ID",
        default=None,
        help="with --enrol: the profile to refresh instead of creating one",
    )

    _task_options(add("get", "Print a speaker search task's current status and results."))

    wait = add("wait", "Wait for a speaker search task to finish, then print it.")
    _task_options(wait)
    _wait_options(wait)

    _task_options(
        add("stop", "Stop a speaker search task (it ends STOPPED). Prints nothing on stdout.")
    )

    _voice_profile_commands(commands)

    emulator = add("emulator", "Serve the local emulator, seeded with demo data, until Ctrl-C.")
    group = emulator.add_argument_group("the emulator")
    group.add_argument("--host", default="127.0.0.1", help="address (default: %(default)s)")
    group.add_argument(
        "--port",
        type=_port,
        default=EMULATOR_PORT,
        help="port, 0 for a free one (default: %(default)s)",
    )
    group.add_argument(
        "--time-scale",
        type=_positive_float,
        default=1.0,
        metavar="FACTOR",
        help="emulated seconds per real second (default: %(default)s)",
    )

    demo = add(
        "demo",
        "Run start_and_wait on an embedded emulator and print the typed result. "
        "Needs no AWS credentials or network.",
    )
    demo.add_argument(
        "--time-scale",
        type=_positive_float,
        default=DEMO_TIME_SCALE,
        metavar="FACTOR",
        help="emulated seconds per real second (default: %(default)s)",
    )
    return parser


class _Commands(Protocol):
    """What argparse's ``add_subparsers()`` returns (its class is private)."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:  # noqa: ANN401
        """Add a command."""
        ...


def _add_command(
    under: _Commands, name: str, help_text: str, key: str | None = None
) -> argparse.ArgumentParser:
    """Add a command with the option groups that apply to it (``_APPLIES[key or name]``)."""
    command = under.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog=_SEE_EXIT_CODES,
        argument_default=argparse.SUPPRESS,
    )
    applies = _APPLIES[key or name]
    if "region" in applies:
        _service_options(command)
    if "output" in applies:
        _output_options(command)
    _general_options(command)
    return command


def _voice_profile_commands(commands: _Commands) -> None:
    """``profiles create|update|get|delete|list`` and ``domains get|list``."""
    profiles = commands.add_parser(
        "profiles",
        help="Create, refresh, read, delete and list voice profiles (enrolled callers).",
        description="Voice profiles: enrolled callers a speaker search can identify. Create "
        "and update enrol a caller's voice: only with the caller's consent.",
        epilog=_SEE_EXIT_CODES,
    )
    actions: _Commands = profiles.add_subparsers(dest="action", metavar="ACTION", required=True)

    def profile(name: str, help_text: str) -> argparse.ArgumentParser:
        return _add_command(actions, name, help_text, f"profiles {name}")

    def option(parser: argparse.ArgumentParser, flag: str) -> None:
        parser.add_argument(flag, required=True, metavar="ID")

    create = profile(
        "create",
        "Enrol a caller: make a voice profile from a speaker search task's voiceprint "
        "(kept 24 hours). Never repeated after a lost answer (exit 6).",
    )
    option(create, "--speaker-search-task-id")
    update = profile(
        "update",
        "Refresh a voice profile with a newer task's voiceprint (extends its life). Never "
        "repeated after a lost answer (exit 6).",
    )
    option(update, "--voice-profile-id")
    option(update, "--speaker-search-task-id")
    option(profile("get", "Print a voice profile."), "--voice-profile-id")
    option(
        profile(
            "delete",
            "Delete a voice profile. Prints nothing on stdout. Never repeated after a lost "
            "answer (exit 6).",
        ),
        "--voice-profile-id",
    )
    listing = profile("list", "List a domain's voice profiles (every page).")
    option(listing, "--voice-profile-domain-id")
    listing.add_argument(
        "--page-size",
        type=_page_size,
        default=None,
        metavar="N",
        help="profiles per request, 1-100 (default: the service's)",
    )

    domains = commands.add_parser(
        "domains",
        help="Read and list voice profile domains.",
        description="Voice profile domains: the collections of voice profiles a speaker "
        "search searches.",
        epilog=_SEE_EXIT_CODES,
    )
    actions = domains.add_subparsers(dest="action", metavar="ACTION", required=True)
    option(
        _add_command(actions, "get", "Print a voice profile domain.", "domains get"),
        "--voice-profile-domain-id",
    )
    listing = _add_command(
        actions, "list", "List the voice profile domains (every page).", "domains list"
    )
    listing.add_argument(
        "--page-size",
        type=_page_size,
        default=None,
        metavar="N",
        help="domains per request, 1-100 (default: the service's)",
    )


def command_key(args: argparse.Namespace) -> str:
    """The command as ``_APPLIES`` names it: ``"start"``, ``"profiles create"``..."""
    action = getattr(args, "action", None)
    return f"{args.command} {action}" if action else str(args.command)


_FLAGS: Final = {
    "region": "--region",
    "profile": "--profile",
    "endpoint_url": "--endpoint-url",
    "max_attempts": "--max-attempts",
    "output": "--output",
    "query": "--query",
    "verbose": "--verbose",
    "debug": "--debug",
}


def _check(args: argparse.Namespace) -> None:
    command = command_key(args)
    misplaced = [
        _FLAGS[name] for name in _DEFAULTS if name in vars(args) and name not in _APPLIES[command]
    ]
    if misplaced:
        flags = ", ".join(misplaced)
        if command in {"emulator", "demo"}:
            raise UsageError(f"{command} runs its own local emulator; {flags} does not apply")
        raise UsageError(f"{flags} does not apply to {command}")
    if getattr(args, "query", None) is not None and getattr(args, "output", None) == "table":
        raise UsageError("--query needs --output json or text (a table shows the whole task)")


def parse(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``argv``, check the options fit the command, and fill in the defaults.

    Raises:
        UsageError: An option that does not apply to the command, or a bad combination.
        SystemExit: From argparse: ``--help``, ``--version``, or a usage error it printed.
    """
    args = parser.parse_args(argv)
    _check(args)
    for name, value in _DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, value)
    return args
