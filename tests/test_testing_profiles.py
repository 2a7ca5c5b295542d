"""The emulator's voice profile operations, observed through raw boto3 and the AWS CLI.

Wire shapes are the service's: botocore's model (botocore/data/chime-sdk-voice/2022-08-03/
service-2.json) and AWS's Smithy model (aws/api-models-aws, chime-sdk-voice/service/
2022-08-03/chime-sdk-voice-2022-08-03.json). Rules come from the Amazon Chime SDK
Developer Guide: "Understanding data retention" (va-data-retention: voiceprints kept
24 hours, profiles 3 years) and "Call analytics service quotas" (ca-regions: 20 voice
profiles per domain, one concurrent API call per profile, domain and task).
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

import botocore.exceptions
import pytest

from chime_speaker_search.testing import LocalSpeakerSearchService, ManualClock
from tests.test_testing_service import boto_client
from tests.test_testing_wire import SIGNED

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_chime_sdk_voice import ChimeSDKVoiceClient

START = datetime.fromisoformat("2026-01-01T00:00:00+00:00")
PROFILE_KEYS = {
    "VoiceProfileId",
    "VoiceProfileArn",
    "VoiceProfileDomainId",
    "CreatedTimestamp",
    "UpdatedTimestamp",
    "ExpirationTimestamp",
}


class World(NamedTuple):
    service: LocalSpeakerSearchService
    clock: ManualClock
    boto: ChimeSDKVoiceClient
    vc: str
    domain: str

    def task(self, caller: str | None, *, speech: float = 60.0, domain: str | None = None) -> str:
        """Start a task on a fresh call of ``caller``; return its id."""
        call = self.service.add_call(self.vc, caller=caller, caller_speech_seconds=speech)
        started = self.boto.start_speaker_search_task(
            VoiceConnectorId=self.vc,
            TransactionId=call,
            VoiceProfileDomainId=domain or self.domain,
        )
        return started["SpeakerSearchTask"]["SpeakerSearchTaskId"]

    def finished_task(self, caller: str | None, **kwargs: Any) -> str:
        """A task run to its end (25 s: queue, 20 s of voiceprint, slack)."""
        task_id = self.task(caller, **kwargs)
        self.clock.advance(25)
        return task_id

    def search(self, task_id: str) -> list[tuple[str, float]]:
        got = self.boto.get_speaker_search_task(
            VoiceConnectorId=self.vc, SpeakerSearchTaskId=task_id
        )
        details = got["SpeakerSearchTask"].get("SpeakerSearchDetails", {})
        return [(r["VoiceProfileId"], r["ConfidenceScore"]) for r in details.get("Results", [])]

    def error(self, call: Any, **kwargs: Any) -> tuple[str, int, str]:
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            call(**kwargs)
        response = raised.value.response
        return (
            response["Error"]["Code"],
            response["ResponseMetadata"]["HTTPStatusCode"],
            response["Error"]["Message"],
        )


@pytest.fixture
def world() -> Iterator[World]:
    clock = ManualClock()
    with LocalSpeakerSearchService(clock=clock) as service:
        yield World(
            service=service,
            clock=clock,
            boto=boto_client(service),
            vc=service.add_voice_connector(),
            domain=service.add_voice_profile_domain(name="callers", description="Support line"),
        )


# --- the loop the feature exists for --------------------------------------------------------


def test_identify_enrol_identify_runs_offline(world: World) -> None:
    """A caller nobody enrolled is enrolled from their task, then recognised next call."""
    world.service.add_voice_profile(world.domain, speaker="alice")
    first = world.finished_task("dave")
    assert all(score < 0.6 for _, score in world.search(first))  # nobody matches dave

    created = world.boto.create_voice_profile(SpeakerSearchTaskId=first)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    dave = created["VoiceProfile"]["VoiceProfileId"]

    second = world.finished_task("dave")  # another call of dave's
    (best, score), *_ = world.search(second)
    assert best == dave
    assert score >= 0.85


def test_an_unenrolled_callers_profile_matches_only_that_caller(world: World) -> None:
    """A leg seeded with caller=None is an unknown person: their profile is theirs alone."""
    first = world.finished_task(None)
    profile = world.boto.create_voice_profile(SpeakerSearchTaskId=first)["VoiceProfile"]
    stranger = world.finished_task(None)  # another unknown person
    ((best, score),) = world.search(stranger)
    assert best == profile["VoiceProfileId"]
    assert score < 0.6  # listed, as every profile of the domain is, but not a match


def test_update_replaces_the_voice_and_renews_three_years(world: World) -> None:
    alice_task = world.finished_task("alice")
    profile = world.boto.create_voice_profile(SpeakerSearchTaskId=alice_task)["VoiceProfile"]
    world.clock.advance(timedelta(days=2))
    bob_task = world.finished_task("bob")
    updated = world.boto.update_voice_profile(
        VoiceProfileId=profile["VoiceProfileId"], SpeakerSearchTaskId=bob_task
    )
    assert updated["ResponseMetadata"]["HTTPStatusCode"] == 200
    new = updated["VoiceProfile"]
    assert new["CreatedTimestamp"] == profile["CreatedTimestamp"]
    assert new["UpdatedTimestamp"] == START + timedelta(days=2, seconds=50)
    assert new["ExpirationTimestamp"] == START.replace(year=2029) + timedelta(days=2, seconds=50)
    ((best, score),) = world.search(world.finished_task("bob"))
    assert (best, score >= 0.85) == (profile["VoiceProfileId"], True)  # it is bob's now


# --- wire shapes ----------------------------------------------------------------------------


def test_profiles_have_exactly_the_models_members(world: World) -> None:
    task_id = world.finished_task("alice")
    created = world.boto.create_voice_profile(SpeakerSearchTaskId=task_id)["VoiceProfile"]
    assert set(created) == PROFILE_KEYS
    assert created["VoiceProfileDomainId"] == world.domain
    assert (
        created["CreatedTimestamp"] == created["UpdatedTimestamp"] == START + timedelta(seconds=25)
    )
    assert created["ExpirationTimestamp"] == START.replace(year=2029) + timedelta(seconds=25)
    assert created["VoiceProfileArn"].startswith("arn:aws:chime:us-east-1:")
    got = world.boto.get_voice_profile(VoiceProfileId=created["VoiceProfileId"])
    assert got["VoiceProfile"] == created
    (listed,) = world.boto.list_voice_profiles(VoiceProfileDomainId=world.domain)["VoiceProfiles"]
    assert listed == created  # VoiceProfileSummary has the same members


def test_domains_have_exactly_the_models_members(world: World) -> None:
    key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    other = world.service.add_voice_profile_domain("d-2", name="sales", kms_key_arn=key)
    got = world.boto.get_voice_profile_domain(VoiceProfileDomainId=other)["VoiceProfileDomain"]
    assert got == {
        "VoiceProfileDomainId": "d-2",
        "VoiceProfileDomainArn": "arn:aws:chime:us-east-1:111122223333:voice-profile-domain/d-2",
        "Name": "sales",
        "ServerSideEncryptionConfiguration": {"KmsKeyArn": key},
        "CreatedTimestamp": START,
        "UpdatedTimestamp": START,
    }
    summaries = world.boto.list_voice_profile_domains()["VoiceProfileDomains"]
    assert [s["VoiceProfileDomainId"] for s in summaries] == [world.domain, "d-2"]
    assert summaries[0]["Description"] == "Support line"
    # VoiceProfileDomainSummary has no encryption configuration.
    assert all("ServerSideEncryptionConfiguration" not in s for s in summaries)


def test_delete_is_204_then_the_profile_is_gone(world: World) -> None:
    profile_id = world.service.add_voice_profile(world.domain, speaker="alice")
    deleted = world.boto.delete_voice_profile(VoiceProfileId=profile_id)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert world.error(world.boto.get_voice_profile, VoiceProfileId=profile_id)[:2] == (
        "NotFoundException",
        404,
    )
    assert world.error(world.boto.delete_voice_profile, VoiceProfileId=profile_id)[1] == 404
    assert world.search(world.finished_task("alice")) == []  # nobody left to match


# --- listing --------------------------------------------------------------------------------


def test_list_pages_follow_next_token(world: World) -> None:
    made = [world.service.add_voice_profile(world.domain, speaker=f"s{i}") for i in range(7)]
    world.service.add_voice_profile(world.service.add_voice_profile_domain(), speaker="x")
    # botocore has no paginator for this operation: follow NextToken by hand.
    pages = [world.boto.list_voice_profiles(VoiceProfileDomainId=world.domain, MaxResults=3)]
    while "NextToken" in pages[-1]:
        pages.append(
            world.boto.list_voice_profiles(
                VoiceProfileDomainId=world.domain, MaxResults=3, NextToken=pages[-1]["NextToken"]
            )
        )
    assert [len(page["VoiceProfiles"]) for page in pages] == [3, 3, 1]
    assert [p["VoiceProfileId"] for page in pages for p in page["VoiceProfiles"]] == made
    assert "NextToken" not in pages[-1]


def test_a_page_token_survives_deletions_between_pages(world: World) -> None:
    made = [world.service.add_voice_profile(world.domain, speaker=f"s{i}") for i in range(4)]
    first = world.boto.list_voice_profiles(VoiceProfileDomainId=world.domain, MaxResults=2)
    world.boto.delete_voice_profile(VoiceProfileId=made[0])
    rest = world.boto.list_voice_profiles(
        VoiceProfileDomainId=world.domain, MaxResults=2, NextToken=first["NextToken"]
    )
    assert [p["VoiceProfileId"] for p in rest["VoiceProfiles"]] == made[2:]


def test_domains_page_too(world: World) -> None:
    for _ in range(3):
        world.service.add_voice_profile_domain()
    first = world.boto.list_voice_profile_domains(MaxResults=3)
    second = world.boto.list_voice_profile_domains(MaxResults=3, NextToken=first["NextToken"])
    assert (len(first["VoiceProfileDomains"]), len(second["VoiceProfileDomains"])) == (3, 1)
    assert "NextToken" not in second


def raw_get(world: World, path: str) -> tuple[int, dict[str, str], Any]:
    port = urlsplit(world.service.endpoint_url).port
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=SIGNED)
        response = connection.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return response.status, headers, json.loads(response.read())
    finally:
        connection.close()


@pytest.mark.parametrize("max_results", ["0", "101", "-1", "ten", "1.5"])
def test_max_results_out_of_1_to_100_is_a_bad_request(world: World, max_results: str) -> None:
    """[smithy] ResultMax is 1-100; botocore only checks the minimum, so raw HTTP too."""
    for path in (
        f"/voice-profiles?voice-profile-domain-id={world.domain}&max-results={max_results}",
        f"/voice-profile-domains?max-results={max_results}",
    ):
        status, headers, body = raw_get(world, path)
        assert (status, headers["x-amzn-errortype"]) == (400, "BadRequestException")
        assert body["Code"] == "BadRequest"
        assert "MaxResults" in body["Message"]
    code, status_code, _ = world.error(
        world.boto.list_voice_profiles, VoiceProfileDomainId=world.domain, MaxResults=101
    )
    assert (code, status_code) == ("BadRequestException", 400)


def test_list_needs_a_known_domain_and_a_real_token(world: World) -> None:
    status, _, body = raw_get(world, "/voice-profiles")
    assert status == 400
    assert "VoiceProfileDomainId" in body["Message"]
    assert world.error(world.boto.list_voice_profiles, VoiceProfileDomainId="nope")[:2] == (
        "NotFoundException",
        404,
    )
    code, _, message = world.error(
        world.boto.list_voice_profiles, VoiceProfileDomainId=world.domain, NextToken="forged"
    )
    assert code == "BadRequestException"
    assert "NextToken" in message
    # A token of another domain's listing is not valid here either.
    other = world.service.add_voice_profile_domain()
    for i in range(2):
        world.service.add_voice_profile(other, speaker=f"o{i}")
    token = world.boto.list_voice_profiles(VoiceProfileDomainId=other, MaxResults=1)["NextToken"]
    assert world.error(
        world.boto.list_voice_profiles, VoiceProfileDomainId=world.domain, NextToken=token
    )[0] == ("BadRequestException")


# --- errors ---------------------------------------------------------------------------------


def test_unknown_ids_are_not_found(world: World) -> None:
    task_id = world.finished_task("alice")
    cases = [
        (world.boto.get_voice_profile, {"VoiceProfileId": "nope"}),
        (world.boto.delete_voice_profile, {"VoiceProfileId": "nope"}),
        (
            world.boto.update_voice_profile,
            {"VoiceProfileId": "nope", "SpeakerSearchTaskId": task_id},
        ),
        (world.boto.create_voice_profile, {"SpeakerSearchTaskId": "nope"}),
        (world.boto.get_voice_profile_domain, {"VoiceProfileDomainId": "nope"}),
    ]
    for call, kwargs in cases:
        code, status, message = world.error(call, **kwargs)
        assert (code, status) == ("NotFoundException", 404), call
        assert "'nope'" in message


def test_whitespace_ids_are_bad_requests_naming_the_field(world: World) -> None:
    code, status, message = world.error(world.boto.get_voice_profile, VoiceProfileId="   ")
    assert (code, status) == ("BadRequestException", 400)
    assert "VoiceProfileId" in message
    code, _, message = world.error(world.boto.create_voice_profile, SpeakerSearchTaskId=" \t")
    assert code == "BadRequestException"
    assert "SpeakerSearchTaskId" in message


def test_update_with_a_task_of_another_domain_is_a_bad_request(world: World) -> None:
    other = world.service.add_voice_profile_domain()
    profile_id = world.service.add_voice_profile(world.domain, speaker="alice")
    task_id = world.finished_task("alice", domain=other)
    code, _, message = world.error(
        world.boto.update_voice_profile, VoiceProfileId=profile_id, SpeakerSearchTaskId=task_id
    )
    assert code == "BadRequestException"
    assert other in message


@pytest.mark.parametrize(
    ("speech", "advance", "says"),
    [
        (15.0, 25, "no voiceprint"),  # PARTIAL_SUCCESS: identified, no voiceprint
        (5.0, 25, "no voiceprint"),  # FAILED
        (60.0, 5, "not generated its voiceprint yet"),  # still IN_PROGRESS
    ],
)
def test_a_task_without_a_voiceprint_is_gone(
    world: World, speech: float, advance: float, says: str
) -> None:
    task_id = world.task("alice", speech=speech)
    world.clock.advance(advance)
    code, status, message = world.error(
        world.boto.create_voice_profile, SpeakerSearchTaskId=task_id
    )
    assert (code, status) == ("GoneException", 410)
    assert says in message
    assert world.service.voice_profiles == {}


def test_a_stopped_task_has_no_voiceprint(world: World) -> None:
    task_id = world.task("alice")
    world.clock.advance(15)
    world.boto.stop_speaker_search_task(VoiceConnectorId=world.vc, SpeakerSearchTaskId=task_id)
    world.clock.advance(60)
    assert world.error(world.boto.create_voice_profile, SpeakerSearchTaskId=task_id)[0] == (
        "GoneException"
    )


def test_error_bodies_carry_the_smithy_code_member(world: World) -> None:
    status, headers, body = raw_get(world, "/voice-profiles/nope")
    assert (status, headers["x-amzn-errortype"]) == (404, "NotFoundException")
    assert body == {"Code": "NotFound", "Message": "Voice profile 'nope' was not found."}


# --- retention (va-data-retention) ----------------------------------------------------------


def test_a_voiceprint_is_usable_for_24_hours_after_it_was_generated(world: World) -> None:
    task_id = world.task("alice")
    world.clock.advance(21)  # generated 21 s after the start (1 s queue + 20 s of speech)
    world.clock.advance(timedelta(hours=24) - timedelta(seconds=1))
    profile = world.boto.create_voice_profile(SpeakerSearchTaskId=task_id)["VoiceProfile"]
    world.clock.advance(1)  # now exactly 24 hours old
    for call, kwargs in (
        (world.boto.create_voice_profile, {"SpeakerSearchTaskId": task_id}),
        (
            world.boto.update_voice_profile,
            {"VoiceProfileId": profile["VoiceProfileId"], "SpeakerSearchTaskId": task_id},
        ),
    ):
        code, status, message = world.error(call, **kwargs)
        assert (code, status) == ("GoneException", 410)
        assert "24 hours" in message
    # The task itself is still there (7 days): only its voiceprint is gone.
    got = world.boto.get_speaker_search_task(VoiceConnectorId=world.vc, SpeakerSearchTaskId=task_id)
    assert got["SpeakerSearchTask"]["SpeakerSearchTaskStatus"] == "SUCCEEDED"


def test_a_profile_expires_three_years_after_its_last_update(world: World) -> None:
    profile_id = world.service.add_voice_profile(world.domain, speaker="alice")
    world.clock.advance(START.replace(year=2029) - START - timedelta(seconds=1))
    assert world.boto.get_voice_profile(VoiceProfileId=profile_id)["VoiceProfile"]
    assert [p for p, _ in world.search(world.finished_task("alice"))] == [profile_id]
    world.clock.advance(1)  # 2029-01-01T00:00:24: expired 24 s ago
    code, status, message = world.error(world.boto.get_voice_profile, VoiceProfileId=profile_id)
    assert (code, status) == ("NotFoundException", 404)
    assert "expired" in message
    assert world.boto.list_voice_profiles(VoiceProfileDomainId=world.domain)["VoiceProfiles"] == []
    assert world.search(world.finished_task("alice")) == []  # no longer matched
    assert world.service.voice_profiles == {}
    # va-data-retention: "You can use the UpdateVoiceProfile API to update expired voice
    # embeddings": an update brings it back for three more years.
    task_id = world.finished_task("alice")
    renewed = world.boto.update_voice_profile(
        VoiceProfileId=profile_id, SpeakerSearchTaskId=task_id
    )
    assert renewed["VoiceProfile"]["ExpirationTimestamp"].year == 2032
    assert world.boto.get_voice_profile(VoiceProfileId=profile_id)["VoiceProfile"]


# --- quotas (ca-regions) --------------------------------------------------------------------


def test_create_stops_at_twenty_profiles_per_domain(world: World) -> None:
    for i in range(19):
        world.service.add_voice_profile(world.domain, speaker=f"s{i}")
    world.boto.create_voice_profile(SpeakerSearchTaskId=world.finished_task("alice"))
    code, status, message = world.error(
        world.boto.create_voice_profile, SpeakerSearchTaskId=world.finished_task("bob")
    )
    assert (code, status) == ("ResourceLimitExceededException", 400)
    assert "20" in message
    assert len(world.service.voice_profiles) == 20
    # Deleting one makes room again.
    world.boto.delete_voice_profile(VoiceProfileId=next(iter(world.service.voice_profiles)))
    world.boto.create_voice_profile(SpeakerSearchTaskId=world.finished_task("bob"))


def test_the_profile_quota_is_configurable_and_seeding_is_not_limited() -> None:
    clock = ManualClock()
    with LocalSpeakerSearchService(clock=clock, max_voice_profiles_per_domain=1) as service:
        vc, domain = service.add_voice_connector(), service.add_voice_profile_domain()
        for i in range(3):  # seeding is the test's own set-up: no quota
            service.add_voice_profile(domain, speaker=f"s{i}")
        boto = boto_client(service)
        call = service.add_call(vc, caller="alice")
        task = boto.start_speaker_search_task(
            VoiceConnectorId=vc, TransactionId=call, VoiceProfileDomainId=domain
        )["SpeakerSearchTask"]
        clock.advance(25)
        with pytest.raises(boto.exceptions.ResourceLimitExceededException):
            boto.create_voice_profile(SpeakerSearchTaskId=task["SpeakerSearchTaskId"])


def test_the_concurrency_quota_conflicts_while_a_call_is_in_flight() -> None:
    """ca-regions: one concurrent API call per voice profile; smithy: ConflictException."""
    import threading  # noqa: PLC0415

    with LocalSpeakerSearchService(clock=ManualClock(), concurrency_quota=True) as service:
        domain = service.add_voice_profile_domain()
        profile_id = service.add_voice_profile(domain, speaker="alice")
        other = service.add_voice_profile(domain, speaker="bob")
        boto = boto_client(service)
        service.delay_next("GetVoiceProfile", 0.5)
        slow = threading.Thread(
            target=boto.get_voice_profile, kwargs={"VoiceProfileId": profile_id}
        )
        slow.start()
        try:
            deadline = 100
            while not any(r.operation == "GetVoiceProfile" for r in service.requests) and deadline:
                threading.Event().wait(0.01)
                deadline -= 1
            with pytest.raises(boto.exceptions.ConflictException):
                boto.delete_voice_profile(VoiceProfileId=profile_id)
            assert boto.get_voice_profile(VoiceProfileId=other)["VoiceProfile"]  # not busy
        finally:
            slow.join(5)
        boto.delete_voice_profile(VoiceProfileId=profile_id)  # free again once answered


# --- seeding, observing, faults -------------------------------------------------------------


def test_seeded_profiles_are_served_like_created_ones(world: World) -> None:
    seeded = world.service.add_voice_profile(world.domain, speaker="alice", voice_profile_id="p-1")
    got = world.boto.get_voice_profile(VoiceProfileId=seeded)["VoiceProfile"]
    assert got["VoiceProfileId"] == "p-1"
    assert dict(world.service.voice_profiles["p-1"])["VoiceProfileDomainId"] == world.domain
    with pytest.raises(TypeError):
        world.service.voice_profiles["p-1"]["VoiceProfileId"] = "x"  # type: ignore[index]


def test_faults_apply_to_the_new_operations(world: World) -> None:
    task_id = world.finished_task("alice")
    world.service.fail_next("create_voice_profile", "ThrottledClientException")
    code, status, _ = world.error(world.boto.create_voice_profile, SpeakerSearchTaskId=task_id)
    assert (code, status) == ("ThrottledClientException", 429)
    assert world.service.voice_profiles == {}  # a failed request has no effect
    world.service.drop_next_response("CreateVoiceProfile")
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        world.boto.create_voice_profile(SpeakerSearchTaskId=task_id)
    assert len(world.service.voice_profiles) == 1  # a dropped answer: it took effect
    assert [r.operation for r in world.service.requests][-2:] == ["CreateVoiceProfile"] * 2


def aws_cli(*arguments: str, endpoint_url: str, home: Path) -> dict[str, Any]:
    """Run the venv's AWS CLI (``aws chime-sdk-voice ...``); return its JSON output."""
    done = subprocess.run(  # noqa: S603 (the venv's own AWS CLI, fixed arguments)
        [
            str(Path(sys.executable).with_name("aws")),
            "chime-sdk-voice",
            *arguments,
            "--endpoint-url",
            endpoint_url,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(home), "AWS_PAGER": ""},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    output: dict[str, Any] = json.loads(done.stdout)
    return output


def test_the_aws_cli_accepts_the_new_operations(world: World, tmp_path: Path) -> None:
    task_id = world.finished_task("alice")
    created = aws_cli(
        "create-voice-profile",
        "--speaker-search-task-id",
        task_id,
        endpoint_url=world.service.endpoint_url,
        home=tmp_path,
    )["VoiceProfile"]
    assert set(created) == PROFILE_KEYS
    assert dict(world.service.voice_profiles[created["VoiceProfileId"]]) == created
