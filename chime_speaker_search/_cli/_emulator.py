"""The commands that need no AWS: ``emulator`` (serve one) and ``demo`` (use one)."""

from __future__ import annotations

import ipaddress
import shlex
import time
from typing import TYPE_CHECKING, Final

from chime_speaker_search._clock import SystemClock
from chime_speaker_search._wait import PollPolicy

from ._console import Progress
from ._exit import EXIT_OK, UsageError
from ._parser import PROG
from ._render import demo_summary

if TYPE_CHECKING:
    from chime_speaker_search.testing import DemoSeed, LocalSpeakerSearchService

    from ._run import Invocation

__all__ = ["cmd_demo", "cmd_emulator"]

# Often enough to see IN_QUEUE, IN_PROGRESS and SUCCEEDED go by at 20x, and to notice
# the end within a quarter of a second.
_DEMO_POLL: Final = PollPolicy(min_delay=0.1, max_delay=0.25)
_DEMO_TIMEOUT: Final = 60.0
# What aws_cli_examples() puts before its commands: signed requests, no real keys.
_DUMMY_CREDENTIALS: Final = "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing"


def _start_emulator(
    *, host: str = "127.0.0.1", port: int = 0, time_scale: float
) -> tuple[LocalSpeakerSearchService, DemoSeed]:
    from chime_speaker_search.testing import (  # noqa: PLC0415 (only these commands need it)
        LocalSpeakerSearchService,
        seed_demo,
    )

    service = LocalSpeakerSearchService(host=host, port=port, time_scale=time_scale)
    seed = seed_demo(service)
    try:
        service.start()
    except OSError as error:
        raise UsageError(
            f"cannot listen on {host}:{port}: {error.strerror or error}; choose another --port"
        ) from error
    return service, seed


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _instructions(
    service: LocalSpeakerSearchService, seed: DemoSeed, time_scale: float
) -> list[str]:
    from chime_speaker_search.testing import aws_cli_examples  # noqa: PLC0415

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
    return [
        (
            f"Local speaker search emulator at {url} (region {region}, "
            f"time x{time_scale:g}). Ctrl-C stops it."
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


def cmd_emulator(run: Invocation) -> int:
    """``emulator``: serve a seeded emulator until Ctrl-C, SIGTERM or SIGHUP (exit 0)."""
    args = run.args
    service, seed = _start_emulator(host=args.host, port=args.port, time_scale=args.time_scale)
    try:
        if not _is_loopback(args.host):
            run.console.line(
                f"warning: listening on {args.host}: anyone who can reach it can use the "
                "emulator (it accepts any signed request)"
            )
        run.write("\n".join(_instructions(service, seed, args.time_scale)) + "\n")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:  # Ctrl-C, or SIGTERM/SIGHUP (see _exit.signals_interrupt)
            run.console.line("Stopped the emulator.")
    finally:
        service.stop()
    return EXIT_OK


def cmd_demo(run: Invocation) -> int:
    """``demo``: start_and_wait on an embedded emulator, then print the typed result."""
    service, seed = _start_emulator(time_scale=run.args.time_scale)
    try:
        run.console.line(
            f"Started the local emulator at {service.endpoint_url} "
            f"(time x{run.args.time_scale:g}); Alice is on a call."
        )
        # Offline dummy credentials: the user's AWS set-up is never read. Real time on
        # the client, so the progress lines show how long the demo really takes.
        with (
            service.client(clock=SystemClock()) as client,
            Progress(run.console) as progress,
        ):
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
    if run.args.output == "table" or (run.args.output is None and run.args.query is None):
        run.write(demo_summary(task, seed))
    else:
        run.print_task(task)
    return EXIT_OK
