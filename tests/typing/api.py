"""Type-checked, never executed: the precise public types a user's IDE sees.

``mypy --strict`` runs over this file in ``make test``. ``assert_type`` pins each type;
each ``# type: ignore[code]`` marks misuse that must stay an error (strict mode reports
an ignore that is no longer needed, so a loosened signature fails the check).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from typing_extensions import assert_type

from chime_speaker_search import (
    AsyncClock,
    AsyncSpeakerSearchClient,
    CallDetails,
    CallLeg,
    InvalidParameterError,
    OutcomeUnknownError,
    PollPolicy,
    Result,
    RetryPolicy,
    ServiceError,
    SpeakerSearchClient,
    SpeakerSearchDetails,
    SpeakerSearchResult,
    SpeakerSearchTask,
    SpeakerSearchTaskStatus,
    TaskFailedError,
    ThrottledClientException,
    TransportError,
    Violation,
    VoiceprintGenerationStatus,
    VoiceprintUnavailableError,
    VoiceProfile,
    VoiceProfileDomain,
    WaitTimeoutError,
)
from chime_speaker_search.testing import LocalSpeakerSearchService, ManualClock


def client_calls(client: SpeakerSearchClient) -> None:
    task = client.start_speaker_search_task(
        voice_connector_id="vc",
        transaction_id="tx",
        voice_profile_domain_id="d",
        call_leg=CallLeg.CALLEE,
        client_request_token="tok",
    )
    assert_type(task, SpeakerSearchTask)
    assert_type(
        client.start_speaker_search_task(
            voice_connector_id="vc",
            transaction_id="tx",
            voice_profile_domain_id="d",
            call_leg="Caller",
        ),
        SpeakerSearchTask,
    )
    assert_type(
        client.get_speaker_search_task(voice_connector_id="vc", speaker_search_task_id="t"),
        SpeakerSearchTask,
    )
    assert_type(
        client.stop_speaker_search_task(voice_connector_id="vc", speaker_search_task_id="t"), None
    )
    assert_type(
        client.wait(
            voice_connector_id="vc",
            speaker_search_task_id="t",
            timeout=timedelta(minutes=1),
            poll=PollPolicy(min_delay=1, max_delay=timedelta(seconds=5)),
            on_update=print,
            raise_on_failure=False,
        ),
        SpeakerSearchTask,
    )
    assert_type(
        client.start_and_wait(
            voice_connector_id="vc", transaction_id="tx", voice_profile_domain_id="d", timeout=60
        ),
        SpeakerSearchTask,
    )
    assert_type(client.region_name, str)
    assert_type(client.endpoint_url, str)
    assert_type(client.retry_policy, RetryPolicy)
    with SpeakerSearchClient(region_name="us-east-1", retry=RetryPolicy.disabled()) as scoped:
        assert_type(scoped, SpeakerSearchClient)

    # Misuse stays an error.
    client.get_speaker_search_task("vc", "t")  # type: ignore[call-arg]
    client.get_speaker_search_task(voice_connector_id="vc")  # type: ignore[call-arg]
    client.get_speaker_search_task(voice_connector_id=1, speaker_search_task_id="t")  # type: ignore[arg-type]
    client.start_speaker_search_task(  # type: ignore[call-arg]
        voice_connector_id="vc", transaction_id="tx"
    )
    SpeakerSearchClient("us-east-1")  # type: ignore[call-arg]


async def async_client_calls(client: AsyncSpeakerSearchClient, clock: ManualClock) -> None:
    task = await client.start_speaker_search_task(
        voice_connector_id="vc",
        transaction_id="tx",
        voice_profile_domain_id="d",
        call_leg=CallLeg.CALLEE,
        client_request_token="tok",
    )
    assert_type(task, SpeakerSearchTask)
    getting: Awaitable[SpeakerSearchTask] = client.get_speaker_search_task(
        voice_connector_id="vc", speaker_search_task_id="t"
    )
    assert_type(await getting, SpeakerSearchTask)
    assert_type(
        await client.stop_speaker_search_task(voice_connector_id="vc", speaker_search_task_id="t"),
        None,
    )

    async def on_update(task: SpeakerSearchTask) -> None: ...

    assert_type(
        await client.wait(
            voice_connector_id="vc",
            speaker_search_task_id="t",
            timeout=timedelta(minutes=1),
            poll=PollPolicy(min_delay=1, max_delay=timedelta(seconds=5)),
            on_update=on_update,  # a coroutine function is awaited
            on_poll=print,
            raise_on_failure=False,
        ),
        SpeakerSearchTask,
    )
    assert_type(
        await client.start_and_wait(
            voice_connector_id="vc", transaction_id="tx", voice_profile_domain_id="d", timeout=60
        ),
        SpeakerSearchTask,
    )
    assert_type(client.region_name, str)
    assert_type(client.endpoint_url, str)
    assert_type(client.retry_policy, RetryPolicy)
    assert_type(await client.close(), None)
    async with AsyncSpeakerSearchClient(region_name="us-east-1", clock=clock) as scoped:
        assert_type(scoped, AsyncSpeakerSearchClient)
    aclock: AsyncClock = clock  # the ManualClock sleeps on the loop too
    assert_type(await aclock.sleep_async(1.0), None)

    # Misuse stays an error.
    await client.get_speaker_search_task("vc", "t")  # type: ignore[call-arg]
    await client.get_speaker_search_task(voice_connector_id=1, speaker_search_task_id="t")  # type: ignore[arg-type]
    with AsyncSpeakerSearchClient(region_name="us-east-1") as _:  # type: ignore[attr-defined]
        pass
    AsyncSpeakerSearchClient(region_name="us-east-1", clock=object())  # type: ignore[arg-type]


def task_fields(task: SpeakerSearchTask) -> None:
    assert_type(task.speaker_search_task_id, str)
    assert_type(task.speaker_search_task_status, SpeakerSearchTaskStatus)
    assert_type(task.status, SpeakerSearchTaskStatus)
    assert_type(task.call_details, CallDetails | None)
    assert_type(task.speaker_search_details, SpeakerSearchDetails | None)
    assert_type(task.created_timestamp, datetime | None)
    assert_type(task.updated_timestamp, datetime | None)
    assert_type(task.started_timestamp, datetime | None)
    assert_type(task.status_message, str | None)
    assert_type(task.is_terminal, bool)
    assert_type(task.results, tuple[SpeakerSearchResult, ...])
    assert_type(task.best_match(), SpeakerSearchResult | None)
    assert_type(task.best_match(min_confidence=0.85), SpeakerSearchResult | None)
    assert_type(task.to_dict(), dict[str, Any])
    assert_type(SpeakerSearchTask.from_dict({}), SpeakerSearchTask)
    assert_type(task.speaker_search_task_status.is_terminal, bool)
    assert_type(task.speaker_search_task_status.is_unknown, bool)
    raw: str = task.speaker_search_task_status.value  # pyright narrows it to the literals
    assert isinstance(raw, str)

    if task.call_details is not None:
        assert_type(task.call_details.voice_connector_id, str | None)
        assert_type(task.call_details.transaction_id, str | None)
        assert_type(task.call_details.is_caller, bool | None)
    if task.speaker_search_details is not None:
        assert_type(task.speaker_search_details.results, tuple[SpeakerSearchResult, ...])
        assert_type(
            task.speaker_search_details.voiceprint_generation_status,
            VoiceprintGenerationStatus | None,
        )
    for result in task.results:
        assert_type(result, Result)
        assert_type(result.confidence_score, float)
        assert_type(result.voice_profile_id, str)

    task.status_message = "x"  # type: ignore[misc]
    SpeakerSearchResult(0.5, "p")  # type: ignore[call-arg]
    SpeakerSearchResult(confidence_score=0.5)  # type: ignore[call-arg]


def errors_and_policies(
    error: ServiceError,
    invalid: InvalidParameterError,
    timeout: WaitTimeoutError,
    failed: TaskFailedError,
) -> None:
    assert_type(error.code, str)
    assert_type(error.message, str)
    assert_type(error.http_status, int | None)
    assert_type(error.request_id, str | None)
    assert_type(error.operation_name, str | None)
    assert_type(error.retryable, bool)
    assert_type(error.throttling, bool)
    assert_type(error.attempts, int)
    assert_type(error.retry_after, float | None)
    assert_type(ThrottledClientException.throttling, bool)
    assert_type(invalid.violations, tuple[Violation, ...])
    assert_type(invalid.violations[0].parameter, str)
    assert_type(invalid.violations[0].constraint, str)
    assert_type(invalid.violations[0].value, object)
    assert_type(timeout.task, SpeakerSearchTask | None)
    assert_type(timeout.elapsed, float)
    assert_type(failed.task, SpeakerSearchTask)
    assert_type(TransportError("x").attempts, int)

    policy = RetryPolicy(max_attempts=3, base_delay=timedelta(milliseconds=50), timeout=30)
    assert_type(policy.max_attempts, int)
    assert_type(policy.base_delay, float)
    assert_type(policy.timeout, float | None)
    assert_type(PollPolicy().min_delay, float)
    RetryPolicy(3)  # type: ignore[call-arg]
    policy.max_attempts = 2  # type: ignore[misc]


def testing_types(clock: ManualClock) -> None:
    with LocalSpeakerSearchService(clock=clock) as service:
        assert_type(service.endpoint_url, str)
        assert_type(service.add_voice_connector(), str)
        assert_type(service.add_call("vc", caller="alice"), str)
        assert_type(service.tasks[""], SpeakerSearchTask)
        assert_type(service.client(), SpeakerSearchClient)
        assert_type(service.client(retry=RetryPolicy.disabled(), clock=clock), SpeakerSearchClient)
        service.client(region_name="eu-west-1")  # type: ignore[call-arg]
        domain = service.add_voice_profile_domain(name="support", kms_key_arn="arn:aws:kms:k")
        assert_type(domain, str)
        assert_type(service.voice_profiles[""], Mapping[str, Any])
        assert_type(service.requests[0].operation, str | None)
    LocalSpeakerSearchService(credentials={"AKID": "secret"}, request_log_size=10)
    LocalSpeakerSearchService(max_body_bytes="1")  # type: ignore[arg-type]


def voice_profile_calls(client: SpeakerSearchClient, task: SpeakerSearchTask) -> None:
    assert_type(client.create_voice_profile(speaker_search_task_id="t"), VoiceProfile)
    assert_type(
        client.update_voice_profile(voice_profile_id="p", speaker_search_task_id="t"), VoiceProfile
    )
    assert_type(client.get_voice_profile(voice_profile_id="p"), VoiceProfile)
    assert_type(client.delete_voice_profile(voice_profile_id="p"), None)
    assert_type(
        client.list_voice_profiles(voice_profile_domain_id="d", page_size=10),
        Iterator[VoiceProfile],
    )
    assert_type(client.list_voice_profiles(voice_profile_domain_id="d"), Iterator[VoiceProfile])
    assert_type(client.get_voice_profile_domain(voice_profile_domain_id="d"), VoiceProfileDomain)
    assert_type(client.list_voice_profile_domains(page_size=5), Iterator[VoiceProfileDomain])
    assert_type(client.list_voice_profile_domains(), Iterator[VoiceProfileDomain])
    assert_type(client.enrol(task), VoiceProfile)
    assert_type(client.enrol(task, voice_profile_id="p"), VoiceProfile)

    # Misuse stays an error.
    client.enrol(task, "p")  # type: ignore[call-arg]
    client.enrol(task=task, voice_profile_id=1)  # type: ignore[arg-type]
    client.create_voice_profile("t")  # type: ignore[call-arg]
    client.list_voice_profiles(voice_profile_domain_id="d", page_size="10")  # type: ignore[arg-type]
    assert_type(client.list_voice_profile_domains(page_size=None), Iterator[VoiceProfileDomain])


async def async_voice_profile_calls(
    client: AsyncSpeakerSearchClient, task: SpeakerSearchTask
) -> None:
    assert_type(await client.create_voice_profile(speaker_search_task_id="t"), VoiceProfile)
    assert_type(
        await client.update_voice_profile(voice_profile_id="p", speaker_search_task_id="t"),
        VoiceProfile,
    )
    assert_type(await client.get_voice_profile(voice_profile_id="p"), VoiceProfile)
    assert_type(await client.delete_voice_profile(voice_profile_id="p"), None)
    listing = client.list_voice_profiles(voice_profile_domain_id="d", page_size=10)
    assert_type(listing, AsyncIterator[VoiceProfile])
    async for profile in listing:
        assert_type(profile, VoiceProfile)
    assert_type(
        await client.get_voice_profile_domain(voice_profile_domain_id="d"), VoiceProfileDomain
    )
    assert_type(client.list_voice_profile_domains(), AsyncIterator[VoiceProfileDomain])
    assert_type(await client.enrol(task, voice_profile_id="p"), VoiceProfile)

    for _ in client.list_voice_profiles(voice_profile_domain_id="d"):  # type: ignore[attr-defined]
        pass
    await client.enrol(task, "p")  # type: ignore[call-arg]


def voice_profile_fields(profile: VoiceProfile, domain: VoiceProfileDomain) -> None:
    assert_type(profile.voice_profile_id, str)
    assert_type(profile.voice_profile_arn, str | None)
    assert_type(profile.voice_profile_domain_id, str | None)
    assert_type(profile.created_timestamp, datetime | None)
    assert_type(profile.updated_timestamp, datetime | None)
    assert_type(profile.expiration_timestamp, datetime | None)
    assert_type(profile.to_dict(), dict[str, Any])
    assert_type(VoiceProfile.from_dict({}), VoiceProfile)

    assert_type(domain.voice_profile_domain_id, str)
    assert_type(domain.voice_profile_domain_arn, str | None)
    assert_type(domain.name, str | None)
    assert_type(domain.description, str | None)
    assert_type(domain.kms_key_arn, str | None)
    assert_type(domain.created_timestamp, datetime | None)
    assert_type(domain.updated_timestamp, datetime | None)
    assert_type(domain.to_dict(), dict[str, Any])
    assert_type(VoiceProfileDomain.from_dict({}), VoiceProfileDomain)

    profile.voice_profile_id = "x"  # type: ignore[misc]
    VoiceProfile("p")  # type: ignore[call-arg]
    VoiceProfileDomain(name="n")  # type: ignore[call-arg]


def voice_profile_errors(
    unavailable: VoiceprintUnavailableError, unknown: OutcomeUnknownError
) -> None:
    assert_type(unavailable.task, SpeakerSearchTask)
    assert_type(unavailable.reason, Literal["not generated", "expired"])
    assert_type(unknown.sent_at, datetime | None)
    assert_type(unknown.details, dict[str, str])
    assert_type(unknown.operation_name, str | None)
    assert_type(unknown.attempts, int)
    assert_type(unknown.request_sent, bool)
