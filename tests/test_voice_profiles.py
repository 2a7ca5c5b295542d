"""Voice profiles over real HTTP (scripted server): wire requests, models, validation,
pagination, the no-token retry rule, and ``enrol``'s local checks.

Every test using the ``client`` fixture runs with both clients (``list_*`` of the async
one is an async iterator, pulled lazily through ``tests/aio.py``).
"""

from __future__ import annotations

import enum
import json
import pickle
import socket
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

import botocore.session
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chime_speaker_search as css
from chime_speaker_search import (
    InvalidParameterError,
    MalformedResponseError,
    OutcomeUnknownError,
    RetryPolicy,
    SpeakerSearchClient,
    SpeakerSearchDetails,
    SpeakerSearchTask,
    SpeakerSearchTaskStatus,
    TransportError,
    VoiceprintGenerationStatus,
    VoiceprintUnavailableError,
    VoiceProfile,
    VoiceProfileDomain,
)
from tests import strategies
from tests.scripted import Reply, ScriptedServer, error
from tests.test_properties import id_values, oracle_id

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from chime_speaker_search._clock import ManualClock

BOTH_CLIENTS = True
ARN = "arn:aws:chime:us-east-1:111122223333:voice-profile/p-1"
DOMAIN_ARN = "arn:aws:chime:us-east-1:111122223333:voice-profile-domain/d-1"
KMS_ARN = "arn:aws:kms:us-east-1:111122223333:key/k-1"
PROFILE: dict[str, Any] = {
    "VoiceProfileId": "p-1",
    "VoiceProfileArn": ARN,
    "VoiceProfileDomainId": "d-1",
    "CreatedTimestamp": "2026-01-01T00:00:00.000Z",
    "UpdatedTimestamp": "2026-01-01T00:00:00.000Z",
    "ExpirationTimestamp": "2029-01-01T00:00:00.000Z",
}
DOMAIN: dict[str, Any] = {
    "VoiceProfileDomainId": "d-1",
    "VoiceProfileDomainArn": DOMAIN_ARN,
    "Name": "callers",
    "Description": "Enrolled callers",
    "ServerSideEncryptionConfiguration": {"KmsKeyArn": KMS_ARN},
    "CreatedTimestamp": "2025-06-01T00:00:00.000Z",
    "UpdatedTimestamp": "2025-06-02T00:00:00.000Z",
}
TASK_ID = "7f7e8a0c-0000-4000-8000-000000000001"


def profile_reply(status: int = 200, **changes: Any) -> Reply:
    return Reply(status=status, body={"VoiceProfile": {**PROFILE, **changes}})


def profiles_page(ids: list[str], token: str | None = None) -> Reply:
    body: dict[str, Any] = {"VoiceProfiles": [{**PROFILE, "VoiceProfileId": i} for i in ids]}
    if token is not None:
        body["NextToken"] = token
    return Reply(body=body)


def query(path: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(path).query)


def succeeded_task(clock: ManualClock, *, age: timedelta = timedelta(hours=1)) -> SpeakerSearchTask:
    return SpeakerSearchTask(
        speaker_search_task_id=TASK_ID,
        speaker_search_task_status=SpeakerSearchTaskStatus.SUCCEEDED,
        speaker_search_details=SpeakerSearchDetails(
            voiceprint_generation_status=VoiceprintGenerationStatus.VOICEPRINT_GENERATION_SUCCESS
        ),
        created_timestamp=clock.now() - age - timedelta(minutes=1),
        updated_timestamp=clock.now() - age,
    )


# --- the operations on the wire ----------------------------------------------------------


def test_create_sends_post_with_the_task_id_and_returns_the_profile(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(profile_reply(201))
    profile = client.create_voice_profile(speaker_search_task_id=TASK_ID)
    (sent,) = scripted.requests
    assert (sent.method, sent.path) == ("POST", "/voice-profiles")
    assert sent.body == {"SpeakerSearchTaskId": TASK_ID}
    assert profile == VoiceProfile.from_dict(PROFILE)
    assert profile.voice_profile_id == "p-1"
    assert profile.voice_profile_arn == ARN
    assert profile.voice_profile_domain_id == "d-1"
    assert profile.expiration_timestamp == datetime(2029, 1, 1, tzinfo=timezone.utc)


def test_update_sends_put_to_the_profile(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(profile_reply(UpdatedTimestamp="2026-02-01T00:00:00Z"))
    profile = client.update_voice_profile(voice_profile_id="p 1/x", speaker_search_task_id=TASK_ID)
    (sent,) = scripted.requests
    assert (sent.method, sent.path) == ("PUT", "/voice-profiles/p%201%2Fx")
    assert sent.body == {"SpeakerSearchTaskId": TASK_ID}
    assert profile.updated_timestamp == datetime(2026, 2, 1, tzinfo=timezone.utc)


def test_get_sends_get_to_the_profile(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(profile_reply())
    profile = client.get_voice_profile(voice_profile_id="p-1")
    (sent,) = scripted.requests
    assert (sent.method, sent.path, sent.body) == ("GET", "/voice-profiles/p-1", None)
    assert profile == VoiceProfile.from_dict(PROFILE)


def test_delete_sends_delete_and_returns_none(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(Reply(status=204, body=b""))
    result = client.delete_voice_profile(voice_profile_id="p-1")  # type: ignore[func-returns-value]
    assert result is None
    (sent,) = scripted.requests
    assert (sent.method, sent.path) == ("DELETE", "/voice-profiles/p-1")


def test_get_domain_reads_the_kms_key(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(Reply(body={"VoiceProfileDomain": DOMAIN}))
    domain = client.get_voice_profile_domain(voice_profile_domain_id="d-1")
    (sent,) = scripted.requests
    assert (sent.method, sent.path) == ("GET", "/voice-profile-domains/d-1")
    assert domain == VoiceProfileDomain(
        voice_profile_domain_id="d-1",
        voice_profile_domain_arn=DOMAIN_ARN,
        name="callers",
        description="Enrolled callers",
        kms_key_arn=KMS_ARN,
        created_timestamp=datetime(2025, 6, 1, tzinfo=timezone.utc),
        updated_timestamp=datetime(2025, 6, 2, tzinfo=timezone.utc),
    )
    assert domain.to_dict()["ServerSideEncryptionConfiguration"] == {"KmsKeyArn": KMS_ARN}


def test_list_profiles_is_lazy_and_follows_next_token(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(profiles_page(["a", "b"], "t1"), profiles_page(["c"], "t2"), profiles_page([]))
    profiles = client.list_voice_profiles(voice_profile_domain_id="d-1", page_size=2)
    assert scripted.requests == []  # nothing sent until the first item is asked for
    assert next(profiles).voice_profile_id == "a"
    assert len(scripted.requests) == 1  # the first item costs one request
    assert next(profiles).voice_profile_id == "b"
    assert len(scripted.requests) == 1
    assert [p.voice_profile_id for p in profiles] == ["c"]
    assert len(scripted.requests) == 3
    first, second, third = scripted.requests
    assert urlsplit(first.path).path == "/voice-profiles"
    assert query(first.path) == {"voice-profile-domain-id": ["d-1"], "max-results": ["2"]}
    assert query(second.path) == {
        "voice-profile-domain-id": ["d-1"],
        "max-results": ["2"],
        "next-token": ["t1"],
    }
    assert query(third.path)["next-token"] == ["t2"]


def test_list_profiles_stops_requesting_when_iteration_stops(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(*(profiles_page(["x"], f"t{n}") for n in range(10)))
    for index, profile in enumerate(client.list_voice_profiles(voice_profile_domain_id="d-1")):
        assert profile.voice_profile_id == "x"
        if index == 2:
            break
    assert len(scripted.requests) == 3
    assert "max-results" not in query(scripted.requests[0].path)


def test_list_domains_pages_and_summaries_have_no_kms_key(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    summary = {k: v for k, v in DOMAIN.items() if k != "ServerSideEncryptionConfiguration"}
    scripted.script(
        Reply(body={"VoiceProfileDomains": [summary], "NextToken": "n"}),
        Reply(body={"VoiceProfileDomains": [{**summary, "VoiceProfileDomainId": "d-2"}]}),
    )
    domains = list(client.list_voice_profile_domains(page_size=1))
    assert [d.voice_profile_domain_id for d in domains] == ["d-1", "d-2"]
    assert all(d.kms_key_arn is None and d.name == "callers" for d in domains)
    first, second = scripted.requests
    assert urlsplit(first.path).path == "/voice-profile-domains"
    assert query(first.path) == {"max-results": ["1"]}
    assert query(second.path) == {"max-results": ["1"], "next-token": ["n"]}


def test_an_empty_page_without_the_list_ends_the_listing(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(Reply(body={}), Reply(body={"VoiceProfileDomains": None}))
    assert list(client.list_voice_profiles(voice_profile_domain_id="d")) == []
    assert list(client.list_voice_profile_domains()) == []
    assert len(scripted.requests) == 2


# --- errors and retries ------------------------------------------------------------------

# method name -> a call of it with valid arguments
CALLS: dict[str, Callable[[SpeakerSearchClient], object]] = {
    "CreateVoiceProfile": lambda c: c.create_voice_profile(speaker_search_task_id=TASK_ID),
    "UpdateVoiceProfile": lambda c: c.update_voice_profile(
        voice_profile_id="p-1", speaker_search_task_id=TASK_ID
    ),
    "GetVoiceProfile": lambda c: c.get_voice_profile(voice_profile_id="p-1"),
    "DeleteVoiceProfile": lambda c: c.delete_voice_profile(voice_profile_id="p-1"),
    "ListVoiceProfiles": lambda c: list(c.list_voice_profiles(voice_profile_domain_id="d-1")),
    "GetVoiceProfileDomain": lambda c: c.get_voice_profile_domain(voice_profile_domain_id="d-1"),
    "ListVoiceProfileDomains": lambda c: list(c.list_voice_profile_domains()),
}
OK_REPLIES: dict[str, Reply] = {
    "CreateVoiceProfile": profile_reply(201),
    "UpdateVoiceProfile": profile_reply(),
    "GetVoiceProfile": profile_reply(),
    "DeleteVoiceProfile": Reply(status=204, body=b""),
    "ListVoiceProfiles": profiles_page(["a"]),
    "GetVoiceProfileDomain": Reply(body={"VoiceProfileDomain": DOMAIN}),
    "ListVoiceProfileDomains": Reply(body={"VoiceProfileDomains": [DOMAIN]}),
}
WRITES = ["CreateVoiceProfile", "UpdateVoiceProfile", "DeleteVoiceProfile"]
READS = [op for op in CALLS if op not in WRITES]


@pytest.mark.parametrize("operation", list(CALLS))
@pytest.mark.parametrize(
    ("code", "status", "cls"),
    [
        ("NotFoundException", 404, css.NotFoundException),
        ("BadRequestException", 400, css.BadRequestException),
        ("AccessDeniedException", 403, css.AccessDeniedException),
    ],
)
def test_every_operation_maps_service_errors_without_retrying_them(
    client: SpeakerSearchClient,
    scripted: ScriptedServer,
    operation: str,
    code: str,
    status: int,
    cls: type[css.ServiceError],
) -> None:
    scripted.script(error(code, status, "no"))
    with pytest.raises(cls) as caught:
        CALLS[operation](client)
    assert len(scripted.requests) == 1
    assert caught.value.operation_name == operation
    assert caught.value.http_status == status
    assert caught.value.request_id == "req-1"
    if cls is css.AccessDeniedException:
        assert f"chime:{operation}" in str(caught.value)  # the hint names the action


@pytest.mark.parametrize(
    ("operation", "code", "status", "cls"),
    [
        ("CreateVoiceProfile", "GoneException", 410, css.GoneException),
        (
            "CreateVoiceProfile",
            "ResourceLimitExceededException",
            400,
            css.ResourceLimitExceededException,
        ),
        ("CreateVoiceProfile", "ConflictException", 409, css.ConflictException),
        ("UpdateVoiceProfile", "GoneException", 410, css.GoneException),
        ("DeleteVoiceProfile", "ConflictException", 409, css.ConflictException),
    ],
)
def test_documented_write_errors_map_to_their_class(
    client: SpeakerSearchClient,
    scripted: ScriptedServer,
    operation: str,
    code: str,
    status: int,
    cls: type[css.ServiceError],
) -> None:
    scripted.script(error(code, status))
    with pytest.raises(cls):
        CALLS[operation](client)
    assert len(scripted.requests) == 1


@pytest.mark.parametrize("operation", WRITES)
def test_a_lost_answer_to_a_write_is_outcome_unknown_after_one_request(
    client: SpeakerSearchClient, scripted: ScriptedServer, clock: ManualClock, operation: str
) -> None:
    scripted.script(Reply(drop=True), OK_REPLIES[operation])
    sent_at = clock.now()
    with pytest.raises(OutcomeUnknownError) as caught:
        CALLS[operation](client)
    assert len(scripted.requests) == 1  # never retried blindly
    err = caught.value
    assert isinstance(err, TransportError)
    assert err.operation_name == operation
    assert err.attempts == 1
    assert err.sent_at == sent_at
    assert err.request_sent is True
    assert not err.retryable
    assert isinstance(err.__cause__, TransportError)
    expected = {
        "CreateVoiceProfile": {"SpeakerSearchTaskId": TASK_ID},
        "UpdateVoiceProfile": {"VoiceProfileId": "p-1", "SpeakerSearchTaskId": TASK_ID},
        "DeleteVoiceProfile": {"VoiceProfileId": "p-1"},
    }[operation]
    assert err.details == expected
    assert "list the domain's voice profiles" in str(err)
    assert "the endpoint URL. The service may or may not have acted on it" in str(err)
    assert clock.sleeps == []
    restored = pickle.loads(pickle.dumps(err))
    assert (restored.details, restored.sent_at) == (err.details, err.sent_at)


@pytest.mark.parametrize("operation", WRITES)
@pytest.mark.parametrize(
    "first",
    [
        error("ThrottledClientException", 429),
        error("ServiceUnavailableException", 503),
        error("ServiceFailureException", 500),
    ],
    ids=["429", "503", "500"],
)
def test_a_write_answered_with_a_retryable_error_is_retried(
    client: SpeakerSearchClient, scripted: ScriptedServer, operation: str, first: Reply
) -> None:
    scripted.script(first, OK_REPLIES[operation])
    CALLS[operation](client)
    assert len(scripted.requests) == 2
    assert scripted.requests[0].body == scripted.requests[1].body


@pytest.mark.parametrize("operation", WRITES)
@pytest.mark.parametrize("status", [502, 504])
def test_a_proxys_5xx_page_to_a_write_is_outcome_unknown(
    client: SpeakerSearchClient, scripted: ScriptedServer, operation: str, status: int
) -> None:
    """A gateway page names no AWS error: the service behind it may have acted."""
    scripted.script(Reply(status=status, body=b"<html>Bad gateway</html>"), OK_REPLIES[operation])
    with pytest.raises(OutcomeUnknownError) as caught:
        CALLS[operation](client)
    assert len(scripted.requests) == 1
    assert isinstance(caught.value.__cause__, css.ServiceError)
    assert "proxy or load balancer" in str(caught.value)


@pytest.mark.parametrize("operation", READS)
def test_reads_are_retried_after_a_proxys_5xx_page(
    client: SpeakerSearchClient, scripted: ScriptedServer, operation: str
) -> None:
    scripted.script(Reply(status=502, body=b"bad gateway"), OK_REPLIES[operation])
    CALLS[operation](client)
    assert len(scripted.requests) == 2


@pytest.mark.parametrize("operation", WRITES)
def test_a_write_to_a_refused_port_is_retried_and_stays_a_transport_error(
    clock: ManualClock, operation: str
) -> None:
    """Refused means provably not sent: retried, and not reported as an unknown outcome."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with (
        SpeakerSearchClient(
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-east-1",
            clock=clock,
            retry=RetryPolicy(max_attempts=3),
        ) as client,
        pytest.raises(TransportError) as caught,
    ):
        CALLS[operation](client)
    assert type(caught.value) is TransportError
    assert caught.value.request_sent is False
    assert caught.value.attempts == 3


@pytest.mark.parametrize("operation", READS)
def test_reads_are_retried_after_a_lost_answer(
    client: SpeakerSearchClient, scripted: ScriptedServer, operation: str
) -> None:
    scripted.script(Reply(drop=True), OK_REPLIES[operation])
    result = CALLS[operation](client)
    assert result  # a model, or a non-empty list
    assert len(scripted.requests) == 2
    assert scripted.requests[0].path == scripted.requests[1].path


def test_a_lost_later_page_is_retried_with_the_same_token(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(profiles_page(["a"], "t1"), Reply(drop=True), profiles_page(["b"]))
    assert [
        p.voice_profile_id for p in client.list_voice_profiles(voice_profile_domain_id="d")
    ] == [
        "a",
        "b",
    ]
    assert len(scripted.requests) == 3
    assert query(scripted.requests[1].path)["next-token"] == ["t1"]
    assert scripted.requests[1].path == scripted.requests[2].path


def test_each_page_has_its_own_retry_budget(scripted: ScriptedServer, clock: ManualClock) -> None:
    scripted.script(
        profiles_page(["a"], "t1"),
        Reply(drop=True),
        profiles_page(["b"], "t2"),
        Reply(drop=True),
        profiles_page(["c"]),
    )
    with SpeakerSearchClient(
        endpoint_url=scripted.endpoint_url,
        region_name="us-east-1",
        clock=clock,
        retry=RetryPolicy(max_attempts=2),
    ) as client:
        found = [
            p.voice_profile_id for p in client.list_voice_profiles(voice_profile_domain_id="d")
        ]
    assert found == ["a", "b", "c"]
    assert len(scripted.requests) == 5


# --- malformed answers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "VoiceProfile"),
        ({"VoiceProfile": None}, "VoiceProfile"),
        ({"VoiceProfile": "p-1"}, "VoiceProfile"),
        ({"VoiceProfile": {**PROFILE, "VoiceProfileId": None}}, "VoiceProfile.VoiceProfileId"),
        ({"VoiceProfile": {**PROFILE, "VoiceProfileArn": 7}}, "VoiceProfile.VoiceProfileArn"),
        (
            {"VoiceProfile": {**PROFILE, "ExpirationTimestamp": "soon"}},
            "VoiceProfile.ExpirationTimestamp",
        ),
    ],
)
def test_a_create_answer_off_the_model_is_malformed_and_says_not_to_repeat(
    client: SpeakerSearchClient, scripted: ScriptedServer, body: dict[str, Any], field: str
) -> None:
    scripted.script(Reply(status=201, body=body))
    with pytest.raises(MalformedResponseError) as caught:
        client.create_voice_profile(speaker_search_task_id=TASK_ID)
    assert caught.value.field == field
    assert "do not repeat it" in str(caught.value)
    assert len(scripted.requests) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ServerSideEncryptionConfiguration": {}}, "ServerSideEncryptionConfiguration.KmsKeyArn"),
        (
            {"ServerSideEncryptionConfiguration": {"KmsKeyArn": ["k"]}},
            "ServerSideEncryptionConfiguration.KmsKeyArn",
        ),
        ({"ServerSideEncryptionConfiguration": "k"}, "ServerSideEncryptionConfiguration"),
        ({"Name": 1}, "Name"),
        ({"VoiceProfileDomainId": ""} | {"VoiceProfileDomainId": 5}, "VoiceProfileDomainId"),
        ({"CreatedTimestamp": False}, "CreatedTimestamp"),
    ],
)
def test_a_domain_off_the_model_names_the_field(
    client: SpeakerSearchClient, scripted: ScriptedServer, change: dict[str, Any], field: str
) -> None:
    scripted.script(Reply(body={"VoiceProfileDomain": {**DOMAIN, **change}}))
    with pytest.raises(MalformedResponseError) as caught:
        client.get_voice_profile_domain(voice_profile_domain_id="d-1")
    assert caught.value.field == f"VoiceProfileDomain.{field}"
    assert len(scripted.requests) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"VoiceProfiles": {"a": 1}}, "VoiceProfiles"),
        ({"VoiceProfiles": ["p"]}, "VoiceProfiles[0]"),
        ({"VoiceProfiles": [PROFILE, {"VoiceProfileArn": ARN}]}, "VoiceProfiles[1].VoiceProfileId"),
        ({"VoiceProfiles": [], "NextToken": 12}, "NextToken"),
    ],
)
def test_a_page_off_the_model_is_malformed_naming_the_field(
    client: SpeakerSearchClient, scripted: ScriptedServer, body: dict[str, Any], field: str
) -> None:
    scripted.script(Reply(body=body))
    with pytest.raises(MalformedResponseError) as caught:
        list(client.list_voice_profiles(voice_profile_domain_id="d-1"))
    assert caught.value.field == field
    assert len(scripted.requests) == 1


def test_a_next_token_given_twice_stops_the_listing(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    """A server that hands back an old token would keep a listing going for ever."""
    scripted.script(
        profiles_page(["a"], "t1"), profiles_page(["b"], "t2"), profiles_page(["c"], "t1")
    )
    seen: list[str] = []
    with pytest.raises(MalformedResponseError, match="already given") as caught:
        seen.extend(
            p.voice_profile_id for p in client.list_voice_profiles(voice_profile_domain_id="d")
        )
    assert caught.value.field == "NextToken"
    assert seen == ["a", "b"]
    assert len(scripted.requests) == 3


def test_an_empty_next_token_ends_the_listing(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(profiles_page(["a"], ""))
    assert len(list(client.list_voice_profiles(voice_profile_domain_id="d"))) == 1
    assert len(scripted.requests) == 1


# --- validation --------------------------------------------------------------------------


def test_invalid_arguments_are_reported_together_and_nothing_is_sent(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        client.update_voice_profile(voice_profile_id="   ", speaker_search_task_id="x" * 257)
    assert [(v.parameter, v.constraint) for v in caught.value.violations] == [
        ("VoiceProfileId", "must contain a non-whitespace character"),
        ("SpeakerSearchTaskId", "must be 1-256 characters"),
    ]
    with pytest.raises(InvalidParameterError) as caught:
        client.list_voice_profiles(voice_profile_domain_id=None, page_size=0)  # type: ignore[arg-type]
    assert [v.parameter for v in caught.value.violations] == ["VoiceProfileDomainId", "MaxResults"]
    with pytest.raises(InvalidParameterError):
        client.create_voice_profile(speaker_search_task_id=5)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError):
        client.get_voice_profile(voice_profile_id="")
    with pytest.raises(InvalidParameterError):
        client.delete_voice_profile(voice_profile_id="\ud800")
    with pytest.raises(InvalidParameterError):
        client.get_voice_profile_domain(voice_profile_domain_id="\n\t")
    assert scripted.requests == []


@pytest.mark.parametrize(
    ("page_size", "constraint"),
    [
        (0, "must be from 1 to 100"),
        (101, "must be from 1 to 100"),
        (-1, "must be from 1 to 100"),
        (True, "must be an int from 1 to 100"),
        (10.0, "must be an int from 1 to 100"),
        ("10", "must be an int from 1 to 100"),
    ],
)
def test_page_size_must_be_an_int_from_1_to_100(
    client: SpeakerSearchClient, scripted: ScriptedServer, page_size: object, constraint: str
) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        client.list_voice_profile_domains(page_size=page_size)  # type: ignore[arg-type]
    (violation,) = caught.value.violations
    assert (violation.parameter, violation.constraint, violation.value) == (
        "MaxResults",
        constraint,
        page_size,
    )
    assert scripted.requests == []


@pytest.mark.parametrize("page_size", [1, 100])
def test_page_size_bounds_are_accepted(
    client: SpeakerSearchClient, scripted: ScriptedServer, page_size: int
) -> None:
    scripted.script(Reply(body={"VoiceProfileDomains": []}))
    assert list(client.list_voice_profile_domains(page_size=page_size)) == []
    assert query(scripted.requests[0].path) == {"max-results": [str(page_size)]}


@pytest.fixture(scope="module")
def module_client() -> Iterator[tuple[SpeakerSearchClient, ScriptedServer]]:
    session = botocore.session.Session()  # module scope: before the env fixture runs
    session.set_credentials("AKIDPROPERTIES", "not-a-real-secret")
    with ScriptedServer() as server:
        server.default = profile_reply()
        with SpeakerSearchClient(
            endpoint_url=server.endpoint_url,
            region_name="us-east-1",
            session=session,
            retry=RetryPolicy.disabled(),
        ) as client:
            yield client, server


@settings(max_examples=120, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(profile_id=id_values, task_id=id_values)
def test_profile_ids_agree_with_the_oracle_and_guard_the_network(
    module_client: tuple[SpeakerSearchClient, ScriptedServer],
    profile_id: Any,
    task_id: Any,
) -> None:
    client, server = module_client
    before = len(server.requests)
    try:
        client.update_voice_profile(voice_profile_id=profile_id, speaker_search_task_id=task_id)
    except InvalidParameterError as error:
        wrong = {v.parameter for v in error.violations}
        assert ("VoiceProfileId" in wrong) == (not oracle_id(profile_id, 256))
        assert ("SpeakerSearchTaskId" in wrong) == (not oracle_id(task_id, 256))
        assert len(server.requests) == before
        return
    assert oracle_id(profile_id, 256)
    assert oracle_id(task_id, 256)
    (sent,) = server.requests[before:]
    assert sent.body == {"SpeakerSearchTaskId": task_id}
    assert unquote(urlsplit(sent.path).path) == f"/voice-profiles/{profile_id}"


# --- enrol -------------------------------------------------------------------------------


def test_enrol_creates_a_profile_from_a_fresh_voiceprint(
    client: SpeakerSearchClient, scripted: ScriptedServer, clock: ManualClock
) -> None:
    scripted.script(profile_reply(201))
    profile = client.enrol(succeeded_task(clock, age=timedelta(hours=23, minutes=59)))
    assert profile.voice_profile_id == "p-1"
    (sent,) = scripted.requests
    assert (sent.method, sent.path, sent.body) == (
        "POST",
        "/voice-profiles",
        {"SpeakerSearchTaskId": TASK_ID},
    )


def test_enrol_with_a_profile_id_updates_it(
    client: SpeakerSearchClient, scripted: ScriptedServer, clock: ManualClock
) -> None:
    scripted.script(profile_reply())
    client.enrol(succeeded_task(clock), voice_profile_id="p-9")
    (sent,) = scripted.requests
    assert (sent.method, sent.path, sent.body) == (
        "PUT",
        "/voice-profiles/p-9",
        {"SpeakerSearchTaskId": TASK_ID},
    )


def test_a_partial_success_with_a_voiceprint_can_be_enrolled(
    client: SpeakerSearchClient, scripted: ScriptedServer, clock: ManualClock
) -> None:
    scripted.script(profile_reply(201))
    task = succeeded_task(clock)
    partial = SpeakerSearchTask.from_dict(
        {**task.to_dict(), "SpeakerSearchTaskStatus": "PARTIAL_SUCCESS"}
    )
    client.enrol(partial)
    assert len(scripted.requests) == 1


def _without_voiceprint(
    clock: ManualClock, status: str, voiceprint: str | None
) -> SpeakerSearchTask:
    wire = succeeded_task(clock).to_dict()
    wire["SpeakerSearchTaskStatus"] = status
    if voiceprint is None:
        del wire["SpeakerSearchDetails"]
    else:
        wire["SpeakerSearchDetails"] = {"VoiceprintGenerationStatus": voiceprint}
    return SpeakerSearchTask.from_dict(wire)


@pytest.mark.parametrize(
    ("status", "voiceprint"),
    [
        ("IN_QUEUE", None),
        ("IN_PROGRESS", None),
        ("FAILED", None),
        ("STOPPED", None),
        ("PARTIAL_SUCCESS", None),
        ("PARTIAL_SUCCESS", "VoiceprintGenerationFailure"),
        ("SUCCEEDED", "VoiceprintGenerationFailure"),
        ("SOMETHING_NEW", None),
    ],
)
def test_enrol_refuses_a_task_without_a_voiceprint_and_sends_nothing(
    client: SpeakerSearchClient,
    scripted: ScriptedServer,
    clock: ManualClock,
    status: str,
    voiceprint: str | None,
) -> None:
    task = _without_voiceprint(clock, status, voiceprint)
    with pytest.raises(VoiceprintUnavailableError) as caught:
        client.enrol(task)
    assert scripted.requests == []
    assert caught.value.reason == "not generated"
    assert caught.value.task is task
    assert TASK_ID in str(caught.value)
    assert "Nothing was sent" in str(caught.value)


@pytest.mark.parametrize("age", [timedelta(hours=24), timedelta(hours=25), timedelta(days=400)])
@pytest.mark.parametrize("voice_profile_id", [None, "p-1"])
def test_enrol_refuses_a_voiceprint_24_hours_old_and_sends_nothing(
    client: SpeakerSearchClient,
    scripted: ScriptedServer,
    clock: ManualClock,
    age: timedelta,
    voice_profile_id: str | None,
) -> None:
    task = succeeded_task(clock, age=age)
    with pytest.raises(VoiceprintUnavailableError) as caught:
        client.enrol(task, voice_profile_id=voice_profile_id)
    assert scripted.requests == []
    assert caught.value.reason == "expired"
    assert "expired" in str(caught.value)


def test_enrol_ages_the_voiceprint_on_the_clients_clock(
    client: SpeakerSearchClient, scripted: ScriptedServer, clock: ManualClock
) -> None:
    task = succeeded_task(clock, age=timedelta(hours=23))
    scripted.script(profile_reply(201))
    client.enrol(task)
    clock.advance(timedelta(hours=1))
    with pytest.raises(VoiceprintUnavailableError, match="expired"):
        client.enrol(task)
    assert len(scripted.requests) == 1


def test_enrol_leaves_a_task_without_timestamps_to_the_service(
    client: SpeakerSearchClient, scripted: ScriptedServer, clock: ManualClock
) -> None:
    """No local age to check: the service decides, and its GoneException stays one."""
    task = SpeakerSearchTask(speaker_search_task_id=TASK_ID, speaker_search_task_status="SUCCEEDED")
    scripted.script(error("GoneException", 410, "voiceprint expired"))
    with pytest.raises(css.GoneException):
        client.enrol(task)
    assert len(scripted.requests) == 1
    assert clock.sleeps == []


def test_enrol_validates_its_arguments_before_the_voiceprint(
    client: SpeakerSearchClient, scripted: ScriptedServer, clock: ManualClock
) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        client.enrol({"SpeakerSearchTaskId": TASK_ID}, voice_profile_id=" ")  # type: ignore[arg-type]
    assert [v.parameter for v in caught.value.violations] == ["task", "VoiceProfileId"]
    blank = SpeakerSearchTask(speaker_search_task_id=" ", speaker_search_task_status="FAILED")
    with pytest.raises(InvalidParameterError) as caught:
        client.enrol(blank)
    assert [v.parameter for v in caught.value.violations] == ["SpeakerSearchTaskId"]
    with pytest.raises(InvalidParameterError):
        client.enrol(succeeded_task(clock), voice_profile_id=3)  # type: ignore[arg-type]
    assert scripted.requests == []


def test_a_lost_enrol_answer_is_outcome_unknown_with_the_task_id(
    client: SpeakerSearchClient, scripted: ScriptedServer, clock: ManualClock
) -> None:
    scripted.script(Reply(drop=True))
    with pytest.raises(OutcomeUnknownError) as caught:
        client.enrol(succeeded_task(clock))
    assert caught.value.details == {"SpeakerSearchTaskId": TASK_ID}
    assert caught.value.operation_name == "CreateVoiceProfile"
    assert len(scripted.requests) == 1


def test_voiceprint_unavailable_error_pickles_with_its_task_and_reason(clock: ManualClock) -> None:
    task = succeeded_task(clock)
    err = VoiceprintUnavailableError("gone", task=task, reason="expired")
    restored = pickle.loads(pickle.dumps(err))
    assert (restored.task, restored.reason, str(restored)) == (task, "expired", "gone")
    assert isinstance(restored, css.SpeakerSearchError)


# --- models ------------------------------------------------------------------------------


@given(strategies.voice_profiles)
def test_round_trip_for_every_profile(profile: VoiceProfile) -> None:
    assert VoiceProfile.from_dict(json.loads(json.dumps(profile.to_dict()))) == profile


@given(strategies.voice_profile_domains)
def test_round_trip_for_every_domain(domain: VoiceProfileDomain) -> None:
    assert VoiceProfileDomain.from_dict(json.loads(json.dumps(domain.to_dict()))) == domain


def test_wire_forms_round_trip_to_the_same_wire(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    scripted.script(profile_reply(), Reply(body={"VoiceProfileDomain": DOMAIN}))
    profile = client.get_voice_profile(voice_profile_id="p-1")
    domain = client.get_voice_profile_domain(voice_profile_domain_id="d-1")
    assert VoiceProfile.from_dict(profile.to_dict()) == profile
    assert domain.to_dict() == {
        **DOMAIN,
        "CreatedTimestamp": "2025-06-01T00:00:00Z",
        "UpdatedTimestamp": "2025-06-02T00:00:00Z",
    }


def test_arns_are_hidden_from_repr_but_kept_and_compared() -> None:
    profile = VoiceProfile.from_dict(PROFILE)
    domain = VoiceProfileDomain.from_dict(DOMAIN)
    for text in (repr(profile), str(profile), repr(domain), str(domain)):
        assert "arn:" not in text
    assert "p-1" in repr(profile)
    assert "callers" in repr(domain)
    assert profile != VoiceProfile.from_dict({**PROFILE, "VoiceProfileArn": ARN + "x"})
    assert profile.to_dict()["VoiceProfileArn"] == ARN


def test_models_are_frozen_slotted_keyword_only() -> None:
    profile = VoiceProfile(voice_profile_id="p")
    with pytest.raises(AttributeError):
        profile.voice_profile_id = "q"  # type: ignore[misc]
    assert not hasattr(profile, "__dict__")
    with pytest.raises(TypeError):
        VoiceProfileDomain("d")  # type: ignore[call-arg]
    assert VoiceProfile(voice_profile_id="p").to_dict() == {"VoiceProfileId": "p"}


def test_unknown_keys_are_ignored_and_naive_times_are_utc() -> None:
    profile = VoiceProfile.from_dict(
        {"VoiceProfileId": "p", "Brand": "new", "CreatedTimestamp": datetime(2026, 1, 1)}
    )
    assert profile.created_timestamp == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert VoiceProfile(voice_profile_id="p", created_timestamp=datetime(2026, 1, 1)) == profile


@pytest.mark.parametrize("data", [[], "p", None, 3])
def test_non_objects_are_malformed(data: Any) -> None:
    with pytest.raises(MalformedResponseError, match="not a JSON object"):
        VoiceProfile.from_dict(data)
    with pytest.raises(MalformedResponseError, match="not a JSON object"):
        VoiceProfileDomain.from_dict(data)


@given(
    wire=st.dictionaries(
        st.sampled_from([*list(PROFILE), "VoiceProfileDomainId", "Other"]),
        st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.just(PROFILE),
    )
)
def test_fuzzed_profiles_give_a_model_or_malformed_response_error(wire: dict[str, Any]) -> None:
    try:
        profile = VoiceProfile.from_dict(wire)
    except MalformedResponseError as error:
        assert error.field is not None
        assert error.field.startswith("VoiceProfile")
    else:
        assert isinstance(profile.voice_profile_id, str)


@pytest.mark.parametrize("operation", WRITES)
@pytest.mark.parametrize(
    "reply",
    [
        Reply(status=200, body=b"<html>not json</html>"),
        Reply(status=200, body=b"[1, 2]"),
        Reply(status=201, body=b"{" * 2000),
    ],
    ids=["not-json", "array", "deep"],
)
def test_an_unreadable_answer_to_a_write_is_not_repeated_and_says_to_check(
    client: SpeakerSearchClient, scripted: ScriptedServer, operation: str, reply: Reply
) -> None:
    """A 2xx whose body is unusable proves nothing about the write: never retried."""
    scripted.script(reply, OK_REPLIES[operation])
    with pytest.raises(MalformedResponseError) as caught:
        CALLS[operation](client)
    assert len(scripted.requests) == 1
    assert f"{operation} may have taken effect" in str(caught.value)
    assert caught.value.field == "(response)"


def test_a_page_size_given_as_an_int_enum_is_sent_as_its_number(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    """On Python 3.10 str() of an IntEnum member is its name, which botocore would send."""

    class Size(enum.IntEnum):
        SMALL = 7

    class Domain(str, enum.Enum):
        MAIN = "d-1"

    scripted.script(profiles_page([]))
    list(client.list_voice_profiles(voice_profile_domain_id=Domain.MAIN, page_size=Size.SMALL))
    assert query(scripted.requests[0].path) == {
        "voice-profile-domain-id": ["d-1"],
        "max-results": ["7"],
    }


def test_a_null_encryption_configuration_is_no_kms_key() -> None:
    domain = VoiceProfileDomain.from_dict({**DOMAIN, "ServerSideEncryptionConfiguration": None})
    assert domain.kms_key_arn is None
    assert "ServerSideEncryptionConfiguration" not in domain.to_dict()


def test_enrol_refuses_what_is_not_a_task_alone(
    client: SpeakerSearchClient, scripted: ScriptedServer
) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        client.enrol(None)  # type: ignore[arg-type]
    (violation,) = caught.value.violations
    assert (violation.parameter, violation.value) == ("task", None)
    assert "must be a SpeakerSearchTask" in str(caught.value)
    assert scripted.requests == []


def test_writes_without_a_token_never_ride_a_pooled_connection() -> None:
    """A keep-alive connection closed as a write leaves would be a spurious lost answer."""
    from tests.rawnet import RawServer, keep_alive  # noqa: PLC0415

    body = json.dumps({"VoiceProfile": {"VoiceProfileId": "vp-1"}}).encode()
    with (
        RawServer(keep_alive(body)) as server,
        SpeakerSearchClient(endpoint_url=server.url, region_name="us-east-1") as client,
    ):
        client.get_voice_profile(voice_profile_id="vp-1")  # pools a connection
        client.create_voice_profile(speaker_search_task_id="t-1")
        client.update_voice_profile(voice_profile_id="vp-1", speaker_search_task_id="t-1")
        client.get_voice_profile(voice_profile_id="vp-1")  # reads still reuse one
    assert [r.method for r in server.requests] == ["GET", "POST", "PUT", "GET"]
    assert server.connections == 3
