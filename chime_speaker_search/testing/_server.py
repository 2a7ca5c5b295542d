"""The HTTP shell around :class:`~._wire.WireApp`: sockets, threads, keep-alive.

A stdlib :class:`~http.server.ThreadingHTTPServer` speaking HTTP/1.1 with
keep-alive (every response carries ``Content-Length``), one daemon thread per
connection. The server tracks its open connections so that stopping it closes
idle keep-alive connections at once instead of leaving threads blocked on them.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import selectors
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Final

from ._wire import WireRequest

if TYPE_CHECKING:
    from ._wire import WireApp, WireResponse

__all__ = ["EmulatorServer"]

_LOG = logging.getLogger("chime_speaker_search.testing")
_JOIN_TIMEOUT = 5.0
# accept() failures that mean "out of descriptors or memory": retrying at once cannot help.
_OUT_OF_RESOURCES: Final = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
_BACKOFF_MIN: Final = 0.01
_BACKOFF_MAX: Final = 1.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LocalSpeakerSearchService"
    # Headers and body go out in two writes; with Nagle's algorithm the second waits
    # for the client's delayed ACK (~40 ms per request).
    disable_nagle_algorithm = True
    # An idle keep-alive connection is closed after this many seconds.
    timeout = 60.0
    server: EmulatorServer

    def version_string(self) -> str:
        """The ``Server`` header: the emulator's name, not the Python version."""
        return self.server_version

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET  # noqa: N815

    def _serve(self) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        app = self.server.app
        if "chunked" in headers.get("transfer-encoding", "").lower():
            # AWS SDKs always send a Content-Length to this API; a chunked body would be
            # left in the stream and read as the next request.
            self.send_error(411, "Length Required: send a Content-Length")
            return
        length_header = headers.get("content-length") or "0"
        length = int(length_header) if length_header.isascii() and length_header.isdigit() else -1
        if length < 0:
            self.send_error(400, "Invalid Content-Length")
            return
        if length > app.max_body_bytes:
            # Answered before a byte of the body is read, so an oversized body costs no
            # memory; the unread body makes the connection unusable, hence the close.
            self.close_connection = True
            self._send(app.too_large(self.command, self.path, headers))
            return
        body = self.rfile.read(length) if length else b""
        response = app.handle(
            WireRequest(method=self.command, target=self.path, headers=headers, body=body)
        )
        try:
            if response.delay:
                self.server.stopping.wait(response.delay)
            if response.drop or self.server.stopping.is_set():
                # The request took effect; the client gets a closed connection, no bytes.
                self.close_connection = True
                return
            self._send(response)
        finally:
            if response.on_sent is not None:
                response.on_sent()

    def _send(self, response: WireResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (overrides the stdlib's signature)
        _LOG.debug("%s - %s", self.address_string(), format % args)


class EmulatorServer(ThreadingHTTPServer):
    """A threading HTTP/1.1 server for one :class:`~._wire.WireApp`.

    Args:
        host: The address to bind; ``":"`` in it selects IPv6.
        port: The port to bind; 0 picks a free one.
        app: What answers the requests.
    """

    daemon_threads = True
    # socketserver's default backlog of 5 drops simultaneous connects beyond it, and
    # the client's TCP stack only retries after a second.
    request_queue_size = 128

    def __init__(self, host: str, port: int, app: WireApp) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.app = app
        self.stopping = threading.Event()
        self._accept_backoff = 0.0
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._wake_reader, self._wake_writer = socket.socketpair()
        try:
            super().__init__((host, port), _Handler)
        except BaseException:
            # Binding failed (e.g. the port is taken): nothing will close the pair later.
            self._wake_reader.close()
            self._wake_writer.close()
            raise

    def server_bind(self) -> None:
        """Bind without ``HTTPServer``'s reverse DNS lookup of the host (slow offline)."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def track(self, connection: socket.socket) -> None:
        """Remember an open connection, to close it on stop."""
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        """Forget a closed connection."""
        with self._connections_lock:
            self._connections.discard(connection)

    def handle_error(self, request: object, client_address: object) -> None:  # noqa: ARG002 (the stdlib's signature)
        """Log a failed connection (a client hanging up mid-request) instead of printing it."""
        _LOG.debug("connection from %s failed", client_address, exc_info=True)

    def serve(self) -> threading.Thread:
        """Serve in a daemon thread; return the thread."""
        thread = threading.Thread(
            target=self._serve_until_stopped,
            name=f"LocalSpeakerSearchService:{self.server_port}",
            daemon=True,
        )
        thread.start()
        return thread

    def _serve_until_stopped(self) -> None:
        # Instead of BaseServer.serve_forever, whose shutdown() is only noticed at the
        # next poll (a delay on every stop, i.e. every test), a socket pair wakes the
        # loop the moment stop() is called.
        with selectors.DefaultSelector() as selector:
            selector.register(self, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while not self.stopping.is_set():
                ready = selector.select()
                if self.stopping.is_set():
                    break
                if any(key.fileobj is self for key, _ in ready):
                    self._accept()

    def _accept(self) -> None:
        """Accept one connection and hand it to a thread; back off when out of resources.

        socketserver's own version ignores a failed accept, so when the process is out
        of file descriptors (EMFILE/ENFILE) the pending connection keeps the listening
        socket readable and the loop spins at full CPU until connections close. Here
        each such failure waits, doubling from 10 ms to 1 s, or until stop().
        """
        try:
            request, client_address = self.get_request()
        except OSError as error:
            if error.errno in _OUT_OF_RESOURCES:
                if not self._accept_backoff:
                    _LOG.warning("cannot accept connections (%s); backing off", error)
                self._accept_backoff = min(
                    max(2 * self._accept_backoff, _BACKOFF_MIN), _BACKOFF_MAX
                )
                self.stopping.wait(self._accept_backoff)
            return
        self._accept_backoff = 0.0
        try:
            self.process_request(request, client_address)
        except Exception:  # noqa: BLE001 (e.g. no thread to spare: drop this connection, keep serving)
            self.handle_error(request, client_address)
            self.shutdown_request(request)

    def stop(self) -> None:
        """Stop accepting, wake delayed responses, close every connection, unbind."""
        self.stopping.set()
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # the client may have closed it already
                connection.shutdown(socket.SHUT_RDWR)

    def close(self, thread: threading.Thread | None) -> None:
        """After :meth:`stop`: wait for the serving thread, then release the sockets."""
        if thread is not None:
            thread.join(_JOIN_TIMEOUT)
        self.server_close()
        self._wake_reader.close()
        self._wake_writer.close()
