"""Servers nobody on this project wrote, for the real-world tests (``tests/test_real_*.py``).

A test against the project's own fake proves the fake. Here the emulator's request
handling (:class:`~chime_speaker_search.testing._wire.WireApp`: routing, signatures,
the service's answers) sits behind uvicorn, a production ASGI server (HTTP/1.1 by h11,
TLS by the standard library's ``ssl`` as uvicorn configures it), with certificates from
trustme's throwaway certificate authorities. Everything listens on loopback only.

:class:`UvicornServer` counts the TCP connections it accepted (distinct client
addresses), so keep-alive reuse is measured on the server side.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import http.server
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import trustme
import uvicorn

from chime_speaker_search import AsyncSpeakerSearchClient, CallLeg, RetryPolicy, SpeakerSearchClient
from chime_speaker_search.testing import LocalSpeakerSearchService
from chime_speaker_search.testing._backend import StartRequest
from chime_speaker_search.testing._wire import WireRequest, WireResponse

if TYPE_CHECKING:
    import ssl
    from collections.abc import Awaitable, Callable, MutableMapping
    from types import TracebackType

    from typing_extensions import Self

    from chime_speaker_search import Clock
    from chime_speaker_search.testing._wire import WireApp

    Scope = MutableMapping[str, Any]
    Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
    Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

__all__ = [
    "WAYS",
    "Certificates",
    "ProxyPy",
    "StdlibServer",
    "TwistedProxy",
    "UvicornServer",
    "emulator_service",
    "get_task",
    "seed_task",
]

# The three ways every real-world case runs: the library's two clients, and botocore alone.
WAYS = ("sync", "async", "raw")

_START_TIMEOUT = 20.0


def emulator_service() -> LocalSpeakerSearchService:
    """An emulator whose state a :class:`UvicornServer` serves (it is not started itself).

    A module's tests share one server and seed a task each, which stays active: the
    service's quota of 25 active tasks is raised so that a module never meets it.
    """
    return LocalSpeakerSearchService(max_active_tasks=10_000)


def seed_task(service: LocalSpeakerSearchService) -> tuple[str, str]:
    """A speaker search task in the emulator's state: (voice connector id, task id)."""
    connector = service.add_voice_connector()
    domain = service.add_voice_profile_domain()
    service.add_voice_profile(domain, speaker="alice")
    call = service.add_call(connector, caller="alice")
    app = service._app
    with app.lock:
        task = app.emulator.start(
            StartRequest(
                voice_connector_id=connector,
                transaction_id=call,
                voice_profile_domain_id=domain,
                call_leg=CallLeg.CALLER,
                client_request_token=None,
            )
        )
    return connector, task.speaker_search_task_id


def get_task(
    way: str,
    botocore_client: Any,
    *,
    voice_connector_id: str,
    task_id: str,
    retry: RetryPolicy | None = None,
    clock: Clock | None = None,
) -> dict[str, Any]:
    """GetSpeakerSearchTask through one of :data:`WAYS`, on a botocore client made by the test.

    Returns:
        The task as the service's JSON members (``to_dict()`` for the library's clients).

    Raises:
        Whatever that way raises: the library's errors, or botocore's for ``"raw"``.
    """
    params = {"voice_connector_id": voice_connector_id, "speaker_search_task_id": task_id}
    kwargs: dict[str, Any] = {"client": botocore_client}
    if retry is not None:
        kwargs["retry"] = retry
    if clock is not None:
        kwargs["clock"] = clock
    if way == "raw":
        answer = botocore_client.get_speaker_search_task(
            VoiceConnectorId=voice_connector_id, SpeakerSearchTaskId=task_id
        )
        return dict(answer["SpeakerSearchTask"])
    if way == "sync":
        with SpeakerSearchClient(**kwargs) as client:
            return client.get_speaker_search_task(**params).to_dict()

    async def get() -> dict[str, Any]:
        async with AsyncSpeakerSearchClient(**kwargs) as client:
            task = await client.get_speaker_search_task(**params)
            return task.to_dict()

    assert way == "async", way
    return asyncio.run(get())


class _AsgiWire:
    """The emulator's WireApp as an ASGI application; records each connection seen.

    ``gzip`` compresses every answer's body (``Content-Encoding: gzip``) whatever the
    request's ``Accept-Encoding``, as a compressing proxy in between may; ``redirect``
    answers every request ``301 Moved Permanently`` to that URL instead.
    """

    def __init__(
        self,
        app: WireApp,
        *,
        close: bool = False,
        chunked: bool = False,
        gzip: bool = False,
        redirect: str | None = None,
    ) -> None:
        self.app = app
        self.close = close
        self.chunked = chunked
        self.gzip = gzip
        self.redirect = redirect
        self.clients: set[tuple[str, int]] = set()
        self.lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # pragma: no cover (lifespan is off)
            return
        client = scope.get("client")
        if client is not None:
            with self.lock:
                self.clients.add((str(client[0]), int(client[1])))
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        target = scope["raw_path"].decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if self.redirect is not None:
            moved = [(b"location", self.redirect.encode()), (b"content-length", b"0")]
            await send({"type": "http.response.start", "status": 301, "headers": moved})
            await send({"type": "http.response.body", "body": b""})
            return
        request = WireRequest(method=scope["method"], target=target, headers=headers, body=body)
        # WireApp.handle takes the emulator's lock: off the event loop.
        response = await asyncio.to_thread(self.app.handle, request)
        if response.delay:
            await asyncio.sleep(response.delay)
        await self._respond(response, send)

    async def _respond(self, response: WireResponse, send: Send) -> None:
        out = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
        payload = response.body
        if self.gzip:
            payload = gzip.compress(payload)
            out.append((b"content-encoding", b"gzip"))
        if self.close:
            out.append((b"connection", b"close"))
        if not self.chunked:
            out.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": out})
        if self.chunked:  # no Content-Length: uvicorn (h11) sends the body chunked
            half = len(payload) // 2
            await send({"type": "http.response.body", "body": payload[:half], "more_body": True})
            await send({"type": "http.response.body", "body": payload[half:]})
        else:
            await send({"type": "http.response.body", "body": payload})
        if response.on_sent is not None:
            response.on_sent()


class Certificates:
    """A trustme CA and a server certificate for localhost, 127.0.0.1 and ::1, on disk.

    Attributes:
        ca: The certificate authority (``ca.issue_cert`` makes more, e.g. client certs).
        ca_file: The CA certificate (PEM): what ``verify=`` takes.
        server_cert: The server's certificate chain (PEM).
        server_key: The server's private key (PEM).
    """

    def __init__(self, directory: Path, *hosts: str) -> None:
        self.ca = trustme.CA()
        leaf = self.ca.issue_cert(*(hosts or ("localhost", "127.0.0.1", "::1")))
        self.ca_file = str(directory / "ca.pem")
        self.server_cert = str(directory / "server.pem")
        self.server_key = str(directory / "server.key")
        self.ca.cert_pem.write_to_path(self.ca_file)
        leaf.cert_chain_pems[0].write_to_path(self.server_cert)
        for extra in leaf.cert_chain_pems[1:]:
            extra.write_to_path(self.server_cert, append=True)
        leaf.private_key_pem.write_to_path(self.server_key)


class _Running:
    """A server started by ``start()`` and stopped by ``stop()``: also a context manager."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class UvicornServer(_Running):
    """uvicorn serving an emulator on loopback, plain HTTP or TLS, in a thread of its own.

    Args:
        service: The emulator whose state is served (default: a new one).
        host: ``127.0.0.1``, or ``::1`` for IPv6.
        tls: Serve HTTPS with these certificates.
        client_ca: Require a client certificate signed by this CA file (mutual TLS).
        keep_alive: Seconds uvicorn keeps an idle connection open (its
            ``timeout_keep_alive``).
        connection_close: Answer every request with ``Connection: close``.
        chunked: Send bodies with chunked transfer encoding (no ``Content-Length``).
        gzip: Compress every body, ``Content-Encoding: gzip``, asked for or not.
        redirect: Answer every request ``301`` to this URL.
        tls_context: Called with the server's ``ssl.SSLContext`` once uvicorn made it
            (protocol versions, an SNI callback...).
        **config: More ``uvicorn.Config`` arguments (``ssl_ciphers``...).
    """

    def __init__(
        self,
        service: LocalSpeakerSearchService | None = None,
        *,
        host: str = "127.0.0.1",
        tls: Certificates | None = None,
        client_ca: str | None = None,
        keep_alive: int = 5,
        tls_context: Callable[[ssl.SSLContext], None] | None = None,
        connection_close: bool = False,
        chunked: bool = False,
        gzip: bool = False,
        redirect: str | None = None,
        **config: Any,
    ) -> None:
        import ssl  # noqa: PLC0415

        self.service = service if service is not None else emulator_service()
        self.asgi = _AsgiWire(
            self.service._app,
            close=connection_close,
            chunked=chunked,
            gzip=gzip,
            redirect=redirect,
        )
        self.host = host
        self.tls = tls
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, 0))
        self.port: int = self._socket.getsockname()[1]
        if tls is not None:
            config.setdefault("ssl_certfile", tls.server_cert)
            config.setdefault("ssl_keyfile", tls.server_key)
        if client_ca is not None:
            config["ssl_ca_certs"] = client_ca
            config["ssl_cert_reqs"] = ssl.CERT_REQUIRED
        uvicorn_config = uvicorn.Config(
            self.asgi,
            http="h11",
            ws="none",
            lifespan="off",
            log_level="critical",
            access_log=False,
            timeout_keep_alive=keep_alive,
            # A client that keeps a connection open must not hold stop() for long.
            timeout_graceful_shutdown=config.pop("timeout_graceful_shutdown", 1),
            **config,
        )
        if tls_context is not None:
            uvicorn_config.load()  # uvicorn then uses this loaded config (and its context) as is
            assert uvicorn_config.ssl is not None, "tls_context needs tls="
            tls_context(uvicorn_config.ssl)
        self._server = uvicorn.Server(uvicorn_config)
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        """``http(s)://127.0.0.1:<port>`` (IPv6 hosts in brackets)."""
        scheme = "https" if self.tls is not None else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"

    @property
    def connections(self) -> int:
        """How many TCP connections have sent a request so far."""
        with self.asgi.lock:
            return len(self.asgi.clients)

    def start(self) -> Self:
        """Serve until :meth:`stop`; returns when uvicorn is accepting connections."""
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                msg = "uvicorn did not start"
                raise RuntimeError(msg)
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=_START_TIMEOUT)
        self._socket.close()


class StdlibServer(_Running):
    """The standard library's ``http.server`` serving an emulator: HTTP/1.0, on loopback.

    ``BaseHTTPRequestHandler`` answers ``HTTP/1.0`` (its default ``protocol_version``) and
    closes the connection after each answer; the handler only hands each request to the
    emulator's WireApp. It counts the connections it accepted.
    """

    def __init__(self, service: LocalSpeakerSearchService | None = None) -> None:
        self.service = service if service is not None else emulator_service()
        app = self.service._app
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = WireRequest(
                    method=self.command,
                    target=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length),
                )
                response = app.handle(request)
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)

            do_GET = do_POST = do_PUT = do_DELETE = _answer  # noqa: N815 (http.server's names)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002, ARG002
                return  # quiet

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def process_request(self, request: Any, client_address: Any) -> None:
                with owner._lock:
                    owner.connections += 1
                super().process_request(request, client_address)

        self._lock = threading.Lock()
        self.connections = 0
        self._server = Server(("127.0.0.1", 0), Handler)
        self.port: int = self._server.server_address[1]

    @property
    def endpoint_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        """Serve in a thread until :meth:`stop`."""
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self._server.shutdown()
        self._server.server_close()


class _ProxyProcess(_Running):
    """A proxy in a process of its own (``_process``), stopped by terminating it."""

    _process: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        """Stop the proxy process."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=_START_TIMEOUT)
            except subprocess.TimeoutExpired:  # pragma: no cover
                self._process.kill()
                self._process.wait()


class ProxyPy(_ProxyProcess):
    """proxy.py (a forward proxy with CONNECT and basic auth) in a process of its own.

    Its access log (one line per proxied request or tunnel) is what the tests count.

    What proxy.py (2.4) cannot do, read in its source: its TLS listener never asks for a
    client certificate (``proxy/common/utils.py`` ``wrap_socket`` sets ``verify_mode =
    CERT_NONE``, and ``core/base/tcp_server.py`` ``_optionally_wrap_socket`` passes no CA;
    no flag changes it); and it forwards an absolute-form ``https://`` request over plain
    TCP, with no TLS to the origin (``http/proxy/server.py`` ``connect_upstream`` opens a
    ``TcpServerConnection``; only a CONNECT tunnel with TLS interception ever wraps one).

    Args:
        directory: Where the port file and the log go.
        auth: ``"user:password"`` the proxy demands (``None``: none).
        tls: The proxy's own certificates: clients reach it over TLS (``https://``).
    """

    def __init__(
        self, directory: Path, auth: str | None = None, tls: Certificates | None = None
    ) -> None:
        self.directory = directory
        self.auth = auth
        self.tls = tls
        self.log_file = directory / "proxy.log"
        self._port_file = directory / "proxy.port"
        self._process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """``http://user:password@127.0.0.1:<port>`` (the credentials if any)."""
        credentials = f"{self.auth}@" if self.auth else ""
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{credentials}127.0.0.1:{self.port}"

    def access_log(self) -> list[str]:
        """The access-log lines so far: ``... - CONNECT host:port - ...`` or ``GET host:port/path``."""
        if not self.log_file.exists():
            return []
        text = self.log_file.read_text(errors="replace")
        return [line for line in text.splitlines() if "access_log" in line]

    def wait_for(
        self, before: int, *, count: int = 1, timeout: float = 15.0, matching: str = ""
    ) -> list[str]:
        """The access-log lines after the first ``before``, once ``count`` are there.

        proxy.py writes a line when a connection closes, so close the client first.
        Returns what is there at ``timeout`` (fewer lines then: the test's assertion says).
        ``matching``: count only the lines containing it (e.g. a test's own server port,
        whatever late lines other tests' connections add).
        """
        deadline = time.monotonic() + timeout
        while True:
            lines = [line for line in self.access_log()[before:] if matching in line]
            if len(lines) >= count or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)

    def start(self) -> Self:
        """Start proxy.py; return once it listens."""
        argv = [sys.executable, "-m", "proxy", "--hostname", "127.0.0.1", "--port", "0"]
        argv += ["--port-file", str(self._port_file), "--num-workers", "1"]
        argv += ["--num-acceptors", "1", "--log-level", "INFO", "--log-file", str(self.log_file)]
        if self.auth:
            argv += ["--basic-auth", self.auth]
        if self.tls is not None:  # the proxy itself speaks TLS: an https:// proxy URL
            argv += ["--cert-file", self.tls.server_cert, "--key-file", self.tls.server_key]
        self._process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline and self._process.poll() is None:
            text = self._port_file.read_text().strip() if self._port_file.exists() else ""
            if text:
                self.port = int(text)
                with (
                    contextlib.suppress(OSError),
                    socket.create_connection(("127.0.0.1", self.port), timeout=1),
                ):
                    return self
            time.sleep(0.05)
        self.stop()
        msg = "proxy.py did not start"
        raise RuntimeError(msg)


class TwistedProxy(_ProxyProcess):
    """Twisted's forward proxy (``twisted.web.proxy``) over TLS demanding a client certificate.

    ``tests/twisted_proxy.py`` in a process of its own: reached at ``https://`` with
    ``tls``'s server certificate, it ends the TLS handshake of a client that presents no
    certificate, or one not signed by ``client_ca`` (OpenSSL, set by Twisted's
    ``CertificateOptions(trustRoot=...)``: ``VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT``).
    It forwards absolute-form ``GET http://...`` requests; it does no CONNECT, so an
    https endpoint cannot be reached through it.

    Two logs the tests read: the access log (``HTTPFactory``'s combined format, a line per
    answered request) and the TLS log (a line per connection, completed handshake with
    the client certificate's subject, and closed connection with the reason).

    Args:
        directory: Where the port file and the logs go.
        tls: The proxy's own certificates (its CA is the one clients must trust).
        client_ca: The CA file whose client certificates the proxy accepts.
        tls_version: ``"1.2"``: speak TLS 1.2 at most (default: up to 1.3).
    """

    def __init__(
        self, directory: Path, tls: Certificates, client_ca: str, tls_version: str = ""
    ) -> None:
        self.directory = directory
        self.tls_version = tls_version
        self.tls = tls
        self.client_ca = client_ca
        self.log_file = directory / "access.log"
        self.tls_log_file = directory / "tls.log"
        self._port_file = directory / "proxy.port"
        self._process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """``https://127.0.0.1:<port>``."""
        return f"https://127.0.0.1:{self.port}"

    @staticmethod
    def _lines(path: Path) -> list[str]:
        return path.read_text(errors="replace").splitlines() if path.exists() else []

    def access_log(self) -> list[str]:
        """The access-log lines so far: ``... "GET http://host:port/path HTTP/1.1" 200 ...``."""
        return self._lines(self.log_file)

    def tls_log(self) -> list[str]:
        """The TLS log so far: ``connection``, ``handshake completed: ...``, ``closed: ...``."""
        return self._lines(self.tls_log_file)

    def wait_for_closed(
        self, before: int, *, count: int = 1, timeout: float = 15.0, matching: str = ""
    ) -> list[str]:
        """The TLS-log lines after the first ``before``, once ``count`` connections closed.

        ``matching``: count only the ``closed:`` lines containing it (a refusal's reason,
        whatever late lines earlier tests' closing connections add). Returns what is there
        at ``timeout`` (the test's assertion says).
        """
        deadline = time.monotonic() + timeout
        while True:
            lines = self.tls_log()[before:]
            closed = [line for line in lines if line.startswith("closed:") and matching in line]
            if len(closed) >= count or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)

    def start(self) -> Self:
        """Start the proxy; return once it listens."""
        # As a module from the project's root: run as a file, its directory would come
        # first on sys.path, and tests/typing would shadow the standard library's.
        argv = [sys.executable, "-m", "tests.twisted_proxy", str(self._port_file)]
        argv += [str(self.log_file), str(self.tls_log_file)]
        argv += [self.tls.server_cert, self.tls.server_key, self.client_ca, self.tls_version]
        with self.directory.joinpath("stderr.log").open("ab") as stderr:  # what went wrong
            self._process = subprocess.Popen(  # noqa: S603
                argv, cwd=Path(__file__).parent.parent, stdout=subprocess.DEVNULL, stderr=stderr
            )
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline and self._process.poll() is None:
            if self._port_file.exists():  # written whole once listening
                self.port = int(self._port_file.read_text())
                return self
            time.sleep(0.05)
        self.stop()
        msg = "the Twisted proxy did not start"
        raise RuntimeError(msg)
