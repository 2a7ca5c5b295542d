"""The emulated service's state and rules, with no HTTP in sight.

Everything here is plain data and arithmetic on the clock: a task's status is not
stored but computed from its creation time whenever it is read, so with a
:class:`~chime_speaker_search.testing.ManualClock` every status, timestamp and
result is exactly reproducible. Operations raise the library's own
:class:`~chime_speaker_search.errors.ServiceError` subclasses; the wire layer turns
them into HTTP responses.

The emulator is not thread-safe by itself: its owner holds one lock around every
call (see :mod:`chime_speaker_search.testing._wire`).
"""

from __future__ import annotations

import hashlib
import secrets
import string
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

import attrs

from chime_speaker_search._models import (
    CallDetails,
    CallLeg,
    SpeakerSearchDetails,
    SpeakerSearchResult,
    SpeakerSearchTask,
    SpeakerSearchTaskStatus,
    VoiceprintGenerationStatus,
)
from chime_speaker_search._validation import ID_MAX, VOICE_CONNECTOR_ID_MAX
from chime_speaker_search.errors import (
    ConflictException,
    NotFoundException,
    ResourceLimitExceededException,
)

if TYPE_CHECKING:
    from chime_speaker_search._clock import Clock

__all__ = [
    "IDENTIFICATION_SPEECH_SECONDS",
    "MAX_RESULTS",
    "QUEUE_SECONDS",
    "VOICEPRINT_SPEECH_SECONDS",
    "Emulator",
    "StartRequest",
    "new_voice_connector_id",
]

# The service documentation: a task waits in a queue briefly, identification needs
# 10 s of non-silent speech and a voiceprint 20 s; at most 10 results are returned.
QUEUE_SECONDS: Final = 1.0
IDENTIFICATION_SPEECH_SECONDS: Final = 10.0
VOICEPRINT_SPEECH_SECONDS: Final = 20.0
MAX_RESULTS: Final = 10

# Scores: the enrolled speaker lands in [0.85, 0.99], everybody else in [0.05, 0.55].
_MATCH_SCORES: Final = (0.85, 0.99)
_OTHER_SCORES: Final = (0.05, 0.55)
_VOICE_CONNECTOR_ALPHABET: Final = string.ascii_lowercase + string.digits
_VOICE_CONNECTOR_ID_LENGTH: Final = 22


def new_voice_connector_id() -> str:
    """A fresh id shaped like the service's: 22 characters of ``[a-z0-9]``."""
    return "".join(
        secrets.choice(_VOICE_CONNECTOR_ALPHABET) for _ in range(_VOICE_CONNECTOR_ID_LENGTH)
    )


def _check_seed_id(kind: str, value: object, max_length: int) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= max_length or not value.strip():
        raise ValueError(
            f"a {kind} id must be 1-{max_length} characters with a non-whitespace one,"
            f" got {value!r}"
        )
    return value


def _is_name(value: object) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _score(transaction_id: str, leg: CallLeg, profile_id: str, *, match: bool) -> float:
    """A stable pseudo-random score: the same call and profile always score the same."""
    digest = hashlib.sha256(f"{transaction_id}\x00{leg.value}\x00{profile_id}".encode()).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    low, high = _MATCH_SCORES if match else _OTHER_SCORES
    return round(low + (high - low) * fraction, 4)


@attrs.frozen(kw_only=True)
class _Call:
    voice_connector_id: str
    transaction_id: str
    speakers: dict[CallLeg, str | None]
    speech_seconds: dict[CallLeg, float]


@attrs.frozen(kw_only=True)
class _Profile:
    voice_profile_id: str
    domain_id: str
    speaker: str


@attrs.frozen(kw_only=True)
class StartRequest:
    """A validated StartSpeakerSearchTask request (the identity used for idempotency).

    ``call_leg`` is the effective leg: an omitted ``CallLeg`` means the caller, so
    repeating a request with and without ``"CallLeg": "Caller"`` is the same request.
    """

    voice_connector_id: str
    transaction_id: str
    voice_profile_domain_id: str
    call_leg: CallLeg
    client_request_token: str | None = attrs.field(eq=False)

    def describe(self) -> str:
        """The request's parameters, for messages."""
        return (
            f"VoiceConnectorId={self.voice_connector_id!r},"
            f" TransactionId={self.transaction_id!r},"
            f" VoiceProfileDomainId={self.voice_profile_domain_id!r},"
            f" CallLeg={self.call_leg.value!r}"
        )


@attrs.define(kw_only=True)
class _Task:
    """What the emulator remembers of a task; its status is derived from the clock."""

    task_id: str
    request: StartRequest
    speech_seconds: float
    results: tuple[SpeakerSearchResult, ...]
    created: datetime
    stopped: datetime | None = None

    @property
    def _started(self) -> datetime:
        return self.created + timedelta(seconds=QUEUE_SECONDS)

    @property
    def _identified(self) -> datetime | None:
        if self.speech_seconds < IDENTIFICATION_SPEECH_SECONDS:
            return None
        return self._started + timedelta(seconds=IDENTIFICATION_SPEECH_SECONDS)

    @property
    def _finished(self) -> datetime:
        # Listening ends when the voiceprint is done or the leg's speech runs out.
        listened = min(self.speech_seconds, VOICEPRINT_SPEECH_SECONDS)
        return self._started + timedelta(seconds=listened)

    def _natural_outcome(self) -> tuple[SpeakerSearchTaskStatus, str | None]:
        leg = self.request.call_leg.value
        speech = f"{self.speech_seconds:g} s"
        if self.speech_seconds >= VOICEPRINT_SPEECH_SECONDS:
            return SpeakerSearchTaskStatus.SUCCEEDED, None
        if self.speech_seconds >= IDENTIFICATION_SPEECH_SECONDS:
            return SpeakerSearchTaskStatus.PARTIAL_SUCCESS, (
                f"The speaker was identified, but the {leg} leg had only {speech} of"
                f" non-silent speech; a voiceprint needs {VOICEPRINT_SPEECH_SECONDS:g} s."
            )
        return SpeakerSearchTaskStatus.FAILED, (
            f"The {leg} leg had only {speech} of non-silent speech; identifying a speaker"
            f" needs at least {IDENTIFICATION_SPEECH_SECONDS:g} s."
        )

    def is_active(self, now: datetime) -> bool:
        """True while the task is IN_QUEUE or IN_PROGRESS."""
        return not self.view(now).is_terminal

    def view(self, now: datetime) -> SpeakerSearchTask:
        """The task as the service reports it at ``now``."""
        # Only active tasks can be stopped, so a stop always precedes the natural end;
        # nothing happens after it, so the task is looked at as of the stop.
        at = now if self.stopped is None else self.stopped
        started = self._started if at >= self._started else None
        identified = self._identified
        if identified is not None and at < identified:
            identified = None
        details = None if identified is None else SpeakerSearchDetails(results=self.results)
        message: str | None = None
        if self.stopped is not None:
            status, updated = SpeakerSearchTaskStatus.STOPPED, self.stopped
            message = "The task was stopped by a StopSpeakerSearchTask request."
        elif started is None:
            status, updated = SpeakerSearchTaskStatus.IN_QUEUE, self.created
        elif at < self._finished:
            status, updated = SpeakerSearchTaskStatus.IN_PROGRESS, identified or started
        else:
            status, message = self._natural_outcome()
            updated = self._finished
            if status.is_success:
                details = SpeakerSearchDetails(
                    results=self.results,
                    voiceprint_generation_status=(
                        VoiceprintGenerationStatus.VOICEPRINT_GENERATION_SUCCESS
                        if status is SpeakerSearchTaskStatus.SUCCEEDED
                        else VoiceprintGenerationStatus.VOICEPRINT_GENERATION_FAILURE
                    ),
                )
        return SpeakerSearchTask(
            speaker_search_task_id=self.task_id,
            speaker_search_task_status=status,
            call_details=CallDetails(
                voice_connector_id=self.request.voice_connector_id,
                transaction_id=self.request.transaction_id,
                is_caller=self.request.call_leg is CallLeg.CALLER,
            ),
            speaker_search_details=details,
            created_timestamp=self.created,
            updated_timestamp=updated,
            started_timestamp=started,
            status_message=message,
        )


class Emulator:
    """Voice connectors, profile domains, profiles, calls and tasks, and their rules.

    Args:
        clock: Where time comes from; task lifecycles are computed from it.
        max_active_tasks: How many IN_QUEUE/IN_PROGRESS tasks may exist at once.
    """

    def __init__(self, *, clock: Clock, max_active_tasks: int) -> None:
        self.clock = clock
        self.max_active_tasks = max_active_tasks
        self._voice_connectors: set[str] = set()
        self._domains: set[str] = set()
        self._profiles: dict[str, _Profile] = {}
        self._calls: dict[tuple[str, str], _Call] = {}
        self._tasks: dict[str, _Task] = {}
        self._tokens: dict[str, tuple[StartRequest, str]] = {}

    # --- seeding ---------------------------------------------------------------------

    def add_voice_connector(self, voice_connector_id: str | None) -> str:
        """Create a Voice Connector; see ``LocalSpeakerSearchService``."""
        if voice_connector_id is None:
            voice_connector_id = new_voice_connector_id()
        _check_seed_id("Voice Connector", voice_connector_id, VOICE_CONNECTOR_ID_MAX)
        if voice_connector_id in self._voice_connectors:
            raise ValueError(f"Voice Connector {voice_connector_id!r} already exists")
        self._voice_connectors.add(voice_connector_id)
        return voice_connector_id

    def add_voice_profile_domain(self, domain_id: str | None) -> str:
        """Create a voice profile domain; see ``LocalSpeakerSearchService``."""
        if domain_id is None:
            domain_id = str(uuid.uuid4())
        _check_seed_id("voice profile domain", domain_id, ID_MAX)
        if domain_id in self._domains:
            raise ValueError(f"voice profile domain {domain_id!r} already exists")
        self._domains.add(domain_id)
        return domain_id

    def add_voice_profile(
        self, domain_id: str, speaker: str, *, voice_profile_id: str | None = None
    ) -> str:
        """Enrol ``speaker`` in a domain; see ``LocalSpeakerSearchService``."""
        if domain_id not in self._domains:
            raise ValueError(
                f"voice profile domain {domain_id!r} does not exist;"
                " create it with add_voice_profile_domain() first"
            )
        if not _is_name(speaker):
            raise ValueError(f"a speaker must be a non-empty string, got {speaker!r}")
        profile_id = voice_profile_id if voice_profile_id is not None else str(uuid.uuid4())
        _check_seed_id("voice profile", profile_id, ID_MAX)
        if profile_id in self._profiles:
            raise ValueError(f"voice profile {profile_id!r} already exists")
        self._profiles[profile_id] = _Profile(
            voice_profile_id=profile_id, domain_id=domain_id, speaker=speaker
        )
        return profile_id

    def add_call(
        self,
        voice_connector_id: str,
        *,
        caller: str | None,
        callee: str | None,
        caller_speech_seconds: float,
        callee_speech_seconds: float,
        transaction_id: str | None = None,
    ) -> str:
        """Put a call on a Voice Connector; see ``LocalSpeakerSearchService``."""
        if voice_connector_id not in self._voice_connectors:
            raise ValueError(
                f"Voice Connector {voice_connector_id!r} does not exist;"
                " create it with add_voice_connector() first"
            )
        for name, seconds in (
            ("caller_speech_seconds", caller_speech_seconds),
            ("callee_speech_seconds", callee_speech_seconds),
        ):
            if not 0 <= seconds < float("inf"):
                raise ValueError(f"{name} must be a finite number >= 0, got {seconds!r}")
        if transaction_id is None:
            transaction_id = str(uuid.uuid4())
        _check_seed_id("transaction", transaction_id, ID_MAX)
        key = (voice_connector_id, transaction_id)
        if key in self._calls:
            raise ValueError(f"transaction {transaction_id!r} already exists")
        self._calls[key] = _Call(
            voice_connector_id=voice_connector_id,
            transaction_id=transaction_id,
            speakers={CallLeg.CALLER: caller, CallLeg.CALLEE: callee},
            speech_seconds={
                CallLeg.CALLER: float(caller_speech_seconds),
                CallLeg.CALLEE: float(callee_speech_seconds),
            },
        )
        return transaction_id

    # --- operations ------------------------------------------------------------------

    def start(self, request: StartRequest) -> SpeakerSearchTask:
        """StartSpeakerSearchTask.

        Raises:
            ConflictException: The token was used before with a different request.
            NotFoundException: The Voice Connector, domain or transaction is unknown.
            ResourceLimitExceededException: The transaction already has an active task,
                or ``max_active_tasks`` tasks are active.
        """
        now = self.clock.now()
        token = request.client_request_token
        if token is not None and token in self._tokens:
            first, task_id = self._tokens[token]
            if first != request:
                raise ConflictException(
                    f"ClientRequestToken {token!r} was already used for a different request"
                    f" ({first.describe()}). Use a new token for a new request."
                )
            return self._tasks[task_id].view(now)
        self._require_voice_connector(request.voice_connector_id)
        if request.voice_profile_domain_id not in self._domains:
            raise NotFoundException(
                f"Voice profile domain {request.voice_profile_domain_id!r} was not found."
            )
        call = self._calls.get((request.voice_connector_id, request.transaction_id))
        if call is None:
            raise NotFoundException(
                f"Transaction {request.transaction_id!r} was not found on Voice Connector"
                f" {request.voice_connector_id!r}; is the call in progress?"
            )
        active = [task for task in self._tasks.values() if task.is_active(now)]
        for task in active:
            if (
                task.request.voice_connector_id == request.voice_connector_id
                and task.request.transaction_id == request.transaction_id
            ):
                raise ResourceLimitExceededException(
                    f"Transaction {request.transaction_id!r} already has an active speaker"
                    f" search task ({task.task_id}); only one may be active per call."
                    " Stop it or wait for it to finish."
                )
        if len(active) >= self.max_active_tasks:
            raise ResourceLimitExceededException(
                f"{len(active)} speaker search tasks are active, the most allowed"
                f" ({self.max_active_tasks}). Wait for one to finish."
            )
        task = _Task(
            task_id=str(uuid.uuid4()),
            request=request,
            speech_seconds=call.speech_seconds[request.call_leg],
            results=self._rank(request, call.speakers[request.call_leg]),
            created=now,
        )
        self._tasks[task.task_id] = task
        if token is not None:
            self._tokens[token] = (request, task.task_id)
        return task.view(now)

    def get(self, voice_connector_id: str, task_id: str) -> SpeakerSearchTask:
        """GetSpeakerSearchTask.

        Raises:
            NotFoundException: The Voice Connector or task is unknown.
        """
        return self._find(voice_connector_id, task_id).view(self.clock.now())

    def stop(self, voice_connector_id: str, task_id: str) -> None:
        """StopSpeakerSearchTask.

        Raises:
            NotFoundException: The Voice Connector or task is unknown.
            ConflictException: The task has already finished.
        """
        task = self._find(voice_connector_id, task_id)
        now = self.clock.now()
        current = task.view(now)
        if current.is_terminal:
            raise ConflictException(
                f"Speaker search task {task_id!r} has already finished with status"
                f" {current.status.value}; only IN_QUEUE or IN_PROGRESS tasks can be stopped."
            )
        task.stopped = now

    def tasks(self) -> dict[str, SpeakerSearchTask]:
        """Every task ever created, by id, in creation order, as of now."""
        now = self.clock.now()
        return {task_id: task.view(now) for task_id, task in self._tasks.items()}

    # --- helpers ---------------------------------------------------------------------

    def _require_voice_connector(self, voice_connector_id: str) -> None:
        if voice_connector_id not in self._voice_connectors:
            raise NotFoundException(f"Voice Connector {voice_connector_id!r} was not found.")

    def _find(self, voice_connector_id: str, task_id: str) -> _Task:
        self._require_voice_connector(voice_connector_id)
        task = self._tasks.get(task_id)
        if task is None or task.request.voice_connector_id != voice_connector_id:
            raise NotFoundException(
                f"Speaker search task {task_id!r} was not found on Voice Connector"
                f" {voice_connector_id!r}."
            )
        return task

    def _rank(self, request: StartRequest, speaker: str | None) -> tuple[SpeakerSearchResult, ...]:
        scored = [
            SpeakerSearchResult(
                confidence_score=_score(
                    request.transaction_id,
                    request.call_leg,
                    profile.voice_profile_id,
                    match=speaker is not None and profile.speaker == speaker,
                ),
                voice_profile_id=profile.voice_profile_id,
            )
            for profile in self._profiles.values()
            if profile.domain_id == request.voice_profile_domain_id
        ]
        scored.sort(key=lambda result: (-result.confidence_score, result.voice_profile_id))
        return tuple(scored[:MAX_RESULTS])
