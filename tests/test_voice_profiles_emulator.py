"""Voice profiles end to end against the emulator: the identify -> enrol -> identify loop,
the no-token retry rule seen from the server's side (exactly one profile), and the
service's errors reaching the library as its classes.

Raw boto3 and the AWS CLI against the emulator's voice profile operations are covered by
the emulator's own tests (tests/test_testing_profiles.py)."""

from __future__ import annotations

import contextlib
import time
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

import chime_speaker_search as css
from chime_speaker_search import (
    OutcomeUnknownError,
    PollPolicy,
    RetryPolicy,
    SpeakerSearchClient,
    SpeakerSearchTask,
    SpeakerSearchTaskStatus,
    VoiceprintUnavailableError,
    VoiceProfile,
    VoiceProfileDomain,
)
from chime_speaker_search.testing import LocalSpeakerSearchService, ManualClock

if TYPE_CHECKING:
    from collections.abc import Iterator

MATCH = 0.85
FAST = PollPolicy(min_delay=0.5, max_delay=2)


class World:
    """An emulator and a client sharing one manual clock, with a connector and a domain."""

    def __init__(self, service: LocalSpeakerSearchService, client: SpeakerSearchClient) -> None:
        self.service = service
        self.client = client
        self.vc = service.add_voice_connector()
        self.domain = service.add_voice_profile_domain(name="support-line")

    def search(self, caller: str | None, *, speech: float = 60.0) -> SpeakerSearchTask:
        """A call from ``caller``, searched until the task is terminal."""
        call = self.service.add_call(self.vc, caller=caller, caller_speech_seconds=speech)
        return self.client.start_and_wait(
            voice_connector_id=self.vc,
            transaction_id=call,
            voice_profile_domain_id=self.domain,
            poll=FAST,
            raise_on_failure=False,
        )

    def sent(self, operation: str) -> int:
        return sum(1 for r in self.service.requests if r.operation == operation)

    def profiles_in_domain(self) -> list[str]:
        return [
            pid
            for pid, wire in self.service.voice_profiles.items()
            if wire["VoiceProfileDomainId"] == self.domain
        ]


@contextlib.contextmanager
def make_world(clock: ManualClock, *, quota: int = 20) -> Iterator[World]:
    with (
        LocalSpeakerSearchService(clock=clock, max_voice_profiles_per_domain=quota) as service,
        SpeakerSearchClient(
            endpoint_url=service.endpoint_url,
            region_name=service.region_name,
            clock=clock,
            jitter=lambda: 1.0,
        ) as client,
    ):
        yield World(service, client)


@pytest.fixture
def world(clock: ManualClock) -> Iterator[World]:
    with make_world(clock) as made:
        yield made


def test_identify_enrol_identify_loop(world: World) -> None:
    first = world.search("dave")
    assert first.speaker_search_task_status is SpeakerSearchTaskStatus.SUCCEEDED
    assert first.best_match(min_confidence=MATCH) is None  # nobody enrolled yet

    profile = world.client.enrol(first)

    assert profile.voice_profile_domain_id == world.domain
    assert world.profiles_in_domain() == [profile.voice_profile_id]
    again = world.search("dave")
    best = again.best_match(min_confidence=MATCH)
    assert best is not None
    assert best.voice_profile_id == profile.voice_profile_id
    stranger = world.search("mallory")
    assert stranger.best_match(min_confidence=MATCH) is None


def test_served_profiles_equal_what_create_returned_and_their_wire_form(world: World) -> None:
    profile = world.client.enrol(world.search("dave"))
    fetched = world.client.get_voice_profile(voice_profile_id=profile.voice_profile_id)
    (listed,) = world.client.list_voice_profiles(voice_profile_domain_id=world.domain)
    assert fetched == profile == listed
    assert profile.voice_profile_arn is not None
    assert profile.voice_profile_arn.startswith("arn:aws:chime:")
    assert profile.voice_profile_arn not in repr(profile)
    assert profile.to_dict() == dict(world.service.voice_profiles[profile.voice_profile_id])
    assert VoiceProfile.from_dict(profile.to_dict()) == profile


def test_refreshing_a_profile_extends_its_life(world: World, clock: ManualClock) -> None:
    profile = world.client.enrol(world.search("erin"))
    clock.advance(timedelta(days=30))
    refreshed = world.client.enrol(world.search("erin"), voice_profile_id=profile.voice_profile_id)
    assert refreshed.voice_profile_id == profile.voice_profile_id
    assert refreshed.expiration_timestamp is not None
    assert profile.expiration_timestamp is not None
    assert refreshed.expiration_timestamp - profile.expiration_timestamp >= timedelta(days=30)
    assert refreshed.created_timestamp == profile.created_timestamp
    assert world.profiles_in_domain() == [profile.voice_profile_id]


def test_domains_are_read_with_their_kms_key_and_listed_without(world: World) -> None:
    other = world.service.add_voice_profile_domain(name="sales", description="Sales line")
    domain = world.client.get_voice_profile_domain(voice_profile_domain_id=world.domain)
    assert domain.name == "support-line"
    assert domain.kms_key_arn is not None
    assert domain.kms_key_arn.startswith("arn:aws:kms:")
    assert domain.kms_key_arn not in repr(domain)
    listed = {d.voice_profile_domain_id: d for d in world.client.list_voice_profile_domains()}
    assert set(listed) == {world.domain, other}
    assert listed[other].description == "Sales line"
    assert listed[world.domain].kms_key_arn is None  # summaries carry no encryption settings
    assert listed[world.domain].voice_profile_domain_arn == domain.voice_profile_domain_arn
    assert VoiceProfileDomain.from_dict(domain.to_dict()) == domain


def test_listing_pages_lazily_through_the_emulator(world: World) -> None:
    seeded = {world.service.add_voice_profile(world.domain, speaker=f"s{n}") for n in range(5)}
    before = len(world.service.requests)
    profiles = world.client.list_voice_profiles(voice_profile_domain_id=world.domain, page_size=2)
    assert len(world.service.requests) == before
    first = next(profiles)
    assert len(world.service.requests) == before + 1
    rest = [p.voice_profile_id for p in profiles]
    assert {first.voice_profile_id, *rest} == seeded
    assert len(rest) == 4
    assert world.sent("ListVoiceProfiles") == 3  # pages of 2, 2 and 1
    pages = [r.query for r in world.service.requests if r.operation == "ListVoiceProfiles"]
    assert all(q["max-results"] == "2" for q in pages)
    assert "next-token" not in pages[0]
    assert all("next-token" in q for q in pages[1:])


def test_deleting_a_profile(world: World) -> None:
    pid = world.service.add_voice_profile(world.domain, speaker="frank")
    world.client.delete_voice_profile(voice_profile_id=pid)
    assert world.profiles_in_domain() == []
    with pytest.raises(css.NotFoundException):
        world.client.get_voice_profile(voice_profile_id=pid)


# --- the no-token rule, seen from the server ----------------------------------------------


def test_a_dropped_create_answer_leaves_exactly_one_profile(world: World) -> None:
    task = world.search("ivan")
    world.service.drop_next_response("CreateVoiceProfile")
    with pytest.raises(OutcomeUnknownError) as caught:
        world.client.enrol(task)
    assert world.sent("CreateVoiceProfile") == 1
    assert len(world.profiles_in_domain()) == 1  # created once, never twice
    assert caught.value.details == {"SpeakerSearchTaskId": task.speaker_search_task_id}
    assert caught.value.sent_at is not None
    # Reconciling as the guide says finds it.
    found = list(world.client.list_voice_profiles(voice_profile_domain_id=world.domain))
    assert [p.voice_profile_id for p in found] == world.profiles_in_domain()
    assert found[0].created_timestamp is not None
    assert found[0].created_timestamp >= caught.value.sent_at


def test_a_dropped_update_answer_is_not_repeated_but_took_effect(
    world: World, clock: ManualClock
) -> None:
    profile = world.client.enrol(world.search("judy"))
    clock.advance(timedelta(hours=2))
    later = world.search("judy")
    world.service.drop_next_response("UpdateVoiceProfile")
    with pytest.raises(OutcomeUnknownError) as caught:
        world.client.enrol(later, voice_profile_id=profile.voice_profile_id)
    assert world.sent("UpdateVoiceProfile") == 1
    now = world.client.get_voice_profile(voice_profile_id=profile.voice_profile_id)
    assert caught.value.sent_at is not None
    assert now.updated_timestamp is not None
    assert now.updated_timestamp >= caught.value.sent_at  # how to tell it took effect


def test_a_dropped_delete_answer_is_not_repeated_but_took_effect(world: World) -> None:
    pid = world.service.add_voice_profile(world.domain, speaker="ken")
    world.service.drop_next_response("DeleteVoiceProfile")
    with pytest.raises(OutcomeUnknownError):
        world.client.delete_voice_profile(voice_profile_id=pid)
    assert world.sent("DeleteVoiceProfile") == 1
    with pytest.raises(css.NotFoundException):
        world.client.get_voice_profile(voice_profile_id=pid)


@pytest.mark.parametrize(
    "code", ["ThrottledClientException", "ServiceUnavailableException", "ServiceFailureException"]
)
def test_a_create_refused_with_a_retryable_error_is_retried_into_one_profile(
    world: World, code: str
) -> None:
    task = world.search("liam")
    world.service.fail_next("CreateVoiceProfile", code, times=2)
    profile = world.client.enrol(task)
    assert world.sent("CreateVoiceProfile") == 3
    assert world.profiles_in_domain() == [profile.voice_profile_id]


@pytest.mark.parametrize(
    ("operation", "call"),
    [
        ("GetVoiceProfile", "get"),
        ("ListVoiceProfiles", "list"),
        ("GetVoiceProfileDomain", "domain"),
        ("ListVoiceProfileDomains", "domains"),
    ],
)
def test_reads_are_retried_after_a_dropped_answer(world: World, operation: str, call: str) -> None:
    pid = world.service.add_voice_profile(world.domain, speaker="mia")
    world.service.drop_next_response(operation)
    client = world.client
    if call == "get":
        assert client.get_voice_profile(voice_profile_id=pid).voice_profile_id == pid
    elif call == "list":
        found = client.list_voice_profiles(voice_profile_domain_id=world.domain)
        assert [p.voice_profile_id for p in found] == [pid]
    elif call == "domain":
        domain = client.get_voice_profile_domain(voice_profile_domain_id=world.domain)
        assert domain.voice_profile_domain_id == world.domain
    else:
        assert [d.voice_profile_domain_id for d in client.list_voice_profile_domains()] == [
            world.domain
        ]
    assert world.sent(operation) == 2


# --- the service's errors -------------------------------------------------------------------


def test_an_expired_voiceprint_is_refused_locally_and_gone_at_the_service(
    world: World, clock: ManualClock
) -> None:
    task = world.search("nina")
    clock.advance(timedelta(hours=24))
    with pytest.raises(VoiceprintUnavailableError) as caught:
        world.client.enrol(task)
    assert caught.value.reason == "expired"
    assert world.sent("CreateVoiceProfile") == 0
    with pytest.raises(css.GoneException):  # the same task, past the local check
        world.client.create_voice_profile(speaker_search_task_id=task.speaker_search_task_id)
    assert world.sent("CreateVoiceProfile") == 1
    assert world.profiles_in_domain() == []


def test_a_task_without_a_voiceprint_is_refused_locally_and_gone_at_the_service(
    world: World,
) -> None:
    partial = world.search("oscar", speech=15)  # enough to identify, not to enrol
    assert partial.speaker_search_task_status is SpeakerSearchTaskStatus.PARTIAL_SUCCESS
    with pytest.raises(VoiceprintUnavailableError) as caught:
        world.client.enrol(partial)
    assert caught.value.reason == "not generated"
    assert world.sent("CreateVoiceProfile") == 0
    with pytest.raises(css.GoneException):
        world.client.create_voice_profile(speaker_search_task_id=partial.speaker_search_task_id)


def test_the_domain_quota_is_a_resource_limit(clock: ManualClock) -> None:
    with make_world(clock, quota=1) as world:
        world.client.enrol(world.search("pat"))
        task = world.search("quinn")
        with pytest.raises(css.ResourceLimitExceededException) as caught:
            world.client.enrol(task)
        assert "delete ones no longer needed" in str(caught.value)
        assert ".." not in str(caught.value)  # the service's full stop, then the hint
        assert world.sent("CreateVoiceProfile") == 2
        assert len(world.profiles_in_domain()) == 1


def test_unknown_ids_are_not_found(world: World) -> None:
    task = world.search("rita")
    client = world.client
    with pytest.raises(css.NotFoundException) as caught:
        client.get_voice_profile(voice_profile_id="no-such-profile")
    assert caught.value.operation_name == "GetVoiceProfile"
    with pytest.raises(css.NotFoundException):
        client.enrol(task, voice_profile_id="no-such-profile")
    with pytest.raises(css.NotFoundException):
        client.delete_voice_profile(voice_profile_id="no-such-profile")
    with pytest.raises(css.NotFoundException):
        client.get_voice_profile_domain(voice_profile_domain_id="no-such-domain")
    with pytest.raises(css.NotFoundException):
        list(client.list_voice_profiles(voice_profile_domain_id="no-such-domain"))
    with pytest.raises(css.NotFoundException):
        client.create_voice_profile(speaker_search_task_id="no-such-task")
    assert world.sent("UpdateVoiceProfile") == 1  # errors are answers: not retried


def test_a_create_held_past_its_deadline_is_outcome_unknown_by_the_deadline(
    world: World,
) -> None:
    """Real time: the answer comes too late; the call ends at its deadline, not retried."""
    task = world.search("sam")
    world.service.delay_next("CreateVoiceProfile", 3.0)
    with SpeakerSearchClient(
        endpoint_url=world.service.endpoint_url,
        region_name=world.service.region_name,
        retry=RetryPolicy(timeout=0.5),
    ) as timed:
        started = time.monotonic()
        with pytest.raises(OutcomeUnknownError) as caught:
            timed.create_voice_profile(speaker_search_task_id=task.speaker_search_task_id)
        elapsed = time.monotonic() - started
    assert elapsed < 0.5 + 0.25
    assert caught.value.attempts == 1
    assert world.sent("CreateVoiceProfile") == 1
    assert len(world.profiles_in_domain()) == 1  # it took effect at once
