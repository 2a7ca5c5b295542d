"""The client: validation, one retrying call path, error mapping, and waiting."""

from __future__ import annotations

import contextvars
import functools
import ipaddress
import json
import logging
import random
import threading
import uuid
import warnings
import weakref
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from ._clock import SystemClock
from ._convert import parse_timestamp, structure_task
from ._logging import install_redaction
from ._retry import RetryPolicy, call_with_retries
from ._validation import check_get, check_start
from ._wait import PollPolicy, check_wait_arguments, wait_for_task
from .errors import (
    InvalidParameterError,
    MalformedResponseError,
    ServiceError,
    TransportError,
    Violation,
    error_class_for_code,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from types import TracebackType

    import boto3
    import botocore.config
    import botocore.session
    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient
    from typing_extensions import Self

    from ._clock import Clock
    from ._models import CallLeg, SpeakerSearchTask

__all__ = ["SpeakerSearchClient"]

logger = logging.getLogger("chime_speaker_search")

SERVICE_NAME = "chime-sdk-voice"
# The smallest read timeout given to a request made with (almost) no budget left: the
# one last poll at a wait's deadline still needs time for its answer to arrive.
_MIN_READ_TIMEOUT = 0.5


class _Exchange:
    """What the botocore hooks need to know of, and tell about, the request in flight."""

    __slots__ = ("body", "read_timeout")

    def __init__(self, read_timeout: float | None) -> None:
        self.read_timeout = read_timeout
        self.body: bytes | None = None


# The exchange of the request being made on this thread (or task); botocore runs its
# event handlers in the caller's thread, so the hooks below find it here.
_exchange: contextvars.ContextVar[_Exchange | None] = contextvars.ContextVar(
    "chime_speaker_search_exchange", default=None
)


def _bound_read_timeout(context: dict[str, Any], **_: object) -> None:
    """Botocore ``before-call`` hook: bound this request by the caller's budget.

    botocore >= 1.43.72 honours ``context["read_timeout"]`` per request.
    """
    exchange = _exchange.get()
    if exchange is not None and exchange.read_timeout is not None:
        context["read_timeout"] = exchange.read_timeout


def _capture_body(response_dict: Mapping[str, Any], **_: object) -> None:
    """Botocore ``before-parse`` hook: keep a successful response's raw body.

    botocore's parser coerces values to the model's types (``"yes"`` becomes ``False``
    for a boolean) and fails with bare exceptions on some bodies; reading the JSON
    ourselves lets the converter check every value's JSON type and name any fault.
    """
    exchange = _exchange.get()
    if exchange is not None and 200 <= response_dict.get("status_code", 0) < 300:  # noqa: PLR2004
        exchange.body = response_dict.get("body")


_default_session: botocore.session.Session | None = None
_default_session_lock = threading.Lock()


# botocore waits 60 s for a connection by default. botocore has no per-request connect
# timeout (the budget left bounds only the read), so a shorter default is what keeps a
# blackholed endpoint from holding a call or a wait far past its budget.
DEFAULT_CONNECT_TIMEOUT = 10.0


@functools.cache
def _configs() -> tuple[botocore.config.Config, botocore.config.Config]:
    """(our defaults, what we impose), made once: a ``Config`` takes ~100 us to build.

    What we impose is the single retry authority: botocore makes exactly one request per
    attempt, and the RetryPolicy decides about the next. botocore never mutates a
    ``Config`` (``merge`` returns a new one), so sharing them is safe.
    """
    from botocore.config import Config  # noqa: PLC0415 (botocore is imported when first needed)

    imposed = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    defaults = Config(connect_timeout=DEFAULT_CONNECT_TIMEOUT).merge(imposed)
    return defaults, imposed


def _create_client(
    session: boto3.Session | botocore.session.Session | None,
    region_name: str | None,
    endpoint_url: str | None,
    config: botocore.config.Config | None,
) -> ChimeSDKVoiceClient:
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
    if session is None:
        global _default_session  # noqa: PLW0603 (one lazily made session, like boto3's default)
        with _default_session_lock:
            if _default_session is None:
                import botocore.session  # noqa: PLC0415

                _default_session = botocore.session.get_session()
            _prepare_session(_default_session)
            # Sessions are not thread-safe for creating clients; the lock serialises it.
            return cast(
                "ChimeSDKVoiceClient", _default_session.create_client(SERVICE_NAME, **kwargs)
            )
    _prepare_session(session)
    if hasattr(session, "create_client"):
        return cast("ChimeSDKVoiceClient", session.create_client(SERVICE_NAME, **kwargs))
    return session.client(SERVICE_NAME, **kwargs)  # type: ignore[no-any-return,call-overload]


# Sessions whose event system has our hooks; clients made from them inherit the hooks.
# Registering on each client instead costs ~60 us a hook (botocore's event aliasing).
_prepared: weakref.WeakSet[object] = weakref.WeakSet()
_prepared_lock = threading.Lock()


def _prepare_session(session: boto3.Session | botocore.session.Session) -> None:
    """Register our hooks on a session once; they act only inside this library's calls."""
    with _prepared_lock:
        if session in _prepared:
            return
        # boto3's Session exposes the botocore session's emitter as `events`.
        events = (
            session.events if hasattr(session, "events") else session.get_component("event_emitter")
        )
        _register_hooks(events)
        _prepared.add(session)


def _register_hooks(events: Any) -> None:  # noqa: ANN401 (botocore's emitter is untyped)
    events.register(
        "before-call.chime-sdk-voice",
        _bound_read_timeout,
        unique_id="chime_speaker_search.read_timeout",
    )
    events.register(
        "before-parse.chime-sdk-voice", _capture_body, unique_id="chime_speaker_search.body"
    )


_LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


def _warn_if_insecure(endpoint_url: str | None) -> None:
    if endpoint_url is None:
        return
    parts = urlsplit(endpoint_url)
    if parts.scheme != "http" or not parts.hostname:
        return
    host = parts.hostname
    if host in _LOOPBACK_NAMES:  # the common case, without ipaddress's parsing
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost" or host.endswith(".localhost")
    if not loopback:
        warnings.warn(
            f"endpoint_url {endpoint_url!r} is plain http to a non-loopback host: task data "
            "would travel unencrypted. Use https.",
            stacklevel=3,
        )


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from ``Retry-After`` (seconds or HTTP-date) or ``x-amz-retry-after``."""
    for name in ("retry-after", "x-amz-retry-after"):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:  # an HTTP-date
            when = parse_timestamp(parsedate_to_datetime(value))
        except (TypeError, ValueError, IndexError):
            continue
        return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
    return None


def _transport_message(
    operation_name: str, endpoint_url: str, exc: Exception, remaining: float | None
) -> str:
    from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError  # noqa: PLC0415

    if isinstance(exc, ReadTimeoutError):
        bound = "" if remaining is None else " (the request was bounded by the time budget left)"
        what = f"got no answer in time from {endpoint_url}{bound}"
    elif isinstance(exc, ConnectTimeoutError):
        what = f"timed out connecting to {endpoint_url}"
    else:
        what = f"could not reach {endpoint_url}"
    return f"{operation_name} {what}: {exc}. Check the network and the endpoint URL"


def _json_body(body: bytes | None, operation_name: str) -> Mapping[str, Any]:
    """The response's JSON object; an empty body (e.g. a 204) is an empty object."""
    if not body:
        return {}
    try:
        document = json.loads(body)
    except ValueError as exc:  # also UnicodeDecodeError
        raise MalformedResponseError(
            f"{operation_name} returned a body that is not JSON ({exc}). The service or a "
            "proxy in between sent something unexpected."
        ) from exc
    if not isinstance(document, dict):
        raise MalformedResponseError(
            f"{operation_name} returned JSON that is not an object.", field="(response)"
        )
    return document


def _service_error(exc: Exception, operation_name: str) -> ServiceError:
    """Map a botocore ``ClientError`` to the library's exception for its code."""
    response: Mapping[str, Any] = getattr(exc, "response", None) or {}
    error = response.get("Error") or {}
    meta = response.get("ResponseMetadata") or {}
    code = str(error.get("Code") or "UnknownError")
    headers = meta.get("HTTPHeaders") or {}
    cls = error_class_for_code(code)
    return cls(
        str(error.get("Message") or ""),
        code=code,
        http_status=meta.get("HTTPStatusCode"),
        request_id=meta.get("RequestId") or headers.get("x-amzn-requestid"),
        operation_name=operation_name,
        retry_after=_retry_after(headers),
    )


class SpeakerSearchClient:
    """A typed client for Amazon Chime SDK Voice speaker search tasks.

    Credentials, region and profile come from the standard AWS chain, or from the
    ``session`` or ready-made ``client`` you pass. Inputs are validated before anything
    is sent; throttling and transient failures are retried under ``retry``; a start
    is made idempotent with a ``ClientRequestToken``. One instance may be shared by
    many threads.

    Args:
        region_name: AWS region, e.g. ``"us-east-1"``.
        endpoint_url: Endpoint override, e.g. the local emulator's.
        session: A ``boto3.Session`` or ``botocore.session.Session`` to create the
            botocore client from (for profiles or explicit credentials).
        client: A ready ``chime-sdk-voice`` botocore client to use as it is. Its own
            retry settings are kept and stack with ``retry``: each of our attempts may
            then make up to botocore's ``max_attempts`` requests.
        config: ``botocore.config.Config`` for a client this library creates; its
            retry settings are replaced (botocore makes one request per attempt).
        retry: How failed requests are retried.
        clock: Time source and sleeper (tests pass a ``ManualClock``).
        jitter: Source of random samples in [0, 1) for backoff (tests pass a constant).

    Example:
        >>> from chime_speaker_search.testing import LocalSpeakerSearchService, seed_demo
        >>> with LocalSpeakerSearchService(time_scale=100) as service:
        ...     seed = seed_demo(service)
        ...     with SpeakerSearchClient(endpoint_url=service.endpoint_url,
        ...                              region_name=service.region_name) as client:
        ...         task = client.start_and_wait(
        ...             voice_connector_id=seed.voice_connector_id,
        ...             transaction_id=seed.succeeding_transaction_id,
        ...             voice_profile_domain_id=seed.voice_profile_domain_id,
        ...             poll=PollPolicy(min_delay=0.1, max_delay=0.5))
        >>> task.speaker_search_task_status.value
        'SUCCEEDED'
    """

    def __init__(
        self,
        *,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        session: boto3.Session | botocore.session.Session | None = None,
        client: ChimeSDKVoiceClient | None = None,
        config: botocore.config.Config | None = None,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 (frozen value object, safe as a default)
        clock: Clock | None = None,
        jitter: Callable[[], float] | None = None,
    ) -> None:
        if client is not None:
            given = [
                name
                for name, value in (
                    ("region_name", region_name),
                    ("endpoint_url", endpoint_url),
                    ("session", session),
                    ("config", config),
                )
                if value is not None
            ]
            if given:
                raise TypeError(
                    f"pass either client= or {', '.join(given)}=, not both: a ready client "
                    "already has its region, endpoint, credentials and config"
                )
            # A client made by the caller did not inherit our hooks from a session.
            _register_hooks(client.meta.events)
            self._client = client
            self._owns_client = False
        else:
            _warn_if_insecure(endpoint_url)
            self._client = _create_client(session, region_name, endpoint_url, config)
            self._owns_client = True
        install_redaction()
        self._retry = retry
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._jitter = jitter if jitter is not None else random.random

    # --- properties ----------------------------------------------------------------

    @property
    def region_name(self) -> str:
        """The region requests go to."""
        return self._client.meta.region_name

    @property
    def endpoint_url(self) -> str:
        """The endpoint requests go to."""
        return self._client.meta.endpoint_url

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy in force."""
        return self._retry

    @property
    def botocore_client(self) -> ChimeSDKVoiceClient:
        """The underlying botocore client (for operations this library does not wrap)."""
        return self._client

    def __repr__(self) -> str:
        return (
            f"SpeakerSearchClient(region_name={self.region_name!r}, "
            f"endpoint_url={self.endpoint_url!r})"
        )

    # --- the call path ---------------------------------------------------------------

    def _call(
        self,
        operation_name: str,
        method: Callable[..., Mapping[str, Any]],
        params: Mapping[str, Any],
        *,
        deadline: float | None = None,
    ) -> Mapping[str, Any]:
        """One logical call: retries, budget, error mapping. Returns the raw response."""
        from botocore.exceptions import (  # noqa: PLC0415
            ClientError,
            HTTPClientError,
            ParamValidationError,
        )
        from botocore.exceptions import ConnectionError as BotoConnectionError  # noqa: PLC0415

        def attempt(remaining: float | None) -> Mapping[str, Any]:
            exchange = _Exchange(None if remaining is None else max(remaining, _MIN_READ_TIMEOUT))
            token = _exchange.set(exchange)
            try:
                method(**params)
            except ClientError as exc:
                raise _service_error(exc, operation_name) from exc
            except (HTTPClientError, BotoConnectionError) as exc:
                raise TransportError(
                    _transport_message(operation_name, self.endpoint_url, exc, remaining),
                    operation_name=operation_name,
                ) from exc
            except ParamValidationError as exc:  # pragma: no cover (our checks run first)
                raise InvalidParameterError(
                    [Violation(parameter="(request)", constraint=str(exc), value=params)]
                ) from exc
            except Exception:
                # A response arrived but botocore's parser failed on it (it raises bare
                # ValueError, AttributeError, RuntimeError... on bodies off the model):
                # the raw body below says what is wrong. Anything else is not ours.
                if exchange.body is None:
                    raise
            finally:
                _exchange.reset(token)
            return _json_body(exchange.body, operation_name)

        return call_with_retries(
            attempt,
            operation_name=operation_name,
            policy=self._retry,
            clock=self._clock,
            jitter=self._jitter,
            deadline=deadline,
        )

    @staticmethod
    def _task_from(response: Mapping[str, Any], operation_name: str) -> SpeakerSearchTask:
        if "SpeakerSearchTask" not in response:
            raise MalformedResponseError(
                f"{operation_name} returned no SpeakerSearchTask in its response.",
                field="SpeakerSearchTask",
            )
        return structure_task(response["SpeakerSearchTask"])

    # --- operations -------------------------------------------------------------------

    def start_speaker_search_task(
        self,
        *,
        voice_connector_id: str,
        transaction_id: str,
        voice_profile_domain_id: str,
        call_leg: CallLeg | str | None = None,
        client_request_token: str | None = None,
    ) -> SpeakerSearchTask:
        """Start a speaker search task on one leg of a live call.

        The start is idempotent: without ``client_request_token`` a fresh token is made
        for this call and sent unchanged on every retry, so a retried start never makes
        a second task. Pass your own token (e.g. derived from a business key) to make
        starts idempotent across processes or restarts.

        Args:
            voice_connector_id: The Voice Connector carrying the call (1-128 chars).
            transaction_id: The call's transaction id (1-256 chars).
            voice_profile_domain_id: The domain whose profiles to search (1-256 chars).
            call_leg: ``CallLeg.CALLER`` (the service's default) or ``CallLeg.CALLEE``,
                or the strings ``"Caller"``/``"Callee"``.
            client_request_token: 2-64 characters of ``A-Z a-z 0-9 - _``.

        Returns:
            The new task, usually ``IN_QUEUE``.

        Raises:
            InvalidParameterError: an argument breaks the documented rules (nothing sent).
            ServiceError: the service refused (a subclass per error code).
            TransportError: the service could not be reached after retries.
            MalformedResponseError: the response does not fit the model.
        """
        params = check_start(
            voice_connector_id=voice_connector_id,
            transaction_id=transaction_id,
            voice_profile_domain_id=voice_profile_domain_id,
            call_leg=call_leg,
            client_request_token=client_request_token,
        )
        if "ClientRequestToken" not in params:
            params["ClientRequestToken"] = str(uuid.uuid4())
            logger.debug("Generated ClientRequestToken %s", params["ClientRequestToken"])
        response = self._call(
            "StartSpeakerSearchTask", self._client.start_speaker_search_task, params
        )
        return self._task_from(response, "StartSpeakerSearchTask")

    def get_speaker_search_task(
        self, *, voice_connector_id: str, speaker_search_task_id: str
    ) -> SpeakerSearchTask:
        """Fetch a task's current status and results.

        Args:
            voice_connector_id: The Voice Connector the task runs on.
            speaker_search_task_id: The task's id.

        Raises:
            InvalidParameterError: an argument breaks the documented rules (nothing sent).
            NotFoundException: no such task.
            ServiceError: the service refused (a subclass per error code).
            TransportError: the service could not be reached after retries.
            MalformedResponseError: the response does not fit the model.
        """
        return self._get(
            check_get(
                voice_connector_id=voice_connector_id,
                speaker_search_task_id=speaker_search_task_id,
            )
        )

    def _get(self, params: Mapping[str, str], deadline: float | None = None) -> SpeakerSearchTask:
        response = self._call(
            "GetSpeakerSearchTask",
            self._client.get_speaker_search_task,
            params,
            deadline=deadline,
        )
        return self._task_from(response, "GetSpeakerSearchTask")

    def stop_speaker_search_task(
        self, *, voice_connector_id: str, speaker_search_task_id: str
    ) -> None:
        """Stop a running task (its status becomes ``STOPPED``).

        Raises:
            InvalidParameterError: an argument breaks the documented rules (nothing sent).
            ConflictException: the task has already finished.
            NotFoundException: no such task.
            ServiceError: the service refused (a subclass per error code).
            TransportError: the service could not be reached after retries.
        """
        params = check_get(
            voice_connector_id=voice_connector_id, speaker_search_task_id=speaker_search_task_id
        )
        self._call("StopSpeakerSearchTask", self._client.stop_speaker_search_task, params)

    def wait(
        self,
        *,
        voice_connector_id: str,
        speaker_search_task_id: str,
        timeout: float | timedelta = 300.0,
        poll: PollPolicy = PollPolicy(),  # noqa: B008 (frozen value object)
        on_update: Callable[[SpeakerSearchTask], object] | None = None,
        raise_on_failure: bool = True,
    ) -> SpeakerSearchTask:
        """Poll a task until it is terminal, and return it.

        Args:
            voice_connector_id: The Voice Connector the task runs on.
            speaker_search_task_id: The task's id.
            timeout: Wall-clock budget for the whole wait, retries included.
            poll: Delays between polls (jittered exponential backoff).
            on_update: Called with the task once for each status observed, the first
                included.
            raise_on_failure: Raise ``TaskFailedError`` for FAILED and STOPPED (default);
                when false, return the task whatever its terminal status.

        Returns:
            The terminal task: SUCCEEDED or PARTIAL_SUCCESS (or, with
            ``raise_on_failure=False``, FAILED or STOPPED too).

        Raises:
            WaitTimeoutError: the task was not terminal in time (carries the last task).
            TaskFailedError: the task ended FAILED or STOPPED.
            InvalidParameterError, ServiceError, TransportError, MalformedResponseError:
                as for :meth:`get_speaker_search_task`.
        """
        return self._wait(
            voice_connector_id,
            speaker_search_task_id,
            timeout=timeout,
            poll=poll,
            on_update=on_update,
            raise_on_failure=raise_on_failure,
        )

    def _wait(
        self,
        voice_connector_id: str,
        speaker_search_task_id: str,
        *,
        timeout: float | timedelta,
        poll: PollPolicy,
        on_update: Callable[[SpeakerSearchTask], object] | None,
        raise_on_failure: bool,
        first: SpeakerSearchTask | None = None,
    ) -> SpeakerSearchTask:
        params = check_get(
            voice_connector_id=voice_connector_id, speaker_search_task_id=speaker_search_task_id
        )
        return wait_for_task(
            lambda deadline: self._get(params, deadline),
            task_id=params["SpeakerSearchTaskId"],
            timeout=check_wait_arguments(timeout, poll, on_update),
            poll=poll,
            clock=self._clock,
            jitter=self._jitter,
            on_update=on_update,
            raise_on_failure=raise_on_failure,
            first=first,
        )

    def start_and_wait(
        self,
        *,
        voice_connector_id: str,
        transaction_id: str,
        voice_profile_domain_id: str,
        call_leg: CallLeg | str | None = None,
        client_request_token: str | None = None,
        timeout: float | timedelta = 300.0,
        poll: PollPolicy = PollPolicy(),  # noqa: B008 (frozen value object)
        on_update: Callable[[SpeakerSearchTask], object] | None = None,
        raise_on_failure: bool = True,
    ) -> SpeakerSearchTask:
        """Start a task and wait for it to finish; the one call scripts need.

        Takes :meth:`start_speaker_search_task`'s and :meth:`wait`'s arguments. The
        ``timeout`` covers the waiting after the start; the task the start returned is
        reported to ``on_update`` first.
        """
        # The waiting arguments are checked first: a bad one must not leave a task behind.
        check_wait_arguments(timeout, poll, on_update)
        task = self.start_speaker_search_task(
            voice_connector_id=voice_connector_id,
            transaction_id=transaction_id,
            voice_profile_domain_id=voice_profile_domain_id,
            call_leg=call_leg,
            client_request_token=client_request_token,
        )
        return self._wait(
            voice_connector_id,
            task.speaker_search_task_id,
            timeout=timeout,
            poll=poll,
            on_update=on_update,
            raise_on_failure=raise_on_failure,
            first=task,
        )

    # --- lifetime ---------------------------------------------------------------------

    def close(self) -> None:
        """Release the connection pool of a botocore client this library created.

        A client passed in by the caller is left open: it is the caller's to close.
        """
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
