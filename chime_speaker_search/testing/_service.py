"""``LocalSpeakerSearchService``: the emulator's public face."""

from __future__ import annotations

import logging
import threading
from collections import deque
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from chime_speaker_search._client import SpeakerSearchClient
from chime_speaker_search._retry import RetryPolicy

from ._backend import Emulator
from ._clock import ScaledClock
from ._profiles import ARN_ACCOUNT
from ._rules import MAX_ACTIVE_TASKS, MAX_VOICE_PROFILES_PER_DOMAIN
from ._server import EmulatorServer
from ._session import offline_session
from ._wire import WireApp

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from types import TracebackType

    import botocore.config
    from typing_extensions import Self

    from chime_speaker_search._clock import Clock
    from chime_speaker_search._event_models import SpeakerSearchStatusEvent
    from chime_speaker_search._models import SpeakerSearchTask

    from ._wire import RecordedRequest

__all__ = ["LocalSpeakerSearchService"]

# The account the emulator's events and ARNs say they come from (AWS's documentation example).
EVENT_ACCOUNT: Final = ARN_ACCOUNT
_LOG = logging.getLogger("chime_speaker_search.testing")
# How often (real seconds) events are pushed to `on_event` while nothing else happens.
_EVENT_TICK: Final = 0.05


class LocalSpeakerSearchService:
    """A local, in-process stand-in for the Amazon Chime SDK Voice speaker search API.

    A real HTTP server that speaks the service's wire protocol, so this library,
    raw boto3 and the AWS CLI all work against it through ``endpoint_url``. It serves
    the speaker search tasks (Start, Get, Stop) and the voice profile operations
    (Create/Update/Get/Delete/ListVoiceProfiles, Get/ListVoiceProfileDomains).

    A task's life follows the service's documentation, computed from the clock
    whenever the task is read:

    * IN_QUEUE for 1 s, then IN_PROGRESS (``StartedTimestamp`` is set).
    * Identifying the speaker takes 10 s of non-silent speech on the chosen leg;
      from then on the results are visible, even while IN_PROGRESS.
    * A voiceprint takes 20 s: with >= 20 s of speech the task ends SUCCEEDED
      (``VoiceprintGenerationSuccess``) 20 s after starting; with 10-20 s it ends
      PARTIAL_SUCCESS (``VoiceprintGenerationFailure``) when the speech runs out;
      with < 10 s it ends FAILED, with a ``StatusMessage`` saying why.
    * Results: the unexpired profiles of the task's domain, at most 10, best first.
      The leg's own speaker scores >= 0.85, everybody else < 0.6; the same call and
      profile always score the same. A profile made from a task (CreateVoiceProfile,
      UpdateVoiceProfile) holds the voice of that task's leg.

    Retention: a task is kept 7 days (then Get and Stop answer NotFound), its
    voiceprint 24 hours (then Create/UpdateVoiceProfile answer Gone), a voice profile
    3 years after its creation or last update (then it is not found, nor matched).

    Quotas: one active task per call, ``max_active_tasks`` in all, and
    ``max_voice_profiles_per_domain`` profiles made by CreateVoiceProfile
    (``ResourceLimitExceededException``). A ``ClientRequestToken`` reused with the
    same request returns the same task; with another request it is a
    ``ConflictException``.

    Authentication: an unsigned request is refused (401 ``UnauthorizedClientException``);
    an ``Authorization`` header that is not a well-formed SigV4 one for the service
    ``chime`` is refused as AWS does (403 ``IncompleteSignatureException`` or
    ``InvalidSignatureException``). With ``credentials``, signatures are also verified.

    Example:
        >>> from chime_speaker_search.testing import ManualClock
        >>> clock = ManualClock()
        >>> with LocalSpeakerSearchService(clock=clock) as service:
        ...     vc = service.add_voice_connector()
        ...     domain = service.add_voice_profile_domain()
        ...     alice = service.add_voice_profile(domain, speaker="alice")
        ...     call = service.add_call(vc, caller="alice")
        ...     with service.client() as client:
        ...         task = client.start_and_wait(voice_connector_id=vc, transaction_id=call,
        ...                                      voice_profile_domain_id=domain)
        >>> match = task.best_match()
        >>> match is not None and match.voice_profile_id == alice
        True

    Args:
        host: The address to listen on; loopback unless told otherwise.
        port: The port to listen on; 0 picks a free one (see :attr:`endpoint_url`).
        clock: Where task lifecycles take their time from; share a
            :class:`~chime_speaker_search.testing.ManualClock` with the client for
            instant, exact tests. Default: real time times ``time_scale``.
        time_scale: How fast the default clock runs (10.0 = ten times real time).
            Only for the default clock.
        max_active_tasks: How many IN_QUEUE/IN_PROGRESS tasks may exist at once (the
            service's default quota: 25).
        max_voice_profiles_per_domain: How many voice profiles CreateVoiceProfile may
            make a domain hold (the service's default quota: 20). Seeding with
            :meth:`add_voice_profile` is not limited.
        on_event: Called with each ``SpeakerSearchStatus`` event in its EventBridge
            wire form (a ``dict``, what a Lambda function behind an EventBridge rule
            receives), as the service would send it, from a background thread or the
            thread serving a request. See :attr:`events`.
        credentials: Secret access keys by access key id, e.g. ``{"AKID": "secret"}``:
            when given, every request's SigV4 signature is verified with botocore's
            signer (403 on a mismatch or an unknown key). Default: only the form of
            the ``Authorization`` header is checked, so any credentials work.
        concurrency_quota: Enforce the service's quota of one API call at a time per
            speaker search task, voice profile and voice profile domain: a request for
            one that another request is still being answered for (e.g. held back by
            :meth:`delay_next`) gets a ``ConflictException``. Off by default, so that
            concurrent tests of a client are not refused.
        request_log_size: How many requests :attr:`requests` (and events
            :attr:`events`) keep, the newest; older ones are forgotten.
        max_body_bytes: Request bodies larger than this are refused with HTTP 413
            before they are read.

    Raises:
        ValueError: ``time_scale`` is given with a ``clock``, or a number is out of range.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        time_scale: float = 1.0,
        max_active_tasks: int = MAX_ACTIVE_TASKS,
        max_voice_profiles_per_domain: int = MAX_VOICE_PROFILES_PER_DOMAIN,
        on_event: Callable[[dict[str, Any]], object] | None = None,
        credentials: Mapping[str, str] | None = None,
        concurrency_quota: bool = False,
        request_log_size: int = 1000,
        max_body_bytes: int = 1024 * 1024,
    ) -> None:
        if clock is not None and time_scale != 1.0:
            raise ValueError("time_scale applies to the default clock only; omit it or the clock")
        for name, value in (
            ("max_active_tasks", max_active_tasks),
            ("max_voice_profiles_per_domain", max_voice_profiles_per_domain),
            ("request_log_size", request_log_size),
            ("max_body_bytes", max_body_bytes),
        ):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, got {value!r}")
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        if not 0 <= port <= 65535:  # noqa: PLR2004 (the largest TCP port)
            raise ValueError(f"port must be 0-65535, got {port}")
        # Checked at run time too: the public API is called from untyped test code.
        pairs: list[tuple[object, object]] = list((credentials or {}).items())
        if not all(isinstance(k, str) and k and isinstance(v, str) and v for k, v in pairs):
            # The message names no key or secret: they must not reach test logs.
            raise ValueError("credentials must map non-empty access key ids to non-empty secrets")
        self._host = host
        self._port = port
        # The first pair signs service.client()'s requests, so they pass the check.
        self._client_credentials = next(iter((credentials or {}).items()), None)
        self._clock: Clock = clock if clock is not None else ScaledClock(time_scale)
        self._app = WireApp(
            Emulator(
                clock=self._clock,
                max_active_tasks=max_active_tasks,
                max_voice_profiles_per_domain=max_voice_profiles_per_domain,
                region=self.region_name,
            ),
            request_log_size=request_log_size,
            max_body_bytes=max_body_bytes,
            credentials=credentials,
            concurrency_quota=concurrency_quota,
        )
        if on_event is not None:
            # Only a callback needs pushing after each request; `events` is brought up
            # to date when read, so without one the requests pay nothing for events.
            self._app.after_request = self._publish_events
        self._on_event = on_event
        self._events: deque[SpeakerSearchStatusEvent] = deque(maxlen=request_log_size)
        self._events_lock = threading.Lock()
        self._outbox: deque[dict[str, Any]] = deque()
        self._delivering = threading.Lock()
        self._lifecycle = threading.Lock()
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None
        self._ticker: threading.Thread | None = None
        self._ticker_stop = threading.Event()

    # --- running ---------------------------------------------------------------------

    def start(self) -> Self:
        """Start serving in a background thread (no-op if already serving).

        After :meth:`stop`, starting again serves the same state on the same port.

        Returns:
            The service itself, for chaining.
        """
        with self._lifecycle:
            if self._server is None:
                self._server = EmulatorServer(self._host, self._port, self._app)
                self._port = self._server.server_port
                self._thread = self._server.serve()
                if self._on_event is not None:
                    # Events go out when their step happens, whether or not anyone
                    # sends a request then.
                    self._ticker_stop.clear()
                    self._ticker = threading.Thread(
                        target=self._tick,
                        name=f"LocalSpeakerSearchService:{self._port}:events",
                        daemon=True,
                    )
                    self._ticker.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every connection; prompt and idempotent."""
        with self._lifecycle:
            server, thread, ticker = self._server, self._thread, self._ticker
            self._server = self._thread = self._ticker = None
        if server is not None:
            server.stop()
            server.close(thread)
        if ticker is not None:
            self._ticker_stop.set()
            ticker.join()
            # What happened before the stop is delivered before stop() returns.
            self._publish_events()

    def _tick(self) -> None:
        while not self._ticker_stop.wait(_EVENT_TICK):
            self._publish_events()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def is_running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._server is not None

    @property
    def endpoint_url(self) -> str:
        """The URL to pass as ``endpoint_url``, e.g. ``http://127.0.0.1:50123``.

        Raises:
            RuntimeError: The service has never been started (no port yet).
        """
        if self._port == 0:
            raise RuntimeError("the emulator has no port yet; call start() or use `with` first")
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(  # noqa: S104 (maps the wildcard to loopback)
            self._host, self._host
        )
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self._port}"

    @property
    def region_name(self) -> str:
        """The region to configure clients with: ``"us-east-1"``."""
        return "us-east-1"

    def client(
        self,
        *,
        retry: RetryPolicy | None = None,
        config: botocore.config.Config | None = None,
        clock: Clock | None = None,
        jitter: Callable[[], float] | None = None,
    ) -> SpeakerSearchClient:
        """A ready :class:`~chime_speaker_search.SpeakerSearchClient` for this emulator.

        It works offline, on any machine: requests are signed by
        :func:`~chime_speaker_search.testing.offline_session`, with dummy credentials (or,
        when the service checks signatures, the first of its ``credentials``), so neither
        the environment's AWS variables nor ``AWS_PROFILE`` nor the shared config and
        credentials files are read (a missing profile or a broken config file cannot
        break it). Its endpoint and region are this service's. Close it when done, or
        use it in a ``with`` block.

        Args:
            retry: The client's retry policy (default: ``RetryPolicy()``).
            config: A botocore ``Config`` (timeouts, pool size), as for the client.
            clock: The client's clock. Default: this service's clock, so waits and
                retry backoff take emulated time (no real time with a
                :class:`~chime_speaker_search.testing.ManualClock`, a tenth of it at
                ``time_scale=10``) and timeouts count emulated seconds.
            jitter: The client's jitter source, as for the client.

        Returns:
            A new client; each call makes another.

        Raises:
            RuntimeError: The service has never been started (no endpoint yet).
        """
        return SpeakerSearchClient(
            region_name=self.region_name,
            endpoint_url=self.endpoint_url,
            session=offline_session(*(self._client_credentials or ())),
            config=config,
            retry=retry if retry is not None else RetryPolicy(),
            clock=clock if clock is not None else self._clock,
            jitter=jitter,
        )

    @property
    def clock(self) -> Clock:
        """The clock task lifecycles follow (advance it if it is a ``ManualClock``)."""
        return self._clock

    @property
    def max_active_tasks(self) -> int:
        """How many IN_QUEUE/IN_PROGRESS tasks may exist at once."""
        return self._app.emulator.max_active_tasks

    # --- seeding ---------------------------------------------------------------------

    def add_voice_connector(self, id: str | None = None) -> str:  # noqa: A002 (the documented name)
        """Create a Voice Connector.

        Args:
            id: Its id; default a fresh one shaped like the service's (22 of [a-z0-9]).

        Returns:
            The Voice Connector's id.

        Raises:
            ValueError: The id exists already, or is empty/whitespace/too long.
        """
        with self._app.lock:
            return self._app.emulator.add_voice_connector(id)

    def add_voice_profile_domain(
        self,
        id: str | None = None,  # noqa: A002 (the documented name)
        *,
        name: str | None = None,
        description: str | None = None,
        kms_key_arn: str | None = None,
    ) -> str:
        """Create a voice profile domain.

        Args:
            id: Its id; default a fresh UUID.
            name: Its ``Name``; default ``"domain-"`` and the id's first 8 characters.
            description: Its ``Description``; default none.
            kms_key_arn: The KMS key ARN of its ``ServerSideEncryptionConfiguration``;
                default a made-up key ARN in the emulator's account.

        Returns:
            The domain's id.

        Raises:
            ValueError: The id exists already, or is empty/whitespace/too long, or
                ``name``/``kms_key_arn`` is empty.
        """
        with self._app.lock:
            return self._app.emulator.add_voice_profile_domain(
                id, name=name, description=description, kms_key_arn=kms_key_arn
            )

    def add_voice_profile(
        self, domain_id: str, *, speaker: str, voice_profile_id: str | None = None
    ) -> str:
        """Enrol a speaker: create a voice profile in a domain.

        Tasks rank the profiles that exist when they are started.

        Args:
            domain_id: The domain to enrol in (from :meth:`add_voice_profile_domain`).
            speaker: Who the profile belongs to; calls name their speakers the same way.
            voice_profile_id: Its id; default a fresh UUID.

        Returns:
            The voice profile's id.

        Raises:
            ValueError: The domain does not exist, or the id is taken.
        """
        with self._app.lock:
            return self._app.emulator.add_voice_profile(
                domain_id, speaker, voice_profile_id=voice_profile_id
            )

    def add_call(
        self,
        voice_connector_id: str,
        *,
        caller: str | None,
        callee: str | None = None,
        caller_speech_seconds: float = 60.0,
        callee_speech_seconds: float = 60.0,
        transaction_id: str | None = None,
    ) -> str:
        """Put a call in progress on a Voice Connector.

        Args:
            voice_connector_id: The Voice Connector carrying the call.
            caller: Who speaks on the caller leg (``None``: someone not enrolled).
            callee: Who speaks on the callee leg (``None``: someone not enrolled).
            caller_speech_seconds: Non-silent speech on the caller leg; decides the
                outcome (>= 20 SUCCEEDED, 10-20 PARTIAL_SUCCESS, < 10 FAILED).
            callee_speech_seconds: The same for the callee leg.
            transaction_id: The call's transaction id; default a fresh UUID.

        Returns:
            The call's transaction id.

        Raises:
            ValueError: The Voice Connector does not exist, or a number is negative.
        """
        with self._app.lock:
            return self._app.emulator.add_call(
                voice_connector_id,
                caller=caller,
                callee=callee,
                caller_speech_seconds=caller_speech_seconds,
                callee_speech_seconds=callee_speech_seconds,
                transaction_id=transaction_id,
            )

    # --- observing -------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received, oldest first (a copy): the newest ``request_log_size``."""
        with self._app.lock:
            return list(self._app.requests)

    @property
    def tasks(self) -> Mapping[str, SpeakerSearchTask]:
        """Every task kept (7 days), by id in creation order, as of now (read-only)."""
        with self._app.lock:
            return MappingProxyType(self._app.emulator.tasks())

    @property
    def voice_profiles(self) -> Mapping[str, Mapping[str, Any]]:
        """Every unexpired voice profile in its wire form (``VoiceProfile``), by id (read-only).

        Seeded profiles and those CreateVoiceProfile made alike, oldest first: for
        assertions such as "exactly one profile was created".
        """
        with self._app.lock:
            profiles = self._app.emulator.voice_profiles()
        return MappingProxyType({key: MappingProxyType(value) for key, value in profiles.items()})

    @property
    def events(self) -> list[SpeakerSearchStatusEvent]:
        """The ``SpeakerSearchStatus`` events the service has sent, in order (a copy).

        Like the real service, the emulator sends an identification event when a task
        has identified the speaker (or failed to), and a voiceprint event when the
        voiceprint succeeded or failed, each timed when that step happened on the
        service's clock, whether or not anyone read the task in between. They go out
        (to ``on_event``, and into this list) when a request is handled, every 50 ms
        while an ``on_event`` callback is set, and when this property is read. The list
        keeps the newest ``request_log_size``. ``.to_dict()`` gives each one's
        EventBridge wire form, to feed an event handler under test.
        """
        self._publish_events()
        with self._events_lock:
            return list(self._events)

    def _publish_events(self) -> None:
        with self._events_lock:
            with self._app.lock:
                fresh = self._app.emulator.take_events()
            self._events.extend(fresh)
            if self._on_event is not None:
                self._outbox.extend(event.to_dict() for event in fresh)
        if self._on_event is None:
            return
        # One thread at a time calls the callback, in order, and never while holding a
        # lock the callback might need (it may read `events` or send a request); a
        # thread that finds another delivering leaves its events to it.
        while self._outbox and self._delivering.acquire(blocking=False):
            try:
                while self._outbox:
                    self._deliver(self._on_event, self._outbox.popleft())
            finally:
                self._delivering.release()

    @staticmethod
    def _deliver(callback: Callable[[dict[str, Any]], object], payload: dict[str, Any]) -> None:
        try:
            callback(payload)
        except Exception:  # noqa: BLE001 (a user's event handler must not stop the service)
            _LOG.exception("the emulator's on_event callback failed")

    # --- fault injection -------------------------------------------------------------

    def fail_next(
        self,
        operation: str,
        code: str,
        *,
        times: int = 1,
        message: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Answer the next ``times`` requests of ``operation`` with an error, unhandled.

        The HTTP status is the one the service uses for ``code`` (400 for codes this
        library does not know). The failed requests have no effect. Failures and
        dropped responses are used up in the order they were planned; only signed
        requests for the operation use them up.

        Args:
            operation: The operation's name, e.g. ``"StartSpeakerSearchTask"`` or
                ``"CreateVoiceProfile"``, or boto3's method name for it
                (``"start_speaker_search_task"``); any of the ten the emulator serves.
            code: The error code, e.g. ``"ThrottledClientException"``.
            times: How many requests in a row fail.
            message: The error's ``Message``; default says it was injected.
            retry_after: When set, send ``Retry-After`` with this many seconds.
        """
        with self._app.lock:
            self._app.faults.fail(
                operation, code, times=times, message=message, retry_after=retry_after
            )

    def drop_next_response(self, operation: str, *, times: int = 1) -> None:
        """Handle the next ``times`` requests of ``operation``, then hang up without answering.

        The request takes effect (a start creates its task); the client sees the
        connection closed with no response, as after a network failure.
        """
        with self._app.lock:
            self._app.faults.drop(operation, times=times)

    def delay_next(self, operation: str, seconds: float, *, times: int = 1) -> None:
        """Hold back the responses to the next ``times`` requests of ``operation``.

        The request takes effect at once; its response is sent after ``seconds`` of
        real time (not the service's clock), for read-timeout tests. Stopping the
        service cuts the delay short.
        """
        with self._app.lock:
            self._app.faults.delay(operation, seconds, times=times)

    def clear_faults(self) -> None:
        """Forget every fault planned and not yet used."""
        with self._app.lock:
            self._app.faults.clear()

    def __repr__(self) -> str:
        where = self.endpoint_url if self._port else f"{self._host}:(not started)"
        state = "running" if self.is_running else "stopped"
        return f"<LocalSpeakerSearchService {where} {state}>"
