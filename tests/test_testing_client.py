"""``LocalSpeakerSearchService.client()`` and ``offline_session()``: the emulator, offline."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
import pytest

from chime_speaker_search import RetryPolicy, ServiceUnavailableException
from chime_speaker_search.testing import (
    LocalSpeakerSearchService,
    ManualClock,
    offline_session,
    seed_demo,
)

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def nothing_configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A machine with no AWS credentials, a profile that does not exist, a broken config."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    broken = tmp_path / "config"
    broken.write_text("[default\nthis is not an ini file")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(broken))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(broken))
    monkeypatch.setenv("AWS_PROFILE", "a-profile-that-does-not-exist")
    monkeypatch.setenv("HOME", str(tmp_path))


def test_client_runs_a_task_with_nothing_configured(nothing_configured: None) -> None:
    with LocalSpeakerSearchService(clock=ManualClock()) as service:
        seed = seed_demo(service)
        with service.client() as client:
            assert client.endpoint_url == service.endpoint_url
            assert client.region_name == service.region_name
            task = client.start_and_wait(
                voice_connector_id=seed.voice_connector_id,
                transaction_id=seed.succeeding_transaction_id,
                voice_profile_domain_id=seed.voice_profile_domain_id,
            )
        assert task.speaker_search_task_status.value == "SUCCEEDED"
        signed = [r.headers["authorization"] for r in service.requests]
        assert signed
        assert all("Credential=testing/" in header for header in signed)


def test_client_shares_the_services_clock_unless_given_one() -> None:
    clock = ManualClock()
    with LocalSpeakerSearchService(clock=clock) as service:
        seed = seed_demo(service)
        with service.client() as client:
            client.start_and_wait(
                voice_connector_id=seed.voice_connector_id,
                transaction_id=seed.succeeding_transaction_id,
                voice_profile_domain_id=seed.voice_profile_domain_id,
            )
        assert clock.sleeps  # the wait slept on the service's clock: no real time passed
        own = ManualClock()
        with service.client(clock=own) as client:
            client.wait(
                voice_connector_id=seed.voice_connector_id,
                speaker_search_task_id=next(iter(service.tasks)),
            )
        assert own.sleeps == []  # the task was done already: one poll, no sleep


def test_client_forwards_the_retry_policy() -> None:
    policy = RetryPolicy(max_attempts=2)
    with LocalSpeakerSearchService(clock=ManualClock()) as service:
        service.fail_next("GetSpeakerSearchTask", "ServiceUnavailableException", times=2)
        with service.client(retry=policy) as client:
            assert client.retry_policy is policy
            with pytest.raises(ServiceUnavailableException) as raised:
                client.get_speaker_search_task(voice_connector_id="vc", speaker_search_task_id="t")
        assert raised.value.attempts == 2


def test_client_needs_a_started_service() -> None:
    with pytest.raises(RuntimeError, match="no port yet"):
        LocalSpeakerSearchService().client()


def test_offline_session_signs_raw_boto3_with_nothing_configured(nothing_configured: None) -> None:
    with LocalSpeakerSearchService(clock=ManualClock()) as service:
        seed = seed_demo(service)
        raw = boto3.Session(botocore_session=offline_session()).client(
            "chime-sdk-voice", endpoint_url=service.endpoint_url, region_name="us-east-1"
        )
        started = raw.start_speaker_search_task(
            VoiceConnectorId=seed.voice_connector_id,
            TransactionId=seed.succeeding_transaction_id,
            VoiceProfileDomainId=seed.voice_profile_domain_id,
        )
        raw.close()
    assert started["SpeakerSearchTask"]["SpeakerSearchTaskStatus"] == "IN_QUEUE"


def test_client_signs_with_the_services_credentials_when_it_checks_them() -> None:
    with LocalSpeakerSearchService(
        clock=ManualClock(), credentials={"AKIDCHECKED": "the-secret"}
    ) as service:
        seed = seed_demo(service)
        with service.client() as client:
            task = client.start_speaker_search_task(
                voice_connector_id=seed.voice_connector_id,
                transaction_id=seed.succeeding_transaction_id,
                voice_profile_domain_id=seed.voice_profile_domain_id,
            )
        assert task.speaker_search_task_status.value == "IN_QUEUE"
        assert "Credential=AKIDCHECKED/" in service.requests[-1].headers["authorization"]
