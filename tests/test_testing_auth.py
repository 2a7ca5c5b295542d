"""The emulator's front door: malformed or forged SigV4 is refused as AWS refuses it.

What AWS answers (see chime_speaker_search/testing/_auth.py for the sources): 403
``IncompleteSignatureException`` when a part of the Authorization header is missing or
malformed (Amazon Chime API Reference, "Common Error Types": IncompleteSignature, 403;
aws/chalice#828 shows the messages), 403 ``InvalidSignatureException`` when the scope or
the signature is wrong (aws/amazon-chime-sdk-js#2121, aws/aws-sdk-js-v3#3247 and #810),
403 ``UnrecognizedClientException`` for an unknown access key. The front door's errors
carry the Coral namespace in ``x-amzn-ErrorType`` and the message under ``message``.
"""

from __future__ import annotations

import http.client
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions
import pytest

from chime_speaker_search import ServiceError, SpeakerSearchClient
from chime_speaker_search.testing import LocalSpeakerSearchService, ManualClock
from tests.conftest import DUMMY_SECRET
from tests.test_testing_profiles import aws_cli

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

CORAL = ":http://internal.amazon.com/coral/com.amazon.coral.service/"
KEY_ID = "AKIDEMULATORTEST0001"
SIGNATURE = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
GOOD = (
    f"AWS4-HMAC-SHA256 Credential={KEY_ID}/20260101/us-east-1/chime/aws4_request,"
    f" SignedHeaders=host;x-amz-date, Signature={SIGNATURE}"
)
DATE = {"X-Amz-Date": "20260101T000000Z"}


class World:
    def __init__(self, service: LocalSpeakerSearchService) -> None:
        self.service = service
        self.vc = service.add_voice_connector()
        self.domain = service.add_voice_profile_domain()
        self.call = service.add_call(self.vc, caller="alice")
        port = urlsplit(service.endpoint_url).port
        assert port is not None
        self.port = port

    @property
    def start_path(self) -> str:
        return f"/voice-connectors/{self.vc}/speaker-search-tasks"

    @property
    def start_body(self) -> bytes:
        return json.dumps(
            {"TransactionId": self.call, "VoiceProfileDomainId": self.domain}
        ).encode()

    def send(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], Any]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.putrequest(method, path, skip_host="host" in {k.lower() for k in headers})
            for name, value in {"Content-Length": str(len(body)), **headers}.items():
                connection.putheader(name, value)
            connection.endheaders(body)
            response = connection.getresponse()
            reply_headers = {k.lower(): v for k, v in response.getheaders()}
            return response.status, reply_headers, json.loads(response.read() or b"null")
        finally:
            connection.close()

    def start(self, headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        return self.send("POST", self.start_path, self.start_body, headers)


@pytest.fixture
def world() -> Iterator[World]:
    with LocalSpeakerSearchService(clock=ManualClock()) as service:
        yield World(service)


def test_the_forged_header_from_the_issue_creates_nothing(world: World) -> None:
    """Issue 12: `Authorization: AWS4-HMAC-SHA256 ` and `Host: evil.example` made a task."""
    status, headers, body = world.start(
        {"Authorization": "AWS4-HMAC-SHA256 ", "Host": "evil.example"}
    )
    assert status == 403
    assert headers["x-amzn-errortype"] == "IncompleteSignatureException" + CORAL
    assert body["message"] == (
        "Authorization header requires 'Credential' parameter. Authorization header"
        " requires 'Signature' parameter. Authorization header requires 'SignedHeaders'"
        " parameter. Authorization header requires existence of either a 'X-Amz-Date' or"
        " a 'Date' header."
    )
    assert headers["x-amzn-requestid"]
    assert world.service.tasks == {}


@pytest.mark.parametrize(
    ("authorization", "extra", "code", "says"),
    [
        (GOOD.replace(f"Credential={KEY_ID}/20260101/us-east-1/chime/aws4_request,", ""), DATE,
         "IncompleteSignatureException", "requires 'Credential'"),
        (GOOD.partition(", Signature=")[0], DATE, "IncompleteSignatureException",
         "requires 'Signature'"),
        (GOOD.replace(" SignedHeaders=host;x-amz-date,", ""), DATE,
         "IncompleteSignatureException", "requires 'SignedHeaders'"),
        (GOOD, {}, "IncompleteSignatureException", "'X-Amz-Date' or a 'Date'"),
        (GOOD.replace("Credential=", "Credential "), DATE, "IncompleteSignatureException",
         "missing equal-sign"),
        (GOOD.replace("/us-east-1/", "/"), DATE, "IncompleteSignatureException",
         "5 slash-delimited"),
        (GOOD, {"X-Amz-Date": "2026-01-01T00:00:00Z"}, "IncompleteSignatureException",
         "basic format"),
        (GOOD.replace("/chime/", "/s3/"), DATE, "InvalidSignatureException",
         "correct service: 'chime'"),
        (GOOD.replace("aws4_request", "aws4"), DATE, "InvalidSignatureException",
         "valid terminator"),
        (GOOD.replace("us-east-1", "US East"), DATE, "InvalidSignatureException",
         "valid region"),
        (GOOD, {"X-Amz-Date": "20250101T000000Z"}, "InvalidSignatureException",
         "Date in Credential scope"),
        (GOOD.replace("host;x-amz-date", "x-amz-date"), DATE, "IncompleteSignatureException",
         "'Host'"),
        (GOOD.replace("host;x-amz-date", "host;x-amz-date;x-amz-target"), DATE,
         "InvalidSignatureException", "x-amz-target"),
        (GOOD.replace(SIGNATURE, "0123456789abcdef"), DATE, "InvalidSignatureException",
         "signature we calculated"),
        ("Bearer eyJhbGciOiJIUzI1NiJ9", DATE, "IncompleteSignatureException", "AWS4-HMAC-SHA256"),
    ],
)  # fmt: skip
def test_a_malformed_sigv4_header_is_refused_before_anything_happens(
    world: World, authorization: str, extra: dict[str, str], code: str, says: str
) -> None:
    status, headers, body = world.start({"Authorization": authorization, **extra})
    assert status == 403
    assert headers["x-amzn-errortype"] == code + CORAL
    assert says in body["message"]
    # Nothing of the credentials comes back: they end up in test logs.
    assert KEY_ID not in body["message"]
    assert SIGNATURE not in body["message"]
    assert world.service.tasks == {}


def test_a_well_formed_header_passes_without_credentials_configured(world: World) -> None:
    status, _, body = world.start({"Authorization": GOOD, **DATE})
    assert status == 201
    assert body["SpeakerSearchTask"]["SpeakerSearchTaskId"] in world.service.tasks


def test_botocore_reads_the_front_doors_error_type_and_message(world: World) -> None:
    """The Coral suffix and the lower-case key are what botocore expects of AWS."""
    client = boto3.client(
        "chime-sdk-voice",
        endpoint_url=world.service.endpoint_url,
        region_name="us-east-1",
        # Signed for another service: the scope check refuses it.
        config=botocore.config.Config(signature_version="v4", retries={"total_max_attempts": 1}),
    )
    client.meta.events.register(
        "before-sign.*.*",
        lambda request, **_: request.context.update(signing={"signing_name": "s3"}),
    )
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        client.list_voice_profile_domains()
    error = raised.value.response["Error"]
    assert error["Code"] == "InvalidSignatureException"
    assert error["Message"] == "Credential should be scoped to correct service: 'chime'."
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


# --- verifying signatures for real ----------------------------------------------------------


@pytest.fixture
def verifying() -> Iterator[World]:
    with LocalSpeakerSearchService(
        clock=ManualClock(), credentials={KEY_ID: DUMMY_SECRET}
    ) as service:
        yield World(service)


def signed(
    world: World, method: str, path: str, body: bytes, *, secret: str = DUMMY_SECRET
) -> dict[str, str]:
    """Headers botocore's own SigV4 signer makes for this request."""
    request = botocore.awsrequest.AWSRequest(
        method=method, url=f"http://127.0.0.1:{world.port}{path}", data=body
    )
    botocore.auth.SigV4Auth(
        botocore.credentials.Credentials(KEY_ID, secret), "chime", "us-east-1"
    ).add_auth(request)
    return {**dict(request.headers.items()), "Host": f"127.0.0.1:{world.port}"}


def test_verification_accepts_botocores_signature_and_refuses_a_wrong_one(
    verifying: World,
) -> None:
    world = verifying
    good = signed(world, "POST", world.start_path, world.start_body)
    assert world.start(good)[0] == 201
    wrong = signed(world, "POST", world.start_path, world.start_body, secret="not-the-secret")
    status, headers, body = world.start(wrong)
    assert (status, headers["x-amzn-errortype"]) == (403, "InvalidSignatureException" + CORAL)
    assert "signature we calculated does not match" in body["message"]
    assert len(world.service.tasks) == 1


def test_verification_catches_a_tampered_body_path_or_host(verifying: World) -> None:
    world = verifying
    headers = signed(world, "POST", world.start_path, world.start_body)
    tampered_body = world.start_body.replace(b"Transaction", b"Transaction", 1) + b" "
    assert world.send("POST", world.start_path, tampered_body, headers)[0] == 403
    assert world.send("POST", world.start_path + "/", world.start_body, headers)[0] == 403
    assert world.start({**headers, "Host": "evil.example"})[0] == 403
    assert world.start({**headers, "Host": "["})[0] == 403  # not a URL: no 500 either
    assert world.service.tasks == {}


def test_verification_refuses_an_unknown_access_key(verifying: World) -> None:
    world = verifying
    headers = signed(world, "POST", world.start_path, world.start_body)
    headers["Authorization"] = headers["Authorization"].replace(KEY_ID, "AKIDSOMEONEELSE00000")
    status, reply_headers, body = world.start(headers)
    assert (status, reply_headers["x-amzn-errortype"]) == (
        403,
        "UnrecognizedClientException" + CORAL,
    )
    assert body == {"message": "The security token included in the request is invalid."}


def test_boto3_the_library_and_the_aws_cli_pass_verification(
    verifying: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = verifying
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)  # the secret is the conftest's dummy one
    session = boto3.Session(aws_access_key_id=KEY_ID, aws_secret_access_key=DUMMY_SECRET)
    raw = session.client(
        "chime-sdk-voice", endpoint_url=world.service.endpoint_url, region_name="us-east-1"
    )
    # A path label that needs percent-encoding and a query string: both are signed.
    domain = world.service.add_voice_profile_domain("domain with/slash")
    world.service.add_voice_profile(domain, speaker="alice")
    listed = raw.list_voice_profiles(VoiceProfileDomainId=domain, MaxResults=5)
    assert len(listed["VoiceProfiles"]) == 1
    assert raw.get_voice_profile_domain(VoiceProfileDomainId=domain)["VoiceProfileDomain"]
    with SpeakerSearchClient(
        endpoint_url=world.service.endpoint_url, region_name="us-east-1", session=session
    ) as client:
        task = client.start_speaker_search_task(
            voice_connector_id=world.vc,
            transaction_id=world.call,
            voice_profile_domain_id=world.domain,
        )
    got = aws_cli(
        "get-speaker-search-task",
        "--voice-connector-id",
        world.vc,
        "--speaker-search-task-id",
        task.speaker_search_task_id,
        endpoint_url=world.service.endpoint_url,
        home=tmp_path,
    )
    assert got["SpeakerSearchTask"]["SpeakerSearchTaskId"] == task.speaker_search_task_id


def test_credentials_stay_out_of_reprs_and_errors() -> None:
    service = LocalSpeakerSearchService(credentials={KEY_ID: DUMMY_SECRET})
    assert DUMMY_SECRET not in repr(service)
    assert KEY_ID not in repr(service)
    with pytest.raises(ValueError, match="credentials") as raised:
        LocalSpeakerSearchService(credentials={KEY_ID: ""})
    assert KEY_ID not in str(raised.value)


def test_the_library_sees_a_refused_signature_as_a_non_retried_service_error(
    verifying: World,
) -> None:
    """The Coral-suffixed error type reaches the library's error tree as its plain code."""
    session = boto3.Session(aws_access_key_id=KEY_ID, aws_secret_access_key="not-the-secret")
    with (
        SpeakerSearchClient(
            endpoint_url=verifying.service.endpoint_url, region_name="us-east-1", session=session
        ) as client,
        pytest.raises(ServiceError) as raised,
    ):
        client.get_speaker_search_task(voice_connector_id=verifying.vc, speaker_search_task_id="t")
    assert (raised.value.code, raised.value.http_status) == ("InvalidSignatureException", 403)
    assert raised.value.attempts == 1
    assert "not-the-secret" not in str(raised.value)
