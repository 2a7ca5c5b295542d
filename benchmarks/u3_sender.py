"""A second synchronous sender, on urllib3: the alternative to the owned ``HttpEngine``.

Issue 18 part 4 asks whether urllib3 (a botocore dependency already) can carry the
library's requests with the owned engine's promises, so that ``_http`` need not be kept.
It did not (``docs/design.md`` has the comparison and the decision), so it is not part of
the package: it lives here for ``benchmarks.senders``, which puts it in a typed client's
transport in place of the owned engine (:func:`install`) to measure both in one run.

What it adds to urllib3:

* its own ``PoolManager`` (or ``ProxyManager``), from the settings of the engine it replaces;
* per request, a read timeout of min(configured, time left), and one shared watchdog
  thread that shuts a request's socket down at its absolute deadline (and at
  ``read_timeout`` after the request was written), so a trickled head or body ends on time;
* the body read in chunks with ``preload_content=False`` and capped at ``MAX_BODY``;
* urllib3's errors mapped to ``HttpFailure`` kinds, ``sent`` set from whether a byte of
  the request was written (a connection subclass records it);
* ``fresh``: such requests go through a second manager and ask for ``Connection: close``,
  so they never take a pooled connection and leave none behind.

Connecting is bounded per address by min(connect timeout, time left) (urllib3 tries the
addresses of a name one after the other, each with that timeout), and name resolution is
not bounded at all: the watchdog has no socket to shut down until one is connected.
"""

from __future__ import annotations

import contextlib
import contextvars
import heapq
import http.client
import itertools
import socket
import ssl
import threading
import time
import warnings
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import unquote, urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    IncompleteRead,
    InvalidChunkLength,
    NewConnectionError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)

from chime_speaker_search._http import (
    MAX_BODY,
    HttpFailure,
    HttpResponse,
    _connect,
    _Deadline,
    tunnel_refused,
)
from chime_speaker_search._transport import _body_bytes

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chime_speaker_search import SpeakerSearchClient

__all__ = ["UrllibSender"]

_CHUNK: Final = 64 * 1024
_LONGEST_WAIT: Final = 86400.0
_LINGER: Final = 1.0  # seconds the watchdog thread outlives its last watched request


class _Watch:
    """One request under the watchdog: its deadline, its connection, what happened."""

    __slots__ = ("at", "connecting", "deadline", "done", "fired", "read_timeout", "sent", "sock")

    def __init__(self, deadline: float, read_timeout: float) -> None:
        self.at = float("inf")
        self.deadline = deadline
        self.read_timeout = read_timeout
        # The socket the request went on: http.client hands it to the response and
        # forgets it when the answer ends the connection.
        self.sock: socket.socket | None = None
        self.connecting = False
        self.done = False
        self.fired = False
        self.sent = False


_active: contextvars.ContextVar[_Watch | None] = contextvars.ContextVar(
    "chime_speaker_search_u3_watch", default=None
)


class _Watchdog:
    """One thread for every sender: shuts down the socket of a request past its deadline."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Watch]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, watch: _Watch, at: float) -> None:
        """Watch ``watch`` until ``at`` (a later call moves its deadline)."""
        if at == float("inf"):
            watch.at = at
            return
        with self._cond:
            watch.at = at
            heapq.heappush(self._heap, (at, next(self._order), watch))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="chime-speaker-search-watchdog", daemon=True
                )
                self._thread.start()
            elif self._heap[0][2] is watch:
                self._cond.notify()

    def finish(self, watch: _Watch) -> bool:
        """The request is over: stop watching it; whether the watchdog fired on it."""
        with self._cond:
            watch.done = True
            return watch.fired

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                while self._heap and (self._heap[0][0] <= now or self._heap[0][2].done):
                    at, _, watch = heapq.heappop(self._heap)
                    if watch.done or at != watch.at or watch.fired:
                        continue  # over, or re-armed later
                    watch.fired = True
                    sock = watch.sock
                    if sock is not None:
                        with contextlib.suppress(OSError):
                            # socket's own shutdown: an SSLSocket's would drop its state
                            # under the thread reading from it.
                            socket.socket.shutdown(sock, socket.SHUT_RDWR)
                if not self._heap:
                    self._cond.wait(_LINGER)
                    if not self._heap:
                        self._thread = None
                        return
                    continue
                self._cond.wait(self._heap[0][0] - now)


_WATCHDOG: Final = _Watchdog()


class _Tracked:
    """Records on the request's watch its connection and when a byte of it was written."""

    sock: Any

    def connect(self) -> None:
        watch = _active.get()
        if watch is None:  # pragma: no cover (only the sender's requests use these classes)
            super().connect()  # type: ignore[misc]
            return
        watch.connecting = True  # a CONNECT to a proxy is not the request
        try:
            super().connect()  # type: ignore[misc]
        finally:
            watch.connecting = False
            watch.sock = self.sock

    def send(self, data: Any) -> None:  # noqa: ANN401 (http.client's bytes or file)
        watch = _active.get()
        if watch is not None and not watch.connecting:
            if self.sock is None:
                self.connect()  # http.client connects on the first send: that sends nothing
            watch.sock = self.sock
            watch.sent = True
        super().send(data)  # type: ignore[misc]
        if watch is not None and not watch.connecting:
            # The answer is due within read_timeout of the request being written.
            _WATCHDOG.arm(watch, min(watch.deadline, time.monotonic() + watch.read_timeout))

    def _new_conn(self) -> socket.socket:
        """Connect by the request's deadline, across every address of the name.

        urllib3 gives each address the whole connect timeout and resolves names without
        any: the owned engine's resolver and connect loop bound both by the deadline.
        """
        watch = _active.get()
        deadline = _Deadline(float("inf"))
        if watch is not None:
            deadline.at = watch.deadline
        timeout = self.timeout  # type: ignore[attr-defined]
        connect_timeout = timeout if isinstance(timeout, int | float) else _LONGEST_WAIT
        return _connect(self._dns_host, self.port, connect_timeout, deadline)  # type: ignore[attr-defined]


class _Connection(_Tracked, HTTPConnection):
    pass


class _TLSConnection(_Tracked, HTTPSConnection):
    pass


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _FreshPool(_Pool):
    """Never reuses a connection: each one is closed as it is given back."""

    def _put_conn(self, conn: Any) -> None:  # noqa: ANN401
        if conn is not None:
            conn.close()
        super()._put_conn(conn)


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection

    def _validate_conn(self, conn: Any) -> None:  # noqa: ANN401
        # urllib3 warns on every request with verify=False; the sender warns once.
        HTTPConnectionPool._validate_conn(self, conn)  # noqa: SLF001
        if conn.is_closed:
            conn.connect()


class _FreshTLSPool(_TLSPool):
    """Never reuses a connection: each one is closed as it is given back."""

    def _put_conn(self, conn: Any) -> None:  # noqa: ANN401
        if conn is not None:
            conn.close()
        super()._put_conn(conn)


def _shown(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


class UrllibSender:
    """Sends the library's requests with urllib3, each within one deadline.

    Takes the same settings as :class:`~._http.HttpEngine`.
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
        self.connect_timeout = min(connect_timeout, _LONGEST_WAIT)
        self.read_timeout = min(read_timeout, _LONGEST_WAIT)
        self.max_body = max_body
        self._proxies = dict(proxies or {})
        kwargs: dict[str, Any] = {"maxsize": max_pool, "block": False, "retries": False}
        self._warn = verify is False
        if verify is False:
            kwargs.update(cert_reqs="CERT_NONE", assert_hostname=False)
        else:
            from botocore.httpsession import get_cert_path  # noqa: PLC0415

            path: str = get_cert_path(verify)  # type: ignore[arg-type,assignment]
            kwargs["cert_reqs"] = "CERT_REQUIRED"
            import os  # noqa: PLC0415

            kwargs["ca_cert_dir" if os.path.isdir(path) else "ca_certs"] = path  # noqa: PTH112
        if isinstance(client_cert, str):
            kwargs["cert_file"] = client_cert
        elif client_cert is not None:
            kwargs["cert_file"], kwargs["key_file"] = client_cert
        self._kwargs = kwargs
        self._managers: dict[tuple[str, bool], urllib3.PoolManager] = {}
        self._lock = threading.Lock()

    def _manager(self, scheme: str, *, fresh: bool) -> urllib3.PoolManager:
        key = (scheme, fresh)
        manager = self._managers.get(key)
        if manager is not None:
            return manager
        with self._lock:
            manager = self._managers.get(key)
            if manager is None and scheme == "https" and self._warn:
                self._warn = False
                from urllib3.exceptions import InsecureRequestWarning  # noqa: PLC0415

                # Once per client, as the engine does (urllib3 would warn per request).
                warnings.warn(
                    "verify=False: TLS certificates are not checked, so anyone on the network "
                    "path can read and change these requests",
                    InsecureRequestWarning,
                    stacklevel=5,
                )
            if manager is None:
                proxy = self._proxies.get(scheme)
                if proxy is None:
                    manager = urllib3.PoolManager(num_pools=10, **self._kwargs)
                else:
                    manager = self._proxy_manager(proxy)
                manager.pool_classes_by_scheme = (
                    {"http": _FreshPool, "https": _FreshTLSPool}
                    if fresh
                    else {"http": _Pool, "https": _TLSPool}
                )
                self._managers[key] = manager
            return manager

    def _proxy_manager(self, proxy: str) -> urllib3.ProxyManager:
        try:
            parts = urlsplit(proxy)
            parts.port  # noqa: B018 (ValueError when out of range)
        except ValueError as exc:
            raise HttpFailure(
                "connect", f"cannot use the proxy {_shown(proxy)!r}: {exc}", sent=False
            ) from None
        if parts.scheme != "http" or not parts.hostname:
            raise HttpFailure(
                "connect", f"cannot use the proxy {_shown(proxy)!r}: not an http URL", sent=False
            )
        headers = {}
        user, at, _ = parts.netloc.rpartition("@")
        if at:
            name, _, password = user.partition(":")
            headers = urllib3.make_headers(proxy_basic_auth=f"{unquote(name)}:{unquote(password)}")
        return urllib3.ProxyManager(
            _shown(proxy), num_pools=10, proxy_headers=headers, **self._kwargs
        )

    def close(self) -> None:
        """Close every idle connection."""
        with self._lock:
            managers = list(self._managers.values())
            self._managers.clear()
        for manager in managers:
            manager.clear()

    def __call__(
        self,
        request: Any,  # noqa: ANN401 (botocore's AWSPreparedRequest)
        time_left: float | None,
        /,
        *,
        fresh: bool,
    ) -> HttpResponse:
        """Send a request botocore signed (the ``_Sender`` protocol of ``_transport``)."""

        return self.request(
            request.method,
            request.url,
            request.headers,
            _body_bytes(request),
            time_left=time_left,
            fresh=fresh,
        )

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
        """Send one request and read the whole answer, all within ``time_left`` seconds."""
        started = time.monotonic()
        if time_left is not None and time_left <= 0:
            raise HttpFailure("timeout", "no time was left to send the request", sent=False)
        left = min(time_left, _LONGEST_WAIT) if time_left is not None else _LONGEST_WAIT
        wire_headers = _headers(headers)
        scheme = urlsplit(url).scheme.lower()
        manager = self._manager(scheme, fresh=fresh)
        deadline = started + left if time_left is not None else float("inf")
        watch = _Watch(deadline, self.read_timeout)
        _WATCHDOG.arm(watch, deadline)
        token = _active.set(watch)
        response = None
        try:
            response = manager.urlopen(
                method,
                url,
                body=body,
                headers=wire_headers,
                retries=False,
                redirect=False,
                preload_content=False,
                decode_content=False,
                timeout=urllib3.Timeout(
                    connect=min(self.connect_timeout, left), read=min(self.read_timeout, left)
                ),
            )
            result = self._read(response)
        except HttpFailure as exc:
            fired = _WATCHDOG.finish(watch)
            _discard(response)
            if fired:
                raise _timed_out(watch) from exc
            raise
        except (HTTPError, OSError, ValueError, http.client.HTTPException) as exc:
            fired = _WATCHDOG.finish(watch)
            _discard(response)
            if fired:
                raise _timed_out(watch) from exc
            raise _failure(exc, watch, deadline) from exc
        finally:
            _active.reset(token)
        if _WATCHDOG.finish(watch):
            # A body that runs until the connection closes ended when the watchdog shut it.
            _discard(response)
            raise _timed_out(watch)
        response.release_conn()
        return result

    def _read(self, response: Any) -> HttpResponse:  # noqa: ANN401 (urllib3's HTTPResponse)
        status = int(response.status)
        if not 100 <= status <= 599:
            raise HttpFailure("protocol", f"the server answered with status {status}", sent=True)
        headers = {name.lower(): response.headers[name] for name in response.headers}
        length = headers.get("content-length")
        if length is not None and not (length.isascii() and length.isdigit()):
            # http.client would read such a body until the connection closes.
            raise HttpFailure("protocol", f"invalid Content-Length {length[:40]!r}", sent=True)
        if length is not None and int(length) > self.max_body:
            raise HttpFailure(
                "too_large",
                f"the response announced a {length}-byte body, over the "
                f"{self.max_body}-byte limit; it was not read",
                sent=True,
            )
        body = bytearray()
        while True:
            chunk = response.read(_CHUNK, decode_content=False)
            if not chunk:
                break
            body += chunk
            if len(body) > self.max_body:
                raise HttpFailure(
                    "too_large",
                    f"the response body is larger than {self.max_body} bytes; it was not read",
                    sent=True,
                )
        return HttpResponse(status, headers, bytes(body))


def _headers(headers: Mapping[str, str | bytes]) -> dict[str, str]:
    result: dict[str, str] = {}
    for name, value in headers.items():
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        if "\r" in text or "\n" in text or "\r" in name or "\n" in name:
            raise HttpFailure("connect", f"header {name!r} contains a line break", sent=False)
        try:
            name.encode("latin-1")
            text.encode("latin-1")
        except UnicodeEncodeError as exc:
            raise HttpFailure(
                "connect",
                f"the request head has a character HTTP/1.1 cannot carry: {exc}",
                sent=False,
            ) from exc
        if name.lower() != "host":
            result[name] = text
    return result


def _discard(response: Any) -> None:  # noqa: ANN401 (urllib3's HTTPResponse or None)
    if response is not None:
        response.close()  # closes its connection too
        response.release_conn()


def _timed_out(watch: _Watch) -> HttpFailure:
    return HttpFailure("timeout", "the request did not finish in time", sent=watch.sent)


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc``, what it wraps (in its arguments) and what caused it, transitively."""
    found: list[BaseException] = []
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if any(current is seen for seen in found):
            continue
        found.append(current)
        todo.extend(arg for arg in current.args if isinstance(arg, BaseException))
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return found


def _failure(exc: BaseException, watch: _Watch, deadline: float) -> HttpFailure:
    """The engine's kind of failure for one of urllib3's errors."""
    causes = _causes(exc)
    late = time.monotonic() >= deadline
    if isinstance(exc, ProxyError) and any("407" in str(cause) for cause in causes):
        return tunnel_refused(407)
    if any(isinstance(cause, ssl.SSLCertVerificationError) for cause in causes):
        return HttpFailure("tls", f"the server's certificate was refused: {exc}", sent=False)
    if not watch.sent:
        return _unsent(exc, late=late)
    if isinstance(exc, ReadTimeoutError) or late:
        return HttpFailure(
            "timeout", f"reading the answer did not finish in time: {exc}", sent=True
        )
    return _answer_failure(exc, causes)


def _unsent(exc: BaseException, *, late: bool) -> HttpFailure:
    if late:
        return HttpFailure("timeout", f"connecting did not finish in time: {exc}", sent=False)
    if isinstance(exc, ConnectTimeoutError) and not isinstance(exc, NewConnectionError):
        return HttpFailure("connect", f"timed out connecting: {exc}", sent=False)
    if isinstance(exc, SSLError):
        return HttpFailure("connect", f"the TLS handshake failed: {exc}", sent=False)
    return HttpFailure("connect", f"could not connect: {exc}", sent=False)


def _framing_failure(causes: list[BaseException]) -> HttpFailure | None:
    """A body cut short, or a chunk size that is not one."""
    cut = HttpFailure("short", "the connection closed inside a chunked body", sent=True)
    for cause in causes:
        if type(cause) is ValueError:  # http.client's int() of a chunk-size line
            if str(cause).endswith("b''"):  # no line: the connection closed
                return HttpFailure(
                    "short", "the connection closed inside a chunked body", sent=True
                )
            return HttpFailure("protocol", f"invalid chunk size: {cause}", sent=True)
    for cause in causes:
        if isinstance(cause, InvalidChunkLength):
            if cause.length:
                return HttpFailure("protocol", f"invalid chunk size: {cause}", sent=True)
            return cut
        if isinstance(cause, IncompleteRead | http.client.IncompleteRead):
            return HttpFailure("short", f"the body ended early: {cause}", sent=True)
    return None


def _answer_failure(exc: BaseException, causes: list[BaseException]) -> HttpFailure:
    """A failure once the request was written: short, not HTTP, or lost."""
    framing = _framing_failure(causes)
    if framing is not None:
        return framing
    for cause in causes:
        if isinstance(cause, http.client.RemoteDisconnected):
            what = "closed before a complete status line and headers"
            return HttpFailure("lost", f"the connection {what}", sent=True)
        if isinstance(cause, ConnectionError):
            break
        if isinstance(cause, http.client.BadStatusLine):
            return HttpFailure(
                "protocol", f"the server answered with no HTTP status: {cause!r}", sent=True
            )
        if isinstance(cause, ValueError | http.client.HTTPException) and not isinstance(
            cause, http.client.ResponseNotReady
        ):
            return HttpFailure(
                "protocol", f"the server did not answer HTTP/1.x: {cause}", sent=True
            )
    return HttpFailure("lost", f"the connection failed: {exc}", sent=True)


def install(client: SpeakerSearchClient) -> UrllibSender:
    """Make a typed client (sync) send with a new :class:`UrllibSender`; returns it.

    Its settings are the ones of the owned engine it replaces (``_engine_for``).
    """
    transport = client._transport  # noqa: SLF001 (the experiment swaps the sender)
    engine = transport.engine
    if engine is None:
        msg = "this client sends through botocore's own sender (an https:// proxy?)"
        raise ValueError(msg)
    sender = UrllibSender(
        connect_timeout=engine.connect_timeout,
        read_timeout=engine.read_timeout,
        max_pool=engine.max_pool,
        verify=engine._verify,  # noqa: SLF001
        proxies=engine._proxies,  # noqa: SLF001
        client_cert=engine._client_cert,  # noqa: SLF001
    )
    transport._sender = sender  # noqa: SLF001
    return sender
