"""The emulator sends the speaker search events the service would, for handlers under test."""

from __future__ import annotations

from typing import Any

from chime_speaker_search import (
    SpeakerSearchClient,
    SpeakerSearchEventStatus,
    SpeakerSearchStatusEvent,
    parse_event,
)
from chime_speaker_search.testing import LocalSpeakerSearchService, ManualClock


def world(service: LocalSpeakerSearchService, speech: float) -> tuple[str, str, str, str]:
    vc = service.add_voice_connector()
    domain = service.add_voice_profile_domain()
    alice = service.add_voice_profile(domain, speaker="alice")
    call = service.add_call(vc, caller="alice", caller_speech_seconds=speech)
    return vc, domain, alice, call


def test_events_follow_the_lifecycle_and_reach_the_callback() -> None:
    clock = ManualClock()
    delivered: list[dict[str, Any]] = []
    with LocalSpeakerSearchService(clock=clock, on_event=delivered.append) as service:
        vc, domain, alice, call = world(service, speech=60)
        client = SpeakerSearchClient(
            endpoint_url=service.endpoint_url, region_name="us-east-1", clock=clock
        )
        task = client.start_speaker_search_task(
            voice_connector_id=vc, transaction_id=call, voice_profile_domain_id=domain
        )
        assert service.events == []  # nothing identified yet
        clock.advance(12)  # started at 1 s, identified 10 s later
        client.get_speaker_search_task(
            voice_connector_id=vc, speaker_search_task_id=task.speaker_search_task_id
        )
        assert [e.detail_status for e in service.events] == [
            SpeakerSearchEventStatus("IdentificationSuccessful")
        ]
        clock.advance(20)
        client.get_speaker_search_task(
            voice_connector_id=vc, speaker_search_task_id=task.speaker_search_task_id
        )
        statuses = [e.detail_status.value for e in service.events]
        client.close()
    assert statuses[0] == "IdentificationSuccessful"
    assert statuses[1].startswith("VoiceprintGeneration")
    assert len(delivered) == 2  # each event once, though the task was read repeatedly
    (first,) = parse_event(delivered[0])
    assert isinstance(first, SpeakerSearchStatusEvent)
    assert first.task_id == task.speaker_search_task_id
    best = first.best_match()
    assert best is not None
    assert best.voice_profile_id == alice
    assert first.region == "us-east-1"


def test_a_failed_task_sends_an_identification_failure() -> None:
    clock = ManualClock()
    with LocalSpeakerSearchService(clock=clock) as service:
        vc, domain, _, call = world(service, speech=4)
        client = SpeakerSearchClient(
            endpoint_url=service.endpoint_url, region_name="us-east-1", clock=clock
        )
        client.start_speaker_search_task(
            voice_connector_id=vc, transaction_id=call, voice_profile_domain_id=domain
        )
        client.close()
        clock.advance(60)
        (event,) = service.events
    assert event.detail_status.value == "IdentificationFailure"


def test_a_failing_callback_does_not_break_the_service() -> None:
    clock = ManualClock()

    def broken(_: dict[str, Any]) -> None:
        raise RuntimeError("handler bug")

    with LocalSpeakerSearchService(clock=clock, on_event=broken) as service:
        vc, domain, _, call = world(service, speech=60)
        client = SpeakerSearchClient(
            endpoint_url=service.endpoint_url, region_name="us-east-1", clock=clock
        )
        task = client.start_speaker_search_task(
            voice_connector_id=vc, transaction_id=call, voice_profile_domain_id=domain
        )
        clock.advance(30)
        got = client.get_speaker_search_task(
            voice_connector_id=vc, speaker_search_task_id=task.speaker_search_task_id
        )
        client.close()
    assert got.is_terminal
