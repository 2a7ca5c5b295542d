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
* ``MaxResults`` (``page_size``): an integer from 1 to 100.

All violations of one call are collected and raised together, before any request.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Final

from ._models import (
    CallLeg,
    SpeakerSearchTask,
    SpeakerSearchTaskStatus,
    VoiceprintGenerationStatus,
)
from .errors import InvalidParameterError, Violation, VoiceprintUnavailableError

__all__ = [
    "VOICEPRINT_LIFETIME",
    "check_create_voice_profile",
    "check_enrol",
    "check_get",
    "check_list_voice_profile_domains",
    "check_list_voice_profiles",
    "check_start",
    "check_update_voice_profile",
    "check_voice_profile_domain_id",
    "check_voice_profile_id",
]

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
PAGE_SIZE_MIN: Final = 1
PAGE_SIZE_MAX: Final = 100
# The service keeps a task's voiceprint this long (developer guide, "Voice profiles").
VOICEPRINT_LIFETIME: Final = timedelta(hours=24)


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


# --- voice profiles ----------------------------------------------------------------------
# Each returns the operation's botocore parameters; the sync and async clients share them.


def _check_page_size(errors: list[Violation], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.append(
            Violation(
                parameter="MaxResults",
                constraint=f"must be an int from {PAGE_SIZE_MIN} to {PAGE_SIZE_MAX}",
                value=value,
                got=f"{_type_name(value)} {value!r}",
            )
        )
    elif not PAGE_SIZE_MIN <= value <= PAGE_SIZE_MAX:
        errors.append(
            Violation(
                parameter="MaxResults",
                constraint=f"must be from {PAGE_SIZE_MIN} to {PAGE_SIZE_MAX}",
                value=value,
            )
        )


def _checked(errors: list[Violation], **params: object) -> dict[str, object]:
    """Raise the collected violations, or return the parameters with plain strings."""
    if errors:
        raise InvalidParameterError(errors)
    # Plain str and int: on Python 3.10 the query serialiser's str() of an IntEnum
    # member is its name ("Size.SMALL"), not its number.
    return {
        name: _plain(value) if isinstance(value, str) else int(value)  # type: ignore[call-overload]
        for name, value in params.items()
        if value is not None
    }


def check_create_voice_profile(*, speaker_search_task_id: object) -> dict[str, object]:
    """Check CreateVoiceProfile's argument; return it as botocore parameters.

    Raises:
        InvalidParameterError: listing every broken rule.
    """
    errors: list[Violation] = []
    _check_id(errors, "SpeakerSearchTaskId", speaker_search_task_id, ID_MAX)
    return _checked(errors, SpeakerSearchTaskId=speaker_search_task_id)


def check_update_voice_profile(
    *, voice_profile_id: object, speaker_search_task_id: object
) -> dict[str, object]:
    """Check UpdateVoiceProfile's arguments; return them as botocore parameters.

    Raises:
        InvalidParameterError: listing every broken rule.
    """
    errors: list[Violation] = []
    _check_id(errors, "VoiceProfileId", voice_profile_id, ID_MAX)
    _check_id(errors, "SpeakerSearchTaskId", speaker_search_task_id, ID_MAX)
    return _checked(
        errors, VoiceProfileId=voice_profile_id, SpeakerSearchTaskId=speaker_search_task_id
    )


def check_voice_profile_id(*, voice_profile_id: object) -> dict[str, object]:
    """Check Get/DeleteVoiceProfile's argument; return it as botocore parameters.

    Raises:
        InvalidParameterError: listing every broken rule.
    """
    errors: list[Violation] = []
    _check_id(errors, "VoiceProfileId", voice_profile_id, ID_MAX)
    return _checked(errors, VoiceProfileId=voice_profile_id)


def check_voice_profile_domain_id(*, voice_profile_domain_id: object) -> dict[str, object]:
    """Check GetVoiceProfileDomain's argument; return it as botocore parameters.

    Raises:
        InvalidParameterError: listing every broken rule.
    """
    errors: list[Violation] = []
    _check_id(errors, "VoiceProfileDomainId", voice_profile_domain_id, ID_MAX)
    return _checked(errors, VoiceProfileDomainId=voice_profile_domain_id)


def check_list_voice_profiles(
    *, voice_profile_domain_id: object, page_size: object
) -> dict[str, object]:
    """Check ListVoiceProfiles' arguments; return them as botocore parameters.

    ``page_size`` is optional (``None``: the service's default page size).

    Raises:
        InvalidParameterError: listing every broken rule.
    """
    errors: list[Violation] = []
    _check_id(errors, "VoiceProfileDomainId", voice_profile_domain_id, ID_MAX)
    if page_size is not None:
        _check_page_size(errors, page_size)
    return _checked(errors, VoiceProfileDomainId=voice_profile_domain_id, MaxResults=page_size)


def check_list_voice_profile_domains(*, page_size: object) -> dict[str, object]:
    """Check ListVoiceProfileDomains' argument; return it as botocore parameters.

    Raises:
        InvalidParameterError: listing every broken rule.
    """
    errors: list[Violation] = []
    if page_size is not None:
        _check_page_size(errors, page_size)
    return _checked(errors, MaxResults=page_size)


def _voiceprint_generated(task: SpeakerSearchTask) -> bool:
    details = task.speaker_search_details
    voiceprint = details.voiceprint_generation_status if details is not None else None
    if voiceprint is VoiceprintGenerationStatus.VOICEPRINT_GENERATION_SUCCESS:
        return True
    # A SUCCEEDED task made a voiceprint, unless its details say in so many words that
    # it did not: sending then could only fail at the service.
    return (
        task.speaker_search_task_status is SpeakerSearchTaskStatus.SUCCEEDED
        and voiceprint is not VoiceprintGenerationStatus.VOICEPRINT_GENERATION_FAILURE
    )


def check_enrol(
    task: object, *, voice_profile_id: object, now: datetime
) -> tuple[str, dict[str, object]]:
    """Check ``enrol()``'s arguments and the task's voiceprint, before anything is sent.

    Args:
        task: The speaker search task whose voiceprint is to become a profile.
        voice_profile_id: The profile to refresh, or ``None`` to create one.
        now: The current time (the client's clock), to age the voiceprint.

    Returns:
        ``("CreateVoiceProfile", params)``, or ``("UpdateVoiceProfile", params)`` when a
        profile id is given.

    Raises:
        InvalidParameterError: an argument breaks the rules (all violations together).
        VoiceprintUnavailableError: the task made no voiceprint, or it is 24 hours old
            or older by the task's ``updated_timestamp``. A task without that timestamp
            cannot be aged here: the service then decides (``GoneException``).
    """
    if not isinstance(task, SpeakerSearchTask):
        errors = [
            Violation(
                parameter="task",
                constraint="must be a SpeakerSearchTask (as get_speaker_search_task returns)",
                value=task,
                got=_type_name(task),
            )
        ]
        if voice_profile_id is not None:
            _check_id(errors, "VoiceProfileId", voice_profile_id, ID_MAX)
        raise InvalidParameterError(errors)
    if voice_profile_id is None:
        operation = "CreateVoiceProfile"
        params = check_create_voice_profile(speaker_search_task_id=task.speaker_search_task_id)
    else:
        operation = "UpdateVoiceProfile"
        params = check_update_voice_profile(
            voice_profile_id=voice_profile_id,
            speaker_search_task_id=task.speaker_search_task_id,
        )
    task_id = task.speaker_search_task_id
    if not _voiceprint_generated(task):
        details = task.speaker_search_details
        voiceprint = details.voiceprint_generation_status if details is not None else None
        raise VoiceprintUnavailableError(
            f"Cannot enrol from task {task_id!r}: it generated no voiceprint (status "
            f"{task.speaker_search_task_status.value}, voiceprint "
            f"{voiceprint.value if voiceprint is not None else 'not reported'}). Nothing "
            "was sent. A voiceprint needs a SUCCEEDED task (about 20 seconds of the "
            "caller's speech); wait for the task to finish, or enrol from a later call.",
            task=task,
            reason="not generated",
        )
    updated = task.updated_timestamp
    if updated is not None and now - updated >= VOICEPRINT_LIFETIME:
        hours = (now - updated).total_seconds() / 3600
        raise VoiceprintUnavailableError(
            f"Cannot enrol from task {task_id!r}: its voiceprint has expired (the task "
            f"was last updated {hours:.1f} hours ago, at {updated.isoformat()}; the "
            "service keeps a voiceprint for 24 hours). Nothing was sent. Enrol the "
            "caller from a speaker search on a later call.",
            task=task,
            reason="expired",
        )
    return operation, params
