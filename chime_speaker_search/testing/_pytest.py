"""pytest fixtures: ``speaker_search_service`` and ``speaker_search_client``.

Activate them with ``pytest_plugins = ["chime_speaker_search.testing"]`` in a
``conftest.py``. This module imports pytest, so only the test run imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from chime_speaker_search._clock import ManualClock

from ._service import LocalSpeakerSearchService

if TYPE_CHECKING:
    from collections.abc import Iterator

    from chime_speaker_search._client import SpeakerSearchClient

__all__ = ["speaker_search_client", "speaker_search_service"]


@pytest.fixture
def speaker_search_service() -> Iterator[LocalSpeakerSearchService]:
    """A running emulator on a free loopback port, on a fresh ``ManualClock``.

    Nothing happens to tasks until time moves: advance
    ``speaker_search_service.clock`` (or let a client sharing the clock "sleep").
    The service is stopped after the test.
    """
    with LocalSpeakerSearchService(clock=ManualClock()) as service:
        yield service


@pytest.fixture
def speaker_search_client(
    speaker_search_service: LocalSpeakerSearchService,
) -> Iterator[SpeakerSearchClient]:
    """A ``SpeakerSearchClient`` for ``speaker_search_service``, with dummy credentials.

    It shares the service's ``ManualClock``, so ``wait`` and ``start_and_wait`` finish
    at once while the task goes through its whole life, and retry backoffs take no
    real time. It ignores the environment's AWS profiles and credentials.
    """
    with speaker_search_service.client() as client:
        yield client
