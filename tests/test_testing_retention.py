"""Tasks are kept 7 days, as the service documents, then forgotten (issue 12, point 4).

Amazon Chime SDK Developer Guide, "Understanding data retention for Amazon Chime SDK
voice analytics" (va-data-retention): "Results from StartSpeakerSearchTask ... will also
be available from their respective GetSpeakerSearchTask ... APIs for a maximum of 7 days."
The voiceprint (24 h) and voice profile (3 years) rules are tested with the voice profile
operations, in test_testing_profiles.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import botocore.config
import botocore.exceptions
import pytest

from chime_speaker_search.testing import LocalSpeakerSearchService, ManualClock
from tests.test_testing_service import boto_client

if TYPE_CHECKING:
    from collections.abc import Iterator


SEVEN_DAYS = timedelta(days=7)


@pytest.fixture
def service() -> Iterator[LocalSpeakerSearchService]:
    with LocalSpeakerSearchService(clock=ManualClock()) as made:
        yield made


def code_of(raised: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> str:
    return str(raised.value.response["Error"]["Code"])


def test_get_and_stop_answer_not_found_once_a_task_is_seven_days_old(
    service: LocalSpeakerSearchService,
) -> None:
    client = boto_client(service)
    vc = service.add_voice_connector()
    domain = service.add_voice_profile_domain()
    call = service.add_call(vc, caller="alice")
    task_id = client.start_speaker_search_task(
        VoiceConnectorId=vc, TransactionId=call, VoiceProfileDomainId=domain
    )["SpeakerSearchTask"]["SpeakerSearchTaskId"]
    clock = service.clock
    assert isinstance(clock, ManualClock)

    clock.advance(SEVEN_DAYS - timedelta(seconds=1))
    got = client.get_speaker_search_task(VoiceConnectorId=vc, SpeakerSearchTaskId=task_id)
    assert got["SpeakerSearchTask"]["SpeakerSearchTaskStatus"] == "SUCCEEDED"
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.stop_speaker_search_task(VoiceConnectorId=vc, SpeakerSearchTaskId=task_id)
    assert code_of(raised) == "ConflictException"  # still known: it has finished

    clock.advance(timedelta(seconds=1))
    for operation in (client.get_speaker_search_task, client.stop_speaker_search_task):
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            operation(VoiceConnectorId=vc, SpeakerSearchTaskId=task_id)
        assert code_of(raised) == "NotFoundException"
        assert "7 days" in raised.value.response["Error"]["Message"]
    assert task_id not in service.tasks
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.create_voice_profile(SpeakerSearchTaskId=task_id)
    assert code_of(raised) == "NotFoundException"


def test_forgotten_tasks_free_their_memory_and_their_tokens(
    service: LocalSpeakerSearchService,
) -> None:
    client = boto_client(service)
    vc = service.add_voice_connector()
    domain = service.add_voice_profile_domain()
    clock = service.clock
    assert isinstance(clock, ManualClock)
    first = client.start_speaker_search_task(
        VoiceConnectorId=vc,
        TransactionId=service.add_call(vc, caller="alice", transaction_id="call-1"),
        VoiceProfileDomainId=domain,
        ClientRequestToken="token-1",
    )["SpeakerSearchTask"]["SpeakerSearchTaskId"]
    for day in range(1, 10):  # a task a day
        clock.advance(timedelta(days=1))
        client.start_speaker_search_task(
            VoiceConnectorId=vc,
            TransactionId=service.add_call(vc, caller="alice"),
            VoiceProfileDomainId=domain,
            ClientRequestToken=f"token-day-{day}",
        )
    assert len(service.tasks) == 7  # days 3-9: the older ones are gone
    # The token of a forgotten task starts a new task rather than returning the old one.
    again = client.start_speaker_search_task(
        VoiceConnectorId=vc,
        TransactionId="call-1",
        VoiceProfileDomainId=domain,
        ClientRequestToken="token-1",
    )["SpeakerSearchTask"]["SpeakerSearchTaskId"]
    assert again != first
