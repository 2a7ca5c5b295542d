"""Receiving speaker search events: unwrapping deliveries, de-duplication and ordering.

Voice analytics delivers each event at least once, possibly out of order, through
EventBridge, SQS, SNS, Kinesis Data Streams or a Lambda function. :func:`parse_event`
takes whatever a Lambda handler (or a queue consumer) was given and returns the typed
events inside; the helpers deal with duplicates and ordering.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, TypeVar

from ._convert import event_class_for, structure_event
from ._event_models import (
    Event,
    EventSpeakerSearchDetails,
    SpeakerSearchEventStatus,
    SpeakerSearchStatusDetail,
    SpeakerSearchStatusEvent,
    VoiceAnalyticsStatusEvent,
)
from ._models import SpeakerSearchTaskStatus, VoiceprintGenerationStatus
from .errors import MalformedEventError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ._models import SpeakerSearchTask

__all__ = [
    "deduplicate_events",
    "events_for_task",
    "latest_by_task",
    "parse_event",
    "sorted_by_time",
]

_Ev = TypeVar("_Ev", SpeakerSearchStatusEvent, VoiceAnalyticsStatusEvent, Event)

# An SQS body holding an SNS notification holding an event is three levels; a little
# slack, but a bound, so a self-similar payload cannot recurse without end.
_MAX_DEPTH = 6
_OLDEST = datetime.min.replace(tzinfo=timezone.utc)
# Namespace for the ids events_for_task() derives (uuid5 of task id and status).
_EVENT_ID_NAMESPACE = uuid.UUID("6f1c9a52-3d0b-5e7a-9c4e-8a1b2c3d4e5f")


def parse_event(delivered: object, *, skip_other_events: bool = True) -> list[Event]:
    """Return the speaker search events inside what a handler was given.

    Accepts, and unwraps as deep as needed:

    - an EventBridge event (what an EventBridge rule or a direct Lambda target gets);
    - an SQS event (``{"Records": [...]}``) or one SQS record, whose ``body`` is an
      EventBridge event or an SNS notification (``{"Type": "Notification",
      "Message": ...}``);
    - an SNS event or one SNS record, whose ``Sns.Message`` is the event;
    - a Kinesis event or one Kinesis record, whose ``kinesis.data`` is the event in
      base64;
    - any of these as JSON text (``str`` or ``bytes``).

    Args:
        delivered: The decoded payload (or JSON text).
        skip_other_events: Well-formed EventBridge events of other detail types (e.g.
            ``VoiceToneAnalysisStatus``) are skipped when true, and raise
            :class:`MalformedEventError` when false.

    Returns:
        The events in delivery order, as a list: a batch is parsed completely before
        anything is returned, so a malformed record fails the call rather than half of
        a batch. To handle records one by one (e.g. for SQS partial batch responses),
        call ``parse_event`` on each record. Duplicates are kept; see
        :func:`deduplicate_events`.

    Raises:
        MalformedEventError: Something does not fit; ``.field`` names where, e.g.
            ``"Records[2].body.detail.speakerSearchDetails.results[0].confidenceScore"``.
    """
    events: list[Event] = []
    _collect(delivered, "", events, skip_other_events=skip_other_events, depth=0)
    return events


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _where(path: str) -> str:
    return path or "The delivered payload"


def _load_json(text: str | bytes | bytearray, path: str) -> object:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError
        raise MalformedEventError(
            f"{_where(path)} is not valid JSON: {exc}.", field=path or None
        ) from exc


def _text_at(container: Mapping[str, object], key: str, path: str) -> str:
    value = container.get(key)
    if not isinstance(value, str):
        kind = "missing" if value is None else f"a {type(value).__name__}, not a string"
        raise MalformedEventError(f"{_join(path, key)} is {kind}.", field=_join(path, key))
    return value


def _collect(  # noqa: C901, PLR0911, PLR0912 (one branch per delivery envelope)
    obj: object, path: str, out: list[Event], *, skip_other_events: bool, depth: int
) -> None:
    if depth > _MAX_DEPTH:
        raise MalformedEventError(
            f"{_where(path)} nests envelopes too deeply to be a delivered event.",
            field=path or None,
        )
    if isinstance(obj, str | bytes | bytearray):
        obj = _load_json(obj, path)
    if not isinstance(obj, Mapping):
        raise MalformedEventError(
            f"{_where(path)} is not a JSON object, so not an event or a record.",
            field=path or None,
        )

    def inner(value: object, at: str) -> None:
        _collect(value, at, out, skip_other_events=skip_other_events, depth=depth + 1)

    if "detail-type" in obj:
        detail_type = obj["detail-type"]
        cls = event_class_for(detail_type)
        if cls is None:
            if skip_other_events and isinstance(detail_type, str):
                return
            raise MalformedEventError(
                f"{_join(path, 'detail-type')} is {detail_type!r}, not SpeakerSearchStatus "
                "or VoiceAnalyticsStatus.",
                field=_join(path, "detail-type"),
            )
        out.append(structure_event(obj, cls, path=path))
        return
    if "Records" in obj:
        records = obj["Records"]
        if not isinstance(records, list):
            at = _join(path, "Records")
            raise MalformedEventError(f"{at} is not an array.", field=at)
        for index, record in enumerate(records):
            inner(record, _join(path, f"Records[{index}]"))
        return
    if "body" in obj:  # SQS record
        inner(_text_at(obj, "body", path), _join(path, "body"))
        return
    if "Sns" in obj:  # SNS record
        sns = obj["Sns"]
        if not isinstance(sns, Mapping):
            at = _join(path, "Sns")
            raise MalformedEventError(f"{at} is not a JSON object.", field=at)
        at = _join(path, "Sns")
        inner(_text_at(sns, "Message", at), _join(at, "Message"))
        return
    if "kinesis" in obj:  # Kinesis record
        kinesis = obj["kinesis"]
        at = _join(path, "kinesis")
        if not isinstance(kinesis, Mapping):
            raise MalformedEventError(f"{at} is not a JSON object.", field=at)
        data = _text_at(kinesis, "data", at)
        try:
            decoded = base64.b64decode(data, validate=True)
        except ValueError as exc:  # binascii.Error
            raise MalformedEventError(
                f"{_join(at, 'data')} is not valid base64: {exc}.", field=_join(at, "data")
            ) from exc
        inner(decoded, _join(at, "data"))
        return
    if obj.get("Type") == "Notification" and "Message" in obj:  # SNS envelope in an SQS body
        inner(_text_at(obj, "Message", path), _join(path, "Message"))
        return
    raise MalformedEventError(
        f"{_where(path)} is not an EventBridge event (no detail-type), nor an SQS, SNS or "
        "Kinesis record or event.",
        field=path or None,
    )


def deduplicate_events(events: Iterable[_Ev]) -> list[_Ev]:
    """Drop redeliveries: keep the first event for each ``idempotency_key``.

    Within one batch only; across batches (or Lambda invocations) store the keys you
    have processed, e.g. in DynamoDB with a conditional write.

    Args:
        events: Events in any order.

    Returns:
        The events with repeats removed, in their original order.
    """
    seen: set[str] = set()
    unique: list[_Ev] = []
    for event in events:
        key = event.idempotency_key
        if key not in seen:
            seen.add(key)
            unique.append(event)
    return unique


def _time_key(event: Event) -> datetime:
    return event.time if event.time is not None else _OLDEST


def sorted_by_time(events: Iterable[_Ev]) -> list[_Ev]:
    """Return the events oldest first, by their ``time``.

    The sort is stable: events with equal times keep their delivery order. Events
    without a time sort first.

    Args:
        events: Events in delivery order.
    """
    return sorted(events, key=_time_key)


def latest_by_task(events: Iterable[Event]) -> dict[str, SpeakerSearchStatusEvent]:
    """Return the newest ``SpeakerSearchStatus`` event of each task, keyed by task id.

    "Newest" is by event ``time``; on equal times the one delivered later wins. A task
    sends an identification event and, later, a voiceprint generation event; to get
    the newest identification outcome, filter first::

        latest_by_task(e for e in events if isinstance(e, SpeakerSearchStatusEvent)
                       and e.is_identification)

    Args:
        events: Events of any kind; ``VoiceAnalyticsStatus`` events are ignored.
    """
    latest: dict[str, SpeakerSearchStatusEvent] = {}
    for event in events:
        if not isinstance(event, SpeakerSearchStatusEvent):
            continue
        current = latest.get(event.task_id)
        if current is None or _time_key(event) >= _time_key(current):
            latest[event.task_id] = event
    return latest


_VOICEPRINT_EVENT = {
    VoiceprintGenerationStatus.VOICEPRINT_GENERATION_SUCCESS: (
        SpeakerSearchEventStatus.VOICEPRINT_GENERATION_SUCCESS
    ),
    VoiceprintGenerationStatus.VOICEPRINT_GENERATION_FAILURE: (
        SpeakerSearchEventStatus.VOICEPRINT_GENERATION_FAILURE
    ),
}


def _identification_status(task: SpeakerSearchTask) -> SpeakerSearchEventStatus | None:
    if task.results:
        return SpeakerSearchEventStatus.IDENTIFICATION_SUCCESSFUL
    if task.status.is_success:
        return SpeakerSearchEventStatus.IDENTIFICATION_NO_MATCHES_FOUND
    if task.status is SpeakerSearchTaskStatus.FAILED:
        return SpeakerSearchEventStatus.IDENTIFICATION_FAILURE
    return None


def events_for_task(
    task: SpeakerSearchTask,
    *,
    time: datetime | None = None,
    account: str | None = None,
    region: str | None = None,
) -> list[SpeakerSearchStatusEvent]:
    """Build the ``SpeakerSearchStatus`` events the service would send for a task's state.

    For emulators and tests: it is pure, and the event ids are derived from the task id
    and the status, so calling it again for the same state gives equal events (as a
    redelivery would). Emit ``[e.to_dict() for e in events_for_task(task, ...)]`` to
    deliver them in the service's wire form.

    - Identification: ``IdentificationSuccessful`` with the task's results when it has
      any; ``IdentificationNoMatchesFound`` when it succeeded without any;
      ``IdentificationFailure`` when it failed; nothing otherwise (still running, or
      stopped).
    - Voiceprint generation: ``VoiceprintGenerationSuccess`` or
      ``VoiceprintGenerationFailure`` when the task reports a voiceprint status.

    Args:
        task: The task, as the API returns it.
        time: The events' time; by default the task's ``updated_timestamp``.
        account: The AWS account id to put in the envelope.
        region: The AWS Region to put in the envelope.

    Returns:
        Zero, one or two events: identification first, then voiceprint generation.
    """
    statuses: list[SpeakerSearchEventStatus] = []
    identification = _identification_status(task)
    if identification is not None:
        statuses.append(identification)
    details = task.speaker_search_details
    if details is not None and details.voiceprint_generation_status in _VOICEPRINT_EVENT:
        statuses.append(_VOICEPRINT_EVENT[details.voiceprint_generation_status])
    call = task.call_details
    events: list[SpeakerSearchStatusEvent] = []
    for status in statuses:
        event_id = uuid.uuid5(_EVENT_ID_NAMESPACE, f"{task.speaker_search_task_id}/{status}")
        detail = SpeakerSearchStatusDetail(
            task_id=task.speaker_search_task_id,
            detail_status=status,
            speaker_search_details=(
                EventSpeakerSearchDetails(results=task.results)
                if status is SpeakerSearchEventStatus.IDENTIFICATION_SUCCESSFUL
                else None
            ),
            voice_connector_id=call.voice_connector_id if call else None,
            transaction_id=call.transaction_id if call else None,
            is_caller=call.is_caller if call else None,
        )
        events.append(
            SpeakerSearchStatusEvent(
                detail=detail,
                id=str(event_id),
                time=time if time is not None else task.updated_timestamp,
                source="aws.chime",
                account=account,
                region=region,
                version="0",
                service_type="VoiceAnalytics",
            )
        )
    return events
