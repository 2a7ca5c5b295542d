"""A raw-socket HTTP server that misbehaves on purpose, one scripted behaviour per request.

:class:`tests.scripted.ScriptedServer` answers with whole, well-formed HTTP messages, as
``http.server`` writes them. The attacks here need what ``http.server`` cannot do: a
status line trickled a byte at a time, a body cut short of its ``Content-Length``, a
connection held open mid-body, 400 MB written as fast as the client reads. So this
server owns its sockets: one thread accepts, one thread per connection reads each
request, records it, and performs the next scripted behaviour (the default once the
script runs out).

On exit every connection is shut down (which wakes a thread blocked in ``recv`` or
``sendall``), every thread is joined, and a thread that did not end is an error:
a hostile test must not leak what it started into the tests after it.

:class:`Blackholes` makes addresses whose TCP connect never completes, without any
network: a listener with a backlog of 0 and one queued connection it never accepts
drops every further SYN, so the client's connect waits out its own timeout.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
from collections import deque
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from tests.scripted import TASK, Reply, Seen

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self

__all__ = [
    "GATEWAY_PAGE",
    "TASK",
    "Behaviour",
    "Blackholes",
    "HangMidBody",
    "HostileServer",
    "HugeBody",
    "RawAnswer",
    "Reply",
    "Seen",
    "ShortBody",
    "Silent",
    "TrickleBody",
    "TrickleHead",
    "deep_json",
    "gateway",
    "task_reply",
]

# What a load balancer or proxy sends in front of a failing service: HTML, and no
# x-amzn-ErrorType header, so nothing says which AWS error it is.
GATEWAY_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
)
_REASONS = {
    200: "OK",
    400: "Bad Request",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_JOIN_SECONDS = 5.0


def task_reply(**fields: Any) -> Reply:
    """A 200 carrying ``TASK`` with ``fields`` changed (``None`` removes a field)."""
    task = {**TASK, **fields}
    return Reply(body={"SpeakerSearchTask": {k: v for k, v in task.items() if v is not None}})


def gateway(status: int) -> Reply:
    """A proxy's or load balancer's error page: HTML, no AWS error type."""
    page = GATEWAY_PAGE.format(status=status, reason=_REASONS[status]).encode()
    return Reply(status=status, body=page, headers={"Content-Type": "text/html"})


def deep_json(depth: int, *, inside_task: bool) -> bytes:
    """A JSON body nested ``depth`` levels deep, at the top or inside the task object."""
    nest = b'{"a":' * depth + b"{}" + b"}" * depth
    if not inside_task:
        return nest
    task = json.dumps({"SpeakerSearchTask": TASK}).encode()
    # An unknown field the model would ignore, if the body could be read at all.
    return task[:-2] + b', "Nested": ' + nest + b"}}"


def _render(reply: Reply) -> tuple[bytes, bytes]:
    """(status line and headers, body) of a reply, as a well-behaved server sends them."""
    body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
    return _head(reply, len(body)), body


def _head(reply: Reply, content_length: int) -> bytes:
    headers = {"Content-Type": "application/json", **reply.headers}
    lines = [f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Unknown')}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {content_length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class _Link:
    """One accepted connection, as a behaviour sees it."""

    def __init__(self, conn: socket.socket, stopping: threading.Event) -> None:
        self.conn = conn
        self.stopping = stopping

    def send(self, data: bytes) -> bool:
        """Send all of ``data``; False when the client has gone."""
        try:
            self.conn.sendall(data)
        except OSError:
            return False
        return True

    def trickle(self, data: bytes, interval: float) -> bool:
        """Send ``data`` one byte every ``interval`` s; False when stopped or the client left."""
        for index in range(len(data)):
            if self.stopping.wait(interval) or not self.send(data[index : index + 1]):
                return False
        return True

    def hang(self) -> bool:
        """Keep the connection open, saying nothing, until the server stops."""
        self.stopping.wait()
        return False


class Behaviour(Protocol):
    """What the server does with one request; True keeps the connection for the next."""

    def perform(self, link: _Link) -> bool:
        """Answer (or not) on ``link``."""
        ...


@attrs.frozen
class _Answer:
    """A ``Reply`` sent whole and at once (or the connection closed, for ``drop``)."""

    reply: Reply

    def perform(self, link: _Link) -> bool:
        if self.reply.drop:
            return False
        head, body = _render(self.reply)
        return link.send(head + body)


@attrs.frozen
class TrickleHead:
    """Status line and headers one byte every ``interval`` seconds, then the body at once."""

    reply: Reply = attrs.field(factory=task_reply)
    interval: float = 0.05

    def perform(self, link: _Link) -> bool:
        head, body = _render(self.reply)
        return link.trickle(head, self.interval) and link.send(body)


@attrs.frozen
class TrickleBody:
    """Status line and headers at once, then the body one byte every ``interval`` seconds."""

    reply: Reply = attrs.field(factory=task_reply)
    interval: float = 0.05

    def perform(self, link: _Link) -> bool:
        head, body = _render(self.reply)
        return link.send(head) and link.trickle(body, self.interval)


@attrs.frozen
class HangMidBody:
    """Headers and the first ``sent`` bytes of the body, then silence on an open connection."""

    reply: Reply = attrs.field(factory=task_reply)
    sent: int = 20

    def perform(self, link: _Link) -> bool:
        head, body = _render(self.reply)
        return link.send(head + body[: self.sent]) and link.hang()


@attrs.frozen
class Silent:
    """Read the request, never answer, never close (a lost answer)."""

    def perform(self, link: _Link) -> bool:
        return link.hang()


@attrs.frozen
class ShortBody:
    """Announce the whole body's length, send all but its last ``missing`` bytes, close."""

    reply: Reply = attrs.field(factory=task_reply)
    missing: int = 40

    def perform(self, link: _Link) -> bool:
        head, body = _render(self.reply)
        link.send(head + body[: -self.missing])
        return False


@attrs.frozen
class RawAnswer:
    """Send exactly these bytes as the answer, then close."""

    data: bytes

    def perform(self, link: _Link) -> bool:
        link.send(self.data)
        return False


@attrs.frozen
class HugeBody:
    """A 200 of ``size`` bytes (a JSON string, valid if read to the end), written as fast
    as the client reads, generated on the fly; stops when the client closes."""

    size: int = 400 * 1024 * 1024
    chunk: int = 1024 * 1024

    def perform(self, link: _Link) -> bool:
        opening, closing = b'{"Padding": "', b'"}'
        if not link.send(_head(Reply(), self.size) + opening):
            return False
        filler = b"x" * self.chunk
        left = self.size - len(opening) - len(closing)
        while left > 0:
            piece = filler[: min(left, self.chunk)]
            if link.stopping.is_set() or not link.send(piece):
                return False
            left -= len(piece)
        return link.send(closing)


def _as_behaviour(item: Behaviour | Reply) -> Behaviour:
    return _Answer(item) if isinstance(item, Reply) else item


class HostileServer:
    """An HTTP/1.1 server on 127.0.0.1 performing one scripted behaviour per request.

    Args:
        default: What to do once the script has run out (a plain ``Reply`` answers
            normally, with ``TASK`` unless told otherwise).
    """

    def __init__(self, default: Behaviour | Reply | None = None) -> None:
        self._default: Behaviour = _as_behaviour(default if default is not None else task_reply())
        self.requests: list[Seen] = []
        self._script: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.02)  # the accept loop notices stopping this often
        self._connections: list[socket.socket] = []
        self._threads: list[threading.Thread] = []

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self._listener.getsockname()[1])

    @property
    def default(self) -> Behaviour:
        """What to do once the script has run out."""
        return self._default

    @default.setter
    def default(self, behaviour: Behaviour | Reply) -> None:
        with self._lock:
            self._default = _as_behaviour(behaviour)

    def script(self, *behaviours: Behaviour | Reply) -> None:
        """Queue what to do with the next requests, in order."""
        with self._lock:
            self._script.extend(_as_behaviour(item) for item in behaviours)

    def _start_thread(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # the listener was closed
            conn.settimeout(None)
            with self._lock:
                if self._stopping.is_set():
                    conn.close()
                    return
                self._connections.append(conn)
            self._start_thread(self._serve, conn)

    def _serve(self, conn: socket.socket) -> None:
        link = _Link(conn, self._stopping)
        with conn, conn.makefile("rb") as reader:
            while not self._stopping.is_set():
                seen = self._read_request(reader)
                if seen is None:
                    return
                with self._lock:
                    self.requests.append(seen)
                    behaviour = self._script.popleft() if self._script else self._default
                if not behaviour.perform(link):
                    return

    @staticmethod
    def _read_request(reader: Any) -> Seen | None:
        try:
            request_line = reader.readline()
            if not request_line.strip():
                return None
            headers: dict[str, str] = {}
            while (line := reader.readline()) not in {b"\r\n", b"\n", b""}:
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip()] = value.strip()
            length = int(headers.get("Content-Length") or 0)
            raw = reader.read(length) if length else b""
        except OSError:
            return None
        method, path = request_line.decode("latin-1").split()[:2]
        return Seen(method, path, headers, json.loads(raw) if raw else None)

    def __enter__(self) -> Self:
        self._start_thread(self._accept_loop)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        self._listener.close()
        with self._lock:
            connections, threads = list(self._connections), list(self._threads)
        for conn in connections:
            _wake(conn)
        for thread in threads:
            thread.join(_JOIN_SECONDS)
        stuck = [thread for thread in threads if thread.is_alive()]
        if stuck and exc_type is None:
            raise RuntimeError(f"HostileServer left {len(stuck)} thread(s) running")


def _wake(conn: socket.socket) -> None:
    """Shut a connection down; unlike close, this wakes a thread blocked in recv or sendall."""
    with contextlib.suppress(OSError):  # the client or the thread already closed it
        conn.shutdown(socket.SHUT_RDWR)


class Blackholes:
    """``count`` addresses on 127.0.0.1 whose TCP connect hangs until the client gives up.

    Each is a listener with a backlog of 0 holding one connection it never accepts: the
    kernel then drops every further SYN, so a connect neither succeeds nor is refused.
    Entering checks that this holds on this machine and raises otherwise.
    """

    def __init__(self, count: int = 3) -> None:
        self._sockets: list[socket.socket] = []
        self.addresses: list[tuple[str, int]] = []
        self._count = count

    def __enter__(self) -> Self:
        try:
            for _ in range(self._count):
                self.addresses.append(self._blackhole())
        except BaseException:
            self._close()
            raise
        return self

    def _blackhole(self) -> tuple[str, int]:
        listener = socket.socket()
        self._sockets.append(listener)
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        address: tuple[str, int] = listener.getsockname()
        filler = socket.create_connection(address, timeout=1.0)  # fills the accept queue
        self._sockets.append(filler)
        probe = socket.socket()
        self._sockets.append(probe)
        probe.setblocking(False)  # noqa: FBT003 (the stdlib's positional flag)
        probe.connect_ex(address)
        _, writable, _ = select.select([], [probe], [], 0.1)
        if writable:
            raise RuntimeError(f"a connect to {address} completed: cannot blackhole it here")
        return address

    def _close(self) -> None:
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close()
