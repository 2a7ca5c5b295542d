"""The client: validate, send with retries, convert; and waiting.

What does not depend on how a request is sent (construction, properties, building a
start's parameters, reading a start's answer) is shared with the async client:
``_ClientBase`` and the module-level helpers below.
"""

from __future__ import annotations

import logging
import random
import uuid
from typing import TYPE_CHECKING, Any, TypeVar

from ._clock import SystemClock
from ._convert import (
    structure_task,
    unusable_write_answer,
    voice_profile_domain_from,
    voice_profile_domain_page,
    voice_profile_from,
    voice_profile_page,
)
from ._logging import install_redaction
from ._paging import Pages
from ._retry import RetryPolicy, call_with_retries
from ._transport import Transport, check_endpoint_url, create_client
from ._validation import (
    check_create_voice_profile,
    check_enrol,
    check_get,
    check_list_voice_profile_domains,
    check_list_voice_profiles,
    check_start,
    check_update_voice_profile,
    check_voice_profile_domain_id,
    check_voice_profile_id,
)
from ._wait import PollPolicy, check_wait_arguments, wait_for_task
from .errors import InvalidParameterError, MalformedResponseError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from datetime import timedelta
    from types import TracebackType

    import boto3
    import botocore.config
    import botocore.session
    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient
    from typing_extensions import Self

    from ._clock import Clock
    from ._models import CallLeg, SpeakerSearchTask, VoiceProfile, VoiceProfileDomain

__all__ = ["SpeakerSearchClient", "start_params", "started_task", "task_from"]

logger = logging.getLogger("chime_speaker_search")

_T = TypeVar("_T")


def task_from(response: Mapping[str, Any], operation_name: str) -> SpeakerSearchTask:
    """The task in a start's or get's answer."""
    if "SpeakerSearchTask" not in response:
        raise MalformedResponseError(
            f"{operation_name} returned no SpeakerSearchTask in its response.",
            field="SpeakerSearchTask",
        )
    return structure_task(response["SpeakerSearchTask"])


def start_params(
    *,
    voice_connector_id: str,
    transaction_id: str,
    voice_profile_domain_id: str,
    call_leg: CallLeg | str | None,
    client_request_token: str | None,
) -> dict[str, Any]:
    """A start's checked wire parameters, with a fresh token when none was given.

    The token is made once per start call and sent unchanged on every retry of it.
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
    return params


def started_task(response: Mapping[str, Any], params: Mapping[str, Any]) -> SpeakerSearchTask:
    """The task a start's answer describes.

    Raises:
        MalformedResponseError: the answer has no usable task; the message gives the
            token that finds the task again, if it was created, without making another.
    """
    try:
        task = task_from(response, "StartSpeakerSearchTask")
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


class _ClientBase:
    """Construction and properties, the same for both clients (see their docstrings)."""

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
            f"{type(self).__name__}(region_name={self.region_name!r}, "
            f"endpoint_url={self.endpoint_url!r})"
        )


class SpeakerSearchClient(_ClientBase):
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

    # --- the call path ---------------------------------------------------------------

    def _call(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        *,
        deadline: float | None = None,
        idempotent: bool = True,
    ) -> Mapping[str, Any]:
        """One logical call: send with retries under the policy; returns the JSON.

        ``idempotent=False`` (operations without a token): a request that may have
        reached the service is not retried (``OutcomeUnknownError`` carries ``params``).
        """
        return call_with_retries(
            lambda time_left: self._transport.send(
                operation_name, params, time_left=time_left, fresh_connection=not idempotent
            ),
            operation_name=operation_name,
            policy=self._retry,
            clock=self._clock,
            jitter=self._jitter,
            deadline=deadline,
            idempotent=idempotent,
            details=None if idempotent else {k: str(v) for k, v in params.items()},
        )

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
        params = start_params(
            voice_connector_id=voice_connector_id,
            transaction_id=transaction_id,
            voice_profile_domain_id=voice_profile_domain_id,
            call_leg=call_leg,
            client_request_token=client_request_token,
        )
        return started_task(self._call("StartSpeakerSearchTask", params), params)

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
        return task_from(response, "GetSpeakerSearchTask")

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

    # --- voice profiles ---------------------------------------------------------------
    # Create, Update and Delete have no idempotency token: they are retried only when the
    # failed request provably had no effect, and a lost answer raises OutcomeUnknownError.
    # Requests are built (validation) and answers read (conversion) by module-level
    # functions the async client shares.

    def create_voice_profile(self, *, speaker_search_task_id: str) -> VoiceProfile:
        """Enrol a caller: turn a speaker search task's voiceprint into a voice profile.

        Only with the caller's consent (see the guide, "Enrolling callers"). Prefer
        :meth:`enrol`, which checks the task's voiceprint before sending.

        CreateVoiceProfile has no idempotency token, so a request that may have reached
        the service is never retried: a retry after a lost answer could enrol the
        caller twice.

        Args:
            speaker_search_task_id: The task whose voiceprint to enrol (1-256 chars);
                its voiceprint is kept 24 hours.

        Returns:
            The new profile.

        Raises:
            InvalidParameterError: an argument breaks the documented rules (nothing sent).
            OutcomeUnknownError: the answer was lost; the profile may exist. List the
                domain's profiles before trying again.
            GoneException: the task's voiceprint is no longer kept.
            ResourceLimitExceededException: the domain holds its maximum of profiles.
            ServiceError: the service refused (a subclass per error code).
            TransportError: the service could not be reached (nothing was created).
            MalformedResponseError: the answer is unusable; the profile may exist (check as
                for ``OutcomeUnknownError``; not repeated).
        """
        return self._write_profile(
            "CreateVoiceProfile",
            check_create_voice_profile(speaker_search_task_id=speaker_search_task_id),
        )

    def update_voice_profile(
        self, *, voice_profile_id: str, speaker_search_task_id: str
    ) -> VoiceProfile:
        """Refresh a profile with a newer task's voiceprint (and extend its life).

        Not retried after a lost answer, as for :meth:`create_voice_profile`.

        Args:
            voice_profile_id: The profile to refresh (1-256 chars).
            speaker_search_task_id: The task whose voiceprint replaces the profile's.

        Returns:
            The updated profile.

        Raises:
            InvalidParameterError: an argument breaks the documented rules (nothing sent).
            OutcomeUnknownError: the answer was lost; the profile may have been updated
                (compare its ``updated_timestamp`` with the error's ``sent_at``).
            NotFoundException: no such profile.
            GoneException: the task's voiceprint is no longer kept.
            ServiceError: the service refused (a subclass per error code).
            TransportError: the service could not be reached (nothing was changed).
            MalformedResponseError: the answer is unusable; the update may have happened.
        """
        return self._write_profile(
            "UpdateVoiceProfile",
            check_update_voice_profile(
                voice_profile_id=voice_profile_id, speaker_search_task_id=speaker_search_task_id
            ),
        )

    def _write_profile(self, operation_name: str, params: Mapping[str, Any]) -> VoiceProfile:
        return self._write(
            operation_name, params, lambda response: voice_profile_from(response, operation_name)
        )

    def _write(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        read: Callable[[Mapping[str, Any]], _T],
    ) -> _T:
        """A call without an idempotency token: one that may have acted is never repeated."""
        try:
            return read(self._call(operation_name, params, idempotent=False))
        except MalformedResponseError as error:
            raise unusable_write_answer(error, operation_name) from error

    def get_voice_profile(self, *, voice_profile_id: str) -> VoiceProfile:
        """Fetch a voice profile.

        Args:
            voice_profile_id: The profile's id (1-256 chars).

        Raises:
            InvalidParameterError: an argument breaks the documented rules (nothing sent).
            NotFoundException: no such profile (deleted, or expired).
            ServiceError: the service refused (a subclass per error code).
            TransportError: the service could not be reached after retries.
            MalformedResponseError: the answer does not fit the model.
        """
        params = check_voice_profile_id(voice_profile_id=voice_profile_id)
        return voice_profile_from(self._call("GetVoiceProfile", params), "GetVoiceProfile")

    def delete_voice_profile(self, *, voice_profile_id: str) -> None:
        """Delete a voice profile: the caller is no longer identified.

        Not retried after a lost answer (a retry would end in ``NotFoundException``
        whether or not the first request worked).

        Args:
            voice_profile_id: The profile's id (1-256 chars).

        Raises:
            InvalidParameterError: an argument breaks the documented rules (nothing sent).
            OutcomeUnknownError: the answer was lost; the profile may be deleted
                (``get_voice_profile`` then raises ``NotFoundException``).
            NotFoundException: no such profile.
            ServiceError: the service refused (a subclass per error code).
            TransportError: the service could not be reached (nothing was deleted).
            MalformedResponseError: the answer is unusable; the profile may be deleted.
        """
        params = check_voice_profile_id(voice_profile_id=voice_profile_id)
        self._write("DeleteVoiceProfile", params, lambda _: None)

    def list_voice_profiles(
        self, *, voice_profile_domain_id: str, page_size: int | None = None
    ) -> Iterator[VoiceProfile]:
        """Iterate over a domain's voice profiles, page by page, lazily.

        The arguments are checked at once; nothing is sent until the first item is
        asked for. Each page is one call (retried under the policy), following the
        service's ``NextToken``; stop iterating to stop requesting.

        Args:
            voice_profile_domain_id: The domain (1-256 chars).
            page_size: Profiles per request, 1-100 (default: the service's).

        Yields:
            Each profile (the service lists summaries, which have the same fields).

        Raises:
            InvalidParameterError: an argument breaks the documented rules (raised by
                this call, before anything is sent).
            NotFoundException: no such domain (raised while iterating).
            ServiceError, TransportError, MalformedResponseError: while iterating.
        """
        params = check_list_voice_profiles(
            voice_profile_domain_id=voice_profile_domain_id, page_size=page_size
        )
        return self._iterate(Pages("ListVoiceProfiles", params, voice_profile_page))

    def get_voice_profile_domain(self, *, voice_profile_domain_id: str) -> VoiceProfileDomain:
        """Fetch a voice profile domain.

        Args:
            voice_profile_domain_id: The domain's id (1-256 chars).

        Raises:
            InvalidParameterError: an argument breaks the documented rules (nothing sent).
            NotFoundException: no such domain.
            ServiceError: the service refused (a subclass per error code).
            TransportError: the service could not be reached after retries.
            MalformedResponseError: the answer does not fit the model.
        """
        params = check_voice_profile_domain_id(voice_profile_domain_id=voice_profile_domain_id)
        response = self._call("GetVoiceProfileDomain", params)
        return voice_profile_domain_from(response, "GetVoiceProfileDomain")

    def list_voice_profile_domains(
        self, *, page_size: int | None = None
    ) -> Iterator[VoiceProfileDomain]:
        """Iterate over the account's voice profile domains, page by page, lazily.

        As :meth:`list_voice_profiles`: checked at once, sent on the first item, one
        retried call per page. Summaries carry no ``kms_key_arn``; use
        :meth:`get_voice_profile_domain` for it.

        Args:
            page_size: Domains per request, 1-100 (default: the service's).

        Raises:
            InvalidParameterError: ``page_size`` breaks the rules (raised by this call).
            ServiceError, TransportError, MalformedResponseError: while iterating.
        """
        params = check_list_voice_profile_domains(page_size=page_size)
        return self._iterate(Pages("ListVoiceProfileDomains", params, voice_profile_domain_page))

    def _iterate(self, pages: Pages[_T]) -> Iterator[_T]:
        while (params := pages.next_request()) is not None:
            yield from pages.read(self._call(pages.operation_name, params))

    def enrol(
        self, task: SpeakerSearchTask, *, voice_profile_id: str | None = None
    ) -> VoiceProfile:
        """Enrol the caller of a finished speaker search (or refresh their profile).

        Only with the caller's consent (see the guide, "Enrolling callers"). Checks,
        before anything is sent, that the task generated a voiceprint (``SUCCEEDED``, or
        ``VoiceprintGenerationSuccess`` in its details) and that it is less than 24
        hours old by the task's ``updated_timestamp`` (on this client's clock); then
        creates a profile, or, with ``voice_profile_id``, updates that one.

        Args:
            task: The speaker search task, e.g. as :meth:`wait` returned it.
            voice_profile_id: The profile to refresh; ``None`` creates a new one.

        Returns:
            The created or updated profile.

        Raises:
            VoiceprintUnavailableError: the task has no voiceprint (``reason="not
                generated"``) or it is too old (``reason="expired"``); nothing sent.
            InvalidParameterError: an argument breaks the documented rules (nothing sent).
            OutcomeUnknownError, GoneException, ServiceError, TransportError,
                MalformedResponseError: as for :meth:`create_voice_profile`.
        """
        operation_name, params = check_enrol(
            task, voice_profile_id=voice_profile_id, now=self._clock.now()
        )
        return self._write_profile(operation_name, params)
