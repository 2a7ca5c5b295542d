"""The service's front door: is the ``Authorization`` header a well-formed SigV4 one?

AWS answers a request whose ``Authorization`` header is not a complete AWS Signature
Version 4 header before any operation runs, with HTTP 403 and, in the rest-json
services' form, an ``x-amzn-ErrorType`` carrying the Coral namespace and a body whose
key is ``message`` (lower case):

* ``IncompleteSignatureException``: a part is missing or malformed ("Authorization
  header requires 'Credential' parameter.", "... requires existence of either a
  'X-Amz-Date' or a 'Date' header."). Status 403 per the current "Common Error Types"
  page of the Amazon Chime API Reference
  (https://docs.aws.amazon.com/chime/latest/APIReference/CommonErrors.html: "IncompleteSignature
  ... HTTP Status Code: 403"; older copies said 400), and as observed for rest-json
  services (aws/chalice#828: 403 with exactly those messages).
* ``InvalidSignatureException``: the scope or the signature does not match ("The request
  signature we calculated does not match the signature you provided."), 403, as the
  Amazon Chime SDK's own endpoints answer (aws/amazon-chime-sdk-js#2121,
  aws/aws-sdk-js-v3#3247 for chime-sdk-messaging; aws/aws-sdk-js-v3#810 shows the header
  form ``InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/``
  and the ``message`` body key).
* ``UnrecognizedClientException``: an access key the service does not know, 403
  ("The security token included in the request is invalid.").

Without known credentials only the form is checked: any well-formed SigV4 header is
accepted. With credentials (access key id -> secret), the signature is recomputed with
botocore's own SigV4 signer and compared. Messages never repeat the header, the access
key id or the signature: they are credentials-adjacent and end up in test logs.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Final

import attrs

from ._rules import SIGNING_NAME

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["CORAL_SUFFIX", "Rejection", "check_authorization"]

CORAL_SUFFIX: Final = ":http://internal.amazon.com/coral/com.amazon.coral.service/"
_ALGORITHM: Final = "AWS4-HMAC-SHA256"
_REQUIRED: Final = ("Credential", "Signature", "SignedHeaders")
_DATE: Final = re.compile(r"\d{8}")
_AMZ_DATE: Final = re.compile(r"(\d{8})T\d{6}Z")
_REGION: Final = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_HEADER_NAME: Final = re.compile(r"[a-z0-9!#$%&'*+.^_`|~-]+")
_SIGNATURE: Final = re.compile(r"[0-9a-f]{64}")
_MISMATCH: Final = (
    "The request signature we calculated does not match the signature you provided."
    " Check your AWS Secret Access Key and signing method. Consult the service"
    " documentation for details."
)


@attrs.frozen
class Rejection:
    """Why the front door turned a request away: the error type, its status, a message."""

    code: str
    message: str
    status: int = 403


def _incomplete(*messages: str) -> Rejection:
    return Rejection("IncompleteSignatureException", " ".join(messages))


def _invalid(message: str) -> Rejection:
    return Rejection("InvalidSignatureException", message)


@attrs.frozen(kw_only=True)
class _Parsed:
    access_key: str
    date: str
    region: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str


def _components(rest: str) -> dict[str, str] | Rejection:
    parts: dict[str, str] = {}
    for component in rest.split(","):
        text = component.strip()
        if not text:
            continue
        name, equals, value = text.partition("=")
        if not equals:
            return _incomplete(
                "A component of the Authorization header is not a valid key=value pair"
                " (missing equal-sign)."
            )
        parts[name.strip()] = value.strip()
    return parts


def _amz_date(headers: Mapping[str, str]) -> str | None:
    value = headers.get("x-amz-date")
    if value is not None:
        return value
    date = headers.get("date")
    if date is None:
        return None
    try:
        moment = parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _parse(header: str, headers: Mapping[str, str]) -> _Parsed | Rejection:
    algorithm, _, rest = header.strip().partition(" ")
    parts = _components(rest) if algorithm == _ALGORITHM else {}
    if isinstance(parts, Rejection):
        return parts
    messages = [
        f"Authorization header requires '{name}' parameter."
        for name in _REQUIRED
        if not parts.get(name)
    ]
    amz_date = _amz_date(headers)
    if amz_date is None:
        messages.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    if messages:
        if algorithm != _ALGORITHM:
            messages.insert(0, f"The Authorization header must use {_ALGORITHM} (SigV4).")
        return _incomplete(*messages)
    assert amz_date is not None  # noqa: S101 (narrowing: checked just above)
    return _parse_scope(parts, amz_date, headers)


def _parse_scope(  # noqa: C901, PLR0911 (one answer per rule, in the order AWS checks them)
    parts: dict[str, str], amz_date: str, headers: Mapping[str, str]
) -> _Parsed | Rejection:
    date_match = _AMZ_DATE.fullmatch(amz_date)
    if date_match is None:
        return _incomplete("X-Amz-Date must be in ISO-8601 basic format, YYYYMMDD'T'HHMMSS'Z'.")
    scope = parts["Credential"].split("/")
    if len(scope) != 5 or not scope[0]:  # noqa: PLR2004 (keyid/date/region/service/term)
        return _incomplete(
            "Credential must have exactly 5 slash-delimited elements, e.g."
            " keyid/date/region/service/term."
        )
    access_key, date, region, service, terminator = scope
    if not _DATE.fullmatch(date):
        return _incomplete("The date in the Credential scope must be YYYYMMDD.")
    if not _REGION.fullmatch(region):
        return _invalid("Credential should be scoped to a valid region.")
    if service != SIGNING_NAME:
        return _invalid(f"Credential should be scoped to correct service: '{SIGNING_NAME}'.")
    if terminator != "aws4_request":
        return _invalid("Credential should be scoped with a valid terminator: 'aws4_request'.")
    if date != date_match[1]:
        return _invalid(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date"
            " from HTTP."
        )
    signed = tuple(parts["SignedHeaders"].split(";"))
    if not all(_HEADER_NAME.fullmatch(name) for name in signed):
        return _incomplete("SignedHeaders must be lower-case header names separated by ';'.")
    if "host" not in signed:
        return _incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )
    missing = [name for name in signed if name not in headers]
    if missing:
        return _invalid(f"Signed headers are missing from the request: {', '.join(missing)}.")
    if not _SIGNATURE.fullmatch(parts["Signature"]):
        return _invalid(_MISMATCH)
    return _Parsed(
        access_key=access_key,
        date=date,
        region=region,
        signed_headers=signed,
        signature=parts["Signature"],
        amz_date=amz_date,
    )


def _expected_signature(
    parsed: _Parsed,
    secret: str,
    *,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
) -> str:
    """The signature botocore's signer makes for this request with ``secret``."""
    # botocore is already a dependency; importing it here keeps the module cheap to
    # import for users who never turn verification on.
    from botocore.auth import SigV4Auth  # noqa: PLC0415
    from botocore.awsrequest import AWSRequest  # noqa: PLC0415
    from botocore.compat import HTTPHeaders  # noqa: PLC0415
    from botocore.credentials import Credentials  # noqa: PLC0415

    class Verifier(SigV4Auth):
        def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:  # noqa: ARG002 (botocore's signature)
            # Exactly the headers the client says it signed, not botocore's own choice.
            chosen = HTTPHeaders()
            for name in parsed.signed_headers:
                chosen[name] = headers[name]
            return chosen

    verifier = Verifier(Credentials(parsed.access_key, secret), SIGNING_NAME, parsed.region)
    request = AWSRequest(
        method=method,
        url=f"http://{headers['host']}{target}",
        headers={name: headers[name] for name in parsed.signed_headers},
        data=body,
    )
    request.context["timestamp"] = parsed.amz_date
    canonical = verifier.canonical_request(request)
    return str(verifier.signature(verifier.string_to_sign(request, canonical), request))


def check_authorization(
    header: str,
    *,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    credentials: Mapping[str, str] | None,
) -> Rejection | None:
    """Check a request's ``Authorization`` header; ``None`` means it may pass.

    Args:
        header: The ``Authorization`` header's value.
        method: The HTTP method.
        target: The request target as sent (path and query, percent-encoded).
        headers: Every request header, names lower-cased.
        body: The request body.
        credentials: Secret access keys by access key id; ``None`` checks the form only.
    """
    parsed = _parse(header, headers)
    if isinstance(parsed, Rejection):
        return parsed
    if credentials is None:
        return None
    secret = credentials.get(parsed.access_key)
    if secret is None:
        return Rejection(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    claimed = headers.get("x-amz-content-sha256")
    if claimed not in (None, "UNSIGNED-PAYLOAD", hashlib.sha256(body).hexdigest()):
        return _invalid(
            "The provided 'x-amz-content-sha256' header does not match what was computed."
        )
    try:
        expected = _expected_signature(
            parsed, secret, method=method, target=target, headers=headers, body=body
        )
    except ValueError:
        # A Host or target no URL can hold (e.g. "Host: [") was not what was signed.
        expected = ""
    return None if hmac.compare_digest(expected, parsed.signature) else _invalid(_MISMATCH)
