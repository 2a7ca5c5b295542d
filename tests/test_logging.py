"""Redaction of secrets from botocore's request logs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest

from chime_speaker_search import SpeakerSearchClient
from chime_speaker_search._logging import REDACTED, install_redaction, redact
from tests.conftest import DUMMY_SECRET, DUMMY_SESSION_TOKEN

if TYPE_CHECKING:
    from tests.scripted import ScriptedServer


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (
            "headers={'X-Amz-Security-Token': b'FwoGZXIvYXdzEBYaDH7', 'Host': 'x'}",
            "FwoGZXIvYXdzEBYaDH7",
        ),
        (
            "x-amz-security-token:IQoJb3JpZ2luX2VjEJr//////////wEaCXVz\nhost:x",
            "IQoJb3JpZ2luX2VjEJr//////////wEaCXVz",
        ),
        ("url?X-Amz-Security-Token=abc%2Fdef&X-Amz-Date=1", "abc%2Fdef"),
        ('{"aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG"}', "wJalrXUtnFEMI/K7MDENG"),
        (
            (
                "'Authorization': b'AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEKEY123/20261122/"
                "us-east-1/chime/aws4_request, SignedHeaders=host, Signature=0a1b2c'"
            ),
            "AKIAEXAMPLEKEY123",
        ),
        ("SignedHeaders=host;x-amz-date, Signature=0a1b2c3d4e5f", "0a1b2c3d4e5f"),
    ],
)
def test_secret_values_are_redacted(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert REDACTED in cleaned


def test_text_without_secrets_is_unchanged() -> None:
    text = "Sending http request: <AWSPreparedRequest method=GET, headers={'Host': 'x'}>"
    assert redact(text) == text


def test_installed_filter_rewrites_botocore_records(caplog: pytest.LogCaptureFixture) -> None:
    install_redaction()
    install_redaction()  # idempotent
    caplog.set_level(logging.DEBUG, logger="botocore.endpoint")
    logging.getLogger("botocore.endpoint").debug(
        "headers=%s", {"X-Amz-Security-Token": "TOPSECRET"}
    )
    (record,) = caplog.records
    assert "TOPSECRET" not in record.getMessage()
    assert REDACTED in record.getMessage()
    assert len(logging.getLogger("botocore.endpoint").filters) == 1


def test_a_real_call_logs_no_key_id_secret_or_token_at_debug(
    scripted: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """botocore's "Sending http request" line carries the Authorization header."""
    caplog.set_level(logging.DEBUG)
    with SpeakerSearchClient(endpoint_url=scripted.endpoint_url, region_name="us-east-1") as client:
        client.get_speaker_search_task(voice_connector_id="vc", speaker_search_task_id="t")
    sent = scripted.requests[0].headers["Authorization"]
    assert "Credential=AKIDUMMYDUMMYDUMMY00/" in sent  # the secret was really on the wire
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Sending http request" in logged
    for secret in ("AKIDUMMYDUMMYDUMMY00", DUMMY_SECRET, DUMMY_SESSION_TOKEN):
        assert secret not in logged
