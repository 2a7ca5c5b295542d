"""Local checks of every input against the service's documented rules.

Rules (from the API reference):

* ids: 1..N characters and the pattern ``.*\\S.*``. Smithy patterns are ECMA-262
  regular expressions with search semantics (not anchored), so the rule is "contains
  at least one character that is not ECMAScript whitespace". ``"abc\\n"`` is valid,
  ``"   "`` is not.
* ``ClientRequestToken``: printed as ``^[-_a-zA-Z0-9]*${2,64}$``, which is not a valid
  regular expression; its meaning, implemented here, is 2..64 characters of
  ``[-_a-zA-Z0-9]``.
* ``CallLeg``: ``Caller`` or ``Callee``.

All violations of one call are collected and raised together, before any request.
"""

from __future__ import annotations

import re
from typing import Final

from ._models import CallLeg
from .errors import InvalidParameterError, Violation

__all__ = ["check_get", "check_start"]

# ECMAScript's \s (WhiteSpace + LineTerminator), which Smithy patterns use. Python's
# own \s differs at the edges (it includes U+001C..U+001F and U+0085, and excludes
# U+FEFF), so the class is spelled out.
_ECMA_WHITESPACE: Final = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_NON_WHITESPACE: Final = re.compile(f"[^{_ECMA_WHITESPACE}]")
_TOKEN_CHARS: Final = re.compile(r"[-_a-zA-Z0-9]*")
_LONE_SURROGATE: Final = re.compile("[\ud800-\udfff]")

VOICE_CONNECTOR_ID_MAX: Final = 128
ID_MAX: Final = 256
TOKEN_MIN: Final = 2
TOKEN_MAX: Final = 64


def _plain(value: str) -> str:
    # str(x) of a str-based Enum member is "Class.MEMBER"; the data is what is meant.
    return str.__str__(value)


def _type_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


def _check_id(errors: list[Violation], parameter: str, value: object, max_length: int) -> None:
    if value is None:
        errors.append(Violation(parameter=parameter, constraint="is required", value=value))
        return
    if not isinstance(value, str):
        errors.append(
            Violation(
                parameter=parameter,
                constraint="must be a string",
                value=value,
                got=f"{_type_name(value)} {value!r}",
            )
        )
        return
    if not 1 <= len(value) <= max_length:
        errors.append(
            Violation(
                parameter=parameter,
                constraint=f"must be 1-{max_length} characters",
                value=value,
                got=f"{len(value)}",
            )
        )
    elif _LONE_SURROGATE.search(value):
        errors.append(
            Violation(
                parameter=parameter,
                constraint="must be valid Unicode text (it contains a lone surrogate)",
                value=value,
            )
        )
    elif not _NON_WHITESPACE.search(value):
        errors.append(
            Violation(
                parameter=parameter,
                constraint="must contain a non-whitespace character",
                value=value,
            )
        )


def _check_token(errors: list[Violation], value: object) -> None:
    parameter = "ClientRequestToken"
    if not isinstance(value, str):
        errors.append(
            Violation(
                parameter=parameter,
                constraint="must be a string",
                value=value,
                got=f"{_type_name(value)} {value!r}",
            )
        )
        return
    if not TOKEN_MIN <= len(value) <= TOKEN_MAX:
        errors.append(
            Violation(
                parameter=parameter,
                constraint=f"must be {TOKEN_MIN}-{TOKEN_MAX} characters",
                value=value,
                got=f"{len(value)}",
            )
        )
    elif not _TOKEN_CHARS.fullmatch(value):
        errors.append(
            Violation(
                parameter=parameter,
                constraint="must contain only letters A-Z a-z, digits 0-9, '-' and '_'",
                value=value,
            )
        )


def _check_call_leg(errors: list[Violation], value: object) -> str | None:
    if isinstance(value, CallLeg):
        return value.value
    if isinstance(value, str):
        try:
            return CallLeg(value).value
        except ValueError:
            pass
    errors.append(
        Violation(parameter="CallLeg", constraint="must be 'Caller' or 'Callee'", value=value)
    )
    return None


def check_start(
    *,
    voice_connector_id: object,
    transaction_id: object,
    voice_profile_domain_id: object,
    call_leg: object,
    client_request_token: object,
) -> dict[str, str]:
    """Check StartSpeakerSearchTask's arguments; return them as botocore parameters.

    ``call_leg`` and ``client_request_token`` are optional (``None`` = omit).

    Raises:
        InvalidParameterError: listing every broken rule.
    """
    errors: list[Violation] = []
    _check_id(errors, "VoiceConnectorId", voice_connector_id, VOICE_CONNECTOR_ID_MAX)
    _check_id(errors, "TransactionId", transaction_id, ID_MAX)
    _check_id(errors, "VoiceProfileDomainId", voice_profile_domain_id, ID_MAX)
    leg = None if call_leg is None else _check_call_leg(errors, call_leg)
    if client_request_token is not None:
        _check_token(errors, client_request_token)
    if errors:
        raise InvalidParameterError(errors)
    params = {
        "VoiceConnectorId": _plain(voice_connector_id),  # type: ignore[arg-type]
        "TransactionId": _plain(transaction_id),  # type: ignore[arg-type]
        "VoiceProfileDomainId": _plain(voice_profile_domain_id),  # type: ignore[arg-type]
    }
    if leg is not None:
        params["CallLeg"] = leg
    if client_request_token is not None:
        params["ClientRequestToken"] = _plain(client_request_token)  # type: ignore[arg-type]
    return params


def check_get(*, voice_connector_id: object, speaker_search_task_id: object) -> dict[str, str]:
    """Check Get/StopSpeakerSearchTask's arguments; return them as botocore parameters.

    Raises:
        InvalidParameterError: listing every broken rule.
    """
    errors: list[Violation] = []
    _check_id(errors, "VoiceConnectorId", voice_connector_id, VOICE_CONNECTOR_ID_MAX)
    _check_id(errors, "SpeakerSearchTaskId", speaker_search_task_id, ID_MAX)
    if errors:
        raise InvalidParameterError(errors)
    return {
        "VoiceConnectorId": _plain(voice_connector_id),  # type: ignore[arg-type]
        "SpeakerSearchTaskId": _plain(speaker_search_task_id),  # type: ignore[arg-type]
    }
