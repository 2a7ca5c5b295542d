"""The ``chime-speaker-search`` command line: speaker search tasks and voice profiles, for scripts.

It feels like ``aws chime-sdk-voice`` (the same JSON and text on stdout, ``--query``,
so ``jq`` pipelines and shell scripts keep working) but validates before sending,
retries, makes starts idempotent, waits properly, and reports the outcome as an exit
code. Progress and errors go to stderr; stdout carries only the result.

One module per job: ``_parser`` (options), ``_console`` (stderr and the progress
line), ``_render`` (JSON, text, tables), ``_run`` (one invocation and its client),
``_tasks`` (start, get, wait, stop), ``_profiles`` (profiles, domains, enrolling after a
start), ``_emulator`` (emulator, demo), ``_exit`` (exit codes and interruptions),
``_main`` (the glue), ``_startup`` (Ctrl-C while loading).

This module stays import-light on purpose: the library's package imports
``_startup`` from here first thing, and :func:`main` imports the rest only when run,
inside its handling of Ctrl-C.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TextIO

__all__ = ["main"]


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
    try:
        from ._main import run  # noqa: PLC0415 (see the module docstring)
    except KeyboardInterrupt:
        from ._startup import report_interrupted  # noqa: PLC0415

        return report_interrupted(stderr)
    return run(argv, stdout=stdout, stderr=stderr)
