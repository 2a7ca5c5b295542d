"""The emulated service's state and rules, with no HTTP in sight.

Everything here is plain data and arithmetic on the clock: a task's status is not
stored but computed from its creation time whenever it is read, so with a
:class:`~chime_speaker_search.testing.ManualClock` every status, timestamp, result,
event and expiry is exactly reproducible. Operations raise the library's own
:class:`~chime_speaker_search.errors.ServiceError` subclasses; the wire layer turns
them into HTTP responses. The documented numbers come from :mod:`._rules`, which
says where each is written.

The emulator is not thread-safe by itself: its owner holds one lock around every
call (see :mod:`chime_speaker_search.testing._wire`).
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import string
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import attrs

from chime_speaker_search._events import events_for_task
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
    BadRequestException,
    ConflictException,
    GoneException,
    NotFoundException,
    ResourceLimitExceededException,
)

from ._profiles import ARN_ACCOUNT, Domain, Page, Profile, paginate
from ._rules import (
    IDENTIFICATION_SPEECH_SECONDS,
    MAX_RESULTS,
    QUEUE_SECONDS,
    TASK_RETENTION,
    VOICEPRINT_RETENTION,
    VOICEPRINT_SPEECH_SECONDS,
)

if TYPE_CHECKING:
    from chime_speaker_search._clock import Clock
    from chime_speaker_search._event_models import SpeakerSearchStatusEvent

__all__ = [
    "IDENTIFICATION_SPEECH_SECONDS",
    "MAX_RESULTS",
    "QUEUE_SECONDS",
    "VOICEPRINT_SPEECH_SECONDS",
    "Emulator",
    "StartRequest",
    "new_voice_connector_id",
]

# Scores: the enrolled speaker lands in [0.85, 0.99], everybody else in [0.05, 0.55].
_MATCH_SCORES: Final = (0.85, 0.99)
_OTHER_SCORES: Final = (0.05, 0.55)
_VOICE_CONNECTOR_ALPHABET: Final = string.ascii_lowercase + string.digits
_VOICE_CONNECTOR_ID_LENGTH: Final = 22
_DEFAULT_KMS_KEY: Final = f"arn:aws:kms:us-east-1:{ARN_ACCOUNT}:key/"


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

    def voice(self, leg: CallLeg) -> str:
        """Who speaks on ``leg``: the seeded name, or an identity of this leg alone.

        A leg seeded with ``None`` is someone not enrolled; a voice profile made from
        it holds that person's voice, which no other call shares.
        """
        speaker = self.speakers[leg]
        if speaker is not None:
            return speaker
        return (
            f"\x00unenrolled\x00{self.voice_connector_id}\x00{self.transaction_id}\x00{leg.value}"
        )


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
    voice: str
    speech_seconds: float
    results: tuple[SpeakerSearchResult, ...]
    created: datetime
    stopped: datetime | None = None

    @property
    def _started(self) -> datetime:
        return self.created + timedelta(seconds=QUEUE_SECONDS)

    @property
    def identified(self) -> datetime | None:
        """When the speaker was identified (10 s of speech after starting), if ever."""
        if self.speech_seconds < IDENTIFICATION_SPEECH_SECONDS:
            return None
        return self._started + timedelta(seconds=IDENTIFICATION_SPEECH_SECONDS)

    @property
    def finished(self) -> datetime:
        """When the task ends unless stopped first."""
        # Listening ends when the voiceprint is done or the leg's speech runs out.
        listened = min(self.speech_seconds, VOICEPRINT_SPEECH_SECONDS)
        return self._started + timedelta(seconds=listened)

    @property
    def end(self) -> datetime:
        """When the task ended or will end, as far as is known now."""
        return self.stopped if self.stopped is not None else self.finished

    @property
    def voiceprint_generated(self) -> datetime | None:
        """When the voiceprint was (or will be) generated; ``None`` if never."""
        if self.speech_seconds < VOICEPRINT_SPEECH_SECONDS:
            return None
        if self.stopped is not None and self.stopped < self.finished:
            return None
        return self.finished

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
        """True while the task is IN_QUEUE or IN_PROGRESS (the same as ``view``'s status)."""
        return self.stopped is None and now < self.finished

    def view(self, now: datetime) -> SpeakerSearchTask:
        """The task as the service reports it at ``now``."""
        # Only active tasks can be stopped, so a stop always precedes the natural end;
        # nothing happens after it, so the task is looked at as of the stop.
        at = now if self.stopped is None else self.stopped
        started = self._started if at >= self._started else None
        identified = self.identified
        if identified is not None and at < identified:
            identified = None
        details = None if identified is None else SpeakerSearchDetails(results=self.results)
        message: str | None = None
        if self.stopped is not None:
            status, updated = SpeakerSearchTaskStatus.STOPPED, self.stopped
            message = "The task was stopped by a StopSpeakerSearchTask request."
        elif started is None:
            status, updated = SpeakerSearchTaskStatus.IN_QUEUE, self.created
        elif at < self.finished:
            status, updated = SpeakerSearchTaskStatus.IN_PROGRESS, identified or started
        else:
            status, message = self._natural_outcome()
            updated = self.finished
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

    def events_until(self, now: datetime, *, region: str) -> list[SpeakerSearchStatusEvent]:
        """The events of every step that happened by ``now``, each timed when it happened.

        What an event says is decided by the task's whole course, which is fixed up to
        ``now`` (a later stop cannot change a step that has already happened), so the
        events are read off the task as it ends, then kept if their step is past.
        Identification happens 10 s of speech after starting, or, without enough
        speech, when the speech runs out; the voiceprint is done when the task ends.
        """
        identified = self.identified if self.identified is not None else self.finished
        due: list[SpeakerSearchStatusEvent] = []
        final = self.view(max(now, self.end))
        for event in events_for_task(final, account=ARN_ACCOUNT, region=region):
            moment = identified if event.is_identification else self.finished
            if moment <= now:
                due.append(attrs.evolve(event, time=moment))
        return due


@attrs.define
class _Announcing:
    """A task whose events are not all out yet, and the statuses already sent."""

    task: _Task
    sent: set[str] = attrs.field(factory=set)


class Emulator:
    """Voice connectors, profile domains, profiles, calls and tasks, and their rules.

    Args:
        clock: Where time comes from; task lifecycles and expiries are computed from it.
        max_active_tasks: How many IN_QUEUE/IN_PROGRESS tasks may exist at once.
        max_voice_profiles_per_domain: How many voice profiles CreateVoiceProfile may
            make a domain hold (seeding is not limited).
        region: The Region named in ARNs and events.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        max_active_tasks: int,
        max_voice_profiles_per_domain: int,
        region: str = "us-east-1",
    ) -> None:
        self.clock = clock
        self.max_active_tasks = max_active_tasks
        self.max_voice_profiles_per_domain = max_voice_profiles_per_domain
        self.region = region
        self._voice_connectors: set[str] = set()
        self._domains: dict[str, Domain] = {}
        self._profiles: dict[str, Profile] = {}
        self._sequence = itertools.count()
        self._calls: dict[tuple[str, str], _Call] = {}
        # Insertion order is creation order (the clock never goes back), so the tasks
        # past their retention are always at the front.
        self._tasks: dict[str, _Task] = {}
        self._active: dict[str, _Task] = {}
        self._announcing: dict[str, _Announcing] = {}
        self._tokens: dict[str, tuple[StartRequest, str]] = {}
        self._token_of: dict[str, str] = {}

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

    def add_voice_profile_domain(
        self,
        domain_id: str | None,
        *,
        name: str | None = None,
        description: str | None = None,
        kms_key_arn: str | None = None,
    ) -> str:
        """Create a voice profile domain; see ``LocalSpeakerSearchService``."""
        if domain_id is None:
            domain_id = str(uuid.uuid4())
        _check_seed_id("voice profile domain", domain_id, ID_MAX)
        if domain_id in self._domains:
            raise ValueError(f"voice profile domain {domain_id!r} already exists")
        for argument, value in (("name", name), ("kms_key_arn", kms_key_arn)):
            if value is not None and not _is_name(value):
                raise ValueError(f"{argument} must be a non-empty string, got {value!r}")
        if description is not None and not isinstance(description, str):
            raise ValueError(f"description must be a string, got {description!r}")
        now = self.clock.now()
        self._domains[domain_id] = Domain(
            domain_id=domain_id,
            # CreateVoiceProfileDomain requires a Name and an encryption key, so every
            # domain the service returns has both.
            name=name if name is not None else f"domain-{domain_id[:8]}",
            description=description,
            kms_key_arn=kms_key_arn if kms_key_arn is not None else _DEFAULT_KMS_KEY + domain_id,
            created=now,
            updated=now,
        )
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
        self._new_profile(profile_id, domain_id, speaker, self.clock.now())
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

    # --- speaker search tasks --------------------------------------------------------

    def start(self, request: StartRequest) -> SpeakerSearchTask:
        """StartSpeakerSearchTask.

        Raises:
            ConflictException: The token was used before with a different request.
            NotFoundException: The Voice Connector, domain or transaction is unknown.
            ResourceLimitExceededException: The transaction already has an active task,
                or ``max_active_tasks`` tasks are active.
        """
        now = self._now()
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
        self._domain(request.voice_profile_domain_id)
        call = self._calls.get((request.voice_connector_id, request.transaction_id))
        if call is None:
            raise NotFoundException(
                f"Transaction {request.transaction_id!r} was not found on Voice Connector"
                f" {request.voice_connector_id!r}; is the call in progress?"
            )
        for task_id, task in list(self._active.items()):
            if not task.is_active(now):
                del self._active[task_id]
            elif (
                task.request.voice_connector_id == request.voice_connector_id
                and task.request.transaction_id == request.transaction_id
            ):
                # [ca-regions] "Active speaker search tasks per Voice Connector call per
                # transaction ID: 1" (not adjustable).
                raise ResourceLimitExceededException(
                    f"Transaction {request.transaction_id!r} already has an active speaker"
                    f" search task ({task.task_id}); only one may be active per call."
                    " Stop it or wait for it to finish."
                )
        if len(self._active) >= self.max_active_tasks:
            # [ca-regions] "Active speaker search tasks per region: 25".
            raise ResourceLimitExceededException(
                f"{len(self._active)} speaker search tasks are active, the most allowed"
                f" ({self.max_active_tasks}). Wait for one to finish."
            )
        voice = call.voice(request.call_leg)
        task = _Task(
            task_id=str(uuid.uuid4()),
            request=request,
            voice=voice,
            speech_seconds=call.speech_seconds[request.call_leg],
            results=self._rank(request, voice, now),
            created=now,
        )
        self._tasks[task.task_id] = task
        self._active[task.task_id] = task
        self._announcing[task.task_id] = _Announcing(task)
        if token is not None:
            self._tokens[token] = (request, task.task_id)
            self._token_of[task.task_id] = token
        return task.view(now)

    def get(self, voice_connector_id: str, task_id: str) -> SpeakerSearchTask:
        """GetSpeakerSearchTask.

        Raises:
            NotFoundException: The Voice Connector or task is unknown, or the task is
                older than the 7 days results are kept.
        """
        now = self._now()
        return self._find(voice_connector_id, task_id).view(now)

    def stop(self, voice_connector_id: str, task_id: str) -> None:
        """StopSpeakerSearchTask.

        Raises:
            NotFoundException: The Voice Connector or task is unknown (or past retention).
            ConflictException: The task has already finished.
        """
        now = self._now()
        task = self._find(voice_connector_id, task_id)
        current = task.view(now)
        if current.is_terminal:
            raise ConflictException(
                f"Speaker search task {task_id!r} has already finished with status"
                f" {current.status.value}; only IN_QUEUE or IN_PROGRESS tasks can be stopped."
            )
        task.stopped = now
        self._active.pop(task_id, None)

    def tasks(self) -> dict[str, SpeakerSearchTask]:
        """Every task still kept (7 days), by id, in creation order, as of now."""
        now = self._now()
        return {task_id: task.view(now) for task_id, task in self._tasks.items()}

    def take_events(self) -> list[SpeakerSearchStatusEvent]:
        """The events whose step has happened and that were not taken before, in time order."""
        now = self._now()
        fresh: list[SpeakerSearchStatusEvent] = []
        for task_id, announcing in list(self._announcing.items()):
            for event in announcing.task.events_until(now, region=self.region):
                status = event.detail_status.value
                if status not in announcing.sent:
                    announcing.sent.add(status)
                    fresh.append(event)
            if now >= announcing.task.end:
                # Every step has happened: nothing more will come from this task.
                del self._announcing[task_id]
        fresh.sort(key=lambda event: event.time or now)
        return fresh

    # --- voice profiles --------------------------------------------------------------

    def create_voice_profile(self, task_id: str) -> dict[str, Any]:
        """CreateVoiceProfile: enrol the voice a task's voiceprint holds.

        Raises:
            NotFoundException: The task is unknown or past retention.
            GoneException: The task has no usable voiceprint.
            ResourceLimitExceededException: The task's domain holds its quota of profiles.
        """
        now = self._now()
        task = self._task(task_id)
        self._check_voiceprint(task, now)
        domain_id = task.request.voice_profile_domain_id
        held = sum(
            1
            for profile in self._profiles.values()
            if profile.domain_id == domain_id and not profile.is_expired(now)
        )
        if held >= self.max_voice_profiles_per_domain:
            # [ca-regions] "Voice profiles per voice profile domain: 20".
            raise ResourceLimitExceededException(
                f"Voice profile domain {domain_id!r} already holds {held} voice profiles,"
                f" the most allowed ({self.max_voice_profiles_per_domain}). Delete one, or"
                " update an existing profile instead."
            )
        profile = self._new_profile(str(uuid.uuid4()), domain_id, task.voice, now)
        return profile.to_wire(self.region)

    def update_voice_profile(self, profile_id: str, task_id: str) -> dict[str, Any]:
        """UpdateVoiceProfile: replace a profile's voiceprint and renew its 3 years.

        An expired profile can be updated: [va-data-retention] "You can use the
        UpdateVoiceProfile API to update expired voice embeddings".

        Raises:
            NotFoundException: The profile or the task is unknown.
            BadRequestException: The task searched another domain than the profile's.
            GoneException: The task has no usable voiceprint.
        """
        now = self._now()
        profile = self._profiles.get(profile_id)
        if profile is None:
            raise NotFoundException(f"Voice profile {profile_id!r} was not found.")
        task = self._task(task_id)
        if task.request.voice_profile_domain_id != profile.domain_id:
            raise BadRequestException(
                f"Speaker search task {task_id!r} searched voice profile domain"
                f" {task.request.voice_profile_domain_id!r}, but voice profile {profile_id!r}"
                f" is in domain {profile.domain_id!r}; use a task of the profile's domain."
            )
        self._check_voiceprint(task, now)
        profile.speaker = task.voice
        profile.updated = now
        return profile.to_wire(self.region)

    def get_voice_profile(self, profile_id: str) -> dict[str, Any]:
        """GetVoiceProfile.

        Raises:
            NotFoundException: The profile is unknown or expired.
        """
        return self._live_profile(profile_id, self._now()).to_wire(self.region)

    def delete_voice_profile(self, profile_id: str) -> None:
        """DeleteVoiceProfile (also of an expired profile, which Update could revive).

        Raises:
            NotFoundException: The profile is unknown.
        """
        if self._profiles.pop(profile_id, None) is None:
            raise NotFoundException(f"Voice profile {profile_id!r} was not found.")

    def list_voice_profiles(
        self, domain_id: str, *, next_token: str | None, max_results: int
    ) -> Page:
        """ListVoiceProfiles: the domain's unexpired profiles, oldest first.

        Raises:
            NotFoundException: The domain is unknown.
            BadRequestException: ``next_token`` is not one this operation returned.
        """
        now = self._now()
        self._domain(domain_id)
        return paginate(
            (
                (profile.sequence, profile.to_wire(self.region))
                for profile in self._profiles.values()
                if profile.domain_id == domain_id and not profile.is_expired(now)
            ),
            scope=f"profiles:{domain_id}",
            next_token=next_token,
            max_results=max_results,
        )

    def get_voice_profile_domain(self, domain_id: str) -> dict[str, Any]:
        """GetVoiceProfileDomain.

        Raises:
            NotFoundException: The domain is unknown.
        """
        return self._domain(domain_id).to_wire(self.region, summary=False)

    def list_voice_profile_domains(self, *, next_token: str | None, max_results: int) -> Page:
        """ListVoiceProfileDomains: every domain, oldest first, as summaries.

        Raises:
            BadRequestException: ``next_token`` is not one this operation returned.
        """
        return paginate(
            (
                (index, domain.to_wire(self.region, summary=True))
                for index, domain in enumerate(self._domains.values())
            ),
            scope="domains",
            next_token=next_token,
            max_results=max_results,
        )

    def voice_profiles(self) -> dict[str, dict[str, Any]]:
        """Every unexpired voice profile's wire form, by id, oldest first."""
        now = self.clock.now()
        return {
            profile_id: profile.to_wire(self.region)
            for profile_id, profile in self._profiles.items()
            if not profile.is_expired(now)
        }

    # --- helpers ---------------------------------------------------------------------

    def _now(self) -> datetime:
        """The time, after forgetting the tasks older than their retention."""
        now = self.clock.now()
        expired: list[str] = []
        for task_id, task in self._tasks.items():
            # [va-data-retention] results are available for at most 7 days.
            if now < task.created + TASK_RETENTION:
                break
            expired.append(task_id)
        for task_id in expired:
            del self._tasks[task_id]
            self._active.pop(task_id, None)
            self._announcing.pop(task_id, None)
            token = self._token_of.pop(task_id, None)
            if token is not None:
                del self._tokens[token]
        return now

    def _new_profile(self, profile_id: str, domain_id: str, speaker: str, now: datetime) -> Profile:
        profile = Profile(
            voice_profile_id=profile_id,
            domain_id=domain_id,
            speaker=speaker,
            created=now,
            updated=now,
            sequence=next(self._sequence),
        )
        self._profiles[profile_id] = profile
        return profile

    def _require_voice_connector(self, voice_connector_id: str) -> None:
        if voice_connector_id not in self._voice_connectors:
            raise NotFoundException(f"Voice Connector {voice_connector_id!r} was not found.")

    def _domain(self, domain_id: str) -> Domain:
        domain = self._domains.get(domain_id)
        if domain is None:
            raise NotFoundException(f"Voice profile domain {domain_id!r} was not found.")
        return domain

    def _task(self, task_id: str) -> _Task:
        task = self._tasks.get(task_id)
        if task is None:
            raise NotFoundException(
                f"Speaker search task {task_id!r} was not found (tasks are kept for"
                f" {TASK_RETENTION.days} days)."
            )
        return task

    def _find(self, voice_connector_id: str, task_id: str) -> _Task:
        self._require_voice_connector(voice_connector_id)
        task = self._tasks.get(task_id)
        if task is None or task.request.voice_connector_id != voice_connector_id:
            raise NotFoundException(
                f"Speaker search task {task_id!r} was not found on Voice Connector"
                f" {voice_connector_id!r} (tasks are kept for {TASK_RETENTION.days} days)."
            )
        return task

    def _live_profile(self, profile_id: str, now: datetime) -> Profile:
        profile = self._profiles.get(profile_id)
        if profile is None:
            raise NotFoundException(f"Voice profile {profile_id!r} was not found.")
        if profile.is_expired(now):
            raise NotFoundException(
                f"Voice profile {profile_id!r} was not found: it expired at"
                f" {profile.expires.isoformat()}. UpdateVoiceProfile can enrol it again."
            )
        return profile

    @staticmethod
    def _check_voiceprint(task: _Task, now: datetime) -> None:
        """Raise ``GoneException`` unless the task's voiceprint can be persisted now.

        [va-data-retention] voiceprints are kept 24 hours. A task that has not (or
        never) generated one is refused the same way: the service documents no other
        error for it, and GoneException is the one it lists for a missing voiceprint.
        """
        generated = task.voiceprint_generated
        status = task.view(now).status
        if generated is None:
            raise GoneException(
                f"Speaker search task {task.task_id!r} has no voiceprint (status"
                f" {status.value}): a voiceprint needs"
                f" {VOICEPRINT_SPEECH_SECONDS:g} s of speech and a task that ends SUCCEEDED."
            )
        if now < generated:
            raise GoneException(
                f"Speaker search task {task.task_id!r} has not generated its voiceprint yet"
                f" (status {status.value}); wait until it has SUCCEEDED."
            )
        if now >= generated + VOICEPRINT_RETENTION:
            raise GoneException(
                f"The voiceprint of speaker search task {task.task_id!r} was deleted at"
                f" {(generated + VOICEPRINT_RETENTION).isoformat()}, 24 hours after it was"
                " generated; start a new task on a call with the speaker."
            )

    def _rank(
        self, request: StartRequest, voice: str, now: datetime
    ) -> tuple[SpeakerSearchResult, ...]:
        scored = [
            SpeakerSearchResult(
                confidence_score=_score(
                    request.transaction_id,
                    request.call_leg,
                    profile.voice_profile_id,
                    match=profile.speaker == voice,
                ),
                voice_profile_id=profile.voice_profile_id,
            )
            for profile in self._profiles.values()
            if profile.domain_id == request.voice_profile_domain_id and not profile.is_expired(now)
        ]
        scored.sort(key=lambda result: (-result.confidence_score, result.voice_profile_id))
        return tuple(scored[:MAX_RESULTS])
