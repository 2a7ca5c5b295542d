"""Redaction of secrets from botocore's request logs."""

from __future__ import annotations

import logging

import pytest

from chime_speaker_search._logging import REDACTED, install_redaction, redact


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
