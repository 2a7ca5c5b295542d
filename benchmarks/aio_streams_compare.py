"""The owned async engine against the streams experiment, in one run.

Two measurements, both engines in the same run:

1. Client CPU per async Get against the emulator (in a process of its own, so
   ``time.process_time`` counts the client's work alone): an
   ``AsyncSpeakerSearchClient`` on the owned engine, one on
   :class:`~benchmarks.aio_streams.StreamsHttpEngine`, and a raw botocore client, taking
   turns in a rotating order, a batch of Gets each, all on one event loop (the raw
   client's blocking calls included), as ``benchmarks.senders`` does. Ratios are
   against raw botocore.
2. The RSS that 1,000 concurrent ``start_and_wait`` calls add to the idle client's, as
   item 7 of ``benchmarks.run``: each side in a fresh process (``benchmarks.waits``'s
   async side, on one engine or the other) against a fresh emulator; the sides
   alternate over ``--rounds`` rounds.

Run: ``python -m benchmarks.aio_streams_compare [--calls 2000] [--rounds 2] [--json]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from benchmarks import aio_streams
from benchmarks.run import HERE, _raw_client, _session, _threads_of
from benchmarks.servers import ServerProcess
from chime_speaker_search import (
    AsyncSpeakerSearchClient,
    PollPolicy,
    SpeakerSearchTask,
    _aio_transport,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

REGION = "us-east-1"
BATCH = 10  # process_time ticks coarsely: a batch of calls per sample
ENGINES = ("owned", "streams")


@contextlib.contextmanager
def _engine(name: str) -> Iterator[None]:
    """Async clients made inside use the named engine."""
    owned = _aio_transport.AsyncHttpEngine
    if name == "streams":
        _aio_transport.AsyncHttpEngine = aio_streams.StreamsHttpEngine  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        _aio_transport.AsyncHttpEngine = owned  # type: ignore[misc]


async def _call(call: Callable[[], object]) -> None:
    result = call()
    if inspect.isawaitable(result):
        await result


def cpu_per_get(calls: int) -> dict[str, float]:
    """Median client CPU seconds per Get of each side, over ``calls`` Gets per side."""
    with ServerProcess("emulator", "1", "1") as server:
        info = server.info
        raw = _raw_client(_session(), server.endpoint_url)
        task_id = raw.start_speaker_search_task(
            VoiceConnectorId=info["voice_connector_id"],
            TransactionId=info["transaction_id"],
            VoiceProfileDomainId=info["voice_profile_domain_id"],
        )["SpeakerSearchTask"]["SpeakerSearchTaskId"]
        get = {"voice_connector_id": info["voice_connector_id"], "speaker_search_task_id": task_id}
        clients = {}
        for name in ENGINES:
            with _engine(name):
                clients[name] = AsyncSpeakerSearchClient(
                    session=_session(), region_name=REGION, endpoint_url=server.endpoint_url
                )

        def raw_get() -> object:  # blocking, on the loop: no coroutine in its cost
            return raw.get_speaker_search_task(
                VoiceConnectorId=info["voice_connector_id"], SpeakerSearchTaskId=task_id
            )

        sides: dict[str, Callable[[], object]] = {
            "owned": lambda: clients["owned"].get_speaker_search_task(**get),
            "streams": lambda: clients["streams"].get_speaker_search_task(**get),
            "raw": raw_get,
        }

        async def main() -> dict[str, list[float]]:
            names = list(sides)
            for name in names:  # warm up: connections, botocore's caches
                for _ in range(50):
                    await _call(sides[name])
            samples: dict[str, list[float]] = {name: [] for name in names}
            for i in range(max(1, calls // BATCH)):
                for name in names[i % 3 :] + names[: i % 3]:
                    call = sides[name]
                    start = time.process_time()
                    for _ in range(BATCH):
                        await _call(call)
                    samples[name].append((time.process_time() - start) / BATCH)
            for client in clients.values():
                await client.close()
            return samples

        samples = asyncio.run(main())
        raw.close()
    return {name: statistics.median(values) for name, values in samples.items()}


def _waits_child(engine: str, info: dict[str, Any]) -> None:
    """In the child: ``benchmarks.waits``'s async side on ``engine``; one JSON line out."""
    from benchmarks.waits import _run_async  # noqa: PLC0415

    if engine == "streams":
        aio_streams.install()
    poll = PollPolicy(min_delay=info["min_delay"], max_delay=info["max_delay"])
    results, wall, idle = _run_async(info, poll)
    outcomes = Counter(
        r.speaker_search_task_status.value if isinstance(r, SpeakerSearchTask) else repr(r)
        for r in results
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    print(json.dumps({"wall": wall, "peak_rss": peak, "idle_rss": idle, "outcomes": outcomes}))


def _waits_side(engine: str, waits: int) -> dict[str, Any]:
    with ServerProcess("emulator", "10", str(waits)) as server:
        info = {**server.info, "min_delay": 0.5, "max_delay": 1.0}
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.aio_streams_compare", "--child", engine],
            cwd=HERE.parent,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "AIO_STREAMS_INFO": json.dumps(info)},
        )
        peak_threads = 0
        while process.poll() is None:
            peak_threads = max(peak_threads, _threads_of(process.pid))
            time.sleep(0.005)
        out, _ = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the {engine} side failed (exit {process.returncode})")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    if result["outcomes"] != {"SUCCEEDED": waits}:
        raise RuntimeError(f"{engine}: {result['outcomes']}")
    result["added_rss"] = result["peak_rss"] - result["idle_rss"]
    result["peak_threads"] = peak_threads
    return result


def concurrent_waits(waits: int, rounds: int) -> dict[str, list[dict[str, Any]]]:
    """Each engine's figures for ``waits`` concurrent waits, per round (order alternating)."""
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in ENGINES}
    for i in range(rounds):
        for name in ENGINES if i % 2 == 0 else ENGINES[::-1]:
            results[name].append(_waits_side(name, waits))
    return results


def main() -> None:
    """Measure both, print a summary (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=2000, help="Gets per side")
    parser.add_argument("--waits", type=int, default=1000, help="concurrent waits per side")
    parser.add_argument("--rounds", type=int, default=2, help="wait rounds per engine")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--child", choices=ENGINES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _waits_child(args.child, json.loads(os.environ["AIO_STREAMS_INFO"]))
        return
    cpu = cpu_per_get(args.calls)
    waits = concurrent_waits(args.waits, args.rounds)
    if args.json:
        print(json.dumps({"cpu": cpu, "waits": waits}))
        return
    for name, seconds in cpu.items():
        print(f"CPU per Get  {name:8} {seconds * 1e6:8.1f} µs   {seconds / cpu['raw']:.3f}x raw")
    for name, rounds in waits.items():
        added = statistics.median(r["added_rss"] for r in rounds) / 2**20
        peak = statistics.median(r["peak_rss"] for r in rounds) / 2**20
        wall = statistics.median(r["wall"] for r in rounds)
        threads = max(r["peak_threads"] for r in rounds)
        print(
            f"{args.waits} waits {name:8} added RSS {added:6.1f} MB (median of {len(rounds)}), "
            f"peak RSS {peak:6.1f} MB, wall {wall:5.2f} s, peak threads {threads}"
        )


if __name__ == "__main__":
    main()
