"""The demo seed (ids, outcomes of its three calls) and its AWS CLI examples, run with the
real AWS CLI against the emulator, plus an AWS CLI error case."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest

from chime_speaker_search.testing import (
    DemoSeed,
    LocalSpeakerSearchService,
    ManualClock,
    aws_cli_examples,
    seed_demo,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

AWS = Path(sys.executable).with_name("aws")


@pytest.fixture
def demo() -> Iterator[tuple[LocalSpeakerSearchService, ManualClock, DemoSeed]]:
    clock = ManualClock()
    with LocalSpeakerSearchService(clock=clock) as service:
        yield service, clock, seed_demo(service)


def test_seed_has_fixed_realistic_ids(
    demo: tuple[LocalSpeakerSearchService, ManualClock, DemoSeed],
) -> None:
    service, _, seed = demo
    assert re.fullmatch(r"[a-z0-9]{22}", seed.voice_connector_id)
    assert set(seed.voice_profile_ids) == {"alice", "bob", "carol"}
    assert seed.speaker_of(seed.voice_profile_ids["bob"]) == "bob"
    assert seed.speaker_of("someone-else") is None
    assert seed.callers[seed.succeeding_transaction_id] == "alice"
    again = LocalSpeakerSearchService(clock=ManualClock())
    assert seed_demo(again) == seed  # the same ids in every emulator
    with pytest.raises(ValueError, match="already exists"):
        seed_demo(service)  # once per service
    with pytest.raises(TypeError):
        seed.voice_profile_ids["dave"] = "x"  # type: ignore[index]


@pytest.mark.parametrize(
    ("call", "leg", "status", "speaker"),
    [
        ("succeeding_transaction_id", "Caller", "SUCCEEDED", "alice"),
        ("succeeding_transaction_id", "Callee", "SUCCEEDED", "carol"),
        ("partial_success_transaction_id", "Caller", "PARTIAL_SUCCESS", "bob"),
        ("failing_transaction_id", "Caller", "FAILED", None),
    ],
)
def test_seeded_calls_end_as_documented(
    demo: tuple[LocalSpeakerSearchService, ManualClock, DemoSeed],
    call: str,
    leg: str,
    status: str,
    speaker: str | None,
) -> None:
    service, clock, seed = demo
    boto = boto3.client(
        "chime-sdk-voice", endpoint_url=service.endpoint_url, region_name=service.region_name
    )
    task = boto.start_speaker_search_task(
        VoiceConnectorId=seed.voice_connector_id,
        TransactionId=getattr(seed, call),
        VoiceProfileDomainId=seed.voice_profile_domain_id,
        CallLeg=leg,  # type: ignore[arg-type]
    )["SpeakerSearchTask"]
    clock.advance(60)
    task = boto.get_speaker_search_task(
        VoiceConnectorId=seed.voice_connector_id, SpeakerSearchTaskId=task["SpeakerSearchTaskId"]
    )["SpeakerSearchTask"]
    assert task["SpeakerSearchTaskStatus"] == status
    results = task.get("SpeakerSearchDetails", {}).get("Results", [])
    if speaker is None:
        assert results == []
        assert task["StatusMessage"]
    else:
        assert seed.speaker_of(results[0]["VoiceProfileId"]) == speaker
        assert results[0]["ConfidenceScore"] >= 0.85


def aws_environment(tmp_path: Path) -> dict[str, str]:
    """Dummy credentials, no user config, and our venv's `aws` first on the PATH."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") or key == "AWS_EC2_METADATA_DISABLED"
    }
    env.update(
        PATH=f"{AWS.parent}{os.pathsep}{env.get('PATH', '')}",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing-secret",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(tmp_path / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"),
        AWS_PAGER="",
        HOME=str(tmp_path),
    )
    return env


@pytest.mark.skipif(not AWS.exists(), reason="the AWS CLI (a dev dependency) is not installed")
def test_aws_cli_examples_work_as_printed(
    demo: tuple[LocalSpeakerSearchService, ManualClock, DemoSeed], tmp_path: Path
) -> None:
    """The copy-paste examples, run by a shell and the real AWS CLI: start, then get."""
    service, _, seed = demo
    examples = aws_cli_examples(service, seed)
    assert all("aws chime-sdk-voice" in line for line in examples)
    assert all(f"--endpoint-url {service.endpoint_url}" in line for line in examples)
    result = subprocess.run(  # noqa: S603 (a fixed shell script we generated)
        ["/bin/sh", "-ec", "\n".join(examples)],
        env=aws_environment(tmp_path),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    (task_id,) = service.tasks
    assert f'"SpeakerSearchTaskId": "{task_id}"' in result.stdout
    assert '"SpeakerSearchTaskStatus": "IN_QUEUE"' in result.stdout
    assert '"CreatedTimestamp": "2026-01-01T00:00:00' in result.stdout
    start, get = service.requests
    assert start.operation == "StartSpeakerSearchTask"
    assert get.operation == "GetSpeakerSearchTask"
    assert start.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=testing/")


@pytest.mark.skipif(not AWS.exists(), reason="the AWS CLI (a dev dependency) is not installed")
def test_aws_cli_reports_not_found(
    demo: tuple[LocalSpeakerSearchService, ManualClock, DemoSeed], tmp_path: Path
) -> None:
    service, _, seed = demo
    result = subprocess.run(  # noqa: S603 (our venv's aws, fixed arguments)
        [
            str(AWS),
            "chime-sdk-voice",
            "get-speaker-search-task",
            "--voice-connector-id",
            seed.voice_connector_id,
            "--speaker-search-task-id",
            "no-such-task",
            "--endpoint-url",
            service.endpoint_url,
        ],
        env=aws_environment(tmp_path),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0  # 255 (CLI v1) or 254 (v2): a service error
    assert "NotFoundException" in result.stderr
    assert "no-such-task" in result.stderr
    assert "testing-secret" not in result.stderr + result.stdout
