"""An experiment: the async engine on asyncio's own TLS streams, not hand-driven MemoryBIO.

Not used by the library. :class:`StreamsHttpEngine` has the interface that
``_aio_transport`` calls on :class:`~chime_speaker_search._aio_http.AsyncHttpEngine`
(``deadline``, ``connection_slot``, ``send``, ``request``, ``close``) and reuses what
is not about sockets: the settings, request bytes, :class:`~._http.ResponseParser`,
:class:`~._http.HttpFailure` kinds, :class:`~._http.ConnectionPool`, the connection
slots and the daemon-thread name lookup of the owned engine (kept, so that the
comparison is about the connections, not about DNS).

What differs: each connection is an ``asyncio.open_connection`` stream pair; https is
asyncio's ``SSLProtocol`` (``StreamWriter.start_tls``, the same machinery as
``open_connection(ssl=...)``, used in two steps so that connecting and the handshake
keep a ``connect_timeout`` each, as in both owned engines, and so that one path serves
a CONNECT tunnel too). Deadlines are ``asyncio.timeout_at`` (Python 3.11+; 3.10 would
need ``wait_for``, which drops cancellations before 3.12, and ``loop.start_tls`` with
private rewiring of the stream pair).

A transport belongs to the loop that opened it, so each loop has its own pool. A loop
ended by ``asyncio.run`` closes its pool from an async generator's ``finally``
(``shutdown_asyncgens``); a loop closed otherwise leaves its idle transports to the
garbage collector. Connections are never reused across event loops.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import ssl
import weakref
from typing import TYPE_CHECKING, Any

from chime_speaker_search import _aio_http, _aio_transport
from chime_speaker_search._http import (
    ConnectionPool,
    HttpFailure,
    HttpResponse,
    ResponseParser,
    Target,
    socket_failures,
    tunnel_refused,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    from chime_speaker_search._http import HttpEngine

__all__ = ["StreamsHttpEngine", "install"]

_RECV = 64 * 1024
_Key = tuple[str, str, int]


class _Stream:
    """One pooled connection: a stream pair on the loop that opened it."""

    __slots__ = ("generation", "key", "loop", "reader", "writer")

    def __init__(
        self, key: _Key, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, gen: int
    ) -> None:
        self.key, self.reader, self.writer, self.generation = key, reader, writer, gen
        self.loop = asyncio.get_running_loop()

    def is_stale(self) -> bool:
        # No public way to see bytes that arrived while idle (junk): only a close shows.
        return (
            self.writer.is_closing() or self.reader.at_eof() or self.reader.exception() is not None
        )

    def close(self) -> None:
        if self.loop.is_closed():
            return  # nothing can close it now but the garbage collector
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            if self.loop.is_running() and _running() is not self.loop:
                # The writer goes too: kept until then, or its __del__ warns it is unclosed.
                self.loop.call_soon_threadsafe(_abort, self.writer)
            else:
                _abort(self.writer)


def _abort(writer: asyncio.StreamWriter) -> None:
    writer.transport.abort()


def _running() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class _PerLoop:
    def __init__(self, size: int) -> None:
        self.slots = _aio_http._Slots(size)  # noqa: SLF001 (the owned engine's queue)
        self.pool: ConnectionPool[_Stream] = ConnectionPool(size)
        self.watch: Any = None


async def _until_the_loop_ends(pool: ConnectionPool[_Stream]) -> AsyncIterator[None]:
    try:
        yield
    finally:
        pool.close()


class StreamsHttpEngine:
    """:class:`~chime_speaker_search._aio_http.AsyncHttpEngine` on asyncio streams."""

    def __init__(self, settings: HttpEngine) -> None:
        self._settings = settings
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _PerLoop] = (
            weakref.WeakKeyDictionary()
        )

    def close(self) -> None:
        for state in list(self._loops.values()):
            state.pool.close()

    async def _state(self) -> _PerLoop:
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            state = self._loops[loop] = _PerLoop(self._settings.max_pool)
            state.watch = _until_the_loop_ends(state.pool)
            await state.watch.__anext__()  # registered: asyncio.run closes it at the end
        return state

    def deadline(self, time_left: float | None) -> float:
        return math.inf if time_left is None else asyncio.get_running_loop().time() + time_left

    @contextlib.asynccontextmanager
    async def connection_slot(self, deadline: float) -> AsyncIterator[None]:
        slots = (await self._state()).slots
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
        target = Target.from_url(url)
        proxy = self._settings.proxy_for(target.scheme)
        wire = self._settings.serialise(method, target, headers, body, proxy)
        key = (target.scheme, target.host, target.port)
        pool = (await self._state()).pool
        link = None if fresh else pool.checkout(key)
        if link is None:
            link = await self._open(key, target, proxy, deadline, pool.generation)
        try:
            response, reusable = await self._exchange(link, method, wire, deadline)
        except BaseException:
            link.close()  # a request in flight: its answer must not meet the next one
            raise
        if reusable:
            pool.checkin(link)
        else:
            link.close()
        return response

    async def _exchange(
        self, link: _Stream, method: str, wire: bytes, overall: float
    ) -> tuple[HttpResponse, bool]:
        loop = asyncio.get_running_loop()
        read_timeout = self._settings.read_timeout
        if overall <= loop.time():
            raise HttpFailure("timeout", "sending the request did not finish in time", sent=False)
        with socket_failures("sending the request"):
            async with asyncio.timeout_at(min(loop.time() + read_timeout, overall)):
                link.writer.write(wire)
                await link.writer.drain()
        parser = ResponseParser(method, max_body=self._settings.max_body)
        with socket_failures("reading the answer"):
            async with asyncio.timeout_at(min(loop.time() + read_timeout, overall)):
                while not parser.done:
                    data = await link.reader.read(_RECV)
                    if data:
                        parser.feed(data)
                    else:
                        parser.feed_eof()
        return parser.response(), parser.keep_alive

    async def _open(
        self, key: _Key, target: Target, proxy: str | None, overall: float, gen: int
    ) -> _Stream:
        where = Target.from_url(proxy) if proxy is not None else target
        reader, writer = await self._connect(where.host, where.port, overall)
        link = _Stream(key, reader, writer, gen)
        try:
            if proxy is not None and target.scheme == "https":
                await self._tunnel(link, target, proxy, overall)
            if target.scheme == "https":
                await self._start_tls(writer, target, overall)
        except BaseException:
            link.close()
            raise
        return link

    async def _tunnel(self, link: _Stream, target: Target, proxy: str, overall: float) -> None:
        """Ask an HTTP proxy for a tunnel to the target (CONNECT)."""
        try:
            response, _ = await self._exchange(
                link, "HEAD", self._settings.tunnel_request(target, proxy), overall
            )
        except HttpFailure as exc:
            raise HttpFailure(
                "connect", f"the proxy did not open a tunnel: {exc}", sent=False
            ) from exc
        if response.status != 200:
            raise tunnel_refused(response.status)

    async def _connect(
        self, host: str, port: int, overall: float
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """The first address of ``host`` that answers, each within ``connect_timeout``."""
        loop = asyncio.get_running_loop()
        infos = await _aio_http.AsyncHttpEngine._resolve(self, host, port, overall)  # type: ignore[arg-type]  # noqa: SLF001
        last: OSError | None = None
        for family, _, _, _, address in infos:
            now = loop.time()
            if overall <= now:
                break
            try:
                async with asyncio.timeout_at(min(now + self._settings.connect_timeout, overall)):
                    return await asyncio.open_connection(address[0], address[1], family=family)
            except OSError as exc:  # TimeoutError included
                last = exc
        if overall <= loop.time() and (last is None or isinstance(last, TimeoutError)):
            raise HttpFailure(
                "timeout", f"connecting to {host}:{port} did not finish in time", sent=False
            )
        kind = "timed out connecting" if isinstance(last, TimeoutError) else "could not connect"
        raise HttpFailure("connect", f"{kind} to {host}:{port}: {last}", sent=False) from last

    async def _start_tls(
        self, writer: asyncio.StreamWriter, target: Target, overall: float
    ) -> None:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout_at(
                min(loop.time() + self._settings.connect_timeout, overall)
            ):
                await writer.start_tls(self._settings.tls_context(), server_hostname=target.host)
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
            # asyncio reports a close mid-handshake as a bare ConnectionResetError (no text)
            why = exc if str(exc) else "the server closed the connection during the handshake"
            raise HttpFailure("connect", f"the TLS handshake failed: {why}", sent=False) from exc


def install() -> None:
    """Make every async client made from now on use :class:`StreamsHttpEngine` (and the
    test suite's ``BlockingEngine``, if ``tests.aio`` is importable)."""
    _aio_transport.AsyncHttpEngine = StreamsHttpEngine  # type: ignore[misc,assignment]
    with contextlib.suppress(ImportError):
        import tests.aio  # noqa: PLC0415

        tests.aio.AsyncHttpEngine = StreamsHttpEngine  # type: ignore[misc,assignment]
