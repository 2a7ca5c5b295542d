"""HTTP/1.1 on sockets, with absolute deadlines: the library's own HTTP engine.

botocore's sender (urllib3) bounds each socket operation, not a request: a server that
trickles a byte a second, or resolves to several silent addresses, holds a call as long
as it likes, and a 400 MB body is read whole into memory. The library therefore sends
the requests botocore has serialised and signed itself (see ``_transport``), with:

* one deadline per request, on the real monotonic clock: connecting (every address of
  the name), the TLS handshake, sending and reading the whole answer all finish by it;
* a cap on the size of the response head and body;
* the body checked against its ``Content-Length`` (a short body is a lost answer);
* keep-alive connections in a small pool, checked for staleness before reuse.

:class:`ResponseParser` is sans-IO (bytes in, a response out), so an asyncio engine can
share it. Everything here raises :class:`HttpFailure` and nothing else; the transport
turns those into the library's errors.
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import os
import select
import socket
import ssl
import threading
import time
import warnings
import weakref
import zlib
from collections import deque
from typing import TYPE_CHECKING, Any, Final, Generic, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

import attrs

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

__all__ = [
    "ConnectionPool",
    "HttpEngine",
    "HttpFailure",
    "HttpResponse",
    "Pooled",
    "ResponseParser",
    "Target",
    "readable_now",
    "socket_failures",
    "tunnel_refused",
]

MAX_HEAD: Final = 64 * 1024
# Speaker search answers are a few kB (at most 10 results); a page of 100 voice
# profiles is ~40 kB. Anything near this is not the service talking.
MAX_BODY: Final = 4 * 1024 * 1024
_RECV: Final = 64 * 1024
_LONGEST_WAIT: Final = 86400.0


class HttpFailure(Exception):
    """A request failed below HTTP semantics.

    Attributes:
        kind: ``"connect"`` (never sent), ``"timeout"``, ``"lost"`` (connection closed
            or reset after sending), ``"short"`` (body shorter than announced),
            ``"too_large"``, ``"protocol"`` (not HTTP/1.x), ``"tls"``,
            ``"proxy_auth"`` (the proxy answered 407: not retried).
        sent: Whether any byte of the request may have reached the server.
    """

    def __init__(self, kind: str, message: str, *, sent: bool) -> None:
        self.kind = kind
        self.sent = sent
        super().__init__(message)


@attrs.frozen
class HttpResponse:
    """A complete response: status, headers (lower-case names) and the whole body."""

    status: int
    headers: dict[str, str]
    body: bytes


# --- parsing (sans-IO) -----------------------------------------------------------------

# Content-Encoding: zlib's window bits for each coding it can undo.
_GZIP: Final = 16 + zlib.MAX_WBITS
_CODINGS: Final = {"gzip": _GZIP, "x-gzip": _GZIP, "deflate": zlib.MAX_WBITS}


def decoded(response: HttpResponse, max_body: int = MAX_BODY) -> HttpResponse:
    """The response with its body decoded as its ``Content-Encoding`` says.

    The library asks for ``Accept-Encoding: identity``, as botocore does; a proxy that
    compresses answers anyway (gzip, or deflate, with or without its zlib wrapper) is
    undone here, capped at ``max_body`` bytes decompressed, so that the service's JSON is
    read as it was sent. The decoded response has no ``content-encoding`` header.

    Raises:
        HttpFailure: ``"protocol"`` for a coding zlib cannot undo (``br``...) or a body
            that does not decompress; ``"too_large"`` past ``max_body`` decompressed.
    """
    header = response.headers.get("content-encoding")
    if header is None or not response.body:
        return response
    named = [coding.strip().lower() for coding in header.split(",")]
    codings = [coding for coding in named if coding not in ("", "identity")]
    if not codings:
        return response
    body = response.body
    for coding in reversed(codings):  # the last coding applied is undone first
        wbits = _CODINGS.get(coding)
        if wbits is None:
            raise HttpFailure(
                "protocol",
                f"the body is encoded as {coding!r} (Content-Encoding: {header}), which the "
                "library cannot decode; it asked for identity",
                sent=True,
            )
        if coding == "deflate" and not _zlib_header(body):
            wbits = -zlib.MAX_WBITS  # raw deflate, without the zlib wrapper (some servers send it)
        decompressor = zlib.decompressobj(wbits)
        try:
            body = decompressor.decompress(body, max_body + 1)
        except zlib.error as exc:
            raise HttpFailure(
                "protocol", f"the {coding} body does not decompress: {exc}", sent=True
            ) from exc
        if len(body) > max_body:
            raise HttpFailure(
                "too_large",
                f"the response body is larger than {max_body} bytes once decompressed "
                f"({coding}); it was not read",
                sent=True,
            )
        if not decompressor.eof:
            raise HttpFailure("protocol", f"the {coding} body is cut short", sent=True)
    headers = {k: v for k, v in response.headers.items() if k != "content-encoding"}
    return HttpResponse(response.status, headers, body)


def _zlib_header(body: bytes) -> bool:
    """Whether ``body`` starts with a zlib header (RFC 1950: method 8, check bits)."""
    return len(body) >= 2 and body[0] & 0x0F == 8 and int.from_bytes(body[:2], "big") % 31 == 0  # noqa: PLR2004


_HEAD, _LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _CHUNK_END, _TRAILER, _UNTIL_CLOSE, _DONE = range(8)


class ResponseParser:
    """Feed it bytes (and EOF); it yields one response, size-capped, framing checked.

    Args:
        method: The request's method (a HEAD answer has no body).
        max_body: Largest body accepted, in bytes.
    """

    def __init__(self, method: str = "GET", *, max_body: int = MAX_BODY) -> None:
        self._method = method
        self._max_body = max_body
        self._buffer = bytearray()
        self._state = _HEAD
        self._remaining = 0
        # Where to resume looking for a line end: bytes trickled one at a time must not
        # make each look rescan the whole head (~1 s of CPU for a 64 KiB head).
        self._scanned = 0
        self.status = 0
        self.headers: dict[str, str] = {}
        self.body = bytearray()
        self.keep_alive = True

    @property
    def done(self) -> bool:
        """Whether the whole response has been read."""
        return self._state == _DONE

    @property
    def started(self) -> bool:
        """Whether any byte of the response has arrived."""
        return bool(self._buffer) or self._state != _HEAD or self.status != 0

    def response(self) -> HttpResponse:
        """The parsed response (only once :attr:`done`), its body decoded (:func:`decoded`)."""
        return decoded(HttpResponse(self.status, self.headers, bytes(self.body)), self._max_body)

    def feed(self, data: bytes) -> None:
        """Consume bytes from the connection."""
        self._buffer += data
        while self._state != _DONE and self._step():
            pass
        if self._state == _DONE and self._buffer:
            # Bytes beyond the answer (one to a request not sent yet?): whatever comes
            # next on this connection can't be matched to a request, so don't reuse it.
            self.keep_alive = False

    def feed_eof(self) -> None:
        """The connection closed: fine only when the body runs until close."""
        if self._state == _UNTIL_CLOSE:
            self._state = _DONE
            self.keep_alive = False
            return
        if self._state == _HEAD:
            what = "closed before a complete status line and headers"
            raise HttpFailure("lost", f"the connection {what}", sent=True)
        if self._state == _LENGTH:
            got = len(self.body)
            raise HttpFailure(
                "short",
                f"the body ended after {got} of the {got + self._remaining} bytes its "
                "Content-Length announced",
                sent=True,
            )
        raise HttpFailure("short", "the connection closed inside a chunked body", sent=True)

    # Each step consumes what it can; it returns False when it needs more bytes.
    def _step(self) -> bool:
        if self._state == _HEAD:
            return self._parse_head()
        if self._state in (_LENGTH, _CHUNK_DATA):
            return self._take_counted()
        if self._state == _UNTIL_CLOSE:
            self._append(self._buffer)
            self._buffer.clear()
            return False
        return self._parse_chunk_line()

    def _append(self, data: bytes | bytearray) -> None:
        if len(self.body) + len(data) > self._max_body:
            raise HttpFailure(
                "too_large",
                f"the response body is larger than {self._max_body} bytes; it was not read",
                sent=True,
            )
        self.body += data

    def _parse_head(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n", self._scanned)
        # Checked whether or not the end arrived: one read may bring a head and its end.
        if (end if end >= 0 else len(self._buffer)) > MAX_HEAD:
            raise HttpFailure(
                "protocol", f"the response head is larger than {MAX_HEAD} bytes", sent=True
            )
        if end < 0:
            self._scanned = max(0, len(self._buffer) - 3)
            return False
        head = bytes(self._buffer[:end]).decode("latin-1")
        del self._buffer[: end + 4]
        self._scanned = 0
        status_line, _, header_block = head.partition("\r\n")
        version, _, rest = status_line.partition(" ")
        code = rest[:3]
        if not version.startswith("HTTP/1.") or not _digits(code) or len(code) != 3:  # noqa: PLR2004
            raise HttpFailure(
                "protocol", f"the server did not answer HTTP/1.x: {status_line[:60]!r}", sent=True
            )
        headers: dict[str, str] = {}
        for line in header_block.split("\r\n") if header_block else ():
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip():
                raise HttpFailure("protocol", f"malformed header line {line[:60]!r}", sent=True)
            key = name.lower()
            value = value.strip()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        status = int(code)
        if not 100 <= status <= 599:  # noqa: PLR2004 (the only codes HTTP defines)
            raise HttpFailure(
                "protocol",
                f"the server answered with no HTTP status: {status_line[:60]!r}",
                sent=True,
            )
        if 100 <= status < 200:  # noqa: PLR2004 (an interim answer: the real one follows)
            return True
        self.status = status
        self.headers = headers
        connection = headers.get("connection", "").lower()
        self.keep_alive = "close" not in connection and (
            version != "HTTP/1.0" or "keep-alive" in connection
        )
        return self._choose_framing()

    def _choose_framing(self) -> bool:
        headers = self.headers
        if self._method == "HEAD" or self.status in (204, 304):
            self._state = _DONE
            return False
        if "chunked" in headers.get("transfer-encoding", "").lower():
            if "content-length" in headers:
                # RFC 9112 6.3: a sender must not send both; a reader that trusts either
                # may frame the next answer wrongly (response smuggling). Refused, and a
                # protocol failure never goes back to the pool.
                raise HttpFailure(
                    "protocol",
                    "the answer has both Transfer-Encoding: chunked and Content-Length",
                    sent=True,
                )
            self._state = _CHUNK_SIZE
            return True
        length = headers.get("content-length")
        if length is None:
            self._state = _UNTIL_CLOSE
            self.keep_alive = False
            return True
        if not _digits(length):
            raise HttpFailure("protocol", f"invalid Content-Length {length[:40]!r}", sent=True)
        self._remaining = int(length)
        if self._remaining > self._max_body:
            raise HttpFailure(
                "too_large",
                f"the response announced a {self._remaining}-byte body, over the "
                f"{self._max_body}-byte limit; it was not read",
                sent=True,
            )
        self._state = _LENGTH if self._remaining else _DONE
        return self._state != _DONE

    def _take_counted(self) -> bool:
        if not self._buffer:
            return False
        take = self._buffer[: self._remaining]
        self._append(take)
        del self._buffer[: len(take)]
        self._remaining -= len(take)
        if self._remaining:
            return False
        self._state = _DONE if self._state == _LENGTH else _CHUNK_END
        return True

    def _parse_chunk_line(self) -> bool:
        end = self._buffer.find(b"\r\n", self._scanned)
        if end < 0:
            self._scanned = max(0, len(self._buffer) - 1)
            if len(self._buffer) > MAX_HEAD:
                raise HttpFailure("protocol", "a chunk-size line is too long", sent=True)
            return False
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 2]
        self._scanned = 0
        if self._state == _CHUNK_END:
            if line:
                raise HttpFailure("protocol", "chunk data overran its size", sent=True)
            self._state = _CHUNK_SIZE
        elif self._state == _TRAILER:
            if not line:
                self._state = _DONE
        else:
            self._start_chunk(line)
        return True

    def _start_chunk(self, line: bytes) -> None:
        size_text = line.split(b";", 1)[0].strip()
        # int() would also take "0x5", "1_0", "+5" or "-5": a chunk size is hex digits only.
        if not size_text or size_text.lstrip(b"0123456789abcdefABCDEF"):
            raise HttpFailure("protocol", f"invalid chunk size {size_text[:20]!r}", sent=True)
        size = int(size_text, 16)
        if size == 0:
            self._state = _TRAILER
            return
        if len(self.body) + size > self._max_body:
            raise HttpFailure(
                "too_large",
                f"the response body is larger than {self._max_body} bytes; it was not read",
                sent=True,
            )
        self._remaining = size
        self._state = _CHUNK_DATA


def _digits(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also takes "²", which ``int()`` refuses."""
    return text.isascii() and text.isdigit()


# --- sending ------------------------------------------------------------------------------


@attrs.frozen
class Target:
    """Where a request goes, parsed from its URL once."""

    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def from_url(cls, url: str) -> Target:
        """Split an absolute http(s) URL."""
        try:
            parts = urlsplit(url)
            port = parts.port  # ValueError: out of range or not a number
        except ValueError as exc:
            raise HttpFailure(
                "connect", f"cannot send to {_shown(url)!r}: {exc}", sent=False
            ) from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise HttpFailure(
                "connect", f"cannot send to {_shown(url)!r}: not an http(s) URL", sent=False
            )
        port = port or (443 if scheme == "https" else 80)
        path = parts.path or "/"
        if parts.query:
            path = f"{path}?{parts.query}"
        return cls(scheme, parts.hostname, port, path)

    @property
    def authority(self) -> str:
        """``host:port``, an IPv6 literal in brackets (as in a CONNECT request line)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def host_header(self) -> str:
        """The Host header SigV4 signed: the port only when it is not the default."""
        default = 443 if self.scheme == "https" else 80
        return self.authority if self.port != default else self.authority.rpartition(":")[0]


def _shown(url: str) -> str:
    """``url`` without its user information (a proxy URL may carry a password)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    authority, slash, path = rest.partition("/")
    return f"{scheme}{sep}{authority.rpartition('@')[2]}{slash}{path}"


class _Deadline:
    """Seconds left until a point on the real monotonic clock."""

    __slots__ = ("at",)

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    def left(self, what: str, *, sent: bool) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise HttpFailure("timeout", f"{what} did not finish in time", sent=sent)
        return left


def readable_now(sock: socket.socket) -> bool:
    """Whether ``sock`` has something to read (or its end) at once.

    Raises:
        OSError, ValueError: the socket cannot be polled (it was closed).
    """
    if hasattr(select, "poll"):
        # Not select(): it refuses descriptors over 1023, common in big processes.
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(0))
    readable, _, _ = select.select([sock], [], [], 0)  # pragma: no cover (Windows)
    return bool(readable)  # pragma: no cover (Windows)


class _Connection:
    __slots__ = ("generation", "key", "sock")

    def __init__(self, key: tuple[str, str, int], sock: socket.socket, generation: int = 0) -> None:
        self.key = key
        self.sock = sock
        self.generation = generation

    def is_stale(self) -> bool:
        """An idle connection that is readable was closed (or sent junk): don't reuse it."""
        try:
            return readable_now(self.sock)
        except (OSError, ValueError):
            return True

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class Pooled(Protocol):
    """What :class:`ConnectionPool` keeps: a connection to one destination."""

    key: tuple[str, str, int]
    generation: int  # the pool's generation when it was opened

    def is_stale(self) -> bool:
        """Whether an idle connection must not be reused."""
        ...

    def close(self) -> None:
        """Close it (quietly)."""
        ...


_C = TypeVar("_C", bound=Pooled)


def _close_idle(idle: dict[tuple[str, str, int], deque[Any]]) -> None:
    for connections in idle.values():
        while connections:
            connections.pop().close()


class ConnectionPool(Generic[_C]):
    """Idle keep-alive connections by destination, at most ``max_idle`` each; thread-safe.

    :meth:`close` closes the idle connections, and each one in use at that moment when
    it is given back (it was opened in an older generation), so nothing opened before a
    close outlives it. A pool dropped without ``close()`` still closes its idle sockets.
    """

    def __init__(self, max_idle: int) -> None:
        self.max_idle = max_idle
        self.generation = 0
        self._idle: dict[tuple[str, str, int], deque[_C]] = {}
        self._lock = threading.Lock()
        self._pid = os.getpid()
        weakref.finalize(self, _close_idle, self._idle)

    def checkout(self, key: tuple[str, str, int]) -> _C | None:
        """The most recently used idle connection to ``key`` that is still usable."""
        if self._pid != os.getpid():
            self._after_fork()
        while True:
            with self._lock:
                idle = self._idle.get(key)
                conn = idle.pop() if idle else None
            if conn is None or not conn.is_stale():
                return conn
            conn.close()

    def _after_fork(self) -> None:
        """In a child of ``fork()``: drop the connections inherited from the parent.

        Their sockets are the parent's too: a request on one would interleave the two
        processes' answers on one connection. Closing the child's copies leaves the
        parent's connections open (TCP closes on the last copy); whatever the parent had
        in use comes back from an older generation and is closed too.
        """
        self._lock = threading.Lock()  # another thread may have held it at fork()
        self._pid = os.getpid()
        self.generation += 1
        _close_idle(self._idle)

    def checkin(self, conn: _C) -> None:
        """Keep ``conn`` for the next request to its destination, or close it."""
        with self._lock:
            if conn.generation == self.generation:
                idle = self._idle.setdefault(conn.key, deque())
                if len(idle) < self.max_idle:
                    idle.append(conn)
                    return
        conn.close()

    def close(self) -> None:
        """Close every idle connection, and each one in use when it is given back."""
        with self._lock:
            self.generation += 1
            _close_idle(self._idle)


_AddressInfo = tuple[socket.AddressFamily, socket.SocketKind, int, str, Any]


def _resolve(
    host: str, port: int, connect_timeout: float, deadline: _Deadline
) -> Sequence[_AddressInfo]:
    """The addresses of ``host``, found within ``connect_timeout`` and by the deadline.

    ``getaddrinfo`` takes no timeout (a dead DNS server holds it 5 s per try and server),
    so a name is looked up in a helper thread that the call stops waiting for; the
    thread ends when the resolver gives up. An IP literal needs no lookup.
    """
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    outcome: list[Sequence[_AddressInfo] | Exception] = []
    done = threading.Event()

    def look_up() -> None:
        try:
            outcome.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except Exception as exc:  # noqa: BLE001 (handed to the waiting thread)
            outcome.append(exc)
        finally:
            done.set()

    threading.Thread(target=look_up, name="chime-speaker-search-resolve", daemon=True).start()
    if not done.wait(min(connect_timeout, deadline.left("looking up the host", sent=False))):
        if deadline.at <= time.monotonic():
            raise HttpFailure("timeout", f"looking up {host!r} did not finish in time", sent=False)
        raise HttpFailure(
            "connect", f"looking up {host!r} took over {connect_timeout:g} s", sent=False
        )
    result = outcome[0]
    if isinstance(result, OSError | ValueError):  # ValueError: a name IDNA cannot encode
        raise HttpFailure("connect", f"could not resolve {host!r}: {result}", sent=False)
    if isinstance(result, Exception):
        raise result
    return result


def _connect(host: str, port: int, connect_timeout: float, deadline: _Deadline) -> socket.socket:
    """Connect to the first address of ``host`` that answers, by the deadline.

    Each address gets ``connect_timeout`` at most, and all of them together no more than
    the deadline: a name with several silent addresses cannot multiply the wait.
    """
    infos = _resolve(host, port, connect_timeout, deadline)
    last: OSError | None = None
    for family, kind, proto, _, address in infos:
        timeout = min(connect_timeout, deadline.left("connecting", sent=False))
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(address)
        except OSError as exc:
            sock.close()
            last = exc
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    if isinstance(last, TimeoutError) and deadline.at <= time.monotonic():
        raise HttpFailure(
            "timeout", f"connecting to {host}:{port} did not finish in time", sent=False
        )
    kind_ = "timed out connecting" if isinstance(last, TimeoutError) else "could not connect"
    raise HttpFailure("connect", f"{kind_} to {host}:{port}: {last}", sent=False) from last


def _basic_auth(userinfo: str) -> str:
    user, _, password = userinfo.partition(":")
    token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode()
    return f"Basic {token}"


def tunnel_refused(status: int) -> HttpFailure:
    """The failure for a proxy that answered CONNECT with ``status``, not 200.

    407 means the proxy's user name or password is wrong or missing: asking again
    with the same ones cannot succeed, so it is its own kind, which is not retried.
    """
    if status == 407:  # noqa: PLR2004
        return HttpFailure(
            "proxy_auth",
            "the proxy refused the tunnel with HTTP 407 (Proxy Authentication Required): "
            "check the user name and password in the proxy URL",
            sent=False,
        )
    return HttpFailure("connect", f"the proxy refused the tunnel with HTTP {status}", sent=False)


@contextlib.contextmanager
def socket_failures(doing: str) -> Iterator[None]:
    """Map a socket's errors, once the request may be on the wire, to ``HttpFailure``."""
    try:
        yield
    except HttpFailure:
        raise
    except TimeoutError as exc:
        raise HttpFailure("timeout", f"{doing} did not finish in time", sent=True) from exc
    except OSError as exc:
        raise HttpFailure("lost", f"the connection failed while {doing}: {exc}", sent=True) from exc


class HttpEngine:
    """Sends requests over pooled keep-alive connections, each within one deadline.

    Thread-safe: connections are checked out of the pool by one request at a time.

    Args:
        connect_timeout: Longest time to connect to one address, in seconds.
        read_timeout: Longest time for a whole answer, once the request is sent.
        max_pool: Idle connections kept per destination.
        verify: ``True`` (the default CA bundle), ``False`` or a CA bundle path.
        proxies: ``{"http": url, "https": url}`` of an HTTP proxy to go through.
        client_cert: A certificate file, or a (certificate, key) pair, for mutual TLS.
        max_body: Largest response body accepted, in bytes.
    """

    def __init__(
        self,
        *,
        connect_timeout: float,
        read_timeout: float,
        max_pool: int = 10,
        verify: bool | str = True,
        proxies: Mapping[str, str] | None = None,
        client_cert: str | tuple[str, str] | None = None,
        max_body: int = MAX_BODY,
    ) -> None:
        for name, seconds in (("connect_timeout", connect_timeout), ("read_timeout", read_timeout)):
            if not seconds > 0:  # also NaN
                raise ValueError(f"{name} must be a number of seconds > 0, not {seconds!r}")
        # A socket timeout must fit the platform's time_t: anything beyond a day is
        # "no limit" in practice, and a day always fits.
        self.connect_timeout = min(connect_timeout, _LONGEST_WAIT)
        self.read_timeout = min(read_timeout, _LONGEST_WAIT)
        self.max_body = max_body
        self.max_pool = max_pool
        self._verify = verify
        self._proxies = dict(proxies or {})
        self._client_cert = client_cert
        self._pool: ConnectionPool[_Connection] = ConnectionPool(max_pool)
        self._lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None

    def proxy_for(self, scheme: str) -> str | None:
        """The HTTP proxy's URL for requests to ``scheme`` URLs, if any."""
        return self._proxies.get(scheme)

    def close(self) -> None:
        """Close every idle connection, and each one in use when its request ends.

        Later requests open new ones.
        """
        self._pool.close()

    # --- one request ----------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str | bytes],
        body: bytes | None,
        *,
        time_left: float | None,
        fresh: bool = False,
    ) -> HttpResponse:
        """Send one request and read the whole answer, all within ``time_left`` seconds.

        The answer must also complete within ``read_timeout`` of the request being sent
        (a lost answer is given up on then, and may be retried), and connecting to each
        address within ``connect_timeout``.

        With ``fresh``, the request goes on a new connection. A server may close an idle
        keep-alive connection just as a request is sent on it; the request then fails
        as "maybe sent", harmless for a request that may be repeated, but a spurious
        ``OutcomeUnknownError`` for one without an idempotency token (RFC 9110 9.2.2).

        Raises:
            HttpFailure: the request could not be completed; ``sent`` says whether it
                may have reached the server.
        """
        target = Target.from_url(url)
        proxy = self.proxy_for(target.scheme)
        overall = _Deadline(time_left if time_left is not None else float("inf"))
        # Written before a connection is taken: a request that can't be written must
        # neither open a connection nor take one out of the pool.
        wire = self.serialise(method, target, headers, body, proxy)
        key = (target.scheme, target.host, target.port)
        conn = None if fresh else self._pool.checkout(key)
        if conn is None:
            generation = self._pool.generation
            conn = _Connection(key, self._open(target, proxy, overall), generation)
        try:
            response, reusable = self._exchange(conn.sock, method, wire, overall)
        except BaseException:
            conn.close()
            raise
        if reusable:
            self._pool.checkin(conn)
        else:
            conn.close()
        return response

    def serialise(
        self,
        method: str,
        target: Target,
        headers: Mapping[str, str | bytes],
        body: bytes | None,
        proxy: str | None,
    ) -> bytes:
        """A request's bytes on the wire (the absolute form when an HTTP proxy relays it)."""
        path = target.path
        if proxy is not None and target.scheme == "http":
            path = f"http://{target.host_header}{target.path}"  # absolute form for a proxy
        lines = [f"{method} {path} HTTP/1.1", f"Host: {target.host_header}"]
        has_length = False
        for name, value in headers.items():
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            if "\r" in text or "\n" in text or "\r" in name or "\n" in name:
                raise HttpFailure("connect", f"header {name!r} contains a line break", sent=False)
            lowered = name.lower()
            if lowered == "host":
                continue
            has_length = has_length or lowered == "content-length"
            lines.append(f"{name}: {text}")
        if body and not has_length:
            lines.append(f"Content-Length: {len(body)}")
        elif not body and method in ("POST", "PUT") and not has_length:
            lines.append("Content-Length: 0")
        if proxy is not None and target.scheme == "http":
            lines.extend(self._proxy_headers(proxy))
        lines.append("Accept-Encoding: identity")
        try:
            head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        except UnicodeEncodeError as exc:
            raise HttpFailure(
                "connect",
                f"the request head has a character HTTP/1.1 cannot carry: {exc}",
                sent=False,
            ) from exc
        return head + (body or b"")

    def _exchange(
        self, sock: socket.socket, method: str, wire: bytes, overall: _Deadline
    ) -> tuple[HttpResponse, bool]:
        with socket_failures("sending the request"):
            sock.settimeout(min(self.read_timeout, overall.left("sending the request", sent=False)))
            sock.sendall(wire)
        answer = _Deadline(self.read_timeout)
        if answer.at > overall.at:
            answer = overall
        parser = ResponseParser(method, max_body=self.max_body)
        buffer = bytearray(_RECV)
        view = memoryview(buffer)
        while not parser.done:
            with socket_failures("reading the answer"):
                sock.settimeout(answer.left("reading the answer", sent=True))
                count = sock.recv_into(view)
            if count == 0:
                parser.feed_eof()
            else:
                parser.feed(view[:count].tobytes())
        return parser.response(), parser.keep_alive

    # --- connections ----------------------------------------------------------------------

    def _open(self, target: Target, proxy: str | None, overall: _Deadline) -> socket.socket:
        if proxy is None:
            sock = _connect(target.host, target.port, self.connect_timeout, overall)
        else:
            proxy_target = Target.from_url(proxy)
            sock = _connect(proxy_target.host, proxy_target.port, self.connect_timeout, overall)
            if target.scheme == "https":
                self._tunnel(sock, target, proxy, overall)
        if target.scheme != "https":
            return sock
        try:
            sock.settimeout(
                min(self.connect_timeout, overall.left("the TLS handshake", sent=False))
            )
            return self.tls_context().wrap_socket(sock, server_hostname=target.host)
        except HttpFailure:
            sock.close()
            raise
        except ssl.SSLCertVerificationError as exc:
            sock.close()
            raise HttpFailure(
                "tls", f"the server's certificate was refused: {exc}", sent=False
            ) from exc
        except (OSError, ssl.SSLError) as exc:
            sock.close()
            raise HttpFailure("connect", f"the TLS handshake failed: {exc}", sent=False) from exc

    def _proxy_headers(self, proxy: str) -> list[str]:
        userinfo = urlsplit(proxy).netloc.rpartition("@")
        return [f"Proxy-Authorization: {_basic_auth(userinfo[0])}"] if userinfo[1] else []

    def tunnel_request(self, target: Target, proxy: str) -> bytes:
        """The CONNECT request asking an HTTP proxy for a tunnel to the target."""
        authority = target.authority
        lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}", *self._proxy_headers(proxy)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _tunnel(self, sock: socket.socket, target: Target, proxy: str, overall: _Deadline) -> None:
        """Ask an HTTP proxy for a tunnel to the target (CONNECT)."""
        wire = self.tunnel_request(target, proxy)
        try:
            response, _ = self._exchange(sock, "HEAD", wire, overall)
        except HttpFailure as exc:
            sock.close()
            raise HttpFailure(
                "connect", f"the proxy did not open a tunnel: {exc}", sent=False
            ) from exc
        if response.status != 200:  # noqa: PLR2004
            sock.close()
            raise tunnel_refused(response.status)

    def tls_context(self) -> ssl.SSLContext:
        """The TLS settings for https (made once, on first use).

        Raises:
            HttpFailure: ``"tls"``, nothing sent, when the CA bundle or the client
                certificate cannot be loaded (no file, not PEM, a key that does not
                match): every attempt would fail the same way, so it is not retried.
        """
        with self._lock:
            if self._tls is None:
                try:
                    self._tls = self._make_tls_context()
                except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
                    raise HttpFailure(
                        "tls",
                        f"the TLS settings cannot be loaded ({self._tls_files()}): {exc}",
                        sent=False,
                    ) from exc
            return self._tls

    def _tls_files(self) -> str:
        """The files the TLS settings come from, as the client's config names them."""
        named = []
        if isinstance(self._verify, str):
            named.append(f"verify={self._verify!r}")
        if self._client_cert is not None:
            named.append(f"client_cert={self._client_cert!r}")
        return ", ".join(named) or "the default CA bundle"

    def _make_tls_context(self) -> ssl.SSLContext:
        from botocore.httpsession import get_cert_path  # noqa: PLC0415 (only for https)

        if self._verify is False:
            # urllib3's category, so urllib3.disable_warnings() silences it as it does
            # botocore's; once per client (this context is made once), not per request.
            from urllib3.exceptions import InsecureRequestWarning  # noqa: PLC0415

            warnings.warn(
                "verify=False: TLS certificates are not checked, so anyone on the network "
                "path can read and change these requests",
                InsecureRequestWarning,
                stacklevel=2,
            )
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        else:
            path: str = get_cert_path(self._verify)  # type: ignore[arg-type,assignment]  # botocore takes a path too
            # A directory of hashed CA files (c_rehash), as botocore's ca_cert_dir takes.
            if os.path.isdir(path):  # noqa: PTH112 (botocore tests the same way)
                context = ssl.create_default_context(capath=path)
            else:
                context = ssl.create_default_context(cafile=path)
        if isinstance(self._client_cert, str):
            context.load_cert_chain(self._client_cert)
        elif self._client_cert is not None:
            context.load_cert_chain(*self._client_cert)
        return context
