"""Test your code against a local speaker search service: no AWS account needed.

:class:`LocalSpeakerSearchService` is a real HTTP server on 127.0.0.1 that speaks
the Amazon Chime SDK Voice speaker search API, so this library, raw boto3 and the
AWS CLI all work against it through ``endpoint_url``. Share a :class:`ManualClock`
with it and a client, and a task's whole life passes instantly and exactly.

For pytest, add this to a ``conftest.py``::

    pytest_plugins = ["chime_speaker_search.testing"]

and request the ``speaker_search_service`` (a running emulator) and
``speaker_search_client`` (a ``SpeakerSearchClient`` pointed at it) fixtures.
Outside pytest, ``service.client()`` gives a ready client that needs no AWS
credentials or configuration.

PYTEST_DONT_REWRITE: this package has no assertions for pytest to rewrite; the
marker lets ``pytest_plugins`` name it even when it was imported first (e.g. by a
``conftest.py`` that uses ``ManualClock``), instead of pytest warning about it.
"""

from __future__ import annotations

import sys

from chime_speaker_search._clock import ManualClock

from ._clock import ScaledClock
from ._demo import DemoSeed, aws_cli_examples, seed_demo
from ._service import LocalSpeakerSearchService
from ._session import offline_session
from ._wire import RecordedRequest

# pytest is a test-time tool, not a runtime dependency, so the fixtures (which need
# pytest's decorator) are imported only when pytest is already running: it is in
# sys.modules before it loads any plugin named in `pytest_plugins`. Elsewhere this
# package imports without pytest, and never imports it as a side effect.
if "pytest" in sys.modules:
    from ._pytest import speaker_search_client as speaker_search_client
    from ._pytest import speaker_search_service as speaker_search_service

__all__ = [
    "DemoSeed",
    "LocalSpeakerSearchService",
    "ManualClock",
    "RecordedRequest",
    "ScaledClock",
    "aws_cli_examples",
    "offline_session",
    "seed_demo",
]
