"""The service's wire protocol: routes, authentication, JSON in, JSON and errors out.

:class:`WireApp` turns one HTTP request (already read off the socket) into one
response, recording it and applying any planned fault on the way. It knows nothing
about sockets, so the HTTP server in :mod:`._server` is a thin shell around it.

Responses follow the real service (rest-json): success bodies are
``{"SpeakerSearchTask": ...}`` rendered with ``SpeakerSearchTask.to_dict()``;
errors carry the HTTP status, ``x-amzn-ErrorType: <Code>`` and ``{"Message": ...}``;
every response has an ``x-amzn-RequestId``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl, unquote, urlsplit

import attrs

from chime_speaker_search._models import CallLeg
from chime_speaker_search._validation import check_get, check_start
from chime_speaker_search.errors import (
    BadRequestException,
    InvalidParameterError,
    ServiceError,
    ServiceFailureException,
    UnauthorizedClientException,
)

from ._backend import StartRequest
from ._faults import Faults

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from chime_speaker_search._models import SpeakerSearchTask

    from ._backend import Emulator
    from ._faults import Injected

__all__ = ["RecordedRequest", "WireApp", "WireRequest", "WireResponse"]

_LOG = logging.getLogger("chime_speaker_search.testing")

_TASKS_PATH: Final = re.compile(r"/voice-connectors/(?P<vc>[^/]*)/speaker-search-tasks/?")
_TASK_PATH: Final = re.compile(
    r"/voice-connectors/(?P<vc>[^/]*)/speaker-search-tasks/(?P<task>[^/]*)"
)
_SIGV4: Final = "AWS4-HMAC-SHA256 "
_SECRET_HEADERS: Final = frozenset({"authorization", "x-amz-security-token"})
_ROUTES: Final = (
    "StartSpeakerSearchTask (POST /voice-connectors/{VoiceConnectorId}/speaker-search-tasks),"
    " GetSpeakerSearchTask (GET /voice-connectors/{VoiceConnectorId}/speaker-search-tasks/"
    "{SpeakerSearchTaskId}) and StopSpeakerSearchTask (POST /voice-connectors/"
    "{VoiceConnectorId}/speaker-search-tasks/{SpeakerSearchTaskId}?operation=stop)"
)


def _redacted(headers: Mapping[str, str]) -> str:
    # Signatures and session tokens stay out of reprs, hence out of test logs.
    return repr({k: "<redacted>" if k in _SECRET_HEADERS else v for k, v in headers.items()})


@attrs.frozen(kw_only=True)
class RecordedRequest:
    """One request the emulator received, for assertions in tests.

    Attributes:
        operation: ``"StartSpeakerSearchTask"``, ``"GetSpeakerSearchTask"``,
            ``"StopSpeakerSearchTask"``, or ``None`` when no operation matched.
        method: The HTTP method, e.g. ``"POST"``.
        path: The request path as sent (percent-encoded), without the query.
        query: The query parameters (the last value of each name).
        headers: The request headers, names lower-cased. ``repr`` hides the
            ``authorization`` and ``x-amz-security-token`` values.
        body: The body parsed as JSON, or ``None`` when empty or not JSON.
    """

    operation: str | None
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str] = attrs.field(repr=_redacted)
    body: Any


@attrs.frozen(kw_only=True)
class WireRequest:
    """An HTTP request as read off the socket."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes


@attrs.frozen(kw_only=True)
class WireResponse:
    """An HTTP response to send, and how to misbehave while sending it."""

    status: int
    headers: dict[str, str]
    body: bytes = b""
    delay: float = 0.0
    drop: bool = False


def _parse_json(body: bytes) -> object:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


class WireApp:
    """Route, authenticate, validate and answer requests against an :class:`Emulator`.

    Args:
        emulator: The state the requests act on.

    Attributes:
        lock: The one lock around all state: the emulator, the faults, the records.
    """

    def __init__(self, emulator: Emulator) -> None:
        self.lock = threading.Lock()
        self.emulator = emulator
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self.after_request: Callable[[], object] | None = None
        """Called (outside the lock) after each request, e.g. to publish events."""

    def handle(self, request: WireRequest) -> WireResponse:
        """Answer one request. Never raises: internal failures become a 500."""
        request_id = str(uuid.uuid4())
        try:
            response = self._handle(request, request_id)
        except Exception:  # noqa: BLE001 (a bug must become a 500, not a dead connection)
            _LOG.exception("the emulator failed to handle %s %s", request.method, request.target)
            return _error(
                ServiceFailureException("The emulator failed internally; see its log."),
                request_id,
            )
        if self.after_request is not None:
            try:
                self.after_request()
            except Exception:  # noqa: BLE001 (a user's event callback must not break the response)
                _LOG.exception("the emulator's after-request hook failed")
        return response

    def _handle(self, request: WireRequest, request_id: str) -> WireResponse:
        split = urlsplit(request.target)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        operation, labels = _route(request.method, split.path, query)
        with self.lock:
            self.requests.append(
                RecordedRequest(
                    operation=operation,
                    method=request.method,
                    path=split.path,
                    query=query,
                    headers=dict(request.headers),
                    body=_parse_json(request.body),
                )
            )
        if operation is None:
            return _error(
                ServiceError(
                    f"No operation matches {request.method} {split.path}. This emulator"
                    f" serves {_ROUTES}.",
                    code="UnknownOperationException",
                    http_status=404,
                ),
                request_id,
            )
        if not request.headers.get("authorization", "").startswith(_SIGV4):
            return _error(
                UnauthorizedClientException(
                    "The request is not signed: it has no AWS Signature Version 4"
                    " Authorization header. Configure AWS credentials; any values work"
                    " with the emulator."
                ),
                request_id,
            )
        with self.lock:
            plan = self.faults.take(operation)
        if plan.failure is not None:
            response = _injected(plan.failure, request_id)
        else:
            try:
                response = self._operate(operation, labels, request.body, request_id)
            except ServiceError as error:
                response = _error(error, request_id)
        return attrs.evolve(response, delay=plan.delay, drop=plan.drop)

    def _operate(
        self, operation: str, labels: dict[str, str], body: bytes, request_id: str
    ) -> WireResponse:
        if operation == "StartSpeakerSearchTask":
            start = _start_request(labels["vc"], body)
            with self.lock:
                task = self.emulator.start(start)
            return _task_response(201, task, request_id)
        ids = _checked(
            check_get, voice_connector_id=labels["vc"], speaker_search_task_id=labels["task"]
        )
        vc, task_id = ids["VoiceConnectorId"], ids["SpeakerSearchTaskId"]
        if operation == "GetSpeakerSearchTask":
            with self.lock:
                task = self.emulator.get(vc, task_id)
            return _task_response(200, task, request_id)
        with self.lock:
            self.emulator.stop(vc, task_id)
        return WireResponse(status=204, headers={"x-amzn-RequestId": request_id})


def _route(method: str, path: str, query: dict[str, str]) -> tuple[str | None, dict[str, str]]:
    """Match a request to an operation; labels are percent-decoded."""
    if match := _TASKS_PATH.fullmatch(path):
        if method == "POST":
            return "StartSpeakerSearchTask", {"vc": unquote(match["vc"])}
    elif match := _TASK_PATH.fullmatch(path):
        labels = {"vc": unquote(match["vc"]), "task": unquote(match["task"])}
        if method == "GET":
            return "GetSpeakerSearchTask", labels
        if method == "POST" and query.get("operation") == "stop":
            return "StopSpeakerSearchTask", labels
    return None, {}


def _checked(check: Callable[..., dict[str, str]], **arguments: object) -> dict[str, str]:
    """Run one of ``_validation``'s checks, answering BadRequest naming the fields."""
    try:
        params = check(**arguments)
    except InvalidParameterError as error:
        raise BadRequestException(str(error)) from error
    return params


def _start_request(voice_connector_id: str, body: bytes) -> StartRequest:
    try:
        document = json.loads(body) if body.strip() else {}
    except ValueError as error:
        raise BadRequestException(f"The request body is not valid JSON: {error}.") from error
    if not isinstance(document, dict):
        raise BadRequestException("The request body must be a JSON object.")
    params = _checked(
        check_start,
        voice_connector_id=voice_connector_id,
        transaction_id=document.get("TransactionId"),
        voice_profile_domain_id=document.get("VoiceProfileDomainId"),
        call_leg=document.get("CallLeg"),
        client_request_token=document.get("ClientRequestToken"),
    )
    return StartRequest(
        voice_connector_id=params["VoiceConnectorId"],
        transaction_id=params["TransactionId"],
        voice_profile_domain_id=params["VoiceProfileDomainId"],
        call_leg=CallLeg(params.get("CallLeg", CallLeg.CALLER.value)),
        client_request_token=params.get("ClientRequestToken"),
    )


def _json_response(status: int, document: object, headers: dict[str, str]) -> WireResponse:
    return WireResponse(
        status=status,
        headers={"Content-Type": "application/json", **headers},
        body=json.dumps(document).encode(),
    )


def _task_response(status: int, task: SpeakerSearchTask, request_id: str) -> WireResponse:
    return _json_response(
        status, {"SpeakerSearchTask": task.to_dict()}, {"x-amzn-RequestId": request_id}
    )


def _error(error: ServiceError, request_id: str) -> WireResponse:
    return _json_response(
        error.http_status or 400,
        {"Message": error.message},
        {"x-amzn-ErrorType": error.code, "x-amzn-RequestId": request_id},
    )


def _injected(failure: Injected, request_id: str) -> WireResponse:
    headers = {"x-amzn-ErrorType": failure.code, "x-amzn-RequestId": request_id}
    if failure.retry_after is not None:
        seconds = failure.retry_after
        headers["Retry-After"] = str(int(seconds)) if seconds == int(seconds) else f"{seconds:g}"
    return _json_response(failure.status, {"Message": failure.message}, headers)
