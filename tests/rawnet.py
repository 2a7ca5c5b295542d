"""Raw TCP/TLS servers and an HTTP proxy on loopback, for testing the HTTP engine.

Each accepted connection gets its own thread running a handler the test writes, so a
server can answer byte by byte, stall, close early, or answer out of turn. Everything
is closed and joined on exit: the suite runs with warnings as errors, ResourceWarning
included.
"""

from __future__ import annotations

import base64
import contextlib
import selectors
import socket
import ssl
import subprocess
import threading
import time
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from types import TracebackType

    from typing_extensions import Self

__all__ = [
    "Peer",
    "RawServer",
    "Request",
    "answer",
    "basic",
    "free_port",
    "keep_alive",
    "proxy",
    "self_signed",
    "tls_server_context",
]


@attrs.frozen
class Request:
    """One request as the server read it."""

    line: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    head: str  # as sent, for checking what appears how often

    @property
    def method(self) -> str:
        return self.line.split(" ", 1)[0]

    @property
    def target(self) -> str:
        return self.line.split(" ")[1]


def answer(
    status: int = 200,
    body: bytes = b"{}",
    *,
    headers: tuple[tuple[str, str], ...] = (),
    length: bool = True,
) -> bytes:
    """A response's bytes, with a Content-Length unless ``length`` is false."""
    lines = [f"HTTP/1.1 {status} Whatever"]
    if length:
        lines.append(f"Content-Length: {len(body)}")
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Peer:
    """The server's side of one connection, with a read buffer."""

    def __init__(self, sock: socket.socket, server: RawServer, index: int) -> None:
        self.sock = sock
        self.server = server
        self.index = index  # 0 for the first connection the server accepted
        self.buffer = bytearray()

    def recv(self) -> bytes:
        data = self.sock.recv(65536)
        self.buffer += data
        return data

    def read_request(self) -> Request | None:
        """The next request, or None when the client closed the connection."""
        while b"\r\n\r\n" not in self.buffer:
            if not self.recv():
                return None
        end = self.buffer.index(b"\r\n\r\n")
        head = self.buffer[:end].decode("latin-1")
        del self.buffer[: end + 4]
        line, *rest = head.split("\r\n")
        headers = {}
        for header in rest:
            name, _, value = header.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            if not self.recv():
                return None
        body = bytes(self.buffer[:length])
        del self.buffer[:length]
        request = Request(line, headers, body, head)
        with self.server.lock:
            self.server.requests.append(request)
        return request

    def wait_closed(self) -> None:
        """Read until the client closes the connection, and count that it did."""
        while self.recv():
            pass
        self.client_closed()

    def client_closed(self) -> None:
        with self.server.lock:
            self.server.closed_by_client += 1

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)


class RawServer:
    """A TCP (or TLS) server on loopback; ``handler`` runs once per connection."""

    def __init__(
        self,
        handler: Callable[[Peer], None],
        *,
        host: str = "127.0.0.1",
        tls: ssl.SSLContext | None = None,
        backlog: int = 16,
    ) -> None:
        self.handler = handler
        self.tls = tls
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = socket.create_server((host, 0), family=family, backlog=backlog)
        self.listener.settimeout(0.02)
        self.host = host
        self.port: int = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.connections = 0
        self.closed_by_client = 0
        self.requests: list[Request] = []
        self.errors: list[BaseException] = []
        self.closed = threading.Event()  # set by handlers that want to signal it
        self._socks: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self.stopping = threading.Event()
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.authority}"

    def wait_for(self, condition: Callable[[RawServer], bool], timeout: float = 3.0) -> bool:
        """Whether ``condition`` held within ``timeout`` (for what other threads do)."""
        until = time.monotonic() + timeout
        while not condition(self):
            if time.monotonic() > until:
                return False
            time.sleep(0.002)
        return True

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(None)
            with self.lock:
                index = self.connections
                self.connections += 1
                self._socks.append(sock)
            thread = threading.Thread(target=self._run, args=(sock, index), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run(self, sock: socket.socket, index: int) -> None:
        try:
            if self.tls is not None:
                sock.settimeout(5)
                wrapped = self.tls.wrap_socket(sock, server_side=True)
                wrapped.settimeout(None)
                with self.lock:
                    self._socks.append(wrapped)
                sock = wrapped
            self.handler(Peer(sock, self, index))
        except (OSError, ValueError):
            pass  # the client went away, or the server is stopping
        except BaseException as error:  # asserted by the tests that care
            self.errors.append(error)
        finally:
            with contextlib.suppress(OSError):
                sock.close()

    def __enter__(self) -> Self:
        self._acceptor.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stopping.set()
        self._acceptor.join(5)
        self.listener.close()
        with self.lock:
            socks = list(self._socks)
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(5)
        for sock in socks:
            sock.close()


def keep_alive(body: bytes = b"{}") -> Callable[[Peer], None]:
    """A handler answering every request on its connection with ``body``."""

    def handle(peer: Peer) -> None:
        while peer.read_request() is not None:
            peer.send(answer(body=body, headers=(("X-Connection", str(peer.index)),)))
        peer.client_closed()

    return handle


def _pipe(a: socket.socket, b: socket.socket) -> None:
    """Relay bytes both ways until either side closes."""
    with selectors.DefaultSelector() as selector:
        selector.register(a, selectors.EVENT_READ, b)
        selector.register(b, selectors.EVENT_READ, a)
        while True:
            for key, _ in selector.select(timeout=5):
                data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                if not data:
                    return
                key.data.sendall(data)


def proxy(*, refuse: int | None = None, trickle: float | None = None) -> Callable[[Peer], None]:
    """A forward proxy: CONNECT tunnels, and absolute-form http requests.

    Args:
        refuse: Answer every request with this status instead.
        trickle: Answer a CONNECT one byte every ``trickle`` seconds, forever.
    """

    def handle(peer: Peer) -> None:
        request = peer.read_request()
        if request is None:
            return
        if refuse is not None:
            peer.send(answer(refuse, b"go away", headers=(("Connection", "close"),)))
            return
        if trickle is not None:
            while not peer.server.stopping.wait(trickle):
                peer.send(b"H")
            return
        if request.method == "CONNECT":
            host, _, port = request.target.rpartition(":")
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
            with upstream:
                peer.send(b"HTTP/1.1 200 Connection established\r\n\r\n")
                _pipe(peer.sock, upstream)
            return
        # Absolute form: forward in origin form over a connection of its own.
        scheme_host, _, path = request.target.partition("://")[2].partition("/")
        host, _, port = scheme_host.rpartition(":")
        upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=5)
        headers = [
            f"{name}: {value}"
            for name, value in request.headers.items()
            if name not in ("proxy-authorization", "connection")
        ]
        head = "\r\n".join([f"{request.method} /{path} HTTP/1.1", *headers, "Connection: close"])
        with upstream:
            upstream.sendall(head.encode("latin-1") + b"\r\n\r\n" + request.body)
            _pipe(peer.sock, upstream)

    return handle


def basic(user: str, password: str) -> str:
    """The Proxy-Authorization value for ``user:password``."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def self_signed(directory: Path, name: str = "server") -> tuple[str, str]:
    """A certificate for 127.0.0.1, ::1 and localhost, made with ``openssl``: (cert, key)."""
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(  # noqa: S603 (fixed arguments)
        [  # noqa: S607 (openssl from PATH, checked by the fixture)
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={name}",
            "-addext",
            "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


def tls_server_context(cert: tuple[str, str]) -> ssl.SSLContext:
    """A server-side TLS context presenting ``cert`` (certificate, key)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*cert)
    return context


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
