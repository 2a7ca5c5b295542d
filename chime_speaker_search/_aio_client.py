"""The async client: the client's methods as coroutines, sharing all of its logic.

Design, and why (issue 15):

* **No thread per request.** botocore serialises and signs on the event loop (CPU
  work), its ``before-send`` hook hands the signed request back unsent, and the
  library's own asyncio HTTP engine sends it and reads the answer with the same
  parser, caps and deadline rules as the synchronous engine; the answer is then read
  by the same code as a synchronous call's (see ``_aio_transport``). A wait sleeps
  with ``asyncio.sleep`` (the clock's ``sleep_async``). The alternative, running the
  synchronous client in a thread pool, would hold a thread per call in flight, make
  cancellation wait for the thread (a request cannot be interrupted), and bound the
  number of concurrent waits by the pool's size. Measured with ``make bench`` (1,000
  concurrent waits against the emulator in another process): see
  ``benchmarks/RESULTS.md``, item 7.
* **One of everything.** Validation, token generation, the retry rules (``_retry``:
  one ``_Rules`` for tenacity's ``Retrying`` and ``AsyncRetrying``), the wait's
  decisions (``_wait._Waiting``), the transport's reading of answers and failures, the
  error mapping and the models are the synchronous client's own; this module only
  awaits where the client blocks.
* **Cancellation** (``task.cancel()``, ``asyncio.timeout``, ``asyncio.wait_for``) takes
  effect at the next ``await``, which is always a sleep, a socket operation or a queue
  for a connection: at once. A connection with a request in flight is closed, never
  pooled. A start is never repeated after a cancellation; if its request may have
  reached the service, the token to repeat it safely is logged.
* **Limits**: credentials that need refreshing (an assumed role, instance metadata)
  are fetched by botocore synchronously, on the loop, for the one request that finds
  them expired. A host name (not an IP address) is resolved in the loop's default
  executor, as asyncio does for every connection. With a proxy reached over https,
  each call runs in a small thread pool (see ``_aio_transport``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, TypeVar

from ._aio_transport import AsyncTransport
from ._client import _ClientBase, start_params, started_task, task_from
from ._clock import SystemClock
from ._convert import (
    unusable_write_answer,
    voice_profile_domain_from,
    voice_profile_domain_page,
    voice_profile_from,
    voice_profile_page,
)
from ._paging import Pages
from ._retry import RetryPolicy, acall_with_retries
from ._validation import (
    check_create_voice_profile,
    check_enrol,
    check_get,
    check_list_voice_profile_domains,
    check_list_voice_profiles,
    check_update_voice_profile,
    check_voice_profile_domain_id,
    check_voice_profile_id,
)
from ._wait import PollPolicy, await_task, check_wait_arguments
from .errors import MalformedResponseError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping
    from datetime import timedelta
    from types import TracebackType

    import boto3
    import botocore.config
    import botocore.session
    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient
    from typing_extensions import Self

    from ._clock import AsyncClock
    from ._models import CallLeg, SpeakerSearchTask, VoiceProfile, VoiceProfileDomain

__all__ = ["AsyncSpeakerSearchClient"]

logger = logging.getLogger("chime_speaker_search")

_T = TypeVar("_T")


class AsyncSpeakerSearchClient(_ClientBase):
    """The typed client for asyncio: :class:`SpeakerSearchClient`'s methods as coroutines.

    It takes the same arguments and behaves the same: the same validation, retries,
    idempotency tokens, absolute deadlines, errors and models. Waiting holds no thread;
    cancelling a call or a wait takes effect at once and leaves no connection open.
    One instance may be shared by many tasks, and used from successive event loops
    (``asyncio.run`` per Lambda invocation); close it with ``await client.close()`` or
    use it as ``async with``.

    Args:
        region_name: AWS region, e.g. ``"us-east-1"``.
        endpoint_url: Endpoint override, e.g. the local emulator's.
        session: A ``boto3.Session`` or ``botocore.session.Session`` to create the
            botocore client from.
        client: A ready ``chime-sdk-voice`` botocore client (its retries stack with
            ``retry``, as for :class:`SpeakerSearchClient`).
        config: ``botocore.config.Config`` for a client this library creates. Its
            ``max_pool_connections`` (default 10) is also how many requests may be in
            flight at once per event loop; more wait for a connection, within their
            deadlines.
        retry: How failed requests are retried.
        clock: Time source and sleeper (default: real time, sleeping with
            ``asyncio.sleep``; tests pass a ``ManualClock``, whose sleeps are instant).
        jitter: Source of random samples in [0, 1) for backoff.

    Example:
        >>> import asyncio
        >>> from chime_speaker_search.testing import (
        ...     LocalSpeakerSearchService, offline_session, seed_demo)
        >>> async def main(service: LocalSpeakerSearchService) -> str:
        ...     seed = seed_demo(service)
        ...     async with AsyncSpeakerSearchClient(
        ...         endpoint_url=service.endpoint_url,
        ...         region_name=service.region_name,
        ...         session=offline_session(),  # dummy credentials: the emulator needs no more
        ...     ) as client:
        ...         task = await client.start_and_wait(
        ...             voice_connector_id=seed.voice_connector_id,
        ...             transaction_id=seed.succeeding_transaction_id,
        ...             voice_profile_domain_id=seed.voice_profile_domain_id,
        ...             poll=PollPolicy(min_delay=0.1, max_delay=0.5))
        ...     return task.speaker_search_task_status.value
        >>> with LocalSpeakerSearchService(time_scale=100) as service:
        ...     asyncio.run(main(service))
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
        clock: AsyncClock | None = None,
        jitter: Callable[[], float] | None = None,
    ) -> None:
        aclock = clock if clock is not None else SystemClock()
        super().__init__(
            region_name=region_name,
            endpoint_url=endpoint_url,
            session=session,
            client=client,
            config=config,
            retry=retry,
            clock=aclock,
            jitter=jitter,
        )
        self._aclock: AsyncClock = aclock
        self._sender = AsyncTransport(self._transport)

    # --- the call path ---------------------------------------------------------------

    async def _call(
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
        return await acall_with_retries(
            lambda time_left: self._sender.send(
                operation_name, params, time_left=time_left, fresh_connection=not idempotent
            ),
            operation_name=operation_name,
            policy=self._retry,
            clock=self._aclock,
            jitter=self._jitter,
            deadline=deadline,
            idempotent=idempotent,
            details=None if idempotent else {k: str(v) for k, v in params.items()},
        )

    # --- operations -------------------------------------------------------------------

    async def start_speaker_search_task(
        self,
        *,
        voice_connector_id: str,
        transaction_id: str,
        voice_profile_domain_id: str,
        call_leg: CallLeg | str | None = None,
        client_request_token: str | None = None,
    ) -> SpeakerSearchTask:
        """Start a speaker search task; see :meth:`SpeakerSearchClient.start_speaker_search_task`.

        If the start is cancelled, it is not repeated; its request may have reached the
        service, so the token that repeats it safely is logged (INFO).
        """
        params = start_params(
            voice_connector_id=voice_connector_id,
            transaction_id=transaction_id,
            voice_profile_domain_id=voice_profile_domain_id,
            call_leg=call_leg,
            client_request_token=client_request_token,
        )
        try:
            response = await self._call("StartSpeakerSearchTask", params)
        except asyncio.CancelledError:
            logger.info(
                "StartSpeakerSearchTask was cancelled; the task may have been created: start "
                "again with client_request_token=%r to get it without creating a second one",
                params["ClientRequestToken"],
            )
            raise
        return started_task(response, params)

    async def get_speaker_search_task(
        self, *, voice_connector_id: str, speaker_search_task_id: str
    ) -> SpeakerSearchTask:
        """Fetch a task; see :meth:`SpeakerSearchClient.get_speaker_search_task`."""
        return await self._get(
            check_get(
                voice_connector_id=voice_connector_id,
                speaker_search_task_id=speaker_search_task_id,
            )
        )

    async def _get(
        self, params: Mapping[str, str], deadline: float | None = None
    ) -> SpeakerSearchTask:
        response = await self._call("GetSpeakerSearchTask", params, deadline=deadline)
        return task_from(response, "GetSpeakerSearchTask")

    async def stop_speaker_search_task(
        self, *, voice_connector_id: str, speaker_search_task_id: str
    ) -> None:
        """Stop a running task; see :meth:`SpeakerSearchClient.stop_speaker_search_task`."""
        params = check_get(
            voice_connector_id=voice_connector_id, speaker_search_task_id=speaker_search_task_id
        )
        await self._call("StopSpeakerSearchTask", params)

    async def wait(
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
        """Poll a task until it is terminal; see :meth:`SpeakerSearchClient.wait`.

        The wait sleeps on the event loop. ``on_update`` and ``on_poll`` may be
        coroutine functions: what they return is awaited before the wait goes on.
        """
        return await self._wait(
            voice_connector_id,
            speaker_search_task_id,
            timeout=timeout,
            poll=poll,
            on_update=on_update,
            raise_on_failure=raise_on_failure,
            on_poll=on_poll,
        )

    async def _wait(
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
        return await await_task(
            lambda deadline: self._get(params, deadline),
            task_id=params["SpeakerSearchTaskId"],
            timeout=check_wait_arguments(timeout, poll, on_update=on_update, on_poll=on_poll),
            poll=poll,
            clock=self._aclock,
            jitter=self._jitter,
            on_update=on_update,
            raise_on_failure=raise_on_failure,
            first=first,
            on_poll=on_poll,
        )

    async def start_and_wait(
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
        """Start a task and wait for it; see :meth:`SpeakerSearchClient.start_and_wait`."""
        # The waiting arguments are checked first: a bad one must not leave a task behind.
        check_wait_arguments(timeout, poll, on_update=on_update, on_poll=on_poll)
        task = await self.start_speaker_search_task(
            voice_connector_id=voice_connector_id,
            transaction_id=transaction_id,
            voice_profile_domain_id=voice_profile_domain_id,
            call_leg=call_leg,
            client_request_token=client_request_token,
        )
        return await self._wait(
            voice_connector_id,
            task.speaker_search_task_id,
            timeout=timeout,
            poll=poll,
            on_update=on_update,
            raise_on_failure=raise_on_failure,
            on_poll=on_poll,
            first=task,
        )

    # --- voice profiles ---------------------------------------------------------------
    # The same validation, conversion and rules for writes without a token as the
    # client's (module-level functions both share); see SpeakerSearchClient for details.

    async def create_voice_profile(self, *, speaker_search_task_id: str) -> VoiceProfile:
        """Enrol a caller; see :meth:`SpeakerSearchClient.create_voice_profile`.

        Never repeated once it may have reached the service: a cancelled or lost
        create may have enrolled the caller (list the domain's profiles to check).
        """
        return await self._write_profile(
            "CreateVoiceProfile",
            check_create_voice_profile(speaker_search_task_id=speaker_search_task_id),
        )

    async def update_voice_profile(
        self, *, voice_profile_id: str, speaker_search_task_id: str
    ) -> VoiceProfile:
        """Refresh a profile; see :meth:`SpeakerSearchClient.update_voice_profile`."""
        return await self._write_profile(
            "UpdateVoiceProfile",
            check_update_voice_profile(
                voice_profile_id=voice_profile_id, speaker_search_task_id=speaker_search_task_id
            ),
        )

    async def _write_profile(self, operation_name: str, params: Mapping[str, Any]) -> VoiceProfile:
        return await self._write(
            operation_name, params, lambda response: voice_profile_from(response, operation_name)
        )

    async def _write(
        self,
        operation_name: str,
        params: Mapping[str, Any],
        read: Callable[[Mapping[str, Any]], _T],
    ) -> _T:
        """A call without an idempotency token: one that may have acted is never repeated."""
        try:
            return read(await self._call(operation_name, params, idempotent=False))
        except MalformedResponseError as error:
            raise unusable_write_answer(error, operation_name) from error

    async def get_voice_profile(self, *, voice_profile_id: str) -> VoiceProfile:
        """Fetch a voice profile; see :meth:`SpeakerSearchClient.get_voice_profile`."""
        params = check_voice_profile_id(voice_profile_id=voice_profile_id)
        return voice_profile_from(await self._call("GetVoiceProfile", params), "GetVoiceProfile")

    async def delete_voice_profile(self, *, voice_profile_id: str) -> None:
        """Delete a voice profile; see :meth:`SpeakerSearchClient.delete_voice_profile`."""
        params = check_voice_profile_id(voice_profile_id=voice_profile_id)
        await self._write("DeleteVoiceProfile", params, lambda _: None)

    def list_voice_profiles(
        self, *, voice_profile_domain_id: str, page_size: int | None = None
    ) -> AsyncIterator[VoiceProfile]:
        """A domain's voice profiles, lazily, for ``async for``.

        As :meth:`SpeakerSearchClient.list_voice_profiles`: the arguments are checked by
        this call, nothing is sent until the first item is asked for, and each page is
        one call retried under the policy.
        """
        params = check_list_voice_profiles(
            voice_profile_domain_id=voice_profile_domain_id, page_size=page_size
        )
        return self._iterate(Pages("ListVoiceProfiles", params, voice_profile_page))

    async def get_voice_profile_domain(self, *, voice_profile_domain_id: str) -> VoiceProfileDomain:
        """Fetch a domain; see :meth:`SpeakerSearchClient.get_voice_profile_domain`."""
        params = check_voice_profile_domain_id(voice_profile_domain_id=voice_profile_domain_id)
        response = await self._call("GetVoiceProfileDomain", params)
        return voice_profile_domain_from(response, "GetVoiceProfileDomain")

    def list_voice_profile_domains(
        self, *, page_size: int | None = None
    ) -> AsyncIterator[VoiceProfileDomain]:
        """The account's voice profile domains, lazily, as :meth:`list_voice_profiles`."""
        params = check_list_voice_profile_domains(page_size=page_size)
        return self._iterate(Pages("ListVoiceProfileDomains", params, voice_profile_domain_page))

    async def _iterate(self, pages: Pages[_T]) -> AsyncIterator[_T]:
        while (params := pages.next_request()) is not None:
            for item in pages.read(await self._call(pages.operation_name, params)):
                yield item

    async def enrol(
        self, task: SpeakerSearchTask, *, voice_profile_id: str | None = None
    ) -> VoiceProfile:
        """Enrol (or refresh) a finished search's caller; see :meth:`SpeakerSearchClient.enrol`."""
        operation_name, params = check_enrol(
            task, voice_profile_id=voice_profile_id, now=self._clock.now()
        )
        return await self._write_profile(operation_name, params)

    # --- lifetime ---------------------------------------------------------------------

    async def close(self) -> None:
        """Close the connections, and the botocore client if this library created it.

        A connection in use is closed when its request ends. A client passed in by the
        caller is left open: it is the caller's to close.
        """
        self._sender.close()
        self._transport.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
