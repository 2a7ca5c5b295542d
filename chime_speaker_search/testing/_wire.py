"""The service's wire protocol: routes, authentication, JSON in, JSON and errors out.

:class:`WireApp` turns one HTTP request (already read off the socket) into one
response, recording it and applying any planned fault on the way. It knows nothing
about sockets, so the HTTP server in :mod:`._server` is a thin shell around it.

Responses follow the real service (rest-json, botocore's and AWS's Smithy model):
success bodies are the operation's output structure (``{"SpeakerSearchTask": ...}``,
``{"VoiceProfile": ...}``, ``{"VoiceProfiles": [...], "NextToken": ...}``);
modelled errors carry the HTTP status, ``x-amzn-ErrorType: <type>`` and
``{"Code": <ErrorCode>, "Message": ...}``; errors of the front door (authentication,
size) carry the Coral form AWS uses there; every response has an ``x-amzn-RequestId``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl, unquote, urlsplit

import attrs

from chime_speaker_search._models import CallLeg
from chime_speaker_search._validation import ID_MAX, _check_id, check_get, check_start
from chime_speaker_search.errors import (
    BadRequestException,
    ConflictException,
    InvalidParameterError,
    ServiceError,
    ServiceFailureException,
    UnauthorizedClientException,
    Violation,
)

from ._auth import CORAL_SUFFIX, Rejection, check_authorization
from ._backend import StartRequest
from ._faults import Faults
from ._rules import ERROR_CODES, MAX_PAGE_SIZE

if TYPE_CHECKING:
    from collections.abc import Mapping

    from chime_speaker_search._models import SpeakerSearchTask

    from ._backend import Emulator
    from ._faults import Injected
    from ._profiles import Page

__all__ = ["RecordedRequest", "WireApp", "WireRequest", "WireResponse"]

_LOG = logging.getLogger("chime_speaker_search.testing")

_SECRET_HEADERS: Final = frozenset({"authorization", "x-amz-security-token"})
# Bodies above this size are recorded without their parsed JSON: the request log keeps
# a bounded amount of memory however large the (already capped) bodies are.
RECORDED_BODY_MAX: Final = 64 * 1024

# (method, path pattern, required query, operation); the first match wins.
_ROUTE_TABLE: Final = (
    ("POST", re.compile(r"/voice-connectors/(?P<vc>[^/]*)/speaker-search-tasks/?"), None,
     "StartSpeakerSearchTask"),
    ("GET", re.compile(r"/voice-connectors/(?P<vc>[^/]*)/speaker-search-tasks/(?P<task>[^/]*)"),
     None, "GetSpeakerSearchTask"),
    ("POST", re.compile(r"/voice-connectors/(?P<vc>[^/]*)/speaker-search-tasks/(?P<task>[^/]*)"),
     ("operation", "stop"), "StopSpeakerSearchTask"),
    ("POST", re.compile(r"/voice-profiles/?"), None, "CreateVoiceProfile"),
    ("GET", re.compile(r"/voice-profiles/?"), None, "ListVoiceProfiles"),
    ("GET", re.compile(r"/voice-profiles/(?P<profile>[^/]+)"), None, "GetVoiceProfile"),
    ("PUT", re.compile(r"/voice-profiles/(?P<profile>[^/]+)"), None, "UpdateVoiceProfile"),
    ("DELETE", re.compile(r"/voice-profiles/(?P<profile>[^/]+)"), None, "DeleteVoiceProfile"),
    ("GET", re.compile(r"/voice-profile-domains/?"), None, "ListVoiceProfileDomains"),
    ("GET", re.compile(r"/voice-profile-domains/(?P<domain>[^/]+)"), None,
     "GetVoiceProfileDomain"),
)  # fmt: skip
_ROUTES: Final = (
    "StartSpeakerSearchTask (POST /voice-connectors/{VoiceConnectorId}/speaker-search-tasks),"
    " GetSpeakerSearchTask and StopSpeakerSearchTask (GET, and POST ?operation=stop, on"
    " /voice-connectors/{VoiceConnectorId}/speaker-search-tasks/{SpeakerSearchTaskId}),"
    " CreateVoiceProfile and ListVoiceProfiles (POST and GET /voice-profiles),"
    " GetVoiceProfile, UpdateVoiceProfile and DeleteVoiceProfile (GET, PUT and DELETE"
    " /voice-profiles/{VoiceProfileId}), ListVoiceProfileDomains (GET /voice-profile-domains)"
    " and GetVoiceProfileDomain (GET /voice-profile-domains/{VoiceProfileDomainId})"
)


def _redacted(headers: Mapping[str, str]) -> str:
    # Signatures and session tokens stay out of reprs, hence out of test logs.
    return repr({k: "<redacted>" if k in _SECRET_HEADERS else v for k, v in headers.items()})


@attrs.frozen(kw_only=True)
class RecordedRequest:
    """One request the emulator received, for assertions in tests.

    Attributes:
        operation: The operation's name (e.g. ``"StartSpeakerSearchTask"``,
            ``"CreateVoiceProfile"``), or ``None`` when no operation matched.
        method: The HTTP method, e.g. ``"POST"``.
        path: The request path as sent (percent-encoded), without the query.
        query: The query parameters (the last value of each name).
        headers: The request headers, names lower-cased. ``repr`` hides the
            ``authorization`` and ``x-amz-security-token`` values.
        body: The body parsed as JSON, or ``None`` when empty, not JSON, larger than
            64 KiB, or refused for its size (HTTP 413) before it was read.
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
    on_sent: Callable[[], object] | None = None
    """Called once the response has been sent (or dropped): the request is over."""


def _parse_json(body: bytes) -> object:
    if not body or len(body) > RECORDED_BODY_MAX:
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _route(method: str, path: str, query: dict[str, str]) -> tuple[str | None, dict[str, str]]:
    """Match a request to an operation; labels are percent-decoded."""
    for route_method, pattern, required, operation in _ROUTE_TABLE:
        match = pattern.fullmatch(path)
        if match is None or route_method != method:
            continue
        if required is not None and query.get(required[0]) != required[1]:
            continue
        return operation, {name: unquote(value) for name, value in match.groupdict().items()}
    return None, {}


class WireApp:
    """Route, authenticate, validate and answer requests against an :class:`Emulator`.

    Args:
        emulator: The state the requests act on.
        request_log_size: How many requests :attr:`requests` keeps (the newest).
        max_body_bytes: Request bodies larger than this are refused with HTTP 413.
        credentials: Secret access keys by access key id: when given, signatures are
            verified; otherwise only their form is checked.
        concurrency_quota: Refuse a request for a task, voice profile or domain that
            another request is still being answered for (ConflictException).

    Attributes:
        lock: The one lock around all state: the emulator, the faults, the records.
    """

    def __init__(
        self,
        emulator: Emulator,
        *,
        request_log_size: int = 1000,
        max_body_bytes: int = 1024 * 1024,
        credentials: Mapping[str, str] | None = None,
        concurrency_quota: bool = False,
    ) -> None:
        self.lock = threading.Lock()
        self.emulator = emulator
        self.faults = Faults()
        self.requests: deque[RecordedRequest] = deque(maxlen=request_log_size)
        self.max_body_bytes = max_body_bytes
        self._credentials = None if credentials is None else dict(credentials)
        self.concurrency_quota = concurrency_quota
        self._in_flight: set[str] = set()
        self.after_request: Callable[[], object] | None = None
        """Called (outside the lock) after each request, e.g. to publish events."""
        self._operations: dict[
            str, Callable[[dict[str, str], dict[str, str], bytes], tuple[int, object]]
        ] = {
            "StartSpeakerSearchTask": self._start_task,
            "GetSpeakerSearchTask": self._get_task,
            "StopSpeakerSearchTask": self._stop_task,
            "CreateVoiceProfile": self._create_profile,
            "UpdateVoiceProfile": self._update_profile,
            "GetVoiceProfile": self._get_profile,
            "DeleteVoiceProfile": self._delete_profile,
            "ListVoiceProfiles": self._list_profiles,
            "GetVoiceProfileDomain": self._get_domain,
            "ListVoiceProfileDomains": self._list_domains,
        }

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

    def too_large(self, method: str, target: str, headers: dict[str, str]) -> WireResponse:
        """Refuse a request whose body is over :attr:`max_body_bytes`, unread.

        AWS's common error for it: ``RequestEntityTooLargeException``, HTTP 413 ("The
        request entity is too large"; the "Common Errors" page of the AWS API references,
        e.g. https://docs.aws.amazon.com/signer/latest/api/CommonErrors.html).
        """
        self._record(method, target, headers, b"")
        return _front_door(
            Rejection(
                "RequestEntityTooLargeException",
                f"The request body is larger than the {self.max_body_bytes} bytes this"
                " emulator accepts; nothing was read or done.",
                status=413,
            ),
            str(uuid.uuid4()),
        )

    def _record(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[str | None, dict[str, str], dict[str, str], str]:
        split = urlsplit(target)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        operation, labels = _route(method, split.path, query)
        recorded = RecordedRequest(
            operation=operation,
            method=method,
            path=split.path,
            query=query,
            headers=dict(headers),
            body=_parse_json(body),
        )
        with self.lock:
            self.requests.append(recorded)
        return operation, labels, query, split.path

    def _handle(self, request: WireRequest, request_id: str) -> WireResponse:
        operation, labels, query, path = self._record(
            request.method, request.target, request.headers, request.body
        )
        if operation is None:
            return _error(
                ServiceError(
                    f"No operation matches {request.method} {path}. This emulator serves"
                    f" {_ROUTES}.",
                    code="UnknownOperationException",
                    http_status=404,
                ),
                request_id,
            )
        authorization = request.headers.get("authorization")
        if authorization is None:
            return _error(
                UnauthorizedClientException(
                    "The request is not signed: it has no AWS Signature Version 4"
                    " Authorization header. Configure AWS credentials; any values work"
                    " with the emulator."
                ),
                request_id,
            )
        rejection = check_authorization(
            authorization,
            method=request.method,
            target=request.target,
            headers=request.headers,
            body=request.body,
            credentials=self._credentials,
        )
        if rejection is not None:
            return _front_door(rejection, request_id)
        resources = (
            _resources(operation, labels, query, request.body)
            if self.concurrency_quota
            else frozenset()
        )
        with self.lock:
            busy = self.concurrency_quota and not self._in_flight.isdisjoint(resources)
            if not busy:
                plan = self.faults.take(operation)
                if self.concurrency_quota:
                    self._in_flight.update(resources)
        if busy:
            # [ca-regions] "Maximum concurrent API calls per voice profile domain / per
            # voice profile / per speaker search task: 1"; [smithy] ConflictException:
            # "Multiple instances of the same request were made simultaneously."
            return _error(
                ConflictException(
                    f"Another request for {' or '.join(sorted(resources))} is still in"
                    " progress; only one API call at a time may act on it."
                ),
                request_id,
            )
        if plan.failure is not None:
            response = _injected(plan.failure, request_id)
        else:
            try:
                status, document = self._operations[operation](labels, query, request.body)
            except ServiceError as error:
                response = _error(error, request_id)
            else:
                response = _json_response(status, document, {"x-amzn-RequestId": request_id})
        on_sent = partial(self._release, resources) if self.concurrency_quota else None
        return attrs.evolve(response, delay=plan.delay, drop=plan.drop, on_sent=on_sent)

    def _release(self, resources: frozenset[str]) -> None:
        with self.lock:
            self._in_flight.difference_update(resources)

    # --- operations: (labels, query, body) -> (status, output document or None) -------

    def _start_task(
        self, labels: dict[str, str], _query: dict[str, str], body: bytes
    ) -> tuple[int, object]:
        start = _start_request(labels["vc"], body)
        with self.lock:
            task = self.emulator.start(start)
        return 201, _task_document(task)

    def _get_task(
        self, labels: dict[str, str], _query: dict[str, str], _body: bytes
    ) -> tuple[int, object]:
        vc, task_id = _task_ids(labels)
        with self.lock:
            task = self.emulator.get(vc, task_id)
        return 200, _task_document(task)

    def _stop_task(
        self, labels: dict[str, str], _query: dict[str, str], _body: bytes
    ) -> tuple[int, object]:
        vc, task_id = _task_ids(labels)
        with self.lock:
            self.emulator.stop(vc, task_id)
        return 204, None

    def _create_profile(
        self, _labels: dict[str, str], _query: dict[str, str], body: bytes
    ) -> tuple[int, object]:
        document = _json_object(body)
        task_id = _checked_ids(SpeakerSearchTaskId=document.get("SpeakerSearchTaskId"))[0]
        with self.lock:
            profile = self.emulator.create_voice_profile(task_id)
        return 201, {"VoiceProfile": profile}

    def _update_profile(
        self, labels: dict[str, str], _query: dict[str, str], body: bytes
    ) -> tuple[int, object]:
        document = _json_object(body)
        profile_id, task_id = _checked_ids(
            VoiceProfileId=labels["profile"],
            SpeakerSearchTaskId=document.get("SpeakerSearchTaskId"),
        )
        with self.lock:
            profile = self.emulator.update_voice_profile(profile_id, task_id)
        return 200, {"VoiceProfile": profile}

    def _get_profile(
        self, labels: dict[str, str], _query: dict[str, str], _body: bytes
    ) -> tuple[int, object]:
        (profile_id,) = _checked_ids(VoiceProfileId=labels["profile"])
        with self.lock:
            profile = self.emulator.get_voice_profile(profile_id)
        return 200, {"VoiceProfile": profile}

    def _delete_profile(
        self, labels: dict[str, str], _query: dict[str, str], _body: bytes
    ) -> tuple[int, object]:
        (profile_id,) = _checked_ids(VoiceProfileId=labels["profile"])
        with self.lock:
            self.emulator.delete_voice_profile(profile_id)
        return 204, None

    def _list_profiles(
        self, _labels: dict[str, str], query: dict[str, str], _body: bytes
    ) -> tuple[int, object]:
        next_token, max_results, errors = _paging(query)
        if "voice-profile-domain-id" not in query:
            errors.append(
                Violation(
                    parameter="VoiceProfileDomainId",
                    constraint="is required (query parameter voice-profile-domain-id)",
                    value=None,
                )
            )
        else:
            _check_id(errors, "VoiceProfileDomainId", query["voice-profile-domain-id"], ID_MAX)
        _raise_bad_request(errors)
        with self.lock:
            page = self.emulator.list_voice_profiles(
                query["voice-profile-domain-id"], next_token=next_token, max_results=max_results
            )
        return 200, _page_document("VoiceProfiles", page)

    def _get_domain(
        self, labels: dict[str, str], _query: dict[str, str], _body: bytes
    ) -> tuple[int, object]:
        (domain_id,) = _checked_ids(VoiceProfileDomainId=labels["domain"])
        with self.lock:
            domain = self.emulator.get_voice_profile_domain(domain_id)
        return 200, {"VoiceProfileDomain": domain}

    def _list_domains(
        self, _labels: dict[str, str], query: dict[str, str], _body: bytes
    ) -> tuple[int, object]:
        next_token, max_results, errors = _paging(query)
        _raise_bad_request(errors)
        with self.lock:
            page = self.emulator.list_voice_profile_domains(
                next_token=next_token, max_results=max_results
            )
        return 200, _page_document("VoiceProfileDomains", page)


def _resources(
    operation: str, labels: dict[str, str], query: dict[str, str], body: bytes
) -> frozenset[str]:
    """The task, voice profile and domain a request acts on, for the concurrency quota."""
    names = {
        f"{kind} {labels[label]!r}"
        for kind, label in (
            ("speaker search task", "task"),
            ("voice profile", "profile"),
            ("voice profile domain", "domain"),
        )
        if label in labels
    }
    if operation == "ListVoiceProfiles" and "voice-profile-domain-id" in query:
        names.add(f"voice profile domain {query['voice-profile-domain-id']!r}")
    if operation in {"CreateVoiceProfile", "UpdateVoiceProfile", "StartSpeakerSearchTask"}:
        document = _parse_json(body)
        if isinstance(document, dict):
            for kind, member in (
                ("speaker search task", "SpeakerSearchTaskId"),
                ("voice profile domain", "VoiceProfileDomainId"),
            ):
                if isinstance(document.get(member), str):
                    names.add(f"{kind} {document[member]!r}")
    return frozenset(names)


# --- input ---------------------------------------------------------------------------------


def _raise_bad_request(errors: list[Violation]) -> None:
    if errors:
        raise BadRequestException(str(InvalidParameterError(errors)))


def _checked_ids(**ids: object) -> list[str]:
    """Check ids against NonEmptyString256 ([smithy]); BadRequest naming every bad one."""
    errors: list[Violation] = []
    for parameter, value in ids.items():
        _check_id(errors, parameter, value, ID_MAX)
    _raise_bad_request(errors)
    return [str(value) for value in ids.values()]


def _paging(query: dict[str, str]) -> tuple[str | None, int, list[Violation]]:
    """``next-token`` and ``max-results`` of a List (ResultMax: 1-100 in [smithy])."""
    errors: list[Violation] = []
    max_results = MAX_PAGE_SIZE
    raw = query.get("max-results")
    if raw is not None:
        if raw.isascii() and raw.isdecimal() and 1 <= int(raw) <= MAX_PAGE_SIZE:
            max_results = int(raw)
        else:
            errors.append(
                Violation(
                    parameter="MaxResults",
                    constraint=f"must be an integer 1-{MAX_PAGE_SIZE} (query parameter"
                    " max-results)",
                    value=raw,
                )
            )
    # An empty token is no token: the model's NextToken is a String without a minimum.
    return query.get("next-token") or None, max_results, errors


def _task_ids(labels: dict[str, str]) -> tuple[str, str]:
    try:
        ids = check_get(voice_connector_id=labels["vc"], speaker_search_task_id=labels["task"])
    except InvalidParameterError as error:
        raise BadRequestException(str(error)) from error
    return ids["VoiceConnectorId"], ids["SpeakerSearchTaskId"]


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body) if body.strip() else {}
    except (ValueError, RecursionError) as error:
        raise BadRequestException(f"The request body is not valid JSON: {error}.") from error
    if not isinstance(document, dict):
        raise BadRequestException("The request body must be a JSON object.")
    return document


def _start_request(voice_connector_id: str, body: bytes) -> StartRequest:
    document = _json_object(body)
    try:
        params = check_start(
            voice_connector_id=voice_connector_id,
            transaction_id=document.get("TransactionId"),
            voice_profile_domain_id=document.get("VoiceProfileDomainId"),
            call_leg=document.get("CallLeg"),
            client_request_token=document.get("ClientRequestToken"),
        )
    except InvalidParameterError as error:
        raise BadRequestException(str(error)) from error
    return StartRequest(
        voice_connector_id=params["VoiceConnectorId"],
        transaction_id=params["TransactionId"],
        voice_profile_domain_id=params["VoiceProfileDomainId"],
        call_leg=CallLeg(params.get("CallLeg", CallLeg.CALLER.value)),
        client_request_token=params.get("ClientRequestToken"),
    )


# --- output --------------------------------------------------------------------------------


def _task_document(task: SpeakerSearchTask) -> dict[str, Any]:
    return {"SpeakerSearchTask": task.to_dict()}


def _page_document(member: str, page: Page) -> dict[str, Any]:
    document: dict[str, Any] = {member: page.items}
    if page.next_token is not None:
        document["NextToken"] = page.next_token
    return document


def _json_response(status: int, document: object, headers: dict[str, str]) -> WireResponse:
    if document is None:
        return WireResponse(status=status, headers=headers)
    return WireResponse(
        status=status,
        headers={"Content-Type": "application/json", **headers},
        body=json.dumps(document).encode(),
    )


def _error_body(code: str, message: str) -> dict[str, str]:
    known = ERROR_CODES.get(code)
    return {"Code": known, "Message": message} if known else {"Message": message}


def _error(error: ServiceError, request_id: str) -> WireResponse:
    return _json_response(
        error.http_status or 400,
        _error_body(error.code, error.message),
        {"x-amzn-ErrorType": error.code, "x-amzn-RequestId": request_id},
    )


def _front_door(rejection: Rejection, request_id: str) -> WireResponse:
    # What AWS's request front end sends before any operation runs: the error type with
    # its Coral namespace, and the message under a lower-case key (see ._auth).
    return _json_response(
        rejection.status,
        {"message": rejection.message},
        {"x-amzn-ErrorType": rejection.code + CORAL_SUFFIX, "x-amzn-RequestId": request_id},
    )


def _injected(failure: Injected, request_id: str) -> WireResponse:
    headers = {"x-amzn-ErrorType": failure.code, "x-amzn-RequestId": request_id}
    if failure.retry_after is not None:
        seconds = failure.retry_after
        headers["Retry-After"] = str(int(seconds)) if seconds == int(seconds) else f"{seconds:g}"
    return _json_response(failure.status, _error_body(failure.code, failure.message), headers)
