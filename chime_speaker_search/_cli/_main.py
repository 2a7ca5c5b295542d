"""The glue: parse, run the command, and turn whatever happens into an exit code."""

from __future__ import annotations

import contextlib
import sys
import traceback
from typing import TYPE_CHECKING, TextIO

from ._console import Console, logging_to, warnings_to
from ._emulator import cmd_demo, cmd_emulator
from ._exit import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    SignalInterrupt,
    UsageError,
    exit_code_for,
    signals_interrupt,
)
from ._parser import build_parser, command_key, parse
from ._profiles import (
    cmd_domains_get,
    cmd_domains_list,
    cmd_profiles_create,
    cmd_profiles_delete,
    cmd_profiles_get,
    cmd_profiles_list,
    cmd_profiles_update,
)
from ._run import Invocation
from ._tasks import cmd_get, cmd_start, cmd_stop, cmd_wait

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence

__all__ = ["run"]

_COMMANDS: dict[str, Callable[[Invocation], int]] = {
    "start": cmd_start,
    "get": cmd_get,
    "wait": cmd_wait,
    "stop": cmd_stop,
    "profiles create": cmd_profiles_create,
    "profiles update": cmd_profiles_update,
    "profiles get": cmd_profiles_get,
    "profiles delete": cmd_profiles_delete,
    "profiles list": cmd_profiles_list,
    "domains get": cmd_domains_get,
    "domains list": cmd_domains_list,
    "emulator": cmd_emulator,
    "demo": cmd_demo,
}


def _parse(
    argv: Sequence[str], stdout: TextIO | None, console: Console
) -> argparse.Namespace | int:
    parser = build_parser()
    stderr = console.stream
    try:
        # argparse writes --help and --version to sys.stdout, usage errors to sys.stderr
        # (and skips a closed one, None).
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            return parse(parser, argv)
    except SystemExit as exit_:  # --help, --version, or a usage error (already printed)
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    except UsageError as error:
        console.error(str(error))
        return EXIT_USAGE


def _interrupted(run: Invocation, console: Console) -> None:
    """Say what an interruption left behind, and how to carry on."""
    console.status(None)
    if run.resume is not None:
        console.line(
            f"interrupted: speaker search task {run.resume[1]} is still running; "
            "resume waiting with:"
        )
        console.line(f"  {run.task_command('wait', *run.resume)}")
    elif run.interrupted_hint is not None:
        console.line(f"interrupted: {run.interrupted_hint}")
    else:
        console.line("interrupted")


def _exit_code(interruption: KeyboardInterrupt) -> int:
    if isinstance(interruption, SignalInterrupt):
        return interruption.exit_code
    return EXIT_INTERRUPTED


def _dispatch(invocation: Invocation, console: Console) -> int:
    args = invocation.args
    with logging_to(console, args.verbose), warnings_to(console):
        try:
            return _COMMANDS[command_key(args)](invocation)
        except KeyboardInterrupt as interruption:
            _interrupted(invocation, console)
            return _exit_code(interruption)
        except Exception as error:  # noqa: BLE001 (every error becomes a line and a code)
            code, text = exit_code_for(error)
            if args.debug and console.stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    traceback.print_exception(
                        type(error), error, error.__traceback__, file=console.stream
                    )
            console.error(text)
            return code


def run(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run the command (see :func:`chime_speaker_search._cli.main`)."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    console = Console(err)
    try:
        with signals_interrupt():
            parsed = _parse(list(sys.argv[1:] if argv is None else argv), out, console)
            if isinstance(parsed, int):
                return parsed
            return _dispatch(Invocation(parsed, out, console), console)
    except KeyboardInterrupt as interruption:  # while parsing or setting up
        console.line("interrupted")
        return _exit_code(interruption)
