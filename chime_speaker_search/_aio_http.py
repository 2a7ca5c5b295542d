"""HTTP/1.1 on asyncio, with absolute deadlines: the async client's HTTP engine.

It is :class:`~._http.HttpEngine` with the waiting done by the event loop: the same
settings (it takes them from a synchronous engine), the same request bytes, the same
sans-IO :class:`~._http.ResponseParser` (so the same size cap and framing checks), the
same :class:`~._http.HttpFailure` kinds, and the same deadline rules: connecting to each
address within ``min(connect_timeout, time left)``, the whole answer within
``min(read_timeout, time left)``. No thread is used, except to look up a host name
when a new connection needs one: ``getaddrinfo`` takes no timeout, so it runs in a
daemon thread that the request stops waiting for at its deadline (as the synchronous
engine does). Not the loop's default executor: ``asyncio.run`` joins that executor's
threads on exit, so a hanging lookup would hold the program. An IP address is used as
it is.

The connections are the library's own non-blocking sockets, with TLS done in memory
(:class:`ssl.SSLObject` over two :class:`ssl.MemoryBIO`, as asyncio's own TLS does).
Asyncio transports would tie each pooled connection to the loop that opened it and
leave it to a warning when that loop is closed; plain sockets belong to no loop, so a
client used under successive ``asyncio.run`` calls (a Lambda handler, a script) reuses
its connections instead of leaking them.

Cancellation: every wait is one future of this module's own (a socket ready to read or
write, by ``loop.add_reader``/``add_writer`` with a timer for the deadline; a free
connection; a name looked up), awaited directly, so cancelling the calling task takes
effect at once and is never lost. Not ``asyncio.wait_for``: before Python 3.12 it
returns the result, and drops the cancellation, when the awaited operation finishes in
the same loop iteration as the cancel, which on loopback is four cancellations in ten.
Where a loop has no ``add_reader`` (the proactor loop on Windows), the loop's
``sock_*`` methods under ``wait_for`` are used instead, with that caveat before 3.12. A
connection with a request in flight is closed when its request is cancelled, never
pooled: its answer could otherwise be read as the next request's. At most ``max_pool``
connections are in use at once on one loop (botocore's ``max_pool_connections``, as
aiobotocore uses it too); further requests queue for one within their own deadline.
The async transport queues before botocore signs a request, so a request is signed
just before it is sent, and only that many signed requests exist at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import math
import os
import socket
import ssl
import threading
import weakref
from collections import deque
from typing import TYPE_CHECKING, Any, Final, TypeVar

from ._http import (
    ConnectionPool,
    HttpFailure,
    HttpResponse,
    ResponseParser,
    Target,
    readable_now,
    socket_failures,
    tunnel_refused,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

    from ._http import HttpEngine

__all__ = ["AsyncHttpEngine"]

_RECV: Final = 64 * 1024
_T = TypeVar("_T")
_Key = tuple[str, str, int]


_PROACTOR: Final[Any] = getattr(asyncio, "ProactorEventLoop", None)
_IN_PROGRESS: Final = frozenset({errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN})
# What a waiter's future is settled with: the awaited thing happened, or the deadline.
_READY: Final = True
_LATE: Final = False


def _settle(future: asyncio.Future[Any], outcome: object) -> None:
    """Give ``future`` its outcome, unless it has one (or its waiter gave up)."""
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def _has_readiness(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether the loop can watch a socket (not the proactor loop on Windows)."""
    return _PROACTOR is None or not isinstance(loop, _PROACTOR)


async def _ready(sock: socket.socket, *, write: bool, at: float) -> None:
    """Wait until ``sock`` can be read (or written), by loop time ``at``.

    One future, awaited directly: a cancellation always reaches the caller.

    Raises:
        TimeoutError: ``at`` came first.
    """
    loop = asyncio.get_running_loop()
    if at <= loop.time():
        raise TimeoutError
    waiter: asyncio.Future[bool] = loop.create_future()
    fd = sock.fileno()
    if write:
        loop.add_writer(fd, _settle, waiter, _READY)
    else:
        loop.add_reader(fd, _settle, waiter, _READY)
    timer = None if at == math.inf else loop.call_at(at, _settle, waiter, _LATE)
    try:
        ready = await waiter
    finally:
        if write:
            loop.remove_writer(fd)
        else:
            loop.remove_reader(fd)
        if timer is not None:
            timer.cancel()
    if not ready:
        raise TimeoutError


async def _arrival(future: asyncio.Future[_T], at: float) -> _T:
    """``future``'s result, by loop time ``at`` (``TimeoutError`` then, ``future`` cancelled)."""
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[bool] = loop.create_future()

    def done(_: object) -> None:
        _settle(waiter, _READY)

    future.add_done_callback(done)
    timer = None if at == math.inf else loop.call_at(at, _settle, waiter, _LATE)
    try:
        await waiter
    except BaseException:
        future.cancel()
        raise
    finally:
        future.remove_done_callback(done)
        if timer is not None:
            timer.cancel()
    if not future.done():
        future.cancel()
        raise TimeoutError
    return future.result()


async def _within(at: float, start: Callable[..., Awaitable[_T]], *args: object) -> _T:
    """``await start(*args)`` under ``wait_for``, given up with ``TimeoutError`` at ``at``.

    Only for loops without :func:`_ready` (see the module docstring).
    """
    if at == math.inf:
        return await start(*args)
    left = at - asyncio.get_running_loop().time()
    if left <= 0:
        raise TimeoutError  # nothing started: no coroutine left un-awaited
    try:
        return await asyncio.wait_for(start(*args), left)
    except asyncio.TimeoutError:  # not the builtin TimeoutError before Python 3.11
        raise TimeoutError from None


async def _recv(sock: socket.socket, at: float) -> bytes:
    """Some bytes from ``sock`` (``b""`` at its end), by loop time ``at``."""
    loop = asyncio.get_running_loop()
    if not _has_readiness(loop):  # Windows' proactor loop
        return await _within(at, loop.sock_recv, sock, _RECV)
    while True:
        try:
            return sock.recv(_RECV)
        except (BlockingIOError, InterruptedError):
            pass
        await _ready(sock, write=False, at=at)


async def _sendall(sock: socket.socket, data: bytes, at: float) -> None:
    """Send all of ``data`` on ``sock``, by loop time ``at``."""
    loop = asyncio.get_running_loop()
    if not _has_readiness(loop):  # Windows' proactor loop
        await _within(at, loop.sock_sendall, sock, data)
        return
    view = memoryview(data)
    while view:
        with contextlib.suppress(BlockingIOError, InterruptedError):
            view = view[sock.send(view) :]
        if view:
            await _ready(sock, write=True, at=at)


async def _sock_connect(sock: socket.socket, address: Any, at: float) -> None:  # noqa: ANN401 (an address of any family)
    """Connect the non-blocking ``sock`` to ``address``, by loop time ``at``."""
    loop = asyncio.get_running_loop()
    if not _has_readiness(loop):  # Windows' proactor loop
        await _within(at, loop.sock_connect, sock, address)
        return
    error = sock.connect_ex(address)
    if error in _IN_PROGRESS:
        await _ready(sock, write=True, at=at)
        error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if error:
        raise OSError(error, os.strerror(error))


class _Slots:
    """At most ``size`` connections in use on one loop; the others queue, first come first served.

    ``asyncio.Semaphore`` under a timeout would need ``wait_for`` (see the module
    docstring); here the deadline is a timer on the waiter's own future.
    """

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiters: deque[asyncio.Future[bool]] = deque()

    @property
    def busy(self) -> bool:
        """Whether a request would have to queue."""
        return self._free <= 0

    async def acquire(self, at: float) -> None:
        """Take a connection slot by loop time ``at`` (``TimeoutError`` then)."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        self._waiters.append(waiter)
        timer = None if at == math.inf else loop.call_at(at, _settle, waiter, _LATE)
        try:
            granted = await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.result():
                self.release()  # granted just as it was cancelled: pass the slot on
            raise
        finally:
            if timer is not None:
                timer.cancel()
        if not granted:
            raise TimeoutError

    def release(self) -> None:
        """Give the slot to the first waiter still waiting, or free it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(True)
                return
        self._free += 1


class _Tls:
    """TLS in memory: bytes from the socket go in, bytes for the socket come out."""

    __slots__ = ("incoming", "obj", "outgoing")

    def __init__(self, context: ssl.SSLContext, host: str) -> None:
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.obj = context.wrap_bio(self.incoming, self.outgoing, server_hostname=host)


class _Link:
    """One connection: a non-blocking socket, with TLS state for https."""

    __slots__ = ("generation", "key", "sock", "tls")

    def __init__(self, key: _Key, sock: socket.socket, generation: int) -> None:
        self.key = key
        self.sock = sock
        self.generation = generation
        self.tls: _Tls | None = None

    async def _send_raw(self, data: bytes, at: float) -> None:
        if data:
            await _sendall(self.sock, data, at)

    async def _recv_raw(self, at: float) -> bytes:
        return await _recv(self.sock, at)

    async def start_tls(self, context: ssl.SSLContext, host: str, at: float) -> None:
        """Do the TLS handshake by loop time ``at``."""
        tls = self.tls = _Tls(context, host)
        while True:
            try:
                tls.obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                pass
            await self._send_raw(tls.outgoing.read(), at)
            data = await self._recv_raw(at)
            if not data:
                raise ssl.SSLEOFError("the server closed the connection during the handshake")
            tls.incoming.write(data)
        await self._send_raw(tls.outgoing.read(), at)

    async def send(self, data: bytes, at: float) -> None:
        """Send all of ``data`` by loop time ``at``."""
        if self.tls is not None:
            self.tls.obj.write(data)
            data = self.tls.outgoing.read()
        await self._send_raw(data, at)

    async def recv(self, at: float) -> bytes:
        """Some bytes of the answer by loop time ``at``; ``b""`` once the server closed."""
        tls = self.tls
        if tls is None:
            return await self._recv_raw(at)
        while True:
            try:
                return tls.obj.read(_RECV)
            except ssl.SSLWantReadError:
                pass
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                return b""  # a close, clean or not: the parser decides if the answer was whole
            await self._send_raw(tls.outgoing.read(), at)  # e.g. a TLS 1.3 key update
            data = await self._recv_raw(at)
            if data:
                tls.incoming.write(data)
            else:
                tls.incoming.write_eof()

    def is_stale(self) -> bool:
        """An idle connection that is readable was closed (or sent junk): don't reuse it.

        Over TLS, what arrives while idle may be TLS records alone (a session ticket);
        those are taken in, and only application data or a close makes it stale.
        """
        try:
            if not readable_now(self.sock):
                return False
            data = self.sock.recv(_RECV)
        except (OSError, ValueError):
            return True
        if not data or self.tls is None:
            return True
        self.tls.incoming.write(data)
        try:
            self.tls.obj.read(_RECV)
        except ssl.SSLWantReadError:
            return False
        except ssl.SSLError:
            return True
        return True

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


class AsyncHttpEngine:
    """Sends requests over pooled keep-alive connections, each within one deadline.

    Usable from any event loop, and from several at once (each gets its own limit of
    connections in use); idle connections are shared.

    Args:
        settings: The synchronous engine whose settings (timeouts, pool size, TLS,
            proxies, body cap) this one follows.
    """

    def __init__(self, settings: HttpEngine) -> None:
        self._settings = settings
        self._pool: ConnectionPool[_Link] = ConnectionPool(settings.max_pool)
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Slots] = (
            weakref.WeakKeyDictionary()
        )

    def close(self) -> None:
        """Close every idle connection, and each one in use when its request ends.

        Later requests open new ones.
        """
        self._pool.close()

    def _slots_for(self, loop: asyncio.AbstractEventLoop) -> _Slots:
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = _Slots(self._settings.max_pool)
        return slots

    # --- one request ----------------------------------------------------------------------

    def deadline(self, time_left: float | None) -> float:
        """The loop time ``time_left`` seconds from now (infinity for ``None``)."""
        loop = asyncio.get_running_loop()
        return math.inf if time_left is None else loop.time() + time_left

    @contextlib.asynccontextmanager
    async def connection_slot(self, deadline: float) -> AsyncIterator[None]:
        """Hold one of the ``max_pool`` connections this loop may use, queueing by ``deadline``.

        Raises:
            HttpFailure: no connection was free by the deadline (nothing was sent).
        """
        slots = self._slots_for(asyncio.get_running_loop())
        try:
            await slots.acquire(deadline)
        except TimeoutError:
            raise HttpFailure(
                "timeout", "waiting for a free connection did not finish in time", sent=False
            ) from None
        try:
            yield
        finally:
            slots.release()

    async def request(
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

        As :meth:`HttpEngine.request <chime_speaker_search._http.HttpEngine.request>`.

        Raises:
            HttpFailure: the request could not be completed; ``sent`` says whether it
                may have reached the server.
        """
        deadline = self.deadline(time_left)
        async with self.connection_slot(deadline):
            return await self.send(method, url, headers, body, deadline=deadline, fresh=fresh)

    async def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str | bytes],
        body: bytes | None,
        *,
        deadline: float,
        fresh: bool = False,
    ) -> HttpResponse:
        """:meth:`request` for a caller already holding a :meth:`connection_slot`.

        ``deadline`` is a loop time (see :meth:`deadline`).
        """
        target = Target.from_url(url)
        proxy = self._settings.proxy_for(target.scheme)
        wire = self._settings.serialise(method, target, headers, body, proxy)
        key = (target.scheme, target.host, target.port)
        link = None if fresh else self._pool.checkout(key)
        if link is None:
            link = await self._open(key, target, proxy, deadline)
        try:
            response, reusable = await self._exchange(link, method, wire, deadline)
        except BaseException:
            link.close()  # a request in flight: its answer must not meet the next one
            raise
        if reusable:
            self._pool.checkin(link)
        else:
            link.close()
        return response

    async def _exchange(
        self, link: _Link, method: str, wire: bytes, overall: float
    ) -> tuple[HttpResponse, bool]:
        loop = asyncio.get_running_loop()
        read_timeout = self._settings.read_timeout
        if overall <= loop.time():
            raise HttpFailure("timeout", "sending the request did not finish in time", sent=False)
        with socket_failures("sending the request"):
            await link.send(wire, min(loop.time() + read_timeout, overall))
        answer_by = min(loop.time() + read_timeout, overall)
        parser = ResponseParser(method, max_body=self._settings.max_body)
        while not parser.done:
            with socket_failures("reading the answer"):
                data = await link.recv(answer_by)
            if data:
                parser.feed(data)
            else:
                parser.feed_eof()
        return parser.response(), parser.keep_alive

    # --- connections ----------------------------------------------------------------------

    async def _open(self, key: _Key, target: Target, proxy: str | None, overall: float) -> _Link:
        where = Target.from_url(proxy) if proxy is not None else target
        generation = self._pool.generation
        link = _Link(key, await self._connect(where.host, where.port, overall), generation)
        try:
            if proxy is not None and target.scheme == "https":
                await self._tunnel(link, target, proxy, overall)
            if target.scheme == "https":
                await self._start_tls(link, target, overall)
        except BaseException:
            link.close()
            raise
        return link

    async def _connect(self, host: str, port: int, overall: float) -> socket.socket:
        """Connect to the first address of ``host`` that answers, by the deadline.

        Each address gets ``connect_timeout`` at most, and all of them together no more
        than the deadline: a name with several silent addresses cannot multiply the wait.
        """
        loop = asyncio.get_running_loop()
        infos = await self._resolve(host, port, overall)
        last: OSError | None = None
        for family, kind, proto, _, address in infos:
            now = loop.time()
            if overall <= now:
                break
            sock = socket.socket(family, kind, proto)
            try:
                sock.setblocking(False)  # noqa: FBT003 (the stdlib's signature)
                await _sock_connect(
                    sock, address, min(now + self._settings.connect_timeout, overall)
                )
            except OSError as exc:  # TimeoutError included
                sock.close()
                last = exc
                continue
            except BaseException:
                sock.close()
                raise
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        if overall <= loop.time() and (last is None or isinstance(last, TimeoutError)):
            raise HttpFailure(
                "timeout", f"connecting to {host}:{port} did not finish in time", sent=False
            )
        kind_ = "timed out connecting" if isinstance(last, TimeoutError) else "could not connect"
        raise HttpFailure("connect", f"{kind_} to {host}:{port}: {last}", sent=False) from last

    async def _resolve(self, host: str, port: int, overall: float) -> list[Any]:
        """The addresses of ``host``, found within ``connect_timeout`` and by the deadline."""
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:  # an IP address needs no lookup
            return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        loop = asyncio.get_running_loop()
        found: asyncio.Future[list[Any]] = loop.create_future()

        def look_up() -> None:
            try:
                outcome: Any = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except Exception as exc:  # noqa: BLE001 (handed to the waiting request)
                outcome = exc
            with contextlib.suppress(RuntimeError):  # the loop was closed meanwhile
                loop.call_soon_threadsafe(_settle, found, outcome)

        threading.Thread(target=look_up, name="chime-speaker-search-resolve", daemon=True).start()
        connect_timeout = self._settings.connect_timeout
        try:
            return await _arrival(found, min(loop.time() + connect_timeout, overall))
        except TimeoutError:
            if overall <= loop.time():
                raise HttpFailure(
                    "timeout", f"looking up {host!r} did not finish in time", sent=False
                ) from None
            raise HttpFailure(
                "connect", f"looking up {host!r} took over {connect_timeout:g} s", sent=False
            ) from None
        except (OSError, ValueError) as exc:  # ValueError: a name IDNA cannot encode
            raise HttpFailure("connect", f"could not resolve {host!r}: {exc}", sent=False) from exc

    async def _start_tls(self, link: _Link, target: Target, overall: float) -> None:
        loop = asyncio.get_running_loop()
        at = min(loop.time() + self._settings.connect_timeout, overall)
        try:
            await link.start_tls(self._settings.tls_context(), target.host, at)
        except TimeoutError as exc:
            raise HttpFailure(
                "timeout" if overall <= loop.time() else "connect",
                "the TLS handshake did not finish in time",
                sent=False,
            ) from exc
        except ssl.SSLCertVerificationError as exc:
            raise HttpFailure(
                "tls", f"the server's certificate was refused: {exc}", sent=False
            ) from exc
        except OSError as exc:  # ssl.SSLError included
            raise HttpFailure("connect", f"the TLS handshake failed: {exc}", sent=False) from exc

    async def _tunnel(self, link: _Link, target: Target, proxy: str, overall: float) -> None:
        """Ask an HTTP proxy for a tunnel to the target (CONNECT)."""
        try:
            response, _ = await self._exchange(
                link, "HEAD", self._settings.tunnel_request(target, proxy), overall
            )
        except HttpFailure as exc:
            raise HttpFailure(
                "connect", f"the proxy did not open a tunnel: {exc}", sent=False
            ) from exc
        if response.status != 200:  # noqa: PLR2004
            raise tunnel_refused(response.status)
