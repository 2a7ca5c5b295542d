"""Typed, immutable values for speaker search tasks and voice profiles.

The classes mirror the service's shapes with snake_case names. Conversion to and
from the wire form lives in :mod:`chime_speaker_search._convert`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from typing_extensions import Self

__all__ = [
    "CallDetails",
    "CallLeg",
    "SpeakerSearchDetails",
    "SpeakerSearchResult",
    "SpeakerSearchTask",
    "SpeakerSearchTaskStatus",
    "VoiceProfile",
    "VoiceProfileDomain",
    "VoiceprintGenerationStatus",
    "as_utc",
    "best_match",
]


class _OpenStrEnum(str, Enum):
    """A string enum that keeps values it does not know instead of raising.

    The service may add statuses at any time; an unknown one becomes a pseudo-member
    whose ``value`` is the raw string and whose ``is_unknown`` is true.
    """

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, str):
            return None
        pseudo = str.__new__(cls, value)
        pseudo._name_ = value
        pseudo._value_ = value
        return pseudo

    @property
    def is_unknown(self) -> bool:
        """True for a value this version of the library does not know."""
        # By value: an unknown string that happens to equal a member's *name* is unknown.
        return self._value_ not in type(self)._value2member_map_

    def __str__(self) -> str:
        return str(self.value)

    def __repr__(self) -> str:
        if self.is_unknown:
            return f"<{type(self).__name__} unknown {self.value!r}>"
        return f"<{type(self).__name__}.{self._name_}: {self.value!r}>"


class SpeakerSearchTaskStatus(_OpenStrEnum):
    """Status of a speaker search task (open: unknown values are kept)."""

    IN_QUEUE = "IN_QUEUE"
    IN_PROGRESS = "IN_PROGRESS"
    PARTIAL_SUCCESS = "PARTIAL_SUCCESS"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    STOPPED = "STOPPED"

    @property
    def is_terminal(self) -> bool:
        """True once the task will not change any more.

        SUCCEEDED, PARTIAL_SUCCESS, FAILED and STOPPED are terminal. Unknown statuses
        are not: a waiter keeps polling rather than returning something it cannot read.
        """
        return self in _TERMINAL

    @property
    def is_success(self) -> bool:
        """True for SUCCEEDED and PARTIAL_SUCCESS (the task has results)."""
        return self in _SUCCESS


_SUCCESS = frozenset({SpeakerSearchTaskStatus.SUCCEEDED, SpeakerSearchTaskStatus.PARTIAL_SUCCESS})
_TERMINAL = _SUCCESS | {SpeakerSearchTaskStatus.FAILED, SpeakerSearchTaskStatus.STOPPED}


class VoiceprintGenerationStatus(_OpenStrEnum):
    """Whether a voiceprint could be made from the call (open: unknown values are kept)."""

    VOICEPRINT_GENERATION_SUCCESS = "VoiceprintGenerationSuccess"
    VOICEPRINT_GENERATION_FAILURE = "VoiceprintGenerationFailure"


class CallLeg(str, Enum):
    """Which leg of the call to analyse."""

    CALLER = "Caller"
    CALLEE = "Callee"

    def __str__(self) -> str:
        return str(self.value)


# Converters, so that a task built by hand equals its round trip through the wire form:
# plain strings become enum members, lists become tuples, naive or zero-offset
# datetimes become UTC. Each returns at once for values already in canonical form.


def _as_task_status(value: str) -> SpeakerSearchTaskStatus:
    if type(value) is SpeakerSearchTaskStatus:
        return value
    return SpeakerSearchTaskStatus(value)


def _as_voiceprint_status(value: str | None) -> VoiceprintGenerationStatus | None:
    if value is None or type(value) is VoiceprintGenerationStatus:
        return value
    return VoiceprintGenerationStatus(value)


def _as_tuple(value: Iterable[SpeakerSearchResult]) -> tuple[SpeakerSearchResult, ...]:
    return value if type(value) is tuple else tuple(value)


_ZERO = timedelta(0)


def as_utc(value: datetime | None) -> datetime | None:
    """Naive datetimes are taken as UTC; zero offsets become :data:`timezone.utc`."""
    if value is None or value.tzinfo is timezone.utc:
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    if value.utcoffset() == _ZERO:
        # The same wall time in UTC; astimezone is faster than replace(tzinfo=) here.
        return value.astimezone(timezone.utc)
    return value


@attrs.frozen(kw_only=True)
class SpeakerSearchResult:
    """One enrolled voice profile that matched the speaker.

    Attributes:
        confidence_score: How confident the service is, from 0.0 to 1.0.
        voice_profile_id: The matching voice profile.
    """

    # AWS's Smithy model declares ConfidenceScore's default as 0: a result may omit it.
    confidence_score: float = 0.0
    voice_profile_id: str


def best_match(
    results: Iterable[SpeakerSearchResult], min_confidence: float = 0.0
) -> SpeakerSearchResult | None:
    """The highest-scoring result at or above ``min_confidence``; ties go to the first."""
    best: SpeakerSearchResult | None = None
    for result in results:
        if result.confidence_score >= min_confidence and (
            best is None or result.confidence_score > best.confidence_score
        ):
            best = result
    return best


@attrs.frozen(kw_only=True)
class SpeakerSearchDetails:
    """The outcome of the search.

    Attributes:
        results: The matching profiles, as the service ordered them (best first).
        voiceprint_generation_status: Whether a voiceprint of the speaker was made.
    """

    results: tuple[SpeakerSearchResult, ...] = attrs.field(default=(), converter=_as_tuple)
    voiceprint_generation_status: VoiceprintGenerationStatus | None = attrs.field(
        default=None, converter=_as_voiceprint_status
    )


@attrs.frozen(kw_only=True)
class CallDetails:
    """Which call, and which leg of it, the task analyses.

    Attributes:
        voice_connector_id: The Voice Connector carrying the call.
        transaction_id: The call's transaction id.
        is_caller: True when the caller leg is analysed.
    """

    voice_connector_id: str | None = None
    transaction_id: str | None = None
    is_caller: bool | None = None


@attrs.frozen(kw_only=True)
class SpeakerSearchTask:
    """A speaker search task as the service reports it.

    Attributes:
        speaker_search_task_id: The task's id.
        speaker_search_task_status: Where the task is in its life.
        call_details: The call being analysed.
        speaker_search_details: Results and voiceprint status, once available.
        created_timestamp: When the task was created (timezone-aware).
        updated_timestamp: When the task last changed (timezone-aware).
        started_timestamp: When analysis started (timezone-aware).
        status_message: The service's explanation, e.g. why a task failed.
    """

    speaker_search_task_id: str
    speaker_search_task_status: SpeakerSearchTaskStatus = attrs.field(converter=_as_task_status)
    call_details: CallDetails | None = None
    speaker_search_details: SpeakerSearchDetails | None = None
    created_timestamp: datetime | None = attrs.field(default=None, converter=as_utc)
    updated_timestamp: datetime | None = attrs.field(default=None, converter=as_utc)
    started_timestamp: datetime | None = attrs.field(default=None, converter=as_utc)
    status_message: str | None = None

    @property
    def status(self) -> SpeakerSearchTaskStatus:
        """Shorthand for :attr:`speaker_search_task_status`."""
        return self.speaker_search_task_status

    @property
    def is_terminal(self) -> bool:
        """True once the task will not change any more (see ``SpeakerSearchTaskStatus``)."""
        return self.speaker_search_task_status.is_terminal

    @property
    def results(self) -> tuple[SpeakerSearchResult, ...]:
        """The matching profiles, or an empty tuple when there are no details yet."""
        if self.speaker_search_details is None:
            return ()
        return self.speaker_search_details.results

    def best_match(self, min_confidence: float = 0.0) -> SpeakerSearchResult | None:
        """Return the highest-scoring result scoring at least ``min_confidence``.

        Args:
            min_confidence: Ignore results scoring below this.

        Returns:
            The best result, or ``None`` when no result reaches the threshold. Ties go
            to the result the service listed first.
        """
        return best_match(self.results, min_confidence)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SpeakerSearchTask:
        """Build a task from its wire form.

        Args:
            data: The mapping under ``"SpeakerSearchTask"`` in a response, with
                timestamps as ``datetime`` (as botocore returns them) or ISO-8601 strings.

        Raises:
            MalformedResponseError: A required field is missing or has the wrong type.
        """
        from ._convert import structure_task  # noqa: PLC0415 (it imports this module)

        return structure_task(data)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready wire form: PascalCase keys, ISO-8601 timestamps.

        Fields that are ``None`` are omitted, as the service omits them.
        """
        from ._convert import unstructure_task  # noqa: PLC0415 (it imports this module)

        return unstructure_task(self)


# --- voice profiles ----------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class VoiceProfile:
    """An enrolled caller: a voiceprint the service matches later calls against.

    Also what :meth:`~chime_speaker_search.SpeakerSearchClient.list_voice_profiles`
    yields (the service's ``VoiceProfileSummary`` has the same fields).

    Attributes:
        voice_profile_id: The profile's id; what a speaker search result names.
        voice_profile_arn: The profile's ARN. Hidden from ``repr`` (the service's
            model marks ARNs sensitive), but compared and kept by ``to_dict()``.
        voice_profile_domain_id: The domain the profile belongs to.
        created_timestamp: When the caller was enrolled (timezone-aware).
        updated_timestamp: When the profile's voiceprint was last replaced.
        expiration_timestamp: When the profile expires unless refreshed with
            ``update_voice_profile`` (timezone-aware).
    """

    voice_profile_id: str
    voice_profile_arn: str | None = attrs.field(default=None, repr=False)
    voice_profile_domain_id: str | None = None
    created_timestamp: datetime | None = attrs.field(default=None, converter=as_utc)
    updated_timestamp: datetime | None = attrs.field(default=None, converter=as_utc)
    expiration_timestamp: datetime | None = attrs.field(default=None, converter=as_utc)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VoiceProfile:
        """Build a profile from its wire form.

        Args:
            data: The mapping under ``"VoiceProfile"`` in a response (or one item of
                ``"VoiceProfiles"``), with timestamps as ``datetime`` or ISO-8601 strings.

        Raises:
            MalformedResponseError: A required field is missing or has the wrong type.
        """
        from ._convert import structure_voice_profile  # noqa: PLC0415 (it imports this module)

        return structure_voice_profile(data)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready wire form: PascalCase keys, ISO-8601 timestamps.

        Fields that are ``None`` are omitted, as the service omits them.
        """
        from ._convert import unstructure_model  # noqa: PLC0415 (it imports this module)

        return unstructure_model(self)


@attrs.frozen(kw_only=True)
class VoiceProfileDomain:
    """A collection of voice profiles, the unit a speaker search searches.

    Also what :meth:`~chime_speaker_search.SpeakerSearchClient.list_voice_profile_domains`
    yields; the service's ``VoiceProfileDomainSummary`` has no encryption settings, so
    :attr:`kms_key_arn` is ``None`` there.

    Attributes:
        voice_profile_domain_id: The domain's id, as passed to a speaker search.
        voice_profile_domain_arn: The domain's ARN (hidden from ``repr``: sensitive).
        name: The domain's name.
        description: The domain's description.
        kms_key_arn: The KMS key encrypting the domain's enrolment data (the wire's
            ``ServerSideEncryptionConfiguration.KmsKeyArn``; hidden from ``repr``,
            since the model marks ARNs sensitive).
        created_timestamp: When the domain was created (timezone-aware).
        updated_timestamp: When the domain was last changed (timezone-aware).
    """

    voice_profile_domain_id: str
    voice_profile_domain_arn: str | None = attrs.field(default=None, repr=False)
    name: str | None = None
    description: str | None = None
    kms_key_arn: str | None = attrs.field(default=None, repr=False)
    created_timestamp: datetime | None = attrs.field(default=None, converter=as_utc)
    updated_timestamp: datetime | None = attrs.field(default=None, converter=as_utc)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VoiceProfileDomain:
        """Build a domain from its wire form.

        Args:
            data: The mapping under ``"VoiceProfileDomain"`` in a response (or one item
                of ``"VoiceProfileDomains"``), with timestamps as ``datetime`` or
                ISO-8601 strings.

        Raises:
            MalformedResponseError: A required field is missing or has the wrong type.
        """
        from ._convert import structure_voice_profile_domain  # noqa: PLC0415

        return structure_voice_profile_domain(data)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready wire form: PascalCase keys, ISO-8601 timestamps.

        The KMS key goes under ``ServerSideEncryptionConfiguration``, as on the wire.
        Fields that are ``None`` are omitted, as the service omits them.
        """
        from ._convert import unstructure_model  # noqa: PLC0415 (it imports this module)

        return unstructure_model(self)
