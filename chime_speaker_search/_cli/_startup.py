"""Ctrl-C while the command is still loading: one line, not a traceback.

The command's entry point (``chime_speaker_search._cli:main``) can only run once the
``chime_speaker_search`` package has been imported, which takes a noticeable moment;
a Ctrl-C in that moment would end the process with a traceback through import
machinery. The package imports this module first thing, and, only in a process that
*is* this command (its console script or ``python -m chime_speaker_search``), an
uncaught ``KeyboardInterrupt`` is reported as ``interrupted``. The process still dies
of SIGINT, as a shell expects of Ctrl-C. Programs that merely import the library are
left alone. Standard library only, and cheap: it runs on every import of the package.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType
    from typing import TextIO

    ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]

__all__ = ["EXIT_INTERRUPTED", "guard_startup", "is_this_command", "report_interrupted"]

PROG = "chime-speaker-search"
EXIT_INTERRUPTED = 130
"""Interrupted by Ctrl-C (128 + SIGINT)."""


def is_this_command(argv: list[str], orig_argv: list[str]) -> bool:
    """Whether the process runs the ``chime-speaker-search`` command.

    Args:
        argv: ``sys.argv``: its first item is the console script's path.
        orig_argv: ``sys.orig_argv``: ``python -m chime_speaker_search`` shows here
            (while the package loads, ``sys.argv[0]`` is only ``"-m"``).
    """
    script = os.path.basename(argv[0]) if argv else ""  # noqa: PTH119 (str in, str out)
    if script in {PROG, f"{PROG}.exe", f"{PROG}-script.py"}:
        return True
    for index, item in enumerate(orig_argv[:-1]):
        if item == "-m":
            return orig_argv[index + 1] == "chime_speaker_search"
    return False


def report_interrupted(stderr: TextIO | None = None) -> int:
    """Print ``interrupted`` (if stderr is open) and return the exit code for it."""
    stream = stderr if stderr is not None else sys.stderr
    if stream is not None:
        try:
            stream.write("interrupted\n")
            stream.flush()
        except (OSError, ValueError):  # a closed stderr: the exit code still tells
            pass
    return EXIT_INTERRUPTED


def _quiet_interrupt_hook(previous: ExceptHook) -> ExceptHook:
    def hook(
        kind: type[BaseException], error: BaseException, traceback: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            report_interrupted()
            return
        previous(kind, error, traceback)

    return hook


def guard_startup() -> None:
    """In this command's own process, report an uncaught Ctrl-C as one line."""
    if is_this_command(list(sys.argv), list(getattr(sys, "orig_argv", []))):
        sys.excepthook = _quiet_interrupt_hook(sys.excepthook)


guard_startup()
