"""The three ways (sync, async, raw botocore) against uvicorn over TLS with trustme certificates.

The smallest real-world case: the other ``test_real_*`` modules build on ``tests/realworld.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
import pytest

from tests.realworld import WAYS, Certificates, UvicornServer, get_task, seed_task

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize("way", WAYS)
def test_a_task_is_read_over_tls_from_uvicorn_with_the_ca_file_as_verify(
    way: str, https_server: UvicornServer, certificates: Certificates, tmp_path: Path
) -> None:
    connector, task_id = seed_task(https_server.service)
    botocore_client = boto3.client(
        "chime-sdk-voice",
        region_name="us-east-1",
        endpoint_url=https_server.endpoint_url,
        verify=certificates.ca_file,
    )
    task = get_task(way, botocore_client, voice_connector_id=connector, task_id=task_id)
    assert task["SpeakerSearchTaskId"] == task_id
    assert task["SpeakerSearchTaskStatus"] in {
        "IN_QUEUE",
        "IN_PROGRESS",
        "PARTIAL_SUCCESS",
        "SUCCEEDED",
    }
