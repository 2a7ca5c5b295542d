"""The emulator sends the speaker search events the service would, for handlers under test."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest

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


# --- events are timed when their step happened (issue 12, point 5) -------------------------
# The steps: a task waits in a queue (the emulator: 1 s), identifies the speaker after 10 s
# of speech and makes a voiceprint after 20 s (Amazon Chime SDK Developer Guide, "Using
# voice APIs to run voice analytics", va-in-voice-namespace).
START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def started_task(service: LocalSpeakerSearchService, speech: float) -> str:
    vc, domain, _, call = world(service, speech=speech)
    boto = boto3.client(
        "chime-sdk-voice", endpoint_url=service.endpoint_url, region_name="us-east-1"
    )
    started = boto.start_speaker_search_task(
        VoiceConnectorId=vc, TransactionId=call, VoiceProfileDomainId=domain
    )
    return started["SpeakerSearchTask"]["SpeakerSearchTaskId"]


@pytest.mark.parametrize(
    ("speech", "expected"),
    [
        # 60 s of speech: identified at 1 + 10 s, voiceprint done at 1 + 20 s.
        (60.0, [("IdentificationSuccessful", 11), ("VoiceprintGenerationSuccess", 21)]),
        # 15 s: identified at 11 s; the speech runs out at 16 s, without a voiceprint.
        (15.0, [("IdentificationSuccessful", 11), ("VoiceprintGenerationFailure", 16)]),
        # 4 s: identification fails when the speech runs out, at 5 s.
        (4.0, [("IdentificationFailure", 5)]),
    ],
)
def test_events_are_timed_when_their_step_happened_though_nobody_polled(
    speech: float, expected: list[tuple[str, int]]
) -> None:
    clock = ManualClock(START)
    with LocalSpeakerSearchService(clock=clock) as service:
        task_id = started_task(service, speech)
        clock.advance(3600)  # nobody reads the task in between
        events = service.events
    assert [e.task_id for e in events] == [task_id] * len(expected)
    assert [(e.detail_status.value, e.time) for e in events] == [
        (status, START + timedelta(seconds=offset)) for status, offset in expected
    ]


def test_events_reach_the_callback_without_any_request() -> None:
    """With on_event, a step's event is pushed when it happens, not at the next request."""
    clock = ManualClock(START)
    delivered: list[dict[str, Any]] = []
    with LocalSpeakerSearchService(clock=clock, on_event=delivered.append) as service:
        started_task(service, speech=60)
        requests = len(service.requests)
        clock.advance(12)  # identified at 11 s
        deadline = time.monotonic() + 5
        while not delivered and time.monotonic() < deadline:
            time.sleep(0.01)
        identified = list(delivered)
        clock.advance(60)
        while len(delivered) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(service.requests) == requests  # no request was made meanwhile
    assert [e["detail"]["detailStatus"] for e in identified] == ["IdentificationSuccessful"]
    assert [e["time"] for e in delivered] == ["2026-01-01T00:00:11Z", "2026-01-01T00:00:21Z"]


def test_a_task_stopped_after_identification_keeps_its_timed_identification_event() -> None:
    clock = ManualClock(START)
    with LocalSpeakerSearchService(clock=clock) as service:
        task_id = started_task(service, speech=60)
        clock.advance(15)
        vc = service.tasks[task_id].call_details
        assert vc is not None
        boto = boto3.client(
            "chime-sdk-voice", endpoint_url=service.endpoint_url, region_name="us-east-1"
        )
        boto.stop_speaker_search_task(
            VoiceConnectorId=str(vc.voice_connector_id), SpeakerSearchTaskId=task_id
        )
        clock.advance(60)
        events = service.events
    assert [(e.detail_status.value, e.time) for e in events] == [
        ("IdentificationSuccessful", START + timedelta(seconds=11))
    ]
