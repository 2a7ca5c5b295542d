"""The botocore boundary: everything between validated parameters and wire JSON.

botocore serialises and signs each request; from there the library takes over. Where
botocore would send it (its HTTP session, after every ``before-send`` handler passed), a
shim hands the signed request to the library's own HTTP engine
(``_http``), which enforces one absolute deadline per request and caps the body; the
successful body is given back to botocore empty, so botocore does not parse it, and the
library parses it once, itself. Error responses keep going through botocore's error
parser. Every failure leaves this module as one of the library's errors:

* an error response → the :class:`~chime_speaker_search.errors.ServiceError` subclass for
  its code (a 500/502/503/504 without an AWS error type, a proxy's page, is retryable);
* no answer, a lost connection, a body shorter than announced →
  :class:`~chime_speaker_search.errors.TransportError`, saying whether the request may
  have reached the service (``request_sent``);
* a body too large, not JSON, nested beyond reason, or not HTTP →
  :class:`~chime_speaker_search.errors.MalformedResponseError`.

The async client shares all of this but the sending: :meth:`Transport.prepare` lets
botocore serialise and sign a request without sending it (the shim hands the signed
request back, see ``_aio_transport``), and :meth:`Transport.interpret` reads an answer
the async engine got, with the same code as the synchronous path.

The shim acts only inside the library's own calls (a context variable marks them), so
the botocore client stays usable directly (its other requests go to botocore's
session), and a client passed in by the user gets the same shim; nothing is registered
on a shared session.
"""

from __future__ import annotations

import contextvars
import functools
import ipaddress
import json
import logging
import math
import ssl
import threading
import warnings
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Final, Protocol, cast
from urllib.parse import urlsplit

import attrs

from ._http import HttpEngine, HttpFailure, HttpResponse, decoded
from ._logging import ControlFlowSignal
from .errors import (
    InvalidParameterError,
    MalformedResponseError,
    ServiceError,
    TransportError,
    Violation,
    error_class_for_code,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    import boto3
    import botocore.config
    import botocore.session
    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "Request",
    "Transport",
    "check_endpoint_url",
    "create_client",
    "service_error",
]

logger = logging.getLogger("chime_speaker_search")

SERVICE_NAME: Final = "chime-sdk-voice"
# botocore waits 60 s for a connection by default; a blackholed endpoint should fail
# sooner when no deadline says otherwise.
DEFAULT_CONNECT_TIMEOUT: Final = 10.0
_GATEWAY_STATUSES: Final = frozenset({500, 502, 503, 504})


class _Exchange:
    """One request in flight: what the hook needs, and what it tells back.

    Without a sender the request is only prepared: the hook hands it back unsent.
    """

    __slots__ = ("fresh", "response", "sender", "sent", "time_left")

    def __init__(
        self, sender: _Sender | None, time_left: float | None, *, fresh: bool = False
    ) -> None:
        self.sender = sender
        self.time_left = time_left
        self.fresh = fresh
        self.response: HttpResponse | None = None
        # How many times the hook sent: more than once when a client passed in by the
        # user retries error answers itself (its retries stack with ours).
        self.sent = 0


# botocore runs its event handlers in the calling thread (or task), so the hook finds
# the exchange of the call in progress here; outside the library's calls it is None.
_current: contextvars.ContextVar[_Exchange | None] = contextvars.ContextVar(
    "chime_speaker_search_exchange", default=None
)


class _Body:
    """The ``raw`` of a botocore ``AWSResponse``: a body already read."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: object) -> list[bytes]:
        return [self.data]


@attrs.frozen
class Request:
    """A request botocore serialised and signed, ready to send."""

    method: str
    url: str
    headers: Mapping[str, str | bytes]
    body: bytes | None


class _Prepared(ControlFlowSignal):
    """Carries a signed request out of botocore, which never sends it."""

    def __init__(self, request: Request) -> None:
        super().__init__("prepared, not sent")
        self.request = request


def _body_bytes(request: Any) -> bytes | None:  # noqa: ANN401 (botocore's request)
    body = request.body
    if isinstance(body, str):
        return body.encode()
    if body is not None and not isinstance(body, bytes | bytearray):
        return bytes(body.read())  # pragma: no cover (rest-json bodies are bytes)
    return None if body is None else bytes(body)


class _SenderShim:
    """Stands in for a client's botocore HTTP session: the library's calls go out here.

    botocore asks its ``before-send`` handlers first and uses its HTTP session only when
    none answered; so moto's ``mock_aws``, a user's own handler or anything else that
    answers requests still answers the library's calls, as with botocore alone. Other
    requests (none of the library's calls is running) go to the session it wraps.
    """

    def __init__(self, wrapped: Any) -> None:  # noqa: ANN401 (botocore's URLLib3Session)
        self.wrapped = wrapped

    def send(self, request: Any) -> object:  # noqa: ANN401 (botocore's request)
        exchange = _current.get()
        if exchange is None:
            return self.wrapped.send(request)
        return _send(request, exchange)

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401 (close(), its settings...)
        return getattr(self.wrapped, name)


def _send(request: Any, exchange: _Exchange) -> object:  # noqa: ANN401 (botocore's request)
    """Send the signed request ourselves, by the deadline (or hand it back unsent)."""
    if exchange.sender is None:
        # botocore catches this around sending, consults its retry handler (which
        # retries nothing of this kind) and raises it again, to Transport.prepare.
        raise _Prepared(Request(request.method, request.url, request.headers, _body_bytes(request)))
    exchange.sent += 1
    response = exchange.sender(request, exchange.time_left, fresh=exchange.fresh)
    exchange.response = response
    from botocore.awsrequest import AWSResponse  # noqa: PLC0415 (loaded with botocore)

    # botocore parses what it is given: nothing for a success (the library reads that
    # body once, itself), the error body for an error, unless no parser could survive it.
    # botocore's error parser starts at 301; a 300 would go to its success parser.
    given = _survivable(response.body) if response.status > 300 else b""  # noqa: PLR2004
    return AWSResponse(request.url, response.status, cast("Any", response.headers), _Body(given))


class _Sender(Protocol):
    def __call__(
        self,
        request: Any,  # noqa: ANN401 (botocore's AWSPreparedRequest)
        time_left: float | None,
        /,
        *,
        fresh: bool,
    ) -> HttpResponse: ...


def _engine_sender(engine: HttpEngine) -> _Sender:
    def send(request: Any, time_left: float | None, *, fresh: bool) -> HttpResponse:  # noqa: ANN401
        return engine.request(
            request.method,
            request.url,
            request.headers,
            _body_bytes(request),
            time_left=time_left,
            fresh=fresh,
        )

    return send


def _botocore_sender(http_session: Any, read_timeout: float) -> _Sender:  # noqa: ANN401
    """Botocore's own sender, for proxy set-ups the engine does not take (see ``_engine_for``).

    Deadlines then bound less: the read timeout of each request is capped by the time
    left (botocore's per-request read timeout, botocore >= 1.43.72; older releases ignore
    it and read for up to ``Config(read_timeout)``), but it bounds each socket read, not
    the whole answer, and connecting takes up to the configured connect timeout.
    """
    from botocore.exceptions import ConnectionError as BotocoreConnectionError  # noqa: PLC0415
    from botocore.exceptions import (  # noqa: PLC0415
        ConnectTimeoutError,
        EndpointConnectionError,
        HTTPClientError,
        ProxyConnectionError,
        ReadTimeoutError,
        SSLError,
    )

    # botocore's pool decides about reusing connections itself (``fresh`` is not honoured).
    def send(request: Any, time_left: float | None, *, fresh: bool) -> HttpResponse:  # noqa: ANN401, ARG001
        if time_left is not None:
            if time_left <= 0:
                raise HttpFailure("timeout", "no time was left to send the request", sent=False)
            context = getattr(request, "context", None)
            if context is not None:
                context["read_timeout"] = min(read_timeout, time_left)
        try:
            response = http_session.send(request)
        except SSLError as exc:
            raise HttpFailure("tls", str(exc), sent=False) from exc
        except (EndpointConnectionError, ConnectTimeoutError) as exc:
            raise HttpFailure("connect", str(exc), sent=False) from exc
        except ProxyConnectionError as exc:
            raise _proxy_failure(exc) from exc
        except ReadTimeoutError as exc:
            raise HttpFailure("timeout", str(exc), sent=True) from exc
        except (HTTPClientError, BotocoreConnectionError) as exc:  # closed, or anything else
            raise _client_error_failure(exc) from exc
        headers = {k.lower(): v for k, v in response.headers.items()}
        return decoded(HttpResponse(response.status_code, headers, response.content))

    return send


def _client_error_failure(exc: Exception) -> HttpFailure:
    """The failure for botocore's ``HTTPClientError`` or ``ConnectionError`` (the rest).

    Mostly a connection that broke after sending: "lost". But a ``proxies_config`` whose
    CA bundle or client certificate cannot be loaded fails while botocore makes the
    proxy's TLS context, before any connection opens: nothing was sent, and no retry
    can load the file.
    """
    from botocore.exceptions import InvalidProxiesConfigError  # noqa: PLC0415

    cause = getattr(exc, "kwargs", {}).get("error")
    if isinstance(cause, InvalidProxiesConfigError):
        detail = f"{cause} ({cause.kwargs.get('error')})"  # botocore keeps the OSError there
        return HttpFailure(
            "tls", f"the proxy's TLS settings could not be used: {detail}", sent=False
        )
    return HttpFailure("lost", str(exc), sent=True)


def _proxy_failure(exc: Exception) -> HttpFailure:
    """The failure for botocore's ``ProxyConnectionError``."""
    tls_error = _proxy_tls_error(exc)
    if isinstance(tls_error, ssl.SSLCertVerificationError):
        return HttpFailure("tls", f"the proxy's certificate was refused: {tls_error}", sent=False)
    if tls_error is not None and _refused_handshake(tls_error):
        return HttpFailure(
            "tls",
            f"the proxy refused the TLS handshake: {tls_error} (a proxy that demands a client "
            "certificate: proxies_config's proxy_client_cert, one the proxy trusts)",
            sent=False,
        )
    # urllib3 says "proxy error" also when the proxy took the request and then failed;
    # only a connection that never opened proves nothing was sent.
    sent = not _never_connected(exc)
    return HttpFailure("lost" if sent else "connect", str(exc), sent=sent)


# The alerts a TLS server sends while refusing a handshake over certificates: sent before
# any application data is read, and answered the same way by every retry.
_HANDSHAKE_REFUSALS = (
    "ALERT_HANDSHAKE_FAILURE",
    "ALERT_CERTIFICATE_REQUIRED",
    "ALERT_BAD_CERTIFICATE",
    "ALERT_UNKNOWN_CA",
    "ALERT_CERTIFICATE_UNKNOWN",
    "ALERT_UNSUPPORTED_CERTIFICATE",
    "ALERT_CERTIFICATE_EXPIRED",
    "ALERT_CERTIFICATE_REVOKED",
)


def _refused_handshake(error: ssl.SSLError) -> bool:
    """Whether the proxy's TLS alert refused the handshake (e.g. our client certificate)."""
    reason = getattr(error, "reason", None) or ""
    return isinstance(reason, str) and reason.endswith(_HANDSHAKE_REFUSALS)


def _proxy_tls_error(exc: Exception) -> ssl.SSLError | None:
    """The TLS error under botocore's proxy error, if that is what it was.

    botocore says only "Failed to connect to proxy URL"; urllib3's error under it keeps
    the TLS failure: an https:// proxy whose certificate does not verify, or a proxy that
    refused the handshake (a TLS 1.2 proxy refusing the client certificate), which no
    retry can mend and which sent nothing.
    """
    seen: set[int] = set()
    error: BaseException | None = getattr(exc, "kwargs", {}).get("error")
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, ssl.SSLError):
            return error
        # Only exceptions are followed: an ssl.SSLError's ``reason`` is a string.
        links = [getattr(error, "original_error", None), getattr(error, "reason", None)]
        links += [*error.args, error.__cause__, error.__context__]
        error = next((link for link in links if isinstance(link, BaseException)), None)
    return None


def _never_connected(exc: Exception) -> bool:
    """Whether botocore's proxy error says the connection to the proxy never opened."""
    from urllib3.exceptions import ConnectTimeoutError  # noqa: PLC0415 (NewConnectionError too)

    error = getattr(exc, "kwargs", {}).get("error")
    return isinstance(getattr(error, "original_error", None), ConnectTimeoutError)


def _survivable(body: bytes) -> bytes:
    """The error body if botocore's parser can take it, else nothing.

    botocore's rest-json error parser needs a UTF-8 JSON object whose ``__type`` is a
    string: a JSON array, number or string, a numeric ``__type``, invalid UTF-8 or deep
    nesting crash it with bare exceptions. Without a body it still reads the error type
    from the ``x-amzn-ErrorType`` header.
    """
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):  # also UnicodeDecodeError
        return b""
    if isinstance(document, dict) and isinstance(document.get("__type"), str | None):
        return body
    return b""


def _page_text(body: bytes) -> str:
    """A short, printable excerpt of a body that is not JSON (a proxy's error page)."""
    text = " ".join(body[:400].decode("utf-8", "replace").split())
    return "".join(c for c in text if c.isprintable())[:200]


def _install_sender(client: ChimeSDKVoiceClient) -> None:
    """Put the library's sender where botocore's HTTP session is, once per client."""
    endpoint: Any = client._endpoint  # type: ignore[attr-defined]  # noqa: SLF001
    if not isinstance(endpoint.http_session, _SenderShim):
        endpoint.http_session = _SenderShim(endpoint.http_session)


def _http_session(client: ChimeSDKVoiceClient) -> Any:  # noqa: ANN401 (URLLib3Session)
    """Return botocore's own HTTP session of ``client`` (under the library's shim)."""
    http = getattr(getattr(client, "_endpoint", None), "http_session", None)
    return http.wrapped if isinstance(http, _SenderShim) else http


# --- clients -------------------------------------------------------------------------------


@functools.cache
def _configs() -> tuple[botocore.config.Config, botocore.config.Config]:
    """(our defaults, what we impose) for clients the library creates.

    Imposed: botocore makes one request per attempt (the RetryPolicy is the retry
    authority) and skips its parameter validation (the library validates every input
    more strictly before a call). botocore never mutates a ``Config``.
    """
    from botocore.config import Config  # noqa: PLC0415 (botocore is imported when first needed)

    imposed = Config(
        retries={"total_max_attempts": 1, "mode": "standard"}, parameter_validation=False
    )
    defaults = Config(connect_timeout=DEFAULT_CONNECT_TIMEOUT).merge(imposed)
    return defaults, imposed


_session_lock = threading.Lock()
_default_session: botocore.session.Session | None = None


def create_client(
    session: boto3.Session | botocore.session.Session | None,
    region_name: str | None,
    endpoint_url: str | None,
    config: botocore.config.Config | None,
) -> ChimeSDKVoiceClient:
    """Make the botocore client for a ``SpeakerSearchClient``, with the sender shim on it."""
    global _default_session  # noqa: PLW0603 (one lazily made session, like boto3's default)
    defaults, imposed = _configs()
    if config is not None and config.retries:  # type: ignore[attr-defined]
        logger.debug(
            "Ignoring retries=%r in config: RetryPolicy is the retry authority",
            config.retries,  # type: ignore[attr-defined]
        )
    merged = defaults if config is None else defaults.merge(config).merge(imposed)
    kwargs: dict[str, Any] = {
        "region_name": region_name,
        "endpoint_url": endpoint_url,
        "config": merged,
    }
    # Sessions are not thread-safe for creating clients; the lock serialises it.
    with _session_lock:
        if session is None:
            if _default_session is None:
                import botocore.session  # noqa: PLC0415

                _default_session = botocore.session.get_session()
            session = _default_session
        if hasattr(session, "create_client"):
            client = session.create_client(SERVICE_NAME, **kwargs)
        else:
            client = session.client(SERVICE_NAME, **kwargs)
    client = cast("ChimeSDKVoiceClient", client)
    _install_sender(client)
    return client


def check_endpoint_url(
    endpoint_url: str | None, *, parameter: str = "endpoint_url", warn: bool = True
) -> None:
    """Refuse endpoints no request could go to; warn about plain http off this machine.

    Args:
        endpoint_url: The URL to check (``None``: botocore's own endpoint).
        parameter: What to call it in the error.
        warn: Whether to warn about plain http to a host that is not this machine.

    Raises:
        InvalidParameterError: not an absolute http(s) URL with a host and a valid port.
    """
    if endpoint_url is None:
        return
    problem = None
    try:
        parts = urlsplit(endpoint_url)
        port = parts.port  # ValueError when out of range or not a number
    except ValueError as exc:
        problem = f"must be an http(s) URL ({exc})"
    else:
        if parts.scheme not in ("http", "https"):
            problem = "must start with https:// (or http:// for a local emulator)"
        elif not parts.hostname:
            problem = "must name a host"
        elif port == 0:
            problem = "must not use port 0"
    if problem is not None:
        raise InvalidParameterError(
            [Violation(parameter=parameter, constraint=problem, value=endpoint_url)]
        )
    if warn and parts.scheme == "http" and not _is_loopback(parts.hostname or ""):
        warnings.warn(
            f"endpoint_url {endpoint_url!r} is plain http to a non-loopback host: task data "
            "would travel unencrypted. Use https.",
            stacklevel=4,
        )


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost" or host.endswith(".localhost")


def _engine_for(client: ChimeSDKVoiceClient) -> HttpEngine | None:
    """An engine with the client's TLS, proxy and timeout settings (None: botocore's own).

    The settings are read from botocore's HTTP session (private attributes, read
    defensively); a proxy reached over TLS, or proxy TLS settings, are left to botocore.
    """
    config = client.meta.config
    http = _http_session(client)
    proxy_config = getattr(http, "_proxy_config", None)
    proxy = None
    if proxy_config is not None:
        proxy = proxy_config.proxy_url_for(client.meta.endpoint_url)
        if (proxy and proxy.startswith("https:")) or getattr(proxy_config, "settings", None):
            return None
    cert = getattr(http, "_cert_file", None)
    key = getattr(http, "_key_file", None)
    scheme = urlsplit(client.meta.endpoint_url).scheme
    return HttpEngine(
        connect_timeout=float(config.connect_timeout or DEFAULT_CONNECT_TIMEOUT),  # type: ignore[attr-defined]
        read_timeout=float(config.read_timeout or 60),  # type: ignore[attr-defined]
        max_pool=int(config.max_pool_connections or 10),  # type: ignore[attr-defined]
        verify=getattr(http, "_verify", True),
        proxies={scheme: proxy} if proxy else None,
        client_cert=(cert, key) if cert and key else cert,
    )


# --- the boundary ----------------------------------------------------------------------------


class Transport:
    """Sends one operation's request and returns its JSON, or raises a library error.

    Args:
        client: The botocore ``chime-sdk-voice`` client that serialises and signs.
        owns_client: Whether closing the transport closes the client (one we made).
        now: The current time (for a ``Retry-After`` given as an HTTP-date).
    """

    def __init__(
        self,
        client: ChimeSDKVoiceClient,
        *,
        owns_client: bool,
        now: Callable[[], datetime],
    ) -> None:
        self.client = client
        self._owns_client = owns_client
        if not owns_client:
            # botocore takes any port when making a client, then fails every call with
            # a bare ValueError: refuse it here, as for an endpoint_url given to us.
            check_endpoint_url(
                client.meta.endpoint_url, parameter="client.meta.endpoint_url", warn=False
            )
            _install_sender(client)  # a client made by the caller has no shim yet
        # The engine's settings also serve the async client (see _aio_transport).
        self._engine = _engine_for(client)
        self._sender: _Sender
        if self._engine is None:
            self._sender = _botocore_sender(
                _http_session(client),
                float(client.meta.config.read_timeout or 60),  # type: ignore[attr-defined]
            )
        else:
            self._sender = _engine_sender(self._engine)
        self._now = now
        self._methods: dict[str, Any] = {}

    @property
    def endpoint_url(self) -> str:
        """The endpoint requests go to."""
        return self.client.meta.endpoint_url

    def send(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        *,
        time_left: float | None,
        fresh_connection: bool = False,
    ) -> Mapping[str, Any]:
        """Make one request; return the response's JSON object (``{}`` for no body).

        Args:
            operation_name: e.g. ``"GetSpeakerSearchTask"``.
            params: The validated parameters, by wire name.
            time_left: Seconds the whole request (connect, send, answer) may take, or
                ``None`` for the client's own connect and read timeouts alone.
            fresh_connection: Send on a new connection, never a pooled one: for
                requests without an idempotency token (see ``HttpEngine.request``).

        Raises:
            ServiceError: the service answered with an error.
            TransportError: no complete answer (``request_sent`` says if it may have arrived).
            MalformedResponseError: the answer is not a JSON object the model allows.
        """
        from botocore.exceptions import ClientError  # noqa: PLC0415

        method = self._method(operation_name)
        exchange = _Exchange(self._sender, time_left, fresh=fresh_connection)
        token = _current.set(exchange)
        try:
            parsed = method(**params)
        except ClientError as exc:
            error = service_error(exc.response, operation_name, exchange.response, self._now())
            # The requests this one attempt made (the retry layer adds them up).
            error.attempts = max(1, exchange.sent)
            raise error from exc
        except HttpFailure as exc:
            raise self.failure(exc, operation_name) from exc
        finally:
            _current.reset(token)
        if exchange.response is None:
            # Something answered before the request was sent (botocore's Stubber):
            # botocore parsed that answer itself.
            return {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
        return _json_object(exchange.response.body, operation_name)

    def _method(self, operation_name: str) -> Any:  # noqa: ANN401 (botocore's bound method)
        method = self._methods.get(operation_name)
        if method is None:
            from botocore import xform_name  # noqa: PLC0415

            method = getattr(self.client, xform_name(operation_name))
            self._methods[operation_name] = method
        return method

    @property
    def engine(self) -> HttpEngine | None:
        """The HTTP engine with the client's settings (None: botocore sends the requests)."""
        return self._engine

    def prepare(
        self, operation_name: str, params: Mapping[str, Any]
    ) -> Request | Mapping[str, Any]:
        """Let botocore serialise and sign a request, and return it unsent.

        Returns:
            The signed request; or, when something answered before sending (botocore's
            Stubber on a client passed in), that answer's JSON.

        Raises:
            ServiceError: something answered with an error before sending (a Stubber).
        """
        from botocore.exceptions import ClientError  # noqa: PLC0415

        method = self._method(operation_name)
        token = _current.set(_Exchange(None, None))
        try:
            parsed = method(**params)
        except _Prepared as prepared:
            return prepared.request
        except ClientError as exc:
            raise service_error(exc.response, operation_name, None, self._now()) from exc
        finally:
            _current.reset(token)
        return {k: v for k, v in parsed.items() if k != "ResponseMetadata"}

    def interpret(self, operation_name: str, response: HttpResponse) -> Mapping[str, Any]:
        """Read an answer sent outside botocore, exactly as :meth:`send` reads one.

        A success body is parsed once, here; an error goes through botocore's own
        error parser and exception classes, then :func:`service_error`.

        Raises:
            ServiceError: the answer is an error.
            MalformedResponseError: a success body that is not a JSON object.
        """
        if response.status < 300:  # noqa: PLR2004
            return _json_object(response.body, operation_name)
        from botocore.parsers import create_parser  # noqa: PLC0415

        model = self.client.meta.service_model.operation_model(operation_name)
        parsed = create_parser("rest-json").parse(
            {
                "status_code": response.status,
                "headers": response.headers,
                "body": _survivable(response.body),
            },
            cast("Any", model.output_shape),
        )
        error = parsed.get("Error") or {}
        cause_class: Any = self.client.exceptions.from_code(str(error.get("Code")))
        cause = cause_class(parsed, operation_name)
        raise service_error(parsed, operation_name, response, self._now()) from cause

    def failure(self, exc: HttpFailure, operation_name: str) -> Exception:
        """The library's error for a request that got no usable answer."""
        where = self.endpoint_url
        if exc.kind in ("too_large", "protocol"):
            return MalformedResponseError(
                f"{operation_name}: the answer from {where} is unusable: {exc}. A proxy or "
                "something other than the service may be answering.",
                field="(response)",
            )
        if not exc.sent:
            what = f"could not reach {where}: {exc}"
        elif exc.kind == "timeout":
            what = (
                f"got no answer in time from {where} ({exc}: bounded by the read timeout "
                "or the time left of the deadline); the request may have reached the service"
            )
        else:
            what = f"lost the answer from {where} ({exc}); the request may have reached the service"
        error = TransportError(
            f"{operation_name} {what}. Check the network and the endpoint URL",
            operation_name=operation_name,
            request_sent=exc.sent,
        )
        error.retryable = exc.kind not in {"tls", "proxy_auth"}
        return error

    def close(self) -> None:
        """Close idle connections, and the botocore client if the library made it."""
        if self._engine is not None:
            self._engine.close()
        if self._owns_client:
            self.client.close()


def service_error(
    parsed: Mapping[str, Any] | None,
    operation_name: str,
    response: HttpResponse | None,
    now: datetime,
) -> ServiceError:
    """Map botocore's parse of an error answer to the library's exception for its code.

    Args:
        parsed: What botocore's error parser made of the answer (a ``ClientError``'s
            ``response``).
        operation_name: For the message.
        response: The answer as the engine read it, when the library sent the request.
        now: The current time, for a ``Retry-After`` HTTP-date.
    """
    parsed = parsed or {}
    error = parsed.get("Error") or {}
    meta = parsed.get("ResponseMetadata") or {}
    headers: Mapping[str, str] = response.headers if response is not None else {}
    status = response.status if response is not None else meta.get("HTTPStatusCode")
    code = str(error.get("Code") or "")
    # A 5xx page from a proxy or load balancer names no AWS error: botocore then
    # reports the status as the code. Such a failure is transient; retry it.
    gateway = (
        status in _GATEWAY_STATUSES
        and "x-amzn-errortype" not in headers
        and code in ("", str(status))
    )
    cls = ServiceError if gateway else error_class_for_code(code or "UnknownError")
    message = str(error.get("Message") or "")
    if not message and response is not None and not _survivable(response.body):
        message = _page_text(response.body)
    if isinstance(status, int) and 300 <= status < 400 and not error.get("Message"):  # noqa: PLR2004
        # AWS endpoints do not redirect; botocore does not follow one, nor does the library.
        where = headers.get("location", "")
        message = (
            f"the endpoint redirected (HTTP {status}{' to ' + where[:200] if where else ''}), "
            "which the library, like botocore, does not follow: check the endpoint URL "
            "and region"
        )
    result = cls(
        message,
        code=code or f"HTTP{status}",
        http_status=status,
        request_id=meta.get("RequestId") or headers.get("x-amzn-requestid"),
        operation_name=operation_name,
        retry_after=retry_after(headers, now),
    )
    if gateway:
        result.retryable = True
    return result


def _json_object(body: bytes, operation_name: str) -> Mapping[str, Any]:
    """The response's JSON object; an empty body (e.g. a 204) is an empty object."""
    if not body:
        return {}
    try:
        document = json.loads(body)
    except RecursionError as exc:
        raise MalformedResponseError(
            f"{operation_name} returned JSON nested too deeply to read. The service or a "
            "proxy in between sent something unexpected.",
            field="(response)",
        ) from exc
    except ValueError as exc:  # also UnicodeDecodeError
        raise MalformedResponseError(
            f"{operation_name} returned a body that is not JSON ({exc}). The service or a "
            "proxy in between sent something unexpected.",
            field="(response)",
        ) from exc
    if not isinstance(document, dict):
        raise MalformedResponseError(
            f"{operation_name} returned JSON that is not an object.", field="(response)"
        )
    return document


def retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds from ``Retry-After`` (seconds or HTTP-date) or ``x-amz-retry-after``.

    Args:
        headers: The response headers, lower-case names.
        now: The current time, for an HTTP-date (the client's clock).
    """
    for name in ("retry-after", "x-amz-retry-after"):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value)
        except ValueError:
            pass
        else:
            if math.isfinite(seconds):
                return max(0.0, seconds)
            continue
        try:  # an HTTP-date
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            continue
        if when.tzinfo is None or now is None:
            continue
        return max(0.0, (when - now).total_seconds())
    return None
