"""Typed, retrying, idempotent client for Amazon Chime SDK Voice speaker search and voice profiles.

Start here::

    from chime_speaker_search import SpeakerSearchClient

    with SpeakerSearchClient(region_name="us-east-1") as client:
        task = client.start_and_wait(
            voice_connector_id="...", transaction_id="...", voice_profile_domain_id="..."
        )
        print(task.best_match(min_confidence=0.85))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# First, before the slow imports below: in the command line's own process, a Ctrl-C
# while the package loads prints "interrupted", not a traceback (see the module).
from ._cli import _startup  # noqa: F401
from ._client import SpeakerSearchClient
from ._clock import AsyncClock, Clock, SystemClock
from ._event_models import (
    EventSpeakerSearchDetails,
    PostCallSpeakerSearchSummary,
    SpeakerSearchEventStatus,
    SpeakerSearchStatusDetail,
    SpeakerSearchStatusEvent,
    VoiceAnalyticsEventStatus,
    VoiceAnalyticsStatusDetail,
    VoiceAnalyticsStatusEvent,
    VoiceProfileTransaction,
)
from ._events import (
    deduplicate_events,
    events_for_task,
    latest_by_task,
    parse_event,
    sorted_by_time,
)
from ._models import (
    CallDetails,
    CallLeg,
    SpeakerSearchDetails,
    SpeakerSearchResult,
    SpeakerSearchTask,
    SpeakerSearchTaskStatus,
    VoiceprintGenerationStatus,
    VoiceProfile,
    VoiceProfileDomain,
)
from ._retry import RetryPolicy
from ._wait import PollPolicy
from .errors import (
    AccessDeniedException,
    BadRequestException,
    ConflictException,
    ForbiddenException,
    GoneException,
    InvalidParameterError,
    MalformedEventError,
    MalformedResponseError,
    NotFoundException,
    OutcomeUnknownError,
    ResourceLimitExceededException,
    ServiceError,
    ServiceFailureException,
    ServiceUnavailableException,
    SpeakerSearchError,
    TaskFailedError,
    ThrottledClientException,
    TransportError,
    UnauthorizedClientException,
    UnprocessableEntityException,
    Violation,
    VoiceprintUnavailableError,
    WaitTimeoutError,
)

if TYPE_CHECKING:  # imported on first use: see __getattr__
    from ._aio_client import AsyncSpeakerSearchClient

Result = SpeakerSearchResult
"""Alias of :class:`SpeakerSearchResult`, the service's own shape name."""

__all__ = [
    "AccessDeniedException",
    "AsyncClock",
    "AsyncSpeakerSearchClient",
    "BadRequestException",
    "CallDetails",
    "CallLeg",
    "Clock",
    "ConflictException",
    "EventSpeakerSearchDetails",
    "ForbiddenException",
    "GoneException",
    "InvalidParameterError",
    "MalformedEventError",
    "MalformedResponseError",
    "NotFoundException",
    "OutcomeUnknownError",
    "PollPolicy",
    "PostCallSpeakerSearchSummary",
    "ResourceLimitExceededException",
    "Result",
    "RetryPolicy",
    "ServiceError",
    "ServiceFailureException",
    "ServiceUnavailableException",
    "SpeakerSearchClient",
    "SpeakerSearchDetails",
    "SpeakerSearchError",
    "SpeakerSearchEventStatus",
    "SpeakerSearchResult",
    "SpeakerSearchStatusDetail",
    "SpeakerSearchStatusEvent",
    "SpeakerSearchTask",
    "SpeakerSearchTaskStatus",
    "SystemClock",
    "TaskFailedError",
    "ThrottledClientException",
    "TransportError",
    "UnauthorizedClientException",
    "UnprocessableEntityException",
    "Violation",
    "VoiceAnalyticsEventStatus",
    "VoiceAnalyticsStatusDetail",
    "VoiceAnalyticsStatusEvent",
    "VoiceProfile",
    "VoiceProfileDomain",
    "VoiceProfileTransaction",
    "VoiceprintGenerationStatus",
    "VoiceprintUnavailableError",
    "WaitTimeoutError",
    "deduplicate_events",
    "events_for_task",
    "latest_by_task",
    "parse_event",
    "sorted_by_time",
]


def __getattr__(name: str) -> Any:  # noqa: ANN401 (module __getattr__ returns what is asked)
    # Read lazily, as stamina does: importlib.metadata is slow to import and most
    # programs never ask for the version.
    # The async client imports asyncio (~30 ms), which synchronous programs never need.
    if name == "AsyncSpeakerSearchClient":
        from ._aio_client import AsyncSpeakerSearchClient  # noqa: PLC0415

        globals()[name] = AsyncSpeakerSearchClient
        return AsyncSpeakerSearchClient
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

        try:
            return version("chime-speaker-search")
        except PackageNotFoundError:  # pragma: no cover (running from a bare checkout)
            from ._version import __version__  # noqa: PLC0415

            return __version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
