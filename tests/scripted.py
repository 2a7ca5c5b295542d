"""A raw HTTP server whose every answer the test scripts: for responses no real service
(and not the emulator) would send, such as malformed bodies or exact error headers."""

from __future__ import annotations

import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self

TASK: dict[str, Any] = {
    "SpeakerSearchTaskId": "7f7e8a0c-0000-4000-8000-000000000001",
    "SpeakerSearchTaskStatus": "IN_QUEUE",
    "CallDetails": {"VoiceConnectorId": "vc1", "TransactionId": "tx1", "IsCaller": True},
    "CreatedTimestamp": "2026-11-21T13:00:00.000Z",
    "UpdatedTimestamp": "2026-11-21T13:00:00.000Z",
}


@attrs.frozen
class Reply:
    status: int = 200
    body: Any = attrs.field(factory=lambda: {"SpeakerSearchTask": TASK})
    headers: dict[str, str] = attrs.field(factory=dict)
    drop: bool = False  # close the connection without answering


@attrs.frozen
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


def error(code: str, status: int, message: str = "scripted", **headers: str) -> Reply:
    """An error reply exactly as the service sends one."""
    return Reply(
        status=status, body={"Message": message}, headers={"x-amzn-ErrorType": code, **headers}
    )


class ScriptedServer:
    """Answers each request with the next scripted reply (the default when none left)."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.default = Reply()
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                with server._lock:
                    server.requests.append(
                        Seen(
                            self.command,
                            self.path,
                            dict(self.headers),
                            json.loads(raw) if raw else None,
                        )
                    )
                    reply = server.replies.popleft() if server.replies else server.default
                if reply.drop:
                    self.close_connection = True
                    return
                payload = (
                    reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                )
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("x-amzn-RequestId", f"req-{len(server.requests)}")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def endpoint_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
