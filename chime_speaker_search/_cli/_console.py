"""stderr: error and log lines, warnings as one line, and a wait's progress."""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import threading
import time
import warnings
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from collections.abc import Iterator

    from typing_extensions import Self

    from chime_speaker_search._models import SpeakerSearchTask

__all__ = ["Console", "Progress", "isatty", "logging_to", "one_line", "warnings_to"]

logger = logging.getLogger("chime_speaker_search.cli")

_LIVE_REFRESH = 0.1  # seconds between redraws of the live status line
_SPINNER = "|/-\\"
_LINE_BREAKS = re.compile(r"[ \t]*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+[ \t]*")


def isatty(stream: TextIO | None) -> bool:
    """Whether ``stream`` is a terminal (file-like objects may not say)."""
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except (OSError, ValueError):  # closed
        return False


def one_line(text: str) -> str:
    """``text`` on one line: each line break, with the blanks around it, made one space.

    Other whitespace is kept: a message quoting a value (``got '   '``) stays exact.
    """
    return _LINE_BREAKS.sub(" ", text).strip()


class Console:
    """Writes to stderr, keeping an optional live status line at the bottom.

    Every write holds one lock, so log lines, status lines and the redraw thread
    never interleave mid-line. A closed or broken stderr (``2>&-``) is not an error:
    there is nowhere left to report, and the exit code still tells the outcome.
    """

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self.live = isatty(stream)
        self._lock = threading.Lock()
        self._status: str | None = None

    def _write(self, text: str) -> None:
        if self.stream is None:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.stream = None  # do not try again, line after line

    def line(self, text: str) -> None:
        """Write one line above the live status line."""
        with self._lock:
            erase = "\r\x1b[K" if self._status is not None else ""
            self._write(erase + text + "\n" + (self._status or ""))

    def error(self, text: str) -> None:
        """Write ``error: text`` as one line."""
        self.line(f"error: {one_line(text)}")

    def status(self, text: str | None) -> None:
        """Replace the live status line (``None`` removes it)."""
        if text is not None:
            # A line that wraps could not be erased with \r: keep it within the width.
            text = text[: shutil.get_terminal_size().columns - 1]
        with self._lock:
            if self._status is not None or text is not None:
                self._write("\r\x1b[K" + (text or ""))
            self._status = text


class _ConsoleHandler(logging.Handler):
    def __init__(self, console: Console) -> None:
        super().__init__()
        self._console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._console.line(f"{record.levelname.lower()}: {one_line(record.getMessage())}")
        except Exception:  # noqa: BLE001  # pragma: no cover (logging must never break the command)
            self.handleError(record)


@contextlib.contextmanager
def logging_to(console: Console, verbosity: int) -> Iterator[None]:
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


@contextlib.contextmanager
def warnings_to(console: Console) -> Iterator[None]:
    """Print each warning as one ``warning: ...`` line, without a source line.

    Python's own format (file, line number, category, the source line) is for the
    authors of the code that warned; a user of the command needs the sentence. The
    library's warnings (an unencrypted endpoint) are always shown, once each.
    """

    def show(  # noqa: PLR0917 (the signature warnings.showwarning has)
        message: Warning | str,
        category: type[Warning],  # noqa: ARG001
        filename: str,  # noqa: ARG001
        lineno: int,  # noqa: ARG001
        file: TextIO | None = None,  # noqa: ARG001
        line: str | None = None,  # noqa: ARG001
    ) -> None:
        console.line(f"warning: {one_line(str(message))}")

    with warnings.catch_warnings():
        warnings.filterwarnings("default", category=UserWarning, module="chime_speaker_search")
        warnings.showwarning = show
        yield


class Progress:
    """Reports a wait: one line per status change, or a live line on a terminal."""

    def __init__(self, console: Console) -> None:
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
