"""A long-running emulator stays flat: bounded log, capped bodies, no spinning, a soak.

Issue 12, points 8 and 9: 200 unsigned 1 MB POSTs took the emulator's RSS from 29 MB to
494 MB (every request and body was kept); out of file descriptors, its accept loop spun
at 100% CPU. The soak serves 20,000 mixed requests to an emulator in another process and
reports its memory and threads (printed under "reliability figures").
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from chime_speaker_search.testing import LocalSpeakerSearchService, ManualClock
from tests.conftest import RELIABILITY
from tests.test_testing_wire import SIGNED

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
LINUX = sys.platform.startswith("linux")


def rss_bytes(pid: int | str = "self") -> int:
    """Resident set size from /proc (Linux)."""
    return int(_status_field(pid, "VmRSS")) * 1024


def thread_count(pid: int | str = "self") -> int:
    return int(_status_field(pid, "Threads"))


def _status_field(pid: int | str, name: str) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split()[1]
    raise AssertionError(f"no {name} in /proc/{pid}/status")


@pytest.fixture
def service() -> Iterator[LocalSpeakerSearchService]:
    with LocalSpeakerSearchService(clock=ManualClock()) as made:
        yield made


def port_of(service: LocalSpeakerSearchService) -> int:
    port = urlsplit(service.endpoint_url).port
    assert port is not None
    return port


def exchange(port: int, raw: bytes, *, timeout: float = 5.0) -> bytes:
    """Send raw bytes, read until the server closes or goes quiet."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(raw)
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
                if b"\r\n\r\n" in received and _complete(received):
                    break
        except TimeoutError:
            pass
    return received


def _complete(received: bytes) -> bool:
    head, _, body = received.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


# --- the request log ------------------------------------------------------------------------


def test_the_request_log_keeps_only_the_newest_requests() -> None:
    with LocalSpeakerSearchService(clock=ManualClock(), request_log_size=10) as service:
        connection = http.client.HTTPConnection("127.0.0.1", port_of(service), timeout=5)
        for index in range(25):
            connection.request("GET", f"/voice-profiles/p-{index}", headers=SIGNED)
            connection.getresponse().read()
        connection.close()
        paths = [request.path for request in service.requests]
    assert paths == [f"/voice-profiles/p-{index}" for index in range(15, 25)]


def test_a_large_body_is_recorded_without_its_json(service: LocalSpeakerSearchService) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port_of(service), timeout=5)
    big = json.dumps({"SpeakerSearchTaskId": "t", "Padding": "x" * 100_000}).encode()
    small = json.dumps({"SpeakerSearchTaskId": "t"}).encode()
    for body in (big, small):
        connection.request("POST", "/voice-profiles", body=body, headers=SIGNED)
        assert connection.getresponse().read()
    connection.close()
    big_record, small_record = service.requests
    assert big_record.body is None  # over 64 KiB: not kept
    assert small_record.body == {"SpeakerSearchTaskId": "t"}


# --- request bodies -------------------------------------------------------------------------


def test_an_oversized_body_is_refused_with_413_before_it_is_read(
    service: LocalSpeakerSearchService,
) -> None:
    """Only the headers are sent: the answer must come without waiting for the body."""
    head = (
        "POST /voice-profiles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {64 * MIB}\r\n"
        + "".join(f"{name}: {value}\r\n" for name, value in SIGNED.items())
        + "\r\n"
    )
    started = time.monotonic()
    reply = exchange(port_of(service), head.encode())
    assert time.monotonic() - started < 2
    status_line, _, rest = reply.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413")
    headers = rest.partition(b"\r\n\r\n")[0].lower()
    assert b"x-amzn-errortype: requestentitytoolargeexception" in headers
    assert b"connection: close" in headers
    (record,) = service.requests
    assert (record.operation, record.body) == ("CreateVoiceProfile", None)


def test_the_body_limit_is_configurable() -> None:
    with LocalSpeakerSearchService(clock=ManualClock(), max_body_bytes=100) as service:
        connection = http.client.HTTPConnection("127.0.0.1", port_of(service), timeout=5)
        connection.request("POST", "/voice-profiles", body=b"{" + b" " * 200 + b"}", headers=SIGNED)
        response = connection.getresponse()
        assert response.status == 413
        assert json.loads(response.read())["message"].startswith("The request body is larger")
        connection.close()
    with pytest.raises(ValueError, match="max_body_bytes"):
        LocalSpeakerSearchService(max_body_bytes=0)
    with pytest.raises(ValueError, match="request_log_size"):
        LocalSpeakerSearchService(request_log_size=0)


def test_a_chunked_body_is_refused_not_misread(service: LocalSpeakerSearchService) -> None:
    raw = (
        b"POST /voice-profiles HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n0\r\n\r\n"
    )
    reply = exchange(port_of(service), raw)
    assert reply.startswith(b"HTTP/1.1 411")
    assert service.requests == []


@pytest.mark.skipif(not LINUX, reason="reads RSS from /proc")
def test_two_hundred_unsigned_1_mb_posts_leave_memory_flat(
    service: LocalSpeakerSearchService,
) -> None:
    """The issue's reproduction: RSS went from 29 MB to 494 MB."""
    path = "/voice-connectors/vc/speaker-search-tasks"  # StartSpeakerSearchTask
    body = json.dumps({"TransactionId": "x" * 999_970}).encode()  # ~1 MB of JSON
    connection = http.client.HTTPConnection("127.0.0.1", port_of(service), timeout=10)
    connection.request("POST", path, body=body)  # warm up: buffers, threads
    connection.getresponse().read()
    before = rss_bytes()
    for _ in range(200):
        connection.request("POST", path, body=body)
        response = connection.getresponse()
        response.read()
        assert response.status == 401
    connection.close()
    grown = rss_bytes() - before
    RELIABILITY["emulator, 200 unsigned 1 MB POSTs"] = f"RSS grew {grown / MIB:.1f} MB"
    assert grown < 20 * MIB


# --- accepting connections without descriptors ----------------------------------------------

_NO_DESCRIPTORS = textwrap.dedent(
    """
    import os, resource, sys, time
    from chime_speaker_search.testing import LocalSpeakerSearchService

    service = LocalSpeakerSearchService().start()
    print(service.endpoint_url.rsplit(":", 1)[1], flush=True)
    sys.stdin.readline()  # the parent made a request: the serving loop is running
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    used = len(os.listdir("/proc/self/fd"))
    resource.setrlimit(resource.RLIMIT_NOFILE, (used + 2, hard))
    print("limited", flush=True)
    sys.stdin.readline()  # the parent opened more connections than there are descriptors
    cpu = time.process_time()
    time.sleep(1.0)
    print(time.process_time() - cpu, flush=True)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    sys.stdin.readline()
    service.stop()
    """
)


def _spawn(script: str) -> subprocess.Popen[str]:
    """An emulator in its own process (run from the checkout), talking over pipes."""
    return subprocess.Popen(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", script],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _end(process: subprocess.Popen[str]) -> None:
    """Let the emulator process stop (it waits on stdin), then release its pipes."""
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.close()
    process.wait(10)
    process.stdout.close()


def _line(stream: IO[str]) -> str:
    line = stream.readline()
    assert line, "the emulator process ended early"
    return line.strip()


@pytest.mark.skipif(not LINUX, reason="uses RLIMIT_NOFILE and /proc")
def test_out_of_descriptors_the_accept_loop_backs_off_instead_of_spinning() -> None:
    process = _spawn(_NO_DESCRIPTORS)
    assert process.stdin is not None
    assert process.stdout is not None
    connections: list[socket.socket] = []
    try:
        port = int(_line(process.stdout))
        probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        probe.request("GET", "/", headers=SIGNED)
        assert probe.getresponse().status == 404
        probe.close()
        process.stdin.write("go\n")
        process.stdin.flush()
        assert _line(process.stdout) == "limited"
        # Two are accepted (and use the last descriptors); the rest wait in the backlog.
        connections = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
        process.stdin.write("measure\n")
        process.stdin.flush()
        cpu = float(_line(process.stdout))
        RELIABILITY["emulator out of descriptors"] = f"{cpu:.3f} s CPU in 1 s (spinning: ~1 s)"
        assert cpu < 0.25
        for connection in connections:
            connection.close()
        # With descriptors back, waiting connections are served again.
        late = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        late.request("GET", "/", headers=SIGNED)
        assert late.getresponse().status == 404
        late.close()
    finally:
        for connection in connections:
            connection.close()
        _end(process)


# --- the soak -------------------------------------------------------------------------------

_SOAK_SERVER = textwrap.dedent(
    """
    import json, sys
    from chime_speaker_search.testing import LocalSpeakerSearchService

    service = LocalSpeakerSearchService(time_scale=10.0).start()
    vc = service.add_voice_connector()
    domain = service.add_voice_profile_domain()
    profiles = [service.add_voice_profile(domain, speaker=f"s{i}") for i in range(5)]
    calls = [service.add_call(vc, caller="alice") for _ in range(40)]
    port = int(service.endpoint_url.rsplit(":", 1)[1])
    print(json.dumps({"port": port, "vc": vc, "domain": domain, "profiles": profiles,
                      "calls": calls}), flush=True)
    sys.stdin.read()
    service.stop()
    """
)
FORGED = {"Authorization": "AWS4-HMAC-SHA256 ", "Host": "evil.example"}


class Soak:
    """Client threads that send a mix of requests, counting the answers by status."""

    def __init__(self, seed: dict[str, object]) -> None:
        self.port = int(str(seed["port"]))
        self.vc = str(seed["vc"])
        self.domain = str(seed["domain"])
        self.profiles = [str(p) for p in seed["profiles"]]  # type: ignore[attr-defined]
        self.calls = [str(c) for c in seed["calls"]]  # type: ignore[attr-defined]
        self.statuses: Counter[int] = Counter()
        self.kinds: Counter[str] = Counter()
        self.task_ids: list[str] = []
        self.lock = threading.Lock()

    def run(self, threads: int, per_thread: int) -> None:
        workers = [
            threading.Thread(target=self._work, args=(random.Random(index), per_thread))
            for index in range(threads)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
        assert not any(worker.is_alive() for worker in workers)

    def _work(self, rng: random.Random, count: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            for _ in range(count):
                kind = rng.choices(
                    ["get", "start", "profile", "list", "create", "unsigned", "forged",
                     "oversized", "slow", "bad"],
                    weights=[40, 8, 8, 6, 4, 10, 8, 6, 4, 6],
                )[0]  # fmt: skip
                if kind == "slow":
                    status = self._slow(rng)
                elif kind == "oversized":
                    status = self._oversized()
                else:
                    status = self._request(connection, kind, rng)
                with self.lock:
                    self.statuses[status] += 1
                    self.kinds[kind] += 1
        finally:
            connection.close()

    def _request(
        self, connection: http.client.HTTPConnection, kind: str, rng: random.Random
    ) -> int:
        method, path, body, headers = "GET", "/", b"", dict(SIGNED)
        task_id = rng.choice(self.task_ids) if self.task_ids else "none"
        if kind == "get":
            path = f"/voice-connectors/{self.vc}/speaker-search-tasks/{task_id}"
        elif kind == "start":
            method, path = "POST", f"/voice-connectors/{self.vc}/speaker-search-tasks"
            body = json.dumps(
                {"TransactionId": rng.choice(self.calls), "VoiceProfileDomainId": self.domain}
            ).encode()
        elif kind == "profile":
            path = f"/voice-profiles/{rng.choice(self.profiles)}"
        elif kind == "list":
            path = f"/voice-profiles?voice-profile-domain-id={self.domain}&max-results=3"
        elif kind == "create":
            method, path = "POST", "/voice-profiles"
            body = json.dumps({"SpeakerSearchTaskId": task_id}).encode()
        elif kind == "unsigned":
            headers = {}
            path = f"/voice-profiles/{rng.choice(self.profiles)}"
        elif kind == "forged":
            method, path, headers = (
                "POST",
                f"/voice-connectors/{self.vc}/speaker-search-tasks",
                FORGED,
            )
            body = b"{}"
        else:  # bad JSON
            method, path, body = "POST", "/voice-profiles", b"{not json"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        if kind == "start" and response.status == 201:
            with self.lock:
                self.task_ids.append(
                    json.loads(payload)["SpeakerSearchTask"]["SpeakerSearchTaskId"]
                )
        return response.status

    def _oversized(self) -> int:
        head = (
            f"POST /voice-profiles HTTP/1.1\r\nHost: x\r\nContent-Length: {8 * MIB}\r\n"
            + "".join(f"{name}: {value}\r\n" for name, value in SIGNED.items())
            + "\r\n"
        ).encode()
        reply = exchange(self.port, head + b"{" * 1000)
        return int(reply.split(b" ", 2)[1])

    def _slow(self, rng: random.Random) -> int:
        request = (
            f"GET /voice-profiles/{rng.choice(self.profiles)} HTTP/1.1\r\nHost: x\r\n"
            + "".join(f"{name}: {value}\r\n" for name, value in SIGNED.items())
            + "Connection: close\r\n\r\n"
        ).encode()
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as connection:
            for start in range(0, len(request), 40):  # a trickle: 40 bytes every 2 ms
                connection.sendall(request[start : start + 40])
                time.sleep(0.002)
            reply = b""
            while chunk := connection.recv(65536):
                reply += chunk
        return int(reply.split(b" ", 2)[1])


def _settle_threads(pid: int, target: int, *, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while (count := thread_count(pid)) > target and time.monotonic() < deadline:
        time.sleep(0.02)
    return count


@pytest.mark.skipif(not LINUX, reason="reads RSS and threads from /proc")
def test_soak_20000_mixed_requests_keep_memory_and_threads_flat() -> None:
    process = _spawn(_SOAK_SERVER)
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        soak = Soak(json.loads(_line(process.stdout)))
        idle_threads = thread_count(process.pid)
        # Warm up past the request log's 1,000 entries, so the baseline includes a full log.
        soak.run(threads=8, per_thread=250)
        baseline_threads = _settle_threads(process.pid, idle_threads)
        baseline_rss = rss_bytes(process.pid)
        peak = [baseline_rss]
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.wait(0.05):
                peak[0] = max(peak[0], rss_bytes(process.pid))

        sampler = threading.Thread(target=sample)
        sampler.start()
        soak.statuses.clear()
        soak.kinds.clear()
        started = time.monotonic()
        soak.run(threads=8, per_thread=2500)
        elapsed = time.monotonic() - started
        sampling.set()
        sampler.join()
        after_threads = _settle_threads(process.pid, baseline_threads)
        after_rss = rss_bytes(process.pid)
    finally:
        _end(process)
    total = sum(soak.statuses.values())
    grown = after_rss - baseline_rss
    RELIABILITY["emulator soak"] = (
        f"{total} requests in {elapsed:.1f} s ({total / elapsed:.0f}/s, 8 client threads);"
        f" kinds {dict(sorted(soak.kinds.items()))}; statuses {dict(sorted(soak.statuses.items()))};"
        f" RSS {baseline_rss / MIB:.1f} -> {after_rss / MIB:.1f} MB (grew {grown / MIB:.1f} MB,"
        f" peak {peak[0] / MIB:.1f} MB); threads {baseline_threads} -> {after_threads}"
    )
    assert total == 20_000
    assert soak.statuses[500] == 0
    assert {401, 403, 413}.issubset(soak.statuses)
    assert soak.statuses[200] > 8000
    assert grown < 20 * MIB
    assert after_threads <= baseline_threads
