"""Typed, immutable values for speaker search notification events.

Voice analytics sends events to EventBridge, SQS, SNS, Kinesis Data Streams or a
Lambda function. Their wire form is an EventBridge event: a kebab-case envelope
(``detail-type``, ``source``, ``time`` ...) around a camelCase ``detail``. The
classes here mirror that shape with snake_case names; conversion lives in
:mod:`chime_speaker_search._convert` and unwrapping of delivery envelopes in
:mod:`chime_speaker_search._events`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

import attrs

from ._models import (
    SpeakerSearchResult,
    VoiceprintGenerationStatus,
    _OpenStrEnum,
    best_match,
)

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "EventSpeakerSearchDetails",
    "PostCallSpeakerSearchSummary",
    "SpeakerSearchEventStatus",
    "SpeakerSearchStatusDetail",
    "SpeakerSearchStatusEvent",
    "VoiceAnalyticsEventStatus",
    "VoiceAnalyticsStatusDetail",
    "VoiceAnalyticsStatusEvent",
    "VoiceProfileTransaction",
]


class SpeakerSearchEventStatus(_OpenStrEnum):
    """The ``detailStatus`` of a ``SpeakerSearchStatus`` event (open: unknown values are kept).

    The developer guide lists ``VoiceprintGenerationSuccessful`` among the statuses but
    spells it ``VoiceprintGenerationSuccess`` in its example event; both are known.
    """

    IDENTIFICATION_SUCCESSFUL = "IdentificationSuccessful"
    IDENTIFICATION_FAILURE = "IdentificationFailure"
    IDENTIFICATION_NO_MATCHES_FOUND = "IdentificationNoMatchesFound"
    VOICEPRINT_GENERATION_SUCCESSFUL = "VoiceprintGenerationSuccessful"
    VOICEPRINT_GENERATION_SUCCESS = "VoiceprintGenerationSuccess"
    VOICEPRINT_GENERATION_FAILURE = "VoiceprintGenerationFailure"

    @property
    def is_identification(self) -> bool:
        """True for the three identification outcomes (results, none, or failure)."""
        return self in _IDENTIFICATION

    @property
    def is_voiceprint_generation(self) -> bool:
        """True for the voiceprint (voice embedding) generation outcomes."""
        return self in _VOICEPRINT


_IDENTIFICATION = frozenset(
    {
        SpeakerSearchEventStatus.IDENTIFICATION_SUCCESSFUL,
        SpeakerSearchEventStatus.IDENTIFICATION_FAILURE,
        SpeakerSearchEventStatus.IDENTIFICATION_NO_MATCHES_FOUND,
    }
)
_VOICEPRINT_STATUS = {
    SpeakerSearchEventStatus.VOICEPRINT_GENERATION_SUCCESSFUL: (
        VoiceprintGenerationStatus.VOICEPRINT_GENERATION_SUCCESS
    ),
    SpeakerSearchEventStatus.VOICEPRINT_GENERATION_SUCCESS: (
        VoiceprintGenerationStatus.VOICEPRINT_GENERATION_SUCCESS
    ),
    SpeakerSearchEventStatus.VOICEPRINT_GENERATION_FAILURE: (
        VoiceprintGenerationStatus.VOICEPRINT_GENERATION_FAILURE
    ),
}
_VOICEPRINT = frozenset(_VOICEPRINT_STATUS)


class VoiceAnalyticsEventStatus(_OpenStrEnum):
    """The ``detailStatus`` of a ``VoiceAnalyticsStatus`` event (open: unknown values are kept)."""

    ANALYTICS_READY = "AnalyticsReady"
    POST_CALL_VOICE_ANALYTICS = "PostCallVoiceAnalytics"


@attrs.frozen(kw_only=True)
class EventSpeakerSearchDetails:
    """The ``speakerSearchDetails`` of an identification event.

    Attributes:
        results: The matching profiles, best first, as the same
            :class:`~chime_speaker_search.SpeakerSearchResult` values the API returns.
            On the wire each is ``{"voiceProfileId", "confidenceScore"}``, the score a
            JSON number or a numeric string.
    """

    results: tuple[SpeakerSearchResult, ...] = ()


@attrs.frozen(kw_only=True)
class SpeakerSearchStatusDetail:
    """The ``detail`` of a ``SpeakerSearchStatus`` event.

    Tasks started with the Voice Connector API carry ``voice_connector_id``,
    ``transaction_id`` and ``is_caller``; tasks run by a media insights pipeline carry
    the pipeline fields instead. Whatever the event lacks is ``None``.

    Attributes:
        task_id: The speaker search task the event is about (``taskId``).
        detail_status: What happened (``detailStatus``).
        speaker_search_details: The matches, on identification events.
        voice_connector_id: The Voice Connector carrying the call.
        transaction_id: The call's transaction id.
        call_id: The call's id.
        is_caller: True when the caller leg is analysed.
        media_insights_pipeline_id: The media insights pipeline, for pipeline tasks.
        source_arn: The pipeline's ARN, for pipeline tasks.
        stream_arn: The Kinesis video stream analysed, for pipeline tasks.
        channel_id: The audio channel analysed, for pipeline tasks.
    """

    task_id: str
    detail_status: SpeakerSearchEventStatus
    speaker_search_details: EventSpeakerSearchDetails | None = None
    voice_connector_id: str | None = None
    transaction_id: str | None = None
    call_id: str | None = None
    is_caller: bool | None = None
    media_insights_pipeline_id: str | None = None
    source_arn: str | None = None
    stream_arn: str | None = None
    channel_id: int | None = None


@attrs.frozen(kw_only=True)
class VoiceProfileTransaction:
    """A ``CreateVoiceProfile`` or ``UpdateVoiceProfile`` call the post-call summary lists.

    Attributes:
        voice_profile_id: The voice profile created or updated (``voiceProfileId``).
        request_timestamp: When the request was made (``requestTimestamp``,
            timezone-aware), or ``None`` if the event does not say.
    """

    voice_profile_id: str
    request_timestamp: datetime | None = None


@attrs.frozen(kw_only=True)
class PostCallSpeakerSearchSummary:
    """The post-call ``speakerSearchResults`` summary of a ``PostCallVoiceAnalytics`` event.

    The developer guide's example ("Understanding notifications for the Amazon Chime
    SDK", post-call summary events) carries the best match, the identity your
    application confirmed, and the voice profiles created or updated during the call.
    Whatever the event lacks is ``None``, so that ``to_dict()`` writes back what was
    read.

    Attributes:
        best_matched_voice_profile_id: The profile that matched best during the call.
        customer_validated_caller_identity: The identity your application confirmed, as
            sent; a voice profile id in the guide's example.
        create_voice_profile_transactions: The ``CreateVoiceProfile`` calls made during
            the call (``createVoiceProfileTransactions``).
        update_voice_profile_transactions: The ``UpdateVoiceProfile`` calls made during
            the call (``updateVoiceProfileTransactions``).
        voiceprint_generation_status: ``voiceprintGenerationStatus`` as sent. No AWS
            example has this field; it is kept, optional, for events and code that
            used it with earlier versions of this library.
    """

    best_matched_voice_profile_id: str | None = None
    customer_validated_caller_identity: str | None = None
    create_voice_profile_transactions: tuple[VoiceProfileTransaction, ...] | None = None
    update_voice_profile_transactions: tuple[VoiceProfileTransaction, ...] | None = None
    # Not in the guide's example nor in any public handler found (see
    # tests/fixtures/events/README.md). Kept rather than dropped: nothing that parsed
    # before may stop round-tripping, and dropping it would break code reading it.
    voiceprint_generation_status: str | None = None


@attrs.frozen(kw_only=True)
class VoiceAnalyticsStatusDetail:
    """The ``detail`` of a ``VoiceAnalyticsStatus`` event.

    Attributes:
        detail_status: ``AnalyticsReady`` (a task may be started for the call) or
            ``PostCallVoiceAnalytics`` (the call ended; a summary follows).
        voice_connector_id: The Voice Connector carrying the call.
        transaction_id: The call's transaction id.
        call_id: The call's id.
        is_caller: True for the caller leg.
        speaker_search_results: The post-call summary, on ``PostCallVoiceAnalytics``.
        invite_headers: The SIP INVITE headers of the call (``inviteHeaders``), header
            name to value as sent, when the event carries them (``AnalyticsReady``).
            Excluded from the hash, since a mapping has none; equality compares it.
    """

    detail_status: VoiceAnalyticsEventStatus
    voice_connector_id: str | None = None
    transaction_id: str | None = None
    call_id: str | None = None
    is_caller: bool | None = None
    speaker_search_results: PostCallSpeakerSearchSummary | None = None
    invite_headers: Mapping[str, str] | None = attrs.field(default=None, hash=False)


@attrs.frozen(kw_only=True)
class _Envelope:
    """The EventBridge envelope and the behaviour both event classes share."""

    detail_type: ClassVar[str]

    id: str | None = None
    time: datetime | None = None
    source: str | None = None
    account: str | None = None
    region: str | None = None
    version: str | None = None
    resources: tuple[str, ...] = ()
    service_type: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build the event from its EventBridge wire form.

        Args:
            data: The EventBridge event; its ``detail-type`` must be this class's.

        Raises:
            MalformedEventError: naming the first field that does not fit.
        """
        from ._convert import structure_event  # noqa: PLC0415 (models must not import the converter at import time)

        # structure_event is typed per concrete class; Self is one of them.
        event: Self = structure_event(data, cast("Any", cls))
        return event

    @property
    def idempotency_key(self) -> str:
        """A key that is equal for redeliveries of the same event.

        The EventBridge ``id`` when the event has one; otherwise ``"sha256:"`` and a
        hash of the event's wire form (unknown fields excluded), so copies of one
        event delivered twice, by one target or by several, share a key.
        """
        if self.id:
            return self.id
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready EventBridge wire form of the event.

        Kebab-case envelope keys, camelCase detail keys, an ISO-8601 ``time``,
        confidence scores as numeric strings (as the developer guide's example sends
        them); fields that are ``None`` are omitted. ``parse_event(e.to_dict())``
        gives back ``[e]``.
        """
        from ._convert import unstructure_event  # noqa: PLC0415 (models must not import the converter at import time)

        return unstructure_event(self)  # type: ignore[arg-type]  # only subclasses are instantiated


@attrs.frozen(kw_only=True)
class SpeakerSearchStatusEvent(_Envelope):
    """A ``SpeakerSearchStatus`` event: identification matches or voiceprint generation.

    Envelope fields absent from the wire are ``None`` (``resources``: empty), so that
    ``to_dict()`` writes back what was read.

    Attributes:
        detail: The event's payload.
        id: The EventBridge event id (unique per event; redeliveries repeat it).
        time: When the event happened (timezone-aware), or ``None`` if it has no ``time``.
        source: ``"aws.chime"`` as sent.
        account: The AWS account id.
        region: The AWS Region.
        version: The EventBridge envelope version (``"0"``) as sent.
        resources: ARNs the event concerns (usually empty).
        service_type: ``"VoiceAnalytics"`` as sent.
    """

    detail_type: ClassVar[str] = "SpeakerSearchStatus"

    detail: SpeakerSearchStatusDetail

    @property
    def task_id(self) -> str:
        """Shorthand for ``detail.task_id``."""
        return self.detail.task_id

    @property
    def detail_status(self) -> SpeakerSearchEventStatus:
        """Shorthand for ``detail.detail_status``."""
        return self.detail.detail_status

    @property
    def is_identification(self) -> bool:
        """True for an identification outcome (see ``SpeakerSearchEventStatus``)."""
        return self.detail.detail_status.is_identification

    @property
    def is_voiceprint_generation(self) -> bool:
        """True for a voiceprint generation outcome."""
        return self.detail.detail_status.is_voiceprint_generation

    @property
    def results(self) -> tuple[SpeakerSearchResult, ...]:
        """The matches as the API's ``SpeakerSearchResult`` values (empty if none)."""
        if self.detail.speaker_search_details is None:
            return ()
        return self.detail.speaker_search_details.results

    @property
    def voiceprint_generation_status(self) -> VoiceprintGenerationStatus | None:
        """The API's ``VoiceprintGenerationStatus`` for a voiceprint event, else ``None``."""
        return _VOICEPRINT_STATUS.get(self.detail.detail_status)

    def best_match(self, min_confidence: float = 0.0) -> SpeakerSearchResult | None:
        """Return the highest-scoring result scoring at least ``min_confidence``.

        The same rule as :meth:`SpeakerSearchTask.best_match
        <chime_speaker_search.SpeakerSearchTask.best_match>`, so polling and event
        code can share it.

        Args:
            min_confidence: Ignore results scoring below this.

        Returns:
            The best result, or ``None``. Ties go to the result listed first.
        """
        return best_match(self.results, min_confidence)


@attrs.frozen(kw_only=True)
class VoiceAnalyticsStatusEvent(_Envelope):
    """A ``VoiceAnalyticsStatus`` event: analytics ready, or the post-call summary.

    Attributes:
        detail: The event's payload.
        id: The EventBridge event id, when the event has one.
        time: When the event happened (timezone-aware), or ``None`` if it has no ``time``.
        source: ``"aws.chime"`` as sent.
        account: The AWS account id.
        region: The AWS Region.
        version: The EventBridge envelope version (``"0"``) as sent.
        resources: ARNs the event concerns (usually empty).
        service_type: ``"VoiceAnalytics"`` as sent.
    """

    detail_type: ClassVar[str] = "VoiceAnalyticsStatus"

    detail: VoiceAnalyticsStatusDetail

    @property
    def detail_status(self) -> VoiceAnalyticsEventStatus:
        """Shorthand for ``detail.detail_status``."""
        return self.detail.detail_status


Event = SpeakerSearchStatusEvent | VoiceAnalyticsStatusEvent
"""Any event :func:`~chime_speaker_search.parse_event` returns."""
