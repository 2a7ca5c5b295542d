"""The client: validate, send with retries, convert; and waiting."""

from __future__ import annotations

import logging
import random
import uuid
from typing import TYPE_CHECKING, Any

from ._clock import SystemClock
from ._convert import structure_task
from ._logging import install_redaction
from ._retry import RetryPolicy, call_with_retries
from ._transport import Transport, check_endpoint_url, create_client
from ._validation import check_get, check_start
from ._wait import PollPolicy, check_wait_arguments, wait_for_task
from .errors import InvalidParameterError, MalformedResponseError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import timedelta
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
        else:
            check_endpoint_url(endpoint_url)
        install_redaction()
        self._retry = retry
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._jitter = jitter if jitter is not None else random.random
        self._transport = Transport(
            client
            if client is not None
            else create_client(session, region_name, endpoint_url, config),
            owns_client=client is None,
            now=self._clock.now,
        )

    # --- properties ----------------------------------------------------------------

    @property
    def region_name(self) -> str:
        """The region requests go to."""
        return self._transport.client.meta.region_name

    @property
    def endpoint_url(self) -> str:
        """The endpoint requests go to."""
        return self._transport.endpoint_url

    @property
    def retry_policy(self) -> RetryPolicy:
        """The retry policy in force."""
        return self._retry

    @property
    def botocore_client(self) -> ChimeSDKVoiceClient:
        """The underlying botocore client (for operations this library does not wrap)."""
        return self._transport.client

    def __repr__(self) -> str:
        return (
            f"SpeakerSearchClient(region_name={self.region_name!r}, "
            f"endpoint_url={self.endpoint_url!r})"
        )

    # --- the call path ---------------------------------------------------------------

    def _call(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        *,
        deadline: float | None = None,
    ) -> Mapping[str, Any]:
        """One logical call: send with retries under the policy; returns the JSON."""
        return call_with_retries(
            lambda time_left: self._transport.send(operation_name, params, time_left=time_left),
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
        response = self._call("StartSpeakerSearchTask", params)
        try:
            task = self._task_from(response, "StartSpeakerSearchTask")
            check_get(
                voice_connector_id=params["VoiceConnectorId"],
                speaker_search_task_id=task.speaker_search_task_id,
            )
        except (MalformedResponseError, InvalidParameterError) as error:
            # The task may exist: the token finds it again without making a second one.
            field = getattr(error, "field", "SpeakerSearchTask.SpeakerSearchTaskId")
            raise MalformedResponseError(
                f"StartSpeakerSearchTask returned no usable task ({error}). The task may "
                "have been created: retry the start with client_request_token="
                f"{params['ClientRequestToken']!r} to get it without creating a second one.",
                field=field,
            ) from error
        return task

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
        response = self._call("GetSpeakerSearchTask", params, deadline=deadline)
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
        self._call("StopSpeakerSearchTask", params)

    def wait(
        self,
        *,
        voice_connector_id: str,
        speaker_search_task_id: str,
        timeout: float | timedelta = 300.0,
        poll: PollPolicy = PollPolicy(),  # noqa: B008 (frozen value object)
        on_update: Callable[[SpeakerSearchTask], object] | None = None,
        raise_on_failure: bool = True,
        on_poll: Callable[[SpeakerSearchTask], object] | None = None,
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
            on_poll: Called with the task after every successful poll (e.g. to count
                polls or show liveness); ``on_update`` is called only on changes.

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
            on_poll=on_poll,
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
        on_poll: Callable[[SpeakerSearchTask], object] | None,
        first: SpeakerSearchTask | None = None,
    ) -> SpeakerSearchTask:
        params = check_get(
            voice_connector_id=voice_connector_id, speaker_search_task_id=speaker_search_task_id
        )
        return wait_for_task(
            lambda deadline: self._get(params, deadline),
            task_id=params["SpeakerSearchTaskId"],
            timeout=check_wait_arguments(timeout, poll, on_update=on_update, on_poll=on_poll),
            poll=poll,
            clock=self._clock,
            jitter=self._jitter,
            on_update=on_update,
            raise_on_failure=raise_on_failure,
            first=first,
            on_poll=on_poll,
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
        on_poll: Callable[[SpeakerSearchTask], object] | None = None,
    ) -> SpeakerSearchTask:
        """Start a task and wait for it to finish; the one call scripts need.

        Takes :meth:`start_speaker_search_task`'s and :meth:`wait`'s arguments. The
        ``timeout`` covers the waiting after the start; the task the start returned is
        reported to ``on_update`` first.
        """
        # The waiting arguments are checked first: a bad one must not leave a task behind.
        check_wait_arguments(timeout, poll, on_update=on_update, on_poll=on_poll)
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
            on_poll=on_poll,
            first=task,
        )

    # --- lifetime ---------------------------------------------------------------------

    def close(self) -> None:
        """Close the connections, and the botocore client if this library created it.

        A client passed in by the caller is left open: it is the caller's to close.
        """
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
