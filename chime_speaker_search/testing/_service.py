"""``LocalSpeakerSearchService``: the emulator's public face."""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from chime_speaker_search._client import SpeakerSearchClient
from chime_speaker_search._events import events_for_task
from chime_speaker_search._retry import RetryPolicy

from ._backend import Emulator
from ._clock import ScaledClock
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

# The account the emulator's events say they come from (AWS's documentation example).
EVENT_ACCOUNT: Final = "111122223333"
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)


class LocalSpeakerSearchService:
    """A local, in-process stand-in for the Amazon Chime SDK Voice speaker search API.

    A real HTTP server that speaks the service's wire protocol, so this library,
    raw boto3 and the AWS CLI all work against it through ``endpoint_url``. Any
    SigV4-signed request is accepted (credentials are not checked, only required).

    A task's life follows the service's documentation, computed from the clock
    whenever the task is read:

    * IN_QUEUE for 1 s, then IN_PROGRESS (``StartedTimestamp`` is set).
    * Identifying the speaker takes 10 s of non-silent speech on the chosen leg;
      from then on the results are visible, even while IN_PROGRESS.
    * A voiceprint takes 20 s: with >= 20 s of speech the task ends SUCCEEDED
      (``VoiceprintGenerationSuccess``) 20 s after starting; with 10-20 s it ends
      PARTIAL_SUCCESS (``VoiceprintGenerationFailure``) when the speech runs out;
      with < 10 s it ends FAILED, with a ``StatusMessage`` saying why.
    * Results: the profiles of the task's domain, at most 10, best first. The
      leg's own speaker scores >= 0.85, everybody else < 0.6; the same call and
      profile always score the same.

    Quotas: one active task per call, ``max_active_tasks`` in all
    (``ResourceLimitExceededException``). A ``ClientRequestToken`` reused with the
    same request returns the same task; with another request it is a
    ``ConflictException``.

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
        max_active_tasks: How many IN_QUEUE/IN_PROGRESS tasks may exist at once.
        on_event: Called with each ``SpeakerSearchStatus`` event in its EventBridge
            wire form (a ``dict``, what a Lambda function behind an EventBridge rule
            receives), as the service would send it. See :attr:`events`.

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
        max_active_tasks: int = 25,
        on_event: Callable[[dict[str, Any]], object] | None = None,
    ) -> None:
        if clock is not None and time_scale != 1.0:
            raise ValueError("time_scale applies to the default clock only; omit it or the clock")
        if isinstance(max_active_tasks, bool) or not isinstance(max_active_tasks, int):
            raise TypeError(f"max_active_tasks must be an int, got {max_active_tasks!r}")
        if max_active_tasks < 1:
            raise ValueError(f"max_active_tasks must be at least 1, got {max_active_tasks}")
        if not 0 <= port <= 65535:  # noqa: PLR2004 (the largest TCP port)
            raise ValueError(f"port must be 0-65535, got {port}")
        self._host = host
        self._port = port
        self._clock: Clock = clock if clock is not None else ScaledClock(time_scale)
        self._app = WireApp(Emulator(clock=self._clock, max_active_tasks=max_active_tasks))
        if on_event is not None:
            # Only a callback needs pushing after each request; `events` is computed
            # when read, so without one the requests pay nothing for events.
            self._app.after_request = self._publish_events
        self._on_event = on_event
        self._events: dict[str, SpeakerSearchStatusEvent] = {}
        self._events_lock = threading.Lock()
        self._lifecycle = threading.Lock()
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None

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
        return self

    def stop(self) -> None:
        """Stop serving and close every connection; prompt and idempotent."""
        with self._lifecycle:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is not None:
            server.stop()
            server.close(thread)

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

        It works offline, on any machine: requests are signed with dummy credentials
        from :func:`~chime_speaker_search.testing.offline_session`, so neither the
        environment's AWS variables nor ``AWS_PROFILE`` nor the shared config and
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
            session=offline_session(),
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

    def add_voice_profile_domain(self, id: str | None = None) -> str:  # noqa: A002 (the documented name)
        """Create a voice profile domain.

        Args:
            id: Its id; default a fresh UUID.

        Returns:
            The domain's id.

        Raises:
            ValueError: The id exists already, or is empty/whitespace/too long.
        """
        with self._app.lock:
            return self._app.emulator.add_voice_profile_domain(id)

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
        """Every request received so far, oldest first (a copy)."""
        with self._app.lock:
            return list(self._app.requests)

    @property
    def tasks(self) -> Mapping[str, SpeakerSearchTask]:
        """Every task created so far, by id in creation order, as of now (read-only)."""
        with self._app.lock:
            return MappingProxyType(self._app.emulator.tasks())

    @property
    def events(self) -> list[SpeakerSearchStatusEvent]:
        """Every ``SpeakerSearchStatus`` event the service has sent, in order (a copy).

        Like the real service, the emulator sends an identification event once a
        task has identified the speaker (or failed to), and a voiceprint event when
        the voiceprint succeeded or failed. Events follow the service's clock: they
        are sent when the emulator next handles a request, or when this property is
        read, after the clock passed the moment they happened. ``.to_dict()`` gives
        each one's EventBridge wire form, to feed an event handler under test.
        """
        self._publish_events()
        with self._events_lock:
            return list(self._events.values())

    def _publish_events(self) -> None:
        fresh: list[SpeakerSearchStatusEvent] = []
        tasks = self.tasks
        with self._events_lock:
            for task in tasks.values():
                fresh.extend(
                    event
                    for event in events_for_task(
                        task, account=EVENT_ACCOUNT, region=self.region_name
                    )
                    if event.idempotency_key not in self._events
                )
            fresh.sort(key=lambda event: event.time or _EPOCH)
            for event in fresh:
                self._events[event.idempotency_key] = event
        if self._on_event is not None:
            for event in fresh:
                self._on_event(event.to_dict())

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
            operation: ``"StartSpeakerSearchTask"`` (or ``"start_speaker_search_task"``),
                ``"GetSpeakerSearchTask"`` or ``"StopSpeakerSearchTask"``.
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
