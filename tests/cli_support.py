"""What the command line's tests share: a seeded emulator world, and ways to run the CLI."""

from __future__ import annotations

import io
import re
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from chime_speaker_search._cli import main
from chime_speaker_search.testing import DemoSeed, LocalSpeakerSearchService, ManualClock

if TYPE_CHECKING:
    from collections.abc import Callable

    from chime_speaker_search import SpeakerSearchClient

REPO = Path(__file__).resolve().parent.parent
AWS = Path(sys.executable).parent / "aws"
FAST_POLL = ("--poll-min", "0.02", "--poll-max", "0.05", "--timeout", "10")


class Stream(io.StringIO):
    """A text stream that can claim to be a terminal and react to what is written."""

    def __init__(self, *, tty: bool = False, on_write: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self._tty = tty
        self._on_write = on_write

    def isatty(self) -> bool:
        return self._tty

    def write(self, text: str) -> int:
        written = super().write(text)
        if self._on_write is not None:
            self._on_write(self.getvalue())
        return written


@attrs.frozen
class Outcome:
    code: int
    out: str
    err: str


@attrs.frozen
class World:
    """A running emulator seeded with the demo data, and how to reach it."""

    service: LocalSpeakerSearchService
    seed: DemoSeed

    @property
    def target(self) -> list[str]:
        return ["--endpoint-url", self.service.endpoint_url, "--region", "us-east-1"]

    def client(self) -> SpeakerSearchClient:
        return self.service.client()

    def start(self, transaction_id: str | None = None) -> str:
        with self.client() as client:
            task = client.start_speaker_search_task(
                voice_connector_id=self.seed.voice_connector_id,
                transaction_id=transaction_id or self.seed.succeeding_transaction_id,
                voice_profile_domain_id=self.seed.voice_profile_domain_id,
            )
        return task.speaker_search_task_id

    def advance(self, seconds: float) -> None:
        clock = self.service.clock
        assert isinstance(clock, ManualClock)
        clock.advance(seconds)

    def task_args(self, task_id: str) -> list[str]:
        return [
            "--voice-connector-id",
            self.seed.voice_connector_id,
            "--speaker-search-task-id",
            task_id,
        ]

    def resume_argv(self, task_id: str) -> list[str]:
        """The command the CLI prints to resume waiting for a task of this world."""
        return [
            "chime-speaker-search",
            "--region",
            "us-east-1",
            "--endpoint-url",
            self.service.endpoint_url,
            "wait",
            *self.task_args(task_id),
        ]

    def start_args(self, transaction_id: str | None = None) -> list[str]:
        return [
            "--voice-connector-id",
            self.seed.voice_connector_id,
            "--transaction-id",
            transaction_id or self.seed.succeeding_transaction_id,
            "--voice-profile-domain-id",
            self.seed.voice_profile_domain_id,
        ]


def run(
    *argv: str,
    tty_out: bool = False,
    tty_err: bool = False,
    on_err: Callable[[str], None] | None = None,
    on_out: Callable[[str], None] | None = None,
) -> Outcome:
    out = Stream(tty=tty_out, on_write=on_out)
    err = Stream(tty=tty_err, on_write=on_err)
    code = main(list(argv), stdout=out, stderr=err)
    return Outcome(code, out.getvalue(), err.getvalue())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def status_lines(err: str) -> list[str]:
    return re.findall(r": ([A-Z_]+) after ", err)


def cli_argv(*argv: str) -> list[str]:
    return [sys.executable, "-m", "chime_speaker_search", *argv]
