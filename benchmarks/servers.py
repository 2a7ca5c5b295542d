"""HTTP endpoints the benchmarks call, each run in its own process.

A server in its own process keeps its work off the benchmark's GIL: on a 2-core
machine the client and the server then run side by side, as they would against the
real service, and the server's cost does not dilute the client's overhead.

Run ``python -m benchmarks.servers fixed`` (a fixed ``GetSpeakerSearchTask`` answer)
or ``python -m benchmarks.servers emulator SCALE [CALLS]`` (the library's emulator,
seeded with ``CALLS`` calls in progress, 1 unless told);
each prints one JSON line with what the benchmark needs, then serves until stdin
closes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
RESULTS = 10
VOICE_CONNECTOR_ID = "abcdef1ghij2klmno3pqr4"
TASK_ID = "7f7e8a0c-0000-4000-8000-000000000001"


def realistic_task() -> dict[str, Any]:
    """A finished task as the service sends it: 3 timestamps, 10 results."""
    return {
        "SpeakerSearchTaskId": TASK_ID,
        "SpeakerSearchTaskStatus": "SUCCEEDED",
        "CallDetails": {
            "VoiceConnectorId": VOICE_CONNECTOR_ID,
            "TransactionId": "daf3e6b9-5ea1-4b2c-9f3e-2a9e1d0c7b61",
            "IsCaller": True,
        },
        "SpeakerSearchDetails": {
            "Results": [
                {
                    "ConfidenceScore": round(0.97 - 0.09 * i, 4),
                    "VoiceProfileId": f"4b7c1d2e-0000-4000-8000-{i:012d}",
                }
                for i in range(RESULTS)
            ],
            "VoiceprintGenerationStatus": "VoiceprintGenerationSuccess",
        },
        "CreatedTimestamp": "2026-11-21T13:00:00.123Z",
        "UpdatedTimestamp": "2026-11-21T13:00:21.123Z",
        "StartedTimestamp": "2026-11-21T13:00:01.123Z",
    }


def realistic_body() -> bytes:
    """The JSON body of a ``GetSpeakerSearchTask`` answer for :func:`realistic_task`."""
    return json.dumps({"SpeakerSearchTask": realistic_task()}).encode()


def _serve_fixed() -> dict[str, Any]:
    body = realistic_body()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as botocore's pool expects
        # Headers and body go out in two writes; without TCP_NODELAY the second waits
        # for the client's delayed ACK (~40 ms on Linux) and swamps what is measured.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amzn-RequestId", "bench")
            self.end_headers()
            self.wfile.write(body)

    ThreadingHTTPServer.allow_reuse_address = True
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    host, port = httpd.server_address[:2]
    return {"endpoint_url": f"http://{host!s}:{port}"}


def _serve_emulator(time_scale: float, calls: int = 1) -> dict[str, Any]:
    from chime_speaker_search.testing import LocalSpeakerSearchService  # noqa: PLC0415

    service = LocalSpeakerSearchService(
        time_scale=time_scale, max_active_tasks=max(25, calls)
    ).start()
    vc = service.add_voice_connector()
    domain = service.add_voice_profile_domain()
    for i in range(RESULTS):
        service.add_voice_profile(domain, speaker=f"speaker-{i}")
    transactions = [
        service.add_call(vc, caller=f"speaker-{i % RESULTS}", caller_speech_seconds=60.0)
        for i in range(calls)
    ]
    return {
        "endpoint_url": service.endpoint_url,
        "voice_connector_id": vc,
        "voice_profile_domain_id": domain,
        "transaction_id": transactions[0],
        "transaction_ids": transactions,
    }


def main(argv: list[str]) -> None:
    """Start the server named in ``argv``, print its details, serve until stdin closes."""
    kind = argv[0]
    info = (
        _serve_fixed() if kind == "fixed" else _serve_emulator(float(argv[1]), *map(int, argv[2:]))
    )
    print(json.dumps(info), flush=True)
    sys.stdin.read()  # the parent closes our stdin (or dies) to stop us


class ServerProcess:
    """A server from this module running in a child process; a context manager."""

    def __init__(self, *args: str) -> None:
        self._args = args
        self._process: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}

    @property
    def endpoint_url(self) -> str:
        """The server's URL."""
        return str(self.info["endpoint_url"])

    def __enter__(self) -> Self:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.servers", *self._args],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None  # noqa: S101 (set by PIPE above)
        line = self._process.stdout.readline()
        if not line:
            self._process.wait()
            raise RuntimeError(f"benchmark server {self._args} exited before it served")
        self.info = json.loads(line)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process is not None:
            assert self._process.stdin is not None  # noqa: S101 (set by PIPE above)
            self._process.stdin.close()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()


if __name__ == "__main__":
    main(sys.argv[1:])
