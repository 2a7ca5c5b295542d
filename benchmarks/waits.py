"""One side of benchmark item 7, in a process of its own: many concurrent waits.

``python -m benchmarks.waits async|sync INFO_JSON`` starts one ``start_and_wait`` per
transaction id in ``INFO_JSON`` (what ``benchmarks.servers emulator`` printed, plus the
poll delays), all at once: on one event loop with ``AsyncSpeakerSearchClient``, or with
``SpeakerSearchClient`` and one thread per wait. The threads are all made first and
start together: made one by one, the first ones would be done before the last ones
began (the maker competes with them for the GIL), and the waits would not all be in
progress at once.

Before the waits, the client is made and makes one call (a Get of a task that does not
exist), and the process's RSS is read: the idle client's. The process prints one JSON
line: the wall time from the first start to the last result (the threads' creation
included), its peak RSS (``ru_maxrss``), the idle RSS, and the outcome of every wait. A
fresh process per side keeps each peak its own; the parent samples the process's
thread count from outside.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import botocore.session
from botocore.config import Config

from chime_speaker_search import (
    AsyncSpeakerSearchClient,
    NotFoundException,
    PollPolicy,
    SpeakerSearchClient,
    SpeakerSearchTask,
)

REGION = "us-east-1"


def _session() -> botocore.session.Session:
    session = botocore.session.Session()
    session.set_credentials("bench", "bench")
    return session


def _rss() -> int:
    """The process's resident set size now, in bytes (Linux)."""
    pages = Path("/proc/self/statm").read_text(encoding="ascii").split()[1]
    return int(pages) * os.sysconf("SC_PAGE_SIZE")


def _run_async(info: dict[str, Any], poll: PollPolicy) -> tuple[list[object], float, int]:
    client = AsyncSpeakerSearchClient(
        session=_session(), region_name=REGION, endpoint_url=info["endpoint_url"]
    )

    async def warm_up() -> None:
        with contextlib.suppress(NotFoundException):
            await client.get_speaker_search_task(
                voice_connector_id=info["voice_connector_id"], speaker_search_task_id="none"
            )

    async def waits() -> list[object]:
        async with client:
            return list(
                await asyncio.gather(
                    *(
                        client.start_and_wait(
                            voice_connector_id=info["voice_connector_id"],
                            transaction_id=call,
                            voice_profile_domain_id=info["voice_profile_domain_id"],
                            poll=poll,
                            timeout=300,
                        )
                        for call in info["transaction_ids"]
                    ),
                    return_exceptions=True,
                )
            )

    asyncio.run(warm_up())
    idle = _rss()
    started = time.perf_counter()
    results = asyncio.run(waits())
    return results, time.perf_counter() - started, idle


def _run_sync(info: dict[str, Any], poll: PollPolicy) -> tuple[list[object], float, int]:
    calls = info["transaction_ids"]
    together = threading.Barrier(len(calls) + 1)
    # One connection per thread: no thread waits for another's connection.
    config = Config(max_pool_connections=len(calls))
    results: list[object] = [None] * len(calls)
    with SpeakerSearchClient(
        session=_session(), region_name=REGION, endpoint_url=info["endpoint_url"], config=config
    ) as client:
        with contextlib.suppress(NotFoundException):
            client.get_speaker_search_task(
                voice_connector_id=info["voice_connector_id"], speaker_search_task_id="none"
            )
        idle = _rss()

        def one(index: int) -> None:
            together.wait()
            try:
                results[index] = client.start_and_wait(
                    voice_connector_id=info["voice_connector_id"],
                    transaction_id=calls[index],
                    voice_profile_domain_id=info["voice_profile_domain_id"],
                    poll=poll,
                    timeout=300,
                )
            except Exception as error:  # noqa: BLE001 (reported in the outcome)
                results[index] = error

        started = time.perf_counter()
        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(calls))]
        for thread in threads:
            thread.start()
        together.wait()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    return results, wall, idle


def main(argv: list[str]) -> None:
    """Run one side and print its figures as one JSON line."""
    side, info = argv[0], json.loads(argv[1])
    poll = PollPolicy(min_delay=info["min_delay"], max_delay=info["max_delay"])
    results, wall, idle = (_run_async if side == "async" else _run_sync)(info, poll)
    outcomes = Counter(
        r.speaker_search_task_status.value if isinstance(r, SpeakerSearchTask) else repr(r)
        for r in results
    )
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB elsewhere
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    figures = {"wall": wall, "peak_rss": peak, "idle_rss": idle, "outcomes": dict(outcomes)}
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
