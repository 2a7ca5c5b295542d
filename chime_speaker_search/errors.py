"""Every exception this library raises.

All of them derive from :class:`SpeakerSearchError`, so one ``except`` catches
everything the library raises on purpose::

    SpeakerSearchError
    ├── InvalidParameterError   (also ValueError)  .violations
    ├── ServiceError            .code .message .http_status .request_id
    │   │                       .operation_name .retryable .throttling .attempts
    │   ├── BadRequestException             400
    │   ├── ResourceLimitExceededException  400
    │   ├── UnauthorizedClientException     401
    │   ├── ForbiddenException              403
    │   ├── AccessDeniedException           403
    │   ├── NotFoundException               404
    │   ├── ConflictException               409
    │   ├── GoneException                   410
    │   ├── UnprocessableEntityException    422
    │   ├── ThrottledClientException        429  (retried, throttling)
    │   ├── ServiceFailureException         500  (retried)
    │   └── ServiceUnavailableException     503  (retried)
    ├── TransportError          connection or timeout failure; .attempts .request_sent
    │   └── OutcomeUnknownError a request without a token may have taken effect
    ├── MalformedResponseError  the response does not fit the model; .field
    ├── MalformedEventError     a delivered event does not fit its model; .field
    ├── WaitTimeoutError        (also TimeoutError) .task .elapsed
    ├── TaskFailedError         .task
    └── VoiceprintUnavailableError  enrol() refused locally, nothing sent; .task .reason

An error code the service returns that is not in the table above becomes a plain
:class:`ServiceError` with its ``code`` set, so new codes never crash callers.

Whenever an error comes from botocore, the botocore exception is chained as
``__cause__``. No message or repr contains credentials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

import attrs

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from ._models import SpeakerSearchTask

__all__ = [
    "AccessDeniedException",
    "BadRequestException",
    "ConflictException",
    "ForbiddenException",
    "GoneException",
    "InvalidParameterError",
    "MalformedEventError",
    "MalformedResponseError",
    "NotFoundException",
    "OutcomeUnknownError",
    "ResourceLimitExceededException",
    "ServiceError",
    "ServiceFailureException",
    "ServiceUnavailableException",
    "SpeakerSearchError",
    "TaskFailedError",
    "ThrottledClientException",
    "TransportError",
    "UnauthorizedClientException",
    "UnprocessableEntityException",
    "Violation",
    "VoiceprintUnavailableError",
    "WaitTimeoutError",
    "error_class_for_code",
]

_MAX_VALUE_REPR = 80


class SpeakerSearchError(Exception):
    """Root of every exception this library raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        # The subclasses take keyword-only context, which default exception pickling
        # cannot pass back; errors cross process boundaries in worker pools, so rebuild
        # them from their args and attributes.
        return (_rebuild, (type(self), self.args, self.__dict__.copy()))


def _rebuild(
    cls: type[SpeakerSearchError], args: tuple[Any, ...], state: dict[str, Any]
) -> SpeakerSearchError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


# --- invalid input -------------------------------------------------------------------


def _short_repr(value: object) -> str:
    """Repr a rejected value, shortened so a 10 kB string cannot flood a log line."""
    text = repr(value)
    if len(text) > _MAX_VALUE_REPR:
        text = f"{text[: _MAX_VALUE_REPR - 15]}...{text[-12:]}"
    return text


@attrs.frozen(kw_only=True)
class Violation:
    """One broken input rule.

    Attributes:
        parameter: The service's (wire) name of the parameter, e.g. ``"TransactionId"``.
        constraint: The rule that was broken, in words, e.g. ``"must be 1-256 characters"``.
        value: The rejected value, exactly as it was passed.
    """

    parameter: str
    constraint: str
    value: object
    got: str | None = attrs.field(default=None, eq=False, repr=False)
    """How to show the rejected value in messages (e.g. ``"300 characters"``); its repr if unset."""

    def __str__(self) -> str:
        shown = self.got if self.got is not None else _short_repr(self.value)
        return f"{self.parameter} {self.constraint}, got {shown}"


class InvalidParameterError(SpeakerSearchError, ValueError):
    """One or more arguments break the service's documented input rules.

    Raised before any request is sent. Every broken rule of the call is listed in
    :attr:`violations`, so all of them can be fixed at once.
    """

    violations: tuple[Violation, ...]

    def __init__(self, violations: tuple[Violation, ...] | list[Violation]) -> None:
        self.violations = tuple(violations)
        if len(self.violations) == 1:
            text = str(self.violations[0])
        else:
            text = f"{len(self.violations)} invalid parameters: " + "; ".join(
                str(v) for v in self.violations
            )
        super().__init__(text)


# --- errors the service returned -----------------------------------------------------


class ServiceError(SpeakerSearchError):
    """The service answered with an error.

    Attributes:
        code: The service's error code, e.g. ``"NotFoundException"``.
        message: The service's own message (may be empty).
        http_status: The HTTP status of the response, or ``None`` if unknown.
        request_id: The ``x-amzn-RequestId`` of the failed request, for AWS support.
        operation_name: ``"StartSpeakerSearchTask"`` or ``"GetSpeakerSearchTask"``...
        attempts: How many requests were made before giving up (1 when not retried).
        retry_after: Seconds the service asked to wait before retrying, if it said.
        retryable: Whether the library retries this error (per class; also true for a
            500/502/503/504 that names no AWS error, a proxy's or load balancer's page).
        throttling: Whether this error means "slow down" (class-level fact).
    """

    # Class-level facts of each code; an instance may differ (a proxy's 502 is retryable).
    retryable: bool = False
    throttling: ClassVar[bool] = False
    default_status: ClassVar[int | None] = None
    # What to do, appended to the message; "{operation}" becomes the operation's name.
    hint: ClassVar[str] = ""

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        http_status: int | None = None,
        request_id: str | None = None,
        operation_name: str | None = None,
        attempts: int = 1,
        retry_after: float | None = None,
    ) -> None:
        self.code = code or type(self).__name__
        self.retry_after = retry_after
        self.message = message
        self.http_status = http_status if http_status is not None else self.default_status
        self.request_id = request_id
        self.operation_name = operation_name
        self.attempts = attempts
        super().__init__(message)

    def __str__(self) -> str:
        op = self.operation_name or "the request"
        status = f" (HTTP {self.http_status})" if self.http_status is not None else ""
        text = f"{op} failed with {self.code}{status}"
        if self.message:
            text += f": {self.message}"
        if self.attempts > 1:
            text += f" [after {self.attempts} attempts]"
        if self.hint:
            # The service's own message often ends with a full stop already.
            text += " " if text.endswith(".") else ". "
            text += self.hint.format(operation=self.operation_name or "the operation")
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


class BadRequestException(ServiceError):
    """The service rejected the request as malformed (400)."""

    default_status = 400


class ResourceLimitExceededException(ServiceError):
    """A quota was hit, e.g. too many active speaker search tasks or voice profiles (400)."""

    default_status = 400
    hint = (
        "Wait for running tasks to finish (or, for voice profiles, delete ones no longer "
        "needed), or ask AWS for a higher quota"
    )


class UnauthorizedClientException(ServiceError):
    """The request was not authenticated (401)."""

    default_status = 401
    hint = "Check the AWS credentials in use"


class ForbiddenException(ServiceError):
    """The caller may not do this (403)."""

    default_status = 403


class AccessDeniedException(ServiceError):
    """IAM denied the action (403)."""

    default_status = 403
    hint = "Check the IAM policy allows chime:{operation}"


class NotFoundException(ServiceError):
    """The Voice Connector, profile domain, transaction or task does not exist (404)."""

    default_status = 404


class ConflictException(ServiceError):
    """The request conflicts with the current state (409).

    For example, a ``ClientRequestToken`` reused with different parameters.
    """

    default_status = 409


class GoneException(ServiceError):
    """The resource existed but is gone (410).

    For example, the call has ended, or a task's voiceprint is older than 24 hours.
    """

    default_status = 410


class UnprocessableEntityException(ServiceError):
    """The request was well-formed but cannot be processed (422)."""

    default_status = 422


class ThrottledClientException(ServiceError):
    """The caller is sending too many requests (429). Retried, with a longer backoff."""

    default_status = 429
    retryable = True
    throttling = True


class ServiceFailureException(ServiceError):
    """The service failed internally (500). Retried."""

    default_status = 500
    retryable = True


class ServiceUnavailableException(ServiceError):
    """The service is temporarily unavailable (503). Retried."""

    default_status = 503
    retryable = True


_BY_CODE: dict[str, type[ServiceError]] = {
    cls.__name__: cls
    for cls in (
        BadRequestException,
        ResourceLimitExceededException,
        UnauthorizedClientException,
        ForbiddenException,
        AccessDeniedException,
        NotFoundException,
        ConflictException,
        GoneException,
        UnprocessableEntityException,
        ThrottledClientException,
        ServiceFailureException,
        ServiceUnavailableException,
    )
}


def error_class_for_code(code: str) -> type[ServiceError]:
    """Return the exception class for a service error code (``ServiceError`` if unknown)."""
    return _BY_CODE.get(code, ServiceError)


# --- everything else -------------------------------------------------------------------


class TransportError(SpeakerSearchError):
    """The service could not be reached, or did not answer completely in time.

    Raised after the retries allowed by the :class:`~chime_speaker_search.RetryPolicy`.

    Attributes:
        operation_name: The operation that was attempted.
        attempts: How many requests were made.
        request_sent: Whether the last request may have reached the service (false when
            it was provably never sent: no connection, connection refused).
        retryable: Whether the library retries this failure (false only for a refused
            TLS certificate).
    """

    retryable: bool = True

    def __init__(
        self,
        message: str,
        *,
        operation_name: str | None = None,
        attempts: int = 1,
        request_sent: bool = True,
    ) -> None:
        self.operation_name = operation_name
        self.attempts = attempts
        self.request_sent = request_sent
        super().__init__(message)

    def __str__(self) -> str:
        text = str(self.args[0]) if self.args else "transport failure"
        if self.attempts > 1:
            text += f" [after {self.attempts} attempts]"
        return text


class OutcomeUnknownError(TransportError):
    """A request without an idempotency token may or may not have taken effect.

    Raised instead of a blind retry when the answer to a CreateVoiceProfile,
    UpdateVoiceProfile or DeleteVoiceProfile request was lost (a timeout, a reset after
    sending, a short body): retrying could, for example, enrol the same caller twice.
    Reconcile first (e.g. list the domain's voice profiles), then retry if needed.

    Attributes:
        sent_at: When the request was sent (timezone-aware UTC), to reconcile against.
        details: The request's identifying parameters (e.g. ``SpeakerSearchTaskId``).
    """

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        operation_name: str | None = None,
        attempts: int = 1,
        sent_at: datetime | None = None,
        details: Mapping[str, str] | None = None,
    ) -> None:
        self.sent_at = sent_at
        self.details = dict(details or {})
        super().__init__(
            message, operation_name=operation_name, attempts=attempts, request_sent=True
        )


class MalformedResponseError(SpeakerSearchError):
    """The service's response does not fit the documented model.

    Attributes:
        field: Where in the response the problem is, e.g.
            ``"SpeakerSearchTask.SpeakerSearchDetails.Results[0].ConfidenceScore"``,
            or ``None`` when the response as a whole is unreadable.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class MalformedEventError(SpeakerSearchError):
    """An event delivered by EventBridge, SQS, SNS, Kinesis or Lambda does not fit its model.

    Attributes:
        field: Where in the event the problem is, e.g. ``"detail.taskId"``, or ``None``
            when the event as a whole is unreadable.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class WaitTimeoutError(SpeakerSearchError, TimeoutError):
    """The task did not reach a terminal status within the wait's time budget.

    Attributes:
        task: The last task seen (``None`` if not even one poll succeeded).
        elapsed: Seconds spent waiting.
    """

    def __init__(self, message: str, *, task: SpeakerSearchTask | None, elapsed: float) -> None:
        self.task = task
        self.elapsed = elapsed
        super().__init__(message)


class TaskFailedError(SpeakerSearchError):
    """The task ended FAILED or STOPPED.

    Attributes:
        task: The final task; ``task.status_message`` usually says why.
    """

    def __init__(self, message: str, *, task: SpeakerSearchTask) -> None:
        self.task = task
        super().__init__(message)


class VoiceprintUnavailableError(SpeakerSearchError):
    """``enrol()`` refused a task whose voiceprint cannot become a voice profile.

    Checked locally, before anything is sent: the task must have generated a voiceprint
    (``SUCCEEDED``, or ``VoiceprintGenerationSuccess`` in its details), and the
    service keeps a voiceprint for 24 hours after the task's last update. Nothing was
    created; enrol the caller from a speaker search on a later call instead.

    Attributes:
        task: The task that was passed to ``enrol()``.
        reason: ``"not generated"`` (the task made no voiceprint) or ``"expired"``
            (the voiceprint is 24 hours old or older).
    """

    task: SpeakerSearchTask
    reason: Literal["not generated", "expired"]

    def __init__(
        self,
        message: str,
        *,
        task: SpeakerSearchTask,
        reason: Literal["not generated", "expired"],
    ) -> None:
        self.task = task
        self.reason = reason
        super().__init__(message)
