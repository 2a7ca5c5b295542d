"""The emulator's behaviour (lifecycle, results, quotas, idempotency, stop, not-found),
observed through raw boto3, a client nobody here wrote."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

import boto3
import botocore.config
import botocore.exceptions
import pytest

from chime_speaker_search._clock import Clock
from chime_speaker_search.testing import LocalSpeakerSearchService, ManualClock, ScaledClock

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient
    from mypy_boto3_chime_sdk_voice.type_defs import SpeakerSearchTaskTypeDef

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
START = datetime.fromisoformat("2026-01-01T00:00:00+00:00")


def boto_client(service: LocalSpeakerSearchService) -> ChimeSDKVoiceClient:
    """Raw boto3, with its own retries off so every fault is seen as it is."""
    return boto3.client(
        "chime-sdk-voice",
        endpoint_url=service.endpoint_url,
        region_name=service.region_name,
        config=botocore.config.Config(retries={"total_max_attempts": 1}),
    )


class World(NamedTuple):
    service: LocalSpeakerSearchService
    clock: ManualClock
    boto: ChimeSDKVoiceClient
    vc: str
    domain: str
    profiles: dict[str, str]

    def call(self, caller: str | None = "alice", **kwargs: Any) -> str:
        return self.service.add_call(self.vc, caller=caller, **kwargs)

    def start(self, transaction_id: str, **kwargs: Any) -> SpeakerSearchTaskTypeDef:
        response = self.boto.start_speaker_search_task(
            VoiceConnectorId=kwargs.pop("vc", self.vc),
            TransactionId=transaction_id,
            VoiceProfileDomainId=kwargs.pop("domain", self.domain),
            **kwargs,
        )
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 201
        return response["SpeakerSearchTask"]

    def get(self, task_id: str) -> SpeakerSearchTaskTypeDef:
        response = self.boto.get_speaker_search_task(
            VoiceConnectorId=self.vc, SpeakerSearchTaskId=task_id
        )
        return response["SpeakerSearchTask"]

    def stop(self, task_id: str) -> int:
        response = self.boto.stop_speaker_search_task(
            VoiceConnectorId=self.vc, SpeakerSearchTaskId=task_id
        )
        return response["ResponseMetadata"]["HTTPStatusCode"]


def make_world(**service_kwargs: Any) -> Iterator[World]:
    clock = ManualClock(START)
    with LocalSpeakerSearchService(clock=clock, **service_kwargs) as service:
        vc = service.add_voice_connector()
        domain = service.add_voice_profile_domain()
        profiles = {
            name: service.add_voice_profile(domain, speaker=name)
            for name in ("alice", "bob", "carol")
        }
        yield World(
            service=service,
            clock=clock,
            boto=boto_client(service),
            vc=vc,
            domain=domain,
            profiles=profiles,
        )


@pytest.fixture
def world() -> Iterator[World]:
    yield from make_world()


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


# --- lifecycle -----------------------------------------------------------------------------


def test_long_call_goes_queue_progress_results_then_succeeded(world: World) -> None:
    """>= 20 s of speech: IN_QUEUE 1 s, IN_PROGRESS, results at 11 s, SUCCEEDED at 21 s."""
    task = world.start(world.call(caller_speech_seconds=60.0))
    task_id = task["SpeakerSearchTaskId"]
    assert UUID.fullmatch(task_id)
    assert task["SpeakerSearchTaskStatus"] == "IN_QUEUE"
    assert task["CreatedTimestamp"] == at(0)
    assert task["UpdatedTimestamp"] == at(0)
    assert "StartedTimestamp" not in task
    assert "SpeakerSearchDetails" not in task

    world.clock.advance(0.999)
    assert world.get(task_id)["SpeakerSearchTaskStatus"] == "IN_QUEUE"

    world.clock.advance(0.001)
    task = world.get(task_id)
    assert task["SpeakerSearchTaskStatus"] == "IN_PROGRESS"
    assert task["StartedTimestamp"] == at(1)
    assert task["UpdatedTimestamp"] == at(1)
    assert "SpeakerSearchDetails" not in task

    world.clock.advance(10)  # 10 s of speech heard: the speaker is identified
    task = world.get(task_id)
    assert task["SpeakerSearchTaskStatus"] == "IN_PROGRESS"
    assert task["UpdatedTimestamp"] == at(11)
    details = task["SpeakerSearchDetails"]
    assert details["Results"][0]["VoiceProfileId"] == world.profiles["alice"]
    assert "VoiceprintGenerationStatus" not in details

    world.clock.advance(9.999)
    assert world.get(task_id)["SpeakerSearchTaskStatus"] == "IN_PROGRESS"

    world.clock.advance(0.001)  # 20 s of speech: the voiceprint is done
    task = world.get(task_id)
    assert task["SpeakerSearchTaskStatus"] == "SUCCEEDED"
    assert task["UpdatedTimestamp"] == at(21)
    assert task["StartedTimestamp"] == at(1)
    assert task["CreatedTimestamp"] == at(0)
    details = task["SpeakerSearchDetails"]
    assert details["VoiceprintGenerationStatus"] == "VoiceprintGenerationSuccess"
    assert details["Results"][0]["VoiceProfileId"] == world.profiles["alice"]
    assert "StatusMessage" not in task
    assert task["CallDetails"] == {
        "VoiceConnectorId": world.vc,
        "TransactionId": task["CallDetails"]["TransactionId"],
        "IsCaller": True,
    }

    world.clock.advance(3600)
    assert world.get(task_id) == task  # terminal: nothing moves any more


def test_fifteen_seconds_of_speech_ends_partial_success(world: World) -> None:
    """10-20 s: identified (results), no voiceprint, PARTIAL_SUCCESS when speech runs out."""
    task_id = world.start(world.call(caller="bob", caller_speech_seconds=15.0))[
        "SpeakerSearchTaskId"
    ]
    world.clock.advance(11)
    task = world.get(task_id)
    assert task["SpeakerSearchTaskStatus"] == "IN_PROGRESS"
    assert task["SpeakerSearchDetails"]["Results"][0]["VoiceProfileId"] == world.profiles["bob"]

    world.clock.advance(4.999)
    assert world.get(task_id)["SpeakerSearchTaskStatus"] == "IN_PROGRESS"
    world.clock.advance(0.001)
    task = world.get(task_id)
    assert task["SpeakerSearchTaskStatus"] == "PARTIAL_SUCCESS"
    assert task["UpdatedTimestamp"] == at(16)
    details = task["SpeakerSearchDetails"]
    assert details["VoiceprintGenerationStatus"] == "VoiceprintGenerationFailure"
    assert details["Results"][0]["VoiceProfileId"] == world.profiles["bob"]
    assert "15 s" in task["StatusMessage"]
    assert "20 s" in task["StatusMessage"]


def test_five_seconds_of_speech_fails_saying_why(world: World) -> None:
    """< 10 s: FAILED when the speech runs out, no results, a StatusMessage with the numbers."""
    task_id = world.start(world.call(caller_speech_seconds=5.0))["SpeakerSearchTaskId"]
    world.clock.advance(5.999)
    assert world.get(task_id)["SpeakerSearchTaskStatus"] == "IN_PROGRESS"
    world.clock.advance(0.001)
    task = world.get(task_id)
    assert task["SpeakerSearchTaskStatus"] == "FAILED"
    assert task["UpdatedTimestamp"] == at(6)
    assert "SpeakerSearchDetails" not in task
    message = task["StatusMessage"]
    assert "Caller" in message
    assert "5 s" in message
    assert "10 s" in message


def test_no_speech_at_all_fails_as_soon_as_started(world: World) -> None:
    task_id = world.start(world.call(caller_speech_seconds=0.0))["SpeakerSearchTaskId"]
    world.clock.advance(1)
    task = world.get(task_id)
    assert task["SpeakerSearchTaskStatus"] == "FAILED"
    assert task["StartedTimestamp"] == at(1)


def test_callee_leg_analyses_the_callee(world: World) -> None:
    """CallLeg=Callee uses the callee's speaker and speech; IsCaller is false."""
    transaction_id = world.call(
        caller="alice", callee="carol", caller_speech_seconds=60.0, callee_speech_seconds=12.0
    )
    task = world.start(transaction_id, CallLeg="Callee")
    assert task["CallDetails"]["IsCaller"] is False
    world.clock.advance(30)
    task = world.get(task["SpeakerSearchTaskId"])
    assert task["SpeakerSearchTaskStatus"] == "PARTIAL_SUCCESS"
    assert "Callee" in task["StatusMessage"]
    assert task["SpeakerSearchDetails"]["Results"][0]["VoiceProfileId"] == world.profiles["carol"]


# --- results -------------------------------------------------------------------------------


def scores(task: SpeakerSearchTaskTypeDef) -> list[tuple[str, float]]:
    return [
        (result["VoiceProfileId"], result["ConfidenceScore"])
        for result in task["SpeakerSearchDetails"]["Results"]
    ]


def test_results_rank_the_speaker_high_and_others_low(world: World) -> None:
    task_id = world.start(world.call(caller="carol"))["SpeakerSearchTaskId"]
    world.clock.advance(30)
    ranked = scores(world.get(task_id))
    assert ranked[0][0] == world.profiles["carol"]
    assert ranked[0][1] >= 0.85
    assert all(score < 0.6 for _, score in ranked[1:])
    assert [score for _, score in ranked] == sorted((score for _, score in ranked), reverse=True)
    assert {profile for profile, _ in ranked} == set(world.profiles.values())


def test_results_are_at_most_ten_and_only_from_the_tasks_domain(world: World) -> None:
    other_domain = world.service.add_voice_profile_domain()
    outsider = world.service.add_voice_profile(other_domain, speaker="alice")
    for index in range(12):
        world.service.add_voice_profile(world.domain, speaker=f"extra-{index}")
    task_id = world.start(world.call(caller="alice"))["SpeakerSearchTaskId"]
    world.clock.advance(30)
    ranked = scores(world.get(task_id))
    assert len(ranked) == 10
    assert ranked[0][0] == world.profiles["alice"]
    assert outsider not in {profile for profile, _ in ranked}


def test_an_unenrolled_speaker_matches_nobody_well(world: World) -> None:
    task_id = world.start(world.call(caller=None))["SpeakerSearchTaskId"]
    world.clock.advance(30)
    task = world.get(task_id)
    assert task["SpeakerSearchTaskStatus"] == "SUCCEEDED"
    assert all(score < 0.6 for _, score in scores(task))


def test_results_are_deterministic_for_the_same_call() -> None:
    """Two emulators seeded with the same ids give the same scores (hash-derived)."""
    seen: list[list[tuple[str, float]]] = []
    for _ in range(2):
        clock = ManualClock(START)
        with LocalSpeakerSearchService(clock=clock) as service:
            vc = service.add_voice_connector("vc")
            domain = service.add_voice_profile_domain("domain")
            for name in ("alice", "bob", "carol"):
                service.add_voice_profile(domain, speaker=name, voice_profile_id=f"p-{name}")
            transaction_id = service.add_call(vc, caller="bob", transaction_id="call")
            boto = boto_client(service)
            for _ in range(2):  # twice on the same call, too
                boto.start_speaker_search_task(
                    VoiceConnectorId=vc, TransactionId=transaction_id, VoiceProfileDomainId=domain
                )
                clock.advance(30)
            seen.extend(
                [(result.voice_profile_id, result.confidence_score) for result in task.results]
                for task in service.tasks.values()
            )
    assert len(seen) == 4
    assert all(ranked == seen[0] for ranked in seen)
    assert seen[0][0][0] == "p-bob"


# --- quotas --------------------------------------------------------------------------------


def test_one_active_task_per_call(world: World) -> None:
    transaction_id = world.call()
    world.start(transaction_id)
    with pytest.raises(world.boto.exceptions.ResourceLimitExceededException) as raised:
        world.start(transaction_id)
    assert transaction_id in raised.value.response["Error"]["Message"]
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    world.clock.advance(21)  # the first one finishes
    assert world.start(transaction_id)["SpeakerSearchTaskStatus"] == "IN_QUEUE"
    assert len(world.service.tasks) == 2


def test_max_active_tasks_per_service() -> None:
    for world in make_world(max_active_tasks=2):
        calls = [world.call() for _ in range(3)]
        world.start(calls[0])
        world.start(calls[1])
        with pytest.raises(world.boto.exceptions.ResourceLimitExceededException) as raised:
            world.start(calls[2])
        assert "(2)" in raised.value.response["Error"]["Message"]
        world.clock.advance(21)
        world.start(calls[2])


def test_a_stopped_task_frees_its_call(world: World) -> None:
    transaction_id = world.call()
    task_id = world.start(transaction_id)["SpeakerSearchTaskId"]
    world.stop(task_id)
    world.start(transaction_id)


# --- idempotency ---------------------------------------------------------------------------


def test_same_token_same_request_returns_the_same_task(world: World) -> None:
    transaction_id = world.call()
    first = world.start(transaction_id, ClientRequestToken="token-1")
    world.clock.advance(30)  # even after it finished: no quota error, the same task
    again = world.start(transaction_id, ClientRequestToken="token-1", CallLeg="Caller")
    assert again["SpeakerSearchTaskId"] == first["SpeakerSearchTaskId"]
    assert again["SpeakerSearchTaskStatus"] == "SUCCEEDED"
    assert list(world.service.tasks) == [first["SpeakerSearchTaskId"]]


def test_same_token_different_request_conflicts(world: World) -> None:
    transaction_id = world.call()
    world.start(transaction_id, ClientRequestToken="token-1")
    with pytest.raises(world.boto.exceptions.ConflictException) as raised:
        world.start(transaction_id, ClientRequestToken="token-1", CallLeg="Callee")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert "token-1" in raised.value.response["Error"]["Message"]
    assert len(world.service.tasks) == 1


# --- stop ----------------------------------------------------------------------------------


def test_stop_answers_204_and_the_task_is_stopped(world: World) -> None:
    task_id = world.start(world.call())["SpeakerSearchTaskId"]
    world.clock.advance(12)  # identified, still in progress
    assert world.stop(task_id) == 204
    stopped = world.get(task_id)
    assert stopped["SpeakerSearchTaskStatus"] == "STOPPED"
    assert stopped["UpdatedTimestamp"] == at(12)
    assert stopped["StatusMessage"]
    assert stopped["SpeakerSearchDetails"]["Results"]  # what was found is kept
    world.clock.advance(60)
    assert world.get(task_id) == stopped
    (request,) = [r for r in world.service.requests if r.operation == "StopSpeakerSearchTask"]
    assert request.method == "POST"
    assert request.path == f"/voice-connectors/{world.vc}/speaker-search-tasks/{task_id}"
    assert request.query == {"operation": "stop"}


def test_stop_in_queue_never_starts(world: World) -> None:
    task_id = world.start(world.call())["SpeakerSearchTaskId"]
    world.stop(task_id)
    world.clock.advance(30)
    task = world.get(task_id)
    assert task["SpeakerSearchTaskStatus"] == "STOPPED"
    assert "StartedTimestamp" not in task


def test_stopping_a_finished_task_conflicts(world: World) -> None:
    task_id = world.start(world.call())["SpeakerSearchTaskId"]
    world.clock.advance(21)
    with pytest.raises(world.boto.exceptions.ConflictException) as raised:
        world.stop(task_id)
    assert "SUCCEEDED" in raised.value.response["Error"]["Message"]
    world.clock.advance(100)
    task_id = world.start(world.call())["SpeakerSearchTaskId"]
    world.stop(task_id)
    with pytest.raises(world.boto.exceptions.ConflictException):
        world.stop(task_id)


# --- not found -----------------------------------------------------------------------------


def not_found_message(error: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> str:
    assert error.value.response["Error"]["Code"] == "NotFoundException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    return error.value.response["Error"]["Message"]


def test_unknown_voice_connector_is_not_found(world: World) -> None:
    missing = "zzzzzzzzzzzzzzzzzzzzzz"
    transaction_id = world.call()
    NotFound = world.boto.exceptions.NotFoundException  # noqa: N806
    with pytest.raises(NotFound) as raised:
        world.start(transaction_id, vc=missing)
    assert missing in not_found_message(raised)
    with pytest.raises(NotFound) as raised:
        world.boto.get_speaker_search_task(VoiceConnectorId=missing, SpeakerSearchTaskId="t")
    assert missing in not_found_message(raised)
    with pytest.raises(NotFound) as raised:
        world.boto.stop_speaker_search_task(VoiceConnectorId=missing, SpeakerSearchTaskId="t")
    assert missing in not_found_message(raised)


def test_unknown_domain_is_not_found(world: World) -> None:
    with pytest.raises(world.boto.exceptions.NotFoundException) as raised:
        world.start(world.call(), domain="no-such-domain")
    assert "no-such-domain" in not_found_message(raised)


def test_unknown_transaction_is_not_found(world: World) -> None:
    with pytest.raises(world.boto.exceptions.NotFoundException) as raised:
        world.start("no-such-call")
    assert "no-such-call" in not_found_message(raised)
    other_vc = world.service.add_voice_connector()
    elsewhere = world.service.add_call(other_vc, caller="alice")
    with pytest.raises(world.boto.exceptions.NotFoundException) as raised:
        world.start(elsewhere)  # exists, but on another Voice Connector
    assert elsewhere in not_found_message(raised)


def test_unknown_task_is_not_found(world: World) -> None:
    with pytest.raises(world.boto.exceptions.NotFoundException) as raised:
        world.get("no-such-task")
    assert "no-such-task" in not_found_message(raised)
    with pytest.raises(world.boto.exceptions.NotFoundException):
        world.stop("no-such-task")
    task_id = world.start(world.call())["SpeakerSearchTaskId"]
    other_vc = world.service.add_voice_connector()
    with pytest.raises(world.boto.exceptions.NotFoundException):
        world.boto.get_speaker_search_task(VoiceConnectorId=other_vc, SpeakerSearchTaskId=task_id)


def test_whitespace_transaction_id_is_a_bad_request_naming_the_field(world: World) -> None:
    """botocore does not check the ``.*\\S.*`` pattern; the emulator does, as the service."""
    with pytest.raises(world.boto.exceptions.BadRequestException) as raised:
        world.start("   ")
    assert "TransactionId" in raised.value.response["Error"]["Message"]
    assert world.service.tasks == {}


# --- concurrency ---------------------------------------------------------------------------


def test_concurrent_clients_each_get_their_own_task(world: World) -> None:
    clients = [boto_client(world.service) for _ in range(8)]
    calls = [world.call() for _ in clients]
    task_ids: list[str] = []
    errors: list[BaseException] = []

    def work(client: ChimeSDKVoiceClient, transaction_id: str) -> None:
        try:
            task = client.start_speaker_search_task(
                VoiceConnectorId=world.vc,
                TransactionId=transaction_id,
                VoiceProfileDomainId=world.domain,
            )["SpeakerSearchTask"]
            for _ in range(5):
                client.get_speaker_search_task(
                    VoiceConnectorId=world.vc, SpeakerSearchTaskId=task["SpeakerSearchTaskId"]
                )
            task_ids.append(task["SpeakerSearchTaskId"])
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=work, args=pair) for pair in zip(clients, calls, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert sorted(task_ids) == sorted(world.service.tasks)
    assert len(task_ids) == 8
    assert len(world.service.requests) == 8 * 6


def test_one_token_raced_from_many_threads_creates_one_task(world: World) -> None:
    clients = [boto_client(world.service) for _ in range(8)]
    transaction_id = world.call()
    token = uuid.uuid4().hex
    task_ids: list[str] = []
    barrier = threading.Barrier(len(clients))

    def work(client: ChimeSDKVoiceClient) -> None:
        barrier.wait(5)
        task = client.start_speaker_search_task(
            VoiceConnectorId=world.vc,
            TransactionId=transaction_id,
            VoiceProfileDomainId=world.domain,
            ClientRequestToken=token,
        )["SpeakerSearchTask"]
        task_ids.append(task["SpeakerSearchTaskId"])

    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(task_ids) == 8
    assert len(set(task_ids)) == 1
    assert len(world.service.tasks) == 1


# --- seeding and construction --------------------------------------------------------------


def test_generated_ids_look_like_the_services() -> None:
    service = LocalSpeakerSearchService(clock=ManualClock())
    vc = service.add_voice_connector()
    assert re.fullmatch(r"[a-z0-9]{22}", vc)
    domain = service.add_voice_profile_domain()
    assert UUID.fullmatch(domain)
    assert UUID.fullmatch(service.add_voice_profile(domain, speaker="alice"))
    assert UUID.fullmatch(service.add_call(vc, caller="alice"))


def test_seeding_rejects_duplicates_and_unknown_parents() -> None:
    service = LocalSpeakerSearchService(clock=ManualClock())
    vc = service.add_voice_connector("vc-1")
    with pytest.raises(ValueError, match="already exists"):
        service.add_voice_connector("vc-1")
    with pytest.raises(ValueError, match="non-whitespace"):
        service.add_voice_connector("   ")
    domain = service.add_voice_profile_domain("d-1")
    with pytest.raises(ValueError, match="already exists"):
        service.add_voice_profile_domain("d-1")
    with pytest.raises(ValueError, match="add_voice_profile_domain"):
        service.add_voice_profile("nope", speaker="alice")
    with pytest.raises(ValueError, match="speaker"):
        service.add_voice_profile(domain, speaker="")
    with pytest.raises(ValueError, match="add_voice_connector"):
        service.add_call("nope", caller="alice")
    with pytest.raises(ValueError, match="caller_speech_seconds"):
        service.add_call(vc, caller="alice", caller_speech_seconds=-1)
    service.add_call(vc, caller="alice", transaction_id="t-1")
    with pytest.raises(ValueError, match="already exists"):
        service.add_call(vc, caller="alice", transaction_id="t-1")


def test_constructor_checks_its_arguments() -> None:
    with pytest.raises(ValueError, match="time_scale"):
        LocalSpeakerSearchService(clock=ManualClock(), time_scale=5.0)
    with pytest.raises(ValueError, match="max_active_tasks"):
        LocalSpeakerSearchService(max_active_tasks=0)
    with pytest.raises(ValueError, match="port"):
        LocalSpeakerSearchService(port=70000)
    with pytest.raises(ValueError, match="scale"):
        LocalSpeakerSearchService(time_scale=0)


def test_default_clock_is_real_time_scaled() -> None:
    service = LocalSpeakerSearchService(time_scale=10.0)
    assert isinstance(service.clock, ScaledClock)
    assert service.clock.scale == 10.0
    assert isinstance(service.clock, Clock)
    assert service.region_name == "us-east-1"
    assert service.max_active_tasks == 25
