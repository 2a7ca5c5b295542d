"""The typed layer against raw botocore, side by side, in one run.

Every comparison interleaves the typed and the raw side within one process (or, for
imports, alternating fresh processes) and compares medians, so load from other work
on the machine hits both sides alike. Ratios are typed / raw.

Run ``python -m benchmarks.run`` from the repository root (``make bench``) for the
full run, which prints the table and writes ``benchmarks/RESULTS.md``;
``--smoke`` runs every measurement with tiny counts and writes nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import attrs
import botocore.session
from botocore.config import Config
from botocore.parsers import create_parser

from benchmarks.servers import (
    REGION,
    RESULTS,
    TASK_ID,
    VOICE_CONNECTOR_ID,
    ServerProcess,
    realistic_body,
)
from chime_speaker_search import PollPolicy, SpeakerSearchClient, SpeakerSearchTask
from chime_speaker_search.testing import LocalSpeakerSearchService

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

__all__ = ["FULL", "SMOKE", "Report", "Row", "Sizes", "main", "render", "run"]

HERE = Path(__file__).resolve().parent
SERVICE = "chime-sdk-voice"
# Every thread of the concurrency benchmark keeps its own persistent connection: with
# botocore's default pool of 10, threads 11-32 would open and throw away a connection
# per call ("Connection pool is full"), which measures urllib3's churn, not our layer.
POOL_SIZE = 32


@attrs.frozen(kw_only=True)
class Sizes:
    """How much of each measurement to do."""

    calls: int  # 1: Get calls per side
    conversions: int  # 2: conversions (and parses) per side
    imports: int  # 3: fresh processes per side
    constructions: int  # 4: clients built per side
    wait_scale: float  # 5: emulated seconds per real second
    wait_repeats: int  # 5: tasks per finishing time
    rounds: int  # 6: timed rounds per side and thread count
    calls_per_round: int  # 6: Get calls per round (split over the threads)
    threads: tuple[int, ...] = (1, 8, 32)
    warm_up: bool = True  # 3 and 6: untimed first runs (the smoke run skips them)
    waits: int = 1000  # 7: concurrent waits per side
    waits_scale: float = 10.0  # 7: emulated seconds per real second
    waits_poll: tuple[float, float] = (0.5, 1.0)  # 7: PollPolicy delays, real seconds
    waits_rounds: int = 3  # 7: fresh processes per side, alternating; medians are compared


FULL = Sizes(
    calls=4000,
    conversions=8000,
    imports=15,
    constructions=200,
    wait_scale=10.0,
    wait_repeats=4,
    rounds=15,
    calls_per_round=320,
)
SMOKE = Sizes(
    calls=10,
    conversions=20,
    imports=1,
    constructions=2,
    wait_scale=400.0,
    wait_repeats=1,
    rounds=1,
    calls_per_round=32,
    warm_up=False,
    waits=20,
    waits_scale=400.0,
    waits_poll=(0.02, 0.05),
    waits_rounds=1,
)


@attrs.frozen(kw_only=True)
class Row:
    """One line of the results table."""

    item: str
    measure: str
    typed: str
    raw: str
    ratio: float | None  # typed / raw; None where the measure is absolute
    target: str
    met: bool


@attrs.frozen(kw_only=True)
class Report:
    """What a run measured."""

    rows: tuple[Row, ...]
    notes: tuple[str, ...]


# --- helpers ---------------------------------------------------------------------------


def _session() -> botocore.session.Session:
    # Dummy static credentials: the local servers accept any signed request, and no
    # credential chain (files, instance metadata) is consulted or timed.
    session = botocore.session.Session()
    session.set_credentials("bench", "bench")
    return session


def _raw_client(
    session: botocore.session.Session, endpoint_url: str, config: Config | None = None
) -> ChimeSDKVoiceClient:
    client = session.create_client(
        SERVICE, region_name=REGION, endpoint_url=endpoint_url, config=config
    )
    return cast("ChimeSDKVoiceClient", client)


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} µs"


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms"


def _ratio_row(
    item: str,
    measure: str,
    typed: float,
    raw: float,
    *,
    fmt: Callable[[float], str],
    target: str,
    ratio: float | None = None,
) -> Row:
    ratio = typed / raw if ratio is None else ratio
    limit = float(target.rsplit(maxsplit=1)[-1])
    met = ratio >= limit if target.startswith(">=") else ratio <= limit
    return Row(
        item=item,
        measure=measure,
        typed=fmt(typed),
        raw=fmt(raw),
        ratio=ratio,
        target=target,
        met=met,
    )


def _interleaved(
    typed: Callable[[], object],
    raw: Callable[[], object],
    rounds: int,
    batch: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[float, float]:
    """Median seconds per call of each side, alternating which side goes first.

    ``clock`` is wall time by default; ``time.process_time`` measures this process's
    CPU alone (the servers run in processes of their own).
    """
    times: tuple[list[float], list[float]] = ([], [])
    sides = ((0, typed), (1, raw))
    for i in range(rounds):
        for side, fn in sides if i % 2 == 0 else sides[::-1]:
            start = clock()
            for _ in range(batch):
                fn()
            times[side].append((clock() - start) / batch)
    return statistics.median(times[0]), statistics.median(times[1])


# --- 1. per-call cost ----------------------------------------------------------------


def per_call(sizes: Sizes) -> list[Row]:
    """``get_speaker_search_task`` vs the raw call, against a fixed-response server.

    Two measures of the same calls: the client process's CPU per call (the server runs
    in its own process, so this is the library's and botocore's work alone: serialising,
    signing, sending, reading and converting), and the wall-clock latency.
    """
    session = _session()
    with ServerProcess("fixed") as server:
        raw = _raw_client(session, server.endpoint_url)
        with SpeakerSearchClient(
            session=session, region_name=REGION, endpoint_url=server.endpoint_url
        ) as typed:

            def typed_call() -> None:
                typed.get_speaker_search_task(
                    voice_connector_id=VOICE_CONNECTOR_ID, speaker_search_task_id=TASK_ID
                )

            def raw_call() -> None:
                raw.get_speaker_search_task(
                    VoiceConnectorId=VOICE_CONNECTOR_ID, SpeakerSearchTaskId=TASK_ID
                )

            batch = 10  # process_time ticks coarsely; a batch of calls per sample
            rounds = max(2, sizes.calls // batch)
            _interleaved(typed_call, raw_call, rounds=max(2, rounds // 10), batch=batch)  # warm up
            typed_cpu, raw_cpu = _interleaved(
                typed_call, raw_call, rounds=rounds, batch=batch, clock=time.process_time
            )
            typed_s, raw_s = _interleaved(typed_call, raw_call, rounds=sizes.calls)
        raw.close()
    return [
        _ratio_row(
            "1",
            "Client CPU per Get, 10 results (median)",
            typed_cpu,
            raw_cpu,
            fmt=_us,
            target="<= 0.90",
        ),
        _ratio_row(
            "1", "Per-call latency, Get (median)", typed_s, raw_s, fmt=_us, target="<= 1.00"
        ),
    ]


# --- 2. conversion ---------------------------------------------------------------------


def conversion(sizes: Sizes) -> Row:
    """The client's reading of a body (json.loads + from_dict) vs botocore's parse of it.

    For information only: since the library parses each body once, itself, instead of
    after botocore, this cost is part of item 1, whose target replaces this one's.
    """
    client = _raw_client(_session(), "http://127.0.0.1:9")
    output_shape = client.meta.service_model.operation_model("GetSpeakerSearchTask").output_shape
    client.close()
    assert output_shape is not None  # noqa: S101 (Get has an output)
    parser = create_parser("rest-json")
    body = realistic_body()
    response = {
        "status_code": 200,
        "headers": {"content-type": "application/json", "x-amzn-requestid": "bench"},
        "body": body,
    }
    task = SpeakerSearchTask.from_dict(json.loads(body)["SpeakerSearchTask"])
    assert len(task.results) == RESULTS  # noqa: S101 (the realistic response is what we time)

    batch = 10
    typed_s, raw_s = _interleaved(
        lambda: SpeakerSearchTask.from_dict(json.loads(body)["SpeakerSearchTask"]),
        lambda: parser.parse(response, output_shape),
        rounds=max(2, sizes.conversions // batch),
        batch=batch,
    )
    return Row(
        item="2",
        measure=f"Conversion, 3 timestamps + {RESULTS} results (median)",
        typed=_us(typed_s),
        raw=_us(raw_s),
        ratio=typed_s / raw_s,
        target="retired: part of 1",
        met=True,
    )


# --- 3. import time --------------------------------------------------------------------

_IMPORT = (
    "import time; t = time.perf_counter(); import {module}; "
    "print(time.perf_counter() - t); import sys; print('botocore' in sys.modules)"
)


def _import_seconds(module: str) -> tuple[float, bool]:
    out = subprocess.run(
        [sys.executable, "-c", _IMPORT.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE.parent,
    ).stdout.split()
    return float(out[0]), out[1] == "True"


def import_time(sizes: Sizes) -> tuple[Row, str]:
    """``import chime_speaker_search`` vs ``import boto3``, each in a fresh process."""
    typed: list[float] = []
    raw: list[float] = []
    loads_botocore = False
    first = 0 if sizes.warm_up else 1
    for i in range(first, sizes.imports + 1):
        for module in ("chime_speaker_search", "boto3")[:: 1 if i % 2 else -1]:
            seconds, with_botocore = _import_seconds(module)
            if i == 0:
                continue  # the first of each warms the disk cache and the .pyc files
            if module == "boto3":
                raw.append(seconds)
            else:
                typed.append(seconds)
                loads_botocore = with_botocore
    row = _ratio_row(
        "3",
        "Import time, fresh process (median)",
        statistics.median(typed),
        statistics.median(raw),
        fmt=_ms,
        target="<= 1.0",
    )
    note = (
        "Import: `import chime_speaker_search` "
        + ("loads" if loads_botocore else "does not load")
        + " botocore; botocore is imported when the first client is made."
    )
    return row, note


# --- 4. client construction ----------------------------------------------------------


def construction(sizes: Sizes) -> Row:
    """``SpeakerSearchClient(...)`` vs ``session.create_client(...)``, one warm session."""
    session = _session()
    endpoint = "http://127.0.0.1:9"
    made: list[Any] = []

    def typed() -> None:
        made.append(SpeakerSearchClient(session=session, region_name=REGION, endpoint_url=endpoint))

    def raw() -> None:
        made.append(_raw_client(session, endpoint))

    _interleaved(typed, raw, rounds=2)  # loads the service model into the session
    for client in made:
        client.close()
    made.clear()
    typed_s: list[float] = []
    raw_s: list[float] = []
    batch = 5
    for _ in range(max(1, sizes.constructions // batch)):
        t, r = _interleaved(typed, raw, rounds=2, batch=batch)
        typed_s.append(t)
        raw_s.append(r)
        for client in made:  # closing is not timed
            client.close()
        made.clear()
    return _ratio_row(
        "4",
        "Client construction (median)",
        statistics.median(typed_s),
        statistics.median(raw_s),
        fmt=_us,
        target="<= 1.05",
    )


# --- 5. waiting efficiency -----------------------------------------------------------

# Seconds of speech on the caller leg -> the task ends 1 s (queue) + min(speech, 20) s
# after it starts: FAILED below 10 s of speech, PARTIAL_SUCCESS at 10-20, SUCCEEDED at 20.
_SPEECH = (4.0, 8.0, 12.0, 16.0, 30.0)
_QUEUE_SECONDS = 1.0
_VOICEPRINT_SECONDS = 20.0


def _poll_bounds(policy: PollPolicy, finish: float) -> tuple[int, int]:
    """Fewest and most Get calls a waiter can make before it sees a task ending at ``finish``.

    Sleeps are at least ``min_delay`` and at most the policy's ceiling for that poll, so
    the most polls come from all-shortest sleeps and the fewest from all-longest ones.
    """
    most = math.ceil(finish / policy.min_delay)
    elapsed, fewest = 0.0, 0
    while elapsed < finish:
        fewest += 1
        elapsed += policy.delay(fewest, jitter=1.0)
    return fewest, most


def _simulated_lag(policy: PollPolicy, finish: float, samples: int = 2000) -> float:
    """The median lag the policy's own jittered schedule gives (no network time)."""
    rng = random.Random(6)
    lags = []
    for _ in range(samples):
        elapsed, n = 0.0, 0
        while elapsed < finish:
            n += 1
            elapsed += policy.delay(n, jitter=rng.random())
        lags.append(elapsed - finish)
    return statistics.median(lags)


def waiting(sizes: Sizes) -> tuple[list[Row], str]:
    """``start_and_wait`` on the emulator: lag after the finish and Get calls, per T."""
    policy = PollPolicy()
    rows: list[Row] = []
    with LocalSpeakerSearchService(time_scale=sizes.wait_scale, max_active_tasks=100) as service:
        vc = service.add_voice_connector()
        domain = service.add_voice_profile_domain()
        for i in range(RESULTS):
            service.add_voice_profile(domain, speaker=f"speaker-{i}")
        # The client runs on the emulator's clock, so the default PollPolicy (2 s, 10 s)
        # is in service seconds and the whole run takes 1/time_scale of them in real time.
        client = SpeakerSearchClient(
            session=_session(),
            region_name=REGION,
            endpoint_url=service.endpoint_url,
            clock=service.clock,
        )
        outcomes: dict[float, list[tuple[float, int]]] = {s: [] for s in _SPEECH}
        lock = threading.Lock()

        def one(speech: float) -> None:
            call = service.add_call(vc, caller="speaker-0", caller_speech_seconds=speech)
            task = client.start_and_wait(
                voice_connector_id=vc,
                transaction_id=call,
                voice_profile_domain_id=domain,
                poll=policy,
                timeout=120.0,
                raise_on_failure=False,
            )
            returned = service.clock.now()
            assert task.updated_timestamp is not None  # noqa: S101 (terminal tasks have it)
            lag = (returned - task.updated_timestamp).total_seconds()
            gets = sum(
                1
                for r in service.requests
                if r.operation == "GetSpeakerSearchTask"
                and r.path.endswith(task.speaker_search_task_id)
            )
            with lock:
                outcomes[speech].append((lag, gets))

        threads = [
            threading.Thread(target=one, args=(speech,))
            for _ in range(sizes.wait_repeats)
            for speech in _SPEECH
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        client.close()
    for speech in _SPEECH:
        finish = _QUEUE_SECONDS + min(speech, _VOICEPRINT_SECONDS)
        lags = [lag for lag, _ in outcomes[speech]]
        gets = [n for _, n in outcomes[speech]]
        fewest, most = _poll_bounds(policy, finish)
        worst = max(lags)
        rows.append(
            Row(
                item="5",
                measure=f"Wait, task ends at T = {finish:g} s: lag median / max; Gets",
                typed=(
                    f"{statistics.median(lags):.2f} / {worst:.2f} s; {min(gets)}-{max(gets)} Gets"
                ),
                raw=(
                    f"policy: {_simulated_lag(policy, finish):.2f} s median lag; "
                    f"{fewest}-{most} Gets"
                ),
                ratio=None,
                target=f"lag < max_delay {policy.max_delay:g} s; Gets in bounds",
                met=worst < policy.max_delay and fewest <= min(gets) and max(gets) <= most,
            )
        )
    note = (
        f"Waiting: emulator at time_scale {sizes.wait_scale:g}, the client on the "
        f"emulator's clock, `PollPolicy()` = ({policy.min_delay:g} s, {policy.max_delay:g} s) "
        f"in service seconds; {sizes.wait_repeats} task(s) per T, all waited on "
        "concurrently through one client. Lag = service time when `start_and_wait` "
        "returned minus the task's `UpdatedTimestamp` (its finish); it includes the real "
        f"request latency times {sizes.wait_scale:g}. The 'raw' column is what the policy "
        "itself implies: its simulated median lag and the fewest (longest sleeps) to most "
        "(shortest sleeps) Get calls before the finish is seen."
    )
    return rows, note


# --- 6. concurrency --------------------------------------------------------------------


def _throughput(call: Callable[[], object], threads: int, calls: int) -> float:
    """Calls per second of ``threads`` threads making ``calls`` calls in all."""
    each = max(1, calls // threads)
    barrier = threading.Barrier(threads + 1)

    def work() -> None:
        barrier.wait()
        for _ in range(each):
            call()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    return each * threads / (time.perf_counter() - start)


def concurrency(sizes: Sizes) -> list[Row]:
    """N threads sharing one client vs one raw client, against the emulator."""
    session = _session()
    config = Config(max_pool_connections=POOL_SIZE)
    rows: list[Row] = []
    # At 1000x a task is SUCCEEDED with its 10 results 21 ms after it starts, so every
    # timed Get returns the same realistic, finished task.
    with ServerProcess("emulator", "1000") as server:
        raw = _raw_client(session, server.endpoint_url, config)
        info = server.info
        started = raw.start_speaker_search_task(
            VoiceConnectorId=info["voice_connector_id"],
            TransactionId=info["transaction_id"],
            VoiceProfileDomainId=info["voice_profile_domain_id"],
        )
        task_id = started["SpeakerSearchTask"]["SpeakerSearchTaskId"]
        typed = SpeakerSearchClient(
            session=session, region_name=REGION, endpoint_url=server.endpoint_url, config=config
        )
        while not typed.get_speaker_search_task(
            voice_connector_id=info["voice_connector_id"], speaker_search_task_id=task_id
        ).is_terminal:
            time.sleep(0.01)

        def typed_call() -> None:
            typed.get_speaker_search_task(
                voice_connector_id=info["voice_connector_id"], speaker_search_task_id=task_id
            )

        def raw_call() -> None:
            raw.get_speaker_search_task(
                VoiceConnectorId=info["voice_connector_id"], SpeakerSearchTaskId=task_id
            )

        for threads in sizes.threads:
            if sizes.warm_up:  # opens each side's connections for this many threads
                _throughput(typed_call, threads, threads)
                _throughput(raw_call, threads, threads)
            typed_tp: list[float] = []
            raw_tp: list[float] = []
            for i in range(sizes.rounds):
                order = ((typed_call, typed_tp), (raw_call, raw_tp))
                for call, out in order if i % 2 == 0 else order[::-1]:
                    out.append(_throughput(call, threads, sizes.calls_per_round))
            # Few, long rounds: the median of each round's own ratio (typed and raw ran
            # back to back) follows the machine's changing load better than a ratio of
            # medians taken from different moments.
            ratio = statistics.median(t / r for t, r in zip(typed_tp, raw_tp, strict=True))
            rows.append(
                _ratio_row(
                    "6",
                    f"Throughput, {threads} thread{'s' if threads > 1 else ''} (median)",
                    statistics.median(typed_tp),
                    statistics.median(raw_tp),
                    fmt=lambda v: f"{v:,.0f} calls/s",
                    target=">= 0.95",
                    ratio=ratio,
                )
            )
        typed.close()
        raw.close()
    return rows


# --- 7. many concurrent waits: async client vs a thread per wait --------------------------


def _threads_of(pid: int) -> int:
    """The thread count of process ``pid`` (Linux /proc; 0 where there is none)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


def _wait_side(side: str, info: dict[str, Any]) -> dict[str, Any]:
    """Run one side in a fresh process, sampling its threads from outside every 5 ms."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.waits", side, json.dumps(info)],
        cwd=HERE.parent,
        stdout=subprocess.PIPE,
        text=True,
    )
    peak_threads = 0
    while process.poll() is None:
        peak_threads = max(peak_threads, _threads_of(process.pid))
        time.sleep(0.005)
    out, _ = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the {side} side of item 7 failed (exit {process.returncode})")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["peak_threads"] = peak_threads
    return result


def concurrent_waits(sizes: Sizes) -> tuple[list[Row], str]:
    """``start_and_wait`` x N at once: the async client vs one thread per wait.

    Each side runs in a fresh process against a fresh emulator (in a process of its
    own) seeded with N calls; every task must end SUCCEEDED.
    """
    min_delay, max_delay = sizes.waits_poll
    runs: dict[str, list[dict[str, Any]]] = {"async": [], "sync": []}
    for _ in range(sizes.waits_rounds):  # the sides alternate: load hits both alike
        for side in ("async", "sync"):
            with ServerProcess("emulator", str(sizes.waits_scale), str(sizes.waits)) as server:
                info = {**server.info, "min_delay": min_delay, "max_delay": max_delay}
                result = _wait_side(side, info)
            if result["outcomes"] != {"SUCCEEDED": sizes.waits}:
                raise RuntimeError(f"item 7, {side} side: {result['outcomes']}")
            result["added_rss"] = max(1, result["peak_rss"] - result["idle_rss"])
            runs[side].append(result)
    # Medians of the runs; for threads the most any run had (the bound is on every run).
    ours, theirs = (
        {
            key: (max if key == "peak_threads" else statistics.median)(
                run[key] for run in runs[side]
            )
            for key in runs[side][0]
            if key != "outcomes"
        }
        for side in ("async", "sync")
    )
    what = f"{sizes.waits:,} concurrent waits"
    rows = [
        # The target is the memory the waits cost: what they add above the idle client
        # (interpreter, botocore and the model, the same in both processes). The
        # process's peak is shown for information (issue 18).
        _ratio_row(
            "7",
            f"{what}: RSS they add to the idle client's (async / sync client)",
            ours["added_rss"],
            theirs["added_rss"],
            fmt=lambda v: f"{v / 2**20:,.1f} MB",
            target="<= 0.5",
        ),
        Row(
            item="7",
            measure=f"{what}: peak RSS of the process (async / sync client)",
            typed=f"{ours['peak_rss'] / 2**20:,.1f} MB",
            raw=f"{theirs['peak_rss'] / 2**20:,.1f} MB",
            ratio=ours["peak_rss"] / theirs["peak_rss"],
            target="information",
            met=True,
        ),
        _ratio_row(
            "7",
            f"{what}: wall time (async / sync client)",
            ours["wall"],
            theirs["wall"],
            fmt=lambda v: f"{v:,.2f} s",
            target="<= 1.1",
        ),
        Row(
            item="7",
            measure=f"{what}: peak threads (async / sync client)",
            typed=str(ours["peak_threads"]),
            raw=str(theirs["peak_threads"]),
            ratio=ours["peak_threads"] / max(1, theirs["peak_threads"]),
            target="async <= 40",
            met=0 < ours["peak_threads"] <= 40,
        ),
    ]
    note = (
        f"Concurrent waits: {sizes.waits:,} `start_and_wait` calls at once, each on its "
        "own call in progress, against the emulator in a process of its own "
        f"(time_scale {sizes.waits_scale:g}: every task ends SUCCEEDED "
        f"{21 / sizes.waits_scale:.2f} s after it starts), "
        f"`PollPolicy({min_delay:g}, {max_delay:g})` in real seconds. The 'typed' column is "
        "`AsyncSpeakerSearchClient` (one event loop, its default 10 connections), the 'raw' "
        "column `SpeakerSearchClient` with one thread per wait (and a connection each). "
        "The sync side's threads are all made first and start together (made one by one, "
        "the first are done before the last begin, and fewer waits overlap). Each side runs "
        "in a fresh process with a fresh emulator; peak RSS is the process's `ru_maxrss`; "
        "the RSS the waits add is that peak minus the RSS of the idle client (made, one call "
        "made) just before the waits, which both processes share: the interpreter, botocore "
        "and the service model. Peak threads is the OS thread count sampled every 5 ms from "
        "outside; wall time runs from the first start (the threads' creation included) to "
        "the last result. "
        f"Each side runs {sizes.waits_rounds} times, the sides alternating; every figure is "
        "the median of its side's runs, but peak threads, the most of any run."
    )
    return rows, note


# --- the run and the report -------------------------------------------------------


def run(sizes: Sizes = FULL, *, progress: Callable[[str], object] | None = None) -> Report:
    """Make every measurement; ``progress`` hears the name of each as it starts."""
    say = progress or (lambda _: None)
    rows: list[Row] = []
    notes: list[str] = []
    say("1. per-call cost")
    rows.extend(per_call(sizes))
    say("2. conversion")
    rows.append(conversion(sizes))
    say("3. import time")
    row, note = import_time(sizes)
    rows.append(row)
    notes.append(note)
    say("4. client construction")
    rows.append(construction(sizes))
    say("5. waiting efficiency")
    wait_rows, note = waiting(sizes)
    rows.extend(wait_rows)
    notes.append(note)
    say("6. concurrency")
    rows.extend(concurrency(sizes))
    notes.append(
        f"Concurrency: both sides use `Config(max_pool_connections={POOL_SIZE})`, one "
        "connection per thread at the most threads measured; botocore's default of 10 "
        "would make threads beyond 10 open and discard a connection per call. The "
        "emulator runs in its own process (2 cores: client and server each get one), "
        f"and {sizes.calls_per_round} Gets are split over the threads in each of "
        f"{sizes.rounds} rounds per side; the ratio is the median of the rounds' own "
        "ratios (typed and raw back to back), the throughputs shown are medians."
    )
    say("7. concurrent waits, async client vs a thread per wait")
    wait_rows, note = concurrent_waits(sizes)
    rows.extend(wait_rows)
    notes.append(note)
    return Report(rows=tuple(rows), notes=tuple(notes))


def table(report: Report) -> str:
    """The results as a Markdown table."""
    lines = [
        "| # | measure | typed | raw botocore | typed / raw | target | |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for row in report.rows:
        ratio = "" if row.ratio is None else f"{row.ratio:.3f}"
        mark = "met" if row.met else "**missed**"
        lines.append(
            f"| {row.item} | {row.measure} | {row.typed} | {row.raw} | {ratio} "
            f"| {row.target} | {mark} |"
        )
    return "\n".join(lines)


def render(report: Report, *, elapsed: float) -> str:
    """The whole ``RESULTS.md``: versions, the table, notes, the hand-written history."""
    versions = ", ".join(
        f"{name} {version(name)}"
        for name in ("botocore", "boto3", "chime-speaker-search", "attrs", "cattrs", "tenacity")
    )
    history = HERE / "history.md"
    parts = [
        "# Benchmark results",
        "",
        (
            "Written by `make bench` (`python -m benchmarks.run`); see the module docstrings "
            "in `benchmarks/` for the method. Ratios are typed / raw, measured interleaved in "
            "one run and compared as medians; absolute times are only comparable within a run."
        ),
        "",
        f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        (
            f"- Python {platform.python_version()} ({platform.python_implementation()}), "
            f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU(s)"
        ),
        f"- {versions}",
        f"- Run time: {elapsed:.0f} s",
        "",
        table(report),
        "",
        "## Notes",
        "",
        *(f"- {note}" for note in report.notes),
        "",
    ]
    if history.exists():
        parts += [history.read_text(encoding="utf-8").rstrip(), ""]
    return "\n".join(parts)


@contextmanager
def _stopwatch() -> Iterator[Callable[[], float]]:
    start = time.perf_counter()
    yield lambda: time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks, print the table, and (full run) write ``RESULTS.md``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny counts; write nothing")
    parser.add_argument(
        "--output", type=Path, default=HERE / "RESULTS.md", help="where to write the results"
    )
    args = parser.parse_args(argv)
    with _stopwatch() as elapsed:
        report = run(SMOKE if args.smoke else FULL, progress=lambda s: print(s, file=sys.stderr))
    text = render(report, elapsed=elapsed())
    print(text)
    if not args.smoke:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
